package kernels

// MaxPoolFloat is MAX_POOL_2D on float32 data: each output is the largest
// in-bounds input of its window (padding never wins), then clamped to
// [p.FloatMin, p.FloatMax]. in has shape inS (NHWC), out outS with the same N
// and C. It panics if a slice is shorter than its shape says.
func MaxPoolFloat(p *PoolParams, inS Shape4, in []float32, outS Shape4, out []float32) {
	maxPoolWindows(p, inS, in, outS, out, func(dst, x []float32) {
		for i, v := range x {
			if v > dst[i] {
				dst[i] = v
			}
		}
	})
	for i, v := range out[:outS.Len()] {
		out[i] = clampF32(v, p.FloatMin, p.FloatMax)
	}
}

// maxPoolWindows sets each output pixel's channels to the first in-bounds
// input of its window, then folds every other input of the window in with
// fold(dst, x) (dst = max(dst, x), elementwise), in row-major window order;
// an empty window (impossible with valid shapes) gives zeros.
func maxPoolWindows(p *PoolParams, inS Shape4, in []float32, outS Shape4, out []float32, fold func(dst, x []float32)) {
	c := inS.C
	for b := 0; b < outS.N; b++ {
		for oy := 0; oy < outS.H; oy++ {
			iy0 := oy*p.StrideH - p.Padding.Height
			ky0, ky1 := tapRange(iy0, 1, p.FilterH, inS.H)
			for ox := 0; ox < outS.W; ox++ {
				ix0 := ox*p.StrideW - p.Padding.Width
				kx0, kx1 := tapRange(ix0, 1, p.FilterW, inS.W)
				dst := out[((b*outS.H+oy)*outS.W+ox)*c:][:c]
				first := true
				for ky := ky0; ky < ky1; ky++ {
					for kx := kx0; kx < kx1; kx++ {
						x := in[((b*inS.H+iy0+ky)*inS.W+ix0+kx)*c:][:c]
						if first {
							copy(dst, x)
							first = false
							continue
						}
						fold(dst, x)
					}
				}
				if first {
					clear(dst)
				}
			}
		}
	}
}

// AveragePoolFloat is AVERAGE_POOL_2D on float32 data: each output is the
// mean of the in-bounds inputs of its window — padding is not counted, so a
// window that hangs over the border divides by fewer than FilterW·FilterH —
// then clamped to [p.FloatMin, p.FloatMax].
func AveragePoolFloat(p *PoolParams, inS Shape4, in []float32, outS Shape4, out []float32) {
	c := inS.C
	for b := 0; b < outS.N; b++ {
		for oy := 0; oy < outS.H; oy++ {
			iy0 := oy*p.StrideH - p.Padding.Height
			ky0, ky1 := tapRange(iy0, 1, p.FilterH, inS.H)
			for ox := 0; ox < outS.W; ox++ {
				ix0 := ox*p.StrideW - p.Padding.Width
				kx0, kx1 := tapRange(ix0, 1, p.FilterW, inS.W)
				dst := out[((b*outS.H+oy)*outS.W+ox)*c:][:c]
				clear(dst)
				for ky := ky0; ky < ky1; ky++ {
					for kx := kx0; kx < kx1; kx++ {
						x := in[((b*inS.H+iy0+ky)*inS.W+ix0+kx)*c:][:c]
						for i, v := range x {
							dst[i] += v
						}
					}
				}
				n := float32((ky1 - ky0) * (kx1 - kx0))
				for i, v := range dst {
					if n > 0 {
						v /= n
					}
					dst[i] = clampF32(v, p.FloatMin, p.FloatMax)
				}
			}
		}
	}
}
