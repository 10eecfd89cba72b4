//go:build amd64 && !purego

#include "textflag.h"

// The AVX2 bodies of the vector kernels in vec.go. Each takes n, a
// positive multiple of 8, and walks its slices 8 float32 (one YMM
// register, 32 bytes) at a time with unaligned loads and stores; the Go
// wrappers do the tails. Y15 holds 0.0 where a kernel needs it.

// iota8 is the int32 vector 0, 1, …, 7.
DATA iota8<>+0(SB)/4, $0
DATA iota8<>+4(SB)/4, $1
DATA iota8<>+8(SB)/4, $2
DATA iota8<>+12(SB)/4, $3
DATA iota8<>+16(SB)/4, $4
DATA iota8<>+20(SB)/4, $5
DATA iota8<>+24(SB)/4, $6
DATA iota8<>+28(SB)/4, $7
GLOBL iota8<>(SB), RODATA|NOPTR, $32

// func addAVX2(dst, src *float32, n int)
//
// dst[i] += src[i] for i < n.
// DI dst, SI src, CX elements left; Y0 the sum.
TEXT ·addAVX2(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX

addLoop:
	VMOVUPS (DI), Y0
	VADDPS  (SI), Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, DI
	ADDQ    $32, SI
	SUBQ    $8, CX
	JNZ     addLoop
	VZEROUPPER
	RET

// func addReLUAVX2(dst, src *float32, n int)
//
// dst[i] = max(dst[i] + src[i], 0) for i < n, as Go's max: VMAXPS with
// 0 as its first source returns its second, v, when v is NaN or ±0, so
// adding +0 afterwards turns −0 into +0 and changes nothing else.
// DI dst, SI src, CX elements left; Y0 v, Y15 zero.
TEXT ·addReLUAVX2(SB), NOSPLIT, $0-24
	MOVQ   dst+0(FP), DI
	MOVQ   src+8(FP), SI
	MOVQ   n+16(FP), CX
	VXORPS Y15, Y15, Y15

addReLULoop:
	VMOVUPS (DI), Y0
	VADDPS  (SI), Y0, Y0
	VMAXPS  Y0, Y15, Y0  // (0 > v) ? 0 : v
	VADDPS  Y15, Y0, Y0  // −0 → +0
	VMOVUPS Y0, (DI)
	ADDQ    $32, DI
	ADDQ    $32, SI
	SUBQ    $8, CX
	JNZ     addReLULoop
	VZEROUPPER
	RET

// func reluGradAVX2(gz, y, gy *float32, n int)
//
// gz[i] = y[i] > 0 ? gy[i] : 0 for i < n: the ordered compare (GT_OQ,
// false for NaN) makes a mask of all ones, ANDed with gy.
// DI gz, SI y, DX gy, CX elements left; Y0 y, Y1 mask then result, Y15 zero.
TEXT ·reluGradAVX2(SB), NOSPLIT, $0-32
	MOVQ   gz+0(FP), DI
	MOVQ   y+8(FP), SI
	MOVQ   gy+16(FP), DX
	MOVQ   n+24(FP), CX
	VXORPS Y15, Y15, Y15

reluGradLoop:
	VMOVUPS (SI), Y0
	VCMPPS  $0x1e, Y15, Y0, Y1 // y > 0
	VANDPS  (DX), Y1, Y1
	VMOVUPS Y1, (DI)
	ADDQ    $32, DI
	ADDQ    $32, SI
	ADDQ    $32, DX
	SUBQ    $8, CX
	JNZ     reluGradLoop
	VZEROUPPER
	RET

// func maxArgAVX2(best *float32, at *int32, src *float32, base int32, n int)
//
// Where src[i] > best[i] (ordered: a NaN on either side is false):
// best[i] = src[i] and at[i] = base + i, for i < n.
// DI best, BX at, SI src, CX elements left; Y0 src, Y1 best, Y2 mask,
// Y3 the indices base+i … base+i+7, Y4 eight 8s, Y5 at.
TEXT ·maxArgAVX2(SB), NOSPLIT, $0-40
	MOVQ         best+0(FP), DI
	MOVQ         at+8(FP), BX
	MOVQ         src+16(FP), SI
	MOVL         base+24(FP), AX
	MOVQ         n+32(FP), CX
	VMOVD        AX, X3
	VPBROADCASTD X3, Y3
	VPADDD       iota8<>(SB), Y3, Y3
	MOVL         $8, AX
	VMOVD        AX, X4
	VPBROADCASTD X4, Y4

maxArgLoop:
	VMOVUPS   (SI), Y0
	VMOVUPS   (DI), Y1
	VCMPPS    $0x1e, Y1, Y0, Y2 // src > best
	VBLENDVPS Y2, Y0, Y1, Y1    // where the mask is set, src
	VMOVUPS   Y1, (DI)
	VMOVDQU   (BX), Y5
	VBLENDVPS Y2, Y3, Y5, Y5    // where the mask is set, the index
	VMOVDQU   Y5, (BX)
	VPADDD    Y4, Y3, Y3
	ADDQ      $32, DI
	ADDQ      $32, BX
	ADDQ      $32, SI
	SUBQ      $8, CX
	JNZ       maxArgLoop
	VZEROUPPER
	RET
