//go:build !amd64 || purego

package simd

// Only the generic kernel set exists here, so these are never called.

func mulAddF32AVX2(acc, a, b *float32, n int)                      { panic("simd: no AVX2") }
func mulAddI8AVX2(acc *int32, x *int8, xoff int32, f *int8, n int) { panic("simd: no AVX2") }
