package kernels

// FullyConnectedInt8 is FULLY_CONNECTED on int8 data, as TFLite's
// reference_integer_ops::FullyConnected (one entry in OutMultiplier and
// OutShift: per-tensor weights) or FullyConnectedPerChannel (one entry per
// output). For batch b and output o:
//
//	acc = bias[o] + Σ (w[o,i] + WeightsOffset) · (in[b,i] + InputOffset)
//	out = clamp(MultiplyByQuantizedMultiplier(acc, mult, shift) + OutputOffset, QuantMin, QuantMax)
//
// As in the reference, the per-channel form ignores WeightsOffset (weights are
// symmetric). weights is [outDepth, accumDepth] row-major, in is
// [batches, accumDepth], out is [batches, outDepth]; bias may be nil. It
// does not allocate.
func FullyConnectedInt8(p *FullyConnectedParams, batches, accumDepth, outDepth int, in, weights []int8, bias []int32, out []int8) {
	perChannel := len(p.OutMultiplier) > 1
	wOff := p.WeightsOffset
	if perChannel {
		wOff = 0
	}
	for b := 0; b < batches; b++ {
		x := in[b*accumDepth:][:accumDepth]
		dst := out[b*outDepth:][:outDepth]
		o := 0
		// Four outputs at a time share each input load.
		for ; o+4 <= outDepth; o += 4 {
			w0 := weights[o*accumDepth:][:len(x)]
			w1 := weights[(o+1)*accumDepth:][:len(x)]
			w2 := weights[(o+2)*accumDepth:][:len(x)]
			w3 := weights[(o+3)*accumDepth:][:len(x)]
			var a0, a1, a2, a3 int32
			if wOff == 0 {
				for i, v := range x {
					xi := int32(v) + p.InputOffset
					a0 += xi * int32(w0[i])
					a1 += xi * int32(w1[i])
					a2 += xi * int32(w2[i])
					a3 += xi * int32(w3[i])
				}
			} else {
				for i, v := range x {
					xi := int32(v) + p.InputOffset
					a0 += xi * (int32(w0[i]) + wOff)
					a1 += xi * (int32(w1[i]) + wOff)
					a2 += xi * (int32(w2[i]) + wOff)
					a3 += xi * (int32(w3[i]) + wOff)
				}
			}
			dst[o] = p.requantize(a0, bias, o, perChannel)
			dst[o+1] = p.requantize(a1, bias, o+1, perChannel)
			dst[o+2] = p.requantize(a2, bias, o+2, perChannel)
			dst[o+3] = p.requantize(a3, bias, o+3, perChannel)
		}
		for ; o < outDepth; o++ {
			w := weights[o*accumDepth:][:len(x)]
			var a int32
			for i, v := range x {
				a += (int32(v) + p.InputOffset) * (int32(w[i]) + wOff)
			}
			dst[o] = p.requantize(a, bias, o, perChannel)
		}
	}
}

// requantize adds output o's bias to acc and scales it to the output.
func (p *FullyConnectedParams) requantize(acc int32, bias []int32, o int, perChannel bool) int8 {
	if bias != nil {
		acc += bias[o]
	}
	k := 0
	if perChannel {
		k = o
	}
	acc = MultiplyByQuantizedMultiplier(acc, p.OutMultiplier[k], int(p.OutShift[k]))
	return clampInt8(acc+p.OutputOffset, p.QuantMin, p.QuantMax)
}
