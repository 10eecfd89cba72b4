// Package kernels holds the reference math of the TFLite operators mnistcnn
// runs: plain functions over (params, shapes, data) that know nothing of the
// interpreter, as TensorFlow Lite's kernels/internal/reference does.
//
// Activations are NHWC, conv filters OHWI, depthwise filters 1HW(C·M), fully
// connected weights [out, in]. Functions do not allocate and do not check
// shapes: the interpreter's Prepare step does that once per model.
package kernels

// Padding is the number of rows and columns of zeros added before the first
// input row/column; the remainder, if any, is added after the last.
type Padding struct {
	Width, Height int
}

// ConvParams are the parameters of CONV_2D and DEPTHWISE_CONV_2D.
type ConvParams struct {
	Padding              Padding
	StrideW, StrideH     int
	DilationW, DilationH int
	DepthMultiplier      int // DEPTHWISE_CONV_2D only

	// Float: the fused activation's clamp.
	FloatMin, FloatMax float32

	// Int8: offsets are the negated zero points of input and output added to
	// each value (input_offset = −zp_in, output_offset = zp_out); per-channel
	// multipliers and shifts come from QuantizeMultiplier(in_scale×w_scale[c]/out_scale).
	InputOffset        int32
	OutputOffset       int32
	OutMultiplier      []int32
	OutShift           []int32
	QuantMin, QuantMax int32 // the fused activation's clamp in the output's quantized domain
}

// PoolParams are the parameters of MAX_POOL_2D and AVERAGE_POOL_2D.
type PoolParams struct {
	Padding            Padding
	StrideW, StrideH   int
	FilterW, FilterH   int
	FloatMin, FloatMax float32
	QuantMin, QuantMax int32
}

// FullyConnectedParams are the parameters of FULLY_CONNECTED. Per-tensor
// quantization uses one entry in OutMultiplier/OutShift; per-channel one per output.
type FullyConnectedParams struct {
	FloatMin, FloatMax float32

	InputOffset        int32
	WeightsOffset      int32
	OutputOffset       int32
	OutMultiplier      []int32
	OutShift           []int32
	QuantMin, QuantMax int32
}

// Shape4 is an NHWC shape.
type Shape4 struct {
	N, H, W, C int
}

// Len is N·H·W·C.
func (s Shape4) Len() int { return s.N * s.H * s.W * s.C }
