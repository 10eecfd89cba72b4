//go:build amd64 && !purego

package simd

// The GEMV kernels of gemv_amd64.s. Each computes
// y[o] = Σ_{i<k} w[o*ldw+i]·x[i] for rows rows (gemv8*: 8·blocks rows) of
// w starting at w, k ≥ 1, ldw ≥ k; see Gemv for the summation order.

//go:noescape
func gemv8AVX512(w *float32, ldw int, x *float32, k int, y *float32, blocks int)

//go:noescape
func gemv1AVX512(w *float32, ldw int, x *float32, k int, y *float32, rows int)

//go:noescape
func gemv8AVX2(w *float32, ldw int, x *float32, k int, y *float32, blocks int)

//go:noescape
func gemv1AVX2(w *float32, ldw int, x *float32, k int, y *float32, rows int)

// gemvAsm runs Gemv (arguments checked, len(x) ≥ 1) on the assembly
// kernels of set id and reports whether it did: false for the generic set.
func gemvAsm(id int, w []float32, ldw int, x, y []float32) bool {
	if id != kernAVX512 && id != kernAVX2 {
		return false
	}
	m, k := len(y), len(x)
	if m < 8 {
		gemvRun(id, false, &w[0], ldw, &x[0], k, &y[0], m)
		return true
	}
	gemvRun(id, true, &w[0], ldw, &x[0], k, &y[0], m/8)
	if m%8 != 0 { // the last eight rows, overlapping the group before
		gemvRun(id, true, &w[(m-8)*ldw], ldw, &x[0], k, &y[m-8], 1)
	}
	return true
}

// gemvRun calls set id's eight-row kernel on n blocks (by8) or its one-row
// kernel on n rows (a switch, not a func value, so that escape analysis
// sees //go:noescape).
func gemvRun(id int, by8 bool, w *float32, ldw int, x *float32, k int, y *float32, n int) {
	switch {
	case id == kernAVX512 && by8:
		gemv8AVX512(w, ldw, x, k, y, n)
	case id == kernAVX512:
		gemv1AVX512(w, ldw, x, k, y, n)
	case by8:
		gemv8AVX2(w, ldw, x, k, y, n)
	default:
		gemv1AVX2(w, ldw, x, k, y, n)
	}
}
