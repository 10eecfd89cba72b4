package convert

import "github.com/mnistcnn/mnistcnn/internal/layout"

// Every layout transform between the checkpoint (Gorgonia's layouts) and
// TFLite lives in this file or, for those training shares, in
// internal/layout. The checkpoint keeps conv kernels (out, in, kh, kw),
// dense kernels (in, out) used as x·W, and flattens (C, H, W). TFLite wants
// activations NHWC, conv filters OHWI, fully connected weights (out, in), and
// flattens (H, W, C).

// convKernelOHWI returns the (out, in, kh, kw) kernel src as (out, kh, kw, in):
//
//	dst[o][y][x][i] = src[o][i][y][x]
func convKernelOHWI(src []float32, out, in, kh, kw int) []float32 {
	dst := make([]float32, len(src))
	layout.KernelOHWI(dst, src, out, in, kh, kw)
	return dst
}

// denseWeights returns the (in, out) kernel src as TFLite's (out, in):
//
//	dst[o][i] = src[i][o]
func denseWeights(src []float32, in, out int) []float32 {
	dst := make([]float32, len(src))
	for i := 0; i < in; i++ {
		for o := 0; o < out; o++ {
			dst[o*in+i] = src[i*out+o]
		}
	}
	return dst
}

// denseWeightsAfterFlatten is denseWeights for the dense layer that follows a
// flatten of an (h, w, c) feature map: training numbered its inputs in
// (C, H, W) order, TFLite numbers them in (H, W, C) order, so
//
//	dst[o][(y·w + x)·c + ch] = src[(ch·h + y)·w + x][o]
func denseWeightsAfterFlatten(src []float32, h, w, c, out int) []float32 {
	in := h * w * c
	dst := make([]float32, len(src))
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
	return dst
}
