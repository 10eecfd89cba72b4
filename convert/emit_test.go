package convert

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mnistcnn/mnistcnn/tflite"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// helloInt8 is TFLM's hello_world int8 model (see testdata/models/README.md).
const helloInt8 = "../testdata/models/hello_world_int8.tflite"

func readModel(t *testing.T, path string) ([]byte, ModelInfo) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	m, err := tflite.Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	info, err := InfoOf(m)
	if err != nil {
		t.Fatal(err)
	}
	return data, info
}

// golden compares got with testdata/name, or rewrites it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file; run go test ./convert -update and review the diff", name)
	}
}

// tinyImages are three hand-made 28×28 images a person can check:
// image 0 is blank, image 1 a vertical bar of 255 in column 14, rows 4..23
// (20 pixels), image 2 has pixel (r, c) = r + c on its top-left 3×3 corner.
func tinyImages() (images, labels []byte) {
	images = make([]byte, 3*imageBytes)
	for r := 4; r <= 23; r++ {
		images[imageBytes+r*imageSide+14] = 255
	}
	for r := 0; r < 3; r++ {
		for c := 0; c < 3; c++ {
			images[2*imageBytes+r*imageSide+c] = byte(r + c)
		}
	}
	return images, []byte{0, 1, 7}
}

func TestInfoOfHelloWorld(t *testing.T) {
	_, info := readModel(t, helloInt8)
	// Expected values from the reference models' README (flatc dump of the
	// file): one FULLY_CONNECTED op code, input int8 [1,1] scale
	// 0.0244801156 zp -128, output int8 [1,1] zp 5.
	if len(info.Ops) != 1 || info.Ops[0] != (Op{"FULLY_CONNECTED", "AddFullyConnected"}) {
		t.Errorf("ops = %v", info.Ops)
	}
	if len(info.Inputs) != 1 || len(info.Outputs) != 1 {
		t.Fatalf("inputs %d outputs %d, want 1 and 1", len(info.Inputs), len(info.Outputs))
	}
	in, out := info.Inputs[0], info.Outputs[0]
	if in.Type != tflite.Int8 || shapeString(in.Shape) != "[1, 1]" || !in.Quantized || in.ZeroPoint != -128 ||
		formatFloat(in.Scale)[:8] != "0.024480" {
		t.Errorf("input = %+v", in)
	}
	if out.Type != tflite.Int8 || out.ZeroPoint != 5 || out.Name != "StatefulPartitionedCall:0" {
		t.Errorf("output = %+v", out)
	}
}

func TestInfoOfHandBuilt(t *testing.T) {
	m := &tflite.Model{
		OperatorCodes: []tflite.OperatorCode{
			{Builtin: tflite.OpConv2D}, {Builtin: tflite.OpSoftmax}, {Builtin: tflite.OpConv2D, Version: 2},
			{Builtin: tflite.OpCustom, Custom: "MyOp"}, {Builtin: 1000}, {Builtin: tflite.OpAdd},
		},
		Subgraphs: []tflite.Subgraph{{
			Tensors: []tflite.Tensor{
				{Name: "x", Type: tflite.Float32, Shape: []int32{1, 28, 28, 1}},
				{Name: "y", Type: tflite.Int8, Shape: []int32{1, 10}, Quant: &tflite.Quantization{Scale: []float32{0.00390625}, ZeroPoint: []int64{-128}}},
			},
			Inputs: []int32{0}, Outputs: []int32{1},
			// Every operator code but the last (ADD) is used.
			Operators: []tflite.Operator{{OpcodeIndex: 0}, {OpcodeIndex: 1}, {OpcodeIndex: 2}, {OpcodeIndex: 3}, {OpcodeIndex: 4}},
		}},
	}
	info, err := InfoOf(m)
	if err != nil {
		t.Fatal(err)
	}
	// The second CONV_2D code (another version) is listed once; the unused
	// ADD code not at all.
	want := []Op{{"CONV_2D", "AddConv2D"}, {"SOFTMAX", "AddSoftmax"}, {"CUSTOM:MyOp", "AddCustom"}, {"BuiltinOperator(1000)", ""}}
	if fmt.Sprint(info.Ops) != fmt.Sprint(want) {
		t.Errorf("ops = %v, want %v", info.Ops, want)
	}
	if x := info.Inputs[0]; x.Quantized || x.Name != "x" || shapeString(x.Shape) != "[1, 28, 28, 1]" {
		t.Errorf("input = %+v", x)
	}
	// 0.00390625 = 1/256, the int8 softmax output scale.
	if y := info.Outputs[0]; !y.Quantized || y.Scale != 0.00390625 || y.ZeroPoint != -128 {
		t.Errorf("output = %+v", y)
	}

	m.Subgraphs[0].Outputs = []int32{2}
	if _, err := InfoOf(m); err == nil || !strings.Contains(err.Error(), "out of range") {
		t.Errorf("out-of-range output: err = %v", err)
	}
	if _, err := InfoOf(&tflite.Model{}); err == nil {
		t.Error("model without subgraph: no error")
	}
}

func TestValidNames(t *testing.T) {
	for _, tc := range []struct {
		name     string
		c, goOK  bool
		errmatch string // part of the C error
	}{
		{"g_mnist_int8", true, true, ""},
		{"MnistInt8", true, true, ""},
		{"_x", true, true, ""},
		{"1abc", false, false, "not a C identifier"},
		{"a-b", false, false, "not a C identifier"},
		{"", false, false, "empty"},
		{"int", false, false, "keyword"},  // predeclared in Go
		{"class", false, true, "keyword"}, // C++ only
		{"and", false, true, "keyword"},   // C++ alternative token
		{"func", true, false, ""},
		{"string", true, false, ""}, // predeclared in Go
		{"__x", false, true, "reserved"},
		{"_X", false, true, "reserved"},
		{"é", false, true, "not a C identifier"},
	} {
		err := ValidCIdent(tc.name)
		if (err == nil) != tc.c || err != nil && !strings.Contains(err.Error(), tc.errmatch) {
			t.Errorf("ValidCIdent(%q) = %v", tc.name, err)
		}
		if err := ValidGoIdent(tc.name); (err == nil) != tc.goOK {
			t.Errorf("ValidGoIdent(%q) = %v", tc.name, err)
		}
	}
	for _, p := range []string{"", "_", "1x", "a-b", "go"} {
		if ValidGoPackage(p) == nil {
			t.Errorf("ValidGoPackage(%q) accepted", p)
		}
	}
}

func TestEmitRejectsBadInput(t *testing.T) {
	data, info := []byte{1, 2, 3}, ModelInfo{}
	images, labels := tinyImages()
	in := TensorInfo{Type: tflite.Float32}
	for _, tc := range []struct {
		what string
		err  error
	}{
		{"cc bad name", second(EmitCC("1abc", "m.h", data, info))},
		{"c keyword", second(EmitC("int", "m.h", data, info))},
		{"cc header path", second(EmitCC("m", "../m.h", data, info))},
		{"cc header not .h", second(EmitCC("m", "m.cc", data, info))},
		{"cc empty model", second(EmitCC("m", "m.h", nil, info))},
		{"go bad name", second(EmitGo("p", "a-b", data, info))},
		{"go bad package", second(EmitGo("1p", "M", data, info))},
		{"go empty model", second(EmitGo("p", "M", nil, info))},
		{"test data bad name", second(EmitTestDataC("int", images, labels, in))},
		{"test data short", second(EmitTestDataC("t", images[:100], labels, in))},
		{"test data label", second(EmitTestDataC("t", images, []byte{0, 1, 10}, in))},
		{"test data input type", second(EmitTestDataGo("p", "T", images, labels, TensorInfo{Type: tflite.UInt8}))},
	} {
		if tc.err == nil {
			t.Errorf("%s: no error", tc.what)
		} else if !strings.HasPrefix(tc.err.Error(), "convert: ") {
			t.Errorf("%s: error %q lacks the package prefix", tc.what, tc.err)
		}
	}
}

func second[T any](_ T, err error) error { return err }

func TestHeaderGuard(t *testing.T) {
	for in, want := range map[string]string{
		"mnist_int8.h":   "MNIST_INT8_H_",
		"model-data.h":   "MODEL_DATA_H_",
		"8bit.h":         "MNISTCNN_8BIT_H_", // a macro cannot start with a digit
		"_hidden.h":      "MNISTCNN__HIDDEN_H_",
		"g_mnist_test.h": "G_MNIST_TEST_H_",
	} {
		if got, err := headerGuard(in); err != nil || got != want {
			t.Errorf("headerGuard(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

// TestXxdFormat checks the array body against xxd -i itself.
func TestXxdFormat(t *testing.T) {
	xxd, err := exec.LookPath("xxd")
	if err != nil {
		t.Skip("xxd not installed")
	}
	for _, n := range []int{1, 11, 12, 13, 24, 2704} {
		data := make([]byte, n)
		for i := range data {
			data[i] = byte(i * 37)
		}
		path := filepath.Join(t.TempDir(), "m")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(xxd, "-i", "m")
		cmd.Dir = filepath.Dir(path)
		out, err := cmd.Output()
		if err != nil {
			t.Fatal(err)
		}
		// xxd prints "unsigned char m[] = {\n" BODY "};\nunsigned int m_len = N;\n".
		want := strings.TrimPrefix(string(out), "unsigned char m[] = {\n")
		want = want[:strings.Index(want, "};\n")]
		var b bytes.Buffer
		writeXxd(&b, data)
		if b.String() != want {
			t.Errorf("%d bytes: got\n%s\nwant\n%s", n, b.String(), want)
		}
	}
}

func TestGolden(t *testing.T) {
	data, info := readModel(t, helloInt8)
	// InfoOf's TFLM arena for the model: 1616 bytes (interp's tests
	// compare it with TFLM's).
	if info.TFLMArenaBytes() != 1616 {
		t.Errorf("TFLM arena %d bytes, want 1616", info.TFLMArenaBytes())
	}
	cc, err := EmitCC("g_hello_world_int8", "hello_world_int8.h", data, info)
	if err != nil {
		t.Fatal(err)
	}
	c, err := EmitC("g_hello_world_int8", "hello_world_int8.h", data, info)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(cc.Header, c.Header) {
		t.Error("C and C++ headers differ")
	}
	g, err := EmitGo("hello", "HelloWorldInt8", data, info)
	if err != nil {
		t.Fatal(err)
	}
	images, labels := tinyImages()
	tdc, err := EmitTestDataC("g_test", images, labels, info.Inputs[0])
	if err != nil {
		t.Fatal(err)
	}
	tdg, err := EmitTestDataGo("hello", "Test", images, labels, TensorInfo{Type: tflite.Float32, Shape: []int32{1, 28, 28, 1}})
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{
		"hello_world_int8.h":  cc.Header,
		"hello_world_int8.cc": cc.Source,
		"hello_world_int8.c":  c.Source,
		"hello_world_int8.go": g,
		"test_data_int8.h":    tdc,
		"test_data_float.go":  tdg,
	}
	wd, _ := os.Getwd()
	for name, got := range files {
		golden(t, name+".golden", got)
		if !bytes.HasPrefix(got, []byte(GeneratedHeader+"\n")) {
			t.Errorf("%s does not start with %q", name, GeneratedHeader)
		}
		if bytes.Contains(got, []byte(wd)) || bytes.Contains(got, []byte(os.TempDir())) {
			t.Errorf("%s contains an absolute path", name)
		}
	}
	// Same input, same bytes.
	cc2, _ := EmitCC("g_hello_world_int8", "hello_world_int8.h", data, info)
	g2, _ := EmitGo("hello", "HelloWorldInt8", data, info)
	if !bytes.Equal(cc.Source, cc2.Source) || !bytes.Equal(cc.Header, cc2.Header) || !bytes.Equal(g, g2) {
		t.Error("emitting twice gave different bytes")
	}
}

func TestTestDataInputComment(t *testing.T) {
	images, labels := tinyImages()
	for _, tc := range []struct {
		in   TensorInfo
		want string
	}{
		{TensorInfo{Type: tflite.Float32}, "input = p / 255.0f"},
		// 0.003921569 is float32(1/255), the scale of a [0,1] input in int8.
		{TensorInfo{Type: tflite.Int8, Quantized: true, Scale: 0.003921569, ZeroPoint: -128}, "input = (int8_t)(p - 128)"},
		{TensorInfo{Type: tflite.Int8, Quantized: true, Scale: 0.5, ZeroPoint: 3}, "round(p / 255.0f / 0.5f) + 3, -128, 127)"},
	} {
		out, err := EmitTestDataC("t", images, labels, tc.in)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(out, []byte(tc.want)) {
			t.Errorf("%+v: comment lacks %q", tc.in, tc.want)
		}
	}
}

// benchModel is as large as the reference float model (724,440 bytes,
// FACTS.md), filled with a fixed pattern.
func benchModel() []byte {
	data := make([]byte, 724440)
	for i := range data {
		data[i] = byte(i * 131 >> 3)
	}
	return data
}

func BenchmarkEmitCC(b *testing.B) {
	data := benchModel()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := EmitCC("g_model", "model.h", data, ModelInfo{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEmitGo(b *testing.B) {
	data := benchModel()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := EmitGo("model", "Model", data, ModelInfo{}); err != nil {
			b.Fatal(err)
		}
	}
}

// TestHostileTensorNames checks that names from a model cannot break out of
// the comments: no newline (ends a // comment), no backslash (continues it
// in C), no "??" (a C99 trigraph; "??/" is a backslash).
func TestHostileTensorNames(t *testing.T) {
	info := ModelInfo{
		Inputs: []TensorInfo{{Name: "a\nint x;\\", Type: tflite.Float32}},
		Ops:    []Op{{Name: "CUSTOM:??/\r*/", Resolver: "AddCustom"}},
	}
	for _, l := range describe(3, info) {
		if strings.ContainsAny(l, "\n\r\\") || strings.Contains(l, "??") {
			t.Errorf("unsafe comment line %q", l)
		}
	}
	// The Go metadata keeps the real name, as a quoted string.
	src, err := EmitGo("p", "M", []byte{1}, info)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(src, []byte(`Name: "a\nint x;\\"`)) {
		t.Errorf("Go source lacks the quoted name:\n%s", src)
	}
}
