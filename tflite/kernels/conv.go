package kernels

// ConvFloat is CONV_2D on float32 data:
//
//	out[b,y,x,o] = clamp(bias[o] + Σ_{ky,kx,c} in[b, y·sh+ky·dh−ph, x·sw+kx·dw−pw, c] · filter[o,ky,kx,c])
//
// where taps that fall outside the input count as zero (padding), and clamp
// limits to [p.FloatMin, p.FloatMax]. in has shape inS (NHWC), filter fS
// (OHWI: N = output channels, C = input channels), out outS. bias may be nil.
// Shapes are not checked: the caller guarantees consistent sizes; a slice
// shorter than its shape says makes it panic.
//
// Filters of up to maxPatchF32 values per output channel (all of the
// reference CNN's) take the patch path; larger ones the direct path. Both
// accumulate four output channels at once, so each input value is loaded
// once per four multiplications.
func ConvFloat(p *ConvParams, inS Shape4, in []float32, fS Shape4, filter, bias []float32, outS Shape4, out []float32) {
	if fS.H*fS.W*fS.C <= maxPatchF32 {
		convFloatPatch(p, inS, in, fS, filter, bias, outS, out)
		return
	}
	convFloatDirect(p, inS, in, fS, filter, bias, outS, out)
}

// maxPatchF32 bounds the filter size (kh·kw·C) of the patch path: a patch
// of this many float32s lives on the stack (4 KiB).
const maxPatchF32 = 1024

// convFloatPatch gathers the receptive field ("patch") of each output pixel
// into a stack array laid out like one filter (HWC, zeros where the window
// leaves the input), then takes one long dot product per output channel,
// four channels at a time. Against the direct path it saves many short dot
// products when filter rows are short (few input channels).
func convFloatPatch(p *ConvParams, inS Shape4, in []float32, fS Shape4, filter, bias []float32, outS Shape4, out []float32) {
	var buf [maxPatchF32]float32
	cout := outS.C
	k := fS.H * fS.W * fS.C
	patch := buf[:k]
	lo, hi := p.FloatMin, p.FloatMax
	for b := 0; b < outS.N; b++ {
		for oy := 0; oy < outS.H; oy++ {
			for ox := 0; ox < outS.W; ox++ {
				gatherPatchF32(patch, p, inS, in, fS, b, oy, ox)
				dst := out[((b*outS.H+oy)*outS.W+ox)*cout:][:cout]
				o := 0
				for ; o+4 <= cout; o += 4 {
					s0, s1, s2, s3 := dot4F32(patch, filter[o*k:], filter[(o+1)*k:], filter[(o+2)*k:], filter[(o+3)*k:], 0, 0, 0, 0)
					if bias != nil {
						s0, s1, s2, s3 = s0+bias[o], s1+bias[o+1], s2+bias[o+2], s3+bias[o+3]
					}
					dst[o], dst[o+1] = clampF32(s0, lo, hi), clampF32(s1, lo, hi)
					dst[o+2], dst[o+3] = clampF32(s2, lo, hi), clampF32(s3, lo, hi)
				}
				for ; o < cout; o++ {
					s := dotF32(patch, filter[o*k:], 0)
					if bias != nil {
						s += bias[o]
					}
					dst[o] = clampF32(s, lo, hi)
				}
			}
		}
	}
}

// gatherPatchF32 copies the input window of output pixel (b, oy, ox) into
// patch in filter order (ky, kx, c), with zeros for taps outside the input.
func gatherPatchF32(patch []float32, p *ConvParams, inS Shape4, in []float32, fS Shape4, b, oy, ox int) {
	cin, kw := inS.C, fS.W
	iy0 := oy*p.StrideH - p.Padding.Height
	ix0 := ox*p.StrideW - p.Padding.Width
	kx0, kx1 := tapRange(ix0, p.DilationW, kw, inS.W)
	for ky := 0; ky < fS.H; ky++ {
		row := patch[ky*kw*cin : (ky+1)*kw*cin]
		iy := iy0 + ky*p.DilationH
		if iy < 0 || iy >= inS.H {
			clear(row)
			continue
		}
		base := ((b*inS.H + iy) * inS.W) * cin
		clear(row[:kx0*cin])
		clear(row[kx1*cin:])
		if p.DilationW == 1 {
			copy(row[kx0*cin:kx1*cin], in[base+(ix0+kx0)*cin:base+(ix0+kx1)*cin])
			continue
		}
		for kx := kx0; kx < kx1; kx++ {
			i := base + (ix0+kx*p.DilationW)*cin
			copy(row[kx*cin:(kx+1)*cin], in[i:i+cin])
		}
	}
}

// convFloatDirect is ConvFloat for filters too large for the patch path:
// the in-bounds taps of each filter row are contiguous (dilation 1) in both
// the input and the filter, and four output channels are accumulated at once.
func convFloatDirect(p *ConvParams, inS Shape4, in []float32, fS Shape4, filter, bias []float32, outS Shape4, out []float32) {
	cin, cout := inS.C, outS.C
	kh, kw := fS.H, fS.W
	fo := kh * kw * cin // filter values per output channel
	lo, hi := p.FloatMin, p.FloatMax
	for b := 0; b < outS.N; b++ {
		for oy := 0; oy < outS.H; oy++ {
			iy0 := oy*p.StrideH - p.Padding.Height
			ky0, ky1 := tapRange(iy0, p.DilationH, kh, inS.H)
			for ox := 0; ox < outS.W; ox++ {
				ix0 := ox*p.StrideW - p.Padding.Width
				kx0, kx1 := tapRange(ix0, p.DilationW, kw, inS.W)
				dst := out[((b*outS.H+oy)*outS.W+ox)*cout:][:cout]
				o := 0
				for ; o+4 <= cout; o += 4 {
					var a0, a1, a2, a3 float32
					w0 := filter[o*fo : (o+1)*fo]
					w1 := filter[(o+1)*fo : (o+2)*fo]
					w2 := filter[(o+2)*fo : (o+3)*fo]
					w3 := filter[(o+3)*fo : (o+4)*fo]
					for ky := ky0; ky < ky1; ky++ {
						row := ((b*inS.H + iy0 + ky*p.DilationH) * inS.W) * cin
						if p.DilationW == 1 {
							xs := in[row+(ix0+kx0)*cin : row+(ix0+kx1)*cin]
							f := (ky*kw + kx0) * cin
							a0, a1, a2, a3 = dot4F32(xs, w0[f:], w1[f:], w2[f:], w3[f:], a0, a1, a2, a3)
							continue
						}
						for kx := kx0; kx < kx1; kx++ {
							i := row + (ix0+kx*p.DilationW)*cin
							f := (ky*kw + kx) * cin
							a0, a1, a2, a3 = dot4F32(in[i:i+cin], w0[f:], w1[f:], w2[f:], w3[f:], a0, a1, a2, a3)
						}
					}
					if bias != nil {
						a0, a1, a2, a3 = a0+bias[o], a1+bias[o+1], a2+bias[o+2], a3+bias[o+3]
					}
					dst[o] = clampF32(a0, lo, hi)
					dst[o+1] = clampF32(a1, lo, hi)
					dst[o+2] = clampF32(a2, lo, hi)
					dst[o+3] = clampF32(a3, lo, hi)
				}
				for ; o < cout; o++ {
					var a float32
					w := filter[o*fo : (o+1)*fo]
					for ky := ky0; ky < ky1; ky++ {
						row := ((b*inS.H + iy0 + ky*p.DilationH) * inS.W) * cin
						for kx := kx0; kx < kx1; kx++ {
							i := row + (ix0+kx*p.DilationW)*cin
							a = dotF32(in[i:i+cin], w[(ky*kw+kx)*cin:], a)
						}
					}
					if bias != nil {
						a += bias[o]
					}
					dst[o] = clampF32(a, lo, hi)
				}
			}
		}
	}
}

// tapRange returns the range [k0, k1) of filter taps k for which
// start + k·dilation lies inside [0, size).
func tapRange(start, dilation, k, size int) (k0, k1 int) {
	if start < 0 {
		k0 = (-start + dilation - 1) / dilation
	}
	if size-start <= 0 {
		return k0, k0
	}
	k1 = (size - start + dilation - 1) / dilation
	if k1 > k {
		k1 = k
	}
	if k1 < k0 {
		k1 = k0
	}
	return k0, k1
}

// dot4F32 adds the products of x with the first len(x) values of w0..w3,
// in order, to s0..s3 and returns the sums.
func dot4F32(x, w0, w1, w2, w3 []float32, s0, s1, s2, s3 float32) (float32, float32, float32, float32) {
	w0, w1, w2, w3 = w0[:len(x)], w1[:len(x)], w2[:len(x)], w3[:len(x)]
	for i, v := range x {
		s0 += v * w0[i]
		s1 += v * w1[i]
		s2 += v * w2[i]
		s3 += v * w3[i]
	}
	return s0, s1, s2, s3
}

// dotF32 adds the products of x with the first len(x) values of w, in
// order, to s and returns the sum.
func dotF32(x, w []float32, s float32) float32 {
	w = w[:len(x)]
	for i, v := range x {
		s += v * w[i]
	}
	return s
}
