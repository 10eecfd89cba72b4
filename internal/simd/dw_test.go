package simd

import (
	"math"
	"math/rand/v2"
	"testing"
)

// The multiply-accumulates of dw.go against their Go loops, on lengths
// around the vector width and the two-vector unroll: MulAddI8 to the bit
// (with extreme offsets and values, so products and sums wrap), MulAddF32
// within a rounding per step (FMA).

var dwLengths = []int{0, 1, 3, 7, 8, 9, 15, 16, 17, 24, 33, 64, 100}

func TestMulAddF32(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 1))
	for _, n := range dwLengths {
		acc, a, b := make([]float32, n), make([]float32, n+3), make([]float32, n+5)
		for i := range acc {
			acc[i] = float32(r.NormFloat64())
		}
		for i := range a {
			a[i] = float32(r.NormFloat64())
		}
		for i := range b {
			b[i] = float32(r.NormFloat64())
		}
		got := append([]float32(nil), acc...)
		want := append([]float32(nil), acc...)
		MulAddF32(got, a, b)
		mulAddF32Go(want, a, b)
		for i := range want {
			exact := float64(acc[i]) + float64(a[i])*float64(b[i])
			tol := 1e-6 * (math.Abs(float64(acc[i])) + math.Abs(float64(a[i])*float64(b[i])) + 1e-30)
			if math.Abs(float64(got[i])-exact) > tol || math.Abs(float64(want[i])-exact) > tol {
				t.Fatalf("n=%d [%d]: got %v, Go %v, exact %v", n, i, got[i], want[i], exact)
			}
		}
	}
}

func TestMulAddI8(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 2))
	for _, n := range dwLengths {
		for _, xoff := range []int32{0, 128, -127, 1, math.MaxInt32, math.MinInt32} {
			acc, x, f := make([]int32, n), make([]int8, n+1), make([]int8, n+2)
			for i := range acc {
				acc[i] = int32(r.Uint32())
			}
			for i := range x {
				x[i] = int8(r.Uint32())
			}
			for i := range f {
				f[i] = int8(r.Uint32())
			}
			if n > 2 {
				x[0], f[0], x[1], f[1] = -128, -128, 127, -128
			}
			got := append([]int32(nil), acc...)
			want := append([]int32(nil), acc...)
			MulAddI8(got, x, xoff, f)
			mulAddI8Go(want, x, xoff, f)
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("n=%d xoff=%d [%d]: got %d, want %d", n, xoff, i, got[i], want[i])
				}
			}
		}
	}
}

func BenchmarkMulAddF32(b *testing.B) {
	acc, x, f := make([]float32, 64), make([]float32, 64), make([]float32, 64)
	for b.Loop() {
		MulAddF32(acc, x, f)
	}
}

func BenchmarkMulAddI8(b *testing.B) {
	acc, x, f := make([]int32, 64), make([]int8, 64), make([]int8, 64)
	for b.Loop() {
		MulAddI8(acc, x, 3, f)
	}
}
