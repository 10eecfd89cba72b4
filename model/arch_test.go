package model

import (
	"math"
	"testing"
)

func TestClass(t *testing.T) {
	nan := float32(math.NaN())
	for _, c := range []struct {
		scores []float32
		want   int
	}{
		{[]float32{0.1, 0.7, 0.2}, 1},
		{[]float32{3, 1, 3}, 0},       // a tie: the first
		{[]float32{-2, -1, -3}, 1},    // all negative
		{[]float32{nan, 0.2, 0.5}, 2}, // a NaN first is passed over
		{[]float32{0.2, nan, 0.1}, 0}, // and anywhere else
		{[]float32{nan, nan}, 0},      // only NaNs: the first
		{[]float32{float32(math.Inf(-1)), -1e30}, 1},
		{[]float32{5}, 0},
		{nil, 0},
	} {
		if got := Class(c.scores); got != c.want {
			t.Errorf("Class(%v) = %d, want %d", c.scores, got, c.want)
		}
	}
}
