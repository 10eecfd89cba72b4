package train

import (
	"bytes"
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/mnistcnn/mnistcnn/internal/mnisttest"
	"github.com/mnistcnn/mnistcnn/mnist"
	"github.com/mnistcnn/mnistcnn/model"
)

// classes is MNIST's number of classes, the reference's outputs.
const classes = 10

// synthetic is a set of n random 28×28 images with random labels 0–9, from
// a fixed seed: enough to exercise the training loop without the data
// files.
func synthetic(n int) mnist.Set { return syntheticSet(n, MNIST) }

// syntheticSet is a set of n random images of in's size with random labels
// below in.Classes, from a fixed seed.
func syntheticSet(n int, in Input) mnist.Set {
	r := rand.New(rand.NewPCG(7, 7))
	s := mnist.Set{Images: make([]uint8, n*in.Height*in.Width), Labels: make([]uint8, n), N: n, Rows: in.Height, Cols: in.Width}
	for i := range s.Images {
		s.Images[i] = uint8(r.UintN(256))
	}
	for i := range s.Labels {
		s.Labels[i] = uint8(r.UintN(uint(in.Classes)))
	}
	return s
}

// smallConfig trains 2 epochs of 8 steps of 4 images (32 random images),
// the second at half the learning rate, each image shifted by up to 2
// pixels.
func smallConfig(o model.Optimizer) Config {
	return Config{Epochs: 2, Batch: 4, Optimizer: o, Seed: 42, LRDecay: 0.5, Shift: 2}
}

func newCk(t *testing.T, c Config) *model.Checkpoint {
	t.Helper()
	ck, err := NewCheckpoint(c, MNIST)
	if err != nil {
		t.Fatal(err)
	}
	return ck
}

// clone is a deep copy of ck made by encoding and decoding it in the
// checkpoint format, as saving and loading it would.
func clone(t *testing.T, ck *model.Checkpoint) *model.Checkpoint {
	t.Helper()
	b, err := ck.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	c, err := model.UnmarshalCheckpoint(b)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// sameTensors fails unless a and b are bit-identical.
func sameTensors(t *testing.T, what string, a, b []model.Tensor) {
	t.Helper()
	if len(a) != len(b) {
		t.Fatalf("%s: %d tensors vs %d", what, len(a), len(b))
	}
	for i := range a {
		for j := range a[i].Data {
			if math.Float32bits(a[i].Data[j]) != math.Float32bits(b[i].Data[j]) {
				t.Fatalf("%s: %s[%d] = %v vs %v", what, a[i].Name, j, a[i].Data[j], b[i].Data[j])
			}
		}
	}
}

func TestNewCheckpoint(t *testing.T) {
	c := DefaultConfig()
	a, b := newCk(t, c), newCk(t, c)
	sameTensors(t, "same seed", a.Weights, b.Weights)
	c.Seed++
	if d := newCk(t, c); d.Weights[0].Data[0] == a.Weights[0].Data[0] {
		t.Errorf("seeds %d and %d start with the same weight", c.Seed-1, c.Seed)
	}
	if a.Arch != model.ArchName || a.Epoch != 0 || a.Step != 0 || a.OptStep != 0 || a.TestAccuracy != -1 {
		t.Errorf("fresh checkpoint %+v", a)
	}
	for i, p := range model.Reference().Params() {
		w := a.Weights[i]
		if w.Name != p.Name || !slices.Equal(w.Shape, p.Shape) {
			t.Fatalf("weight %d is %s %v, want %s %v", i, w.Name, w.Shape, p.Name, p.Shape)
		}
		if p.FanIn == 0 {
			if slices.ContainsFunc(w.Data, func(v float32) bool { return v != 0 }) {
				t.Errorf("%s: bias not zero", w.Name)
			}
			continue
		}
		// Keras GlorotUniform: U(−L, L), L = √(6/(fan_in+fan_out)); e.g.
		// conv1 (32,1,3,3): fan_in 9, fan_out 288, L = √(6/297) = 0.1421.
		limit := math.Sqrt(6 / float64(p.FanIn+p.FanOut))
		var lo, hi float64
		for _, v := range w.Data {
			lo, hi = min(lo, float64(v)), max(hi, float64(v))
		}
		// With ≥ 288 draws the extremes come within 5 % of ±L (the chance
		// that all miss the top 5 % is 0.95^288 < 1e-6).
		if lo < -limit || hi > limit || lo > -0.95*limit || hi < 0.95*limit {
			t.Errorf("%s: values in [%.4f, %.4f], want to fill [−%.4f, %.4f]", w.Name, lo, hi, limit, limit)
		}
	}
	for _, s := range a.OptState[:len(a.OptState)-1] {
		if slices.ContainsFunc(s.Data, func(v float32) bool { return v != 0 }) {
			t.Errorf("%s: optimizer state not zero", s.Name)
		}
	}
	// The default schedule: 0.001, then ×0.6 each epoch.
	for e, want := range []float64{0.001, 0.0006, 0.00036, 0.000216} {
		a.Epoch = e
		if got := LearningRate(a); math.Abs(got-want) > 1e-10 {
			t.Errorf("epoch %d: learning rate %v, want %v", e+1, got, want)
		}
	}
}

func TestConfigCheck(t *testing.T) {
	for _, tc := range []struct {
		change func(*Config)
		ok     bool
	}{
		{func(c *Config) {}, true},
		{func(c *Config) { c.LRDecay = 0 }, true}, // constant rate
		{func(c *Config) { c.LRDecay = 1.5 }, false},
		{func(c *Config) { c.Epochs = 0 }, false},
		{func(c *Config) { c.Batch = 0 }, false},
		{func(c *Config) { c.Limit = -1 }, false},
		{func(c *Config) { c.ValSplit = -1 }, false},
		{func(c *Config) { c.Optimizer.LR = 0 }, false},
		{func(c *Config) { c.Optimizer.Rho = 1 }, false},
		{func(c *Config) { c.Optimizer = DefaultAdam(); c.Optimizer.Beta2 = 1 }, false},
		{func(c *Config) { c.Optimizer.Name = "sgd" }, false},
	} {
		c := DefaultConfig()
		tc.change(&c)
		if err := c.Check(); (err == nil) != tc.ok {
			t.Errorf("%+v: Check() = %v, want ok=%v", c, err, tc.ok)
		}
	}
}

// TestShift moves a 3×4 image holding 1…12 by hand: one pixel right and
// one up, then two left.
func TestShift(t *testing.T) {
	src := []float32{
		1, 2, 3, 4,
		5, 6, 7, 8,
		9, 10, 11, 12,
	}
	dst := make([]float32, 12)
	shift(dst, src, 3, 4, 1, -1)
	if want := []float32{0, 5, 6, 7, 0, 9, 10, 11, 0, 0, 0, 0}; !slices.Equal(dst, want) {
		t.Errorf("right 1, up 1: %v, want %v", dst, want)
	}
	shift(dst, src, 3, 4, -2, 0)
	if want := []float32{3, 4, 0, 0, 7, 8, 0, 0, 11, 12, 0, 0}; !slices.Equal(dst, want) {
		t.Errorf("left 2: %v, want %v", dst, want)
	}
	// The draws: same (seed, epoch) same shifts, all within ±max, every
	// value of [−2, 2] drawn among 2,000.
	a, b := shifts(1, 0, 1000, 2), shifts(1, 0, 1000, 2)
	if !slices.Equal(a, b) || slices.Equal(a, shifts(1, 1, 1000, 2)) {
		t.Error("shifts are not a function of (seed, epoch)")
	}
	seen := map[int8]bool{}
	for _, v := range a {
		if v < -2 || v > 2 {
			t.Fatalf("shift %d outside ±2", v)
		}
		seen[v] = true
	}
	if len(seen) != 5 || shifts(1, 0, 10, 0) != nil {
		t.Errorf("shifts drew %v; with max 0 %v", seen, shifts(1, 0, 10, 0))
	}
}

func TestPermutation(t *testing.T) {
	p := permutation(1, 0, 10)
	if !slices.Equal(p, permutation(1, 0, 10)) {
		t.Error("same (seed, epoch) gives different orders")
	}
	if slices.Equal(p, permutation(1, 1, 10)) || slices.Equal(p, permutation(2, 0, 10)) {
		t.Error("another epoch or seed gives the same order")
	}
	s := slices.Clone(p)
	slices.Sort(s)
	for i, v := range s {
		if v != i {
			t.Fatalf("%v is not a permutation of 0..9", p)
		}
	}
}

// TestLossMatchesEvaluate checks the graph's cost, the mean of
// −log softmax(logits)[label] over the batch, against Evaluate's float64
// computation of the same thing from the forward graph's logits.
func TestLossMatchesEvaluate(t *testing.T) {
	ck := newCk(t, smallConfig(KerasRMSprop()))
	set := synthetic(4)
	n, err := newNet(model.Reference(), ck.Weights, 4, true)
	if err != nil {
		t.Fatal(err)
	}
	defer n.close()
	n.load(set, []int{0, 1, 2, 3}, nil)
	before := clone(t, ck)
	if err := n.run(); err != nil {
		t.Fatal(err)
	}
	// The graph reads the weights in place and must never write them.
	sameTensors(t, "weights after a forward and backward pass", before.Weights, ck.Weights)
	if &n.grad(0)[0] == &ck.Weights[0].Data[0] {
		t.Fatal("gradient shares memory with its weight")
	}
	want, _, err := Evaluate(ck, set)
	if err != nil {
		t.Fatal(err)
	}
	// About ln 10 = 2.3 at the start; float32 vs float64: 1e-5 apart.
	if got := n.loss(); math.Abs(got-want) > 1e-5 || math.Abs(got-math.Ln10) > 1 {
		t.Errorf("graph loss %v, Evaluate %v (both ≈ ln 10 = 2.30 at init)", got, want)
	}

	// The gradient of the mean cross-entropy for the last bias is
	// (1/B)·Σ_b (softmax(z_b) − onehot_b): this checks the plumbing of the
	// gradients (order, sign, one division by B).
	z := n.logitsData()
	var lp [classes]float64
	var g [classes]float64
	for b := range 4 {
		logSoftmax(z[b*classes:(b+1)*classes], lp[:])
		for c := range lp {
			g[c] += math.Exp(lp[c]) / 4
		}
		g[set.Labels[b]] -= 1.0 / 4
	}
	last := len(ck.Weights) - 1 // dense3/bias
	for c, v := range n.grad(last) {
		if math.Abs(float64(v)-g[c]) > 1e-6 {
			t.Errorf("d loss/d %s[%d] = %v, want %v", ck.Weights[last].Name, c, v, g[c])
		}
	}
}

func TestDeterministic(t *testing.T) {
	// Batch 32 as in real runs, so that Gorgonia's kernels take the same
	// paths: 2 epochs of 128/32 = 4 steps.
	set := synthetic(128)
	for _, o := range []model.Optimizer{KerasRMSprop(), DefaultAdam()} {
		t.Run(o.Name, func(t *testing.T) {
			c := smallConfig(o)
			c.Batch = 32
			a := newCk(t, c)
			if err := Run(context.Background(), a, set, mnist.Set{}, Hooks{}); err != nil {
				t.Fatal(err)
			}
			// Again on one thread: Gorgonia's parallel kernels must not
			// change the result.
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
			b := newCk(t, c)
			if err := Run(context.Background(), b, set, mnist.Set{}, Hooks{}); err != nil {
				t.Fatal(err)
			}
			sameTensors(t, "weights", a.Weights, b.Weights)
			sameTensors(t, "optimizer state", a.OptState, b.OptState)
			init := newCk(t, c)
			if a.Weights[0].Data[0] == init.Weights[0].Data[0] {
				t.Error("training did not change conv1/kernel[0]")
			}
			if a.Epoch != 2 || a.Step != 0 || a.OptStep != 8 || len(a.History) != 2 {
				t.Errorf("after training: epoch %d step %d optimizer step %d, %d history entries; want 2, 0, 8, 2",
					a.Epoch, a.Step, a.OptStep, len(a.History))
			}
		})
	}
}

func TestResume(t *testing.T) {
	// 34 images, batch 4: 8 steps an epoch, the last 2 images of each
	// epoch's order left out.
	fit, val := synthetic(34), synthetic(5)
	straight := newCk(t, smallConfig(DefaultAdam()))
	lr := map[int]float64{}
	if err := Run(context.Background(), straight, fit, val, Hooks{OnStep: func(p Progress) { lr[p.Epoch] = p.LR }}); err != nil {
		t.Fatal(err)
	}
	// smallConfig halves the rate after epoch 1.
	if lr[1] != 0.001 || lr[2] != 0.0005 {
		t.Errorf("learning rates %v, want 0.001 then 0.0005", lr)
	}
	// Interrupt in the middle of epoch 1, at its very end (before the
	// validation), and in the middle of epoch 2.
	for _, stop := range []struct{ epoch, step int }{{1, 3}, {1, 8}, {2, 5}} {
		ck := newCk(t, smallConfig(DefaultAdam()))
		ctx, cancel := context.WithCancel(context.Background())
		err := Run(ctx, ck, fit, val, Hooks{OnStep: func(p Progress) {
			if p.Epoch == stop.epoch && p.Step == stop.step {
				cancel()
			}
		}})
		cancel()
		if !errors.Is(err, ErrInterrupted) {
			t.Fatalf("stop at %v: got %v, want ErrInterrupted", stop, err)
		}
		if ck.Epoch != stop.epoch-1 || ck.Step != stop.step || ck.OptStep != int64(8*(stop.epoch-1)+stop.step) {
			t.Fatalf("stop at %v: checkpoint at epoch %d step %d optimizer step %d", stop, ck.Epoch, ck.Step, ck.OptStep)
		}
		resumed := clone(t, ck)
		if err := Run(context.Background(), resumed, fit, val, Hooks{}); err != nil {
			t.Fatal(err)
		}
		sameTensors(t, "weights", straight.Weights, resumed.Weights)
		sameTensors(t, "optimizer state", straight.OptState, resumed.OptState)
		if resumed.Epoch != 2 || resumed.Step != 0 || resumed.OptStep != 16 || len(resumed.History) != 2 {
			t.Errorf("resumed: epoch %d step %d optimizer step %d, %d history entries", resumed.Epoch, resumed.Step, resumed.OptStep, len(resumed.History))
		}
		// The running sums travel in the checkpoint, so the whole file,
		// metrics included, is the one an unbroken run writes.
		a, err := straight.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		b, err := resumed.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("stop at %v: resumed checkpoint differs from the unbroken one: history %+v, want %+v", stop, resumed.History, straight.History)
		}
	}
}

func TestCancelledBeforeStart(t *testing.T) {
	ck := newCk(t, smallConfig(KerasRMSprop()))
	before := clone(t, ck)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Run(ctx, ck, synthetic(32), mnist.Set{}, Hooks{}); !errors.Is(err, ErrInterrupted) {
		t.Fatalf("got %v, want ErrInterrupted", err)
	}
	sameTensors(t, "weights", before.Weights, ck.Weights)
	if ck.Step != 0 || ck.OptStep != 0 {
		t.Errorf("step %d, optimizer step %d after no step", ck.Step, ck.OptStep)
	}
}

func TestNaNLoss(t *testing.T) {
	ck := newCk(t, smallConfig(KerasRMSprop()))
	// A NaN in the last layer's bias makes every logit, hence the loss, NaN.
	ck.Weights[len(ck.Weights)-1].Data[3] = float32(math.NaN())
	before := clone(t, ck)
	err := Run(context.Background(), ck, synthetic(32), mnist.Set{}, Hooks{})
	if err == nil || !strings.Contains(err.Error(), "NaN at epoch 1 step 1") {
		t.Fatalf("got %v, want a NaN loss error at epoch 1 step 1", err)
	}
	// The failed step changed nothing.
	if ck.OptStep != 0 || ck.Step != 0 {
		t.Errorf("optimizer step %d, step %d after a failed first step", ck.OptStep, ck.Step)
	}
	sameTensors(t, "optimizer state", before.OptState, ck.OptState)
}

func TestRunRejects(t *testing.T) {
	ck := newCk(t, smallConfig(KerasRMSprop()))
	if err := Run(context.Background(), ck, synthetic(3), mnist.Set{}, Hooks{}); err == nil {
		t.Error("3 images for a batch of 4 accepted")
	}
	bad := clone(t, ck)
	bad.Weights[2].Shape = []int{32, 32, 3, 2}
	if err := Run(context.Background(), bad, synthetic(8), mnist.Set{}, Hooks{}); err == nil {
		t.Error("wrong weight shape accepted")
	}
	bad = clone(t, ck)
	bad.OptState = bad.OptState[:3]
	if err := Run(context.Background(), bad, synthetic(8), mnist.Set{}, Hooks{}); err == nil {
		t.Error("short optimizer state accepted")
	}
}

// TestEvaluatePadding checks that the padded last batch of Evaluate does
// not count: 150 images (a batch of 100, then 50 padded to 100) must give
// the image-weighted mean of images 0–99 and of images 100–149.
func TestEvaluatePadding(t *testing.T) {
	ck := newCk(t, smallConfig(KerasRMSprop()))
	set := synthetic(150)
	l, a, err := Evaluate(ck, set)
	if err != nil {
		t.Fatal(err)
	}
	l1, a1, _ := Evaluate(ck, set.Slice(0, 100))
	l2, a2, _ := Evaluate(ck, set.Slice(100, 150))
	if math.Abs(l-(100*l1+50*l2)/150) > 1e-6 || math.Abs(a-(100*a1+50*a2)/150) > 1e-9 {
		t.Errorf("150 images: loss %v acc %v; parts give %v, %v", l, a, (100*l1+50*l2)/150, (100*a1+50*a2)/150)
	}
	p, err := Predict(ck, set)
	if err != nil {
		t.Fatal(err)
	}
	// Predict's probabilities: rows sum to 1, and −mean log p[label] is
	// Evaluate's loss.
	var nll float64
	for i := range set.N {
		row := p[i*classes : (i+1)*classes]
		var s float64
		for _, v := range row {
			s += float64(v)
		}
		if math.Abs(s-1) > 1e-5 {
			t.Fatalf("image %d: probabilities sum to %v", i, s)
		}
		nll -= math.Log(float64(row[set.Labels[i]]))
	}
	if math.Abs(nll/150-l) > 1e-5 {
		t.Errorf("Predict gives loss %v, Evaluate %v", nll/150, l)
	}
}

// TestLearns trains 200 steps of 32 on the first 6,400 MNIST training
// images and checks more than 90 % of the first 2,000 test images are
// right (the reference gets 98 % after 1,875 such steps; after 100 steps
// this code measured 90 % on all 10,000).
func TestLearns(t *testing.T) {
	if testing.Short() {
		t.Skip("trains for about 15 s")
	}
	d := mnisttest.Data(t)
	c := DefaultConfig()
	c.Epochs, c.Limit = 1, 6400
	ck := newCk(t, c)
	fit, val, err := Split(d.Train, ck)
	if err != nil {
		t.Fatal(err)
	}
	if fit.N != 6400 || val.N != 5000 {
		t.Fatalf("split %d/%d, want 6400/5000", fit.N, val.N)
	}
	var last Progress
	if err := Run(context.Background(), ck, fit, mnist.Set{}, Hooks{OnStep: func(p Progress) { last = p }}); err != nil {
		t.Fatal(err)
	}
	if last.Step != 200 || last.Steps != 200 || last.Images != 6400 {
		t.Errorf("last progress %+v, want step 200 of 200, 6400 images", last)
	}
	loss, acc, err := Evaluate(ck, d.Test.Slice(0, 2000))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("after 200 steps: train loss %.3f acc %.3f; test loss %.3f acc %.4f", ck.History[0].TrainLoss, ck.History[0].TrainAccuracy, loss, acc)
	if acc < 0.90 {
		t.Errorf("test accuracy %.4f after 200 steps, want > 0.90", acc)
	}
}
