//go:build amd64 && !purego

package simd

// mulAddF32AVX2 is MulAddF32 on n values, n a positive multiple of 8; see
// dw_amd64.s.
//
//go:noescape
func mulAddF32AVX2(acc, a, b *float32, n int)

// mulAddI8AVX2 is MulAddI8 on n values, n a positive multiple of 8; see
// dw_amd64.s.
//
//go:noescape
func mulAddI8AVX2(acc *int32, x *int8, xoff int32, f *int8, n int)
