// Package convert turns a training checkpoint into TFLite models and emits
// them as source code for firmware and Go programs.
package convert

import (
	"fmt"
	"math"

	"github.com/mnistcnn/mnistcnn/model"
	"github.com/mnistcnn/mnistcnn/tflite"
)

// Float builds the float32 TFLite model of a checkpoint, laid out as
// TensorFlow's converter lays out the Keras model: input FLOAT32 [1,28,28,1]
// holding pixel/255, CONV_2D with fused RELU, MAX_POOL_2D, RESHAPE to [1,800],
// FULLY_CONNECTED with fused RELU, and a SOFTMAX output [1,10]. description
// goes into the model's description field.
func Float(ck *model.Checkpoint, description string) (*tflite.Model, error) {
	weights, err := weightsByName(ck)
	if err != nil {
		return nil, err
	}
	b := newBuilder(description)
	in := model.Layers[0].Out
	cur := b.tensor("input", tflite.Float32, []int32{1, int32(in[0]), int32(in[1]), int32(in[2])}, nil)
	b.sg.Inputs = []int32{cur}
	prev := model.Layers[0]
	for _, l := range model.Layers[1:] {
		out := l.Out
		switch l.Kind {
		case model.Conv:
			k := l.Kernel
			cin := prev.Out[2]
			w := convKernelOHWI(weights[l.Name+"/kernel"], l.Filters, cin, k, k)
			wt := b.tensor(l.Name+"/kernel", tflite.Float32, []int32{int32(l.Filters), int32(k), int32(k), int32(cin)}, tflite.Float32Bytes(w))
			bt := b.tensor(l.Name+"/bias", tflite.Float32, []int32{int32(l.Filters)}, tflite.Float32Bytes(weights[l.Name+"/bias"]))
			ot := b.tensor(l.Name, tflite.Float32, nhwc(out), nil)
			b.op(tflite.OpConv2D, []int32{cur, wt, bt}, ot, &tflite.Conv2DOptions{
				Padding: tflite.PaddingValid, StrideW: 1, StrideH: 1,
				Activation: activation(l.Activation), DilationW: 1, DilationH: 1,
			})
			cur = ot
		case model.MaxPool:
			ot := b.tensor(l.Name, tflite.Float32, nhwc(out), nil)
			k := int32(l.Kernel)
			b.op(tflite.OpMaxPool2D, []int32{cur}, ot, &tflite.Pool2DOptions{
				Padding: tflite.PaddingValid, StrideW: k, StrideH: k, FilterWidth: k, FilterHeight: k,
			})
			cur = ot
		case model.Flatten:
			shape := []int32{1, int32(out[0])}
			st := b.tensor(l.Name+"/shape", tflite.Int32, []int32{2}, tflite.Int32Bytes(shape))
			ot := b.tensor(l.Name, tflite.Float32, shape, nil)
			b.op(tflite.OpReshape, []int32{cur, st}, ot, &tflite.ReshapeOptions{NewShape: shape})
			cur = ot
		case model.Dense:
			nIn := model.LayerParams(l.Name)/l.Units - 1
			var w []float32
			if prev.Kind == model.Flatten {
				fm := model.Layers[indexOf(prev.Name)-1].Out // the feature map that was flattened
				w = denseWeightsAfterFlatten(weights[l.Name+"/kernel"], fm[0], fm[1], fm[2], l.Units)
			} else {
				w = denseWeights(weights[l.Name+"/kernel"], nIn, l.Units)
			}
			wt := b.tensor(l.Name+"/kernel", tflite.Float32, []int32{int32(l.Units), int32(nIn)}, tflite.Float32Bytes(w))
			bt := b.tensor(l.Name+"/bias", tflite.Float32, []int32{int32(l.Units)}, tflite.Float32Bytes(weights[l.Name+"/bias"]))
			act := l.Activation
			if act == model.Softmax {
				act = model.Linear // softmax is an op of its own
			}
			name := l.Name
			if l.Activation == model.Softmax {
				name += "/logits"
			}
			ot := b.tensor(name, tflite.Float32, []int32{1, int32(l.Units)}, nil)
			b.op(tflite.OpFullyConnected, []int32{cur, wt, bt}, ot, &tflite.FullyConnectedOptions{Activation: activation(act)})
			cur = ot
			if l.Activation == model.Softmax {
				st := b.tensor("output", tflite.Float32, []int32{1, int32(l.Units)}, nil)
				b.op(tflite.OpSoftmax, []int32{cur}, st, &tflite.SoftmaxOptions{Beta: 1})
				cur = st
			}
		default:
			return nil, fmt.Errorf("convert: layer %s: kind %v has no TFLite form", l.Name, l.Kind)
		}
		prev = l
	}
	b.sg.Outputs = []int32{cur}
	m := b.model()
	// Every op here is at version 1, which TensorFlow Lite 1.5 runs.
	if err := m.SetMinRuntimeVersion("1.5.0"); err != nil {
		return nil, err
	}
	return m, nil
}

func indexOf(name string) int {
	for i, l := range model.Layers {
		if l.Name == name {
			return i
		}
	}
	return -1
}

// weightsByName checks that ck holds the reference architecture's weights
// and indexes them by name.
func weightsByName(ck *model.Checkpoint) (map[string][]float32, error) {
	if ck.Arch != model.ArchName {
		return nil, fmt.Errorf("convert: checkpoint architecture %q, want %q", ck.Arch, model.ArchName)
	}
	specs := model.Params()
	if len(ck.Weights) != len(specs) {
		return nil, fmt.Errorf("convert: checkpoint has %d weight tensors, want %d", len(ck.Weights), len(specs))
	}
	m := make(map[string][]float32, len(specs))
	for i, s := range specs {
		w := ck.Weights[i]
		n := 1
		for _, d := range s.Shape {
			n *= d
		}
		if w.Name != s.Name || len(w.Data) != n {
			return nil, fmt.Errorf("convert: checkpoint tensor %d is %s with %d values, want %s with %d", i, w.Name, len(w.Data), s.Name, n)
		}
		for j, v := range w.Data {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return nil, fmt.Errorf("convert: checkpoint tensor %s[%d] is %v", s.Name, j, v)
			}
		}
		m[s.Name] = w.Data
	}
	return m, nil
}

func activation(a model.Activation) tflite.Activation {
	if a == model.ReLU {
		return tflite.ActRelu
	}
	return tflite.ActNone
}

func nhwc(out []int) []int32 {
	return []int32{1, int32(out[0]), int32(out[1]), int32(out[2])}
}

// builder accumulates one subgraph's tensors, buffers and operators.
type builder struct {
	m     tflite.Model
	sg    tflite.Subgraph
	codes map[tflite.BuiltinOperator]uint32
}

func newBuilder(description string) *builder {
	return &builder{
		m:     tflite.Model{Version: 3, Description: description, Buffers: []tflite.Buffer{{}}},
		codes: map[tflite.BuiltinOperator]uint32{},
	}
}

// tensor adds a tensor; data, when not nil, becomes its constant buffer.
func (b *builder) tensor(name string, typ tflite.TensorType, shape []int32, data []byte) int32 {
	t := tflite.Tensor{Name: name, Type: typ, Shape: shape}
	if data != nil {
		t.Buffer = uint32(len(b.m.Buffers))
		b.m.Buffers = append(b.m.Buffers, tflite.Buffer{Data: data})
	}
	b.sg.Tensors = append(b.sg.Tensors, t)
	return int32(len(b.sg.Tensors) - 1)
}

func (b *builder) op(code tflite.BuiltinOperator, inputs []int32, output int32, opts tflite.Options) {
	idx, ok := b.codes[code]
	if !ok {
		idx = uint32(len(b.m.OperatorCodes))
		b.codes[code] = idx
		b.m.OperatorCodes = append(b.m.OperatorCodes, tflite.OperatorCode{Builtin: code, Version: 1})
	}
	b.sg.Operators = append(b.sg.Operators, tflite.Operator{OpcodeIndex: idx, Inputs: inputs, Outputs: []int32{output}, Options: opts})
}

func (b *builder) model() *tflite.Model {
	b.sg.Name = "main"
	b.m.Subgraphs = []tflite.Subgraph{b.sg}
	return &b.m
}
