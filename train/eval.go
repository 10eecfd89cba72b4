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

// forward runs the forward graph of arch over set and calls f with each
// image's index and its logits (arch.Classes() values). Dropout layers
// keep every value.
func forward(arch *model.Arch, weights []model.Tensor, set mnist.Set, f func(i int, logits []float32)) error {
	if set.N == 0 {
		return nil
	}
	if err := checkSet(arch, "evaluated", set, false); err != nil {
		return err
	}
	b := min(evalBatch, set.N)
	n, err := newNet(arch, weights, b, false)
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
			f(from+j, z[j*n.classes:(j+1)*n.classes])
		}
	}
	return nil
}

// Evaluate is the mean softmax cross-entropy and the accuracy (fraction of
// images whose largest logit is at their label) of the model of ck (its
// architecture and weights) over set. It builds its own forward graph
// sharing ck's weights. The images must be the architecture's size and
// the labels below its classes.
func Evaluate(ck *model.Checkpoint, set mnist.Set) (loss, accuracy float64, err error) {
	arch, err := ck.Architecture()
	if err != nil {
		return 0, 0, fmt.Errorf("train: %w", err)
	}
	return evaluate(arch, ck.Weights, set)
}

func evaluate(arch *model.Arch, weights []model.Tensor, set mnist.Set) (loss, accuracy float64, err error) {
	if set.N == 0 {
		return 0, 0, fmt.Errorf("train: evaluating an empty set")
	}
	if err := checkSet(arch, "evaluated", set, true); err != nil {
		return 0, 0, err
	}
	lp := make([]float64, arch.Classes())
	correct := 0
	err = forward(arch, weights, set, func(i int, z []float32) {
		logSoftmax(z, lp)
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

// Predict is the softmax output of the model of ck for every image of
// set: set.N rows of ck's classes (its architecture's Classes())
// probabilities. The images must be the architecture's size; the labels
// are not read.
func Predict(ck *model.Checkpoint, set mnist.Set) ([]float32, error) {
	arch, err := ck.Architecture()
	if err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	classes := arch.Classes()
	out := make([]float32, set.N*classes)
	lp := make([]float64, classes)
	err = forward(arch, ck.Weights, set, func(i int, z []float32) {
		logSoftmax(z, lp)
		for c, v := range lp {
			out[i*classes+c] = float32(math.Exp(v))
		}
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
