package kernels

import (
	"unsafe"

	"github.com/mnistcnn/mnistcnn/internal/simd"
)

// The int8 fast paths: CONV_2D and FULLY_CONNECTED with their weights
// repacked once into simd.DotU8I8's blocks, and MAX_POOL_2D on
// simd.MaxI8. They give the same bytes as ConvPerChannelInt8,
// FullyConnectedInt8 and MaxPoolInt8 (the TFLite Micro reference): integer
// sums are exact, and requantization is the reference's, lane by lane
// (simd.RequantI8).
//
// DotU8I8 multiplies unsigned by signed bytes, so the inputs are taken as
// u = x + 128 (x XOR 0x80) and the difference folded into one constant per
// output channel: with the reference's accumulator
//
//	acc[c] = bias[c] + Σ_k w[c,k]·(x_k + InputOffset)
//	       = Σ_k w[c,k]·u_k + bias[c] + (InputOffset − 128)·Σ_k w[c,k]
//
// where a tap in the padding is given x_k = −InputOffset (the input's zero
// point, so its product is 0, as the reference skips it). Every sum wraps
// modulo 2³² like the reference's int32 arithmetic, so regrouping it does
// not change the result.

// packedScratchBytes bounds the scratch of one chunk of output pixels.
const packedScratchBytes = 128 << 10

// int8Packed is what the convolution and the fully connected layer share:
// the packed weights, the per-channel constants, and the requantization.
type int8Packed struct {
	outC   int     // output channels
	k, k4  int     // depth of one dot product; groups of four (depth padded with zero weights)
	blocks int     // simd.I8Block-channel blocks
	w      []int8  // blocks × k4 × I8Block × 4 packed weights
	wcorr  []int32 // (InputOffset − 128) · Σ_k w[c,k]
	mult   []int32 // per output channel
	shift  []int32
	off    int32 // OutputOffset
	lo, hi int32 // the activation's clamp
}

// pack lays out the outC × k weights (row c at w[c*k:]) for DotU8I8.
func (q *int8Packed) pack(w []int8, outC, k int, inputOffset int32) {
	q.outC, q.k, q.k4 = outC, k, (k+3)/4
	q.blocks = (outC + simd.I8Block - 1) / simd.I8Block
	q.w = make([]int8, q.blocks*q.k4*4*simd.I8Block)
	q.wcorr = make([]int32, outC)
	for c := 0; c < outC; c++ {
		blk := q.w[c/simd.I8Block*q.k4*4*simd.I8Block:]
		j := c % simd.I8Block
		var sum int32
		for i, v := range w[c*k : (c+1)*k] {
			blk[(i/4*simd.I8Block+j)*4+i%4] = v
			sum += int32(v)
		}
		q.wcorr[c] = (inputOffset - 128) * sum
	}
}

// ldc is the leading dimension of the int32 accumulators: every block.
func (q *int8Packed) ldc() int { return q.blocks * simd.I8Block }

// rowBytes is the scratch one row (pixel or batch) takes: its accumulators
// and its u values.
func (q *int8Packed) rowBytes() int { return 4*q.ldc() + 4*q.k4 }

// chunkRows is how many rows fit the scratch bound, at least one.
func (q *int8Packed) chunkRows(total int) int {
	return max(1, min(packedScratchBytes/q.rowBytes(), total))
}

// split carves scratch into rows accumulators, rows·4·k4 u values and
// outC corrections; the int32s come first so they stay aligned.
func (q *int8Packed) split(scratch []byte, rows int) (acc []int32, u []uint8, corr []int32) {
	nAcc := rows * q.ldc()
	ints := unsafe.Slice((*int32)(unsafe.Pointer(&scratch[0])), nAcc+q.outC)
	return ints[:nAcc], scratch[4*(nAcc+q.outC):][:rows*4*q.k4], ints[nAcc : nAcc+q.outC]
}

func (q *int8Packed) scratchBytes(rows int) int { return rows*q.rowBytes() + 4*q.outC }

// corrections sets corr = bias + wcorr (bias may be nil).
func (q *int8Packed) corrections(corr, bias []int32) {
	copy(corr, q.wcorr)
	if bias != nil {
		for c, b := range bias[:q.outC] {
			corr[c] += b
		}
	}
}

// run multiplies nr rows of u (4·k4 bytes each) by every block and
// requantizes the sums into out (rows of outC).
func (q *int8Packed) run(nr int, u []uint8, acc, corr []int32, out []int8) {
	ldu, ldc := 4*q.k4, q.ldc()
	blk := q.k4 * 4 * simd.I8Block
	for b := 0; b < q.blocks; b++ {
		simd.DotU8I8(nr, q.k4, u, ldu, q.w[b*blk:(b+1)*blk], acc[b*simd.I8Block:], ldc)
	}
	simd.RequantI8(out, q.outC, acc, ldc, nr, q.outC, corr, q.mult, q.shift, q.off, q.lo, q.hi)
}

// ConvInt8Packed is ConvPerChannelInt8 with a constant filter prepared
// once for simd.DotU8I8; see the comment at the top of this file. Safe for
// concurrent use: each call brings its own scratch.
type ConvInt8Packed struct {
	int8Packed
	p             ConvParams
	inS, fS, outS Shape4
	rows          int   // output pixels per chunk
	pad           uint8 // the u value of a tap in the padding: zero point XOR 0x80
}

// NewConvInt8Packed prepares ConvPerChannelInt8(p, inS, ·, fS, filter, ·,
// outS, ·); the input channels of filter and input must agree (no groups).
// filter is copied, p's slices are kept.
func NewConvInt8Packed(p *ConvParams, inS, fS Shape4, filter []int8, outS Shape4) *ConvInt8Packed {
	g := &ConvInt8Packed{p: *p, inS: inS, fS: fS, outS: outS}
	g.pack(filter, fS.N, fS.H*fS.W*fS.C, p.InputOffset)
	g.mult, g.shift = p.OutMultiplier, p.OutShift
	g.off, g.lo, g.hi = p.OutputOffset, p.QuantMin, p.QuantMax
	g.rows = g.chunkRows(outS.N * outS.H * outS.W)
	g.pad = uint8(int8(-p.InputOffset)) ^ 0x80
	return g
}

// ScratchBytes is the scratch Conv needs.
func (g *ConvInt8Packed) ScratchBytes() int { return g.scratchBytes(g.rows) }

// Conv computes the convolution of in into out (shapes as prepared) with
// bias (nil for none), using scratch (ScratchBytes, 4-byte aligned).
func (g *ConvInt8Packed) Conv(in []int8, bias []int32, out []int8, scratch []byte) {
	acc, u, corr := g.split(scratch, g.rows)
	g.corrections(corr, bias)
	total := g.outS.N * g.outS.H * g.outS.W
	for r0 := 0; r0 < total; r0 += g.rows {
		nr := min(g.rows, total-r0)
		g.gather(u[:nr*4*g.k4], in, r0, nr)
		g.run(nr, u, acc, corr, out[r0*g.outC:])
	}
}

// gather writes the patches of output pixels r0 … r0+nr−1 of in, as u
// values in filter order, 4·k4 bytes each (the bytes past k are 0).
func (g *ConvInt8Packed) gather(dst []uint8, in []int8, r0, nr int) {
	p, inS, fS, outS := &g.p, g.inS, g.fS, g.outS
	ldu, cin := 4*g.k4, inS.C
	run, rowStride := fS.W*cin, inS.W*cin
	plane := outS.H * outS.W
	dense := p.DilationH == 1 && p.DilationW == 1
	// (b, oy, ox) of pixel r0, then counted up without divisions.
	b, oy, ox := r0/plane, r0%plane/outS.W, r0%outS.W
	for i := 0; i < nr; i++ {
		patch := dst[i*ldu : (i+1)*ldu]
		for j := g.k; j < ldu; j++ {
			patch[j] = 0
		}
		iy0 := oy*p.StrideH - p.Padding.Height
		ix0 := ox*p.StrideW - p.Padding.Width
		if dense && iy0 >= 0 && ix0 >= 0 && iy0+fS.H <= inS.H && ix0+fS.W <= inS.W {
			src := in[((b*inS.H+iy0)*inS.W+ix0)*cin:]
			for ky := 0; ky < fS.H; ky++ {
				flipCopy(patch[ky*run:][:run], src[ky*rowStride:][:run])
			}
		} else {
			g.gatherEdge(patch, in, b, iy0, ix0)
		}
		if ox++; ox == outS.W {
			ox = 0
			if oy++; oy == outS.H {
				oy, b = 0, b+1
			}
		}
	}
}

// gatherEdge is gather for one patch whose window leaves the input or is
// dilated: tap by tap, the padding as g.pad.
func (g *ConvInt8Packed) gatherEdge(patch []uint8, in []int8, b, iy0, ix0 int) {
	p, inS, fS := &g.p, g.inS, g.fS
	cin := inS.C
	for ky := 0; ky < fS.H; ky++ {
		iy := iy0 + ky*p.DilationH
		for kx := 0; kx < fS.W; kx++ {
			ix := ix0 + kx*p.DilationW
			d := patch[(ky*fS.W+kx)*cin:][:cin]
			if iy < 0 || iy >= inS.H || ix < 0 || ix >= inS.W {
				for j := range d {
					d[j] = g.pad
				}
				continue
			}
			flipCopy(d, in[((b*inS.H+iy)*inS.W+ix)*cin:][:cin])
		}
	}
}

// flipCopy sets dst[i] = uint8(src[i]) XOR 0x80 (= src[i] + 128), eight
// bytes at a time.
func flipCopy(dst []uint8, src []int8) {
	src = src[:len(dst)]
	i := 0
	for ; i+8 <= len(dst); i += 8 {
		*(*uint64)(unsafe.Pointer(&dst[i])) = *(*uint64)(unsafe.Pointer(&src[i])) ^ 0x8080808080808080
	}
	for ; i < len(dst); i++ {
		dst[i] = uint8(src[i]) ^ 0x80
	}
}

// FullyConnectedInt8Packed is FullyConnectedInt8 with constant weights
// prepared once for simd.DotU8I8. The weights must be symmetric (per
// channel, or per tensor with WeightsOffset 0): an offset weight need not
// fit a byte. Safe for concurrent use.
type FullyConnectedInt8Packed struct {
	int8Packed
	batches int
	rows    int
}

// NewFullyConnectedInt8Packed prepares FullyConnectedInt8(p, batches,
// accumDepth, outDepth, ·, weights, ·, ·). It returns nil when the weights
// have an offset (per-tensor WeightsOffset ≠ 0), which this path does not
// take. weights is copied; p's slices are kept or expanded.
func NewFullyConnectedInt8Packed(p *FullyConnectedParams, batches, accumDepth, outDepth int, weights []int8) *FullyConnectedInt8Packed {
	perChannel := len(p.OutMultiplier) > 1
	if !perChannel && p.WeightsOffset != 0 {
		return nil
	}
	f := &FullyConnectedInt8Packed{batches: batches}
	f.pack(weights, outDepth, accumDepth, p.InputOffset)
	f.mult, f.shift = p.OutMultiplier, p.OutShift
	if !perChannel {
		f.mult, f.shift = make([]int32, outDepth), make([]int32, outDepth)
		for o := range f.mult {
			f.mult[o], f.shift[o] = p.OutMultiplier[0], p.OutShift[0]
		}
	}
	f.off, f.lo, f.hi = p.OutputOffset, p.QuantMin, p.QuantMax
	f.rows = f.chunkRows(batches)
	return f
}

// ScratchBytes is the scratch FullyConnected needs.
func (f *FullyConnectedInt8Packed) ScratchBytes() int { return f.scratchBytes(f.rows) }

// FullyConnected computes the prepared batches of in into out with bias
// (nil for none), using scratch (ScratchBytes, 4-byte aligned).
func (f *FullyConnectedInt8Packed) FullyConnected(in []int8, bias []int32, out []int8, scratch []byte) {
	acc, u, corr := f.split(scratch, f.rows)
	f.corrections(corr, bias)
	ldu := 4 * f.k4
	for r0 := 0; r0 < f.batches; r0 += f.rows {
		nr := min(f.rows, f.batches-r0)
		for i := 0; i < nr; i++ {
			row := u[i*ldu : (i+1)*ldu]
			flipCopy(row[:f.k], in[(r0+i)*f.k:][:f.k])
			clear(row[f.k:])
		}
		f.run(nr, u, acc, corr, out[r0*f.outC:])
	}
}

// MaxPoolInt8Fast is MaxPoolInt8 with each window's channels compared by
// simd.MaxI8. It gives the same bytes.
func MaxPoolInt8Fast(p *PoolParams, is Shape4, in []int8, os Shape4, out []int8) {
	c := is.C
	clamp := p.QuantMin > -128 || p.QuantMax < 127
	for b := 0; b < os.N; b++ {
		for oy := 0; oy < os.H; oy++ {
			iy0 := oy*p.StrideH - p.Padding.Height
			ky0, ky1 := tapRange(iy0, 1, p.FilterH, is.H)
			for ox := 0; ox < os.W; ox++ {
				ix0 := ox*p.StrideW - p.Padding.Width
				kx0, kx1 := tapRange(ix0, 1, p.FilterW, is.W)
				dst := out[((b*os.H+oy)*os.W+ox)*c:][:c]
				if ky0 == ky1 || kx0 == kx1 {
					for i := range dst {
						dst[i] = -128 // an empty window: the reference's start value
					}
				}
				first := true
				for ky := ky0; ky < ky1; ky++ {
					row := in[(b*is.H+iy0+ky)*is.W*c:]
					for kx := kx0; kx < kx1; kx++ {
						x := row[(ix0+kx)*c:][:c]
						if first {
							copy(dst, x)
							first = false
							continue
						}
						simd.MaxI8(dst, x)
					}
				}
				if clamp {
					for i, v := range dst {
						dst[i] = clampInt8(int32(v), p.QuantMin, p.QuantMax)
					}
				}
			}
		}
	}
}
