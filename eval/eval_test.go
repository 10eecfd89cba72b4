package eval

import (
	"math"
	"testing"

	"github.com/mnistcnn/mnistcnn/internal/mnisttest"
)

// TestRunParallel runs a trained model made by TensorFlow's converter (the
// AutoKeras CNN, uint8 pixels in) with one and with two goroutines: the
// results must be identical, and about as accurate as TFLite makes it
// (989 of the first 1000 test images, testdata/models/README.md; 300 here
// keep the race detector's run short).
func TestRunParallel(t *testing.T) {
	m, err := Load("../testdata/models/mnist_cnn_float_uint8in_alankrantas.tflite")
	if err != nil {
		t.Fatal(err)
	}
	set := mnisttest.Test(t, 300)
	one, err := m.Run(set, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	done := 0
	two, err := m.Run(set, 2, func(n int) { done = max(done, n) })
	if err != nil {
		t.Fatal(err)
	}
	if done != set.N {
		t.Errorf("progress reached %d, want %d", done, set.N)
	}
	for i := range one.Scores {
		if one.Scores[i] != two.Scores[i] {
			t.Fatalf("score %d: one goroutine %v, two %v", i, one.Scores[i], two.Scores[i])
		}
	}
	if one.Correct != two.Correct || one.Total != 300 {
		t.Fatalf("correct %d and %d of %d", one.Correct, two.Correct, one.Total)
	}
	t.Logf("%d/%d correct", one.Correct, one.Total)
	if one.Correct < 290 {
		t.Errorf("only %d/300 correct", one.Correct)
	}
}

func TestConfusionByHand(t *testing.T) {
	// Five images: two 3s (one read as 8), a 0, and two 8s (one read as 3).
	labels := []uint8{3, 3, 0, 8, 8}
	preds := []uint8{3, 8, 0, 8, 3}
	c := Confusion(labels, preds, 10)
	want := map[[2]int]int{{3, 3}: 1, {3, 8}: 1, {0, 0}: 1, {8, 8}: 1, {8, 3}: 1}
	for i := range c {
		for j := range c[i] {
			if c[i][j] != want[[2]int{i, j}] {
				t.Fatalf("confusion[%d][%d] = %d, want %d", i, j, c[i][j], want[[2]int{i, j}])
			}
		}
	}
	pc := PerClass(c)
	// 0: 1 of 1; 3: 1 of 2; 8: 1 of 2; digits without images: NaN.
	if pc[0] != 1 || pc[3] != 0.5 || pc[8] != 0.5 || !math.IsNaN(pc[1]) {
		t.Fatalf("per-class %v", pc)
	}
}

func TestCompareCountsDisagreements(t *testing.T) {
	a := &Result{Total: 2, Predictions: []uint8{1, 2}, Scores: make([]float32, 20)}
	b := &Result{Total: 2, Predictions: []uint8{1, 3}, Scores: make([]float32, 20)}
	a.Scores[1], b.Scores[1] = 1, 1
	ag, err := Compare(a, b)
	if err != nil {
		t.Fatal(err)
	}
	if ag.Same != 1 || ag.Rate != 0.5 || len(ag.Disagree) != 1 || ag.Disagree[0] != 1 {
		t.Fatalf("%+v", ag)
	}
}

// TestTrainedInt8 runs the int8 model of the README's default run
// (testdata/models/mnistcnn_int8.tflite) on the whole test set: 9,912 of
// 10,000, the figure of that run's eval table.
func TestTrainedInt8(t *testing.T) {
	if testing.Short() {
		t.Skip("10,000 images")
	}
	m, err := Load("../testdata/models/mnistcnn_int8.tflite")
	if err != nil {
		t.Fatal(err)
	}
	r, err := m.Run(mnisttest.Test(t, 10000), 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.Correct != 9912 || r.Total != 10000 {
		t.Errorf("%d/%d correct, want 9912/10000", r.Correct, r.Total)
	}
}
