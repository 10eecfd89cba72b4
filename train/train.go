package train

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/mnistcnn/mnistcnn/mnist"
	"github.com/mnistcnn/mnistcnn/model"
)

// ErrInterrupted is returned by Run when its context is cancelled. The
// checkpoint is then consistent at a step boundary and Run can continue it.
var ErrInterrupted = errors.New("train: interrupted")

// Progress is the state of the running epoch after a step.
type Progress struct {
	Epoch, Epochs int     // 1-based epoch being trained, of Epochs
	Step, Steps   int     // steps done in this epoch, of Steps
	Images        int     // images trained on in this epoch (Step·Batch)
	LR            float64 // learning rate of this epoch
	Loss          float64 // mean loss of this epoch's steps so far
	Accuracy      float64 // fraction of this epoch's images so far classified right (before their update)
}

// Hooks are called by Run between steps, with the checkpoint consistent:
// a hook may save it. Nil hooks are skipped.
type Hooks struct {
	OnStep  func(Progress)
	OnEpoch func(model.EpochMetrics) // after the epoch is appended to History
}

// Run trains ck from where it stands (ck.Epoch epochs done and ck.Step
// steps into the next) up to ck.Epochs, updating ck in place: its weights,
// optimizer state, OptStep, Epoch, Step and History. fit and val should
// come from Split, so that a resumed run sees the same images.
//
// Epoch e (0-based) visits fit in an order shuffled by PCG(ck.Seed, e),
// each image moved by a random shift of up to ck.Shift pixels (see shifts), and
// does fit.N/ck.Batch steps at learning rate LearningRate(ck); the last
// fit.N mod Batch images of that order are left out of that epoch (the
// graph has a fixed batch size). So the batch of any step is known from
// (Seed, Epoch, Step) alone, and a resumed run gives the same weights, bit
// for bit, as one that was never stopped. The graph works on the slices of
// ck.Weights themselves: hooks may read and save ck but not replace them.
//
// At the end of an epoch the validation set, if not empty, is evaluated
// and the epoch's metrics are appended to ck.History. TrainLoss and
// TrainAccuracy are means over the epoch's steps, kept as running sums in
// ck (StepLossSum, StepCorrect), so an epoch resumed in its middle reports
// what it would have unbroken. ValLoss and ValAccuracy are −1 when there is
// no validation set.
//
// Cancelling ctx stops Run before the next step; it returns ErrInterrupted.
// A NaN or infinite loss stops it with an error naming the step, before that
// step changes anything.
func Run(ctx context.Context, ck *model.Checkpoint, fit, val mnist.Set, hooks Hooks) error {
	if err := checkCheckpoint(ck); err != nil {
		return err
	}
	if ck.Epoch >= ck.Epochs {
		return nil
	}
	steps := fit.N / ck.Batch
	if steps == 0 {
		return fmt.Errorf("train: %d training images, fewer than a batch of %d", fit.N, ck.Batch)
	}
	if fit.Rows != model.Height || fit.Cols != model.Width {
		return fmt.Errorf("train: images are %dx%d, want %dx%d", fit.Rows, fit.Cols, model.Height, model.Width)
	}
	if ck.Step > steps {
		return fmt.Errorf("train: checkpoint is at step %d of an epoch of %d steps", ck.Step, steps)
	}
	n, err := newNet(ck.Weights, ck.Batch, true)
	if err != nil {
		return err
	}
	defer n.close()

	for ck.Epoch < ck.Epochs {
		perm := permutation(ck.Seed, ck.Epoch, fit.N)
		moves := shifts(ck.Seed, ck.Epoch, fit.N, ck.Shift)
		o := ck.Optimizer
		o.LR = LearningRate(ck)
		for ck.Step < steps {
			if ctx.Err() != nil {
				return ErrInterrupted
			}
			var sh []int8
			if moves != nil {
				sh = moves[2*ck.Step*ck.Batch : 2*(ck.Step+1)*ck.Batch]
			}
			n.load(fit, perm[ck.Step*ck.Batch:(ck.Step+1)*ck.Batch], sh)
			if err := n.run(); err != nil {
				return err
			}
			loss := n.loss()
			if math.IsNaN(loss) || math.IsInf(loss, 0) {
				return fmt.Errorf("train: loss is %v at epoch %d step %d", loss, ck.Epoch+1, ck.Step+1)
			}
			ck.OptStep++
			step(o, ck.OptStep, ck.Weights, ck.OptState, n.grad)
			ck.Step++
			ck.StepLossSum += loss
			ck.StepCorrect += countCorrect(n.logitsData(), fit, perm[(ck.Step-1)*ck.Batch:ck.Step*ck.Batch])
			if hooks.OnStep != nil {
				hooks.OnStep(Progress{
					Epoch: ck.Epoch + 1, Epochs: ck.Epochs,
					Step: ck.Step, Steps: steps,
					Images:   ck.Step * ck.Batch,
					LR:       o.LR,
					Loss:     ck.StepLossSum / float64(ck.Step),
					Accuracy: float64(ck.StepCorrect) / float64(ck.Step*ck.Batch),
				})
			}
		}

		// The epoch's steps are done; its validation is still to come, and
		// a resumed run (Step == steps) starts there.
		if ctx.Err() != nil {
			return ErrInterrupted
		}
		m := model.EpochMetrics{
			Epoch:         ck.Epoch + 1,
			TrainLoss:     ck.StepLossSum / float64(steps),
			TrainAccuracy: float64(ck.StepCorrect) / float64(steps*ck.Batch),
			ValLoss:       -1, ValAccuracy: -1,
		}
		if val.N > 0 {
			if m.ValLoss, m.ValAccuracy, err = Evaluate(ck.Weights, val); err != nil {
				return err
			}
		}
		ck.Epoch++
		ck.Step, ck.StepLossSum, ck.StepCorrect = 0, 0, 0
		ck.History = append(ck.History, m)
		if hooks.OnEpoch != nil {
			hooks.OnEpoch(m)
		}
	}
	return nil
}

// checkCheckpoint reports whether ck can be trained.
func checkCheckpoint(ck *model.Checkpoint) error {
	if ck.Arch != model.ArchName {
		return fmt.Errorf("train: checkpoint is for %q, want %q", ck.Arch, model.ArchName)
	}
	if ck.Batch < 1 {
		return fmt.Errorf("train: checkpoint has batch %d", ck.Batch)
	}
	if ck.Shift < 0 || ck.Shift > MaxShift {
		return fmt.Errorf("train: checkpoint shifts images by up to %d pixels, want 0 to %d", ck.Shift, MaxShift)
	}
	if ck.Epoch < 0 || ck.Step < 0 || ck.OptStep < 0 {
		return fmt.Errorf("train: checkpoint has negative epoch %d, step %d or optimizer step %d", ck.Epoch, ck.Step, ck.OptStep)
	}
	if err := checkOptimizer(ck.Optimizer); err != nil {
		return err
	}
	if err := checkWeights(ck.Weights); err != nil {
		return err
	}
	return checkOptState(ck.Optimizer, ck.Weights, ck.OptState)
}

// countCorrect counts the rows of logits whose largest value is at the label
// of the matching image idx[b] of set.
func countCorrect(logits []float32, set mnist.Set, idx []int) int {
	c := 0
	for b, i := range idx {
		if model.Class(logits[b*model.Classes:(b+1)*model.Classes]) == int(set.Labels[i]) {
			c++
		}
	}
	return c
}
