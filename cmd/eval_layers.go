package cmd

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/mnistcnn/mnistcnn/eval"
)

// writeLayers prints eval's layer-by-layer comparison of the int8 model
// with the float model.
func writeLayers(w io.Writer, layers []eval.LayerReport) {
	fmt.Fprintf(w, "\nint8 against float, layer by layer (first %d test images, int8 output dequantized)\n", eval.LayerImages)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "op\tkind\toutput\trel. L2\tcosine\tmax |diff|")
	for _, l := range layers {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%.4f\t%.6f\t%.4f\n", l.Op, l.Kind, l.Tensor, l.RelL2, l.Cosine, l.MaxAbs)
	}
	tw.Flush()
}
