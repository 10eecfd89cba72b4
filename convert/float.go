// Package convert turns a training checkpoint into TFLite models and emits
// them as source code for firmware and Go programs.
package convert

import (
	"fmt"
	"math"

	"github.com/mnistcnn/mnistcnn/model"
	"github.com/mnistcnn/mnistcnn/tflite"
)

// Float builds the float32 TFLite model of a checkpoint, for the
// architecture it records (ck.Architecture), laid out as TensorFlow's
// converter lays out the same Keras model:
//
//   - input FLOAT32 [1,H,W,C] holding pixel/255, the architecture's input;
//   - Conv2D: CONV_2D, filter OHWI [F,K,K,C], bias [F], its stride, SAME
//     or VALID padding, and the activation fused (RELU, RELU6 or NONE);
//   - DepthwiseConv2D: DEPTHWISE_CONV_2D, filter [1,K,K,C·M] (output
//     channel c·M+m reads input channel c), bias [C·M], depth_multiplier M,
//     stride, padding and fused activation as for CONV_2D;
//   - MaxPool2D, AveragePooling2D: MAX_POOL_2D, AVERAGE_POOL_2D with the
//     window, stride and padding;
//   - GlobalAveragePooling2D: AVERAGE_POOL_2D over the whole H×W map
//     (VALID, stride 1) to [1,1,1,C], then RESHAPE to [1,C]. TensorFlow's
//     converter writes MEAN over axes 1 and 2 instead; the average pool
//     computes the same mean, and it is the op that every runtime
//     (TensorFlow Lite, TensorFlow Lite Micro, mnistcnn's interpreter)
//     and mnistcnn's C emitter support, at int8 too;
//   - Flatten: RESHAPE to [1,H·W·C] (the dense layer after it takes its
//     weights reordered from the checkpoint's C,H,W order to H,W,C);
//   - Dense: FULLY_CONNECTED, weights [units,in], bias, fused activation;
//     the classifier's softmax is a SOFTMAX of its own, the output
//     [1,classes];
//   - Dropout: nothing, as at inference.
//
// Every operator is at version 1. description goes into the model's
// description field.
func Float(ck *model.Checkpoint, description string) (*tflite.Model, error) {
	a, err := ck.Architecture()
	if err != nil {
		return nil, fmt.Errorf("convert: %w", err)
	}
	weights, err := weightsByName(a, ck)
	if err != nil {
		return nil, err
	}
	b := newBuilder(description)
	cur := b.tensor("input", tflite.Float32, nhwc(a.InputShape()), nil)
	b.sg.Inputs = []int32{cur}
	// flattened is the feature map the values were flattened from, while
	// they are flat from a Flatten (Dropout keeps them so); nil otherwise.
	var flattened []int
	for _, l := range a.Layers[1:] {
		switch l.Kind {
		case model.Conv:
			k, cin := l.Kernel, l.In[2]
			w := convKernelOHWI(weights[l.Name+"/kernel"], l.Filters, cin, k, k)
			wt := b.tensor(l.Name+"/kernel", tflite.Float32, []int32{int32(l.Filters), int32(k), int32(k), int32(cin)}, tflite.Float32Bytes(w))
			bt := b.tensor(l.Name+"/bias", tflite.Float32, []int32{int32(l.Filters)}, tflite.Float32Bytes(weights[l.Name+"/bias"]))
			ot := b.tensor(l.Name, tflite.Float32, nhwc(l.Out), nil)
			s := int32(l.Stride)
			b.op(tflite.OpConv2D, []int32{cur, wt, bt}, ot, &tflite.Conv2DOptions{
				Padding: padding(l.Padding), StrideW: s, StrideH: s,
				Activation: activation(l.Activation), DilationW: 1, DilationH: 1,
			})
			cur = ot
		case model.DepthwiseConv:
			k, out := l.Kernel, l.OutChannels()
			w := depthwiseKernel1HWO(weights[l.Name+"/kernel"], out, k, k)
			wt := b.tensor(l.Name+"/kernel", tflite.Float32, []int32{1, int32(k), int32(k), int32(out)}, tflite.Float32Bytes(w))
			bt := b.tensor(l.Name+"/bias", tflite.Float32, []int32{int32(out)}, tflite.Float32Bytes(weights[l.Name+"/bias"]))
			ot := b.tensor(l.Name, tflite.Float32, nhwc(l.Out), nil)
			s := int32(l.Stride)
			b.op(tflite.OpDepthwiseConv2D, []int32{cur, wt, bt}, ot, &tflite.DepthwiseConv2DOptions{
				Padding: padding(l.Padding), StrideW: s, StrideH: s, DepthMultiplier: int32(l.Multiplier),
				Activation: activation(l.Activation), DilationW: 1, DilationH: 1,
			})
			cur = ot
		case model.MaxPool, model.AvgPool:
			code := tflite.OpMaxPool2D
			if l.Kind == model.AvgPool {
				code = tflite.OpAveragePool2D
			}
			ot := b.tensor(l.Name, tflite.Float32, nhwc(l.Out), nil)
			k, s := int32(l.Kernel), int32(l.Stride)
			b.op(code, []int32{cur}, ot, &tflite.Pool2DOptions{
				Padding: padding(l.Padding), StrideW: s, StrideH: s, FilterWidth: k, FilterHeight: k,
			})
			cur = ot
		case model.GlobalAvgPool:
			c := int32(l.In[2])
			pt := b.tensor(l.Name+"/pool", tflite.Float32, []int32{1, 1, 1, c}, nil)
			b.op(tflite.OpAveragePool2D, []int32{cur}, pt, &tflite.Pool2DOptions{
				Padding: tflite.PaddingValid, StrideW: 1, StrideH: 1,
				FilterWidth: int32(l.In[1]), FilterHeight: int32(l.In[0]),
			})
			cur = b.reshape(l.Name, pt, []int32{1, c})
			flattened = nil
		case model.Flatten:
			cur = b.reshape(l.Name, cur, []int32{1, int32(l.Out[0])})
			flattened = l.In
		case model.Dense:
			nIn := l.In[0]
			var w []float32
			if fm := flattened; fm != nil {
				w = denseWeightsAfterFlatten(weights[l.Name+"/kernel"], fm[0], fm[1], fm[2], l.Units)
			} else {
				w = denseWeights(weights[l.Name+"/kernel"], nIn, l.Units)
			}
			flattened = nil
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
		case model.Dropout:
			// Only training drops values.
		default:
			return nil, fmt.Errorf("convert: layer %s: kind %v has no TFLite form", l.Name, l.Kind)
		}
	}
	b.sg.Outputs = []int32{cur}
	m := b.model()
	// Every op here is at version 1, which TensorFlow Lite 1.5 runs.
	if err := m.SetMinRuntimeVersion("1.5.0"); err != nil {
		return nil, err
	}
	return m, nil
}

// weightsByName checks that ck holds the weights of architecture a, every
// one a finite number, and indexes them by name.
func weightsByName(a *model.Arch, ck *model.Checkpoint) (map[string][]float32, error) {
	specs := a.Params()
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
	switch a {
	case model.ReLU:
		return tflite.ActRelu
	case model.ReLU6:
		return tflite.ActRelu6
	}
	return tflite.ActNone
}

func padding(p model.Padding) tflite.Padding {
	if p == model.Same {
		return tflite.PaddingSame
	}
	return tflite.PaddingValid
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

// reshape adds a RESHAPE of tensor in to shape, its output named name (and
// its shape tensor name+"/shape"), and returns the output.
func (b *builder) reshape(name string, in int32, shape []int32) int32 {
	st := b.tensor(name+"/shape", tflite.Int32, []int32{int32(len(shape))}, tflite.Int32Bytes(shape))
	ot := b.tensor(name, tflite.Float32, shape, nil)
	b.op(tflite.OpReshape, []int32{in, st}, ot, &tflite.ReshapeOptions{NewShape: shape})
	return ot
}

func (b *builder) model() *tflite.Model {
	b.sg.Name = "main"
	b.m.Subgraphs = []tflite.Subgraph{b.sg}
	return &b.m
}
