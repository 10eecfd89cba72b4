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
28×28) and print each model's predicted digit and its ten probabilities.

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
	f.BoolVar(&opts.Show, "show", false, "also draw the 28×28 image the models see")
	return c
}

// prediction is one model's answer; its JSON keys are a contract.
type prediction struct {
	Path          string    `json:"path"`
	Prediction    int       `json:"prediction"`
	Probabilities []float32 `json:"probabilities"`
}

func runPredict(opts *PredictOptions) error {
	px, err := digit.Load(opts.File)
	if err != nil {
		return err
	}
	var preds []prediction
	for _, path := range opts.Models {
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("model %s not found: run \"mnistcnn convert\" first or pass --model", path)
		}
		m, err := eval.Load(path)
		if err != nil {
			return err
		}
		p, err := m.Predict(px)
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
		fmt.Fprint(opts.g.stdout, drawDigit(px))
		fmt.Fprintln(opts.g.stdout)
	}
	return writePredictions(opts.g.stdout, preds)
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
	for d := 0; d < eval.Classes; d++ {
		fmt.Fprintf(tw, "%d\t", d)
		for _, p := range preds {
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

// drawDigit draws a 28×28 image in text, two characters a pixel so that it
// looks square in a terminal.
func drawDigit(px []uint8) string {
	var b strings.Builder
	for y := 0; y < digit.Size; y++ {
		for x := 0; x < digit.Size; x++ {
			v := px[y*digit.Size+x]
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
