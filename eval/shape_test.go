package eval

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/mnistcnn/mnistcnn/convert"
	"github.com/mnistcnn/mnistcnn/mnist"
	"github.com/mnistcnn/mnistcnn/model"
	"github.com/mnistcnn/mnistcnn/quantize"
	"github.com/mnistcnn/mnistcnn/tflite"
)

// randomSet is n random h×w images with labels below classes, the last
// class given to the first image.
func randomSet(n, h, w, classes int) mnist.Set {
	r := rand.New(rand.NewPCG(3, 4))
	s := mnist.Set{Images: make([]uint8, n*h*w), Labels: make([]uint8, n), N: n, Rows: h, Cols: w}
	for i := range s.Images {
		s.Images[i] = uint8(r.UintN(256))
	}
	for i := range s.Labels {
		s.Labels[i] = uint8(r.UintN(uint(classes)))
	}
	s.Labels[0] = uint8(classes - 1)
	return s
}

// A model of another image size and number of classes: TFLite Micro's
// person detector, 96×96 grey images in, two classes out. The images must
// be its size, the labels below its classes; confusion and per-class
// accuracy are over its two classes.
func TestRunOtherShapes(t *testing.T) {
	m, err := Load("../testdata/models/person_detect.tflite")
	if err != nil {
		t.Fatal(err)
	}
	if m.Classes() != 2 || m.Pixels() != 96*96 {
		t.Fatalf("classes %d, pixels %d", m.Classes(), m.Pixels())
	}
	set := randomSet(4, 96, 96, 2)
	r, err := m.Run(set, 2, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.Classes != 2 || len(r.Scores) != 8 || r.Total != 4 {
		t.Fatalf("classes %d, %d scores, %d images", r.Classes, len(r.Scores), r.Total)
	}
	p, err := m.Predict(set.Image(3))
	if err != nil || !reflect.DeepEqual(p, r.Scores[6:8]) {
		t.Errorf("Predict %v, %v; Run %v", p, err, r.Scores[6:8])
	}
	rep, err := Run(context.Background(), Options{Models: []string{"../testdata/models/person_detect.tflite"}, Set: &set})
	if err != nil || rep.Failed() != 0 {
		t.Fatalf("%v, %+v", err, rep)
	}
	if mr := rep.Models[0]; len(mr.Confusion) != 2 || len(mr.Confusion[0]) != 2 || len(mr.PerClass) != 2 {
		t.Errorf("confusion %v, per class %v", mr.Confusion, mr.PerClass)
	}

	for _, c := range []struct {
		set  mnist.Set
		want string
	}{
		{randomSet(2, 28, 28, 2), "eval: the images are 28×28, the model's input [1 96 96 1] takes 96×96"},
		{randomSet(2, 96, 96, 3), "eval: the data has 3 classes (labels up to 2), the model scores 2"},
	} {
		if _, err := m.Run(c.set, 1, nil); err == nil || err.Error() != c.want {
			t.Errorf("got %v, want %q", err, c.want)
		}
	}
	if _, err := m.Predict(make([]uint8, 28*28)); err == nil || !strings.Contains(err.Error(), "image has 784 pixels, the model's input [1 96 96 1] takes 9216") {
		t.Errorf("Predict of 28×28: %v", err)
	}
}

// A model of three channels takes a grey image with each pixel in the
// three channels (Predict and Run), or the three channels given.
func TestRunChannels(t *testing.T) {
	a, err := model.Build("input:5x4x3,conv:2:3,flatten,dense", 5, 4, 3, 3)
	if err != nil {
		t.Fatal(err)
	}
	ck := &model.Checkpoint{Arch: a.CheckpointName(), Batch: 1, Epochs: 1, Weights: model.NewCheckpointWeights(a), TestAccuracy: -1}
	r := rand.New(rand.NewPCG(5, 6))
	for _, w := range ck.Weights {
		for i := range w.Data {
			w.Data[i] = float32(r.NormFloat64())
		}
	}
	tm, err := convert.Float(ck, "test")
	if err != nil {
		t.Fatal(err)
	}
	b, err := tflite.Encode(tm)
	if err != nil {
		t.Fatal(err)
	}
	m, err := FromBytes(b)
	if err != nil {
		t.Fatal(err)
	}
	if m.Pixels() != 20 || m.Classes() != 3 {
		t.Fatalf("pixels %d, classes %d", m.Pixels(), m.Classes())
	}
	set := randomSet(3, 5, 4, 3)
	res, err := m.Run(set, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < set.N; i++ {
		grey := set.Image(i)
		rgb := make([]uint8, 0, 3*len(grey))
		for _, p := range grey {
			rgb = append(rgb, p, p, p)
		}
		a, err1 := m.Predict(grey)
		b, err2 := m.Predict(rgb)
		if err1 != nil || err2 != nil || !reflect.DeepEqual(a, b) || !reflect.DeepEqual(a, res.Scores[3*i:3*i+3]) {
			t.Errorf("image %d: grey %v %v, channels %v %v, Run %v", i, a, err1, b, err2, res.Scores[3*i:3*i+3])
		}
		rgb[1] = 255 - rgb[1] // one channel of one pixel changed: other scores
		if c, _ := m.Predict(rgb); reflect.DeepEqual(a, c) {
			t.Errorf("image %d: the second channel is not read", i)
		}
	}
	// The layer comparison feeds both models the grey values in every
	// channel.
	calib := make([][]float32, set.N)
	for i := range calib {
		for _, p := range set.Image(i) {
			v := float32(p) / 255
			calib[i] = append(calib[i], v, v, v)
		}
	}
	q, err := quantize.Int8(tm, calib, quantize.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	qb, err := tflite.Encode(q)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	fp, qp := filepath.Join(dir, "f.tflite"), filepath.Join(dir, "q.tflite")
	if err := os.WriteFile(fp, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(qp, qb, 0o644); err != nil {
		t.Fatal(err)
	}
	rep, err := Run(context.Background(), Options{Models: []string{fp, qp}, Set: &set, Layers: true})
	if err != nil || rep.Failed() != 0 || len(rep.Layers) != len(q.Subgraphs[0].Operators) {
		t.Fatalf("%v, %+v", err, rep)
	}
	if l := rep.Layers[len(rep.Layers)-1]; !(l.Cosine > 0.9) {
		t.Errorf("the int8 model's output strays from the float one's: %+v", l)
	}

	if _, err := m.Predict(make([]uint8, 21)); err == nil || !strings.Contains(err.Error(), "takes 20 (or 60 with the channels)") {
		t.Errorf("Predict of 21 pixels: %v", err)
	}
	if _, err := m.Run(randomSet(1, 4, 5, 2), 1, nil); err == nil || !strings.Contains(err.Error(), "the images are 4×5, the model's input [1 5 4 3] takes 5×4×3") {
		t.Errorf("4×5 images: %v", err)
	}
}

func TestConfusionClasses(t *testing.T) {
	// Labels and predictions of 3 classes; 7 is beyond them and not counted.
	c := Confusion([]uint8{0, 2, 2, 1, 7}, []uint8{0, 2, 1, 1, 0}, 3)
	if want := [][]int{{1, 0, 0}, {0, 1, 0}, {0, 1, 1}}; !reflect.DeepEqual(c, want) {
		t.Errorf("confusion %v, want %v", c, want)
	}
	if pc := PerClass(c); !reflect.DeepEqual(pc, []float64{1, 1, 0.5}) {
		t.Errorf("per class %v", pc)
	}
	if _, err := ScoresResult(make([]float32, 6), []uint8{0, 1}, 3, 0); err != nil {
		t.Error(err)
	}
	if _, err := ScoresResult(make([]float32, 6), []uint8{0, 1}, 2, 0); err == nil {
		t.Error("6 scores for 2 labels of 2 classes: no error")
	}
}

// The checkpoint, too, must take the images' size and score their classes.
func TestRunCheckpointOtherData(t *testing.T) {
	ck := writeCheckpoint(t) // the reference architecture: 28×28×1, 10 classes
	for _, c := range []struct {
		set  mnist.Set
		want string
	}{
		{randomSet(2, 14, 14, 10), ": eval: the images are 14×14, the checkpoint's architecture takes 28×28×1"},
		{randomSet(2, 28, 28, 11), ": eval: the data has 11 classes (labels up to 10), the checkpoint's architecture scores 10"},
	} {
		rep, err := Run(context.Background(), Options{Checkpoint: ck, Gorgonia: sevens, Set: &c.set})
		if err != nil || rep.Failed() != 1 || rep.Models[0].Error != ck+c.want {
			t.Errorf("%v: %q, want %q", err, rep.Models[0].Error, ck+c.want)
		}
	}
}
