// Package layout holds the tensor layout transforms that training and
// export share, each writing into a caller's slice so that training can
// call them every step without allocating.
//
// The checkpoint keeps conv kernels (out, in, kh, kw), depthwise kernels
// (C·M, 1, kh, kw) and flattens feature maps in (C, H, W) order (Gorgonia's
// layouts, package model). Training's activations and TFLite's are NHWC;
// both want conv filters OHWI and depthwise filters (1, kh, kw, C·M).
// TFLite's fully connected weights are (out, in) where the checkpoint's
// dense kernels are (in, out), and a flatten feeds them in (H, W, C) order.
// Package convert's layout.go wraps these for export.
package layout

// KernelOHWI writes the (out, in, kh, kw) kernel src into dst as
// (out, kh, kw, in):
//
//	dst[o][y][x][i] = src[o][i][y][x]
func KernelOHWI(dst, src []float32, out, in, kh, kw int) {
	for o := 0; o < out; o++ {
		for i := 0; i < in; i++ {
			for y := 0; y < kh; y++ {
				for x := 0; x < kw; x++ {
					dst[((o*kh+y)*kw+x)*in+i] = src[((o*in+i)*kh+y)*kw+x]
				}
			}
		}
	}
}

// KernelOIHW is the inverse of KernelOHWI: it writes the (out, kh, kw, in)
// kernel src into dst as (out, in, kh, kw).
func KernelOIHW(dst, src []float32, out, in, kh, kw int) {
	for o := 0; o < out; o++ {
		for i := 0; i < in; i++ {
			for y := 0; y < kh; y++ {
				for x := 0; x < kw; x++ {
					dst[((o*in+i)*kh+y)*kw+x] = src[((o*kh+y)*kw+x)*in+i]
				}
			}
		}
	}
}

// DepthwiseKernel1HWO writes the (C·M, 1, kh, kw) depthwise kernel src
// into dst as TFLite's depthwise filter (1, kh, kw, C·M), out = C·M being
// the output channels (channel c·M+m reads input channel c in both):
//
//	dst[0][y][x][o] = src[o][0][y][x]
func DepthwiseKernel1HWO(dst, src []float32, out, kh, kw int) {
	for o := 0; o < out; o++ {
		for y := 0; y < kh; y++ {
			for x := 0; x < kw; x++ {
				dst[(y*kw+x)*out+o] = src[(o*kh+y)*kw+x]
			}
		}
	}
}

// DepthwiseKernelO1HW is the inverse of DepthwiseKernel1HWO: it writes
// the (1, kh, kw, C·M) filter src into dst as (C·M, 1, kh, kw).
func DepthwiseKernelO1HW(dst, src []float32, out, kh, kw int) {
	for o := 0; o < out; o++ {
		for y := 0; y < kh; y++ {
			for x := 0; x < kw; x++ {
				dst[(o*kh+y)*kw+x] = src[(y*kw+x)*out+o]
			}
		}
	}
}

// FlattenCHW writes each of the n (h, w, c) feature maps of src (NHWC) into
// dst as one row of h·w·c values in (C, H, W) order, the checkpoint's
// flatten order:
//
//	dst[b][(ch·h + y)·w + x] = src[b][y][x][ch]
func FlattenCHW(dst, src []float32, n, h, w, c int) {
	size := h * w * c
	for b := 0; b < n; b++ {
		s, d := src[b*size:(b+1)*size], dst[b*size:(b+1)*size]
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				for ch := 0; ch < c; ch++ {
					d[(ch*h+y)*w+x] = s[(y*w+x)*c+ch]
				}
			}
		}
	}
}

// UnflattenCHW is the inverse of FlattenCHW: rows in (C, H, W) order back
// to NHWC feature maps.
func UnflattenCHW(dst, src []float32, n, h, w, c int) {
	size := h * w * c
	for b := 0; b < n; b++ {
		s, d := src[b*size:(b+1)*size], dst[b*size:(b+1)*size]
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				for ch := 0; ch < c; ch++ {
					d[(y*w+x)*c+ch] = s[(ch*h+y)*w+x]
				}
			}
		}
	}
}

// DenseOI writes the (in, out) dense kernel src, used as x·W, into dst as
// TFLite's fully connected weights (out, in):
//
//	dst[o][i] = src[i][o]
func DenseOI(dst, src []float32, in, out int) {
	for i := 0; i < in; i++ {
		for o := 0; o < out; o++ {
			dst[o*in+i] = src[i*out+o]
		}
	}
}

// DenseOIAfterFlatten is DenseOI for the dense layer that reads a flatten of
// an (h, w, c) feature map: the checkpoint numbers its inputs in (C, H, W)
// order (FlattenCHW), TFLite's RESHAPE of an NHWC map in (H, W, C) order, so
//
//	dst[o][(y·w + x)·c + ch] = src[(ch·h + y)·w + x][o]
func DenseOIAfterFlatten(dst, src []float32, h, w, c, out int) {
	in := h * w * c
	for ch := 0; ch < c; ch++ {
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				row := (ch*h+y)*w + x
				col := (y*w+x)*c + ch
				for o := 0; o < out; o++ {
					dst[o*in+col] = src[row*out+o]
				}
			}
		}
	}
}
