package simd

import (
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"slices"
	"testing"
)

// The softmax kernels against their Go definitions, bit for bit, on every
// kernel set; the Go definitions against exact arithmetic (fma32), math.Exp
// (expF32) and a float64 softmax. tflite/kernels' tests hold the kernels to
// the interpreter's scalar SOFTMAX.

var softmaxDepths = []int{1, 2, 3, 7, 8, 9, 10, 15, 16, 17, 23, 24, 31, 32, 33, 100, 1000, 1001}

// sameF32 reports whether a and b are the same bits, or both NaN.
func sameF32(a, b float32) bool {
	return math.Float32bits(a) == math.Float32bits(b) || a != a && b != b
}

// softmaxRow fills x with values of one of several kinds: normal with
// spread 1, 10 or 1000, ties at the maximum, a wide range so that most
// exps underflow, or special values.
func softmaxRow(r *rand.Rand, x []float32, kind int) {
	inf := float32(math.Inf(1))
	for i := range x {
		switch kind {
		case 0:
			x[i] = float32(r.NormFloat64())
		case 1:
			x[i] = float32(r.NormFloat64() * 10)
		case 2:
			x[i] = float32(r.NormFloat64() * 1000)
		case 3:
			x[i] = float32(r.IntN(3)) // many ties
		case 4:
			x[i] = float32(r.Float64()*200 - 150)
		case 5:
			x[i] = []float32{0, float32(math.Copysign(0, -1)), -inf, math.MaxFloat32, -math.MaxFloat32,
				1e-40, -87.3, -87.4, -103, -104, 3}[r.IntN(11)]
		}
	}
}

func TestSoftmaxF32MatchesGo(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	for _, ks := range sets {
		for _, depth := range softmaxDepths {
			for _, rows := range []int{1, 3} {
				for kind := 0; kind < 9; kind++ {
					for _, beta := range []float32{1, 0.37, 2.5, 1e-3, 60, 1e-30} {
						x := make([]float32, rows*depth)
						softmaxRow(r, x, min(kind, 5))
						switch kind {
						case 6: // one NaN somewhere
							x[r.IntN(len(x))] = nan
						case 7: // +Inf
							x[r.IntN(len(x))] = inf
						case 8: // a row of −Inf
							for i := range x[:depth] {
								x[i] = -inf
							}
						}
						got := make([]float32, len(x)+1)
						got[len(x)] = 42 // must survive
						softmaxF32With(ks, got, x, depth, beta)
						want := make([]float32, len(x))
						for i := 0; i < rows; i++ {
							softmaxF32Go(want[i*depth:(i+1)*depth], x[i*depth:(i+1)*depth], beta)
						}
						for i := range want {
							if !sameF32(got[i], want[i]) {
								t.Fatalf("%s depth %d rows %d kind %d beta %v: [%d] = %v (%#x), Go %v (%#x); x = %v",
									ks.name, depth, rows, kind, beta, i, got[i], math.Float32bits(got[i]), want[i], math.Float32bits(want[i]), x[i])
							}
						}
						if got[len(x)] != 42 {
							t.Fatalf("%s depth %d: wrote past the rows", ks.name, depth)
						}
						// In place, too.
						inPlace := slices.Clone(x)
						softmaxF32With(ks, inPlace, inPlace, depth, beta)
						for i := range want {
							if !sameF32(inPlace[i], want[i]) {
								t.Fatalf("%s depth %d kind %d in place: [%d] = %v, want %v", ks.name, depth, kind, i, inPlace[i], want[i])
							}
						}
					}
				}
			}
		}
	}
}

// TestSoftmaxF32Accuracy holds softmaxF32Go (hence every kernel) to a
// float64 softmax of the same float32 differences t = (x − m)·beta, and
// checks the special values.
func TestSoftmaxF32Accuracy(t *testing.T) {
	r := rand.New(rand.NewPCG(23, 24))
	worst := 0.0
	for _, depth := range softmaxDepths {
		for kind := 0; kind < 6; kind++ {
			x := make([]float32, depth)
			softmaxRow(r, x, kind)
			if kind == 5 {
				for i := range x {
					if math.IsInf(float64(x[i]), 0) || math.Abs(float64(x[i])) > 1e30 {
						x[i] = 0
					}
				}
			}
			y := make([]float32, depth)
			beta := float32(0.8)
			softmaxF32Go(y, x, beta)
			m := slices.Max(x)
			e := make([]float64, depth)
			var sum float64
			for i, v := range x {
				e[i] = math.Exp(float64((v - m) * beta))
				sum += e[i]
			}
			for i := range y {
				want := e[i] / sum
				d := math.Abs(float64(y[i]) - want)
				if d > 1e-6*want && d > 1e-30 {
					t.Fatalf("depth %d kind %d: [%d] = %v, want %v (relative error %.3g)", depth, kind, i, y[i], want, d/want)
				}
				if want > 1e-30 {
					worst = max(worst, d/want)
				}
			}
		}
	}
	t.Logf("largest relative error %.3g", worst)

	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	for _, tc := range []struct {
		x, want []float32
	}{
		{[]float32{5}, []float32{1}},
		{[]float32{1, 1}, []float32{0.5, 0.5}},
		{[]float32{0, -inf}, []float32{1, 0}},
		{[]float32{0, -1000}, []float32{1, 0}},
		{[]float32{math.MaxFloat32, -math.MaxFloat32}, []float32{1, 0}},
		{[]float32{0, nan, 1}, []float32{nan, nan, nan}},
		{[]float32{nan, 0}, []float32{nan, nan}},
		{[]float32{0, inf}, []float32{nan, nan}},
		{[]float32{-inf, -inf}, []float32{nan, nan}},
	} {
		for _, ks := range sets {
			y := make([]float32, len(tc.x))
			softmaxF32With(ks, y, tc.x, len(tc.x), 1)
			for i := range y {
				if !sameF32(y[i], tc.want[i]) {
					t.Errorf("%s: softmax %v = %v, want %v", ks.name, tc.x, y, tc.want)
					break
				}
			}
		}
	}
}

// TestExpF32 checks expF32 against math.Exp over [expLo, 0] (relative
// error below 3e-7), the flush to zero below expLo, and exp(±0) = 1.
func TestExpF32(t *testing.T) {
	lo := math.Float32frombits(expLo)
	worst := 0.0
	check := func(x float32) {
		got := expF32(x)
		if x < lo {
			if got != 0 {
				t.Fatalf("expF32(%v) = %v, want 0", x, got)
			}
			return
		}
		want := math.Exp(float64(x))
		rel := math.Abs(float64(got)-want) / want
		worst = max(worst, rel)
		if rel > 3e-7 {
			t.Fatalf("expF32(%v) = %v, want %v (relative error %.3g)", x, got, want, rel)
		}
	}
	// Every 613th float32 in [−90, 0] (all exponents, many fractions), and
	// every third in [−1, −1/2) (ten times fewer with -short).
	stride := uint32(1)
	if testing.Short() {
		stride = 10
	}
	for b := uint32(0x80000000); math.Float32frombits(b) > -90; b += 613 * stride {
		check(math.Float32frombits(b))
	}
	for b := uint32(0xbf000000); b < 0xbf800000; b += 3 * stride {
		check(math.Float32frombits(b))
	}
	for range 1000 {
		check(-float32(rand.Float64() * 88))
	}
	t.Logf("largest relative error %.3g", worst)
	if expF32(0) != 1 || expF32(float32(math.Copysign(0, -1))) != 1 {
		t.Errorf("expF32(±0) = %v, %v, want 1", expF32(0), expF32(float32(math.Copysign(0, -1))))
	}
	if v := expF32(float32(math.Inf(-1))); v != 0 {
		t.Errorf("expF32(−Inf) = %v", v)
	}
	if v := expF32(float32(math.NaN())); v == v {
		t.Errorf("expF32(NaN) = %v", v)
	}
}

// TestFMA32 holds fma32 to a·b + c computed exactly and rounded once,
// on random operands and on sums placed near the midpoint of two float32s.
func TestFMA32(t *testing.T) {
	r := rand.New(rand.NewPCG(25, 26))
	exact := func(a, b, c float32) float32 {
		x := new(big.Float).SetPrec(400).SetFloat64(float64(a))
		x.Mul(x, new(big.Float).SetPrec(400).SetFloat64(float64(b)))
		x.Add(x, new(big.Float).SetPrec(400).SetFloat64(float64(c)))
		f, _ := x.Float32()
		return f
	}
	rnd := func() float32 {
		return float32(r.NormFloat64() * math.Pow(2, float64(r.IntN(40)-20)))
	}
	n := 200000
	if testing.Short() {
		n = 20000
	}
	for i := range n {
		a, b, c := rnd(), rnd(), rnd()
		if i%2 == 1 {
			// c = −(the product rounded to float32, nudged half an ulp),
			// so that the exact sum is near a midpoint.
			p := a * b
			c = -(p + float32(r.IntN(3)-1)*(math.Nextafter32(p, float32(math.Inf(1)))-p)/2)
		}
		if got, want := fma32(a, b, c), exact(a, b, c); math.Float32bits(got) != math.Float32bits(want) {
			t.Fatalf("fma32(%v, %v, %v) = %v, want %v", a, b, c, got, want)
		}
	}
	// A float64 FMA followed by a rounding to float32 gets this one
	// wrong: a·b + c = 1 + 2⁻²³ + 2⁻²⁴ − 2⁻⁷⁰, just below the midpoint of
	// 1 + 2⁻²³ and 1 + 2⁻²², rounds to that midpoint in float64 and then
	// to even, 1 + 2⁻²²; the correct answer is 1 + 2⁻²³.
	a := float32(math.Ldexp(1+math.Ldexp(1, -23), -24))
	b := float32(1 - math.Ldexp(1, -23))
	c := float32(1 + math.Ldexp(1, -23))
	if naive := float32(math.FMA(float64(a), float64(b), float64(c))); naive == c {
		t.Fatalf("the double-rounding case is not one: %v", naive)
	}
	if got := fma32(a, b, c); got != c || exact(a, b, c) != c {
		t.Errorf("fma32(%v, %v, %v) = %v, want %v", a, b, c, got, c)
	}
}

func TestSoftmaxI8MatchesGo(t *testing.T) {
	r := rand.New(rand.NewPCG(27, 28))
	var tab [256]int32
	lengths := []int{1, 2, 3, 5, 7, 8, 9, 10, 15, 16, 17, 23, 24, 31, 32, 33, 47, 48, 63, 64, 65, 100, 257, 1000}
	for _, ks := range sets {
		for _, n := range lengths {
			for trial := 0; trial < 12; trial++ {
				// Tables: exps below 2³¹ as the int8 softmax has, or any
				// 32 bits (the unsigned definition holds for all).
				for i := range tab {
					tab[i] = int32(r.Uint32() >> 1)
					if trial%3 == 2 {
						tab[i] = int32(r.Uint32())
					}
				}
				row := make([]int8, n)
				for i := range row {
					row[i] = int8(r.Uint32())
					switch trial % 4 {
					case 1:
						row[i] = -128
					case 2:
						row[i] = int8(r.IntN(5)) + 120
					}
				}
				if trial%4 == 1 {
					row[r.IntN(n)] = 127 // a single 127 among −128s
				}
				gm, gs := softmaxI8SumWith(ks, row, &tab)
				wm, ws := softmaxI8SumGo(row, &tab)
				if gm != wm || gs != ws || wm != slices.Max(row) {
					t.Fatalf("%s n %d: SoftmaxI8Sum = %d, %d, Go %d, %d (max %d)", ks.name, n, gm, gs, wm, ws, slices.Max(row))
				}
				for _, exponent := range []int{0, 1, 7, 23, 24, 27, 30, 31, r.IntN(32)} {
					for _, recip := range []int32{1 << 30, math.MaxInt32, 0, 1, int32(r.Uint32() >> 1), int32(r.Uint32())} {
						maxQ := wm
						if trial%5 == 4 {
							maxQ = int8(r.Uint32()) // indices wrap modulo 256
						}
						got := make([]int8, n+1)
						got[n] = 42
						want := make([]int8, n)
						softmaxI8ScaleWith(ks, got, row, maxQ, &tab, recip, exponent)
						softmaxI8ScaleGo(want, row, maxQ, &tab, recip, exponent)
						if !slices.Equal(got[:n], want) || got[n] != 42 {
							t.Fatalf("%s n %d exponent %d recip %d maxQ %d: SoftmaxI8Scale\n got %v\nwant %v", ks.name, n, exponent, recip, maxQ, got, want)
						}
						inPlace := slices.Clone(row)
						softmaxI8ScaleWith(ks, inPlace, inPlace, maxQ, &tab, recip, exponent)
						if !slices.Equal(inPlace, want) {
							t.Fatalf("%s n %d: SoftmaxI8Scale in place differs", ks.name, n)
						}
					}
				}
			}
		}
	}
}

// TestSoftmaxI8ScaleDefinition checks softmaxI8ScaleGo's unsigned
// arithmetic on hand-worked values.
func TestSoftmaxI8ScaleDefinition(t *testing.T) {
	var tab [256]int32
	tab[0] = math.MaxInt32 // exp(0)
	tab[1] = 1 << 30       // one half
	tab[2] = 1 << 20
	row := []int8{5, 4, 3, 2}
	dst := make([]int8, 4)
	// recip 2³⁰ (one half), exponent 23: y = e/2 rounded, then y/2²³.
	SoftmaxI8Scale(dst, row, 5, &tab, 1<<30, 23)
	// (2³¹−1)·2³⁰ + 2³⁰ = 2⁶¹ → y = 2³⁰ → z = (2³⁰ + 2²²) >> 23 = 128 → 0.
	// 2⁶⁰ → y = 2²⁹ → 64 → −64.  2⁵⁰ → y = 2¹⁹ → (2¹⁹ + 2²²) >> 23 = 0 → −128.
	if want := []int8{0, -64, -128, -128}; !slices.Equal(dst, want) {
		t.Errorf("SoftmaxI8Scale = %v, want %v", dst, want)
	}
	// Rounding half up: y = 3·2²² (1.5 in units of 2²³) rounds to 2.
	tab[0] = 3 << 23
	SoftmaxI8Scale(dst[:1], row[:1], 5, &tab, math.MaxInt32, 23)
	// y = floor(((3·2²³)(2³¹−1) + 2³⁰) / 2³¹) = 3·2²³ − 1, just below 1.5·2²⁴ → 2·2²³? no:
	// z = (3·2²³ − 1 + 2²²) >> 23 = 3 → −125.
	if dst[0] != -125 {
		t.Errorf("SoftmaxI8Scale rounding: %d, want -125", dst[0])
	}
	m, s := SoftmaxI8Sum([]int8{-128, 127, 0}, &tab)
	if m != 127 || s != tab[0]+tab[127]+tab[255] {
		t.Errorf("SoftmaxI8Sum = %d, %d", m, s)
	}
}

func TestSoftmaxDoesNotAllocate(t *testing.T) {
	x := make([]float32, 1000)
	softmaxRow(rand.New(rand.NewPCG(1, 1)), x, 0)
	y := make([]float32, 1000)
	q := make([]int8, 1000)
	var tab [256]int32
	if n := testing.AllocsPerRun(20, func() {
		SoftmaxF32(y, x, 10, 1)
		m, _ := SoftmaxI8Sum(q, &tab)
		SoftmaxI8Scale(q, q, m, &tab, 1<<30, 24)
	}); n != 0 {
		t.Errorf("%v allocations per run", n)
	}
}

// BenchmarkSoftmax times each kernel set's softmax passes on one row.
func BenchmarkSoftmax(b *testing.B) {
	r := rand.New(rand.NewPCG(3, 4))
	var tab [256]int32
	for i := range tab {
		tab[i] = int32(r.Uint32() >> 12)
	}
	for _, depth := range []int{10, 1000} {
		x, y := make([]float32, depth), make([]float32, depth)
		softmaxRow(r, x, 1)
		q, out := make([]int8, depth), make([]int8, depth)
		for i := range q {
			q[i] = int8(r.Uint32())
		}
		for _, ks := range sets {
			b.Run(fmt.Sprintf("f32/%d/%s", depth, ks.name), func(b *testing.B) {
				for b.Loop() {
					softmaxF32With(ks, y, x, depth, 1)
				}
			})
			b.Run(fmt.Sprintf("i8/%d/%s", depth, ks.name), func(b *testing.B) {
				for b.Loop() {
					m, _ := softmaxI8SumWith(ks, q, &tab)
					softmaxI8ScaleWith(ks, out, q, m, &tab, 1<<30, 24)
				}
			})
		}
	}
}
