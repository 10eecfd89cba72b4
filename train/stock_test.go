package train

import (
	"fmt"

	"github.com/mnistcnn/mnistcnn/model"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// newStockNet is the training graph as it was built from Gorgonia's stock
// ops (Conv2d, BroadcastAdd, Rectify, MaxPool2D, Mul, LogSoftMax) before the
// project's own ops replaced them, NCHW throughout: the reference the tests
// hold newNet's forward and backward passes to.
func newStockNet(weights []model.Tensor, batch int, train bool) (n *net, err error) {
	// Gorgonia's graph builders panic on shape errors; weights are checked
	// before, so a panic here is a bug, but report it rather than crash.
	defer func() {
		if r := recover(); r != nil {
			n, err = nil, fmt.Errorf("train: building the graph: %v", r)
		}
	}()
	in := MNIST
	n = &net{batch: batch, h: in.Height, w: in.Width, pixels: in.Height * in.Width, classes: in.Classes}
	n.x = make([]float32, batch*n.pixels)
	g := G.NewGraph()
	x := G.NewTensor(g, tensor.Float32, 4, G.WithName("x"),
		G.WithValue(tensor.New(tensor.WithShape(batch, 1, in.Height, in.Width), tensor.WithBacking(n.x))))

	w := make(G.Nodes, len(weights))
	for i, t := range weights {
		v := tensor.New(tensor.WithShape(t.Shape...), tensor.WithBacking(t.Data))
		w[i] = G.NewTensor(g, tensor.Float32, len(t.Shape), G.WithName(t.Name), G.WithValue(v))
	}

	// w is conv1/kernel, conv1/bias, conv2/kernel, conv2/bias, then kernel
	// and bias of dense1..3, the order of the reference's Params.
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
	cost := func(y *G.Node) (*G.Node, error) {
		logp := G.Must(G.LogSoftMax(h, 1))
		sum := G.Must(G.Sum(G.Must(G.HadamardProd(logp, y))))
		return G.Mul(sum, G.NewConstant(float32(-1)/float32(batch)))
	}
	if err := n.finish(g, w, h, train, cost); err != nil {
		return nil, err
	}
	return n, nil
}
