package eval

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/mnistcnn/mnistcnn/mnist"
	"github.com/mnistcnn/mnistcnn/model"
	"github.com/mnistcnn/mnistcnn/quantize"
)

// This file makes the report of `mnistcnn eval`: Run evaluates the models,
// compares them with a reference, compares an int8 model with its float
// one layer by layer and checks the gates. It prints nothing; rendering
// the Report (text, JSON, plots) is the caller's.

// DefaultModels are the files Run evaluates in Options.Dir when
// Options.Models is empty: what `mnistcnn convert` writes.
var DefaultModels = []string{"mnist_float.tflite", "mnist_int8.tflite"}

// LayerImages is how many test images the layer-by-layer comparison runs
// (fewer if the set has fewer): enough for stable figures, few enough to
// take a second.
const LayerImages = 200

// CheckpointModel is the name, and CheckpointType the type, of the
// checkpoint's column in a Report.
const (
	CheckpointModel = "gorgonia"
	CheckpointType  = "float32 (Gorgonia)"
)

var (
	// ErrNoModels is returned (wrapped, with the folder) when there is
	// nothing to evaluate.
	ErrNoModels = errors.New("no models to evaluate")
	// ErrNoLayerPair is returned when Options.Layers is set but no float32
	// and int8 .tflite models both ran.
	ErrNoLayerPair = errors.New("eval: the layer comparison needs a float32 and an int8 model")
)

// Options say what Run evaluates. The zero value of every field but the
// models is a sensible default; Gates' zero value sets no bar.
type Options struct {
	// Models are the .tflite files to run, in the order of the report.
	// Empty: those of DefaultModels that exist in Dir.
	Models []string
	Dir    string

	// Checkpoint, if not "", is run through Gorgonia and reported after
	// the .tflite models as the model CheckpointModel, its parameters and
	// MACs those of its architecture (Checkpoint.Architecture). With
	// CheckpointIfExists a missing file is skipped instead of reported as
	// failing.
	Checkpoint         string
	CheckpointIfExists bool
	// Gorgonia computes the outputs of the checkpoint's network for every
	// image of set: N rows of the architecture's Classes() probabilities. Package eval takes it
	// as a function so that programs which only run .tflite models (it is
	// imported by examples/go, predict, inspect) do not link the training
	// framework: mnistcnn passes train.Predict. Required with Checkpoint.
	Gorgonia func(ck *model.Checkpoint, set mnist.Set) ([]float32, error)

	// Data is the folder of the IDX files, MNIST's or another set's
	// (mnist.Locate: "" for $MNISTCNN_DATA, then the GoMNIST module); only
	// the test files are read. Set, if not nil, gives the images instead, Data only being
	// reported. Limit > 0 keeps the first Limit images.
	Data  string
	Set   *mnist.Set
	Limit int

	// Workers is the goroutines per .tflite model (0: one per core).
	Workers int

	// ShowErrors lists in the report the images each model gets wrong and
	// those each comparison disagrees on.
	ShowErrors bool
	// Layers compares the first int8 model with the first float32 one,
	// operator by operator, on LayerImages images (ErrNoLayerPair if there
	// are not both).
	Layers bool

	Gates Gates

	// Progress, if not nil, is told what Run is doing.
	Progress Progress
}

// Progress is told what Run does, for a person watching. Run calls it from
// its own goroutine, but Images, which the workers of Model.Run call, one
// at a time.
type Progress interface {
	// Status is a line for a person: a model that could not be evaluated
	// (its error, which names the file), the checkpoint starting.
	Status(msg string)
	// Begin is called before a model runs over n images, Images with the
	// images done so far, and End when it stops, done or failed.
	Begin(model string, n int)
	Images(done int)
	End()
}

type noProgress struct{}

func (noProgress) Status(string)     {}
func (noProgress) Begin(string, int) {}
func (noProgress) Images(int)        {}
func (noProgress) End()              {}

// Report is what Run found. Its JSON form is `mnistcnn eval --json`, a
// contract documented in the README.
type Report struct {
	Data        string         `json:"data"`
	Images      int            `json:"images"`
	Models      []*ModelReport `json:"models"`
	Comparisons []Comparison   `json:"comparisons"`
	Layers      []LayerReport  `json:"layers,omitempty"`
	// GateFailure is the reasons of GateFailures joined by "; ", "" when
	// every bar is met.
	GateFailure  string        `json:"gate_failure,omitempty"`
	GateFailures []GateFailure `json:"-"`

	// Test is the images the models ran on.
	Test mnist.Set `json:"-"`
}

// Failed is the number of models that could not be evaluated.
func (r *Report) Failed() int {
	n := 0
	for _, m := range r.Models {
		if m.Error != "" {
			n++
		}
	}
	return n
}

// ModelReport is one model's column of the report.
type ModelReport struct {
	Name string `json:"name"` // the file's base name without extension, made unique with #2, #3…
	Path string `json:"path"`
	Type string `json:"type"` // TypeOf, or CheckpointType
	// Arch is the checkpoint's architecture as a spec ("" for a .tflite
	// model, which records none).
	Arch       string  `json:"arch,omitempty"`
	Accuracy   float64 `json:"accuracy"`
	Correct    int     `json:"correct"`
	Total      int     `json:"total"`
	SizeBytes  int64   `json:"size_bytes"`
	Params     int64   `json:"params"` // StatsOf the file; for the checkpoint, of its architecture
	MACs       int64   `json:"macs"`
	ArenaBytes int     `json:"arena_bytes"` // see arenaBytes; 0 for the checkpoint
	// ActivationBytes is the interpreter's plan of the activations alone,
	// the part of ArenaBytes a TFLM build cannot shrink.
	ActivationBytes int      `json:"activation_bytes"`
	Ops             []string `json:"ops"`
	LatencyUS       float64  `json:"latency_us"`
	// PerClass and Confusion are over the classes the model scores
	// (Result.Classes, its output's size): PerClass is NaN (null) for a
	// class without images, Confusion[true][predicted].
	PerClass  []Finite     `json:"per_class_accuracy,omitempty"`
	Confusion [][]int      `json:"confusion,omitempty"`
	Errors    []ImageError `json:"errors,omitempty"` // with ShowErrors
	Error     string       `json:"error,omitempty"`  // why the model could not be evaluated
	Result    *Result      `json:"-"`                // nil unless the model ran
	model     *Model       // nil for the checkpoint and for a file that did not load
}

// IsTFLite reports whether the column is a .tflite model that loaded (and
// so has an arena and ops), not the checkpoint.
func (m *ModelReport) IsTFLite() bool { return m.model != nil }

// ImageError is a test image a model got wrong.
type ImageError struct {
	Index      int `json:"index"`
	Label      int `json:"label"`
	Prediction int `json:"prediction"`
}

// Comparison is a model measured against the reference model: the first
// float32 .tflite model that ran, else the first model that ran.
type Comparison struct {
	Reference      string  `json:"reference"`
	Model          string  `json:"model"`
	Agreement      float64 `json:"agreement"`
	Disagreements  int     `json:"disagreements"`
	RelL2          Finite  `json:"rel_l2"`
	Cosine         Finite  `json:"cosine"`
	MaxAbs         Finite  `json:"max_abs"`
	AccuracyDropPP float64 `json:"accuracy_drop_pp"` // reference minus model, percentage points
	Disagree       []int   `json:"disagree,omitempty"`
}

// LayerReport is one operator of the int8 model against the float model,
// the int8 output dequantized.
type LayerReport struct {
	Op     int    `json:"op"`
	Kind   string `json:"kind"`
	Tensor string `json:"tensor"`
	RelL2  Finite `json:"rel_l2"`
	Cosine Finite `json:"cosine"`
	MaxAbs Finite `json:"max_abs"`
}

// Finite is a float64 that JSON writes as null when it is not a finite
// number, since JSON has none: e.g. the relative error of a model against
// a reference whose outputs are all zero, or the accuracy of a class with
// no image.
type Finite float64

// MarshalJSON writes f, or null for NaN and infinities.
func (f Finite) MarshalJSON() ([]byte, error) {
	if math.IsNaN(float64(f)) || math.IsInf(float64(f), 0) {
		return []byte("null"), nil
	}
	return json.Marshal(float64(f))
}

// Run evaluates the models of opts on the test images and returns the
// report. Each model must take the images' size and score at least the
// data's classes (else it is reported with that error). A model that cannot be read or run is reported with its error
// (ModelReport.Error, Report.Failed) and the others are still evaluated;
// an unmet bar is in Report.GateFailures. Run's error is for what stops it
// all: nothing to evaluate (ErrNoModels), the data, the layer comparison
// (ErrNoLayerPair), ctx done.
func Run(ctx context.Context, opts Options) (*Report, error) {
	prog := opts.Progress
	if prog == nil {
		prog = noProgress{}
	}
	paths, ckPath, err := targets(opts)
	if err != nil {
		return nil, err
	}
	if ckPath != "" && opts.Gorgonia == nil {
		return nil, errors.New("eval: Options.Checkpoint without Options.Gorgonia")
	}
	test, dir, err := testSet(opts)
	if err != nil {
		return nil, err
	}
	rep := &Report{Data: dir, Images: test.N, Test: test}
	for _, p := range paths {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		mr := runTFLite(ctx, p, test, opts.Workers, prog)
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if mr.Error != "" {
			prog.Status(mr.Error) // it names the file
		}
		rep.Models = append(rep.Models, mr)
	}
	if ckPath != "" {
		mr := runCheckpoint(ckPath, test, opts.Gorgonia, prog)
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if mr.Error != "" {
			prog.Status(mr.Error) // it names the file
		}
		rep.Models = append(rep.Models, mr)
	}
	uniqueNames(rep.Models)
	for _, mr := range rep.Models {
		if mr.Result != nil {
			fillDetails(mr, test, opts.ShowErrors)
		}
	}
	rep.Comparisons = compareAll(rep.Models, opts.ShowErrors)
	if opts.Layers {
		if rep.Layers, err = layerComparison(rep.Models, test); err != nil {
			return nil, err
		}
	}
	rep.GateFailures = opts.Gates.check(rep)
	reasons := make([]string, len(rep.GateFailures))
	for i, f := range rep.GateFailures {
		reasons[i] = f.Reason
	}
	rep.GateFailure = strings.Join(reasons, "; ")
	return rep, nil
}

// targets resolves which models and which checkpoint to evaluate.
func targets(opts Options) (paths []string, ck string, err error) {
	paths = opts.Models
	if len(paths) == 0 {
		for _, name := range DefaultModels {
			p := filepath.Join(opts.Dir, name)
			if _, err := os.Stat(p); err == nil {
				paths = append(paths, p)
			}
		}
	}
	if ck = opts.Checkpoint; ck != "" && opts.CheckpointIfExists {
		if _, err := os.Stat(ck); err != nil {
			ck = ""
		}
	}
	if len(paths) == 0 && ck == "" {
		return nil, "", fmt.Errorf("%w: %s holds no %s", ErrNoModels, opts.Dir, strings.Join(DefaultModels, " or "))
	}
	return paths, ck, nil
}

// testSet is the images to run on and the folder they come from.
func testSet(opts Options) (mnist.Set, string, error) {
	var test mnist.Set
	dir := opts.Data
	if opts.Set != nil {
		test = *opts.Set
	} else {
		var err error
		if dir, err = mnist.Locate(opts.Data); err != nil {
			return test, "", err
		}
		if test, err = mnist.LoadTest(dir); err != nil {
			return test, "", err
		}
	}
	if opts.Limit > 0 && opts.Limit < test.N {
		test = test.Slice(0, opts.Limit)
	}
	return test, dir, nil
}

// uniqueNames gives models of the same name (e.g. two builds'
// mnist_int8.tflite) the suffixes #2, #3…, so every column and comparison
// says which one it is.
func uniqueNames(models []*ModelReport) {
	seen := map[string]int{}
	for _, m := range models {
		seen[m.Name]++
		if n := seen[m.Name]; n > 1 {
			m.Name = fmt.Sprintf("%s#%d", m.Name, n)
		}
	}
}

// arenaBytes is the tensor arena of a model as the report gives it (the
// "tensor arena" row, arena_bytes) and as Gates.MaxArenaBytes checks it:
// the one place the figure is taken from. It is the arena TensorFlow Lite
// Micro needs for the model, activations and bookkeeping
// (interp.TFLMArenaOf, the figure the emitted headers and inspect give);
// for a model whose ops that model does not cover, the planned activations
// alone, a lower bound.
func arenaBytes(m *Model) int { return m.it.ReportedArenaBytes() }

func runTFLite(ctx context.Context, path string, test mnist.Set, workers int, prog Progress) *ModelReport {
	mr := &ModelReport{Name: strings.TrimSuffix(filepath.Base(path), filepath.Ext(path)), Path: path}
	m, err := Load(path)
	if err != nil {
		mr.Error = err.Error()
		return mr
	}
	mr.model = m
	st := StatsOf(m.TF)
	mr.Type, mr.SizeBytes, mr.Params, mr.MACs = TypeOf(m.TF), m.Size, st.Params, st.MACs
	mr.ArenaBytes, mr.ActivationBytes, mr.Ops = arenaBytes(m), m.ArenaBytes(), Ops(m.TF)
	prog.Begin(mr.Name, test.N)
	r, err := m.RunContext(ctx, test, workers, prog.Images)
	prog.End()
	if err != nil {
		mr.Error = fmt.Sprintf("%s: %v", path, err)
		return mr
	}
	mr.Result = r
	return mr
}

func runCheckpoint(path string, test mnist.Set, predict func(*model.Checkpoint, mnist.Set) ([]float32, error), prog Progress) *ModelReport {
	mr := &ModelReport{Name: CheckpointModel, Path: path, Type: CheckpointType, Ops: []string{}}
	ck, err := model.LoadCheckpoint(path)
	if err != nil {
		mr.Error = err.Error()
		return mr
	}
	a, err := ck.Architecture()
	if err != nil {
		mr.Error = fmt.Sprintf("%s: %v", path, err)
		return mr
	}
	if fi, err := os.Stat(path); err == nil {
		mr.SizeBytes = fi.Size()
	}
	mr.Arch, mr.Params, mr.MACs = a.Spec(), int64(a.NumParams()), int64(a.MACs())
	if in := a.InputShape(); test.Rows != in[0] || test.Cols != in[1] || in[2] != 1 {
		mr.Error = fmt.Sprintf("%s: eval: the images are %d×%d, the checkpoint's architecture takes %d×%d×%d", path, test.Rows, test.Cols, in[0], in[1], in[2])
		return mr
	}
	if err := checkClasses(test, a.Classes(), "the checkpoint's architecture scores"); err != nil {
		mr.Error = fmt.Sprintf("%s: %v", path, err)
		return mr
	}
	prog.Status(path + ": running the checkpoint through Gorgonia")
	start := time.Now()
	scores, err := predict(ck, test)
	if err != nil {
		mr.Error = fmt.Sprintf("%s: %v", path, err)
		return mr
	}
	r, err := ScoresResult(scores, test.Labels, a.Classes(), time.Since(start))
	if err != nil {
		mr.Error = fmt.Sprintf("%s: %v", path, err)
		return mr
	}
	mr.Result = r
	return mr
}

func fillDetails(mr *ModelReport, test mnist.Set, showErrors bool) {
	r := mr.Result
	mr.Accuracy, mr.Correct, mr.Total, mr.LatencyUS = r.Accuracy(), r.Correct, r.Total, r.LatencyUS
	c := Confusion(test.Labels, r.Predictions, r.Classes)
	pc := PerClass(c)
	mr.PerClass = make([]Finite, len(pc))
	for i, v := range pc {
		mr.PerClass[i] = Finite(v)
	}
	mr.Confusion = c
	if showErrors {
		for i, p := range r.Predictions {
			if p != test.Labels[i] {
				mr.Errors = append(mr.Errors, ImageError{i, int(test.Labels[i]), int(p)})
			}
		}
	}
}

// reference is the model the others are compared with: the first float32
// .tflite model, else the first that ran.
func reference(models []*ModelReport) *ModelReport {
	var first *ModelReport
	for _, m := range models {
		if m.Result == nil {
			continue
		}
		if m.IsTFLite() && m.Type == "float32" {
			return m
		}
		if first == nil {
			first = m
		}
	}
	return first
}

func compareAll(models []*ModelReport, showErrors bool) []Comparison {
	ref := reference(models)
	cs := []Comparison{}
	if ref == nil {
		return cs
	}
	for _, m := range models {
		if m == ref || m.Result == nil {
			continue
		}
		ag, err := Compare(ref.Result, m.Result)
		if err != nil {
			continue
		}
		c := Comparison{Reference: ref.Name, Model: m.Name, Agreement: ag.Rate, Disagreements: len(ag.Disagree),
			RelL2: Finite(ag.RelL2), Cosine: Finite(ag.Cosine), MaxAbs: Finite(ag.MaxAbs), AccuracyDropPP: 100 * (ref.Accuracy - m.Accuracy)}
		if showErrors {
			c.Disagree = ag.Disagree
		}
		cs = append(cs, c)
	}
	return cs
}

// layerComparison compares, operator by operator, the first int8 model with
// the first float32 one, if both ran.
func layerComparison(models []*ModelReport, test mnist.Set) ([]LayerReport, error) {
	var float, int8 *ModelReport
	for _, m := range models {
		if !m.IsTFLite() || m.Result == nil {
			continue
		}
		switch {
		case m.Type == "float32" && float == nil:
			float = m
		case m.Type == "int8" && int8 == nil:
			int8 = m
		}
	}
	if float == nil || int8 == nil {
		return nil, ErrNoLayerPair
	}
	n := min(LayerImages, test.N)
	inputs := make([][]float32, n)
	c := float.model.enc.c // the channels each pixel feeds
	grey := make([]float32, test.Rows*test.Cols)
	for i := range inputs {
		test.Float(i, grey)
		inputs[i] = make([]float32, 0, len(grey)*c)
		for _, v := range grey {
			for range c {
				inputs[i] = append(inputs[i], v)
			}
		}
	}
	les, err := quantize.CompareLayers(float.model.TF, int8.model.TF, inputs)
	if err != nil {
		return nil, err
	}
	out := make([]LayerReport, len(les))
	for i, l := range les {
		out[i] = LayerReport{l.Op, l.Kind, l.Name, Finite(l.RelL2), Finite(l.Cosine), Finite(l.MaxAbs)}
	}
	return out, nil
}
