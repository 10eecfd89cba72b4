package convert

import (
	"bytes"
	"errors"
	"fmt"
	"go/format"
	"math"
	"strings"
)

// goBytesPerLine is how many model bytes go on one line of the emitted Go
// string: 32 bytes are 128 characters of \x escapes.
const goBytesPerLine = 32

// EmitGo returns a gofmt-formatted Go file of package pkg holding data as a
// string constant named name, plus three variables: <name>Inputs and
// <name>Outputs (each tensor's name, type, shape, scale and zero point) and
// <name>Ops (operator names). The file imports nothing.
//
// A string constant, concatenated from lines of \x escapes, compiles about
// five times faster than a []byte literal of the same bytes and makes the
// same binary; callers that need a []byte convert it ([]byte(name)).
func EmitGo(pkg, name string, data []byte, info ModelInfo) ([]byte, error) {
	if err := ValidGoPackage(pkg); err != nil {
		return nil, err
	}
	if err := ValidGoIdent(name); err != nil {
		return nil, err
	}
	if len(data) == 0 {
		return nil, errors.New("convert: empty model")
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s\n\npackage %s\n\n", GeneratedHeader, pkg)
	fmt.Fprintf(&b, "// %s is a .tflite flatbuffer.\n//\n", name)
	for _, l := range describe(len(data), info) {
		b.WriteString(strings.TrimRight("// "+l, " ") + "\n")
	}
	fmt.Fprintf(&b, "const %s = \"\" +\n", name)
	writeGoString(&b, data)
	b.WriteString("\n\n")

	fmt.Fprintf(&b, "// %[1]sInputs and %[1]sOutputs describe the model's tensors; for a\n", name)
	b.WriteString("// quantized one, real value = Scale × (quantized value − ZeroPoint).\n")
	b.WriteString("var (\n")
	for _, x := range []struct {
		v  string
		ts []TensorInfo
	}{{name + "Inputs", info.Inputs}, {name + "Outputs", info.Outputs}} {
		if err := writeGoTensors(&b, x.v, x.ts); err != nil {
			return nil, err
		}
	}
	b.WriteString(")\n\n")
	fmt.Fprintf(&b, "// %sOps are the operator kinds the model uses.\n", name)
	fmt.Fprintf(&b, "var %sOps = []string{", name)
	for i, op := range info.Ops {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%q", op.Name)
	}
	b.WriteString("}\n")

	out, err := format.Source(b.Bytes())
	if err != nil {
		return nil, fmt.Errorf("convert: formatting Go source: %w", err)
	}
	return out, nil
}

// writeGoString writes data as lines of "\x.." string literals joined by +.
func writeGoString(b *bytes.Buffer, data []byte) {
	const hex = "0123456789abcdef"
	for i := 0; i < len(data); i += goBytesPerLine {
		b.WriteString("\t\"")
		for _, c := range data[i:min(i+goBytesPerLine, len(data))] {
			b.WriteString(`\x`)
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
		b.WriteByte('"')
		if i+goBytesPerLine < len(data) {
			b.WriteString(" +\n")
		}
	}
}

func writeGoTensors(b *bytes.Buffer, v string, ts []TensorInfo) error {
	fmt.Fprintf(b, "%s = []struct {\n", v)
	b.WriteString("Name string\nType string\nShape []int\nQuantized bool\nScale float32\nZeroPoint int64\n}{\n")
	for _, t := range ts {
		if math.IsNaN(float64(t.Scale)) || math.IsInf(float64(t.Scale), 0) {
			return fmt.Errorf("convert: tensor %q has scale %v", t.Name, t.Scale)
		}
		shape := make([]string, len(t.Shape))
		for i, d := range t.Shape {
			shape[i] = fmt.Sprint(d)
		}
		fmt.Fprintf(b, "{Name: %q, Type: %q, Shape: []int{%s}, Quantized: %t, Scale: %s, ZeroPoint: %d},\n",
			t.Name, t.Type.String(), strings.Join(shape, ", "), t.Quantized, formatFloat(t.Scale), t.ZeroPoint)
	}
	b.WriteString("}\n")
	return nil
}
