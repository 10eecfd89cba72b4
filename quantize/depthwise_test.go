package quantize

import (
	"math"
	"reflect"
	"slices"
	"testing"

	"github.com/mnistcnn/mnistcnn/tflite"
	"github.com/mnistcnn/mnistcnn/tflite/interp"
)

// Tensor indices of dwModel.
const (
	dIn = iota
	dW
	dB
	dConv
	dPool
	dShape
	dFlat
	dFCW
	dFCB
	dLogits
	dOut
)

// dwModel is a float model of the operators the depthwise and lenet5
// presets add: input [1,2,3,1] → DEPTHWISE_CONV_2D 1×2, multiplier 2,
// RELU6 → [1,2,2,2] → AVERAGE_POOL_2D 2×2 → [1,1,1,2] → RESHAPE [1,2] →
// FULLY_CONNECTED 2→3 → SOFTMAX.
func dwModel() *tflite.Model {
	bufs := []tflite.Buffer{{}}
	buf := func(b []byte) uint32 { bufs = append(bufs, tflite.Buffer{Data: b}); return uint32(len(bufs) - 1) }
	tensors := []tflite.Tensor{
		dIn: {Name: "input", Type: tflite.Float32, Shape: []int32{1, 2, 3, 1}},
		// [1][kh=1][kw=2][2 channels]: column 0 holds (0.5, −1), column 1 (0.25, 0.5).
		dW:      {Name: "dwconv/kernel", Type: tflite.Float32, Shape: []int32{1, 1, 2, 2}, Buffer: buf(f32bytes(0.5, -1, 0.25, 0.5))},
		dB:      {Name: "dwconv/bias", Type: tflite.Float32, Shape: []int32{2}, Buffer: buf(f32bytes(0.25, 0))},
		dConv:   {Name: "dwconv", Type: tflite.Float32, Shape: []int32{1, 2, 2, 2}},
		dPool:   {Name: "gap/pool", Type: tflite.Float32, Shape: []int32{1, 1, 1, 2}},
		dShape:  {Name: "gap/shape", Type: tflite.Int32, Shape: []int32{2}, Buffer: buf(i32bytes(1, 2))},
		dFlat:   {Name: "gap", Type: tflite.Float32, Shape: []int32{1, 2}},
		dFCW:    {Name: "dense/kernel", Type: tflite.Float32, Shape: []int32{3, 2}, Buffer: buf(f32bytes(1, -1, 0.5, 0.25, 0, 2))},
		dFCB:    {Name: "dense/bias", Type: tflite.Float32, Shape: []int32{3}, Buffer: buf(f32bytes(0.1, -0.2, 0))},
		dLogits: {Name: "dense/logits", Type: tflite.Float32, Shape: []int32{1, 3}},
		dOut:    {Name: "output", Type: tflite.Float32, Shape: []int32{1, 3}},
	}
	codes := []tflite.OperatorCode{
		{Builtin: tflite.OpDepthwiseConv2D, Version: 1}, {Builtin: tflite.OpAveragePool2D, Version: 1},
		{Builtin: tflite.OpReshape, Version: 1}, {Builtin: tflite.OpFullyConnected, Version: 1},
		{Builtin: tflite.OpSoftmax, Version: 1},
	}
	ops := []tflite.Operator{
		{OpcodeIndex: 0, Inputs: []int32{dIn, dW, dB}, Outputs: []int32{dConv},
			Options: &tflite.DepthwiseConv2DOptions{Padding: tflite.PaddingValid, StrideW: 1, StrideH: 1, DepthMultiplier: 2,
				Activation: tflite.ActRelu6, DilationW: 1, DilationH: 1}},
		{OpcodeIndex: 1, Inputs: []int32{dConv}, Outputs: []int32{dPool},
			Options: &tflite.Pool2DOptions{Padding: tflite.PaddingValid, StrideW: 1, StrideH: 1, FilterWidth: 2, FilterHeight: 2}},
		{OpcodeIndex: 2, Inputs: []int32{dPool, dShape}, Outputs: []int32{dFlat}, Options: &tflite.ReshapeOptions{NewShape: []int32{1, 2}}},
		{OpcodeIndex: 3, Inputs: []int32{dFlat, dFCW, dFCB}, Outputs: []int32{dLogits}, Options: &tflite.FullyConnectedOptions{}},
		{OpcodeIndex: 4, Inputs: []int32{dLogits}, Outputs: []int32{dOut}, Options: &tflite.SoftmaxOptions{Beta: 1}},
	}
	return &tflite.Model{
		Version: 3, Description: "dw", OperatorCodes: codes, Buffers: bufs,
		Subgraphs: []tflite.Subgraph{{Name: "main", Tensors: tensors, Inputs: []int32{dIn}, Outputs: []int32{dOut}, Operators: ops}},
	}
}

func TestApplyDepthwiseAndAveragePool(t *testing.T) {
	r := make([]Range, dOut+1)
	r[dConv] = Range{0, 255.0 / 64, true} // scale 1/64, zp −128 (RELU6 bounds it by 6)
	r[dPool] = Range{-5, 5, true}         // ignored: the pool inherits
	r[dFlat] = Range{-5, 5, true}         // ignored: reshape inherits
	r[dLogits] = Range{-128, 127, true}   // scale 1, zp 0
	r[dOut] = Range{0, 1, true}
	opt := Options{InputMin: 0, InputMax: 255.0 / 8} // input scale 1/8, zp −128
	m, err := Apply(dwModel(), r, opt)
	if err != nil {
		t.Fatal(err)
	}
	ts := m.Subgraphs[0].Tensors
	wantQuant := map[int]*tflite.Quantization{
		// Per channel along dimension 3: channel 0 is (0.5, 0.25), max 0.5;
		// channel 1 is (−1, 0.5), max 1.
		dW: {Scale: []float32{0.5 / 127, 1.0 / 127}, ZeroPoint: []int64{0, 0}, QuantizedDimension: 3},
		// Bias: input scale 1/8 × each channel's weight scale.
		dB:    {Scale: []float32{0.5 / 127 / 8, 1.0 / 127 / 8}, ZeroPoint: []int64{0, 0}},
		dConv: quant(1.0/64, -128),
		// AVERAGE_POOL_2D and RESHAPE keep their input's parameters.
		dPool:   quant(1.0/64, -128),
		dFlat:   quant(1.0/64, -128),
		dLogits: quant(1, 0),
		dOut:    quant(1.0/256, -128),
	}
	for i, want := range wantQuant {
		if got := ts[i].Quant; !reflect.DeepEqual(got, want) {
			t.Errorf("tensor %s: quant %+v, want %+v", ts[i].Name, got, want)
		}
	}
	// Channel 0: 0.5 → 127, 0.25 → 63.5 → 64; channel 1: −1 → −127,
	// 0.5 → 63.5 → 64; in the filter's order (column 0: ch 0, ch 1; column 1).
	if got := m.Buffers[ts[dW].Buffer].Data; !slices.Equal(got, []byte{127, 0x81, 64, 64}) {
		t.Errorf("depthwise weights % x, want 7f 81 40 40", got)
	}
	// 0.25 / (0.5/127/8) = 508.
	if got := m.Buffers[ts[dB].Buffer].Data; !slices.Equal(got, i32bytes(508, 0)) {
		t.Errorf("depthwise bias % x, want 508, 0", got)
	}
	wantVersion := map[tflite.BuiltinOperator]int32{
		tflite.OpDepthwiseConv2D: 3, tflite.OpAveragePool2D: 2, tflite.OpReshape: 1, tflite.OpFullyConnected: 4, tflite.OpSoftmax: 2,
	}
	for _, c := range m.OperatorCodes {
		if c.Version != wantVersion[c.Builtin] {
			t.Errorf("%v version %d, want %d", c.Builtin, c.Version, wantVersion[c.Builtin])
		}
	}
	// The interpreter takes the per-channel filter on dimension 3 and
	// clamps RELU6 at 6/(1/64) − 128 = 256 → 127 here.
	ip, err := interp.New(m)
	if err != nil {
		t.Fatal(err)
	}
	in := ip.Input(0).Int8s()
	for i := range in {
		in[i] = int8(-128 + 40*i) // 0, 5, 10, 15, 20, 25 ÷ 8
	}
	if err := ip.Invoke(); err != nil {
		t.Fatal(err)
	}
}

// TestApplyDepthwiseCalibrated quantizes dwModel from calibration and
// checks the int8 model's outputs against the float one's.
func TestApplyDepthwiseCalibrated(t *testing.T) {
	float := dwModel()
	r := splitmix64(4)
	var calib [][]float32
	for range 30 {
		calib = append(calib, uniform(&r, 6, 0, 1))
	}
	q, err := Int8(float, calib, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	layers, err := CompareLayers(float, q, calib)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range layers {
		if l.Kind == "SOFTMAX" {
			continue // its output's step is 1/256 of [0, 1]
		}
		if l.RelL2 > 0.02 {
			t.Errorf("op %d %s: relative error %.4f", l.Op, l.Kind, l.RelL2)
		}
	}
}

// TestSymmetricAlong checks per-axis quantization of a 4-D tensor against
// quantizing each channel's values gathered by hand, for every axis.
func TestSymmetricAlong(t *testing.T) {
	shape := []int32{2, 3, 2, 4}
	r := splitmix64(9)
	w := uniform(&r, 48, -1, 1)
	w[5] = 0 // nothing special, but keeps a zero in
	for axis := -1; axis < 4; axis++ {
		q, scales := symmetricAlong(w, shape, axis)
		strides := []int{24, 8, 4, 1}
		n := 1
		if axis >= 0 {
			n = int(shape[axis])
		}
		if len(scales) != n {
			t.Fatalf("axis %d: %d scales, want %d", axis, len(scales), n)
		}
		for c := range n {
			var idx []int
			for i := range w {
				if axis < 0 || (i/strides[axis])%int(shape[axis]) == c {
					idx = append(idx, i)
				}
			}
			block := make([]float32, len(idx))
			for j, i := range idx {
				block[j] = w[i]
			}
			bq, bs := SymmetricWeights(block, 1)
			if bs[0] != scales[c] {
				t.Errorf("axis %d channel %d: scale %v, want %v", axis, c, scales[c], bs[0])
			}
			for j, i := range idx {
				if q[i] != bq[j] {
					t.Errorf("axis %d: w[%d] = %v quantized to %d, want %d", axis, i, w[i], q[i], bq[j])
				}
			}
		}
	}
	if q, _ := symmetricAlong([]float32{float32(math.Pi)}, []int32{1}, 0); q[0] != 127 {
		t.Errorf("one value: %d, want 127", q[0])
	}
}
