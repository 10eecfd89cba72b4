// Package model describes mnistcnn's networks in one place: their layers,
// the shapes and layout of their weights, and the checkpoint that carries
// them between training, conversion and evaluation.
//
// A network is an Arch: an input shape and a list of layers, written as a
// spec (spec.go) or named by a preset (presets.go). The reference preset is
// the CNN of the Python project mnistcnn replaces.
//
// Weights are stored in the layout training uses (Gorgonia's):
//   - conv kernels (out, in, kh, kw), activations NCHW;
//   - depthwise kernels (in·multiplier, 1, kh, kw), output channel
//     c·multiplier+m reading input channel c, as TFLite numbers them;
//   - dense kernels (in, out), used as x·W;
//   - a flatten in C,H,W order.
//
// Converting to TFLite's layouts (OHWI filters, depthwise [1,kh,kw,out],
// dense [out,in], flatten in H,W,C order) is the job of package convert,
// through internal/layout, not of this package.
package model

import "fmt"

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
	DepthwiseConv
	AvgPool
	GlobalAvgPool
	Dropout
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
	case DepthwiseConv:
		return "DepthwiseConv2D"
	case AvgPool:
		return "AveragePooling2D"
	case GlobalAvgPool:
		return "GlobalAveragePooling2D"
	case Dropout:
		return "Dropout"
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
	ReLU6
)

func (a Activation) String() string {
	switch a {
	case Linear:
		return "linear"
	case ReLU:
		return "relu"
	case Softmax:
		return "softmax"
	case ReLU6:
		return "relu6"
	}
	return fmt.Sprintf("Activation(%d)", int(a))
}

// Padding is a convolution's or pool's padding, as Keras and TFLite define
// it: Valid uses only windows inside the input, out = ⌊(in−k)/s⌋+1; Same
// pads with zeros (or, for pools, ignores the outside) so that
// out = ⌈in/s⌉, the padding split as TFLite splits it (the extra one, if
// odd, at the bottom and right).
type Padding int

// Paddings.
const (
	Valid Padding = iota
	Same
)

func (p Padding) String() string {
	if p == Same {
		return "same"
	}
	return "valid"
}

// Layer is one layer of the network. Out is the output shape of one image,
// (H, W, C) for spatial layers and (N) for flat ones; In is the shape it
// reads, the Out of the layer before (nil for Input).
type Layer struct {
	Name       string
	Kind       Kind
	Filters    int     // Conv: output channels
	Kernel     int     // Conv, DepthwiseConv: kernel size (square); MaxPool, AvgPool: pool size
	Stride     int     // Conv, DepthwiseConv, MaxPool, AvgPool: stride along both axes
	Padding    Padding // Conv, DepthwiseConv, MaxPool, AvgPool
	Multiplier int     // DepthwiseConv: output channels per input channel
	Units      int     // Dense: outputs
	Rate       float64 // Dropout: fraction of inputs zeroed in training
	Activation Activation
	In, Out    []int
}

// OutChannels is the channel count of a spatial layer's output.
func (l Layer) OutChannels() int { return l.Out[len(l.Out)-1] }

// Arch is a network: Layers[0] is the Input layer with the image shape
// (H, W, C), the last layer is the Dense classifier with softmax, and every
// layer's In and Out are filled in. Make one with Parse, Preset or
// (*Spec).Build; its methods assume it was made so.
type Arch struct {
	// Name is the preset's name, "" for an architecture given as a spec.
	Name   string
	Layers []Layer
}

// InputShape is the shape (H, W, C) of one input image.
func (a *Arch) InputShape() []int { return a.Layers[0].Out }

// Pixels is the number of input values of one image, H·W·C.
func (a *Arch) Pixels() int { return shapeLen(a.Layers[0].Out) }

// Classes is the number of classes, the units of the classifier.
func (a *Arch) Classes() int { return a.Layers[len(a.Layers)-1].Units }

// Layer returns the layer named name.
func (a *Arch) Layer(name string) (Layer, bool) {
	for _, l := range a.Layers {
		if l.Name == name {
			return l, true
		}
	}
	return Layer{}, false
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

// Params lists the trainable tensors in order: for each Conv,
// DepthwiseConv and Dense layer its kernel then its bias. Conv kernels are
// (out, in, kh, kw); depthwise kernels (in·multiplier, 1, kh, kw); dense
// kernels (in, out).
func (a *Arch) Params() []ParamSpec {
	var specs []ParamSpec
	for _, l := range a.Layers {
		specs = append(specs, l.params()...)
	}
	return specs
}

func (l Layer) params() []ParamSpec {
	k := l.Kernel
	switch l.Kind {
	case Conv:
		in := l.In[2]
		return []ParamSpec{
			{l.Name, l.Name + "/kernel", []int{l.Filters, in, k, k}, in * k * k, l.Filters * k * k},
			{l.Name, l.Name + "/bias", []int{l.Filters}, 0, 0}}
	case DepthwiseConv:
		out := l.In[2] * l.Multiplier
		return []ParamSpec{
			{l.Name, l.Name + "/kernel", []int{out, 1, k, k}, k * k, l.Multiplier * k * k},
			{l.Name, l.Name + "/bias", []int{out}, 0, 0}}
	case Dense:
		in := l.In[0]
		return []ParamSpec{
			{l.Name, l.Name + "/kernel", []int{in, l.Units}, in, l.Units},
			{l.Name, l.Name + "/bias", []int{l.Units}, 0, 0}}
	}
	return nil
}

// NumParams is the number of trainable parameters: 180,328 for the
// reference preset.
func (a *Arch) NumParams() int {
	n := 0
	for _, l := range a.Layers {
		n += l.NumParams()
	}
	return n
}

// NumParams is the number of trainable parameters of the layer.
func (l Layer) NumParams() int {
	n := 0
	for _, p := range l.params() {
		n += shapeLen(p.Shape)
	}
	return n
}

// MACs is the number of multiply-accumulates the layer does for one image:
// one per kernel weight and output position for convolutions, one per
// weight for dense layers, none for the others (as Keras counts them).
func (l Layer) MACs() int {
	switch l.Kind {
	case Conv:
		return shapeLen(l.Out) * l.In[2] * l.Kernel * l.Kernel
	case DepthwiseConv:
		return shapeLen(l.Out) * l.Kernel * l.Kernel
	case Dense:
		return l.In[0] * l.Units
	}
	return 0
}

// MACs is the multiply-accumulates of one inference: 1,480,324 for the
// reference preset.
func (a *Arch) MACs() int {
	n := 0
	for _, l := range a.Layers {
		n += l.MACs()
	}
	return n
}

// MaxActivation is the largest number of values one layer's output holds
// for one image.
func (a *Arch) MaxActivation() int {
	m := 0
	for _, l := range a.Layers {
		m = max(m, shapeLen(l.Out))
	}
	return m
}
