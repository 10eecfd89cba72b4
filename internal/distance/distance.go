// Package distance measures how far a vector strays from a reference one:
// relative L2 error, cosine similarity and largest absolute difference,
// summed in float64 one pair of values at a time, so that long vectors
// (every activation of a layer over a test set) need no copy.
package distance

import "math"

// Sum accumulates pairs (reference, value); its zero value is empty.
type Sum struct {
	rr, vv, rv, dd, max float64
}

// Add adds one pair of values.
func (s *Sum) Add(ref, v float64) {
	d := v - ref
	s.rr += ref * ref
	s.vv += v * v
	s.rv += ref * v
	s.dd += d * d
	s.max = math.Max(s.max, math.Abs(d))
}

// AddSlices adds ref[i], v[i] for every i; v must be as long as ref.
func (s *Sum) AddSlices(ref, v []float32) {
	for i, r := range ref {
		s.Add(float64(r), float64(v[i]))
	}
}

// RelL2 is ‖v − ref‖₂ / ‖ref‖₂: 0 is perfect. It is 0 when both vectors
// are zero and +Inf when only the reference is.
func (s *Sum) RelL2() float64 {
	switch {
	case s.rr > 0:
		return math.Sqrt(s.dd / s.rr)
	case s.dd > 0:
		return math.Inf(1)
	}
	return 0
}

// Cosine is ref·v / (‖ref‖₂ ‖v‖₂): 1 is perfect. It is 1 when both vectors
// are zero and 0 when only one is.
func (s *Sum) Cosine() float64 {
	switch {
	case s.rr > 0 && s.vv > 0:
		return s.rv / math.Sqrt(s.rr*s.vv)
	case s.rr == 0 && s.vv == 0:
		return 1
	}
	return 0
}

// MaxAbs is the largest |v − ref| added.
func (s *Sum) MaxAbs() float64 { return s.max }
