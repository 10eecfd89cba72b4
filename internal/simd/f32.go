package simd

import "fmt"

// Float32 helpers of the TFLite interpreter's float operators, each with
// the Go loop that is its definition. They compute exactly the same values
// as that loop (no arithmetic is reordered), with AVX2 whenever the active
// kernel set is not the generic one.

// BiasClamp adds bias to every row of y, a matrix of len(bias) columns
// with leading dimension ld, and clamps the result to [lo, hi] as TFLite's
// fused activations do:
//
//	v = y[r*ld+j] + bias[j];  y[r*ld+j] = hi if v > hi, lo if v < lo, else v
//
// (a NaN stays NaN, −0 stays −0). rows is taken from len(y); a ragged last
// row panics.
func BiasClamp(y []float32, ld int, bias []float32, lo, hi float32) {
	n := len(bias)
	if n == 0 || len(y) == 0 {
		return
	}
	if ld < n || (len(y)-n)%ld != 0 {
		panic(fmt.Sprintf("simd.BiasClamp: %d values are not rows of %d with leading dimension %d", len(y), n, ld))
	}
	rows := (len(y)-n)/ld + 1
	body := 0
	if active.id != kernGeneric {
		body = n &^ 7
	}
	if body > 0 {
		biasClampAVX2(&y[0], &bias[0], rows, body, ld, lo, hi)
	}
	if body == n {
		return
	}
	for r := 0; r < rows; r++ {
		biasClampGo(y[r*ld+body:r*ld+n], bias[body:], lo, hi)
	}
}

func biasClampGo(y, bias []float32, lo, hi float32) {
	bias = bias[:len(y)]
	for j, v := range y {
		v += bias[j]
		if v < lo {
			v = lo
		}
		if v > hi {
			v = hi
		}
		y[j] = v
	}
}

// MaxF32 sets dst[i] = src[i] where src[i] > dst[i]: a NaN in src never
// wins, a NaN in dst is never replaced.
func MaxF32(dst, src []float32) {
	src = src[:len(dst)]
	n := vecBody(len(dst))
	if n > 0 {
		maxF32AVX2(&dst[0], &src[0], n)
	}
	maxF32Go(dst[n:], src[n:])
}

func maxF32Go(dst, src []float32) {
	src = src[:len(dst)]
	for i, v := range src {
		if v > dst[i] {
			dst[i] = v
		}
	}
}
