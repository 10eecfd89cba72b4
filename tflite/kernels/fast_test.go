package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/mnistcnn/mnistcnn/internal/simd"
	"github.com/mnistcnn/mnistcnn/tflite"
)

// The fast kernels (conv_gemm.go, conv_int8_packed.go) against the scalar
// reference ones, on shapes a vector path can get wrong: channel counts
// that are not multiples of the vector width (1, 3, 7, 17, 33), SAME
// padding, stride 2, dilation 2, batch > 1, 1×1 filters, outputs spread
// over several scratch chunks; int8 with extreme zero points and
// multipliers, per-tensor and per-channel weights. int8: the same bytes;
// float: within 1e-5 relative.

// fastConvCase is one convolution geometry.
type fastConvCase struct {
	n, h, w, cin, cout, kh, kw int
	pad                        tflite.Padding
	stride, dil                int
}

func (c fastConvCase) String() string {
	return fmt.Sprintf("%d×%d×%d×%d→%d k%d×%d pad%d s%d d%d", c.n, c.h, c.w, c.cin, c.cout, c.kh, c.kw, c.pad, c.stride, c.dil)
}

var fastConvCases = []fastConvCase{
	{1, 28, 28, 1, 32, 3, 3, tflite.PaddingValid, 1, 1},  // conv1 of the reference CNN
	{1, 13, 13, 32, 32, 3, 3, tflite.PaddingValid, 1, 1}, // conv2
	{2, 9, 7, 3, 7, 3, 3, tflite.PaddingSame, 1, 1},
	{1, 10, 11, 7, 17, 3, 2, tflite.PaddingSame, 2, 1},
	{1, 12, 12, 17, 3, 3, 3, tflite.PaddingSame, 1, 2},
	{3, 8, 8, 5, 33, 2, 3, tflite.PaddingValid, 2, 2},
	{2, 5, 6, 17, 40, 1, 1, tflite.PaddingValid, 1, 1}, // pointwise
	{1, 5, 5, 3, 1, 5, 5, tflite.PaddingSame, 1, 1},
	{1, 70, 70, 3, 64, 3, 3, tflite.PaddingSame, 1, 1}, // several scratch chunks
	{1, 4, 4, 300, 5, 3, 3, tflite.PaddingSame, 2, 1},  // depth 2700: not a multiple of 4
}

// geometry fills p's padding and returns the shapes of case c.
func (c fastConvCase) geometry(p *ConvParams) (is, fs, os Shape4) {
	p.StrideH, p.StrideW, p.DilationH, p.DilationW = c.stride, c.stride, c.dil, c.dil
	oh := OutputSize(c.pad, c.h, c.kh, c.stride, c.dil)
	ow := OutputSize(c.pad, c.w, c.kw, c.stride, c.dil)
	p.Padding = Padding{Height: PaddingBefore(c.h, c.kh, c.stride, c.dil, oh), Width: PaddingBefore(c.w, c.kw, c.stride, c.dil, ow)}
	return Shape4{c.n, c.h, c.w, c.cin}, Shape4{c.cout, c.kh, c.kw, c.cin}, Shape4{c.n, oh, ow, c.cout}
}

func randF32(r *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(r.NormFloat64())
	}
	return v
}

// closeF32 checks got against want within tol relative to the largest
// |want| (1 at least), as for sums whose terms cancel.
func closeF32(t *testing.T, name string, got, want []float32, tol float64) {
	t.Helper()
	scale := 1.0
	for _, v := range want {
		scale = math.Max(scale, math.Abs(float64(v)))
	}
	for i := range want {
		if d := math.Abs(float64(got[i] - want[i])); !(d <= tol*scale) {
			t.Fatalf("%s: [%d] = %v, want %v", name, i, got[i], want[i])
		}
	}
}

func TestConvFloatGemm(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 12))
	for _, c := range fastConvCases {
		for _, act := range []tflite.Activation{tflite.ActNone, tflite.ActRelu, tflite.ActRelu6} {
			p := &ConvParams{}
			p.FloatMin, p.FloatMax, _ = FloatActivationRange(act)
			is, fs, os := c.geometry(p)
			in, filter, bias := randF32(r, is.Len()), randF32(r, fs.Len()), randF32(r, os.C)
			if act == tflite.ActRelu {
				bias = nil
			}
			want := make([]float32, os.Len())
			ConvFloat(p, is, in, fs, filter, bias, os, want)
			g := NewConvFloatGemm(p, is, fs, filter, os)
			got := make([]float32, os.Len())
			g.Conv(in, bias, got, make([]float32, g.ScratchFloats()))
			closeF32(t, fmt.Sprintf("%v act %d", c, act), got, want, 1e-5)
		}
	}
}

// TestFullyConnectedFloatGemm covers both paths: batch 1 (simd.Gemv) on
// every pair of depths around the vector widths and the reference CNN's
// layers, with each activation and with and without bias; batch > 1
// (simd.Gemm) on a few shapes, also after a batch-1 call on the same
// prepared layer and before one.
func TestFullyConnectedFloatGemm(t *testing.T) {
	r := rand.New(rand.NewPCG(2, 12))
	var shapes [][3]int
	for _, inD := range []int{1, 3, 7, 17, 50, 200, 800} {
		for _, outD := range []int{1, 3, 10, 50, 200} {
			shapes = append(shapes, [3]int{1, inD, outD})
		}
	}
	shapes = append(shapes, [3]int{3, 17, 7}, [3]int{2, 1, 3}, [3]int{5, 33, 1}, [3]int{4, 50, 10}, [3]int{2, 800, 200}, [3]int{9, 200, 50})
	for _, s := range shapes {
		batches, inD, outD := s[0], s[1], s[2]
		for ai, act := range []tflite.Activation{tflite.ActNone, tflite.ActRelu, tflite.ActRelu6} {
			p := &FullyConnectedParams{}
			p.FloatMin, p.FloatMax, _ = FloatActivationRange(act)
			in, w, bias := randF32(r, batches*inD), randF32(r, inD*outD), randF32(r, outD)
			if ai == 1 {
				bias = nil
			}
			want := make([]float32, batches*outD)
			FullyConnectedFloat(p, batches, inD, outD, in, w, bias, want)
			f := NewFullyConnectedFloatGemm(p, inD, outD, w)
			name := fmt.Sprint(s, " act ", act)
			got := make([]float32, batches*outD)
			f.FullyConnected(batches, in, bias, got)
			closeF32(t, name, got, want, 1e-5)
			// The other path on the same prepared layer: row 0 alone, then
			// (for batch 1) the row twice.
			got1 := make([]float32, outD)
			f.FullyConnected(1, in[:inD], bias, got1)
			closeF32(t, name+" row 0 alone", got1, want[:outD], 1e-5)
			if batches == 1 {
				in2 := append(append([]float32(nil), in...), in...)
				got2 := make([]float32, 2*outD)
				f.FullyConnected(2, in2, bias, got2)
				closeF32(t, name+" twice", got2, append(append([]float32(nil), want...), want...), 1e-5)
			}
		}
	}
}

func TestMaxPoolFloatFast(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 12))
	nan, negZero := float32(math.NaN()), float32(math.Copysign(0, -1))
	for _, c := range []struct {
		n, h, w, ch, f, s int
		pad               tflite.Padding
	}{{1, 26, 26, 32, 2, 2, tflite.PaddingValid}, {2, 7, 9, 3, 3, 2, tflite.PaddingSame}, {1, 5, 5, 17, 3, 1, tflite.PaddingSame}, {1, 4, 6, 1, 2, 1, tflite.PaddingValid}} {
		p := &PoolParams{StrideH: c.s, StrideW: c.s, FilterH: c.f, FilterW: c.f, FloatMin: -1, FloatMax: 1}
		oh, ow := OutputSize(c.pad, c.h, c.f, c.s, 1), OutputSize(c.pad, c.w, c.f, c.s, 1)
		p.Padding = Padding{Height: PaddingBefore(c.h, c.f, c.s, 1, oh), Width: PaddingBefore(c.w, c.f, c.s, 1, ow)}
		is, os := Shape4{c.n, c.h, c.w, c.ch}, Shape4{c.n, oh, ow, c.ch}
		in := randF32(r, is.Len())
		for i := range in {
			switch r.IntN(8) {
			case 0:
				in[i] = nan
			case 1:
				in[i] = negZero
			}
		}
		for _, clamp := range [][2]float32{{-1, 1}, {-math.MaxFloat32, math.MaxFloat32}, {0, math.MaxFloat32}} {
			p.FloatMin, p.FloatMax = clamp[0], clamp[1]
			want, got := make([]float32, os.Len()), make([]float32, os.Len())
			MaxPoolFloat(p, is, in, os, want)
			MaxPoolFloatFast(p, is, in, os, got, NegZeros(c.ch))
			for i := range want {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Fatalf("%+v clamp %v: [%d] = %v, want %v", c, clamp, i, got[i], want[i])
				}
			}
		}
	}
}

// int8Quant is one choice of zero points and output scaling for the int8
// tests.
type int8Quant struct {
	inZP, outZP int32
	scale       float64 // input scale × filter scale / output scale of channel 0
	lo, hi      int32
}

var int8Quants = []int8Quant{
	{-128, -128, 0.004, -128, 127}, // the reference CNN's: images and ReLU outputs start at −128
	{127, 5, 0.3, -128, 127},
	{0, 0, 1e-6, -128, 127},
	{-3, 127, 1.7, -100, 120}, // a multiplier above one: a left shift
	{60, -128, 0.02, -128, -128 + 6*40},
	{-128, 0, 2e-9, -128, 127}, // the smallest shifts
}

// multipliers gives each of n channels a multiplier from base, spread over
// two octaves so that the shifts differ between channels.
func multipliers(n int, base float64) (mult, shift []int32) {
	mult, shift = make([]int32, n), make([]int32, n)
	for c := range mult {
		m, s := QuantizeMultiplier(base * math.Pow(2, float64(c%9)/4-1))
		mult[c], shift[c] = m, int32(s)
	}
	return mult, shift
}

func randBias(r *rand.Rand, n int, spread int) []int32 {
	b := make([]int32, n)
	for i := range b {
		b[i] = int32(r.IntN(2*spread+1) - spread)
	}
	return b
}

func equalInt8(t *testing.T, name string, got, want []int8) {
	t.Helper()
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("%s: [%d] = %d, want %d", name, i, got[i], want[i])
		}
	}
}

func TestConvInt8Packed(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 12))
	for _, c := range fastConvCases {
		for qi, q := range int8Quants {
			p := &ConvParams{InputOffset: -q.inZP, OutputOffset: q.outZP, QuantMin: q.lo, QuantMax: q.hi}
			is, fs, os := c.geometry(p)
			p.OutMultiplier, p.OutShift = multipliers(os.C, q.scale)
			in, filter := randInt8(r, is.Len()), randInt8(r, fs.Len())
			for i := range filter {
				if filter[i] == -128 {
					filter[i] = -127 // TFLite's int8 weights are in [−127, 127]
				}
			}
			if qi == 1 {
				for i := range in { // extreme inputs: every value at the ends
					in[i] = int8(-128 + 255*(i%2))
				}
			}
			var bias []int32
			if qi != 2 {
				bias = randBias(r, os.C, 1<<(8+2*qi))
			}
			want := make([]int8, os.Len())
			ConvPerChannelInt8(p, is, in, fs, filter, bias, os, want)
			g := NewConvInt8Packed(p, is, fs, filter, os)
			got := make([]int8, os.Len())
			g.Conv(in, bias, got, make([]byte, g.ScratchBytes()))
			equalInt8(t, fmt.Sprintf("%v quant %d", c, qi), got, want)
		}
	}
}

func TestFullyConnectedInt8Packed(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 12))
	for _, s := range [][3]int{{1, 800, 200}, {1, 200, 50}, {1, 50, 10}, {3, 17, 7}, {2, 1, 3}, {9, 33, 1}, {700, 5, 33}} {
		batches, inD, outD := s[0], s[1], s[2]
		for qi, q := range int8Quants {
			for _, perChannel := range []bool{false, true} {
				p := &FullyConnectedParams{InputOffset: -q.inZP, OutputOffset: q.outZP, QuantMin: q.lo, QuantMax: q.hi}
				if perChannel {
					p.OutMultiplier, p.OutShift = multipliers(outD, q.scale)
				} else {
					m, sh := QuantizeMultiplier(q.scale)
					p.OutMultiplier, p.OutShift = []int32{m}, []int32{int32(sh)}
				}
				in, w := randInt8(r, batches*inD), randInt8(r, inD*outD)
				var bias []int32
				if qi%2 == 0 {
					bias = randBias(r, outD, 1<<(6+3*qi))
				}
				want := make([]int8, batches*outD)
				FullyConnectedInt8(p, batches, inD, outD, in, w, bias, want)
				f := NewFullyConnectedInt8Packed(p, batches, inD, outD, w)
				got := make([]int8, batches*outD)
				f.FullyConnected(in, bias, got, make([]byte, f.ScratchBytes()))
				equalInt8(t, fmt.Sprintf("%v quant %d per-channel %v", s, qi, perChannel), got, want)
			}
		}
	}
	// Weights with an offset do not fit the packed bytes: no fast path.
	p := &FullyConnectedParams{WeightsOffset: 3, OutMultiplier: []int32{1 << 30}, OutShift: []int32{0}}
	if f := NewFullyConnectedInt8Packed(p, 1, 4, 4, make([]int8, 16)); f != nil {
		t.Error("NewFullyConnectedInt8Packed took weights with an offset")
	}
}

// TestRequantI8MatchesReference holds simd.RequantI8 (vector or Go, as this
// CPU runs it) to MultiplyByQuantizedMultiplier and the clamp, on
// accumulators that hit the rounding ties of every shift, the int32
// extremes and the saturating product.
func TestRequantI8MatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(6, 12))
	var accs []int32
	for _, v := range []int32{0, 1, -1, math.MaxInt32, math.MinInt32, math.MinInt32 + 1, 1 << 30, -1 << 30} {
		accs = append(accs, v)
	}
	for e := 0; e < 31; e++ {
		h := int32(1) << e
		accs = append(accs, h, -h, h+h/2, -h-h/2, h-1, 1-h)
	}
	for range 200 {
		accs = append(accs, int32(r.Uint32()), int32(r.Uint32())>>r.IntN(31))
	}
	mults := []int32{0, 1, 1 << 30, math.MaxInt32, math.MinInt32, 1518500250}
	for range 10 {
		mults = append(mults, 1<<30+int32(r.IntN(1<<30)))
	}
	n := 62 * len(mults) // every shift in [−31, 30] with every multiplier
	corr, mult, shift := make([]int32, n), make([]int32, n), make([]int32, n)
	for j := range corr {
		mult[j], shift[j] = mults[j/62], int32(j%62-31)
	}
	acc := make([]int32, len(accs)*n)
	for i, a := range accs {
		for j := 0; j < n; j++ {
			acc[i*n+j] = a
		}
	}
	for _, q := range [][3]int32{{0, -128, 127}, {-128, -128, 127}, {100, -50, 60}} {
		got := make([]int8, len(acc))
		simd.RequantI8(got, n, acc, n, len(accs), n, corr, mult, shift, q[0], q[1], q[2])
		for i, a := range acc {
			j := i % n
			want := clampInt8(MultiplyByQuantizedMultiplier(a, mult[j], int(shift[j]))+q[0], q[1], q[2])
			if got[i] != want {
				t.Fatalf("acc %d mult %d shift %d off %d: %d, want %d", a, mult[j], shift[j], q[0], got[i], want)
			}
		}
	}
}

func TestMaxPoolInt8Fast(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 12))
	for _, c := range []struct {
		n, h, w, ch, f, s int
		pad               tflite.Padding
	}{{1, 26, 26, 32, 2, 2, tflite.PaddingValid}, {1, 11, 11, 32, 2, 2, tflite.PaddingValid}, {2, 7, 9, 3, 3, 2, tflite.PaddingSame}, {1, 5, 5, 33, 3, 1, tflite.PaddingSame}} {
		p := &PoolParams{StrideH: c.s, StrideW: c.s, FilterH: c.f, FilterW: c.f}
		oh, ow := OutputSize(c.pad, c.h, c.f, c.s, 1), OutputSize(c.pad, c.w, c.f, c.s, 1)
		p.Padding = Padding{Height: PaddingBefore(c.h, c.f, c.s, 1, oh), Width: PaddingBefore(c.w, c.f, c.s, 1, ow)}
		is, os := Shape4{c.n, c.h, c.w, c.ch}, Shape4{c.n, oh, ow, c.ch}
		in := randInt8(r, is.Len())
		for _, clamp := range [][2]int32{{-128, 127}, {-20, 30}, {-128, -128}} {
			p.QuantMin, p.QuantMax = clamp[0], clamp[1]
			want, got := make([]int8, os.Len()), make([]int8, os.Len())
			MaxPoolInt8(p, is, in, os, want)
			MaxPoolInt8Fast(p, is, in, os, got)
			equalInt8(t, fmt.Sprintf("%+v clamp %v", c, clamp), got, want)
		}
	}
}
