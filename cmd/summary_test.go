package cmd

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mnistcnn/mnistcnn/model"
)

const referenceSummary = `reference: input:28x28x1,conv:32:3,maxpool:2,conv:32:3,maxpool:2,flatten,dense:200,dense:50,dense:10

Layer    Type       Options                     Output shape   Params       MACs
input    Input                                  (28, 28, 1)         0          0
conv1    Conv2D     3×3, stride 1, valid, relu  (26, 26, 32)      320    194,688
pool1    MaxPool2D  2×2, stride 2, valid        (13, 13, 32)        0          0
conv2    Conv2D     3×3, stride 1, valid, relu  (11, 11, 32)    9,248  1,115,136
pool2    MaxPool2D  2×2, stride 2, valid        (5, 5, 32)          0          0
flatten  Flatten                                (800)               0          0
dense1   Dense      relu                        (200)         160,200    160,000
dense2   Dense      relu                        (50)           10,050     10,000
dense3   Dense      softmax                     (10)              510        500
total                                                         180,328  1,480,324
`

func TestSummary(t *testing.T) {
	dir := t.TempDir()
	ckPath := filepath.Join(dir, "mnist.ckpt")
	if err := model.SaveCheckpoint(ckPath, testCheckpoint(t)); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		argv   []string
		code   int
		stdout []string // substrings of stdout, or all of it for one that ends in "\n"
		stderr []string // substrings of stderr
	}{
		{[]string{"summary"}, 0, []string{referenceSummary}, nil},
		{[]string{"summary", "--arch", "reference", "--input", "28x28x1", "--classes", "10"}, 0, []string{referenceSummary}, nil},
		{[]string{"summary", "--checkpoint", ckPath}, 0, []string{ckPath + ": " + referenceSummary}, nil},
		{[]string{"summary", "--arch", "tiny"}, 0, []string{"tiny: input:28x28x1,conv:"}, nil},
		{[]string{"summary", "--arch", "conv:8:3,maxpool:2,conv:16:3,maxpool:2,flatten,dense"}, 0, []string{
			"input:28x28x1,conv:8:3,maxpool:2,conv:16:3,maxpool:2,flatten,dense:10\n",
			"\ndense1   Dense      softmax                     (10)           4,010    4,000\n",
			"\ntotal                                                          5,258  192,064\n"}, nil},
		{[]string{"summary", "--arch", "lenet5"}, 0, []string{"\nconv1     Conv2D            5×5, stride 1, same, relu   (28, 28, 6)      156  117,600\n",
			"\navgpool1  AveragePooling2D  2×2, stride 2, valid        (14, 14, 6)        0        0\n"}, nil},
		{[]string{"summary", "--arch", "depthwise", "--input", "32x32x3", "--classes", "5"}, 0, []string{
			"depthwise: input:32x32x3,", "  (32, 32, 3)  ", "\ndense1   Dense                   softmax                       (5)             1,285      1,280\n"}, nil},
		{[]string{"summary", "--arch", "conv:8:3:s2:same:relu6,dwconv:3:m2:linear,dropout:0.25,gap,dense"}, 0, []string{
			"input:28x28x1,conv:8:3:s2:same:relu6,dwconv:3:m2:linear,dropout:0.25,gap,dense:10\n",
			"\nconv1     Conv2D                  3×3, stride 2, same, relu6",
			"\ndwconv1   DepthwiseConv2D         3×3, multiplier 2, stride 1, valid, linear  (12, 12, 16)",
			"\ndropout1  Dropout                 rate 0.25"}, nil},
		// A spec that gives its input is built for it.
		{[]string{"summary", "--arch", "input:32x32,conv:4:3,flatten,dense"}, 0, []string{"\ninput    Input                                (32, 32, 1)"}, nil},

		// Usage errors: the spec with a caret under the mistake.
		{[]string{"summary", "--arch", "conv:32:3,pool:2"}, ExitUsage, nil, []string{
			"mnistcnn: --arch: model: arch: unknown layer kind \"pool\"", "\n  conv:32:3,pool:2\n            ^^^^^^\n", "\nUsage:\n"}},
		{[]string{"summary", "--arch", "conv:8:3 maxpool:2 dense:7"}, ExitUsage, nil, []string{
			"dense needs flat input: put flatten or gap before it", "\n  conv:8:3 maxpool:2 dense:7\n                     ^^^^^^^\n"}},
		{[]string{"summary", "--arch", "conv:8:3,maxpool:2,conv:16:3,maxpool:2,flatten,dense", "--input", "3x3"}, ExitUsage, nil, []string{"a 2×2 window does not fit the 1×1 input", "\n           ^^^^^^^^^\n"}},
		{[]string{"summary", "--arch", "conv:8:3,flatten,dense:5"}, ExitUsage, nil, []string{"the classifier has 5 units, the data has 10 classes"}},
		{[]string{"summary", "--arch", "input:32x32,conv:4:3,flatten,dense", "--input", "28x28"}, ExitUsage, nil, []string{"--input 28x28: the spec is for 32x32x1 images; drop --input or change the spec's input"}},
		{[]string{"summary", "--arch", ""}, ExitUsage, nil, []string{"no layers"}},
		{[]string{"summary", "--input", "28"}, ExitUsage, nil, []string{"--input 28: want HxW or HxWxC"}},
		{[]string{"summary", "--input", "0x28"}, ExitUsage, nil, []string{"--input 0x28: want HxW or HxWxC with sides 1 to 1024"}},
		{[]string{"summary", "--input", "28x28x1x1"}, ExitUsage, nil, []string{"--input 28x28x1x1"}},
		{[]string{"summary", "--classes", "1"}, ExitUsage, nil, []string{"--classes 1: want 2 to 4096"}},
		{[]string{"summary", "--classes", "5000"}, ExitUsage, nil, []string{"--classes 5000: want 2 to 4096"}},
		{[]string{"summary", "--checkpoint", ckPath, "--arch", "tiny"}, ExitUsage, nil, []string{"--arch: the checkpoint records its architecture and shapes"}},
		{[]string{"summary", "--checkpoint", ckPath, "--input", "28x28"}, ExitUsage, nil, []string{"--input: the checkpoint records"}},
		{[]string{"summary", "--checkpoint", ""}, ExitUsage, nil, []string{"--checkpoint: empty path"}},
		{[]string{"summary", "extra"}, ExitUsage, nil, []string{"mnistcnn summary takes no arguments"}},

		// A checkpoint that is not there is a bad input file.
		{[]string{"summary", "--checkpoint", filepath.Join(dir, "missing.ckpt")}, ExitError, nil, []string{"missing.ckpt"}},
	} {
		code, out, stderr := run(c.argv...)
		ok := code == c.code
		for _, s := range c.stdout {
			if strings.HasPrefix(s, "reference: ") || strings.HasPrefix(s, ckPath) {
				ok = ok && out == s
			} else {
				ok = ok && strings.Contains(out, s)
			}
		}
		if c.code != 0 {
			ok = ok && out == ""
		}
		for _, s := range c.stderr {
			ok = ok && strings.Contains(stderr, s)
		}
		if !ok {
			t.Errorf("%q: exit %d, want %d; stdout:\n%s\nstderr:\n%s", c.argv, code, c.code, out, stderr)
		}
	}
}

func TestSummaryJSON(t *testing.T) {
	for _, name := range model.PresetNames() {
		code, out, stderr := run("summary", "--arch", name, "--input", "32x32x3", "--classes", "7", "--json")
		var s archSummary
		if err := json.Unmarshal([]byte(out), &s); err != nil || code != 0 {
			t.Fatalf("%s: exit %d, %v: %s", name, code, err, stderr)
		}
		a, err := model.Build(name, 32, 32, 3, 7)
		if err != nil {
			t.Fatal(err)
		}
		if s.Name != name || s.Spec != a.Spec() || s.Params != a.NumParams() || s.MACs != a.MACs() || s.Classes != 7 ||
			len(s.Layers) != len(a.Layers) || len(s.InputShape) != 3 || s.InputShape[2] != 3 {
			t.Errorf("%s: %+v", name, s)
		}
		for i, l := range a.Layers {
			if g := s.Layers[i]; g.Name != l.Name || g.Params != l.NumParams() || g.MACs != l.MACs() || g.Kind != l.Kind.String() {
				t.Errorf("%s: layer %d: %+v, want %+v", name, i, g, l)
			}
		}
	}
	// The options of each kind, and only those.
	_, out, _ := run("summary", "--arch", "conv:8:3:s2:same,maxpool:2,dwconv:3:m2,dropout:0.5,flatten,dense:16:linear,dense", "--json")
	var s struct {
		Layers []map[string]any `json:"layers"`
	}
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatal(err)
	}
	want := []map[string]any{
		{},
		{"filters": 8.0, "kernel": 3.0, "stride": 2.0, "padding": "same", "activation": "relu"},
		{"kernel": 2.0, "stride": 2.0, "padding": "valid"},
		{"multiplier": 2.0, "kernel": 3.0, "stride": 1.0, "padding": "valid", "activation": "relu"},
		{"rate": 0.5},
		{},
		{"units": 16.0, "activation": "linear"},
		{"units": 10.0, "activation": "softmax"},
	}
	for i, l := range s.Layers {
		for _, k := range []string{"name", "kind", "output_shape", "params", "macs"} {
			delete(l, k)
		}
		if len(l) != len(want[i]) {
			t.Errorf("layer %d: %v, want %v", i, l, want[i])
			continue
		}
		for k, v := range want[i] {
			if l[k] != v {
				t.Errorf("layer %d: %v, want %v", i, l, want[i])
			}
		}
	}
	// A mistake is one JSON error document with the caret.
	code, out, _ := run("summary", "--arch", "conv:32:3,pool:2", "--json")
	var doc struct {
		Error    string `json:"error"`
		ExitCode int    `json:"exit_code"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil || code != ExitUsage || doc.ExitCode != ExitUsage ||
		!strings.HasSuffix(doc.Error, "\n  conv:32:3,pool:2\n            ^^^^^^") {
		t.Errorf("exit %d, %v: %s", code, err, out)
	}
}

func TestSummaryHelp(t *testing.T) {
	code, out, _ := run("help", "summary")
	if code != 0 || !strings.Contains(out, model.SpecHelp) || !strings.Contains(out, "--arch string") || !strings.Contains(out, "--checkpoint string") {
		t.Errorf("exit %d:\n%s", code, out)
	}
}
