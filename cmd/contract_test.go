package cmd

import (
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/mnistcnn/mnistcnn/convert"
	"github.com/mnistcnn/mnistcnn/mnist"
	"github.com/mnistcnn/mnistcnn/model"
)

// Every mistake in the command line exits 2 with usage on stderr and, with
// --json anywhere on the line, one JSON error document on stdout.
func TestUsageContract(t *testing.T) {
	if code, out, _ := run("help", "train"); code != 0 || !strings.Contains(out, "mnistcnn train") {
		t.Errorf("help train: exit %d, stdout %q", code, out)
	}
	for _, c := range []struct {
		argv []string
		msg  string
	}{
		{[]string{"frobnicate"}, `unknown command "frobnicate" for "mnistcnn"`},
		{[]string{"trian"}, `unknown command "trian" for "mnistcnn"; did you mean "train"?`},
		{[]string{"eval", "--frobnicate"}, "unknown flag: --frobnicate"},
		{[]string{"eval", "--limit", "abc"}, `invalid argument "abc" for "--limit" flag`},
		{[]string{"eval", "--min-accuracy", "0.99"}, "--min-accuracy 0.99: a percentage, not a fraction; did you mean 99?"},
		{[]string{"inspect"}, "mnistcnn inspect takes one .tflite file, got 0 arguments"},
		{[]string{"train", "--out", ""}, "--out: empty path"},
		{[]string{"help", "frobnicate"}, `unknown help topic "frobnicate"`},
	} {
		code, out, stderr := run(c.argv...)
		if code != ExitUsage || out != "" || !strings.Contains(stderr, c.msg) || !strings.Contains(stderr, "\nUsage:\n") {
			t.Errorf("%q: exit %d, stdout %q, stderr:\n%s", c.argv, code, out, stderr)
		}
		// --json at the end, where a flag error stops cobra before it, and
		// at the front.
		for _, argv := range [][]string{append(c.argv[:len(c.argv):len(c.argv)], "--json"), append([]string{"--json"}, c.argv...)} {
			code, out, stderr := run(argv...)
			var doc struct {
				Error    string `json:"error"`
				ExitCode int    `json:"exit_code"`
			}
			if err := json.Unmarshal([]byte(out), &doc); err != nil || code != ExitUsage || doc.ExitCode != ExitUsage ||
				!strings.Contains(doc.Error, c.msg) || !strings.Contains(stderr, "Usage:") {
				t.Errorf("%q: exit %d, %v, stdout %q, stderr:\n%s", argv, code, err, out, stderr)
			}
		}
	}
	// --json=false is not --json.
	if _, out, _ := run("frobnicate", "--json=false"); out != "" {
		t.Errorf("--json=false: stdout %q", out)
	}
}

// Every command's help documents the exit codes and has examples.
func TestHelpHasExitCodes(t *testing.T) {
	for _, c := range NewRootCmd(&globals{}).Commands() {
		if !strings.Contains(c.Long, exitCodesHelp) || !strings.Contains(c.Example, "$ mnistcnn "+c.Name()) {
			t.Errorf("%s: help without the exit codes or an example", c.Name())
		}
	}
}

// quick runs argv and fails the test if it took more than 2 s: a refusal
// before the work.
func quick(t *testing.T, argv ...string) (int, string, string) {
	t.Helper()
	start := time.Now()
	code, out, stderr := run(argv...)
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("%q took %v to refuse", argv, d)
	}
	return code, out, stderr
}

// A bad --out or --plot is refused before training, not after it: exit 2
// for a mistake in the path, 1 for a folder that cannot take the file.
func TestTrainChecksOutputsFirst(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file.txt")
	os.WriteFile(file, []byte("x"), 0o644)
	cases := []struct {
		argv []string
		code int
		msg  string
	}{
		{[]string{"--out", ""}, ExitUsage, "--out: empty path"},
		{[]string{"--resume", dir}, ExitUsage, "--resume " + dir + ": is a folder"}, // without --out it writes where it resumes
		{[]string{"--out", dir}, ExitUsage, "--out " + dir + ": is a folder; name a file in it"},
		{[]string{"--out", filepath.Join(file, "x.ckpt")}, ExitUsage, "is not a folder"},
		{[]string{"--out", filepath.Join(dir, "missing", "x.ckpt")}, ExitError, "folder " + filepath.Join(dir, "missing") + " does not exist"},
		{[]string{"--out", filepath.Join(dir, "ok.ckpt"), "--plot", file}, ExitUsage, "--plot " + file + ": not a folder"},
		{[]string{"--out", filepath.Join(dir, "ok.ckpt"), "--plot", ""}, ExitUsage, "--plot: empty path"},
	}
	if runtime.GOOS == "linux" {
		// /proc takes no new files, even from root.
		cases = append(cases, struct {
			argv []string
			code int
			msg  string
		}{[]string{"--out", "/proc/x"}, ExitError, "--out /proc/x: cannot write in folder /proc"})
	}
	for _, c := range cases {
		argv := append([]string{"train", "--limit", "100", "--val", "10", "--epochs", "1"}, c.argv...)
		code, _, stderr := quick(t, argv...)
		if code != c.code || !strings.Contains(stderr, c.msg) || strings.Contains(stderr, "training on") {
			t.Errorf("%q: exit %d, want %d with %q; stderr:\n%s", c.argv, code, c.code, c.msg, stderr)
		}
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("the checks left %d entries in %s, want only file.txt", len(ents), dir)
	}
}

func TestEvalAndConvertCheckOutputsFirst(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file.txt")
	os.WriteFile(file, []byte("x"), 0o644)
	for _, c := range []struct {
		argv []string
		code int
		msg  string
	}{
		{[]string{"eval", "--plot", filepath.Join(file, "plots")}, ExitError, "--plot " + filepath.Join(file, "plots") + ": " + file + " is not a folder"},
		{[]string{"convert", "--out-dir", file}, ExitUsage, "--out-dir " + file + ": not a folder"},
		{[]string{"convert", "--test-data", "50"}, ExitUsage, "--test-data 50 writes the images as a source file: add --format cc, c or go"},
	} {
		code, _, stderr := quick(t, c.argv...)
		if code != c.code || !strings.Contains(stderr, c.msg) {
			t.Errorf("%q: exit %d, want %d with %q; stderr:\n%s", c.argv, code, c.code, c.msg, stderr)
		}
	}
}

// Files that are not regular files, or over a reader's limit, are refused
// at once by every command that reads them.
func TestReadersRefuseFirst(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big.ckpt")
	os.WriteFile(big, []byte("MNISTCKP"), 0o644)
	os.Truncate(big, 3<<30) // sparse: 3 GiB that take no disk
	bigModel := filepath.Join(dir, "big.tflite")
	os.WriteFile(bigModel, []byte("x"), 0o644)
	os.Truncate(bigModel, 64<<20+1)
	pic := drawPNG(t, "one.png", 60, 90, strokes(4, [4]float64{30, 10, 30, 80}))
	for _, c := range []struct {
		argv []string
		msg  string
	}{
		{[]string{"inspect", dir}, "inspect: " + dir + ": a folder, not a regular file"},
		{[]string{"inspect", bigModel}, "inspect: " + bigModel + ": 67108865 bytes, over the 64 MiB limit of a model"},
		{[]string{"predict", pic, "--model", bigModel}, "eval: " + bigModel + ": 67108865 bytes, over the 64 MiB limit of a model"},
		{[]string{"predict", dir}, "digit: " + dir + ": a folder, not a regular file"},
		{[]string{"convert", "--checkpoint", big, "--out-dir", dir}, "model: " + big + ": 3221225472 bytes, over the 64 MiB limit of a checkpoint"},
		{[]string{"train", "--resume", big, "--out", filepath.Join(dir, "x.ckpt")}, "model: " + big + ": 3221225472 bytes, over the 64 MiB limit of a checkpoint"},
		{[]string{"eval", "--checkpoint", dir, "--model", bigModel, "--limit", "1"}, "model: " + dir + ": a folder, not a regular file"},
	} {
		code, _, stderr := quick(t, c.argv...)
		if code != ExitError || !strings.Contains(stderr, c.msg) {
			t.Errorf("%q: exit %d, stderr:\n%s\nwant %q", c.argv, code, stderr, c.msg)
		}
	}
}

// eval reports a failing model's path once.
func TestEvalNamesFailingModelOnce(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.tflite")
	os.WriteFile(empty, nil, 0o644)
	code, _, stderr := run("eval", "--model", empty, "--limit", "1")
	if code != ExitError || strings.Count(stderr, "empty.tflite") != 1 {
		t.Errorf("exit %d, stderr:\n%s", code, stderr)
	}
}

// eval reads only the test set: a folder with the two t10k files will do.
func TestEvalNeedsOnlyTestFiles(t *testing.T) {
	src, err := mnist.Locate("")
	if err != nil {
		t.Skip(err)
	}
	dir := t.TempDir()
	for _, base := range []string{mnist.TestImages, mnist.TestLabels} {
		name := base
		if _, err := os.Stat(filepath.Join(src, name)); err != nil {
			name += ".gz"
		}
		b, err := os.ReadFile(filepath.Join(src, name))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, name), b, 0o644)
	}
	p := floatModelFile(t, t.TempDir())
	if code, _, stderr := run("eval", "--model", p, "--data", dir, "--limit", "10", "-q"); code != 0 {
		t.Errorf("exit %d: %s", code, stderr)
	}
}

// A model mnistcnn wrote records its digest: inspect says it matches; with
// one byte of a bias flipped, inspect describes the model but exits 1 with
// MISMATCH, and eval reports the model as failing.
func TestModelDigest(t *testing.T) {
	ck := testCheckpoint(t)
	built, _, err := convert.Build(ck, nil, convert.Options{Kinds: []string{convert.KindFloat}, Name: "mnist", Description: "test"})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	good := filepath.Join(dir, "good.tflite")
	os.WriteFile(good, built[0].Bytes, 0o644)
	code, out, _ := run("inspect", good)
	if code != 0 || !strings.Contains(out, "\nDigest               mnistcnn_sha256 matches the file\n") {
		t.Errorf("good model: exit %d:\n%s", code, out)
	}

	// The last bias of the last dense layer: 10 float32 before its end.
	m := built[0].Model
	last := m.Subgraphs[0].Operators[len(m.Subgraphs[0].Operators)-2] // FULLY_CONNECTED before SOFTMAX
	bias := m.Buffers[m.Subgraphs[0].Tensors[last.Inputs[2]].Buffer].Data
	b := append([]byte(nil), built[0].Bytes...)
	off := strings.Index(string(b), string(bias))
	if off < 0 {
		t.Fatal("bias not found in the file")
	}
	b[off+3] ^= 0x40 // the exponent of bias[0]
	bad := filepath.Join(dir, "bad.tflite")
	os.WriteFile(bad, b, 0o644)
	code, out, stderr := run("inspect", bad)
	if code != ExitError || !strings.Contains(out, "\nDigest               MISMATCH: tflite: digest mismatch") || !strings.Contains(stderr, "digest mismatch") {
		t.Errorf("altered model: exit %d:\n%s\nstderr %s", code, out, stderr)
	}
	code, out, _ = run("eval", "--model", bad, "--model", good, "--limit", "5", "--json", "-q")
	var rep evalReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code != ExitError || len(rep.Models) != 2 ||
		!strings.Contains(rep.Models[0].Error, "digest mismatch") || rep.Models[1].Error != "" {
		t.Errorf("eval of the altered model: exit %d, %v:\n%s", code, err, out)
	}
}

// A resumed run says where it picks up, in the words of the message an
// interrupted run leaves.
func TestResumeStatus(t *testing.T) {
	ck := &model.Checkpoint{Epochs: 7, Epoch: 2, Step: 120, OptStep: 3560}
	if got, want := resumeStatus("a.ckpt", ck), "resuming a.ckpt at epoch 3 step 120 (2 of 7 epochs done, 3560 optimizer steps)"; got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	ck.Epoch, ck.Step = 7, 0
	if got, want := resumeStatus("a.ckpt", ck), "resuming a.ckpt: all 7 epochs done; measuring test accuracy"; got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}
