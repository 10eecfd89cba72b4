package layout

import (
	"slices"
	"testing"
)

// TestFlattenCHW flattens one 2×2 feature map of 2 channels by hand: NHWC
// holds pixel (y,x) channel c at (y·2+x)·2+c; the values name themselves
// as 10·c + (y·2+x), so the (C, H, W) row reads 0 1 2 3 10 11 12 13.
func TestFlattenCHW(t *testing.T) {
	src := []float32{0, 10, 1, 11, 2, 12, 3, 13}
	dst := make([]float32, 8)
	FlattenCHW(dst, src, 1, 2, 2, 2)
	if want := []float32{0, 1, 2, 3, 10, 11, 12, 13}; !slices.Equal(dst, want) {
		t.Fatalf("FlattenCHW = %v, want %v", dst, want)
	}
	back := make([]float32, 8)
	UnflattenCHW(back, dst, 1, 2, 2, 2)
	if !slices.Equal(back, src) {
		t.Fatalf("UnflattenCHW(FlattenCHW(x)) = %v, want %v", back, src)
	}
}

// TestKernel checks one element by hand and the round trip on a
// (3 out, 2 in, 2, 2) kernel holding 0…23.
func TestKernel(t *testing.T) {
	src := make([]float32, 24)
	for i := range src {
		src[i] = float32(i)
	}
	ohwi := make([]float32, 24)
	KernelOHWI(ohwi, src, 3, 2, 2, 2)
	// OIHW [o=1][i=1][y=0][x=1] is ((1·2+1)·2+0)·2+1 = 13; OHWI puts it at
	// ((1·2+0)·2+1)·2+1 = 11.
	if ohwi[11] != 13 {
		t.Errorf("OHWI[1][0][1][1] = %v, want 13", ohwi[11])
	}
	back := make([]float32, 24)
	KernelOIHW(back, ohwi, 3, 2, 2, 2)
	if !slices.Equal(back, src) {
		t.Errorf("KernelOIHW(KernelOHWI(w)) = %v, want %v", back, src)
	}
}

// TestDepthwiseKernel lays out by hand a depthwise kernel of 2 input
// channels, multiplier 2 (4 output channels) and a 1×2 window. The
// checkpoint's (C·M, 1, kh, kw) kernel holds 10·o + x at output channel o,
// column x; TFLite's (1, kh, kw, C·M) filter lists, for each column, the 4
// output channels: 0 10 20 30, then 1 11 21 31.
func TestDepthwiseKernel(t *testing.T) {
	src := []float32{0, 1, 10, 11, 20, 21, 30, 31}
	dst := make([]float32, 8)
	DepthwiseKernel1HWO(dst, src, 4, 1, 2)
	if want := []float32{0, 10, 20, 30, 1, 11, 21, 31}; !slices.Equal(dst, want) {
		t.Fatalf("DepthwiseKernel1HWO = %v, want %v", dst, want)
	}
	back := make([]float32, 8)
	DepthwiseKernelO1HW(back, dst, 4, 1, 2)
	if !slices.Equal(back, src) {
		t.Fatalf("DepthwiseKernelO1HW(DepthwiseKernel1HWO(w)) = %v, want %v", back, src)
	}
	// A 2×2 window, one channel: (1, 1, 2, 2) is already (1, 2, 2, 1).
	sq := []float32{1, 2, 3, 4}
	DepthwiseKernel1HWO(dst[:4], sq, 1, 2, 2)
	if !slices.Equal(dst[:4], sq) {
		t.Fatalf("one channel: %v, want %v", dst[:4], sq)
	}
}

// TestDenseOI transposes a (3 in, 2 out) kernel holding 10·i + o: row o of
// the result lists inputs 0, 1, 2 of output o.
func TestDenseOI(t *testing.T) {
	src := []float32{0, 1, 10, 11, 20, 21}
	dst := make([]float32, 6)
	DenseOI(dst, src, 3, 2)
	if want := []float32{0, 10, 20, 1, 11, 21}; !slices.Equal(dst, want) {
		t.Fatalf("DenseOI = %v, want %v", dst, want)
	}
}

// TestDenseOIAfterFlatten reorders the inputs of a dense layer after a
// flatten of a (h=1, w=2, c=2) map. The checkpoint's rows are (C, H, W):
// c0x0, c0x1, c1x0, c1x1; TFLite's columns are (H, W, C): x0c0, x0c1,
// x1c0, x1c1. With 2 outputs and src[row][o] = 10·row + o, output 0 reads
// rows 0 2 1 3 and output 1 the same rows plus 1.
func TestDenseOIAfterFlatten(t *testing.T) {
	src := []float32{0, 1, 10, 11, 20, 21, 30, 31}
	dst := make([]float32, 8)
	DenseOIAfterFlatten(dst, src, 1, 2, 2, 2)
	if want := []float32{0, 20, 10, 30, 1, 21, 11, 31}; !slices.Equal(dst, want) {
		t.Fatalf("DenseOIAfterFlatten = %v, want %v", dst, want)
	}
	// It agrees with FlattenCHW: whatever the map, the checkpoint's
	// CHW row times src equals the NHWC map times dst.
	const h, w, c, out = 2, 3, 2, 2
	fm := make([]float32, h*w*c) // NHWC
	for i := range fm {
		fm[i] = float32(i%5) - 2
	}
	k := make([]float32, h*w*c*out)
	for i := range k {
		k[i] = float32(i%7) - 3
	}
	chw := make([]float32, len(fm))
	FlattenCHW(chw, fm, 1, h, w, c)
	oi := make([]float32, len(k))
	DenseOIAfterFlatten(oi, k, h, w, c, out)
	for o := 0; o < out; o++ {
		var a, b float32
		for i := range fm {
			a += chw[i] * k[i*out+o]
			b += fm[i] * oi[o*len(fm)+i]
		}
		if a != b {
			t.Fatalf("output %d: checkpoint %v, TFLite %v", o, a, b)
		}
	}
}
