package quantize

import (
	"math"
)

// int8 limits. Weights use the narrow range [−127, 127] so that −w is
// always representable; activations use the full range.
const (
	qMin       = -128
	qMax       = 127
	weightQMax = 127
	int32Max   = math.MaxInt32
)

// ActivationParams returns the scale and zero point of an int8 activation
// whose values lie in [min, max]. The range is first widened to include 0
// (min ≤ 0 ≤ max), so that 0 is exactly representable, then
//
//	scale = (max − min) / 255
//	zero_point = round(−128 − min/scale), clamped to [−128, 127]
//
// computed in float32 as TensorFlow Lite's GetAsymmetricQuantizationParams
// does. A range of zero width (all values 0) gets scale 1 and zero point
// −128, as TensorFlow's MLIR quantizer does, instead of an unusable scale 0.
func ActivationParams(min, max float32) (scale float32, zeroPoint int32) {
	min = float32(math.Min(float64(min), 0))
	max = float32(math.Max(float64(max), 0))
	scale = (max - min) / float32(qMax-qMin)
	if scale == 0 {
		return 1, qMin
	}
	zp := float32(qMin) - min/scale
	switch {
	case zp < qMin:
		return scale, qMin
	case zp > qMax:
		return scale, qMax
	}
	return scale, int32(math.Round(float64(zp)))
}

// SymmetricWeights quantizes w, laid out as channels consecutive blocks of
// equal size (dimension 0 of an OHWI filter or an [out, in] matrix), to int8
// in [−127, 127] with zero point 0 and one scale per block:
//
//	scale[c] = max|w[c]| / 127,  q = round(w × 127/max|w[c]|)
//
// in float32, as TensorFlow Lite's SymmetricPerChannelQuantization does.
// channels = 1 gives per-tensor quantization. A block that is all zeros gets
// scale 1 (its values quantize to 0 whatever the scale; a scale of 0 would
// make the bias scale 0 and lose that channel's bias).
// It returns nil slices when len(w) is not a multiple of channels.
func SymmetricWeights(w []float32, channels int) (q []int8, scales []float32) {
	if channels <= 0 || len(w)%channels != 0 {
		return nil, nil
	}
	per := len(w) / channels
	q = make([]int8, len(w))
	scales = make([]float32, channels)
	for c := range channels {
		block := w[c*per : (c+1)*per]
		var halfRange float32
		for _, v := range block {
			halfRange = float32(math.Max(float64(halfRange), math.Abs(float64(v))))
		}
		if halfRange == 0 {
			scales[c] = 1
			continue // q stays 0
		}
		scales[c] = halfRange / weightQMax
		inv := weightQMax / halfRange
		for i, v := range block {
			r := math.Round(float64(float32(v * inv))) // float32 product, as in C++
			q[c*per+i] = int8(math.Max(-weightQMax, math.Min(weightQMax, r)))
		}
	}
	return q, scales
}

// BiasScales returns the scales of an int32 bias: inputScale × weightScales[c],
// multiplied in float32 as TensorFlow Lite does.
func BiasScales(inputScale float32, weightScales []float32) []float32 {
	s := make([]float32, len(weightScales))
	for c, ws := range weightScales {
		s[c] = inputScale * ws
	}
	return s
}

// Bias quantizes b to int32 with zero point 0: q[i] = round(b[i]/scale),
// where scale is scales[i], or scales[0] when there is one scale for the
// whole tensor. Values are clamped to [−(2³¹−1), 2³¹−1] as TensorFlow
// Lite's SymmetricPerChannelBiasQuantize does. A scale of 0 gives 0.
func Bias(b []float32, scales []float32) []int32 {
	q := make([]int32, len(b))
	for i, v := range b {
		s := scales[0]
		if len(scales) > 1 {
			s = scales[i]
		}
		if s == 0 {
			continue
		}
		r := math.Round(float64(v) / float64(s))
		q[i] = int32(math.Max(-int32Max, math.Min(int32Max, r)))
	}
	return q
}

// Quantize returns round(r/scale) + zeroPoint clamped to the int8 range:
// how a float input is fed to the int8 model.
func Quantize(r, scale float32, zeroPoint int32) int8 {
	q := math.Round(float64(r)/float64(scale)) + float64(zeroPoint)
	return int8(math.Max(qMin, math.Min(qMax, q)))
}

// Dequantize returns scale × (q − zeroPoint).
func Dequantize(q int8, scale float32, zeroPoint int32) float32 {
	return scale * float32(int32(q)-zeroPoint)
}
