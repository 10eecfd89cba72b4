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

// func addRowsAVX2(y, bias *float32, rows, n int)
//
// y[r*n+j] += bias[j] for r < rows, j < n; n a positive multiple of 8.
// DI y (walks the whole matrix), SI bias (back to its start every row),
// CX columns left in the row, DX rows left; Y0 the sum.
TEXT ·addRowsAVX2(SB), NOSPLIT, $0-32
	MOVQ y+0(FP), DI
	MOVQ rows+16(FP), DX

addRowsRow:
	MOVQ bias+8(FP), SI
	MOVQ n+24(FP), CX

addRowsCol:
	VMOVUPS (DI), Y0
	VADDPS  (SI), Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, DI
	ADDQ    $32, SI
	SUBQ    $8, CX
	JNZ     addRowsCol
	DECQ    DX
	JNZ     addRowsRow
	VZEROUPPER
	RET

// func addReLURowsAVX2(y, bias *float32, rows, n int)
//
// y[r*n+j] = max(y[r*n+j] + bias[j], 0), as addReLUAVX2, for r < rows,
// j < n; n a positive multiple of 8.
// DI y, SI bias, CX columns left, DX rows left; Y0 v, Y15 zero.
TEXT ·addReLURowsAVX2(SB), NOSPLIT, $0-32
	MOVQ   y+0(FP), DI
	MOVQ   rows+16(FP), DX
	VXORPS Y15, Y15, Y15

addReLURowsRow:
	MOVQ bias+8(FP), SI
	MOVQ n+24(FP), CX

addReLURowsCol:
	VMOVUPS (DI), Y0
	VADDPS  (SI), Y0, Y0
	VMAXPS  Y0, Y15, Y0  // (0 > v) ? 0 : v
	VADDPS  Y15, Y0, Y0  // −0 → +0
	VMOVUPS Y0, (DI)
	ADDQ    $32, DI
	ADDQ    $32, SI
	SUBQ    $8, CX
	JNZ     addReLURowsCol
	DECQ    DX
	JNZ     addReLURowsRow
	VZEROUPPER
	RET

// func sumRowsAVX2(sum, m *float32, rows, n int)
//
// sum[j] += m[0*n+j] + m[1*n+j] + … + m[(rows-1)*n+j], added in that
// order, for j < n; n a positive multiple of 8. Eight columns at a time
// are summed down all rows in Y0, then stored.
// DI &sum[j], SI &m[r*n+j], BX n*4 (the row stride in bytes), CX columns
// left, DX rows left, R8 &m[j] (the top of the current columns).
TEXT ·sumRowsAVX2(SB), NOSPLIT, $0-32
	MOVQ sum+0(FP), DI
	MOVQ m+8(FP), R8
	MOVQ n+24(FP), CX
	MOVQ CX, BX
	SHLQ $2, BX

sumRowsCol:
	VMOVUPS (DI), Y0
	MOVQ    R8, SI
	MOVQ    rows+16(FP), DX

sumRowsRow:
	VADDPS (SI), Y0, Y0
	ADDQ   BX, SI
	DECQ   DX
	JNZ    sumRowsRow
	VMOVUPS Y0, (DI)
	ADDQ    $32, DI
	ADDQ    $32, R8
	SUBQ    $8, CX
	JNZ     sumRowsCol
	VZEROUPPER
	RET

// func rmspropAVX2(w, v, grad *float32, n int, lr, c, rho, eps float32)
//
// For i < n (a positive multiple of 8), with c = 1 − rho, each operation
// rounded on its own, as rmspropGo does:
//
//	v[i] = rho*v[i] + (c*g[i])*g[i]
//	w[i] = w[i] − (lr*g[i]) / sqrt(v[i] + eps)
//
// DI w, SI v, DX grad, CX elements left; Y0 grad, Y1 v, Y2 (c·g)·g, Y3 the
// square root, Y4 the step, Y5 w; Y11 eps, Y12 lr, Y13 rho, Y14 c.
TEXT ·rmspropAVX2(SB), NOSPLIT, $0-48
	MOVQ         w+0(FP), DI
	MOVQ         v+8(FP), SI
	MOVQ         grad+16(FP), DX
	MOVQ         n+24(FP), CX
	VBROADCASTSS lr+32(FP), Y12
	VBROADCASTSS c+36(FP), Y14
	VBROADCASTSS rho+40(FP), Y13
	VBROADCASTSS eps+44(FP), Y11

rmspropLoop:
	VMOVUPS (DX), Y0
	VMULPS  (SI), Y13, Y1 // rho·v
	VMULPS  Y0, Y14, Y2   // c·g
	VMULPS  Y0, Y2, Y2    // (c·g)·g
	VADDPS  Y2, Y1, Y1    // the new v
	VMOVUPS Y1, (SI)
	VADDPS  Y11, Y1, Y3   // v + eps
	VSQRTPS Y3, Y3
	VMULPS  Y0, Y12, Y4   // lr·g
	VDIVPS  Y3, Y4, Y4    // (lr·g) / sqrt
	VMOVUPS (DI), Y5
	VSUBPS  Y4, Y5, Y5
	VMOVUPS Y5, (DI)
	ADDQ    $32, DI
	ADDQ    $32, SI
	ADDQ    $32, DX
	SUBQ    $8, CX
	JNZ     rmspropLoop
	VZEROUPPER
	RET
