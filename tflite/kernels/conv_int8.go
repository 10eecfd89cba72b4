package kernels

// maxPatch is the largest filter patch (filter height × width × input
// channels) ConvPerChannelInt8 gathers on the stack; larger filters take the
// plain loop.
const maxPatch = 4096

// ConvPerChannelInt8 is CONV_2D on int8 data with per-channel filter
// quantization, as TFLite's reference_integer_ops::ConvPerChannel. For each
// output value
//
//	acc = bias[c] + Σ filter[c,ky,kx,i] · (in[y,x,i] + InputOffset)
//	out = clamp(MultiplyByQuantizedMultiplier(acc, OutMultiplier[c], OutShift[c]) + OutputOffset,
//	            QuantMin, QuantMax)
//
// where taps that fall in the padding add nothing. The int32 accumulator
// cannot overflow for filters of fewer than 2^31/(255·128) ≈ 65 000 taps.
// filter is OHWI with shape fs (N = output channels, C = input channels);
// bias may be nil. Shapes are not checked; it does not allocate.
func ConvPerChannelInt8(p *ConvParams, is Shape4, in []int8, fs Shape4, filter []int8, bias []int32, os Shape4, out []int8) {
	patchLen := fs.H * fs.W * fs.C
	if patchLen > maxPatch || fs.C != is.C {
		convPerChannelInt8Loop(p, is, in, fs, filter, bias, os, out)
		return
	}
	// A patch holds one receptive field as in + InputOffset, with 0 for the
	// taps in the padding: then every output channel is one dot product with
	// a contiguous OHWI filter row. Integer sums are exact, so the order of
	// the additions does not change the result.
	//
	// Two output pixels are done at once: their patches are packed into one
	// int64 per tap, lo + hi·2^32, so that one 64-bit multiply by a filter
	// value advances both sums. Each sum fits in int32 (see above), so the low
	// half of the packed sum is the first pixel's and the rest the second's.
	var packedBuf [maxPatch]int64
	var sumBuf [convChunk]int64
	var discard [convChunk]int8
	packed := packedBuf[:patchLen]
	outC := os.C
	nPix := os.H * os.W
	for b := 0; b < os.N; b++ {
		for pix := 0; pix < nPix; pix += 2 {
			oy, ox := pix/os.W, pix%os.W
			gatherPatch(packed, false, p, is, in, fs, b, oy*p.StrideH-p.Padding.Height, ox*p.StrideW-p.Padding.Width)
			o := (b*nPix + pix) * outC
			dstA := out[o : o+outC]
			var dstB []int8 // nil for an odd last pixel: its high halves stay 0
			if pix+1 < nPix {
				oy, ox = (pix+1)/os.W, (pix+1)%os.W
				gatherPatch(packed, true, p, is, in, fs, b, oy*p.StrideH-p.Padding.Height, ox*p.StrideW-p.Padding.Width)
				dstB = out[o+outC : o+2*outC]
			}
			for c0 := 0; c0 < outC; c0 += convChunk {
				sums := sumBuf[:min(convChunk, outC-c0)]
				c := 0
				for ; c+4 <= len(sums); c += 4 {
					f := filter[(c0+c)*patchLen : (c0+c+4)*patchLen]
					sums[c], sums[c+1], sums[c+2], sums[c+3] = dot4Packed(packed, f)
				}
				for ; c < len(sums); c++ {
					sums[c] = dotPacked(packed, filter[(c0+c)*patchLen:(c0+c+1)*patchLen])
				}
				hi := discard[:len(sums)]
				if dstB != nil {
					hi = dstB[c0 : c0+len(sums)]
				}
				p.requantizePair(sums, bias, c0, dstA[c0:c0+len(sums)], hi)
			}
		}
	}
}

// convChunk is how many output channels ConvPerChannelInt8 sums before
// requantizing them.
const convChunk = 256

// requantizePair splits the packed sums of output channels c0, c0+1, … into
// the two pixels' accumulators (lo + hi·2^32), adds the bias and
// requantizes them into dstA and dstB. Written as one loop so that
// MultiplyByQuantizedMultiplier inlines.
func (p *ConvParams) requantizePair(sums []int64, bias []int32, c0 int, dstA, dstB []int8) {
	mult := p.OutMultiplier[c0:][:len(sums)]
	shift := p.OutShift[c0:][:len(sums)]
	dstA, dstB = dstA[:len(sums)], dstB[:len(sums)]
	var b []int32
	if bias != nil {
		b = bias[c0:][:len(sums)]
	}
	off, lo, hi := p.OutputOffset, p.QuantMin, p.QuantMax
	for j, s := range sums {
		accA := int32(s)
		accB := int32((s - int64(accA)) >> 32)
		if b != nil {
			accA += b[j]
			accB += b[j]
		}
		m, sh := mult[j], int(shift[j])
		dstA[j] = int8(min(max(MultiplyByQuantizedMultiplier(accA, m, sh)+off, lo), hi))
		dstB[j] = int8(min(max(MultiplyByQuantizedMultiplier(accB, m, sh)+off, lo), hi))
	}
}

// gatherPatch writes the receptive field whose top-left tap is at input
// (iy0, ix0), in filter order (ky, kx, channel), as in + InputOffset with 0
// for taps outside the input, into the low halves of packed (overwriting
// it), or with high set adds it into the high halves.
func gatherPatch(packed []int64, high bool, p *ConvParams, is Shape4, in []int8, fs Shape4, b, iy0, ix0 int) {
	c := is.C
	k := 0
	for ky := 0; ky < fs.H; ky++ {
		iy := iy0 + ky*p.DilationH
		for kx := 0; kx < fs.W; kx++ {
			ix := ix0 + kx*p.DilationW
			dst := packed[k : k+c]
			k += c
			outside := iy < 0 || iy >= is.H || ix < 0 || ix >= is.W
			switch {
			case outside && !high:
				clear(dst)
			case outside:
			case !high:
				src := in[((b*is.H+iy)*is.W+ix)*c:][:len(dst)]
				for j, v := range src {
					dst[j] = int64(int32(v) + p.InputOffset)
				}
			default:
				src := in[((b*is.H+iy)*is.W+ix)*c:][:len(dst)]
				for j, v := range src {
					dst[j] += int64(int32(v)+p.InputOffset) << 32
				}
			}
		}
	}
}

// dotPacked is Σ packed[i]·f[i] over packed pixel pairs.
func dotPacked(packed []int64, f []int8) int64 {
	f = f[:len(packed)]
	var a int64
	for i, x := range packed {
		a += x * int64(f[i])
	}
	return a
}

// dot4Packed is dotPacked with four consecutive filter rows (f holds
// 4·len(packed) values), sharing each patch load.
func dot4Packed(packed []int64, f []int8) (a0, a1, a2, a3 int64) {
	n := len(packed)
	f0 := f[:n]
	f1 := f[n : 2*n]
	f2 := f[2*n : 3*n]
	f3 := f[3*n : 4*n]
	for i, x := range packed {
		a0 += x * int64(f0[i])
		a1 += x * int64(f1[i])
		a2 += x * int64(f2[i])
		a3 += x * int64(f3[i])
	}
	return a0, a1, a2, a3
}

// requantize adds channel c's bias to acc and scales it to the output.
func requantize(acc int32, bias []int32, c int, p *ConvParams) int8 {
	return p.requantize(acc+biasAt(bias, c), c)
}

// biasAt is bias[c], or 0 without a bias.
func biasAt(bias []int32, c int) int32 {
	if bias == nil {
		return 0
	}
	return bias[c]
}

// requantize scales channel c's accumulator (bias included) to the output:
// clamp(MultiplyByQuantizedMultiplier(acc, OutMultiplier[c], OutShift[c]) + OutputOffset).
func (p *ConvParams) requantize(acc int32, c int) int8 {
	return clampInt8(MultiplyByQuantizedMultiplier(acc, p.OutMultiplier[c], int(p.OutShift[c]))+p.OutputOffset, p.QuantMin, p.QuantMax)
}

// clampInt8 limits x to [lo, hi] (a sub-range of int8) and narrows it.
func clampInt8(x, lo, hi int32) int8 {
	return int8(min(max(x, lo), hi))
}

// convPerChannelInt8Loop is ConvPerChannelInt8 written as the reference's
// loop nest, for filters too large for the patch buffer and for grouped
// convolutions (input channels a multiple of the filter's).
func convPerChannelInt8Loop(p *ConvParams, is Shape4, in []int8, fs Shape4, filter []int8, bias []int32, os Shape4, out []int8) {
	groups := is.C / fs.C
	perGroup := os.C / groups
	for b := 0; b < os.N; b++ {
		for oy := 0; oy < os.H; oy++ {
			iy0 := oy*p.StrideH - p.Padding.Height
			for ox := 0; ox < os.W; ox++ {
				ix0 := ox*p.StrideW - p.Padding.Width
				for c := 0; c < os.C; c++ {
					g := c / perGroup
					var acc int32
					for ky := 0; ky < fs.H; ky++ {
						iy := iy0 + ky*p.DilationH
						if iy < 0 || iy >= is.H {
							continue
						}
						for kx := 0; kx < fs.W; kx++ {
							ix := ix0 + kx*p.DilationW
							if ix < 0 || ix >= is.W {
								continue
							}
							src := in[((b*is.H+iy)*is.W+ix)*is.C+g*fs.C:][:fs.C]
							f := filter[((c*fs.H+ky)*fs.W+kx)*fs.C:][:fs.C]
							for i, v := range src {
								acc += int32(f[i]) * (int32(v) + p.InputOffset)
							}
						}
					}
					out[((b*os.H+oy)*os.W+ox)*os.C+c] = requantize(acc, bias, c, p)
				}
			}
		}
	}
}
