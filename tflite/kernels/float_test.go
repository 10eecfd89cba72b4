package kernels

import (
	"math"
	"testing"

	"github.com/mnistcnn/mnistcnn/tflite"
)

// noLoF32, noHiF32 are the clamp of a fused activation NONE.
var noLoF32, noHiF32 = float32(-math.MaxFloat32), float32(math.MaxFloat32)

func seqF32(n int, start float32) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = start + float32(i)
	}
	return s
}

func nearF32(t *testing.T, name string, got, want []float32, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: len %d, want %d", name, len(got), len(want))
	}
	for i := range got {
		if math.Abs(float64(got[i]-want[i])) > tol {
			t.Errorf("%s[%d] = %v, want %v", name, i, got[i], want[i])
		}
	}
}

func TestOutputSizeAndPadding(t *testing.T) {
	tests := []struct {
		name                         string
		pad                          tflite.Padding
		in, k, stride, dil, out, pre int
	}{
		{"valid 5,k3", tflite.PaddingValid, 5, 3, 1, 1, 3, 0},    // 5−3+1
		{"same 5,k3,s2", tflite.PaddingSame, 5, 3, 2, 1, 3, 1},   // ceil(5/2)=3; ((3−1)·2+3−5)/2 = 1
		{"same 4,k3,s2", tflite.PaddingSame, 4, 3, 2, 1, 2, 0},   // ceil(4/2)=2; ((2−1)·2+3−4)/2 = 0 (the 1 goes after)
		{"same 7,k3,d2", tflite.PaddingSame, 7, 3, 1, 2, 7, 2},   // ek=5; (6+5−7)/2 = 2
		{"valid 7,k3,d2", tflite.PaddingValid, 7, 3, 1, 2, 3, 0}, // ek=5; 7−5+1
		{"valid 28,k2,s2", tflite.PaddingValid, 28, 2, 2, 1, 14, 0},
		{"valid too big", tflite.PaddingValid, 2, 3, 1, 1, 0, 0},
	}
	for _, tc := range tests {
		out := OutputSize(tc.pad, tc.in, tc.k, tc.stride, tc.dil)
		if out != tc.out {
			t.Errorf("%s: OutputSize = %d, want %d", tc.name, out, tc.out)
			continue
		}
		if out == 0 {
			continue
		}
		if p := PaddingBefore(tc.in, tc.k, tc.stride, tc.dil, out); p != tc.pre {
			t.Errorf("%s: PaddingBefore = %d, want %d", tc.name, p, tc.pre)
		}
	}
}

func TestFloatActivationRange(t *testing.T) {
	tests := []struct {
		a      tflite.Activation
		lo, hi float32
	}{
		{tflite.ActNone, -math.MaxFloat32, math.MaxFloat32},
		{tflite.ActRelu, 0, math.MaxFloat32},
		{tflite.ActRelu6, 0, 6},
		{tflite.ActReluN1To1, -1, 1},
	}
	for _, tc := range tests {
		lo, hi, err := FloatActivationRange(tc.a)
		if err != nil || lo != tc.lo || hi != tc.hi {
			t.Errorf("activation %d: [%v,%v] %v, want [%v,%v]", tc.a, lo, hi, err, tc.lo, tc.hi)
		}
	}
	for _, a := range []tflite.Activation{tflite.ActTanh, tflite.ActSignBit} {
		if _, _, err := FloatActivationRange(a); err == nil {
			t.Errorf("activation %d: no error", a)
		}
	}
}

func TestConvFloat(t *testing.T) {
	// centre10 is a 3×3 filter of ones with 10 in the centre.
	centre10 := []float32{1, 1, 1, 1, 10, 1, 1, 1, 1}
	tests := []struct {
		name string
		p    ConvParams
		inS  Shape4
		in   []float32
		fS   Shape4
		f    []float32
		bias []float32
		outS Shape4
		want []float32
	}{
		{
			// 3×3 input 1..9, 2×2 ones: each output is its window's sum,
			// 1+2+4+5=12, 2+3+5+6=16, 4+5+7+8=24, 5+6+8+9=28, plus bias 1.
			name: "valid", p: ConvParams{StrideW: 1, StrideH: 1, DilationW: 1, DilationH: 1},
			inS: Shape4{1, 3, 3, 1}, in: seqF32(9, 1),
			fS: Shape4{1, 2, 2, 1}, f: []float32{1, 1, 1, 1}, bias: []float32{1},
			outS: Shape4{1, 2, 2, 1}, want: []float32{13, 17, 25, 29},
		},
		{
			// SAME, stride 2 on 3×3: out ceil(3/2)=2, pad 1 before. Output (0,0)
			// is centred on input (0,0)=1: in-bounds taps 1+2+4+5 = 12 plus
			// 9·1 more for the centre weight 10 → 21. (0,1) centred on 3:
			// 2+3+5+6 + 9·3 = 43; (1,0) on 7: 4+5+7+8 + 9·7 = 87; (1,1) on 9:
			// 5+6+8+9 + 9·9 = 109.
			name: "same stride 2", p: ConvParams{Padding: Padding{1, 1}, StrideW: 2, StrideH: 2, DilationW: 1, DilationH: 1},
			inS: Shape4{1, 3, 3, 1}, in: seqF32(9, 1),
			fS: Shape4{1, 3, 3, 1}, f: centre10,
			outS: Shape4{1, 2, 2, 1}, want: []float32{21, 43, 87, 109},
		},
		{
			// Dilation 2 on 5×5 input v=5y+x with 2×2 ones (effective 3×3),
			// VALID → 3×3: out(y,x) = in(y,x)+in(y,x+2)+in(y+2,x)+in(y+2,x+2)
			// = 4(5y+x) + 0+2+10+12 = 20y + 4x + 24.
			name: "dilation 2", p: ConvParams{StrideW: 1, StrideH: 1, DilationW: 2, DilationH: 2},
			inS: Shape4{1, 5, 5, 1}, in: seqF32(25, 0),
			fS: Shape4{1, 2, 2, 1}, f: []float32{1, 1, 1, 1},
			outS: Shape4{1, 3, 3, 1}, want: []float32{24, 28, 32, 44, 48, 52, 64, 68, 72},
		},
		{
			// One pixel, 2 input channels [1,2], 5 output channels (a block
			// of four plus one) with weights [o,1]: o·1 + 1·2 = o+2, plus bias
			// −3 → o−1 = [−1,0,1,2,3]; RELU clamps the −1 to 0.
			name: "channels relu", p: ConvParams{StrideW: 1, StrideH: 1, DilationW: 1, DilationH: 1, FloatMin: 0, FloatMax: math.MaxFloat32},
			inS: Shape4{1, 1, 1, 2}, in: []float32{1, 2},
			fS: Shape4{5, 1, 1, 2}, f: []float32{0, 1, 1, 1, 2, 1, 3, 1, 4, 1}, bias: []float32{-3, -3, -3, -3, -3},
			outS: Shape4{1, 1, 1, 5}, want: []float32{0, 0, 1, 2, 3},
		},
		{
			// Same as above with bias +2 → [4,5,6,7,8]; RELU6 clamps to 6.
			name: "channels relu6", p: ConvParams{StrideW: 1, StrideH: 1, DilationW: 1, DilationH: 1, FloatMin: 0, FloatMax: 6},
			inS: Shape4{1, 1, 1, 2}, in: []float32{1, 2},
			fS: Shape4{5, 1, 1, 2}, f: []float32{0, 1, 1, 1, 2, 1, 3, 1, 4, 1}, bias: []float32{2, 2, 2, 2, 2},
			outS: Shape4{1, 1, 1, 5}, want: []float32{4, 5, 6, 6, 6},
		},
	}
	for _, tc := range tests {
		if tc.p.FloatMin == 0 && tc.p.FloatMax == 0 {
			tc.p.FloatMin, tc.p.FloatMax = noLoF32, noHiF32
		}
		out := make([]float32, tc.outS.Len())
		ConvFloat(&tc.p, tc.inS, tc.in, tc.fS, tc.f, tc.bias, tc.outS, out)
		nearF32(t, tc.name, out, tc.want, 0)
	}
}

// TestConvFloatMatchesNaive compares the blocked kernel with the definition
// on a shape that exercises padding, strides, dilation and a channel
// remainder at once.
func TestConvFloatMatchesNaive(t *testing.T) {
	inS := Shape4{2, 7, 6, 3}
	fS := Shape4{6, 3, 2, 3}
	in := seqF32(inS.Len(), -20)
	f := seqF32(fS.Len(), -50)
	for i := range f {
		f[i] /= 16
	}
	bias := seqF32(6, 0.5)
	for _, sh := range []int{1, 2} {
		for _, d := range []int{1, 2} {
			oh := OutputSize(tflite.PaddingSame, inS.H, fS.H, sh, d)
			ow := OutputSize(tflite.PaddingSame, inS.W, fS.W, 1, d)
			p := ConvParams{StrideH: sh, StrideW: 1, DilationH: d, DilationW: d, FloatMin: noLoF32, FloatMax: noHiF32,
				Padding: Padding{Height: PaddingBefore(inS.H, fS.H, sh, d, oh), Width: PaddingBefore(inS.W, fS.W, 1, d, ow)}}
			outS := Shape4{inS.N, oh, ow, fS.N}
			got := make([]float32, outS.Len())
			ConvFloat(&p, inS, in, fS, f, bias, outS, got) // patch path
			direct := make([]float32, outS.Len())
			convFloatDirect(&p, inS, in, fS, f, bias, outS, direct)
			want := make([]float32, outS.Len())
			for b := 0; b < outS.N; b++ {
				for y := 0; y < oh; y++ {
					for x := 0; x < ow; x++ {
						for o := 0; o < fS.N; o++ {
							s := bias[o]
							for ky := 0; ky < fS.H; ky++ {
								for kx := 0; kx < fS.W; kx++ {
									iy, ix := y*sh+ky*d-p.Padding.Height, x+kx*d-p.Padding.Width
									if iy < 0 || ix < 0 || iy >= inS.H || ix >= inS.W {
										continue
									}
									for c := 0; c < inS.C; c++ {
										s += in[((b*inS.H+iy)*inS.W+ix)*inS.C+c] * f[((o*fS.H+ky)*fS.W+kx)*fS.C+c]
									}
								}
							}
							want[((b*oh+y)*ow+x)*fS.N+o] = s
						}
					}
				}
			}
			nearF32(t, "patch", got, want, 1e-3)
			nearF32(t, "direct", direct, want, 1e-3)
		}
	}
}

func TestDepthwiseConvFloatMultiplier2(t *testing.T) {
	// 2×2 input, 2 channels: channel 0 is 1,2,3,4 and channel 1 is
	// 10,20,30,40 (pixels in row order). A 2×2 VALID filter gives one output
	// pixel with 4 channels o = c·2+m:
	//   o0 (c0) weights all 1:        1+2+3+4     = 10
	//   o1 (c0) weight 1 at (0,0):    1           = 1
	//   o2 (c1) weights all 1:        10+20+30+40 = 100
	//   o3 (c1) weight 1 at (1,1):    40, bias .5 = 40.5
	in := []float32{1, 10, 2, 20, 3, 30, 4, 40}
	f := []float32{
		1, 1, 1, 0, // tap (0,0): o0..o3
		1, 0, 1, 0, // tap (0,1)
		1, 0, 1, 0, // tap (1,0)
		1, 0, 1, 1, // tap (1,1)
	}
	p := ConvParams{StrideW: 1, StrideH: 1, DilationW: 1, DilationH: 1, DepthMultiplier: 2, FloatMin: noLoF32, FloatMax: noHiF32}
	out := make([]float32, 4)
	DepthwiseConvFloat(&p, Shape4{1, 2, 2, 2}, in, Shape4{1, 2, 2, 4}, f, []float32{0, 0, 0, 0.5}, Shape4{1, 1, 1, 4}, out)
	nearF32(t, "depthwise", out, []float32{10, 1, 100, 40.5}, 0)
}

func TestDepthwiseConvFloatSameDilation(t *testing.T) {
	// One channel, 5×5 input v=5y+x, 2×2 ones with dilation 2 (effective
	// 3×3), SAME stride 2: out ceil(5/2)=3, pad ((3−1)·2+3−5)/2 = 1.
	// out(0,0) taps input (−1,−1),(−1,1),(1,−1),(1,1): only (1,1)=6 is in.
	// out(1,1) taps (1,1),(1,3),(3,1),(3,3) = 6+8+16+18 = 48.
	// out(2,2) taps (3,3)=18,(3,5),(5,3),(5,5): only 18.
	p := ConvParams{Padding: Padding{1, 1}, StrideW: 2, StrideH: 2, DilationW: 2, DilationH: 2, DepthMultiplier: 1, FloatMin: noLoF32, FloatMax: noHiF32}
	out := make([]float32, 9)
	DepthwiseConvFloat(&p, Shape4{1, 5, 5, 1}, seqF32(25, 0), Shape4{1, 2, 2, 1}, []float32{1, 1, 1, 1}, nil, Shape4{1, 3, 3, 1}, out)
	if out[0] != 6 || out[4] != 48 || out[8] != 18 {
		t.Errorf("got %v, want out[0]=6 out[4]=48 out[8]=18", out)
	}
}

func TestPoolFloat(t *testing.T) {
	// 3×3 input 1..9, 2×2 filter, stride 2, SAME: out 2×2, pad 0 before and
	// 1 after, so the right column and bottom row of windows hang over.
	p := PoolParams{StrideW: 2, StrideH: 2, FilterW: 2, FilterH: 2, FloatMin: noLoF32, FloatMax: noHiF32}
	in := seqF32(9, 1)
	out := make([]float32, 4)
	MaxPoolFloat(&p, Shape4{1, 3, 3, 1}, in, Shape4{1, 2, 2, 1}, out)
	// Windows {1,2,4,5}, {3,6}, {7,8}, {9}.
	nearF32(t, "max", out, []float32{5, 6, 8, 9}, 0)
	AveragePoolFloat(&p, Shape4{1, 3, 3, 1}, in, Shape4{1, 2, 2, 1}, out)
	// Means over in-bounds values only: 12/4, 9/2, 15/2, 9/1 (not 9/4).
	nearF32(t, "avg", out, []float32{3, 4.5, 7.5, 9}, 0)

	// Two channels, 2×2 window, VALID, with RELU6: channel 1 is −(channel 0).
	// Max of {1,2,4,5} is 5; max of {−1,−2,−4,−5} is −1, clamped to 0.
	in2 := []float32{1, -1, 2, -2, 3, -3, 4, -4, 5, -5, 6, -6}
	p2 := PoolParams{StrideW: 1, StrideH: 1, FilterW: 2, FilterH: 2, FloatMin: 0, FloatMax: 6}
	out2 := make([]float32, 4)
	MaxPoolFloat(&p2, Shape4{1, 2, 3, 2}, in2, Shape4{1, 1, 2, 2}, out2)
	// windows: cols 0-1 {1,2,4,5}, cols 1-2 {2,3,5,6} → 5 and 6.
	nearF32(t, "max relu6", out2, []float32{5, 0, 6, 0}, 0)
}

func TestFullyConnectedFloat(t *testing.T) {
	// Weights rows (5 outputs: a block of four plus one):
	//   [1 0 0] [0 1 0] [0 0 1] [1 1 1] [1 −1 0], bias [0 0 0 0 10].
	// Row [1 2 3]  → [1, 2, 3, 6, −1+10=9].
	// Row [−1 0 1] → [−1, 0, 1, 0, −1+10=9], RELU → [0, 0, 1, 0, 9].
	w := []float32{1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 1, 1, -1, 0}
	bias := []float32{0, 0, 0, 0, 10}
	in := []float32{1, 2, 3, -1, 0, 1}
	out := make([]float32, 10)
	FullyConnectedFloat(&FullyConnectedParams{FloatMin: 0, FloatMax: math.MaxFloat32}, 2, 3, 5, in, w, bias, out)
	nearF32(t, "fc", out, []float32{1, 2, 3, 6, 9, 0, 0, 1, 0, 9}, 0)
	// Without bias and clamp, row 2's fifth output is −1 and its first −1.
	FullyConnectedFloat(&FullyConnectedParams{FloatMin: noLoF32, FloatMax: noHiF32}, 2, 3, 5, in, w, nil, out)
	nearF32(t, "fc nobias", out, []float32{1, 2, 3, 6, -1, -1, 0, 1, 0, -1}, 0)
}

func TestSoftmaxFloat(t *testing.T) {
	ln3 := float32(math.Log(3))
	// [0, ln3]: exp gives 1 and 3, sum 4 → [.25, .75].
	// [1000, 1000]: equal inputs give [.5, .5]; without subtracting the max
	// exp(1000) would overflow to +Inf and give NaN.
	// With β = 2 and [0, ln3/2] the exponents are again 0 and ln3.
	in := []float32{0, ln3, 1000, 1000}
	out := make([]float32, 4)
	SoftmaxFloat(1, 2, 2, in, out)
	nearF32(t, "softmax", out, []float32{0.25, 0.75, 0.5, 0.5}, 1e-6)
	SoftmaxFloat(2, 1, 2, []float32{0, ln3 / 2}, out[:2])
	nearF32(t, "softmax beta", out[:2], []float32{0.25, 0.75}, 1e-6)
}

func TestAffineQuantize(t *testing.T) {
	// scale 0.5, zero point −1: x/0.5 = 2x.
	//   1.25 → 2.5 → round half away → 3 → 2;  −1.25 → −2.5 → −3 → −4;
	//   0.7 → 1.4 → 1 → 0;  1000 → 1999 → clamp 127;  −1000 → clamp −128.
	in := []float32{1.25, -1.25, 0.7, 1000, -1000}
	q := make([]int8, len(in))
	AffineQuantize(in, q, 0.5, -1)
	want := []int8{2, -4, 0, 127, -128}
	for i := range q {
		if q[i] != want[i] {
			t.Errorf("int8 %v → %d, want %d", in[i], q[i], want[i])
		}
	}
	// uint8, scale 1, zero point 128: −0.5 → −1 (away from zero) → 127;
	// 0.5 → 1 → 129; −300 → clamp 0; 300 → clamp 255.
	in2 := []float32{-0.5, 0.5, -300, 300}
	u := make([]uint8, len(in2))
	AffineQuantize(in2, u, 1, 128)
	wantU := []uint8{127, 129, 0, 255}
	for i := range u {
		if u[i] != wantU[i] {
			t.Errorf("uint8 %v → %d, want %d", in2[i], u[i], wantU[i])
		}
	}
}

func TestAffineDequantize(t *testing.T) {
	out := make([]float32, 3)
	// scale 0.5, zp −1: q=−4 → 0.5·(−3) = −1.5; q=127 → 64; q=−1 → 0.
	AffineDequantize([]int8{-4, 127, -1}, out, 0.5, -1)
	nearF32(t, "int8", out, []float32{-1.5, 64, 0}, 0)
	// uint8 zp 128, scale 0.25: 0 → −32, 255 → 31.75, 128 → 0.
	AffineDequantize([]uint8{0, 255, 128}, out, 0.25, 128)
	nearF32(t, "uint8", out, []float32{-32, 31.75, 0}, 0)
	// int16 zp 0, scale 2: −32768 → −65536.
	AffineDequantize([]int16{-32768, 0, 1}, out, 2, 0)
	nearF32(t, "int16", out, []float32{-65536, 0, 2}, 0)
}

// TestDepthwiseConvFloatMatchesNaive compares the kernel with the definition
// with two images, two input channels, multiplier 3, SAME padding, stride 2
// and dilation 2 at once.
func TestDepthwiseConvFloatMatchesNaive(t *testing.T) {
	inS := Shape4{2, 6, 5, 2}
	const m = 3
	fS := Shape4{1, 3, 2, inS.C * m}
	in := seqF32(inS.Len(), -30)
	f := seqF32(fS.Len(), -9)
	bias := seqF32(fS.C, 1)
	const s, d = 2, 2
	oh := OutputSize(tflite.PaddingSame, inS.H, fS.H, s, d)
	ow := OutputSize(tflite.PaddingSame, inS.W, fS.W, s, d)
	p := ConvParams{StrideH: s, StrideW: s, DilationH: d, DilationW: d, DepthMultiplier: m, FloatMin: noLoF32, FloatMax: noHiF32,
		Padding: Padding{Height: PaddingBefore(inS.H, fS.H, s, d, oh), Width: PaddingBefore(inS.W, fS.W, s, d, ow)}}
	outS := Shape4{inS.N, oh, ow, fS.C}
	got := make([]float32, outS.Len())
	DepthwiseConvFloat(&p, inS, in, fS, f, bias, outS, got)
	want := make([]float32, outS.Len())
	for b := 0; b < outS.N; b++ {
		for y := 0; y < oh; y++ {
			for x := 0; x < ow; x++ {
				for o := 0; o < outS.C; o++ {
					var acc float32
					for ky := 0; ky < fS.H; ky++ {
						for kx := 0; kx < fS.W; kx++ {
							iy, ix := y*s+ky*d-p.Padding.Height, x*s+kx*d-p.Padding.Width
							if iy < 0 || ix < 0 || iy >= inS.H || ix >= inS.W {
								continue
							}
							acc += in[((b*inS.H+iy)*inS.W+ix)*inS.C+o/m] * f[(ky*fS.W+kx)*fS.C+o]
						}
					}
					want[((b*oh+y)*ow+x)*outS.C+o] = acc + bias[o]
				}
			}
		}
	}
	nearF32(t, "depthwise", got, want, 0) // same summation order: exact
}
