package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestQuantizeMultiplier(t *testing.T) {
	tests := []struct {
		m     float64
		mult  int32
		shift int
	}{
		{0, 0, 0},                      // zero is special-cased to (0, 0)
		{0.5, 1 << 30, 0},              // frexp(0.5) = 0.5·2^0; 0.5·2^31 = 2^30
		{1, 1 << 30, 1},                // frexp(1) = 0.5·2^1
		{0.75, 1610612736, 0},          // 0.75·2^31 = 1610612736 exactly
		{0.1, 1717986918, -3},          // 0.1 = 0.8·2^−3; 0.8·2^31 = 1717986918.4 rounds down
		{3, 1610612736, 2},             // 3 = 0.75·2^2
		{-0.5, -(1 << 30), 0},          // frexp(−0.5) = −0.5·2^0
		{1 - 0x1p-40, 1 << 30, 1},      // q·2^31 = 2^31 − 2^−9 rounds to 2^31: halved, shift+1
		{0x1p-32, 1 << 30, -31},        // 0.5·2^−31: the smallest shift kept
		{0x1p-33, 0, 0},                // 0.5·2^−32: shift −32 < −31 flushes to zero
		{math.Inf(1), 0, 0},            // not finite: (0, 0)
		{0.0024801156, 1363457970, -8}, // 0.0024801156 = 0.6349095936·2^−8; ·2^31 = 1363457970.21
	}
	for _, tt := range tests {
		mult, shift := QuantizeMultiplier(tt.m)
		if mult != tt.mult || shift != tt.shift {
			t.Errorf("QuantizeMultiplier(%g) = (%d, %d), want (%d, %d)", tt.m, mult, shift, tt.mult, tt.shift)
		}
		if tt.mult != 0 {
			// The split must reproduce m to within half a unit of the significand.
			back := float64(mult) * math.Ldexp(1, shift-31)
			if math.Abs(back-tt.m) > math.Ldexp(1, shift-32) {
				t.Errorf("QuantizeMultiplier(%g) gives back %g", tt.m, back)
			}
		}
	}
}

func TestSaturatingRoundingDoublingHighMul(t *testing.T) {
	const min32, max32 = math.MinInt32, math.MaxInt32
	tests := []struct {
		a, b, want int32
	}{
		{min32, min32, max32},       // (−1)·(−1) = +1 is not in Q0.31: saturates
		{1 << 30, 1 << 30, 1 << 29}, // 0.5·0.5 = 0.25
		{max32, max32, max32 - 1},   // (2^31−1)²/2^31 = 2^31 − 2 + 2^−31 rounds to 2^31 − 2
		{1, 1 << 30, 1},             // 1·2^30/2^31 = 0.5: the tie rounds up to 1
		{-1, 1 << 30, 0},            // −0.5: the nudge 1 − 2^30 makes ties go up, to 0
		{3, 1 << 30, 2},             // 1.5 rounds up to 2
		{-3, 1 << 30, -1},           // −1.5 rounds up to −1
		{5, 1 << 30, 3},             // 2.5 rounds up to 3
		{-5, 1 << 30, -2},           // −2.5 rounds up to −2
		{3, 1 << 29, 1},             // 0.75 rounds to 1
		{-3, 1 << 29, -1},           // −0.75 rounds to −1
		{min32, 1, -1},              // −2^31·1/2^31 = −1 exactly
		{min32, max32, -max32},      // −(2^31 − 1) exactly: no saturation
		{100, 0, 0},                 // anything times 0
		{1000, 1717986918, 800},     // 1000·0.8 = 800 (0.8 in Q0.31, 799.99999981 rounds up)
		{-1000, 1717986918, -800},   // −800: symmetric away from the tie
	}
	for _, tt := range tests {
		if got := SaturatingRoundingDoublingHighMul(tt.a, tt.b); got != tt.want {
			t.Errorf("SaturatingRoundingDoublingHighMul(%d, %d) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestRoundingDivideByPOT(t *testing.T) {
	const min32, max32 = math.MinInt32, math.MaxInt32
	tests := []struct {
		x    int32
		e    int
		want int32
	}{
		{1, 1, 1},         // 1/2 = 0.5 rounds away from zero to 1
		{-1, 1, -1},       // −1/2 = −0.5 rounds away from zero to −1
		{3, 1, 2},         // 3/2 = 1.5 rounds to 2
		{-3, 1, -2},       // −3/2 = −1.5 rounds away from zero to −2
		{5, 1, 3},         // 5/2 = 2.5 rounds to 3
		{-5, 1, -3},       // −5/2 = −2.5 rounds to −3
		{6, 2, 2},         // 6/4 = 1.5 rounds to 2
		{-6, 2, -2},       // −6/4 = −1.5 rounds to −2
		{5, 2, 1},         // 5/4 = 1.25 rounds to 1
		{-5, 2, -1},       // −5/4 = −1.25 rounds to −1
		{7, 2, 2},         // 7/4 = 1.75 rounds to 2
		{-7, 2, -2},       // −7/4 = −1.75 rounds to −2
		{-4, 2, -1},       // −4/4 = −1 exactly
		{min32, 0, min32}, // exponent 0 is the identity
		{max32, 0, max32},
		{min32, 31, -1},        // −2^31/2^31 = −1 exactly
		{max32, 31, 1},         // (2^31 − 1)/2^31 ≈ 0.99999 rounds to 1
		{1 << 30, 31, 1},       // 2^30/2^31 = 0.5 rounds to 1
		{-(1 << 30), 31, -1},   // −0.5 rounds to −1
		{min32, 1, -(1 << 30)}, // −2^31/2 = −2^30 exactly
		{max32, 1, 1 << 30},    // (2^31 − 1)/2 = 2^30 − 0.5 rounds to 2^30
	}
	for _, tt := range tests {
		if got := RoundingDivideByPOT(tt.x, tt.e); got != tt.want {
			t.Errorf("RoundingDivideByPOT(%d, %d) = %d, want %d", tt.x, tt.e, got, tt.want)
		}
	}
}

func TestMultiplyByQuantizedMultiplier(t *testing.T) {
	tests := []struct {
		x, mult int32
		shift   int
		want    int32
	}{
		{3, 1 << 30, 0, 2},   // 3·0.5 = 1.5: the high multiply rounds the tie up
		{-3, 1 << 30, 0, -1}, // −1.5: the high multiply rounds ties up, to −1
		// Double rounding: 5·0.5 = 2.5 → 3 in the high multiply, then
		// 3/2 = 1.5 → 2 in the shift, though 5·0.25 = 1.25 would round to 1.
		{5, 1 << 30, -1, 2},
		{-5, 1 << 30, -1, -1},   // −2.5 → −2 (high mul), then −2/2 = −1
		{3, 1 << 30, 2, 6},      // left shift first: 3·4 = 12, ·0.5 = 6
		{1000, 1 << 30, -3, 63}, // 1000·0.5 = 500, /8 = 62.5 rounds to 63
		{-1000, 1 << 30, -3, -63},
		{100, 0, 0, 0},                // a zero multiplier (flushed scale)
		{1 << 20, 1 << 30, -31, 0},    // 2^20·2^−32 = 2^−12 rounds to 0
		{-(1 << 20), 1 << 30, -31, 0}, // −2^−12 rounds to 0
		{12345, 1717986918, -3, 1235}, // 12345·0.1 = 1234.5: 9876 (high mul) /8 = 1234.5 → 1235
		// The reference's int32 left shift wraps: (2^31 − 1)·2 = −2, ·0.5 = −1.
		{math.MaxInt32, 1 << 30, 1, -1},
	}
	for _, tt := range tests {
		if got := MultiplyByQuantizedMultiplier(tt.x, tt.mult, tt.shift); got != tt.want {
			t.Errorf("MultiplyByQuantizedMultiplier(%d, %d, %d) = %d, want %d", tt.x, tt.mult, tt.shift, got, tt.want)
		}
	}
}

func TestCountLeadingZeros(t *testing.T) {
	for _, tt := range []struct {
		x    uint32
		want int
	}{{0, 32}, {1, 31}, {1 << 19, 12}, {3 << 19, 11}, {1 << 31, 0}, {math.MaxUint32, 0}} {
		if got := CountLeadingZeros(tt.x); got != tt.want {
			t.Errorf("CountLeadingZeros(%#x) = %d, want %d", tt.x, got, tt.want)
		}
	}
}

func TestCalculateInputRadius(t *testing.T) {
	for _, tt := range []struct{ bits, shift, want int }{
		{5, 0, 2080374784}, // (2^5 − 1)·2^26 = 31·67108864
		{5, 26, 31},        // 31·2^26/2^26
		{5, 23, 248},       // 31·2^3
		{5, 30, 1},         // 31/16 = 1.9375 floors to 1
	} {
		if got := CalculateInputRadius(tt.bits, tt.shift); got != tt.want {
			t.Errorf("CalculateInputRadius(%d, %d) = %d, want %d", tt.bits, tt.shift, got, tt.want)
		}
	}
}

func TestPreprocessSoftmaxScaling(t *testing.T) {
	// beta 1, scale 2^−4: 2^−4·2^26 = 2^22 = 0.5·2^23.
	m, s, ok := PreprocessSoftmaxScaling(1, 0x1p-4, 5)
	if !ok || m != 1<<30 || s != 23 {
		t.Errorf("PreprocessSoftmaxScaling(1, 2^-4, 5) = (%d, %d, %v), want (%d, 23, true)", m, s, ok, 1<<30)
	}
	// A huge beta·scale is capped at 2^31 − 1 = (1 − 2^−31)·2^31: significand
	// 2^31 − 1, shift 31.
	m, s, ok = PreprocessSoftmaxScaling(1e6, 1e6, 5)
	if !ok || m != math.MaxInt32 || s != 31 {
		t.Errorf("PreprocessSoftmaxScaling(1e6, 1e6, 5) = (%d, %d, %v), want (MaxInt32, 31, true)", m, s, ok)
	}
	// beta·scale·2^26 ≤ 1 cannot be a left shift: TFLite rejects it.
	if _, _, ok := PreprocessSoftmaxScaling(1, 0x1p-27, 5); ok {
		t.Error("PreprocessSoftmaxScaling(1, 2^-27, 5) accepted a multiplier below 1")
	}
}

// q31 converts a Q0.31 raw value to a real number.
func q31(x int32) float64 { return float64(x) / (1 << 31) }

func TestExpOnNegativeValues(t *testing.T) {
	if got := ExpOnNegativeValues(0, 5); got != math.MaxInt32 {
		t.Errorf("exp(0) = %d, want MaxInt32 (1 is not representable in Q0.31)", got)
	}
	// Inputs in Q5.26 (2^26 = 1.0): exact quarters exercise the barrel
	// shifter, the others the Taylor polynomial, whose x^5/120 truncation
	// error at |x| = 1/8 is about 2.5e−7.
	for _, a := range []float64{-0.25, -0.1, -0.5, -1, -1.3, -2, -4.75, -8, -15.9, -31.9} {
		raw := int32(a * (1 << 26))
		got := q31(ExpOnNegativeValues(raw, 5))
		want := math.Exp(float64(raw) / (1 << 26))
		if math.Abs(got-want) > 5e-7 {
			t.Errorf("exp(%g) = %.10f, want %.10f", a, got, want)
		}
	}
}

func TestOneOverOnePlusX(t *testing.T) {
	// 1/(1+x) for x in [0, 1), in Q0.31; three Newton steps give ~1e−9.
	for _, x := range []float64{0, 0.25, 0.5, 0.75, 0.999} {
		got := q31(OneOverOnePlusX(int32(x * (1 << 31))))
		if want := 1 / (1 + x); math.Abs(got-want) > 1e-8 {
			t.Errorf("1/(1+%g) = %.10f, want %.10f", x, got, want)
		}
	}
}

func TestGetReciprocal(t *testing.T) {
	// Q12.19 inputs: 1.0 = 2^19. 1/x = recip·2^−bits.
	for _, tt := range []struct {
		x    float64
		bits int
	}{
		{1, 0},   // 1.0 has no bits above the unit
		{2, 1},   // 2.0 = 1.0·2^1
		{3, 1},   // 3.0 = 1.5·2^1: recip = 1/1.5
		{10, 3},  // 10 = 1.25·2^3
		{255, 7}, // 255 = 1.99·2^7
	} {
		recip, bits := GetReciprocal(int32(tt.x*(1<<19)), 12)
		if bits != tt.bits {
			t.Errorf("GetReciprocal(%g) bits = %d, want %d", tt.x, bits, tt.bits)
		}
		if got := q31(recip) / math.Ldexp(1, bits); math.Abs(got-1/tt.x) > 1e-8 {
			t.Errorf("GetReciprocal(%g) = %.10f, want %.10f", tt.x, got, 1/tt.x)
		}
	}
}

// TestMultiplyByQuantizedMultiplierComposition checks the branch-free
// MultiplyByQuantizedMultiplier against the reference's composition of
// SaturatingRoundingDoublingHighMul and RoundingDivideByPOT, on edge values
// and a fixed-seed sample of accumulators, multipliers and shifts.
func TestMultiplyByQuantizedMultiplierComposition(t *testing.T) {
	compose := func(x, m int32, shift int) int32 {
		left, right := 0, 0
		if shift > 0 {
			left = shift
		} else {
			right = -shift
		}
		return RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(x*(1<<left), m), right)
	}
	edges := []int32{0, 1, -1, 2, -2, 3, -3, 1 << 30, -(1 << 30), math.MaxInt32, math.MinInt32, math.MinInt32 + 1}
	r := rand.New(rand.NewPCG(11, 12))
	for shift := -31; shift <= 30; shift++ {
		for _, x := range edges {
			for _, m := range edges {
				if got, want := MultiplyByQuantizedMultiplier(x, m, shift), compose(x, m, shift); got != want {
					t.Fatalf("MultiplyByQuantizedMultiplier(%d, %d, %d) = %d, composition %d", x, m, shift, got, want)
				}
			}
		}
		for range 2000 {
			x, m := int32(r.Uint32()), int32(r.Uint32())
			if r.IntN(2) == 0 {
				x >>= r.IntN(31) // small accumulators, where ties are common
			}
			if got, want := MultiplyByQuantizedMultiplier(x, m, shift), compose(x, m, shift); got != want {
				t.Fatalf("MultiplyByQuantizedMultiplier(%d, %d, %d) = %d, composition %d", x, m, shift, got, want)
			}
		}
	}
}
