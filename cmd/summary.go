package cmd

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"

	"github.com/mnistcnn/mnistcnn/model"
	"github.com/spf13/cobra"
)

// SummaryOptions are the options of `mnistcnn summary`.
type SummaryOptions struct {
	g *globals
}

// NewCmdSummary builds `mnistcnn summary`; run replaces runSummary in tests.
func NewCmdSummary(g *globals, run func(*SummaryOptions) error) *cobra.Command {
	opts := &SummaryOptions{g: g}
	return &cobra.Command{
		Use:   "summary",
		Short: "Print the reference CNN's layers, output shapes, parameters and MACs",
		Long: `Print the reference CNN's layers (Keras model.summary() style): each
layer's type and activation, output shape, parameters and multiply-
accumulates of one inference, and the totals. It reads no file.

` + exitCodesHelp,
		Example: `  $ mnistcnn summary
  $ mnistcnn summary --json`,
		Args: noArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if run != nil {
				return run(opts)
			}
			return runSummary(opts)
		},
	}
}

func runSummary(opts *SummaryOptions) error {
	if opts.g.json {
		return writeJSON(opts.g.stdout, summaryJSON())
	}
	return writeSummary(opts.g.stdout)
}

type layerSummary struct {
	Name   string `json:"name"`
	Kind   string `json:"kind"`
	Shape  []int  `json:"output_shape"`
	Params int    `json:"params"`
	MACs   int    `json:"macs"`
}

func summaryJSON() any {
	var layers []layerSummary
	for _, l := range model.Layers {
		layers = append(layers, layerSummary{l.Name, l.Kind.String(), l.Out, model.LayerParams(l.Name), model.LayerMACs(l)})
	}
	return struct {
		Layers []layerSummary `json:"layers"`
		Params int            `json:"params"`
		MACs   int            `json:"macs"`
	}{layers, model.NumParams(), model.MACs()}
}

// writeSummary prints a Keras model.summary()-style table.
func writeSummary(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "Layer\tType\tOutput shape\tParams\tMACs\t")
	for _, l := range model.Layers {
		kind := l.Kind.String()
		if l.Activation != model.Linear {
			kind += "+" + l.Activation.String()
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t\n", l.Name, kind, shapeString(l.Out),
			thousands(model.LayerParams(l.Name)), thousands(model.LayerMACs(l)))
	}
	fmt.Fprintf(tw, "total\t\t\t%s\t%s\t\n", thousands(model.NumParams()), thousands(model.MACs()))
	return tw.Flush()
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

// finite is a float64 that JSON writes as null when it is not a finite
// number, since JSON has none: e.g. the relative error of a model against
// a reference whose outputs are all zero, or the distance to a model that
// outputs infinities.
type finite float64

func (f finite) MarshalJSON() ([]byte, error) {
	if math.IsNaN(float64(f)) || math.IsInf(float64(f), 0) {
		return []byte("null"), nil
	}
	return json.Marshal(float64(f))
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
