//go:build !amd64 || purego

package simd

// Only the generic kernel set exists here, so these are never called.

const hasSoftmaxI8AVX2 = false

func softmaxF32AVX512(y, x *float32, rows, depth int, beta float32) { panic("simd: no AVX-512") }
func softmaxF32AVX2(y, x *float32, rows, depth int, beta float32)   { panic("simd: no AVX2") }

func softmaxI8SumAVX2(row *int8, n int, tab *int32) (maxQ, sum int32) { panic("simd: no AVX2") }

func softmaxI8ScaleAVX2(dst, row *int8, n int, tab *int32, maxQ, recip int32, exponent int) {
	panic("simd: no AVX2")
}
