package tflite

import (
	"bytes"
	"math/rand"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"

	flatbuffers "github.com/google/flatbuffers/go"
)

// referenceModels are the files in ../testdata/models made by TensorFlow's
// converter (see the README there for their sources and licences).
var referenceModels = []string{
	"hello_world_float.tflite",
	"hello_world_int8.tflite",
	"mnist_cnn_float_uint8in_alankrantas.tflite",
	"mnist_lstm_float.tflite",
	"mnist_lstm_int8.tflite",
	"person_detect.tflite",
}

func readModelFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "models", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func decodeFile(t testing.TB, name string) *Model {
	t.Helper()
	m, err := Decode(readModelFile(t, name))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return m
}

func opNames(m *Model) []string {
	var s []string
	for _, op := range m.Subgraphs[0].Operators {
		s = append(s, m.Opcode(&op).String())
	}
	return s
}

// The expected facts below are read from flatc's JSON dump of each file
// (flatc --raw-binary -t --strict-json schema.fbs -- file.tflite) and from
// testdata/models' source README.
func TestReferenceModelFacts(t *testing.T) {
	t.Run("hello_world_int8", func(t *testing.T) {
		m := decodeFile(t, "hello_world_int8.tflite")
		sg := m.Subgraphs[0]
		if len(sg.Tensors) != 10 || len(m.Buffers) != 13 || m.Description != "MLIR Converted." {
			t.Errorf("%d tensors, %d buffers, description %q; want 10, 13, \"MLIR Converted.\"", len(sg.Tensors), len(m.Buffers), m.Description)
		}
		if got := strings.Join(opNames(m), " "); got != "FULLY_CONNECTED FULLY_CONNECTED FULLY_CONNECTED" {
			t.Errorf("ops %s", got)
		}
		if m.OperatorCodes[0].Version != 4 {
			t.Errorf("FULLY_CONNECTED version %d, want 4", m.OperatorCodes[0].Version)
		}
		in := sg.Tensors[sg.Inputs[0]]
		// README: int8 in/out, input scale 0.0244801156 zero point -128.
		if in.Type != Int8 || in.Quant == nil || len(in.Quant.Scale) != 1 ||
			in.Quant.Scale[0] != float32(0.0244801156) || in.Quant.ZeroPoint[0] != -128 {
			t.Errorf("input tensor %+v quant %+v", in, in.Quant)
		}
		if !reflect.DeepEqual(in.Shape, []int32{1, 1}) || !reflect.DeepEqual(in.ShapeSignature, []int32{-1, 1}) {
			t.Errorf("input shape %v signature %v, want [1 1] [-1 1]", in.Shape, in.ShapeSignature)
		}
		fc := sg.Operators[0].Options.(*FullyConnectedOptions)
		if fc.Activation != ActRelu || fc.KeepNumDims {
			t.Errorf("first FULLY_CONNECTED options %+v, want RELU", fc)
		}
		if v, ok := m.MinRuntimeVersion(); v != "1.14.0" || !ok {
			t.Errorf("min_runtime_version %q", v)
		}
	})
	t.Run("hello_world_float", func(t *testing.T) {
		m := decodeFile(t, "hello_world_float.tflite")
		if v, _ := m.MinRuntimeVersion(); v != "1.5.0" {
			t.Errorf("min_runtime_version %q, want 1.5.0", v)
		}
		// Float tensors carry an empty quantization table: no Quant.
		for i, ts := range m.Subgraphs[0].Tensors {
			if ts.Quant != nil || ts.Type != Float32 {
				t.Errorf("tensor %d: type %v quant %+v", i, ts.Type, ts.Quant)
			}
		}
		// 16×1 weights of the first layer: 64 bytes.
		w := m.Subgraphs[0].Tensors[m.Subgraphs[0].Operators[0].Inputs[1]]
		if got := len(m.Buffers[w.Buffer].Data); got != 64 {
			t.Errorf("first weights hold %d bytes, want 64", got)
		}
	})
	t.Run("person_detect", func(t *testing.T) {
		m := decodeFile(t, "person_detect.tflite")
		sg := m.Subgraphs[0]
		if len(sg.Tensors) != 89 || len(sg.Operators) != 31 || len(m.Buffers) != 90 || m.Metadata != nil {
			t.Errorf("%d tensors, %d operators, %d buffers, %d metadata; want 89, 31, 90, 0",
				len(sg.Tensors), len(sg.Operators), len(m.Buffers), len(m.Metadata))
		}
		// An old file: only deprecated_builtin_code says what the ops are.
		var codes []string
		for _, oc := range m.OperatorCodes {
			codes = append(codes, oc.Builtin.String())
		}
		if got := strings.Join(codes, " "); got != "AVERAGE_POOL_2D CONV_2D DEPTHWISE_CONV_2D RESHAPE SOFTMAX" {
			t.Errorf("operator codes %s", got)
		}
		dw := sg.Operators[0].Options.(*DepthwiseConv2DOptions)
		if dw.DilationW != 1 || dw.DilationH != 1 {
			t.Errorf("absent dilation decoded as %d×%d, want the default 1×1", dw.DilationW, dw.DilationH)
		}
		// Tensor 33 is the bias with quantized_dimension 3 on a 1-D tensor.
		b := sg.Tensors[33]
		if b.Quant.QuantizedDimension != 3 || len(b.Quant.Scale) != 8 || !reflect.DeepEqual(b.Shape, []int32{8}) {
			t.Errorf("tensor 33 %v quant dim %d, %d scales", b.Shape, b.Quant.QuantizedDimension, len(b.Quant.Scale))
		}
	})
	t.Run("mnist_cnn", func(t *testing.T) {
		m := decodeFile(t, "mnist_cnn_float_uint8in_alankrantas.tflite")
		want := "CAST EXPAND_DIMS CONV_2D CONV_2D MAX_POOL_2D RESHAPE FULLY_CONNECTED SOFTMAX"
		if got := strings.Join(opNames(m), " "); got != want {
			t.Errorf("ops %s\nwant %s", got, want)
		}
		sg := m.Subgraphs[0]
		// EXPAND_DIMS has ExpandDimsOptions, a kind Model does not hold.
		if len(sg.Tensors) != 17 || sg.Operators[1].Options != nil {
			t.Errorf("%d tensors, EXPAND_DIMS options %v; want 17, nil", len(sg.Tensors), sg.Operators[1].Options)
		}
		if in := sg.Tensors[sg.Inputs[0]]; in.Type != UInt8 {
			t.Errorf("input type %v, want UINT8", in.Type)
		}
	})
	t.Run("mnist_lstm_float", func(t *testing.T) {
		m := decodeFile(t, "mnist_lstm_float.tflite")
		op := m.Subgraphs[0].Operators[0]
		if m.Opcode(&op) != OpUnidirectionalSequenceLSTM || len(op.Inputs) != 24 || op.Inputs[9] != -1 || op.Options != nil {
			t.Errorf("operator 0: %v with %d inputs, input 9 = %d", m.Opcode(&op), len(op.Inputs), op.Inputs[9])
		}
		if len(m.Subgraphs[0].Tensors) != 22 {
			t.Errorf("%d tensors, want 22", len(m.Subgraphs[0].Tensors))
		}
	})
}

// Decode→Encode→Decode keeps everything Model holds, and re-encoding is stable.
func TestReferenceRoundTrip(t *testing.T) {
	for _, name := range referenceModels {
		m := decodeFile(t, name)
		b, err := Encode(m)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		m2, err := Decode(b)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !reflect.DeepEqual(m, m2) {
			t.Errorf("%s: model changed in the round trip", name)
		}
		b2, _ := Encode(m2)
		if !bytes.Equal(b, b2) {
			t.Errorf("%s: second encoding differs", name)
		}
	}
}

func TestTruncations(t *testing.T) {
	tiny, err := Encode(tinyModel())
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range [][]byte{tiny, readModelFile(t, "hello_world_int8.tflite")} {
		for n := 0; n < len(b); n++ {
			if _, err := Decode(b[:n:n]); err == nil {
				t.Fatalf("a %d-byte prefix of a %d-byte model decoded", n, len(b))
			}
		}
	}
}

// Random byte changes never panic, and whatever Decode accepts Encode can
// write again.
func TestByteFlips(t *testing.T) {
	tiny, err := Encode(tinyModel())
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewSource(1))
	for _, orig := range [][]byte{tiny, readModelFile(t, "hello_world_int8.tflite")} {
		accepted := 0
		for i := 0; i < 3000; i++ {
			b := append([]byte(nil), orig...)
			for k := 0; k <= i%4; k++ {
				b[rng.Intn(len(b))] ^= byte(1 + rng.Intn(255))
			}
			m, err := Decode(b)
			if err != nil {
				continue
			}
			accepted++
			if _, err := Encode(m); err != nil {
				t.Fatalf("flip %d: decoded model does not encode: %v", i, err)
			}
		}
		t.Logf("%d of 3000 changed files decoded", accepted)
	}
}

func TestDecodeErrors(t *testing.T) {
	tiny, err := Encode(tinyModel())
	if err != nil {
		t.Fatal(err)
	}
	// Positions inside tiny, found with the checked reader.
	d := decoder{b: tiny, budget: 1 << 40}
	root, _ := d.root()
	var sg, op0 table
	d.tables(root, modelSubgraphs, 0, func(_ int, t table) error { sg = t; return nil })
	d.tables(sg, subgraphOperators, 0, func(i int, t table) error {
		if i == 0 {
			op0 = t
		}
		return nil
	})
	inputsVec, _ := d.ref(sg, subgraphInputs)
	optsType, _ := d.field(op0, operatorOptionsType, 1)
	if inputsVec == 0 || optsType == 0 {
		t.Fatal("could not find the fields to corrupt")
	}
	tests := []struct {
		name   string
		change func(b []byte)
		want   string
	}{
		{"identifier", func(b []byte) { copy(b[4:], "TFL2") }, `tflite: file identifier is "TFL2", want "TFL3"`},
		{"root offset", func(b []byte) { le.PutUint32(b, uint32(len(b))) }, "tflite: model: root offset"},
		{"huge vector", func(b []byte) { le.PutUint32(b[inputsVec:], 1<<31) },
			"tflite: subgraph 0 inputs: vector at"},
		{"options without type", func(b []byte) { b[optsType] = 0 },
			"tflite: subgraph 0 operator 0: builtin_options present but its type is NONE"},
		{"options of another kind", func(b []byte) { b[optsType] = byte(OptionsDequantize) },
			"tflite: subgraph 0 operator 0: CONV_2D has options of type 38, want 1"},
		// 52 is ExpandDimsOptions, a kind Model does not hold.
		{"options of an unknown kind", func(b []byte) { b[optsType] = 52 },
			"tflite: subgraph 0 operator 0: CONV_2D has options of type 52, want 1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := append([]byte(nil), tiny...)
			tc.change(b)
			_, err := Decode(b)
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Fatalf("got %v\nwant %s...", err, tc.want)
			}
		})
	}
}

// A file that claims a vector of 2^31 elements is refused without allocating
// for them.
func TestDecodeDoesNotTrustLengths(t *testing.T) {
	b, err := Encode(tinyModel())
	if err != nil {
		t.Fatal(err)
	}
	d := decoder{b: b, budget: 1 << 40}
	root, _ := d.root()
	vec, _ := d.ref(root, modelBuffers)
	le.PutUint32(b[vec:], 1<<31)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err = Decode(b)
	runtime.ReadMemStats(&after)
	if err == nil {
		t.Fatal("decoded a buffers vector of 2^31 elements")
	}
	// Generous bound: a few KB of error strings and small slices, far below
	// the 2^31×24 bytes the claim would need.
	if got := after.TotalAlloc - before.TotalAlloc; got > 1<<20 {
		t.Errorf("Decode allocated %d bytes for a %d-byte file", got, len(b))
	}
}

// Many references to one big table must not make a small file decode into a
// huge model.
func TestDecodeBudget(t *testing.T) {
	// 4000 tensors that all share one table whose shape has 4000 dimensions:
	// a ~32 KB file that would decode to 4000×16 KB = 64 MB of shapes.
	const n = 4000
	e := encoder{b: flatbuffers.NewBuilder(0)}
	b := e.b
	shape := e.int32s(make([]int32, n))
	b.StartObject(tensorFields)
	b.PrependUOffsetTSlot(tensorShape, shape, 0)
	tensor := b.EndObject()
	same := make([]flatbuffers.UOffsetT, n)
	for i := range same {
		same[i] = tensor
	}
	tensors := e.tables(same)
	b.StartObject(subgraphFields)
	b.PrependUOffsetTSlot(subgraphTensors, tensors, 0)
	subgraphs := e.tables([]flatbuffers.UOffsetT{b.EndObject()})
	b.StartObject(bufferFields)
	buffers := e.tables([]flatbuffers.UOffsetT{b.EndObject()})
	b.StartObject(modelFields)
	b.PrependUOffsetTSlot(modelSubgraphs, subgraphs, 0)
	b.PrependUOffsetTSlot(modelBuffers, buffers, 0)
	b.PrependUint32Slot(modelVersion, 3, 0)
	b.FinishWithFileIdentifier(b.EndObject(), []byte(FileIdentifier))
	file := b.FinishedBytes()
	_, err := Decode(file)
	if err == nil || !strings.Contains(err.Error(), errBudget.Error()) {
		t.Fatalf("%d-byte file: got %v, want the budget error", len(file), err)
	}
}

// externalBufferModel is a model whose one constant (INT8 [2]) is stored
// after the flatbuffer, with Buffer.offset and size as large models do.
func externalBufferModel(offset, size uint64) []byte {
	build := func(offset uint64) []byte {
		e := encoder{b: flatbuffers.NewBuilder(0)}
		b := e.b
		b.StartObject(bufferFields)
		empty := b.EndObject()
		b.StartObject(bufferFields)
		b.PrependUint64Slot(bufferOffset, offset, 0)
		b.PrependUint64Slot(bufferSize, size, 0)
		buffers := e.tables([]flatbuffers.UOffsetT{empty, b.EndObject()})
		shape := e.int32s([]int32{2})
		b.StartObject(tensorFields)
		b.PrependUOffsetTSlot(tensorShape, shape, 0)
		b.PrependUint32Slot(tensorBuffer, 1, 0)
		b.PrependInt8Slot(tensorType, int8(Int8), 0)
		tensors := e.tables([]flatbuffers.UOffsetT{b.EndObject()})
		b.StartObject(subgraphFields)
		b.PrependUOffsetTSlot(subgraphTensors, tensors, 0)
		subgraphs := e.tables([]flatbuffers.UOffsetT{b.EndObject()})
		b.StartObject(modelFields)
		b.PrependUOffsetTSlot(modelSubgraphs, subgraphs, 0)
		b.PrependUOffsetTSlot(modelBuffers, buffers, 0)
		b.PrependUint32Slot(modelVersion, 3, 0)
		b.FinishWithFileIdentifier(b.EndObject(), []byte(FileIdentifier))
		return b.FinishedBytes()
	}
	// The flatbuffer's length does not depend on the offset's value (a
	// fixed-width field), so a first build tells where the data will go.
	if offset == 0 {
		offset = uint64(len(build(2)))
	}
	return append(build(offset), 5, 0xfb) // int8 5, -5
}

func TestDecodeExternalBuffer(t *testing.T) {
	m, err := Decode(externalBufferModel(0, 2))
	if err != nil {
		t.Fatal(err)
	}
	if got := Int8s(m.Buffers[1].Data); !reflect.DeepEqual(got, []int8{5, -5}) {
		t.Errorf("external buffer holds %v, want [5 -5]", got)
	}
	// Re-encoding stores the data inside the flatbuffer.
	b, err := Encode(m)
	if err != nil {
		t.Fatal(err)
	}
	if m2, err := Decode(b); err != nil || !reflect.DeepEqual(m, m2) {
		t.Errorf("round trip: %v", err)
	}
	for _, size := range []uint64{3, 1 << 63} {
		_, err := Decode(externalBufferModel(0, size))
		if err == nil || !strings.Contains(err.Error(), "tflite: buffer 1: offset") {
			t.Errorf("size %d: got %v, want an out-of-file error", size, err)
		}
	}
}
