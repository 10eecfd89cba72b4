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
