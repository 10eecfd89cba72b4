//go:build amd64 && !purego

package simd

// hasSoftmaxI8AVX2 reports that the AVX2 int8 softmax passes below exist.
// They run for any assembly kernel set: platformSets offers those only on
// CPUs with AVX2.
const hasSoftmaxI8AVX2 = true

// softmaxF32AVX512 is SoftmaxF32 on rows ≥ 1 rows of depth ≥ 1 values,
// beta positive and finite, with AVX-512F; see softmax_amd64.s.
//
//go:noescape
func softmaxF32AVX512(y, x *float32, rows, depth int, beta float32)

// softmaxF32AVX2 is the same with AVX2 and FMA.
//
//go:noescape
func softmaxF32AVX2(y, x *float32, rows, depth int, beta float32)

// softmaxI8SumAVX2 is SoftmaxI8Sum on n ≥ 1 values (maxQ returned
// sign-extended).
//
//go:noescape
func softmaxI8SumAVX2(row *int8, n int, tab *int32) (maxQ, sum int32)

// softmaxI8ScaleAVX2 is SoftmaxI8Scale on n ≥ 1 values, exponent in
// [0, 31].
//
//go:noescape
func softmaxI8ScaleAVX2(dst, row *int8, n int, tab *int32, maxQ, recip int32, exponent int)
