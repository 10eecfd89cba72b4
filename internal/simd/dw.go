package simd

// Elementwise multiply-accumulate kernels for DEPTHWISE_CONV_2D's fast
// paths (tflite/kernels' depthwise_fast.go): one call adds one filter tap's
// products into the accumulators of a vector of output channels. Each has
// its Go loop as definition; the AVX2 bodies (dw_amd64.s) run whenever the
// active kernel set is not the generic one, the Go loops do the tails.

// MulAddF32 sets acc[i] += a[i]·b[i] for i < len(acc). The AVX2 body uses
// FMA (one rounding per step instead of two), so results may differ from
// the Go loop in the last bit of each step. a and b must be at least as
// long as acc.
func MulAddF32(acc, a, b []float32) {
	a, b = a[:len(acc)], b[:len(acc)]
	n := vecBody(len(acc))
	if n > 0 {
		mulAddF32AVX2(&acc[0], &a[0], &b[0], n)
	}
	mulAddF32Go(acc[n:], a[n:], b[n:])
}

func mulAddF32Go(acc, a, b []float32) {
	a, b = a[:len(acc)], b[:len(acc)]
	for i, v := range a {
		acc[i] += v * b[i]
	}
}

// MulAddI8 sets acc[i] += int32(f[i])·(int32(x[i]) + xoff) for i <
// len(acc), wrapping modulo 2³² as int32 arithmetic does; the AVX2 body
// gives the same bits. x and f must be at least as long as acc.
func MulAddI8(acc []int32, x []int8, xoff int32, f []int8) {
	x, f = x[:len(acc)], f[:len(acc)]
	n := vecBody(len(acc))
	if n > 0 {
		mulAddI8AVX2(&acc[0], &x[0], xoff, &f[0], n)
	}
	mulAddI8Go(acc[n:], x[n:], xoff, f[n:])
}

func mulAddI8Go(acc []int32, x []int8, xoff int32, f []int8) {
	x, f = x[:len(acc)], f[:len(acc)]
	for i, v := range x {
		acc[i] += int32(f[i]) * (int32(v) + xoff)
	}
}
