package train

import (
	"fmt"
	"math"

	"github.com/mnistcnn/mnistcnn/mnist"
	"github.com/mnistcnn/mnistcnn/model"
)

// evalBatch is the batch size of the forward-only graph of Evaluate and
// Predict; the last batch of a set is padded with copies of its first image.
const evalBatch = 100

// forward runs the forward graph over set and calls f with each image's
// index and its 10 logits.
func forward(weights []model.Tensor, set mnist.Set, f func(i int, logits []float32)) error {
	if set.N == 0 {
		return nil
	}
	if set.Rows != model.Height || set.Cols != model.Width {
		return fmt.Errorf("train: images are %dx%d, want %dx%d", set.Rows, set.Cols, model.Height, model.Width)
	}
	b := min(evalBatch, set.N)
	n, err := newNet(weights, b, false)
	if err != nil {
		return err
	}
	defer n.close()
	idx := make([]int, b)
	for from := 0; from < set.N; from += b {
		k := min(b, set.N-from)
		for j := range idx {
			idx[j] = from
			if j < k {
				idx[j] = from + j
			}
		}
		n.load(set, idx, nil)
		if err := n.run(); err != nil {
			return err
		}
		z := n.logitsData()
		for j := 0; j < k; j++ {
			f(from+j, z[j*model.Classes:(j+1)*model.Classes])
		}
	}
	return nil
}

// Evaluate is the mean softmax cross-entropy and the accuracy (fraction of
// images whose largest logit is at their label) of the model with weights
// over set. It builds its own forward graph sharing the weights.
func Evaluate(weights []model.Tensor, set mnist.Set) (loss, accuracy float64, err error) {
	if set.N == 0 {
		return 0, 0, fmt.Errorf("train: evaluating an empty set")
	}
	var lp [model.Classes]float64
	correct := 0
	err = forward(weights, set, func(i int, z []float32) {
		logSoftmax(z, lp[:])
		loss -= lp[set.Labels[i]]
		if model.Class(z) == int(set.Labels[i]) {
			correct++
		}
	})
	if err != nil {
		return 0, 0, err
	}
	return loss / float64(set.N), float64(correct) / float64(set.N), nil
}

// Predict is the softmax output of the model with weights for every image
// of set: N rows of 10 probabilities.
func Predict(weights []model.Tensor, set mnist.Set) ([]float32, error) {
	out := make([]float32, set.N*model.Classes)
	var lp [model.Classes]float64
	err := forward(weights, set, func(i int, z []float32) {
		logSoftmax(z, lp[:])
		for c, v := range lp {
			out[i*model.Classes+c] = float32(math.Exp(v))
		}
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
