//go:build !amd64 || purego

package simd

// Only the generic kernel set exists here, so these are never called.

func biasClampAVX2(y, bias *float32, rows, n, ld int, lo, hi float32) { panic("simd: no AVX2") }
func maxF32AVX2(dst, src *float32, n int)                             { panic("simd: no AVX2") }
