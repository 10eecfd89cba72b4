//go:build amd64 && !purego

#include "textflag.h"

// The AVX2 bodies of dw.go's multiply-accumulates, 8 lanes (one YMM) at a
// time with unaligned loads and stores; the Go wrappers do the tails.

// func mulAddF32AVX2(acc, a, b *float32, n int)
//
// acc[i] += a[i]·b[i] for i < n (a positive multiple of 8), with
// VFMADD231PS. DI acc, SI a, DX b, CX values left; Y0, Y1, Y2, Y3.
TEXT ·mulAddF32AVX2(SB), NOSPLIT, $0-32
	MOVQ acc+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DX
	MOVQ n+24(FP), CX
	CMPQ CX, $16
	JLT  mafOne

mafTwo:
	VMOVUPS     (DI), Y0
	VMOVUPS     32(DI), Y2
	VMOVUPS     (SI), Y1
	VMOVUPS     32(SI), Y3
	VFMADD231PS (DX), Y1, Y0
	VFMADD231PS 32(DX), Y3, Y2
	VMOVUPS     Y0, (DI)
	VMOVUPS     Y2, 32(DI)
	ADDQ        $64, DI
	ADDQ        $64, SI
	ADDQ        $64, DX
	SUBQ        $16, CX
	CMPQ        CX, $16
	JGE         mafTwo
	TESTQ       CX, CX
	JZ          mafDone

mafOne:
	VMOVUPS     (DI), Y0
	VMOVUPS     (SI), Y1
	VFMADD231PS (DX), Y1, Y0
	VMOVUPS     Y0, (DI)

mafDone:
	VZEROUPPER
	RET

// func mulAddI8AVX2(acc *int32, x *int8, xoff int32, f *int8, n int)
//
// acc[i] += int32(f[i])·(int32(x[i]) + xoff) for i < n (a positive
// multiple of 8): VPMOVSXBD widens 8 bytes of x and of f to int32 lanes,
// VPADDD adds the broadcast offset, VPMULLD keeps the low 32 bits of the
// product and VPADDD accumulates, all wrapping as Go's int32 arithmetic.
// DI acc, SI x, DX f, CX values left; AX, Y15 xoff; Y0, Y1, Y2, Y3.
TEXT ·mulAddI8AVX2(SB), NOSPLIT, $0-40
	MOVQ         acc+0(FP), DI
	MOVQ         x+8(FP), SI
	MOVL         xoff+16(FP), AX
	MOVQ         AX, X15
	VPBROADCASTD X15, Y15
	MOVQ         f+24(FP), DX
	MOVQ         n+32(FP), CX
	CMPQ         CX, $16
	JLT          maiOne

maiTwo:
	VPMOVSXBD (SI), Y0
	VPMOVSXBD 8(SI), Y2
	VPMOVSXBD (DX), Y1
	VPMOVSXBD 8(DX), Y3
	VPADDD    Y15, Y0, Y0
	VPADDD    Y15, Y2, Y2
	VPMULLD   Y1, Y0, Y0
	VPMULLD   Y3, Y2, Y2
	VPADDD    (DI), Y0, Y0
	VPADDD    32(DI), Y2, Y2
	VMOVDQU   Y0, (DI)
	VMOVDQU   Y2, 32(DI)
	ADDQ      $64, DI
	ADDQ      $16, SI
	ADDQ      $16, DX
	SUBQ      $16, CX
	CMPQ      CX, $16
	JGE       maiTwo
	TESTQ     CX, CX
	JZ        maiDone

maiOne:
	VPMOVSXBD (SI), Y0
	VPMOVSXBD (DX), Y1
	VPADDD    Y15, Y0, Y0
	VPMULLD   Y1, Y0, Y0
	VPADDD    (DI), Y0, Y0
	VMOVDQU   Y0, (DI)

maiDone:
	VZEROUPPER
	RET
