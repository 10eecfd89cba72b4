package interp

import (
	"errors"
	"fmt"
	"math"

	"github.com/mnistcnn/mnistcnn/tflite"
	"github.com/mnistcnn/mnistcnn/tflite/kernels"
)

// The int8 kernels. Their prepare steps compute the quantization constants
// the way TensorFlow Lite Micro's Prepare does (conv_common.cc,
// depthwise_conv_common.cc, fully_connected_common.cc, pooling_common.cc,
// softmax_common.cc, quantize_common.cc), so that results are bit-exact
// with its reference kernels. RESHAPE and DEQUANTIZE of int8 are in
// ops_float.go.
func init() {
	register(tflite.OpConv2D, tflite.Int8, prepareConvInt8)
	register(tflite.OpDepthwiseConv2D, tflite.Int8, prepareDepthwiseInt8)
	register(tflite.OpMaxPool2D, tflite.Int8, preparePoolInt8)
	register(tflite.OpAveragePool2D, tflite.Int8, preparePoolInt8)
	register(tflite.OpFullyConnected, tflite.Int8, prepareFullyConnectedInt8)
	register(tflite.OpSoftmax, tflite.Int8, prepareSoftmaxInt8)
	register(tflite.OpQuantize, tflite.Int8, prepareRequantizeInt8)
}

// perTensorInt8 checks that x is INT8 with one scale and a zero point in
// [−128, 127], and returns them.
func perTensorInt8(what string, x *Tensor) (scale float32, zp int32, err error) {
	if err := wantType(what, x, tflite.Int8); err != nil {
		return 0, 0, err
	}
	if scale, zp, err = perTensor(what, x); err != nil {
		return 0, 0, err
	}
	if zp < math.MinInt8 || zp > math.MaxInt8 {
		return 0, 0, fmt.Errorf("%s zero point %d out of int8 range", what, zp)
	}
	return scale, zp, nil
}

// filterScales checks an int8 filter's quantization: symmetric (zero points
// 0), and either one scale or one per output channel along quantDim. It
// returns one scale per output channel (a single scale is broadcast, as
// TFLite's PopulateConvolutionQuantizationParams does).
func filterScales(w *Tensor, outC, quantDim int) ([]float32, error) {
	if err := wantType("filter", w, tflite.Int8); err != nil {
		return nil, err
	}
	for _, z := range w.ZeroPoint {
		if z != 0 {
			return nil, fmt.Errorf("filter zero point %d is not 0 (int8 weights are symmetric)", z)
		}
	}
	switch len(w.Scale) {
	case 1:
		s := make([]float32, outC)
		for c := range s {
			s[c] = w.Scale[0]
		}
		return s, checkScales("filter", s)
	case outC:
		if w.QuantDim != quantDim {
			return nil, fmt.Errorf("filter quantized dimension %d, want %d", w.QuantDim, quantDim)
		}
		return w.Scale, checkScales("filter", w.Scale)
	}
	return nil, fmt.Errorf("filter has %d scales, want 1 or %d", len(w.Scale), outC)
}

func checkScales(what string, s []float32) error {
	for c, v := range s {
		if !(v > 0) || math.IsInf(float64(v), 0) {
			return fmt.Errorf("%s scale %d is %v, want positive and finite", what, c, v)
		}
	}
	return nil
}

// multiplier splits a real multiplier with QuantizeMultiplier and checks
// that the shift is one MultiplyByQuantizedMultiplier accepts.
func multiplier(real float64) (int32, int32, error) {
	m, s := kernels.QuantizeMultiplier(real)
	if s > 30 || math.IsNaN(real) || math.IsInf(real, 0) {
		return 0, 0, fmt.Errorf("effective scale %g out of range", real)
	}
	return m, int32(s), nil
}

// perChannelMultipliers is TFLite's PopulateConvolutionQuantizationParams
// for int8: for each channel, in double precision,
//
//	effective_scale[c] = input_scale · filter_scale[c] / output_scale
//
// split into a Q0.31 multiplier and a shift.
func perChannelMultipliers(inScale float32, filter []float32, outScale float32) (mult, shift []int32, err error) {
	mult, shift = make([]int32, len(filter)), make([]int32, len(filter))
	for c, fs := range filter {
		if mult[c], shift[c], err = multiplier(float64(inScale) * float64(fs) / float64(outScale)); err != nil {
			return nil, nil, fmt.Errorf("channel %d: %w", c, err)
		}
	}
	return mult, shift, nil
}

// biasInt32 checks an optional bias: INT32 with n values.
func biasInt32(b *Tensor, n int) error {
	if b == nil {
		return nil
	}
	if err := wantType("bias", b, tflite.Int32); err != nil {
		return err
	}
	if b.NumElements() != n {
		return fmt.Errorf("bias has %d values, want %d", b.NumElements(), n)
	}
	return nil
}

// convInt8 prepares CONV_2D or DEPTHWISE_CONV_2D on int8 tensors: shapes,
// geometry, the fused activation's clamp and the per-channel multipliers.
func convInt8(n *node, t []*Tensor, p *kernels.ConvParams, pad tflite.Padding, act tflite.Activation, depthwise bool) (in, f, out kernels.Shape4, err error) {
	if err = arity(n, 2, 3, 1); err != nil {
		return
	}
	x, w, b, y := t[n.inputs[0]], t[n.inputs[1]], optional(n, t, 2), t[n.outputs[0]]
	if err = errors.Join(want4D("input", x), want4D("filter", w)); err != nil {
		return
	}
	in, f = shape4(x.Shape), shape4(w.Shape)
	outC, quantDim := f.N, 0
	if depthwise {
		outC, quantDim = f.C, 3
	}
	inScale, inZP, err := perTensorInt8("input", x)
	if err != nil {
		return
	}
	outScale, outZP, err := perTensorInt8("output", y)
	if err != nil {
		return
	}
	fScales, err := filterScales(w, outC, quantDim)
	if err != nil {
		return
	}
	if err = biasInt32(b, outC); err != nil {
		return
	}
	var oh, ow int
	if oh, p.Padding.Height, err = convGeometry(pad, in.H, f.H, p.StrideH, p.DilationH); err != nil {
		return
	}
	if ow, p.Padding.Width, err = convGeometry(pad, in.W, f.W, p.StrideW, p.DilationW); err != nil {
		return
	}
	out = kernels.Shape4{N: in.N, H: oh, W: ow, C: outC}
	if err = wantShape(y, []int{out.N, out.H, out.W, out.C}); err != nil {
		return
	}
	p.InputOffset, p.OutputOffset = -inZP, outZP
	if p.OutMultiplier, p.OutShift, err = perChannelMultipliers(inScale, fScales, outScale); err != nil {
		return
	}
	n.params = p // for Plan (export.go)
	p.QuantMin, p.QuantMax, err = activationRangeInt8(act, outScale, outZP)
	return
}

// activationRangeInt8 is the fused activation's clamp in the output's
// quantized domain (TFLite's CalculateActivationRangeQuantized).
func activationRangeInt8(act tflite.Activation, scale float32, zp int32) (lo, hi int32, err error) {
	lo, hi, err = kernels.QuantizedActivationRangeInt8(act, scale, zp)
	switch {
	case errors.Is(err, kernels.ErrActivation):
		return 0, 0, fmt.Errorf("fused activation %d not supported", act)
	case err != nil:
		return 0, 0, fmt.Errorf("fused activation %d: output scale %g: %w", act, scale, err)
	}
	return lo, hi, nil
}

// biasIndex is the tensor index of the optional bias, or −1.
func biasIndex(n *node, t []*Tensor) int {
	if b := optional(n, t, 2); b != nil {
		return b.Index
	}
	return -1
}

// int32sOrNil is tensor i's INT32 data, or nil for i < 0.
func int32sOrNil(t []*Tensor, i int) []int32 {
	if i < 0 {
		return nil
	}
	return t[i].Int32s()
}

func prepareConvInt8(n *node, t []*Tensor) (evalFunc, error) {
	o, ok := n.options.(*tflite.Conv2DOptions)
	if !ok || o == nil {
		return nil, errors.New("missing Conv2DOptions")
	}
	p := &kernels.ConvParams{StrideW: int(o.StrideW), StrideH: int(o.StrideH), DilationW: int(o.DilationW), DilationH: int(o.DilationH)}
	inS, fS, outS, err := convInt8(n, t, p, o.Padding, o.Activation, false)
	if err != nil {
		return nil, err
	}
	if fS.C != inS.C {
		return nil, fmt.Errorf("filter has %d input channels, input has %d", fS.C, inS.C)
	}
	xi, wi, bi, yi := n.inputs[0], n.inputs[1], biasIndex(n, t), n.outputs[0]
	if eval := fastConvInt8(t, p, inS, fS, outS, xi, wi, bi, yi); eval != nil {
		return eval, nil
	}
	return func(t []*Tensor) error {
		kernels.ConvPerChannelInt8(p, inS, t[xi].Int8s(), fS, t[wi].Int8s(), int32sOrNil(t, bi), outS, t[yi].Int8s())
		return nil
	}, nil
}

func prepareDepthwiseInt8(n *node, t []*Tensor) (evalFunc, error) {
	o, ok := n.options.(*tflite.DepthwiseConv2DOptions)
	if !ok || o == nil {
		return nil, errors.New("missing DepthwiseConv2DOptions")
	}
	p := &kernels.ConvParams{StrideW: int(o.StrideW), StrideH: int(o.StrideH), DilationW: int(o.DilationW), DilationH: int(o.DilationH)}
	inS, fS, outS, err := convInt8(n, t, p, o.Padding, o.Activation, true)
	if err != nil {
		return nil, err
	}
	if fS.N != 1 || inS.C == 0 || fS.C%inS.C != 0 {
		return nil, fmt.Errorf("filter shape %v does not fit %d input channels", []int{fS.N, fS.H, fS.W, fS.C}, inS.C)
	}
	p.DepthMultiplier = fS.C / inS.C
	// The multiplier follows from the shapes; an option that disagrees (0
	// is written by some converters) is an error.
	if m := int(o.DepthMultiplier); m != 0 && m != p.DepthMultiplier {
		return nil, fmt.Errorf("depth multiplier %d × %d input channels ≠ %d output channels", m, inS.C, fS.C)
	}
	xi, wi, bi, yi := n.inputs[0], n.inputs[1], biasIndex(n, t), n.outputs[0]
	if eval := fastDepthwiseInt8(t, p, inS, fS, outS, xi, wi, bi, yi); eval != nil {
		return eval, nil
	}
	return func(t []*Tensor) error {
		kernels.DepthwiseConvPerChannelInt8(p, inS, t[xi].Int8s(), fS, t[wi].Int8s(), int32sOrNil(t, bi), outS, t[yi].Int8s())
		return nil
	}, nil
}

// preparePoolInt8 prepares MAX_POOL_2D and AVERAGE_POOL_2D on int8. Pooling
// does not rescale: the output's scale and zero point only set the fused
// activation's clamp, as in TFLite Micro.
func preparePoolInt8(n *node, t []*Tensor) (evalFunc, error) {
	o, ok := n.options.(*tflite.Pool2DOptions)
	if !ok || o == nil {
		return nil, errors.New("missing Pool2DOptions")
	}
	if err := arity(n, 1, 1, 1); err != nil {
		return nil, err
	}
	x, y := t[n.inputs[0]], t[n.outputs[0]]
	if err := want4D("input", x); err != nil {
		return nil, err
	}
	outScale, outZP, err := perTensorInt8("output", y)
	if err != nil {
		return nil, err
	}
	p, inS, outS, err := poolGeometry(o, x, y)
	if err != nil {
		return nil, err
	}
	if p.QuantMin, p.QuantMax, err = activationRangeInt8(o.Activation, outScale, outZP); err != nil {
		return nil, err
	}
	n.params = p // for Plan (export.go)
	xi, yi := n.inputs[0], n.outputs[0]
	if n.op == tflite.OpAveragePool2D {
		if f := fastAveragePoolInt8(t, p, inS, outS, xi, yi); f != nil {
			return f, nil
		}
	}
	if n.op == tflite.OpMaxPool2D && fastKernels {
		return func(t []*Tensor) error {
			kernels.MaxPoolInt8Fast(p, inS, t[xi].Int8s(), outS, t[yi].Int8s())
			return nil
		}, nil
	}
	if n.op == tflite.OpMaxPool2D {
		return func(t []*Tensor) error {
			kernels.MaxPoolInt8(p, inS, t[xi].Int8s(), outS, t[yi].Int8s())
			return nil
		}, nil
	}
	return func(t []*Tensor) error {
		return kernels.AveragePoolInt8(p, inS, t[xi].Int8s(), outS, t[yi].Int8s())
	}, nil
}

// prepareFullyConnectedInt8 follows TFLite Micro's
// CalculateOpDataFullyConnected: per-channel weights (several scales) get a
// multiplier per output from input_scale·w_scale[o]/output_scale in double;
// per-tensor weights get one from GetQuantizedConvolutionMultipler, where
// the product input_scale·w_scale is rounded to float32 before the division
// in double.
func prepareFullyConnectedInt8(n *node, t []*Tensor) (evalFunc, error) {
	o, _ := n.options.(*tflite.FullyConnectedOptions)
	if o == nil {
		o = &tflite.FullyConnectedOptions{} // the schema's defaults
	}
	if err := arity(n, 2, 3, 1); err != nil {
		return nil, err
	}
	x, w, b, y := t[n.inputs[0]], t[n.inputs[1]], optional(n, t, 2), t[n.outputs[0]]
	inScale, inZP, err := perTensorInt8("input", x)
	if err != nil {
		return nil, err
	}
	outScale, outZP, err := perTensorInt8("output", y)
	if err != nil {
		return nil, err
	}
	if err := wantType("weights", w, tflite.Int8); err != nil {
		return nil, err
	}
	if len(w.Shape) != 2 || w.Shape[1] == 0 {
		return nil, fmt.Errorf("weights shape %v is not [out, in]", w.Shape)
	}
	outD, inD := w.Shape[0], w.Shape[1]
	total := x.NumElements()
	if total%inD != 0 {
		return nil, fmt.Errorf("input of %d values is not a whole number of rows of %d", total, inD)
	}
	batches := total / inD
	if err := biasInt32(b, outD); err != nil {
		return nil, err
	}
	want := []int{batches, outD}
	if o.KeepNumDims {
		want = append(append([]int(nil), x.Shape[:max(len(x.Shape)-1, 0)]...), outD)
	}
	if err := wantShape(y, want); err != nil {
		return nil, err
	}
	p := &kernels.FullyConnectedParams{InputOffset: -inZP, OutputOffset: outZP}
	if len(w.Scale) > 1 {
		scales, err := filterScales(w, outD, 0)
		if err != nil {
			return nil, err
		}
		if p.OutMultiplier, p.OutShift, err = perChannelMultipliers(inScale, scales, outScale); err != nil {
			return nil, err
		}
	} else {
		wScale, wZP, err := perTensor("weights", w)
		if err != nil {
			return nil, err
		}
		if b != nil && len(b.Scale) == 1 {
			// TFLite's check that the bias scale matches: the difference
			// may move the output by at most 0.02 of a step per unit of bias.
			if math.Abs(float64(inScale)*float64(wScale)-float64(b.Scale[0]))/float64(outScale) > 0.02 {
				return nil, fmt.Errorf("bias scale %g is not input scale × weights scale (%g)", b.Scale[0], inScale*wScale)
			}
		}
		m, s, err := fcPerTensorMultiplier(inScale, wScale, outScale)
		if err != nil {
			return nil, err
		}
		p.WeightsOffset = -wZP
		p.OutMultiplier, p.OutShift = []int32{m}, []int32{s}
	}
	if p.QuantMin, p.QuantMax, err = activationRangeInt8(o.Activation, outScale, outZP); err != nil {
		return nil, err
	}
	n.params = p // for Plan (export.go)
	xi, wi, bi, yi := n.inputs[0], n.inputs[1], -1, n.outputs[0]
	if b != nil {
		bi = b.Index
	}
	if eval := fastFullyConnectedInt8(t, p, batches, inD, outD, xi, wi, bi, yi); eval != nil {
		return eval, nil
	}
	return func(t []*Tensor) error {
		kernels.FullyConnectedInt8(p, batches, inD, outD, t[xi].Int8s(), t[wi].Int8s(), int32sOrNil(t, bi), t[yi].Int8s())
		return nil
	}, nil
}

// fcPerTensorMultiplier is TFLite's GetQuantizedConvolutionMultipler:
// the product input_scale·weights_scale is taken in float32, then divided
// by output_scale in double.
func fcPerTensorMultiplier(inScale, wScale, outScale float32) (int32, int32, error) {
	product := inScale * wScale
	return multiplier(float64(product) / float64(outScale))
}

// prepareSoftmaxInt8 checks TFLite Micro's int8 softmax contract (output
// zero point −128 and scale exactly 1/256) and precomputes the input
// multiplier and DiffMin from beta and the input scale.
func prepareSoftmaxInt8(n *node, t []*Tensor) (evalFunc, error) {
	o, ok := n.options.(*tflite.SoftmaxOptions)
	if !ok || o == nil {
		return nil, errors.New("missing SoftmaxOptions")
	}
	if err := arity(n, 1, 1, 1); err != nil {
		return nil, err
	}
	x, y := t[n.inputs[0]], t[n.outputs[0]]
	inScale, _, err := perTensorInt8("input", x)
	if err != nil {
		return nil, err
	}
	outScale, outZP, err := perTensorInt8("output", y)
	if err != nil {
		return nil, err
	}
	if outZP != -128 || outScale != 1.0/256 {
		return nil, fmt.Errorf("output scale %g and zero point %d, want 1/256 and −128", outScale, outZP)
	}
	if len(x.Shape) == 0 {
		return nil, errors.New("input is a scalar")
	}
	if err := wantShape(y, x.Shape); err != nil {
		return nil, err
	}
	depth := x.Shape[len(x.Shape)-1]
	if depth == 0 {
		return nil, errors.New("input has no values")
	}
	p, ok := kernels.PrepareSoftmaxInt8(o.Beta, inScale)
	if !ok {
		return nil, fmt.Errorf("beta %g × input scale %g is too small", o.Beta, inScale)
	}
	n.params = &p // for Plan (export.go)
	xi, yi := n.inputs[0], n.outputs[0]
	if eval := fastSoftmaxInt8(&p, depth, xi, yi); eval != nil {
		return eval, nil
	}
	return func(t []*Tensor) error {
		kernels.SoftmaxInt8(&p, depth, t[xi].Int8s(), t[yi].Int8s())
		return nil
	}, nil
}

// prepareRequantizeInt8 is QUANTIZE from int8 to int8: TFLite Micro's
// quantize Prepare takes the multiplier from input_scale/output_scale in
// double.
func prepareRequantizeInt8(n *node, t []*Tensor) (evalFunc, error) {
	if err := arity(n, 1, 1, 1); err != nil {
		return nil, err
	}
	x, y := t[n.inputs[0]], t[n.outputs[0]]
	inScale, inZP, err := perTensorInt8("input", x)
	if err != nil {
		return nil, err
	}
	outScale, outZP, err := perTensorInt8("output", y)
	if err != nil {
		return nil, err
	}
	if err := wantShape(y, x.Shape); err != nil {
		return nil, err
	}
	m, s, err := multiplier(float64(inScale) / float64(outScale))
	if err != nil {
		return nil, err
	}
	xi, yi := n.inputs[0], n.outputs[0]
	return func(t []*Tensor) error {
		kernels.RequantizeInt8(t[xi].Int8s(), inZP, m, int(s), outZP, t[yi].Int8s())
		return nil
	}, nil
}
