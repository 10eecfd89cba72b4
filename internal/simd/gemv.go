package simd

import "fmt"

// Gemv computes the matrix-vector product
//
//	y[o] = Σ_i w[o*ldw+i]·x[i],   o < len(y), i < len(x),
//
// w being a len(y)×len(x) row-major matrix with leading dimension ldw (one
// row per output, as TFLite stores FULLY_CONNECTED weights). y is only
// written, never read; len(x) == 0 gives zeros. A w too short for its
// shape or ldw < len(x) panics. x and y must not overlap.
//
// The assembly kernels take eight outputs at a time, one vector
// accumulator each (16 lanes with AVX-512, 8 with AVX2) summing the
// products of its lanes' columns in increasing order with one FMA each, a
// ragged last vector of columns through masked loads; the lanes are then
// summed in a fixed tree. A ragged last group of outputs is computed as
// the eight ending at the last output (overlapping the group before it),
// fewer than eight outputs one at a time with the same tree, so each
// output's bits depend only on its row, x and the kernel set, not on its
// position or on len(y). The generic kernel sums each output in order,
// with a multiply and an add per product.
func Gemv(w []float32, ldw int, x, y []float32) {
	gemvWith(active.id, w, ldw, x, y)
}

func gemvWith(id int, w []float32, ldw int, x, y []float32) {
	m, k := len(y), len(x)
	if m == 0 {
		return
	}
	if ldw < k || len(w) < (m-1)*ldw+k {
		panic(fmt.Sprintf("simd.Gemv: %d weights are not %d rows of %d with leading dimension %d", len(w), m, k, ldw))
	}
	if k == 0 {
		clear(y)
		return
	}
	if !gemvAsm(id, w, ldw, x, y) {
		gemvGo(w, ldw, x, y)
	}
}

// gemvGo is the generic kernel: four outputs at a time, each summed in
// order of i.
func gemvGo(w []float32, ldw int, x, y []float32) {
	k := len(x)
	o := 0
	for ; o+4 <= len(y); o += 4 {
		w0 := w[o*ldw:][:k]
		w1 := w[(o+1)*ldw:][:k]
		w2 := w[(o+2)*ldw:][:k]
		w3 := w[(o+3)*ldw:][:k]
		var s0, s1, s2, s3 float32
		for i, v := range x {
			s0 += w0[i] * v
			s1 += w1[i] * v
			s2 += w2[i] * v
			s3 += w3[i] * v
		}
		y[o], y[o+1], y[o+2], y[o+3] = s0, s1, s2, s3
	}
	for ; o < len(y); o++ {
		row := w[o*ldw:][:k]
		var s float32
		for i, v := range x {
			s += row[i] * v
		}
		y[o] = s
	}
}
