//go:build amd64 && !purego

package simd

//go:noescape
func addI8I32AVX2(acc *int32, src *int8, n int)

//go:noescape
func roundDivI8AVX2(dst *int8, acc *int32, m int, n, lo, hi int32)

//go:noescape
func divClampF32AVX2(dst *float32, m int, d, lo, hi float32)
