package interp

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/mnistcnn/mnistcnn/internal/mnisttest"
	"github.com/mnistcnn/mnistcnn/mnist"
	"github.com/mnistcnn/mnistcnn/model"
	"github.com/mnistcnn/mnistcnn/tflite"
)

// loadModel decodes a model from the repository's testdata/models (see its
// README for sources and licences).
func loadModel(t testing.TB, name string) *tflite.Model {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "models", name))
	if err != nil {
		t.Fatal(err)
	}
	m, err := tflite.Decode(b)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return m
}

func TestHelloWorldFloat(t *testing.T) {
	it, err := New(loadModel(t, "hello_world_float.tflite"))
	if err != nil {
		t.Fatal(err)
	}
	// testdata/models/README.md: x = 1.5707963 (π/2) gives 0.995672166 in
	// TFLite Micro, tfjs-tflite and Arm NN (sin(π/2) = 1 is the target the
	// model was trained toward).
	it.Input(0).Float32s()[0] = 1.5707963
	if err := it.Invoke(); err != nil {
		t.Fatal(err)
	}
	// The float kernels sum in TFLite's reference order, so the result is
	// the same float32, which prints as 0.995672166 to nine places.
	got := it.Output(0).Float32s()[0]
	if s := fmt.Sprintf("%.9f", got); s != "0.995672166" || math.Abs(float64(got)-0.995672166) > 1e-6 {
		t.Errorf("hello_world_float(1.5707963) = %s, want 0.995672166", s)
	}
}

func TestReferenceModelsUnsupportedByName(t *testing.T) {
	tests := []struct {
		file string
		want []string
	}{
		{"mnist_lstm_float.tflite", []string{"(UNIDIRECTIONAL_SEQUENCE_LSTM): not supported"}},
	}
	for _, tc := range tests {
		_, err := New(loadModel(t, tc.file))
		if err == nil {
			t.Errorf("%s: no error", tc.file)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) || !strings.HasPrefix(err.Error(), "interp: operator ") {
				t.Errorf("%s: error %q, want one containing %q", tc.file, err, w)
			}
		}
	}
}

// countCorrect runs every image of set through clones of it, one per CPU,
// with fill writing image i into the input tensor, and counts the outputs
// whose argmax is the label.
func countCorrect(t *testing.T, it *Interpreter, set mnist.Set, fill func(in *Tensor, i int)) int {
	t.Helper()
	workers := runtime.GOMAXPROCS(0)
	var correct atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		c := it.Clone()
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < set.N; i += workers {
				fill(c.Input(0), i)
				if err := c.Invoke(); err != nil {
					t.Error(err)
					return
				}
				if model.Class(c.Output(0).Float32s()) == int(set.Labels[i]) {
					correct.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	return int(correct.Load())
}

func TestAlankrantasMNIST(t *testing.T) {
	if testing.Short() {
		t.Skip("runs 1000 images")
	}
	it, err := New(loadModel(t, "mnist_cnn_float_uint8in_alankrantas.tflite"))
	if err != nil {
		t.Fatal(err)
	}
	set := mnisttest.Test(t, 1000)
	got := countCorrect(t, it, set, func(in *Tensor, i int) { copy(in.UInt8s(), set.Image(i)) })
	// The project's reference results for this model: the real TFLite
	// interpreter (tfjs-tflite, WASM) classifies 989 of the first 1000 test
	// images correctly; TFLite Micro and Arm NN cannot run it (CAST).
	if got != 989 {
		t.Errorf("%d/1000 correct, want 989", got)
	}
}
