package interp

import (
	"errors"
	"fmt"
	"slices"

	"github.com/mnistcnn/mnistcnn/tflite"
	"github.com/mnistcnn/mnistcnn/tflite/kernels"
)

// The float32 kernels, and the type-generic RESHAPE, QUANTIZE (from float)
// and DEQUANTIZE (to float).
func init() {
	register(tflite.OpConv2D, tflite.Float32, prepareConvFloat)
	register(tflite.OpDepthwiseConv2D, tflite.Float32, prepareDepthwiseFloat)
	register(tflite.OpMaxPool2D, tflite.Float32, preparePoolFloat)
	register(tflite.OpAveragePool2D, tflite.Float32, preparePoolFloat)
	register(tflite.OpFullyConnected, tflite.Float32, prepareFullyConnectedFloat)
	register(tflite.OpSoftmax, tflite.Float32, prepareSoftmaxFloat)
	register(tflite.OpQuantize, tflite.Float32, prepareQuantizeFloat)
	for _, typ := range []tflite.TensorType{tflite.Int8, tflite.UInt8, tflite.Int16} {
		register(tflite.OpDequantize, typ, prepareDequantize)
	}
	for _, typ := range []tflite.TensorType{tflite.Float32, tflite.Int8, tflite.UInt8, tflite.Int16, tflite.Int32} {
		register(tflite.OpReshape, typ, prepareReshape)
	}
}

// arity checks the number of inputs (between minIn and maxIn) and outputs
// (exactly nOut), and that the required inputs are present.
func arity(n *node, minIn, maxIn, nOut int) error {
	if len(n.inputs) < minIn || len(n.inputs) > maxIn {
		if minIn == maxIn {
			return fmt.Errorf("has %d inputs, want %d", len(n.inputs), minIn)
		}
		return fmt.Errorf("has %d inputs, want %d to %d", len(n.inputs), minIn, maxIn)
	}
	for k := 0; k < minIn; k++ {
		if n.inputs[k] < 0 {
			return fmt.Errorf("input %d is missing", k)
		}
	}
	if len(n.outputs) != nOut {
		return fmt.Errorf("has %d outputs, want %d", len(n.outputs), nOut)
	}
	return nil
}

// optional returns input k, or nil when it is absent or omitted (−1).
func optional(n *node, t []*Tensor, k int) *Tensor {
	if k >= len(n.inputs) || n.inputs[k] < 0 {
		return nil
	}
	return t[n.inputs[k]]
}

// wantType checks a tensor's type.
func wantType(what string, x *Tensor, typ tflite.TensorType) error {
	if x.Type != typ {
		return fmt.Errorf("%s type %s not supported (want %s)", what, x.Type, typ)
	}
	return nil
}

// shape4 converts a 4-D shape; the caller has checked the rank.
func shape4(s []int) kernels.Shape4 { return kernels.Shape4{N: s[0], H: s[1], W: s[2], C: s[3]} }

func want4D(what string, x *Tensor) error {
	if len(x.Shape) != 4 {
		return fmt.Errorf("%s shape %v is not 4-D", what, x.Shape)
	}
	return nil
}

// wantShape checks an output's declared shape against the computed one.
func wantShape(x *Tensor, want []int) error {
	if !slices.Equal(x.Shape, want) {
		return fmt.Errorf("output shape %v, want %v", x.Shape, want)
	}
	return nil
}

func floatRange(a tflite.Activation) (lo, hi float32, err error) {
	lo, hi, err = kernels.FloatActivationRange(a)
	if err != nil {
		return 0, 0, fmt.Errorf("fused activation %d not supported", a)
	}
	return lo, hi, nil
}

// convGeometry computes the output size and padding of one spatial axis.
func convGeometry(pad tflite.Padding, in, k, stride, dil int) (out, before int, err error) {
	if pad != tflite.PaddingSame && pad != tflite.PaddingValid {
		return 0, 0, fmt.Errorf("padding %d not supported", pad)
	}
	if stride <= 0 || dil <= 0 {
		return 0, 0, fmt.Errorf("stride %d and dilation %d must be positive", stride, dil)
	}
	out = kernels.OutputSize(pad, in, k, stride, dil)
	if out <= 0 {
		return 0, 0, fmt.Errorf("filter %d (dilation %d) does not fit input %d", k, dil, in)
	}
	return out, kernels.PaddingBefore(in, k, stride, dil, out), nil
}

// convCommon checks what CONV_2D and DEPTHWISE_CONV_2D share: float tensors,
// 4-D input/filter/output, a bias of outC values; it fills p's geometry and
// clamp and returns the shapes. Output channels are the filter's first
// dimension (OHWI), or its last for depthwise (1HWC).
func convCommon(n *node, t []*Tensor, p *kernels.ConvParams, pad tflite.Padding, act tflite.Activation, depthwise bool) (in, f, out kernels.Shape4, err error) {
	if err = arity(n, 2, 3, 1); err != nil {
		return
	}
	x, w, b, y := t[n.inputs[0]], t[n.inputs[1]], optional(n, t, 2), t[n.outputs[0]]
	if err = errors.Join(wantType("filter", w, tflite.Float32), wantType("output", y, tflite.Float32)); err != nil {
		return
	}
	if err = errors.Join(want4D("input", x), want4D("filter", w)); err != nil {
		return
	}
	in, f = shape4(x.Shape), shape4(w.Shape)
	outC := f.N
	if depthwise {
		outC = f.C
	}
	if b != nil {
		if err = wantType("bias", b, tflite.Float32); err != nil {
			return
		}
		if b.NumElements() != outC {
			err = fmt.Errorf("bias has %d values, want %d", b.NumElements(), outC)
			return
		}
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
	p.FloatMin, p.FloatMax, err = floatRange(act)
	return
}

func prepareConvFloat(n *node, t []*Tensor) (evalFunc, error) {
	o, ok := n.options.(*tflite.Conv2DOptions)
	if !ok || o == nil {
		return nil, errors.New("missing Conv2DOptions")
	}
	p := &kernels.ConvParams{StrideW: int(o.StrideW), StrideH: int(o.StrideH), DilationW: int(o.DilationW), DilationH: int(o.DilationH)}
	inS, fS, outS, err := convCommon(n, t, p, o.Padding, o.Activation, false)
	if err != nil {
		return nil, err
	}
	if fS.C != inS.C {
		return nil, fmt.Errorf("filter has %d input channels, input has %d", fS.C, inS.C)
	}
	xi, wi, bi, yi := n.inputs[0], n.inputs[1], -1, n.outputs[0]
	if b := optional(n, t, 2); b != nil {
		bi = b.Index
	}
	if eval := fastConvFloat(t, p, inS, fS, outS, xi, wi, bi, yi); eval != nil {
		return eval, nil
	}
	return func(t []*Tensor) error {
		var bias []float32
		if bi >= 0 {
			bias = t[bi].Float32s()
		}
		kernels.ConvFloat(p, inS, t[xi].Float32s(), fS, t[wi].Float32s(), bias, outS, t[yi].Float32s())
		return nil
	}, nil
}

func prepareDepthwiseFloat(n *node, t []*Tensor) (evalFunc, error) {
	o, ok := n.options.(*tflite.DepthwiseConv2DOptions)
	if !ok || o == nil {
		return nil, errors.New("missing DepthwiseConv2DOptions")
	}
	p := &kernels.ConvParams{StrideW: int(o.StrideW), StrideH: int(o.StrideH), DilationW: int(o.DilationW), DilationH: int(o.DilationH)}
	inS, fS, outS, err := convCommon(n, t, p, o.Padding, o.Activation, true)
	if err != nil {
		return nil, err
	}
	if fS.N != 1 || inS.C == 0 || fS.C%inS.C != 0 {
		return nil, fmt.Errorf("filter shape [%d %d %d %d] does not fit %d input channels", fS.N, fS.H, fS.W, fS.C, inS.C)
	}
	// The multiplier follows from the shapes; an option that disagrees is
	// an error, except 0, which some converters write.
	if m := int(o.DepthMultiplier); m != 0 && m*inS.C != fS.C {
		return nil, fmt.Errorf("depth multiplier %d × %d input channels ≠ %d output channels", m, inS.C, fS.C)
	}
	p.DepthMultiplier = fS.C / inS.C
	xi, wi, bi, yi := n.inputs[0], n.inputs[1], -1, n.outputs[0]
	if b := optional(n, t, 2); b != nil {
		bi = b.Index
	}
	if eval := fastDepthwiseFloat(t, p, inS, fS, outS, xi, wi, bi, yi); eval != nil {
		return eval, nil
	}
	return func(t []*Tensor) error {
		var bias []float32
		if bi >= 0 {
			bias = t[bi].Float32s()
		}
		kernels.DepthwiseConvFloat(p, inS, t[xi].Float32s(), fS, t[wi].Float32s(), bias, outS, t[yi].Float32s())
		return nil
	}, nil
}

func preparePoolFloat(n *node, t []*Tensor) (evalFunc, error) {
	o, ok := n.options.(*tflite.Pool2DOptions)
	if !ok || o == nil {
		return nil, errors.New("missing Pool2DOptions")
	}
	if err := arity(n, 1, 1, 1); err != nil {
		return nil, err
	}
	x, y := t[n.inputs[0]], t[n.outputs[0]]
	if err := errors.Join(wantType("output", y, tflite.Float32), want4D("input", x)); err != nil {
		return nil, err
	}
	p, inS, outS, err := poolGeometry(o, x, y)
	if err != nil {
		return nil, err
	}
	if p.FloatMin, p.FloatMax, err = floatRange(o.Activation); err != nil {
		return nil, err
	}
	pool := kernels.MaxPoolFloat
	if n.op == tflite.OpAveragePool2D {
		pool = kernels.AveragePoolFloat
	}
	xi, yi := n.inputs[0], n.outputs[0]
	if n.op == tflite.OpAveragePool2D {
		if f := fastAveragePoolFloat(p, inS, outS, xi, yi); f != nil {
			return f, nil
		}
	}
	if n.op == tflite.OpMaxPool2D && fastKernels {
		negZero := kernels.NegZeros(inS.C)
		return func(t []*Tensor) error {
			kernels.MaxPoolFloatFast(p, inS, t[xi].Float32s(), outS, t[yi].Float32s(), negZero)
			return nil
		}, nil
	}
	return func(t []*Tensor) error {
		pool(p, inS, t[xi].Float32s(), outS, t[yi].Float32s())
		return nil
	}, nil
}

func prepareFullyConnectedFloat(n *node, t []*Tensor) (evalFunc, error) {
	o, _ := n.options.(*tflite.FullyConnectedOptions)
	if o == nil {
		o = &tflite.FullyConnectedOptions{} // the schema's defaults
	}
	if err := arity(n, 2, 3, 1); err != nil {
		return nil, err
	}
	x, w, b, y := t[n.inputs[0]], t[n.inputs[1]], optional(n, t, 2), t[n.outputs[0]]
	if err := errors.Join(wantType("weights", w, tflite.Float32), wantType("output", y, tflite.Float32)); err != nil {
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
	if b != nil {
		if err := wantType("bias", b, tflite.Float32); err != nil {
			return nil, err
		}
		if b.NumElements() != outD {
			return nil, fmt.Errorf("bias has %d values, want %d", b.NumElements(), outD)
		}
	}
	want := []int{batches, outD}
	if o.KeepNumDims {
		want = append(append([]int(nil), x.Shape[:max(len(x.Shape)-1, 0)]...), outD)
	}
	if err := wantShape(y, want); err != nil {
		return nil, err
	}
	p := &kernels.FullyConnectedParams{}
	var err error
	if p.FloatMin, p.FloatMax, err = floatRange(o.Activation); err != nil {
		return nil, err
	}
	xi, wi, bi, yi := n.inputs[0], n.inputs[1], -1, n.outputs[0]
	if b != nil {
		bi = b.Index
	}
	if eval := fastFullyConnectedFloat(t, p, batches, inD, outD, xi, wi, bi, yi); eval != nil {
		return eval, nil
	}
	return func(t []*Tensor) error {
		var bias []float32
		if bi >= 0 {
			bias = t[bi].Float32s()
		}
		kernels.FullyConnectedFloat(p, batches, inD, outD, t[xi].Float32s(), t[wi].Float32s(), bias, t[yi].Float32s())
		return nil
	}, nil
}

func prepareSoftmaxFloat(n *node, t []*Tensor) (evalFunc, error) {
	o, ok := n.options.(*tflite.SoftmaxOptions)
	if !ok || o == nil {
		return nil, errors.New("missing SoftmaxOptions")
	}
	if err := arity(n, 1, 1, 1); err != nil {
		return nil, err
	}
	x, y := t[n.inputs[0]], t[n.outputs[0]]
	if err := wantType("output", y, tflite.Float32); err != nil {
		return nil, err
	}
	if len(x.Shape) == 0 {
		return nil, errors.New("input is a scalar")
	}
	if err := wantShape(y, x.Shape); err != nil {
		return nil, err
	}
	depth := x.Shape[len(x.Shape)-1]
	rows := 0
	if depth > 0 {
		rows = x.NumElements() / depth
	}
	beta, xi, yi := o.Beta, n.inputs[0], n.outputs[0]
	if eval := fastSoftmaxFloat(beta, rows, depth, xi, yi); eval != nil {
		return eval, nil
	}
	return func(t []*Tensor) error {
		kernels.SoftmaxFloat(beta, rows, depth, t[xi].Float32s(), t[yi].Float32s())
		return nil
	}, nil
}

// perTensor returns a tensor's single scale and zero point.
func perTensor(what string, x *Tensor) (scale float32, zp int32, err error) {
	if len(x.Scale) != 1 || len(x.ZeroPoint) != 1 {
		return 0, 0, fmt.Errorf("%s needs one scale and zero point, has %d and %d", what, len(x.Scale), len(x.ZeroPoint))
	}
	if !(x.Scale[0] > 0) {
		return 0, 0, fmt.Errorf("%s scale %v is not positive", what, x.Scale[0])
	}
	z := x.ZeroPoint[0]
	if z < -32768 || z > 65535 {
		return 0, 0, fmt.Errorf("%s zero point %d out of range", what, z)
	}
	return x.Scale[0], int32(z), nil
}

func prepareQuantizeFloat(n *node, t []*Tensor) (evalFunc, error) {
	if err := arity(n, 1, 1, 1); err != nil {
		return nil, err
	}
	x, y := t[n.inputs[0]], t[n.outputs[0]]
	if err := wantShape(y, x.Shape); err != nil {
		return nil, err
	}
	scale, zp, err := perTensor("output", y)
	if err != nil {
		return nil, err
	}
	xi, yi := n.inputs[0], n.outputs[0]
	switch y.Type {
	case tflite.Int8:
		return func(t []*Tensor) error {
			kernels.AffineQuantize(t[xi].Float32s(), t[yi].Int8s(), scale, zp)
			return nil
		}, nil
	case tflite.UInt8:
		return func(t []*Tensor) error {
			kernels.AffineQuantize(t[xi].Float32s(), t[yi].UInt8s(), scale, zp)
			return nil
		}, nil
	}
	return nil, fmt.Errorf("output type %s not supported (want INT8 or UINT8)", y.Type)
}

func prepareDequantize(n *node, t []*Tensor) (evalFunc, error) {
	if err := arity(n, 1, 1, 1); err != nil {
		return nil, err
	}
	x, y := t[n.inputs[0]], t[n.outputs[0]]
	if err := wantType("output", y, tflite.Float32); err != nil {
		return nil, err
	}
	if err := wantShape(y, x.Shape); err != nil {
		return nil, err
	}
	scale, zp, err := perTensor("input", x)
	if err != nil {
		return nil, err
	}
	xi, yi := n.inputs[0], n.outputs[0]
	switch x.Type {
	case tflite.Int8:
		return func(t []*Tensor) error {
			kernels.AffineDequantize(t[xi].Int8s(), t[yi].Float32s(), scale, zp)
			return nil
		}, nil
	case tflite.UInt8:
		return func(t []*Tensor) error {
			kernels.AffineDequantize(t[xi].UInt8s(), t[yi].Float32s(), scale, zp)
			return nil
		}, nil
	case tflite.Int16:
		return func(t []*Tensor) error {
			kernels.AffineDequantize(t[xi].Int16s(), t[yi].Float32s(), scale, zp)
			return nil
		}, nil
	}
	return nil, fmt.Errorf("input type %s not supported", x.Type)
}

// prepareReshape takes the new shape from a constant second input, else from
// the options, else keeps the declared output shape; one −1 is inferred. The
// data is copied (the arena planner does not alias tensors).
func prepareReshape(n *node, t []*Tensor) (evalFunc, error) {
	if err := arity(n, 1, 2, 1); err != nil {
		return nil, err
	}
	x, y := t[n.inputs[0]], t[n.outputs[0]]
	if y.Type != x.Type {
		return nil, fmt.Errorf("output type %s differs from input type %s", y.Type, x.Type)
	}
	var shape []int
	if s := optional(n, t, 1); s != nil && s.constant && len(s.Shape) == 1 {
		if s.Type != tflite.Int32 {
			return nil, fmt.Errorf("shape tensor type %s not supported (want INT32)", s.Type)
		}
		for _, d := range s.Int32s() {
			shape = append(shape, int(d))
		}
	} else if o, _ := n.options.(*tflite.ReshapeOptions); o != nil && len(o.NewShape) > 0 {
		for _, d := range o.NewShape {
			shape = append(shape, int(d))
		}
	} else {
		shape = append(shape, y.Shape...)
	}
	infer, known := -1, 1
	for k, d := range shape {
		switch {
		case d == -1 && infer < 0:
			infer = k
		case d < 0:
			return nil, fmt.Errorf("new shape %v is invalid", shape)
		default:
			if d > 0 && known > maxElements/d {
				return nil, fmt.Errorf("new shape %v is too large", shape)
			}
			known *= d
		}
	}
	total := x.NumElements()
	if infer >= 0 {
		if known == 0 || total%known != 0 {
			return nil, fmt.Errorf("cannot reshape %v to %v", x.Shape, shape)
		}
		shape[infer] = total / known
	} else if known != total {
		return nil, fmt.Errorf("cannot reshape %v (%d values) to %v", x.Shape, total, shape)
	}
	if err := wantShape(y, shape); err != nil {
		return nil, err
	}
	xi, yi := n.inputs[0], n.outputs[0]
	return func(t []*Tensor) error {
		copy(t[yi].data, t[xi].data)
		return nil
	}, nil
}

// poolGeometry checks a pool's filter and output shape and computes its
// strides, filter and padding; both the float and the int8 pools use it.
func poolGeometry(o *tflite.Pool2DOptions, x, y *Tensor) (p *kernels.PoolParams, inS, outS kernels.Shape4, err error) {
	if o.FilterWidth <= 0 || o.FilterHeight <= 0 {
		return nil, inS, outS, fmt.Errorf("filter %d×%d must be positive", o.FilterHeight, o.FilterWidth)
	}
	p = &kernels.PoolParams{StrideW: int(o.StrideW), StrideH: int(o.StrideH), FilterW: int(o.FilterWidth), FilterH: int(o.FilterHeight)}
	inS = shape4(x.Shape)
	oh, ph, err := convGeometry(o.Padding, inS.H, p.FilterH, p.StrideH, 1)
	if err != nil {
		return nil, inS, outS, err
	}
	ow, pw, err := convGeometry(o.Padding, inS.W, p.FilterW, p.StrideW, 1)
	if err != nil {
		return nil, inS, outS, err
	}
	p.Padding = kernels.Padding{Width: pw, Height: ph}
	outS = kernels.Shape4{N: inS.N, H: oh, W: ow, C: inS.C}
	if err := wantShape(y, []int{outS.N, outS.H, outS.W, outS.C}); err != nil {
		return nil, inS, outS, err
	}
	return p, inS, outS, nil
}
