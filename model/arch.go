// Package model describes mnistcnn's reference CNN in one place: its layers,
// the shapes and layout of its weights, and the checkpoint that carries them
// between training, conversion and evaluation.
//
// Weights are stored in the layout training uses (Gorgonia's):
//   - conv kernels (out, in, kh, kw), activations NCHW;
//   - dense kernels (in, out), used as x·W;
//   - the flatten before the first dense layer in C,H,W order.
//
// Converting to TFLite's layouts (OHWI filters, dense [out,in], flatten in
// H,W,C order) is the job of package convert, not of this package.
package model

import "fmt"

// Image geometry of MNIST.
const (
	Height  = 28
	Width   = 28
	Classes = 10
)

// Class is the class that scores pick: the index of the largest score, the
// first one on ties (so every runtime that computes the same scores reports
// the same class), and never a NaN while some score is a number; 0 for no
// scores.
func Class(scores []float32) int {
	best := 0
	for i, x := range scores {
		if x > scores[best] || (scores[best] != scores[best] && x == x) {
			best = i
		}
	}
	return best
}

// Kind is a layer kind.
type Kind int

// Layer kinds.
const (
	Input Kind = iota
	Conv
	MaxPool
	Flatten
	Dense
)

func (k Kind) String() string {
	switch k {
	case Input:
		return "Input"
	case Conv:
		return "Conv2D"
	case MaxPool:
		return "MaxPool2D"
	case Flatten:
		return "Flatten"
	case Dense:
		return "Dense"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Activation is a layer's activation function.
type Activation int

// Activations.
const (
	Linear Activation = iota
	ReLU
	Softmax
)

func (a Activation) String() string {
	switch a {
	case Linear:
		return "linear"
	case ReLU:
		return "relu"
	case Softmax:
		return "softmax"
	}
	return fmt.Sprintf("Activation(%d)", int(a))
}

// Layer is one layer of the network. Out is the output shape of one image,
// (H, W, C) for spatial layers and (N) for flat ones.
type Layer struct {
	Name       string
	Kind       Kind
	Filters    int // Conv: output channels
	Kernel     int // Conv: kernel size (square); MaxPool: pool size and stride
	Units      int // Dense: outputs
	Activation Activation
	Out        []int
}

// Layers is the reference architecture, the Keras model of the project this
// tool replaces: Reshape(28,28,1) → Conv2D(32,3×3,valid,ReLU) → MaxPool(2) →
// Conv2D(32,3×3,valid,ReLU) → MaxPool(2) → Flatten(800) → Dense(200,ReLU) →
// Dense(50,ReLU) → Dense(10,softmax).
var Layers = []Layer{
	{Name: "input", Kind: Input, Out: []int{28, 28, 1}},
	{Name: "conv1", Kind: Conv, Filters: 32, Kernel: 3, Activation: ReLU, Out: []int{26, 26, 32}},
	{Name: "pool1", Kind: MaxPool, Kernel: 2, Out: []int{13, 13, 32}},
	{Name: "conv2", Kind: Conv, Filters: 32, Kernel: 3, Activation: ReLU, Out: []int{11, 11, 32}},
	{Name: "pool2", Kind: MaxPool, Kernel: 2, Out: []int{5, 5, 32}},
	{Name: "flatten", Kind: Flatten, Out: []int{800}},
	{Name: "dense1", Kind: Dense, Units: 200, Activation: ReLU, Out: []int{200}},
	{Name: "dense2", Kind: Dense, Units: 50, Activation: ReLU, Out: []int{50}},
	{Name: "dense3", Kind: Dense, Units: 10, Activation: Softmax, Out: []int{10}},
}

// Tensor is a named float32 tensor in row-major order.
type Tensor struct {
	Name  string
	Shape []int
	Data  []float32
}

// Len is the number of elements the shape holds.
func (t Tensor) Len() int { return shapeLen(t.Shape) }

func shapeLen(s []int) int {
	n := 1
	for _, d := range s {
		n *= d
	}
	return n
}

// ParamSpec is the name and shape of one trainable tensor.
type ParamSpec struct {
	Layer  string
	Name   string // "<layer>/kernel" or "<layer>/bias"
	Shape  []int
	FanIn  int // inputs per output unit, for initialisation
	FanOut int
}

// Params lists the trainable tensors of Layers in order: for each Conv and
// Dense layer its kernel then its bias. Conv kernels are (out, in, kh, kw);
// dense kernels (in, out).
func Params() []ParamSpec {
	var specs []ParamSpec
	in := 0 // channels (spatial) or units (flat) entering the layer
	for _, l := range Layers {
		switch l.Kind {
		case Input:
			in = l.Out[2]
		case Conv:
			k := l.Kernel
			specs = append(specs,
				ParamSpec{l.Name, l.Name + "/kernel", []int{l.Filters, in, k, k}, in * k * k, l.Filters * k * k},
				ParamSpec{l.Name, l.Name + "/bias", []int{l.Filters}, 0, 0})
			in = l.Filters
		case Flatten:
			in = l.Out[0]
		case Dense:
			specs = append(specs,
				ParamSpec{l.Name, l.Name + "/kernel", []int{in, l.Units}, in, l.Units},
				ParamSpec{l.Name, l.Name + "/bias", []int{l.Units}, 0, 0})
			in = l.Units
		}
	}
	return specs
}

// NumParams is the number of trainable parameters: 180,328 for Layers.
func NumParams() int {
	n := 0
	for _, p := range Params() {
		n += shapeLen(p.Shape)
	}
	return n
}

// LayerParams is the number of trainable parameters of the layer named name.
func LayerParams(name string) int {
	n := 0
	for _, p := range Params() {
		if p.Layer == name {
			n += shapeLen(p.Shape)
		}
	}
	return n
}

// LayerMACs is the number of multiply-accumulates the layer does for one image.
func LayerMACs(l Layer) int {
	switch l.Kind {
	case Conv:
		return shapeLen(l.Out) * LayerParamsPerOutput(l)
	case Dense:
		return LayerParams(l.Name) - l.Units
	}
	return 0
}

// LayerParamsPerOutput is the number of kernel weights that feed one output
// value of a Conv layer (in × kh × kw).
func LayerParamsPerOutput(l Layer) int {
	return (LayerParams(l.Name) - l.Filters) / l.Filters
}

// MACs is the multiply-accumulates of one inference: 1,480,324 for Layers.
func MACs() int {
	n := 0
	for _, l := range Layers {
		n += LayerMACs(l)
	}
	return n
}
