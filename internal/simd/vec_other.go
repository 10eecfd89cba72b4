//go:build !amd64 || purego

package simd

// Only the generic kernel set exists here, so vecBody is always 0 and
// these are never called.

func addAVX2(dst, src *float32, n int)                                     { panic("simd: no AVX2") }
func addReLUAVX2(dst, src *float32, n int)                                 { panic("simd: no AVX2") }
func reluGradAVX2(gz, y, gy *float32, n int)                               { panic("simd: no AVX2") }
func maxArgAVX2(best *float32, at *int32, src *float32, base int32, n int) { panic("simd: no AVX2") }

func addRowsAVX2(y, bias *float32, rows, n int)     { panic("simd: no AVX2") }
func addReLURowsAVX2(y, bias *float32, rows, n int) { panic("simd: no AVX2") }
func sumRowsAVX2(sum, m *float32, rows, n int)      { panic("simd: no AVX2") }
func rmspropAVX2(w, v, grad *float32, n int, lr, c, rho, eps float32) {
	panic("simd: no AVX2")
}
