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

// pixels is the number of values of one input image.
const pixels = model.Height * model.Width

// net is the reference CNN as a Gorgonia graph for a fixed batch size,
// NCHW throughout:
//
//	x (B,1,28,28) → conv1 + bias → ReLU → maxpool 2 → conv2 + bias → ReLU →
//	maxpool 2 → reshape (B,800) → ·W(800,200)+b → ReLU → ·W(200,50)+b →
//	ReLU → ·W(50,10)+b = logits (B,10)
//
// A training net adds cost = −(1/B)·Σ onehot ⊙ logsoftmax(logits), the mean
// softmax cross-entropy, and the gradient of the cost for every weight.
//
// The weight nodes use the checkpoint's []float32 slices as their backing
// arrays, so the graph sees every in-place change of those slices, and two
// nets made from the same weights share them.
type net struct {
	batch  int
	x      []float32 // backing array of the input node, B·784
	y      []float32 // backing array of the one-hot labels, B·10 (training only)
	logits *G.Node
	cost   *G.Node
	grads  G.Nodes // in the order of the weights (training only)
	vm     G.VM
}

// newNet builds the graph for batch images. train adds the cost and the
// gradients.
func newNet(weights []model.Tensor, batch int, train bool) (n *net, err error) {
	// Gorgonia's graph builders panic on shape errors; weights are checked
	// before, so a panic here is a bug, but report it rather than crash.
	defer func() {
		if r := recover(); r != nil {
			n, err = nil, fmt.Errorf("train: building the graph: %v", r)
		}
	}()
	if err := checkWeights(weights); err != nil {
		return nil, err
	}
	n = &net{batch: batch, x: make([]float32, batch*pixels)}
	g := G.NewGraph()
	x := G.NewTensor(g, tensor.Float32, 4, G.WithName("x"),
		G.WithValue(tensor.New(tensor.WithShape(batch, 1, model.Height, model.Width), tensor.WithBacking(n.x))))

	w := make(G.Nodes, len(weights))
	for i, t := range weights {
		v := tensor.New(tensor.WithShape(t.Shape...), tensor.WithBacking(t.Data))
		w[i] = G.NewTensor(g, tensor.Float32, len(t.Shape), G.WithName(t.Name), G.WithValue(v))
	}

	// w is conv1/kernel, conv1/bias, conv2/kernel, conv2/bias, then kernel
	// and bias of dense1..3, the order of model.Params.
	h := x
	for l := 0; l < 2; l++ {
		k, b := w[2*l], w[2*l+1]
		h = G.Must(G.Conv2d(h, k, tensor.Shape{3, 3}, []int{0, 0}, []int{1, 1}, []int{1, 1}))
		h = G.Must(G.BroadcastAdd(h, b, nil, []byte{0, 2, 3})) // bias (C) over B,H,W
		h = G.Must(G.Rectify(h))
		h = G.Must(G.MaxPool2D(h, tensor.Shape{2, 2}, []int{0, 0}, []int{2, 2}))
	}
	s := h.Shape() // (B, 32, 5, 5)
	h = G.Must(G.Reshape(h, tensor.Shape{batch, s[1] * s[2] * s[3]}))
	for l := 2; l < 5; l++ {
		k, b := w[2*l], w[2*l+1]
		h = G.Must(G.Mul(h, k))
		h = G.Must(G.BroadcastAdd(h, b, nil, []byte{0})) // bias (U) over B
		if l < 4 {
			h = G.Must(G.Rectify(h))
		}
	}
	n.logits = h
	if got := h.Shape(); !got.Eq(tensor.Shape{batch, model.Classes}) {
		return nil, fmt.Errorf("train: logits have shape %v, want (%d,%d)", got, batch, model.Classes)
	}

	if !train {
		n.vm = G.NewTapeMachine(g)
		return n, nil
	}
	n.y = make([]float32, batch*model.Classes)
	y := G.NewMatrix(g, tensor.Float32, G.WithName("y"),
		G.WithValue(tensor.New(tensor.WithShape(batch, model.Classes), tensor.WithBacking(n.y))))
	logp := G.Must(G.LogSoftMax(n.logits, 1))
	sum := G.Must(G.Sum(G.Must(G.HadamardProd(logp, y))))
	n.cost = G.Must(G.Mul(sum, G.NewConstant(float32(-1)/float32(batch))))
	if n.grads, err = G.Grad(n.cost, w...); err != nil {
		return nil, fmt.Errorf("train: gradients: %w", err)
	}
	n.vm = G.NewTapeMachine(g)
	return n, nil
}

// load copies images idx of set into the input (pixel/255) and, for a
// training net, their labels into the one-hot matrix. len(idx) == batch.
func (n *net) load(set mnist.Set, idx []int) {
	for b, i := range idx {
		set.Float(i, n.x[b*pixels:(b+1)*pixels])
	}
	if n.y != nil {
		clear(n.y)
		for b, i := range idx {
			n.y[b*model.Classes+int(set.Labels[i])] = 1
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
	return float64(n.cost.Value().Data().(float32))
}

// logitsData is the (B,10) logits of the last run, row-major.
func (n *net) logitsData() []float32 {
	return n.logits.Value().Data().([]float32)
}

// grad is the gradient of the last run for weight i.
func (n *net) grad(i int) []float32 {
	return n.grads[i].Value().Data().([]float32)
}

func (n *net) close() { n.vm.Close() }

// checkWeights reports whether weights match model.Params in count, names,
// shapes and lengths.
func checkWeights(weights []model.Tensor) error {
	specs := model.Params()
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
