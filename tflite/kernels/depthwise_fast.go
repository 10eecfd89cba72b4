package kernels

import (
	"unsafe"

	"github.com/mnistcnn/mnistcnn/internal/simd"
)

// The DEPTHWISE_CONV_2D fast paths, vectorized across channels. In NHWC a
// pixel's channels are contiguous, and with depth multiplier 1 output
// channel c reads input channel c with filter[ky,kx,c], so each in-bounds
// tap of an output pixel is one elementwise multiply-accumulate over all
// channels (simd.MulAddF32, simd.MulAddI8) into that pixel's accumulators.
//
// With a multiplier m > 1 output channel c·m+j reads input channel c. The
// filter's layout already has output channels innermost, so rather than
// repack it the input is expanded once per call into scratch, each input
// value repeated m times (xe[pixel, c·m+j] = in[pixel, c]); the m = 1 loop
// then runs on xe, whose channels line up with the output's. This costs
// N·H·W·C·m values of scratch and one pass over the input, small beside the
// kh·kw multiply-accumulates per output value.
//
// Float: the taps are summed in the scalar kernel's order (ky, then kx),
// but with FMA, and the bias is added last and the activation clamped over
// the whole output by simd.BiasClamp; results agree with
// DepthwiseConvFloat to float32 rounding. int8: the int32 sums
// Σ filter·(in + InputOffset) wrap as the reference's do, and
// simd.RequantI8 adds the bias and requantizes lane by lane, so the bytes
// are DepthwiseConvPerChannelInt8's.

// depthwiseGeom is what both fast paths share.
type depthwiseGeom struct {
	p             ConvParams
	inS, fS, outS Shape4
	m             int
}

func newDepthwiseGeom(p *ConvParams, inS, fS, outS Shape4) depthwiseGeom {
	return depthwiseGeom{p: *p, inS: inS, fS: fS, outS: outS, m: max(p.DepthMultiplier, 1)}
}

// expandedLen is the number of scratch values the expanded input takes
// (0 with multiplier 1).
func (g *depthwiseGeom) expandedLen() int {
	if g.m == 1 {
		return 0
	}
	return g.inS.N * g.inS.H * g.inS.W * g.outS.C
}

// expand writes xe[pixel, c·m+j] = in[pixel, c] for every pixel of in.
func expand[T int8 | float32](xe, in []T, cin, m int) {
	cout := cin * m
	for p := 0; p < len(in)/cin; p++ {
		src := in[p*cin:][:cin]
		dst := xe[p*cout:][:cout]
		for c, v := range src {
			d := dst[c*m:][:m]
			for j := range d {
				d[j] = v
			}
		}
	}
}

// eachPixel calls f for every output pixel with its index and tap range.
func (g *depthwiseGeom) eachPixel(f func(b, oy, ox, iy0, ix0, ky0, ky1, kx0, kx1 int)) {
	p := &g.p
	for b := 0; b < g.outS.N; b++ {
		for oy := 0; oy < g.outS.H; oy++ {
			iy0 := oy*p.StrideH - p.Padding.Height
			ky0, ky1 := tapRange(iy0, p.DilationH, g.fS.H, g.inS.H)
			for ox := 0; ox < g.outS.W; ox++ {
				ix0 := ox*p.StrideW - p.Padding.Width
				kx0, kx1 := tapRange(ix0, p.DilationW, g.fS.W, g.inS.W)
				f(b, oy, ox, iy0, ix0, ky0, ky1, kx0, kx1)
			}
		}
	}
}

// DepthwiseFloatFast is DepthwiseConvFloat with a constant filter, on
// simd.MulAddF32; see the comment at the top of this file. Safe for
// concurrent use: each call brings its own scratch.
type DepthwiseFloatFast struct {
	depthwiseGeom
	filter, zero []float32
}

// NewDepthwiseFloatFast prepares DepthwiseConvFloat's p, shapes and
// filter, which it keeps (not copied: it must not change).
func NewDepthwiseFloatFast(p *ConvParams, inS, fS Shape4, filter []float32, outS Shape4) *DepthwiseFloatFast {
	return &DepthwiseFloatFast{
		depthwiseGeom: newDepthwiseGeom(p, inS, fS, outS),
		filter:        filter[:fS.H*fS.W*outS.C],
		zero:          make([]float32, outS.C),
	}
}

// ScratchFloats is the length of scratch Conv needs.
func (d *DepthwiseFloatFast) ScratchFloats() int { return d.expandedLen() }

// Conv computes out from in and bias (which may be nil), as
// DepthwiseConvFloat, using scratch (at least ScratchFloats long).
func (d *DepthwiseFloatFast) Conv(in, bias, out, scratch []float32) {
	g := &d.depthwiseGeom
	cout, kw := g.outS.C, g.fS.W
	out = out[:g.outS.N*g.outS.H*g.outS.W*cout]
	x, ld := in, g.inS.C
	if g.m > 1 {
		x = scratch[:g.expandedLen()]
		expand(x, in[:g.inS.N*g.inS.H*g.inS.W*g.inS.C], g.inS.C, g.m)
		ld = cout
	}
	dh, dw := g.p.DilationH, g.p.DilationW
	inH, inW := g.inS.H, g.inS.W
	g.eachPixel(func(b, oy, ox, iy0, ix0, ky0, ky1, kx0, kx1 int) {
		dst := out[((b*g.outS.H+oy)*g.outS.W+ox)*cout:][:cout]
		clear(dst)
		for ky := ky0; ky < ky1; ky++ {
			row := (b*inH + iy0 + ky*dh) * inW
			for kx := kx0; kx < kx1; kx++ {
				ix := ix0 + kx*dw
				simd.MulAddF32(dst, x[(row+ix)*ld:][:cout], d.filter[(ky*kw+kx)*cout:][:cout])
			}
		}
	})
	if bias == nil {
		bias = d.zero
	}
	simd.BiasClamp(out, cout, bias[:cout], g.p.FloatMin, g.p.FloatMax)
}

// DepthwiseInt8Fast is DepthwiseConvPerChannelInt8 with a constant filter,
// on simd.MulAddI8 and simd.RequantI8; see the comment at the top of this
// file. Safe for concurrent use: each call brings its own scratch.
type DepthwiseInt8Fast struct {
	depthwiseGeom
	filter []int8
	zero   []int32
}

// NewDepthwiseInt8Fast prepares DepthwiseConvPerChannelInt8's p, shapes
// and filter, which it keeps (not copied: it must not change).
func NewDepthwiseInt8Fast(p *ConvParams, inS, fS Shape4, filter []int8, outS Shape4) *DepthwiseInt8Fast {
	return &DepthwiseInt8Fast{
		depthwiseGeom: newDepthwiseGeom(p, inS, fS, outS),
		filter:        filter[:fS.H*fS.W*outS.C],
		zero:          make([]int32, outS.C),
	}
}

// ScratchBytes is the length of scratch Conv needs.
func (d *DepthwiseInt8Fast) ScratchBytes() int { return d.expandedLen() }

// Conv computes out from in and bias (which may be nil), as
// DepthwiseConvPerChannelInt8, using scratch (at least ScratchBytes long).
// The accumulators of depthwiseChunk output channels at a time live on the
// stack.
func (d *DepthwiseInt8Fast) Conv(in []int8, bias []int32, out []int8, scratch []byte) {
	g := &d.depthwiseGeom
	p := &g.p
	cout, kw := g.outS.C, g.fS.W
	x, ld := in, g.inS.C
	if g.m > 1 {
		x = bytesAsInt8s(scratch[:g.expandedLen()])
		expand(x, in[:g.inS.N*g.inS.H*g.inS.W*g.inS.C], g.inS.C, g.m)
		ld = cout
	}
	if bias == nil {
		bias = d.zero
	}
	bias = bias[:cout]
	dh, dw := p.DilationH, p.DilationW
	inH, inW := g.inS.H, g.inS.W
	var accBuf [depthwiseChunk]int32
	g.eachPixel(func(b, oy, ox, iy0, ix0, ky0, ky1, kx0, kx1 int) {
		o := ((b*g.outS.H+oy)*g.outS.W + ox) * cout
		for c0 := 0; c0 < cout; c0 += depthwiseChunk {
			n := min(depthwiseChunk, cout-c0)
			acc := accBuf[:n]
			clear(acc)
			for ky := ky0; ky < ky1; ky++ {
				row := (b*inH + iy0 + ky*dh) * inW
				for kx := kx0; kx < kx1; kx++ {
					ix := ix0 + kx*dw
					simd.MulAddI8(acc, x[(row+ix)*ld+c0:][:n], p.InputOffset, d.filter[(ky*kw+kx)*cout+c0:][:n])
				}
			}
			simd.RequantI8(out[o+c0:][:n], n, acc, n, 1, n, bias[c0:][:n], p.OutMultiplier[c0:][:n], p.OutShift[c0:][:n],
				p.OutputOffset, p.QuantMin, p.QuantMax)
		}
	})
}

// bytesAsInt8s is b viewed as int8s.
func bytesAsInt8s(b []byte) []int8 {
	if len(b) == 0 {
		return nil
	}
	return unsafe.Slice((*int8)(unsafe.Pointer(&b[0])), len(b))
}
