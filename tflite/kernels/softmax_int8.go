package kernels

// SoftmaxInt8Params are the int8 SOFTMAX's constants, computed once by
// PrepareSoftmaxInt8.
type SoftmaxInt8Params struct {
	// InputMultiplier and InputLeftShift map an input difference
	// (q − max q) to Q5.26: beta · input_scale · 2^26 as a multiplier ≥ 1.
	InputMultiplier int32
	InputLeftShift  int
	// DiffMin is the most negative input difference still counted; smaller
	// ones have exp ≈ 0 and give the minimum output.
	DiffMin int32
}

// softmaxScaledDiffIntegerBits is the integer bits of the exp input, Q5.26;
// softmaxAccumulationIntegerBits those of the sum of exps, Q12.19
// (kScaledDiffIntegerBits and kAccumulationIntegerBits in TFLite).
const (
	softmaxScaledDiffIntegerBits   = 5
	softmaxAccumulationIntegerBits = 12
)

// PrepareSoftmaxInt8 computes SoftmaxInt8Params from beta and the input
// scale, as TensorFlow Lite Micro's CalculateSoftmaxParams for int8:
// PreprocessSoftmaxScaling with 5 integer bits, and
// DiffMin = −CalculateInputRadius(5, InputLeftShift). ok is false when
// beta·inputScale is too small for the fixed-point path (multiplier ≤ 1).
func PrepareSoftmaxInt8(beta, inputScale float32) (p SoftmaxInt8Params, ok bool) {
	m, shift, ok := PreprocessSoftmaxScaling(float64(beta), float64(inputScale), softmaxScaledDiffIntegerBits)
	if !ok {
		return p, false
	}
	return SoftmaxInt8Params{
		InputMultiplier: m,
		InputLeftShift:  shift,
		DiffMin:         -int32(CalculateInputRadius(softmaxScaledDiffIntegerBits, shift)),
	}, true
}

// SoftmaxInt8 is SOFTMAX from int8 to int8 along the last axis (rows of
// depth values), as TFLite's reference_ops::Softmax<int8_t, int8_t>. The
// output has scale 1/256 and zero point −128. For each row, with
// d = q − max q:
//
//	e(d)  = exp(d · beta · in_scale) in Q0.31 (gemmlowp exp_on_negative_values on Q5.26)
//	sum   = Σ e(d) rescaled to Q12.19, over d ≥ DiffMin
//	out   = RoundingDivideByPOT(recip(sum) · e(d), bitsOverUnit + 23) − 128, clamped
//
// where recip(sum) comes from GetReciprocal; values with d < DiffMin give
// −128. As in TFLite, the Q12.19 sum limits a row to fewer than 512 values
// that tie for the maximum (TFLite aborts beyond; here the result is
// meaningless but nothing panics). It does not allocate.
func SoftmaxInt8(p *SoftmaxInt8Params, depth int, in, out []int8) {
	for r := 0; r+depth <= len(in); r += depth {
		row := in[r : r+depth]
		dst := out[r : r+depth]
		maxQ := int8(-128)
		for _, v := range row {
			maxQ = max(maxQ, v)
		}
		var sum int32 // Q12.19
		for _, v := range row {
			d := int32(v) - int32(maxQ)
			if d >= p.DiffMin {
				// Rescale<12>: Q0.31 → Q12.19.
				sum += RoundingDivideByPOT(p.exp(d), softmaxAccumulationIntegerBits)
			}
		}
		recip, bitsOverUnit := GetReciprocal(sum, softmaxAccumulationIntegerBits)
		exponent := bitsOverUnit + 31 - 8
		for i, v := range row {
			d := int32(v) - int32(maxQ)
			if d < p.DiffMin {
				dst[i] = -128
				continue
			}
			q := RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(recip, p.exp(d)), exponent) - 128
			dst[i] = clampInt8(q, -128, 127)
		}
	}
}

// exp is exp(d · beta · in_scale) in Q0.31 for an input difference d ≤ 0.
func (p *SoftmaxInt8Params) exp(d int32) int32 {
	scaled := MultiplyByQuantizedMultiplierGreaterThanOne(d, p.InputMultiplier, p.InputLeftShift)
	return ExpOnNegativeValues(scaled, softmaxScaledDiffIntegerBits)
}
