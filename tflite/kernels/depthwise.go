package kernels

// DepthwiseConvFloat is DEPTHWISE_CONV_2D on float32 data. With depth
// multiplier M = p.DepthMultiplier, output channel o = c·M + m reads only
// input channel c:
//
//	out[b,y,x,c·M+m] = clamp(bias[c·M+m] + Σ_{ky,kx} in[b, y·sh+ky·dh−ph, x·sw+kx·dw−pw, c] · filter[0,ky,kx,c·M+m])
//
// in has shape inS (NHWC), filter fS (1, kh, kw, C·M), out outS; bias may be
// nil. Out-of-bounds taps count as zero. Shapes are not checked; a slice
// shorter than its shape says makes it panic.
func DepthwiseConvFloat(p *ConvParams, inS Shape4, in []float32, fS Shape4, filter, bias []float32, outS Shape4, out []float32) {
	cin, cout, m := inS.C, outS.C, p.DepthMultiplier
	kh, kw := fS.H, fS.W
	lo, hi := p.FloatMin, p.FloatMax
	for b := 0; b < outS.N; b++ {
		for oy := 0; oy < outS.H; oy++ {
			iy0 := oy*p.StrideH - p.Padding.Height
			ky0, ky1 := tapRange(iy0, p.DilationH, kh, inS.H)
			for ox := 0; ox < outS.W; ox++ {
				ix0 := ox*p.StrideW - p.Padding.Width
				kx0, kx1 := tapRange(ix0, p.DilationW, kw, inS.W)
				dst := out[((b*outS.H+oy)*outS.W+ox)*cout:][:cout]
				clear(dst)
				for ky := ky0; ky < ky1; ky++ {
					iy := iy0 + ky*p.DilationH
					for kx := kx0; kx < kx1; kx++ {
						ix := ix0 + kx*p.DilationW
						x := in[((b*inS.H+iy)*inS.W+ix)*cin:][:cin]
						f := filter[(ky*kw+kx)*cout:][:cout]
						if m == 1 {
							for c, v := range x {
								dst[c] += v * f[c]
							}
							continue
						}
						for c, v := range x {
							d := dst[c*m : (c+1)*m]
							fc := f[c*m : (c+1)*m]
							for j := range d {
								d[j] += v * fc[j]
							}
						}
					}
				}
				if bias != nil { // added last, as TFLite's reference does
					for i, v := range bias[:cout] {
						dst[i] += v
					}
				}
				for i, v := range dst {
					dst[i] = clampF32(v, lo, hi)
				}
			}
		}
	}
}
