package interp

import (
	"unsafe"

	"github.com/mnistcnn/mnistcnn/internal/simd"
	"github.com/mnistcnn/mnistcnn/tflite/kernels"
)

// The fast kernels (tflite/kernels' conv_gemm.go and conv_int8_packed.go)
// take over from the scalar reference kernels where they apply: float
// CONV_2D and FULLY_CONNECTED with constant weights when simd has assembly
// for this CPU (on its generic kernels the scalar ones stay, and with them
// today's results to the bit); int8 CONV_2D and FULLY_CONNECTED with
// constant symmetric weights when simd has int8 assembly (AVX-512 VNNI, or
// AVX2); DEPTHWISE_CONV_2D and AVERAGE_POOL_2D likewise (ops_fast_dw.go,
// ops_fast_pool.go); max pools always (their results are the same bits);
// SOFTMAX has its own fast path (ops_fast_softmax.go). The int8 fast kernels
// give the reference's bytes; the float ones its values up to the last
// bits of float32 rounding. Under the race detector the float operators
// keep the scalar kernels (race.go).

// fastKernels lets tests prepare interpreters on the scalar kernels alone,
// to compare them with the fast ones. It is read by New.
var fastKernels = true

func useFastFloat() bool { return fastKernels && simd.Impl() != "generic" && !raceEnabled }
func useFastInt8() bool  { return fastKernels && simd.I8Vector() }

// scratchFloat32s is the interpreter's scratch as float32s (it is 64-byte
// aligned).
func scratchFloat32s(t []*Tensor) []float32 {
	b := scratchBytes(t)
	if len(b) < 4 {
		return nil
	}
	return unsafe.Slice((*float32)(unsafe.Pointer(&b[0])), len(b)/4)
}

// fastConvFloat returns the Gemm evaluation of a float CONV_2D whose filter
// is constant, or nil.
func fastConvFloat(t []*Tensor, p *kernels.ConvParams, inS, fS, outS kernels.Shape4, xi, wi, bi, yi int) evalFunc {
	if !useFastFloat() || !t[wi].constant || fS.C != inS.C {
		return nil
	}
	g := kernels.NewConvFloatGemm(p, inS, fS, t[wi].Float32s(), outS)
	requestScratch(t, 4*g.ScratchFloats())
	return func(t []*Tensor) error {
		var bias []float32
		if bi >= 0 {
			bias = t[bi].Float32s()
		}
		g.Conv(t[xi].Float32s(), bias, t[yi].Float32s(), scratchFloat32s(t))
		return nil
	}
}

// minGemmWeights is the smallest float FULLY_CONNECTED (inputs × outputs)
// worth a matrix product: below it the call costs more than the scalar
// loop, and small layers (such as hello_world's 16×16) keep the reference's
// summation order and so its results to the bit.
const minGemmWeights = 2048

// fastFullyConnectedFloat is the same for FULLY_CONNECTED: simd.Gemv for
// a single row (batches == 1), simd.Gemm for more.
func fastFullyConnectedFloat(t []*Tensor, p *kernels.FullyConnectedParams, batches, inD, outD, xi, wi, bi, yi int) evalFunc {
	if !useFastFloat() || !t[wi].constant || inD*outD < minGemmWeights {
		return nil
	}
	f := kernels.NewFullyConnectedFloatGemm(p, inD, outD, t[wi].Float32s())
	return func(t []*Tensor) error {
		var bias []float32
		if bi >= 0 {
			bias = t[bi].Float32s()
		}
		f.FullyConnected(batches, t[xi].Float32s(), bias, t[yi].Float32s())
		return nil
	}
}

// fastConvInt8 returns the packed evaluation of an int8 CONV_2D whose
// filter is constant, or nil.
func fastConvInt8(t []*Tensor, p *kernels.ConvParams, inS, fS, outS kernels.Shape4, xi, wi, bi, yi int) evalFunc {
	if !useFastInt8() || !t[wi].constant || fS.C != inS.C {
		return nil
	}
	g := kernels.NewConvInt8Packed(p, inS, fS, t[wi].Int8s(), outS)
	requestScratch(t, g.ScratchBytes())
	return func(t []*Tensor) error {
		g.Conv(t[xi].Int8s(), int32sOrNil(t, bi), t[yi].Int8s(), scratchBytes(t))
		return nil
	}
}

// fastFullyConnectedInt8 is the same for FULLY_CONNECTED.
func fastFullyConnectedInt8(t []*Tensor, p *kernels.FullyConnectedParams, batches, inD, outD, xi, wi, bi, yi int) evalFunc {
	if !useFastInt8() || !t[wi].constant {
		return nil
	}
	f := kernels.NewFullyConnectedInt8Packed(p, batches, inD, outD, t[wi].Int8s())
	if f == nil {
		return nil
	}
	requestScratch(t, f.ScratchBytes())
	return func(t []*Tensor) error {
		f.FullyConnected(t[xi].Int8s(), int32sOrNil(t, bi), t[yi].Int8s(), scratchBytes(t))
		return nil
	}
}
