//go:build amd64 && !purego

package simd

// biasClampAVX2 is BiasClamp on the first n columns (a positive multiple
// of 8) of rows rows with leading dimension ld; see f32_amd64.s.
//
//go:noescape
func biasClampAVX2(y, bias *float32, rows, n, ld int, lo, hi float32)

// maxF32AVX2 is MaxF32 on n values, n a positive multiple of 8.
//
//go:noescape
func maxF32AVX2(dst, src *float32, n int)
