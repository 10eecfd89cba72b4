package convert

import "github.com/mnistcnn/mnistcnn/internal/layout"

// The layout transforms between the checkpoint (Gorgonia's layouts) and
// TFLite, as export calls them; each is one of internal/layout's, which
// training shares and which documents and tests them. The checkpoint keeps
// conv kernels (out, in, kh, kw), depthwise kernels (C·M, 1, kh, kw), dense
// kernels (in, out) used as x·W, and flattens (C, H, W). TFLite wants
// activations NHWC, conv filters OHWI, depthwise filters (1, kh, kw, C·M),
// fully connected weights (out, in), and flattens (H, W, C).

// convKernelOHWI returns the (out, in, kh, kw) kernel src as (out, kh, kw, in):
//
//	dst[o][y][x][i] = src[o][i][y][x]
func convKernelOHWI(src []float32, out, in, kh, kw int) []float32 {
	dst := make([]float32, len(src))
	layout.KernelOHWI(dst, src, out, in, kh, kw)
	return dst
}

// depthwiseKernel1HWO returns the (out, 1, kh, kw) depthwise kernel src as
// TFLite's (1, kh, kw, out) filter, out = C·M:
//
//	dst[0][y][x][o] = src[o][0][y][x]
func depthwiseKernel1HWO(src []float32, out, kh, kw int) []float32 {
	dst := make([]float32, len(src))
	layout.DepthwiseKernel1HWO(dst, src, out, kh, kw)
	return dst
}

// denseWeights returns the (in, out) kernel src as TFLite's (out, in):
//
//	dst[o][i] = src[i][o]
func denseWeights(src []float32, in, out int) []float32 {
	dst := make([]float32, len(src))
	layout.DenseOI(dst, src, in, out)
	return dst
}

// denseWeightsAfterFlatten is denseWeights for the dense layer that follows a
// flatten of an (h, w, c) feature map: training numbered its inputs in
// (C, H, W) order, TFLite numbers them in (H, W, C) order, so
//
//	dst[o][(y·w + x)·c + ch] = src[(ch·h + y)·w + x][o]
func denseWeightsAfterFlatten(src []float32, h, w, c, out int) []float32 {
	dst := make([]float32, len(src))
	layout.DenseOIAfterFlatten(dst, src, h, w, c, out)
	return dst
}
