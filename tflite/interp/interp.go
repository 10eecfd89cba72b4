package interp

import (
	"errors"
	"fmt"
	"unsafe"

	"github.com/mnistcnn/mnistcnn/tflite"
)

// maxElements bounds a tensor's element count; with at most 8 bytes an
// element it keeps every byte count far from overflowing an int.
const maxElements = 1 << 31

// plan is everything New computes from a model: the operators with their
// prepared evaluations, the tensor descriptions and the arena layout. It is
// read-only after New and shared by clones.
type plan struct {
	tensors   []Tensor // descriptions; constants carry their data
	offsets   []int    // arena offset of each non-constant tensor, −1 if none
	sizes     []int    // byte size of each tensor
	nodes     []node
	inputs    []int
	outputs   []int
	arenaSize int
	scratch   int // bytes of per-interpreter scratch the kernels request (scratch.go)
}

// Interpreter runs subgraph 0 of a model. One Interpreter must not be used by
// several goroutines at once; Clone makes another one over the same plan for
// each goroutine.
type Interpreter struct {
	plan     *plan
	arena    []byte
	tensors  []*Tensor // the subgraph's tensors, then the scratch (scratch.go)
	inputs   []*Tensor
	outputs  []*Tensor
	observer func(opIndex int, out *Tensor)
}

// New checks the model, prepares every operator of its first subgraph, plans
// the arena and allocates it. Unsupported operators are reported by name:
//
//	interp: operator 0 (UNIDIRECTIONAL_SEQUENCE_LSTM): not supported
//	interp: operator 0 (CONV_2D): input type UINT8 not supported
//
// The model must not be modified while the interpreter is in use: constant
// tensors point into its buffers.
func New(m *tflite.Model) (*Interpreter, error) {
	p, err := newPlan(m)
	if err != nil {
		return nil, err
	}
	return p.instance(), nil
}

func newPlan(m *tflite.Model) (*plan, error) {
	if m == nil || len(m.Subgraphs) == 0 {
		return nil, errors.New("interp: model has no subgraph")
	}
	sg := &m.Subgraphs[0]
	p := &plan{
		tensors: make([]Tensor, len(sg.Tensors)),
		offsets: make([]int, len(sg.Tensors)),
		sizes:   make([]int, len(sg.Tensors)),
	}
	for i := range sg.Tensors {
		if err := p.describe(m, i, &sg.Tensors[i]); err != nil {
			return nil, err
		}
	}
	var err error
	if p.inputs, err = p.indices("input", sg.Inputs); err != nil {
		return nil, err
	}
	if p.outputs, err = p.indices("output", sg.Outputs); err != nil {
		return nil, err
	}
	if err := p.addNodes(m, sg); err != nil {
		return nil, err
	}
	if err := p.prepare(); err != nil {
		return nil, err
	}
	if err := p.planMemory(); err != nil {
		return nil, err
	}
	return p, nil
}

// describe fills tensor i's description and checks its constant data.
func (p *plan) describe(m *tflite.Model, i int, mt *tflite.Tensor) error {
	t := &p.tensors[i]
	t.Index, t.Name, t.Type = i, mt.Name, mt.Type
	t.Shape = make([]int, len(mt.Shape))
	n := 1
	for k, d := range mt.Shape {
		if d < 0 {
			return fmt.Errorf("interp: tensor %d (%s): dimension %d is %d", i, mt.Name, k, d)
		}
		t.Shape[k] = int(d)
		if d > 0 && n > maxElements/int(d) {
			return fmt.Errorf("interp: tensor %d (%s): shape %v has more than %d elements", i, mt.Name, mt.Shape, maxElements)
		}
		n *= int(d)
	}
	p.sizes[i] = n * mt.Type.Size() // 0 for types without a size; checked where used
	if q := mt.Quant; q != nil {
		t.Scale, t.ZeroPoint, t.QuantDim = q.Scale, q.ZeroPoint, int(q.QuantizedDimension)
	}
	if mt.Buffer == 0 {
		return nil
	}
	if int(mt.Buffer) >= len(m.Buffers) {
		return fmt.Errorf("interp: tensor %d (%s): buffer %d out of range", i, mt.Name, mt.Buffer)
	}
	data := m.Buffers[mt.Buffer].Data
	if len(data) == 0 {
		return nil // the converter gives activations their own empty buffer
	}
	if mt.Type.Size() == 0 {
		return fmt.Errorf("interp: tensor %d (%s): constant of type %s not supported", i, mt.Name, mt.Type)
	}
	if len(data) != p.sizes[i] {
		return fmt.Errorf("interp: tensor %d (%s): buffer %d holds %d bytes, shape %v of %s needs %d",
			i, mt.Name, mt.Buffer, len(data), mt.Shape, mt.Type, p.sizes[i])
	}
	t.data = aligned(data[:len(data):len(data)], mt.Type.Size())
	t.constant = true
	return nil
}

func (p *plan) indices(what string, idx []int32) ([]int, error) {
	out := make([]int, len(idx))
	for k, i := range idx {
		if i < 0 || int(i) >= len(p.tensors) {
			return nil, fmt.Errorf("interp: subgraph %s %d: tensor %d out of range", what, k, i)
		}
		out[k] = int(i)
	}
	return out, nil
}

// addNodes resolves every operator and checks that a kernel exists for it,
// reporting all unsupported operators at once.
func (p *plan) addNodes(m *tflite.Model, sg *tflite.Subgraph) error {
	var unsupported []error
	p.nodes = make([]node, len(sg.Operators))
	for i := range sg.Operators {
		op := &sg.Operators[i]
		n := &p.nodes[i]
		n.index, n.options = i, op.Options
		if int(op.OpcodeIndex) >= len(m.OperatorCodes) {
			return fmt.Errorf("interp: operator %d: opcode index %d out of range", i, op.OpcodeIndex)
		}
		oc := m.OperatorCodes[op.OpcodeIndex]
		n.op, n.name = oc.Builtin, oc.Builtin.String()
		if oc.Builtin == tflite.OpCustom {
			n.name = fmt.Sprintf("CUSTOM %q", oc.Custom)
		}
		var err error
		if n.inputs, err = p.opIndices(i, n.name, "input", op.Inputs, true); err != nil {
			return err
		}
		if n.outputs, err = p.opIndices(i, n.name, "output", op.Outputs, false); err != nil {
			return err
		}
		if !supportsOp(n.op) {
			unsupported = append(unsupported, fmt.Errorf("interp: operator %d (%s): not supported", i, n.name))
			continue
		}
		if len(n.inputs) == 0 || n.inputs[0] < 0 {
			return fmt.Errorf("interp: operator %d (%s): no input", i, n.name)
		}
		in := p.tensors[n.inputs[0]].Type
		if registry[kernelKey{n.op, in}] == nil {
			unsupported = append(unsupported, fmt.Errorf("interp: operator %d (%s): input type %s not supported", i, n.name, in))
		}
	}
	return errors.Join(unsupported...)
}

func (p *plan) opIndices(i int, name, what string, idx []int32, optional bool) ([]int, error) {
	out := make([]int, len(idx))
	for k, t := range idx {
		if (t == -1 && optional) || (t >= 0 && int(t) < len(p.tensors)) {
			out[k] = int(t)
			continue
		}
		return nil, fmt.Errorf("interp: operator %d (%s): %s %d: tensor %d out of range", i, name, what, k, t)
	}
	return out, nil
}

// prepare checks the data flow (each tensor written once, read only after it
// is written) and runs every operator's prepare step.
func (p *plan) prepare() error {
	written := make([]bool, len(p.tensors))
	for _, i := range p.inputs {
		if p.tensors[i].constant {
			return fmt.Errorf("interp: subgraph input tensor %d (%s) is constant", i, p.tensors[i].Name)
		}
		written[i] = true
	}
	view := make([]*Tensor, len(p.tensors), len(p.tensors)+1)
	for i := range p.tensors {
		view[i] = &p.tensors[i]
	}
	scratch := &Tensor{Index: -1, Name: scratchName}
	view = append(view, scratch)
	for i := range p.nodes {
		n := &p.nodes[i]
		for _, t := range n.inputs {
			if t >= 0 && !written[t] && !p.tensors[t].constant {
				return fmt.Errorf("interp: operator %d (%s): input tensor %d (%s) is read before it is written", i, n.name, t, p.tensors[t].Name)
			}
		}
		for _, t := range n.outputs {
			if written[t] || p.tensors[t].constant {
				return fmt.Errorf("interp: operator %d (%s): output tensor %d (%s) is written twice or constant", i, n.name, t, p.tensors[t].Name)
			}
			written[t] = true
		}
		for _, t := range append(n.inputs[:len(n.inputs):len(n.inputs)], n.outputs...) {
			if t >= 0 && p.sizes[t] == 0 && p.tensors[t].Type.Size() == 0 {
				return fmt.Errorf("interp: operator %d (%s): tensor %d (%s) has type %s", i, n.name, t, p.tensors[t].Name, p.tensors[t].Type)
			}
		}
		eval, err := registry[kernelKey{n.op, p.tensors[n.inputs[0]].Type}](n, view)
		if err != nil {
			return fmt.Errorf("interp: operator %d (%s): %w", i, n.name, err)
		}
		n.eval = eval
	}
	p.scratch = scratchRequest(scratch)
	for _, t := range p.outputs {
		if !written[t] && !p.tensors[t].constant {
			return fmt.Errorf("interp: subgraph output tensor %d (%s) is never written", t, p.tensors[t].Name)
		}
	}
	return nil
}

// planMemory gives every non-constant tensor the operators use a place in
// the arena. As in TensorFlow Lite Micro, subgraph inputs live from the first
// operator and subgraph outputs to the last; an input's memory may be reused
// once its last reader has run.
func (p *plan) planMemory() error {
	first := make([]int, len(p.tensors))
	last := make([]int, len(p.tensors))
	for i := range first {
		first[i], last[i] = -1, -1
	}
	use := func(t, op int) {
		if t < 0 || p.tensors[t].constant {
			return
		}
		if first[t] < 0 || op < first[t] {
			first[t] = op
		}
		if op > last[t] {
			last[t] = op
		}
	}
	for _, t := range p.inputs {
		use(t, 0)
	}
	for i := range p.nodes {
		for _, t := range p.nodes[i].inputs {
			use(t, i)
		}
		for _, t := range p.nodes[i].outputs {
			use(t, i)
		}
	}
	for _, t := range p.outputs {
		use(t, max(len(p.nodes)-1, 0))
	}
	var bufs []lifetime
	for t := range p.tensors {
		p.offsets[t] = -1
		if first[t] < 0 {
			continue
		}
		if p.sizes[t] > MaxArenaBytes {
			return fmt.Errorf("interp: tensor %d (%s) needs %d bytes, more than the %d-byte arena limit", t, p.tensors[t].Name, p.sizes[t], MaxArenaBytes)
		}
		bufs = append(bufs, lifetime{tensor: t, size: p.sizes[t], first: first[t], last: last[t]})
	}
	p.arenaSize = planArena(bufs)
	if p.arenaSize > MaxArenaBytes {
		return fmt.Errorf("interp: model needs a %d-byte arena, more than the %d-byte limit", p.arenaSize, MaxArenaBytes)
	}
	for _, b := range bufs {
		p.offsets[b.tensor] = b.offset
	}
	return nil
}

// instance allocates an arena and the tensor views of one interpreter.
func (p *plan) instance() *Interpreter {
	it := &Interpreter{plan: p, tensors: make([]*Tensor, len(p.tensors), len(p.tensors)+1)}
	// Allocate as uint64s for 8-byte alignment, then skip to a 16-byte boundary.
	words := make([]uint64, (p.arenaSize+arenaAlign)/8+1)
	raw := unsafe.Slice((*byte)(unsafe.Pointer(&words[0])), len(words)*8)
	skip := int(-uintptr(unsafe.Pointer(&raw[0])) & (arenaAlign - 1))
	it.arena = raw[skip : skip+p.arenaSize]
	ts := make([]Tensor, len(p.tensors))
	for i := range p.tensors {
		ts[i] = p.tensors[i]
		if off := p.offsets[i]; off >= 0 {
			ts[i].data = it.arena[off : off+p.sizes[i] : off+p.sizes[i]]
		}
		it.tensors[i] = &ts[i]
	}
	it.tensors = append(it.tensors, newScratch(p.scratch))
	for _, i := range p.inputs {
		it.inputs = append(it.inputs, it.tensors[i])
	}
	for _, i := range p.outputs {
		it.outputs = append(it.outputs, it.tensors[i])
	}
	return it
}

// Clone returns a new interpreter over the same prepared model with its own
// arena, for running in another goroutine. The observer is not copied.
func (it *Interpreter) Clone() *Interpreter { return it.plan.instance() }

// ArenaBytes is the size of the planned arena: the activations (every
// non-constant tensor) with their lifetimes overlapped, each at a 16-byte
// aligned offset. A TensorFlow Lite Micro arena for the same model needs
// this plus its own per-tensor and per-operator bookkeeping (typically a few
// KiB), which this interpreter keeps outside the arena.
func (it *Interpreter) ArenaBytes() int { return it.plan.arenaSize }

// Inputs are the subgraph's input tensors. Their memory may be reused once
// the operators that read them have run, as in TensorFlow Lite Micro: set
// the inputs again before each Invoke.
func (it *Interpreter) Inputs() []*Tensor { return it.inputs }

// Input is Inputs()[i]; it panics if i is out of range.
func (it *Interpreter) Input(i int) *Tensor { return it.inputs[i] }

// Outputs are the subgraph's output tensors, valid after Invoke.
func (it *Interpreter) Outputs() []*Tensor { return it.outputs }

// Output is Outputs()[i]; it panics if i is out of range.
func (it *Interpreter) Output(i int) *Tensor { return it.outputs[i] }

// Tensor is the interpreter's tensor i of the subgraph (nil if out of range).
func (it *Interpreter) Tensor(i int) *Tensor {
	if i < 0 || i >= len(it.plan.tensors) {
		return nil
	}
	return it.tensors[i]
}

// NumOperators is the number of operators Invoke runs.
func (it *Interpreter) NumOperators() int { return len(it.plan.nodes) }

// OperatorName is the name of operator i, e.g. "CONV_2D"; it panics if i
// is out of range.
func (it *Interpreter) OperatorName(i int) string { return it.plan.nodes[i].name }

// SetObserver sets a function called after each operator with each of its
// outputs (e.g. to collect activation ranges for calibration, or to compare
// layers with another runtime). The tensor's data is valid only during the
// call. nil removes it.
func (it *Interpreter) SetObserver(f func(opIndex int, out *Tensor)) { it.observer = f }

// Invoke runs every operator in order. It does not allocate.
func (it *Interpreter) Invoke() error {
	nodes := it.plan.nodes
	for i := range nodes {
		n := &nodes[i]
		if err := n.eval(it.tensors); err != nil {
			return fmt.Errorf("interp: operator %d (%s): %w", i, n.name, err)
		}
		if it.observer != nil {
			for _, o := range n.outputs {
				it.observer(i, it.tensors[o])
			}
		}
	}
	return nil
}

// numElements is the product of shape's dimensions.
func numElements(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}
