package simd

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
)

// gemmCase is one call of Gemm with its layout.
type gemmCase struct {
	transA, transB bool
	m, n, k        int
	padA, padB     int // extra leading dimension beyond the minimum
	padC           int
	offA, offB     int // start of the matrix within its slice
	offC           int
	beta           float32
}

func (tc gemmCase) String() string {
	return fmt.Sprintf("tA=%v,tB=%v,m=%d,n=%d,k=%d,pad=%d/%d/%d,off=%d/%d/%d,beta=%g",
		tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.padA, tc.padB, tc.padC, tc.offA, tc.offB, tc.offC, tc.beta)
}

// dims returns rows, cols and leading dimension of the stored A, B and C.
func (tc gemmCase) dims() (ra, ca, lda, rb, cb, ldb, ldc int) {
	ra, ca = tc.m, tc.k
	if tc.transA {
		ra, ca = tc.k, tc.m
	}
	rb, cb = tc.k, tc.n
	if tc.transB {
		rb, cb = tc.n, tc.k
	}
	return ra, ca, ca + tc.padA, rb, cb, cb + tc.padB, tc.n + tc.padC
}

// sentinel fills the parts of C's slice outside the matrix; Gemm must not
// touch them.
const sentinel = float32(-12345.5)

// operands builds random A, B and C slices for tc (C's matrix part holds
// NaN when beta is 0, to check that it is not read).
func (tc gemmCase) operands(rng *rand.Rand) (a, b, c []float32) {
	ra, ca, lda, rb, cb, ldb, ldc := tc.dims()
	fill := func(rows, cols, ld, off int) []float32 {
		s := make([]float32, off+max(0, (rows-1)*ld+cols)+3)
		for i := range s {
			s[i] = float32(rng.NormFloat64())
		}
		return s
	}
	a = fill(ra, ca, lda, tc.offA)
	b = fill(rb, cb, ldb, tc.offB)
	c = make([]float32, tc.offC+max(0, (tc.m-1)*ldc+tc.n)+3)
	for i := range c {
		c[i] = sentinel
	}
	for i := 0; i < tc.m; i++ {
		for j := 0; j < tc.n; j++ {
			v := float32(rng.NormFloat64())
			if tc.beta == 0 {
				v = float32(math.NaN())
			}
			c[tc.offC+i*ldc+j] = v
		}
	}
	return a, b, c
}

func (tc gemmCase) run(ks *kernelSet, a, b, c []float32) {
	_, _, lda, _, _, ldb, ldc := tc.dims()
	gemmWith(ks, tc.transA, tc.transB, tc.m, tc.n, tc.k,
		a[tc.offA:], lda, b[tc.offB:], ldb, tc.beta, c[tc.offC:], ldc)
}

// reference computes op(A)·op(B) + beta·C in float64 with a triple loop,
// and for each element the bound Σ|a||b| + |beta·c| the error is measured
// against.
func (tc gemmCase) reference(a, b, c []float32) (want, scale []float64) {
	_, _, lda, _, _, ldb, ldc := tc.dims()
	at := func(i, p int) float64 {
		if tc.transA {
			return float64(a[tc.offA+p*lda+i])
		}
		return float64(a[tc.offA+i*lda+p])
	}
	bt := func(p, j int) float64 {
		if tc.transB {
			return float64(b[tc.offB+j*ldb+p])
		}
		return float64(b[tc.offB+p*ldb+j])
	}
	want = make([]float64, tc.m*tc.n)
	scale = make([]float64, tc.m*tc.n)
	for i := 0; i < tc.m; i++ {
		for j := 0; j < tc.n; j++ {
			var s, sa float64
			for p := 0; p < tc.k; p++ {
				x := at(i, p) * bt(p, j)
				s += x
				sa += math.Abs(x)
			}
			if tc.beta != 0 {
				x := float64(tc.beta) * float64(c[tc.offC+i*ldc+j])
				s += x
				sa += math.Abs(x)
			}
			want[i*tc.n+j] = s
			scale[i*tc.n+j] = sa
		}
	}
	return want, scale
}

// tolerance is the allowed |error| / (Σ|a||b| + |beta·c|): a float32 sum of
// k products (each rounded at most once) plus the beta term and one
// rounding per k block has error at most about (k+3)·2⁻²⁴ of that scale;
// twice that is allowed.
func tolerance(k int) float64 { return float64(k+3) * 0x1p-23 }

// checkAgainst compares the matrix part of got with want, and checks that
// the rest of the slice still holds the sentinel.
func (tc gemmCase) check(t *testing.T, name string, got []float32, want, scale []float64) {
	t.Helper()
	_, _, _, _, _, _, ldc := tc.dims()
	tol := tolerance(tc.k)
	inside := make(map[int]bool, tc.m*tc.n)
	bad := 0
	for i := 0; i < tc.m; i++ {
		for j := 0; j < tc.n; j++ {
			idx := tc.offC + i*ldc + j
			inside[idx] = true
			g := float64(got[idx])
			w := want[i*tc.n+j]
			if e := math.Abs(g - w); !(e <= tol*scale[i*tc.n+j]+1e-30) {
				if bad < 5 {
					t.Errorf("%s %v: C[%d,%d] = %g, want %g (err %.3g, allowed %.3g)", name, tc, i, j, g, w, e, tol*scale[i*tc.n+j])
				}
				bad++
			}
		}
	}
	for idx, v := range got {
		if !inside[idx] && v != sentinel {
			t.Errorf("%s %v: element %d outside C changed to %g", name, tc, idx, v)
			return
		}
	}
	if bad > 0 {
		t.Errorf("%s %v: %d bad elements", name, tc, bad)
	}
}

var testSizes = []int{1, 2, 3, 5, 7, 8, 9, 15, 16, 17, 31, 33, 65, 300}

// testCases samples awkward shapes and layouts with a fixed seed.
func testCases() []gemmCase {
	rng := rand.New(rand.NewPCG(1, 2))
	betas := []float32{0, 1, 0.5, -1.25}
	var cases []gemmCase
	pick := func() int { return testSizes[rng.IntN(len(testSizes))] }
	add := func(m, n, k int) {
		for _, tA := range []bool{false, true} {
			for _, tB := range []bool{false, true} {
				tc := gemmCase{transA: tA, transB: tB, m: m, n: n, k: k, beta: betas[rng.IntN(len(betas))]}
				if rng.IntN(2) == 0 {
					tc.padA, tc.padB, tc.padC = rng.IntN(5), rng.IntN(5), rng.IntN(5)
				}
				if rng.IntN(2) == 0 {
					tc.offA, tc.offB, tc.offC = 1+2*rng.IntN(4), 1+2*rng.IntN(4), 1+2*rng.IntN(4)
				}
				cases = append(cases, tc)
			}
		}
	}
	// Degenerate and thin shapes.
	for _, s := range []int{1, 2, 7, 17, 33, 300} {
		add(1, s, pick())  // M = 1
		add(s, 1, pick())  // N = 1
		add(pick(), s, 1)  // K = 1
		add(s, pick(), 1)  // K = 1
		add(s, s, s)       // square
		add(1, 1, s)       // dot product
		add(pick(), s, 16) // exact tile depth
	}
	// Random sample of the size grid, keeping the float64 reference cheap.
	for len(cases) < 400 {
		m, n, k := pick(), pick(), pick()
		if m*n*k > 300*65*65 {
			continue
		}
		add(m, n, k)
	}
	// Larger than one block in every direction: m > mc, n > nc, k > kc.
	add(150, 1030, 7)
	add(13, 40, 600)
	add(290, 33, 257)
	return cases
}

func TestGemmKernelSets(t *testing.T) {
	if len(sets) == 0 || sets[len(sets)-1] != genericSet {
		t.Fatalf("sets = %v, want the generic set last", sets)
	}
	names := []string{}
	for _, ks := range sets {
		names = append(names, ks.name)
	}
	t.Logf("kernel sets on this machine: %v; Impl() = %q", names, Impl())
	for _, mode := range []int{0, 1, 2} {
		t.Run(fmt.Sprintf("swapMode=%d", mode), func(t *testing.T) {
			defer func(old int) { swapMode = old }(swapMode)
			swapMode = mode
			testKernelSets(t)
		})
	}
}

func testKernelSets(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, tc := range testCases() {
		a, b, c0 := tc.operands(rng)
		want, scale := tc.reference(a, b, c0)
		var gen []float32
		for _, ks := range sets {
			c := append([]float32(nil), c0...)
			tc.run(ks, a, b, c)
			tc.check(t, ks.name, c, want, scale)
			if ks == genericSet {
				gen = c
			}
		}
		// Every set against the generic one: both within the tolerance of
		// the exact result, so within twice of each other.
		for _, ks := range sets[:len(sets)-1] {
			c := append([]float32(nil), c0...)
			tc.run(ks, a, b, c)
			_, _, _, _, _, _, ldc := tc.dims()
			tol := 2 * tolerance(tc.k)
			for i := 0; i < tc.m; i++ {
				for j := 0; j < tc.n; j++ {
					idx := tc.offC + i*ldc + j
					if e := math.Abs(float64(c[idx]) - float64(gen[idx])); !(e <= tol*scale[i*tc.n+j]+1e-30) {
						t.Fatalf("%s vs generic %v: C[%d,%d] = %g vs %g", ks.name, tc, i, j, c[idx], gen[idx])
					}
				}
			}
		}
		if t.Failed() {
			t.FailNow()
		}
	}
}

// TestGemmProjectShapes checks the shapes the CNN uses (sampled elements
// only for the largest, to keep the float64 reference cheap).
func TestGemmProjectShapes(t *testing.T) {
	shapes := []gemmCase{
		{m: 968, n: 32, k: 288, transB: true},
		{m: 968, n: 288, k: 32},
		{m: 32, n: 288, k: 968, transA: true},
		{m: 5408, n: 32, k: 9, transB: true},
		{m: 32, n: 9, k: 5408, transA: true},
		{m: 32, n: 200, k: 800},
		{m: 32, n: 800, k: 200, transB: true},
		{m: 800, n: 200, k: 32, transA: true},
		{m: 32, n: 50, k: 200},
		{m: 32, n: 10, k: 50},
		{m: 32, n: 200, k: 50, transB: true},
		{m: 200, n: 50, k: 32, transA: true},
	}
	rng := rand.New(rand.NewPCG(5, 6))
	for _, tc := range shapes {
		for _, ks := range sets {
			t.Logf("%s %v: swapped %v", ks.name, tc, swapBetter(ks, tc.transA, tc.transB, tc.m, tc.n, tc.k))
		}
		for _, beta := range []float32{0, 1} {
			tc.beta = beta
			a, b, c0 := tc.operands(rng)
			want, scale := tc.reference(a, b, c0)
			for _, ks := range sets {
				c := append([]float32(nil), c0...)
				tc.run(ks, a, b, c)
				tc.check(t, ks.name, c, want, scale)
			}
		}
	}
}

func TestGemmKZero(t *testing.T) {
	for _, ks := range sets {
		for _, beta := range []float32{0, 1, 0.5} {
			c := []float32{float32(math.NaN()), 2, 3, sentinel, 4, 5, 6}
			gemmWith(ks, false, false, 2, 3, 0, nil, 0, nil, 0, beta, c, 4)
			var want []float32
			switch beta {
			case 0:
				want = []float32{0, 0, 0, sentinel, 0, 0, 0}
			case 1:
				want = []float32{float32(math.NaN()), 2, 3, sentinel, 4, 5, 6}
			case 0.5:
				want = []float32{float32(math.NaN()), 1, 1.5, sentinel, 2, 2.5, 3}
			}
			for i := range c {
				if c[i] != want[i] && !(math.IsNaN(float64(c[i])) && math.IsNaN(float64(want[i]))) {
					t.Errorf("%s beta=%g: c = %v, want %v", ks.name, beta, c, want)
					break
				}
			}
		}
		// m == 0 or n == 0: nothing happens; only the non-empty operand
		// is checked.
		sq := make([]float32, 25)
		gemmWith(ks, true, true, 0, 5, 5, nil, 0, sq, 5, 0, nil, 0)
		gemmWith(ks, false, false, 5, 0, 5, sq, 5, nil, 0, 0, nil, 0)
	}
}

// TestGemmDeterministic checks that repeated calls, with the operands at
// different alignments and with other calls running concurrently, give
// bit-identical results.
func TestGemmDeterministic(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	cases := []gemmCase{
		{m: 97, n: 45, k: 300, transB: true, beta: 0},
		{m: 33, n: 288, k: 65, beta: 0.5},
		{m: 32, n: 9, k: 700, transA: true, beta: 1},
		{m: 65, n: 70, k: 31, transA: true, transB: true, beta: 0},
	}
	for _, ks := range sets {
		for _, tc := range cases {
			a, b, c0 := tc.operands(rng)
			ref := append([]float32(nil), c0...)
			tc.run(ks, a, b, ref)
			var wg sync.WaitGroup
			errs := make(chan string, 16)
			for g := 0; g < 4; g++ {
				wg.Add(1)
				go func(g int) {
					defer wg.Done()
					for rep := 0; rep < 3; rep++ {
						// Shift the operands to a new alignment.
						sh := (g*3 + rep) % 16
						tc2 := tc
						tc2.offA, tc2.offB, tc2.offC = tc.offA+sh, tc.offB+(sh*7)%16, tc.offC+(sh*5)%16
						a2 := append(make([]float32, tc2.offA-tc.offA), a...)
						b2 := append(make([]float32, tc2.offB-tc.offB), b...)
						c2 := append(make([]float32, tc2.offC-tc.offC), c0...)
						tc2.run(ks, a2, b2, c2)
						for i := range ref {
							x, y := ref[i], c2[i+tc2.offC-tc.offC]
							if math.Float32bits(x) != math.Float32bits(y) {
								errs <- fmt.Sprintf("%s %v: shift %d: element %d = %x, first call %x", ks.name, tc, sh, i, math.Float32bits(y), math.Float32bits(x))
								return
							}
						}
					}
				}(g)
			}
			wg.Wait()
			close(errs)
			for e := range errs {
				t.Error(e)
			}
		}
	}
}

func TestGemmPanics(t *testing.T) {
	a := make([]float32, 6*5)
	b := make([]float32, 5*4)
	c := make([]float32, 6*4)
	bad := []struct {
		name string
		f    func(ks *kernelSet)
	}{
		{"short a", func(ks *kernelSet) { gemmWith(ks, false, false, 6, 4, 5, a[:29], 5, b, 4, 0, c, 4) }},
		{"short a transposed", func(ks *kernelSet) { gemmWith(ks, true, false, 6, 4, 5, a[:29], 6, b, 4, 0, c, 4) }},
		{"short b", func(ks *kernelSet) { gemmWith(ks, false, false, 6, 4, 5, a, 5, b[:19], 4, 0, c, 4) }},
		{"short b transposed", func(ks *kernelSet) { gemmWith(ks, false, true, 6, 4, 5, a, 5, b[:19], 5, 0, c, 4) }},
		{"short c", func(ks *kernelSet) { gemmWith(ks, false, false, 6, 4, 5, a, 5, b, 4, 0, c[:23], 4) }},
		{"lda too small", func(ks *kernelSet) { gemmWith(ks, false, false, 6, 4, 5, a, 4, b, 4, 0, c, 4) }},
		{"ldb too small", func(ks *kernelSet) { gemmWith(ks, false, false, 6, 4, 5, a, 5, b, 3, 0, c, 4) }},
		{"ldc too small", func(ks *kernelSet) { gemmWith(ks, false, false, 6, 4, 5, a, 5, b, 4, 0, c, 3) }},
		{"ldc too large", func(ks *kernelSet) { gemmWith(ks, false, false, 6, 4, 5, a, 5, b, 4, 0, c, 5) }},
		{"negative m", func(ks *kernelSet) { gemmWith(ks, false, false, -1, 4, 5, a, 5, b, 4, 0, c, 4) }},
		{"short c, k 0", func(ks *kernelSet) { gemmWith(ks, false, false, 6, 4, 0, nil, 0, nil, 0, 0, c[:23], 4) }},
	}
	for _, ks := range sets {
		for _, tc := range bad {
			func() {
				defer func() {
					if recover() == nil {
						t.Errorf("%s %s: no panic", ks.name, tc.name)
					}
				}()
				tc.f(ks)
			}()
		}
		// The exact minimum lengths do not panic.
		gemmWith(ks, false, false, 6, 4, 5, a, 5, b, 4, 0, c, 4)
		gemmWith(ks, true, true, 6, 4, 5, a, 6, b, 5, 0, c, 4)
	}
}

func TestGemmAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items at random under the race detector")
	}
	rng := rand.New(rand.NewPCG(9, 10))
	for _, ks := range sets {
		for _, tc := range []gemmCase{
			{m: 100, n: 37, k: 300, transB: true},
			{m: 32, n: 9, k: 600, transA: true, beta: 1},
		} {
			a, b, c := tc.operands(rng)
			tc.run(ks, a, b, c) // warm-up fills the pool
			if n := testing.AllocsPerRun(50, func() { tc.run(ks, a, b, c) }); n != 0 {
				t.Errorf("%s %v: %v allocs per call", ks.name, tc, n)
			}
		}
	}
	// Gemm itself (the active set).
	a, b, c := make([]float32, 64*64), make([]float32, 64*64), make([]float32, 64*64)
	Gemm(false, false, 64, 64, 64, a, 64, b, 64, 0, c, 64)
	if n := testing.AllocsPerRun(50, func() { Gemm(false, false, 64, 64, 64, a, 64, b, 64, 0, c, 64) }); n != 0 {
		t.Errorf("Gemm: %v allocs per call", n)
	}
}

func TestChoose(t *testing.T) {
	best := sets[0]
	var avx2 *kernelSet = genericSet
	for _, ks := range sets {
		if ks.name == "avx2" {
			avx2 = ks
		}
	}
	for env, want := range map[string]*kernelSet{
		"":        best,
		"generic": genericSet,
		"avx2":    avx2,
		"avx512":  best,
		"bogus":   best,
	} {
		if got := choose(env); got != want {
			t.Errorf("choose(%q) = %s, want %s", env, got.name, want.name)
		}
	}
	switch Impl() {
	case "avx512", "avx2", "generic":
	default:
		t.Errorf("Impl() = %q", Impl())
	}
}

// TestEnvVar runs the test binary again with MNISTCNN_SIMD set and checks
// which kernel set the child chose at start-up.
func TestEnvVar(t *testing.T) {
	if os.Getenv("SIMD_TEST_CHILD") == "1" {
		fmt.Printf("impl=%s\n", Impl())
		return
	}
	best := sets[0].name
	avx2 := "generic"
	for _, ks := range sets {
		if ks.name == "avx2" {
			avx2 = ks.name
		}
	}
	for env, want := range map[string]string{"generic": "generic", "avx2": avx2, "avx512": best, "nonsense": best, "": best} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestEnvVar$")
		cmd.Env = append(os.Environ(), "SIMD_TEST_CHILD=1", envVar+"="+env)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s=%q: %v\n%s", envVar, env, err, out)
		}
		if !strings.Contains(string(out), "impl="+want+"\n") {
			t.Errorf("%s=%q: child said %q, want impl=%s", envVar, env, out, want)
		}
	}
}
