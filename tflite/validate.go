package tflite

import (
	"errors"
	"fmt"
	"math"
)

// arity is what an operator mnistcnn knows takes: between minIn and maxIn
// inputs of which those in optional may be -1, and exactly outs outputs.
type arity struct {
	minIn, maxIn, outs int
	optional           uint32 // bit i set: input i may be -1
	options            BuiltinOptionsType
	needsOptions       bool // the kernel cannot run with default options
}

// arities lists the operators whose input and output counts Validate checks
// (from the TFLite kernels: CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED take
// an optional bias as input 2; RESHAPE an optional shape tensor as input 1).
// options is the builtin options kind the operator takes, if it has any;
// the convolutions and pools cannot do without theirs (strides of 0).
var arities = map[BuiltinOperator]arity{
	OpConv2D:          {2, 3, 1, 1 << 2, OptionsConv2D, true},
	OpDepthwiseConv2D: {2, 3, 1, 1 << 2, OptionsDepthwiseConv2D, true},
	OpFullyConnected:  {2, 3, 1, 1 << 2, OptionsFullyConnected, false},
	OpMaxPool2D:       {1, 1, 1, 0, OptionsPool2D, true},
	OpAveragePool2D:   {1, 1, 1, 0, OptionsPool2D, true},
	OpReshape:         {1, 2, 1, 0, OptionsReshape, false},
	OpSoftmax:         {1, 1, 1, 0, OptionsSoftmax, false},
	OpQuantize:        {1, 1, 1, 0, OptionsQuantize, false},
	OpDequantize:      {1, 1, 1, 0, OptionsDequantize, false},
	OpAdd:             {2, 2, 1, 0, 0, false},
	OpMul:             {2, 2, 1, 0, 0, false},
	OpRelu:            {1, 1, 1, 0, 0, false},
	OpRelu6:           {1, 1, 1, 0, 0, false},
	OpLogistic:        {1, 1, 1, 0, 0, false},
	OpTanh:            {1, 1, 1, 0, 0, false},
	OpCast:            {1, 1, 1, 0, 0, false},
	OpExpandDims:      {2, 2, 1, 0, 0, false},
}

// Validate checks what Encode relies on and Decode guarantees: schema version
// 3; at least one subgraph; buffer 0 present and empty; every operator code,
// tensor, buffer and metadata index in range (an operator input may be -1
// only where the operator allows an optional input; for operators Validate
// does not know, any input may be -1); no negative dimension; each constant
// buffer exactly NumElements×Type.Size() bytes for types of fixed size;
// quantization with as many zero points as scales, and either one of each
// or one per index of the quantized dimension; input and output counts of
// the operators listed in arities, and their options of the right kind
// (present for CONV_2D, DEPTHWISE_CONV_2D and the pools) with strides,
// dilations and filter sizes of at least 1, and known padding and activation;
// no NaN or infinite quantization parameter or softmax beta.
//
// One leniency: a 1-D tensor whose quantized_dimension is beyond its rank is
// accepted when it has one scale per element, as TensorFlow's old converter
// wrote for depthwise biases (person_detect.tflite).
func (m *Model) Validate() error {
	if m == nil {
		return errors.New("tflite: nil model")
	}
	if m.Version != SchemaVersion {
		return fmt.Errorf("tflite: schema version %d, want %d", m.Version, SchemaVersion)
	}
	if len(m.Subgraphs) == 0 {
		return errors.New("tflite: model has no subgraphs")
	}
	if len(m.Buffers) == 0 {
		return errors.New("tflite: model has no buffers (buffer 0 must exist and be empty)")
	}
	if len(m.Buffers[0].Data) != 0 {
		return fmt.Errorf("tflite: buffer 0 holds %d bytes, must be empty", len(m.Buffers[0].Data))
	}
	for i, oc := range m.OperatorCodes {
		if oc.Builtin < 0 {
			return fmt.Errorf("tflite: operator code %d: negative builtin code %d", i, int32(oc.Builtin))
		}
	}
	for i, md := range m.Metadata {
		if int64(md.Buffer) >= int64(len(m.Buffers)) {
			return fmt.Errorf("tflite: metadata %d (%q): buffer %d, only %d buffers", i, md.Name, md.Buffer, len(m.Buffers))
		}
	}
	for si := range m.Subgraphs {
		if err := m.validateSubgraph(si); err != nil {
			return err
		}
	}
	return nil
}

func (m *Model) validateSubgraph(si int) error {
	sg := &m.Subgraphs[si]
	n := len(sg.Tensors)
	for i := range sg.Tensors {
		if err := m.validateTensor(&sg.Tensors[i]); err != nil {
			return fmt.Errorf("tflite: subgraph %d tensor %d (%q): %w", si, i, sg.Tensors[i].Name, err)
		}
	}
	for i, t := range sg.Inputs {
		if t < 0 || int(t) >= n {
			return fmt.Errorf("tflite: subgraph %d: input %d is tensor %d, only %d tensors", si, i, t, n)
		}
	}
	for i, t := range sg.Outputs {
		if t < 0 || int(t) >= n {
			return fmt.Errorf("tflite: subgraph %d: output %d is tensor %d, only %d tensors", si, i, t, n)
		}
	}
	for oi := range sg.Operators {
		if err := m.validateOperator(&sg.Operators[oi], n); err != nil {
			return fmt.Errorf("tflite: subgraph %d operator %d: %w", si, oi, err)
		}
	}
	return nil
}

func (m *Model) validateOperator(op *Operator, n int) error {
	if int64(op.OpcodeIndex) >= int64(len(m.OperatorCodes)) {
		return fmt.Errorf("opcode index %d, only %d operator codes", op.OpcodeIndex, len(m.OperatorCodes))
	}
	code := m.OperatorCodes[op.OpcodeIndex].Builtin
	a, known := arities[code]
	if known {
		if len(op.Inputs) < a.minIn || len(op.Inputs) > a.maxIn {
			return fmt.Errorf("%v has %d inputs, want %s", code, len(op.Inputs), between(a.minIn, a.maxIn))
		}
		if len(op.Outputs) != a.outs {
			return fmt.Errorf("%v has %d outputs, want %d", code, len(op.Outputs), a.outs)
		}
	}
	for i, t := range op.Inputs {
		optional := !known || i < 32 && a.optional&(1<<i) != 0
		if t == -1 && optional {
			continue
		}
		if t < 0 || int(t) >= n {
			return fmt.Errorf("input %d is tensor %d, only %d tensors", i, t, n)
		}
	}
	for i, t := range op.Outputs {
		if t < 0 || int(t) >= n {
			return fmt.Errorf("output %d is tensor %d, only %d tensors", i, t, n)
		}
	}
	if err := checkOptions(op.Options); err != nil {
		return err
	}
	if op.Options != nil && known && op.Options.OptionsType() != a.options {
		return fmt.Errorf("%v has options of type %d, want %d", code, op.Options.OptionsType(), a.options)
	}
	if op.Options == nil && known && a.needsOptions {
		return fmt.Errorf("%v has no options", code)
	}
	return checkOptionValues(op.Options)
}

// checkOptionValues refuses values no kernel can use, so that the ones that
// divide by a stride or loop over a filter need not guard against them.
func checkOptionValues(o Options) error {
	pos := func(what string, vs ...int32) error {
		for _, v := range vs {
			if v < 1 {
				return fmt.Errorf("%s %d, must be at least 1", what, v)
			}
		}
		return nil
	}
	var pad Padding
	var act Activation
	var err error
	switch o := o.(type) {
	case *Conv2DOptions:
		pad, act = o.Padding, o.Activation
		if err = pos("stride", o.StrideW, o.StrideH); err == nil {
			err = pos("dilation", o.DilationW, o.DilationH)
		}
	case *DepthwiseConv2DOptions:
		pad, act = o.Padding, o.Activation
		if err = pos("stride", o.StrideW, o.StrideH); err == nil {
			err = pos("dilation", o.DilationW, o.DilationH)
		}
	case *Pool2DOptions:
		pad, act = o.Padding, o.Activation
		if err = pos("stride", o.StrideW, o.StrideH); err == nil {
			err = pos("filter size", o.FilterWidth, o.FilterHeight)
		}
	case *FullyConnectedOptions:
		act = o.Activation
	case *SoftmaxOptions:
		err = finite("softmax beta", o.Beta)
	}
	if err != nil {
		return err
	}
	if pad != PaddingSame && pad != PaddingValid {
		return fmt.Errorf("padding %d", pad)
	}
	if act < ActNone || act > ActSignBit {
		return fmt.Errorf("fused activation %d", act)
	}
	return nil
}

// checkOptions refuses option values Encode cannot write: a type other than
// those of model.go, or a nil pointer of one of them.
func checkOptions(o Options) error {
	isNil := false
	switch o := o.(type) {
	case nil:
		return nil
	case *Conv2DOptions:
		isNil = o == nil
	case *DepthwiseConv2DOptions:
		isNil = o == nil
	case *Pool2DOptions:
		isNil = o == nil
	case *FullyConnectedOptions:
		isNil = o == nil
	case *SoftmaxOptions:
		isNil = o == nil
	case *ReshapeOptions:
		isNil = o == nil
	case *QuantizeOptions:
		isNil = o == nil
	case *DequantizeOptions:
		isNil = o == nil
	default:
		return fmt.Errorf("options of unknown type %T", o)
	}
	if isNil {
		return fmt.Errorf("options are a nil %T", o)
	}
	return nil
}

func between(lo, hi int) string {
	if lo == hi {
		return fmt.Sprint(lo)
	}
	return fmt.Sprintf("%d to %d", lo, hi)
}

func (m *Model) validateTensor(t *Tensor) error {
	for i, d := range t.Shape {
		if d < 0 {
			return fmt.Errorf("dimension %d is %d", i, d)
		}
	}
	if len(t.ShapeSignature) > 0 && len(t.ShapeSignature) != len(t.Shape) {
		return fmt.Errorf("shape_signature has %d dimensions, shape %d", len(t.ShapeSignature), len(t.Shape))
	}
	for i, d := range t.ShapeSignature {
		if d < -1 {
			return fmt.Errorf("shape_signature dimension %d is %d", i, d)
		}
	}
	numel := t.NumElements()
	if numel < 0 {
		return fmt.Errorf("shape %v has too many elements", t.Shape)
	}
	if int64(t.Buffer) >= int64(len(m.Buffers)) {
		return fmt.Errorf("buffer %d, only %d buffers", t.Buffer, len(m.Buffers))
	}
	if data := m.Buffers[t.Buffer].Data; len(data) > 0 && t.Type.Size() > 0 {
		if numel > math.MaxInt/8 || numel*t.Type.Size() != len(data) {
			return fmt.Errorf("buffer %d holds %d bytes, shape %v of %v needs %d×%d", t.Buffer, len(data), t.Shape, t.Type, numel, t.Type.Size())
		}
	}
	if q := t.Quant; q != nil {
		for _, v := range [][]float32{q.Scale, q.Min, q.Max} {
			if err := finite("quantization", v...); err != nil {
				return err
			}
		}
		ns, nz := len(q.Scale), len(q.ZeroPoint)
		if ns > 0 && nz > 0 && ns != nz {
			return fmt.Errorf("quantization has %d scales and %d zero points", ns, nz)
		}
		if n := max(ns, nz); n > 1 {
			qd, rank := q.QuantizedDimension, len(t.Shape)
			switch {
			case qd < 0:
				return fmt.Errorf("quantized_dimension %d", qd)
			case int(qd) >= rank:
				if rank != 1 || int(t.Shape[0]) != n {
					return fmt.Errorf("quantized_dimension %d out of range for shape %v", qd, t.Shape)
				}
			case int(t.Shape[qd]) != n:
				return fmt.Errorf("%d quantization scales for dimension %d of size %d", n, qd, t.Shape[qd])
			}
		}
	}
	return nil
}

// finite refuses NaN and ±Inf, which no quantization parameter or softmax
// beta can usefully be.
func finite(what string, vs ...float32) error {
	for _, v := range vs {
		if f := float64(v); math.IsNaN(f) || math.IsInf(f, 0) {
			return fmt.Errorf("%s value %v", what, v)
		}
	}
	return nil
}
