package train

import (
	"fmt"
	"math"
	"slices"

	"github.com/mnistcnn/mnistcnn/internal/par"
	"github.com/mnistcnn/mnistcnn/internal/simd"
	"github.com/mnistcnn/mnistcnn/model"
)

// Optimizer names, as stored in model.Optimizer.Name.
const (
	RMSprop = "rmsprop"
	Adam    = "adam"
)

// KerasRMSprop is Keras's RMSprop with its defaults: learning rate 0.001,
// rho 0.9, epsilon 1e-7, no momentum, not centred. The reference model was
// trained with it.
func KerasRMSprop() model.Optimizer {
	return model.Optimizer{Name: RMSprop, LR: 0.001, Rho: 0.9, Epsilon: 1e-7}
}

// DefaultAdam is Keras's Adam with its defaults: learning rate 0.001,
// beta1 0.9, beta2 0.999, epsilon 1e-7.
func DefaultAdam() model.Optimizer {
	return model.Optimizer{Name: Adam, LR: 0.001, Beta1: 0.9, Beta2: 0.999, Epsilon: 1e-7}
}

// slots is the number of state tensors the optimizer keeps per weight.
func slots(o model.Optimizer) (int, error) {
	switch o.Name {
	case RMSprop:
		return 1, nil
	case Adam:
		return 2, nil
	}
	return 0, fmt.Errorf("train: unknown optimizer %q (want %q or %q)", o.Name, RMSprop, Adam)
}

// slotNames are the suffixes of the state tensors' names.
var slotNames = map[string][]string{
	RMSprop: {"velocity"},
	Adam:    {"m", "v"},
}

// checkOptimizer validates the hyper-parameters.
func checkOptimizer(o model.Optimizer) error {
	if _, err := slots(o); err != nil {
		return err
	}
	bad := func(what string, v float64) error {
		return fmt.Errorf("train: %s %s %v out of range", o.Name, what, v)
	}
	if !(o.LR > 0) || math.IsInf(o.LR, 0) {
		return bad("learning rate", o.LR)
	}
	if !(o.Epsilon >= 0) || math.IsInf(o.Epsilon, 0) {
		return bad("epsilon", o.Epsilon)
	}
	switch o.Name {
	case RMSprop:
		if !(o.Rho >= 0 && o.Rho < 1) {
			return bad("rho", o.Rho)
		}
	case Adam:
		if !(o.Beta1 >= 0 && o.Beta1 < 1) {
			return bad("beta1", o.Beta1)
		}
		if !(o.Beta2 >= 0 && o.Beta2 < 1) {
			return bad("beta2", o.Beta2)
		}
	}
	return nil
}

// decayName names the optimizer state tensor that holds the learning rate
// decay per epoch (shape [1]); the learning rate schedule is optimizer state
// that must survive a resume, and model.Optimizer has no field for it.
const decayName = "lr_decay"

// newOptState is the zero state for weights: for RMSprop one "velocity"
// tensor per weight; for Adam all first moments "m" then all second
// moments "v", each shaped like its weight and named "<weight>/<slot>";
// then the learning rate decay, one value in (0,1], named decayName.
func newOptState(o model.Optimizer, weights []model.Tensor, decay float64) ([]model.Tensor, error) {
	if _, err := slots(o); err != nil {
		return nil, err
	}
	var st []model.Tensor
	for _, s := range slotNames[o.Name] {
		for _, w := range weights {
			st = append(st, model.Tensor{
				Name:  w.Name + "/" + s,
				Shape: append([]int(nil), w.Shape...),
				Data:  make([]float32, len(w.Data)),
			})
		}
	}
	return append(st, model.Tensor{Name: decayName, Shape: []int{1}, Data: []float32{float32(decay)}}), nil
}

// checkOptState reports whether st is a state newOptState could have made.
func checkOptState(o model.Optimizer, weights, st []model.Tensor) error {
	want, err := newOptState(o, weights, 1)
	if err != nil {
		return err
	}
	if len(st) != len(want) {
		return fmt.Errorf("train: %d optimizer state tensors, %s needs %d", len(st), o.Name, len(want))
	}
	for i, w := range want {
		if st[i].Name != w.Name || !slices.Equal(st[i].Shape, w.Shape) || len(st[i].Data) != len(w.Data) {
			return fmt.Errorf("train: optimizer state %d is %s %v (%d values), want %s %v",
				i, st[i].Name, st[i].Shape, len(st[i].Data), w.Name, w.Shape)
		}
	}
	if d := st[len(st)-1].Data[0]; !(d > 0 && d <= 1) {
		return fmt.Errorf("train: learning rate decay %v, want (0,1]", d)
	}
	return nil
}

// LearningRate is the learning rate of epoch ck.Epoch+1, the one being
// trained: ck.Optimizer.LR·decay^ck.Epoch.
func LearningRate(ck *model.Checkpoint) float64 {
	lr := ck.Optimizer.LR
	if n := len(ck.OptState); n > 0 && ck.OptState[n-1].Name == decayName && len(ck.OptState[n-1].Data) == 1 {
		lr *= math.Pow(float64(ck.OptState[n-1].Data[0]), float64(ck.Epoch))
	}
	return lr
}

// step applies one optimizer update, the t-th (t ≥ 1), to every weight w[i]
// given its gradient grad(i), in place, as Keras does (float32 arithmetic).
//
// RMSprop (keras.optimizers.RMSprop, momentum 0, not centred):
//
//	v ← ρ·v + (1−ρ)·g²
//	w ← w − lr·g / √(v + ε)
//
// Keras puts ε inside the square root (keras/src/optimizers/rmsprop.py,
// and TensorFlow's ApplyRMSProp before it). It runs in simd.RMSprop, whose
// assembly rounds each operation as the Go loop does.
//
// Adam (keras.optimizers.Adam, not amsgrad):
//
//	α ← lr·√(1−β₂ᵗ) / (1−β₁ᵗ)
//	m ← m + (g − m)·(1−β₁)
//	v ← v + (g² − v)·(1−β₂)
//	w ← w − α·m / (√v + ε)
//
// with ε outside the square root ("epsilon hat" of Kingma and Ba).
func step(o model.Optimizer, t int64, w, st []model.Tensor, grad func(i int) []float32) {
	// Every element is updated on its own, so the work is cut into chunks
	// of stepChunk elements of one tensor and run on all cores: the result
	// is the same bits as one loop would give.
	type chunk struct{ i, lo, hi int }
	var cs []chunk
	gs := make([][]float32, len(w))
	for i := range w {
		gs[i] = grad(i)
		for lo := 0; lo < len(w[i].Data); lo += stepChunk {
			cs = append(cs, chunk{i, lo, min(lo+stepChunk, len(w[i].Data))})
		}
	}
	eps := float32(o.Epsilon)
	switch o.Name {
	case RMSprop:
		lr, rho := float32(o.LR), float32(o.Rho)
		par.For(len(cs), func(k int) {
			c := cs[k]
			simd.RMSprop(w[c.i].Data[c.lo:c.hi], st[c.i].Data[c.lo:c.hi], gs[c.i][c.lo:c.hi], lr, rho, eps)
		})
	case Adam:
		b1, b2 := float32(o.Beta1), float32(o.Beta2)
		alpha := float32(o.LR * math.Sqrt(1-math.Pow(o.Beta2, float64(t))) / (1 - math.Pow(o.Beta1, float64(t))))
		par.For(len(cs), func(k int) {
			c := cs[k]
			wd, g := w[c.i].Data[c.lo:c.hi], gs[c.i][c.lo:c.hi]
			m, v := st[c.i].Data[c.lo:c.hi], st[len(w)+c.i].Data[c.lo:c.hi]
			for j := range wd {
				m[j] += (g[j] - m[j]) * (1 - b1)
				v[j] += (g[j]*g[j] - v[j]) * (1 - b2)
				wd[j] -= alpha * m[j] / (sqrt32(v[j]) + eps)
			}
		})
	}
}

// stepChunk is how many elements of a weight one goroutine updates at a time.
const stepChunk = 1 << 14

func sqrt32(x float32) float32 { return float32(math.Sqrt(float64(x))) }
