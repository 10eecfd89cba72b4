package eval

import (
	"errors"
	"math"
)

// Confusion counts, for each true label (row) and prediction (column), the
// images so classified.
func Confusion(labels, predictions []uint8) [Classes][Classes]int {
	var c [Classes][Classes]int
	for i, l := range labels {
		if int(l) < Classes && int(predictions[i]) < Classes {
			c[l][predictions[i]]++
		}
	}
	return c
}

// PerClass is each class's accuracy (its row's diagonal over its row sum),
// NaN for a class with no images.
func PerClass(c [Classes][Classes]int) [Classes]float64 {
	var acc [Classes]float64
	for i := range c {
		n := 0
		for _, v := range c[i] {
			n += v
		}
		acc[i] = math.NaN()
		if n > 0 {
			acc[i] = float64(c[i][i]) / float64(n)
		}
	}
	return acc
}

// Agreement compares two models' results on the same images.
type Agreement struct {
	Same     int     // images with the same prediction
	Total    int     // images compared
	Rate     float64 // Same/Total
	RelL2    float64 // ‖b − a‖₂ / ‖a‖₂ over all scores
	Cosine   float64 // a·b / (‖a‖₂‖b‖₂) over all scores
	MaxAbs   float64 // the largest |b − a| of any score
	Disagree []int   // indices of the images predicted differently
}

// Compare measures how far b's scores stray from a's, a being the reference.
func Compare(a, b *Result) (Agreement, error) {
	if a.Total != b.Total || len(a.Scores) != len(b.Scores) {
		return Agreement{}, errors.New("eval: results cover different images")
	}
	ag := Agreement{Total: a.Total}
	for i := 0; i < a.Total; i++ {
		if a.Predictions[i] == b.Predictions[i] {
			ag.Same++
		} else {
			ag.Disagree = append(ag.Disagree, i)
		}
	}
	if a.Total > 0 {
		ag.Rate = float64(ag.Same) / float64(a.Total)
	}
	ag.RelL2, ag.Cosine, ag.MaxAbs = Distance(a.Scores, b.Scores)
	return ag, nil
}

// Distance is the relative L2 error ‖b − a‖/‖a‖, the cosine similarity and
// the largest absolute difference of two equally long vectors, summed in
// float64. Relative error is +Inf when a is zero and b is not; cosine is NaN
// when either is zero.
func Distance(a, b []float32) (relL2, cosine, maxAbs float64) {
	var aa, bb, ab, dd float64
	for i := range a {
		x, y := float64(a[i]), float64(b[i])
		aa += x * x
		bb += y * y
		ab += x * y
		d := y - x
		dd += d * d
		maxAbs = math.Max(maxAbs, math.Abs(d))
	}
	switch {
	case aa > 0:
		relL2 = math.Sqrt(dd / aa)
	case dd > 0:
		relL2 = math.Inf(1)
	}
	cosine = ab / math.Sqrt(aa*bb)
	return relL2, cosine, maxAbs
}
