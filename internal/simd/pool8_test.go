package simd

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestAddI8I32(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, n := range []int{0, 1, 7, 8, 9, 15, 16, 17, 33, 64, 100} {
		acc, src := make([]int32, n), make([]int8, n)
		for i := range acc {
			acc[i], src[i] = int32(r.Uint32()>>8)-1<<23, int8(r.Uint32())
		}
		if n > 2 {
			src[0], src[1] = -128, 127
		}
		got, want := slices.Clone(acc), slices.Clone(acc)
		AddI8I32(got, src)
		addI8I32Go(want, src)
		for i := range want {
			if want[i] != acc[i]+int32(src[i]) || got[i] != want[i] {
				t.Fatalf("n=%d: AddI8I32[%d] = %d (Go %d), want %d", n, i, got[i], want[i], acc[i]+int32(src[i]))
			}
		}
	}
}

func TestRoundDivI8(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for _, n := range []int32{1, 2, 3, 4, 6, 9, 16, 25, 49, 1000} {
		for _, m := range []int{0, 1, 7, 8, 9, 16, 17, 33, 64} {
			for _, clamp := range [][2]int32{{-128, 127}, {-20, 30}, {-128, -128}, {127, 127}} {
				acc := make([]int32, m)
				for i := range acc {
					acc[i] = int32(r.IntN(int(256*n))) - 128*n
					switch r.IntN(6) {
					case 0:
						acc[i] = -128 * n
					case 1:
						acc[i] = 127 * n
					case 2: // a tie: half a step from a multiple of n
						acc[i] = int32(r.IntN(255)-127)*n + n/2
					case 3:
						acc[i] = -(int32(r.IntN(255)-127)*n + n/2)
					}
				}
				got, want := make([]int8, m), make([]int8, m)
				RoundDivI8(got, acc, n, clamp[0], clamp[1])
				roundDivI8Go(want, acc, n, clamp[0], clamp[1])
				for i := range want {
					s := acc[i]
					var q int32
					if s > 0 {
						q = (s + n/2) / n
					} else {
						q = (s - n/2) / n
					}
					q = min(max(q, clamp[0]), clamp[1])
					if int32(want[i]) != q || got[i] != want[i] {
						t.Fatalf("n=%d m=%d clamp %v: RoundDivI8(%d)[%d] = %d (Go %d), want %d", n, m, clamp, s, i, got[i], want[i], q)
					}
				}
			}
		}
	}
}

func TestDivClampF32(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	nan, negZero := float32(math.NaN()), float32(math.Copysign(0, -1))
	for _, d := range []float32{1, 3, 4, 6, 9, 7} {
		for _, m := range []int{0, 1, 7, 8, 9, 17, 33, 64} {
			for _, clamp := range [][2]float32{{-1, 1}, {float32(math.Inf(-1)), float32(math.Inf(1))}, {0, 6}} {
				x := make([]float32, m)
				for i := range x {
					x[i] = float32(r.NormFloat64()) * 4
					switch r.IntN(8) {
					case 0:
						x[i] = nan
					case 1:
						x[i] = negZero
					case 2:
						x[i] = 1e-40 // subnormal
					}
				}
				got, want := slices.Clone(x), slices.Clone(x)
				DivClampF32(got, d, clamp[0], clamp[1])
				divClampF32Go(want, d, clamp[0], clamp[1])
				for i := range want {
					if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
						t.Fatalf("d=%v m=%d clamp %v: DivClampF32(%v)[%d] = %v (Go %v)", d, m, clamp, x[i], i, got[i], want[i])
					}
				}
			}
		}
	}
}
