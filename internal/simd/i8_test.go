package simd

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// The int8 kernels against their Go definitions, on shapes a vector path
// can get wrong: row counts around the 8-row group, odd and even depths
// (the single-row path pairs groups of four), padded leading dimensions,
// column counts that are not multiples of 16.

// i8SetName names ks with the int8 kernels it runs.
func i8SetName(ks *kernelSet) string {
	return ks.name + "/" + [...]string{i8Go: "go", i8AVX2: "avx2", i8VNNI: "vnni"}[i8Kind(ks)]
}

func TestDotU8I8(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, ks := range sets {
		t.Logf("kernel set %s", i8SetName(ks))
		for _, np := range []int{1, 2, 3, 7, 8, 9, 15, 16, 17, 121} {
			for _, k4 := range []int{1, 2, 3, 5, 7, 8, 9, 17, 72, 200} {
				ldu := 4*k4 + r.IntN(3)
				ldc := I8Block + 16*r.IntN(2) + r.IntN(3)
				u := make([]uint8, (np-1)*ldu+4*k4)
				w := make([]int8, k4*4*I8Block)
				for i := range u {
					u[i] = uint8(r.Uint32())
				}
				for i := range w {
					w[i] = int8(r.Uint32())
				}
				// Extremes: all 255 in the first and last rows, 0 in the
				// second; −128 in the first channels of each group, 127 in
				// the last, so that row 0 has 255·(−128) at every depth.
				for i := 0; i < 4*k4; i++ {
					u[i], u[(np-1)*ldu+i] = 255, 255
					if np > 2 {
						u[ldu+i] = 0
					}
				}
				for q := 0; q < k4; q++ {
					for t := 0; t < 4; t++ {
						w[(q*I8Block+0)*4+t] = -128
						w[(q*I8Block+1)*4+t] = -128
						w[(q*I8Block+I8Block-1)*4+t] = 127
					}
				}
				got := make([]int32, (np-1)*ldc+I8Block)
				want := slices.Clone(got)
				for i := range got {
					got[i], want[i] = -7, -7 // the padding between rows must survive
				}
				dotU8I8With(ks, np, k4, u, ldu, w, got, ldc)
				dotU8I8Go(np, k4, u, ldu, w, want, ldc)
				if !slices.Equal(got, want) {
					t.Fatalf("%s: np=%d k4=%d ldu=%d ldc=%d: kernel and Go differ", i8SetName(ks), np, k4, ldu, ldc)
				}
				if np == 1 && want[0] != int32(k4)*4*255*-128 {
					t.Fatalf("np=1 k4=%d: c[0] = %d, want %d", k4, want[0], int32(k4)*4*255*-128)
				}
			}
		}
	}
}

func TestDotU8I8Definition(t *testing.T) {
	// One row, depth 4: 1·1 + 2·(−1) + 3·2 + 255·(−128) = −32635 in channel 0,
	// and channel 31 gets 255·127 from the last byte alone.
	u := []uint8{1, 2, 3, 255}
	w := make([]int8, 4*I8Block)
	copy(w, []int8{1, -1, 2, -128})
	w[31*4+3] = 127
	c := make([]int32, I8Block)
	DotU8I8(1, 1, u, 4, w, c, I8Block)
	if c[0] != -32635 || c[31] != 255*127 || c[1] != 0 {
		t.Errorf("c[0], c[1], c[31] = %d, %d, %d, want -32635, 0, 32385", c[0], c[1], c[31])
	}
}

// requantCases are accumulators a vector requantization can get wrong:
// zero, ±1, the int32 extremes, exact ties of the final rounding for every
// shift, and values near the saturating corner.
func requantCases(r *rand.Rand) []int32 {
	v := []int32{0, 1, -1, 2, -2, math.MaxInt32, math.MinInt32, math.MinInt32 + 1, math.MaxInt32 - 1,
		1 << 30, -1 << 30, 1<<30 - 1, -1<<30 + 1}
	for e := 0; e < 31; e++ {
		h := int32(1) << e
		v = append(v, h, -h, h+1, -h-1, h-1, -h+1, 3*h/2, -3*h/2)
	}
	for range 400 {
		v = append(v, int32(r.Uint32()), int32(r.Uint32())>>uint(r.IntN(31)))
	}
	return v
}

func TestRequantI8(t *testing.T) {
	for _, ks := range sets {
		testRequantI8(t, ks)
	}
}

func testRequantI8(t *testing.T, ks *kernelSet) {
	r := rand.New(rand.NewPCG(3, 4))
	accs := requantCases(r)
	// Multipliers: QuantizeMultiplier's range [2^30, 2^31), the extremes
	// and 0, and MinInt32 (never produced, but defined: it saturates).
	mults := []int32{1 << 30, math.MaxInt32, 0, 1, math.MinInt32, 1518500250, 1<<30 + 1}
	for range 20 {
		mults = append(mults, 1<<30+int32(r.IntN(1<<30)))
	}
	for _, n := range []int{1, 3, 7, 8, 9, 15, 16, 17, 24, 33, 200} {
		rows := (len(accs) + n - 1) / n
		lda, ldd := n+r.IntN(3), n+r.IntN(3)
		acc := make([]int32, (rows-1)*lda+n)
		for i := range acc {
			acc[i] = accs[i%len(accs)]
		}
		corr, mult, shift := make([]int32, n), make([]int32, n), make([]int32, n)
		for j := range corr {
			corr[j] = int32(r.IntN(2001)) - 1000
			if j%5 == 0 {
				corr[j] = 0
			}
			mult[j] = mults[(j+n)%len(mults)]
			shift[j] = int32(-31 + (j*7+n)%62) // [−31, 30]
		}
		for _, q := range [][3]int32{{0, -128, 127}, {-128, -128, 127}, {127, -128, 127}, {5, -3, 9}, {-7, -128, -128}} {
			got := make([]int8, (rows-1)*ldd+n)
			want := slices.Clone(got)
			for i := range got {
				got[i], want[i] = 99, 99
			}
			requantI8With(ks, got, ldd, acc, lda, rows, n, corr, mult, shift, q[0], q[1], q[2])
			requantI8Go(want, ldd, acc, lda, rows, n, corr, mult, shift, q[0], q[1], q[2])
			for i := range got {
				if got[i] != want[i] {
					rr, j := i/ldd, i%ldd
					t.Fatalf("%s: n=%d off,lo,hi=%v: [%d,%d] = %d, want %d (acc %d corr %d mult %d shift %d)",
						i8SetName(ks), n, q, rr, j, got[i], want[i], acc[rr*lda+j], corr[j], mult[j], shift[j])
				}
			}
		}
	}
}

// TestMBQMTies checks mbqm's rounding by hand: 2^(shift−31)·m·x with
// m = 2^30 (one half) is x·2^(shift−32).
func TestMBQMTies(t *testing.T) {
	for _, c := range []struct {
		x, m  int32
		shift int
		want  int32
	}{
		{5, 1 << 30, 0, 3},                               // 2.5 → 3
		{-5, 1 << 30, 0, -2},                             // the high multiply rounds −2.5 up to −2
		{3, 1 << 30, -1, 1},                              // SRDHM(3, ½) = 2, then 2/2 = 1
		{-3, 1 << 30, -1, -1},                            // SRDHM(−3, ½) = −1, then −0.5 → −1: away from zero
		{6, 1 << 30, -1, 2},                              // 1.5 → 2
		{-6, 1 << 30, -1, -2},                            // −1.5 → −2
		{math.MinInt32, math.MinInt32, 0, math.MaxInt32}, // the one saturating product
		{math.MinInt32, math.MinInt32, -31, 1},           // saturated 2^31−1, then /2^31 → 1
		{100, 1518500250, -3, 9},                         // 100·0.7071/8 = 8.84 → 9
	} {
		if got := mbqm(c.x, c.m, c.shift); got != c.want {
			t.Errorf("mbqm(%d, %d, %d) = %d, want %d", c.x, c.m, c.shift, got, c.want)
		}
	}
}

// TestMBQMComposition holds mbqm to the reference's composition of
// SaturatingRoundingDoublingHighMul and RoundingDivideByPOT, written here
// as their definitions (tflite/kernels' tests compare RequantI8 with that
// package's own functions too).
func TestMBQMComposition(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	mults := []int32{0, 1, 1 << 30, math.MaxInt32, math.MinInt32, 1518500250}
	for range 30 {
		mults = append(mults, int32(r.Uint32()))
	}
	for _, x := range requantCases(r) {
		for _, m := range mults {
			for shift := -31; shift <= 30; shift++ {
				left, right := max(shift, 0), max(-shift, 0)
				want := roundingDivideByPOTRef(srdhmRef(x<<left, m), right)
				if got := mbqm(x, m, shift); got != want {
					t.Fatalf("mbqm(%d, %d, %d) = %d, want %d", x, m, shift, got, want)
				}
			}
		}
	}
}

// roundingDivideByPOTRef is gemmlowp's RoundingDivideByPOT as its
// definition, for the tests only.
func roundingDivideByPOTRef(x int32, e int) int32 {
	mask := int32(int64(1)<<e - 1)
	rem := x & mask
	thr := mask >> 1
	if x < 0 {
		thr++
	}
	res := x >> e
	if rem > thr {
		res++
	}
	return res
}

// srdhmRef is gemmlowp's SaturatingRoundingDoublingHighMul written as
// its definition, for the tests only.
func srdhmRef(a, b int32) int32 {
	if a == b && a == math.MinInt32 {
		return math.MaxInt32
	}
	ab := int64(a) * int64(b)
	nudge := int64(1 << 30)
	if ab < 0 {
		nudge = 1 - 1<<30
	}
	return int32((ab + nudge) / (1 << 31))
}

func TestMaxI8(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{0, 1, 31, 32, 33, 64, 100} {
		a, b := make([]int8, n), make([]int8, n)
		for i := range a {
			a[i], b[i] = int8(r.Uint32()), int8(r.Uint32())
		}
		got, want := slices.Clone(a), slices.Clone(a)
		MaxI8(got, b)
		maxI8Go(want, b)
		for i := range want {
			if want[i] != max(a[i], b[i]) || got[i] != want[i] {
				t.Fatalf("n=%d: MaxI8[%d] = %d (Go %d), want %d", n, i, got[i], want[i], max(a[i], b[i]))
			}
		}
	}
}
