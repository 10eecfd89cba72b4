package convert

import (
	"bytes"
	"fmt"
	"go/format"
	"math"
	"strconv"
	"strings"

	"github.com/mnistcnn/mnistcnn/tflite"
)

// imageSide and imageBytes are MNIST's image geometry: 28×28 uint8 pixels.
const (
	imageSide  = 28
	imageBytes = imageSide * imageSide
)

// checkTestData validates images (n×784 pixels, row by row) against labels
// (n digits) and returns the comment lines on turning a pixel into the
// model's input in.
func checkTestData(images, labels []byte, in TensorInfo, goSyntax bool) ([]string, error) {
	n := len(labels)
	if n == 0 {
		return nil, fmt.Errorf("convert: no test images")
	}
	if len(images) != n*imageBytes {
		return nil, fmt.Errorf("convert: %d pixel bytes for %d labels, want %d", len(images), n, n*imageBytes)
	}
	for i, l := range labels {
		if l > 9 {
			return nil, fmt.Errorf("convert: label %d is %d, not a digit", i, l)
		}
	}
	lines := []string{
		fmt.Sprintf("%d MNIST test images and their labels. Pixels: [image][row][column], 0 = background,", n),
		"255 = ink; each row is written up to its last non-zero pixel, the rest are zero.",
		"Model input " + shapeString(in.Shape) + " " + in.Type.String() + ", from a pixel p (0..255):",
	}
	zp := fmt.Sprintf("+ %d", in.ZeroPoint)
	if in.ZeroPoint < 0 {
		zp = fmt.Sprintf("- %d", -in.ZeroPoint)
	}
	switch {
	case in.Type == tflite.Float32 && goSyntax:
		lines = append(lines, "  input = float32(p) / 255")
	case in.Type == tflite.Float32:
		lines = append(lines, "  input = p / 255.0f")
	case in.Type == tflite.Int8 && in.Quantized && in.ZeroPoint == -128 && math.Abs(float64(in.Scale)*255-1) < 1e-6:
		conv := "(int8_t)(p - 128)"
		if goSyntax {
			conv = "int8(int(p) - 128)"
		}
		lines = append(lines, "  input = "+conv+"   (the input scale is 1/255 and its zero point -128)")
	case in.Type == tflite.Int8 && in.Quantized && in.Scale > 0 && goSyntax:
		lines = append(lines, fmt.Sprintf("  input = int8(clamp(round(float64(p) / 255 / %s) %s, -128, 127))", formatFloat(in.Scale), zp))
	case in.Type == tflite.Int8 && in.Quantized && in.Scale > 0:
		lines = append(lines, fmt.Sprintf("  input = (int8_t)clamp(round(p / 255.0f / %sf) %s, -128, 127)", formatFloat(in.Scale), zp))
	default:
		return nil, fmt.Errorf("convert: test data for a %s input is not supported, only FLOAT32 and quantized INT8", in.Type)
	}
	return lines, nil
}

// EmitTestDataC returns a C/C++ header defining, with internal linkage,
//
//	static const unsigned int <name>_count = n;
//	static const unsigned char <name>_images[n][28][28] = {...};
//	static const unsigned char <name>_labels[n] = {...};
//
// from images (n×784 pixels, row by row) and labels (n digits). A comment
// says how to turn a pixel into the input of a model whose input is in.
// Pixels are written in decimal, one image row a line, so a digit's shape
// shows in the source; each row stops at its last non-zero pixel, since C
// and C++ fill the rest of an initialised array with zeros.
func EmitTestDataC(name string, images, labels []byte, in TensorInfo) ([]byte, error) {
	if err := ValidCIdent(name); err != nil {
		return nil, err
	}
	desc, err := checkTestData(images, labels, in, false)
	if err != nil {
		return nil, err
	}
	guard, err := headerGuard(name + ".h")
	if err != nil {
		return nil, err
	}
	n := len(labels)
	var b bytes.Buffer
	b.WriteString(GeneratedHeader + "\n//\n")
	for _, l := range desc {
		b.WriteString("// " + l + "\n")
	}
	b.WriteString("// The arrays are static: include this header in one source file only.\n")
	fmt.Fprintf(&b, "\n#ifndef %[1]s\n#define %[1]s\n\n", guard)
	fmt.Fprintf(&b, "static const unsigned int %s_count = %d;\n\n", name, n)
	fmt.Fprintf(&b, "static const unsigned char %s_images[%d][%d][%d] = {\n", name, n, imageSide, imageSide)
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "{  // %d: label %d\n", i, labels[i])
		writeRows(&b, images[i*imageBytes:(i+1)*imageBytes], ",", "0") // C99 has no empty {}
		b.WriteString("},\n")
	}
	b.WriteString("};\n\n")
	fmt.Fprintf(&b, "static const unsigned char %s_labels[%d] = {%s};\n", name, n, joinBytes(labels, ", "))
	fmt.Fprintf(&b, "\n#endif  // %s\n", guard)
	return b.Bytes(), nil
}

// EmitTestDataGo is EmitTestDataC for Go: a gofmt-formatted file of package
// pkg with <name>Count, <name>Images [n][28][28]byte and <name>Labels [n]byte.
func EmitTestDataGo(pkg, name string, images, labels []byte, in TensorInfo) ([]byte, error) {
	if err := ValidGoPackage(pkg); err != nil {
		return nil, err
	}
	if err := ValidGoIdent(name); err != nil {
		return nil, err
	}
	desc, err := checkTestData(images, labels, in, true)
	if err != nil {
		return nil, err
	}
	n := len(labels)
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s\n\npackage %s\n\n", GeneratedHeader, pkg)
	for _, l := range desc {
		b.WriteString("// " + l + "\n")
	}
	fmt.Fprintf(&b, "\n// %sCount is the number of images.\nconst %[1]sCount = %d\n\n", name, n)
	fmt.Fprintf(&b, "// %sImages are the images, [row][column]; each row is written up to\n", name)
	b.WriteString("// its last non-zero pixel.\n")
	fmt.Fprintf(&b, "var %sImages = [%d][%d][%d]byte{\n", name, n, imageSide, imageSide)
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "{ // %d: label %d\n", i, labels[i])
		writeRows(&b, images[i*imageBytes:(i+1)*imageBytes], ", ", "")
		b.WriteString("},\n")
	}
	b.WriteString("}\n\n")
	fmt.Fprintf(&b, "// %sLabels are the images' digits.\nvar %[1]sLabels = [%d]byte{%s}\n", name, n, joinBytes(labels, ", "))
	out, err := format.Source(b.Bytes())
	if err != nil {
		return nil, fmt.Errorf("convert: formatting Go source: %w", err)
	}
	return out, nil
}

// writeRows writes one image, a row a line in braces, each row up to its
// last non-zero pixel (blank for a blank row), values separated by sep.
func writeRows(b *bytes.Buffer, img []byte, sep, blank string) {
	for r := 0; r < imageSide; r++ {
		row := bytes.TrimRight(img[r*imageSide:(r+1)*imageSide], "\x00")
		s := blank
		if len(row) > 0 {
			s = joinBytes(row, sep)
		}
		b.WriteString("  {" + s + "},\n")
	}
}

func joinBytes(v []byte, sep string) string {
	p := make([]string, len(v))
	for i, c := range v {
		p[i] = strconv.Itoa(int(c))
	}
	return strings.Join(p, sep)
}
