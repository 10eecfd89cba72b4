package eval

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/mnistcnn/mnistcnn/internal/mnisttest"
	"github.com/mnistcnn/mnistcnn/mnist"
	"github.com/mnistcnn/mnistcnn/model"
)

const (
	int8Model  = "../testdata/models/mnistcnn_int8.tflite"
	floatModel = "../testdata/models/mnist_cnn_float_uint8in_alankrantas.tflite" // float32 (uint8 input)
)

func TestFiniteJSON(t *testing.T) {
	b, err := json.Marshal([]Finite{0.25, Finite(math.Inf(1)), Finite(math.NaN()), -1})
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != "[0.25,null,null,-1]" {
		t.Errorf("got %s", b)
	}
}

func f64(v float64) *float64 { return &v }
func i64(v int64) *int64     { return &v }

// column is a column of a .tflite model that ran.
func column(name string, acc float64, size int64, arena int) *ModelReport {
	return &ModelReport{Name: name, Accuracy: acc, SizeBytes: size, ArenaBytes: arena, Result: &Result{}, model: &Model{}}
}

func TestGates(t *testing.T) {
	rep := func() *Report {
		ck := &ModelReport{Name: CheckpointModel, Accuracy: 0.5, SizeBytes: 1 << 30, Result: &Result{}}
		broken := &ModelReport{Name: "broken", Error: "broken.tflite: no such file", SizeBytes: 1 << 30}
		r := &Report{Models: []*ModelReport{column("float", 0.99, 700_000, 100_000), column("int8", 0.985, 180_000, 27_000), ck, broken}}
		r.Comparisons = []Comparison{{Reference: "float", Model: "int8", AccuracyDropPP: 0.5}, {Reference: "float", Model: CheckpointModel, AccuracyDropPP: 49}}
		return r
	}
	reasons := func(fs []GateFailure) []string {
		var s []string
		for _, f := range fs {
			s = append(s, f.Reason)
		}
		return s
	}
	for _, c := range []struct {
		name  string
		gates Gates
		want  []string
	}{
		{"none", Gates{}, nil},
		{"all met", Gates{MinAccuracy: f64(50), MaxAccuracyDrop: f64(49), MaxModelBytes: i64(700_000), MaxArenaBytes: i64(100_000)}, nil},
		{"accuracy", Gates{MinAccuracy: f64(98.6)}, []string{"int8 accuracy 98.50% is below --min-accuracy 98.60%", "gorgonia accuracy 50.00% is below --min-accuracy 98.60%"}},
		{"drop", Gates{MaxAccuracyDrop: f64(0.4)}, []string{"int8 loses 0.50 points against float, more than --max-accuracy-drop 0.40", "gorgonia loses 49.00 points against float, more than --max-accuracy-drop 0.40"}},
		// The checkpoint and the model that failed are not .tflite models
		// that ran: their sizes are not checked.
		{"model bytes", Gates{MaxModelBytes: i64(200_000)}, []string{"float file size 700000 bytes is above --max-model-bytes 200000"}},
		{"arena bytes", Gates{MaxArenaBytes: i64(0)}, []string{"float tensor arena 100000 bytes is above --max-arena-bytes 0", "int8 tensor arena 27000 bytes is above --max-arena-bytes 0"}},
		{"order", Gates{MaxArenaBytes: i64(50_000), MaxModelBytes: i64(200_000), MinAccuracy: f64(60)}, []string{
			"gorgonia accuracy 50.00% is below --min-accuracy 60.00%",
			"float file size 700000 bytes is above --max-model-bytes 200000",
			"float tensor arena 100000 bytes is above --max-arena-bytes 50000"}},
	} {
		got := c.gates.check(rep())
		if !reflect.DeepEqual(reasons(got), c.want) {
			t.Errorf("%s: got %q, want %q", c.name, reasons(got), c.want)
		}
	}
	got := Gates{MaxModelBytes: i64(200_000)}.check(rep())
	if want := (GateFailure{GateMaxModelBytes, "float", 700_000, 200_000, got[0].Reason}); got[0] != want {
		t.Errorf("got %+v, want %+v", got[0], want)
	}

	// Only the checkpoint ran: a byte gate with nothing to measure fails,
	// an accuracy gate is checked on the checkpoint.
	only := &Report{Models: []*ModelReport{{Name: CheckpointModel, Accuracy: 0.5, Result: &Result{}}}}
	got = Gates{MinAccuracy: f64(40), MaxArenaBytes: i64(8192)}.check(only)
	if want := []string{"--max-arena-bytes 8192: no .tflite model was evaluated to check it against"}; !reflect.DeepEqual(reasons(got), want) {
		t.Errorf("checkpoint only: got %q, want %q", reasons(got), want)
	}
}

// writeCheckpoint saves a zero-weight checkpoint of the reference
// architecture: Gorgonia is faked in these tests, only the file matters.
func writeCheckpoint(t *testing.T) string {
	t.Helper()
	ck := &model.Checkpoint{Arch: model.ArchName, Batch: 32, Epochs: 1, Weights: model.NewCheckpointWeights(model.Reference()), TestAccuracy: -1}
	p := filepath.Join(t.TempDir(), "zero.ckpt")
	if err := model.SaveCheckpoint(p, ck); err != nil {
		t.Fatal(err)
	}
	return p
}

// sevens scores every image as a 7.
func sevens(ck *model.Checkpoint, set mnist.Set) ([]float32, error) {
	const classes = 10 // the reference architecture's
	s := make([]float32, set.N*classes)
	for i := 0; i < set.N; i++ {
		s[i*classes+7] = 1
	}
	return s, nil
}

type recorder struct{ events []string }

func (r *recorder) Status(msg string)         { r.events = append(r.events, "status "+msg) }
func (r *recorder) Begin(model string, n int) { r.events = append(r.events, "begin "+model) }
func (r *recorder) Images(done int)           {}
func (r *recorder) End()                      { r.events = append(r.events, "end") }

func TestRun(t *testing.T) {
	set := mnisttest.Test(t, 100)
	ck := writeCheckpoint(t)
	missing := filepath.Join(t.TempDir(), "missing.tflite")
	prog := &recorder{}
	rep, err := Run(context.Background(), Options{
		Models:     []string{int8Model, missing, int8Model},
		Checkpoint: ck, Gorgonia: sevens,
		Set: &set, Data: "test set", Limit: 60, Workers: 2,
		ShowErrors: true,
		Gates:      Gates{MaxModelBytes: i64(185_999)},
		Progress:   prog,
	})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Images != 60 || rep.Data != "test set" || rep.Test.N != 60 || rep.Failed() != 1 {
		t.Fatalf("images %d, data %q, test %d, failed %d", rep.Images, rep.Data, rep.Test.N, rep.Failed())
	}
	var names []string
	for _, m := range rep.Models {
		names = append(names, m.Name)
	}
	if want := []string{"mnistcnn_int8", "missing", "mnistcnn_int8#2", "gorgonia"}; !reflect.DeepEqual(names, want) {
		t.Fatalf("models %q, want %q", names, want)
	}
	q, miss, g := rep.Models[0], rep.Models[1], rep.Models[3]
	if q.Type != "int8" || q.Total != 60 || q.Correct < 57 || q.SizeBytes != 186000 || q.Params != 180328 || q.MACs != 1480324 ||
		q.ArenaBytes != 29824 || q.ActivationBytes != 27040 || !q.IsTFLite() || len(q.Errors) != 60-q.Correct || q.Arch != "" { // 29,824: TFLM's arena_used_bytes for this file (tflm_arena_test.go); 27,040 the activations
		t.Errorf("int8 model: %+v", *q)
	}
	if !strings.Contains(miss.Error, "no such file") || miss.IsTFLite() || miss.Result != nil {
		t.Errorf("missing model: %+v", *miss)
	}
	// The checkpoint's figures are those of the architecture it records.
	ref := model.Reference()
	if g.Type != CheckpointType || g.Params != int64(ref.NumParams()) || g.MACs != int64(ref.MACs()) || g.Arch != ref.Spec() || g.IsTFLite() ||
		g.Correct != 6 || len(g.Ops) != 0 || g.Ops == nil { // the first 60 test images hold six 7s
		t.Errorf("checkpoint: %+v", *g)
	}
	// The int8 model is the reference (no float32 one ran): the second copy
	// agrees with it on everything, the checkpoint does not.
	if len(rep.Comparisons) != 2 || rep.Comparisons[0].Model != "mnistcnn_int8#2" || rep.Comparisons[0].Agreement != 1 ||
		rep.Comparisons[0].Reference != "mnistcnn_int8" || rep.Comparisons[1].Model != "gorgonia" || len(rep.Comparisons[1].Disagree) == 0 {
		t.Errorf("comparisons %+v", rep.Comparisons)
	}
	wantGate := "mnistcnn_int8 file size 186000 bytes is above --max-model-bytes 185999; mnistcnn_int8#2 file size 186000 bytes is above --max-model-bytes 185999"
	if rep.GateFailure != wantGate || len(rep.GateFailures) != 2 {
		t.Errorf("gate failure %q", rep.GateFailure)
	}
	wantEvents := []string{"begin mnistcnn_int8", "end", "status " + miss.Error, "begin mnistcnn_int8", "end",
		"status " + ck + ": running the checkpoint through Gorgonia"}
	if !reflect.DeepEqual(prog.events, wantEvents) {
		t.Errorf("progress %q\nwant %q", prog.events, wantEvents)
	}
}

func TestRunErrors(t *testing.T) {
	set := mnisttest.Test(t, 10)
	dir := t.TempDir()
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	for _, c := range []struct {
		name string
		ctx  context.Context
		opts Options
		want error
		msg  string
	}{
		{"nothing", context.Background(), Options{Dir: dir, Checkpoint: filepath.Join(dir, "x.ckpt"), CheckpointIfExists: true, Set: &set},
			ErrNoModels, "no models to evaluate: " + dir + " holds no mnist_float.tflite or mnist_int8.tflite"},
		{"no layer pair", context.Background(), Options{Models: []string{int8Model}, Layers: true, Set: &set}, ErrNoLayerPair, ""},
		{"no Gorgonia", context.Background(), Options{Models: []string{int8Model}, Checkpoint: "x.ckpt", Set: &set}, nil, "Options.Gorgonia"},
		{"canceled", canceled, Options{Models: []string{int8Model}, Set: &set}, context.Canceled, ""},
	} {
		rep, err := Run(c.ctx, c.opts)
		if err == nil || rep != nil || (c.want != nil && !errors.Is(err, c.want)) || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: report %v, error %v", c.name, rep, err)
		}
	}
	// A checkpoint set without CheckpointIfExists that is not there is a
	// model that failed, not an error of Run.
	rep, err := Run(context.Background(), Options{Checkpoint: filepath.Join(dir, "x.ckpt"), Gorgonia: sevens, Set: &set})
	if err != nil || rep.Failed() != 1 || len(rep.Comparisons) != 0 {
		t.Errorf("missing checkpoint: %v, %+v", err, rep)
	}
}

// Without Models, Run looks for DefaultModels in Dir. The reference is the
// first float32 model, else the first model that ran.
func TestRunDefaultModelsAndReference(t *testing.T) {
	set := mnisttest.Test(t, 20)
	rep, err := Run(context.Background(), Options{Dir: "../testdata/models", Set: &set})
	if !errors.Is(err, ErrNoModels) {
		t.Fatalf("testdata/models holds no default model names, got %v, %v", rep, err)
	}
	rep, err = Run(context.Background(), Options{Models: []string{int8Model, floatModel}, Set: &set})
	if err != nil {
		t.Fatal(err)
	}
	// The AutoKeras model is "float32 (uint8 input)", not a float32 model
	// of mnistcnn's: the reference is the first model that ran.
	if len(rep.Comparisons) != 1 || rep.Comparisons[0].Reference != "mnistcnn_int8" {
		t.Errorf("comparisons %+v", rep.Comparisons)
	}
}
