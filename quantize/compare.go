package quantize

import (
	"fmt"

	"github.com/mnistcnn/mnistcnn/internal/distance"
	"github.com/mnistcnn/mnistcnn/tflite"
	"github.com/mnistcnn/mnistcnn/tflite/interp"
)

// LayerError compares one operator's output in the int8 model, dequantized,
// with the same operator's output in the float model, over all inputs:
//
//	RelL2  = ‖q − f‖ / ‖f‖           (0 is perfect)
//	Cosine = q·f / (‖q‖ ‖f‖)          (1 is perfect)
//	MaxAbs = max |q − f|
//
// where f and q are the float and dequantized int8 outputs of every input
// laid end to end (package internal/distance, which also says what the
// measures are for vectors of zeros).
type LayerError struct {
	Op     int    // operator index, the same in both models
	Kind   string // operator, e.g. "CONV_2D"
	Name   string // output tensor's name
	RelL2  float64
	Cosine float64
	MaxAbs float64
}

// CompareLayers runs float and int8 (made from float by Int8 or Apply, so
// operator i of one is operator i of the other) on the same inputs, float
// values in the layout of float's input; int8 gets them quantized with its
// input's scale and zero point. It returns one LayerError per operator.
func CompareLayers(float, int8 *tflite.Model, inputs [][]float32) ([]LayerError, error) {
	if len(float.Subgraphs) != 1 || len(int8.Subgraphs) != 1 {
		return nil, fmt.Errorf("quantize: compare: models must have one subgraph")
	}
	fops, qops := float.Subgraphs[0].Operators, int8.Subgraphs[0].Operators
	if len(fops) != len(qops) {
		return nil, fmt.Errorf("quantize: compare: %d float operators, %d int8", len(fops), len(qops))
	}
	fip, err := interp.New(float)
	if err != nil {
		return nil, fmt.Errorf("quantize: compare: float model: %w", err)
	}
	qip, err := interp.New(int8)
	if err != nil {
		return nil, fmt.Errorf("quantize: compare: int8 model: %w", err)
	}
	fin, qin := fip.Input(0), qip.Input(0)
	if fin.Type != tflite.Float32 || qin.Type != tflite.Int8 || len(qin.Scale) != 1 {
		return nil, fmt.Errorf("quantize: compare: inputs are %v and %v, want FLOAT32 and per-tensor INT8", fin.Type, qin.Type)
	}

	n := len(fops)
	fout := make([][]float32, n) // float outputs of the current input
	acc := make([]distance.Sum, n)
	fip.SetObserver(func(op int, out *interp.Tensor) {
		fout[op] = append(fout[op][:0], out.Float32s()...)
	})
	var obsErr error
	qip.SetObserver(func(op int, out *interp.Tensor) {
		f := fout[op]
		q := out.Int8s()
		if obsErr != nil {
			return
		}
		if len(q) != len(f) || len(out.Scale) != 1 {
			obsErr = fmt.Errorf("quantize: compare: operator %d: %d int8 values (%d scales), %d float", op, len(q), len(out.Scale), len(f))
			return
		}
		scale, zp := out.Scale[0], int32(out.ZeroPoint[0])
		for i, v := range q {
			acc[op].Add(float64(f[i]), float64(Dequantize(v, scale, zp)))
		}
	})
	for i, x := range inputs {
		fd, qd := fin.Float32s(), qin.Int8s()
		if len(x) != len(fd) || len(x) != len(qd) {
			return nil, fmt.Errorf("quantize: compare: input %d has %d values, want %d", i, len(x), len(fd))
		}
		copy(fd, x)
		for j, v := range x {
			qd[j] = Quantize(v, qin.Scale[0], int32(qin.ZeroPoint[0]))
		}
		if err := fip.Invoke(); err != nil {
			return nil, fmt.Errorf("quantize: compare: float model, input %d: %w", i, err)
		}
		if err := qip.Invoke(); err != nil {
			return nil, fmt.Errorf("quantize: compare: int8 model, input %d: %w", i, err)
		}
		if obsErr != nil {
			return nil, obsErr
		}
	}

	res := make([]LayerError, n)
	ts := float.Subgraphs[0].Tensors
	for op := range acc {
		a := &acc[op]
		le := LayerError{Op: op, RelL2: a.RelL2(), Cosine: a.Cosine(), MaxAbs: a.MaxAbs()}
		if c := int(fops[op].OpcodeIndex); c < len(float.OperatorCodes) {
			le.Kind = float.OperatorCodes[c].Builtin.String()
		}
		if outs := fops[op].Outputs; len(outs) > 0 && outs[0] >= 0 && int(outs[0]) < len(ts) {
			le.Name = ts[outs[0]].Name
		}
		res[op] = le
	}
	return res, nil
}
