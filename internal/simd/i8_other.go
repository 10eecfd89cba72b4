//go:build !amd64 || purego

package simd

// No assembly here: I8Vector is always false and MaxI8 takes its Go loop
// (the only kernel set is the generic one), so these are never called.

const (
	hasI8VNNI = false
	hasI8AVX2 = false
)

func dotU8I8VNNI(np, k4 int, u *uint8, ldu int, w *int8, c *int32, ldc int) {
	panic("simd: no AVX-512 VNNI")
}

func requantI8AVX512(dst *int8, ldd int, acc *int32, lda int, rows, n int, corr, mult, shift *int32, off, lo, hi int32) {
	panic("simd: no AVX-512")
}

func maxI8AVX2(dst, src *int8, n int) { panic("simd: no AVX2") }

func dotU8I8AVX2(np, k4 int, u *uint8, ldu int, w *int8, c *int32, ldc int) {
	panic("simd: no AVX2")
}

func requantI8AVX2(dst *int8, ldd int, acc *int32, lda int, rows, n int, corr, mult, shift *int32, off, lo, hi int32) {
	panic("simd: no AVX2")
}
