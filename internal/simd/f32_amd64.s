//go:build amd64 && !purego

#include "textflag.h"

// The AVX2 bodies of f32.go's helpers, 8 float32 (one YMM) at a time with
// unaligned loads and stores; the Go wrappers do the tails.

// func biasClampAVX2(y, bias *float32, rows, n, ld int, lo, hi float32)
//
// For r < rows and j < n (a positive multiple of 8):
//	v = y[r*ld+j] + bias[j];  y[r*ld+j] = min(max(v, lo), hi)
// with the operand order that gives clampF32's answers: VMAXPS with lo
// first returns lo only when lo > v (so a NaN v or −0 against lo = 0 is
// kept), VMINPS with hi first returns hi only when hi < v.
//
// Registers:
//	Y0  v;  Y14 lo, Y15 hi (broadcast)
//	DI  &y[r, j];  SI &bias[j];  R8 &y[r, 0]
//	CX  columns left in the row;  DX rows left
//	R9  n;  R10 ld in bytes;  AX bias
TEXT ·biasClampAVX2(SB), NOSPLIT, $0-48
	MOVQ         y+0(FP), R8
	MOVQ         bias+8(FP), AX
	MOVQ         rows+16(FP), DX
	MOVQ         n+24(FP), R9
	MOVQ         ld+32(FP), R10
	SHLQ         $2, R10
	VBROADCASTSS lo+40(FP), Y14
	VBROADCASTSS hi+44(FP), Y15

bcRow:
	MOVQ R8, DI
	MOVQ AX, SI
	MOVQ R9, CX

bcLoop:
	VMOVUPS (DI), Y0
	VADDPS  (SI), Y0, Y0
	VMAXPS  Y0, Y14, Y0 // (lo > v) ? lo : v
	VMINPS  Y0, Y15, Y0 // (hi < v) ? hi : v
	VMOVUPS Y0, (DI)
	ADDQ    $32, DI
	ADDQ    $32, SI
	SUBQ    $8, CX
	JNZ     bcLoop
	ADDQ    R10, R8
	DECQ    DX
	JNZ     bcRow
	VZEROUPPER
	RET

// func maxF32AVX2(dst, src *float32, n int)
//
// dst[i] = src[i] where src[i] > dst[i], for i < n: VMAXPS with src first
// returns src only when src > dst, so NaNs never win and are never
// replaced, as the Go loop. DI dst, SI src, CX values left; Y0, Y1.
TEXT ·maxF32AVX2(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX

maxF32Loop:
	VMOVUPS (DI), Y0
	VMOVUPS (SI), Y1
	VMAXPS  Y0, Y1, Y0 // (src > dst) ? src : dst
	VMOVUPS Y0, (DI)
	ADDQ    $32, DI
	ADDQ    $32, SI
	SUBQ    $8, CX
	JNZ     maxF32Loop
	VZEROUPPER
	RET
