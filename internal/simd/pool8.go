package simd

// AddI8I32 sets acc[i] += int32(src[i]): one tap of an int8 average pool,
// summed in int32 so it cannot overflow for any real window. The length
// is len(acc); a shorter src panics. The assembly gives the same values
// as addI8I32Go (integer addition, no rounding).
func AddI8I32(acc []int32, src []int8) {
	src = src[:len(acc)]
	n := vecBody(len(acc))
	if n > 0 {
		addI8I32AVX2(&acc[0], &src[0], n)
	}
	addI8I32Go(acc[n:], src[n:])
}

func addI8I32Go(acc []int32, src []int8) {
	src = src[:len(acc)]
	for i, v := range src {
		acc[i] += int32(v)
	}
}

// RoundDivI8 sets dst[i] to acc[i] divided by n (> 0), rounded half away
// from zero the way TFLite's integer average pool does, then clamped to
// [lo, hi] (within the int8 range):
//
//	s = acc[i];  q = (s + n/2) / n if s > 0, else (s − n/2) / n  (truncating)
//	dst[i] = min(max(q, lo), hi)
//
// The assembly divides in float64 and truncates, which gives the same q
// whenever |s| + n < 2³¹ (always, for sums of int8s over fewer than 2²³
// taps): both the dividend and n are exact in float64, and a quotient
// that is not an integer lies at least 1/n from one, farther than its
// rounding error.
func RoundDivI8(dst []int8, acc []int32, n, lo, hi int32) {
	acc = acc[:len(dst)]
	m := vecBody(len(dst))
	if m > 0 {
		roundDivI8AVX2(&dst[0], &acc[0], m, n, lo, hi)
	}
	roundDivI8Go(dst[m:], acc[m:], n, lo, hi)
}

func roundDivI8Go(dst []int8, acc []int32, n, lo, hi int32) {
	acc = acc[:len(dst)]
	h := n / 2
	for i, s := range acc {
		if s > 0 {
			s = (s + h) / n
		} else {
			s = (s - h) / n
		}
		dst[i] = int8(min(max(s, lo), hi))
	}
}

// DivClampF32 sets dst[i] = min(max(dst[i]/d, lo), hi) with clampF32's
// answers (a NaN stays NaN, −0 stays −0): the last step of a float
// average pool. Division is correctly rounded in the assembly as in Go,
// so both give the same bits.
func DivClampF32(dst []float32, d, lo, hi float32) {
	m := vecBody(len(dst))
	if m > 0 {
		divClampF32AVX2(&dst[0], m, d, lo, hi)
	}
	divClampF32Go(dst[m:], d, lo, hi)
}

func divClampF32Go(dst []float32, d, lo, hi float32) {
	for i, v := range dst {
		v /= d
		if v < lo {
			v = lo
		} else if v > hi {
			v = hi
		}
		dst[i] = v
	}
}
