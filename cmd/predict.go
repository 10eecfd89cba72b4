package cmd

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/mnistcnn/mnistcnn/digit"
	"github.com/mnistcnn/mnistcnn/eval"
	"github.com/mnistcnn/mnistcnn/internal/readfile"
	"github.com/mnistcnn/mnistcnn/model"
	"github.com/mnistcnn/mnistcnn/tflite"
	"github.com/spf13/cobra"
)

// PredictOptions are the options of `mnistcnn predict`.
type PredictOptions struct {
	g      *globals
	File   string
	Models []string
	Dir    string
	Show   bool
}

// NewCmdPredict builds `mnistcnn predict`; run replaces runPredict in tests.
func NewCmdPredict(g *globals, run func(*PredictOptions) error) *cobra.Command {
	opts := &PredictOptions{g: g}
	c := &cobra.Command{
		Use:   "predict FILE",
		Short: "Read the digit in a picture and print what each model sees",
		Long: `Read a picture of one handwritten digit (PNG, JPEG, GIF or PGM; dark ink on
a light page or light ink on a dark one), make it an MNIST image (crop to
the ink, scale its longer side to 20 pixels, centre its centre of mass in
28×28; for a model of another input size, the same in its own frame) and
print each model's predicted digit and its probabilities.

The picture must be a regular file of at most ` + readfile.Size(digit.MaxFileBytes) + ` and ` + fmt.Sprint(digit.MaxPixels>>20) + ` Mi pixels
(` + thousands(digit.MaxPixels) + `, e.g. 4096×3072 or a 12-megapixel photo), which
takes at most about 200 MB to read; a model at most ` + readfile.Size(tflite.MaxFileBytes) + `. A model
whose mnistcnn digest does not match its bytes is refused.

Without --model it runs what "mnistcnn convert" wrote: DIR/mnist_float.tflite
and DIR/mnist_int8.tflite (DIR is --dir, default out).

` + exitCodesHelp,
		Example: `  $ mnistcnn predict seven.png
  $ mnistcnn predict scan.pgm --model out/mnist_int8.tflite --show
  $ mnistcnn predict seven.png --json`,
		Args: func(c *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("%s takes one picture file, got %d arguments", c.CommandPath(), len(args))
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			opts.File = args[0]
			for _, m := range opts.Models {
				if m == "" {
					return usagef("--model: empty path")
				}
			}
			if len(opts.Models) == 0 {
				opts.Models = []string{
					filepath.Join(opts.Dir, "mnist_float.tflite"),
					filepath.Join(opts.Dir, "mnist_int8.tflite"),
				}
			}
			if run != nil {
				return run(opts)
			}
			return runPredict(opts)
		},
	}
	f := c.Flags()
	f.StringArrayVarP(&opts.Models, "model", "m", nil, "a .tflite model to run (repeatable; default: the float and int8 models in --dir)")
	f.StringVar(&opts.Dir, "dir", "out", "folder of the models convert wrote")
	f.BoolVar(&opts.Show, "show", false, "also draw the image the models see (28×28 for MNIST)")
	return c
}

// prediction is one model's answer; its JSON keys are a contract.
type prediction struct {
	Path          string    `json:"path"`
	Prediction    int       `json:"prediction"`
	Probabilities []float32 `json:"probabilities"`
}

func runPredict(opts *PredictOptions) error {
	pic, err := digit.Open(opts.File)
	if err != nil {
		return err
	}
	var preds []prediction
	var shown []framed // the images the models saw, each size once
	for _, path := range opts.Models {
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("model %s not found: run \"mnistcnn convert\" first or pass --model", path)
		}
		m, err := eval.Load(path)
		if err != nil {
			return err
		}
		img, err := imageFor(pic, m.TF, &shown)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		p, err := m.Predict(img.input())
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		preds = append(preds, prediction{Path: path, Prediction: model.Class(p), Probabilities: p})
	}
	if opts.g.json {
		return writeJSON(opts.g.stdout, struct {
			File   string       `json:"file"`
			Models []prediction `json:"models"`
		}{opts.File, preds})
	}
	if opts.Show {
		for _, img := range shown {
			fmt.Fprint(opts.g.stdout, drawDigit(img.px, img.w))
			fmt.Fprintln(opts.g.stdout)
		}
	}
	return writePredictions(opts.g.stdout, preds)
}

// framed is the picture framed for a model's input: h×w pixels, fed to c
// channels.
type framed struct {
	h, w, c int
	px      []uint8
}

// input is the image in the input's H,W,C order, each pixel repeated in
// every channel.
func (img framed) input() []uint8 {
	if img.c == 1 {
		return img.px
	}
	in := make([]uint8, 0, len(img.px)*img.c)
	for _, p := range img.px {
		for range img.c {
			in = append(in, p)
		}
	}
	return in
}

// imageFor frames the picture for m's input, [1,H,W,C] or [1,H,W] (a
// model whose input has another shape gets MNIST's 28×28), reusing an
// image of the same size from shown and adding a new one to it.
func imageFor(pic *digit.Picture, m *tflite.Model, shown *[]framed) (framed, error) {
	h, w, c := digit.Size, digit.Size, 1
	if sg := m.Subgraphs; len(sg) > 0 && len(sg[0].Inputs) == 1 && int(sg[0].Inputs[0]) < len(sg[0].Tensors) && sg[0].Inputs[0] >= 0 {
		if s := sg[0].Tensors[sg[0].Inputs[0]].Shape; (len(s) == 3 || len(s) == 4) && s[0] == 1 && s[1] > 0 && s[2] > 0 {
			h, w = int(s[1]), int(s[2])
			if len(s) == 4 && s[3] > 0 {
				c = int(s[3])
			}
		}
	}
	for _, img := range *shown {
		if img.h == h && img.w == w {
			img.c = c
			return img, nil
		}
	}
	px, err := pic.Image(h, w)
	if err != nil {
		return framed{}, err
	}
	img := framed{h, w, c, px}
	*shown = append(*shown, img)
	return img, nil
}

// writePredictions prints a table of models (columns) by digits (rows)
// under each model's prediction; the largest probability is starred.
func writePredictions(w io.Writer, preds []prediction) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprint(tw, "\t")
	for _, p := range preds {
		fmt.Fprintf(tw, "%s\t", filepath.Base(p.Path))
	}
	fmt.Fprint(tw, "\nprediction\t")
	for _, p := range preds {
		fmt.Fprintf(tw, "%d\t", p.Prediction)
	}
	fmt.Fprintln(tw)
	classes := 0
	for _, p := range preds {
		classes = max(classes, len(p.Probabilities))
	}
	for d := 0; d < classes; d++ {
		fmt.Fprintf(tw, "%d\t", d)
		for _, p := range preds {
			if d >= len(p.Probabilities) {
				fmt.Fprint(tw, "\t")
				continue
			}
			star := ""
			if p.Prediction == d {
				star = "* "
			}
			fmt.Fprintf(tw, "%s%.4f\t", star, p.Probabilities[d])
		}
		fmt.Fprintln(tw)
	}
	return tw.Flush()
}

// drawDigit draws an image w pixels wide in text, two characters a pixel
// so that it looks square in a terminal.
func drawDigit(px []uint8, w int) string {
	var b strings.Builder
	for y := 0; y < len(px)/w; y++ {
		for x := 0; x < w; x++ {
			v := px[y*w+x]
			switch {
			case v == 0:
				b.WriteString("  ")
			case v < 85:
				b.WriteString("..")
			case v < 170:
				b.WriteString("++")
			default:
				b.WriteString("##")
			}
		}
		b.WriteString("\n")
	}
	return trimLines(b.String())
}

// trimLines removes the spaces at the end of every line of s.
func trimLines(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	return strings.Join(lines, "\n")
}
