package cmd

import (
	"encoding/binary"
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mnistcnn/mnistcnn/mnist"
	"github.com/mnistcnn/mnistcnn/model"
)

// --arch: a preset name, a spec, or a file holding one; a bad spec is a
// usage error that shows where it is wrong.
func TestTrainArchFlag(t *testing.T) {
	dir := t.TempDir()
	specFile := filepath.Join(dir, "net.txt")
	os.WriteFile(specFile, []byte("# a small net\nconv:8:3\nmaxpool:2\nflatten\ndense\n"), 0o644)
	badFile := filepath.Join(dir, "bad.txt")
	os.WriteFile(badFile, []byte("conv:8:3\npool:2\ndense\n"), 0o644)
	bigFile := filepath.Join(dir, "big.txt")
	os.WriteFile(bigFile, []byte(strings.Repeat("conv:8:3\n", model.MaxSpecBytes/9+1)), 0o644)
	preset := filepath.Join(dir, "tiny")
	os.WriteFile(preset, []byte("conv:1:1,flatten,dense"), 0o644)
	for _, c := range []struct {
		argv []string
		code int
		spec string // the resolved ArchSpec
		msg  string // in stderr
	}{
		{[]string{"train"}, 0, "reference", ""},
		{[]string{"train", "--arch", " lenet5 "}, 0, "lenet5", ""},
		{[]string{"train", "--arch", "conv:8:3,flatten,dense"}, 0, "conv:8:3,flatten,dense", ""},
		{[]string{"train", "--arch", specFile}, 0, "# a small net\nconv:8:3\nmaxpool:2\nflatten\ndense\n", ""},
		// A preset name wins over a file of that name.
		{[]string{"train", "--arch", "tiny"}, 0, "tiny", ""},
		{[]string{"train", "--arch", "conv:8:3,pool:2,dense"}, ExitUsage, "",
			"model: arch: unknown layer kind \"pool\" (want conv, dwconv, maxpool, avgpool, gap, flatten, dense, dropout, input)\n  conv:8:3,pool:2,dense\n           ^^^^^^"},
		{[]string{"train", "--arch", ""}, ExitUsage, "", "model: arch: no layers"},
		{[]string{"train", "--arch", badFile}, ExitUsage, "",
			"--arch " + badFile + ": model: arch: unknown layer kind \"pool\" (want conv, dwconv, maxpool, avgpool, gap, flatten, dense, dropout, input)\n  line 2: pool:2\n          ^^^^^^"},
		{[]string{"train", "--arch", bigFile}, ExitError, "", "--arch: " + bigFile + ": 65538 bytes, over the 64 KiB limit of a spec file"},
		{[]string{"train", "--arch", dir}, ExitError, "", "--arch: " + dir + ": a folder, not a regular file"},
		{[]string{"train", "--resume", "a.ckpt", "--arch", "tiny"}, ExitUsage, "", "--arch cannot change when resuming"},
	} {
		code, o, stderr := parse(t, NewCmdTrain, c.argv...)
		if code != c.code || !strings.Contains(stderr, c.msg) {
			t.Errorf("%q: exit %d, want %d with %q; stderr:\n%s", c.argv, code, c.code, c.msg, stderr)
			continue
		}
		if code == 0 && o.ArchSpec != c.spec {
			t.Errorf("%q: spec %q, want %q", c.argv, o.ArchSpec, c.spec)
		}
	}
}

func TestTrainHelpDocumentsArch(t *testing.T) {
	code, out, _ := run("help", "train")
	for _, want := range []string{"--arch", "conv:F:K[:sS][:same|valid][:relu|relu6|linear]", "reference, lenet5, depthwise, tiny",
		"A preset name wins, then an", "can be exported by convert"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("help train: exit %d, no %q in:\n%s", code, want, out)
		}
	}
}

// writeIDX writes a data folder of n training and m test random h×w
// images with labels below classes (the test set's below testClasses).
func writeIDX(t *testing.T, n, m, h, w, classes, testClasses int) string {
	t.Helper()
	dir := t.TempDir()
	r := rand.New(rand.NewPCG(1, 2))
	write := func(name string, magic uint32, dims []int, body []byte) {
		b := binary.BigEndian.AppendUint32(nil, magic)
		for _, d := range dims {
			b = binary.BigEndian.AppendUint32(b, uint32(d))
		}
		if err := os.WriteFile(filepath.Join(dir, name), append(b, body...), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, s := range []struct {
		images, labels string
		n, classes     int
	}{{mnist.TrainImages, mnist.TrainLabels, n, classes}, {mnist.TestImages, mnist.TestLabels, m, testClasses}} {
		px := make([]byte, s.n*h*w)
		for i := range px {
			px[i] = byte(r.UintN(256))
		}
		lab := make([]byte, s.n)
		for i := range lab {
			lab[i] = byte(r.UintN(uint(s.classes)))
		}
		lab[0] = byte(s.classes - 1)
		write(s.images, 0x803, []int{s.n, h, w}, px)
		write(s.labels, 0x801, []int{s.n}, lab)
	}
	return dir
}

// A run on a data folder of 10×10 images of 3 classes: the architecture is
// built for them, recorded in the checkpoint, and a resumed run needs no
// --arch; one that does not fit them is refused before training.
func TestTrainArchOnOtherData(t *testing.T) {
	data := writeIDX(t, 48, 16, 10, 10, 3, 3)
	out := filepath.Join(t.TempDir(), "x.ckpt")
	base := []string{"train", "--data", data, "--val", "8", "--batch", "8", "--out", out, "-q", "--json"}
	code, stdout, stderr := run(append(base, "--epochs", "1", "--arch", "conv:4:3,maxpool:2:same,dropout:0.2,flatten,dense")...)
	if code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr)
	}
	var res struct {
		Arch   string `json:"arch"`
		Params int    `json:"params"`
		Epochs int    `json:"epochs"`
	}
	if err := json.Unmarshal([]byte(stdout), &res); err != nil {
		t.Fatal(err)
	}
	const want = "input:10x10x1,conv:4:3,maxpool:2:same,dropout:0.2,flatten,dense:3"
	if res.Arch != want || res.Params != 4*9+4+64*3+3 || res.Epochs != 1 {
		t.Errorf("result %+v, want arch %s, 235 params, 1 epoch", res, want)
	}
	ck, err := model.LoadCheckpoint(out)
	if err != nil || ck.Arch != want {
		t.Fatalf("checkpoint arch %q, %v; want %q", ck.Arch, err, want)
	}

	code, stdout, stderr = run("train", "--data", data, "--resume", out, "--epochs", "2", "-q", "--json")
	if code != 0 || !strings.Contains(stdout, `"epochs": 2`) {
		t.Fatalf("resume: exit %d, stdout %s; stderr:\n%s", code, stdout, stderr)
	}

	// A window larger than the images: refused once the data is read.
	out2 := filepath.Join(t.TempDir(), "y.ckpt")
	code, _, stderr = run("train", "--data", data, "--val", "8", "--batch", "8", "--epochs", "1", "--out", out2, "--arch", "conv:4:11,flatten,dense")
	if code != ExitUsage || !strings.Contains(stderr, "--arch for the 10x10 images and 3 classes of "+data+": model: arch: a 11×11 window does not fit the 10×10 input") ||
		strings.Contains(stderr, "training on") {
		t.Errorf("conv:4:11 on 10×10: exit %d; stderr:\n%s", code, stderr)
	}
	if _, err := os.Stat(out2); err == nil {
		t.Error("a refused run wrote a checkpoint")
	}

	// Test labels beyond the training classes: refused before training.
	bad := writeIDX(t, 48, 16, 10, 10, 3, 5)
	code, _, stderr = run("train", "--data", bad, "--val", "8", "--batch", "8", "--epochs", "1", "--out", out2, "--arch", "conv:4:3,flatten,dense")
	if code != ExitError || !strings.Contains(stderr, "the test set has labels up to 4, the model classifies 3 classes") {
		t.Errorf("test labels beyond the classes: exit %d; stderr:\n%s", code, stderr)
	}
}
