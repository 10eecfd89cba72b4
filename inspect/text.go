package inspect

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/mnistcnn/mnistcnn/tflite"
)

// MarshalJSON writes the options as one object, in their order.
func (o Options) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, opt := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%q:%q", opt.Name, opt.Value)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// String formats the options as "padding=VALID stride=1×1".
func (o Options) String() string {
	parts := make([]string, len(o))
	for i, opt := range o {
		parts[i] = opt.Name + "=" + opt.Value
	}
	return strings.Join(parts, " ")
}

// String formats the quantization as "scale 0.0039 zero point -128" per
// tensor, or "32 scales 0.0012…0.0045, axis 0, zero point 0" per channel.
func (q *Quant) String() string {
	if q == nil || len(q.Scales) == 0 {
		return ""
	}
	zp := "zero point ?"
	if len(q.ZeroPoints) > 0 {
		lo, hi := q.ZeroPoints[0], q.ZeroPoints[0]
		for _, z := range q.ZeroPoints {
			lo, hi = min(lo, z), max(hi, z)
		}
		zp = fmt.Sprintf("zero point %d", lo)
		if lo != hi {
			zp = fmt.Sprintf("zero points %d…%d", lo, hi)
		}
	}
	if len(q.Scales) == 1 {
		return fmt.Sprintf("scale %.6g, %s", q.Scales[0], zp)
	}
	lo, hi := q.Scales[0], q.Scales[0]
	for _, s := range q.Scales {
		lo, hi = min(lo, s), max(hi, s)
	}
	return fmt.Sprintf("%d scales %.3g…%.3g, axis %d, %s", len(q.Scales), lo, hi, q.Axis, zp)
}

// maxErrorLines is how many lines of the interpreter's refusal the text
// shows; the JSON document has them all.
const maxErrorLines = 4

// WriteText prints the report for a person: header, then for each subgraph
// an operator table and a tensor table, then the totals.
func (r *Report) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	if r.File != "" {
		fmt.Fprintf(tw, "File\t%s\n", r.File)
	}
	fmt.Fprintf(tw, "Size\t%s bytes\n", thousands(r.SizeBytes))
	fmt.Fprintf(tw, "Schema version\t%d\n", r.SchemaVersion)
	fmt.Fprintf(tw, "Description\t%s\n", quoteIfOdd(r.Description))
	rv := r.MinRuntimeVersion
	if rv == "" {
		rv = "(none)"
	}
	fmt.Fprintf(tw, "Min runtime version\t%s\n", rv)
	var md []string
	for _, m := range r.Metadata {
		md = append(md, fmt.Sprintf("%s (%s bytes)", quoteIfOdd(m.Name), thousands(int64(m.Bytes))))
	}
	if len(md) == 0 {
		md = []string{"(none)"}
	}
	fmt.Fprintf(tw, "Metadata\t%s\n", strings.Join(md, ", "))
	switch r.Digest {
	case "ok":
		fmt.Fprintf(tw, "Digest\t%s matches the file\n", tflite.DigestName)
	case "mismatch":
		fmt.Fprintf(tw, "Digest\tMISMATCH: %s\n", r.DigestError)
	}
	fmt.Fprintf(tw, "Subgraphs\t%d\n", len(r.Subgraphs))
	if err := tw.Flush(); err != nil {
		return err
	}

	for si, s := range r.Subgraphs {
		name := ""
		if s.Name != "" {
			name = " " + quoteIfOdd(s.Name)
		}
		fmt.Fprintf(w, "\nSubgraph %d%s: inputs %s, outputs %s\n", si, name, indices(s.Inputs), indices(s.Outputs))
		fmt.Fprintf(w, "\nOperators (%d)\n", len(s.Operators))
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "  #\top\tver\tinputs → outputs\toutput shape\toptions")
		for _, op := range s.Operators {
			out := ""
			if len(op.Outputs) > 0 && op.Outputs[0] >= 0 && int(op.Outputs[0]) < len(s.Tensors) {
				out = shape(s.Tensors[op.Outputs[0]].Shape)
			}
			fmt.Fprintf(tw, "  %d\t%s\t%d\t%s → %s\t%s\t%s\n", op.Index, quoteIfOdd(op.Op), op.Version,
				indices(op.Inputs), indices(op.Outputs), out, op.Options)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		fmt.Fprintf(w, "\nTensors (%d)\n", len(s.Tensors))
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "  #\ttype\tshape\tbuffer\tbytes\tquantization\tname")
		for _, t := range s.Tensors {
			buf, n := "-", "-"
			if t.Buffer != 0 {
				buf = fmt.Sprint(t.Buffer)
			}
			if t.Bytes > 0 {
				n = thousands(int64(t.Bytes))
			}
			typ := t.Type
			if t.Variable {
				typ += " (variable)"
			}
			q := t.Quant.String()
			if q == "" {
				q = "-"
			}
			fmt.Fprintf(tw, "  %d\t%s\t%s\t%s\t%s\t%s\t%s\n", t.Index, typ, shape(t.Shape), buf, n, q, quoteIfOdd(t.Name))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}

	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "Parameters\t%s (elements of constant tensors; %s feed convolutions and dense layers)\n", thousands(r.Params), thousands(r.WeightParams))
	fmt.Fprintf(tw, "MACs\t%s (multiply-accumulates of one inference, subgraph 0)\n", thousands(r.MACs))
	fmt.Fprintf(tw, "Constant bytes\t%s\n", thousands(r.ConstantBytes))
	if r.Unsupported == "" {
		fmt.Fprintf(tw, "Arena\t%s bytes (mnistcnn's interpreter plan of the activations)\n", thousands(int64(r.ArenaBytes)))
		switch a := r.TFLM; {
		case a == nil:
		case a.Error != "":
			fmt.Fprintf(tw, "TFLM arena\tnot modelled: %s\n", a.Error)
		default:
			fmt.Fprintf(tw, "TFLM arena\t%s bytes for TensorFlow Lite Micro (64-bit host; %s on 32-bit Cortex-M)\n",
				thousands(int64(a.Bytes)), thousands(int64(a.CortexMBytes)))
			peak := ""
			if a.Peak != "" {
				peak = fmt.Sprintf("; more during %s", a.Peak)
			}
			fmt.Fprintf(tw, "\t  arena_used_bytes %s = %s activations + %s TFLM tensors, nodes, op data%s\n",
				thousands(int64(a.UsedBytes)), thousands(int64(a.ActivationBytes)), thousands(int64(a.PersistentBytes)), peak)
		}
	} else {
		lines := strings.Split(r.Unsupported, "\n")
		fmt.Fprintf(tw, "Arena\tnot supported: %s\n", strings.TrimSpace(lines[0]))
		for i, l := range lines[1:] {
			if i+1 == maxErrorLines {
				fmt.Fprintf(tw, "\t  … and %d more\n", len(lines)-maxErrorLines)
				break
			}
			fmt.Fprintf(tw, "\t  %s\n", strings.TrimSpace(l))
		}
	}
	return tw.Flush()
}

// indices formats tensor indices as "0, 7, 6", "-" for an omitted input.
func indices(v []int32) string {
	if len(v) == 0 {
		return "(none)"
	}
	parts := make([]string, len(v))
	for i, x := range v {
		parts[i] = fmt.Sprint(x)
		if x < 0 {
			parts[i] = "-"
		}
	}
	return strings.Join(parts, ", ")
}

// quoteIfOdd quotes a name from the file if it is empty or holds characters
// that would break the table (tabs, newlines, control or invalid bytes).
func quoteIfOdd(s string) string {
	if s == "" {
		return `""`
	}
	for _, c := range s {
		if c < ' ' || c == 0x7f || c == '\uFFFD' {
			return fmt.Sprintf("%q", s)
		}
	}
	return s
}

// thousands formats n with comma separators: 180328 → "180,328".
func thousands(n int64) string {
	if n < 0 {
		return "-" + thousands(-n)
	}
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
