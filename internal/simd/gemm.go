package simd

import (
	"fmt"
	"os"
	"sync"
	"unsafe"
)

// Every micro-kernel (assembly or Go) has the signature
//
//	func(nt, k int, a *float32, rsa, csa int, b *float32, ldb int, c *float32, ldc int, beta float32)
//
// and computes nt vertically adjacent mr×nr tiles of C. For tile t
// (0 ≤ t < nt), row r (0 ≤ r < mr) and column j (0 ≤ j < nr):
//
//	acc = Σ_{p<k} A[t*mr+r, p] · B[p, j]
//	C[t*mr+r, j] = acc                    if beta == 0 (C is not read)
//	C[t*mr+r, j] = acc + beta·C[t*mr+r,j] otherwise
//
// where A[i, p] is the float32 at a + i*rsa + p*csa (in elements, so A can
// be a packed panel, a row-major matrix or a transposed one), B[p, j] is
// b[p*ldb + j] (a packed, zero-padded panel of width nr with ldb = nr, or
// an untransposed B read in place; reused by every tile) and C[i, j] is
// c[i*ldc + j]. The products are summed in order of increasing p, one
// accumulator per element of C (the assembly kernels with one FMA per
// product, and fma(beta, C, acc) for the store). The kernels are called
// through runKernel (a switch on kernelSet.id, not a func value, so that
// escape analysis sees the assembly's //go:noescape).
const (
	kernGeneric = iota
	kernAVX2
	kernAVX512
)

// kernelSet is one implementation of the micro-kernel together with the
// blocking parameters that suit it. The driver (run) is shared.
type kernelSet struct {
	name   string
	mr, nr int // register tile: mr rows by nr columns of C
	kc     int // largest depth of one packed block of B
	mc     int // rows of C per block (multiple of mr): A block kept in L2
	nc     int // columns per packed block of B (multiple of nr)
	id     int // kernGeneric, kernAVX2, …: which micro-kernel runKernel calls

	pool sync.Pool // of *workspace sized for this set
}

// workspace holds the per-call scratch buffers. It is taken from and
// returned to the kernel set's pool, so steady-state calls do not allocate.
type workspace struct {
	bpack []float32 // kc × nc packed B block, panels of width nr
	apad  []float32 // mr × kc zero-padded copy of the rows of A when m < mr
	tile  []float32 // mr × nr result of an edge tile
	cbuf  []float32 // accumulated transposed product, grown on demand (≤ cbufMax)
}

func (ks *kernelSet) getWorkspace() *workspace {
	if w, ok := ks.pool.Get().(*workspace); ok {
		return w
	}
	return &workspace{
		bpack: make([]float32, ks.kc*ks.nc),
		apad:  make([]float32, ks.mr*ks.kc),
		tile:  make([]float32, ks.mr*ks.nr),
	}
}

// envVar is the name of the environment variable read once at start-up to
// restrict the kernel set; see the package documentation.
const envVar = "MNISTCNN_SIMD"

var (
	// sets lists every kernel set usable on this machine, best first;
	// the generic one is always last.
	sets []*kernelSet
	// active is the kernel set Gemm uses. Tests call gemmWith directly with
	// each element of sets instead of swapping it.
	active *kernelSet
)

func init() {
	sets = append(platformSets(), genericSet)
	active = choose(os.Getenv(envVar))
}

// choose picks the kernel set for the value of MNISTCNN_SIMD: "generic"
// forces the pure-Go kernels, "avx2" forbids AVX-512, any other value
// (including "" and "avx512") selects the best available set.
func choose(env string) *kernelSet {
	switch env {
	case "generic":
		return genericSet
	case "avx2":
		for _, ks := range sets {
			if ks.name == "avx2" {
				return ks
			}
		}
		return genericSet
	}
	return sets[0]
}

// Impl names the kernel set chosen at start-up: "avx512", "avx2" or "generic".
func Impl() string { return active.name }

// Gemm computes C = op(A)·op(B) + beta·C, where op(X) is X or Xᵀ.
// op(A) is m×k, op(B) is k×n, C is m×n; all row-major with leading
// dimensions lda, ldb, ldc (A is m×k with lda ≥ k when !transA, k×m with
// lda ≥ m when transA; same for B).
// beta 0 means C is written without being read (NaNs in C do not leak);
// any other beta scales C. m, n or k of 0 is allowed (k == 0: C = beta·C).
// It panics if a slice is too short for its shape. It is safe for
// concurrent use by several goroutines on disjoint C.
func Gemm(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	gemmWith(active, transA, transB, m, n, k, a, lda, b, ldb, beta, c, ldc)
}

// checkMatrix panics unless s holds a row-major rows×cols matrix with
// leading dimension ld. An empty matrix needs nothing.
func checkMatrix(name string, s []float32, rows, cols, ld int) {
	if rows == 0 || cols == 0 {
		return
	}
	if ld < cols {
		panic(fmt.Sprintf("simd.Gemm: ld%s = %d < %d columns", name, ld, cols))
	}
	if need := (rows-1)*ld + cols; len(s) < need {
		panic(fmt.Sprintf("simd.Gemm: len(%s) = %d < %d needed for %d×%d with ld %d", name, len(s), need, rows, cols, ld))
	}
}

func gemmWith(ks *kernelSet, transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if m < 0 || n < 0 || k < 0 {
		panic(fmt.Sprintf("simd.Gemm: negative dimension m=%d n=%d k=%d", m, n, k))
	}
	if transA {
		checkMatrix("a", a, k, m, lda)
	} else {
		checkMatrix("a", a, m, k, lda)
	}
	if transB {
		checkMatrix("b", b, n, k, ldb)
	} else {
		checkMatrix("b", b, k, n, ldb)
	}
	checkMatrix("c", c, m, n, ldc)
	if m == 0 || n == 0 {
		return
	}
	if k == 0 {
		scaleC(m, n, beta, c, ldc)
		return
	}
	// The product is computed either as it stands or transposed,
	// Cᵀ = op(B)ᵀ·op(A)ᵀ, whichever the cost model in swapBetter prefers;
	// the choice depends only on the shapes, flags and kernel set.
	pr := problem{m: m, n: n, k: k, beta: beta, c: c, rsc: ldc, csc: 1}
	swap := swapBetter(ks, transA, transB, m, n, k)
	if swapMode != 0 {
		swap = swapMode == 2
	}
	if !swap {
		// A[i, p] = a[i*rsa + p*csa].
		pr.a, pr.rsa, pr.csa = a, lda, 1
		if transA {
			pr.rsa, pr.csa = 1, lda
		}
		pr.b, pr.transB, pr.ldb = b, transB, ldb
	} else {
		// A' = op(B)ᵀ (n×k), B' = op(A)ᵀ (k×m), C' = Cᵀ (n×m).
		pr.m, pr.n = n, m
		pr.a, pr.rsa, pr.csa = b, 1, ldb
		if transB {
			pr.rsa, pr.csa = ldb, 1
		}
		pr.b, pr.transB, pr.ldb = a, !transA, lda
		pr.rsc, pr.csc = 1, ldc
	}
	run(ks, &pr)
}

// problem is one product C = A·B + beta·C in the driver's terms, with the
// layouts given by the fields. Its dimensions have been checked against
// the slices.
type problem struct {
	m, n, k  int
	a        []float32 // A[i, p] = a[i*rsa + p*csa]
	rsa, csa int
	b        []float32 // B[p, j] = b[p*ldb + j], or b[j*ldb + p] if transB
	transB   bool
	ldb      int
	c        []float32 // C[i, j] = c[i*rsc + j*csc]; the kernels store directly only when csc == 1
	rsc, csc int
	beta     float32
}

// Relative costs, in cycles per element, used by swapBetter. They were
// fitted by hand to the benchmarks of the project's shapes.
const (
	costPackCopy  = 0.25 // packing a row of B that is contiguous
	costPackTrans = 1.0  // packing B that must be transposed
	costMerge     = 2.0  // writing one element of an edge tile through Go
	// costScatterA multiplies the kernel's work when A is read with a unit
	// row stride and a large column stride (each step p touches new cache
	// lines, and a block of A no longer fits in L1).
	costScatterA = 1.5
)

// cost estimates the cycles of run for an m×n×k product with kernel set ks,
// B transposed or not, A read scattered (see costScatterA) or not, and C
// stored with unit column stride or not.
func cost(ks *kernelSet, m, n, k int, transB, scatterA, unitC bool) float64 {
	mr, nr := ks.mr, ks.nr
	mpad := (m + mr - 1) / mr * mr
	npad := (n + nr - 1) / nr * nr
	lanes := float64(nr) // FMA lanes per cycle: two nr/2-wide FMAs
	if ks.id == kernGeneric {
		lanes = 2
	}
	f := float64(mpad) * float64(npad) * float64(k) / lanes
	if scatterA {
		f *= costScatterA
	}
	if transB {
		f += costPackTrans * float64(k) * float64(n)
	} else if n%nr != 0 {
		f += costPackCopy * float64(k) * float64(nr)
	}
	nkb := float64((k + ks.kc - 1) / ks.kc)
	switch {
	case unitC:
		edge := m*(n%nr) + (m%mr)*(n-n%nr)
		f += costMerge * float64(edge) * nkb
	case mpad*npad <= cbufMax: // accumulated in run's buffer, written once
		f += costMerge * float64(m) * float64(n)
	default:
		f += costMerge * float64(m) * float64(n) * nkb
	}
	return f
}

// scattered reports whether an A read with unit row stride and column
// stride ld over depth k counts as scattered for cost.
func scattered(ld, k int) bool { return ld >= 64 && k >= 64 }

// swapMode lets tests force the layout: 0 lets swapBetter choose, 1 never
// swaps, 2 always swaps.
var swapMode = 0

// swapBetter reports whether computing Cᵀ = op(B)ᵀ·op(A)ᵀ is expected to
// be faster than C = op(A)·op(B) (e.g. a narrow C, or a small m with a
// transposed B, which is then not packed).
//
// It looks only at the shapes, flags and kernel set (the minimal leading
// dimensions m and n stand for lda and ldb), never at the layout in memory,
// so padding the operands cannot change which way is taken.
func swapBetter(ks *kernelSet, transA, transB bool, m, n, k int) bool {
	plain := cost(ks, m, n, k, transB, transA && scattered(m, k), true)
	swapped := cost(ks, n, m, k, !transA, !transB && scattered(n, k), false)
	return swapped < plain
}

// cbufMax is the largest transposed product (padded to whole tiles, in
// floats) that run accumulates in a scratch buffer before writing it to C
// once; a larger one is written tile by tile after every depth block.
const cbufMax = 64 << 10

// run computes the product pr with kernel set ks: the Goto/BLIS loops
// (columns by nc, depth by kc, rows by mc, then nr-wide panels and mr-high
// tiles), packing B into nr-wide panels where it is transposed or ragged,
// reading A in place.
//
// The kernels store into C directly when its column stride is 1. A C
// stored transposed (rsc == 1) is, when small enough, accumulated in a
// padded row-major scratch buffer over all depth blocks and written once
// at the end; otherwise each tile goes through the tile buffer.
func run(ks *kernelSet, pr *problem) {
	m, n, k := pr.m, pr.n, pr.k
	mr, nr := ks.mr, ks.nr
	rsa, csa := pr.rsa, pr.csa
	// Split k into blocks of (nearly) equal depth ≤ kc. The split depends
	// only on k and the kernel set, so the summation order is fixed.
	nkb := (k + ks.kc - 1) / ks.kc
	kcStd := (k + nkb - 1) / nkb

	w := ks.getWorkspace()
	bpack, apad, tile := w.bpack, w.apad, w.tile

	// Target of the kernels' stores: C itself, or the scratch buffer.
	tc, trsc, tcsc := pr.c, pr.rsc, pr.csc
	beta := pr.beta
	mpad, npad := (m+mr-1)/mr*mr, (n+nr-1)/nr*nr
	useBuf := pr.csc != 1 && mpad*npad <= cbufMax
	if useBuf {
		if cap(w.cbuf) < mpad*npad {
			w.cbuf = make([]float32, mpad*npad)
		}
		tc, trsc, tcsc = w.cbuf[:mpad*npad], npad, 1
		beta = 0
	}
	direct := tcsc == 1 // kernels may store into the target

	a0 := unsafe.Pointer(unsafe.SliceData(pr.a))
	b0 := unsafe.Pointer(unsafe.SliceData(pr.b))
	c0 := unsafe.Pointer(unsafe.SliceData(tc))
	aAt := func(i, p int) *float32 { return (*float32)(unsafe.Add(a0, 4*(i*rsa+p*csa))) }
	cAt := func(i, j int) *float32 { return (*float32)(unsafe.Add(c0, 4*(i*trsc+j))) }

	for jc := 0; jc < n; jc += ks.nc {
		ncur := min(ks.nc, n-jc)
		nfullp := ncur / nr // full-width panels in this column block
		for pc := 0; pc < k; pc += kcStd {
			kc := min(kcStd, k-pc)
			bet := beta
			if pc > 0 {
				bet = 1
			}
			// Untransposed B is read in place (row stride ldb) except for a
			// ragged last panel; transposed B is packed whole.
			if pr.transB {
				packB(bpack, true, pr.b, pr.ldb, pc, jc, kc, ncur, nr)
			} else if ncur%nr != 0 {
				j0 := nfullp * nr
				packB(bpack[j0*kc:], false, pr.b, pr.ldb, pc, jc+j0, kc, ncur-j0, nr)
			}
			for ic := 0; ic < m; ic += ks.mc {
				mcur := min(ks.mc, m-ic)
				nfull := mcur / mr // full row tiles in this block
				mtail := mcur - nfull*mr
				it := ic + nfull*mr // first row of the ragged tail
				// The tail is computed as the full tile ending at row m-1
				// (overlapping the tile before it) when m ≥ mr, from a
				// zero-padded copy of its rows otherwise.
				overlap := mtail > 0 && m >= mr
				if mtail > 0 && !overlap {
					packATail(apad, pr.a, rsa, csa, it, pc, mtail, kc, mr)
				}
				for jr := 0; jr < ncur; jr += nr {
					nrcur := min(nr, ncur-jr)
					j := jc + jr
					bp, ldbp := &bpack[jr*kc], nr
					if !pr.transB && nrcur == nr {
						bp, ldbp = (*float32)(unsafe.Add(b0, 4*(pc*pr.ldb+j))), pr.ldb
					}
					if direct && (nrcur == nr || useBuf) {
						// The buffer has npad columns: ragged panels fit.
						if nfull > 0 {
							runKernel(ks.id, nfull, kc, aAt(ic, pc), rsa, csa, bp, ldbp, cAt(ic, j), trsc, bet)
						}
					} else {
						for t := 0; t < nfull; t++ {
							i := ic + t*mr
							runKernel(ks.id, 1, kc, aAt(i, pc), rsa, csa, bp, ldbp, &tile[0], nr, 0)
							mergeTile(tile, nr, tc, i, j, trsc, tcsc, mr, nrcur, bet)
						}
					}
					switch {
					case overlap:
						runKernel(ks.id, 1, kc, aAt(it+mtail-mr, pc), rsa, csa, bp, ldbp, &tile[0], nr, 0)
						mergeTile(tile[(mr-mtail)*nr:], nr, tc, it, j, trsc, tcsc, mtail, nrcur, bet)
					case mtail > 0:
						runKernel(ks.id, 1, kc, &apad[0], 1, mr, bp, ldbp, &tile[0], nr, 0)
						mergeTile(tile, nr, tc, it, j, trsc, tcsc, mtail, nrcur, bet)
					}
				}
			}
		}
	}
	if useBuf {
		mergeTile(w.cbuf, npad, pr.c, 0, 0, pr.rsc, pr.csc, m, n, pr.beta)
	}
	ks.pool.Put(w)
}

// scaleC sets C = beta·C (C = 0 without reading it when beta is 0).
func scaleC(m, n int, beta float32, c []float32, ldc int) {
	if beta == 1 {
		return
	}
	for i := 0; i < m; i++ {
		row := c[i*ldc : i*ldc+n]
		if beta == 0 {
			clear(row)
			continue
		}
		for j := range row {
			row[j] *= beta
		}
	}
}

// mergeTile writes the top-left rows×cols of tile (leading dimension ldt)
// into C[i0+r, j0+j] = c[(i0+r)*rsc + (j0+j)*csc]: C = tile when beta is 0,
// else tile + beta·C.
func mergeTile(tile []float32, ldt int, c []float32, i0, j0, rsc, csc, rows, cols int, beta float32) {
	if csc == 1 {
		for r := 0; r < rows; r++ {
			src := tile[r*ldt : r*ldt+cols]
			off := (i0+r)*rsc + j0
			dst := c[off : off+cols]
			if beta == 0 {
				copy(dst, src)
				continue
			}
			for j, v := range src {
				dst[j] = v + beta*dst[j]
			}
		}
		return
	}
	// Transposed C (rsc == 1): walk C's rows, which are the tile's columns.
	for j := 0; j < cols; j++ {
		off := (j0+j)*csc + i0
		dst := c[off : off+rows]
		if beta == 0 {
			for r := range dst {
				dst[r] = tile[r*ldt+j]
			}
			continue
		}
		for r := range dst {
			dst[r] = tile[r*ldt+j] + beta*dst[r]
		}
	}
}

// packB copies the kc×ncur block of op(B) starting at (pc, jc) into dst as
// ceil(ncur/nr) panels of kc×nr floats each (panel q holds columns
// q*nr … q*nr+nr-1, row p of the panel at offset p*nr), padding the last
// panel with zeros. op(B)[p, j] is b[p*ldb+j], or b[j*ldb+p] when transB.
func packB(dst []float32, transB bool, b []float32, ldb, pc, jc, kc, ncur, nr int) {
	for q := 0; q*nr < ncur; q++ {
		w := min(nr, ncur-q*nr)
		panel := dst[q*nr*kc : (q+1)*nr*kc]
		j0 := jc + q*nr
		if !transB {
			for p := 0; p < kc; p++ {
				row := panel[p*nr : p*nr+nr]
				src := b[(pc+p)*ldb+j0:]
				copy(row[:w], src[:w])
				clear(row[w:])
			}
			continue
		}
		if w < nr {
			clear(panel)
		}
		// Transpose four rows of B at a time: each p writes 4 adjacent floats.
		j := 0
		for ; j+4 <= w; j += 4 {
			s0 := b[(j0+j)*ldb+pc:][:kc]
			s1 := b[(j0+j+1)*ldb+pc:][:kc]
			s2 := b[(j0+j+2)*ldb+pc:][:kc]
			s3 := b[(j0+j+3)*ldb+pc:][:kc]
			for p := range s0 {
				d := panel[p*nr+j:][:4]
				d[0], d[1], d[2], d[3] = s0[p], s1[p], s2[p], s3[p]
			}
		}
		for ; j < w; j++ {
			src := b[(j0+j)*ldb+pc:][:kc]
			for p, v := range src {
				panel[p*nr+j] = v
			}
		}
	}
}

// packATail copies rows i0 … i0+rows-1 (rows < mr) and columns pc … pc+kc-1
// of op(A) into dst as an mr×kc panel with A[r, p] at dst[r + p*mr], padding
// rows rows … mr-1 with zeros.
func packATail(dst []float32, a []float32, rsa, csa, i0, pc, rows, kc, mr int) {
	d := dst[:mr*kc]
	clear(d)
	for r := 0; r < rows; r++ {
		base := (i0+r)*rsa + pc*csa
		for p := 0; p < kc; p++ {
			d[r+p*mr] = a[base+p*csa]
		}
	}
}
