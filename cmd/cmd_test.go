package cmd

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/mnistcnn/mnistcnn/convert"
	"github.com/mnistcnn/mnistcnn/tflite"
	"github.com/mnistcnn/mnistcnn/train"
	"github.com/spf13/cobra"
)

// parse runs argv through a command built by newCmd with its run function
// replaced, and returns the exit code and the options the command got.
func parse[T any](t *testing.T, newCmd func(*globals, func(*T) error) *cobra.Command, argv ...string) (int, *T, string) {
	t.Helper()
	var got *T
	var out, errb bytes.Buffer
	g := &globals{stdout: &out, stderr: &errb}
	root := NewRootCmd(g)
	for _, c := range root.Commands() {
		root.RemoveCommand(c)
	}
	root.AddCommand(newCmd(g, func(o *T) error { got = o; return nil }))
	root.SetArgs(argv)
	_, err := root.ExecuteC()
	if err != nil {
		reportError(&out, &errb, err, g.json)
	}
	return exitCode(err), got, errb.String()
}

func TestTrainFlags(t *testing.T) {
	tests := []struct {
		argv []string
		code int
		want func(o *TrainOptions) bool
	}{
		{[]string{"train"}, 0, func(o *TrainOptions) bool {
			def := train.DefaultConfig()
			return o.Epochs == def.Epochs && o.Batch == 32 && o.Optimizer == "rmsprop" && o.LR == 0.001 && o.Out == "mnist.ckpt" && o.ValSplit == 5000
		}},
		{[]string{"train", "--epochs", "1", "--seed", "7", "--limit", "100", "--out", "x.ckpt", "--optimizer", "adam"}, 0, func(o *TrainOptions) bool {
			return o.Epochs == 1 && o.Seed == 7 && o.Limit == 100 && o.Out == "x.ckpt" && o.Optimizer == "adam"
		}},
		{[]string{"train", "--resume", "a.ckpt"}, 0, func(o *TrainOptions) bool { return o.Resume == "a.ckpt" && o.Out == "a.ckpt" }},
		{[]string{"train", "--resume", "a.ckpt", "--out", "b.ckpt"}, 0, func(o *TrainOptions) bool { return o.Resume == "a.ckpt" && o.Out == "b.ckpt" }},
		{[]string{"train", "--epochs", "0"}, ExitUsage, nil},
		{[]string{"train", "--batch", "-1"}, ExitUsage, nil},
		{[]string{"train", "--optimizer", "sgd"}, ExitUsage, nil},
		{[]string{"train", "--lr", "0"}, ExitUsage, nil},
		{[]string{"train", "--bogus"}, ExitUsage, nil},
		{[]string{"train", "extra"}, ExitUsage, nil},
	}
	for _, tt := range tests {
		code, o, _ := parse(t, func(g *globals, run func(*TrainOptions) error) *cobra.Command { return NewCmdTrain(g, run) }, tt.argv...)
		if code != tt.code {
			t.Errorf("%v: exit %d, want %d", tt.argv, code, tt.code)
			continue
		}
		if tt.want != nil && (o == nil || !tt.want(o)) {
			t.Errorf("%v: options %+v", tt.argv, o)
		}
	}
}

func TestConvertFlags(t *testing.T) {
	tests := []struct {
		argv []string
		code int
		want func(o *ConvertOptions) bool
	}{
		{[]string{"convert"}, 0, func(o *ConvertOptions) bool {
			return o.Checkpoint == "mnist.ckpt" && o.OutDir == "out" && reflect.DeepEqual(o.Models, []string{"float", "int8"}) &&
				reflect.DeepEqual(o.Formats, []string{"tflite"}) && o.Name == "mnist" && o.Calibration == 500
		}},
		{[]string{"convert", "--model", "int8", "--format", "tflite,cc", "--test-data", "50", "--name", "net"}, 0, func(o *ConvertOptions) bool {
			return reflect.DeepEqual(o.Models, []string{"int8"}) && reflect.DeepEqual(o.Formats, []string{"tflite", "cc"}) && o.TestData == 50 && o.Name == "net"
		}},
		{[]string{"convert", "--model", "int4"}, ExitUsage, nil},
		{[]string{"convert", "--format", "xxd"}, ExitUsage, nil},
		{[]string{"convert", "--name", "1abc"}, ExitUsage, nil},
		{[]string{"convert", "--name", "int"}, ExitUsage, nil},
		{[]string{"convert", "--package", "a-b"}, ExitUsage, nil},
		{[]string{"convert", "--calibration", "0"}, ExitUsage, nil},
		{[]string{"convert", "--calibration-method", "kl"}, ExitUsage, nil},
		{[]string{"convert", "--test-data", "50"}, ExitUsage, nil}, // no source format to hold them
		{[]string{"convert", "--test-data", "50", "--format", "go"}, 0, nil},
	}
	for _, tt := range tests {
		code, o, _ := parse(t, func(g *globals, run func(*ConvertOptions) error) *cobra.Command { return NewCmdConvert(g, run) }, tt.argv...)
		if code != tt.code {
			t.Errorf("%v: exit %d, want %d", tt.argv, code, tt.code)
			continue
		}
		if tt.want != nil && (o == nil || !tt.want(o)) {
			t.Errorf("%v: options %+v", tt.argv, o)
		}
	}
}

func TestEvalFlags(t *testing.T) {
	tests := []struct {
		argv []string
		code int
		want func(o *EvalOptions) bool
	}{
		{[]string{"eval"}, 0, func(o *EvalOptions) bool {
			return o.Dir == "out" && o.MinAccuracy == -1 && o.MaxDrop == -1 && len(o.Models) == 0
		}},
		{[]string{"eval", "-m", "a.tflite", "--model", "b.tflite", "--min-accuracy", "98.5", "--max-accuracy-drop", "0.1"}, 0, func(o *EvalOptions) bool {
			return reflect.DeepEqual(o.Models, []string{"a.tflite", "b.tflite"}) && o.MinAccuracy == 98.5 && o.MaxDrop == 0.1
		}},
		{[]string{"eval", "--min-accuracy", "101"}, ExitUsage, nil},
		// A fraction would be a bar that always passes: (0, 1] is refused.
		{[]string{"eval", "--min-accuracy", "0.99"}, ExitUsage, nil},
		{[]string{"eval", "--min-accuracy", "1"}, ExitUsage, nil},
		{[]string{"eval", "--min-accuracy", "0"}, 0, func(o *EvalOptions) bool { return o.MinAccuracy == 0 }},
		{[]string{"eval", "--min-accuracy", "1.5"}, 0, func(o *EvalOptions) bool { return o.MinAccuracy == 1.5 }},
		{[]string{"eval", "--max-accuracy-drop", "-1"}, ExitUsage, nil},
		{[]string{"eval", "--limit", "-5"}, ExitUsage, nil},
	}
	for _, tt := range tests {
		code, o, _ := parse(t, func(g *globals, run func(*EvalOptions) error) *cobra.Command { return NewCmdEval(g, run) }, tt.argv...)
		if code != tt.code {
			t.Errorf("%v: exit %d, want %d", tt.argv, code, tt.code)
			continue
		}
		if tt.want != nil && (o == nil || !tt.want(o)) {
			t.Errorf("%v: options %+v", tt.argv, o)
		}
	}
}

// floatModelFile writes the float model of an untrained, seeded checkpoint.
func floatModelFile(t *testing.T, dir string) string {
	t.Helper()
	ck := testCheckpoint(t)
	m, err := convert.Float(ck, "test")
	if err != nil {
		t.Fatal(err)
	}
	b, err := tflite.Encode(m)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "float.tflite")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func run(argv ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = Execute(argv, &out, &errb)
	return code, out.String(), errb.String()
}

func TestEvalJSONContract(t *testing.T) {
	dir := t.TempDir()
	p := floatModelFile(t, dir)
	code, out, stderr := run("eval", "--model", p, "--model", "../testdata/models/mnist_cnn_float_uint8in_alankrantas.tflite", "--limit", "100", "--json", "--quiet")
	if code != 0 {
		// The second model may need ops the interpreter lacks; then the
		// exit code is 1 and the first model must still be reported.
		if code != ExitError {
			t.Fatalf("exit %d: %s", code, stderr)
		}
	}
	var rep map[string]any
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("stdout is not one JSON document: %v\n%s", err, out)
	}
	models := rep["models"].([]any)
	if len(models) != 2 {
		t.Fatalf("%d models reported, want 2", len(models))
	}
	m := models[0].(map[string]any)
	for _, key := range []string{"name", "path", "type", "accuracy", "correct", "total", "size_bytes", "arena_bytes", "macs", "ops", "latency_us", "params", "per_class_accuracy", "confusion"} {
		if _, ok := m[key]; !ok {
			t.Errorf("model report lacks %q", key)
		}
	}
	if m["total"].(float64) != 100 || m["type"] != "float32" || m["macs"].(float64) != 1480324 {
		t.Errorf("report %v", m)
	}
}

func TestEvalGates(t *testing.T) {
	dir := t.TempDir()
	p := floatModelFile(t, dir)
	// An untrained model scores about 10 %: a bar of 0 passes, 99 fails.
	if code, _, stderr := run("eval", "--model", p, "--limit", "50", "--min-accuracy", "0", "-q"); code != 0 {
		t.Fatalf("--min-accuracy 0: exit %d: %s", code, stderr)
	}
	code, _, stderr := run("eval", "--model", p, "--limit", "50", "--min-accuracy", "99", "-q")
	if code != ExitGate || !strings.Contains(stderr, "below --min-accuracy 99.00%") || strings.Count(stderr, "\n") != 1 {
		t.Fatalf("--min-accuracy 99: exit %d, stderr %q", code, stderr)
	}
	// The same model twice: no accuracy drop, so a drop bar of 0 passes.
	if code, _, stderr := run("eval", "--model", p, "--model", p, "--limit", "50", "--max-accuracy-drop", "0", "-q"); code != 0 {
		t.Fatalf("--max-accuracy-drop 0: exit %d: %s", code, stderr)
	}
}

func TestEvalBadModels(t *testing.T) {
	dir := t.TempDir()
	good := floatModelFile(t, dir)
	b, _ := os.ReadFile(good)
	truncated := filepath.Join(dir, "truncated.tflite")
	os.WriteFile(truncated, b[:len(b)/2], 0o644)
	notTFLite := filepath.Join(dir, "text.tflite")
	os.WriteFile(notTFLite, []byte("hello, this is not a model"), 0o644)
	cases := []struct{ path, want string }{
		{filepath.Join(dir, "missing.tflite"), "no such file"},
		{truncated, "tflite:"},
		{notTFLite, "tflite:"},
		{"../testdata/models/mnist_lstm_float.tflite", "UNIDIRECTIONAL_SEQUENCE_LSTM"},
	}
	for _, c := range cases {
		code, out, _ := run("eval", "--model", c.path, "--model", good, "--limit", "20", "--json", "-q")
		if code != ExitError {
			t.Errorf("%s: exit %d, want %d", c.path, code, ExitError)
		}
		var rep evalReport
		if err := json.Unmarshal([]byte(out), &rep); err != nil {
			t.Fatalf("%s: not JSON: %v", c.path, err)
		}
		if len(rep.Models) != 2 || !strings.Contains(rep.Models[0].Error, c.want) || rep.Models[1].Error != "" || rep.Models[1].Total != 20 {
			t.Errorf("%s: models %+v %+v, want an error with %q and the good model evaluated", c.path, *rep.Models[0], *rep.Models[1], c.want)
		}
	}
}

func TestEvalFewImages(t *testing.T) {
	p := floatModelFile(t, t.TempDir())
	// The first five test images are the digits 7, 2, 1, 0, 4: the other
	// digits have no accuracy, null in JSON and "-" in the text.
	code, out, stderr := run("eval", "--model", p, "--limit", "5", "--json", "-q")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var rep struct {
		Models []struct {
			PerClass []*float64 `json:"per_class_accuracy"`
		} `json:"models"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	for d, v := range rep.Models[0].PerClass {
		if absent := strings.ContainsRune("35689", rune('0'+d)); absent != (v == nil) {
			t.Errorf("digit %d: per-class accuracy %v", d, v)
		}
	}
	// The text names the second copy of the model float#2, compares it
	// with the first, and lists the ops once for both.
	_, text, _ := run("eval", "--model", p, "--model", p, "--limit", "5", "-q")
	if !regexp.MustCompile(`\n +3 +- +-\n`).MatchString(text) ||
		!regexp.MustCompile(`\nagreement vs float +- +100\.00% \(0 differ\)`).MatchString(text) ||
		!strings.Contains(text, "\nops of float, float#2: CONV_2D, FULLY_CONNECTED, MAX_POOL_2D, RESHAPE, SOFTMAX\n") {
		t.Errorf("text report:\n%s", text)
	}
	// No model ran: the table says why, and no per-class table follows.
	code, text, _ = run("eval", "--model", filepath.Join(t.TempDir(), "missing.tflite"), "--limit", "5", "-q")
	if code != ExitError || !strings.Contains(text, "no such file") || strings.Contains(text, "per-class") {
		t.Errorf("exit %d, report:\n%s", code, text)
	}
}
