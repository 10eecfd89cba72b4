package kernels

import (
	"math"

	"github.com/mnistcnn/mnistcnn/internal/simd"
)

// SoftmaxFloatFast is SoftmaxFloat on simd.SoftmaxF32 (vector max, a
// polynomial exp, 16 partial sums, a multiply by the reciprocal of the
// sum). Its outputs are within about 6e-7 relative of an exact softmax of
// the same float32 differences, and within 1e-5 relative (1e-7 absolute
// for tiny values) of SoftmaxFloat's, whose own sequential float32 sum is
// most of that difference in long rows (6e-6 for 1000 near-equal values).
// NaN, ±Inf and very negative inputs give what SoftmaxFloat gives: a row
// with a NaN or +Inf is all NaN, a row of −Inf too; −Inf and values whose
// exp underflows give 0 (simd flushes exps below 2⁻¹²⁶, where the
// reference keeps subnormals; either is far below 1e-7). A beta that is
// not positive and finite, or depth 0, takes SoftmaxFloat itself. It does
// not allocate.
func SoftmaxFloatFast(beta float32, rows, depth int, in, out []float32) {
	if depth <= 0 || rows <= 0 || !(beta > 0) || math.IsInf(float64(beta), 1) {
		SoftmaxFloat(beta, rows, depth, in, out)
		return
	}
	n := rows * depth
	simd.SoftmaxF32(out[:n], in[:n], depth, beta)
}

// SoftmaxInt8Fast is SoftmaxInt8 with the fixed-point exps looked up: an
// int8 input difference d = q − max q lies in [−255, 0], so the prepare
// step computes exp(d) (Q0.31) and its Q12.19 term RoundingDivideByPOT(exp, 12)
// for all 256 of them with SoftmaxInt8's own scalar code (zero for
// d < DiffMin, which the reference skips). A row is then
//
//	max, sum = simd.SoftmaxI8Sum(row, sum table)          (wrapping, as the reference's int32 sum)
//	recip, bitsOverUnit = GetReciprocal(sum, 12)           (scalar, once a row)
//	out = simd.SoftmaxI8Scale(row, max, exp table, recip, bitsOverUnit + 23)
//
// where SoftmaxI8Scale's unsigned arithmetic is exactly the reference's
// RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(recip, exp), exponent) − 128,
// clamped, for exps and recip in [0, 2³¹) and exponent in [0, 31]; a zero
// exp gives −128, as d < DiffMin does in the reference. Rows whose sum
// gives an exponent outside [0, 31] or a negative recip (only with 512 or
// more values tied at the maximum, which TFLite rejects) run SoftmaxInt8
// itself. So every output is SoftmaxInt8's byte.
type SoftmaxInt8Fast struct {
	p   SoftmaxInt8Params
	exp [256]int32 // exp(−k) in Q0.31 for −k ≥ DiffMin, else 0
	sum [256]int32 // RoundingDivideByPOT(exp[k], 12)
}

// NewSoftmaxInt8Fast builds the tables for p. It returns nil if an exp is
// negative (it never is for parameters from PrepareSoftmaxInt8, but
// SoftmaxI8Scale's equivalence needs it).
func NewSoftmaxInt8Fast(p *SoftmaxInt8Params) *SoftmaxInt8Fast {
	f := &SoftmaxInt8Fast{p: *p}
	for k := range f.exp {
		d := -int32(k)
		if d < p.DiffMin {
			continue
		}
		e := p.exp(d)
		if e < 0 {
			return nil
		}
		f.exp[k] = e
		f.sum[k] = RoundingDivideByPOT(e, softmaxAccumulationIntegerBits)
	}
	return f
}

// Softmax is SoftmaxInt8(p, depth, in, out) for the parameters f was built
// with. in and out may be the same slice. It does not allocate.
func (f *SoftmaxInt8Fast) Softmax(depth int, in, out []int8) {
	if depth <= 0 {
		return
	}
	for r := 0; r+depth <= len(in); r += depth {
		row := in[r : r+depth]
		dst := out[r : r+depth]
		maxQ, sum := simd.SoftmaxI8Sum(row, &f.sum)
		recip, bitsOverUnit := GetReciprocal(sum, softmaxAccumulationIntegerBits)
		exponent := bitsOverUnit + 31 - 8
		if exponent < 0 || exponent > 31 || recip < 0 {
			SoftmaxInt8(&f.p, depth, row, dst)
			continue
		}
		simd.SoftmaxI8Scale(dst, row, maxQ, &f.exp, recip, exponent)
	}
}
