package eval

import (
	"errors"
	"math"

	"github.com/mnistcnn/mnistcnn/internal/distance"
)

// Confusion counts, for each true label (row) and prediction (column), the
// images so classified: a classes×classes matrix. Labels and predictions
// of classes or more are not counted.
func Confusion(labels, predictions []uint8, classes int) [][]int {
	c := make([][]int, classes)
	for i := range c {
		c[i] = make([]int, classes)
	}
	for i, l := range labels {
		if int(l) < classes && int(predictions[i]) < classes {
			c[l][predictions[i]]++
		}
	}
	return c
}

// PerClass is each class's accuracy (its row's diagonal over its row sum),
// NaN for a class with no images; c is square, as Confusion makes it.
func PerClass(c [][]int) []float64 {
	acc := make([]float64, len(c))
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
	RelL2    float64 // ‖b − a‖₂ / ‖a‖₂ over all scores (package distance)
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
	var d distance.Sum
	d.AddSlices(a.Scores, b.Scores)
	ag.RelL2, ag.Cosine, ag.MaxAbs = d.RelL2(), d.Cosine(), d.MaxAbs()
	return ag, nil
}
