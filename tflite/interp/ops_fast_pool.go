package interp

import (
	"unsafe"

	"github.com/mnistcnn/mnistcnn/tflite/kernels"
)

// The fast average pools (tflite/kernels' pool_fast.go), gated as the
// fast convolutions are: float when simd has assembly for this CPU and
// the race detector is off, int8 when simd has int8 assembly. Both give
// the scalar kernels' results to the bit; on simd's generic kernels the
// scalar kernels run.

// fastAveragePoolFloat returns the fast evaluation of a float
// AVERAGE_POOL_2D, or nil.
func fastAveragePoolFloat(p *kernels.PoolParams, inS, outS kernels.Shape4, xi, yi int) evalFunc {
	if !useFastFloat() {
		return nil
	}
	return func(t []*Tensor) error {
		kernels.AveragePoolFloatFast(p, inS, t[xi].Float32s(), outS, t[yi].Float32s())
		return nil
	}
}

// fastAveragePoolInt8 returns the fast evaluation of an int8
// AVERAGE_POOL_2D, or nil. Its per-channel int32 sums live in the
// scratch.
func fastAveragePoolInt8(t []*Tensor, p *kernels.PoolParams, inS, outS kernels.Shape4, xi, yi int) evalFunc {
	if !useFastInt8() || inS.C == 0 {
		return nil
	}
	requestScratch(t, 4*inS.C)
	return func(t []*Tensor) error {
		return kernels.AveragePoolInt8Fast(p, inS, t[xi].Int8s(), outS, t[yi].Int8s(), scratchInt32s(t))
	}
}

// scratchInt32s is the interpreter's scratch as int32s (it is 64-byte
// aligned).
func scratchInt32s(t []*Tensor) []int32 {
	b := scratchBytes(t)
	if len(b) < 4 {
		return nil
	}
	return unsafe.Slice((*int32)(unsafe.Pointer(&b[0])), len(b)/4)
}
