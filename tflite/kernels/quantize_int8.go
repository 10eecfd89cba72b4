package kernels

import (
	"errors"
	"math"

	"github.com/mnistcnn/mnistcnn/tflite"
)

// ErrQuantRange reports a fused activation bound that does not fit int32
// once quantized (a scale far too small).
var ErrQuantRange = errors.New("kernels: activation bound out of int32 range")

// RequantizeInt8 is QUANTIZE from int8 to int8 (a change of scale or zero
// point), as TFLite's reference_ops::Requantize (float↔int8 QUANTIZE and
// DEQUANTIZE are AffineQuantize and AffineDequantize):
//
//	q' = clamp(MultiplyByQuantizedMultiplier(q − inZeroPoint, multiplier, shift) + outZeroPoint, −128, 127)
//
// with (multiplier, shift) = QuantizeMultiplier(in_scale / out_scale). It does
// not allocate.
func RequantizeInt8(in []int8, inZeroPoint int32, multiplier int32, shift int, outZeroPoint int32, out []int8) {
	for i, q := range in {
		v := MultiplyByQuantizedMultiplier(int32(q)-inZeroPoint, multiplier, shift) + outZeroPoint
		out[i] = clampInt8(v, -128, 127)
	}
}

// QuantizedActivationRangeInt8 is the clamp [lo, hi] a fused activation
// applies to an int8 output with the given scale and zero point, as TFLite's
// CalculateActivationRangeQuantized: the bounds 0, 6, −1, 1 are quantized with
// zeroPoint + round(f / scale) (float32 division, half away from zero) and
// intersected with [−128, 127]:
//
//	NONE [−128, 127], RELU [q(0), 127], RELU6 [q(0), q(6)], RELU_N1_TO_1 [q(−1), q(1)].
//
// Other activations give ErrActivation.
func QuantizedActivationRangeInt8(a tflite.Activation, scale float32, zeroPoint int32) (lo, hi int32, err error) {
	q := func(f float32) (int32, error) {
		r := math.Round(float64(f / scale))
		if !(r >= math.MinInt32 && r <= math.MaxInt32) {
			return 0, ErrQuantRange
		}
		return zeroPoint + int32(r), nil
	}
	lo, hi = -128, 127
	var fLo, fHi float32
	switch a {
	case tflite.ActNone:
		return lo, hi, nil
	case tflite.ActRelu:
		fLo, fHi = 0, float32(math.Inf(1))
	case tflite.ActRelu6:
		fLo, fHi = 0, 6
	case tflite.ActReluN1To1:
		fLo, fHi = -1, 1
	default:
		return 0, 0, ErrActivation
	}
	v, err := q(fLo)
	if err != nil {
		return 0, 0, err
	}
	lo = max(lo, v)
	if !math.IsInf(float64(fHi), 1) {
		if v, err = q(fHi); err != nil {
			return 0, 0, err
		}
		hi = min(hi, v)
	}
	return lo, hi, nil
}
