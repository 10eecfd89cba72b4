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
