//go:build amd64 && !purego

#include "textflag.h"

// func addI8I32AVX2(acc *int32, src *int8, n int)
//
// acc[i] += int32(src[i]) for i < n, n a positive multiple of 8: 8 int8s
// sign-extended to 8 int32s (one YMM register) at a time.
// DI acc, SI src, CX elements left.
TEXT ·addI8I32AVX2(SB), NOSPLIT, $0-24
	MOVQ acc+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	CMPQ CX, $16
	JLT  tail8

loop16:
	VPMOVSXBD (SI), Y0
	VPMOVSXBD 8(SI), Y1
	VPADDD    (DI), Y0, Y0
	VPADDD    32(DI), Y1, Y1
	VMOVDQU   Y0, (DI)
	VMOVDQU   Y1, 32(DI)
	ADDQ      $64, DI
	ADDQ      $16, SI
	SUBQ      $16, CX
	CMPQ      CX, $16
	JGE       loop16
	TESTQ     CX, CX
	JZ        done

tail8:
	VPMOVSXBD (SI), Y0
	VPADDD    (DI), Y0, Y0
	VMOVDQU   Y0, (DI)

done:
	VZEROUPPER
	RET

// func roundDivI8AVX2(dst *int8, acc *int32, m int, n, lo, hi int32)
//
// For i < m (a positive multiple of 8), four at a time:
//	s = acc[i];  a = s + (s > 0 ? n/2 : −(n/2))
//	q = trunc(float64(a) / float64(n));  dst[i] = int8(min(max(q, lo), hi))
// (exact: see RoundDivI8). The clamped values fit int8, so the saturating
// packs do not change them.
//
// Registers:
//	X0  s, a, q;  Y1 a as float64;  Y2 float64(n) (broadcast)
//	X3  n/2, X4 −(n/2), X5 0, X6 s > 0 mask;  X14 lo, X15 hi (broadcast)
//	DI  &dst[i];  SI &acc[i];  CX values left
TEXT ·roundDivI8AVX2(SB), NOSPLIT, $0-36
	MOVQ         dst+0(FP), DI
	MOVQ         acc+8(FP), SI
	MOVQ         m+16(FP), CX
	MOVL         n+24(FP), AX
	VCVTSI2SDL   AX, X2, X2
	VBROADCASTSD X2, Y2
	MOVL         AX, DX
	SHRL         $31, DX
	ADDL         DX, AX
	SARL         $1, AX          // n/2 (n > 0, so a plain shift would do)
	MOVL         AX, X3
	VPBROADCASTD X3, X3
	VPXOR        X5, X5, X5
	VPSUBD       X3, X5, X4
	MOVL         lo+28(FP), AX
	MOVL         AX, X14
	VPBROADCASTD X14, X14
	MOVL         hi+32(FP), AX
	MOVL         AX, X15
	VPBROADCASTD X15, X15

rdLoop:
	VMOVDQU    (SI), X0
	VPCMPGTD   X5, X0, X6        // s > 0
	VBLENDVPS  X6, X3, X4, X7    // s > 0 ? n/2 : −(n/2)
	VPADDD     X7, X0, X0
	VCVTDQ2PD  X0, Y1
	VDIVPD     Y2, Y1, Y1
	VCVTTPD2DQY Y1, X0
	VPMAXSD    X14, X0, X0
	VPMINSD    X15, X0, X0
	VPACKSSDW  X0, X0, X0
	VPACKSSWB  X0, X0, X0
	VMOVD      X0, (DI)
	ADDQ       $4, DI
	ADDQ       $16, SI
	SUBQ       $4, CX
	JNZ        rdLoop
	VZEROUPPER
	RET

// func divClampF32AVX2(dst *float32, m int, d, lo, hi float32)
//
// dst[i] = min(max(dst[i]/d, lo), hi) for i < m (a positive multiple of
// 8), with biasClampAVX2's operand order, which gives clampF32's answers.
// Y0 v; Y13 d, Y14 lo, Y15 hi (broadcast); DI &dst[i]; CX values left.
TEXT ·divClampF32AVX2(SB), NOSPLIT, $0-28
	MOVQ         dst+0(FP), DI
	MOVQ         m+8(FP), CX
	VBROADCASTSS d+16(FP), Y13
	VBROADCASTSS lo+20(FP), Y14
	VBROADCASTSS hi+24(FP), Y15

dcLoop:
	VMOVUPS (DI), Y0
	VDIVPS  Y13, Y0, Y0
	VMAXPS  Y0, Y14, Y0 // (lo > v) ? lo : v
	VMINPS  Y0, Y15, Y0 // (hi < v) ? hi : v
	VMOVUPS Y0, (DI)
	ADDQ    $32, DI
	SUBQ    $8, CX
	JNZ     dcLoop
	VZEROUPPER
	RET
