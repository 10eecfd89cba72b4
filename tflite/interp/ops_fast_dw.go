package interp

import "github.com/mnistcnn/mnistcnn/tflite/kernels"

// The DEPTHWISE_CONV_2D fast paths (tflite/kernels' depthwise_fast.go),
// gated as the other fast kernels (ops_fast.go): float when simd has
// assembly for this CPU and not under the race detector, int8 when simd's
// int8 kernels run on vector instructions; both only with a constant
// filter. The int8 path gives the scalar kernel's bytes, the float one its
// values up to float32 rounding (FMA).

// fastDepthwiseFloat returns the fast evaluation of a float
// DEPTHWISE_CONV_2D whose filter is constant, or nil.
func fastDepthwiseFloat(t []*Tensor, p *kernels.ConvParams, inS, fS, outS kernels.Shape4, xi, wi, bi, yi int) evalFunc {
	if !useFastFloat() || !t[wi].constant || fS.C != outS.C {
		return nil
	}
	d := kernels.NewDepthwiseFloatFast(p, inS, fS, t[wi].Float32s(), outS)
	requestScratch(t, 4*d.ScratchFloats())
	return func(t []*Tensor) error {
		var bias []float32
		if bi >= 0 {
			bias = t[bi].Float32s()
		}
		d.Conv(t[xi].Float32s(), bias, t[yi].Float32s(), scratchFloat32s(t))
		return nil
	}
}

// fastDepthwiseInt8 is the same for int8.
func fastDepthwiseInt8(t []*Tensor, p *kernels.ConvParams, inS, fS, outS kernels.Shape4, xi, wi, bi, yi int) evalFunc {
	if !useFastInt8() || !t[wi].constant || fS.C != outS.C {
		return nil
	}
	d := kernels.NewDepthwiseInt8Fast(p, inS, fS, t[wi].Int8s(), outS)
	requestScratch(t, d.ScratchBytes())
	return func(t []*Tensor) error {
		d.Conv(t[xi].Int8s(), int32sOrNil(t, bi), t[yi].Int8s(), scratchBytes(t))
		return nil
	}
}
