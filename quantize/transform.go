package quantize

import (
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/mnistcnn/mnistcnn/tflite"
)

// Range is the interval of values a float tensor took on the calibration
// inputs. Valid is false for a tensor that was never observed.
type Range struct {
	Min, Max float32
	Valid    bool
}

// Softmax output parameters the int8 spec fixes (TensorFlow Lite Micro's
// SOFTMAX checks them): scale 1/256, zero point −128, so 0 ↦ −128 and
// 255/256 ↦ 127.
const (
	softmaxScale     = float32(1.0 / 256)
	softmaxZeroPoint = -128
)

// Apply builds the int8 model of float from calibrated ranges: ranges[i] is
// the range of tensor i of the model's only subgraph (only activations are
// read). The model's inputs take the range [opt.InputMin, opt.InputMax] when
// opt.InputMax > opt.InputMin, their calibrated range otherwise. float is
// not modified.
//
// Supported operators: CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED (each
// with an optional bias and any fused activation the interpreter runs:
// NONE, RELU, RELU6), MAX_POOL_2D, AVERAGE_POOL_2D, RESHAPE, SOFTMAX. Every
// float32 tensor must be either an activation or the weights or bias of a
// CONV_2D, DEPTHWISE_CONV_2D or FULLY_CONNECTED; tensors of other types
// (RESHAPE's int32 shape) are copied unchanged.
func Apply(float *tflite.Model, ranges []Range, opt Options) (*tflite.Model, error) {
	if len(float.Subgraphs) != 1 {
		return nil, fmt.Errorf("quantize: model has %d subgraphs, want 1", len(float.Subgraphs))
	}
	m := clone(float)
	sg := &m.Subgraphs[0]
	if len(ranges) != len(sg.Tensors) {
		return nil, fmt.Errorf("quantize: %d ranges for %d tensors", len(ranges), len(sg.Tensors))
	}
	q := &quantizer{m: m, sg: sg, ranges: ranges, params: make([]*tflite.Quantization, len(sg.Tensors)),
		constDone: make([]bool, len(sg.Tensors))}

	for _, in := range sg.Inputs {
		if err := q.checkIndex(in); err != nil {
			return nil, err
		}
		if ty := sg.Tensors[in].Type; ty != tflite.Float32 {
			return nil, fmt.Errorf("quantize: model input %d is %v, want FLOAT32", in, ty)
		}
		if opt.InputMax > opt.InputMin {
			q.setActivation(in, opt.InputMin, opt.InputMax)
		} else if err := q.activation(in); err != nil {
			return nil, err
		}
	}
	for i, op := range sg.Operators {
		if err := q.operator(i, op, opt); err != nil {
			return nil, err
		}
	}
	for i := range sg.Tensors {
		t := &sg.Tensors[i]
		if t.Type != tflite.Float32 {
			continue
		}
		// Weights and biases are no longer FLOAT32: what is left must be
		// an activation.
		if int(t.Buffer) >= len(m.Buffers) {
			return nil, fmt.Errorf("quantize: tensor %d %q: buffer %d out of range", i, t.Name, t.Buffer)
		}
		if len(m.Buffers[t.Buffer].Data) > 0 {
			return nil, fmt.Errorf("quantize: constant tensor %d %q is not the weights or bias of a CONV_2D, DEPTHWISE_CONV_2D or FULLY_CONNECTED", i, t.Name)
		}
		if q.params[i] == nil {
			return nil, fmt.Errorf("quantize: tensor %d %q is not the input or output of any operator", i, t.Name)
		}
		t.Type = tflite.Int8
		t.Quant = q.params[i]
	}
	if err := setVersions(m); err != nil {
		return nil, err
	}
	setMinRuntimeVersion(m)
	return m, nil
}

type quantizer struct {
	m         *tflite.Model
	sg        *tflite.Subgraph
	ranges    []Range
	params    []*tflite.Quantization // decided activation parameters
	constDone []bool                 // weights and biases already quantized
}

func (q *quantizer) checkIndex(t int32) error {
	if t < 0 || int(t) >= len(q.sg.Tensors) {
		return fmt.Errorf("quantize: tensor index %d out of range", t)
	}
	return nil
}

func perTensor(scale float32, zp int32) *tflite.Quantization {
	return &tflite.Quantization{Scale: []float32{scale}, ZeroPoint: []int64{int64(zp)}}
}

func (q *quantizer) setActivation(t int32, min, max float32) {
	q.params[t] = perTensor(ActivationParams(min, max))
}

// activation decides tensor t's parameters from its calibrated range.
func (q *quantizer) activation(t int32) error {
	r := q.ranges[t]
	if !r.Valid {
		return fmt.Errorf("quantize: tensor %d %q has no calibrated range", t, q.sg.Tensors[t].Name)
	}
	if isBad(r.Min) || isBad(r.Max) || r.Min > r.Max {
		return fmt.Errorf("quantize: tensor %d %q has range [%v, %v]", t, q.sg.Tensors[t].Name, r.Min, r.Max)
	}
	q.setActivation(t, r.Min, r.Max)
	return nil
}

func isBad(v float32) bool { return math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) }

func (q *quantizer) operator(i int, op tflite.Operator, opt Options) error {
	if int(op.OpcodeIndex) >= len(q.m.OperatorCodes) {
		return fmt.Errorf("quantize: operator %d: opcode index %d out of range", i, op.OpcodeIndex)
	}
	code := q.m.OperatorCodes[op.OpcodeIndex].Builtin
	if len(op.Inputs) == 0 || len(op.Outputs) != 1 {
		return fmt.Errorf("quantize: operator %d (%v): %d inputs, %d outputs", i, code, len(op.Inputs), len(op.Outputs))
	}
	for _, t := range append(append([]int32{}, op.Inputs...), op.Outputs...) {
		if t == -1 {
			continue
		}
		if err := q.checkIndex(t); err != nil {
			return fmt.Errorf("quantize: operator %d: %w", i, err)
		}
	}
	in, out := op.Inputs[0], op.Outputs[0]
	if in < 0 || q.params[in] == nil {
		return fmt.Errorf("quantize: operator %d (%v): input tensor %d is not a quantized activation", i, code, in)
	}
	if q.params[out] != nil {
		return fmt.Errorf("quantize: operator %d (%v): output tensor %d is written twice", i, code, out)
	}
	switch code {
	case tflite.OpConv2D, tflite.OpDepthwiseConv2D, tflite.OpFullyConnected:
		if len(op.Inputs) < 2 || len(op.Inputs) > 3 || op.Inputs[1] < 0 {
			return fmt.Errorf("quantize: operator %d (%v): want inputs (input, weights[, bias])", i, code)
		}
		// The output channels are dimension 0 of CONV_2D's OHWI filter
		// and of FULLY_CONNECTED's [out, in] weights, dimension 3 of
		// DEPTHWISE_CONV_2D's [1, kh, kw, C·M] filter: TFLite's int8 spec
		// quantizes convolutions per channel along them (quantized_dimension
		// 0 and 3), fully connected weights per tensor unless asked.
		axis := 0
		if code == tflite.OpDepthwiseConv2D {
			axis = 3
		}
		if code == tflite.OpFullyConnected && !opt.PerChannelFC {
			axis = -1
		}
		wScales, err := q.weights(op.Inputs[1], axis)
		if err != nil {
			return fmt.Errorf("quantize: operator %d (%v): %w", i, code, err)
		}
		if len(op.Inputs) == 3 && op.Inputs[2] >= 0 {
			if err := q.bias(op.Inputs[2], q.params[in].Scale[0], wScales); err != nil {
				return fmt.Errorf("quantize: operator %d (%v): %w", i, code, err)
			}
		}
		return q.activation(out)
	case tflite.OpMaxPool2D, tflite.OpAveragePool2D, tflite.OpReshape:
		// Same scale and zero point as the input, as the int8 spec
		// requires of them: the int8 kernels move or average values
		// without requantizing them.
		p := q.params[in]
		q.params[out] = perTensor(p.Scale[0], int32(p.ZeroPoint[0]))
		return nil
	case tflite.OpSoftmax:
		q.params[out] = perTensor(softmaxScale, softmaxZeroPoint)
		return nil
	}
	return fmt.Errorf("quantize: operator %d: %v has no int8 form here", i, code)
}

// floats reads constant tensor t as float32 values.
func (q *quantizer) floats(t int32) ([]float32, error) {
	ten := &q.sg.Tensors[t]
	if ten.Type != tflite.Float32 {
		return nil, fmt.Errorf("tensor %d %q is %v, want FLOAT32", t, ten.Name, ten.Type)
	}
	if q.constDone[t] {
		return nil, fmt.Errorf("tensor %d %q is used as weights or bias twice", t, ten.Name)
	}
	if int(ten.Buffer) >= len(q.m.Buffers) || ten.Buffer == 0 {
		return nil, fmt.Errorf("tensor %d %q has no constant data", t, ten.Name)
	}
	n := 1
	for _, d := range ten.Shape {
		if d <= 0 {
			return nil, fmt.Errorf("tensor %d %q has shape %v", t, ten.Name, ten.Shape)
		}
		n *= int(d)
	}
	data := q.m.Buffers[ten.Buffer].Data
	if len(data) != 4*n {
		return nil, fmt.Errorf("tensor %d %q has %d bytes of data, want %d", t, ten.Name, len(data), 4*n)
	}
	for i, other := range q.sg.Tensors {
		if int32(i) != t && other.Buffer == ten.Buffer {
			return nil, fmt.Errorf("tensor %d %q shares its buffer with tensor %d", t, ten.Name, i)
		}
	}
	v := make([]float32, n)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(data[4*i:]))
		if isBad(v[i]) {
			return nil, fmt.Errorf("tensor %d %q holds %v", t, ten.Name, v[i])
		}
	}
	return v, nil
}

// weights quantizes weight tensor t in place, per channel along dimension
// axis of its shape (per tensor for axis < 0), and returns its scales.
func (q *quantizer) weights(t int32, axis int) ([]float32, error) {
	w, err := q.floats(t)
	if err != nil {
		return nil, err
	}
	ten := &q.sg.Tensors[t]
	if axis >= len(ten.Shape) {
		return nil, fmt.Errorf("weights %d %q of shape %v have no dimension %d", t, ten.Name, ten.Shape, axis)
	}
	qw, scales := symmetricAlong(w, ten.Shape, axis)
	data := make([]byte, len(qw))
	for i, v := range qw {
		data[i] = byte(v)
	}
	q.m.Buffers[ten.Buffer].Data = data
	ten.Type = tflite.Int8
	ten.Quant = &tflite.Quantization{Scale: scales, ZeroPoint: make([]int64, len(scales)), QuantizedDimension: int32(max(axis, 0))}
	q.constDone[t] = true
	return scales, nil
}

// symmetricAlong is SymmetricWeights with one scale per index of dimension
// axis of shape (row-major), per tensor for axis < 0: the values of each
// channel are gathered into one block, quantized, and put back.
func symmetricAlong(w []float32, shape []int32, axis int) ([]int8, []float32) {
	if axis < 0 {
		return SymmetricWeights(w, 1)
	}
	outer, n, inner := 1, int(shape[axis]), 1
	for _, d := range shape[:axis] {
		outer *= int(d)
	}
	for _, d := range shape[axis+1:] {
		inner *= int(d)
	}
	if outer == 1 {
		return SymmetricWeights(w, n) // the channels are blocks already
	}
	// index of w's element (o, c, i) in the blocked copy: c's block, then o, i
	at := func(o, c, i int) (src, dst int) { return (o*n+c)*inner + i, (c*outer+o)*inner + i }
	blocks := make([]float32, len(w))
	for o := range outer {
		for c := range n {
			for i := range inner {
				s, d := at(o, c, i)
				blocks[d] = w[s]
			}
		}
	}
	qb, scales := SymmetricWeights(blocks, n)
	q := make([]int8, len(w))
	for o := range outer {
		for c := range n {
			for i := range inner {
				s, d := at(o, c, i)
				q[s] = qb[d]
			}
		}
	}
	return q, scales
}

// bias quantizes bias tensor t in place to int32 with scales
// inputScale × weightScales[c].
func (q *quantizer) bias(t int32, inputScale float32, weightScales []float32) error {
	b, err := q.floats(t)
	if err != nil {
		return err
	}
	ten := &q.sg.Tensors[t]
	if len(weightScales) > 1 && len(weightScales) != len(b) {
		return fmt.Errorf("bias %q has %d values for %d weight channels", ten.Name, len(b), len(weightScales))
	}
	scales := BiasScales(inputScale, weightScales)
	qb := Bias(b, scales)
	data := make([]byte, 4*len(qb))
	for i, v := range qb {
		binary.LittleEndian.PutUint32(data[4*i:], uint32(v))
	}
	q.m.Buffers[ten.Buffer].Data = data
	ten.Type = tflite.Int32
	ten.Quant = &tflite.Quantization{Scale: scales, ZeroPoint: make([]int64, len(scales))}
	q.constDone[t] = true
	return nil
}

// opVersion is the operator version TensorFlow's converter writes for the
// int8 form of an operator (tensorflow/lite/tools/versioning/op_version.cc):
// int8 CONV_2D 3, DEPTHWISE_CONV_2D 3, FULLY_CONNECTED 4 (5 with
// keep_num_dims), MAX_POOL_2D 2, AVERAGE_POOL_2D 2, SOFTMAX 2, RESHAPE 1.
// A fused activation (RELU, RELU6) changes no version.
func opVersion(code tflite.BuiltinOperator, op tflite.Operator) (int32, error) {
	switch code {
	case tflite.OpConv2D, tflite.OpDepthwiseConv2D:
		return 3, nil
	case tflite.OpFullyConnected:
		if o, ok := op.Options.(*tflite.FullyConnectedOptions); ok && o.KeepNumDims {
			return 5, nil
		}
		return 4, nil
	case tflite.OpMaxPool2D, tflite.OpAveragePool2D, tflite.OpSoftmax:
		return 2, nil
	case tflite.OpReshape:
		return 1, nil
	}
	return 0, fmt.Errorf("quantize: no int8 version for %v", code)
}

// setVersions sets each operator code's version to the highest its
// operators need.
func setVersions(m *tflite.Model) error {
	versions := make([]int32, len(m.OperatorCodes))
	for _, op := range m.Subgraphs[0].Operators {
		v, err := opVersion(m.OperatorCodes[op.OpcodeIndex].Builtin, op)
		if err != nil {
			return err
		}
		versions[op.OpcodeIndex] = max(versions[op.OpcodeIndex], v)
	}
	for i, v := range versions {
		if v > 0 {
			m.OperatorCodes[i].Version = v
		}
	}
	return nil
}

// minRuntime is the TensorFlow Lite release that first ran each int8
// operator version opVersion gives
// (tensorflow/lite/tools/versioning/runtime_version.cc).
var minRuntime = map[tflite.OperatorCode]string{
	{Builtin: tflite.OpConv2D, Version: 3}:          "1.14.0",
	{Builtin: tflite.OpDepthwiseConv2D, Version: 3}: "1.14.0",
	{Builtin: tflite.OpFullyConnected, Version: 4}:  "1.14.0",
	{Builtin: tflite.OpFullyConnected, Version: 5}:  "2.0.0",
	{Builtin: tflite.OpMaxPool2D, Version: 2}:       "1.14.0",
	{Builtin: tflite.OpAveragePool2D, Version: 2}:   "1.14.0",
	{Builtin: tflite.OpSoftmax, Version: 2}:         "1.14.0",
	{Builtin: tflite.OpReshape, Version: 1}:         "1.5.0",
}

// setMinRuntimeVersion rewrites the "min_runtime_version" metadata, when the
// model has it, to the newest release its operators need, written as
// TensorFlow's converter writes it: the string zero-padded to 16 bytes.
func setMinRuntimeVersion(m *tflite.Model) {
	need := "1.5.0"
	for _, c := range m.OperatorCodes {
		if v, ok := minRuntime[c]; ok && versionLess(need, v) {
			need = v
		}
	}
	for _, md := range m.Metadata {
		if md.Name == "min_runtime_version" && md.Buffer != 0 && int(md.Buffer) < len(m.Buffers) {
			data := make([]byte, max(16, len(need)))
			copy(data, need)
			m.Buffers[md.Buffer].Data = data
		}
	}
}

// versionLess compares dotted release numbers ("1.5.0" < "1.14.0").
func versionLess(a, b string) bool {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(pa) && i < len(pb); i++ {
		x, _ := strconv.Atoi(pa[i])
		y, _ := strconv.Atoi(pb[i])
		if x != y {
			return x < y
		}
	}
	return len(pa) < len(pb)
}

// clone deep-copies the parts of m that Apply changes or that the result
// should not share with the float model.
func clone(m *tflite.Model) *tflite.Model {
	c := *m
	c.OperatorCodes = append([]tflite.OperatorCode(nil), m.OperatorCodes...)
	c.Buffers = make([]tflite.Buffer, len(m.Buffers))
	for i, b := range m.Buffers {
		if b.Data != nil {
			c.Buffers[i].Data = append([]byte{}, b.Data...)
		}
	}
	c.Metadata = append([]tflite.Metadata(nil), m.Metadata...)
	c.Subgraphs = make([]tflite.Subgraph, len(m.Subgraphs))
	for i, sg := range m.Subgraphs {
		s := sg
		s.Inputs = append([]int32(nil), sg.Inputs...)
		s.Outputs = append([]int32(nil), sg.Outputs...)
		s.Tensors = make([]tflite.Tensor, len(sg.Tensors))
		for j, t := range sg.Tensors {
			t.Shape = append([]int32(nil), t.Shape...)
			t.ShapeSignature = append([]int32(nil), t.ShapeSignature...)
			if t.Quant != nil {
				qc := *t.Quant
				t.Quant = &qc
			}
			s.Tensors[j] = t
		}
		s.Operators = make([]tflite.Operator, len(sg.Operators))
		for j, op := range sg.Operators {
			op.Inputs = append([]int32(nil), op.Inputs...)
			op.Outputs = append([]int32(nil), op.Outputs...)
			s.Operators[j] = op
		}
		c.Subgraphs[i] = s
	}
	return &c
}
