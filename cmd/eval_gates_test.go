package cmd

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mnistcnn/mnistcnn/model"
	"github.com/mnistcnn/mnistcnn/train"
	"github.com/spf13/cobra"
)

// testCheckpoint is an untrained, seeded checkpoint of the default
// architecture on MNIST, the one place the eval and summary tests make one.
func testCheckpoint(t *testing.T) *model.Checkpoint {
	t.Helper()
	ck, err := train.NewCheckpoint(train.DefaultConfig(), train.MNIST)
	if err != nil {
		t.Fatal(err)
	}
	return ck
}

func TestEvalGateFlags(t *testing.T) {
	tests := []struct {
		argv []string
		code int
		want func(o *EvalOptions) bool
	}{
		{[]string{"eval"}, 0, func(o *EvalOptions) bool { return o.MaxModelBytes == -1 && o.MaxArenaBytes == -1 }},
		{[]string{"eval", "--max-model-bytes", "200000", "--max-arena-bytes", "32768"}, 0, func(o *EvalOptions) bool {
			return o.MaxModelBytes == 200000 && o.MaxArenaBytes == 32768
		}},
		{[]string{"eval", "--max-model-bytes", "0", "--max-arena-bytes", "0"}, 0, func(o *EvalOptions) bool {
			return o.MaxModelBytes == 0 && o.MaxArenaBytes == 0 && o.gates().MaxModelBytes != nil && o.gates().MaxArenaBytes != nil
		}},
		{[]string{"eval", "--max-model-bytes", "-1"}, ExitUsage, nil},
		{[]string{"eval", "--max-arena-bytes", "-8192"}, ExitUsage, nil},
		{[]string{"eval", "--max-model-bytes", "20KB"}, ExitUsage, nil},
		{[]string{"eval", "--max-arena-bytes", "1.5"}, ExitUsage, nil},
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
	// Refused before any work, as a usage error, in JSON too.
	p := floatModelFile(t, t.TempDir())
	for _, c := range []struct{ flag, msg string }{
		{"--max-model-bytes", "--max-model-bytes -1: want a number of bytes ≥ 0"},
		{"--max-arena-bytes", "--max-arena-bytes -1: want a number of bytes ≥ 0"},
	} {
		code, out, stderr := quick(t, "eval", "--model", p, c.flag, "-1", "--json")
		var doc struct {
			Error    string `json:"error"`
			ExitCode int    `json:"exit_code"`
		}
		if err := json.Unmarshal([]byte(out), &doc); err != nil || code != ExitUsage || doc.ExitCode != ExitUsage || doc.Error != c.msg || !strings.Contains(stderr, "Usage:") {
			t.Errorf("%s -1: exit %d, %v, stdout %q, stderr:\n%s", c.flag, code, err, out, stderr)
		}
	}
}

// The byte gates, like the accuracy gates: the report, then exit 3 with
// the reasons, one line on stderr, or in "gate_failure" of the JSON report
// (and no error document after it).
func TestEvalSizeGates(t *testing.T) {
	dir := t.TempDir()
	p := floatModelFile(t, dir)
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	size := fi.Size()
	code, out, stderr := run("eval", "--model", p, "--limit", "20", "--json", "-q")
	var rep evalReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code != 0 || len(rep.Models) != 1 {
		t.Fatalf("exit %d, %v: %s", code, err, stderr)
	}
	arena := int64(rep.Models[0].ArenaBytes)
	if rep.Models[0].SizeBytes != size || arena <= 0 {
		t.Fatalf("report of %d bytes, arena %d; the file has %d", rep.Models[0].SizeBytes, arena, size)
	}

	// At the bar passes, a byte under it fails.
	for _, c := range []struct {
		flag  string
		bar   int64
		fails string
	}{
		{"--max-model-bytes", size, ""},
		{"--max-model-bytes", size - 1, fmt.Sprintf("float file size %d bytes is above --max-model-bytes %d", size, size-1)},
		{"--max-arena-bytes", arena, ""},
		{"--max-arena-bytes", arena - 1, fmt.Sprintf("float tensor arena %d bytes is above --max-arena-bytes %d", arena, arena-1)},
	} {
		bar := fmt.Sprint(c.bar)
		code, text, stderr := run("eval", "--model", p, "--limit", "20", c.flag, bar, "-q")
		if c.fails == "" {
			if code != 0 || strings.Contains(text, "gate failed") {
				t.Errorf("%s %s: exit %d: %s", c.flag, bar, code, stderr)
			}
			continue
		}
		if code != ExitGate || stderr != "mnistcnn: "+c.fails+"\n" || !strings.HasSuffix(text, "\ngate failed: "+c.fails+"\n") {
			t.Errorf("%s %s: exit %d, stderr %q, text:\n%s", c.flag, bar, code, stderr, text)
		}
	}

	// Both gates and the accuracy gate fail: every reason, in one JSON
	// document.
	code, out, stderr = run("eval", "--model", p, "--model", p, "--limit", "20", "--json", "-q",
		"--max-arena-bytes", "1", "--max-model-bytes", "1", "--min-accuracy", "99")
	var doc map[string]any
	if err := json.Unmarshal([]byte(out), &doc); err != nil || code != ExitGate || stderr != "" {
		t.Fatalf("exit %d, %v, stderr %q:\n%s", code, err, stderr, out)
	}
	gate, _ := doc["gate_failure"].(string)
	reasons := strings.Split(gate, "; ")
	if len(reasons) != 6 || !strings.HasPrefix(reasons[0], "float accuracy") || !strings.HasPrefix(reasons[1], "float#2 accuracy") ||
		reasons[2] != fmt.Sprintf("float file size %d bytes is above --max-model-bytes 1", size) ||
		reasons[5] != fmt.Sprintf("float#2 tensor arena %d bytes is above --max-arena-bytes 1", arena) {
		t.Errorf("gate_failure %q", gate)
	}
}

// A byte gate is checked on the .tflite models: with only the checkpoint
// evaluated it has nothing to pass on, and fails.
func TestEvalSizeGateWithoutModels(t *testing.T) {
	dir := t.TempDir()
	ckPath := filepath.Join(dir, "mnist.ckpt")
	if err := model.SaveCheckpoint(ckPath, testCheckpoint(t)); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := run("eval", "--dir", dir, "--checkpoint", ckPath, "--limit", "20", "--max-model-bytes", "1000000", "-q")
	if want := "mnistcnn: --max-model-bytes 1000000: no .tflite model was evaluated to check it against\n"; code != ExitGate || stderr != want {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
	// Without the gate the checkpoint is reported with its architecture's
	// figures.
	code, out, stderr := run("eval", "--dir", dir, "--checkpoint", ckPath, "--limit", "20", "--json", "-q")
	var rep evalReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code != 0 || len(rep.Models) != 1 {
		t.Fatalf("exit %d, %v: %s", code, err, stderr)
	}
	a := model.Reference()
	if m := rep.Models[0]; m.Name != "gorgonia" || m.Params != int64(a.NumParams()) || m.MACs != int64(a.MACs()) || m.Arch != a.Spec() {
		t.Errorf("checkpoint column %+v", *m)
	}
}
