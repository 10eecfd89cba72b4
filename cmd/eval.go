package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"

	"github.com/mnistcnn/mnistcnn/eval"
	"github.com/mnistcnn/mnistcnn/internal/readfile"
	"github.com/mnistcnn/mnistcnn/mnist"
	"github.com/mnistcnn/mnistcnn/model"
	"github.com/mnistcnn/mnistcnn/tflite"
	"github.com/mnistcnn/mnistcnn/train"
	"github.com/spf13/cobra"
)

// EvalOptions are the options of `mnistcnn eval`. The command parses and
// checks them; eval.Run does the work and cmd renders its report.
type EvalOptions struct {
	g             *globals
	Models        []string
	Checkpoint    string
	Dir           string
	Data          string
	Limit         int
	Workers       int
	MinAccuracy   float64 // percent; < 0: no gate
	MaxDrop       float64 // percentage points; < 0: no gate
	MaxModelBytes int64   // bytes; < 0: no gate
	MaxArenaBytes int64   // bytes; < 0: no gate
	ShowErrors    bool
	Layers        bool
	Plot          string

	checkpointSet bool
	ctx           context.Context
}

// NewCmdEval builds `mnistcnn eval`; run replaces runEval in tests.
func NewCmdEval(g *globals, run func(*EvalOptions) error) *cobra.Command {
	opts := &EvalOptions{g: g}
	c := &cobra.Command{
		Use:   "eval",
		Short: "Run the models on the MNIST test set and compare them side by side",
		Long: `Run .tflite models with mnistcnn's own TFLite interpreter (and the checkpoint
with Gorgonia) on the 10,000 MNIST test images, and report side by side:
accuracy, size, parameters, MACs, the tensor arena a TensorFlow Lite Micro
build must allocate, the ops its resolver must register, host latency, and
how far each model strays from the float one (agreement, relative L2
error and cosine similarity of the outputs). The parameters and MACs of
a .tflite model are counted from its tensors, those of the checkpoint
from the architecture it records.

Without --model it evaluates what "mnistcnn convert" wrote: DIR/mnist_float.tflite
and DIR/mnist_int8.tflite (DIR is --dir, default out), and the checkpoint
mnist.ckpt through Gorgonia when it is there. A model that cannot be read
or run is reported with its error; the others are still evaluated.

Gates for CI: eval prints the report, then exits 3 if a bar is not met,
with the reasons ("gate failed: …" at the end of the text report and on
stderr; "gate_failure" with --json). Each gate is checked on every model
evaluated, the byte gates on the .tflite models (not the checkpoint).
Eval fails when:
  --min-accuracy P         a model's accuracy is below P percent (99 for
                           99 %; a value in (0, 1] is refused as ambiguous:
                           as a fraction it would be a bar that always passes)
  --max-accuracy-drop PP   a model loses more than PP percentage points
                           against the float model
  --max-model-bytes N      a .tflite model's file is larger than N bytes
  --max-arena-bytes N      a .tflite model's tensor arena (the "tensor arena"
                           row, arena_bytes) is larger than N bytes
A byte gate also fails when no .tflite model was evaluated. A model that
could not be evaluated exits 1, not 3. The flags are checked before any
model runs: a negative bar is a usage error (exit 2).

The data need not be MNIST: --data names any folder of IDX files of small
grey images (see train). Each model must then take images of their size
(an input of H×W×C is fed each grey pixel in its C channels) and score at
least as many classes as the labels have; the per-class table and the
confusion matrix have a row for each class the model scores.

Only the two test files of the data folder are read. A model must be a
regular file of at most ` + readfile.Size(tflite.MaxFileBytes) + `, a checkpoint at most ` + readfile.Size(model.MaxCheckpointBytes) + `. A model mnistcnn
wrote records a digest of its bytes; one that does not match (the file was
altered) is reported as failing, like one that cannot be read. --plot is
checked before any model runs.

` + exitCodesHelp,
		Example: `  $ mnistcnn eval
  $ mnistcnn eval --model out/mnist_int8.tflite --limit 1000
  $ mnistcnn eval --json --min-accuracy 98.5 --max-accuracy-drop 0.1
  $ mnistcnn eval --model out/mnist_int8.tflite --max-model-bytes 200000 --max-arena-bytes 32768
  $ mnistcnn eval --show-errors --layers`,
		Args: noArgs,
		RunE: func(c *cobra.Command, args []string) error {
			opts.checkpointSet = c.Flags().Changed("checkpoint")
			opts.ctx = c.Context()
			if opts.Limit < 0 || opts.Workers < 0 {
				return usagef("--limit and --workers must not be negative")
			}
			if c.Flags().Changed("min-accuracy") {
				if err := checkPercent("min-accuracy", opts.MinAccuracy); err != nil {
					return err
				}
			}
			if c.Flags().Changed("max-accuracy-drop") && (opts.MaxDrop < 0 || math.IsNaN(opts.MaxDrop)) {
				return usagef("--max-accuracy-drop %v: want percentage points ≥ 0", opts.MaxDrop)
			}
			for _, b := range []struct {
				flag string
				v    int64
			}{{"max-model-bytes", opts.MaxModelBytes}, {"max-arena-bytes", opts.MaxArenaBytes}} {
				if c.Flags().Changed(b.flag) && b.v < 0 {
					return usagef("--%s %d: want a number of bytes ≥ 0", b.flag, b.v)
				}
			}
			if c.Flags().Changed("plot") {
				if err := checkOutDir("plot", opts.Plot); err != nil {
					return err
				}
			}
			if !c.Flags().Changed("min-accuracy") {
				opts.MinAccuracy = -1
			}
			if !c.Flags().Changed("max-accuracy-drop") {
				opts.MaxDrop = -1
			}
			if !c.Flags().Changed("max-model-bytes") {
				opts.MaxModelBytes = -1
			}
			if !c.Flags().Changed("max-arena-bytes") {
				opts.MaxArenaBytes = -1
			}
			if run != nil {
				return run(opts)
			}
			return runEval(opts)
		},
	}
	f := c.Flags()
	f.StringArrayVarP(&opts.Models, "model", "m", nil, "a .tflite model to evaluate (repeatable; default: the float and int8 models in --dir)")
	f.StringVar(&opts.Checkpoint, "checkpoint", "mnist.ckpt", "checkpoint to evaluate with Gorgonia (skipped when absent unless set)")
	f.StringVar(&opts.Dir, "dir", "out", "folder of the models convert wrote")
	f.StringVar(&opts.Data, "data", "", "folder of MNIST IDX files (default: $"+mnist.EnvVar+", then the GoMNIST module)")
	f.IntVar(&opts.Limit, "limit", 0, "evaluate the first N test images only (0: all)")
	f.IntVar(&opts.Workers, "workers", 0, "goroutines per model (0: one per core)")
	f.Float64Var(&opts.MinAccuracy, "min-accuracy", 0, "fail (exit 3) if any model's accuracy is below this percentage (e.g. 99; not a fraction)")
	f.Float64Var(&opts.MaxDrop, "max-accuracy-drop", 0, "fail (exit 3) if a model loses more than PP points against the float model")
	f.Int64Var(&opts.MaxModelBytes, "max-model-bytes", 0, "fail (exit 3) if any .tflite model's file is larger than N bytes")
	f.Int64Var(&opts.MaxArenaBytes, "max-arena-bytes", 0, "fail (exit 3) if any .tflite model's tensor arena is larger than N bytes")
	f.BoolVar(&opts.ShowErrors, "show-errors", false, "list the images models get wrong or disagree on")
	f.BoolVar(&opts.Layers, "layers", false, "compare the int8 model with the float model layer by layer")
	f.StringVar(&opts.Plot, "plot", "", "write confusion matrices and misclassified digits (PNG) into this folder")
	return c
}

// evalReport is the report eval.Run makes.
type evalReport = eval.Report

func runEval(opts *EvalOptions) error {
	g := opts.g
	eo := eval.Options{
		Models:     opts.Models,
		Dir:        opts.Dir,
		Data:       opts.Data,
		Limit:      opts.Limit,
		Workers:    opts.Workers,
		ShowErrors: opts.ShowErrors,
		Layers:     opts.Layers,
		Gates:      opts.gates(),
		Progress:   &evalProgress{g: g},
		Gorgonia:   train.Predict,
	}
	switch {
	case opts.checkpointSet:
		eo.Checkpoint = opts.Checkpoint
	case len(opts.Models) == 0:
		eo.Checkpoint, eo.CheckpointIfExists = opts.Checkpoint, true
	}
	ctx := opts.ctx
	if ctx == nil {
		ctx = context.Background()
	}
	rep, err := eval.Run(ctx, eo)
	switch {
	case errors.Is(err, eval.ErrNoModels):
		return fmt.Errorf("%v (run mnistcnn convert, or pass --model)", err)
	case errors.Is(err, eval.ErrNoLayerPair):
		return errors.New("--layers needs a float32 and an int8 model")
	case err != nil:
		return err
	}
	if opts.Plot != "" {
		if err := plotEval(opts.Plot, rep, g.status); err != nil {
			return err
		}
	}
	if g.json {
		if err := writeJSON(g.stdout, rep); err != nil {
			return err
		}
	} else {
		writeEvalText(g.stdout, rep, opts.ShowErrors)
	}
	switch {
	case rep.Failed() > 0:
		return silentError{fmt.Errorf("%d of %d models could not be evaluated", rep.Failed(), len(rep.Models))}
	case rep.GateFailure != "":
		return gateError{rep.GateFailure}
	}
	return nil
}

// gates are the bars of the flags that were set.
func (opts *EvalOptions) gates() eval.Gates {
	var gs eval.Gates
	if v := opts.MinAccuracy; v >= 0 {
		gs.MinAccuracy = &v
	}
	if v := opts.MaxDrop; v >= 0 {
		gs.MaxAccuracyDrop = &v
	}
	if v := opts.MaxModelBytes; v >= 0 {
		gs.MaxModelBytes = &v
	}
	if v := opts.MaxArenaBytes; v >= 0 {
		gs.MaxArenaBytes = &v
	}
	return gs
}

// evalProgress shows eval.Run's progress on stderr: a bar for each model
// (on a terminal) and status lines.
type evalProgress struct {
	g   *globals
	bar *bar
}

func (p *evalProgress) Status(msg string)        { p.g.status("%s", msg) }
func (p *evalProgress) Begin(name string, n int) { p.bar = p.g.newBar(n, name) }
func (p *evalProgress) Images(done int)          { p.bar.set(done, "") }
func (p *evalProgress) End()                     { p.bar.finish() }

// checkPercent checks a flag that is a percentage in [0, 100]. A value in
// (0, 1] is refused: read as a percentage it is a bar of at most 1 %, which
// any model passes, while the one who wrote it most likely meant a
// fraction, as the JSON output gives accuracy.
func checkPercent(flag string, v float64) error {
	if !(v >= 0 && v <= 100) {
		return usagef("--%s %v: want a percentage in [0, 100]", flag, v)
	}
	if v > 0 && v <= 1 {
		return usagef("--%s %v: a percentage, not a fraction; did you mean %.6g? (values in (0, 1] are refused as ambiguous)", flag, v, 100*v)
	}
	return nil
}

func writeEvalText(w io.Writer, rep *evalReport, showErrors bool) {
	fmt.Fprintf(w, "%d test images from %s\n\n", rep.Images, rep.Data)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(label string, f func(m *eval.ModelReport) string) {
		cells := []string{label}
		for _, m := range rep.Models {
			if m.Error != "" && label != "model" && label != "error" {
				cells = append(cells, "-")
				continue
			}
			cells = append(cells, f(m))
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t")) // the last cell unpadded: no trailing blanks
	}
	byModel := map[string]eval.Comparison{}
	for _, c := range rep.Comparisons {
		byModel[c.Model] = c
	}
	cmp := func(f func(c eval.Comparison) string) func(m *eval.ModelReport) string {
		return func(m *eval.ModelReport) string {
			c, ok := byModel[m.Name]
			if !ok {
				return "-"
			}
			return f(c)
		}
	}
	row("model", func(m *eval.ModelReport) string { return m.Name })
	row("type", func(m *eval.ModelReport) string { return m.Type })
	row("accuracy", func(m *eval.ModelReport) string { return fmt.Sprintf("%.2f%%", 100*m.Accuracy) })
	row("correct", func(m *eval.ModelReport) string { return fmt.Sprintf("%d/%d", m.Correct, m.Total) })
	row("file size", func(m *eval.ModelReport) string { return bytesString(m.SizeBytes) })
	row("parameters", func(m *eval.ModelReport) string { return thousands(int(m.Params)) })
	row("MACs/inference", func(m *eval.ModelReport) string { return thousands(int(m.MACs)) })
	row("tensor arena", func(m *eval.ModelReport) string {
		if !m.IsTFLite() {
			return "-"
		}
		return bytesString(int64(m.ArenaBytes))
	})
	row("ops", func(m *eval.ModelReport) string {
		if len(m.Ops) == 0 {
			return "-"
		}
		return fmt.Sprint(len(m.Ops), " (below)")
	})
	row("latency/image", func(m *eval.ModelReport) string { return fmt.Sprintf("%.0f µs", m.LatencyUS) })
	if len(rep.Comparisons) > 0 {
		ref := rep.Comparisons[0].Reference
		row("agreement vs "+ref, cmp(func(c eval.Comparison) string {
			return fmt.Sprintf("%.2f%% (%d differ)", 100*c.Agreement, c.Disagreements)
		}))
		row("accuracy change", cmp(func(c eval.Comparison) string {
			change := -c.AccuracyDropPP
			if math.Abs(change) < 0.005 {
				change = 0 // not "-0.00 pp"
			}
			return fmt.Sprintf("%+.2f pp", change)
		}))
		row("rel. L2 error", cmp(func(c eval.Comparison) string { return fmt.Sprintf("%.4f", c.RelL2) }))
		row("cosine", cmp(func(c eval.Comparison) string { return fmt.Sprintf("%.6f", c.Cosine) }))
	}
	for _, m := range rep.Models {
		if m.Error != "" {
			row("error", func(x *eval.ModelReport) string {
				if x.Error == "" {
					return ""
				}
				return x.Error
			})
			break
		}
	}
	tw.Flush()
	writeOps(w, rep.Models)

	ran := 0
	for _, m := range rep.Models {
		if m.Result != nil {
			ran++
		}
	}
	if ran > 0 {
		writePerClass(w, rep.Models)
	}
	for _, m := range rep.Models {
		if m.Result == nil {
			continue
		}
		fmt.Fprintf(w, "\nconfusion matrix of %s (rows: true %s, columns: predicted)\n", m.Name, classWord(len(m.Confusion)))
		tw = tabwriter.NewWriter(w, 0, 0, 1, ' ', tabwriter.AlignRight)
		head := "\t"
		for d := range m.Confusion {
			head += fmt.Sprintf("%d\t", d)
		}
		fmt.Fprintln(tw, head)
		for d, r := range m.Confusion {
			line := fmt.Sprintf("%d\t", d)
			for _, v := range r {
				line += fmt.Sprintf("%d\t", v)
			}
			fmt.Fprintln(tw, line)
		}
		tw.Flush()
	}
	if showErrors {
		for _, m := range rep.Models {
			if m.Result == nil {
				continue
			}
			fmt.Fprintf(w, "\n%s gets %d images wrong (index label→prediction):\n", m.Name, len(m.Errors))
			var parts []string
			for _, e := range m.Errors {
				parts = append(parts, fmt.Sprintf("%d:%d→%d", e.Index, e.Label, e.Prediction))
			}
			fmt.Fprintln(w, wrap(parts, 100))
		}
		for _, c := range rep.Comparisons {
			fmt.Fprintf(w, "\n%s and %s disagree on %d images: %s\n", c.Reference, c.Model, c.Disagreements, wrap(intsToStrings(c.Disagree), 100))
		}
	}
	if len(rep.Layers) > 0 {
		writeLayers(w, rep.Layers)
	}
	if rep.GateFailure != "" {
		fmt.Fprintf(w, "\ngate failed: %s\n", rep.GateFailure)
	}
}

// writeOps lists the ops each model needs (what a TensorFlow Lite Micro op
// resolver must register), once for models that need the same ones.
func writeOps(w io.Writer, models []*eval.ModelReport) {
	var lists []string
	users := map[string][]string{}
	for _, m := range models {
		if len(m.Ops) == 0 {
			continue
		}
		l := strings.Join(m.Ops, ", ")
		if users[l] == nil {
			lists = append(lists, l)
		}
		users[l] = append(users[l], m.Name)
	}
	if len(lists) > 0 {
		fmt.Fprintln(w)
	}
	for _, l := range lists {
		fmt.Fprintf(w, "ops of %s: %s\n", strings.Join(users[l], ", "), l)
	}
}

// classWord names the classes of the tables: digits for labels 0–9, as
// MNIST's are, classes beyond.
func classWord(classes int) string {
	if classes <= 10 {
		return "digit"
	}
	return "class"
}

// writePerClass prints the accuracy of each class, a row per class of the
// models (the most any model scores) and a column per model that ran.
func writePerClass(w io.Writer, models []*eval.ModelReport) {
	classes := 0
	for _, m := range models {
		if m.Result != nil {
			classes = max(classes, len(m.PerClass))
		}
	}
	fmt.Fprintln(w, "\nper-class accuracy")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	head := classWord(classes) + "\t"
	for _, m := range models {
		if m.Result != nil {
			head += m.Name + "\t"
		}
	}
	fmt.Fprintln(tw, head)
	for d := 0; d < classes; d++ {
		line := fmt.Sprintf("%d\t", d)
		for _, m := range models {
			if m.Result != nil {
				if d >= len(m.PerClass) || math.IsNaN(float64(m.PerClass[d])) {
					line += "-\t" // no image of this class, or a model that does not score it
				} else {
					line += fmt.Sprintf("%.2f%%\t", 100*m.PerClass[d])
				}
			}
		}
		fmt.Fprintln(tw, line)
	}
	tw.Flush()
}

func bytesString(n int64) string { return thousands(int(n)) + " B" }

func intsToStrings(v []int) []string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = fmt.Sprint(x)
	}
	return s
}

// wrap joins words with spaces into lines of at most width characters.
func wrap(words []string, width int) string {
	var b strings.Builder
	n := 0
	for _, w := range words {
		if n > 0 && n+1+len(w) > width {
			b.WriteString("\n")
			n = 0
		} else if n > 0 {
			b.WriteString(" ")
			n++
		}
		b.WriteString(w)
		n += len(w)
	}
	return b.String()
}
