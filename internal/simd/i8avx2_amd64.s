//go:build amd64 && !purego

#include "textflag.h"

// The AVX2 int8 kernels of i8.go: exact integer arithmetic (sums wrap
// modulo 2³²), so they give the same bits as the Go definitions there.

// ---------------------------------------------------------------------
// func dotU8I8AVX2(np, k4 int, u *uint8, ldu int, w *int8, c *int32, ldc int)
//
// For p < np (≥ 1) and j < 32, with k4 ≥ 1:
//	c[p*ldc+j] = Σ_{q<k4} Σ_{t<4} u[p*ldu+4q+t] · w[(q*32+j)*4+t]
// u unsigned, w signed bytes, in VPDPBUSD's layout (i8.go). One row at a
// time. For group q the four bytes u[4q … 4q+3] are broadcast and
// zero-extended to int16 (u0 u1 u2 u3 repeated in every quadword); each
// 16 weight bytes (four channels of four depths) are sign-extended to
// int16, and VPMADDWD sums the exact int16 products in pairs into int32:
// channel j gets u0·w0+u1·w1 in one dword and u2·w2+u3·w3 in the next
// (no saturation, unlike VPMADDUBSW). VPADDD accumulates over q. At the
// end VPHADDD adds the pairs of two accumulators, giving channels
// (0 1 4 5 | 2 3 6 7) of the eight, and VPERMQ $0xD8 puts them in order.
//
// Registers:
//	Y0…Y7    accumulators: Y(i) holds channels 4i…4i+3, two dwords each
//	Y8       the zero-extended u bytes of group q (X8 their broadcast)
//	Y9…Y12   sign-extended weights, then their VPMADDWD products
//	AX  w (start of the block, for every row)
//	BX  rows left
//	CX  q counter
//	DX  &c[row, 0]
//	SI  &u[row, 4q]
//	DI  &w[group q]
//	R8  ldu, R10 ldc in bytes, R11 k4, R12 &u[row, 0]
// ---------------------------------------------------------------------
TEXT ·dotU8I8AVX2(SB), NOSPLIT, $0-56
	MOVQ np+0(FP), BX
	MOVQ k4+8(FP), R11
	MOVQ u+16(FP), R12
	MOVQ ldu+24(FP), R8
	MOVQ w+32(FP), AX
	MOVQ c+40(FP), DX
	MOVQ ldc+48(FP), R10
	SHLQ $2, R10

a2Row:
	VPXOR Y0, Y0, Y0
	VPXOR Y1, Y1, Y1
	VPXOR Y2, Y2, Y2
	VPXOR Y3, Y3, Y3
	VPXOR Y4, Y4, Y4
	VPXOR Y5, Y5, Y5
	VPXOR Y6, Y6, Y6
	VPXOR Y7, Y7, Y7
	MOVQ  R12, SI
	MOVQ  AX, DI
	MOVQ  R11, CX

a2Loop:
	VPBROADCASTD (SI), X8
	VPMOVZXBW    X8, Y8
	VPMOVSXBW    (DI), Y9
	VPMOVSXBW    16(DI), Y10
	VPMOVSXBW    32(DI), Y11
	VPMOVSXBW    48(DI), Y12
	VPMADDWD     Y9, Y8, Y9
	VPMADDWD     Y10, Y8, Y10
	VPMADDWD     Y11, Y8, Y11
	VPMADDWD     Y12, Y8, Y12
	VPADDD       Y9, Y0, Y0
	VPADDD       Y10, Y1, Y1
	VPADDD       Y11, Y2, Y2
	VPADDD       Y12, Y3, Y3
	VPMOVSXBW    64(DI), Y9
	VPMOVSXBW    80(DI), Y10
	VPMOVSXBW    96(DI), Y11
	VPMOVSXBW    112(DI), Y12
	VPMADDWD     Y9, Y8, Y9
	VPMADDWD     Y10, Y8, Y10
	VPMADDWD     Y11, Y8, Y11
	VPMADDWD     Y12, Y8, Y12
	VPADDD       Y9, Y4, Y4
	VPADDD       Y10, Y5, Y5
	VPADDD       Y11, Y6, Y6
	VPADDD       Y12, Y7, Y7
	ADDQ         $4, SI
	ADDQ         $128, DI
	DECQ         CX
	JNZ          a2Loop

	VPHADDD Y1, Y0, Y0
	VPHADDD Y3, Y2, Y2
	VPHADDD Y5, Y4, Y4
	VPHADDD Y7, Y6, Y6
	VPERMQ  $0xD8, Y0, Y0
	VPERMQ  $0xD8, Y2, Y2
	VPERMQ  $0xD8, Y4, Y4
	VPERMQ  $0xD8, Y6, Y6
	VMOVDQU Y0, (DX)
	VMOVDQU Y2, 32(DX)
	VMOVDQU Y4, 64(DX)
	VMOVDQU Y6, 96(DX)
	ADDQ    R10, DX
	ADDQ    R8, R12
	DECQ    BX
	JNZ     a2Row
	VZEROUPPER
	RET

// ---------------------------------------------------------------------
// func requantI8AVX2(dst *int8, ldd int, acc *int32, lda int, rows, n int, corr, mult, shift *int32, off, lo, hi int32)
//
// RequantI8 (i8.go) for rows ≥ 1 and n a positive multiple of 8, eight
// columns at a time, every row of a block with that block's constants.
// Per lane, with x = acc + corr, x' = x << l (l = max(shift,0) & 31,
// wrapping) and r = max(−shift,0) & 31:
//	SRDHM: the even and odd lanes are multiplied by VPMULDQ (signed
//	  32×32→64), 2^30 added (VPADDQ) and shifted right 31 (VPSRLQ: the
//	  low dword of the quadword is bits 31…62, the same for a logical as
//	  for an arithmetic shift); odd lanes are moved up and blended in.
//	  The one saturating product, MinInt32·MinInt32, is the only one that
//	  gives 0x80000000 there (every other quotient is > MinInt32), so
//	  XOR with (y == MinInt32) turns it into MaxInt32.
//	RoundingDivideByPOT(y, r) as gemmlowp writes it in int32:
//	  (y >> r) + [ (y & mask) > (mask >> 1) + [y < 0] ],  mask = 2^r − 1
//	  (TestMBQMComposition holds mbqm to exactly this).
// Then + off, clamped to [lo, hi] (VPMAXSD, VPMINSD) and narrowed by
// VPACKSSDW/VPACKSSWB (the values fit: no saturation); MOVQ stores the
// eight bytes.
//
// Registers:
//	Y0  x, x', the even products, y, then the result
//	Y1  the odd lanes and their products, then the remainder and the
//	    rounding bit (−1 or 0)
//	Y2  zero (column set-up), then the threshold
//	Y3  all ones (set-up), then MinInt32 and the y == MinInt32 mask
//	X4  the high half of the result for the narrowing
//	Y8  corr, Y9 mult (even lanes), Y10 mult >> 32 (odd lanes)
//	Y11 l, Y12 r, Y13 mask, Y14 mask >> 1
//	Y5  off, Y6 lo, Y7 hi (int32 broadcasts), Y15 2^30 (quadwords)
//	R12 &dst[0, j], R13 &acc[0, j], DX &corr[j], BX &mult[j], SI &shift[j]
//	DI, AX the row pointers into dst and acc; CX the row counter
//	R8  ldd, R9 lda in bytes, R10 rows, R11 columns left
// ---------------------------------------------------------------------
TEXT ·requantI8AVX2(SB), NOSPLIT, $0-84
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
	MOVQ         AX, X5
	VPBROADCASTD X5, Y5
	MOVL         lo+76(FP), AX
	MOVQ         AX, X6
	VPBROADCASTD X6, Y6
	MOVL         hi+80(FP), AX
	MOVQ         AX, X7
	VPBROADCASTD X7, Y7
	MOVQ         $0x40000000, AX
	MOVQ         AX, X15
	VPBROADCASTQ X15, Y15

rq2Col:
	VMOVDQU (DX), Y8
	VMOVDQU (BX), Y9
	VPSRLQ  $32, Y9, Y10
	VMOVDQU (SI), Y12
	VPXOR   Y2, Y2, Y2
	VPMAXSD Y2, Y12, Y11   // l = max(shift, 0)  (≤ 30, so & 31 is a no-op)
	VPSUBD  Y12, Y2, Y12   // −shift
	VPMAXSD Y2, Y12, Y12   // r = max(−shift, 0) (≤ 31)
	VPCMPEQD Y3, Y3, Y3    // all ones
	VPSRLD  $31, Y3, Y13   // 1
	VPSLLVD Y12, Y13, Y13  // 2^r
	VPADDD  Y3, Y13, Y13   // mask = 2^r − 1
	VPSRLD  $1, Y13, Y14   // mask >> 1
	MOVQ    R12, DI
	MOVQ    R13, AX
	MOVQ    R10, CX

rq2Row:
	VMOVDQU  (AX), Y0
	VPADDD   Y8, Y0, Y0
	VPSLLVD  Y11, Y0, Y0
	VPSRLQ   $32, Y0, Y1
	VPMULDQ  Y9, Y0, Y0
	VPMULDQ  Y10, Y1, Y1
	VPADDQ   Y15, Y0, Y0
	VPADDQ   Y15, Y1, Y1
	VPSRLQ   $31, Y0, Y0
	VPSRLQ   $31, Y1, Y1
	VPSLLQ   $32, Y1, Y1
	VPBLENDD $0xAA, Y1, Y0, Y0 // y (before saturation)
	VPCMPEQD Y3, Y3, Y3
	VPSLLD   $31, Y3, Y3       // MinInt32
	VPCMPEQD Y3, Y0, Y3
	VPXOR    Y3, Y0, Y0        // y, MinInt32 → MaxInt32
	VPAND    Y13, Y0, Y1       // remainder
	VPSRAD   $31, Y0, Y2       // −1 where y < 0
	VPSUBD   Y2, Y14, Y2       // threshold
	VPSRAVD  Y12, Y0, Y0       // y >> r
	VPCMPGTD Y2, Y1, Y1        // remainder > threshold: −1
	VPSUBD   Y1, Y0, Y0
	VPADDD   Y5, Y0, Y0
	VPMAXSD  Y6, Y0, Y0
	VPMINSD  Y7, Y0, Y0
	VEXTRACTI128 $1, Y0, X4
	VPACKSSDW X4, X0, X0
	VPACKSSWB X0, X0, X0
	MOVQ     X0, (DI)
	ADDQ     R9, AX
	ADDQ     R8, DI
	DECQ     CX
	JNZ      rq2Row

	ADDQ $8, R12
	ADDQ $32, R13
	ADDQ $32, DX
	ADDQ $32, BX
	ADDQ $32, SI
	SUBQ $8, R11
	JNZ  rq2Col
	VZEROUPPER
	RET
