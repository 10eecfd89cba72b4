package convert

import (
	"bytes"
	"fmt"
	"go/format"
	"math"
	"strconv"
	"strings"

	"github.com/mnistcnn/mnistcnn/mnist"
	"github.com/mnistcnn/mnistcnn/tflite"
)

// imageSide and imageBytes are MNIST's image geometry, 28×28 uint8 pixels:
// that of the images EmitTestDataC and EmitTestDataGo are given for a
// model whose input shape does not say its rows and columns.
const (
	imageSide  = 28
	imageBytes = imageSide * imageSide
)

// mnistClasses is the number of classes EmitTestDataC and EmitTestDataGo
// allow: the digits.
const mnistClasses = 10

// testImages are test images and their labels, as the emitters write them.
type testImages struct {
	images, labels []byte // n·rows·cols pixels, row by row; n labels
	rows, cols     int
	classes        int // labels must be below it
}

// inputImage reads the rows, columns and channels of one image from an
// input shape [1,H,W,C] or [1,H,W]; ok is false for another shape.
func inputImage(shape []int32) (h, w, c int, ok bool) {
	switch {
	case len(shape) == 4 && shape[0] == 1 && shape[1] > 0 && shape[2] > 0 && shape[3] > 0:
		return int(shape[1]), int(shape[2]), int(shape[3]), true
	case len(shape) == 3 && shape[0] == 1 && shape[1] > 0 && shape[2] > 0:
		return int(shape[1]), int(shape[2]), 1, true
	}
	return 0, 0, 1, false
}

// legacyImages are the images of EmitTestDataC and EmitTestDataGo: of the
// input's rows and columns when its shape says them, else 28×28, with
// digit labels.
func legacyImages(images, labels []byte, in TensorInfo) testImages {
	rows, cols, _, ok := inputImage(in.Shape)
	if !ok {
		rows, cols = imageSide, imageSide
	}
	return testImages{images, labels, rows, cols, mnistClasses}
}

// setImages are the images of set, whose labels must be below classes.
func setImages(set mnist.Set, classes int) testImages {
	k := set.Rows * set.Cols
	return testImages{set.Images[:min(len(set.Images), set.N*k)], set.Labels[:min(len(set.Labels), set.N)], set.Rows, set.Cols, classes}
}

// checkTestData validates the images against their labels and in, and
// returns the comment lines on what they are and on turning a pixel into
// the model's input in.
func checkTestData(td testImages, in TensorInfo, goSyntax bool) ([]string, error) {
	n := len(td.labels)
	if n == 0 {
		return nil, fmt.Errorf("convert: no test images")
	}
	if td.rows < 1 || td.cols < 1 {
		return nil, fmt.Errorf("convert: test images of %d×%d pixels", td.rows, td.cols)
	}
	k := td.rows * td.cols
	if len(td.images) != n*k {
		return nil, fmt.Errorf("convert: %d pixel bytes for %d labels, want %d (%d×%d images)", len(td.images), n, n*k, td.rows, td.cols)
	}
	h, w, c, ok := inputImage(in.Shape)
	if ok && (h != td.rows || w != td.cols) {
		return nil, fmt.Errorf("convert: test images of %d×%d pixels for a model whose input is %s", td.rows, td.cols, shapeString(in.Shape))
	}
	for i, l := range td.labels {
		if int(l) >= td.classes {
			if td.classes == mnistClasses {
				return nil, fmt.Errorf("convert: label %d is %d, not a digit", i, l)
			}
			return nil, fmt.Errorf("convert: label %d is %d, not one of the model's %d classes", i, l, td.classes)
		}
	}
	what := fmt.Sprintf("%d MNIST test images", n)
	if td.rows != imageSide || td.cols != imageSide {
		what = fmt.Sprintf("%d test images of %d×%d pixels", n, td.rows, td.cols)
	}
	lines := []string{
		what + " and their labels. Pixels: [image][row][column], 0 = background,",
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
	if c > 1 {
		lines = append(lines, fmt.Sprintf("  (the same input in each of the %d channels of the pixel)", c))
	}
	return lines, nil
}

// EmitTestDataC returns a C/C++ header defining, with internal linkage,
//
//	static const unsigned int <name>_count = n;
//	static const unsigned char <name>_images[n][H][W] = {...};
//	static const unsigned char <name>_labels[n] = {...};
//
// from images (n×H×W pixels, row by row) and labels (n digits), H×W being
// the image of the model's input in ([1,H,W,C] or [1,H,W]; 28×28 if its
// shape says neither). A comment says how to turn a pixel into the input
// of the model (into each of its C channels). Pixels are written in
// decimal, one image row a line, so a digit's shape shows in the source;
// each row stops at its last non-zero pixel, since C and C++ fill the rest
// of an initialised array with zeros. EmitTestDataSetC takes a set of any
// classes.
func EmitTestDataC(name string, images, labels []byte, in TensorInfo) ([]byte, error) {
	return emitTestDataC(name, legacyImages(images, labels, in), in)
}

// EmitTestDataSetC is EmitTestDataC for the images of set, of its
// Rows×Cols (which must be those of the input in when its shape says
// them), and labels below classes (the model's).
func EmitTestDataSetC(name string, set mnist.Set, classes int, in TensorInfo) ([]byte, error) {
	return emitTestDataC(name, setImages(set, classes), in)
}

func emitTestDataC(name string, td testImages, in TensorInfo) ([]byte, error) {
	if err := ValidCIdent(name); err != nil {
		return nil, err
	}
	desc, err := checkTestData(td, in, false)
	if err != nil {
		return nil, err
	}
	guard, err := headerGuard(name + ".h")
	if err != nil {
		return nil, err
	}
	n, k := len(td.labels), td.rows*td.cols
	var b bytes.Buffer
	b.WriteString(GeneratedHeader + "\n//\n")
	for _, l := range desc {
		b.WriteString("// " + l + "\n")
	}
	b.WriteString("// The arrays are static: include this header in one source file only.\n")
	fmt.Fprintf(&b, "\n#ifndef %[1]s\n#define %[1]s\n\n", guard)
	fmt.Fprintf(&b, "static const unsigned int %s_count = %d;\n\n", name, n)
	fmt.Fprintf(&b, "static const unsigned char %s_images[%d][%d][%d] = {\n", name, n, td.rows, td.cols)
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "{  // %d: label %d\n", i, td.labels[i])
		writeRows(&b, td.images[i*k:(i+1)*k], td.cols, ",", "0") // C99 has no empty {}
		b.WriteString("},\n")
	}
	b.WriteString("};\n\n")
	fmt.Fprintf(&b, "static const unsigned char %s_labels[%d] = {%s};\n", name, n, joinBytes(td.labels, ", "))
	fmt.Fprintf(&b, "\n#endif  // %s\n", guard)
	return b.Bytes(), nil
}

// EmitTestDataGo is EmitTestDataC for Go: a gofmt-formatted file of package
// pkg with <name>Count, <name>Images [n][H][W]byte and <name>Labels [n]byte.
func EmitTestDataGo(pkg, name string, images, labels []byte, in TensorInfo) ([]byte, error) {
	return emitTestDataGo(pkg, name, legacyImages(images, labels, in), in)
}

// EmitTestDataSetGo is EmitTestDataSetC for Go.
func EmitTestDataSetGo(pkg, name string, set mnist.Set, classes int, in TensorInfo) ([]byte, error) {
	return emitTestDataGo(pkg, name, setImages(set, classes), in)
}

func emitTestDataGo(pkg, name string, td testImages, in TensorInfo) ([]byte, error) {
	if err := ValidGoPackage(pkg); err != nil {
		return nil, err
	}
	if err := ValidGoIdent(name); err != nil {
		return nil, err
	}
	desc, err := checkTestData(td, in, true)
	if err != nil {
		return nil, err
	}
	n, k := len(td.labels), td.rows*td.cols
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s\n\npackage %s\n\n", GeneratedHeader, pkg)
	for _, l := range desc {
		b.WriteString("// " + l + "\n")
	}
	fmt.Fprintf(&b, "\n// %sCount is the number of images.\nconst %[1]sCount = %d\n\n", name, n)
	fmt.Fprintf(&b, "// %sImages are the images, [row][column]; each row is written up to\n", name)
	b.WriteString("// its last non-zero pixel.\n")
	fmt.Fprintf(&b, "var %sImages = [%d][%d][%d]byte{\n", name, n, td.rows, td.cols)
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "{ // %d: label %d\n", i, td.labels[i])
		writeRows(&b, td.images[i*k:(i+1)*k], td.cols, ", ", "")
		b.WriteString("},\n")
	}
	b.WriteString("}\n\n")
	what := "digits"
	if td.classes > mnistClasses {
		what = "classes"
	}
	fmt.Fprintf(&b, "// %[1]sLabels are the images' %[2]s.\nvar %[1]sLabels = [%[3]d]byte{%[4]s}\n", name, what, n, joinBytes(td.labels, ", "))
	out, err := format.Source(b.Bytes())
	if err != nil {
		return nil, fmt.Errorf("convert: formatting Go source: %w", err)
	}
	return out, nil
}

// writeRows writes one image of rows cols pixels wide, a row a line in
// braces, each row up to its last non-zero pixel (blank for a blank row),
// values separated by sep.
func writeRows(b *bytes.Buffer, img []byte, cols int, sep, blank string) {
	for r := 0; r < len(img)/cols; r++ {
		row := bytes.TrimRight(img[r*cols:(r+1)*cols], "\x00")
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
