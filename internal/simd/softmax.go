package simd

import (
	"fmt"
	"math"
)

// The SOFTMAX kernels of the TFLite interpreter: SoftmaxF32, a vectorized
// float softmax with a polynomial exp, and SoftmaxI8Sum and SoftmaxI8Scale,
// the exact integer passes of the int8 softmax (tflite/kernels' table-driven
// SoftmaxInt8Fast computes the reciprocal between them). Each has a Go
// definition below that the assembly reproduces bit for bit; the tests hold
// them to each other on every kernel set.
//
// SoftmaxF32 uses AVX-512 when the active kernel set is avx512, AVX2+FMA on
// avx2; SoftmaxI8Sum and SoftmaxI8Scale use AVX2 on either. On the generic
// set the Go definitions run.

// The constants of expF32, as float32 bit patterns (the assembly has the
// same bits in its data section).
const (
	// expLo is ln(2⁻¹²⁶), rounded: below it exp is flushed to zero.
	expLo = 0xc2aeac50 // −87.33655
	// expLog2E is log₂(e).
	expLog2E = 0x3fb8aa3b // 1.442695
	// expLn2Hi + expLn2Lo is ln 2; expLn2Hi has 12 significant bits, so
	// n·expLn2Hi is exact for |n| ≤ 2¹².
	expLn2Hi = 0x3f317000 // 0.69311523
	expLn2Lo = 0x3805fdf4 // 3.1946183e-05
	// expC1…expC5 are the coefficients of p(r) = 1 + c1·r + … + c5·r⁵ ≈ eʳ
	// on [−ln2/2, ln2/2]: an iteratively reweighted least-squares fit of
	// the relative error (about 1e-7 in float64, 1.5e-7 evaluated in
	// float32 by Horner's rule with FMAs), the constant term held at 1 so
	// that exp(0) = 1 exactly.
	expC1 = 0x3f7ffffb // 0.9999997
	expC2 = 0x3efffee3 // 0.49999151
	expC3 = 0x3e2aad36 // 0.16667637
	expC4 = 0x3d2b9cfa // 0.041897751
	expC5 = 0x3c07d394 // 0.0082901903
)

// SoftmaxF32 is the softmax over the last axis of x, len(x)/depth rows of
// depth values, into y (at least as long as x; y may be x itself):
//
//	m = max_j x[j];  e[i] = exp(beta·(x[i] − m));  y[i] = e[i] · (1/Σ_j e[j])
//
// with t = (x[i] − m)·beta rounded to float32 as TFLite's reference does
// it and exp(t) computed by expF32 (relative error about 2e-7, exactly 1
// at t = 0, zero below ln(2⁻¹²⁶) ≈ −87.34). The row's e values are summed
// in 16 partial sums, e[i] going to sum i mod 16, which are then added in a
// fixed tree (softmaxSum16); the last step multiplies by the reciprocal of
// the sum rather than dividing by it. The outputs are within about 1e-6
// relative of the exact softmax for rows of up to thousands of values.
//
// Special values: a row holding a NaN or +Inf gives NaN everywhere (as the
// reference: the NaN, or Inf − Inf, turns the sum into NaN); −Inf and
// values so far below the maximum that t < −87.34 give +0; a row of −Inf
// only gives NaN. beta must be positive and finite (it panics otherwise;
// with such a beta t ≤ 0 whenever it is not NaN, so nothing overflows). A
// len(x) that is not a multiple of depth, a short y or depth ≤ 0 with x
// not empty panics. It does not allocate.
func SoftmaxF32(y, x []float32, depth int, beta float32) {
	softmaxF32With(active, y, x, depth, beta)
}

func softmaxF32With(ks *kernelSet, y, x []float32, depth int, beta float32) {
	if len(x) == 0 {
		return
	}
	if depth <= 0 || len(x)%depth != 0 || len(y) < len(x) {
		panic(fmt.Sprintf("simd.SoftmaxF32: %d values are not rows of %d (output %d)", len(x), depth, len(y)))
	}
	if !(beta > 0) || math.IsInf(float64(beta), 1) {
		panic(fmt.Sprintf("simd.SoftmaxF32: beta %v is not positive and finite", beta))
	}
	rows := len(x) / depth
	switch ks.id {
	case kernAVX512:
		softmaxF32AVX512(&y[0], &x[0], rows, depth, beta)
	case kernAVX2:
		softmaxF32AVX2(&y[0], &x[0], rows, depth, beta)
	default:
		for r := 0; r < rows; r++ {
			softmaxF32Go(y[r*depth:(r+1)*depth], x[r*depth:(r+1)*depth], beta)
		}
	}
}

// softmaxF32Go is SoftmaxF32 on one row, the definition the assembly
// follows lane by lane.
func softmaxF32Go(y, x []float32, beta float32) {
	y = y[:len(x)]
	m := float32(math.Inf(-1))
	for _, v := range x {
		m = maxps(m, v)
	}
	var s [16]float32
	for i, v := range x {
		e := expF32((v - m) * beta)
		y[i] = e
		s[i%16] += e
	}
	r := 1 / softmaxSum16(&s)
	for i := range y {
		y[i] *= r
	}
}

// maxps is VMAXPS(a, b) with a as the first source: a if a > b, else b (so
// b when either is NaN).
func maxps(a, b float32) float32 {
	if a > b {
		return a
	}
	return b
}

// softmaxSum16 adds the 16 partial sums in the assembly's tree:
// halves (s[j] + s[j+8]), quarters, pairs, then the last two.
func softmaxSum16(s *[16]float32) float32 {
	var h [8]float32
	for j := range h {
		h[j] = s[j] + s[j+8]
	}
	q := [4]float32{h[0] + h[4], h[1] + h[5], h[2] + h[6], h[3] + h[7]}
	p := [2]float32{q[0] + q[2], q[1] + q[3]}
	return p[0] + p[1]
}

// expF32 is the exp of SoftmaxF32 for t ≤ 0 (or NaN), step by step as the
// assembly computes it:
//
//	n = round(t·log₂e)  (to nearest even);  r = (t − n·ln2hi) − n·ln2lo  (two FMAs)
//	p = 1 + r·(c1 + r·(c2 + r·(c3 + r·(c4 + r·c5))))  (Horner, one FMA a step)
//	exp(t) = p · 2ⁿ
//
// and exp(t) = +0 for t < expLo. A NaN t gives NaN. For expLo ≤ t ≤ 0,
// n is in [−126, 0] and 2ⁿ a normal float32.
func expF32(t float32) float32 {
	if t != t {
		return t
	}
	if t < math.Float32frombits(expLo) {
		return 0
	}
	n := float32(math.RoundToEven(float64(t * math.Float32frombits(expLog2E))))
	r := fma32(-n, math.Float32frombits(expLn2Hi), t)
	r = fma32(-n, math.Float32frombits(expLn2Lo), r)
	p := math.Float32frombits(expC5)
	p = fma32(p, r, math.Float32frombits(expC4))
	p = fma32(p, r, math.Float32frombits(expC3))
	p = fma32(p, r, math.Float32frombits(expC2))
	p = fma32(p, r, math.Float32frombits(expC1))
	p = fma32(p, r, 1)
	return p * math.Float32frombits(uint32(int32(n)+127)<<23)
}

// fma32 is a·b + c rounded once to float32, as VFMADD…PS computes it. The
// product is exact in float64; the sum is rounded to float64 "to odd" (an
// inexact result gets its last bit set), which makes the final rounding to
// float32 the correct one (53 ≥ 24 + 2 bits), with no double rounding.
func fma32(a, b, c float32) float32 {
	x, z := float64(a)*float64(b), float64(c)
	s := x + z
	if math.IsInf(s, 0) || math.IsNaN(s) {
		return float32(s)
	}
	// TwoSum: s + err == x + z exactly.
	bv := s - x
	err := (x - (s - bv)) + (z - bv)
	if err != 0 && math.Float64bits(s)&1 == 0 {
		s = math.Nextafter(s, math.Copysign(math.Inf(1), err))
	}
	return float32(s)
}

// SoftmaxI8Sum returns the largest value of row (not empty) and the sum,
// wrapping modulo 2³² as int32 additions do, of tab[max − v] over the
// values v of row: the first pass of tflite/kernels' SoftmaxInt8Fast, tab
// holding the rescaled exp of each input difference. It panics on an
// empty row.
func SoftmaxI8Sum(row []int8, tab *[256]int32) (maxQ int8, sum int32) {
	if len(row) == 0 {
		panic("simd.SoftmaxI8Sum: empty row")
	}
	return softmaxI8SumWith(active, row, tab)
}

func softmaxI8SumWith(ks *kernelSet, row []int8, tab *[256]int32) (int8, int32) {
	if ks.id != kernGeneric && hasSoftmaxI8AVX2 {
		m, s := softmaxI8SumAVX2(&row[0], len(row), &tab[0])
		return int8(m), s
	}
	return softmaxI8SumGo(row, tab)
}

func softmaxI8SumGo(row []int8, tab *[256]int32) (int8, int32) {
	m := int8(-128)
	for _, v := range row {
		m = max(m, v)
	}
	var s int32
	for _, v := range row {
		s += tab[uint8(m-v)]
	}
	return m, s
}

// SoftmaxI8Scale is the last pass of the int8 softmax: for each value v of
// row, with e = tab[uint8(maxQ − v)] and all arithmetic on unsigned
// integers,
//
//	y = ((e · recip + 2³⁰) >> 31) mod 2³²        (64-bit product)
//	z = ((y + h) mod 2³²) >> exponent,           h = 2^exponent >> 1
//	dst = int8(min(z, 255) − 128)
//
// For tab values and recip in [0, 2³¹) that is TFLite's
//
//	clamp(RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(recip, e), exponent) − 128, −128, 127)
//
// exactly: the product is not negative, so SaturatingRoundingDoublingHighMul
// is a floor of (e·recip + 2³⁰)/2³¹ below 2³¹, and RoundingDivideByPOT of a
// non-negative y rounds half up, (y + h) >> exponent, without overflow
// below 2³². maxQ is normally the maximum of row, so that the index is
// maxQ − v. dst must hold len(row) values (it may be row itself), and
// exponent must be in [0, 31]; it panics otherwise.
func SoftmaxI8Scale(dst, row []int8, maxQ int8, tab *[256]int32, recip int32, exponent int) {
	if len(dst) < len(row) || exponent < 0 || exponent > 31 {
		panic(fmt.Sprintf("simd.SoftmaxI8Scale: %d outputs for %d values, exponent %d", len(dst), len(row), exponent))
	}
	if len(row) == 0 {
		return
	}
	softmaxI8ScaleWith(active, dst, row, maxQ, tab, recip, exponent)
}

func softmaxI8ScaleWith(ks *kernelSet, dst, row []int8, maxQ int8, tab *[256]int32, recip int32, exponent int) {
	if ks.id != kernGeneric && hasSoftmaxI8AVX2 {
		softmaxI8ScaleAVX2(&dst[0], &row[0], len(row), &tab[0], int32(maxQ), recip, exponent)
		return
	}
	softmaxI8ScaleGo(dst, row, maxQ, tab, recip, exponent)
}

func softmaxI8ScaleGo(dst, row []int8, maxQ int8, tab *[256]int32, recip int32, exponent int) {
	dst = dst[:len(row)]
	h := uint32(1) << exponent >> 1
	r := uint64(uint32(recip))
	for i, v := range row {
		e := uint64(uint32(tab[uint8(maxQ-v)]))
		y := uint32((e*r + 1<<30) >> 31)
		z := (y + h) >> exponent
		dst[i] = int8(int32(min(z, 255)) - 128)
	}
}
