package kernels

import "math"

// SoftmaxFloat is SOFTMAX on float32 data, over the last axis of rows rows of
// length depth:
//
//	out[r,i] = exp(β·(in[r,i] − m)) / Σ_j exp(β·(in[r,j] − m)),  m = max_j in[r,j]
//
// Subtracting the row maximum keeps exp from overflowing and does not change
// the result.
func SoftmaxFloat(beta float32, rows, depth int, in, out []float32) {
	for r := 0; r < rows; r++ {
		x := in[r*depth : (r+1)*depth]
		y := out[r*depth : (r+1)*depth]
		if len(x) == 0 {
			continue
		}
		m := x[0]
		for _, v := range x[1:] {
			if v > m {
				m = v
			}
		}
		var sum float32
		for i, v := range x {
			e := float32(math.Exp(float64((v - m) * beta)))
			y[i] = e
			sum += e
		}
		for i := range y {
			y[i] /= sum // a division, not a multiply by 1/sum, as TFLite's reference does
		}
	}
}
