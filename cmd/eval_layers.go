package cmd

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/mnistcnn/mnistcnn/mnist"
	"github.com/mnistcnn/mnistcnn/quantize"
)

// layerImages is how many test images the per-layer comparison runs: enough
// for stable figures, few enough to take a second.
const layerImages = 200

// layerReport is one operator of the int8 model against the float model.
type layerReport struct {
	Op     int    `json:"op"`
	Kind   string `json:"kind"`
	Tensor string `json:"tensor"`
	RelL2  finite `json:"rel_l2"`
	Cosine finite `json:"cosine"`
	MaxAbs finite `json:"max_abs"`
}

// layerComparison compares, operator by operator, the first int8 model with
// the float model it was made from, if both were evaluated.
func layerComparison(models []*modelReport, test mnist.Set) ([]layerReport, error) {
	var float, int8 *modelReport
	for _, m := range models {
		if m.tf == nil || m.result == nil {
			continue
		}
		switch {
		case m.Type == "float32" && float == nil:
			float = m
		case m.Type == "int8" && int8 == nil:
			int8 = m
		}
	}
	if float == nil || int8 == nil {
		return nil, fmt.Errorf("--layers needs a float32 and an int8 model")
	}
	n := min(layerImages, test.N)
	inputs := make([][]float32, n)
	for i := range inputs {
		inputs[i] = make([]float32, test.Rows*test.Cols)
		test.Float(i, inputs[i])
	}
	les, err := quantize.CompareLayers(float.tf.TF, int8.tf.TF, inputs)
	if err != nil {
		return nil, err
	}
	out := make([]layerReport, len(les))
	for i, l := range les {
		out[i] = layerReport{l.Op, l.Kind, l.Name, finite(l.RelL2), finite(l.Cosine), finite(l.MaxAbs)}
	}
	return out, nil
}

func writeLayers(w io.Writer, layers []layerReport) {
	fmt.Fprintf(w, "\nint8 against float, layer by layer (first %d test images, int8 output dequantized)\n", layerImages)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "op\tkind\toutput\trel. L2\tcosine\tmax |diff|")
	for _, l := range layers {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%.4f\t%.6f\t%.4f\n", l.Op, l.Kind, l.Tensor, l.RelL2, l.Cosine, l.MaxAbs)
	}
	tw.Flush()
}
