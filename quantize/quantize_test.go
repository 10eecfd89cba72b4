package quantize

import (
	"math"
	"reflect"
	"testing"

	"github.com/mnistcnn/mnistcnn/tflite"
	"github.com/mnistcnn/mnistcnn/tflite/interp"
)

// uniform returns n values uniform in [lo, hi) from r.
func uniform(r *splitmix64, n int, lo, hi float32) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = lo + (hi-lo)*float32(r.next()>>40)/(1<<24)
	}
	return v
}

// smallModel is the product's architecture at a smaller size, with weights
// drawn from seed: input [1,8,8,1] → CONV_2D 3×3×4 RELU → MAX_POOL_2D 2×2 →
// RESHAPE [1,36] → FULLY_CONNECTED 36→8 RELU → FULLY_CONNECTED 8→3 →
// SOFTMAX. Weights are uniform in ±√(3/fan_in)·√2 (He-like), so activations
// stay of order 1 as in a trained network.
func smallModel(seed uint64) *tflite.Model {
	r := splitmix64(seed)
	bufs := []tflite.Buffer{{}}
	var tensors []tflite.Tensor
	tensor := func(name string, typ tflite.TensorType, shape []int32, data []byte) int32 {
		t := tflite.Tensor{Name: name, Type: typ, Shape: shape}
		if data != nil {
			bufs = append(bufs, tflite.Buffer{Data: data})
			t.Buffer = uint32(len(bufs) - 1)
		}
		tensors = append(tensors, t)
		return int32(len(tensors) - 1)
	}
	weights := func(n, fanIn int) []byte {
		a := float32(math.Sqrt(6 / float64(fanIn)))
		return f32bytes(uniform(&r, n, -a, a)...)
	}
	codes := []tflite.OperatorCode{
		{Builtin: tflite.OpConv2D, Version: 1}, {Builtin: tflite.OpMaxPool2D, Version: 1},
		{Builtin: tflite.OpReshape, Version: 1}, {Builtin: tflite.OpFullyConnected, Version: 1},
		{Builtin: tflite.OpSoftmax, Version: 1},
	}
	var ops []tflite.Operator
	op := func(code uint32, out int32, opts tflite.Options, in ...int32) {
		ops = append(ops, tflite.Operator{OpcodeIndex: code, Inputs: in, Outputs: []int32{out}, Options: opts})
	}
	in := tensor("input", tflite.Float32, []int32{1, 8, 8, 1}, nil)
	cw := tensor("conv/kernel", tflite.Float32, []int32{4, 3, 3, 1}, weights(36, 9))
	cb := tensor("conv/bias", tflite.Float32, []int32{4}, f32bytes(uniform(&r, 4, -0.1, 0.1)...))
	conv := tensor("conv", tflite.Float32, []int32{1, 6, 6, 4}, nil)
	op(0, conv, &tflite.Conv2DOptions{Padding: tflite.PaddingValid, StrideW: 1, StrideH: 1, Activation: tflite.ActRelu, DilationW: 1, DilationH: 1}, in, cw, cb)
	pool := tensor("pool", tflite.Float32, []int32{1, 3, 3, 4}, nil)
	op(1, pool, &tflite.Pool2DOptions{Padding: tflite.PaddingValid, StrideW: 2, StrideH: 2, FilterWidth: 2, FilterHeight: 2}, conv)
	shape := tensor("flatten/shape", tflite.Int32, []int32{2}, i32bytes(1, 36))
	flat := tensor("flatten", tflite.Float32, []int32{1, 36}, nil)
	op(2, flat, &tflite.ReshapeOptions{NewShape: []int32{1, 36}}, pool, shape)
	w1 := tensor("dense1/kernel", tflite.Float32, []int32{8, 36}, weights(288, 36))
	b1 := tensor("dense1/bias", tflite.Float32, []int32{8}, f32bytes(uniform(&r, 8, -0.1, 0.1)...))
	d1 := tensor("dense1", tflite.Float32, []int32{1, 8}, nil)
	op(3, d1, &tflite.FullyConnectedOptions{Activation: tflite.ActRelu}, flat, w1, b1)
	w2 := tensor("dense2/kernel", tflite.Float32, []int32{3, 8}, weights(24, 8))
	b2 := tensor("dense2/bias", tflite.Float32, []int32{3}, f32bytes(uniform(&r, 3, -0.1, 0.1)...))
	logits := tensor("dense2/logits", tflite.Float32, []int32{1, 3}, nil)
	op(3, logits, &tflite.FullyConnectedOptions{}, d1, w2, b2)
	out := tensor("output", tflite.Float32, []int32{1, 3}, nil)
	op(4, out, &tflite.SoftmaxOptions{Beta: 1}, logits)
	return &tflite.Model{
		Version: 3, OperatorCodes: codes, Buffers: bufs,
		Subgraphs: []tflite.Subgraph{{Name: "main", Tensors: tensors, Inputs: []int32{in}, Outputs: []int32{out}, Operators: ops}},
	}
}

// images returns n inputs of 64 values k/255, like scaled pixels.
func images(seed uint64, n int) [][]float32 {
	r := splitmix64(seed)
	out := make([][]float32, n)
	for i := range out {
		out[i] = make([]float32, 64)
		for j := range out[i] {
			out[i][j] = float32(r.below(256)) / 255
		}
	}
	return out
}

func TestCalibrateMinMax(t *testing.T) {
	m := smallModel(1)
	ins := images(2, 10)
	ranges, err := Calibrate(m, ins, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	// The input's range is the smallest and largest pixel fed in.
	lo, hi := float32(1), float32(0)
	for _, x := range ins {
		for _, v := range x {
			lo, hi = min(lo, v), max(hi, v)
		}
	}
	if r := ranges[0]; r != (Range{lo, hi, true}) {
		t.Errorf("input range %v, want [%v, %v]", r, lo, hi)
	}
	// The conv output's range must match what the interpreter computes.
	ip, err := interp.New(m)
	if err != nil {
		t.Fatal(err)
	}
	clo, chi := float32(math.Inf(1)), float32(math.Inf(-1))
	ip.SetObserver(func(op int, out *interp.Tensor) {
		if op == 0 {
			for _, v := range out.Float32s() {
				clo, chi = min(clo, v), max(chi, v)
			}
		}
	})
	for _, x := range ins {
		copy(ip.Input(0).Float32s(), x)
		if err := ip.Invoke(); err != nil {
			t.Fatal(err)
		}
	}
	if r := ranges[3]; r != (Range{clo, chi, true}) || clo < 0 {
		t.Errorf("conv range %v, want [%v, %v] with min ≥ 0 (ReLU)", r, clo, chi)
	}
	for _, c := range []int{1, 2, 5} { // weights, bias, shape: constants
		if ranges[c].Valid {
			t.Errorf("constant tensor %d got a range", c)
		}
	}
}

func TestInt8EndToEnd(t *testing.T) {
	float := smallModel(1)
	calib, test := images(2, 50), images(3, 20)
	for _, tc := range []struct {
		opt     Options
		maxRel  float64 // largest relative L2 error of any layer
		maxSoft float64 // largest error of a softmax output
	}{
		// 8-bit activations carry 2–3 significant digits: measured ≤ 0.9 %
		// per layer and 0.009 on the softmax for min/max and percentile.
		{DefaultOptions(), 0.03, 0.02},
		{Options{Method: Percentile, InputMax: 1, PerChannelFC: true}, 0.03, 0.02},
		// Mean clips each range to the average input's, so the largest
		// values saturate by design (measured 12 % on the logits).
		{Options{Method: Mean, InputMax: 1}, 0.2, 0.1},
	} {
		opt := tc.opt
		q, err := Int8(float, calib, opt)
		if err != nil {
			t.Fatalf("%+v: %v", opt, err)
		}
		q2, err := Int8(float, calib, opt)
		if err != nil || !reflect.DeepEqual(q, q2) {
			t.Fatalf("%+v: second run differs (err %v)", opt, err)
		}
		a, _ := tflite.Encode(q)
		b, _ := tflite.Encode(q2)
		if string(a) != string(b) || len(a) == 0 {
			t.Fatalf("%+v: encodings differ", opt)
		}
		layers, err := CompareLayers(float, q, test)
		if err != nil {
			t.Fatalf("%+v: %v", opt, err)
		}
		if len(layers) != 6 {
			t.Fatalf("%d layers, want 6", len(layers))
		}
		for _, l := range layers {
			if l.RelL2 > tc.maxRel || l.Cosine < 0.99 || l.Name == "" || l.Kind == "" {
				t.Errorf("%s: layer %d %s %s: relL2 %.4f cosine %.5f", opt.Method, l.Op, l.Kind, l.Name, l.RelL2, l.Cosine)
			}
		}
		if l := layers[5]; l.Kind != "SOFTMAX" || l.MaxAbs > tc.maxSoft {
			t.Errorf("%s: %s max error %.4f", opt.Method, l.Kind, l.MaxAbs)
		}
	}
}

// CompareLayers of a model with itself through Apply with generous ranges
// still reports RelL2 ≥ 0 and cosine ≤ 1; and it rejects mismatched models.
func TestCompareLayersChecks(t *testing.T) {
	float := smallModel(1)
	q, err := Int8(float, images(2, 5), DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	layers, err := CompareLayers(float, q, images(3, 3))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range layers {
		if l.RelL2 < 0 || l.Cosine > 1+1e-12 || math.IsNaN(l.Cosine) {
			t.Errorf("layer %d: relL2 %v cosine %v", l.Op, l.RelL2, l.Cosine)
		}
	}
	if _, err := CompareLayers(float, tinyModel(), images(3, 1)); err == nil {
		t.Error("models with different operators accepted")
	}
	if _, err := CompareLayers(float, q, [][]float32{{1, 2}}); err == nil {
		t.Error("short input accepted")
	}
}
