package convert

import (
	"bytes"
	"go/parser"
	"go/token"
	"strings"
	"testing"

	"github.com/mnistcnn/mnistcnn/mnist"
	"github.com/mnistcnn/mnistcnn/tflite"
)

// smallSet is n h×w images, image i with the value i+1 at its pixel i,
// labelled i mod classes.
func smallSet(n, h, w, classes int) mnist.Set {
	s := mnist.Set{Images: make([]byte, n*h*w), Labels: make([]byte, n), N: n, Rows: h, Cols: w}
	for i := 0; i < n; i++ {
		s.Images[i*h*w+i%(h*w)] = byte(i + 1)
		s.Labels[i] = byte(i % classes)
	}
	return s
}

// Test data of another size than MNIST's: the arrays are the images'
// size, the comment says it; a set of MNIST's size gives the bytes the
// digit emitters give.
func TestTestDataOtherSizes(t *testing.T) {
	in := TensorInfo{Type: tflite.Int8, Shape: []int32{1, 14, 12, 1}, Quantized: true, Scale: 1.0 / 255, ZeroPoint: -128}
	set := smallSet(3, 14, 12, 10)
	c, err := EmitTestDataSetC("t", set, 10, in)
	if err != nil {
		t.Fatal(err)
	}
	g, err := EmitTestDataSetGo("p", "T", set, 10, in)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"// 3 test images of 14×12 pixels and their labels.", "static const unsigned char t_images[3][14][12] = {",
		"{  // 2: label 2\n  {0,0,3},\n  {0},\n", "static const unsigned char t_labels[3] = {0, 1, 2};"} {
		if !bytes.Contains(c, []byte(want)) {
			t.Errorf("C header lacks %q:\n%s", want, c)
		}
	}
	if !bytes.Contains(g, []byte("var TImages = [3][14][12]byte{")) || !bytes.Contains(g, []byte("// TLabels are the images' digits.")) {
		t.Errorf("Go file:\n%s", g)
	}
	if _, err := parser.ParseFile(token.NewFileSet(), "t.go", g, 0); err != nil {
		t.Error(err)
	}
	// The digit emitters take the size from the input's shape.
	if c2, err := EmitTestDataC("t", set.Images, set.Labels, in); err != nil || !bytes.Equal(c, c2) {
		t.Errorf("EmitTestDataC: %v, or other bytes:\n%s", err, c2)
	}

	// MNIST's size: the same bytes as the digit emitters.
	images, labels := tinyImages()
	mn := mnist.Set{Images: images, Labels: labels, N: 3, Rows: 28, Cols: 28}
	for _, in := range []TensorInfo{{Type: tflite.Float32}, {Type: tflite.Float32, Shape: []int32{1, 28, 28, 1}}} {
		a, err1 := EmitTestDataC("g_test", images, labels, in)
		b, err2 := EmitTestDataSetC("g_test", mn, 10, in)
		ga, err3 := EmitTestDataGo("hello", "Test", images, labels, in)
		gb, err4 := EmitTestDataSetGo("hello", "Test", mn, 10, in)
		if err1 != nil || err2 != nil || err3 != nil || err4 != nil || !bytes.Equal(a, b) || !bytes.Equal(ga, gb) || !bytes.Contains(a, []byte("// 3 MNIST test images and their labels.")) {
			t.Errorf("%v: %v %v %v %v, or other bytes", in.Shape, err1, err2, err3, err4)
		}
	}
}

func TestTestDataClassesAndChannels(t *testing.T) {
	in := TensorInfo{Type: tflite.Float32, Shape: []int32{1, 4, 4, 3}}
	set := smallSet(13, 4, 4, 13)
	g, err := EmitTestDataSetGo("p", "T", set, 13, in)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"// TLabels are the images' classes.", "//   input = float32(p) / 255\n//   (the same input in each of the 3 channels of the pixel)\n"} {
		if !bytes.Contains(g, []byte(want)) {
			t.Errorf("Go file lacks %q:\n%s", want, g)
		}
	}
	for _, c := range []struct {
		what string
		err  error
		msg  string
	}{
		{"label beyond the classes", second(EmitTestDataSetC("t", set, 12, in)), "convert: label 12 is 12, not one of the model's 12 classes"},
		{"label beyond the digits", second(EmitTestDataC("t", set.Images, set.Labels, in)), "convert: label 10 is 10, not a digit"},
		{"size against the input", second(EmitTestDataSetC("t", smallSet(2, 5, 4, 2), 2, in)), "convert: test images of 5×4 pixels for a model whose input is [1, 4, 4, 3]"},
		{"pixels against the size", second(EmitTestDataC("t", set.Images[:20], set.Labels[:2], in)), "convert: 20 pixel bytes for 2 labels, want 32 (4×4 images)"},
	} {
		if c.err == nil || !strings.Contains(c.err.Error(), c.msg) {
			t.Errorf("%s: %v, want %q", c.what, c.err, c.msg)
		}
	}
}
