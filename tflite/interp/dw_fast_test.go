package interp

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/mnistcnn/mnistcnn/tflite"
)

// DEPTHWISE_CONV_2D through the interpreter on the fast kernels
// (ops_fast_dw.go) and on the scalar ones: channels 1, 3, 7, 17, 33,
// multipliers 1, 2, 3, SAME and VALID, stride 2, dilation 2, batch 2;
// int8 with per-channel filter scales and extreme zero points. Float within
// 1e-5, int8 the same bytes.

type dwModelCase struct {
	n, h, w, c, m, k int
	pad              tflite.Padding
	stride, dil      int
	act              tflite.Activation
}

func (c dwModelCase) String() string {
	return fmt.Sprintf("%d×%d×%d×%d m%d k%d pad%d s%d d%d act%d", c.n, c.h, c.w, c.c, c.m, c.k, c.pad, c.stride, c.dil, c.act)
}

func (c dwModelCase) outHW() (int, int) {
	size := func(in int) int {
		eff := (c.k-1)*c.dil + 1
		if c.pad == tflite.PaddingSame {
			return (in + c.stride - 1) / c.stride
		}
		return (in - eff + c.stride) / c.stride
	}
	return size(c.h), size(c.w)
}

func dwModelCases() []dwModelCase {
	var cs []dwModelCase
	acts := []tflite.Activation{tflite.ActNone, tflite.ActRelu, tflite.ActRelu6}
	i := 0
	for _, ch := range []int{1, 3, 7, 17, 33} {
		for _, m := range []int{1, 2, 3} {
			for _, g := range []struct {
				pad         tflite.Padding
				stride, dil int
			}{{tflite.PaddingSame, 1, 1}, {tflite.PaddingValid, 1, 1}, {tflite.PaddingSame, 2, 1}, {tflite.PaddingSame, 1, 2}, {tflite.PaddingValid, 2, 2}} {
				cs = append(cs, dwModelCase{1 + i%2, 9, 8, ch, m, 3, g.pad, g.stride, g.dil, acts[i%3]})
				i++
			}
		}
	}
	return cs
}

func (c dwModelCase) opts() *tflite.DepthwiseConv2DOptions {
	return &tflite.DepthwiseConv2DOptions{Padding: c.pad, StrideW: int32(c.stride), StrideH: int32(c.stride),
		DepthMultiplier: int32(c.m), DilationW: int32(c.dil), DilationH: int32(c.dil), Activation: c.act}
}

func dwFloatModel(r *rand.Rand, c dwModelCase, withBias bool) *tflite.Model {
	oh, ow := c.outHW()
	cout := c.c * c.m
	b := newModelBuilder()
	x := b.f32("x", []int32{int32(c.n), int32(c.h), int32(c.w), int32(c.c)}, nil)
	wv := make([]float32, c.k*c.k*cout)
	for i := range wv {
		wv[i] = float32(r.NormFloat64())
	}
	w := b.f32("w", []int32{1, int32(c.k), int32(c.k), int32(cout)}, wv)
	bi := int32(-1)
	if withBias {
		bv := make([]float32, cout)
		for i := range bv {
			bv[i] = float32(r.NormFloat64())
		}
		bi = b.f32("b", []int32{int32(cout)}, bv)
	}
	y := b.f32("y", []int32{int32(c.n), int32(oh), int32(ow), int32(cout)}, nil)
	b.op(tflite.OpDepthwiseConv2D, c.opts(), []int32{x, w, bi}, []int32{y})
	b.io([]int32{x}, []int32{y})
	return &b.m
}

func dwInt8Model(r *rand.Rand, c dwModelCase, inZP, outZP int64, withBias bool) *tflite.Model {
	oh, ow := c.outHW()
	cout := c.c * c.m
	b := newModelBuilder()
	x := b.i8("x", []int32{int32(c.n), int32(c.h), int32(c.w), int32(c.c)}, 0.05, inZP, nil)
	wv := make([]int8, c.k*c.k*cout)
	for i := range wv {
		wv[i] = int8(r.IntN(255) - 127)
	}
	w := b.i8("w", []int32{1, int32(c.k), int32(c.k), int32(cout)}, 1, 0, wv)
	q := &tflite.Quantization{Scale: make([]float32, cout), ZeroPoint: make([]int64, cout), QuantizedDimension: 3}
	for j := range q.Scale {
		q.Scale[j] = float32(0.002 * math.Pow(2, float64(j%7)/3))
	}
	b.sg().Tensors[w].Quant = q
	bi := int32(-1)
	if withBias {
		bv := make([]int32, cout)
		for i := range bv {
			bv[i] = int32(r.IntN(20001) - 10000)
		}
		bi = b.i32("b", []int32{int32(cout)}, bv)
	}
	y := b.i8("y", []int32{int32(c.n), int32(oh), int32(ow), int32(cout)}, 0.04, outZP, nil)
	b.op(tflite.OpDepthwiseConv2D, c.opts(), []int32{x, w, bi}, []int32{y})
	b.io([]int32{x}, []int32{y})
	return &b.m
}

func TestDepthwiseFastMatchesScalar(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 3))
	for i, c := range dwModelCases() {
		t.Run("float "+c.String(), func(t *testing.T) {
			m := dwFloatModel(r, c, i%4 != 3)
			fast, err := New(m)
			if err != nil {
				t.Fatal(err)
			}
			scalar := newScalar(t, m)
			in := make([]float32, len(fast.Input(0).Float32s()))
			for j := range in {
				in[j] = float32(r.NormFloat64())
			}
			copy(fast.Input(0).Float32s(), in)
			copy(scalar.Input(0).Float32s(), in)
			if err := errorsOf(fast.Invoke(), scalar.Invoke()); err != nil {
				t.Fatal(err)
			}
			g, w := fast.Output(0).Float32s(), scalar.Output(0).Float32s()
			scale := 1.0
			for _, v := range w {
				scale = math.Max(scale, math.Abs(float64(v)))
			}
			for j := range w {
				if d := math.Abs(float64(g[j] - w[j])); !(d <= 1e-5*scale) {
					t.Fatalf("[%d]: fast %v, scalar %v", j, g[j], w[j])
				}
			}
		})
		zps := [][2]int64{{-128, -128}, {127, 127}, {0, -128}, {-128, 127}, {5, -3}}
		zp := zps[i%len(zps)]
		t.Run(fmt.Sprintf("int8 %v zp %v", c, zp), func(t *testing.T) {
			m := dwInt8Model(r, c, zp[0], zp[1], i%4 != 3)
			fast, err := New(m)
			if err != nil {
				t.Fatal(err)
			}
			scalar := newScalar(t, m)
			in := fast.Input(0).Int8s()
			for j := range in {
				if i%3 == 0 {
					in[j] = int8(-128 + 255*(j%2)) // every value at the ends
				} else {
					in[j] = int8(r.Uint32())
				}
			}
			copy(scalar.Input(0).Int8s(), in)
			if err := errorsOf(fast.Invoke(), scalar.Invoke()); err != nil {
				t.Fatal(err)
			}
			g, w := fast.Output(0).Int8s(), scalar.Output(0).Int8s()
			for j := range w {
				if g[j] != w[j] {
					t.Fatalf("[%d]: fast %d, scalar %d", j, g[j], w[j])
				}
			}
		})
	}
}

func errorsOf(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}
