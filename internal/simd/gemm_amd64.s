//go:build amd64 && !purego

#include "textflag.h"

// Both kernels follow the contract documented beside kernelSet in gemm.go:
//
//	func(nt, k int, a *float32, rsa, csa int, b *float32, ldb int, c *float32, ldc int, beta float32)
//
// For each of nt row tiles (mr rows of C, nr columns), the tile's mr×nr
// accumulators start at zero and receive, for p = 0 … k-1 in that order,
// acc[r][j] += A[r, p] · Bp[p, j] with one fused multiply-add (rounded
// once), where A[r, p] = a[r*rsa + p*csa] and Bp[p, j] = b[p*ldb + j] (a
// packed panel with ldb = nr, or B itself; the same for every tile). Then
// each row of C is written: C = acc if beta is ±0 (C is never read), else
// C = fma(beta, C, acc).
// Tile t+1 starts mr rows further down in both A and C. rsa, csa, ldb and
// ldc are in elements. Nothing depends on the alignment of a, b or c.

// ---------------------------------------------------------------------
// gemmKernAVX2: mr = 6, nr = 16 (two YMM per row of C).
//
// Registers:
//	Y0…Y11  accumulators: row r in Y(2r) (columns 0-7) and Y(2r+1) (8-15)
//	Y12,Y13 the 16 floats of the packed B row p
//	Y14,Y15 broadcasts of A[r, p]; Y12 holds beta in the store phase
//	AX  b (start of the panel, reloaded for every tile)
//	BX  ldb in bytes while summing, ldc in bytes while storing
//	CX  k counter (then scratch for the beta test)
//	DX  C of the current tile (row 0)
//	SI  &A[0, p] of the current tile (then the C row pointer while storing)
//	DI  &Bp[p, 0] (advances by ldb every p)
//	R8  rsa in bytes, R9 3·rsa, R11 5·rsa: rows 0…5 are at
//	    (SI), (SI)(R8*1), (SI)(R8*2), (SI)(R9*1), (SI)(R8*4), (SI)(R11*1)
//	R10 csa in bytes (SI advances by it every p)
//	R12 &A[0, 0] of the current tile
//	R13 tiles left
// ---------------------------------------------------------------------

#define AVX2_STEP \
	VMOVUPS      (DI), Y12;             \
	VMOVUPS      32(DI), Y13;           \
	VBROADCASTSS (SI), Y14;             \
	VFMADD231PS  Y12, Y14, Y0;          \
	VFMADD231PS  Y13, Y14, Y1;          \
	VBROADCASTSS (SI)(R8*1), Y15;       \
	VFMADD231PS  Y12, Y15, Y2;          \
	VFMADD231PS  Y13, Y15, Y3;          \
	VBROADCASTSS (SI)(R8*2), Y14;       \
	VFMADD231PS  Y12, Y14, Y4;          \
	VFMADD231PS  Y13, Y14, Y5;          \
	VBROADCASTSS (SI)(R9*1), Y15;       \
	VFMADD231PS  Y12, Y15, Y6;          \
	VFMADD231PS  Y13, Y15, Y7;          \
	VBROADCASTSS (SI)(R8*4), Y14;       \
	VFMADD231PS  Y12, Y14, Y8;          \
	VFMADD231PS  Y13, Y14, Y9;          \
	VBROADCASTSS (SI)(R11*1), Y15;      \
	VFMADD231PS  Y12, Y15, Y10;         \
	VFMADD231PS  Y13, Y15, Y11;         \
	ADDQ         R10, SI;               \
	ADDQ         BX, DI

#define AVX2_STORE0(lo, hi) \
	VMOVUPS lo, (SI);    \
	VMOVUPS hi, 32(SI);  \
	ADDQ    BX, SI

#define AVX2_STOREB(lo, hi) \
	VFMADD231PS (SI), Y12, lo;    \
	VFMADD231PS 32(SI), Y12, hi;  \
	VMOVUPS     lo, (SI);         \
	VMOVUPS     hi, 32(SI);       \
	ADDQ        BX, SI

// func gemmKernAVX2(nt, k int, a *float32, rsa, csa int, b *float32, ldb int, c *float32, ldc int, beta float32)
TEXT ·gemmKernAVX2(SB), NOSPLIT, $0-76
	MOVQ nt+0(FP), R13
	MOVQ a+16(FP), R12
	MOVQ rsa+24(FP), R8
	SHLQ $2, R8
	LEAQ (R8)(R8*2), R9
	LEAQ (R8)(R8*4), R11
	MOVQ csa+32(FP), R10
	SHLQ $2, R10
	MOVQ b+40(FP), AX
	MOVQ c+56(FP), DX
	TESTQ R13, R13
	JLE   avx2_done

avx2_tile:
	MOVQ   R12, SI
	MOVQ   AX, DI
	MOVQ   k+8(FP), CX
	MOVQ   ldb+48(FP), BX
	SHLQ   $2, BX
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11
	CMPQ   CX, $4
	JL     avx2_k1

avx2_k4:
	AVX2_STEP
	AVX2_STEP
	AVX2_STEP
	AVX2_STEP
	SUBQ $4, CX
	CMPQ CX, $4
	JGE  avx2_k4

avx2_k1:
	TESTQ CX, CX
	JLE   avx2_store

avx2_k1loop:
	AVX2_STEP
	DECQ CX
	JNZ  avx2_k1loop

avx2_store:
	MOVQ DX, SI
	MOVQ ldc+64(FP), BX
	SHLQ $2, BX
	MOVL beta+72(FP), CX
	ANDL $0x7fffffff, CX
	JZ   avx2_store0
	VBROADCASTSS beta+72(FP), Y12
	AVX2_STOREB(Y0, Y1)
	AVX2_STOREB(Y2, Y3)
	AVX2_STOREB(Y4, Y5)
	AVX2_STOREB(Y6, Y7)
	AVX2_STOREB(Y8, Y9)
	AVX2_STOREB(Y10, Y11)
	JMP  avx2_next

avx2_store0:
	AVX2_STORE0(Y0, Y1)
	AVX2_STORE0(Y2, Y3)
	AVX2_STORE0(Y4, Y5)
	AVX2_STORE0(Y6, Y7)
	AVX2_STORE0(Y8, Y9)
	AVX2_STORE0(Y10, Y11)

avx2_next:
	MOVQ SI, DX              // C += 6 rows
	LEAQ (R12)(R9*2), R12    // A += 6 rows
	DECQ R13
	JNZ  avx2_tile

avx2_done:
	VZEROUPPER
	RET

// ---------------------------------------------------------------------
// gemmKernAVX512: mr = 8, nr = 32 (two ZMM per row of C).
//
// Registers:
//	Z0…Z15  accumulators: row r in Z(2r) (columns 0-15) and Z(2r+1) (16-31)
//	Z16,Z17 the 32 floats of the packed B row p
//	Z18,Z19 broadcasts of A[r, p]; Z18 holds beta in the store phase
//	AX  b (start of the panel, reloaded for every tile)
//	BX  ldb in bytes while summing, ldc in bytes while storing
//	CX  k counter (then scratch for the beta test)
//	DX  C of the current tile (row 0)
//	SI  &A[0, p] of the current tile (then the C row pointer while storing)
//	R11 &A[4, p] of the current tile
//	DI  &Bp[p, 0] (advances by ldb every p)
//	R8  rsa in bytes, R9 3·rsa: rows 0…3 at (SI), (SI)(R8*1), (SI)(R8*2),
//	    (SI)(R9*1) and rows 4…7 the same from R11
//	R10 csa in bytes (SI and R11 advance by it every p)
//	R12 &A[0, 0] of the current tile
//	R13 tiles left
// ---------------------------------------------------------------------

#define AVX512_STEP \
	VMOVUPS      (DI), Z16;             \
	VMOVUPS      64(DI), Z17;           \
	VBROADCASTSS (SI), Z18;             \
	VFMADD231PS  Z16, Z18, Z0;          \
	VFMADD231PS  Z17, Z18, Z1;          \
	VBROADCASTSS (SI)(R8*1), Z19;       \
	VFMADD231PS  Z16, Z19, Z2;          \
	VFMADD231PS  Z17, Z19, Z3;          \
	VBROADCASTSS (SI)(R8*2), Z18;       \
	VFMADD231PS  Z16, Z18, Z4;          \
	VFMADD231PS  Z17, Z18, Z5;          \
	VBROADCASTSS (SI)(R9*1), Z19;       \
	VFMADD231PS  Z16, Z19, Z6;          \
	VFMADD231PS  Z17, Z19, Z7;          \
	VBROADCASTSS (R11), Z18;            \
	VFMADD231PS  Z16, Z18, Z8;          \
	VFMADD231PS  Z17, Z18, Z9;          \
	VBROADCASTSS (R11)(R8*1), Z19;      \
	VFMADD231PS  Z16, Z19, Z10;         \
	VFMADD231PS  Z17, Z19, Z11;         \
	VBROADCASTSS (R11)(R8*2), Z18;      \
	VFMADD231PS  Z16, Z18, Z12;         \
	VFMADD231PS  Z17, Z18, Z13;         \
	VBROADCASTSS (R11)(R9*1), Z19;      \
	VFMADD231PS  Z16, Z19, Z14;         \
	VFMADD231PS  Z17, Z19, Z15;         \
	ADDQ         R10, SI;               \
	ADDQ         R10, R11;              \
	ADDQ         BX, DI

#define AVX512_STORE0(lo, hi) \
	VMOVUPS lo, (SI);    \
	VMOVUPS hi, 64(SI);  \
	ADDQ    BX, SI

#define AVX512_STOREB(lo, hi) \
	VFMADD231PS (SI), Z18, lo;    \
	VFMADD231PS 64(SI), Z18, hi;  \
	VMOVUPS     lo, (SI);         \
	VMOVUPS     hi, 64(SI);       \
	ADDQ        BX, SI

// func gemmKernAVX512(nt, k int, a *float32, rsa, csa int, b *float32, ldb int, c *float32, ldc int, beta float32)
TEXT ·gemmKernAVX512(SB), NOSPLIT, $0-76
	MOVQ nt+0(FP), R13
	MOVQ a+16(FP), R12
	MOVQ rsa+24(FP), R8
	SHLQ $2, R8
	LEAQ (R8)(R8*2), R9
	MOVQ csa+32(FP), R10
	SHLQ $2, R10
	MOVQ b+40(FP), AX
	MOVQ c+56(FP), DX
	TESTQ R13, R13
	JLE   avx512_done

avx512_tile:
	MOVQ   R12, SI
	LEAQ   (R12)(R8*4), R11
	MOVQ   AX, DI
	MOVQ   k+8(FP), CX
	MOVQ   ldb+48(FP), BX
	SHLQ   $2, BX
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	VPXORD Z4, Z4, Z4
	VPXORD Z5, Z5, Z5
	VPXORD Z6, Z6, Z6
	VPXORD Z7, Z7, Z7
	VPXORD Z8, Z8, Z8
	VPXORD Z9, Z9, Z9
	VPXORD Z10, Z10, Z10
	VPXORD Z11, Z11, Z11
	VPXORD Z12, Z12, Z12
	VPXORD Z13, Z13, Z13
	VPXORD Z14, Z14, Z14
	VPXORD Z15, Z15, Z15
	CMPQ   CX, $4
	JL     avx512_k1

avx512_k4:
	AVX512_STEP
	AVX512_STEP
	AVX512_STEP
	AVX512_STEP
	SUBQ $4, CX
	CMPQ CX, $4
	JGE  avx512_k4

avx512_k1:
	TESTQ CX, CX
	JLE   avx512_store

avx512_k1loop:
	AVX512_STEP
	DECQ CX
	JNZ  avx512_k1loop

avx512_store:
	MOVQ DX, SI
	MOVQ ldc+64(FP), BX
	SHLQ $2, BX
	MOVL beta+72(FP), CX
	ANDL $0x7fffffff, CX
	JZ   avx512_store0
	VBROADCASTSS beta+72(FP), Z18
	AVX512_STOREB(Z0, Z1)
	AVX512_STOREB(Z2, Z3)
	AVX512_STOREB(Z4, Z5)
	AVX512_STOREB(Z6, Z7)
	AVX512_STOREB(Z8, Z9)
	AVX512_STOREB(Z10, Z11)
	AVX512_STOREB(Z12, Z13)
	AVX512_STOREB(Z14, Z15)
	JMP  avx512_next

avx512_store0:
	AVX512_STORE0(Z0, Z1)
	AVX512_STORE0(Z2, Z3)
	AVX512_STORE0(Z4, Z5)
	AVX512_STORE0(Z6, Z7)
	AVX512_STORE0(Z8, Z9)
	AVX512_STORE0(Z10, Z11)
	AVX512_STORE0(Z12, Z13)
	AVX512_STORE0(Z14, Z15)

avx512_next:
	MOVQ SI, DX              // C += 8 rows
	LEAQ (R12)(R8*8), R12    // A += 8 rows
	DECQ R13
	JNZ  avx512_tile

avx512_done:
	VZEROUPPER
	RET
