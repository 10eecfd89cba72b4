package model

import (
	"math"
	"testing"
)

func TestNumParams(t *testing.T) {
	// 180,328 is the Keras model.summary() total of the reference project.
	if got := NumParams(); got != 180328 {
		t.Fatalf("NumParams = %d, want 180328", got)
	}
}

func TestMACs(t *testing.T) {
	// conv1: 26·26·32 outputs × 9 = 194,688; conv2: 11·11·32 × 288 = 1,115,136;
	// dense: 800·200 + 200·50 + 50·10 = 170,500. Total 1,480,324.
	if got := MACs(); got != 1480324 {
		t.Fatalf("MACs = %d, want 1480324", got)
	}
}

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
