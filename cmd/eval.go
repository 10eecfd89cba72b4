package cmd

import (
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/mnistcnn/mnistcnn/eval"
	"github.com/mnistcnn/mnistcnn/internal/readfile"
	"github.com/mnistcnn/mnistcnn/mnist"
	"github.com/mnistcnn/mnistcnn/model"
	"github.com/mnistcnn/mnistcnn/tflite"
	"github.com/mnistcnn/mnistcnn/train"
	"github.com/spf13/cobra"
)

// EvalOptions are the options of `mnistcnn eval`.
type EvalOptions struct {
	g           *globals
	Models      []string
	Checkpoint  string
	Dir         string
	Data        string
	Limit       int
	Workers     int
	MinAccuracy float64 // percent; < 0: no gate
	MaxDrop     float64 // percentage points; < 0: no gate
	ShowErrors  bool
	Layers      bool
	Plot        string

	checkpointSet bool
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
error and cosine similarity of the outputs).

Without --model it evaluates what "mnistcnn convert" wrote: DIR/mnist_float.tflite
and DIR/mnist_int8.tflite (DIR is --dir, default out), and the checkpoint
mnist.ckpt through Gorgonia when it is there. A model that cannot be read
or run is reported with its error; the others are still evaluated.

Gates for CI: --min-accuracy fails when any model is below the bar, a
percentage (99 for 99 %; a value in (0, 1] is refused as ambiguous: as a
fraction it would be a bar that always passes), --max-accuracy-drop when
a model loses more than PP percentage points against the float model.

Only the two test files of the data folder are read. A model must be a
regular file of at most ` + readfile.Size(tflite.MaxFileBytes) + `, a checkpoint at most ` + readfile.Size(model.MaxCheckpointBytes) + `. A model mnistcnn
wrote records a digest of its bytes; one that does not match (the file was
altered) is reported as failing, like one that cannot be read. --plot is
checked before any model runs.

` + exitCodesHelp,
		Example: `  $ mnistcnn eval
  $ mnistcnn eval --model out/mnist_int8.tflite --limit 1000
  $ mnistcnn eval --json --min-accuracy 98.5 --max-accuracy-drop 0.1
  $ mnistcnn eval --show-errors --layers`,
		Args: noArgs,
		RunE: func(c *cobra.Command, args []string) error {
			opts.checkpointSet = c.Flags().Changed("checkpoint")
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
	f.BoolVar(&opts.ShowErrors, "show-errors", false, "list the images models get wrong or disagree on")
	f.BoolVar(&opts.Layers, "layers", false, "compare the int8 model with the float model layer by layer")
	f.StringVar(&opts.Plot, "plot", "", "write confusion matrices and misclassified digits (PNG) into this folder")
	return c
}

// modelReport is one model's column of the report; its JSON keys are a
// contract documented in the README.
type modelReport struct {
	Name       string     `json:"name"`
	Path       string     `json:"path"`
	Type       string     `json:"type"`
	Accuracy   float64    `json:"accuracy"`
	Correct    int        `json:"correct"`
	Total      int        `json:"total"`
	SizeBytes  int64      `json:"size_bytes"`
	Params     int64      `json:"params"`
	MACs       int64      `json:"macs"`
	ArenaBytes int        `json:"arena_bytes"`
	Ops        []string   `json:"ops"`
	LatencyUS  float64    `json:"latency_us"`
	PerClass   []finite   `json:"per_class_accuracy,omitempty"`
	Confusion  [][]int    `json:"confusion,omitempty"`
	Errors     []imageErr `json:"errors,omitempty"`
	Error      string     `json:"error,omitempty"`

	result *eval.Result
	tf     *eval.Model
}

// imageErr is a test image a model got wrong.
type imageErr struct {
	Index      int `json:"index"`
	Label      int `json:"label"`
	Prediction int `json:"prediction"`
}

// comparison is a model measured against the reference (float) model.
type comparison struct {
	Reference      string  `json:"reference"`
	Model          string  `json:"model"`
	Agreement      float64 `json:"agreement"`
	Disagreements  int     `json:"disagreements"`
	RelL2          finite  `json:"rel_l2"`
	Cosine         finite  `json:"cosine"`
	MaxAbs         finite  `json:"max_abs"`
	AccuracyDropPP float64 `json:"accuracy_drop_pp"`
	Disagree       []int   `json:"disagree,omitempty"`
}

type evalReport struct {
	Data        string         `json:"data"`
	Images      int            `json:"images"`
	Models      []*modelReport `json:"models"`
	Comparisons []comparison   `json:"comparisons"`
	Layers      []layerReport  `json:"layers,omitempty"`
	Gate        string         `json:"gate_failure,omitempty"`
}

func runEval(opts *EvalOptions) error {
	g := opts.g
	paths, ckPath, err := evalTargets(opts)
	if err != nil {
		return err
	}
	dir, err := mnist.Locate(opts.Data)
	if err != nil {
		return err
	}
	test, err := mnist.LoadTest(dir)
	if err != nil {
		return err
	}
	if opts.Limit > 0 && opts.Limit < test.N {
		test = test.Slice(0, opts.Limit)
	}
	rep := &evalReport{Data: dir, Images: test.N}
	failed := 0
	for _, p := range paths {
		mr := evalTFLite(g, p, test, opts.Workers)
		if mr.Error != "" {
			failed++
			g.status("%s", mr.Error) // it names the file
		}
		rep.Models = append(rep.Models, mr)
	}
	if ckPath != "" {
		mr := evalCheckpoint(g, ckPath, test)
		if mr.Error != "" {
			failed++
			g.status("%s", mr.Error) // it names the file
		}
		rep.Models = append(rep.Models, mr)
	}
	uniqueNames(rep.Models)
	for _, mr := range rep.Models {
		if mr.result != nil {
			fillDetails(mr, test, opts.ShowErrors)
		}
	}
	rep.Comparisons = compareAll(rep.Models, opts.ShowErrors)
	if opts.Layers {
		if rep.Layers, err = layerComparison(rep.Models, test); err != nil {
			return err
		}
	}
	if opts.Plot != "" {
		if err := plotEval(opts.Plot, rep, test); err != nil {
			return err
		}
	}
	gate := checkGates(rep, opts)
	rep.Gate = gate
	if g.json {
		if err := writeJSON(g.stdout, rep); err != nil {
			return err
		}
	} else {
		writeEvalText(g.stdout, rep, opts.ShowErrors)
	}
	switch {
	case failed > 0:
		return silentError{fmt.Errorf("%d of %d models could not be evaluated", failed, len(rep.Models))}
	case gate != "":
		return gateError{gate}
	}
	return nil
}

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

// uniqueNames gives models of the same name (e.g. two builds'
// mnist_int8.tflite) the suffixes #2, #3…, so every column and comparison
// says which one it is.
func uniqueNames(models []*modelReport) {
	seen := map[string]int{}
	for _, m := range models {
		seen[m.Name]++
		if n := seen[m.Name]; n > 1 {
			m.Name = fmt.Sprintf("%s#%d", m.Name, n)
		}
	}
}

// evalTargets resolves which models and which checkpoint to evaluate.
func evalTargets(opts *EvalOptions) (paths []string, ck string, err error) {
	paths = opts.Models
	if len(paths) == 0 {
		for _, name := range []string{"mnist_float.tflite", "mnist_int8.tflite"} {
			p := filepath.Join(opts.Dir, name)
			if _, err := os.Stat(p); err == nil {
				paths = append(paths, p)
			}
		}
	}
	switch {
	case opts.checkpointSet:
		ck = opts.Checkpoint
	case len(opts.Models) == 0:
		if _, err := os.Stat(opts.Checkpoint); err == nil {
			ck = opts.Checkpoint
		}
	}
	if len(paths) == 0 && ck == "" {
		return nil, "", fmt.Errorf("no models to evaluate: %s holds no mnist_float.tflite or mnist_int8.tflite (run mnistcnn convert, or pass --model)", opts.Dir)
	}
	return paths, ck, nil
}

func evalTFLite(g *globals, path string, test mnist.Set, workers int) *modelReport {
	mr := &modelReport{Name: strings.TrimSuffix(filepath.Base(path), filepath.Ext(path)), Path: path}
	m, err := eval.Load(path)
	if err != nil {
		mr.Error = err.Error()
		return mr
	}
	mr.tf = m
	st := eval.StatsOf(m.TF)
	mr.Type, mr.SizeBytes, mr.Params, mr.MACs = eval.TypeOf(m.TF), m.Size, st.Params, st.MACs
	mr.ArenaBytes, mr.Ops = m.ArenaBytes(), eval.Ops(m.TF)
	pb := g.newBar(test.N, mr.Name)
	r, err := m.Run(test, workers, func(done int) { pb.set(done, "") })
	pb.finish()
	if err != nil {
		mr.Error = fmt.Sprintf("%s: %v", path, err)
		return mr
	}
	mr.result = r
	return mr
}

func evalCheckpoint(g *globals, path string, test mnist.Set) *modelReport {
	mr := &modelReport{Name: "gorgonia", Path: path, Type: "float32 (Gorgonia)", Ops: []string{}}
	ck, err := model.LoadCheckpoint(path)
	if err != nil {
		mr.Error = err.Error()
		return mr
	}
	if fi, err := os.Stat(path); err == nil {
		mr.SizeBytes = fi.Size()
	}
	mr.Params, mr.MACs = int64(model.NumParams()), int64(model.MACs())
	g.status("%s: running the checkpoint through Gorgonia", path)
	start := time.Now()
	scores, err := train.Predict(ck.Weights, test)
	if err != nil {
		mr.Error = fmt.Sprintf("%s: %v", path, err)
		return mr
	}
	r, err := eval.ScoresResult(scores, test.Labels, time.Since(start))
	if err != nil {
		mr.Error = fmt.Sprintf("%s: %v", path, err)
		return mr
	}
	mr.result = r
	return mr
}

func fillDetails(mr *modelReport, test mnist.Set, showErrors bool) {
	r := mr.result
	mr.Accuracy, mr.Correct, mr.Total, mr.LatencyUS = r.Accuracy(), r.Correct, r.Total, r.LatencyUS
	c := eval.Confusion(test.Labels, r.Predictions)
	pc := eval.PerClass(c)
	mr.PerClass = make([]finite, len(pc))
	for i, v := range pc {
		mr.PerClass[i] = finite(v) // NaN, written null, for a digit without images
	}
	for i := range c {
		mr.Confusion = append(mr.Confusion, c[i][:])
	}
	if showErrors {
		for i, p := range r.Predictions {
			if p != test.Labels[i] {
				mr.Errors = append(mr.Errors, imageErr{i, int(test.Labels[i]), int(p)})
			}
		}
	}
}

// reference is the model the others are compared with: the first float32
// .tflite model, else the first that ran.
func reference(models []*modelReport) *modelReport {
	var first *modelReport
	for _, m := range models {
		if m.result == nil {
			continue
		}
		if m.tf != nil && m.Type == "float32" {
			return m
		}
		if first == nil {
			first = m
		}
	}
	return first
}

func compareAll(models []*modelReport, showErrors bool) []comparison {
	ref := reference(models)
	cs := []comparison{}
	if ref == nil {
		return cs
	}
	for _, m := range models {
		if m == ref || m.result == nil {
			continue
		}
		ag, err := eval.Compare(ref.result, m.result)
		if err != nil {
			continue
		}
		c := comparison{Reference: ref.Name, Model: m.Name, Agreement: ag.Rate, Disagreements: len(ag.Disagree),
			RelL2: finite(ag.RelL2), Cosine: finite(ag.Cosine), MaxAbs: finite(ag.MaxAbs), AccuracyDropPP: 100 * (ref.Accuracy - m.Accuracy)}
		if showErrors {
			c.Disagree = ag.Disagree
		}
		cs = append(cs, c)
	}
	return cs
}

// checkGates returns a one-line reason when a bar is not met, "" otherwise.
func checkGates(rep *evalReport, opts *EvalOptions) string {
	var reasons []string
	if opts.MinAccuracy >= 0 {
		for _, m := range rep.Models {
			if m.result != nil && 100*m.Accuracy < opts.MinAccuracy {
				reasons = append(reasons, fmt.Sprintf("%s accuracy %.2f%% is below --min-accuracy %.2f%%", m.Name, 100*m.Accuracy, opts.MinAccuracy))
			}
		}
	}
	if opts.MaxDrop >= 0 {
		for _, c := range rep.Comparisons {
			if c.AccuracyDropPP > opts.MaxDrop {
				reasons = append(reasons, fmt.Sprintf("%s loses %.2f points against %s, more than --max-accuracy-drop %.2f", c.Model, c.AccuracyDropPP, c.Reference, opts.MaxDrop))
			}
		}
	}
	return strings.Join(reasons, "; ")
}

func writeEvalText(w io.Writer, rep *evalReport, showErrors bool) {
	fmt.Fprintf(w, "%d test images from %s\n\n", rep.Images, rep.Data)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(label string, f func(m *modelReport) string) {
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
	byModel := map[string]comparison{}
	for _, c := range rep.Comparisons {
		byModel[c.Model] = c
	}
	cmp := func(f func(c comparison) string) func(m *modelReport) string {
		return func(m *modelReport) string {
			c, ok := byModel[m.Name]
			if !ok {
				return "-"
			}
			return f(c)
		}
	}
	row("model", func(m *modelReport) string { return m.Name })
	row("type", func(m *modelReport) string { return m.Type })
	row("accuracy", func(m *modelReport) string { return fmt.Sprintf("%.2f%%", 100*m.Accuracy) })
	row("correct", func(m *modelReport) string { return fmt.Sprintf("%d/%d", m.Correct, m.Total) })
	row("file size", func(m *modelReport) string { return bytesString(m.SizeBytes) })
	row("parameters", func(m *modelReport) string { return thousands(int(m.Params)) })
	row("MACs/inference", func(m *modelReport) string { return thousands(int(m.MACs)) })
	row("tensor arena", func(m *modelReport) string {
		if m.tf == nil {
			return "-"
		}
		return bytesString(int64(m.ArenaBytes))
	})
	row("ops", func(m *modelReport) string {
		if len(m.Ops) == 0 {
			return "-"
		}
		return fmt.Sprint(len(m.Ops), " (below)")
	})
	row("latency/image", func(m *modelReport) string { return fmt.Sprintf("%.0f µs", m.LatencyUS) })
	if len(rep.Comparisons) > 0 {
		ref := rep.Comparisons[0].Reference
		row("agreement vs "+ref, cmp(func(c comparison) string {
			return fmt.Sprintf("%.2f%% (%d differ)", 100*c.Agreement, c.Disagreements)
		}))
		row("accuracy change", cmp(func(c comparison) string {
			change := -c.AccuracyDropPP
			if math.Abs(change) < 0.005 {
				change = 0 // not "-0.00 pp"
			}
			return fmt.Sprintf("%+.2f pp", change)
		}))
		row("rel. L2 error", cmp(func(c comparison) string { return fmt.Sprintf("%.4f", c.RelL2) }))
		row("cosine", cmp(func(c comparison) string { return fmt.Sprintf("%.6f", c.Cosine) }))
	}
	for _, m := range rep.Models {
		if m.Error != "" {
			row("error", func(x *modelReport) string {
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
		if m.result != nil {
			ran++
		}
	}
	if ran > 0 {
		writePerClass(w, rep.Models)
	}
	for _, m := range rep.Models {
		if m.result == nil {
			continue
		}
		fmt.Fprintf(w, "\nconfusion matrix of %s (rows: true digit, columns: predicted)\n", m.Name)
		tw = tabwriter.NewWriter(w, 0, 0, 1, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "\t0\t1\t2\t3\t4\t5\t6\t7\t8\t9\t")
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
			if m.result == nil {
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
	if rep.Gate != "" {
		fmt.Fprintf(w, "\ngate failed: %s\n", rep.Gate)
	}
}

// writeOps lists the ops each model needs (what a TensorFlow Lite Micro op
// resolver must register), once for models that need the same ones.
func writeOps(w io.Writer, models []*modelReport) {
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

// writePerClass prints the accuracy of each digit, a column per model that ran.
func writePerClass(w io.Writer, models []*modelReport) {
	fmt.Fprintln(w, "\nper-class accuracy")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	head := "digit\t"
	for _, m := range models {
		if m.result != nil {
			head += m.Name + "\t"
		}
	}
	fmt.Fprintln(tw, head)
	for d := 0; d < eval.Classes; d++ {
		line := fmt.Sprintf("%d\t", d)
		for _, m := range models {
			if m.result != nil {
				if math.IsNaN(float64(m.PerClass[d])) {
					line += "-\t" // no image of this digit
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
