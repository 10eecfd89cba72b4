package kernels

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/mnistcnn/mnistcnn/tflite"
)

// Multipliers used below, from QuantizeMultiplier (see TestQuantizeMultiplier).
const (
	half  = 1 << 30 // 0.5 = 2^30·2^(0−31): shift 0
	one   = 1 << 30 // 1.0 = 2^30·2^(1−31): shift 1
	quart = 1 << 30 // 0.25 = 2^30·2^(−1−31): shift −1
)

func TestConvPerChannelInt8(t *testing.T) {
	// Input 2×2×1 = [1 2; 3 4] with zero point −1, so InputOffset = +1 and the
	// values seen are (2, 3, 4, 5). Two 2×2 filters: all ones, and [1 −1; 0 2].
	p := &ConvParams{
		StrideW: 1, StrideH: 1, DilationW: 1, DilationH: 1,
		InputOffset: 1, OutputOffset: 3,
		OutMultiplier: []int32{half, quart}, OutShift: []int32{0, -1},
		QuantMin: -128, QuantMax: 127,
	}
	in := []int8{1, 2, 3, 4}
	filter := []int8{1, 1, 1, 1, 1, -1, 0, 2}
	bias := []int32{10, -5}
	out := make([]int8, 2)
	ConvPerChannelInt8(p, Shape4{1, 2, 2, 1}, in, Shape4{2, 2, 2, 1}, filter, bias, Shape4{1, 1, 1, 2}, out)
	// ch0: 10 + 2+3+4+5 = 24, ·0.5 = 12, +3 = 15.
	// ch1: −5 + 2 − 3 + 0 + 2·5 = 4, ·0.25 = 1, +3 = 4.
	if want := []int8{15, 4}; !slices.Equal(out, want) {
		t.Errorf("VALID conv = %v, want %v", out, want)
	}

	// SAME padding, a 3×3 filter of ones over the same 2×2 input: each of the
	// four outputs covers all four pixels and five padding taps. Padding
	// adds nothing (not −InputOffset·w), so acc = 2+3+4+5 = 14, ·1.0, then
	// clamped to QuantMax 12.
	p.Padding = Padding{Width: 1, Height: 1}
	p.OutMultiplier, p.OutShift = []int32{one}, []int32{1}
	p.OutputOffset, p.QuantMax = 0, 12
	ones := []int8{1, 1, 1, 1, 1, 1, 1, 1, 1}
	out = make([]int8, 4)
	ConvPerChannelInt8(p, Shape4{1, 2, 2, 1}, in, Shape4{1, 3, 3, 1}, ones, nil, Shape4{1, 2, 2, 1}, out)
	if want := []int8{12, 12, 12, 12}; !slices.Equal(out, want) {
		t.Errorf("SAME conv = %v, want %v", out, want)
	}
	p.QuantMax = 127
	ConvPerChannelInt8(p, Shape4{1, 2, 2, 1}, in, Shape4{1, 3, 3, 1}, ones, nil, Shape4{1, 2, 2, 1}, out)
	if want := []int8{14, 14, 14, 14}; !slices.Equal(out, want) {
		t.Errorf("SAME conv, no clamp = %v, want %v", out, want)
	}
}

func TestDepthwiseConvPerChannelInt8(t *testing.T) {
	// Input 1×2×2: pixels (1, 2) and (3, 4); depth multiplier 2 gives output
	// channels (in0,m0) (in0,m1) (in1,m0) (in1,m1). Filter 1×1×2×4: tap 0
	// [1 2 3 4], tap 1 [1 1 −1 −1].
	p := &ConvParams{
		StrideW: 1, StrideH: 1, DilationW: 1, DilationH: 1, DepthMultiplier: 2,
		OutMultiplier: []int32{one, one, one, half}, OutShift: []int32{1, 1, 1, 0},
		QuantMin: -128, QuantMax: 127,
	}
	out := make([]int8, 4)
	DepthwiseConvPerChannelInt8(p, Shape4{1, 1, 2, 2}, []int8{1, 2, 3, 4},
		Shape4{1, 1, 2, 4}, []int8{1, 2, 3, 4, 1, 1, -1, -1}, nil, Shape4{1, 1, 1, 4}, out)
	// oc0 = 1·1 + 1·3 = 4; oc1 = 2·1 + 1·3 = 5; oc2 = 3·2 − 1·4 = 2;
	// oc3 = 4·2 − 1·4 = 4, ·0.5 = 2.
	if want := []int8{4, 5, 2, 2}; !slices.Equal(out, want) {
		t.Errorf("depthwise = %v, want %v", out, want)
	}
}

func TestFullyConnectedInt8(t *testing.T) {
	// in [1 2 3] with InputOffset 1 → (2, 3, 4); weights [1 1 1; 1 −1 2];
	// bias [0 1].
	in := []int8{1, 2, 3}
	w := []int8{1, 1, 1, 1, -1, 2}
	bias := []int32{0, 1}
	out := make([]int8, 2)
	p := &FullyConnectedParams{InputOffset: 1, OutputOffset: -1,
		OutMultiplier: []int32{half}, OutShift: []int32{0}, QuantMin: -128, QuantMax: 127}
	FullyConnectedInt8(p, 1, 3, 2, in, w, bias, out)
	// acc0 = 2+3+4 = 9, ·0.5 = 4.5 → 5 (the high multiply rounds ties up), −1 = 4.
	// acc1 = 2−3+8+1 = 8, ·0.5 = 4, −1 = 3.
	if want := []int8{4, 3}; !slices.Equal(out, want) {
		t.Errorf("per-tensor FC = %v, want %v", out, want)
	}
	// Per-tensor weights offset 1: weights (2 2 2; 2 0 3):
	// acc0 = 4+6+8 = 18 → 9 − 1 = 8; acc1 = 4+0+12+1 = 17 → 8.5 → 9 − 1 = 8.
	p.WeightsOffset = 1
	FullyConnectedInt8(p, 1, 3, 2, in, w, bias, out)
	if want := []int8{8, 8}; !slices.Equal(out, want) {
		t.Errorf("per-tensor FC with weights offset = %v, want %v", out, want)
	}
	// Per-channel (1.0, 0.25) ignores WeightsOffset: 9·1 − 1 = 8, 8·0.25 − 1 = 1.
	p.OutMultiplier, p.OutShift = []int32{one, quart}, []int32{1, -1}
	FullyConnectedInt8(p, 1, 3, 2, in, w, bias, out)
	if want := []int8{8, 1}; !slices.Equal(out, want) {
		t.Errorf("per-channel FC = %v, want %v", out, want)
	}
}

func TestMaxPoolInt8(t *testing.T) {
	p := &PoolParams{StrideW: 2, StrideH: 2, FilterW: 2, FilterH: 2, QuantMin: -128, QuantMax: 127}
	out := make([]int8, 1)
	MaxPoolInt8(p, Shape4{1, 2, 2, 1}, []int8{-5, 3, 7, -128}, Shape4{1, 1, 1, 1}, out)
	if out[0] != 7 {
		t.Errorf("max of (−5, 3, 7, −128) = %d, want 7", out[0])
	}
	p.QuantMax = 5 // a fused RELU6-like clamp
	MaxPoolInt8(p, Shape4{1, 2, 2, 1}, []int8{-5, 3, 7, -128}, Shape4{1, 1, 1, 1}, out)
	if out[0] != 5 {
		t.Errorf("clamped max = %d, want 5", out[0])
	}
	// All-negative window: the result is the largest negative, not 0.
	MaxPoolInt8(p, Shape4{1, 2, 2, 1}, []int8{-5, -3, -7, -128}, Shape4{1, 1, 1, 1}, out)
	if out[0] != -3 {
		t.Errorf("max of negatives = %d, want −3", out[0])
	}
}

func TestAveragePoolInt8(t *testing.T) {
	// One 2×2 window over four channels (NHWC: pixel-major).
	in := []int8{
		1, -1, 2, -2, // pixel (0,0)
		1, -1, 2, -2, // pixel (0,1)
		0, 0, 1, -1, // pixel (1,0)
		0, 0, 1, -1, // pixel (1,1)
	}
	p := &PoolParams{StrideW: 2, StrideH: 2, FilterW: 2, FilterH: 2, QuantMin: -128, QuantMax: 127}
	out := make([]int8, 4)
	if err := AveragePoolInt8(p, Shape4{1, 2, 2, 4}, in, Shape4{1, 1, 1, 4}, out); err != nil {
		t.Fatal(err)
	}
	// 2/4 = 0.5 → (2+2)/4 = 1; −2/4 → (−2−2)/4 = −1; 6/4 = 1.5 → (6+2)/4 = 2;
	// −6/4 → (−6−2)/4 = −2: ties away from zero.
	if want := []int8{1, -1, 2, -2}; !slices.Equal(out, want) {
		t.Errorf("average ties = %v, want %v", out, want)
	}
	// SAME 3×3 windows on a 2×2 input count only the 4 real pixels:
	// (1+2+3+5)/4 = 2.75 → (11+2)/4 = 3, not 11/9.
	p = &PoolParams{Padding: Padding{1, 1}, StrideW: 1, StrideH: 1, FilterW: 3, FilterH: 3, QuantMin: -128, QuantMax: 127}
	out = make([]int8, 4)
	if err := AveragePoolInt8(p, Shape4{1, 2, 2, 1}, []int8{1, 2, 3, 5}, Shape4{1, 2, 2, 1}, out); err != nil {
		t.Fatal(err)
	}
	if want := []int8{3, 3, 3, 3}; !slices.Equal(out, want) {
		t.Errorf("padded average = %v, want %v", out, want)
	}
	// A window entirely in the padding is an error, as in TFLite.
	p = &PoolParams{Padding: Padding{2, 2}, StrideW: 1, StrideH: 1, FilterW: 1, FilterH: 1, QuantMin: -128, QuantMax: 127}
	if err := AveragePoolInt8(p, Shape4{1, 1, 1, 1}, []int8{1}, Shape4{1, 1, 1, 1}, out[:1]); !errors.Is(err, ErrEmptyPoolWindow) {
		t.Errorf("empty window: err = %v, want ErrEmptyPoolWindow", err)
	}
}

func TestSoftmaxInt8(t *testing.T) {
	tests := []struct {
		name  string
		scale float32
		in    []int8
		want  []int8
	}{
		// Output q = 256·prob − 128. Equal inputs share the mass.
		{"two equal", 0.1, []int8{0, 0}, []int8{0, 0}},               // 1/2 = 128/256 → 0
		{"three equal", 0.1, []int8{5, 5, 5}, []int8{-43, -43, -43}}, // 256/3 = 85.3 → 85 − 128
		// 10·ln(3)/10 = ln 3 apart: probabilities 3/4 and 1/4 → 192 and 64.
		{"ln 3 apart", float32(math.Log(3) / 10), []int8{10, 0}, []int8{64, -64}},
		// Scale 1: diff −255 is below DiffMin (−15: radius 31·2^26/2^27), so
		// it gives −128; the max alone gets 256/256, clamped to 127.
		{"far apart", 1, []int8{127, -128}, []int8{127, -128}},
	}
	for _, tt := range tests {
		p, ok := PrepareSoftmaxInt8(1, tt.scale)
		if !ok {
			t.Fatalf("%s: PrepareSoftmaxInt8 rejected scale %g", tt.name, tt.scale)
		}
		out := make([]int8, len(tt.in))
		SoftmaxInt8(&p, len(tt.in), tt.in, out)
		if !slices.Equal(out, tt.want) {
			t.Errorf("%s: softmax(%v) = %v, want %v", tt.name, tt.in, out, tt.want)
		}
	}
	// Scale 1, beta 1: multiplier 2^26 = 0.5·2^27, so InputLeftShift 27 and
	// DiffMin = −floor(31·2^26/2^27) = −15.
	if p, _ := PrepareSoftmaxInt8(1, 1); p.InputMultiplier != 1<<30 || p.InputLeftShift != 27 || p.DiffMin != -15 {
		t.Errorf("PrepareSoftmaxInt8(1, 1) = %+v, want {%d 27 −15}", p, 1<<30)
	}
	// Two rows are independent.
	p, _ := PrepareSoftmaxInt8(1, 0.1)
	out := make([]int8, 4)
	SoftmaxInt8(&p, 2, []int8{0, 0, 7, 7}, out)
	if want := []int8{0, 0, 0, 0}; !slices.Equal(out, want) {
		t.Errorf("two rows = %v, want %v", out, want)
	}
}

func TestRequantizeInt8(t *testing.T) {
	out := make([]int8, 4)
	// Scale ratio 0.5, zero point 0 → 10: 3·0.5 = 1.5 → 2; −3·0.5 → −1
	// (high-multiply ties go up); 100 → 50; −128 → −64.
	RequantizeInt8([]int8{3, -3, 100, -128}, 0, half, 0, 10, out)
	if want := []int8{12, 9, 60, -54}; !slices.Equal(out, want) {
		t.Errorf("requantize ×0.5 = %v, want %v", out, want)
	}
	// Ratio 2 saturates: 100·2 + 10 = 210 → 127; −128·2 + 10 = −246 → −128.
	RequantizeInt8([]int8{3, -3, 100, -128}, 0, one, 2, 10, out) // 2 = 2^30·2^(2−31)
	if want := []int8{16, 4, 127, -128}; !slices.Equal(out, want) {
		t.Errorf("requantize ×2 = %v, want %v", out, want)
	}
}

func TestQuantizedActivationRangeInt8(t *testing.T) {
	tests := []struct {
		a      tflite.Activation
		scale  float32
		zp     int32
		lo, hi int32
	}{
		{tflite.ActNone, 0.1, -10, -128, 127},
		{tflite.ActRelu, 0.1, -10, -10, 127},     // q(0) = zp
		{tflite.ActRelu6, 0.1, -10, -10, 50},     // q(6) = round(60.000002) − 10
		{tflite.ActReluN1To1, 0.1, -10, -20, 0},  // q(∓1) = ∓10 − 10
		{tflite.ActRelu6, 0.01, -128, -128, 127}, // q(6) = 600 − 128 = 472, capped at 127
	}
	for _, tt := range tests {
		lo, hi, err := QuantizedActivationRangeInt8(tt.a, tt.scale, tt.zp)
		if err != nil || lo != tt.lo || hi != tt.hi {
			t.Errorf("range(%v, %g, %d) = [%d, %d] %v, want [%d, %d]", tt.a, tt.scale, tt.zp, lo, hi, err, tt.lo, tt.hi)
		}
	}
	if _, _, err := QuantizedActivationRangeInt8(tflite.ActTanh, 0.1, 0); !errors.Is(err, ErrActivation) {
		t.Errorf("TANH: err = %v, want ErrActivation", err)
	}
}

// convRef is TFLite's reference ConvPerChannel loop nest, literally, to
// check the patch-gathering ConvPerChannelInt8 against.
func convRef(p *ConvParams, is Shape4, in []int8, fs Shape4, filter []int8, bias []int32, os Shape4, out []int8) {
	for b := 0; b < os.N; b++ {
		for oy := 0; oy < os.H; oy++ {
			for ox := 0; ox < os.W; ox++ {
				for c := 0; c < os.C; c++ {
					var acc int32
					for ky := 0; ky < fs.H; ky++ {
						for kx := 0; kx < fs.W; kx++ {
							for i := 0; i < fs.C; i++ {
								iy := oy*p.StrideH - p.Padding.Height + ky*p.DilationH
								ix := ox*p.StrideW - p.Padding.Width + kx*p.DilationW
								if iy < 0 || iy >= is.H || ix < 0 || ix >= is.W {
									continue
								}
								v := int32(in[((b*is.H+iy)*is.W+ix)*is.C+i])
								w := int32(filter[((c*fs.H+ky)*fs.W+kx)*fs.C+i])
								acc += w * (v + p.InputOffset)
							}
						}
					}
					acc += bias[c]
					acc = MultiplyByQuantizedMultiplier(acc, p.OutMultiplier[c], int(p.OutShift[c]))
					acc += p.OutputOffset
					acc = max(acc, p.QuantMin)
					acc = min(acc, p.QuantMax)
					out[((b*os.H+oy)*os.W+ox)*os.C+c] = int8(acc)
				}
			}
		}
	}
}

func randInt8(r *rand.Rand, n int) []int8 {
	s := make([]int8, n)
	for i := range s {
		s[i] = int8(r.IntN(256) - 128)
	}
	return s
}

// randConvParams draws per-channel multipliers for scales around 1/500, as
// a trained int8 layer has.
func randConvParams(r *rand.Rand, channels int) ([]int32, []int32, []int32) {
	mult := make([]int32, channels)
	shift := make([]int32, channels)
	bias := make([]int32, channels)
	for c := range mult {
		m, s := QuantizeMultiplier(0.0005 + 0.004*r.Float64())
		mult[c], shift[c] = m, int32(s)
		bias[c] = int32(r.IntN(20001) - 10000)
	}
	return mult, shift, bias
}

func TestConvPerChannelInt8MatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, tt := range []struct {
		is, fs           Shape4
		stride, dil, pad int
		outC             int
	}{
		{Shape4{1, 28, 28, 1}, Shape4{32, 3, 3, 1}, 1, 1, 0, 32},   // MNIST conv 1
		{Shape4{1, 13, 13, 32}, Shape4{32, 3, 3, 32}, 1, 1, 0, 32}, // MNIST conv 2
		{Shape4{2, 7, 6, 3}, Shape4{5, 3, 3, 3}, 2, 1, 1, 5},       // stride 2, padding, odd channels
		{Shape4{1, 9, 9, 2}, Shape4{6, 3, 2, 2}, 1, 2, 2, 6},       // dilation 2
	} {
		ek := func(k int) int { return (k-1)*tt.dil + 1 }
		os := Shape4{tt.is.N, (tt.is.H+2*tt.pad-ek(tt.fs.H))/tt.stride + 1, (tt.is.W+2*tt.pad-ek(tt.fs.W))/tt.stride + 1, tt.outC}
		mult, shift, bias := randConvParams(r, tt.outC)
		p := &ConvParams{Padding: Padding{tt.pad, tt.pad}, StrideW: tt.stride, StrideH: tt.stride,
			DilationW: tt.dil, DilationH: tt.dil, InputOffset: 7, OutputOffset: -3,
			OutMultiplier: mult, OutShift: shift, QuantMin: -128, QuantMax: 127}
		in := randInt8(r, tt.is.Len())
		filter := randInt8(r, tt.fs.Len())
		got, want := make([]int8, os.Len()), make([]int8, os.Len())
		ConvPerChannelInt8(p, tt.is, in, tt.fs, filter, bias, os, got)
		convRef(p, tt.is, in, tt.fs, filter, bias, os, want)
		if !slices.Equal(got, want) {
			t.Errorf("conv %v * %v: differs from the reference loop", tt.is, tt.fs)
		}
		convPerChannelInt8Loop(p, tt.is, in, tt.fs, filter, bias, os, got)
		if !slices.Equal(got, want) {
			t.Errorf("conv %v * %v: the plain loop differs from the reference loop", tt.is, tt.fs)
		}
	}
}

func TestDepthwiseConvPerChannelInt8MatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	// 300 channels crosses the 256-channel accumulation chunk; multiplier 2
	// exercises the input-channel lookup.
	for _, tt := range []struct {
		is        Shape4
		mult, pad int
	}{{Shape4{1, 5, 5, 300}, 1, 1}, {Shape4{2, 6, 4, 3}, 2, 1}} {
		oc := tt.is.C * tt.mult
		fs := Shape4{1, 3, 3, oc}
		os := Shape4{tt.is.N, tt.is.H + 2*tt.pad - 2, tt.is.W + 2*tt.pad - 2, oc}
		mult, shift, bias := randConvParams(r, oc)
		p := &ConvParams{Padding: Padding{tt.pad, tt.pad}, StrideW: 1, StrideH: 1, DilationW: 1, DilationH: 1,
			DepthMultiplier: tt.mult, InputOffset: -5, OutputOffset: 2,
			OutMultiplier: mult, OutShift: shift, QuantMin: -100, QuantMax: 100}
		in := randInt8(r, tt.is.Len())
		filter := randInt8(r, fs.Len())
		got, want := make([]int8, os.Len()), make([]int8, os.Len())
		DepthwiseConvPerChannelInt8(p, tt.is, in, fs, filter, bias, os, got)
		// The reference's loop nest, literally.
		for b := 0; b < os.N; b++ {
			for oy := 0; oy < os.H; oy++ {
				for ox := 0; ox < os.W; ox++ {
					for ic := 0; ic < tt.is.C; ic++ {
						for m := 0; m < tt.mult; m++ {
							c := m + ic*tt.mult
							var acc int32
							for ky := 0; ky < 3; ky++ {
								for kx := 0; kx < 3; kx++ {
									iy, ix := oy-tt.pad+ky, ox-tt.pad+kx
									if iy < 0 || iy >= tt.is.H || ix < 0 || ix >= tt.is.W {
										continue
									}
									v := int32(in[((b*tt.is.H+iy)*tt.is.W+ix)*tt.is.C+ic])
									acc += int32(filter[(ky*3+kx)*oc+c]) * (v + p.InputOffset)
								}
							}
							acc = MultiplyByQuantizedMultiplier(acc+bias[c], mult[c], int(shift[c])) + p.OutputOffset
							want[((b*os.H+oy)*os.W+ox)*oc+c] = int8(min(max(acc, p.QuantMin), p.QuantMax))
						}
					}
				}
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("depthwise %v ×%d: differs from the reference loop", tt.is, tt.mult)
		}
	}
}

func TestFullyConnectedInt8MatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	const batches, depth, outs = 2, 37, 11 // 11 = two blocks of four and three left over
	in, w := randInt8(r, batches*depth), randInt8(r, outs*depth)
	mult, shift, bias := randConvParams(r, outs)
	for _, perChannel := range []bool{false, true} {
		p := &FullyConnectedParams{InputOffset: 9, WeightsOffset: 2, OutputOffset: -7,
			OutMultiplier: mult[:1], OutShift: shift[:1], QuantMin: -128, QuantMax: 127}
		if perChannel {
			p.OutMultiplier, p.OutShift = mult, shift
		}
		got, want := make([]int8, batches*outs), make([]int8, batches*outs)
		FullyConnectedInt8(p, batches, depth, outs, in, w, bias, got)
		for b := 0; b < batches; b++ {
			for o := 0; o < outs; o++ {
				var acc int32
				k, wOff := 0, p.WeightsOffset
				if perChannel {
					k, wOff = o, 0
				}
				for i := 0; i < depth; i++ {
					acc += (int32(w[o*depth+i]) + wOff) * (int32(in[b*depth+i]) + p.InputOffset)
				}
				acc = MultiplyByQuantizedMultiplier(acc+bias[o], p.OutMultiplier[k], int(p.OutShift[k])) + p.OutputOffset
				want[b*outs+o] = int8(min(max(acc, p.QuantMin), p.QuantMax))
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("FC perChannel=%v: differs from the reference loop", perChannel)
		}
	}
}

// benchConv times one int8 conv at the given shapes with a fixed seed.
func benchConv(b *testing.B, is, fs Shape4) {
	r := rand.New(rand.NewPCG(7, 8))
	os := Shape4{1, is.H - fs.H + 1, is.W - fs.W + 1, fs.N}
	mult, shift, bias := randConvParams(r, fs.N)
	p := &ConvParams{StrideW: 1, StrideH: 1, DilationW: 1, DilationH: 1, InputOffset: 128,
		OutputOffset: -128, OutMultiplier: mult, OutShift: shift, QuantMin: -128, QuantMax: 127}
	in, filter, out := randInt8(r, is.Len()), randInt8(r, fs.Len()), make([]int8, os.Len())
	b.ReportAllocs()
	for b.Loop() {
		ConvPerChannelInt8(p, is, in, fs, filter, bias, os, out)
	}
}

// The MNIST CNN's layers (FACTS.md): 28×28×1 → 26×26×32, 13×13×32 → 11×11×32,
// dense 800 → 200.
func BenchmarkConvInt8MNIST1(b *testing.B) { benchConv(b, Shape4{1, 28, 28, 1}, Shape4{32, 3, 3, 1}) }
func BenchmarkConvInt8MNIST2(b *testing.B) { benchConv(b, Shape4{1, 13, 13, 32}, Shape4{32, 3, 3, 32}) }

func BenchmarkFullyConnectedInt8MNIST(b *testing.B) {
	r := rand.New(rand.NewPCG(9, 10))
	in, w, out := randInt8(r, 800), randInt8(r, 200*800), make([]int8, 200)
	m, s := QuantizeMultiplier(0.002)
	p := &FullyConnectedParams{InputOffset: 128, OutputOffset: -128,
		OutMultiplier: []int32{m}, OutShift: []int32{int32(s)}, QuantMin: -128, QuantMax: 127}
	bias := make([]int32, 200)
	b.ReportAllocs()
	for b.Loop() {
		FullyConnectedInt8(p, 1, 800, 200, in, w, bias, out)
	}
}
