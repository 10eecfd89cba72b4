//go:build !amd64 || purego

package simd

// Only the generic kernel set exists here, so vecBody is always 0 and
// this is never called.

func addI8I32AVX2(acc *int32, src *int8, n int)                    { panic("simd: no AVX2") }
func roundDivI8AVX2(dst *int8, acc *int32, m int, n, lo, hi int32) { panic("simd: no AVX2") }
func divClampF32AVX2(dst *float32, m int, d, lo, hi float32)       { panic("simd: no AVX2") }
