package quantize

import (
	"slices"
	"testing"
)

func TestActivationParams(t *testing.T) {
	tests := []struct {
		name     string
		min, max float32
		scale    float32
		zp       int32
	}{
		// 255 steps of 1 from 0: 0 ↦ −128.
		{"relu", 0, 255, 1, -128},
		// Symmetric around −0.5: −128 ↦ −128 means zp = 0.
		{"full", -128, 127, 1, 0},
		// min nudged down to 0 so that 0 is representable: same as [0, 255].
		{"min above 0", 1, 255, 1, -128},
		// max nudged up to 0: [−255, 0], 0 ↦ −128 + 255 = 127.
		{"max below 0", -255, -1, 1, 127},
		// scale 2/255, zp = −128 + 1/(2/255) = −0.5, rounded away from zero
		// to −1: what person_detect.tflite's input [−1, 1] carries.
		{"tie", -1, 1, 2.0 / 255, -1},
		// All values 0: scale 1 rather than an unusable 0.
		{"zero", 0, 0, 1, -128},
	}
	for _, tc := range tests {
		scale, zp := ActivationParams(tc.min, tc.max)
		if scale != tc.scale || zp != tc.zp {
			t.Errorf("%s: ActivationParams(%v, %v) = %v, %d; want %v, %d", tc.name, tc.min, tc.max, scale, zp, tc.scale, tc.zp)
		}
	}
}

// The model's input holds pixel/255; with range [0, 1] every pixel must
// arrive as exactly pixel − 128, and dequantize back to the float input.
func TestInputPixelsQuantizeExactly(t *testing.T) {
	scale, zp := ActivationParams(0, 1)
	if scale != float32(1.0/255) || zp != -128 {
		t.Fatalf("input params %v, %d; want 1/255, -128", scale, zp)
	}
	for p := range 256 {
		x := float32(p) / 255
		if q := Quantize(x, scale, zp); int(q) != p-128 {
			t.Errorf("pixel %d: q = %d, want %d", p, q, p-128)
		}
		if d := Dequantize(int8(p-128), scale, zp); d-x > 1e-7 || x-d > 1e-7 {
			t.Errorf("pixel %d: dequantized %v, want %v", p, d, x)
		}
	}
}

func TestSymmetricWeightsPerChannel(t *testing.T) {
	w := []float32{
		1, -0.5, 0.25, // channel 0: max|w| 1, scale 1/127, w×127
		0, 0, 0, // channel 1: all zero, scale 1, q 0
		0.5, -2, 1.5, // channel 2: max|w| 2, scale 2/127, w×63.5
	}
	q, scales := SymmetricWeights(w, 3)
	wantQ := []int8{
		127, -64, 32, // −63.5 rounds away from zero; 31.75 → 32
		0, 0, 0,
		32, -127, 95, // 31.75 → 32; 95.25 → 95
	}
	wantScales := []float32{1.0 / 127, 1, 2.0 / 127}
	if !slices.Equal(q, wantQ) || !slices.Equal(scales, wantScales) {
		t.Errorf("got q %v scales %v; want %v %v", q, scales, wantQ, wantScales)
	}
}

func TestSymmetricWeightsPerTensor(t *testing.T) {
	w := []float32{1, -0.5, 0.25, 0, 0, 0, 0.5, -2, 1.5}
	q, scales := SymmetricWeights(w, 1)
	// One scale 2/127 from max|w| = 2: every value ×63.5.
	wantQ := []int8{64, -32, 16, 0, 0, 0, 32, -127, 95}
	if !slices.Equal(q, wantQ) || !slices.Equal(scales, []float32{2.0 / 127}) {
		t.Errorf("got q %v scales %v; want %v [2/127]", q, scales, wantQ)
	}
	if q, s := SymmetricWeights(w, 2); q != nil || s != nil {
		t.Errorf("9 values in 2 channels: got %v %v, want nil", q, s)
	}
}

func TestBias(t *testing.T) {
	// input scale 0.5 × weight scales [0.25, 1] = [0.125, 0.5].
	scales := BiasScales(0.5, []float32{0.25, 1})
	if !slices.Equal(scales, []float32{0.125, 0.5}) {
		t.Fatalf("BiasScales = %v, want [0.125 0.5]", scales)
	}
	// 1/0.125 = 8; −0.75/0.5 = −1.5 rounds away from zero to −2.
	if got := Bias([]float32{1, -0.75}, scales); !slices.Equal(got, []int32{8, -2}) {
		t.Errorf("Bias = %v, want [8 -2]", got)
	}
	// One scale for the whole tensor; values beyond int32 clamp to ±(2³¹−1).
	got := Bias([]float32{1e10, -1e10, 3}, []float32{1})
	if want := []int32{2147483647, -2147483647, 3}; !slices.Equal(got, want) {
		t.Errorf("Bias = %v, want %v", got, want)
	}
}
