package kernels

import (
	"math"
	"sync"

	"github.com/mnistcnn/mnistcnn/internal/simd"
)

// The float32 fast paths: CONV_2D and FULLY_CONNECTED as matrix products
// on simd.Gemm (im2col for the convolution; a single FULLY_CONNECTED row
// on simd.Gemv), the bias and the fused activation on simd.BiasClamp,
// MAX_POOL_2D on simd.MaxF32. They compute the same sums as ConvFloat,
// FullyConnectedFloat and MaxPoolFloat in another order and with fused
// multiply-adds, so results may differ from those in the last bits; the
// tests hold them to 1e-5 relative. The scalar kernels stay the
// reference, and the interpreter's choice when simd runs its generic
// kernels.

// gemmPatchFloats bounds the im2col matrix of one product (256 KiB): the
// output pixels are taken that many values' worth at a time.
const gemmPatchFloats = 1 << 16

// ConvFloatGemm is a float32 CONV_2D with a constant filter, prepared once:
// the filter transposed to k×outC (k = kh·kw·inC), so that
//
//	out[pixels, outC] = patches[pixels, k] · filterᵀ[k, outC]
//
// is one simd.Gemm reading it in place, patches being each output pixel's
// receptive field in filter order (zeros in the padding): ConvFloat's sum.
// Safe for concurrent use: each call brings its own scratch.
type ConvFloatGemm struct {
	p             ConvParams
	inS, fS, outS Shape4
	k             int       // values in one patch
	wt            []float32 // the filter as k × outC
	pointwise     bool      // 1×1, stride 1, no padding: the input is the patch matrix
	rows          int       // output pixels per product
	zeros         []float32 // −0 per output channel: the bias when there is none (x + −0 = x)
}

// NewConvFloatGemm prepares ConvFloat(p, inS, ·, fS, filter, ·, outS, ·)
// for Conv. filter (OHWI) is copied; the input channels of filter and
// input must agree (no groups).
func NewConvFloatGemm(p *ConvParams, inS, fS Shape4, filter []float32, outS Shape4) *ConvFloatGemm {
	k, outC := fS.H*fS.W*fS.C, outS.C
	g := &ConvFloatGemm{p: *p, inS: inS, fS: fS, outS: outS, k: k, wt: make([]float32, k*outC), zeros: negZeros(outC)}
	for o := 0; o < outC; o++ {
		for i, v := range filter[o*k : (o+1)*k] {
			g.wt[i*outC+o] = v
		}
	}
	g.pointwise = fS.H == 1 && fS.W == 1 && p.StrideH == 1 && p.StrideW == 1 &&
		p.Padding == (Padding{}) && inS.H == outS.H && inS.W == outS.W
	g.rows = max(1, min(gemmPatchFloats/max(k, 1), outS.N*outS.H*outS.W))
	return g
}

// negZeros is n float32 −0s.
func negZeros(n int) []float32 {
	z := make([]float32, n)
	for i := range z {
		z[i] = float32(math.Copysign(0, -1))
	}
	return z
}

// ScratchFloats is the length of the scratch Conv needs.
func (g *ConvFloatGemm) ScratchFloats() int {
	if g.pointwise {
		return 0
	}
	return g.rows * g.k
}

// Conv computes the convolution of in into out (shapes as prepared) with
// the given bias (nil for none), using scratch (ScratchFloats values).
func (g *ConvFloatGemm) Conv(in, bias, out, scratch []float32) {
	outC, k := g.outS.C, g.k
	total := g.outS.N * g.outS.H * g.outS.W
	for r0 := 0; r0 < total; r0 += g.rows {
		nr := min(g.rows, total-r0)
		var a []float32
		if g.pointwise {
			a = in[r0*k:]
		} else {
			a = scratch[:nr*k]
			g.gather(a, in, r0, nr)
		}
		simd.Gemm(false, false, nr, outC, k, a, k, g.wt, outC, 0, out[r0*outC:], outC)
	}
	if bias == nil {
		bias = g.zeros
	}
	simd.BiasClamp(out[:total*outC], outC, bias, g.p.FloatMin, g.p.FloatMax)
}

// gather writes the patches of output pixels r0 … r0+nr−1 (counted over
// batch, rows, columns) of in into dst, k values each. A window wholly
// inside the input with dilation 1 is kh runs of kw·inC contiguous values;
// any other takes gatherPatchF32.
func (g *ConvFloatGemm) gather(dst, in []float32, r0, nr int) {
	p, inS, fS, outS := &g.p, g.inS, g.fS, g.outS
	k, run, rowStride := g.k, fS.W*inS.C, inS.W*inS.C
	plane := outS.H * outS.W
	dense := p.DilationH == 1 && p.DilationW == 1
	// (b, oy, ox) of pixel r0, then counted up without divisions.
	b, oy, ox := r0/plane, r0%plane/outS.W, r0%outS.W
	for i := 0; i < nr; i++ {
		patch := dst[i*k : (i+1)*k]
		iy0 := oy*p.StrideH - p.Padding.Height
		ix0 := ox*p.StrideW - p.Padding.Width
		if dense && iy0 >= 0 && ix0 >= 0 && iy0+fS.H <= inS.H && ix0+fS.W <= inS.W {
			src := in[((b*inS.H+iy0)*inS.W+ix0)*inS.C:]
			for ky := 0; ky < fS.H; ky++ {
				s := src[ky*rowStride:][:run]
				d := patch[ky*run:][:run]
				if run < 16 { // a call to memmove costs more than a few moves
					for j, v := range s {
						d[j] = v
					}
					continue
				}
				copy(d, s)
			}
		} else {
			gatherPatchF32(patch, p, inS, in, fS, b, oy, ox)
		}
		if ox++; ox == outS.W {
			ox = 0
			if oy++; oy == outS.H {
				oy, b = 0, b+1
			}
		}
	}
}

// FullyConnectedFloatGemm is a float32 FULLY_CONNECTED with constant
// weights, prepared once. A single row (batches == 1) is one simd.Gemv on
// the weights as TFLite stores them, [out, in]: one dot product per
// output. More rows are one simd.Gemm, out[batches, out] = in[batches,
// in] · weightsᵀ, on the weights transposed to [in, out] (made on the
// first such call) so that it reads them in place. Either gives
// FullyConnectedFloat's sums. Safe for concurrent use.
type FullyConnectedFloatGemm struct {
	p                 FullyConnectedParams
	inDepth, outDepth int
	w                 []float32 // [out, in]
	zeros             []float32

	wtOnce sync.Once
	wt     []float32 // [in, out], for batches > 1
}

// NewFullyConnectedFloatGemm prepares FullyConnectedFloat for weights
// [outDepth, inDepth] (copied).
func NewFullyConnectedFloatGemm(p *FullyConnectedParams, inDepth, outDepth int, weights []float32) *FullyConnectedFloatGemm {
	return &FullyConnectedFloatGemm{p: *p, inDepth: inDepth, outDepth: outDepth,
		w: append([]float32(nil), weights[:inDepth*outDepth]...), zeros: negZeros(outDepth)}
}

// transposed returns the weights as [in, out], making them once.
func (f *FullyConnectedFloatGemm) transposed() []float32 {
	f.wtOnce.Do(func() {
		in, out := f.inDepth, f.outDepth
		f.wt = make([]float32, in*out)
		for o := 0; o < out; o++ {
			for i, v := range f.w[o*in : (o+1)*in] {
				f.wt[i*out+o] = v
			}
		}
	})
	return f.wt
}

// FullyConnected computes batches rows of in into out with the given bias
// (nil for none).
func (f *FullyConnectedFloatGemm) FullyConnected(batches int, in, bias, out []float32) {
	if batches == 0 {
		return
	}
	n := f.outDepth
	if batches == 1 {
		simd.Gemv(f.w, f.inDepth, in[:f.inDepth], out[:n])
	} else {
		simd.Gemm(false, false, batches, n, f.inDepth, in, f.inDepth, f.transposed(), n, 0, out, n)
	}
	if bias == nil {
		bias = f.zeros
	}
	simd.BiasClamp(out[:batches*n], n, bias, f.p.FloatMin, f.p.FloatMax)
}

// MaxPoolFloatFast is MaxPoolFloat with each window's channels compared
// by simd.MaxF32 and clamped by simd.BiasClamp (adding −0 changes
// nothing). It gives the same bits as MaxPoolFloat.
func MaxPoolFloatFast(p *PoolParams, inS Shape4, in []float32, outS Shape4, out []float32, negZero []float32) {
	maxPoolWindows(p, inS, in, outS, out, simd.MaxF32)
	simd.BiasClamp(out[:outS.Len()], inS.C, negZero[:inS.C], p.FloatMin, p.FloatMax)
}

// NegZeros is n float32 −0s: a bias for simd.BiasClamp that changes no bit.
func NegZeros(n int) []float32 { return negZeros(n) }
