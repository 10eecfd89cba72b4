package kernels

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/mnistcnn/mnistcnn/tflite"
)

// The depthwise fast kernels (depthwise_fast.go) against the scalar ones:
// channel counts around the vector width (1, 3, 7, 17, 33), multipliers
// 1, 2, 3, SAME and VALID padding, stride 2, dilation 2, batch 2, and more
// than depthwiseChunk output channels; int8 with extreme zero points and
// per-channel multipliers. int8: the same bytes; float: within 1e-5.

type dwCase struct {
	n, h, w, c, m, kh, kw int
	pad                   tflite.Padding
	stride, dil           int
}

func (c dwCase) String() string {
	return fmt.Sprintf("%d×%d×%d×%d m%d k%d×%d pad%d s%d d%d", c.n, c.h, c.w, c.c, c.m, c.kh, c.kw, c.pad, c.stride, c.dil)
}

func dwCases() []dwCase {
	var cs []dwCase
	for _, ch := range []int{1, 3, 7, 17, 33} {
		for _, m := range []int{1, 2, 3} {
			cs = append(cs,
				dwCase{1, 9, 8, ch, m, 3, 3, tflite.PaddingSame, 1, 1},
				dwCase{2, 7, 9, ch, m, 3, 3, tflite.PaddingValid, 1, 1},
				dwCase{1, 10, 11, ch, m, 3, 2, tflite.PaddingSame, 2, 1},
				dwCase{2, 11, 10, ch, m, 3, 3, tflite.PaddingSame, 1, 2},
				dwCase{1, 9, 9, ch, m, 2, 3, tflite.PaddingValid, 2, 2},
			)
		}
	}
	return append(cs,
		dwCase{1, 6, 5, 100, 3, 3, 3, tflite.PaddingSame, 1, 1}, // 300 outputs: two accumulator chunks
		dwCase{1, 5, 6, 520, 1, 5, 5, tflite.PaddingSame, 2, 1},
		dwCase{1, 3, 3, 8, 1, 5, 5, tflite.PaddingSame, 1, 1}, // filter larger than the input
	)
}

func (c dwCase) geometry(p *ConvParams) (is, fs, os Shape4) {
	p.StrideH, p.StrideW, p.DilationH, p.DilationW = c.stride, c.stride, c.dil, c.dil
	p.DepthMultiplier = c.m
	oh := OutputSize(c.pad, c.h, c.kh, c.stride, c.dil)
	ow := OutputSize(c.pad, c.w, c.kw, c.stride, c.dil)
	p.Padding = Padding{Height: PaddingBefore(c.h, c.kh, c.stride, c.dil, oh), Width: PaddingBefore(c.w, c.kw, c.stride, c.dil, ow)}
	return Shape4{c.n, c.h, c.w, c.c}, Shape4{1, c.kh, c.kw, c.c * c.m}, Shape4{c.n, oh, ow, c.c * c.m}
}

func TestDepthwiseFloatFast(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 1))
	for _, c := range dwCases() {
		for _, act := range []tflite.Activation{tflite.ActNone, tflite.ActRelu, tflite.ActRelu6} {
			p := &ConvParams{}
			p.FloatMin, p.FloatMax, _ = FloatActivationRange(act)
			is, fs, os := c.geometry(p)
			in, filter, bias := randF32(r, is.Len()), randF32(r, fs.Len()), randF32(r, os.C)
			if act == tflite.ActRelu {
				bias = nil
			}
			want := make([]float32, os.Len())
			DepthwiseConvFloat(p, is, in, fs, filter, bias, os, want)
			d := NewDepthwiseFloatFast(p, is, fs, filter, os)
			got := make([]float32, os.Len())
			for i := range got {
				got[i] = 1e30 // Conv must overwrite every output
			}
			d.Conv(in, bias, got, make([]float32, d.ScratchFloats()))
			closeF32(t, fmt.Sprintf("%v act %d", c, act), got, want, 1e-5)
		}
	}
}

func TestDepthwiseInt8Fast(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 2))
	for _, c := range dwCases() {
		for qi, q := range int8Quants {
			p := &ConvParams{InputOffset: -q.inZP, OutputOffset: q.outZP, QuantMin: q.lo, QuantMax: q.hi}
			is, fs, os := c.geometry(p)
			p.OutMultiplier, p.OutShift = multipliers(os.C, q.scale)
			in, filter := randInt8(r, is.Len()), randInt8(r, fs.Len())
			for i := range filter {
				if filter[i] == -128 {
					filter[i] = -127
				}
			}
			if qi == 1 {
				for i := range in {
					in[i] = int8(-128 + 255*(i%2))
				}
			}
			var bias []int32
			if qi%3 != 2 {
				bias = randBias(r, os.C, 5000)
			}
			want := make([]int8, os.Len())
			DepthwiseConvPerChannelInt8(p, is, in, fs, filter, bias, os, want)
			d := NewDepthwiseInt8Fast(p, is, fs, filter, os)
			got := make([]int8, os.Len())
			for i := range got {
				got[i] = 99
			}
			d.Conv(in, bias, got, make([]byte, d.ScratchBytes()))
			equalInt8(t, fmt.Sprintf("%v quant %d", c, qi), got, want)
		}
	}
}

func TestDepthwiseFastNoAlloc(t *testing.T) {
	c := dwCase{1, 8, 8, 16, 2, 3, 3, tflite.PaddingSame, 1, 1}
	p := &ConvParams{QuantMin: -128, QuantMax: 127, FloatMin: -1, FloatMax: 1}
	is, fs, os := c.geometry(p)
	p.OutMultiplier, p.OutShift = multipliers(os.C, 0.01)
	df := NewDepthwiseFloatFast(p, is, fs, make([]float32, fs.Len()), os)
	di := NewDepthwiseInt8Fast(p, is, fs, make([]int8, fs.Len()), os)
	inF, outF, sF := make([]float32, is.Len()), make([]float32, os.Len()), make([]float32, df.ScratchFloats())
	inI, outI, sI := make([]int8, is.Len()), make([]int8, os.Len()), make([]byte, di.ScratchBytes())
	if a := testing.AllocsPerRun(10, func() { df.Conv(inF, nil, outF, sF) }); a != 0 {
		t.Errorf("float: %v allocations", a)
	}
	if a := testing.AllocsPerRun(10, func() { di.Conv(inI, nil, outI, sI) }); a != 0 {
		t.Errorf("int8: %v allocations", a)
	}
}

// The kernels alone on a MobileNet-like layer: 1×56×56×64, 3×3, SAME,
// multiplier 1.
func dwBenchCase(b *testing.B) (p *ConvParams, is, fs, os Shape4) {
	c := dwCase{1, 56, 56, 64, 1, 3, 3, tflite.PaddingSame, 1, 1}
	p = &ConvParams{InputOffset: 128, OutputOffset: -128, QuantMin: -128, QuantMax: 127}
	p.FloatMin, p.FloatMax, _ = FloatActivationRange(tflite.ActRelu6)
	is, fs, os = c.geometry(p)
	p.OutMultiplier, p.OutShift = multipliers(os.C, 0.004)
	return p, is, fs, os
}

func BenchmarkDepthwiseFloat(b *testing.B) {
	p, is, fs, os := dwBenchCase(b)
	r := rand.New(rand.NewPCG(1, 1))
	in, filter, bias, out := randF32(r, is.Len()), randF32(r, fs.Len()), randF32(r, os.C), make([]float32, os.Len())
	b.Run("scalar", func(b *testing.B) {
		for b.Loop() {
			DepthwiseConvFloat(p, is, in, fs, filter, bias, os, out)
		}
	})
	b.Run("fast", func(b *testing.B) {
		d := NewDepthwiseFloatFast(p, is, fs, filter, os)
		s := make([]float32, d.ScratchFloats())
		for b.Loop() {
			d.Conv(in, bias, out, s)
		}
	})
}

func BenchmarkDepthwiseInt8(b *testing.B) {
	p, is, fs, os := dwBenchCase(b)
	r := rand.New(rand.NewPCG(1, 2))
	in, filter, bias, out := randInt8(r, is.Len()), randInt8(r, fs.Len()), randBias(r, os.C, 1000), make([]int8, os.Len())
	b.Run("scalar", func(b *testing.B) {
		for b.Loop() {
			DepthwiseConvPerChannelInt8(p, is, in, fs, filter, bias, os, out)
		}
	})
	b.Run("fast", func(b *testing.B) {
		d := NewDepthwiseInt8Fast(p, is, fs, filter, os)
		s := make([]byte, d.ScratchBytes())
		for b.Loop() {
			d.Conv(in, bias, out, s)
		}
	})
}
