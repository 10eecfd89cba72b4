package simd

import (
	"fmt"
	"math"
)

// The int8 kernels of the TFLite interpreter's quantized operators. Integer
// arithmetic is exact (sums wrap modulo 2³², as int32 additions do in Go),
// so the assembly and the Go definitions below give the same bits in any
// order; the tests hold them to each other.
//
// DotU8I8 and RequantI8 use AVX-512 with VNNI when the active kernel set is
// avx512 and the CPU has AVX512_VNNI and AVX512BW, and AVX2 for any other
// assembly set (avx2, or avx512 without VNNI); I8Vector reports either.
// MaxI8 uses AVX2 whenever the set is not the generic one. On the generic
// set the Go definitions run.

// I8Block is the number of output channels DotU8I8 computes per call: the
// width of one block of packed weights.
const I8Block = 32

// I8Vector reports whether DotU8I8 and RequantI8 run on vector
// instructions (AVX-512 VNNI or AVX2) rather than their Go definitions.
// Callers with their own scalar kernels may prefer those when it is false.
func I8Vector() bool { return i8Kind(active) != i8Go }

// The int8 kernels a kernel set runs.
const (
	i8Go   = iota // the Go definitions
	i8AVX2        // dotU8I8AVX2, requantI8AVX2 (i8avx2_amd64.s)
	i8VNNI        // dotU8I8VNNI, requantI8AVX512 (i8_amd64.s)
)

func i8Kind(ks *kernelSet) int {
	switch {
	case ks.id == kernAVX512 && hasI8VNNI:
		return i8VNNI
	case ks.id != kernGeneric && hasI8AVX2:
		return i8AVX2
	}
	return i8Go
}

// DotU8I8 computes np rows of I8Block int32 sums of unsigned-by-signed
// byte products: for p < np and j < I8Block,
//
//	c[p*ldc+j] = Σ_{q<k4} Σ_{t<4} int32(u[p*ldu+4q+t]) · int32(w[(q*I8Block+j)*4+t])
//
// (wrapping modulo 2³²). u is a row-major matrix of np rows of at least
// 4·k4 bytes with leading dimension ldu; w is one block of packed weights:
// for each group q of four depths, I8Block channels of four bytes each
// (the layout of VPDPBUSD's signed operand). It panics if a slice is too
// short, a leading dimension too small, or np or k4 negative.
func DotU8I8(np, k4 int, u []uint8, ldu int, w []int8, c []int32, ldc int) {
	if np < 0 || k4 < 0 {
		panic(fmt.Sprintf("simd.DotU8I8: negative size np=%d k4=%d", np, k4))
	}
	if np == 0 {
		return
	}
	if ldu < 4*k4 || ldc < I8Block {
		panic(fmt.Sprintf("simd.DotU8I8: ldu %d < %d or ldc %d < %d", ldu, 4*k4, ldc, I8Block))
	}
	if len(u) < (np-1)*ldu+4*k4 || len(w) < k4*4*I8Block || len(c) < (np-1)*ldc+I8Block {
		panic(fmt.Sprintf("simd.DotU8I8: slices of %d, %d, %d too short for np=%d k4=%d ldu=%d ldc=%d",
			len(u), len(w), len(c), np, k4, ldu, ldc))
	}
	dotU8I8With(active, np, k4, u, ldu, w, c, ldc)
}

// dotU8I8With is DotU8I8 on the kernels of ks, its arguments checked.
func dotU8I8With(ks *kernelSet, np, k4 int, u []uint8, ldu int, w []int8, c []int32, ldc int) {
	if k4 > 0 {
		switch i8Kind(ks) {
		case i8VNNI:
			dotU8I8VNNI(np, k4, &u[0], ldu, &w[0], &c[0], ldc)
			return
		case i8AVX2:
			dotU8I8AVX2(np, k4, &u[0], ldu, &w[0], &c[0], ldc)
			return
		}
	}
	dotU8I8Go(np, k4, u, ldu, w, c, ldc)
}

func dotU8I8Go(np, k4 int, u []uint8, ldu int, w []int8, c []int32, ldc int) {
	for p := 0; p < np; p++ {
		row := u[p*ldu:][:4*k4]
		dst := c[p*ldc:][:I8Block]
		clear(dst)
		for q := 0; q < k4; q++ {
			x := row[4*q:][:4]
			wq := w[q*4*I8Block:][:4*I8Block]
			for j := range dst {
				f := wq[4*j:][:4]
				dst[j] += int32(x[0])*int32(f[0]) + int32(x[1])*int32(f[1]) +
					int32(x[2])*int32(f[2]) + int32(x[3])*int32(f[3])
			}
		}
	}
}

// RequantI8 scales int32 accumulators to int8 the way TensorFlow Lite's
// integer kernels do, column j with its own constants: for r < rows and
// j < n,
//
//	dst[r*ldd+j] = int8(min(max(MultiplyByQuantizedMultiplier(acc[r*lda+j]+corr[j], mult[j], shift[j]) + off, lo), hi))
//
// where MultiplyByQuantizedMultiplier is TFLite's double-rounding
// RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(x·2^max(s,0), m), max(−s,0))
// (the left shift wraps; see mbqm). shift values must be in [−31, 30] and
// lo ≤ hi in [−128, 127]. It panics if a slice is too short.
func RequantI8(dst []int8, ldd int, acc []int32, lda int, rows, n int, corr, mult, shift []int32, off, lo, hi int32) {
	if rows <= 0 || n <= 0 {
		return
	}
	if ldd < n || lda < n || len(dst) < (rows-1)*ldd+n || len(acc) < (rows-1)*lda+n ||
		len(corr) < n || len(mult) < n || len(shift) < n {
		panic(fmt.Sprintf("simd.RequantI8: slices too short for %d×%d (ldd %d, lda %d)", rows, n, ldd, lda))
	}
	requantI8With(active, dst, ldd, acc, lda, rows, n, corr, mult, shift, off, lo, hi)
}

// requantI8With is RequantI8 on the kernels of ks, its arguments checked
// (rows, n ≥ 1). The AVX2 kernel takes the columns in blocks of eight;
// the last n mod 8 take the Go definition.
func requantI8With(ks *kernelSet, dst []int8, ldd int, acc []int32, lda int, rows, n int, corr, mult, shift []int32, off, lo, hi int32) {
	switch i8Kind(ks) {
	case i8VNNI:
		requantI8AVX512(&dst[0], ldd, &acc[0], lda, rows, n, &corr[0], &mult[0], &shift[0], off, lo, hi)
		return
	case i8AVX2:
		n8 := n &^ 7
		if n8 > 0 {
			requantI8AVX2(&dst[0], ldd, &acc[0], lda, rows, n8, &corr[0], &mult[0], &shift[0], off, lo, hi)
		}
		if n8 == n {
			return
		}
		dst, acc, corr, mult, shift, n = dst[n8:], acc[n8:], corr[n8:], mult[n8:], shift[n8:], n-n8
	}
	requantI8Go(dst, ldd, acc, lda, rows, n, corr, mult, shift, off, lo, hi)
}

func requantI8Go(dst []int8, ldd int, acc []int32, lda int, rows, n int, corr, mult, shift []int32, off, lo, hi int32) {
	corr, mult, shift = corr[:n], mult[:n], shift[:n]
	for r := 0; r < rows; r++ {
		a := acc[r*lda:][:n]
		d := dst[r*ldd:][:n]
		for j, x := range a {
			d[j] = int8(min(max(mbqm(x+corr[j], mult[j], int(shift[j]))+off, lo), hi))
		}
	}
}

// mbqm is TensorFlow Lite's MultiplyByQuantizedMultiplier (double
// rounding), x · m · 2^(shift−31) as
//
//	y = SaturatingRoundingDoublingHighMul(x·2^max(shift,0), m)
//	  = min(floor((x'·m + 2^30) / 2^31), MaxInt32)   (x' = x·2^max(shift,0), wrapping)
//	RoundingDivideByPOT(y, r) = floor((2y + 2^r − [y<0]) / 2^(r+1)),  r = max(−shift, 0)
//
// gemmlowp's nudge (2^30, or 1−2^30 for a negative product, then a
// division truncating toward zero) is the same as adding 2^30 and
// flooring. It is the definition the assembly follows lane by lane, and
// tflite/kernels' tests hold it to the reference functions there.
func mbqm(x, m int32, shift int) int32 {
	ab := int64(x<<(max(shift, 0)&31)) * int64(m)
	y := min((ab+1<<30)>>31, math.MaxInt32)
	r := max(-shift, 0) & 31
	return int32((2*y + 1<<r + y>>63) >> ((r + 1) & 63))
}

// MaxI8 sets dst[i] = max(dst[i], src[i]).
func MaxI8(dst, src []int8) {
	src = src[:len(dst)]
	n := 0
	if active.id != kernGeneric {
		n = len(dst) &^ 31
	}
	if n > 0 {
		maxI8AVX2(&dst[0], &src[0], n)
	}
	maxI8Go(dst[n:], src[n:])
}

func maxI8Go(dst, src []int8) {
	src = src[:len(dst)]
	for i, v := range src {
		dst[i] = max(dst[i], v)
	}
}
