package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/mnistcnn/mnistcnn/internal/simd"
)

// The fast softmaxes (softmax_fast.go) against the scalar ones: int8 the
// same bytes for every parameter set swept and every row tried, float
// within 1e-5 relative (1e-7 absolute for tiny values) with the same NaNs,
// and within 1e-6 relative of a float64 softmax of the same float32
// differences (closer than the scalar kernel, whose sequential float32 sum
// is what most of the difference between the two comes from in long rows).

var softmaxFastDepths = []int{1, 2, 3, 7, 10, 16, 17, 33, 100, 1000}

// softmaxInt8Rows returns test rows of depth values: random, all −128,
// all 127, a single 127 among −128s, values near the maximum, two
// clusters 200 apart, and, for depth ≥ 256, every int8 value (so every
// difference in [−255, 0] occurs).
func softmaxInt8Rows(r *rand.Rand, depth int) [][]int8 {
	fill := func(f func(i int) int8) []int8 {
		row := make([]int8, depth)
		for i := range row {
			row[i] = f(i)
		}
		return row
	}
	rows := [][]int8{
		fill(func(int) int8 { return int8(r.Uint32()) }),
		fill(func(int) int8 { return int8(r.Uint32()) }),
		fill(func(int) int8 { return -128 }),
		fill(func(int) int8 { return 127 }),
		fill(func(int) int8 { return 127 - int8(r.IntN(8)) }),
		fill(func(int) int8 { return int8(r.IntN(20) - 100 + 200*r.IntN(2)) }),
	}
	single := fill(func(int) int8 { return -128 })
	single[r.IntN(depth)] = 127
	rows = append(rows, single)
	if depth >= 256 {
		rows = append(rows, fill(func(i int) int8 { return int8(i) }))
	}
	return rows
}

// softmaxInt8Params sweeps beta × input scale over the parameter sets
// PrepareSoftmaxInt8 accepts: scales 2^(k/8) from the smallest accepted to
// 2⁴ for several betas, plus random ones.
func softmaxInt8Params(r *rand.Rand, short bool) []SoftmaxInt8Params {
	var ps []SoftmaxInt8Params
	step := 1
	if short {
		step = 5
	}
	for _, beta := range []float32{1, 0.5, 2, 0.1, 10, 1.0 / 3} {
		for k := -8 * 30; k <= 8*4; k += step {
			if p, ok := PrepareSoftmaxInt8(beta, float32(math.Exp2(float64(k)/8))); ok {
				ps = append(ps, p)
			}
		}
	}
	for range 200 {
		beta := float32(math.Exp2(r.Float64()*6 - 3))
		scale := float32(math.Exp2(r.Float64()*34 - 30))
		if p, ok := PrepareSoftmaxInt8(beta, scale); ok {
			ps = append(ps, p)
		}
	}
	// The edges: the smallest accepted product and the largest shift.
	for _, s := range []float32{1.0 / (1 << 26) * 1.0001, 1.0 / (1 << 25), 64, 1 << 20} {
		if p, ok := PrepareSoftmaxInt8(1, s); ok {
			ps = append(ps, p)
		}
	}
	return ps
}

func TestSoftmaxInt8FastExact(t *testing.T) {
	r := rand.New(rand.NewPCG(41, 42))
	ps := softmaxInt8Params(r, testing.Short())
	shifts := map[int]bool{}
	for _, p := range ps {
		shifts[p.InputLeftShift] = true
		f := NewSoftmaxInt8Fast(&p)
		if f == nil {
			t.Fatalf("%+v: no tables", p)
		}
		for _, depth := range softmaxFastDepths {
			if testing.Short() && depth == 1000 && p.InputLeftShift%4 != 0 {
				continue
			}
			for _, row := range softmaxInt8Rows(r, depth) {
				want := make([]int8, depth)
				got := make([]int8, depth)
				SoftmaxInt8(&p, depth, row, want)
				f.Softmax(depth, row, got)
				if !slices.Equal(got, want) {
					t.Fatalf("%+v depth %d row %v:\n got %v\nwant %v", p, depth, row, got, want)
				}
			}
		}
		// Several rows at once, and in place.
		in := make([]int8, 3*17)
		for i := range in {
			in[i] = int8(r.Uint32())
		}
		want := make([]int8, len(in))
		SoftmaxInt8(&p, 17, in, want)
		f.Softmax(17, in, in)
		if !slices.Equal(in, want) {
			t.Fatalf("%+v: three rows in place differ", p)
		}
	}
	t.Logf("%d parameter sets, input left shifts %d of 0…31", len(ps), len(shifts))
}

// TestSoftmaxInt8FastTies covers the rows where the Q12.19 sum passes 512
// (an exponent above 31, then a wrapped sum): the fast kernel falls back to
// the scalar one and must still give its bytes.
func TestSoftmaxInt8FastTies(t *testing.T) {
	p, ok := PrepareSoftmaxInt8(1, 0.1)
	if !ok {
		t.Fatal("PrepareSoftmaxInt8(1, 0.1) failed")
	}
	f := NewSoftmaxInt8Fast(&p)
	r := rand.New(rand.NewPCG(43, 44))
	for _, depth := range []int{511, 512, 513, 600, 1000, 4095, 4096, 4097, 5000, 8192, 8193} {
		for _, fill := range []func() int8{
			func() int8 { return 7 },
			func() int8 { return 127 - int8(r.IntN(2)) },
			func() int8 { return int8(r.Uint32()) },
		} {
			row := make([]int8, depth)
			for i := range row {
				row[i] = fill()
			}
			want, got := make([]int8, depth), make([]int8, depth)
			SoftmaxInt8(&p, depth, row, want)
			f.Softmax(depth, row, got)
			if !slices.Equal(got, want) {
				t.Fatalf("depth %d: fast and scalar differ", depth)
			}
		}
	}
}

// TestSoftmaxI8ScaleIsTFLiteRounding holds simd.SoftmaxI8Scale to the
// composition it replaces, with this package's reference functions, on
// random and extreme exps, reciprocals and exponents.
func TestSoftmaxI8ScaleIsTFLiteRounding(t *testing.T) {
	r := rand.New(rand.NewPCG(45, 46))
	var tab [256]int32
	edges := []int32{0, 1, 2, 1 << 22, 1<<23 - 1, 1 << 23, 1<<30 - 1, 1 << 30, 1<<31 - 2, math.MaxInt32}
	row := make([]int8, 256)
	for i := range row {
		row[i] = int8(127 - i) // index i with maxQ 127
	}
	dst := make([]int8, 256)
	for trial := range 400 {
		for i := range tab {
			if i < len(edges) && trial%2 == 0 {
				tab[i] = edges[i]
			} else {
				tab[i] = int32(r.Uint32() >> (1 + r.IntN(31)))
			}
		}
		recips := []int32{edges[r.IntN(len(edges))], int32(r.Uint32() >> 1), 1<<30 + int32(r.IntN(1<<30))}
		for _, recip := range recips {
			for exponent := 0; exponent <= 31; exponent++ {
				simd.SoftmaxI8Scale(dst, row, 127, &tab, recip, exponent)
				for i, e := range tab {
					want := clampInt8(RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(recip, e), exponent)-128, -128, 127)
					if dst[i] != want {
						t.Fatalf("e %d recip %d exponent %d: %d, want %d", e, recip, exponent, dst[i], want)
					}
				}
			}
		}
	}
}

func TestSoftmaxFloatFast(t *testing.T) {
	r := rand.New(rand.NewPCG(47, 48))
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	worst, worstExact := 0.0, 0.0
	for _, depth := range append(softmaxFastDepths, 8, 9, 15, 31, 32, 1001) {
		for _, rows := range []int{1, 2, 3} {
			for kind := 0; kind < 8; kind++ {
				for _, beta := range []float32{1, 0.5, 3, 1e-3, 50, 0, -1, inf, nan} {
					x := make([]float32, rows*depth)
					for i := range x {
						switch kind {
						case 0:
							x[i] = float32(r.NormFloat64())
						case 1:
							x[i] = float32(r.NormFloat64() * 30)
						case 2:
							x[i] = float32(r.IntN(4))
						case 3:
							x[i] = float32(r.Float64()*300 - 200)
						default:
							x[i] = float32(r.NormFloat64() * 5)
						}
					}
					switch kind {
					case 4:
						x[r.IntN(len(x))] = nan
					case 5:
						x[r.IntN(len(x))] = inf
					case 6:
						x[r.IntN(len(x))] = -inf
						x[r.IntN(len(x))] = -1e30
					case 7:
						x[r.IntN(len(x))] = math.MaxFloat32
						x[r.IntN(len(x))] = -math.MaxFloat32
					}
					want := make([]float32, len(x))
					got := make([]float32, len(x))
					SoftmaxFloat(beta, rows, depth, x, want)
					SoftmaxFloatFast(beta, rows, depth, x, got)
					name := fmt.Sprintf("depth %d rows %d kind %d beta %v", depth, rows, kind, beta)
					if !(beta > 0) || math.IsInf(float64(beta), 0) {
						for i := range want {
							if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
								t.Fatalf("%s: [%d] = %v, want the scalar kernel's %v", name, i, got[i], want[i])
							}
						}
						continue
					}
					exact := softmaxFloat64(beta, rows, depth, x)
					for i, w := range want {
						g := got[i]
						if e := exact[i]; e == e {
							d := math.Abs(float64(g) - e)
							if d > 1e-6*e && d > 1e-30 {
								t.Fatalf("%s: [%d] = %v, float64 softmax %v", name, i, g, e)
							}
							if e > 1e-30 {
								worstExact = max(worstExact, d/e)
							}
						}
						if w != w || g != g {
							if w == w || g == g {
								t.Fatalf("%s: [%d] = %v, want %v", name, i, g, w)
							}
							continue
						}
						d := math.Abs(float64(g - w))
						if d > 1e-5*math.Abs(float64(w)) && d > 1e-7 {
							t.Fatalf("%s: [%d] = %v, want %v (x %v)", name, i, g, w, x[i])
						}
						if w > 1e-30 {
							worst = max(worst, d/float64(w))
						}
					}
				}
			}
		}
	}
	t.Logf("largest relative difference %.3g from the scalar kernel, %.3g from float64 (kernel set %s)", worst, worstExact, simd.Impl())
}

// softmaxFloat64 is SoftmaxFloat with each exp and the sum in float64 (the
// differences t = (x − m)·beta rounded to float32 as there); NaN for rows
// holding a NaN or +Inf.
func softmaxFloat64(beta float32, rows, depth int, in []float32) []float64 {
	out := make([]float64, len(in))
	for r := 0; r < rows; r++ {
		x, y := in[r*depth:(r+1)*depth], out[r*depth:(r+1)*depth]
		m := slices.Max(x)
		var sum float64
		for i, v := range x {
			y[i] = math.Exp(float64((v - m) * beta))
			sum += y[i]
		}
		for i := range y {
			y[i] /= sum
		}
	}
	return out
}

func TestSoftmaxFastDoesNotAllocate(t *testing.T) {
	p, _ := PrepareSoftmaxInt8(1, 0.1)
	f := NewSoftmaxInt8Fast(&p)
	q := make([]int8, 1000)
	x, y := make([]float32, 1000), make([]float32, 1000)
	if n := testing.AllocsPerRun(20, func() {
		f.Softmax(10, q, q)
		SoftmaxFloatFast(1, 100, 10, x, y)
	}); n != 0 {
		t.Errorf("%v allocations per run", n)
	}
}

// BenchmarkSoftmax compares the scalar and the fast softmaxes on one row
// of 10 (MNIST's classifier) and of 1000 values.
func BenchmarkSoftmax(b *testing.B) {
	r := rand.New(rand.NewPCG(49, 50))
	for _, depth := range []int{10, 1000} {
		x := make([]float32, depth)
		q := make([]int8, depth)
		for i := range x {
			x[i] = float32(r.NormFloat64() * 4)
			q[i] = int8(r.Uint32())
		}
		y := make([]float32, depth)
		out := make([]int8, depth)
		p, _ := PrepareSoftmaxInt8(1, 0.1)
		f := NewSoftmaxInt8Fast(&p)
		b.Run(fmt.Sprintf("float/depth=%d/scalar", depth), func(b *testing.B) {
			for b.Loop() {
				SoftmaxFloat(1, 1, depth, x, y)
			}
		})
		b.Run(fmt.Sprintf("float/depth=%d/fast", depth), func(b *testing.B) {
			for b.Loop() {
				SoftmaxFloatFast(1, 1, depth, x, y)
			}
		})
		b.Run(fmt.Sprintf("int8/depth=%d/scalar", depth), func(b *testing.B) {
			for b.Loop() {
				SoftmaxInt8(&p, depth, q, out)
			}
		})
		b.Run(fmt.Sprintf("int8/depth=%d/fast", depth), func(b *testing.B) {
			for b.Loop() {
				f.Softmax(depth, q, out)
			}
		})
	}
}
