package cmd

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/mnistcnn/mnistcnn/eval"
	"github.com/mnistcnn/mnistcnn/internal/mnisttest"
	"github.com/mnistcnn/mnistcnn/mnist"
)

// writeDataFolder writes train and test as the four IDX files of a data
// folder in a new temporary directory.
func writeDataFolder(t *testing.T, train, test mnist.Set) string {
	t.Helper()
	dir := t.TempDir()
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
		set            mnist.Set
	}{{mnist.TrainImages, mnist.TrainLabels, train}, {mnist.TestImages, mnist.TestLabels, test}} {
		write(s.images, 0x00000803, []int{s.set.N, s.set.Rows, s.set.Cols}, s.set.Images[:s.set.N*s.set.Rows*s.set.Cols])
		write(s.labels, 0x00000801, []int{s.set.N}, s.set.Labels[:s.set.N])
	}
	return dir
}

// halved is s with every image the 2×2 means of its pixels, rounded: 14×14
// images from MNIST's 28×28.
func halved(s mnist.Set) mnist.Set {
	h, w := s.Rows/2, s.Cols/2
	out := mnist.Set{Images: make([]uint8, 0, s.N*h*w), Labels: s.Labels, N: s.N, Rows: h, Cols: w}
	for i := 0; i < s.N; i++ {
		img := s.Image(i)
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				a, b := img[2*y*s.Cols+2*x:], img[(2*y+1)*s.Cols+2*x:]
				out.Images = append(out.Images, uint8((int(a[0])+int(a[1])+int(b[0])+int(b[1])+2)/4))
			}
		}
	}
	return out
}

// below is the images of s whose labels are below classes.
func below(s mnist.Set, classes int) mnist.Set {
	out := mnist.Set{Rows: s.Rows, Cols: s.Cols}
	for i := 0; i < s.N; i++ {
		if int(s.Labels[i]) < classes {
			out.Images = append(out.Images, s.Image(i)...)
			out.Labels = append(out.Labels, s.Labels[i])
			out.N++
		}
	}
	return out
}

// The whole path on data that is not MNIST: train, convert (with test
// data) and eval on (a) MNIST halved to 14×14 and (b) MNIST's digits 0–4,
// five classes. The models follow the data: their input is the images'
// size, their output the data's classes, and eval reports them so. It
// trains twice, on 4,000 images for one epoch: about 2 s in all.
func TestOtherData(t *testing.T) {
	d := mnisttest.Data(t)
	for _, c := range []struct {
		name        string
		train, test mnist.Set
		arch        string
		classes     int
		minAccuracy float64 // of every model, a fraction
	}{
		// Measured: 90.5 % float and int8 (10 % is chance).
		{"14x14", halved(d.Train.Slice(0, 5000)), halved(d.Test), "conv:16:3,maxpool:2,flatten,dense:32,dense", 10, 0.80},
		// Measured: 97.5 % float and int8 (20 % is chance).
		{"digits0-4", below(d.Train.Slice(0, 10000), 5), below(d.Test, 5), "conv:8:3,maxpool:2,flatten,dense", 5, 0.90},
	} {
		t.Run(c.name, func(t *testing.T) {
			start := time.Now()
			data := writeDataFolder(t, c.train, c.test)
			work := t.TempDir()
			ck, out := filepath.Join(work, "m.ckpt"), filepath.Join(work, "out")
			code, _, stderr := run("train", "--data", data, "--arch", c.arch, "--epochs", "1", "--limit", "4000", "--val", "500",
				"--shift", "0", "--lr", "0.003", "--batch", "16", "--out", ck, "-q")
			if code != 0 {
				t.Fatalf("train: exit %d; stderr:\n%s", code, stderr)
			}
			if c.name == "14x14" {
				// Without --data, convert reads MNIST, whose images do not fit.
				code, _, stderr = run("convert", "--checkpoint", ck, "--out-dir", out, "-q")
				if code != ExitError || !strings.Contains(stderr, "model takes 14×14 images, the data in ") || !strings.Contains(stderr, "has 28×28: give --data the folder it was trained on") {
					t.Errorf("convert of a 14×14 model on MNIST: exit %d; stderr:\n%s", code, stderr)
				}
			}
			code, _, stderr = run("convert", "--data", data, "--checkpoint", ck, "--out-dir", out, "--format", "tflite,c", "--test-data", "5", "-q")
			if code != 0 {
				t.Fatalf("convert: exit %d; stderr:\n%s", code, stderr)
			}
			code, stdout, stderr := run("eval", "--data", data, "--dir", out, "--checkpoint", ck, "--json", "-q")
			if code != 0 {
				t.Fatalf("eval: exit %d; stderr:\n%s", code, stderr)
			}
			var rep evalReport
			if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
				t.Fatal(err)
			}
			if rep.Images != c.test.N || len(rep.Models) != 3 {
				t.Fatalf("%d images, %d models; want %d and 3", rep.Images, len(rep.Models), c.test.N)
			}
			for _, m := range rep.Models {
				t.Logf("%s: %.2f%%", m.Name, 100*m.Accuracy)
				if m.Error != "" || m.Accuracy < c.minAccuracy || m.Total != c.test.N {
					t.Errorf("%s: accuracy %.4f of %d (error %q), want at least %.2f", m.Name, m.Accuracy, m.Total, m.Error, c.minAccuracy)
				}
				if len(m.Confusion) != c.classes || len(m.Confusion[0]) != c.classes || len(m.PerClass) != c.classes {
					t.Errorf("%s: confusion of %d rows, %d per-class accuracies; want %d classes", m.Name, len(m.Confusion), len(m.PerClass), c.classes)
				}
			}

			// The models' input is the images', their output the classes.
			for _, name := range []string{"mnist_float.tflite", "mnist_int8.tflite"} {
				m, err := eval.Load(filepath.Join(out, name))
				if err != nil {
					t.Fatal(err)
				}
				sg := &m.TF.Subgraphs[0]
				in, o := sg.Tensors[sg.Inputs[0]].Shape, sg.Tensors[sg.Outputs[0]].Shape
				if want := []int32{1, int32(c.test.Rows), int32(c.test.Cols), 1}; !reflect.DeepEqual(in, want) || m.Classes() != c.classes {
					t.Errorf("%s: input %v, output %v; want %v and %d classes", name, in, o, want, c.classes)
				}
			}

			// The test data header holds the first five test images, of
			// the data's size.
			h, err := os.ReadFile(filepath.Join(out, "mnist_test_data.h"))
			if err != nil {
				t.Fatal(err)
			}
			labels := fmt.Sprint(c.test.Labels[:5])
			labels = strings.ReplaceAll(labels[1:len(labels)-1], " ", ", ")
			for _, want := range []string{
				fmt.Sprintf("static const unsigned char g_mnist_test_images[5][%d][%d] = {", c.test.Rows, c.test.Cols),
				"static const unsigned char g_mnist_test_labels[5] = {" + labels + "};",
			} {
				if !strings.Contains(string(h), want) {
					t.Errorf("mnist_test_data.h lacks %q:\n%.600s", want, h)
				}
			}
			if c.test.Rows != 28 && !strings.Contains(string(h), fmt.Sprintf("5 test images of %d×%d pixels", c.test.Rows, c.test.Cols)) {
				t.Errorf("mnist_test_data.h does not say the images' size:\n%.400s", h)
			}

			// The text report: a row of the per-class table and of the
			// confusion matrix for each class.
			code, text, stderr := run("eval", "--data", data, "--dir", out, "--checkpoint", ck, "-q")
			if code != 0 {
				t.Fatalf("eval: exit %d; stderr:\n%s", code, stderr)
			}
			perClass := section(text, "per-class accuracy")
			confusion := section(text, "confusion matrix of mnist_int8 (rows: true digit, columns: predicted)")
			if len(perClass) != 1+c.classes || len(confusion) != 1+c.classes ||
				!strings.HasPrefix(strings.TrimSpace(perClass[c.classes]), fmt.Sprint(c.classes-1)+" ") ||
				strings.Join(strings.Fields(confusion[0]), " ") != strings.Trim(fmt.Sprint(seq(c.classes)), "[]") {
				t.Errorf("per-class table %q, confusion matrix %q; want %d classes", perClass, confusion, c.classes)
			}
			t.Logf("%v", time.Since(start).Round(time.Millisecond))
		})
	}
}

// section is the lines of text after the line head, up to a blank line.
func section(text, head string) []string {
	_, rest, ok := strings.Cut(text, "\n"+head+"\n")
	if !ok {
		return nil
	}
	body, _, _ := strings.Cut(rest, "\n\n")
	return strings.Split(strings.TrimRight(body, "\n"), "\n")
}

// seq is 0, 1, …, n−1.
func seq(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}

// The per-class table has a row for each class the models score (a "-"
// where a model scores fewer), the confusion matrix one for each of the
// model's; beyond ten classes they are called classes.
func TestEvalTextClasses(t *testing.T) {
	col := func(name string, classes int) *eval.ModelReport {
		m := &eval.ModelReport{Name: name, Result: &eval.Result{Classes: classes}}
		for i := 0; i < classes; i++ {
			m.PerClass = append(m.PerClass, 1)
			m.Confusion = append(m.Confusion, make([]int, classes))
		}
		return m
	}
	var b strings.Builder
	writeEvalText(&b, &evalReport{Models: []*eval.ModelReport{col("a", 12), col("b", 11)}}, false)
	text := b.String()
	perClass := section(text, "per-class accuracy")
	if len(perClass) != 13 || strings.Join(strings.Fields(perClass[0]), " ") != "class a b" ||
		strings.Join(strings.Fields(perClass[12]), " ") != "11 100.00% -" {
		t.Errorf("per-class table %q", perClass)
	}
	for name, n := range map[string]int{"a": 12, "b": 11} {
		c := section(text, "confusion matrix of "+name+" (rows: true class, columns: predicted)")
		if len(c) != 1+n || strings.Join(strings.Fields(c[0]), " ") != strings.Trim(fmt.Sprint(seq(n)), "[]") {
			t.Errorf("confusion matrix of %s: %q", name, c)
		}
	}
}
