// Command example runs a model that mnistcnn emitted as Go source
// (mnist_model.go) on MNIST test images emitted the same way
// (mnist_test_data.go), with mnistcnn's pure-Go TFLite interpreter, and
// prints each prediction and the accuracy.
//
// Regenerate the two files with `mnistcnn convert` (see README.md); the
// model must take a [1,28,28,1] FLOAT32 or INT8 input and give 10 scores.
package main

import (
	"fmt"
	"io"
	"math"
	"os"

	"github.com/mnistcnn/mnistcnn/tflite"
	"github.com/mnistcnn/mnistcnn/tflite/interp"
)

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "example:", err)
		os.Exit(1)
	}
}

func run(w io.Writer) error {
	in, out := ModelInputs[0], ModelOutputs[0]
	fmt.Fprintf(w, "model: %d bytes, ops %v\n", len(Model), ModelOps)
	fmt.Fprintf(w, "input %s %v, output %s %v\n", in.Type, in.Shape, out.Type, out.Shape)

	m, err := tflite.Decode([]byte(Model))
	if err != nil {
		return err
	}
	it, err := interp.New(m)
	if err != nil {
		return err
	}
	input, output := it.Input(0), it.Output(0)
	if input.NumElements() != 28*28 || output.NumElements() != 10 {
		return fmt.Errorf("not an MNIST model: input has %d values, output %d; regenerate mnist_model.go (README.md)",
			input.NumElements(), output.NumElements())
	}
	correct := 0
	for k := 0; k < TestCount; k++ {
		if err := setInput(input, &TestImages[k]); err != nil {
			return err
		}
		if err := it.Invoke(); err != nil {
			return err
		}
		got := argMax(output)
		if got == int(TestLabels[k]) {
			correct++
		}
		fmt.Fprintf(w, "image %d: label %d, predicted %d\n", k, TestLabels[k], got)
	}
	fmt.Fprintf(w, "accuracy: %d/%d = %.2f%%\n", correct, TestCount, 100*float64(correct)/float64(TestCount))
	return nil
}

// setInput writes an image as the model wants it: pixel/255 for FLOAT32,
// round(pixel/255/scale) + zero point for INT8.
func setInput(t *interp.Tensor, img *[28][28]byte) error {
	switch t.Type {
	case tflite.Float32:
		x := t.Float32s()
		for r := range img {
			for c, p := range img[r] {
				x[r*28+c] = float32(p) / 255
			}
		}
	case tflite.Int8:
		x := t.Int8s()
		s, z := float64(t.Scale[0]), float64(t.ZeroPoint[0])
		for r := range img {
			for c, p := range img[r] {
				q := math.Round(float64(p)/255/s) + z
				x[r*28+c] = int8(max(-128, min(127, q)))
			}
		}
	default:
		return fmt.Errorf("input type %s not supported", t.Type)
	}
	return nil
}

// argMax is the class with the highest score; int8 scores order the
// classes as the real values do (the scale is positive).
func argMax(t *interp.Tensor) int {
	best := 0
	switch t.Type {
	case tflite.Float32:
		x := t.Float32s()
		for i := range x {
			if x[i] > x[best] {
				best = i
			}
		}
	case tflite.Int8:
		x := t.Int8s()
		for i := range x {
			if x[i] > x[best] {
				best = i
			}
		}
	}
	return best
}
