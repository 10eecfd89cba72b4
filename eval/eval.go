// Package eval runs models on a test set of small grey images (MNIST, or
// any set package mnist reads) and reports what a deployer needs:
// accuracy, per-class accuracy and confusion, size, tensor-arena bytes, ops,
// MACs and host latency, and how far an int8 model strays from its float
// original. Image size and classes follow the data and the model: a
// model's input must hold one image of the set's size, its output scores
// N ≥ the set's Classes() classes, and per-class accuracy and confusion
// are over those N.
//
// Model runs one .tflite model; Run (report.go) makes the whole report of
// `mnistcnn eval`: it runs every model and the checkpoint, compares them,
// and checks the gates (gates.go), printing nothing.
package eval

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sort"
	"sync"
	"time"

	"github.com/mnistcnn/mnistcnn/mnist"
	"github.com/mnistcnn/mnistcnn/model"
	"github.com/mnistcnn/mnistcnn/tflite"
	"github.com/mnistcnn/mnistcnn/tflite/interp"
)

// Model is a .tflite model ready to run on images.
type Model struct {
	Path  string
	Size  int64
	TF    *tflite.Model
	it    *interp.Interpreter
	enc   encoder
	dec   decoder
	input *interp.Tensor
}

// Load reads, checks and prepares a .tflite model: its input must hold one
// image ([1,H,W,C], [1,H,W] or a flat [1,N]; float32, int8 or uint8) and
// its output one row of class scores, at most MaxClasses. Which images it
// takes is checked when it runs (Run, Predict).
// The file is read by tflite.ReadFile (a regular file of at most
// tflite.MaxFileBytes), and a model recording a digest (tflite.DigestName,
// as mnistcnn writes them) must match it. Errors name the file once.
func Load(path string) (*Model, error) {
	b, err := tflite.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("eval: %w", err)
	}
	m, err := FromBytes(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	m.Path = path
	return m, nil
}

// FromBytes is Load for a model already in memory.
func FromBytes(b []byte) (*Model, error) {
	tm, err := tflite.Decode(b)
	if err != nil {
		return nil, err
	}
	if _, err := tflite.VerifyDigest(b, tm); err != nil {
		return nil, err
	}
	it, err := interp.New(tm)
	if err != nil {
		return nil, err
	}
	if len(it.Inputs()) != 1 || len(it.Outputs()) != 1 {
		return nil, fmt.Errorf("eval: model has %d inputs and %d outputs, want 1 and 1", len(it.Inputs()), len(it.Outputs()))
	}
	in, out := it.Input(0), it.Output(0)
	enc, err := newEncoder(in)
	if err != nil {
		return nil, err
	}
	dec, err := newDecoder(out)
	if err != nil {
		return nil, err
	}
	return &Model{Size: int64(len(b)), TF: tm, it: it, enc: enc, dec: dec, input: in}, nil
}

// ArenaBytes is the interpreter's planned activation arena in bytes.
func (m *Model) ArenaBytes() int { return m.it.ArenaBytes() }

// Classes is the number of classes the model scores: its output's size.
func (m *Model) Classes() int { return m.dec.classes }

// Pixels is the number of grey pixels of the image the model takes:
// H·W of an [1,H,W,C] input, each pixel fed to the C channels.
func (m *Model) Pixels() int { return m.enc.pixels() }

// checkSet says why the model cannot run on set, if it cannot: images of
// another size, or labels beyond the classes it scores.
func (m *Model) checkSet(set mnist.Set) error {
	if !m.enc.fits(set.Rows, set.Cols) {
		return fmt.Errorf("eval: the images are %d×%d, the model's input %v takes %s", set.Rows, set.Cols, m.input.Shape, m.enc.size())
	}
	return checkClasses(set, m.dec.classes, "the model scores")
}

// checkClasses fails when the labels of set go beyond the classes a model
// scores.
func checkClasses(set mnist.Set, classes int, what string) error {
	if k := set.Classes(); k > classes {
		return fmt.Errorf("eval: the data has %d classes (labels up to %d), %s %d", k, k-1, what, classes)
	}
	return nil
}

// Result is what running a model over a set of images gives.
type Result struct {
	Correct, Total int
	Classes        int       // scores per image: the model's output size
	Predictions    []uint8   // argmax for each image
	Scores         []float32 // Total×Classes outputs, dequantized for quantized models
	LatencyUS      float64   // mean time of one inference on one core, µs
}

// Accuracy is Correct/Total, 0 for no images.
func (r *Result) Accuracy() float64 {
	if r.Total == 0 {
		return 0
	}
	return float64(r.Correct) / float64(r.Total)
}

// Run evaluates the model on every image of set with workers goroutines (0:
// one per core), each with its own interpreter. The images must be the
// size of the model's input and the labels below its Classes(). progress,
// if not nil, is called with the number of images done so far; calls come
// from the worker goroutines but never at the same time, so progress needs
// no lock of its own.
func (m *Model) Run(set mnist.Set, workers int, progress func(done int)) (*Result, error) {
	return m.RunContext(context.Background(), set, workers, progress)
}

// RunContext is Run that stops, returning ctx.Err(), when ctx is done: the
// images being run then are finished, no more are started.
func (m *Model) RunContext(ctx context.Context, set mnist.Set, workers int, progress func(done int)) (*Result, error) {
	if err := m.checkSet(set); err != nil {
		return nil, err
	}
	classes := m.dec.classes
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	if workers > set.N {
		workers = max(set.N, 1)
	}
	r := &Result{Total: set.N, Classes: classes, Predictions: make([]uint8, set.N), Scores: make([]float32, set.N*classes)}
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		done     int
		firstErr error
		busy     time.Duration
	)
	const chunk = 64
	next := make(chan int)
	go func() {
		defer close(next)
		for i := 0; i < set.N; i += chunk {
			select {
			case next <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	for w := 0; w < workers; w++ {
		it := m.it
		if w > 0 {
			it = m.it.Clone()
		}
		wg.Add(1)
		go func(it *interp.Interpreter) {
			defer wg.Done()
			in, out := it.Input(0), it.Output(0)
			var spent time.Duration
			for start := range next {
				end := min(start+chunk, set.N)
				t0 := time.Now()
				for i := start; i < end; i++ {
					m.enc.encode(in, set.Image(i))
					if err := it.Invoke(); err != nil {
						mu.Lock()
						if firstErr == nil {
							firstErr = fmt.Errorf("eval: image %d: %w", i, err)
						}
						mu.Unlock()
						continue
					}
					m.dec.decode(r.Scores[i*classes:(i+1)*classes], out)
				}
				spent += time.Since(t0)
				if progress != nil {
					mu.Lock()
					done += end - start
					progress(done)
					mu.Unlock()
				}
			}
			mu.Lock()
			busy += spent
			mu.Unlock()
		}(it)
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if firstErr != nil {
		return nil, firstErr
	}
	for i := 0; i < set.N; i++ {
		p := model.Class(r.Scores[i*classes : (i+1)*classes])
		r.Predictions[i] = uint8(p)
		if int(set.Labels[i]) == p {
			r.Correct++
		}
	}
	if set.N > 0 {
		r.LatencyUS = float64(busy.Microseconds()) / float64(set.N)
	}
	return r, nil
}

// ScoresResult builds a Result from scores computed elsewhere (e.g. by the
// training framework), classes of them for each label, so every model is
// reported the same way.
func ScoresResult(scores []float32, labels []uint8, classes int, latency time.Duration) (*Result, error) {
	if classes < 1 || classes > MaxClasses {
		return nil, fmt.Errorf("eval: %d classes: want 1 to %d", classes, MaxClasses)
	}
	if len(scores) != len(labels)*classes {
		return nil, errors.New("eval: scores and labels disagree in count")
	}
	r := &Result{Total: len(labels), Classes: classes, Predictions: make([]uint8, len(labels)), Scores: scores}
	for i := range labels {
		p := model.Class(scores[i*classes : (i+1)*classes])
		r.Predictions[i] = uint8(p)
		if labels[i] == uint8(p) {
			r.Correct++
		}
	}
	if len(labels) > 0 {
		r.LatencyUS = float64(latency.Microseconds()) / float64(len(labels))
	}
	return r, nil
}

// Ops lists the distinct builtin operators of the model's first subgraph in
// name order: what a TensorFlow Lite Micro op resolver must register.
func Ops(m *tflite.Model) []string {
	seen := map[string]bool{}
	var ops []string
	if len(m.Subgraphs) == 0 {
		return nil
	}
	for i := range m.Subgraphs[0].Operators {
		name := m.Opcode(&m.Subgraphs[0].Operators[i]).String()
		if !seen[name] {
			seen[name] = true
			ops = append(ops, name)
		}
	}
	sort.Strings(ops)
	return ops
}

// Predict runs the model on one image of the size of its input (0
// background, 255 ink), row-major: Pixels() grey values, each fed to
// every channel, or all the input's H·W·C values. It returns the model's
// Classes() scores (probabilities for a softmax model).
func (m *Model) Predict(pixels []uint8) ([]float32, error) {
	if len(pixels) != m.enc.values && len(pixels) != m.enc.pixels() {
		want := fmt.Sprint(m.enc.values)
		if m.enc.c > 1 {
			want = fmt.Sprintf("%d (or %d with the channels)", m.enc.pixels(), m.enc.values)
		}
		return nil, fmt.Errorf("eval: image has %d pixels, the model's input %v takes %s", len(pixels), m.input.Shape, want)
	}
	m.enc.encode(m.input, pixels)
	if err := m.it.Invoke(); err != nil {
		return nil, fmt.Errorf("eval: %w", err)
	}
	scores := make([]float32, m.dec.classes)
	m.dec.decode(scores, m.it.Output(0))
	return scores, nil
}
