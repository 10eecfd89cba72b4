package tfjs

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/mnistcnn/mnistcnn/convert"
	"github.com/mnistcnn/mnistcnn/eval"
	"github.com/mnistcnn/mnistcnn/internal/mnisttest"
	"github.com/mnistcnn/mnistcnn/mnist"
	"github.com/mnistcnn/mnistcnn/model"
	"github.com/mnistcnn/mnistcnn/quantize"
	"github.com/mnistcnn/mnistcnn/tflite"
	"github.com/mnistcnn/mnistcnn/tflite/interp"
	"github.com/mnistcnn/mnistcnn/train"
)

// TestMnistcnnModelsAgreeWithTFLite is the interop test of the product: it
// trains briefly, exports the float and int8 models, and runs all 10,000
// test images through TensorFlow Lite's own interpreter and mnistcnn's.
// The float model must agree to 1e-5 on every output; the int8 model of
// this short run must stay within 1 LSB layer by layer and give the same
// class on every image but 1-LSB near-ties (see checkInt8), and the LSB
// differences are logged. TestTrainedInt8AgreesWithTFLite holds the fully
// trained model to the same class on every image, near-ties included.
func TestMnistcnnModelsAgreeWithTFLite(t *testing.T) {
	if testing.Short() {
		t.Skip("trains a model")
	}
	needHarness(t)
	data := mnisttest.Data(t)
	cfg := train.DefaultConfig()
	cfg.Epochs, cfg.Limit = 1, 3000
	ck, err := train.NewCheckpoint(cfg, train.MNIST)
	if err != nil {
		t.Fatal(err)
	}
	fit, val, err := train.Split(data.Train, ck)
	if err != nil {
		t.Fatal(err)
	}
	if err := train.Run(context.Background(), ck, fit, val, train.Hooks{}); err != nil {
		t.Fatal(err)
	}
	var calib [][]float32
	for _, i := range quantize.PickCalibration(200, 1, data.Train.N) {
		x := make([]float32, 784)
		data.Train.Float(i, x)
		calib = append(calib, x)
	}
	built, files, err := convert.Build(ck, calib, convert.Options{
		Kinds: []string{convert.KindFloat, convert.KindInt8}, Formats: []string{convert.FormatTFLite},
		Name: "mnist", Quantize: quantize.DefaultOptions(),
	})
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	if _, err := convert.WriteFiles(out, files); err != nil {
		t.Fatal(err)
	}
	test := data.Test
	for _, b := range built {
		path := filepath.Join(out, b.Name+".tflite")
		ours, raw := runBoth(t, path, b.Model, test)
		switch b.Kind {
		case convert.KindFloat:
			theirs := Float32s(raw)
			worst := 0.0
			for i, v := range theirs {
				worst = math.Max(worst, math.Abs(float64(v-ours.Scores[i])))
			}
			same := 0
			for i := 0; i < test.N; i++ {
				if model.Class(theirs[i*10:(i+1)*10]) == int(ours.Predictions[i]) {
					same++
				}
			}
			t.Logf("float: %d/%d same class, largest output difference %.3g, accuracy %.2f%%", same, test.N, worst, 100*ours.Accuracy())
			if same != test.N || worst > 1e-5 {
				t.Errorf("float model: TFLite and mnistcnn disagree: %d/%d same class, largest difference %g", same, test.N, worst)
			}
		case convert.KindInt8:
			checkInt8(t, b.Model, path, test, ours, Int8s(raw), true)
		}
	}

}

// runBoth runs the model m, stored at path, on every image of test in
// mnistcnn (through eval, as the eval command does) and in TensorFlow Lite,
// and returns mnistcnn's result and TensorFlow Lite's raw output bytes.
func runBoth(t *testing.T, path string, m *tflite.Model, test mnist.Set) (*eval.Result, []byte) {
	t.Helper()
	em, err := eval.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	ours, err := em.Run(test, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	raw, _, err := RunMNIST(path, test.Images, test.N, inputQuant(m))
	if err != nil {
		t.Fatal(err)
	}
	return ours, raw
}

// inputQuant is the quantization of m's input, zero for a float input.
func inputQuant(m *tflite.Model) Quant {
	sg := m.Subgraphs[0]
	in := sg.Tensors[sg.Inputs[0]].Quant
	if in == nil {
		return Quant{}
	}
	return Quant{in.Scale[0], int32(in.ZeroPoint[0])}
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// checkInt8 compares the int8 model in both runtimes. TensorFlow Lite (with
// XNNPACK) requantizes in float32 where TensorFlow Lite Micro's reference
// kernels, which mnistcnn follows, use fixed-point multipliers, and its int8
// softmax uses a lookup table; so outputs may differ by an LSB at ties. The
// test asserts, on every test image:
//   - each layer's output differs by at most 1 LSB (checked by cutting the
//     model after each operator, on the first 300 images);
//   - the predicted class (argmax of the int8 logits, the input of SOFTMAX)
//     is the same, unless nearTiesOK is set and the top two logits are within
//     1 LSB in either runtime: such near-ties are then counted and logged.
func checkInt8(t *testing.T, full *tflite.Model, path string, test mnist.Set, ours *eval.Result, softmax []int8, nearTiesOK bool) {
	sg := full.Subgraphs[0]
	q := inputQuant(full)
	last := len(sg.Operators) - 1
	for k := 0; k <= last; k++ {
		n := 300
		if k == last-1 {
			n = test.N // the logits: all images
		}
		theirs, mine := cutRun(t, full, k, test.Slice(0, n), q)
		per := len(mine) / n
		hist := map[int]int{}
		for j := range mine {
			hist[abs(int(mine[j])-int(theirs[j]))]++
		}
		op := full.Opcode(&sg.Operators[k]).String()
		t.Logf("int8 op %d %s: values by |TFLite − mnistcnn| in LSB over %d images: %v", k, op, n, hist)
		if k < last && len(hist) > 2 || hist[0] == 0 {
			t.Errorf("int8 op %d %s: outputs differ by more than 1 LSB", k, op)
		}
		if k != last-1 {
			continue
		}
		same, nearTies := 0, 0
		for i := 0; i < n; i++ {
			a, b := theirs[i*per:(i+1)*per], mine[i*per:(i+1)*per]
			if argmax8(a) == argmax8(b) {
				same++
			} else if nearTiesOK && (gap(a) <= 1 || gap(b) <= 1) {
				nearTies++
			} else {
				t.Errorf("int8 image %d: logits TFLite %v, mnistcnn %v", i, a, b)
			}
		}
		t.Logf("int8 logits: same class on %d of %d images; %d near-ties (top two within 1 LSB) differ", same, n, nearTies)
	}
	diff := map[int]int{}
	outQ := sg.Tensors[sg.Outputs[0]].Quant
	for i := range softmax {
		mine := int(math.Round(float64(ours.Scores[i])/float64(outQ.Scale[0]))) + int(outQ.ZeroPoint[0])
		diff[abs(mine-int(softmax[i]))]++
	}
	t.Logf("int8 softmax outputs by |TFLite − mnistcnn| in LSB (10,000 images): %v; accuracy %.2f%%", diff, 100*ours.Accuracy())
}

// cutRun runs the model cut after operator k in TFLite and in mnistcnn.
func cutRun(t *testing.T, full *tflite.Model, k int, set mnist.Set, q Quant) (theirs, mine []int8) {
	t.Helper()
	m := *full
	sg := full.Subgraphs[0]
	sg.Operators = sg.Operators[:k+1]
	sg.Outputs = []int32{sg.Operators[k].Outputs[0]}
	m.Subgraphs = []tflite.Subgraph{sg}
	b, err := tflite.Encode(&m)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "cut.tflite")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	raw, _, err := RunMNIST(p, set.Images, set.N, q)
	if err != nil {
		t.Fatal(err)
	}
	it, err := interp.New(&m)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < set.N; i++ {
		x := it.Input(0).Int8s()
		for j, p := range set.Image(i) {
			x[j] = int8(int(p) - 128) // the input's scale is 1/255, zero point −128
		}
		if err := it.Invoke(); err != nil {
			t.Fatal(err)
		}
		mine = append(mine, it.Output(0).Int8s()...)
	}
	return Int8s(raw), mine
}

func argmax8(v []int8) int {
	best := 0
	for i, x := range v {
		if x > v[best] {
			best = i
		}
	}
	return best
}

// gap is the difference between the largest and second largest value.
func gap(v []int8) int {
	b := argmax8(v)
	second := -1 << 10
	for i, x := range v {
		if i != b && int(x) > second {
			second = int(x)
		}
	}
	return int(v[b]) - second
}

// TestTrainedInt8AgreesWithTFLite runs the int8 model of the README's
// default run (testdata/models/mnistcnn_int8.tflite: 4 epochs, seed 1,
// 99.12 % in mnistcnn) on all 10,000 test images in TensorFlow Lite and in
// mnistcnn. On the product itself no near-tie is excused: both runtimes
// must pick the same class on every image, from the logits and from the
// int8 softmax output a device reads.
func TestTrainedInt8AgreesWithTFLite(t *testing.T) {
	needHarness(t)
	const path = "../../testdata/models/mnistcnn_int8.tflite"
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	full, err := tflite.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	test := mnisttest.Data(t).Test
	ours, raw := runBoth(t, path, full, test)
	softmax := Int8s(raw)
	same := 0
	for i := 0; i < test.N; i++ {
		if argmax8(softmax[i*10:(i+1)*10]) == int(ours.Predictions[i]) {
			same++
		}
	}
	t.Logf("softmax output: same class on %d of %d images", same, test.N)
	if same != test.N {
		t.Errorf("softmax output: TFLite and mnistcnn pick the same class on %d of %d images", same, test.N)
	}
	checkInt8(t, full, path, test, ours, softmax, false)
}
