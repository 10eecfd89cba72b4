package simd

import (
	"math"
	"math/rand/v2"
	"testing"
)

// vecInput is n float32s from r with the values kernels get wrong mixed in:
// ±0, ±Inf, NaN, and ties between neighbours.
func vecInput(r *rand.Rand, n int) []float32 {
	special := []float32{0, float32(math.Copysign(0, -1)), float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()), 1, -1}
	s := make([]float32, n)
	for i := range s {
		if r.IntN(4) == 0 {
			s[i] = special[r.IntN(len(special))]
		} else {
			s[i] = float32(r.NormFloat64())
		}
	}
	return s
}

// sameBits fails unless got and want are the same bits, except that any
// NaN equals any NaN (x86 makes −NaN where Go's max returns +NaN: the
// payload carries nothing).
func sameBits(t *testing.T, what string, n int, got, want []float32) {
	t.Helper()
	for i := range want {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) && !(got[i] != got[i] && want[i] != want[i]) {
			t.Fatalf("%s, n=%d: [%d] = %v (%#x), want %v (%#x)", what, n, i, got[i], math.Float32bits(got[i]), want[i], math.Float32bits(want[i]))
		}
	}
}

// TestVectorKernels holds every vector kernel, on whatever kernel set is
// active, to its plain Go loop, bit for bit, for lengths around the vector
// width (tails of 1 to 7, a single element, none) and at an odd offset.
func TestVectorKernels(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for _, n := range []int{0, 1, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 200, 1001} {
		for _, off := range []int{0, 1} {
			a, b := vecInput(r, n+off)[off:], vecInput(r, n+off)[off:]

			got, want := append([]float32(nil), a...), append([]float32(nil), a...)
			Add(got, b)
			addGo(want, b)
			sameBits(t, "Add", n, got, want)

			got, want = append([]float32(nil), a...), append([]float32(nil), a...)
			AddReLU(got, b)
			addReLUGo(want, b)
			sameBits(t, "AddReLU", n, got, want)
			for i, v := range want {
				if v < 0 || (v == 0 && math.Signbit(float64(v))) {
					t.Fatalf("AddReLU n=%d: [%d] = %v", n, i, v)
				}
			}

			got, want = make([]float32, n), make([]float32, n)
			ReLUGrad(got, a, b)
			reluGradGo(want, a, b)
			sameBits(t, "ReLUGrad", n, got, want)
			for i := range want {
				var e float32 // the definition: gy where y > 0
				if a[i] > 0 {
					e = b[i]
				}
				if math.Float32bits(want[i]) != math.Float32bits(e) {
					t.Fatalf("reluGradGo n=%d: y %v gy %v gave %v", n, a[i], b[i], want[i])
				}
			}

			best1, best2 := append([]float32(nil), a...), append([]float32(nil), a...)
			at1, at2 := make([]int32, n), make([]int32, n)
			for i := range at1 {
				at1[i], at2[i] = -1, -1
			}
			MaxArg(best1, at1, b, 100)
			maxArgGo(best2, at2, b, 100)
			sameBits(t, "MaxArg best", n, best1, best2)
			for i := range at2 {
				if at1[i] != at2[i] {
					t.Fatalf("MaxArg n=%d: at[%d] = %d, want %d", n, i, at1[i], at2[i])
				}
				if wins := b[i] > a[i]; (at2[i] == int32(100+i)) != wins {
					t.Fatalf("maxArgGo n=%d: best %v src %v gave at %d", n, a[i], b[i], at2[i])
				}
			}
		}
	}
}

// TestRowKernels holds AddRows, AddReLURows and SumRows to row-by-row Go
// loops, bit for bit, for row lengths the assembly takes (multiples of 8)
// and those it leaves to Go.
func TestRowKernels(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	for _, n := range []int{1, 7, 8, 10, 16, 32, 50, 200} {
		for _, rows := range []int{0, 1, 3, 17} {
			m, bias := vecInput(r, rows*n), vecInput(r, n)

			got, want := append([]float32(nil), m...), append([]float32(nil), m...)
			AddRows(got, bias)
			for i := 0; i < rows; i++ {
				addGo(want[i*n:(i+1)*n], bias)
			}
			sameBits(t, "AddRows", n, got, want)

			got, want = append([]float32(nil), m...), append([]float32(nil), m...)
			AddReLURows(got, bias)
			for i := 0; i < rows; i++ {
				addReLUGo(want[i*n:(i+1)*n], bias)
			}
			sameBits(t, "AddReLURows", n, got, want)

			s1, s2 := append([]float32(nil), bias...), append([]float32(nil), bias...)
			SumRows(s1, m)
			for i := 0; i < rows; i++ {
				addGo(s2, m[i*n:(i+1)*n])
			}
			sameBits(t, "SumRows", n, s1, s2)
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("AddRows on 10 values in rows of 3 did not panic")
		}
	}()
	AddRows(make([]float32, 10), make([]float32, 3))
}

// TestRMSprop holds RMSprop to its Go loop, bit for bit, on Keras's
// hyper-parameters, gradients of all sizes (zeros and ±Inf among them),
// and tails of 1 to 7.
func TestRMSprop(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	for _, n := range []int{1, 7, 8, 9, 31, 288, 1001} {
		g := vecInput(r, n)
		v, w := make([]float32, n), vecInput(r, n)
		for i := range v {
			v[i] = float32(r.Float64() * 1e-3)
		}
		w1, v1 := append([]float32(nil), w...), append([]float32(nil), v...)
		w2, v2 := append([]float32(nil), w...), append([]float32(nil), v...)
		for range 3 {
			RMSprop(w1, v1, g, 0.001, 0.9, 1e-7)
			rmspropGo(w2, v2, g, 0.001, 0.9, 1e-7)
		}
		sameBits(t, "RMSprop v", n, v1, v2)
		sameBits(t, "RMSprop w", n, w1, w2)
	}
	// By hand: v = 0.9·0 + 0.1·2·2 = 0.4; w = 1 − 0.001·2/√0.4 ≈ 0.99683772.
	w, v := []float32{1}, []float32{0}
	RMSprop(w, v, []float32{2}, 0.001, 0.9, 0)
	if math.Abs(float64(v[0])-0.4) > 1e-7 || math.Abs(float64(w[0])-0.99683772) > 1e-7 {
		t.Errorf("one step from w=1, v=0, g=2: w %v, v %v", w[0], v[0])
	}
}
