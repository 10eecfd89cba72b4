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

	"github.com/mnistcnn/mnistcnn/mnist"
	"github.com/mnistcnn/mnistcnn/model"
)

// Architectures other than the reference: the whole training graph of
// specs that use every layer kind, option and activation, against a
// float64 model of the same network; determinism and resumption for them.

// archSpecs use every layer kind: SAME and VALID pools at strides other
// than their windows, depthwise convolutions with multipliers (first in
// the net too), ReLU6 and linear activations, a ReLU6 feeding a max pool
// (the fused gradient), dropout on feature maps and on flat values, flatten
// and global average pooling, a net whose first layer has no weight.
var archSpecs = []string{
	"conv:4:3:same:relu6,maxpool:3:s2:same,dwconv:3:m2:same,avgpool:2:s1,conv:5:1:linear,dropout:0.25,flatten,dense:7:relu6,dropout:0.5,dense:6:linear,dense",
	"dwconv:3:m3:s2:same:linear,conv:6:3,maxpool:2,dwconv:2:relu6,maxpool:2:s1:same,gap,dense",
	"avgpool:3:s2:same,maxpool:2,flatten,dense:5,dense",
}

// archInput is the data of the architecture tests: 12×11 images, 3 classes.
var archInput = Input{Height: 12, Width: 11, Classes: 3}

// naiveNet is the logits and the mean cross-entropy loss of arch with
// weights w over the images x, in float64 from the definitions, each
// dropout layer multiplying by its mask from masks (nil: no dropout).
func naiveNet(arch *model.Arch, w [][]float64, x []float64, labels []int, masks [][]float32) (logits []float64, loss float64) {
	batch := len(labels)
	h, wi, di := x, 0, 0
	for _, l := range arch.Layers[1:] {
		in := l.In
		switch l.Kind {
		case model.Conv, model.DepthwiseConv, model.MaxPool, model.AvgPool:
			ch := in[2]
			switch l.Kind {
			case model.Conv:
				ch = l.Filters
			case model.DepthwiseConv:
				ch = in[2] * l.Multiplier
			}
			g, err := newGeom(in[0], in[1], in[2], l.Kernel, l.Kernel, l.Stride, l.Stride, l.Padding == model.Same, ch)
			if err != nil {
				panic(err)
			}
			switch l.Kind {
			case model.Conv:
				h = naiveConv(g, batch, h, w[wi], w[wi+1], false)
				for i, v := range h {
					h[i] = act64(l.Activation, v)
				}
				wi += 2
			case model.DepthwiseConv:
				h = naiveDepthwise(g, batch, h, w[wi], w[wi+1], l.Activation)
				wi += 2
			default:
				h = naivePool(g, batch, h, l.Kind == model.AvgPool)
			}
		case model.GlobalAvgPool:
			px, c := in[0]*in[1], in[2]
			y := make([]float64, batch*c)
			for i, v := range h {
				b, ch := i/(px*c), i%c
				y[b*c+ch] += v / float64(px)
			}
			h = y
		case model.Flatten:
			hh, ww, c := in[0], in[1], in[2]
			y := make([]float64, len(h))
			for b := 0; b < batch; b++ {
				for yy := 0; yy < hh; yy++ {
					for xx := 0; xx < ww; xx++ {
						for ch := 0; ch < c; ch++ {
							y[b*hh*ww*c+(ch*hh+yy)*ww+xx] = h[((b*hh+yy)*ww+xx)*c+ch]
						}
					}
				}
			}
			h = y
		case model.Dense:
			k, b := w[wi], w[wi+1]
			y := make([]float64, batch*l.Units)
			for i := 0; i < batch; i++ {
				for u := 0; u < l.Units; u++ {
					s := b[u]
					for j := 0; j < in[0]; j++ {
						s += h[i*in[0]+j] * k[j*l.Units+u]
					}
					y[i*l.Units+u] = act64(l.Activation, s)
				}
			}
			h = y
			wi += 2
		case model.Dropout:
			if masks != nil {
				y := make([]float64, len(h))
				for i, v := range h {
					y[i] = v * float64(masks[di][i])
				}
				h = y
			}
			di++
		}
	}
	classes := arch.Classes()
	for i, lab := range labels {
		z := h[i*classes : (i+1)*classes]
		m := math.Inf(-1)
		for _, v := range z {
			m = max(m, v)
		}
		s := 0.0
		for _, v := range z {
			s += math.Exp(v - m)
		}
		loss -= (z[lab] - m - math.Log(s)) / float64(batch)
	}
	return h, loss
}

// TestNetMatchesNaive builds the training graph of each of archSpecs on 9
// images (a chunk of 8 and one of 1), from Glorot weights with random
// biases, and checks its logits against naiveNet within 1e-5 and the
// gradient of every weight against finite differences of naiveNet within
// 1e-3; then that the evaluation graph drops nothing.
func TestNetMatchesNaive(t *testing.T) {
	const batch = 9
	r := rand.New(rand.NewPCG(23, 24))
	for _, spec := range archSpecs {
		c := smallConfig(KerasRMSprop())
		c.Arch = spec
		ck := newCkFor(t, c, archInput)
		arch, err := ck.Architecture()
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range ck.Weights {
			if len(w.Shape) == 1 {
				copy(w.Data, randSlice(r, len(w.Data)))
				for i := range w.Data {
					w.Data[i] *= 0.3
				}
			}
		}
		set := syntheticSet(batch, archInput)
		idx := make([]int, batch)
		labels := make([]int, batch)
		for i := range idx {
			idx[i], labels[i] = i, int(set.Labels[i])
		}
		n, err := newNet(arch, ck.Weights, batch, true)
		if err != nil {
			t.Fatalf("%s: %v", spec, err)
		}
		n.load(set, idx, nil)
		n.drawMasks(3, 1, 4)
		if err := n.run(); err != nil {
			t.Fatal(err)
		}
		var masks [][]float32
		for _, d := range n.dropouts {
			masks = append(masks, d.mask)
		}
		if want := strings.Count(spec, "dropout"); len(masks) != want {
			t.Fatalf("%s: %d dropout ops, want %d", spec, len(masks), want)
		}
		x := to64(n.x)
		w := make([][]float64, len(ck.Weights))
		for i, t := range ck.Weights {
			w[i] = to64(t.Data)
		}
		z, loss := naiveNet(arch, w, x, labels, masks)
		close32(t, spec+": logits", n.logitsData(), z, 1e-5)
		if math.Abs(n.loss()-loss) > 1e-5 {
			t.Errorf("%s: loss %v, float64 %v", spec, n.loss(), loss)
		}
		for i, t2 := range ck.Weights {
			f := func() float64 { _, l := naiveNet(arch, w, x, labels, masks); return l }
			checkGrad(t, spec+": d/d "+t2.Name, n.grad(i), w[i], f, 1e-3)
		}
		n.close()

		// Evaluation keeps every value: its logits are naiveNet's without
		// masks.
		ev, err := newNet(arch, ck.Weights, batch, false)
		if err != nil {
			t.Fatal(err)
		}
		ev.load(set, idx, nil)
		if err := ev.run(); err != nil {
			t.Fatal(err)
		}
		z, _ = naiveNet(arch, w, x, labels, nil)
		close32(t, spec+": evaluation logits", ev.logitsData(), z, 1e-5)
		ev.close()
	}
}

func newCkFor(t *testing.T, c Config, in Input) *model.Checkpoint {
	t.Helper()
	ck, err := NewCheckpoint(c, in)
	if err != nil {
		t.Fatal(err)
	}
	return ck
}

// TestNewCheckpointArch checks what NewCheckpoint makes of an
// architecture: its record, its weights' shapes and initialisation (Glorot
// with the fans of model.ParamSpec), and that the reference's is the one
// checkpoints always had.
func TestNewCheckpointArch(t *testing.T) {
	c := DefaultConfig()
	c.Arch = ""
	def := newCk(t, c)
	c.Arch = "reference"
	if ref := newCk(t, c); def.Arch != model.ArchName || ref.Arch != model.ArchName {
		t.Errorf("default arch recorded as %q, reference as %q; want %q", def.Arch, ref.Arch, model.ArchName)
	} else {
		sameTensors(t, "reference weights", def.Weights, ref.Weights)
	}
	c.Arch = "conv:8:3:relu6,dwconv:5:m4:same,gap,dense"
	ck := newCkFor(t, c, Input{Height: 16, Width: 12, Classes: 3})
	arch, err := ck.Architecture()
	if err != nil {
		t.Fatal(err)
	}
	if want := "input:16x12x1,conv:8:3:relu6,dwconv:5:m4:same,gap,dense:3"; ck.Arch != want || arch.Spec() != want {
		t.Errorf("checkpoint arch %q, want %q", ck.Arch, want)
	}
	for i, p := range arch.Params() {
		w := ck.Weights[i]
		if w.Name != p.Name || !slices.Equal(w.Shape, p.Shape) {
			t.Fatalf("weight %d is %s %v, want %s %v", i, w.Name, w.Shape, p.Name, p.Shape)
		}
		if p.FanIn == 0 {
			continue
		}
		limit := math.Sqrt(6 / float64(p.FanIn+p.FanOut))
		lo, hi := 0.0, 0.0
		for _, v := range w.Data {
			lo, hi = min(lo, float64(v)), max(hi, float64(v))
		}
		// dwconv1 (32,1,5,5): fans 25 and 100, L = 0.219, 800 draws.
		if lo < -limit || hi > limit || lo > -0.9*limit || hi < 0.9*limit {
			t.Errorf("%s: values in [%.4f, %.4f], want to fill [−%.4f, %.4f]", w.Name, lo, hi, limit, limit)
		}
	}
	for _, bad := range []struct {
		arch string
		in   Input
	}{
		{"conv:8:3,pool:2,dense", MNIST},                        // unknown kind
		{"conv:8:30,flatten,dense", MNIST},                      // window larger than the images
		{"conv:8:3,flatten,dense:5", MNIST},                     // classifier of 5 units for 10 classes
		{"input:32x32,conv:8:3,flatten,dense", MNIST},           // another image size
		{"reference", Input{Height: 28, Width: 28, Classes: 1}}, // one class
	} {
		c.Arch = bad.arch
		if _, err := NewCheckpoint(c, bad.in); err == nil {
			t.Errorf("%q for %+v: no error", bad.arch, bad.in)
		}
	}
	c.Arch = "conv:8:3,pool:2,dense"
	var se *model.SpecError
	if err := c.Check(); !errors.As(err, &se) {
		t.Errorf("Check of a bad spec: %v, want a *model.SpecError", err)
	}
}

func TestInputOf(t *testing.T) {
	s := syntheticSet(20, Input{Height: 5, Width: 7, Classes: 4})
	s.Labels[3] = 6 // classes 0..6, some unused
	if in, err := InputOf(s); err != nil || in != (Input{Height: 5, Width: 7, Classes: 7}) {
		t.Errorf("InputOf = %+v, %v; want 5×7, 7 classes", in, err)
	}
	clear(s.Labels)
	if in, _ := InputOf(s); in.Classes != 2 {
		t.Errorf("labels all 0: %d classes, want 2", in.Classes)
	}
	if _, err := InputOf(mnist.Set{}); err == nil {
		t.Error("an empty set has an input")
	}
	s.Rows, s.Cols = 2000, 1
	if _, err := InputOf(s); err == nil {
		t.Error("images of 2000 rows accepted")
	}
}

// TestRunOtherInput trains and evaluates a net on 9×13 images of 4
// classes, and checks that data of another shape or with labels beyond the
// classes is refused before any step.
func TestRunOtherInput(t *testing.T) {
	in := Input{Height: 9, Width: 13, Classes: 4}
	c := smallConfig(DefaultAdam())
	c.Arch = "conv:4:3:same,avgpool:2,dropout:0.2,flatten,dense"
	ck := newCkFor(t, c, in)
	set := syntheticSet(40, in)
	if err := Run(context.Background(), ck, set.Slice(0, 32), set.Slice(32, 40), Hooks{}); err != nil {
		t.Fatal(err)
	}
	if ck.Epoch != 2 || len(ck.History) != 2 || ck.History[1].ValAccuracy < 0 {
		t.Fatalf("after Run: epoch %d, history %+v", ck.Epoch, ck.History)
	}
	p, err := Predict(ck, set)
	if err != nil || len(p) != 40*4 {
		t.Fatalf("Predict: %d values, %v; want 160", len(p), err)
	}
	if _, _, err := Evaluate(ck, set); err != nil {
		t.Fatal(err)
	}
	before := clone(t, ck)
	before.Epochs = 3
	for _, bad := range []struct {
		set  mnist.Set
		want string
	}{
		{synthetic(32), "training images are 28x28, the model's are 9x13x1"},
		{func() mnist.Set { s := syntheticSet(32, in); s.Labels[5] = 4; return s }(), "training image 5 has label 4, the model has 4 classes"},
	} {
		ck := clone(t, before)
		if err := Run(context.Background(), ck, bad.set, mnist.Set{}, Hooks{}); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("Run: %v, want %q", err, bad.want)
		}
		if ck.OptStep != before.OptStep {
			t.Error("a refused run took a step")
		}
		if _, _, err := Evaluate(ck, bad.set); err == nil {
			t.Error("Evaluate of the bad set: no error")
		}
	}
}

// TestArchDeterministic trains the depthwise preset and a spec with
// dropout for 2 epochs on 2 threads and on 1 and compares the checkpoints
// byte for byte; then interrupts the dropout run mid-epoch and resumes it.
func TestArchDeterministic(t *testing.T) {
	set := synthetic(64)
	for _, arch := range []string{"depthwise", "conv:6:5:same:relu6,maxpool:2,dropout:0.3,dwconv:3:m2,gap,dropout:0.5,dense"} {
		c := smallConfig(KerasRMSprop())
		c.Arch, c.Batch = arch, 16
		train := func(procs int, hooks Hooks) (*model.Checkpoint, error) {
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
			ck := newCk(t, c)
			return ck, Run(context.Background(), ck, set, set.Slice(0, 10), hooks)
		}
		two, err := train(2, Hooks{})
		if err != nil {
			t.Fatal(err)
		}
		one, err := train(1, Hooks{})
		if err != nil {
			t.Fatal(err)
		}
		a, b := marshal(t, two), marshal(t, one)
		if !bytes.Equal(a, b) {
			t.Errorf("%s: GOMAXPROCS 2 and 1 write different checkpoints", arch)
		}
		for i, w := range newCk(t, c).Weights {
			if slices.Equal(w.Data, two.Weights[i].Data) {
				t.Errorf("%s: training did not change %s", arch, w.Name)
			}
		}
		if !strings.Contains(arch, "dropout") {
			continue
		}
		ctx, cancel := context.WithCancel(context.Background())
		ck := newCk(t, c)
		err = Run(ctx, ck, set, set.Slice(0, 10), Hooks{OnStep: func(p Progress) {
			if p.Epoch == 2 && p.Step == 2 {
				cancel()
			}
		}})
		cancel()
		if !errors.Is(err, ErrInterrupted) {
			t.Fatalf("got %v, want ErrInterrupted", err)
		}
		resumed := clone(t, ck)
		if err := Run(context.Background(), resumed, set, set.Slice(0, 10), Hooks{}); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(marshal(t, resumed), a) {
			t.Errorf("%s: resumed mid-epoch, the checkpoint differs from the unbroken run's", arch)
		}
	}
}

func marshal(t *testing.T, ck *model.Checkpoint) []byte {
	t.Helper()
	b, err := ck.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	return b
}
