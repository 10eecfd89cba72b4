package kernels

import "errors"

// ErrEmptyPoolWindow reports a pooling window that lies entirely in the
// padding, which TFLite's int8 AVERAGE_POOL_2D rejects.
var ErrEmptyPoolWindow = errors.New("kernels: pooling window has no input")

// MaxPoolInt8 is MAX_POOL_2D on int8 data, as TFLite's
// reference_integer_ops::MaxPool: the largest input in each window (taps in
// the padding are skipped), clamped to [QuantMin, QuantMax]. Max pooling
// commutes with the affine map q → s(q − Z), so input and output share their
// quantization. It does not allocate.
func MaxPoolInt8(p *PoolParams, is Shape4, in []int8, os Shape4, out []int8) {
	forEachWindow(p, is, os, func(o, y0, y1, x0, x1, base int) {
		m := int8(-128)
		for y := y0; y < y1; y++ {
			for x := x0; x < x1; x++ {
				if v := in[base+(y*is.W+x)*is.C]; v > m {
					m = v
				}
			}
		}
		out[o] = clampInt8(int32(m), p.QuantMin, p.QuantMax)
	})
}

// AveragePoolInt8 is AVERAGE_POOL_2D on int8 data, as TFLite's
// reference_integer_ops::AveragePool: the sum of the n inputs in the window
// (taps in the padding are not counted) divided by n, rounded half away from
// zero the reference's way,
//
//	sum > 0: (sum + n/2) / n     otherwise: (sum − n/2) / n   (division truncates)
//
// then clamped to [QuantMin, QuantMax]. It returns ErrEmptyPoolWindow when a
// window has no input. It does not allocate.
func AveragePoolInt8(p *PoolParams, is Shape4, in []int8, os Shape4, out []int8) error {
	var err error
	forEachWindow(p, is, os, func(o, y0, y1, x0, x1, base int) {
		var sum int32
		for y := y0; y < y1; y++ {
			for x := x0; x < x1; x++ {
				sum += int32(in[base+(y*is.W+x)*is.C])
			}
		}
		n := int32((y1 - y0) * (x1 - x0))
		if y1 <= y0 || x1 <= x0 {
			err = ErrEmptyPoolWindow
			return
		}
		if sum > 0 {
			sum = (sum + n/2) / n
		} else {
			sum = (sum - n/2) / n
		}
		out[o] = clampInt8(sum, p.QuantMin, p.QuantMax)
	})
	return err
}

// forEachWindow calls f for every output value with its index o, the
// window's input rows [y0, y1) and columns [x0, x1) clipped to the input,
// and base, the index of input (batch, 0, 0, channel).
func forEachWindow(p *PoolParams, is, os Shape4, f func(o, y0, y1, x0, x1, base int)) {
	for b := 0; b < os.N; b++ {
		for oy := 0; oy < os.H; oy++ {
			iy := oy*p.StrideH - p.Padding.Height
			y0, y1 := max(iy, 0), min(iy+p.FilterH, is.H)
			for ox := 0; ox < os.W; ox++ {
				ix := ox*p.StrideW - p.Padding.Width
				x0, x1 := max(ix, 0), min(ix+p.FilterW, is.W)
				o := ((b*os.H+oy)*os.W + ox) * os.C
				for c := 0; c < os.C; c++ {
					f(o+c, y0, y1, x0, x1, b*is.H*is.W*is.C+c)
				}
			}
		}
	}
}
