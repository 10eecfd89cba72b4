//go:build amd64 && !purego

#include "textflag.h"

// The GEMV kernels behind Gemv (gemv.go): y[o] = Σ_{i<k} w[o·ldw+i]·x[i],
// k ≥ 1, with unaligned loads. Each output has one vector accumulator,
// summing the products of its lanes' columns in increasing order with one
// FMA each; the last k mod width columns go through masked loads (which
// neither fault nor read memory past the row). The lanes of an
// accumulator are then summed in one fixed tree, the same in the
// eight-row and the one-row kernel, so that an output's bits do not depend
// on which kernel computed it:
//
//	b[j] = a[j] + a[j+8]                  (AVX-512 only: 16 → 8 lanes)
//	y    = ((b0+b1) + (b2+b3)) + ((b4+b5) + (b6+b7))
//
// Common registers:
//	AX  &w[row 0 of the current block or row]
//	SI  row-0 cursor;  DI row-4 cursor (eight-row kernels);  DX x cursor
//	R8  ldw in bytes;  R9 3·ldw in bytes
//	R10 x;  BX full vectors per row;  R11 k mod width;  CX vectors left
//	R12 &y[current output];  R13 blocks or rows left

// gemvTailMask is eight all-ones int32s then eight zeros: the 32 bytes at
// offset 32 − 4t select the first t lanes (AVX2's VMASKMOVPS mask).
DATA gemvTailMask<>+0x00(SB)/8, $0xffffffffffffffff
DATA gemvTailMask<>+0x08(SB)/8, $0xffffffffffffffff
DATA gemvTailMask<>+0x10(SB)/8, $0xffffffffffffffff
DATA gemvTailMask<>+0x18(SB)/8, $0xffffffffffffffff
DATA gemvTailMask<>+0x20(SB)/8, $0
DATA gemvTailMask<>+0x28(SB)/8, $0
DATA gemvTailMask<>+0x30(SB)/8, $0
DATA gemvTailMask<>+0x38(SB)/8, $0
GLOBL gemvTailMask<>(SB), RODATA|NOPTR, $64

// func gemv8AVX512(w *float32, ldw int, x *float32, k int, y *float32, blocks int)
//
// y[o] for o < 8·blocks: blocks of eight rows, 16 columns (one ZMM) at a
// time. Z8–Z15 the eight rows' accumulators, Z0 x's 16 values, K1 the
// lanes of the last k mod 16 columns (merge-masked FMAs, so the other
// lanes of the accumulators are left as they are); rows 1–3 are SI+R8,
// SI+2·R8, SI+R9, rows 5–7 the same from DI. Reduction: Y0–Y3.
TEXT ·gemv8AVX512(SB), NOSPLIT, $0-48
	MOVQ  w+0(FP), AX
	MOVQ  ldw+8(FP), R8
	SHLQ  $2, R8
	LEAQ  (R8)(R8*2), R9
	MOVQ  x+16(FP), R10
	MOVQ  k+24(FP), BX
	MOVQ  y+32(FP), R12
	MOVQ  blocks+40(FP), R13
	MOVQ  BX, R11
	ANDQ  $15, R11
	SHRQ  $4, BX
	MOVQ  R11, CX
	MOVL  $1, DX
	SHLL  CX, DX
	DECL  DX
	KMOVW DX, K1 // (1 << (k mod 16)) − 1

g8zBlock:
	MOVQ   AX, SI
	LEAQ   (AX)(R8*4), DI
	MOVQ   R10, DX
	VPXORD Z8, Z8, Z8
	VPXORD Z9, Z9, Z9
	VPXORD Z10, Z10, Z10
	VPXORD Z11, Z11, Z11
	VPXORD Z12, Z12, Z12
	VPXORD Z13, Z13, Z13
	VPXORD Z14, Z14, Z14
	VPXORD Z15, Z15, Z15
	MOVQ   BX, CX
	TESTQ  CX, CX
	JZ     g8zTail

g8zLoop:
	VMOVUPS     (DX), Z0
	VFMADD231PS (SI), Z0, Z8
	VFMADD231PS (SI)(R8*1), Z0, Z9
	VFMADD231PS (SI)(R8*2), Z0, Z10
	VFMADD231PS (SI)(R9*1), Z0, Z11
	VFMADD231PS (DI), Z0, Z12
	VFMADD231PS (DI)(R8*1), Z0, Z13
	VFMADD231PS (DI)(R8*2), Z0, Z14
	VFMADD231PS (DI)(R9*1), Z0, Z15
	ADDQ        $64, SI
	ADDQ        $64, DI
	ADDQ        $64, DX
	DECQ        CX
	JNZ         g8zLoop

g8zTail:
	TESTQ       R11, R11
	JZ          g8zReduce
	VMOVUPS.Z   (DX), K1, Z0
	VFMADD231PS (SI), Z0, K1, Z8
	VFMADD231PS (SI)(R8*1), Z0, K1, Z9
	VFMADD231PS (SI)(R8*2), Z0, K1, Z10
	VFMADD231PS (SI)(R9*1), Z0, K1, Z11
	VFMADD231PS (DI), Z0, K1, Z12
	VFMADD231PS (DI)(R8*1), Z0, K1, Z13
	VFMADD231PS (DI)(R8*2), Z0, K1, Z14
	VFMADD231PS (DI)(R9*1), Z0, K1, Z15

g8zReduce:
	VEXTRACTF64X4 $1, Z8, Y0
	VADDPS        Y0, Y8, Y8
	VEXTRACTF64X4 $1, Z9, Y0
	VADDPS        Y0, Y9, Y9
	VEXTRACTF64X4 $1, Z10, Y0
	VADDPS        Y0, Y10, Y10
	VEXTRACTF64X4 $1, Z11, Y0
	VADDPS        Y0, Y11, Y11
	VEXTRACTF64X4 $1, Z12, Y0
	VADDPS        Y0, Y12, Y12
	VEXTRACTF64X4 $1, Z13, Y0
	VADDPS        Y0, Y13, Y13
	VEXTRACTF64X4 $1, Z14, Y0
	VADDPS        Y0, Y14, Y14
	VEXTRACTF64X4 $1, Z15, Y0
	VADDPS        Y0, Y15, Y15
	VHADDPS       Y9, Y8, Y0          // [b0 01, b0 23, b1 01, b1 23 | b0 45, b0 67, b1 45, b1 67]
	VHADDPS       Y11, Y10, Y1
	VHADDPS       Y13, Y12, Y2
	VHADDPS       Y15, Y14, Y3
	VHADDPS       Y1, Y0, Y0          // [b0..3 0123 | b0..3 4567]
	VHADDPS       Y3, Y2, Y2          // [b4..7 0123 | b4..7 4567]
	VPERM2F128    $0x20, Y2, Y0, Y1   // the four-lane halves 0123 of both
	VPERM2F128    $0x31, Y2, Y0, Y3   // and 4567
	VADDPS        Y3, Y1, Y1
	VMOVUPS       Y1, (R12)
	ADDQ          $32, R12
	LEAQ          (AX)(R8*8), AX
	DECQ          R13
	JNZ           g8zBlock
	VZEROUPPER
	RET

// func gemv1AVX512(w *float32, ldw int, x *float32, k int, y *float32, rows int)
//
// y[o] for o < rows, one row at a time: Z8 the accumulator, Z0 x, K1 the
// tail lanes, Y0 the reduction's temporary.
TEXT ·gemv1AVX512(SB), NOSPLIT, $0-48
	MOVQ  w+0(FP), AX
	MOVQ  ldw+8(FP), R8
	SHLQ  $2, R8
	MOVQ  x+16(FP), R10
	MOVQ  k+24(FP), BX
	MOVQ  y+32(FP), R12
	MOVQ  rows+40(FP), R13
	MOVQ  BX, R11
	ANDQ  $15, R11
	SHRQ  $4, BX
	MOVQ  R11, CX
	MOVL  $1, DX
	SHLL  CX, DX
	DECL  DX
	KMOVW DX, K1

g1zRow:
	MOVQ   AX, SI
	MOVQ   R10, DX
	VPXORD Z8, Z8, Z8
	MOVQ   BX, CX
	TESTQ  CX, CX
	JZ     g1zTail

g1zLoop:
	VMOVUPS     (DX), Z0
	VFMADD231PS (SI), Z0, Z8
	ADDQ        $64, SI
	ADDQ        $64, DX
	DECQ        CX
	JNZ         g1zLoop

g1zTail:
	TESTQ       R11, R11
	JZ          g1zReduce
	VMOVUPS.Z   (DX), K1, Z0
	VFMADD231PS (SI), Z0, K1, Z8

g1zReduce:
	VEXTRACTF64X4 $1, Z8, Y0
	VADDPS        Y0, Y8, Y8
	VHADDPS       Y8, Y8, Y8 // [b01, b23, ·, · | b45, b67, ·, ·]
	VHADDPS       Y8, Y8, Y8 // [b0123, ·, ·, · | b4567, ·, ·, ·]
	VEXTRACTF128  $1, Y8, X0
	VADDSS        X0, X8, X8
	VMOVSS        X8, (R12)
	ADDQ          $4, R12
	ADDQ          R8, AX
	DECQ          R13
	JNZ           g1zRow
	VZEROUPPER
	RET

// func gemv8AVX2(w *float32, ldw int, x *float32, k int, y *float32, blocks int)
//
// gemv8AVX512 with 8 columns (one YMM) at a time: Y8–Y15 the accumulators,
// Y0 x, Y6 the VMASKMOVPS mask of the last k mod 8 columns, Y1 a masked
// row (its other lanes zero, so those lanes add 0·0). Reduction: Y0–Y3.
TEXT ·gemv8AVX2(SB), NOSPLIT, $0-48
	MOVQ    w+0(FP), AX
	MOVQ    ldw+8(FP), R8
	SHLQ    $2, R8
	LEAQ    (R8)(R8*2), R9
	MOVQ    x+16(FP), R10
	MOVQ    k+24(FP), BX
	MOVQ    y+32(FP), R12
	MOVQ    blocks+40(FP), R13
	MOVQ    BX, R11
	ANDQ    $7, R11
	SHRQ    $3, BX
	LEAQ    gemvTailMask<>+32(SB), CX
	MOVQ    R11, DX
	SHLQ    $2, DX
	SUBQ    DX, CX
	VMOVDQU (CX), Y6

g8yBlock:
	MOVQ   AX, SI
	LEAQ   (AX)(R8*4), DI
	MOVQ   R10, DX
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11
	VXORPS Y12, Y12, Y12
	VXORPS Y13, Y13, Y13
	VXORPS Y14, Y14, Y14
	VXORPS Y15, Y15, Y15
	MOVQ   BX, CX
	TESTQ  CX, CX
	JZ     g8yTail

g8yLoop:
	VMOVUPS     (DX), Y0
	VFMADD231PS (SI), Y0, Y8
	VFMADD231PS (SI)(R8*1), Y0, Y9
	VFMADD231PS (SI)(R8*2), Y0, Y10
	VFMADD231PS (SI)(R9*1), Y0, Y11
	VFMADD231PS (DI), Y0, Y12
	VFMADD231PS (DI)(R8*1), Y0, Y13
	VFMADD231PS (DI)(R8*2), Y0, Y14
	VFMADD231PS (DI)(R9*1), Y0, Y15
	ADDQ        $32, SI
	ADDQ        $32, DI
	ADDQ        $32, DX
	DECQ        CX
	JNZ         g8yLoop

g8yTail:
	TESTQ       R11, R11
	JZ          g8yReduce
	VMASKMOVPS  (DX), Y6, Y0
	VMASKMOVPS  (SI), Y6, Y1
	VFMADD231PS Y1, Y0, Y8
	VMASKMOVPS  (SI)(R8*1), Y6, Y1
	VFMADD231PS Y1, Y0, Y9
	VMASKMOVPS  (SI)(R8*2), Y6, Y1
	VFMADD231PS Y1, Y0, Y10
	VMASKMOVPS  (SI)(R9*1), Y6, Y1
	VFMADD231PS Y1, Y0, Y11
	VMASKMOVPS  (DI), Y6, Y1
	VFMADD231PS Y1, Y0, Y12
	VMASKMOVPS  (DI)(R8*1), Y6, Y1
	VFMADD231PS Y1, Y0, Y13
	VMASKMOVPS  (DI)(R8*2), Y6, Y1
	VFMADD231PS Y1, Y0, Y14
	VMASKMOVPS  (DI)(R9*1), Y6, Y1
	VFMADD231PS Y1, Y0, Y15

g8yReduce:
	VHADDPS    Y9, Y8, Y0
	VHADDPS    Y11, Y10, Y1
	VHADDPS    Y13, Y12, Y2
	VHADDPS    Y15, Y14, Y3
	VHADDPS    Y1, Y0, Y0
	VHADDPS    Y3, Y2, Y2
	VPERM2F128 $0x20, Y2, Y0, Y1
	VPERM2F128 $0x31, Y2, Y0, Y3
	VADDPS     Y3, Y1, Y1
	VMOVUPS    Y1, (R12)
	ADDQ       $32, R12
	LEAQ       (AX)(R8*8), AX
	DECQ       R13
	JNZ        g8yBlock
	VZEROUPPER
	RET

// func gemv1AVX2(w *float32, ldw int, x *float32, k int, y *float32, rows int)
//
// gemv1AVX512 with YMMs: Y8 the accumulator, Y0 x, Y6 the tail mask, Y1
// the masked row, X0 the reduction's temporary.
TEXT ·gemv1AVX2(SB), NOSPLIT, $0-48
	MOVQ    w+0(FP), AX
	MOVQ    ldw+8(FP), R8
	SHLQ    $2, R8
	MOVQ    x+16(FP), R10
	MOVQ    k+24(FP), BX
	MOVQ    y+32(FP), R12
	MOVQ    rows+40(FP), R13
	MOVQ    BX, R11
	ANDQ    $7, R11
	SHRQ    $3, BX
	LEAQ    gemvTailMask<>+32(SB), CX
	MOVQ    R11, DX
	SHLQ    $2, DX
	SUBQ    DX, CX
	VMOVDQU (CX), Y6

g1yRow:
	MOVQ   AX, SI
	MOVQ   R10, DX
	VXORPS Y8, Y8, Y8
	MOVQ   BX, CX
	TESTQ  CX, CX
	JZ     g1yTail

g1yLoop:
	VMOVUPS     (DX), Y0
	VFMADD231PS (SI), Y0, Y8
	ADDQ        $32, SI
	ADDQ        $32, DX
	DECQ        CX
	JNZ         g1yLoop

g1yTail:
	TESTQ       R11, R11
	JZ          g1yReduce
	VMASKMOVPS  (DX), Y6, Y0
	VMASKMOVPS  (SI), Y6, Y1
	VFMADD231PS Y1, Y0, Y8

g1yReduce:
	VHADDPS      Y8, Y8, Y8
	VHADDPS      Y8, Y8, Y8
	VEXTRACTF128 $1, Y8, X0
	VADDSS       X0, X8, X8
	VMOVSS       X8, (R12)
	ADDQ         $4, R12
	ADDQ         R8, AX
	DECQ         R13
	JNZ          g1yRow
	VZEROUPPER
	RET
