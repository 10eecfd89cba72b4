package interp

import (
	"encoding/binary"
	"math"

	"github.com/mnistcnn/mnistcnn/tflite"
)

// modelBuilder builds small in-memory models for tests: one subgraph,
// buffer 0 empty, one buffer per constant.
type modelBuilder struct {
	m tflite.Model
}

func newModelBuilder() *modelBuilder {
	return &modelBuilder{m: tflite.Model{
		Version:   3,
		Buffers:   []tflite.Buffer{{}},
		Subgraphs: []tflite.Subgraph{{}},
	}}
}

func (b *modelBuilder) sg() *tflite.Subgraph { return &b.m.Subgraphs[0] }

// tensor adds a tensor; data nil makes it non-constant.
func (b *modelBuilder) tensor(name string, typ tflite.TensorType, shape []int32, data []byte) int32 {
	t := tflite.Tensor{Name: name, Type: typ, Shape: shape}
	if data != nil {
		b.m.Buffers = append(b.m.Buffers, tflite.Buffer{Data: data})
		t.Buffer = uint32(len(b.m.Buffers) - 1)
	}
	b.sg().Tensors = append(b.sg().Tensors, t)
	return int32(len(b.sg().Tensors) - 1)
}

// f32 adds a FLOAT32 tensor, constant when values is not nil.
func (b *modelBuilder) f32(name string, shape []int32, values []float32) int32 {
	var data []byte
	if values != nil {
		data = f32Bytes(values)
	}
	return b.tensor(name, tflite.Float32, shape, data)
}

// quant sets a tensor's per-tensor quantization.
func (b *modelBuilder) quant(t int32, scale float32, zp int64) {
	b.sg().Tensors[t].Quant = &tflite.Quantization{Scale: []float32{scale}, ZeroPoint: []int64{zp}}
}

// op adds an operator, adding its operator code if new.
func (b *modelBuilder) op(code tflite.BuiltinOperator, opts tflite.Options, in, out []int32) {
	idx := -1
	for i, c := range b.m.OperatorCodes {
		if c.Builtin == code {
			idx = i
		}
	}
	if idx < 0 {
		b.m.OperatorCodes = append(b.m.OperatorCodes, tflite.OperatorCode{Builtin: code, Version: 1})
		idx = len(b.m.OperatorCodes) - 1
	}
	b.sg().Operators = append(b.sg().Operators, tflite.Operator{OpcodeIndex: uint32(idx), Inputs: in, Outputs: out, Options: opts})
}

func (b *modelBuilder) io(in, out []int32) { b.sg().Inputs, b.sg().Outputs = in, out }

func f32Bytes(v []float32) []byte {
	out := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(out[4*i:], math.Float32bits(x))
	}
	return out
}

func i32Bytes(v []int32) []byte {
	out := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(out[4*i:], uint32(x))
	}
	return out
}

func conv(pad tflite.Padding, stride int32, act tflite.Activation) *tflite.Conv2DOptions {
	return &tflite.Conv2DOptions{Padding: pad, StrideW: stride, StrideH: stride, DilationW: 1, DilationH: 1, Activation: act}
}

func pool(pad tflite.Padding, k, stride int32) *tflite.Pool2DOptions {
	return &tflite.Pool2DOptions{Padding: pad, StrideW: stride, StrideH: stride, FilterWidth: k, FilterHeight: k}
}

// mnistShapedModel is the reference CNN's float graph (FACTS.md): conv
// 3×3×1→32 on 28×28, max pool 2, conv 3×3×32→32, max pool 2, reshape to
// 800, dense 200, 50, 10, softmax; weights from a fixed-seed generator.
func mnistShapedModel(seed uint64) *tflite.Model {
	r := seed
	rnd := func(n int, s float32) []float32 { // xorshift64, uniform in [−s, s)
		v := make([]float32, n)
		for i := range v {
			r ^= r << 13
			r ^= r >> 7
			r ^= r << 17
			v[i] = s * (float32(r>>40)/float32(1<<24)*2 - 1)
		}
		return v
	}
	b := newModelBuilder()
	in := b.f32("input", []int32{1, 28, 28, 1}, nil)
	w1 := b.f32("conv1/w", []int32{32, 3, 3, 1}, rnd(32*9, 0.5))
	b1 := b.f32("conv1/b", []int32{32}, rnd(32, 0.1))
	c1 := b.f32("conv1", []int32{1, 26, 26, 32}, nil)
	p1 := b.f32("pool1", []int32{1, 13, 13, 32}, nil)
	w2 := b.f32("conv2/w", []int32{32, 3, 3, 32}, rnd(32*9*32, 0.1))
	b2 := b.f32("conv2/b", []int32{32}, rnd(32, 0.1))
	c2 := b.f32("conv2", []int32{1, 11, 11, 32}, nil)
	p2 := b.f32("pool2", []int32{1, 5, 5, 32}, nil)
	shape := b.tensor("shape", tflite.Int32, []int32{2}, i32Bytes([]int32{-1, 800}))
	flat := b.f32("flatten", []int32{1, 800}, nil)
	w3 := b.f32("dense1/w", []int32{200, 800}, rnd(200*800, 0.05))
	b3 := b.f32("dense1/b", []int32{200}, rnd(200, 0.1))
	d1 := b.f32("dense1", []int32{1, 200}, nil)
	w4 := b.f32("dense2/w", []int32{50, 200}, rnd(50*200, 0.1))
	b4 := b.f32("dense2/b", []int32{50}, rnd(50, 0.1))
	d2 := b.f32("dense2", []int32{1, 50}, nil)
	w5 := b.f32("dense3/w", []int32{10, 50}, rnd(10*50, 0.2))
	b5 := b.f32("dense3/b", []int32{10}, rnd(10, 0.1))
	d3 := b.f32("dense3", []int32{1, 10}, nil)
	out := b.f32("softmax", []int32{1, 10}, nil)
	relu := &tflite.FullyConnectedOptions{Activation: tflite.ActRelu}
	b.op(tflite.OpConv2D, conv(tflite.PaddingValid, 1, tflite.ActRelu), []int32{in, w1, b1}, []int32{c1})
	b.op(tflite.OpMaxPool2D, pool(tflite.PaddingValid, 2, 2), []int32{c1}, []int32{p1})
	b.op(tflite.OpConv2D, conv(tflite.PaddingValid, 1, tflite.ActRelu), []int32{p1, w2, b2}, []int32{c2})
	b.op(tflite.OpMaxPool2D, pool(tflite.PaddingValid, 2, 2), []int32{c2}, []int32{p2})
	b.op(tflite.OpReshape, &tflite.ReshapeOptions{}, []int32{p2, shape}, []int32{flat})
	b.op(tflite.OpFullyConnected, relu, []int32{flat, w3, b3}, []int32{d1})
	b.op(tflite.OpFullyConnected, relu, []int32{d1, w4, b4}, []int32{d2})
	b.op(tflite.OpFullyConnected, &tflite.FullyConnectedOptions{}, []int32{d2, w5, b5}, []int32{d3})
	b.op(tflite.OpSoftmax, &tflite.SoftmaxOptions{Beta: 1}, []int32{d3}, []int32{out})
	b.io([]int32{in}, []int32{out})
	return &b.m
}

// mnistImage is a deterministic 28×28 test pattern in [0, 1].
func mnistImage(k int) []float32 {
	img := make([]float32, 28*28)
	for i := range img {
		img[i] = float32((i*7+k*13)%256) / 255
	}
	return img
}
