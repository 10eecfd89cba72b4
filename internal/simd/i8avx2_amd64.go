//go:build amd64 && !purego

package simd

// hasI8AVX2 reports that the AVX2 int8 kernels below exist. They run for
// any assembly kernel set (avx2, or avx512 without VNNI): platformSets
// offers those only on CPUs with AVX2.
const hasI8AVX2 = true

// dotU8I8AVX2 is DotU8I8 for np ≥ 1, k4 ≥ 1 on AVX2; see i8avx2_amd64.s.
//
//go:noescape
func dotU8I8AVX2(np, k4 int, u *uint8, ldu int, w *int8, c *int32, ldc int)

// requantI8AVX2 is RequantI8 for rows ≥ 1 and n a positive multiple of 8
// on AVX2; see i8avx2_amd64.s.
//
//go:noescape
func requantI8AVX2(dst *int8, ldd int, acc *int32, lda int, rows, n int, corr, mult, shift *int32, off, lo, hi int32)
