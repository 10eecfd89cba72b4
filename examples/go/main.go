// Command example classifies MNIST digits with a model compiled into the
// program: mnist_int8.go and mnist_test_data.go were emitted by
//
//	mnistcnn convert --model int8 --format go --package main --test-data 20 --out-dir examples/go
//
// It runs the model with mnistcnn's pure-Go TFLite interpreter through
// package eval, which turns pixels into the model's input (pixel − 128 for
// this int8 model) and its output into ten probabilities.
package main

import (
	"fmt"
	"io"
	"os"

	"github.com/mnistcnn/mnistcnn/eval"
)

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "example:", err)
		os.Exit(1)
	}
}

func run(w io.Writer) error {
	m, err := eval.FromBytes([]byte(MnistInt8))
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "model: %d bytes, ops %v, tensor arena %d bytes\n", len(MnistInt8), MnistInt8Ops, m.ArenaBytes())
	correct := 0
	pixels := make([]uint8, 0, 28*28)
	for k := 0; k < MnistTestCount; k++ {
		pixels = pixels[:0]
		for _, row := range MnistTestImages[k] {
			pixels = append(pixels, row[:]...)
		}
		p, err := m.Predict(pixels)
		if err != nil {
			return err
		}
		best := 0
		for c := range p {
			if p[c] > p[best] {
				best = c
			}
		}
		if best == int(MnistTestLabels[k]) {
			correct++
		}
		fmt.Fprintf(w, "image %d: label %d, predicted %d (p=%.3f)\n", k, MnistTestLabels[k], best, p[best])
	}
	fmt.Fprintf(w, "accuracy: %d/%d\n", correct, MnistTestCount)
	return nil
}
