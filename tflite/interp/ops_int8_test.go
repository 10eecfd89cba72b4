package interp

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/mnistcnn/mnistcnn/tflite"
	"github.com/mnistcnn/mnistcnn/tflite/kernels"
)

// quantizeInput fills an int8 input with the float x quantized with the
// tensor's own scale and zero point (TFLite's AffineQuantize), and returns
// the quantized value.
func quantizeInput(t *testing.T, in *Tensor, x float32) int8 {
	t.Helper()
	vals := make([]float32, in.NumElements())
	for i := range vals {
		vals[i] = x
	}
	kernels.AffineQuantize(vals, in.Int8s(), in.Scale[0], int32(in.ZeroPoint[0]))
	return in.Int8s()[0]
}

func TestHelloWorldInt8(t *testing.T) {
	it, err := New(loadModel(t, "hello_world_int8.tflite"))
	if err != nil {
		t.Fatal(err)
	}
	// testdata/models/README.md: x = 1.5707963 quantizes to −64 (scale
	// 0.0244801156, zero point −128: 1.5707963/0.0244801156 = 64.17 → 64 − 128)
	// and gives 126 in TFLite Micro, tfjs-tflite and Arm NN.
	if q := quantizeInput(t, it.Input(0), 1.5707963); q != -64 {
		t.Fatalf("input quantizes to %d, want −64", q)
	}
	if err := it.Invoke(); err != nil {
		t.Fatal(err)
	}
	out := it.Output(0)
	if got := out.Int8s()[0]; got != 126 {
		t.Errorf("hello_world_int8(1.5707963) = %d, want 126", got)
	}
	// 126 dequantizes to 0.008290957·(126 − 5) = 1.003206 (README).
	var f [1]float32
	kernels.AffineDequantize(out.Int8s(), f[:], out.Scale[0], int32(out.ZeroPoint[0]))
	if math.Abs(float64(f[0])-1.003206) > 5e-7 {
		t.Errorf("dequantized output %v, want 1.003206", f[0])
	}
}

func TestPersonDetectInt8(t *testing.T) {
	it, err := New(loadModel(t, "person_detect.tflite"))
	if err != nil {
		t.Fatal(err)
	}
	// README: TFLite Micro gives [56, −56] for "fill 0.5" and [72, −72] for
	// "fill 0". The input is int8 with scale 2/255 and zero point −1 (range
	// [−1, 1]); "fill x" is read as every pixel being the real value x, so
	// 0.5 quantizes to round(63.75) − 1 = 63 and 0 to −1. (Filling the raw
	// int8 0 instead also gives [72, −72].)
	tests := []struct {
		fill float32
		q    int8
		want []int8
	}{
		{0.5, 63, []int8{56, -56}},
		{0, -1, []int8{72, -72}},
	}
	for _, tt := range tests {
		if q := quantizeInput(t, it.Input(0), tt.fill); q != tt.q {
			t.Fatalf("fill %g quantizes to %d, want %d", tt.fill, q, tt.q)
		}
		if err := it.Invoke(); err != nil {
			t.Fatal(err)
		}
		if got := it.Output(0).Int8s(); !slices.Equal(got, tt.want) {
			t.Errorf("person_detect(fill %g) = %v, want %v (TFLite Micro)", tt.fill, got, tt.want)
		}
	}
}

func TestMNISTLSTMInt8UnsupportedByName(t *testing.T) {
	_, err := New(loadModel(t, "mnist_lstm_int8.tflite"))
	if err == nil || !strings.Contains(err.Error(), "(UNIDIRECTIONAL_SEQUENCE_LSTM): not supported") {
		t.Errorf("mnist_lstm_int8: error %v, want the LSTM operator reported by name", err)
	}
}

// i8 adds an INT8 tensor with per-tensor quantization, constant when values
// is not nil.
func (b *modelBuilder) i8(name string, shape []int32, scale float32, zp int64, values []int8) int32 {
	var data []byte
	if values != nil {
		data = make([]byte, len(values))
		for i, v := range values {
			data[i] = byte(v)
		}
	}
	ti := b.tensor(name, tflite.Int8, shape, data)
	b.quant(ti, scale, zp)
	return ti
}

// i32 adds a constant INT32 tensor.
func (b *modelBuilder) i32(name string, shape []int32, values []int32) int32 {
	return b.tensor(name, tflite.Int32, shape, i32Bytes(values))
}

// TestConvInt8Prepare runs a one-pixel int8 conv whose constants can be
// worked by hand: input scale 0.5 zero point 1, filter scales (0.25, 0.125),
// output scale 0.0625 zero point −3, RELU.
func TestConvInt8Prepare(t *testing.T) {
	b := newModelBuilder()
	in := b.i8("in", []int32{1, 1, 1, 2}, 0.5, 1, nil)
	w := b.i8("w", []int32{2, 1, 1, 2}, 1, 0, []int8{2, 4, -6, 8})
	b.sg().Tensors[w].Quant = &tflite.Quantization{Scale: []float32{0.25, 0.125}, ZeroPoint: []int64{0, 0}}
	bias := b.i32("b", []int32{2}, []int32{4, -8})
	out := b.i8("out", []int32{1, 1, 1, 2}, 0.0625, -3, nil)
	b.op(tflite.OpConv2D, conv(tflite.PaddingValid, 1, tflite.ActRelu), []int32{in, w, bias}, []int32{out})
	b.io([]int32{in}, []int32{out})
	it, err := New(&b.m)
	if err != nil {
		t.Fatal(err)
	}
	// Inputs q = (5, −3) are reals 0.5·(5−1) = 2 and 0.5·(−3−1) = −2.
	copy(it.Input(0).Int8s(), []int8{5, -3})
	if err := it.Invoke(); err != nil {
		t.Fatal(err)
	}
	// Channel 0: acc = 4 + 2·4 + 4·(−4) = −4; effective scale 0.5·0.25/0.0625
	// = 2, so −8, +(−3) = −11; RELU clamps at q(0) = −3.
	// Channel 1: acc = −8 − 6·4 + 8·(−4) = −64; scale 0.5·0.125/0.0625 = 1:
	// −64 − 3 = −67 → −3 as well.
	if got := it.Output(0).Int8s(); !slices.Equal(got, []int8{-3, -3}) {
		t.Errorf("conv(5, −3) = %v, want [−3 −3] (both negative, clamped by RELU)", got)
	}
	// Inputs (−3, 5) are reals (−2, 2): channel 0: 4 − 8 + 16 = 12 → ·2 = 24
	// → 21; channel 1: −8 + 24 + 32 = 48 → ·1 = 48 → 45.
	copy(it.Input(0).Int8s(), []int8{-3, 5})
	if err := it.Invoke(); err != nil {
		t.Fatal(err)
	}
	if got := it.Output(0).Int8s(); !slices.Equal(got, []int8{21, 45}) {
		t.Errorf("conv(−3, 5) = %v, want [21 45]", got)
	}
}

func TestInt8PrepareErrors(t *testing.T) {
	tests := []struct {
		name  string
		build func(b *modelBuilder) (in, out int32)
		want  string
	}{
		{"softmax output scale", func(b *modelBuilder) (int32, int32) {
			in := b.i8("in", []int32{1, 4}, 0.1, 0, nil)
			out := b.i8("out", []int32{1, 4}, 1.0/128, -128, nil) // TFLM wants exactly 1/256
			b.op(tflite.OpSoftmax, &tflite.SoftmaxOptions{Beta: 1}, []int32{in}, []int32{out})
			return in, out
		}, "want 1/256 and −128"},
		{"filter zero point", func(b *modelBuilder) (int32, int32) {
			in := b.i8("in", []int32{1, 1, 1, 1}, 0.1, 0, nil)
			w := b.i8("w", []int32{1, 1, 1, 1}, 0.1, 3, []int8{1}) // weights must be symmetric
			out := b.i8("out", []int32{1, 1, 1, 1}, 0.1, 0, nil)
			b.op(tflite.OpConv2D, conv(tflite.PaddingValid, 1, tflite.ActNone), []int32{in, w}, []int32{out})
			return in, out
		}, "filter zero point 3 is not 0"},
		{"per-channel dimension", func(b *modelBuilder) (int32, int32) {
			in := b.i8("in", []int32{1, 1, 1, 2}, 0.1, 0, nil)
			w := b.i8("w", []int32{2, 1, 1, 2}, 0.1, 0, []int8{1, 1, 1, 1})
			b.sg().Tensors[w].Quant = &tflite.Quantization{Scale: []float32{0.1, 0.2}, ZeroPoint: []int64{0, 0}, QuantizedDimension: 3}
			out := b.i8("out", []int32{1, 1, 1, 2}, 0.1, 0, nil)
			b.op(tflite.OpConv2D, conv(tflite.PaddingValid, 1, tflite.ActNone), []int32{in, w}, []int32{out})
			return in, out
		}, "filter quantized dimension 3, want 0"},
		{"float bias", func(b *modelBuilder) (int32, int32) {
			in := b.i8("in", []int32{1, 3}, 0.1, 0, nil)
			w := b.i8("w", []int32{2, 3}, 0.1, 0, make([]int8, 6))
			bias := b.f32("b", []int32{2}, []float32{0, 0})
			out := b.i8("out", []int32{1, 2}, 0.1, 0, nil)
			b.op(tflite.OpFullyConnected, &tflite.FullyConnectedOptions{}, []int32{in, w, bias}, []int32{out})
			return in, out
		}, "bias type FLOAT32 not supported (want INT32)"},
		{"activation bound beyond int32", func(b *modelBuilder) (int32, int32) {
			in := b.i8("in", []int32{1, 2, 2, 1}, 1e-12, 0, nil)
			out := b.i8("out", []int32{1, 1, 1, 1}, 1e-12, 0, nil) // 6/1e−12 does not fit int32
			opts := pool(tflite.PaddingValid, 2, 2)
			opts.Activation = tflite.ActRelu6
			b.op(tflite.OpMaxPool2D, opts, []int32{in}, []int32{out})
			return in, out
		}, "activation bound out of int32 range"},
	}
	for _, tt := range tests {
		b := newModelBuilder()
		in, out := tt.build(b)
		b.io([]int32{in}, []int32{out})
		_, err := New(&b.m)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want one containing %q", tt.name, err, tt.want)
		}
	}
}

// TestFullyConnectedInt8PerTensorMultiplier checks that the per-tensor
// multiplier rounds input_scale·weights_scale to float32 first, as TFLite's
// GetQuantizedConvolutionMultipler does. Scales 0.1, 0.3, 0.7 are chosen so
// that the float32 and double products give different multipliers.
func TestFullyConnectedInt8PerTensorMultiplier(t *testing.T) {
	inS, wS, outS := float32(0.1), float32(0.3), float32(0.7)
	f32M, f32S := kernels.QuantizeMultiplier(float64(inS*wS) / float64(outS))
	f64M, f64S := kernels.QuantizeMultiplier(float64(inS) * float64(wS) / float64(outS))
	if f32M == f64M && f32S == f64S {
		t.Fatal("test scales do not distinguish float32 from double products")
	}
	m, s, err := fcPerTensorMultiplier(inS, wS, outS)
	if err != nil || m != f32M || int(s) != f32S {
		t.Errorf("fcPerTensorMultiplier = (%d, %d, %v), want (%d, %d) from the float32 product", m, s, err, f32M, f32S)
	}
}
