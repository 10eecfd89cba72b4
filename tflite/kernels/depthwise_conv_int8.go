package kernels

// depthwiseChunk is how many output channels DepthwiseConvPerChannelInt8
// accumulates at once in its stack buffer.
const depthwiseChunk = 256

// DepthwiseConvPerChannelInt8 is DEPTHWISE_CONV_2D on int8 data with
// per-channel filter quantization, as TFLite's
// reference_integer_ops::DepthwiseConvPerChannel. Output channel
// c = i·DepthMultiplier + m reads only input channel i:
//
//	acc = bias[c] + Σ filter[0,ky,kx,c] · (in[y,x,i] + InputOffset)
//	out = clamp(MultiplyByQuantizedMultiplier(acc, OutMultiplier[c], OutShift[c]) + OutputOffset,
//	            QuantMin, QuantMax)
//
// Taps in the padding add nothing. filter has shape fs = 1×H×W×(C·M); bias
// may be nil. Shapes are not checked; it does not allocate.
func DepthwiseConvPerChannelInt8(p *ConvParams, is Shape4, in []int8, fs Shape4, filter []int8, bias []int32, os Shape4, out []int8) {
	mult := p.DepthMultiplier
	if mult < 1 {
		mult = 1
	}
	var accBuf [depthwiseChunk]int32
	for b := 0; b < os.N; b++ {
		for oy := 0; oy < os.H; oy++ {
			iy0 := oy*p.StrideH - p.Padding.Height
			for ox := 0; ox < os.W; ox++ {
				ix0 := ox*p.StrideW - p.Padding.Width
				o := ((b*os.H+oy)*os.W + ox) * os.C
				for c0 := 0; c0 < os.C; c0 += depthwiseChunk {
					c1 := min(c0+depthwiseChunk, os.C)
					acc := accBuf[:c1-c0]
					clear(acc)
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
							src := in[((b*is.H+iy)*is.W+ix)*is.C:][:is.C]
							f := filter[(ky*fs.W+kx)*fs.C+c0:][:len(acc)]
							if mult == 1 {
								src = src[c0:][:len(acc)]
								for j, v := range src {
									acc[j] += int32(f[j]) * (int32(v) + p.InputOffset)
								}
								continue
							}
							for j := range acc {
								acc[j] += int32(f[j]) * (int32(src[(c0+j)/mult]) + p.InputOffset)
							}
						}
					}
					for j, a := range acc {
						out[o+c0+j] = requantize(a, bias, c0+j, p)
					}
				}
			}
		}
	}
}
