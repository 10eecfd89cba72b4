package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/mnistcnn/mnistcnn/tflite"
)

// The fast average pools (pool_fast.go) against the scalar ones on
// awkward shapes: channel counts off the vector width, 2×2/2, 3×3/2 and
// overlapping 3×3/1 windows, SAME padding (partial windows, whose count
// excludes the padding), batch 2. Both give the same bits (float: the
// taps are summed in the same order) and the same bytes (int8).

type poolFastCase struct {
	n, h, w, ch, fh, fw, s int
	pad                    tflite.Padding
}

func poolFastCases() []poolFastCase {
	var cs []poolFastCase
	for _, ch := range []int{1, 3, 7, 17, 33} {
		cs = append(cs,
			poolFastCase{1, 8, 8, ch, 2, 2, 2, tflite.PaddingValid},
			poolFastCase{2, 7, 9, ch, 3, 3, 2, tflite.PaddingSame},
			poolFastCase{2, 6, 5, ch, 3, 3, 1, tflite.PaddingSame},
			poolFastCase{1, 7, 7, ch, 3, 3, 1, tflite.PaddingValid},
			poolFastCase{1, 5, 6, ch, 2, 3, 2, tflite.PaddingSame},
		)
	}
	return append(cs, poolFastCase{1, 28, 28, 64, 2, 2, 2, tflite.PaddingValid}, poolFastCase{1, 4, 4, 16, 4, 4, 1, tflite.PaddingSame})
}

func (c poolFastCase) geometry(p *PoolParams) (is, os Shape4) {
	p.StrideH, p.StrideW, p.FilterH, p.FilterW = c.s, c.s, c.fh, c.fw
	oh, ow := OutputSize(c.pad, c.h, c.fh, c.s, 1), OutputSize(c.pad, c.w, c.fw, c.s, 1)
	p.Padding = Padding{Height: PaddingBefore(c.h, c.fh, c.s, 1, oh), Width: PaddingBefore(c.w, c.fw, c.s, 1, ow)}
	return Shape4{c.n, c.h, c.w, c.ch}, Shape4{c.n, oh, ow, c.ch}
}

func TestAveragePoolFloatFast(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 4))
	nan, negZero := float32(math.NaN()), float32(math.Copysign(0, -1))
	for _, c := range poolFastCases() {
		var p PoolParams
		is, os := c.geometry(&p)
		in := randF32(r, is.Len())
		for i := range in {
			switch r.IntN(16) {
			case 0:
				in[i] = nan
			case 1, 2:
				in[i] = negZero
			case 3:
				in[i] *= 1e30
			}
		}
		for _, clamp := range [][2]float32{{-1, 1}, {float32(math.Inf(-1)), float32(math.Inf(1))}, {0, 6}} {
			p.FloatMin, p.FloatMax = clamp[0], clamp[1]
			want, got := make([]float32, os.Len()), make([]float32, os.Len())
			AveragePoolFloat(&p, is, in, os, want)
			AveragePoolFloatFast(&p, is, in, os, got)
			for i := range want {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Fatalf("%+v clamp %v: [%d] = %v, want %v", c, clamp, i, got[i], want[i])
				}
			}
		}
	}
}

func TestAveragePoolInt8Fast(t *testing.T) {
	r := rand.New(rand.NewPCG(22, 4))
	for _, c := range poolFastCases() {
		var p PoolParams
		is, os := c.geometry(&p)
		acc := make([]int32, c.ch)
		for fill := range 4 {
			in := randInt8(r, is.Len())
			for i := range in {
				switch fill {
				case 1:
					in[i] = -128
				case 2:
					in[i] = 127
				case 3:
					in[i] = [2]int8{-128, 127}[r.IntN(2)]
				}
			}
			for _, clamp := range [][2]int32{{-128, 127}, {-20, 30}, {-128, -128}, {127, 127}, {0, 127}} {
				p.QuantMin, p.QuantMax = clamp[0], clamp[1]
				want, got := make([]int8, os.Len()), make([]int8, os.Len())
				errW := AveragePoolInt8(&p, is, in, os, want)
				errG := AveragePoolInt8Fast(&p, is, in, os, got, acc)
				if errW != nil || errG != nil {
					t.Fatalf("%+v: errors %v, %v", c, errG, errW)
				}
				equalInt8(t, fmt.Sprintf("%+v fill %d clamp %v", c, fill, clamp), got, want)
			}
		}
	}
}

// TestAveragePoolInt8FastEmptyWindow: a window wholly in the padding is
// an error for both, and the other outputs are still the same.
func TestAveragePoolInt8FastEmptyWindow(t *testing.T) {
	p := &PoolParams{StrideH: 1, StrideW: 1, FilterH: 1, FilterW: 1, Padding: Padding{Height: 1}, QuantMin: -128, QuantMax: 127}
	is, os := Shape4{1, 3, 3, 5}, Shape4{1, 3, 3, 5}
	in := randInt8(rand.New(rand.NewPCG(1, 1)), is.Len())
	want, got := make([]int8, os.Len()), make([]int8, os.Len())
	if err := AveragePoolInt8(p, is, in, os, want); err != ErrEmptyPoolWindow {
		t.Fatalf("scalar: err %v", err)
	}
	if err := AveragePoolInt8Fast(p, is, in, os, got, make([]int32, 5)); err != ErrEmptyPoolWindow {
		t.Fatalf("fast: err %v", err)
	}
	equalInt8(t, "empty window", got, want)
}

func BenchmarkAveragePool(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, c := range []poolFastCase{{1, 28, 28, 64, 2, 2, 2, tflite.PaddingValid}, {1, 28, 28, 64, 3, 3, 1, tflite.PaddingSame}} {
		p := PoolParams{FloatMin: float32(math.Inf(-1)), FloatMax: float32(math.Inf(1)), QuantMin: -128, QuantMax: 127}
		is, os := c.geometry(&p)
		name := fmt.Sprintf("%dx%d_s%d_pad%d", c.fh, c.fw, c.s, c.pad)
		inF, outF := randF32(r, is.Len()), make([]float32, os.Len())
		inI, outI := randInt8(r, is.Len()), make([]int8, os.Len())
		acc := make([]int32, c.ch)
		b.Run("float/scalar/"+name, func(b *testing.B) {
			for b.Loop() {
				AveragePoolFloat(&p, is, inF, os, outF)
			}
		})
		b.Run("float/fast/"+name, func(b *testing.B) {
			for b.Loop() {
				AveragePoolFloatFast(&p, is, inF, os, outF)
			}
		})
		b.Run("int8/scalar/"+name, func(b *testing.B) {
			for b.Loop() {
				_ = AveragePoolInt8(&p, is, inI, os, outI)
			}
		})
		b.Run("int8/fast/"+name, func(b *testing.B) {
			for b.Loop() {
				_ = AveragePoolInt8Fast(&p, is, inI, os, outI, acc)
			}
		})
	}
}
