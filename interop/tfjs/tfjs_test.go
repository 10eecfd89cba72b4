package tfjs

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mnistcnn/mnistcnn/internal/mnisttest"
	"github.com/mnistcnn/mnistcnn/model"
)

// The reference models and their expected results come from
// /work/shared/reference-models/README.md; testdata/models/README.md names their sources.
func modelPath(name string) string {
	return filepath.Join("..", "..", "testdata", "models", name+".tflite")
}

// needHarness skips the test when Node or the npm packages are missing, except under CI
// (the CI environment variable set), where the harness must run.
func needHarness(t testing.TB) {
	t.Helper()
	if err := Available(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI is set but the TFLite harness is unavailable: %v", err)
		}
		t.Skip(err)
	}
}

func TestHelloWorldFloat(t *testing.T) {
	needHarness(t)
	// x = π/2 rounded to 7 decimals; the model approximates sin(x) and TFLite answers
	// 0.995672166 (reference README: same value on TFLM, tfjs and ArmNN). The second input
	// 0 checks that inputs are not mixed up: sin(0) ≈ 0, the model is off by a few percent.
	out, info, err := RunFloat32(modelPath("hello_world_float"), []float32{1.5707963, 0}, 2)
	if err != nil {
		t.Fatal(err)
	}
	if got := info.Inputs[0].Shape; len(got) != 2 || got[0] != 1 || got[1] != 1 {
		t.Errorf("input shape %v, want [1 1]", got)
	}
	if math.Abs(float64(out[0])-0.995672166) > 1e-6 {
		t.Errorf("f(1.5707963) = %.9f, want 0.995672166", out[0])
	}
	if math.Abs(float64(out[1])) > 0.1 {
		t.Errorf("f(0) = %g, want near 0", out[1])
	}
}

func TestHelloWorldInt8(t *testing.T) {
	needHarness(t)
	// Input scale 0.0244801156, zero point -128 (reference README):
	// round(1.5707963/0.0244801156) - 128 = 64 - 128 = -64. The README gives output 126,
	// which it dequantizes to 1.003206 ≈ sin(π/2).
	out, info, err := RunInt8(modelPath("hello_world_int8"), []int8{-64}, 1)
	if err != nil {
		t.Fatal(err)
	}
	if info.Inputs[0].DType != "int8" || info.Outputs[0].DType != "int8" {
		t.Errorf("types %s→%s, want int8→int8", info.Inputs[0].DType, info.Outputs[0].DType)
	}
	if out[0] != 126 {
		t.Errorf("f(-64) = %d, want 126", out[0])
	}
}

// testImages returns the first n MNIST test images (raw pixels) and labels.
func testImages(t testing.TB, n int) (imgs, labels []uint8) {
	t.Helper()
	s := mnisttest.Test(t, n)
	if s.N != n || s.Rows != 28 || s.Cols != 28 {
		t.Fatalf("MNIST test set gives %d images of %dx%d, want %d of 28x28", s.N, s.Rows, s.Cols, n)
	}
	return s.Images, s.Labels
}

func TestMNISTUint8Model(t *testing.T) {
	needHarness(t)
	const n = 1000
	imgs, labels := testImages(t, n)
	// The model takes raw uint8 pixels [1,28,28] and gives 10 float32 scores.
	raw, info, err := RunMNIST(modelPath("mnist_cnn_float_uint8in_alankrantas"), imgs, n, Quant{})
	if err != nil {
		t.Fatal(err)
	}
	in, out := info.Inputs[0], info.Outputs[0]
	if in.DType != "uint8" || in.Bytes != 784 || out.DType != "float32" || out.Bytes != 40 {
		t.Fatalf("model is %s %v → %s %v, want uint8 [1 28 28] → float32 [1 10]", in.DType, in.Shape, out.DType, out.Shape)
	}
	scores := Float32s(raw)
	correct := 0
	for i := range n {
		if model.Class(scores[10*i:10*i+10]) == int(labels[i]) {
			correct++
		}
	}
	// 989 of the first 1000: reference README, tfjs row.
	if correct != 989 {
		t.Errorf("%d of %d correct, want 989", correct, n)
	}
	t.Logf("load %.0f ms, %.1f µs/image, wasm %+v", info.LoadMS, 1000*info.InferMS/n, info.WASM)
}

func TestPersonDetectRejected(t *testing.T) {
	needHarness(t)
	// The reference README: tfjs rejects person_detect because a depthwise bias has
	// quantized_dimension 3 on a 1-D tensor. The error must carry the runtime's reason.
	_, err := Inspect(modelPath("person_detect"))
	if err == nil {
		t.Fatal("person_detect loaded, want the runtime to reject it")
	}
	for _, want := range []string{"tfjs: ", "Can't initialize model", "quantization parameters"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}
}

func TestErrors(t *testing.T) {
	needHarness(t)
	garbage := filepath.Join(t.TempDir(), "garbage.tflite")
	if err := os.WriteFile(garbage, []byte("not a flatbuffer"), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		run   func() error
		match string
	}{
		{"missing model", func() error { _, err := Inspect("no-such.tflite"); return err }, "no such file"},
		{"garbage model", func() error { _, err := Inspect(garbage); return err }, "Can't initialize model"},
		{"input not divisible", func() error {
			_, _, err := Run(modelPath("hello_world_int8"), []byte{1, 2, 3}, 2)
			return err
		}, "do not split"},
		// hello_world_float wants 4 bytes an input; 2 inputs of 2 bytes do not fit.
		{"input size", func() error {
			_, _, err := Run(modelPath("hello_world_float"), []byte{1, 2, 3, 4}, 2)
			return err
		}, "input tensor is 4 bytes, got 2"},
		{"wrong type", func() error {
			_, _, err := RunInt8(modelPath("hello_world_float"), []int8{0, 0, 0, 0}, 1)
			return err
		}, "float32 to float32, want int8 to int8"},
	}
	for _, c := range cases {
		err := c.run()
		if err == nil || !strings.Contains(err.Error(), c.match) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.match)
		}
	}
}

func TestMNISTLSTM(t *testing.T) {
	needHarness(t)
	const n = 1000
	imgs, labels := testImages(t, n)
	cases := []struct {
		name  string
		in    Quant
		want  int
		dtype string
	}{
		// Float input p/255; 923 of 1000: reference README, tfjs column.
		{"mnist_lstm_float", Quant{}, 923, "float32"},
		// Input scale float32(1/255), zero point -128 (flatc dump of the model; the only
		// float32 1/255 in the file), so q = p - 128. 922 of 1000: reference README, tfjs.
		{"mnist_lstm_int8", Quant{Scale: 1.0 / 255, ZeroPoint: -128}, 922, "int8"},
	}
	for _, c := range cases {
		raw, info, err := RunMNIST(modelPath(c.name), imgs, n, c.in)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if info.Inputs[0].DType != c.dtype || info.Outputs[0].DType != c.dtype {
			t.Fatalf("%s: %s → %s, want %s → %s", c.name, info.Inputs[0].DType, info.Outputs[0].DType, c.dtype, c.dtype)
		}
		var scores []float32
		if c.dtype == "int8" {
			for _, q := range Int8s(raw) {
				scores = append(scores, float32(q))
			}
		} else {
			scores = Float32s(raw)
		}
		correct := 0
		for i := range n {
			if model.Class(scores[10*i:10*i+10]) == int(labels[i]) {
				correct++
			}
		}
		if correct != c.want {
			t.Errorf("%s: %d of %d correct, want %d", c.name, correct, n, c.want)
		}
	}
}

func TestMNISTInput(t *testing.T) {
	pixels := []uint8{0, 51, 255}
	u, err := MNISTInput("uint8", pixels, Quant{})
	if err != nil || string(u) != string(pixels) {
		t.Errorf("uint8: %v, %v; want the pixels", u, err)
	}
	f, err := MNISTInput("float32", pixels, Quant{})
	// 51/255 = 0.2 exactly in real numbers; float32(0.2) is the nearest float32.
	if got := Float32s(f); err != nil || len(got) != 3 || got[0] != 0 || got[1] != float32(0.2) || got[2] != 1 {
		t.Errorf("float32: %v, %v; want [0 0.2 1]", got, err)
	}
	// Scale 0.25 (exact in binary), zero point -10: p/255/0.25 = 4p/255, so 0 → 0,
	// 51 → 0.8 → 1, 255 → 4; plus the zero point: -10, -9, -6.
	q, err := MNISTInput("int8", pixels, Quant{Scale: 0.25, ZeroPoint: -10})
	if got := Int8s(q); err != nil || len(got) != 3 || got[0] != -10 || got[1] != -9 || got[2] != -6 {
		t.Errorf("int8: %v, %v; want [-10 -9 -6]", got, err)
	}
	// Scale 1/255, zero point 0: 255 → 255, clamped to 127.
	q, err = MNISTInput("int8", []uint8{255}, Quant{Scale: 1.0 / 255})
	if err != nil || int8(q[0]) != 127 {
		t.Errorf("int8 clamp: %v, %v; want [127]", q, err)
	}
	for _, c := range []struct {
		dtype string
		q     Quant
	}{{"int8", Quant{}}, {"int16", Quant{Scale: 1}}} {
		if _, err := MNISTInput(c.dtype, pixels, c.q); err == nil {
			t.Errorf("%s %+v: no error", c.dtype, c.q)
		}
	}
}

// BenchmarkMNISTUint8Model measures the real TFLite runtime on the alankrantas CNN: one
// process per op, 1000 images each. µs/image counts the interpreter loop only (copies
// included), ms/load the start of the runtime and the model.
func BenchmarkMNISTUint8Model(b *testing.B) {
	needHarness(b)
	const n = 1000
	imgs, _ := testImages(b, n)
	var inferMS, loadMS float64
	for b.Loop() {
		_, info, err := Run(modelPath("mnist_cnn_float_uint8in_alankrantas"), imgs, n)
		if err != nil {
			b.Fatal(err)
		}
		inferMS += info.InferMS
		loadMS += info.LoadMS
	}
	b.ReportMetric(1000*inferMS/float64(n*b.N), "µs/image")
	b.ReportMetric(loadMS/float64(b.N), "ms/load")
}
