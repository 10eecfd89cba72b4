//go:build !amd64 || purego

package simd

// Only the generic kernel set exists here, so vecBody is always 0 and
// these are never called.

func addAVX2(dst, src *float32, n int)                                     { panic("simd: no AVX2") }
func addReLUAVX2(dst, src *float32, n int)                                 { panic("simd: no AVX2") }
func reluGradAVX2(gz, y, gy *float32, n int)                               { panic("simd: no AVX2") }
func maxArgAVX2(best *float32, at *int32, src *float32, base int32, n int) { panic("simd: no AVX2") }
