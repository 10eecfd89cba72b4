package simd

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestGemv holds every kernel set's Gemv to a float64 dot product, on
// depths and output counts around the vector widths and the eight-row
// groups: within 1e-5 of Σ|w·x| (float32 rounding of the sums). NaNs in
// the padding between rows, after the last row and in y beforehand must
// not leak (masked tails, y only written); y's elements after len(y) must
// not be touched; and each output must have the same bits as Gemv of its
// row alone (the grouping does not change an output's sum).
func TestGemv(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	nan := float32(math.NaN())
	for _, ks := range sets {
		for _, k := range []int{0, 1, 3, 7, 8, 9, 15, 16, 17, 31, 33, 50, 200, 800} {
			for _, m := range []int{1, 3, 7, 8, 9, 10, 15, 17, 50, 200} {
				ldw := k + r.IntN(3)
				n := (m-1)*ldw + k
				wAll := make([]float32, n+16)
				for i := range wAll {
					wAll[i] = nan
				}
				for o := 0; o < m; o++ {
					for i := 0; i < k; i++ {
						wAll[o*ldw+i] = float32(r.NormFloat64())
					}
				}
				w := wAll[:n]
				xAll := make([]float32, k+16)
				for i := range xAll {
					xAll[i] = nan
				}
				x := xAll[:k]
				for i := range x {
					x[i] = float32(r.NormFloat64())
				}
				yAll := make([]float32, m+9)
				for i := range yAll {
					yAll[i] = nan
				}
				y := yAll[:m]
				name := fmt.Sprintf("%s k=%d m=%d ldw=%d", ks.name, k, m, ldw)
				gemvWith(ks.id, w, ldw, x, y)
				for i := m; i < len(yAll); i++ {
					if !math.IsNaN(float64(yAll[i])) {
						t.Fatalf("%s: y[%d] beyond len(y) written", name, i)
					}
				}
				for o := 0; o < m; o++ {
					var want, mag float64
					for i := 0; i < k; i++ {
						p := float64(w[o*ldw+i]) * float64(x[i])
						want += p
						mag += math.Abs(p)
					}
					if d := math.Abs(float64(y[o]) - want); !(d <= 1e-5*math.Max(mag, 1e-30)) {
						t.Fatalf("%s: y[%d] = %v, want %v", name, o, y[o], want)
					}
					one := []float32{nan}
					gemvWith(ks.id, w[o*ldw:o*ldw+k], ldw, x, one)
					if math.Float32bits(one[0]) != math.Float32bits(y[o]) {
						t.Fatalf("%s: y[%d] = %v in the group, %v alone", name, o, y[o], one[0])
					}
				}
			}
		}
	}
}

func TestGemvPanics(t *testing.T) {
	for _, c := range []struct {
		w, ldw, k, m int
	}{{10, 4, 5, 2}, {8, 4, 4, 3}, {7, 4, 4, 2}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%+v: no panic", c)
				}
			}()
			Gemv(make([]float32, c.w), c.ldw, make([]float32, c.k), make([]float32, c.m))
		}()
	}
	Gemv(nil, 0, nil, nil)                                              // nothing to do
	Gemv(make([]float32, 3), 1, make([]float32, 1), make([]float32, 3)) // ldw = k
}

func BenchmarkGemv(b *testing.B) {
	for _, s := range [][2]int{{800, 200}, {200, 50}, {50, 10}} {
		k, m := s[0], s[1]
		w, x, y := make([]float32, k*m), make([]float32, k), make([]float32, m)
		for i := range w {
			w[i] = float32(i%7) - 3
		}
		b.Run(fmt.Sprintf("%dx%d", k, m), func(b *testing.B) {
			for b.Loop() {
				Gemv(w, k, x, y)
			}
			b.ReportMetric(2*float64(k*m)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}
