package interp

import (
	"fmt"

	"github.com/mnistcnn/mnistcnn/tflite"
)

// node is one operator of the plan. Everything in it is fixed by New and
// shared by clones; per-instance data lives in the tensors.
type node struct {
	index   int
	op      tflite.BuiltinOperator
	name    string // "CONV_2D", or `CUSTOM "name"`
	options tflite.Options
	inputs  []int // tensor indices; −1 marks an omitted optional input
	outputs []int
	eval    evalFunc
	params  any // the int8 kernel's prepared *kernels.…Params, for Plan (export.go); nil if none
}

// evalFunc computes one operator over the tensors of one interpreter
// instance (indexed like the subgraph's tensors). It must not allocate.
type evalFunc func(t []*Tensor) error

// prepareFunc checks one operator's tensors and options, precomputes what its
// evaluation needs, and returns the evaluation. At prepare time t holds every
// tensor's description; only constant tensors have data. The returned
// evalFunc may keep anything it precomputed (it is shared, read-only, by all
// clones) but must read tensor data from its argument on each call.
//
// Errors name the problem without the operator (New adds "interp: operator
// 3 (CONV_2D): ").
type prepareFunc func(n *node, t []*Tensor) (evalFunc, error)

type kernelKey struct {
	op tflite.BuiltinOperator
	in tflite.TensorType // type of the operator's first input
}

// registry maps an operator and the type of its first input to its prepare
// step. Files add entries with register from an init function.
var registry = map[kernelKey]prepareFunc{}

// register adds the kernel for op when its first input has type in. It
// panics on a duplicate: two files claiming the same kernel is a bug.
func register(op tflite.BuiltinOperator, in tflite.TensorType, p prepareFunc) {
	k := kernelKey{op, in}
	if _, dup := registry[k]; dup {
		panic(fmt.Sprintf("interp: kernel %s for %s input registered twice", op, in))
	}
	registry[k] = p
}

// supportsOp reports whether any kernel is registered for op.
func supportsOp(op tflite.BuiltinOperator) bool {
	for k := range registry {
		if k.op == op {
			return true
		}
	}
	return false
}
