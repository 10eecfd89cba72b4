package inspect

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mnistcnn/mnistcnn/tflite"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

const models = "../testdata/models/"

func mustFile(t *testing.T, name string) *Report {
	t.Helper()
	r, err := File(filepath.Join(models, name))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestHelloWorldInt8 checks the counts of TFLM's hello_world int8 model, a
// 1→16→16→1 dense network, by hand.
func TestHelloWorldInt8(t *testing.T) {
	r := mustFile(t, "hello_world_int8.tflite")
	// Weights 16·1 + 16·16 + 1·16 = 288, biases 16 + 16 + 1 = 33.
	if r.Params != 321 {
		t.Errorf("params %d, want 321", r.Params)
	}
	// Every constant feeds a FULLY_CONNECTED; MACs are the weights'
	// elements for a batch of one: 1·16 + 16·16 + 16·1 = 288.
	if r.WeightParams != 321 || r.MACs != 288 {
		t.Errorf("weight params %d, MACs %d, want 321 and 288", r.WeightParams, r.MACs)
	}
	// int8 weights 288 bytes, int32 biases 33·4 = 132 bytes.
	if r.ConstantBytes != 420 {
		t.Errorf("constant bytes %d, want 420", r.ConstantBytes)
	}
	if r.SizeBytes != 2704 || r.SchemaVersion != 3 || r.MinRuntimeVersion != "1.14.0" {
		t.Errorf("header: %d bytes, schema %d, runtime %q", r.SizeBytes, r.SchemaVersion, r.MinRuntimeVersion)
	}
	if len(r.Subgraphs) != 1 || len(r.Subgraphs[0].Operators) != 3 || len(r.Subgraphs[0].Tensors) != 10 {
		t.Fatalf("want 1 subgraph of 3 operators and 10 tensors: %+v", r.Subgraphs)
	}
	op := r.Subgraphs[0].Operators[0]
	if op.Op != "FULLY_CONNECTED" || op.Options.String() != "activation=RELU" {
		t.Errorf("operator 0: %s %s", op.Op, op.Options)
	}
	if r.Unsupported != "" || r.ArenaBytes <= 0 {
		t.Errorf("the interpreter runs this model: arena %d, %q", r.ArenaBytes, r.Unsupported)
	}

	var text bytes.Buffer
	if err := r.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "hello_world_int8.txt")
	if *update {
		if err := os.WriteFile(golden, text.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if text.String() != string(want) {
		t.Errorf("text differs from %s (go test -update rewrites it):\n%s", golden, text.String())
	}
}

// TestPerChannel: person_detect's first depthwise filter is [1,3,3,8] with
// 8 scales along axis 3, its pointwise filters have theirs along axis 0.
func TestPerChannel(t *testing.T) {
	r := mustFile(t, "person_detect.tflite")
	ts := r.Subgraphs[0].Tensors
	q := ts[0].Quant
	if q == nil || len(q.Scales) != 8 || q.Axis != 3 {
		t.Fatalf("tensor 0 quantization %+v, want 8 scales on axis 3", q)
	}
	if s := q.String(); !strings.HasPrefix(s, "8 scales ") || !strings.Contains(s, "axis 3") {
		t.Errorf("tensor 0 quantization %q", s)
	}
	if q := ts[2].Quant; q == nil || len(q.Scales) != 128 || q.Axis != 0 {
		t.Errorf("tensor 2 quantization %+v, want 128 scales on axis 0", q)
	}
	ops := r.Subgraphs[0].Operators
	if got := ops[0].Options.String(); got != "filter=3×3 padding=SAME stride=2×2 depth_multiplier=8 activation=RELU6" {
		t.Errorf("operator 0 options %q", got)
	}
	if got := ops[27].Options.String(); got != "filter=3×3 padding=VALID stride=2×2 activation=NONE" {
		t.Errorf("operator 27 (AVERAGE_POOL_2D) options %q", got)
	}
}

// TestUnsupportedModel: the interpreter has no LSTM kernel; the model is
// still described.
func TestUnsupportedModel(t *testing.T) {
	r := mustFile(t, "mnist_lstm_float.tflite")
	if !strings.Contains(r.Unsupported, "UNIDIRECTIONAL_SEQUENCE_LSTM") || r.ArenaBytes != 0 || r.TFLM != nil {
		t.Errorf("arena %d, unsupported %q", r.ArenaBytes, r.Unsupported)
	}
	if ops := r.Subgraphs[0].Operators; len(ops) != 4 || ops[0].Op != "UNIDIRECTIONAL_SEQUENCE_LSTM" {
		t.Errorf("operators %+v", ops)
	}
	var text bytes.Buffer
	r.WriteText(&text)
	if !strings.Contains(text.String(), "Arena           not supported: operator 0 (UNIDIRECTIONAL_SEQUENCE_LSTM)") {
		t.Errorf("text:\n%s", text.String())
	}
}

func TestJSON(t *testing.T) {
	r := mustFile(t, "hello_world_int8.tflite")
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Params int64 `json:"params"`
		TFLM   struct {
			Bytes      int `json:"bytes"`
			Used       int `json:"used_bytes"`
			CortexM    int `json:"cortex_m_bytes"`
			Activation int `json:"activation_bytes"`
		} `json:"tflm_arena"`
		Subgraphs []struct {
			Operators []struct {
				Op      string            `json:"op"`
				Options map[string]string `json:"options"`
			} `json:"operators"`
			Tensors []struct {
				Quant *struct {
					Scales     []float32 `json:"scales"`
					ZeroPoints []int64   `json:"zero_points"`
				} `json:"quantization"`
			} `json:"tensors"`
		} `json:"subgraphs"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	if doc.Params != 321 || doc.Subgraphs[0].Operators[2].Options["activation"] != "NONE" {
		t.Errorf("%s", b)
	}
	// TFLM's arena for the model (interp's tests compare these with TFLM).
	if a := doc.TFLM; a.Bytes != 1616 || a.Used != 1184 || a.CortexM != 1072 || a.Activation != 32 {
		t.Errorf("tflm_arena %+v", a)
	}
	// The input tensor: zero point -128 as the text shows.
	if q := doc.Subgraphs[0].Tensors[0].Quant; q == nil || q.ZeroPoints[0] != -128 {
		t.Errorf("tensor 0 quantization %+v", q)
	}
}

func TestBadFiles(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(models, "hello_world_int8.tflite"))
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{0, 7, 100, len(b) / 2, len(b) - 1} {
		if _, err := Bytes(b[:n]); err == nil {
			t.Errorf("first %d bytes: no error", n)
		}
	}
	p := filepath.Join(t.TempDir(), "cut.tflite")
	os.WriteFile(p, b[:len(b)/2], 0o644)
	if _, err := File(p); err == nil || !strings.Contains(err.Error(), p) {
		t.Errorf("cut file: %v, want an error naming it", err)
	}
}

func FuzzBytes(f *testing.F) {
	for _, name := range []string{"hello_world_int8.tflite", "hello_world_float.tflite"} {
		b, err := os.ReadFile(filepath.Join(models, name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := Bytes(b)
		if err != nil {
			return
		}
		r.WriteText(&bytes.Buffer{})
		if _, err := json.Marshal(r); err != nil {
			t.Fatal(err)
		}
	})
}

// TestHandBuilt describes a model made here: a custom operator, an omitted
// optional input, per-channel zero points that differ, a dilated
// convolution, a variable tensor and a name holding a tab.
func TestHandBuilt(t *testing.T) {
	m := &tflite.Model{
		Version: 3,
		OperatorCodes: []tflite.OperatorCode{
			{Builtin: tflite.OpCustom, Custom: "MyOp", Version: 2},
			{Builtin: tflite.OpConv2D, Version: 1},
		},
		Buffers: []tflite.Buffer{{}, {Data: make([]byte, 2*3*3*1)}},
		Subgraphs: []tflite.Subgraph{{
			Tensors: []tflite.Tensor{
				{Name: "in\tput", Type: tflite.Int8, Shape: []int32{1, 8, 8, 1}},
				{Name: "w", Type: tflite.Int8, Shape: []int32{2, 3, 3, 1}, Buffer: 1,
					Quant: &tflite.Quantization{Scale: []float32{0.5, 0.25}, ZeroPoint: []int64{0, 1}}},
				{Name: "out", Type: tflite.Int8, Shape: []int32{1, 4, 4, 2}, IsVariable: true},
			},
			Inputs:  []int32{0},
			Outputs: []int32{2},
			Operators: []tflite.Operator{
				{OpcodeIndex: 0, Inputs: []int32{0, -1}, Outputs: []int32{2}},
				{OpcodeIndex: 1, Inputs: []int32{0, 1, -1}, Outputs: []int32{2}, Options: &tflite.Conv2DOptions{
					Padding: tflite.PaddingValid, StrideW: 1, StrideH: 1, DilationW: 2, DilationH: 2, Activation: tflite.ActRelu6}},
				{OpcodeIndex: 7, Outputs: []int32{5}}, // opcode and output out of range
			},
		}},
	}
	r := Describe(m)
	// 2·3·3·1 = 18 weights of 1 byte.
	if r.Params != 18 || r.ConstantBytes != 18 {
		t.Errorf("params %d, bytes %d, want 18 and 18", r.Params, r.ConstantBytes)
	}
	if r.Unsupported == "" {
		t.Error("the interpreter accepted a custom operator")
	}
	var b bytes.Buffer
	if err := r.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	text := b.String()
	for _, want := range []string{
		"CUSTOM MyOp  2    0, - → 2",
		"filter=3×3 padding=VALID stride=1×1 dilation=2×2 activation=RELU6",
		"opcode 7?",
		"2 scales 0.25…0.5, axis 0, zero points 0…1",
		`"in\tput"`,
		"INT8 (variable)",
		"Subgraph 0: inputs 0, outputs 2",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q:\n%s", want, text)
		}
	}
}
