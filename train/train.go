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
	arch, err := checkCheckpoint(ck)
	if err != nil {
		return err
	}
	if ck.Epoch >= ck.Epochs {
		return nil
	}
	steps := fit.N / ck.Batch
	if steps == 0 {
		return fmt.Errorf("train: %d training images, fewer than a batch of %d", fit.N, ck.Batch)
	}
	for _, s := range []struct {
		what string
		set  mnist.Set
	}{{"training", fit}, {"validation", val}} {
		if err := checkSet(arch, s.what, s.set, true); err != nil {
			return err
		}
	}
	if ck.Step > steps {
		return fmt.Errorf("train: checkpoint is at step %d of an epoch of %d steps", ck.Step, steps)
	}
	n, err := newNet(arch, ck.Weights, ck.Batch, true)
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
			n.drawMasks(ck.Seed, ck.Epoch, ck.Step)
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
			ck.StepCorrect += countCorrect(n.logitsData(), n.classes, fit, perm[(ck.Step-1)*ck.Batch:ck.Step*ck.Batch])
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
			if m.ValLoss, m.ValAccuracy, err = evaluate(arch, ck.Weights, val); err != nil {
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

// checkCheckpoint reports whether ck can be trained, and returns the
// architecture it records.
func checkCheckpoint(ck *model.Checkpoint) (*model.Arch, error) {
	arch, err := ck.Architecture()
	if err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	if ck.Batch < 1 {
		return nil, fmt.Errorf("train: checkpoint has batch %d", ck.Batch)
	}
	if ck.Shift < 0 || ck.Shift > MaxShift {
		return nil, fmt.Errorf("train: checkpoint shifts images by up to %d pixels, want 0 to %d", ck.Shift, MaxShift)
	}
	if ck.Epoch < 0 || ck.Step < 0 || ck.OptStep < 0 {
		return nil, fmt.Errorf("train: checkpoint has negative epoch %d, step %d or optimizer step %d", ck.Epoch, ck.Step, ck.OptStep)
	}
	if err := checkOptimizer(ck.Optimizer); err != nil {
		return nil, err
	}
	if err := checkWeights(arch, ck.Weights); err != nil {
		return nil, err
	}
	return arch, checkOptState(ck.Optimizer, ck.Weights, ck.OptState)
}

// checkSet reports whether the images of set (the training, validation or
// evaluated set, as what says) are arch's size and, if labels, whether its
// labels are below arch's classes.
func checkSet(arch *model.Arch, what string, set mnist.Set, labels bool) error {
	in := arch.InputShape()
	if set.N == 0 {
		return nil
	}
	if set.Rows != in[0] || set.Cols != in[1] || in[2] != 1 {
		return fmt.Errorf("train: %s images are %dx%d, the model's are %dx%dx%d", what, set.Rows, set.Cols, in[0], in[1], in[2])
	}
	if set.N < 0 || len(set.Images) < set.N*set.Rows*set.Cols {
		return fmt.Errorf("train: %s set of %d images holds %d pixels", what, set.N, len(set.Images))
	}
	if !labels {
		return nil
	}
	if len(set.Labels) < set.N {
		return fmt.Errorf("train: %s set of %d images holds %d labels", what, set.N, len(set.Labels))
	}
	for i, l := range set.Labels[:set.N] {
		if int(l) >= arch.Classes() {
			return fmt.Errorf("train: %s image %d has label %d, the model has %d classes (0 to %d)", what, i, l, arch.Classes(), arch.Classes()-1)
		}
	}
	return nil
}

// countCorrect counts the rows of logits (rows of classes values) whose
// largest value is at the label of the matching image idx[b] of set.
func countCorrect(logits []float32, classes int, set mnist.Set, idx []int) int {
	c := 0
	for b, i := range idx {
		if model.Class(logits[b*classes:(b+1)*classes]) == int(set.Labels[i]) {
			c++
		}
	}
	return c
}
