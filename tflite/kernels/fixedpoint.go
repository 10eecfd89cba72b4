package kernels

// TFLite's integer arithmetic: the fixed-point helpers of
// tensorflow/lite/kernels/internal/common.h and quantization_util.cc, and the
// parts of gemmlowp's fixedpoint.h that the int8 softmax uses. Every function
// reproduces the reference's rounding bit for bit, in the default
// double-rounding build (TFLITE_SINGLE_ROUNDING not defined), which is how
// TensorFlow Lite Micro is built unless told otherwise.
//
// A fixed-point value with k integer bits ("Qk.(31−k)") stores the real number
// raw / 2^(31−k) in an int32.

import (
	"math"
	"math/bits"
)

// QuantizeMultiplier splits a real multiplier m into a Q0.31 significand
// and a power-of-two exponent with m ≈ multiplier · 2^(shift−31), as TFLite's
// QuantizeMultiplier:
//
//	q, shift = frexp(m)            q in [0.5, 1)
//	multiplier = round(q · 2^31)   (half away from zero)
//
// When rounding gives 2^31 the significand is halved and shift incremented;
// when shift < −31 the multiplier is flushed to (0, 0), since every bit would
// be shifted out. m = 0 and non-finite m give (0, 0); callers check scales
// are finite and positive before they get here.
func QuantizeMultiplier(m float64) (multiplier int32, shift int) {
	if m == 0 || math.IsNaN(m) || math.IsInf(m, 0) {
		return 0, 0
	}
	q, shift := math.Frexp(m)
	qFixed := int64(math.Round(q * (1 << 31)))
	if qFixed == 1<<31 {
		qFixed /= 2
		shift++
	}
	if shift < -31 {
		return 0, 0
	}
	return int32(qFixed), shift
}

// SaturatingRoundingDoublingHighMul is gemmlowp's (and ARM's VQRDMULH)
// high half of 2·a·b, rounded to nearest with ties away from zero:
//
//	(a·b + 2^30) / 2^31        when a·b ≥ 0
//	(a·b + 1 − 2^30) / 2^31    when a·b < 0   (division truncates toward 0)
//
// The only overflow, MinInt32 × MinInt32 (= +1 in Q0.31), saturates to MaxInt32.
func SaturatingRoundingDoublingHighMul(a, b int32) int32 {
	if a == b && a == math.MinInt32 {
		return math.MaxInt32
	}
	ab := int64(a) * int64(b)
	// nudge is 2^30, or 1 − 2^30 = 2^30 − (2^31 − 1) when ab < 0; computed
	// without a branch, since the sign of ab is unpredictable.
	nudge := 1<<30 - (ab>>63)&(1<<31-1)
	return int32((ab + nudge) / (1 << 31))
}

// RoundingDivideByPOT is x / 2^exponent rounded to nearest, ties away from
// zero (a rounding arithmetic right shift), with gemmlowp's mask rule:
//
//	remainder = x & (2^e − 1)
//	threshold = (2^e − 1) >> 1, plus 1 when x < 0
//	result    = (x >> e) + (remainder > threshold ? 1 : 0)
//
// exponent must be in [0, 31].
func RoundingDivideByPOT(x int32, exponent int) int32 {
	mask := int32(int64(1)<<exponent - 1)
	remainder := x & mask
	threshold := mask>>1 + (x>>31)&1
	// remainder and threshold are in [0, 2^31): threshold − remainder is
	// negative exactly when remainder > threshold. Branch-free on purpose.
	return x>>exponent + int32(uint32(threshold-remainder)>>31)
}

// MultiplyByQuantizedMultiplier is x · multiplier · 2^(shift−31) rounded the
// way TFLite's double-rounding reference does it:
//
//	RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(x·2^max(shift,0), multiplier), max(−shift,0))
//
// where the left shift wraps, as the reference's int32 multiply does. shift
// must be in [−31, 30]. It is written out in int64 so that it inlines and has
// no data-dependent branch; TestMultiplyByQuantizedMultiplierComposition
// checks it against the composition.
func MultiplyByQuantizedMultiplier(x, multiplier int32, shift int) int32 {
	ab := int64(x<<(max(shift, 0)&31)) * int64(multiplier) // &31, &63: no range checks
	// SaturatingRoundingDoublingHighMul; only MinInt32² reaches 2^31, and it
	// saturates to MaxInt32.
	y := min((ab+1<<30-(ab>>63)&(1<<31-1))/(1<<31), math.MaxInt32)
	// Round y/2^r half away from zero: (2y + 2^r − [y<0]) >> (r+1).
	r := max(-shift, 0) & 31
	return int32((2*y + 1<<r - (y>>63)&1) >> ((r + 1) & 63))
}

// MultiplyByQuantizedMultiplierGreaterThanOne is
// SaturatingRoundingDoublingHighMul(x · 2^leftShift, multiplier), for
// multipliers ≥ 1 (leftShift ≥ 0); the left shift wraps like the reference's.
func MultiplyByQuantizedMultiplierGreaterThanOne(x, multiplier int32, leftShift int) int32 {
	return SaturatingRoundingDoublingHighMul(x*(1<<leftShift), multiplier)
}

// CountLeadingZeros is the number of leading zero bits of x; 32 for x = 0.
func CountLeadingZeros(x uint32) int { return bits.LeadingZeros32(x) }

// CalculateInputRadius is the largest input difference, in input units
// after a left shift of inputLeftShift, that a Q(inputIntegerBits) value can
// hold: floor((2^ib − 1) · 2^(31−ib) / 2^inputLeftShift), as TFLite's
// CalculateInputRadius with total_signed_bits = 31. The int8 softmax skips
// differences below −radius (their exp is negligible).
func CalculateInputRadius(inputIntegerBits, inputLeftShift int) int {
	r := float64(int64(1)<<inputIntegerBits-1) * float64(int64(1)<<(31-inputIntegerBits)) /
		float64(int64(1)<<inputLeftShift)
	return int(math.Floor(r))
}

// PreprocessSoftmaxScaling turns beta·input_scale into the multiplier that
// maps an input difference to Q(inputIntegerBits).(31−inputIntegerBits), as
// TFLite's PreprocessSoftmaxScaling (double rounding):
//
//	real = min(beta · inputScale · 2^(31−inputIntegerBits), 2^31 − 1)
//
// split by QuantizeMultiplier. TFLite requires real > 1 so that leftShift ≥ 0;
// ok is false when that does not hold.
func PreprocessSoftmaxScaling(beta, inputScale float64, inputIntegerBits int) (multiplier int32, leftShift int, ok bool) {
	real := math.Min(beta*inputScale*float64(int64(1)<<(31-inputIntegerBits)), float64(1<<31)-1)
	if !(real > 1) {
		return 0, 0, false
	}
	multiplier, leftShift = QuantizeMultiplier(real)
	return multiplier, leftShift, leftShift >= 0
}

// roundingHalfSum is (a + b)/2 rounded to nearest, ties away from zero
// (gemmlowp's RoundingHalfSum, ARM's VRHADD).
func roundingHalfSum(a, b int32) int32 {
	sum := int64(a) + int64(b)
	sign := int64(1)
	if sum < 0 {
		sign = -1
	}
	return int32((sum + sign) / 2)
}

// saturatingShiftLeft is gemmlowp's SaturatingRoundingMultiplyByPOT with a
// positive exponent: x · 2^e, saturated to the int32 range.
func saturatingShiftLeft(x int32, e int) int32 {
	threshold := int32(1)<<(31-e) - 1
	switch {
	case x > threshold:
		return math.MaxInt32
	case x < -threshold:
		return math.MinInt32
	}
	return x << e
}

// fixedOne is 1.0 in Q0.31, which cannot be represented: gemmlowp's One()
// for zero integer bits is the largest raw value.
const fixedOne = math.MaxInt32

// expOnIntervalBetweenNegativeOneQuarterAnd0Excl is gemmlowp's exp(a) for a
// (Q0.31) in [−1/4, 0): a Taylor expansion around −1/8 in x = a + 1/8,
//
//	exp(a) ≈ e^(−1/8) · (1 + x + x²/2 + x³/6 + x⁴/24),
//
// with the constants e^(−1/8) = 1895147668 and 1/3 = 715827883 in Q0.31.
func expOnIntervalBetweenNegativeOneQuarterAnd0Excl(a int32) int32 {
	const constantTerm = 1895147668 // round(exp(−1/8) · 2^31)
	const oneOver3 = 715827883      // round(1/3 · 2^31)
	x := a + 1<<28                  // a + 1/8
	x2 := SaturatingRoundingDoublingHighMul(x, x)
	x3 := SaturatingRoundingDoublingHighMul(x2, x)
	x4 := SaturatingRoundingDoublingHighMul(x2, x2)
	x4Over4 := RoundingDivideByPOT(x4, 2)
	poly := RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(x4Over4+x3, oneOver3)+x2, 1)
	return constantTerm + SaturatingRoundingDoublingHighMul(constantTerm, x+poly)
}

// expBarrel are gemmlowp's exp(−2^k) in Q0.31 for k = −2…4, applied for each
// set bit of −a above the quarter.
var expBarrel = [7]int32{
	1672461947, // exp(−1/4)
	1302514674, // exp(−1/2)
	790015084,  // exp(−1)
	290630308,  // exp(−2)
	39332535,   // exp(−4)
	720401,     // exp(−8)
	242,        // exp(−16)
}

// ExpOnNegativeValues is gemmlowp's exp_on_negative_values for an input
// with integerBits integer bits (Q(ib).(31−ib), a ≤ 0), returning exp(a) in
// Q0.31. a is split into a multiple of 1/4 and a remainder in [−1/4, 0): the
// remainder goes through the Taylor polynomial, the multiple through a
// barrel shifter of exp(−2^k) factors. a = 0 gives MaxInt32 (≈1). The int8
// softmax uses integerBits = 5.
func ExpOnNegativeValues(a int32, integerBits int) int32 {
	fractionalBits := 31 - integerBits
	oneQuarter := int32(1) << (fractionalBits - 2)
	mask := oneQuarter - 1
	aModQuarterMinusOneQuarter := (a & mask) - oneQuarter
	// Rescale<0>: from integerBits to 0 integer bits, a saturating left shift.
	result := expOnIntervalBetweenNegativeOneQuarterAnd0Excl(saturatingShiftLeft(aModQuarterMinusOneQuarter, integerBits))
	remainder := aModQuarterMinusOneQuarter - a
	for i, m := range expBarrel {
		exponent := i - 2
		if integerBits > exponent && remainder&(int32(1)<<(fractionalBits+exponent)) != 0 {
			result = SaturatingRoundingDoublingHighMul(result, m)
		}
	}
	if integerBits > 5 {
		// Below −32 the result is zero.
		clampB := 36 - integerBits
		if a < -(int32(1) << clampB) {
			result = 0
		}
	}
	if a == 0 {
		result = fixedOne
	}
	return result
}

// OneOverOnePlusX is gemmlowp's one_over_one_plus_x_for_x_in_0_1: 1/(1+a)
// for a in [0, 1) (Q0.31), by three Newton–Raphson steps on the half
// denominator d = (1+a)/2 in Q2.29, starting from 48/17 − 32/17·d.
func OneOverOnePlusX(a int32) int32 {
	const c48Over17 = 1515870810     // round(48/17 · 2^29)
	const cNeg32Over17 = -1010580540 // round(−32/17 · 2^29)
	const oneQ2 = 1 << 29            // 1.0 in Q2.29
	halfDenominator := roundingHalfSum(a, fixedOne)
	x := c48Over17 + SaturatingRoundingDoublingHighMul(halfDenominator, cNeg32Over17)
	for range 3 {
		halfDenominatorTimesX := SaturatingRoundingDoublingHighMul(halfDenominator, x)
		oneMinus := oneQ2 - halfDenominatorTimesX
		// x·oneMinus is Q4.27; Rescale<2> to Q2.29 is a saturating shift by 2.
		x += saturatingShiftLeft(SaturatingRoundingDoublingHighMul(x, oneMinus), 2)
	}
	// ExactMulByPot<−1> reinterprets x as Q1.30 (halving it); Rescale<0>
	// shifts it left by one, saturating.
	return saturatingShiftLeft(x, 1)
}

// GetReciprocal is TFLite's GetReciprocal: for x in Q(xIntegerBits) it
// returns 1/x as a Q0.31 significand of x normalised to [1, 2), and the
// number of bits x had above 1.0, so that 1/x = recip · 2^−numBitsOverUnit.
func GetReciprocal(x int32, xIntegerBits int) (recip int32, numBitsOverUnit int) {
	headroomPlusOne := CountLeadingZeros(uint32(x))
	numBitsOverUnit = xIntegerBits - headroomPlusOne
	shiftedSumMinusOne := int32(uint32(x)<<headroomPlusOne - 1<<31)
	return OneOverOnePlusX(shiftedSumMinusOne), numBitsOverUnit
}
