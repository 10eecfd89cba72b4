package interp_test

import (
	"fmt"
	"os"

	"github.com/mnistcnn/mnistcnn/tflite"
	"github.com/mnistcnn/mnistcnn/tflite/interp"
)

// Run TensorFlow Lite Micro's hello_world model (a sine approximation) on
// x = π/2.
func Example() {
	b, err := os.ReadFile("../../testdata/models/hello_world_float.tflite")
	if err != nil {
		fmt.Println(err)
		return
	}
	m, err := tflite.Decode(b)
	if err != nil {
		fmt.Println(err)
		return
	}
	it, err := interp.New(m)
	if err != nil {
		fmt.Println(err)
		return
	}
	it.Input(0).Float32s()[0] = 1.5707963
	if err := it.Invoke(); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("sin(π/2) ≈ %.4f, arena %d bytes\n", it.Output(0).Float32s()[0], it.ArenaBytes())
	// Output: sin(π/2) ≈ 0.9957, arena 128 bytes
}
