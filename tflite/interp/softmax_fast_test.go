package interp

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/mnistcnn/mnistcnn/tflite"
	"github.com/mnistcnn/mnistcnn/tflite/kernels"
)

// softmaxModel is one SOFTMAX of the given shape: float when scale is 0,
// else int8 with that input scale (output 1/256, zero point −128).
func softmaxModel(shape []int32, beta, scale float32) *tflite.Model {
	b := newModelBuilder()
	var x, y int32
	if scale == 0 {
		x = b.f32("x", shape, nil)
		y = b.f32("y", shape, nil)
	} else {
		x = b.i8("x", shape, scale, 3, nil)
		y = b.i8("y", shape, 1.0/256, -128, nil)
	}
	b.op(tflite.OpSoftmax, &tflite.SoftmaxOptions{Beta: beta}, []int32{x}, []int32{y})
	b.io([]int32{x}, []int32{y})
	return &b.m
}

var softmaxShapes = [][]int32{{1, 10}, {3, 10}, {1, 1}, {4, 7}, {2, 3, 17}, {1, 1000}, {2, 33}}

// TestSoftmaxFastMatchesScalar runs single SOFTMAX graphs on the fast
// kernels (ops_fast_softmax.go) and on the scalar ones: float within 1e-5
// relative (1e-7 absolute), with betas the fast kernel declines (0, −1)
// giving the same bits; int8 the same bytes over several input scales and
// betas, with rows at the extremes.
func TestSoftmaxFastMatchesScalar(t *testing.T) {
	r := rand.New(rand.NewPCG(51, 52))
	for _, shape := range softmaxShapes {
		depth := int(shape[len(shape)-1])
		for _, beta := range []float32{1, 0.5, 2.5, 0, -1} {
			name := fmt.Sprintf("float %v beta %v", shape, beta)
			m := softmaxModel(shape, beta, 0)
			fast, err := New(m)
			if err != nil {
				t.Fatal(err)
			}
			scalar := newScalar(t, m)
			for trial := range 4 {
				in := fast.Input(0).Float32s()
				for i := range in {
					in[i] = float32(r.NormFloat64()) * []float32{1, 10, 100, 0.01}[trial]
				}
				copy(scalar.Input(0).Float32s(), in)
				if err := errorsJoin(fast.Invoke(), scalar.Invoke()); err != nil {
					t.Fatal(err)
				}
				for i, w := range scalar.Output(0).Float32s() {
					g := fast.Output(0).Float32s()[i]
					if beta <= 0 && math.Float32bits(g) != math.Float32bits(w) {
						t.Fatalf("%s: [%d] = %v, want the scalar kernel's %v", name, i, g, w)
					}
					if d := math.Abs(float64(g - w)); d > 1e-5*math.Abs(float64(w)) && d > 1e-7 {
						t.Fatalf("%s: [%d] = %v, want %v", name, i, g, w)
					}
				}
			}
		}
		for _, scale := range []float32{0.05, 0.1, 1.0 / 16, 0.003, 0.5, 2} {
			for _, beta := range []float32{1, 0.5, 2} {
				name := fmt.Sprintf("int8 %v scale %v beta %v", shape, scale, beta)
				m := softmaxModel(shape, beta, scale)
				fast, err := New(m)
				if err != nil {
					t.Fatal(err)
				}
				scalar := newScalar(t, m)
				for trial := range 5 {
					in := fast.Input(0).Int8s()
					for i := range in {
						switch trial {
						case 0, 1:
							in[i] = int8(r.Uint32())
						case 2:
							in[i] = -128
						case 3:
							in[i] = 127
						case 4:
							in[i] = -128
							if i%depth == r.IntN(depth) {
								in[i] = 127
							}
						}
					}
					copy(scalar.Input(0).Int8s(), in)
					if err := errorsJoin(fast.Invoke(), scalar.Invoke()); err != nil {
						t.Fatal(err)
					}
					want, got := scalar.Output(0).Int8s(), fast.Output(0).Int8s()
					for i := range want {
						if got[i] != want[i] {
							t.Fatalf("%s trial %d: [%d] = %d, want %d", name, trial, i, got[i], want[i])
						}
					}
				}
			}
		}
	}
}

// TestSoftmaxFastChosen checks that prepare picks the fast kernels where
// they apply: int8 always, float with a positive finite beta when the
// float fast kernels are on.
func TestSoftmaxFastChosen(t *testing.T) {
	p, _ := kernels.PrepareSoftmaxInt8(1, 0.1)
	if fastSoftmaxInt8(&p, 10, 0, 1) == nil {
		t.Error("int8 SOFTMAX: no fast kernel")
	}
	if got, want := fastSoftmaxFloat(1, 1, 10, 0, 1) != nil, useFastFloat(); got != want {
		t.Errorf("float SOFTMAX beta 1: fast kernel %v, want %v", got, want)
	}
	for _, beta := range []float32{0, -1, float32(math.Inf(1)), float32(math.NaN())} {
		if fastSoftmaxFloat(beta, 1, 10, 0, 1) != nil {
			t.Errorf("float SOFTMAX beta %v: fast kernel chosen", beta)
		}
	}
}

func TestSoftmaxInvokeDoesNotAllocate(t *testing.T) {
	for _, scale := range []float32{0, 0.1} {
		it, err := New(softmaxModel([]int32{2, 1000}, 1, scale))
		if err != nil {
			t.Fatal(err)
		}
		if n := testing.AllocsPerRun(5, func() { _ = it.Invoke() }); n != 0 {
			t.Errorf("scale %v: Invoke allocates %v times", scale, n)
		}
	}
}
