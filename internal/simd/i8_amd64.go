//go:build amd64 && !purego

package simd

import "golang.org/x/sys/cpu"

// hasI8VNNI reports the CPU features of the AVX-512 int8 kernels: VNNI's
// VPDPBUSD and BW's byte masks (x/sys/cpu reports them only when the OS
// saves the ZMM state).
var hasI8VNNI = cpu.X86.HasAVX512F && cpu.X86.HasAVX512BW && cpu.X86.HasAVX512VNNI

// dotU8I8VNNI is DotU8I8 for np ≥ 1, k4 ≥ 1; see i8_amd64.s.
//
//go:noescape
func dotU8I8VNNI(np, k4 int, u *uint8, ldu int, w *int8, c *int32, ldc int)

// requantI8AVX512 is RequantI8 for rows, n ≥ 1; see i8_amd64.s.
//
//go:noescape
func requantI8AVX512(dst *int8, ldd int, acc *int32, lda int, rows, n int, corr, mult, shift *int32, off, lo, hi int32)

// maxI8AVX2 is MaxI8 on n bytes, n a positive multiple of 32.
//
//go:noescape
func maxI8AVX2(dst, src *int8, n int)
