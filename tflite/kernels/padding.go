package kernels

import (
	"errors"
	"math"

	"github.com/mnistcnn/mnistcnn/tflite"
)

// OutputSize is the output length along one spatial axis, as TFLite's
// ComputeOutSize: with the effective filter size ek = (filter−1)·dilation + 1,
//
//	SAME:  ceil(in / stride)
//	VALID: ceil((in − ek + 1) / stride)
//
// It returns 0 when the filter does not fit (VALID) or an argument is not
// positive.
func OutputSize(padding tflite.Padding, in, filter, stride, dilation int) int {
	if in <= 0 || filter <= 0 || stride <= 0 || dilation <= 0 {
		return 0
	}
	ek := (filter-1)*dilation + 1
	switch padding {
	case tflite.PaddingSame:
		return (in + stride - 1) / stride
	case tflite.PaddingValid:
		if ek > in {
			return 0
		}
		return (in - ek + stride) / stride
	}
	return 0
}

// PaddingBefore is the number of zero rows (or columns) TFLite's
// ComputePaddingHeightWidth puts before the input along one axis:
//
//	pad = max(0, ((out−1)·stride + ek − in) / 2)   (integer division)
//
// with ek = (filter−1)·dilation + 1. Any odd remainder goes after the input.
// For VALID padding out is small enough that pad is always 0.
func PaddingBefore(in, filter, stride, dilation, out int) int {
	ek := (filter-1)*dilation + 1
	p := ((out-1)*stride + ek - in) / 2
	if p < 0 {
		return 0
	}
	return p
}

// ErrActivation reports a fused activation the float kernels do not apply
// (TANH and SIGN_BIT are legal in the schema but not fused by TFLite's kernels).
var ErrActivation = errors.New("kernels: fused activation not supported")

// FloatActivationRange is the clamp [lo, hi] that a fused activation applies
// to a float output: NONE (−MaxFloat32, MaxFloat32), RELU [0, MaxFloat32],
// RELU6 [0, 6], RELU_N1_TO_1 [−1, 1].
func FloatActivationRange(a tflite.Activation) (lo, hi float32, err error) {
	switch a {
	case tflite.ActNone:
		return -math.MaxFloat32, math.MaxFloat32, nil
	case tflite.ActRelu:
		return 0, math.MaxFloat32, nil
	case tflite.ActRelu6:
		return 0, 6, nil
	case tflite.ActReluN1To1:
		return -1, 1, nil
	}
	return 0, 0, ErrActivation
}

// clampF32 returns x limited to [lo, hi].
func clampF32(x, lo, hi float32) float32 {
	if x < lo {
		return lo
	}
	if x > hi {
		return hi
	}
	return x
}
