package kernels

// FullyConnectedFloat is FULLY_CONNECTED on float32 data, for each of
// batches input rows of length inDepth:
//
//	out[b,o] = clamp(bias[o] + Σ_i in[b,i] · weights[o,i])
//
// weights is [outDepth, inDepth] row-major; bias may be nil; out is
// [batches, outDepth]; a slice shorter than that makes it panic. Four weight
// rows are used at once so each input value is loaded once per four
// multiplications. Sums run in input order and the bias is added last, as in
// TFLite's reference kernel, so results match it bit for bit when neither
// uses fused multiply-add.
func FullyConnectedFloat(p *FullyConnectedParams, batches, inDepth, outDepth int, in, weights, bias, out []float32) {
	lo, hi := p.FloatMin, p.FloatMax
	for b := 0; b < batches; b++ {
		x := in[b*inDepth : (b+1)*inDepth]
		dst := out[b*outDepth : (b+1)*outDepth]
		o := 0
		for ; o+4 <= outDepth; o += 4 {
			s0, s1, s2, s3 := dot4F32(x, weights[o*inDepth:], weights[(o+1)*inDepth:],
				weights[(o+2)*inDepth:], weights[(o+3)*inDepth:], 0, 0, 0, 0)
			if bias != nil {
				s0, s1, s2, s3 = s0+bias[o], s1+bias[o+1], s2+bias[o+2], s3+bias[o+3]
			}
			dst[o] = clampF32(s0, lo, hi)
			dst[o+1] = clampF32(s1, lo, hi)
			dst[o+2] = clampF32(s2, lo, hi)
			dst[o+3] = clampF32(s3, lo, hi)
		}
		for ; o < outDepth; o++ {
			s := dotF32(x, weights[o*inDepth:], 0)
			if bias != nil {
				s += bias[o]
			}
			dst[o] = clampF32(s, lo, hi)
		}
	}
}
