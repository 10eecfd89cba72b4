package quantize

import (
	"encoding/binary"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/mnistcnn/mnistcnn/tflite"
)

func f32bytes(v ...float32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return b
}

func i32bytes(v ...int32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], uint32(x))
	}
	return b
}

// Tensor indices of tinyModel.
const (
	tIn = iota
	tConvW
	tConvB
	tConv
	tPool
	tShape
	tFlat
	tFCW
	tFCB
	tLogits
	tOut
)

// tinyModel is a float model with every operator the product's model has:
// input [1,2,2,1] → CONV_2D 1×1, 2 filters, RELU → MAX_POOL_2D 2×2 →
// RESHAPE [1,2] → FULLY_CONNECTED 2→3 → SOFTMAX.
func tinyModel() *tflite.Model {
	bufs := []tflite.Buffer{{}}
	buf := func(b []byte) uint32 { bufs = append(bufs, tflite.Buffer{Data: b}); return uint32(len(bufs) - 1) }
	tensors := []tflite.Tensor{
		tIn:     {Name: "input", Type: tflite.Float32, Shape: []int32{1, 2, 2, 1}},
		tConvW:  {Name: "conv/kernel", Type: tflite.Float32, Shape: []int32{2, 1, 1, 1}, Buffer: buf(f32bytes(0.5, -1))},
		tConvB:  {Name: "conv/bias", Type: tflite.Float32, Shape: []int32{2}, Buffer: buf(f32bytes(0.25, 0))},
		tConv:   {Name: "conv", Type: tflite.Float32, Shape: []int32{1, 2, 2, 2}},
		tPool:   {Name: "pool", Type: tflite.Float32, Shape: []int32{1, 1, 1, 2}},
		tShape:  {Name: "flatten/shape", Type: tflite.Int32, Shape: []int32{2}, Buffer: buf(i32bytes(1, 2))},
		tFlat:   {Name: "flatten", Type: tflite.Float32, Shape: []int32{1, 2}},
		tFCW:    {Name: "dense/kernel", Type: tflite.Float32, Shape: []int32{3, 2}, Buffer: buf(f32bytes(1, -1, 0.5, 0.25, 0, 2))},
		tFCB:    {Name: "dense/bias", Type: tflite.Float32, Shape: []int32{3}, Buffer: buf(f32bytes(0.1, -0.2, 0))},
		tLogits: {Name: "dense/logits", Type: tflite.Float32, Shape: []int32{1, 3}},
		tOut:    {Name: "output", Type: tflite.Float32, Shape: []int32{1, 3}},
	}
	codes := []tflite.OperatorCode{
		{Builtin: tflite.OpConv2D, Version: 1}, {Builtin: tflite.OpMaxPool2D, Version: 1},
		{Builtin: tflite.OpReshape, Version: 1}, {Builtin: tflite.OpFullyConnected, Version: 1},
		{Builtin: tflite.OpSoftmax, Version: 1},
	}
	ops := []tflite.Operator{
		{OpcodeIndex: 0, Inputs: []int32{tIn, tConvW, tConvB}, Outputs: []int32{tConv},
			Options: &tflite.Conv2DOptions{Padding: tflite.PaddingValid, StrideW: 1, StrideH: 1, Activation: tflite.ActRelu, DilationW: 1, DilationH: 1}},
		{OpcodeIndex: 1, Inputs: []int32{tConv}, Outputs: []int32{tPool},
			Options: &tflite.Pool2DOptions{Padding: tflite.PaddingValid, StrideW: 2, StrideH: 2, FilterWidth: 2, FilterHeight: 2}},
		{OpcodeIndex: 2, Inputs: []int32{tPool, tShape}, Outputs: []int32{tFlat}, Options: &tflite.ReshapeOptions{NewShape: []int32{1, 2}}},
		{OpcodeIndex: 3, Inputs: []int32{tFlat, tFCW, tFCB}, Outputs: []int32{tLogits}, Options: &tflite.FullyConnectedOptions{}},
		{OpcodeIndex: 4, Inputs: []int32{tLogits}, Outputs: []int32{tOut}, Options: &tflite.SoftmaxOptions{Beta: 1}},
	}
	return &tflite.Model{
		Version: 3, Description: "tiny", OperatorCodes: codes, Buffers: bufs,
		Subgraphs: []tflite.Subgraph{{Name: "main", Tensors: tensors, Inputs: []int32{tIn}, Outputs: []int32{tOut}, Operators: ops}},
	}
}

// tinyRanges are made-up calibration ranges with exact binary scales.
func tinyRanges() []Range {
	r := make([]Range, tOut+1)
	r[tIn] = Range{0, 2.55, true}        // ignored: the input range is fixed
	r[tConv] = Range{0, 255.0 / 4, true} // scale 1/4, zp −128
	r[tPool] = Range{0, 1, true}         // ignored: pool inherits
	r[tFlat] = Range{0, 1, true}         // ignored: reshape inherits
	r[tLogits] = Range{-128, 127, true}  // scale 1, zp 0
	r[tOut] = Range{0, 1, true}          // ignored: softmax is fixed
	return r
}

func quant(scale float32, zp int64) *tflite.Quantization {
	return &tflite.Quantization{Scale: []float32{scale}, ZeroPoint: []int64{zp}}
}

func TestApplyTinyModel(t *testing.T) {
	float := tinyModel()
	before := tinyModel()
	opt := Options{InputMin: 0, InputMax: 255.0 / 8} // input scale 1/8, zp −128
	m, err := Apply(float, tinyRanges(), opt)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(float, before) {
		t.Error("Apply modified the float model")
	}
	ts := m.Subgraphs[0].Tensors
	wantQuant := map[int]*tflite.Quantization{
		tIn:   quant(1.0/8, -128),
		tConv: quant(1.0/4, -128),
		// MAX_POOL_2D and RESHAPE keep their input's parameters exactly.
		tPool: quant(1.0/4, -128),
		tFlat: quant(1.0/4, -128),
		// Logits range [−128, 127] → scale 1, zp 0.
		tLogits: quant(1, 0),
		// SOFTMAX output is fixed by the spec.
		tOut: quant(1.0/256, -128),
		// Conv weights per output channel: [0.5] → 0.5/127, [−1] → 1/127.
		tConvW: {Scale: []float32{0.5 / 127, 1.0 / 127}, ZeroPoint: []int64{0, 0}},
		// Conv bias: input scale 1/8 × weight scales.
		tConvB: {Scale: []float32{0.5 / 127 / 8, 1.0 / 127 / 8}, ZeroPoint: []int64{0, 0}},
		// FC weights per tensor: max|w| = 2 → 2/127.
		tFCW: quant(2.0/127, 0),
		// FC bias: input scale 1/4 × 2/127.
		tFCB: quant(0.5/127, 0),
	}
	for i, want := range wantQuant {
		if got := ts[i].Quant; !reflect.DeepEqual(got, want) {
			t.Errorf("tensor %s: quant %+v, want %+v", ts[i].Name, got, want)
		}
	}
	wantType := []tflite.TensorType{
		tIn: tflite.Int8, tConvW: tflite.Int8, tConvB: tflite.Int32, tConv: tflite.Int8, tPool: tflite.Int8,
		tShape: tflite.Int32, tFlat: tflite.Int8, tFCW: tflite.Int8, tFCB: tflite.Int32, tLogits: tflite.Int8, tOut: tflite.Int8,
	}
	for i, want := range wantType {
		if ts[i].Type != want {
			t.Errorf("tensor %s: type %v, want %v", ts[i].Name, ts[i].Type, want)
		}
	}
	if ts[tShape].Quant != nil {
		t.Errorf("shape tensor got quantization %+v", ts[tShape].Quant)
	}

	data := func(i int) []byte { return m.Buffers[ts[i].Buffer].Data }
	// 0.5 and −1 are each their channel's max|w|: ±127.
	if got := data(tConvW); !slices.Equal(got, []byte{127, 0x81}) {
		t.Errorf("conv weights % x, want 7f 81", got)
	}
	// 0.25 / (0.5/127/8) = 508; 0 stays 0.
	if got := data(tConvB); !slices.Equal(got, i32bytes(508, 0)) {
		t.Errorf("conv bias % x, want 508, 0", got)
	}
	// ×63.5: 1 → 63.5 → 64, −1 → −64, 0.5 → 31.75 → 32, 0.25 → 15.875 → 16, 0, 2 → 127.
	if got := data(tFCW); !slices.Equal(got, []byte{64, 0xc0, 32, 16, 0, 127}) {
		t.Errorf("fc weights % x", got)
	}
	// ÷(0.5/127): 0.1 → 25.4 → 25, −0.2 → −50.8 → −51, 0.
	if got := data(tFCB); !slices.Equal(got, i32bytes(25, -51, 0)) {
		t.Errorf("fc bias % x", got)
	}
	if got := data(tShape); !slices.Equal(got, i32bytes(1, 2)) {
		t.Errorf("shape tensor changed: % x", got)
	}

	// Versions TensorFlow's converter writes for int8.
	wantVersion := map[tflite.BuiltinOperator]int32{
		tflite.OpConv2D: 3, tflite.OpMaxPool2D: 2, tflite.OpReshape: 1, tflite.OpFullyConnected: 4, tflite.OpSoftmax: 2,
	}
	for _, c := range m.OperatorCodes {
		if c.Version != wantVersion[c.Builtin] {
			t.Errorf("%v version %d, want %d", c.Builtin, c.Version, wantVersion[c.Builtin])
		}
	}
	for _, op := range m.Subgraphs[0].Operators {
		if c := m.OperatorCodes[op.OpcodeIndex].Builtin; c == tflite.OpQuantize || c == tflite.OpDequantize {
			t.Errorf("model has a %v operator", c)
		}
	}

	// The float model's runtime version "1.5.0" becomes the int8 ops' 1.14.0.
	fm := tinyModel()
	fm.Buffers = append(fm.Buffers, tflite.Buffer{Data: []byte("1.5.0\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00")})
	fm.Metadata = []tflite.Metadata{{Name: "min_runtime_version", Buffer: uint32(len(fm.Buffers) - 1)}}
	mv, err := Apply(fm, tinyRanges(), opt)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(mv.Buffers[len(mv.Buffers)-1].Data); got != "1.14.0\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00" {
		t.Errorf("min_runtime_version %q, want 1.14.0 padded to 16 bytes", got)
	}

	again, err := Apply(tinyModel(), tinyRanges(), opt)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(m, again) {
		t.Error("two runs gave different models")
	}
}

func TestApplyPerChannelFC(t *testing.T) {
	m, err := Apply(tinyModel(), tinyRanges(), Options{InputMin: 0, InputMax: 255.0 / 8, PerChannelFC: true})
	if err != nil {
		t.Fatal(err)
	}
	ts := m.Subgraphs[0].Tensors
	// Rows [1, −1], [0.5, 0.25], [0, 2]: max|w| 1, 0.5, 2.
	want := &tflite.Quantization{Scale: []float32{1.0 / 127, 0.5 / 127, 2.0 / 127}, ZeroPoint: []int64{0, 0, 0}}
	if !reflect.DeepEqual(ts[tFCW].Quant, want) {
		t.Errorf("fc weights quant %+v, want %+v", ts[tFCW].Quant, want)
	}
	// Each row scaled to its own max: [127, −127], [127, 63.5 → 64], [0, 127].
	if got := m.Buffers[ts[tFCW].Buffer].Data; !slices.Equal(got, []byte{127, 0x81, 127, 64, 0, 127}) {
		t.Errorf("fc weights % x", got)
	}
	if got := len(ts[tFCB].Quant.Scale); got != 3 {
		t.Errorf("fc bias has %d scales, want 3", got)
	}
}

func TestApplyCalibratedInput(t *testing.T) {
	// Without a fixed input range the input's calibrated range [0, 2.55]
	// gives scale 0.01, zp −128.
	m, err := Apply(tinyModel(), tinyRanges(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	q := m.Subgraphs[0].Tensors[tIn].Quant
	if q.Scale[0] != float32(2.55)/255 || q.ZeroPoint[0] != -128 {
		t.Errorf("input quant %+v", q)
	}
}

func TestApplyErrors(t *testing.T) {
	tests := []struct {
		name   string
		change func(m *tflite.Model, r []Range)
		want   string
	}{
		{"no range", func(m *tflite.Model, r []Range) { r[tConv].Valid = false }, "no calibrated range"},
		{"NaN range", func(m *tflite.Model, r []Range) { r[tLogits].Max = float32(math.NaN()) }, "range"},
		{"unsupported op", func(m *tflite.Model, r []Range) { m.OperatorCodes[4].Builtin = tflite.OpTanh }, "no int8 form"},
		{"short weights", func(m *tflite.Model, r []Range) { m.Buffers[1].Data = m.Buffers[1].Data[:4] }, "bytes of data"},
		{"shared buffer", func(m *tflite.Model, r []Range) { m.Subgraphs[0].Tensors[tOut].Buffer = 1 }, "shares its buffer"},
		{"stray constant", func(m *tflite.Model, r []Range) {
			m.Buffers = append(m.Buffers, tflite.Buffer{Data: f32bytes(1)})
			m.Subgraphs[0].Tensors = append(m.Subgraphs[0].Tensors,
				tflite.Tensor{Name: "stray", Type: tflite.Float32, Shape: []int32{1}, Buffer: uint32(len(m.Buffers) - 1)})
		}, "is not the weights or bias"},
		{"stray activation", func(m *tflite.Model, r []Range) {
			m.Subgraphs[0].Tensors = append(m.Subgraphs[0].Tensors, tflite.Tensor{Name: "stray", Type: tflite.Float32, Shape: []int32{1}})
		}, "not the input or output"},
		{"bad index", func(m *tflite.Model, r []Range) { m.Subgraphs[0].Operators[1].Inputs[0] = 99 }, "out of range"},
		{"bad buffer", func(m *tflite.Model, r []Range) { m.Subgraphs[0].Tensors[tOut].Buffer = 99 }, "buffer 99 out of range"},
		{"int8 input", func(m *tflite.Model, r []Range) { m.Subgraphs[0].Tensors[tIn].Type = tflite.Int8 }, "want FLOAT32"},
		{"bad opcode", func(m *tflite.Model, r []Range) { m.Subgraphs[0].Operators[1].OpcodeIndex = 9 }, "opcode index"},
	}
	for _, tc := range tests {
		m, r := tinyModel(), tinyRanges()
		tc.change(m, r)
		r = append(r, make([]Range, len(m.Subgraphs[0].Tensors)-len(r))...)
		_, err := Apply(m, r, DefaultOptions())
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "quantize: ") {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}
