package interp

import (
	"fmt"

	"github.com/mnistcnn/mnistcnn/tflite"
)

// CAST to FLOAT32 and EXPAND_DIMS: small operators that converter models put
// in front of a float graph (e.g. a uint8 raw-pixel input).
func init() {
	register(tflite.OpCast, tflite.UInt8, prepareCastToFloat)
	register(tflite.OpCast, tflite.Int8, prepareCastToFloat)
	register(tflite.OpCast, tflite.Int16, prepareCastToFloat)
	register(tflite.OpCast, tflite.Int32, prepareCastToFloat)
	for _, typ := range []tflite.TensorType{tflite.Float32, tflite.Int8, tflite.UInt8, tflite.Int16, tflite.Int32} {
		register(tflite.OpExpandDims, typ, prepareExpandDims)
	}
}

// prepareCastToFloat converts integers to float32 exactly as C++'s
// static_cast<float> does (exact below 2^24, else rounded to nearest even).
func prepareCastToFloat(n *node, t []*Tensor) (evalFunc, error) {
	if err := arity(n, 1, 1, 1); err != nil {
		return nil, err
	}
	x, y := t[n.inputs[0]], t[n.outputs[0]]
	if err := wantType("output", y, tflite.Float32); err != nil {
		return nil, err
	}
	if err := wantShape(y, x.Shape); err != nil {
		return nil, err
	}
	xi, yi := n.inputs[0], n.outputs[0]
	switch x.Type {
	case tflite.UInt8:
		return func(t []*Tensor) error { castToFloat(t[xi].UInt8s(), t[yi].Float32s()); return nil }, nil
	case tflite.Int8:
		return func(t []*Tensor) error { castToFloat(t[xi].Int8s(), t[yi].Float32s()); return nil }, nil
	case tflite.Int16:
		return func(t []*Tensor) error { castToFloat(t[xi].Int16s(), t[yi].Float32s()); return nil }, nil
	case tflite.Int32:
		return func(t []*Tensor) error { castToFloat(t[xi].Int32s(), t[yi].Float32s()); return nil }, nil
	}
	return nil, fmt.Errorf("input type %s not supported", x.Type)
}

func castToFloat[T uint8 | int8 | int16 | int32](in []T, out []float32) {
	out = out[:len(in)]
	for i, v := range in {
		out[i] = float32(v)
	}
}

// prepareExpandDims inserts a dimension of size 1 at the axis given by a
// constant INT32 (or INT64) second input; a negative axis counts from the
// end (−1 appends). The data is copied.
func prepareExpandDims(n *node, t []*Tensor) (evalFunc, error) {
	if err := arity(n, 2, 2, 1); err != nil {
		return nil, err
	}
	x, a, y := t[n.inputs[0]], t[n.inputs[1]], t[n.outputs[0]]
	if y.Type != x.Type {
		return nil, fmt.Errorf("output type %s differs from input type %s", y.Type, x.Type)
	}
	if !a.constant || a.NumElements() != 1 {
		return nil, fmt.Errorf("axis must be a constant with one value, has shape %v", a.Shape)
	}
	var axis int
	switch a.Type {
	case tflite.Int32:
		axis = int(a.Int32s()[0])
	case tflite.Int64:
		axis = int(int64(a.data[0]) | int64(a.data[1])<<8 | int64(a.data[2])<<16 | int64(a.data[3])<<24 |
			int64(a.data[4])<<32 | int64(a.data[5])<<40 | int64(a.data[6])<<48 | int64(a.data[7])<<56)
	default:
		return nil, fmt.Errorf("axis type %s not supported", a.Type)
	}
	rank := len(x.Shape)
	if axis < 0 {
		axis += rank + 1
	}
	if axis < 0 || axis > rank {
		return nil, fmt.Errorf("axis %d out of range for rank %d", axis, rank)
	}
	shape := append(append(append([]int(nil), x.Shape[:axis]...), 1), x.Shape[axis:]...)
	if err := wantShape(y, shape); err != nil {
		return nil, err
	}
	xi, yi := n.inputs[0], n.outputs[0]
	return func(t []*Tensor) error {
		copy(t[yi].data, t[xi].data)
		return nil
	}, nil
}
