package distance

import (
	"math"
	"testing"
)

func TestByHand(t *testing.T) {
	// ref = (3, 4), ‖ref‖ = 5; v = (3, 5): v − ref = (0, 1), so relative L2
	// = 1/5; cosine = (9 + 20)/(5·√34) = 0.99469…; the largest difference 1.
	var s Sum
	s.AddSlices([]float32{3, 4}, []float32{3, 5})
	if s.RelL2() != 0.2 || math.Abs(s.Cosine()-29/(5*math.Sqrt(34))) > 1e-15 || s.MaxAbs() != 1 {
		t.Fatalf("rel L2 %v, cosine %v, max %v", s.RelL2(), s.Cosine(), s.MaxAbs())
	}
	// v = −ref: relative L2 = ‖−2 ref‖/‖ref‖ = 2, cosine −1.
	var o Sum
	o.AddSlices([]float32{1, -2}, []float32{-1, 2})
	if o.RelL2() != 2 || o.Cosine() != -1 || o.MaxAbs() != 4 {
		t.Fatalf("opposite: rel L2 %v, cosine %v, max %v", o.RelL2(), o.Cosine(), o.MaxAbs())
	}
}

func TestZeroVectors(t *testing.T) {
	for _, c := range []struct {
		name        string
		ref, v      []float32
		rel, cosine float64
	}{
		{"empty", nil, nil, 0, 1},
		{"both zero", []float32{0, 0}, []float32{0, 0}, 0, 1},
		{"zero reference", []float32{0, 0}, []float32{0, 1}, math.Inf(1), 0},
		{"zero value", []float32{0, 1}, []float32{0, 0}, 1, 0},
	} {
		var s Sum
		s.AddSlices(c.ref, c.v)
		if s.RelL2() != c.rel || s.Cosine() != c.cosine {
			t.Errorf("%s: rel L2 %v, cosine %v; want %v, %v", c.name, s.RelL2(), s.Cosine(), c.rel, c.cosine)
		}
	}
}
