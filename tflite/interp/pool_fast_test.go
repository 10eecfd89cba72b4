package interp

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/mnistcnn/mnistcnn/tflite"
)

// TestAveragePoolFastMatchesScalar runs single AVERAGE_POOL_2D graphs,
// float and int8, on the fast kernels (ops_fast_pool.go) and on the scalar
// ones: channels 1, 3, 7, 17, 33, 64; 2×2/2, 3×3/2 and overlapping 3×3/1
// windows; SAME padding; batch 2; fused activations; int8 inputs at the
// extremes. Float: within 1e-5 relative (in fact the same bits); int8:
// the same bytes.
func TestAveragePoolFastMatchesScalar(t *testing.T) {
	r := rand.New(rand.NewPCG(31, 5))
	type geom struct {
		n, h, w, k, s int32
		pad           tflite.Padding
	}
	geoms := []geom{{1, 8, 8, 2, 2, tflite.PaddingValid}, {2, 7, 9, 3, 2, tflite.PaddingSame}, {2, 6, 5, 3, 1, tflite.PaddingSame}, {1, 7, 7, 3, 1, tflite.PaddingValid}}
	for _, ch := range []int32{1, 3, 7, 17, 33, 64} {
		for _, g := range geoms {
			oh, ow := outSize(g.pad, g.h, g.k, g.s), outSize(g.pad, g.w, g.k, g.s)
			for _, act := range []tflite.Activation{tflite.ActNone, tflite.ActRelu, tflite.ActRelu6} {
				name := fmt.Sprintf("%d×%d×%d×%d k%d s%d pad%d act%d", g.n, g.h, g.w, ch, g.k, g.s, g.pad, act)
				opts := pool(g.pad, g.k, g.s)
				opts.Activation = act

				// float
				b := newModelBuilder()
				x := b.f32("x", []int32{g.n, g.h, g.w, ch}, nil)
				y := b.f32("y", []int32{g.n, oh, ow, ch}, nil)
				b.op(tflite.OpAveragePool2D, opts, []int32{x}, []int32{y})
				b.io([]int32{x}, []int32{y})
				fast, err := New(&b.m)
				if err != nil {
					t.Fatal(err)
				}
				scalar := newScalar(t, &b.m)
				in := make([]float32, len(fast.Input(0).Float32s()))
				for i := range in {
					in[i] = float32(r.NormFloat64()) * 4
				}
				copy(fast.Input(0).Float32s(), in)
				copy(scalar.Input(0).Float32s(), in)
				if err := errorsJoin(fast.Invoke(), scalar.Invoke()); err != nil {
					t.Fatal(err)
				}
				for i, w := range scalar.Output(0).Float32s() {
					got := fast.Output(0).Float32s()[i]
					if math.Abs(float64(got-w)) > 1e-5*math.Max(1, math.Abs(float64(w))) {
						t.Fatalf("float %s: [%d] = %v, want %v", name, i, got, w)
					}
				}

				// int8, with an output quantization that makes the clamps bite
				for _, zp := range []int64{-128, 0, 100} {
					b := newModelBuilder()
					x := b.i8("x", []int32{g.n, g.h, g.w, ch}, 0.05, zp, nil)
					y := b.i8("y", []int32{g.n, oh, ow, ch}, 0.05, zp, nil)
					b.op(tflite.OpAveragePool2D, opts, []int32{x}, []int32{y})
					b.io([]int32{x}, []int32{y})
					fast, err := New(&b.m)
					if err != nil {
						t.Fatal(err)
					}
					scalar := newScalar(t, &b.m)
					in := fast.Input(0).Int8s()
					for i := range in {
						in[i] = int8(r.Uint32())
						switch r.IntN(3) {
						case 0:
							in[i] = -128
						case 1:
							in[i] = 127
						}
					}
					copy(scalar.Input(0).Int8s(), in)
					if err := errorsJoin(fast.Invoke(), scalar.Invoke()); err != nil {
						t.Fatal(err)
					}
					want, got := scalar.Output(0).Int8s(), fast.Output(0).Int8s()
					for i := range want {
						if got[i] != want[i] {
							t.Fatalf("int8 %s zp %d: [%d] = %d, want %d", name, zp, i, got[i], want[i])
						}
					}
				}
			}
		}
	}
}

func outSize(pad tflite.Padding, in, k, s int32) int32 {
	if pad == tflite.PaddingSame {
		return (in + s - 1) / s
	}
	return (in-k)/s + 1
}

func errorsJoin(a, b error) error {
	if a != nil {
		return a
	}
	return b
}
