package quantize_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/mnistcnn/mnistcnn/convert"
	"github.com/mnistcnn/mnistcnn/internal/mnisttest"
	"github.com/mnistcnn/mnistcnn/interop/tfjs"
	"github.com/mnistcnn/mnistcnn/mnist"
	"github.com/mnistcnn/mnistcnn/model"
	"github.com/mnistcnn/mnistcnn/quantize"
	"github.com/mnistcnn/mnistcnn/tflite"
	"github.com/mnistcnn/mnistcnn/tflite/interp"
)

// TestRealModel measures the int8 model of a trained checkpoint against its
// float model on the MNIST test set, for each calibration method and both
// fully connected schemes. It is slow (minutes) and needs a checkpoint, so it
// runs only when $MNISTCNN_CKPT names one:
//
//	MNISTCNN_CKPT=mnist.ckpt go test ./quantize -run RealModel -v
//
// $MNISTCNN_TEST_IMAGES limits the number of test images (default all 10,000).
func TestRealModel(t *testing.T) {
	path := os.Getenv("MNISTCNN_CKPT")
	if path == "" {
		t.Skip("set MNISTCNN_CKPT to a trained checkpoint to measure int8 accuracy")
	}
	ck, err := model.LoadCheckpoint(path)
	if err != nil {
		t.Fatal(err)
	}
	float, err := convert.Float(ck, "mnistcnn")
	if err != nil {
		t.Fatal(err)
	}
	data := mnisttest.Data(t)
	test := data.Test
	if n := os.Getenv("MNISTCNN_TEST_IMAGES"); n != "" {
		var k int
		for _, c := range n {
			k = 10*k + int(c-'0')
		}
		test = test.Slice(0, min(k, test.N))
	}
	pixels := func(s mnist.Set, idx []int) [][]float32 {
		out := make([][]float32, len(idx))
		for i, j := range idx {
			out[i] = make([]float32, s.Rows*s.Cols)
			s.Float(j, out[i])
		}
		return out
	}
	calib := pixels(data.Train, quantize.PickCalibration(quantize.DefaultCalibration, 1, data.Train.N))

	fb, err := tflite.Encode(float)
	if err != nil {
		t.Fatal(err)
	}
	floatPred := predictFloat(t, float, test)
	t.Logf("float: %d bytes, accuracy %.2f%%", len(fb), accuracy(floatPred, test.Labels))

	cmpIdx := make([]int, min(200, test.N))
	for i := range cmpIdx {
		cmpIdx[i] = i
	}
	for _, opt := range []quantize.Options{
		{Method: quantize.MinMax, InputMax: 1},
		{Method: quantize.MinMax, InputMax: 1, PerChannelFC: true},
		{Method: quantize.Mean, InputMax: 1},
		{Method: quantize.Percentile, InputMax: 1},
		{Method: quantize.Percentile, Percentile: 99.999, InputMax: 1},
	} {
		q, err := quantize.Int8(float, calib, opt)
		if err != nil {
			t.Fatal(err)
		}
		qb, err := tflite.Encode(q)
		if err != nil {
			t.Fatal(err)
		}
		pred := predictInt8(t, q, test)
		disagree := 0
		for i := range pred {
			if pred[i] != floatPred[i] {
				disagree++
			}
		}
		t.Logf("int8 %s p=%v perChannelFC=%v: %d bytes, accuracy %.2f%%, %d of %d images disagree with float",
			opt.Method, opt.Percentile, opt.PerChannelFC, len(qb), accuracy(pred, test.Labels), disagree, test.N)
		if opt.Method == quantize.MinMax && !opt.PerChannelFC && tfjs.Available() == nil {
			tfPred := predictTFLite(t, qb, test)
			same := 0
			for i := range tfPred {
				if tfPred[i] == pred[i] {
					same++
				}
			}
			t.Logf("   TensorFlow Lite (tfjs) runs it: accuracy %.2f%%, same class as mnistcnn's interpreter on %d of %d",
				accuracy(tfPred, test.Labels), same, test.N)
		}
		layers, err := quantize.CompareLayers(float, q, pixels(test, cmpIdx))
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range layers {
			t.Logf("   op %d %-16s %-16s relL2 %.4f cosine %.6f maxabs %.4f", l.Op, l.Kind, l.Name, l.RelL2, l.Cosine, l.MaxAbs)
		}
	}
}

// The int8 file must be no larger than the reference project's weight-only
// quantized file, 186,848 bytes (FACTS.md). Its size does not depend on the
// weight values, so an all-zero checkpoint and made-up ranges measure it.
func TestInt8FileSize(t *testing.T) {
	ck := &model.Checkpoint{Arch: model.ArchName, Weights: model.NewCheckpointWeights(model.Reference())}
	// A description as long as the one `mnistcnn convert` writes, with a
	// Go pseudo-version.
	float, err := convert.Float(ck, "mnistcnn v0.0.0-20261128120000-0123456789ab: MNIST CNN")
	if err != nil {
		t.Fatal(err)
	}
	ranges := make([]quantize.Range, len(float.Subgraphs[0].Tensors))
	for i := range ranges {
		ranges[i] = quantize.Range{Min: -1, Max: 1, Valid: true}
	}
	fb, err := tflite.Encode(float)
	if err != nil {
		t.Fatal(err)
	}
	for _, perChannelFC := range []bool{false, true} {
		opt := quantize.DefaultOptions()
		opt.PerChannelFC = perChannelFC
		q, err := quantize.Apply(float, ranges, opt)
		if err != nil {
			t.Fatal(err)
		}
		qb, err := tflite.Encode(q)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("per-channel FC %v: float %d bytes, int8 %d bytes", perChannelFC, len(fb), len(qb))
		// 180,004 int8 weights + 324 int32 biases = 181,300 bytes of data.
		if len(qb) < 181300 {
			t.Errorf("int8 file %d bytes, smaller than its weights", len(qb))
		}
		if !perChannelFC && len(qb) > 186848 {
			t.Errorf("int8 file %d bytes, want ≤ 186,848", len(qb))
		}
	}
}

func accuracy(pred []int, labels []uint8) float64 {
	ok := 0
	for i, p := range pred {
		if p == int(labels[i]) {
			ok++
		}
	}
	return 100 * float64(ok) / float64(len(pred))
}

func predictFloat(t *testing.T, m *tflite.Model, s mnist.Set) []int {
	ip, err := interp.New(m)
	if err != nil {
		t.Fatal(err)
	}
	pred := make([]int, s.N)
	for i := range s.N {
		s.Float(i, ip.Input(0).Float32s())
		if err := ip.Invoke(); err != nil {
			t.Fatal(err)
		}
		pred[i] = model.Class(ip.Output(0).Float32s())
	}
	return pred
}

func predictInt8(t *testing.T, m *tflite.Model, s mnist.Set) []int {
	ip, err := interp.New(m)
	if err != nil {
		t.Fatal(err)
	}
	pred := make([]int, s.N)
	for i := range s.N {
		in := ip.Input(0).Int8s()
		for j, p := range s.Image(i) {
			in[j] = int8(int(p) - 128) // scale 1/255, zero point −128
		}
		if err := ip.Invoke(); err != nil {
			t.Fatal(err)
		}
		out := ip.Output(0).Int8s()
		f := make([]float32, len(out))
		for j, v := range out {
			f[j] = float32(v)
		}
		pred[i] = model.Class(f)
	}
	return pred
}

// predictTFLite runs the int8 model in TensorFlow Lite's own interpreter.
func predictTFLite(t *testing.T, file []byte, s mnist.Set) []int {
	path := filepath.Join(t.TempDir(), "int8.tflite")
	if err := os.WriteFile(path, file, 0o644); err != nil {
		t.Fatal(err)
	}
	in := make([]int8, len(s.Images))
	for i, p := range s.Images {
		in[i] = int8(int(p) - 128)
	}
	out, _, err := tfjs.RunInt8(path, in, s.N)
	if err != nil {
		t.Fatal(err)
	}
	pred := make([]int, s.N)
	for i := range pred {
		f := make([]float32, 10)
		for j := range f {
			f[j] = float32(out[10*i+j])
		}
		pred[i] = model.Class(f)
	}
	return pred
}
