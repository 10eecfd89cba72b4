// Package layout holds the tensor layout transforms that training and
// export share, each writing into a caller's slice so that training can
// call them every step without allocating.
//
// The checkpoint keeps conv kernels (out, in, kh, kw) and flattens feature
// maps in (C, H, W) order (Gorgonia's layouts, package model). Training's
// activations and TFLite's are NHWC, and both want conv filters OHWI.
// Package convert's layout.go holds the transforms that only export needs.
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
