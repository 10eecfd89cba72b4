package tflite_test

import (
	"fmt"

	"github.com/mnistcnn/mnistcnn/tflite"
)

// A float model computing y = relu(W·x + b) with W = [[1, 2], [3, 4]] and
// b = [0.5, -0.5], written and read back.
func ExampleEncode() {
	m := &tflite.Model{
		Version:       tflite.SchemaVersion,
		OperatorCodes: []tflite.OperatorCode{{Builtin: tflite.OpFullyConnected, Version: 1}},
		Subgraphs: []tflite.Subgraph{{
			Name: "main",
			Tensors: []tflite.Tensor{
				{Name: "x", Type: tflite.Float32, Shape: []int32{1, 2}},
				{Name: "W", Type: tflite.Float32, Shape: []int32{2, 2}, Buffer: 1},
				{Name: "b", Type: tflite.Float32, Shape: []int32{2}, Buffer: 2},
				{Name: "y", Type: tflite.Float32, Shape: []int32{1, 2}},
			},
			Inputs:  []int32{0},
			Outputs: []int32{3},
			Operators: []tflite.Operator{{
				OpcodeIndex: 0, Inputs: []int32{0, 1, 2}, Outputs: []int32{3},
				Options: &tflite.FullyConnectedOptions{Activation: tflite.ActRelu},
			}},
		}},
		Buffers: []tflite.Buffer{
			{}, // buffer 0 is always empty
			{Data: tflite.Float32Bytes([]float32{1, 2, 3, 4})},
			{Data: tflite.Float32Bytes([]float32{0.5, -0.5})},
		},
	}
	if err := m.SetMinRuntimeVersion("1.5.0"); err != nil {
		fmt.Println(err)
		return
	}
	b, err := tflite.Encode(m)
	if err != nil {
		fmt.Println(err)
		return
	}
	m2, err := tflite.Decode(b)
	if err != nil {
		fmt.Println(err)
		return
	}
	op := &m2.Subgraphs[0].Operators[0]
	v, _ := m2.MinRuntimeVersion()
	fmt.Println(string(b[4:8]), m2.Opcode(op), tflite.Float32s(m2.Data(0, 1)), v)
	// Output: TFL3 FULLY_CONNECTED [1 2 3 4] 1.5.0
}
