package tflite

import (
	"bytes"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"

	flatbuffers "github.com/google/flatbuffers/go"
)

// tinyModel is a 2-operator int8 graph a person can check by hand:
// input [1,2,2,1] → CONV_2D (2 filters 1×1, per-channel scales on dim 0,
// int32 bias) → [1,2,2,2] → MAX_POOL_2D 2×2 → output [1,1,1,2].
func tinyModel() *Model {
	m := &Model{
		Version:     3,
		Description: "tiny",
		OperatorCodes: []OperatorCode{
			{Builtin: OpConv2D, Version: 3},
			{Builtin: OpMaxPool2D, Version: 2},
		},
		Subgraphs: []Subgraph{{
			Name: "main",
			Tensors: []Tensor{
				{Name: "input", Type: Int8, Shape: []int32{1, 2, 2, 1}, ShapeSignature: []int32{-1, 2, 2, 1}, Buffer: 3,
					Quant: &Quantization{Scale: []float32{0.5}, ZeroPoint: []int64{-128}}},
				{Name: "filter", Type: Int8, Shape: []int32{2, 1, 1, 1}, Buffer: 1,
					Quant: &Quantization{Scale: []float32{0.25, 0.125}, ZeroPoint: []int64{0, 0}}},
				// bias scale = input scale × filter scale: 0.5×0.25, 0.5×0.125
				{Name: "bias", Type: Int32, Shape: []int32{2}, Buffer: 2,
					Quant: &Quantization{Scale: []float32{0.125, 0.0625}, ZeroPoint: []int64{0, 0}}},
				{Name: "conv", Type: Int8, Shape: []int32{1, 2, 2, 2}, Buffer: 4,
					Quant: &Quantization{Min: []float32{0}, Max: []float32{6}, Scale: []float32{6.0 / 255}, ZeroPoint: []int64{-128}}},
				{Name: "output", Type: Int8, Shape: []int32{1, 1, 1, 2}, Buffer: 5,
					Quant: &Quantization{Scale: []float32{6.0 / 255}, ZeroPoint: []int64{-128}}},
			},
			Inputs:  []int32{0},
			Outputs: []int32{4},
			Operators: []Operator{
				{OpcodeIndex: 0, Inputs: []int32{0, 1, 2}, Outputs: []int32{3},
					Options: &Conv2DOptions{Padding: PaddingValid, StrideW: 1, StrideH: 1, Activation: ActRelu6, DilationW: 1, DilationH: 1}},
				{OpcodeIndex: 1, Inputs: []int32{3}, Outputs: []int32{4},
					Options: &Pool2DOptions{Padding: PaddingValid, StrideW: 2, StrideH: 2, FilterWidth: 2, FilterHeight: 2}},
			},
		}},
		Buffers: []Buffer{
			{},
			{Data: Int8Bytes([]int8{127, -127})}, // filter: 2 filters of 1×1×1
			{Data: Int32Bytes([]int32{8, -16})},  // bias: 1.0 and -1.0 at the bias scales
			{}, {}, {},
		},
	}
	if err := m.SetMinRuntimeVersion("1.14.0"); err != nil {
		panic(err)
	}
	return m
}

func TestRoundTripTiny(t *testing.T) {
	m := tinyModel()
	b, err := Encode(m)
	if err != nil {
		t.Fatal(err)
	}
	m2, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(m, m2) {
		t.Fatalf("decoded model differs:\n got %+v\nwant %+v", m2, m)
	}
	b2, err := Encode(m2)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, b2) {
		t.Fatalf("Encode→Decode→Encode is not byte-identical (%d vs %d bytes)", len(b), len(b2))
	}
	b3, _ := Encode(tinyModel())
	if !bytes.Equal(b, b3) {
		t.Fatal("two encodings of the same model differ")
	}
	if got := string(b[4:8]); got != "TFL3" {
		t.Errorf("file identifier %q", got)
	}
}

// bufferDataOffsets walks an encoded model's buffers vector with the decoder's
// checked reader and returns where each non-empty buffer's data starts.
func bufferDataOffsets(t *testing.T, b []byte) map[int]int {
	t.Helper()
	d := decoder{b: b, budget: 1 << 40}
	root, err := d.root()
	if err != nil {
		t.Fatal(err)
	}
	offs := map[int]int{}
	_, err = d.tables(root, modelBuffers, 0, func(i int, bt table) error {
		start, n, err := d.vector(bt, bufferData, 1)
		if n > 0 {
			offs[i] = start
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return offs
}

func TestBufferAlignment(t *testing.T) {
	check := func(name string, m *Model) {
		b, err := Encode(m)
		if err != nil {
			t.Fatal(err)
		}
		offs := bufferDataOffsets(t, b)
		for i, buf := range m.Buffers {
			off, ok := offs[i]
			if ok != (len(buf.Data) > 0) {
				t.Errorf("%s: buffer %d: data present %v, want %v", name, i, ok, len(buf.Data) > 0)
				continue
			}
			if !ok {
				continue
			}
			if off%16 != 0 {
				t.Errorf("%s: buffer %d starts at %d, not a multiple of 16", name, i, off)
			}
			if !bytes.Equal(b[off:off+len(buf.Data)], buf.Data) {
				t.Errorf("%s: buffer %d: bytes at %d are not its data", name, i, off)
			}
		}
		if len(offs) == 0 {
			t.Errorf("%s: no buffers checked", name)
		}
	}
	check("tiny", tinyModel())
	for _, name := range referenceModels {
		check(name, decodeFile(t, name))
	}
}

// productFloatModel has the shapes of mnistcnn's float model (FACTS.md:
// 180,328 parameters) with TF-like tensor names; its weights are zero.
func productFloatModel() *Model {
	m := &Model{Version: 3, Description: "mnistcnn", Buffers: []Buffer{{}}}
	sg := Subgraph{Name: "main"}
	add := func(name string, typ TensorType, shape []int32, constant bool) int32 {
		t := Tensor{Name: name, Type: typ, Shape: shape}
		if constant {
			t.Buffer = uint32(len(m.Buffers))
			m.Buffers = append(m.Buffers, Buffer{Data: make([]byte, t.NumElements()*typ.Size())})
		}
		sg.Tensors = append(sg.Tensors, t)
		return int32(len(sg.Tensors) - 1)
	}
	opcode := func(op BuiltinOperator) uint32 {
		for i, oc := range m.OperatorCodes {
			if oc.Builtin == op {
				return uint32(i)
			}
		}
		m.OperatorCodes = append(m.OperatorCodes, OperatorCode{Builtin: op, Version: 1})
		return uint32(len(m.OperatorCodes) - 1)
	}
	x := add("serving_default_input:0", Float32, []int32{1, 28, 28, 1}, false)
	sg.Inputs = []int32{x}
	c := int32(1)
	for i, out := range []int32{32, 32} {
		w := add(fmt.Sprintf("sequential/conv2d_%d/Conv2D", i), Float32, []int32{out, 3, 3, c}, true)
		bias := add(fmt.Sprintf("sequential/conv2d_%d/BiasAdd/ReadVariableOp", i), Float32, []int32{out}, true)
		h := 26 - 13*int32(i) // 28→26→13→11→5
		y := add(fmt.Sprintf("sequential/conv2d_%d/Relu;sequential/conv2d_%d/BiasAdd", i, i), Float32, []int32{1, h, h, out}, false)
		sg.Operators = append(sg.Operators, Operator{OpcodeIndex: opcode(OpConv2D), Inputs: []int32{x, w, bias}, Outputs: []int32{y},
			Options: &Conv2DOptions{Padding: PaddingValid, StrideW: 1, StrideH: 1, Activation: ActRelu, DilationW: 1, DilationH: 1}})
		p := add(fmt.Sprintf("sequential/max_pooling2d_%d/MaxPool", i), Float32, []int32{1, h / 2, h / 2, out}, false)
		sg.Operators = append(sg.Operators, Operator{OpcodeIndex: opcode(OpMaxPool2D), Inputs: []int32{y}, Outputs: []int32{p},
			Options: &Pool2DOptions{Padding: PaddingValid, StrideW: 2, StrideH: 2, FilterWidth: 2, FilterHeight: 2}})
		x, c = p, out
	}
	shape := add("sequential/flatten/Const", Int32, []int32{2}, true)
	copy(m.Buffers[len(m.Buffers)-1].Data, Int32Bytes([]int32{-1, 800}))
	flat := add("sequential/flatten/Reshape", Float32, []int32{1, 800}, false)
	sg.Operators = append(sg.Operators, Operator{OpcodeIndex: opcode(OpReshape), Inputs: []int32{x, shape}, Outputs: []int32{flat},
		Options: &ReshapeOptions{NewShape: []int32{-1, 800}}})
	x, c = flat, 800
	for i, out := range []int32{200, 50, 10} {
		w := add(fmt.Sprintf("sequential/dense_%d/MatMul", i), Float32, []int32{out, c}, true)
		bias := add(fmt.Sprintf("sequential/dense_%d/BiasAdd/ReadVariableOp", i), Float32, []int32{out}, true)
		y := add(fmt.Sprintf("sequential/dense_%d/MatMul;sequential/dense_%d/Relu;sequential/dense_%d/BiasAdd", i, i, i), Float32, []int32{1, out}, false)
		act := ActRelu
		if out == 10 {
			act = ActNone
		}
		sg.Operators = append(sg.Operators, Operator{OpcodeIndex: opcode(OpFullyConnected), Inputs: []int32{x, w, bias}, Outputs: []int32{y},
			Options: &FullyConnectedOptions{Activation: act}})
		x, c = y, out
	}
	y := add("StatefulPartitionedCall:0", Float32, []int32{1, 10}, false)
	sg.Operators = append(sg.Operators, Operator{OpcodeIndex: opcode(OpSoftmax), Inputs: []int32{x}, Outputs: []int32{y},
		Options: &SoftmaxOptions{Beta: 1}})
	sg.Outputs = []int32{y}
	m.Subgraphs = []Subgraph{sg}
	if err := m.SetMinRuntimeVersion("1.14.0"); err != nil {
		panic(err)
	}
	return m
}

func TestProductModelSize(t *testing.T) {
	m := productFloatModel()
	params := 0
	for _, sgt := range m.Subgraphs[0].Tensors {
		if sgt.Buffer != 0 && sgt.Type == Float32 {
			params += sgt.NumElements()
		}
	}
	// FACTS.md: the reference Keras model has 180,328 parameters.
	if params != 180328 {
		t.Fatalf("test model has %d parameters, want 180328", params)
	}
	b, err := Encode(m)
	if err != nil {
		t.Fatal(err)
	}
	// FACTS.md: TensorFlow's converter writes this model in 724,440 bytes.
	const tfSize = 724440
	t.Logf("product-shaped float model: %d bytes (TF: %d; weights %d)", len(b), tfSize, params*4)
	if len(b) > tfSize {
		t.Errorf("encoded %d bytes, more than TensorFlow's %d", len(b), tfSize)
	}
	if _, err := Decode(b); err != nil {
		t.Fatal(err)
	}
}

func TestValidateErrors(t *testing.T) {
	tests := []struct {
		name   string
		change func(m *Model)
		want   string
	}{
		{"version", func(m *Model) { m.Version = 2 }, "tflite: schema version 2, want 3"},
		{"no subgraphs", func(m *Model) { m.Subgraphs = nil }, "tflite: model has no subgraphs"},
		{"buffer 0", func(m *Model) { m.Buffers[0].Data = []byte{1} }, "tflite: buffer 0 holds 1 bytes, must be empty"},
		{"input out of range", func(m *Model) { m.Subgraphs[0].Operators[1].Inputs[0] = 42 },
			"tflite: subgraph 0 operator 1: input 0 is tensor 42, only 5 tensors"},
		{"output out of range", func(m *Model) { m.Subgraphs[0].Operators[0].Outputs[0] = 5 },
			"tflite: subgraph 0 operator 0: output 0 is tensor 5, only 5 tensors"},
		{"subgraph input", func(m *Model) { m.Subgraphs[0].Inputs[0] = -1 }, "tflite: subgraph 0: input 0 is tensor -1, only 5 tensors"},
		{"required input omitted", func(m *Model) { m.Subgraphs[0].Operators[0].Inputs[1] = -1 },
			"tflite: subgraph 0 operator 0: input 1 is tensor -1, only 5 tensors"},
		{"opcode index", func(m *Model) { m.Subgraphs[0].Operators[1].OpcodeIndex = 2 },
			"tflite: subgraph 0 operator 1: opcode index 2, only 2 operator codes"},
		{"arity", func(m *Model) { m.Subgraphs[0].Operators[0].Inputs = []int32{0} },
			"tflite: subgraph 0 operator 0: CONV_2D has 1 inputs, want 2 to 3"},
		{"options kind", func(m *Model) { m.Subgraphs[0].Operators[0].Options = &Pool2DOptions{} },
			"tflite: subgraph 0 operator 0: CONV_2D has options of type 5, want 1"},
		{"nil options pointer", func(m *Model) { m.Subgraphs[0].Operators[0].Options = (*Conv2DOptions)(nil) },
			"tflite: subgraph 0 operator 0: options are a nil *tflite.Conv2DOptions"},
		{"conv without options", func(m *Model) { m.Subgraphs[0].Operators[0].Options = nil },
			"tflite: subgraph 0 operator 0: CONV_2D has no options"},
		{"stride 0", func(m *Model) { m.Subgraphs[0].Operators[0].Options.(*Conv2DOptions).StrideH = 0 },
			"tflite: subgraph 0 operator 0: stride 0, must be at least 1"},
		{"pool filter 0", func(m *Model) { m.Subgraphs[0].Operators[1].Options.(*Pool2DOptions).FilterWidth = 0 },
			"tflite: subgraph 0 operator 1: filter size 0, must be at least 1"},
		{"activation", func(m *Model) { m.Subgraphs[0].Operators[0].Options.(*Conv2DOptions).Activation = 9 },
			"tflite: subgraph 0 operator 0: fused activation 9"},
		{"NaN scale", func(m *Model) { m.Subgraphs[0].Tensors[0].Quant.Scale[0] = float32(math.NaN()) },
			`tflite: subgraph 0 tensor 0 ("input"): quantization value NaN`},
		{"buffer index", func(m *Model) { m.Subgraphs[0].Tensors[3].Buffer = 7 },
			`tflite: subgraph 0 tensor 3 ("conv"): buffer 7, only 7 buffers`},
		{"buffer size", func(m *Model) { m.Subgraphs[0].Tensors[2].Shape = []int32{3} },
			`tflite: subgraph 0 tensor 2 ("bias"): buffer 2 holds 8 bytes, shape [3] of INT32 needs 3×4`},
		{"negative dim", func(m *Model) { m.Subgraphs[0].Tensors[4].Shape[1] = -1 },
			`tflite: subgraph 0 tensor 4 ("output"): dimension 1 is -1`},
		{"scale count", func(m *Model) { m.Subgraphs[0].Tensors[1].Quant.Scale = []float32{1, 2, 3} },
			`tflite: subgraph 0 tensor 1 ("filter"): quantization has 3 scales and 2 zero points`},
		{"channel count", func(m *Model) { m.Subgraphs[0].Tensors[1].Quant.QuantizedDimension = 3 },
			`tflite: subgraph 0 tensor 1 ("filter"): 2 quantization scales for dimension 3 of size 1`},
		{"metadata buffer", func(m *Model) { m.Metadata[0].Buffer = 9 },
			`tflite: metadata 0 ("min_runtime_version"): buffer 9, only 7 buffers`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := tinyModel()
			tc.change(m)
			_, err := Encode(m)
			if err == nil || err.Error() != tc.want {
				t.Fatalf("Encode: %v\nwant %s", err, tc.want)
			}
			// The same model written without checks must be refused by Decode
			// with the same message (when it can be written at all).
			if strings.Contains(tc.name, "nil options") {
				return
			}
			if _, err := Decode(encodeUnchecked(m)); err == nil || err.Error() != tc.want {
				t.Fatalf("Decode: %v\nwant %s", err, tc.want)
			}
		})
	}
}

// encodeUnchecked writes m without Validate, to make files Decode must refuse.
func encodeUnchecked(m *Model) []byte {
	e := encoder{b: flatbuffers.NewBuilder(1024)}
	e.b.FinishWithFileIdentifier(e.model(m), []byte(FileIdentifier))
	return e.b.FinishedBytes()
}

func TestNumElements(t *testing.T) {
	tests := []struct {
		shape []int32
		want  int
	}{
		{nil, 1}, // a scalar
		{[]int32{1, 28, 28, 1}, 784},
		{[]int32{3, 0}, 0},
		{[]int32{2, -1}, -1},
		{[]int32{1 << 30, 1 << 30, 1 << 30}, -1}, // 2^90 overflows
	}
	for _, tc := range tests {
		if got := (&Tensor{Shape: tc.shape}).NumElements(); got != tc.want {
			t.Errorf("NumElements(%v) = %d, want %d", tc.shape, got, tc.want)
		}
	}
}

func TestLittleEndianHelpers(t *testing.T) {
	// 1.0 is 0x3f800000, -2.0 is 0xc0000000 (IEEE 754).
	b := []byte{0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0xc0, 0xff}
	if got := Float32s(b); !reflect.DeepEqual(got, []float32{1, -2}) {
		t.Errorf("Float32s = %v", got)
	}
	if got := Float32Bytes([]float32{1, -2}); !bytes.Equal(got, b[:8]) {
		t.Errorf("Float32Bytes = % x", got)
	}
	// -2 is 0xfffffffe; 258 is 0x00000102.
	ib := []byte{0xfe, 0xff, 0xff, 0xff, 0x02, 0x01, 0x00, 0x00}
	if got := Int32s(ib); !reflect.DeepEqual(got, []int32{-2, 258}) {
		t.Errorf("Int32s = %v", got)
	}
	if got := Int32Bytes([]int32{-2, 258}); !bytes.Equal(got, ib) {
		t.Errorf("Int32Bytes = % x", got)
	}
	if got := Int8s([]byte{0x80, 0x7f}); !reflect.DeepEqual(got, []int8{-128, 127}) {
		t.Errorf("Int8s = %v", got)
	}
	if got := Int8Bytes([]int8{-1, 5}); !bytes.Equal(got, []byte{0xff, 5}) {
		t.Errorf("Int8Bytes = % x", got)
	}
}

func TestMinRuntimeVersion(t *testing.T) {
	m := &Model{Version: 3, Buffers: []Buffer{{}}}
	if _, ok := m.MinRuntimeVersion(); ok {
		t.Error("empty model has a min_runtime_version")
	}
	if err := m.SetMinRuntimeVersion("1.5.0"); err != nil {
		t.Fatal(err)
	}
	if err := m.SetMinRuntimeVersion("1.14.0"); err != nil { // replaces, not adds
		t.Fatal(err)
	}
	if len(m.Metadata) != 1 || len(m.Buffers) != 2 {
		t.Fatalf("%d metadata, %d buffers; want 1, 2", len(m.Metadata), len(m.Buffers))
	}
	// hello_world_int8.tflite holds exactly these 16 bytes (flatc dump).
	want := []byte("1.14.0\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00")
	if got := m.Buffers[1].Data; !bytes.Equal(got, want) {
		t.Errorf("buffer % x, want % x", got, want)
	}
	if v, ok := m.MinRuntimeVersion(); !ok || v != "1.14.0" {
		t.Errorf("MinRuntimeVersion = %q, %v", v, ok)
	}
	if err := m.SetMinRuntimeVersion("1.2.3.4.5.6.7.8.9"); err == nil {
		t.Error("a 17-byte version was accepted")
	}
}

func BenchmarkEncodeProductModel(b *testing.B) {
	m := productFloatModel()
	for b.Loop() {
		if _, err := Encode(m); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeProductModel(b *testing.B) {
	data, err := Encode(productFloatModel())
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Decode(data); err != nil {
			b.Fatal(err)
		}
	}
}
