package kernels

import "github.com/mnistcnn/mnistcnn/internal/simd"

// AveragePoolFloatFast is AveragePoolFloat with each window's channel
// vectors summed by simd.SumRows (a window row's taps are a (kx1−kx0)×c
// matrix), tap by tap in the scalar kernel's row-major order starting from
// +0, then divided by the count of
// in-bounds taps and clamped as there by simd.DivClampF32: it gives the
// same bits as AveragePoolFloat.
func AveragePoolFloatFast(p *PoolParams, inS Shape4, in []float32, outS Shape4, out []float32) {
	c := inS.C
	lo, hi := p.FloatMin, p.FloatMax
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
					row := in[(b*inS.H+iy0+ky)*inS.W*c:]
					simd.SumRows(dst, row[(ix0+kx0)*c:(ix0+kx1)*c])
				}
				n := float32((ky1 - ky0) * (kx1 - kx0))
				if n == 0 {
					n = 1 // an empty window: zeros, clamped (x/1 == x)
				}
				simd.DivClampF32(dst, n, lo, hi)
			}
		}
	}
}

// AveragePoolInt8Fast is AveragePoolInt8 with each window's channels
// summed in int32 by simd.AddI8I32 into acc (at least is.C int32s of
// scratch), then divided with the scalar kernel's rounding and clamped by
// simd.RoundDivI8: it gives the same bytes, and like it returns ErrEmptyPoolWindow
// (leaving that window's outputs unwritten) when a window has no input.
// It does not allocate.
func AveragePoolInt8Fast(p *PoolParams, is Shape4, in []int8, os Shape4, out []int8, acc []int32) error {
	c := is.C
	acc = acc[:c]
	var err error
	for b := 0; b < os.N; b++ {
		for oy := 0; oy < os.H; oy++ {
			iy0 := oy*p.StrideH - p.Padding.Height
			y0, y1 := max(iy0, 0), min(iy0+p.FilterH, is.H)
			for ox := 0; ox < os.W; ox++ {
				ix0 := ox*p.StrideW - p.Padding.Width
				x0, x1 := max(ix0, 0), min(ix0+p.FilterW, is.W)
				if y1 <= y0 || x1 <= x0 {
					err = ErrEmptyPoolWindow
					continue
				}
				clear(acc)
				for y := y0; y < y1; y++ {
					row := in[(b*is.H+y)*is.W*c:]
					for x := x0; x < x1; x++ {
						simd.AddI8I32(acc, row[x*c:][:c])
					}
				}
				n := int32((y1 - y0) * (x1 - x0))
				simd.RoundDivI8(out[((b*os.H+oy)*os.W+ox)*c:][:c], acc, n, p.QuantMin, p.QuantMax)
			}
		}
	}
	return err
}
