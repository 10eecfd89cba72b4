package interp

import (
	"math"

	"github.com/mnistcnn/mnistcnn/tflite/kernels"
)

// The SOFTMAX fast paths (tflite/kernels' softmax_fast.go). Float is gated
// as the other float fast kernels (simd has assembly for this CPU, the race
// detector is off) and needs a positive, finite beta; it gives the scalar
// kernel's values within 1e-5 relative. Int8 gives the scalar kernel's
// bytes on every simd kernel set (on the generic one through simd's Go
// definitions, still table-driven), so, like the max pools, it is on
// whenever the fast kernels are.

// fastSoftmaxFloat returns the fast evaluation of a float SOFTMAX, or nil.
func fastSoftmaxFloat(beta float32, rows, depth, xi, yi int) evalFunc {
	if !useFastFloat() || !(beta > 0) || beta > math.MaxFloat32 || rows == 0 || depth == 0 {
		return nil
	}
	return func(t []*Tensor) error {
		kernels.SoftmaxFloatFast(beta, rows, depth, t[xi].Float32s(), t[yi].Float32s())
		return nil
	}
}

// fastSoftmaxInt8 returns the table-driven evaluation of an int8 SOFTMAX,
// or nil. Its tables (2 KiB) are built here, once.
func fastSoftmaxInt8(p *kernels.SoftmaxInt8Params, depth, xi, yi int) evalFunc {
	if !fastKernels {
		return nil
	}
	f := kernels.NewSoftmaxInt8Fast(p)
	if f == nil {
		return nil
	}
	return func(t []*Tensor) error {
		f.Softmax(depth, t[xi].Int8s(), t[yi].Int8s())
		return nil
	}
}
