package cmd

import (
	"bytes"
	"encoding/json"
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/mnistcnn/mnistcnn/convert"
	"github.com/mnistcnn/mnistcnn/digit"
	"github.com/mnistcnn/mnistcnn/model"
	"github.com/mnistcnn/mnistcnn/quantize"
	"github.com/mnistcnn/mnistcnn/tflite"
	"github.com/mnistcnn/mnistcnn/train"
	"github.com/spf13/cobra"
)

// runOne executes argv with only the command newCmd builds registered, as
// Execute would, and returns the exit code, stdout and stderr.
func runOne(newCmd func(*globals) *cobra.Command, argv ...string) (int, string, string) {
	var out, errb bytes.Buffer
	g := &globals{stdout: &out, stderr: &errb}
	root := NewRootCmd(g)
	for _, c := range root.Commands() {
		root.RemoveCommand(c)
	}
	root.AddCommand(newCmd(g))
	root.SetArgs(argv)
	_, err := root.ExecuteC()
	if err != nil {
		reportError(&out, &errb, err, g.json)
	}
	return exitCode(err), out.String(), errb.String()
}

func TestPredictFlags(t *testing.T) {
	def := []string{filepath.Join("out", "mnist_float.tflite"), filepath.Join("out", "mnist_int8.tflite")}
	tests := []struct {
		argv   []string
		code   int
		file   string
		models []string
		show   bool
	}{
		{[]string{"predict", "a.png"}, 0, "a.png", def, false},
		{[]string{"predict", "a.png", "--dir", "d"}, 0, "a.png", []string{filepath.Join("d", "mnist_float.tflite"), filepath.Join("d", "mnist_int8.tflite")}, false},
		{[]string{"predict", "b.pgm", "-m", "x.tflite", "--model", "y.tflite", "--show"}, 0, "b.pgm", []string{"x.tflite", "y.tflite"}, true},
		{[]string{"predict"}, ExitUsage, "", nil, false},
		{[]string{"predict", "a.png", "b.png"}, ExitUsage, "", nil, false},
		{[]string{"predict", "a.png", "--model", ""}, ExitUsage, "", nil, false},
		{[]string{"predict", "a.png", "--bogus"}, ExitUsage, "", nil, false},
	}
	for _, tt := range tests {
		code, o, _ := parse(t, func(g *globals, run func(*PredictOptions) error) *cobra.Command { return NewCmdPredict(g, run) }, tt.argv...)
		if code != tt.code {
			t.Errorf("%q: exit %d, want %d", tt.argv, code, tt.code)
			continue
		}
		if code != 0 {
			continue
		}
		if o.File != tt.file || !reflect.DeepEqual(o.Models, tt.models) || o.Show != tt.show {
			t.Errorf("%q: got file %q models %q show %v", tt.argv, o.File, o.Models, o.Show)
		}
	}
}

// drawPNG writes a black-on-white picture of size w×h where ink(x, y) is
// true, and returns its path.
func drawPNG(t *testing.T, name string, w, h int, ink func(x, y float64) bool) string {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Pix[y*w+x] = 255
			if ink(float64(x)+0.5, float64(y)+0.5) {
				img.Pix[y*w+x] = 0
			}
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// strokes is ink within half-width hw of any of the segments (x0,y0,x1,y1).
func strokes(hw float64, segs ...[4]float64) func(x, y float64) bool {
	return func(x, y float64) bool {
		for _, s := range segs {
			dx, dy := s[2]-s[0], s[3]-s[1]
			u := ((x-s[0])*dx + (y-s[1])*dy) / (dx*dx + dy*dy)
			u = math.Max(0, math.Min(1, u))
			if math.Hypot(x-s[0]-u*dx, y-s[1]-u*dy) <= hw {
				return true
			}
		}
		return false
	}
}

type predictJSON struct {
	File   string `json:"file"`
	Models []struct {
		Path          string    `json:"path"`
		Prediction    int       `json:"prediction"`
		Probabilities []float32 `json:"probabilities"`
	} `json:"models"`
}

func newPredict(g *globals) *cobra.Command { return NewCmdPredict(g, nil) }

// TestPredictTrainedModel runs the trained MNIST CNN from testdata (uint8
// input, CAST and EXPAND_DIMS before its convolutions) on digits drawn here:
// a "1", a "7", a "0" and a "4" drawn about 200 pixels tall with a 9 pixel
// half-width pen (about 2 MNIST pixels after scaling, as MNIST's strokes
// are), and a "7" with a thin pen.
func TestPredictTrainedModel(t *testing.T) {
	const trained = "../testdata/models/mnist_cnn_float_uint8in_alankrantas.tflite"
	digits := []struct {
		name string
		want int
		ink  func(x, y float64) bool
	}{
		{"one.png", 1, strokes(9, [4]float64{100, 50, 100, 250})},
		{"seven.png", 7, strokes(9, [4]float64{50, 60, 150, 60}, [4]float64{150, 60, 90, 250})},
		{"zero.png", 0, func(x, y float64) bool {
			d := math.Hypot((x-100)/60, (y-150)/95) // an upright ellipse
			return d > 0.85 && d < 1.15
		}},
		{"four.png", 4, strokes(9, [4]float64{120, 40, 50, 180}, [4]float64{50, 180, 160, 180}, [4]float64{130, 110, 130, 260})},
		// A thin pen: 2 pixels wide on a 250-pixel digit.
		{"thin-seven.png", 7, strokes(1, [4]float64{50, 60, 150, 60}, [4]float64{150, 60, 90, 250})},
	}
	for _, d := range digits {
		path := drawPNG(t, d.name, 200, 300, d.ink)
		code, out, stderr := runOne(newPredict, "predict", path, "--model", trained, "--json")
		if code != 0 {
			t.Fatalf("%s: exit %d: %s%s", d.name, code, out, stderr)
		}
		var got predictJSON
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatalf("%s: %v\n%s", d.name, err, out)
		}
		if got.File != path || len(got.Models) != 1 || got.Models[0].Path != trained {
			t.Fatalf("%s: %+v", d.name, got)
		}
		if p := got.Models[0].Prediction; p != d.want {
			t.Errorf("%s: predicted %d, want %d (probabilities %v)", d.name, p, d.want, got.Models[0].Probabilities)
		}
	}
}

// TestPredictUntrainedModels runs the default pair of models from --dir: a
// float model converted from untrained weights, and the trained model from
// testdata standing in for the int8 one. Only the output's structure is
// checked.
func TestPredictUntrainedModels(t *testing.T) {
	ck, err := train.NewCheckpoint(train.DefaultConfig(), train.MNIST)
	if err != nil {
		t.Fatal(err)
	}
	m, err := convert.Float(ck, "test")
	if err != nil {
		t.Fatal(err)
	}
	b, err := tflite.Encode(m)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "mnist_float.tflite"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	trained := "../testdata/models/mnist_cnn_float_uint8in_alankrantas.tflite"
	if err := os.WriteFile(filepath.Join(dir, "mnist_int8.tflite"), mustRead(t, trained), 0o644); err != nil {
		t.Fatal(err)
	}
	pic := drawPNG(t, "one.png", 60, 90, strokes(4, [4]float64{30, 10, 30, 80}))

	code, out, stderr := runOne(newPredict, "predict", pic, "--dir", dir, "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s%s", code, out, stderr)
	}
	var got predictJSON
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Models) != 2 {
		t.Fatalf("%d models, want the 2 defaults", len(got.Models))
	}
	for _, mj := range got.Models {
		if len(mj.Probabilities) != 10 {
			t.Fatalf("%s: %d probabilities", mj.Path, len(mj.Probabilities))
		}
		var sum float64
		best := 0
		for i, p := range mj.Probabilities {
			if p < 0 || p > 1 {
				t.Errorf("%s: probability %d is %v", mj.Path, i, p)
			}
			sum += float64(p)
			if p > mj.Probabilities[best] {
				best = i
			}
		}
		// Softmax outputs sum to 1 up to float32 rounding of ten terms.
		if math.Abs(sum-1) > 1e-5 {
			t.Errorf("%s: probabilities sum to %v", mj.Path, sum)
		}
		if mj.Prediction != best {
			t.Errorf("%s: prediction %d, largest probability at %d", mj.Path, mj.Prediction, best)
		}
	}

	// The table: a header with both model names, ten digit rows and the
	// prediction row; --show draws the image above it.
	code, out, _ = runOne(newPredict, "predict", pic, "--dir", dir, "--show")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if len(lines) != 28+1+12 {
		t.Fatalf("%d lines, want 28 image rows, a blank line and 12 table rows:\n%s", len(lines), out)
	}
	if h := lines[29]; !strings.Contains(h, "mnist_float.tflite") || !strings.Contains(h, "mnist_int8.tflite") {
		t.Errorf("header %q", h)
	}
	if strings.Count(out, "*") != 2 {
		t.Errorf("want one starred probability per model:\n%s", out)
	}
	if !strings.Contains(lines[14], "##") {
		t.Errorf("row 14 of the drawn image has no ink: %q", lines[14])
	}
}

func TestPredictErrors(t *testing.T) {
	dir := t.TempDir()
	pic := drawPNG(t, "one.png", 60, 90, strokes(4, [4]float64{30, 10, 30, 80}))
	missing := filepath.Join(dir, "mnist_float.tflite")
	code, _, stderr := runOne(newPredict, "predict", pic, "--dir", dir)
	if code != ExitError || !strings.Contains(stderr, missing) || !strings.Contains(stderr, "not found") {
		t.Errorf("missing model: exit %d, %q", code, stderr)
	}
	code, out, _ := runOne(newPredict, "predict", pic, "--dir", dir, "--json")
	if code != ExitError || !strings.Contains(out, `"exit_code": 1`) {
		t.Errorf("missing model --json: exit %d, %q", code, out)
	}
	code, _, stderr = runOne(newPredict, "predict", filepath.Join(dir, "nope.png"))
	if code != ExitError || !strings.Contains(stderr, "nope.png") {
		t.Errorf("missing picture: exit %d, %q", code, stderr)
	}
	bad := filepath.Join(dir, "bad.tflite")
	os.WriteFile(bad, []byte("TFL3 but not a model"), 0o644)
	code, _, stderr = runOne(newPredict, "predict", pic, "-m", bad)
	if code != ExitError || !strings.Contains(stderr, "bad.tflite") {
		t.Errorf("bad model: exit %d, %q", code, stderr)
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestPredictEveryPreset runs predict on the float and int8 models of each
// preset (random weights: only the output's structure is checked).
func TestPredictEveryPreset(t *testing.T) {
	pic := drawPNG(t, "one.png", 60, 90, strokes(4, [4]float64{30, 10, 30, 80}))
	calib := make([][]float32, 4)
	for i := range calib {
		calib[i] = make([]float32, 784)
		for j := range calib[i] {
			calib[i][j] = float32((i*31+j*7)%256) / 255
		}
	}
	for _, preset := range model.PresetNames() {
		a, err := model.Build(preset, 28, 28, 1, 10)
		if err != nil {
			t.Fatal(err)
		}
		ck := &model.Checkpoint{Arch: a.CheckpointName(), Weights: model.NewCheckpointWeights(a), TestAccuracy: -1}
		for i, w := range ck.Weights {
			for j := range w.Data {
				w.Data[j] = float32(math.Sin(float64(3*i+j))) * 0.2
			}
		}
		_, files, err := convert.Build(ck, calib, convert.Options{
			Kinds: []string{convert.KindFloat, convert.KindInt8}, Formats: []string{convert.FormatTFLite},
			Name: "mnist", Quantize: quantize.DefaultOptions(),
		})
		if err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		if _, err := convert.WriteFiles(dir, files); err != nil {
			t.Fatal(err)
		}
		code, out, stderr := runOne(newPredict, "predict", pic, "--dir", dir, "--json")
		if code != 0 {
			t.Fatalf("%s: exit %d: %s%s", preset, code, out, stderr)
		}
		var got predictJSON
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatal(err)
		}
		if len(got.Models) != 2 || len(got.Models[0].Probabilities) != 10 || len(got.Models[1].Probabilities) != 10 {
			t.Fatalf("%s: %+v", preset, got)
		}
	}
}

// TestImageFor frames the picture at each model's input size, once a size.
func TestImageFor(t *testing.T) {
	pic, err := digit.Open(drawPNG(t, "one.png", 60, 90, strokes(4, [4]float64{30, 10, 30, 80})))
	if err != nil {
		t.Fatal(err)
	}
	withInput := func(shape ...int32) *tflite.Model {
		return &tflite.Model{Subgraphs: []tflite.Subgraph{{Tensors: []tflite.Tensor{{Shape: shape}}, Inputs: []int32{0}}}}
	}
	var shown []framed
	for _, tc := range []struct {
		shape      []int32
		h, w, c, n int // the image, and the sizes shown after it
	}{
		{[]int32{1, 28, 28, 1}, 28, 28, 1, 1},
		{[]int32{1, 28, 28}, 28, 28, 1, 1},
		{[]int32{1, 784}, 28, 28, 1, 1},
		{[]int32{1, 14, 20, 3}, 14, 20, 3, 2},
		{[]int32{1, 14, 20, 1}, 14, 20, 1, 2},
	} {
		img, err := imageFor(pic, withInput(tc.shape...), &shown)
		if err != nil {
			t.Fatal(err)
		}
		if img.h != tc.h || img.w != tc.w || img.c != tc.c || len(img.px) != tc.h*tc.w || len(shown) != tc.n {
			t.Errorf("input %v: image %d×%d×%d of %d pixels, %d shown", tc.shape, img.h, img.w, img.c, len(img.px), len(shown))
		}
		in := img.input()
		if len(in) != tc.h*tc.w*tc.c {
			t.Fatalf("input %v: %d values", tc.shape, len(in))
		}
		for i, p := range img.px {
			for k := range tc.c {
				if in[i*tc.c+k] != p {
					t.Fatalf("input %v: value %d of pixel %d is %d, want %d", tc.shape, k, i, in[i*tc.c+k], p)
				}
			}
		}
	}
	if d := drawDigit(shown[1].px, 20); strings.Count(d, "\n") != 14 {
		t.Errorf("a 14×20 drawing has %d lines:\n%s", strings.Count(d, "\n"), d)
	}
}
