package interp

import (
	"slices"

	"github.com/mnistcnn/mnistcnn/tflite"
	"github.com/mnistcnn/mnistcnn/tflite/kernels"
)

// Plan is a read-only copy of what New prepared: the tensors with their
// arena layout, and the operators in the order Invoke runs them with the
// constants their int8 kernels computed at prepare time. Code generators
// use it to emit a program that computes exactly what Invoke does (see
// convert's c-standalone format). Everything in it is a copy: changing it
// does not change the interpreter.
type Plan struct {
	Tensors    []PlanTensor
	Operators  []PlanOperator
	Inputs     []int // the subgraph's input tensors
	Outputs    []int // the subgraph's output tensors
	ArenaBytes int   // as Interpreter.ArenaBytes
}

// PlanTensor is one tensor of the subgraph.
type PlanTensor struct {
	Index     int
	Name      string
	Type      tflite.TensorType
	Shape     []int
	Scale     []float32 // nil when not quantized
	ZeroPoint []int64
	QuantDim  int
	Constant  bool
	Data      []byte // a constant's little-endian data; nil otherwise
	// Offset is the tensor's place in the arena: every non-constant tensor
	// some operator (or the subgraph's inputs and outputs) uses has one, −1
	// the others. Two tensors alive at the same operator never overlap.
	Offset int
	Bytes  int // the tensor's size in bytes
}

// PlanOperator is one operator as prepared. For the int8 kernels the field
// matching the operator holds the constants their evaluation uses; the
// others are nil, as are all of them for other kernels (float, RESHAPE,
// QUANTIZE, ...).
type PlanOperator struct {
	Index   int
	Op      tflite.BuiltinOperator
	Name    string // "CONV_2D", or `CUSTOM "name"`
	Inputs  []int  // tensor indices; −1 marks an omitted optional input
	Outputs []int

	Conv           *ConvInt8           // CONV_2D and DEPTHWISE_CONV_2D on INT8
	Pool           *PoolInt8           // MAX_POOL_2D and AVERAGE_POOL_2D on INT8
	FullyConnected *FullyConnectedInt8 // FULLY_CONNECTED on INT8
	Softmax        *SoftmaxInt8        // SOFTMAX on INT8
}

// ConvInt8 is a prepared int8 CONV_2D or DEPTHWISE_CONV_2D: the arguments
// of kernels.ConvPerChannelInt8 or kernels.DepthwiseConvPerChannelInt8.
// Params has one multiplier and shift per output channel.
type ConvInt8 struct {
	Params                kernels.ConvParams
	Input, Filter, Output kernels.Shape4
}

// PoolInt8 is a prepared int8 MAX_POOL_2D or AVERAGE_POOL_2D: the
// arguments of kernels.MaxPoolInt8 or kernels.AveragePoolInt8.
type PoolInt8 struct {
	Params        kernels.PoolParams
	Input, Output kernels.Shape4
}

// FullyConnectedInt8 is a prepared int8 FULLY_CONNECTED: the arguments of
// kernels.FullyConnectedInt8. Params has one multiplier and shift for
// per-tensor weights, one per output for per-channel weights.
type FullyConnectedInt8 struct {
	Params                        kernels.FullyConnectedParams
	Batches, AccumDepth, OutDepth int
}

// SoftmaxInt8 is a prepared int8 SOFTMAX over Rows rows of Depth values:
// the arguments of kernels.SoftmaxInt8.
type SoftmaxInt8 struct {
	Params      kernels.SoftmaxInt8Params
	Rows, Depth int
}

// Plan returns a copy of the interpreter's prepared plan.
func (it *Interpreter) Plan() *Plan {
	p := it.plan
	out := &Plan{
		Tensors:    make([]PlanTensor, len(p.tensors)),
		Operators:  make([]PlanOperator, len(p.nodes)),
		Inputs:     slices.Clone(p.inputs),
		Outputs:    slices.Clone(p.outputs),
		ArenaBytes: p.arenaSize,
	}
	for i := range p.tensors {
		t := &p.tensors[i]
		pt := PlanTensor{
			Index: i, Name: t.Name, Type: t.Type, Shape: slices.Clone(t.Shape),
			Scale: slices.Clone(t.Scale), ZeroPoint: slices.Clone(t.ZeroPoint), QuantDim: t.QuantDim,
			Constant: t.constant, Offset: p.offsets[i], Bytes: p.sizes[i],
		}
		if t.constant {
			pt.Data = slices.Clone(t.data)
		}
		out.Tensors[i] = pt
	}
	for i := range p.nodes {
		out.Operators[i] = p.exportNode(&p.nodes[i])
	}
	return out
}

func (p *plan) exportNode(n *node) PlanOperator {
	o := PlanOperator{Index: n.index, Op: n.op, Name: n.name, Inputs: slices.Clone(n.inputs), Outputs: slices.Clone(n.outputs)}
	shape := func(k int) kernels.Shape4 { return shape4(p.tensors[k].Shape) } // prepare checked the rank
	switch q := n.params.(type) {
	case *kernels.ConvParams:
		c := *q
		c.OutMultiplier, c.OutShift = slices.Clone(q.OutMultiplier), slices.Clone(q.OutShift)
		o.Conv = &ConvInt8{Params: c, Input: shape(n.inputs[0]), Filter: shape(n.inputs[1]), Output: shape(n.outputs[0])}
	case *kernels.PoolParams:
		o.Pool = &PoolInt8{Params: *q, Input: shape(n.inputs[0]), Output: shape(n.outputs[0])}
	case *kernels.FullyConnectedParams:
		f := *q
		f.OutMultiplier, f.OutShift = slices.Clone(q.OutMultiplier), slices.Clone(q.OutShift)
		w := p.tensors[n.inputs[1]].Shape // [out, in], checked by prepare
		o.FullyConnected = &FullyConnectedInt8{Params: f, OutDepth: w[0], AccumDepth: w[1],
			Batches: p.tensors[n.inputs[0]].NumElements() / w[1]}
	case *kernels.SoftmaxInt8Params:
		x := &p.tensors[n.inputs[0]]
		depth := x.Shape[len(x.Shape)-1] // not 0: checked by prepare
		o.Softmax = &SoftmaxInt8{Params: *q, Depth: depth, Rows: x.NumElements() / depth}
	}
	return o
}
