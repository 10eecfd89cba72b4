//go:build amd64 && !purego

#include "textflag.h"

// The SOFTMAX kernels of softmax.go. Each follows its Go definition
// (softmaxF32Go with expF32, softmaxI8SumGo, softmaxI8ScaleGo) lane by
// lane and gives the same bits.

// softmaxConst holds expF32's constants (softmax.go), each as eight equal
// 32-bit lanes, at these offsets:
//	0x000 expLo   0x020 expLog2E  0x040 expLn2Hi  0x060 expLn2Lo
//	0x080 expC5   0x0a0 expC4     0x0c0 expC3     0x0e0 expC2
//	0x100 expC1   0x120 1.0       0x140 int32 127 0x160 −Inf
DATA softmaxConst<>+0x000(SB)/8, $0xc2aeac50c2aeac50
DATA softmaxConst<>+0x008(SB)/8, $0xc2aeac50c2aeac50
DATA softmaxConst<>+0x010(SB)/8, $0xc2aeac50c2aeac50
DATA softmaxConst<>+0x018(SB)/8, $0xc2aeac50c2aeac50
DATA softmaxConst<>+0x020(SB)/8, $0x3fb8aa3b3fb8aa3b
DATA softmaxConst<>+0x028(SB)/8, $0x3fb8aa3b3fb8aa3b
DATA softmaxConst<>+0x030(SB)/8, $0x3fb8aa3b3fb8aa3b
DATA softmaxConst<>+0x038(SB)/8, $0x3fb8aa3b3fb8aa3b
DATA softmaxConst<>+0x040(SB)/8, $0x3f3170003f317000
DATA softmaxConst<>+0x048(SB)/8, $0x3f3170003f317000
DATA softmaxConst<>+0x050(SB)/8, $0x3f3170003f317000
DATA softmaxConst<>+0x058(SB)/8, $0x3f3170003f317000
DATA softmaxConst<>+0x060(SB)/8, $0x3805fdf43805fdf4
DATA softmaxConst<>+0x068(SB)/8, $0x3805fdf43805fdf4
DATA softmaxConst<>+0x070(SB)/8, $0x3805fdf43805fdf4
DATA softmaxConst<>+0x078(SB)/8, $0x3805fdf43805fdf4
DATA softmaxConst<>+0x080(SB)/8, $0x3c07d3943c07d394
DATA softmaxConst<>+0x088(SB)/8, $0x3c07d3943c07d394
DATA softmaxConst<>+0x090(SB)/8, $0x3c07d3943c07d394
DATA softmaxConst<>+0x098(SB)/8, $0x3c07d3943c07d394
DATA softmaxConst<>+0x0a0(SB)/8, $0x3d2b9cfa3d2b9cfa
DATA softmaxConst<>+0x0a8(SB)/8, $0x3d2b9cfa3d2b9cfa
DATA softmaxConst<>+0x0b0(SB)/8, $0x3d2b9cfa3d2b9cfa
DATA softmaxConst<>+0x0b8(SB)/8, $0x3d2b9cfa3d2b9cfa
DATA softmaxConst<>+0x0c0(SB)/8, $0x3e2aad363e2aad36
DATA softmaxConst<>+0x0c8(SB)/8, $0x3e2aad363e2aad36
DATA softmaxConst<>+0x0d0(SB)/8, $0x3e2aad363e2aad36
DATA softmaxConst<>+0x0d8(SB)/8, $0x3e2aad363e2aad36
DATA softmaxConst<>+0x0e0(SB)/8, $0x3efffee33efffee3
DATA softmaxConst<>+0x0e8(SB)/8, $0x3efffee33efffee3
DATA softmaxConst<>+0x0f0(SB)/8, $0x3efffee33efffee3
DATA softmaxConst<>+0x0f8(SB)/8, $0x3efffee33efffee3
DATA softmaxConst<>+0x100(SB)/8, $0x3f7ffffb3f7ffffb
DATA softmaxConst<>+0x108(SB)/8, $0x3f7ffffb3f7ffffb
DATA softmaxConst<>+0x110(SB)/8, $0x3f7ffffb3f7ffffb
DATA softmaxConst<>+0x118(SB)/8, $0x3f7ffffb3f7ffffb
DATA softmaxConst<>+0x120(SB)/8, $0x3f8000003f800000
DATA softmaxConst<>+0x128(SB)/8, $0x3f8000003f800000
DATA softmaxConst<>+0x130(SB)/8, $0x3f8000003f800000
DATA softmaxConst<>+0x138(SB)/8, $0x3f8000003f800000
DATA softmaxConst<>+0x140(SB)/8, $0x0000007f0000007f
DATA softmaxConst<>+0x148(SB)/8, $0x0000007f0000007f
DATA softmaxConst<>+0x150(SB)/8, $0x0000007f0000007f
DATA softmaxConst<>+0x158(SB)/8, $0x0000007f0000007f
DATA softmaxConst<>+0x160(SB)/8, $0xff800000ff800000
DATA softmaxConst<>+0x168(SB)/8, $0xff800000ff800000
DATA softmaxConst<>+0x170(SB)/8, $0xff800000ff800000
DATA softmaxConst<>+0x178(SB)/8, $0xff800000ff800000
GLOBL softmaxConst<>(SB), RODATA|NOPTR, $384

// softmaxTailMask is eight all-ones int32s then eight zeros: the 32 bytes
// at offset 32 − 4t select the first t lanes (a VMASKMOVPS mask).
DATA softmaxTailMask<>+0x00(SB)/8, $0xffffffffffffffff
DATA softmaxTailMask<>+0x08(SB)/8, $0xffffffffffffffff
DATA softmaxTailMask<>+0x10(SB)/8, $0xffffffffffffffff
DATA softmaxTailMask<>+0x18(SB)/8, $0xffffffffffffffff
DATA softmaxTailMask<>+0x20(SB)/8, $0
DATA softmaxTailMask<>+0x28(SB)/8, $0
DATA softmaxTailMask<>+0x30(SB)/8, $0
DATA softmaxTailMask<>+0x38(SB)/8, $0
GLOBL softmaxTailMask<>(SB), RODATA|NOPTR, $64

// SMX_EXP_AVX2(t, r, n, p, k) turns the eight x values in t into
// p = expF32((x − m)·beta), with m in Y15, beta in Y14, expLo in Y13 and
// log₂e in Y12; r, n and k are scratch. Step by step:
//	t = (x − m)·beta;  k = t < lo (ordered, so false for NaN)
//	r = max(t, lo)     (VMAXPS with lo first: lo only when lo > t, so a NaN t is kept)
//	n = round(r·log₂e) (to nearest even);  r = r − n·ln2hi;  r = r − n·ln2lo  (FMAs)
//	p = c5;  p = p·r + c4 … p·r + c1;  p = p·r + 1  (FMAs)
//	p = p · float32frombits((int32(n) + 127) << 23);  p = 0 where k
// A NaN t gives a NaN r and p (the integer conversion of NaN gives some
// power of two, which keeps it NaN).
#define SMX_EXP_AVX2(t, r, n, p, k) \
	VSUBPS       Y15, t, t;                          \
	VMULPS       Y14, t, t;                          \
	VCMPPS       $0x11, Y13, t, k;                   \
	VMAXPS       t, Y13, r;                          \
	VMULPS       Y12, r, n;                          \
	VROUNDPS     $8, n, n;                           \
	VFNMADD231PS softmaxConst<>+0x040(SB), n, r;     \
	VFNMADD231PS softmaxConst<>+0x060(SB), n, r;     \
	VMOVUPS      softmaxConst<>+0x080(SB), p;        \
	VFMADD213PS  softmaxConst<>+0x0a0(SB), r, p;     \
	VFMADD213PS  softmaxConst<>+0x0c0(SB), r, p;     \
	VFMADD213PS  softmaxConst<>+0x0e0(SB), r, p;     \
	VFMADD213PS  softmaxConst<>+0x100(SB), r, p;     \
	VFMADD213PS  softmaxConst<>+0x120(SB), r, p;     \
	VCVTPS2DQ    n, n;                               \
	VPADDD       softmaxConst<>+0x140(SB), n, n;     \
	VPSLLD       $23, n, n;                          \
	VMULPS       n, p, p;                            \
	VANDNPS      p, k, p

// SMX_SUM_TREE(a, b, xa, xb) adds the 16 partial sums in YMM a (lanes
// 0–7) and b (lanes 8–15) in softmaxSum16's tree, leaving the total in
// lane 0 of a; xa and xb are the XMM names of a and b, which is scratch.
// The shuffles: 0x4e swaps the two halves of an XMM, 0xb1 neighbouring
// lanes.
#define SMX_SUM_TREE(a, b, xa, xb) \
	VADDPS       b, a, a;            \
	VEXTRACTF128 $1, a, xb;          \
	VADDPS       xb, xa, xa;         \
	VPERMILPS    $0x4e, xa, xb;      \
	VADDPS       xb, xa, xa;         \
	VPERMILPS    $0xb1, xa, xb;      \
	VADDPS       xb, xa, xa

// func softmaxF32AVX2(y, x *float32, rows, depth int, beta float32)
//
// SoftmaxF32 on rows rows of depth values (rows, depth ≥ 1), three passes
// a row: the maximum (8 lanes twice, a masked last vector whose other lanes
// are −Inf), e = exp(beta·(x − m)) stored to y and summed into the 16
// partial sums of softmaxF32Go (Y10 lanes 0–7, Y11 lanes 8–15: element i
// goes to lane i mod 16), the sums added in the fixed tree and y multiplied
// by 1/sum. The last depth mod 8 values go through VMASKMOVPS, which
// neither reads nor writes past the row; their e is masked to +0 before it
// is summed.
//
// Registers:
//	SI  &x[row];  DI &y[row];  DX x cursor;  BX y cursor;  CX values left
//	R8  rows left;  R9 depth;  R10 depth mod 8;  AX &the tail mask
//	Y15 m;  Y14 beta;  Y13 expLo;  Y12 log₂e (broadcast);  Y10, Y11 the sums
//	Y0–Y4, Y5–Y9 SMX_EXP_AVX2's registers; in the max and scale passes Y0–Y4
TEXT ·softmaxF32AVX2(SB), NOSPLIT, $0-36
	MOVQ         y+0(FP), DI
	MOVQ         x+8(FP), SI
	MOVQ         rows+16(FP), R8
	MOVQ         depth+24(FP), R9
	VBROADCASTSS beta+32(FP), Y14
	VMOVUPS      softmaxConst<>+0x000(SB), Y13
	VMOVUPS      softmaxConst<>+0x020(SB), Y12
	MOVQ         R9, R10
	ANDQ         $7, R10
	LEAQ         softmaxTailMask<>+32(SB), AX
	MOVQ         R10, CX
	SHLQ         $2, CX
	SUBQ         CX, AX

smaRow:
	// Pass 1: m = max x.
	VMOVUPS softmaxConst<>+0x160(SB), Y0
	VMOVAPS Y0, Y1
	MOVQ    SI, DX
	MOVQ    R9, CX
	CMPQ    CX, $16
	JLT     smaMax8

smaMax16:
	VMAXPS (DX), Y0, Y0
	VMAXPS 32(DX), Y1, Y1
	ADDQ   $64, DX
	SUBQ   $16, CX
	CMPQ   CX, $16
	JGE    smaMax16

smaMax8:
	CMPQ   CX, $8
	JLT    smaMaxTail
	VMAXPS (DX), Y0, Y0
	ADDQ   $32, DX
	SUBQ   $8, CX

smaMaxTail:
	TESTQ      CX, CX
	JZ         smaMaxReduce
	VMOVDQU    (AX), Y2
	VMASKMOVPS (DX), Y2, Y3
	VMOVUPS    softmaxConst<>+0x160(SB), Y4
	VBLENDVPS  Y2, Y3, Y4, Y3 // mask ? x : −Inf
	VMAXPS     Y3, Y0, Y0

smaMaxReduce:
	VMAXPS       Y1, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VMAXPS       X1, X0, X0
	VPERMILPS    $0x4e, X0, X1
	VMAXPS       X1, X0, X0
	VPERMILPS    $0xb1, X0, X1
	VMAXPS       X1, X0, X0
	VBROADCASTSS X0, Y15

	// Pass 2: y = e, summed.
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11
	MOVQ   SI, DX
	MOVQ   DI, BX
	MOVQ   R9, CX
	CMPQ   CX, $16
	JLT    smaExp8

smaExp16:
	VMOVUPS (DX), Y0
	VMOVUPS 32(DX), Y5
	SMX_EXP_AVX2(Y0, Y1, Y2, Y3, Y4)
	SMX_EXP_AVX2(Y5, Y6, Y7, Y8, Y9)
	VMOVUPS Y3, (BX)
	VMOVUPS Y8, 32(BX)
	VADDPS  Y3, Y10, Y10
	VADDPS  Y8, Y11, Y11
	ADDQ    $64, DX
	ADDQ    $64, BX
	SUBQ    $16, CX
	CMPQ    CX, $16
	JGE     smaExp16

smaExp8:
	CMPQ    CX, $8
	JLT     smaExpTail0
	VMOVUPS (DX), Y0
	SMX_EXP_AVX2(Y0, Y1, Y2, Y3, Y4)
	VMOVUPS Y3, (BX)
	VADDPS  Y3, Y10, Y10
	ADDQ    $32, DX
	ADDQ    $32, BX
	SUBQ    $8, CX
	JZ      smaSum

	// The tail after a group of eight: lanes 8–15 of the sums.
	VMOVDQU    (AX), Y9
	VMASKMOVPS (DX), Y9, Y5
	SMX_EXP_AVX2(Y5, Y6, Y7, Y8, Y4)
	VANDPS     Y9, Y8, Y8
	VMASKMOVPS Y8, Y9, (BX)
	VADDPS     Y8, Y11, Y11
	JMP        smaSum

smaExpTail0:
	// The tail right after a multiple of 16: lanes 0–7.
	TESTQ      CX, CX
	JZ         smaSum
	VMOVDQU    (AX), Y9
	VMASKMOVPS (DX), Y9, Y5
	SMX_EXP_AVX2(Y5, Y6, Y7, Y8, Y4)
	VANDPS     Y9, Y8, Y8
	VMASKMOVPS Y8, Y9, (BX)
	VADDPS     Y8, Y10, Y10

smaSum:
	SMX_SUM_TREE(Y10, Y11, X10, X11)
	VMOVSS       softmaxConst<>+0x120(SB), X11
	VDIVSS       X10, X11, X11 // 1/sum
	VBROADCASTSS X11, Y11

	// Pass 3: y ·= 1/sum.
	MOVQ DI, BX
	MOVQ R9, CX
	CMPQ CX, $8
	JLT  smaScaleTail

smaScale8:
	VMULPS  (BX), Y11, Y0
	VMOVUPS Y0, (BX)
	ADDQ    $32, BX
	SUBQ    $8, CX
	CMPQ    CX, $8
	JGE     smaScale8

smaScaleTail:
	TESTQ      CX, CX
	JZ         smaNext
	VMOVDQU    (AX), Y9
	VMASKMOVPS (BX), Y9, Y0
	VMULPS     Y11, Y0, Y0
	VMASKMOVPS Y0, Y9, (BX)

smaNext:
	LEAQ (SI)(R9*4), SI
	LEAQ (DI)(R9*4), DI
	DECQ R8
	JNZ  smaRow
	VZEROUPPER
	RET

// SMX_EXP_AVX512(t, r, n, p, k) is SMX_EXP_AVX2 on 16 lanes, with the
// constants in registers (Z31 m, Z30 beta, Z29 expLo, Z28 log₂e, Z27
// ln2hi, Z26 ln2lo, Z25–Z21 c5–c1, Z20 1.0) and VSCALEFPS for the
// multiplication by 2ⁿ (the same correctly rounded product); k is a mask
// register, and p is zeroed where it is set.
#define SMX_EXP_AVX512(t, r, n, p, k) \
	VSUBPS       Z31, t, t;        \
	VMULPS       Z30, t, t;        \
	VCMPPS       $0x11, Z29, t, k; \
	VMAXPS       t, Z29, r;        \
	VMULPS       Z28, r, n;        \
	VRNDSCALEPS  $8, n, n;         \
	VFNMADD231PS Z27, n, r;        \
	VFNMADD231PS Z26, n, r;        \
	VMOVAPS      Z25, p;           \
	VFMADD213PS  Z24, r, p;        \
	VFMADD213PS  Z23, r, p;        \
	VFMADD213PS  Z22, r, p;        \
	VFMADD213PS  Z21, r, p;        \
	VFMADD213PS  Z20, r, p;        \
	VSCALEFPS    n, p, p;          \
	VPXORD       p, p, k, p

// func softmaxF32AVX512(y, x *float32, rows, depth int, beta float32)
//
// softmaxF32AVX2 with 16 lanes: one accumulator, Z8, holds the 16 partial
// sums (element i in lane i mod 16); the last depth mod 16 values go
// through K1-masked loads, stores, maxima and adds (masked-off lanes are
// neither read nor written, nor added to the sums). The sums' upper half
// is added to the lower one, which is then reduced as in the AVX2 kernel.
//
// Registers:
//	SI, DI, DX, BX, CX, R8, R9 as in softmaxF32AVX2;  R10 depth mod 16
//	K1  the tail lanes;  K2 t < lo
//	Z20–Z31 constants (SMX_EXP_AVX512);  Z18 −Inf;  Z8 the sums
//	Z0–Z3 (max, scale), Z0–Z3 SMX_EXP_AVX512's
TEXT ·softmaxF32AVX512(SB), NOSPLIT, $0-36
	MOVQ         y+0(FP), DI
	MOVQ         x+8(FP), SI
	MOVQ         rows+16(FP), R8
	MOVQ         depth+24(FP), R9
	VBROADCASTSS beta+32(FP), Z30
	VBROADCASTSS softmaxConst<>+0x000(SB), Z29
	VBROADCASTSS softmaxConst<>+0x020(SB), Z28
	VBROADCASTSS softmaxConst<>+0x040(SB), Z27
	VBROADCASTSS softmaxConst<>+0x060(SB), Z26
	VBROADCASTSS softmaxConst<>+0x080(SB), Z25
	VBROADCASTSS softmaxConst<>+0x0a0(SB), Z24
	VBROADCASTSS softmaxConst<>+0x0c0(SB), Z23
	VBROADCASTSS softmaxConst<>+0x0e0(SB), Z22
	VBROADCASTSS softmaxConst<>+0x100(SB), Z21
	VBROADCASTSS softmaxConst<>+0x120(SB), Z20
	VBROADCASTSS softmaxConst<>+0x160(SB), Z18
	MOVQ         R9, R10
	ANDQ         $15, R10
	MOVQ         R10, CX
	MOVL         $1, AX
	SHLL         CX, AX
	DECL         AX
	KMOVW        AX, K1 // (1 << (depth mod 16)) − 1

smzRow:
	// Pass 1: m = max x.
	VMOVAPS Z18, Z0
	MOVQ    SI, DX
	MOVQ    R9, CX
	CMPQ    CX, $16
	JLT     smzMaxTail

smzMax16:
	VMAXPS (DX), Z0, Z0
	ADDQ   $64, DX
	SUBQ   $16, CX
	CMPQ   CX, $16
	JGE    smzMax16

smzMaxTail:
	TESTQ         CX, CX
	JZ            smzMaxReduce
	VMAXPS        (DX), Z0, K1, Z0

smzMaxReduce:
	VEXTRACTF64X4 $1, Z0, Y1
	VMAXPS        Y1, Y0, Y0
	VEXTRACTF128  $1, Y0, X1
	VMAXPS        X1, X0, X0
	VPERMILPS     $0x4e, X0, X1
	VMAXPS        X1, X0, X0
	VPERMILPS     $0xb1, X0, X1
	VMAXPS        X1, X0, X0
	VBROADCASTSS  X0, Z31

	// Pass 2: y = e, summed.
	VPXORD Z8, Z8, Z8
	MOVQ   SI, DX
	MOVQ   DI, BX
	MOVQ   R9, CX
	CMPQ   CX, $16
	JLT    smzExpTail

smzExp16:
	VMOVUPS (DX), Z0
	SMX_EXP_AVX512(Z0, Z1, Z2, Z3, K2)
	VMOVUPS Z3, (BX)
	VADDPS  Z3, Z8, Z8
	ADDQ    $64, DX
	ADDQ    $64, BX
	SUBQ    $16, CX
	CMPQ    CX, $16
	JGE     smzExp16

smzExpTail:
	TESTQ     CX, CX
	JZ        smzSum
	VMOVUPS.Z (DX), K1, Z0
	SMX_EXP_AVX512(Z0, Z1, Z2, Z3, K2)
	VMOVUPS   Z3, K1, (BX)
	VADDPS    Z3, Z8, K1, Z8

smzSum:
	VEXTRACTF64X4 $1, Z8, Y9
	SMX_SUM_TREE(Y8, Y9, X8, X9)
	VMOVSS        softmaxConst<>+0x120(SB), X9
	VDIVSS        X8, X9, X9 // 1/sum
	VBROADCASTSS  X9, Z9

	// Pass 3: y ·= 1/sum.
	MOVQ DI, BX
	MOVQ R9, CX
	CMPQ CX, $16
	JLT  smzScaleTail

smzScale16:
	VMULPS  (BX), Z9, Z0
	VMOVUPS Z0, (BX)
	ADDQ    $64, BX
	SUBQ    $16, CX
	CMPQ    CX, $16
	JGE     smzScale16

smzScaleTail:
	TESTQ     CX, CX
	JZ        smzNext
	VMOVUPS.Z (BX), K1, Z0
	VMULPS    Z9, Z0, Z0
	VMOVUPS   Z0, K1, (BX)

smzNext:
	LEAQ (SI)(R9*4), SI
	LEAQ (DI)(R9*4), DI
	DECQ R8
	JNZ  smzRow
	VZEROUPPER
	RET

// func softmaxI8SumAVX2(row *int8, n int, tab *int32) (maxQ, sum int32)
//
// SoftmaxI8Sum on n ≥ 1 bytes. The maximum: VPMAXSB over 32, then 16 and
// 8 bytes, a shift-and-max tree down to byte 0, the last n mod 8 bytes one
// at a time. The sum: 8 bytes at a time sign-extended to int32s, the
// indices m − v (in [0, 255], m being the maximum) gathered from tab and
// added in two int32 accumulators (wrapping, so the order does not
// matter), the last n mod 8 one at a time.
//
// Registers:
//	SI  row;  R9 n;  R8 tab;  DX cursor;  CX bytes left
//	AX  the maximum;  BX the sum;  R10, R11 scratch
//	Y0, Y1 maxima, then indices;  Y2, Y4 gather masks;  Y3, Y5 gathered
//	Y10, Y11 sums;  Y15 the maximum (broadcast)
TEXT ·softmaxI8SumAVX2(SB), NOSPLIT, $0-32
	MOVQ         row+0(FP), SI
	MOVQ         n+8(FP), R9
	MOVQ         tab+16(FP), R8
	MOVL         $0x80808080, AX
	MOVL         AX, X0
	VPBROADCASTD X0, Y0
	MOVQ         SI, DX
	MOVQ         R9, CX
	CMPQ         CX, $32
	JLT          s8Max16

s8Max32:
	VPMAXSB (DX), Y0, Y0
	ADDQ    $32, DX
	SUBQ    $32, CX
	CMPQ    CX, $32
	JGE     s8Max32

s8Max16:
	VEXTRACTI128 $1, Y0, X1
	VPMAXSB      X1, X0, X0
	CMPQ         CX, $16
	JLT          s8Max8
	VPMAXSB      (DX), X0, X0
	ADDQ         $16, DX
	SUBQ         $16, CX

s8Max8:
	CMPQ    CX, $8
	JLT     s8MaxReduce
	VPBROADCASTQ (DX), X1 // both halves: no zero bytes
	VPMAXSB      X1, X0, X0
	ADDQ         $8, DX
	SUBQ    $8, CX

s8MaxReduce:
	// Byte 0 ends up the maximum of all 16 (the bytes shifted in are
	// zeros, but they only reach the upper bytes).
	VPSRLDQ $8, X0, X1
	VPMAXSB X1, X0, X0
	VPSRLDQ $4, X0, X1
	VPMAXSB X1, X0, X0
	VPSRLDQ $2, X0, X1
	VPMAXSB X1, X0, X0
	VPSRLDQ $1, X0, X1
	VPMAXSB X1, X0, X0
	VMOVD   X0, AX
	MOVBLSX AX, AX
	TESTQ   CX, CX
	JZ      s8MaxDone

s8MaxTail:
	MOVBLSX (DX), BX
	CMPL    BX, AX
	CMOVLGT BX, AX
	INCQ    DX
	DECQ    CX
	JNZ     s8MaxTail

s8MaxDone:
	MOVL         AX, X15
	VPBROADCASTD X15, Y15
	VPXOR        Y10, Y10, Y10
	VPXOR        Y11, Y11, Y11
	MOVQ         SI, DX
	MOVQ         R9, CX
	CMPQ         CX, $16
	JLT          s8Sum8

s8Sum16:
	VPMOVSXBD  (DX), Y0
	VPMOVSXBD  8(DX), Y1
	VPSUBD     Y0, Y15, Y0 // m − v
	VPSUBD     Y1, Y15, Y1
	VPCMPEQD   Y2, Y2, Y2
	VPGATHERDD Y2, (R8)(Y0*4), Y3
	VPCMPEQD   Y4, Y4, Y4
	VPGATHERDD Y4, (R8)(Y1*4), Y5
	VPADDD     Y3, Y10, Y10
	VPADDD     Y5, Y11, Y11
	ADDQ       $16, DX
	SUBQ       $16, CX
	CMPQ       CX, $16
	JGE        s8Sum16

s8Sum8:
	CMPQ       CX, $8
	JLT        s8SumReduce
	VPMOVSXBD  (DX), Y0
	VPSUBD     Y0, Y15, Y0
	VPCMPEQD   Y2, Y2, Y2
	VPGATHERDD Y2, (R8)(Y0*4), Y3
	VPADDD     Y3, Y10, Y10
	ADDQ       $8, DX
	SUBQ       $8, CX

s8SumReduce:
	VPADDD       Y11, Y10, Y10
	VEXTRACTI128 $1, Y10, X11
	VPADDD       X11, X10, X10
	VPSHUFD      $0x4e, X10, X11
	VPADDD       X11, X10, X10
	VPSHUFD      $0xb1, X10, X11
	VPADDD       X11, X10, X10
	VMOVD        X10, BX
	TESTQ        CX, CX
	JZ           s8SumDone

s8SumTail:
	MOVBLSX (DX), R10
	MOVL    AX, R11
	SUBL    R10, R11 // m − v, zero-extended
	ADDL    (R8)(R11*4), BX
	INCQ    DX
	DECQ    CX
	JNZ     s8SumTail

s8SumDone:
	MOVL AX, maxQ+24(FP)
	MOVL BX, sum+28(FP)
	VZEROUPPER
	RET

// func softmaxI8ScaleAVX2(dst, row *int8, n int, tab *int32, maxQ, recip int32, exponent int)
//
// SoftmaxI8Scale on n ≥ 1 bytes, exponent in [0, 31], 8 at a time:
//	idx = (maxQ − v) & 255;  e = tab[idx]  (VPGATHERDD)
//	p = e · recip  (VPMULUDQ: the even lanes, then the odd ones shifted down)
//	y = (p + 2³⁰) >> 31 mod 2³²  (the odd lanes as (p + 2³⁰) << 1, whose
//	    upper half is the same; VPBLENDD puts even and odd together)
//	z = (y + h) >> exponent  (VPADDD, VPSRLD);  z = min(z, 255)  (VPMINUD)
//	dst = byte(z) ^ 0x80  (two packs, which cannot saturate any more)
// and the last n mod 8 the same way one at a time in integer registers.
//
// Registers:
//	DI  dst;  SI row;  DX bytes left;  R8 tab;  R9 maxQ;  R10 recip
//	R11 h = 2^exponent >> 1;  CX exponent;  AX, BX scratch
//	Y15 maxQ, Y14 255, Y13 recip, Y12 2³⁰ (64-bit lanes), Y11 h (broadcast)
//	X10 exponent;  X9 0x80 bytes;  Y0–Y4 scratch
TEXT ·softmaxI8ScaleAVX2(SB), NOSPLIT, $0-48
	MOVQ         dst+0(FP), DI
	MOVQ         row+8(FP), SI
	MOVQ         n+16(FP), DX
	MOVQ         tab+24(FP), R8
	MOVL         maxQ+32(FP), R9
	MOVL         recip+36(FP), R10
	MOVQ         exponent+40(FP), CX
	MOVL         $1, R11
	SHLL         CX, R11
	SHRL         $1, R11
	MOVL         R9, X15
	VPBROADCASTD X15, Y15
	MOVL         $255, AX
	MOVL         AX, X14
	VPBROADCASTD X14, Y14
	MOVL         R10, X13
	VPBROADCASTD X13, Y13
	MOVQ         $0x40000000, AX
	MOVQ         AX, X12
	VPBROADCASTQ X12, Y12
	MOVL         R11, X11
	VPBROADCASTD X11, Y11
	MOVQ         CX, X10
	MOVL         $0x80808080, AX
	MOVL         AX, X9
	VPBROADCASTD X9, X9
	CMPQ         DX, $8
	JLT          s8ScaleTail

s8Scale8:
	VPMOVSXBD    (SI), Y0
	VPSUBD       Y0, Y15, Y0
	VPAND        Y14, Y0, Y0
	VPCMPEQD     Y1, Y1, Y1
	VPGATHERDD   Y1, (R8)(Y0*4), Y2
	VPMULUDQ     Y13, Y2, Y3
	VPSRLQ       $32, Y2, Y4
	VPMULUDQ     Y13, Y4, Y4
	VPADDQ       Y12, Y3, Y3
	VPADDQ       Y12, Y4, Y4
	VPSRLQ       $31, Y3, Y3
	VPSLLQ       $1, Y4, Y4
	VPBLENDD     $0xaa, Y4, Y3, Y3
	VPADDD       Y11, Y3, Y3
	VPSRLD       X10, Y3, Y3
	VPMINUD      Y14, Y3, Y3
	VEXTRACTI128 $1, Y3, X4
	VPACKUSDW    X4, X3, X3
	VPACKUSWB    X3, X3, X3
	VPXOR        X9, X3, X3
	VMOVQ        X3, (DI)
	ADDQ         $8, SI
	ADDQ         $8, DI
	SUBQ         $8, DX
	CMPQ         DX, $8
	JGE          s8Scale8

s8ScaleTail:
	TESTQ DX, DX
	JZ    s8ScaleDone

s8ScaleLoop:
	MOVBLSX (SI), AX
	MOVL    R9, BX
	SUBL    AX, BX
	ANDL    $255, BX
	MOVL    (R8)(BX*4), AX
	IMULQ   R10, AX          // the low 64 bits: the unsigned product
	ADDQ    $0x40000000, AX
	SHRQ    $31, AX
	ADDL    R11, AX
	SHRL    CX, AX
	MOVL    $255, BX
	CMPL    AX, BX
	CMOVLHI BX, AX
	XORL    $0x80, AX
	MOVB    AX, (DI)
	INCQ    SI
	INCQ    DI
	DECQ    DX
	JNZ     s8ScaleLoop

s8ScaleDone:
	VZEROUPPER
	RET
