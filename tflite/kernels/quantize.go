package kernels

import "math"

// AffineQuantize is QUANTIZE from float32 to int8 or uint8 (TFLite's
// reference AffineQuantize):
//
//	q = clamp(round(x / scale) + zeroPoint, min(T), max(T))
//
// x/scale is computed in float32 and rounded half away from zero (std::round),
// so 2.5 → 3 and −2.5 → −3. NaN quantizes to zeroPoint's clamp of 0.
func AffineQuantize[T int8 | uint8](in []float32, out []T, scale float32, zeroPoint int32) {
	lo, hi := quantRange[T]()
	out = out[:len(in)]
	for i, x := range in {
		r := math.Round(float64(float32(x / scale))) // round x/scale to float32 first, as C++ does
		if r != r {                                  // NaN
			r = 0
		}
		r += float64(zeroPoint)
		if r < lo {
			r = lo
		} else if r > hi {
			r = hi
		}
		out[i] = T(r)
	}
}

// AffineDequantize is DEQUANTIZE to float32 (TFLite's reference Dequantize):
//
//	x = scale · (q − zeroPoint)
//
// The product of a float32 scale and an integer below 2^24 rounds once, so
// computing it in float32 equals TFLite's double-then-float result.
func AffineDequantize[T int8 | uint8 | int16](in []T, out []float32, scale float32, zeroPoint int32) {
	out = out[:len(in)]
	for i, q := range in {
		out[i] = scale * float32(int32(q)-zeroPoint)
	}
}

// quantRange is the range of T as float64: [−128, 127] or [0, 255].
func quantRange[T int8 | uint8]() (lo, hi float64) {
	var z T
	if z-1 > z { // unsigned: 0−1 wraps to 255
		return 0, math.MaxUint8
	}
	return math.MinInt8, math.MaxInt8
}
