package convert

import (
	"reflect"
	"testing"
)

// Each test uses a tensor whose values encode their own training-layout
// index, so every expected value can be checked by hand.

func TestConvKernelOHWI(t *testing.T) {
	// src is (out=2, in=2, kh=1, kw=2): src[o][i][0][x] = 100·o + 10·i + x.
	src := []float32{
		0, 1, 10, 11, // o=0: i=0 x=0,1; i=1 x=0,1
		100, 101, 110, 111, // o=1
	}
	// dst is (out, kh, kw, in): for each o and x, the two input channels.
	want := []float32{
		0, 10, 1, 11, // o=0: x=0 (i=0,1), x=1 (i=0,1)
		100, 110, 101, 111,
	}
	if got := convKernelOHWI(src, 2, 2, 1, 2); !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

func TestDepthwiseKernel1HWO(t *testing.T) {
	// src is (out=3, 1, kh=2, kw=1): src[o][0][y][0] = 10·o + y; with one
	// input channel and multiplier 3, or three channels and multiplier 1.
	src := []float32{0, 1, 10, 11, 20, 21}
	// dst is (1, kh, kw, out): for each row y, the three output channels.
	want := []float32{0, 10, 20, 1, 11, 21}
	if got := depthwiseKernel1HWO(src, 3, 2, 1); !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

func TestDenseWeights(t *testing.T) {
	// src is (in=3, out=2): src[i][o] = 10·i + o.
	src := []float32{0, 1, 10, 11, 20, 21}
	// dst is (out=2, in=3): row o lists src[0..2][o].
	want := []float32{0, 10, 20, 1, 11, 21}
	if got := denseWeights(src, 3, 2); !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

func TestDenseWeightsAfterFlatten(t *testing.T) {
	// A (h=1, w=2, c=2) feature map flattened CHW has inputs ordered
	// (c0x0, c0x1, c1x0, c1x1); HWC orders them (x0c0, x0c1, x1c0, x1c1).
	// src is (in=4, out=1) with src[row] = row, so dst shows which CHW row
	// lands in each HWC column.
	src := []float32{0, 1, 2, 3}
	want := []float32{0, 2, 1, 3}
	if got := denseWeightsAfterFlatten(src, 1, 2, 2, 1); !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

func TestDenseWeightsAfterFlattenMatchesFlattenOrders(t *testing.T) {
	// A feature map f[ch][y][x]; the dense layer computes Σ in·W. Whatever
	// the weights, CHW-flatten·src must equal HWC-flatten·dst.
	const h, w, c, out = 2, 3, 4, 5
	f := make([]float32, h*w*c)
	for i := range f {
		f[i] = float32(i%7) - 3
	}
	src := make([]float32, h*w*c*out)
	for i := range src {
		src[i] = float32(i%11) - 5
	}
	dst := denseWeightsAfterFlatten(src, h, w, c, out)
	for o := 0; o < out; o++ {
		var a, b float32
		for ch := 0; ch < c; ch++ {
			for y := 0; y < h; y++ {
				for x := 0; x < w; x++ {
					v := f[(ch*h+y)*w+x] // the value at (ch, y, x)
					a += v * src[((ch*h+y)*w+x)*out+o]
					b += v * dst[o*(h*w*c)+(y*w+x)*c+ch]
				}
			}
		}
		if a != b {
			t.Fatalf("output %d: CHW gives %v, HWC gives %v", o, a, b)
		}
	}
}
