package cmd

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

func TestInspectFlags(t *testing.T) {
	tests := []struct {
		argv []string
		code int
		file string
	}{
		{[]string{"inspect", "a.tflite"}, 0, "a.tflite"},
		{[]string{"inspect", "a.tflite", "--json"}, 0, "a.tflite"},
		{[]string{"inspect"}, ExitUsage, ""},
		{[]string{"inspect", "a.tflite", "b.tflite"}, ExitUsage, ""},
		{[]string{"inspect", "a.tflite", "--bogus"}, ExitUsage, ""},
	}
	for _, tt := range tests {
		code, o, _ := parse(t, func(g *globals, run func(*InspectOptions) error) *cobra.Command { return NewCmdInspect(g, run) }, tt.argv...)
		if code != tt.code {
			t.Errorf("%q: exit %d, want %d", tt.argv, code, tt.code)
			continue
		}
		if code == 0 && o.File != tt.file {
			t.Errorf("%q: file %q", tt.argv, o.File)
		}
	}
}

func newInspect(g *globals) *cobra.Command { return NewCmdInspect(g, nil) }

func TestInspectRun(t *testing.T) {
	const model = "../testdata/models/hello_world_int8.tflite"
	// The text is package inspect's golden file (same relative path from
	// both packages' folders).
	want, err := os.ReadFile("../inspect/testdata/hello_world_int8.txt")
	if err != nil {
		t.Fatal(err)
	}
	code, out, stderr := runOne(newInspect, "inspect", model)
	if code != 0 || out != string(want) {
		t.Errorf("exit %d, stderr %q, stdout:\n%s", code, stderr, out)
	}

	code, out, _ = runOne(newInspect, "inspect", model, "--json")
	var doc struct {
		File          string `json:"file"`
		Params        int64  `json:"params"`
		ConstantBytes int64  `json:"constant_bytes"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil || code != 0 {
		t.Fatalf("exit %d, %v:\n%s", code, err, out)
	}
	// 321 parameters and 420 bytes: see TestHelloWorldInt8 in package inspect.
	if doc.File != model || doc.Params != 321 || doc.ConstantBytes != 420 {
		t.Errorf("%+v", doc)
	}

	// A model the interpreter cannot run is described, and exits 0.
	code, out, _ = runOne(newInspect, "inspect", "../testdata/models/mnist_lstm_float.tflite")
	if code != 0 || !strings.Contains(out, "not supported: operator 0 (UNIDIRECTIONAL_SEQUENCE_LSTM)") {
		t.Errorf("LSTM model: exit %d:\n%s", code, out)
	}
}

func TestInspectBadFile(t *testing.T) {
	b, err := os.ReadFile("../testdata/models/hello_world_int8.tflite")
	if err != nil {
		t.Fatal(err)
	}
	cut := filepath.Join(t.TempDir(), "cut.tflite")
	if err := os.WriteFile(cut, b[:1000], 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, stderr := runOne(newInspect, "inspect", cut)
	if code != ExitError || out != "" || !strings.Contains(stderr, cut) {
		t.Errorf("cut file: exit %d, stdout %q, stderr %q", code, out, stderr)
	}
	code, out, _ = runOne(newInspect, "inspect", cut, "--json")
	if code != ExitError || !strings.Contains(out, `"exit_code": 1`) {
		t.Errorf("cut file --json: exit %d, %q", code, out)
	}
	code, _, stderr = runOne(newInspect, "inspect", filepath.Join(t.TempDir(), "missing.tflite"))
	if code != ExitError || !strings.Contains(stderr, "missing.tflite") {
		t.Errorf("missing file: exit %d, %q", code, stderr)
	}
}
