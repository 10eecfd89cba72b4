package cmd

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/mnistcnn/mnistcnn/model"
	"github.com/spf13/cobra"
)

// SummaryOptions are the options of `mnistcnn summary`.
type SummaryOptions struct {
	g          *globals
	Arch       string // a preset name or a spec
	Input      string // HxW or HxWxC
	Classes    int
	Checkpoint string // "": summarize Arch

	arch *model.Arch // Arch built for Input and Classes; nil with Checkpoint
}

// NewCmdSummary builds `mnistcnn summary`; run replaces runSummary in tests.
func NewCmdSummary(g *globals, run func(*SummaryOptions) error) *cobra.Command {
	opts := &SummaryOptions{g: g}
	c := &cobra.Command{
		Use:   "summary",
		Short: "Print an architecture's layers, output shapes, parameters and MACs",
		Long: `Print an architecture's layers (Keras model.summary() style), without
training: each layer's name and type, the options that shape it (kernel,
stride, padding, activation), its output shape for one image, its
parameters and the multiply-accumulates of one inference, and the totals.

The architecture is --arch, a preset or a spec, built for images of
--input (HxW, or HxWxC for C channels; default 28x28, MNIST's, or the
input a spec gives) and --classes classes. With --checkpoint it is the
one the checkpoint records, with its shapes; --arch, --input and
--classes are then refused. A spec that does not parse or does not fit
the shapes is a usage error showing where it goes wrong. Only
--checkpoint reads a file.

` + model.SpecHelp + `
` + exitCodesHelp,
		Example: `  $ mnistcnn summary
  $ mnistcnn summary --arch tiny --json
  $ mnistcnn summary --arch "conv:16:3:same,maxpool:2,dwconv:3,conv:32:1,gap,dense" --input 32x32x3
  $ mnistcnn summary --checkpoint mnist.ckpt`,
		Args: noArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if err := opts.check(c); err != nil {
				return err
			}
			if run != nil {
				return run(opts)
			}
			return runSummary(opts)
		},
	}
	f := c.Flags()
	f.StringVar(&opts.Arch, "arch", model.DefaultArch, "the architecture: a preset ("+strings.Join(model.PresetNames(), ", ")+") or a spec (below)")
	f.StringVar(&opts.Input, "input", "28x28", "the images' shape: HxW or HxWxC")
	f.IntVar(&opts.Classes, "classes", 10, "the number of classes")
	f.StringVar(&opts.Checkpoint, "checkpoint", "", "summarize the architecture this checkpoint records")
	return c
}

// check vets the flags and, without --checkpoint, builds the architecture:
// every mistake is a usage error.
func (opts *SummaryOptions) check(c *cobra.Command) error {
	changed := c.Flags().Changed
	if changed("checkpoint") {
		if opts.Checkpoint == "" {
			return usagef("--checkpoint: empty path")
		}
		for _, f := range []string{"arch", "input", "classes"} {
			if changed(f) {
				return usagef("--%s: the checkpoint records its architecture and shapes; drop --%s or --checkpoint", f, f)
			}
		}
		return nil
	}
	if opts.Classes < 2 || opts.Classes > model.MaxChannels {
		return usagef("--classes %d: want 2 to %d", opts.Classes, model.MaxChannels)
	}
	in, err := parseInputShape(opts.Input)
	if err != nil {
		return usagef("--input %s: %v", opts.Input, err)
	}
	sp, err := model.Parse(opts.Arch)
	if err != nil {
		return usageError{fmt.Errorf("--arch: %w", err)}
	}
	if sp.Input != nil {
		if changed("input") && (sp.Input[0] != in[0] || sp.Input[1] != in[1] || sp.Input[2] != in[2]) {
			return usagef("--input %s: the spec is for %dx%dx%d images; drop --input or change the spec's input", opts.Input, sp.Input[0], sp.Input[1], sp.Input[2])
		}
		in = sp.Input // the spec says its input: no need to repeat it
	}
	if opts.arch, err = sp.Build(in[0], in[1], in[2], opts.Classes); err != nil {
		return usageError{fmt.Errorf("--arch: %w", err)}
	}
	return nil
}

// parseInputShape reads HxW (one channel) or HxWxC.
func parseInputShape(s string) ([]int, error) {
	f := strings.Split(strings.ToLower(s), "x")
	if len(f) == 2 {
		f = append(f, "1")
	}
	if len(f) != 3 {
		return nil, fmt.Errorf("want HxW or HxWxC, e.g. 28x28")
	}
	in := make([]int, 3)
	for i, v := range f {
		hi := model.MaxImageSide
		if i == 2 {
			hi = model.MaxChannels
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > hi {
			return nil, fmt.Errorf("want HxW or HxWxC with sides 1 to %d and 1 to %d channels", model.MaxImageSide, model.MaxChannels)
		}
		in[i] = n
	}
	return in, nil
}

func runSummary(opts *SummaryOptions) error {
	a := opts.arch
	if opts.Checkpoint != "" {
		ck, err := model.LoadCheckpoint(opts.Checkpoint)
		if err != nil {
			return err
		}
		if a, err = ck.Architecture(); err != nil {
			return fmt.Errorf("%s: %w", opts.Checkpoint, err)
		}
	}
	s := summarize(a, opts.Checkpoint)
	if opts.g.json {
		return writeJSON(opts.g.stdout, s)
	}
	return writeSummaryTable(opts.g.stdout, s)
}

// writeArchSummary prints the summary of a, as `mnistcnn summary` does.
func writeArchSummary(w io.Writer, a *model.Arch) error {
	return writeSummaryTable(w, summarize(a, ""))
}

// archSummary is the JSON of `mnistcnn summary --json`.
type archSummary struct {
	Name       string         `json:"name,omitempty"` // the preset's
	Spec       string         `json:"spec"`           // canonical, with the input shape
	Checkpoint string         `json:"checkpoint,omitempty"`
	InputShape []int          `json:"input_shape"`
	Classes    int            `json:"classes"`
	Layers     []layerSummary `json:"layers"`
	Params     int            `json:"params"`
	MACs       int            `json:"macs"`
}

// layerSummary is one layer; the options are those of its kind only.
type layerSummary struct {
	Name       string  `json:"name"`
	Kind       string  `json:"kind"`
	Shape      []int   `json:"output_shape"`
	Params     int     `json:"params"`
	MACs       int     `json:"macs"`
	Filters    int     `json:"filters,omitempty"`
	Units      int     `json:"units,omitempty"`
	Kernel     int     `json:"kernel,omitempty"`
	Stride     int     `json:"stride,omitempty"`
	Padding    string  `json:"padding,omitempty"`
	Multiplier int     `json:"multiplier,omitempty"`
	Activation string  `json:"activation,omitempty"`
	Rate       float64 `json:"rate,omitempty"`

	options string // for the text table
}

func summarize(a *model.Arch, checkpoint string) archSummary {
	s := archSummary{Name: a.Name, Spec: a.Spec(), Checkpoint: checkpoint, InputShape: a.InputShape(),
		Classes: a.Classes(), Params: a.NumParams(), MACs: a.MACs()}
	for _, l := range a.Layers {
		ls := layerSummary{Name: l.Name, Kind: l.Kind.String(), Shape: l.Out, Params: l.NumParams(), MACs: l.MACs()}
		var opt []string
		window := func() {
			ls.Kernel, ls.Stride, ls.Padding = l.Kernel, l.Stride, l.Padding.String()
			opt = append(opt, fmt.Sprintf("%d×%d", l.Kernel, l.Kernel))
			if l.Multiplier > 1 {
				opt = append(opt, fmt.Sprintf("multiplier %d", l.Multiplier))
			}
			opt = append(opt, fmt.Sprintf("stride %d", l.Stride), l.Padding.String())
		}
		activation := func() {
			ls.Activation = l.Activation.String()
			opt = append(opt, ls.Activation)
		}
		switch l.Kind {
		case model.Conv:
			ls.Filters = l.Filters
			window()
			activation()
		case model.DepthwiseConv:
			ls.Multiplier = l.Multiplier
			window()
			activation()
		case model.MaxPool, model.AvgPool:
			window()
		case model.Dense:
			ls.Units = l.Units
			activation()
		case model.Dropout:
			ls.Rate = l.Rate
			opt = append(opt, "rate "+strconv.FormatFloat(l.Rate, 'g', -1, 64))
		}
		ls.options = strings.Join(opt, ", ")
		s.Layers = append(s.Layers, ls)
	}
	return s
}

// writeSummaryTable prints the architecture, then a Keras
// model.summary()-style table: text columns left-aligned, numbers
// right-aligned.
func writeSummaryTable(w io.Writer, s archSummary) error {
	head := s.Spec
	if s.Name != "" {
		head = s.Name + ": " + head
	}
	if s.Checkpoint != "" {
		head = s.Checkpoint + ": " + head
	}
	rows := [][]string{{"Layer", "Type", "Options", "Output shape", "Params", "MACs"}}
	for _, l := range s.Layers {
		rows = append(rows, []string{l.Name, l.Kind, l.options, shapeString(l.Shape), thousands(l.Params), thousands(l.MACs)})
	}
	rows = append(rows, []string{"total", "", "", "", thousands(s.Params), thousands(s.MACs)})
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n\n", head)
	writeColumns(&b, rows, 4)
	_, err := io.WriteString(w, b.String())
	return err
}

// writeColumns prints rows as columns two spaces apart, those from right
// on right-aligned, with no trailing blanks.
func writeColumns(w io.Writer, rows [][]string, right int) {
	width := make([]int, len(rows[0]))
	for _, r := range rows {
		for i, c := range r {
			width[i] = max(width[i], len([]rune(c)))
		}
	}
	for _, r := range rows {
		var line strings.Builder
		for i, c := range r {
			pad := strings.Repeat(" ", width[i]-len([]rune(c)))
			if i > 0 {
				line.WriteString("  ")
			}
			if i >= right {
				line.WriteString(pad + c)
			} else {
				line.WriteString(c + pad)
			}
		}
		fmt.Fprintln(w, strings.TrimRight(line.String(), " "))
	}
}

func shapeString(s []int) string {
	parts := make([]string, len(s))
	for i, d := range s {
		parts[i] = fmt.Sprint(d)
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// thousands formats n with comma separators: 180328 → "180,328".
func thousands(n int) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return "-" + thousands(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
