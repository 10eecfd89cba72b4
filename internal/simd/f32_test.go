package simd

import (
	"math"
	"math/rand/v2"
	"testing"
)

// equalBitsF32 reports whether a and b hold the same float32 bit patterns.
func equalBitsF32(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return false
		}
	}
	return true
}

// specialF32 fills v with random values and the ones a clamp or a max can
// get wrong: ±0, NaN, ±Inf, the clamp bounds themselves.
func specialF32(r *rand.Rand, v []float32) {
	special := []float32{0, float32(math.Copysign(0, -1)), float32(math.NaN()), float32(math.Inf(1)),
		float32(math.Inf(-1)), 6, -1, 1, math.MaxFloat32, -math.MaxFloat32}
	for i := range v {
		v[i] = float32(r.NormFloat64() * 4)
		if r.IntN(4) == 0 {
			v[i] = special[r.IntN(len(special))]
		}
	}
}

func TestBiasClamp(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	for _, n := range []int{1, 3, 7, 8, 17, 32, 50, 200} {
		for _, rows := range []int{1, 2, 5} {
			ld := n + r.IntN(3)
			y := make([]float32, (rows-1)*ld+n)
			bias := make([]float32, n)
			specialF32(r, y)
			specialF32(r, bias)
			for _, c := range [][2]float32{{0, math.MaxFloat32}, {-math.MaxFloat32, math.MaxFloat32}, {0, 6}, {-1, 1}} {
				got := append([]float32(nil), y...)
				want := append([]float32(nil), y...)
				BiasClamp(got, ld, bias, c[0], c[1])
				for i := 0; i < rows; i++ {
					biasClampGo(want[i*ld:i*ld+n], bias, c[0], c[1])
				}
				if !equalBitsF32(got, want) {
					t.Fatalf("n=%d rows=%d ld=%d clamp %v: assembly and Go differ", n, rows, ld, c)
				}
			}
		}
	}
}

func TestMaxF32(t *testing.T) {
	r := rand.New(rand.NewPCG(2, 2))
	for _, n := range []int{0, 1, 7, 8, 9, 32, 33} {
		a, b := make([]float32, n), make([]float32, n)
		specialF32(r, a)
		specialF32(r, b)
		got := append([]float32(nil), a...)
		want := append([]float32(nil), a...)
		MaxF32(got, b)
		maxF32Go(want, b)
		if !equalBitsF32(got, want) {
			t.Fatalf("n=%d: assembly and Go differ", n)
		}
	}
}
