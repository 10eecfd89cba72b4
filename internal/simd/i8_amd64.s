//go:build amd64 && !purego

#include "textflag.h"

// The int8 kernels of i8.go. Integer sums are exact modulo 2³², so these
// give the same bits as the Go definitions there whatever the order.

// ---------------------------------------------------------------------
// func dotU8I8VNNI(np, k4 int, u *uint8, ldu int, w *int8, c *int32, ldc int)
//
// For p < np (≥ 1) and j < 32:
//	c[p*ldc+j] = Σ_{q<k4} Σ_{t<4} u[p*ldu+4q+t] · w[(q*32+j)*4+t]
// with u unsigned and w signed bytes: one VPDPBUSD per 16 channels and four
// depths. Row p of c is two ZMM of int32: channels 0–15 and 16–31. The
// four bytes u[p*ldu+4q … +3] are broadcast to every lane (the unsigned
// operand); the block's 128 weight bytes of group q are the signed one.
// Rows are taken eight at a time (16 accumulators), then one at a time
// with two pairs of accumulators for even and odd q (summed at the end)
// to halve the dependency chains, which matters for a single row
// (FULLY_CONNECTED at batch 1).
//
// Registers:
//	Z0…Z15   accumulators: row r of the group in Z(2r) and Z(2r+1)
//	Z16,Z17  the weights of group q (channels 0–15, 16–31)
//	Z18…Z25  broadcasts of the four bytes of rows 0…7
//	AX  w (start of the block, for every group of rows)
//	BX  rows left
//	CX  q counter
//	DX  &c[row, 0] of the next row to store
//	SI  &u[row 0 of the group, 4q]; R13 the same for row 4
//	DI  &w[group q]
//	R8  ldu, R9 3·ldu (rows 0–3 at (SI), (SI)(R8*1), (SI)(R8*2), (SI)(R9*1))
//	R10 ldc in bytes
//	R11 k4
//	R12 &u[row 0 of the group, 0]
// ---------------------------------------------------------------------

#define DOT8_STEP \
	VMOVDQU32    (DI), Z16;         \
	VMOVDQU32    64(DI), Z17;       \
	VPBROADCASTD (SI), Z18;           \
	VPBROADCASTD (SI)(R8*1), Z19;     \
	VPBROADCASTD (SI)(R8*2), Z20;     \
	VPBROADCASTD (SI)(R9*1), Z21;     \
	VPBROADCASTD (R13), Z22;          \
	VPBROADCASTD (R13)(R8*1), Z23;    \
	VPBROADCASTD (R13)(R8*2), Z24;    \
	VPBROADCASTD (R13)(R9*1), Z25;    \
	VPDPBUSD     Z16, Z18, Z0;        \
	VPDPBUSD     Z17, Z18, Z1;        \
	VPDPBUSD     Z16, Z19, Z2;        \
	VPDPBUSD     Z17, Z19, Z3;        \
	VPDPBUSD     Z16, Z20, Z4;        \
	VPDPBUSD     Z17, Z20, Z5;        \
	VPDPBUSD     Z16, Z21, Z6;        \
	VPDPBUSD     Z17, Z21, Z7;        \
	VPDPBUSD     Z16, Z22, Z8;        \
	VPDPBUSD     Z17, Z22, Z9;        \
	VPDPBUSD     Z16, Z23, Z10;       \
	VPDPBUSD     Z17, Z23, Z11;       \
	VPDPBUSD     Z16, Z24, Z12;       \
	VPDPBUSD     Z17, Z24, Z13;       \
	VPDPBUSD     Z16, Z25, Z14;       \
	VPDPBUSD     Z17, Z25, Z15;       \
	ADDQ         $4, SI;              \
	ADDQ         $4, R13;             \
	ADDQ         $128, DI

TEXT ·dotU8I8VNNI(SB), NOSPLIT, $0-56
	MOVQ np+0(FP), BX
	MOVQ k4+8(FP), R11
	MOVQ u+16(FP), R12
	MOVQ ldu+24(FP), R8
	MOVQ w+32(FP), AX
	MOVQ c+40(FP), DX
	MOVQ ldc+48(FP), R10
	SHLQ $2, R10
	LEAQ (R8)(R8*2), R9
	CMPQ BX, $8
	JLT  dotTail

dotGroup:
	VPXORD    Z0, Z0, Z0
	VPXORD    Z1, Z1, Z1
	VPXORD    Z2, Z2, Z2
	VPXORD    Z3, Z3, Z3
	VPXORD    Z4, Z4, Z4
	VPXORD    Z5, Z5, Z5
	VPXORD    Z6, Z6, Z6
	VPXORD    Z7, Z7, Z7
	VPXORD    Z8, Z8, Z8
	VPXORD    Z9, Z9, Z9
	VPXORD    Z10, Z10, Z10
	VPXORD    Z11, Z11, Z11
	VPXORD    Z12, Z12, Z12
	VPXORD    Z13, Z13, Z13
	VPXORD    Z14, Z14, Z14
	VPXORD    Z15, Z15, Z15
	MOVQ R12, SI
	LEAQ (R12)(R8*4), R13
	MOVQ AX, DI
	MOVQ R11, CX

dotLoop8:
	DOT8_STEP
	DECQ CX
	JNZ  dotLoop8
	VMOVDQU32 Z0, (DX)
	VMOVDQU32 Z1, 64(DX)
	ADDQ      R10, DX
	VMOVDQU32 Z2, (DX)
	VMOVDQU32 Z3, 64(DX)
	ADDQ      R10, DX
	VMOVDQU32 Z4, (DX)
	VMOVDQU32 Z5, 64(DX)
	ADDQ      R10, DX
	VMOVDQU32 Z6, (DX)
	VMOVDQU32 Z7, 64(DX)
	ADDQ      R10, DX
	VMOVDQU32 Z8, (DX)
	VMOVDQU32 Z9, 64(DX)
	ADDQ      R10, DX
	VMOVDQU32 Z10, (DX)
	VMOVDQU32 Z11, 64(DX)
	ADDQ      R10, DX
	VMOVDQU32 Z12, (DX)
	VMOVDQU32 Z13, 64(DX)
	ADDQ      R10, DX
	VMOVDQU32 Z14, (DX)
	VMOVDQU32 Z15, 64(DX)
	ADDQ      R10, DX
	LEAQ (R12)(R8*8), R12
	SUBQ $8, BX
	CMPQ BX, $8
	JGE  dotGroup

dotTail:
	TESTQ BX, BX
	JZ    dotDone

dotRow:
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	MOVQ   R12, SI
	MOVQ   AX, DI
	MOVQ   R11, CX
	CMPQ   CX, $2
	JLT    dotRowOdd

dotRowPair:
	VPBROADCASTD (SI), Z18
	VPBROADCASTD 4(SI), Z19
	VPDPBUSD     (DI), Z18, Z0
	VPDPBUSD     64(DI), Z18, Z1
	VPDPBUSD     128(DI), Z19, Z2
	VPDPBUSD     192(DI), Z19, Z3
	ADDQ         $8, SI
	ADDQ         $256, DI
	SUBQ         $2, CX
	CMPQ         CX, $2
	JGE          dotRowPair

dotRowOdd:
	TESTQ        CX, CX
	JZ           dotRowStore
	VPBROADCASTD (SI), Z18
	VPDPBUSD     (DI), Z18, Z0
	VPDPBUSD     64(DI), Z18, Z1

dotRowStore:
	VPADDD    Z2, Z0, Z0
	VPADDD    Z3, Z1, Z1
	VMOVDQU32 Z0, (DX)
	VMOVDQU32 Z1, 64(DX)
	ADDQ      R10, DX
	ADDQ      R8, R12
	DECQ      BX
	JNZ       dotRow

dotDone:
	VZEROUPPER
	RET

// ---------------------------------------------------------------------
// func requantI8AVX512(dst *int8, ldd int, acc *int32, lda int, rows, n int, corr, mult, shift *int32, off, lo, hi int32)
//
// RequantI8 (i8.go) for rows, n ≥ 1, 16 columns at a time (the last block
// under the mask K1), every row of a block with that block's constants.
// Each lane computes mbqm of i8.go in 64-bit arithmetic: the even and odd
// int32 lanes are multiplied separately by VPMULDQ (signed 32×32→64 of
// the low half of each quadword), then
//	y = min((x'·m + 2^30) >> 31, MaxInt32)          (arithmetic shift)
//	z = (2y + 2^r + (y >> 63)) >> (r+1)             (y >> 63 is −1 or 0)
// whose low 32 bits are the result; odd lanes are moved back up and
// blended in (K2 = 0xAAAA). Then + off, clamped to [lo, hi] and narrowed
// with VPMOVDB (the values fit: no saturation), stored under K1.
//
// Registers:
//	Z0  x = acc + corr, then x' = x << l (VPSLLVD; l = max(shift,0) & 31)
//	Z1  x' >> 32: the odd lanes in the low halves
//	Z2,Z3  even, odd quadword lanes: product, y, z; Z4,Z5 their signs
//	Z13,Z14  2^r for even, odd lanes (quadwords)
//	Z16 off, Z17 lo, Z18 hi (int32 broadcasts), Z19 zero
//	Z20 corr, Z21 mult (even lanes used by VPMULDQ), Z25 mult >> 32 (odd)
//	Z22 shift, Z23 l, Z24 r = max(−shift,0) & 31
//	Z26,Z27  r+1 for even, odd lanes (quadwords)
//	Z28 31 (int32), Z29 1, Z30 2^30, Z31 MaxInt32 (quadwords)
//	K1  the block's column mask, K2 the odd lanes
//	R12 &dst[0, j], R13 &acc[0, j], DX &corr[j], BX &mult[j], SI &shift[j]
//	DI, AX the row pointers into dst and acc; CX the row counter
//	R8  ldd, R9 lda in bytes, R10 rows, R11 columns left
// ---------------------------------------------------------------------
TEXT ·requantI8AVX512(SB), NOSPLIT, $0-84
	MOVQ         dst+0(FP), R12
	MOVQ         ldd+8(FP), R8
	MOVQ         acc+16(FP), R13
	MOVQ         lda+24(FP), R9
	SHLQ         $2, R9
	MOVQ         rows+32(FP), R10
	MOVQ         n+40(FP), R11
	MOVQ         corr+48(FP), DX
	MOVQ         mult+56(FP), BX
	MOVQ         shift+64(FP), SI
	MOVL         off+72(FP), AX
	VPBROADCASTD AX, Z16
	MOVL         lo+76(FP), AX
	VPBROADCASTD AX, Z17
	MOVL         hi+80(FP), AX
	VPBROADCASTD AX, Z18
	VPXORD       Z19, Z19, Z19
	MOVL         $31, AX
	VPBROADCASTD AX, Z28
	MOVQ         $1, AX
	VPBROADCASTQ AX, Z29
	MOVQ         $0x40000000, AX
	VPBROADCASTQ AX, Z30
	MOVQ         $0x7fffffff, AX
	VPBROADCASTQ AX, Z31
	MOVL         $0xAAAA, AX
	KMOVW        AX, K2

rqCol:
	MOVL  $0xFFFF, AX
	CMPQ  R11, $16
	JGE   rqMask
	MOVQ  R11, CX
	MOVL  $1, AX
	SHLL  CX, AX
	DECL  AX

rqMask:
	KMOVW       AX, K1
	VMOVDQU32.Z (DX), K1, Z20
	VMOVDQU32.Z (BX), K1, Z21
	VMOVDQU32.Z (SI), K1, Z22
	VPMAXSD     Z19, Z22, Z23
	VPANDD      Z28, Z23, Z23
	VPSUBD      Z22, Z19, Z24
	VPMAXSD     Z19, Z24, Z24
	VPANDD      Z28, Z24, Z24
	VPSRLQ      $32, Z21, Z25
	VPSLLQ      $32, Z24, Z26
	VPSRLQ      $32, Z26, Z26
	VPSRLQ      $32, Z24, Z27
	VPSLLVQ     Z26, Z29, Z13
	VPSLLVQ     Z27, Z29, Z14
	VPADDQ      Z29, Z26, Z26
	VPADDQ      Z29, Z27, Z27
	MOVQ        R12, DI
	MOVQ        R13, AX
	MOVQ        R10, CX

rqRow:
	VMOVDQU32.Z (AX), K1, Z0
	VPADDD      Z20, Z0, Z0
	VPSLLVD     Z23, Z0, Z0
	VPSRLQ      $32, Z0, Z1
	VPMULDQ     Z21, Z0, Z2
	VPMULDQ     Z25, Z1, Z3
	VPADDQ      Z30, Z2, Z2
	VPADDQ      Z30, Z3, Z3
	VPSRAQ      $31, Z2, Z2
	VPSRAQ      $31, Z3, Z3
	VPMINSQ     Z31, Z2, Z2
	VPMINSQ     Z31, Z3, Z3
	VPSRAQ      $63, Z2, Z4
	VPSRAQ      $63, Z3, Z5
	VPADDQ      Z2, Z2, Z2
	VPADDQ      Z3, Z3, Z3
	VPADDQ      Z13, Z2, Z2
	VPADDQ      Z14, Z3, Z3
	VPADDQ      Z4, Z2, Z2
	VPADDQ      Z5, Z3, Z3
	VPSRAVQ     Z26, Z2, Z2
	VPSRAVQ     Z27, Z3, Z3
	VPSLLQ      $32, Z3, Z3
	VPBLENDMD   Z3, Z2, K2, Z2
	VPADDD      Z16, Z2, Z2
	VPMAXSD     Z17, Z2, Z2
	VPMINSD     Z18, Z2, Z2
	VPMOVDB     Z2, K1, (DI)
	ADDQ        R9, AX
	ADDQ        R8, DI
	DECQ        CX
	JNZ         rqRow

	ADDQ $16, R12
	ADDQ $64, R13
	ADDQ $64, DX
	ADDQ $64, BX
	ADDQ $64, SI
	SUBQ $16, R11
	JG   rqCol
	VZEROUPPER
	RET

// ---------------------------------------------------------------------
// func maxI8AVX2(dst, src *int8, n int)
//
// dst[i] = max(dst[i], src[i]) for i < n, n a positive multiple of 32,
// signed bytes (VPMAXSB), 32 at a time.
// DI dst, SI src, CX bytes left; Y0 the maximum.
// ---------------------------------------------------------------------
TEXT ·maxI8AVX2(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX

maxI8Loop:
	VMOVDQU (DI), Y0
	VPMAXSB (SI), Y0, Y0
	VMOVDQU Y0, (DI)
	ADDQ    $32, DI
	ADDQ    $32, SI
	SUBQ    $32, CX
	JNZ     maxI8Loop
	VZEROUPPER
	RET
