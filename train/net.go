package train

import (
	"fmt"
	"math"
	"slices"

	"github.com/mnistcnn/mnistcnn/mnist"
	"github.com/mnistcnn/mnistcnn/model"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// net is an architecture (model.Arch) as a Gorgonia graph for a fixed
// batch size, built from the project's own ops (ops.go, ops_arch.go), NHWC
// throughout. For the reference CNN:
//
//	x (B,28,28,1) → conv1+bias+ReLU (B,26,26,32) → maxpool 2 →
//	conv2+bias+ReLU (B,11,11,32) → maxpool 2 (B,5,5,32) → flatten in
//	C,H,W order (B,800) → ·W(800,200)+b, ReLU → ·W(200,50)+b, ReLU →
//	·W(50,10)+b = logits (B,10)
//
// A training net adds cost = −(1/B)·Σ onehot ⊙ logsoftmax(logits), the mean
// softmax cross-entropy, and the gradient of the cost for every weight,
// which Gorgonia derives from the ops' SymDiff; its dropout layers drop
// values (drawMasks), an evaluation net has none.
//
// The weight nodes use the checkpoint's []float32 slices as their backing
// arrays, so the graph sees every in-place change of those slices, and two
// nets made from the same weights share them. The weights keep the
// checkpoint's layouts (conv kernels OIHW, depthwise kernels (C·M,1,kh,kw),
// flatten in C,H,W order): the ops convert what they need each step, which
// costs far less than a transpose of the activations.
type net struct {
	batch    int
	h, w     int // image size
	pixels   int // values of one input image, h·w (one channel)
	classes  int
	x        []float32 // backing array of the input node, B·pixels
	tmp      []float32 // one image before its shift
	y        []float32 // backing array of the one-hot labels, B·classes (training only)
	logits   *G.Node
	cost     *G.Node
	grads    G.Nodes      // in the order of the weights (training only)
	dropouts []*dropoutOp // in layer order (training only)
	vm       G.VM
}

// newNet builds the graph of arch for batch images. train adds the cost,
// the gradients and the dropout layers.
func newNet(arch *model.Arch, weights []model.Tensor, batch int, train bool) (n *net, err error) {
	// Gorgonia's graph builders panic on shape errors; weights are checked
	// before, so a panic here is a bug, but report it rather than crash.
	defer func() {
		if r := recover(); r != nil {
			n, err = nil, fmt.Errorf("train: building the graph: %v", r)
		}
	}()
	if err := checkWeights(arch, weights); err != nil {
		return nil, err
	}
	in := arch.InputShape() // (h, w, c)
	if in[2] != 1 {
		return nil, fmt.Errorf("train: images of %d channels, want 1 (grey)", in[2])
	}
	n = &net{batch: batch, h: in[0], w: in[1], pixels: arch.Pixels(), classes: arch.Classes()}
	n.x = make([]float32, batch*n.pixels)
	g := G.NewGraph()
	x := G.NewTensor(g, tensor.Float32, 4, G.WithName("x"),
		G.WithValue(tensor.New(tensor.WithShape(batch, in[0], in[1], in[2]), tensor.WithBacking(n.x))))

	w := make(G.Nodes, len(weights))
	for i, t := range weights {
		v := tensor.New(tensor.WithShape(t.Shape...), tensor.WithBacking(t.Data))
		w[i] = G.NewTensor(g, tensor.Float32, len(t.Shape), G.WithName(t.Name), G.WithValue(v))
	}

	// w holds kernel then bias of each Conv, DepthwiseConv and Dense layer,
	// in the order of arch.Params; ids number the ops.
	h, shape, wi, id := x, in, 0, 0
	var lastAct *actOut // the activation of the layer before, if a convolution
	for _, l := range arch.Layers[1:] {
		id++
		prev := lastAct
		lastAct = nil
		if err := checkAct(l); err != nil {
			return nil, err
		}
		switch l.Kind {
		case model.Conv, model.DepthwiseConv:
			channels := l.Filters
			if l.Kind == model.DepthwiseConv {
				channels = shape[2] * l.Multiplier
			}
			gm, err := newGeom(shape[0], shape[1], shape[2], l.Kernel, l.Kernel, l.Stride, l.Stride, l.Padding == model.Same, channels)
			if err != nil {
				return nil, err
			}
			var op G.Op
			if l.Kind == model.Conv {
				c := newConvOp(id, gm, batch, l.Activation, wi > 0)
				op, lastAct = c, &c.actOut
			} else {
				d := newDepthwiseOp(id, gm, batch, l.Activation, wi > 0)
				op, lastAct = d, &d.actOut
			}
			if h, err = apply(op, h, w[wi], w[wi+1]); err != nil {
				return nil, err
			}
			wi += 2
		case model.MaxPool, model.AvgPool:
			gm, err := newGeom(shape[0], shape[1], shape[2], l.Kernel, l.Kernel, l.Stride, l.Stride, l.Padding == model.Same, shape[2])
			if err != nil {
				return nil, err
			}
			var op G.Op
			if l.Kind == model.AvgPool {
				op = newAvgPoolOp(id, gm, batch)
			} else {
				mp := newMaxPoolOp(id, gm, batch)
				if prev != nil && (prev.act == model.ReLU || prev.act == model.ReLU6) {
					// The activation's gradient is taken in the pool's (see maxPoolOp).
					mp.actBefore, mp.limit, prev.poolMasks = true, gradLimit(prev.act), true
				}
				op = mp
			}
			if h, err = apply(op, h); err != nil {
				return nil, err
			}
		case model.GlobalAvgPool:
			if h, err = apply(newGAPOp(id, batch, shape[0], shape[1], shape[2], false), h); err != nil {
				return nil, err
			}
		case model.Flatten:
			if h, err = apply(newFlattenOp(id, batch, shape[0], shape[1], shape[2], false), h); err != nil {
				return nil, err
			}
		case model.Dense:
			op := newDenseOp(id, batch, shape[0], l.Units, l.Activation, wi > 0)
			if h, err = apply(op, h, w[wi], w[wi+1]); err != nil {
				return nil, err
			}
			wi += 2
		case model.Dropout:
			if !(l.Rate > 0 && l.Rate < 1) {
				if l.Rate != 0 {
					return nil, fmt.Errorf("train: layer %s: dropout rate %v, want [0, 1)", l.Name, l.Rate)
				}
				break // drops nothing
			}
			if !train {
				break // evaluation keeps every value
			}
			op := newDropoutOp(id, l.Rate, append([]int{batch}, shape...))
			if h, err = apply(op, h); err != nil {
				return nil, err
			}
			n.dropouts = append(n.dropouts, op)
		default:
			return nil, fmt.Errorf("train: layer %s: no op for %v", l.Name, l.Kind)
		}
		if got, want := h.Shape(), append(tensor.Shape{batch}, l.Out...); !got.Eq(want) {
			return nil, fmt.Errorf("train: layer %s has shape %v, its architecture says %v", l.Name, got, want)
		}
		shape = l.Out
	}
	cost := func(y *G.Node) (*G.Node, error) {
		return apply(newSoftmaxCEOp(id+1, batch, n.classes), h, y)
	}
	if err := n.finish(g, w, h, train, cost); err != nil {
		return nil, err
	}
	return n, nil
}

// checkAct reports whether the op of l applies its activation: linear,
// ReLU or ReLU6 for the hidden layers, softmax (taken in the loss) for the
// classifier, none for the others.
func checkAct(l model.Layer) error {
	switch l.Kind {
	case model.Conv, model.DepthwiseConv, model.Dense:
		switch l.Activation {
		case model.Linear, model.ReLU, model.ReLU6:
			return nil
		case model.Softmax:
			if l.Kind == model.Dense {
				return nil
			}
		}
		return fmt.Errorf("train: layer %s: activation %v not supported", l.Name, l.Activation)
	}
	return nil
}

// finish completes a net whose graph g computes logits from the weight
// nodes w: for a training net it adds the one-hot labels, the cost that
// cost builds from them and the gradients, then it makes the tape machine.
func (n *net) finish(g *G.ExprGraph, w G.Nodes, logits *G.Node, train bool, cost func(y *G.Node) (*G.Node, error)) error {
	n.logits = logits
	if got := logits.Shape(); !got.Eq(tensor.Shape{n.batch, n.classes}) {
		return fmt.Errorf("train: logits have shape %v, want (%d,%d)", got, n.batch, n.classes)
	}
	if train {
		n.y = make([]float32, n.batch*n.classes)
		y := G.NewMatrix(g, tensor.Float32, G.WithName("y"),
			G.WithValue(tensor.New(tensor.WithShape(n.batch, n.classes), tensor.WithBacking(n.y))))
		var err error
		if n.cost, err = cost(y); err != nil {
			return err
		}
		if n.grads, err = G.Grad(n.cost, w...); err != nil {
			return fmt.Errorf("train: gradients: %w", err)
		}
	}
	n.vm = G.NewTapeMachine(g)
	return nil
}

// load copies images idx of set into the input (pixel/255), each moved by
// its (dx, dy) from shift (nil: not moved), and, for a training net, their
// labels into the one-hot matrix. len(idx) == batch; the set's images have
// the net's size and its labels are below its classes (checkSet).
func (n *net) load(set mnist.Set, idx []int, shifts []int8) {
	for b, i := range idx {
		dst := n.x[b*n.pixels : (b+1)*n.pixels]
		if shifts == nil || shifts[2*b] == 0 && shifts[2*b+1] == 0 {
			set.Float(i, dst)
			continue
		}
		if n.tmp == nil {
			n.tmp = make([]float32, n.pixels)
		}
		set.Float(i, n.tmp)
		shift(dst, n.tmp, n.h, n.w, int(shifts[2*b]), int(shifts[2*b+1]))
	}
	if n.y != nil {
		clear(n.y)
		for b, i := range idx {
			n.y[b*n.classes+int(set.Labels[i])] = 1
		}
	}
}

// run computes the graph once for the loaded batch.
func (n *net) run() error {
	n.vm.Reset()
	if err := n.vm.RunAll(); err != nil {
		return fmt.Errorf("train: running the graph: %w", err)
	}
	return nil
}

// loss is the cost of the last run of a training net.
func (n *net) loss() float64 {
	v, _ := scalarOf(n.cost.Value()) // the cost op's *G.F32
	return float64(v)
}

// logitsData is the (B, classes) logits of the last run, row-major.
func (n *net) logitsData() []float32 {
	return n.logits.Value().(*tensor.Dense).Float32s()
}

// grad is the gradient of the last run for weight i.
func (n *net) grad(i int) []float32 {
	return n.grads[i].Value().(*tensor.Dense).Float32s()
}

func (n *net) close() { n.vm.Close() }

// checkWeights reports whether weights match arch.Params() in count,
// names, shapes and lengths.
func checkWeights(arch *model.Arch, weights []model.Tensor) error {
	specs := arch.Params()
	if len(weights) != len(specs) {
		return fmt.Errorf("train: %d weight tensors, want %d", len(weights), len(specs))
	}
	for i, s := range specs {
		t := weights[i]
		if t.Name != s.Name || !slices.Equal(t.Shape, s.Shape) {
			return fmt.Errorf("train: weight %d is %s %v, want %s %v", i, t.Name, t.Shape, s.Name, s.Shape)
		}
		if len(t.Data) != t.Len() {
			return fmt.Errorf("train: weight %s has %d values, its shape %v needs %d", t.Name, len(t.Data), t.Shape, t.Len())
		}
	}
	return nil
}

// logSoftmax writes log softmax(z) into dst in float64: z_i − max − log Σ exp(z_j − max).
func logSoftmax(z []float32, dst []float64) {
	m := float64(z[model.Class(z)])
	var s float64
	for _, v := range z {
		s += math.Exp(float64(v) - m)
	}
	ls := math.Log(s)
	for i, v := range z {
		dst[i] = float64(v) - m - ls
	}
}
