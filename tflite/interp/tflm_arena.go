package interp

import (
	"errors"
	"fmt"

	"github.com/mnistcnn/mnistcnn/tflite"
)

// The tensor arena TensorFlow Lite Micro (TFLM) needs for a model.
//
// A TFLM arena holds more than the activations this package plans: TFLM
// keeps all its bookkeeping in it too. Its SingleArenaBufferAllocator
// (arena_allocator/single_arena_buffer_allocator.cc) hands out memory from
// both ends of the arena:
//
//   - the head, from the start: a resizable buffer that holds the scratch
//     buffer requests while the operators prepare and the memory plan (the
//     activations) afterwards, and above it "temp" allocations that live
//     until the next ResetTempAllocations;
//   - the tail, from the end: persistent allocations, each aligned down to
//     its alignment.
//
// MicroInterpreter::arena_used_bytes() is head + tail after AllocateTensors
// (SingleArenaBufferAllocator::GetUsedBytes). The smallest arena that works
// can be larger: AllocateTensors fails if at any moment the head, or the
// temp section above it, would run into the tail. For a tiny model (TFLM's
// hello_world) the memory planner's scratch needs more than the final
// layout, and arena_used_bytes() is not enough.
//
// simulateTFLM replays, for the ops this package runs, every allocation
// AllocateTensors makes, in TFLM's order, with the sizes and alignments of
// TFLM's structs (tflmLayouts), and keeps the largest arena any step needs.
// The steps, from tensorflow/lite/micro at the commit in tflmCommit:
//
//  1. MicroAllocator::Create (micro_allocator.cc): tail: the
//     SingleArenaBufferAllocator, the GreedyMemoryPlanner and the
//     MicroAllocator objects themselves.
//  2. MicroAllocator::StartModelAllocation: tail: MicroBuiltinDataAllocator;
//     head: room for kMaxScratchBuffersPerOp (12) ScratchBufferRequests
//     (InitScratchBufferData); tail: one SubgraphAllocations per subgraph,
//     one TfLiteEvalTensor per tensor (AllocateTfLiteEvalTensors) and one
//     NodeAndRegistration per operator (AllocateNodeAndRegistrations).
//  3. MicroInterpreter::PrepareNodeAndRegistrationDataFromFlatbuffer
//     (micro_interpreter.cc): tail: each operator's builtin options struct,
//     allocated by its parser in core/api/flatbuffer_conversions.cc
//     (TfLiteConvParams, TfLitePoolParams, ...; QUANTIZE, DEQUANTIZE and
//     EXPAND_DIMS have none).
//  4. MicroInterpreterGraph::InitSubgraphs: tail: each kernel's Init
//     allocates its op data with AllocatePersistentBuffer, aligned to
//     MicroArenaBufferAlignment() = 16 (micro_arena_constants.h): OpDataConv
//     (conv_common.cc, depthwise_conv.cc), OpDataPooling (pooling.cc),
//     OpDataFullyConnected (fully_connected.cc), SoftmaxParams
//     (softmax_common.cc), OpDataQuantizeReference (quantize.cc),
//     DequantizeOpData (dequantize.cc); RESHAPE, CAST and EXPAND_DIMS have
//     no Init.
//  5. MicroInterpreterGraph::PrepareSubgraphs: each kernel's Prepare takes
//     temp TfLiteTensors of its inputs and outputs (AllocateTempTfLiteTensor
//     in micro_allocator.cc: the TfLiteTensor, and for a quantized tensor a
//     TfLiteAffineQuantization and a TfLiteIntArray of zero points, one per
//     scale), and persistent arrays: CONV_2D and DEPTHWISE_CONV_2D two int32
//     arrays (per-channel multiplier and shift) of the filter's output
//     channels, whatever the type (conv_common.cc,
//     depthwise_conv_common.cc), FULLY_CONNECTED the same only for a
//     per-channel quantized filter (fully_connected_common.cc). After each
//     operator the temp section is reset and the scratch request buffer
//     resized for 12 more requests (FinishPrepareNodeAllocations). The
//     reference kernels request scratch buffers only for INT4 filters and
//     compressed tensors, which this package does not run, so none here.
//  6. MicroAllocator::FinishModelAllocation / CommitStaticMemoryPlan: temp:
//     a size_t per subgraph and an AllocationInfo per tensor
//     (micro_allocation_info.cc); tail: each variable tensor's data
//     (AllocateVariables); then the GreedyMemoryPlanner gets the rest of the
//     temp section and needs per_buffer_size() = 40 bytes for each buffer it
//     plans (greedy_memory_planner.h: BufferRequirements, two sorted int
//     arrays, a ListEntry and the offset); finally the head is set to the
//     plan's size, the activations (tflmPlan: this package's greedy
//     first-fit over TFLM's buffers, each rounded up to 16; it can exceed
//     ArenaBytes by up to 15 bytes).
//  7. MicroInterpreter::AllocateTensors, after that: tail: an array of
//     TfLiteTensor pointers for the inputs, then a persistent TfLiteTensor
//     (with its quantization, as in step 5) per input, and the same for the
//     outputs.
//
// Struct sizes depend on the build. tflmLayouts has two, both measured
// (sizeof and alignof printed by a program built against the same TFLM
// headers, and checked against allocation traces): an x86-64 host (LP64:
// 8-byte pointers; also what arm64 and other 64-bit hosts use) and 32-bit
// Arm EABI as arm-none-eabi-gcc builds TFLM for a Cortex-M (4-byte pointers,
// short enums). Every struct is at least as large on the 64-bit host, and
// the 64-bit figure is well above the 32-bit one (876 bytes more for the
// int8 MNIST model; checked for every measured model), so the 64-bit
// figure is the one to report: it is enough for either build, and at most
// a few per cent too much for a microcontroller. TFLMArena(TFLM32) gives
// the tighter figure for a Cortex-M build.
//
// The simulation assumes the arena starts on a 16-byte boundary and that its
// size is a multiple of 16 (so the tail starts aligned), as an
// alignas(16) uint8_t arena[TFLMArena.Bytes] has; Bytes is rounded up to 16
// for that reason.

// tflmCommit is the tflite-micro commit whose source the model follows and
// whose build the tests' figures come from.
const tflmCommit = "90b983c2b3f1480642e040bbd2ddb37b998f3424"

// TFLMTarget is a kind of TFLM build, which fixes the sizes of its structs.
type TFLMTarget int

const (
	// TFLM64 is TFLM built for a 64-bit host (x86-64, arm64): the larger
	// figure, enough for a 32-bit build too.
	TFLM64 TFLMTarget = iota
	// TFLM32 is TFLM built by arm-none-eabi-gcc for a 32-bit Arm Cortex-M.
	TFLM32
)

func (t TFLMTarget) String() string {
	switch t {
	case TFLM64:
		return "64-bit host"
	case TFLM32:
		return "32-bit Cortex-M"
	}
	return fmt.Sprintf("TFLMTarget(%d)", int(t))
}

// TFLMArena is what TFLM's MicroInterpreter takes from its tensor arena for
// a model, as simulateTFLM computes it.
type TFLMArena struct {
	Target TFLMTarget
	// Activations is the head after AllocateTensors: TFLM's memory plan of
	// the non-constant tensors, ArenaBytes or up to 15 bytes more (see
	// tflmPlan).
	Activations int
	// Persistent is the tail after AllocateTensors: TFLM's own objects, a
	// TfLiteEvalTensor per tensor, a node and options per operator, the
	// kernels' op data and per-channel arrays, the input and output
	// TfLiteTensors.
	Persistent int
	// Used is Activations + Persistent: what arena_used_bytes() reports after
	// AllocateTensors with a larger arena.
	Used int
	// Bytes is the arena to give TFLM: the largest that any step of
	// AllocateTensors needs (at least Used; more for a model whose memory
	// planning or prepare needs more temp space than its activations take),
	// rounded up to a multiple of 16.
	Bytes int
	// Peak names the step of AllocateTensors that needs Bytes when that is
	// more than Used rounded up to 16 ("memory planning", "operator
	// prepare"); "" otherwise.
	Peak string
}

// TFLMArenaOf simulates TFLM's AllocateTensors for m on target. It fails if
// this package cannot run m (the interpreter's error), if m has more than
// one subgraph (TFLM would allocate for every subgraph; only the first is
// modelled), or if m carries an offline memory plan ("OfflineMemoryAllocation"
// metadata, which TFLM uses instead of its planner).
func TFLMArenaOf(m *tflite.Model, target TFLMTarget) (TFLMArena, error) {
	p, err := newPlan(m)
	if err != nil {
		return TFLMArena{}, err
	}
	if n := len(m.Subgraphs); n != 1 {
		return TFLMArena{}, fmt.Errorf("interp: TFLM arena: model has %d subgraphs; only single-subgraph models are modelled", n)
	}
	for _, md := range m.Metadata {
		if md.Name == "OfflineMemoryAllocation" {
			return TFLMArena{}, errors.New("interp: TFLM arena: model has an offline memory plan (OfflineMemoryAllocation metadata); not modelled")
		}
	}
	variable := make([]bool, len(p.tensors))
	for i, t := range m.Subgraphs[0].Tensors {
		variable[i] = t.IsVariable
	}
	return simulateTFLM(p, variable, target)
}

// TFLMArena simulates TFLM's AllocateTensors for the interpreter's model on
// target. It sees only what the interpreter keeps: it assumes the model has
// one subgraph and no variable tensors (no operator this package runs uses
// one); TFLMArenaOf checks both. It fails for an operator the simulation
// does not know.
func (it *Interpreter) TFLMArena(target TFLMTarget) (TFLMArena, error) {
	return simulateTFLM(it.plan, nil, target)
}

// TFLMArenaBytes is the tensor arena to give TensorFlow Lite Micro for the
// interpreter's model: TFLMArena(TFLM64).Bytes, enough for a 64-bit host
// build and a 32-bit Cortex-M build of TFLM's reference kernels; 0 if the
// model has an operator the simulation does not know.
func (it *Interpreter) TFLMArenaBytes() int {
	a, err := it.TFLMArena(TFLM64)
	if err != nil {
		return 0
	}
	return a.Bytes
}

// ReportedArenaBytes is the arena figure mnistcnn reports for the model
// (eval, convert): TFLMArenaBytes, or, for a model with an operator the
// simulation does not know, ArenaBytes, the planned activations alone, a
// lower bound.
func (it *Interpreter) ReportedArenaBytes() int {
	if n := it.TFLMArenaBytes(); n > 0 {
		return n
	}
	return it.ArenaBytes()
}

// tflmSize is a C struct's sizeof and alignof.
type tflmSize struct{ size, align int }

// tflmLayout holds the sizes and alignments of the TFLM structs the arena
// holds, for one build. Structs allocated with AllocatePersistentBuffer
// (op data) are aligned to 16 whatever their alignof.
type tflmLayout struct {
	ptr tflmSize // a pointer, size_t

	// Objects MicroAllocator::Create and StartModelAllocation place.
	arenaAllocator, planner, microAllocator, builtinDataAllocator tflmSize
	subgraphAllocations, evalTensor, nodeAndRegistration          tflmSize
	scratchRequest, allocationInfo                                tflmSize
	tensor, affineQuantization                                    tflmSize

	// Builtin options (core/c/builtin_op_data.h).
	convParams, depthwiseParams, poolParams, fullyConnectedParams tflmSize
	reshapeParams, softmaxParams, castParams                      tflmSize

	// Kernel op data, allocated aligned to 16.
	opDataConv, opDataPooling, opDataFullyConnected, softmaxOpData int
	opDataQuantize, opDataDequantize                               int
}

// tflmLayouts are sizeof and alignof of each struct, printed by a program
// compiled against the TFLM headers at tflmCommit with
// -DTF_LITE_STATIC_MEMORY (as TFLM's Makefile builds): by g++ 12.2 for
// x86-64, and by arm-none-eabi-g++ 12.2.1 (-mcpu=cortex-a7 -marm, the same
// AAPCS layout as a Cortex-M; short enums, the default of arm-none-eabi).
// MicroBuiltinDataAllocator, a class local to micro_allocator.cc (a vtable
// pointer and a pointer), is from the allocation traces.
var tflmLayouts = map[TFLMTarget]*tflmLayout{
	TFLM64: {
		ptr:            tflmSize{8, 8},
		arenaAllocator: tflmSize{72, 8}, planner: tflmSize{72, 8}, microAllocator: tflmSize{72, 8},
		builtinDataAllocator: tflmSize{16, 8},
		subgraphAllocations:  tflmSize{16, 8}, evalTensor: tflmSize{24, 8}, nodeAndRegistration: tflmSize{64, 8},
		scratchRequest: tflmSize{16, 8}, allocationInfo: tflmSize{32, 8},
		tensor: tflmSize{64, 8}, affineQuantization: tflmSize{24, 8},

		convParams: tflmSize{28, 4}, depthwiseParams: tflmSize{28, 4}, poolParams: tflmSize{40, 4},
		fullyConnectedParams: tflmSize{16, 4}, reshapeParams: tflmSize{36, 4}, softmaxParams: tflmSize{4, 4},
		castParams: tflmSize{8, 4},

		opDataConv: 72, opDataPooling: 32, opDataFullyConnected: 64, softmaxOpData: 80,
		opDataQuantize: 32, opDataDequantize: 32,
	},
	TFLM32: {
		ptr:            tflmSize{4, 4},
		arenaAllocator: tflmSize{36, 4}, planner: tflmSize{44, 4}, microAllocator: tflmSize{36, 4},
		builtinDataAllocator: tflmSize{8, 4},
		subgraphAllocations:  tflmSize{8, 4}, evalTensor: tflmSize{12, 4}, nodeAndRegistration: tflmSize{32, 4},
		scratchRequest: tflmSize{12, 4}, allocationInfo: tflmSize{24, 4},
		tensor: tflmSize{32, 4}, affineQuantization: tflmSize{12, 4},

		convParams: tflmSize{28, 4}, depthwiseParams: tflmSize{28, 4}, poolParams: tflmSize{40, 4},
		fullyConnectedParams: tflmSize{5, 1}, reshapeParams: tflmSize{36, 4}, softmaxParams: tflmSize{4, 4},
		castParams: tflmSize{2, 1},

		opDataConv: 56, opDataPooling: 32, opDataFullyConnected: 48, softmaxOpData: 56,
		opDataQuantize: 32, opDataDequantize: 32,
	},
}

const (
	tflmAlign             = 16 // MicroArenaBufferAlignment()
	tflmMaxScratchPerOp   = 12 // kMaxScratchBuffersPerOp
	tflmPlannerPerBuffer  = 40 // GreedyMemoryPlanner::per_buffer_size()
	tflmIntArrayHeader    = 4  // TfLiteIntArray: int size, then int data[]
	tflmIntArrayAlignment = 4
)

// tflmSim is the state of a SingleArenaBufferAllocator over an arena whose
// start and end are 16-byte aligned, as offsets: head and temp from the
// start, tail from the end. need is the smallest arena size that every step
// so far fits in.
type tflmSim struct {
	head, temp, tail int
	need             int
	step, needStep   string // the current step; the one that set need
}

func tflmAlignUp(n, a int) int { return (n + a - 1) / a * a }

func (s *tflmSim) fits(n int) {
	if n > s.need {
		s.need, s.needStep = n, s.step
	}
}

// persistent is AllocatePersistentBuffer: it fails if the tail would reach
// the head (temp allocations are not checked).
func (s *tflmSim) persistent(sa tflmSize) {
	s.tail = tflmAlignUp(s.tail+sa.size, sa.align)
	s.fits(s.head + s.tail)
}

// tempAlloc is AllocateTemp: it fails if the temp section would reach the
// tail.
func (s *tflmSim) tempAlloc(sa tflmSize) {
	s.temp = tflmAlignUp(s.temp, sa.align) + sa.size
	s.fits(s.temp + s.tail)
}

// resize is ResizeBuffer of the head buffer (AllocateResizableBuffer,
// ReserveNonPersistentOverlayMemory): it also resets the temp section.
func (s *tflmSim) resize(size int) {
	s.head, s.temp = size, size
	s.fits(s.head + s.tail)
}

func (s *tflmSim) resetTemp() { s.temp = s.head }

// simulateTFLM replays TFLM's AllocateTensors for p (see the comment at the
// top of this file). variable marks variable tensors (nil: none).
func simulateTFLM(p *plan, variable []bool, target TFLMTarget) (TFLMArena, error) {
	l := tflmLayouts[target]
	if l == nil {
		return TFLMArena{}, fmt.Errorf("interp: unknown TFLM target %d", int(target))
	}
	isVariable := func(t int) bool { return variable != nil && variable[t] }
	var s tflmSim
	// tensorStruct is a TfLiteTensor filled from the flatbuffer by
	// InitializeTfLiteTensorFromFlatbuffer, with alloc the section it lives
	// in: quantization is allocated only if the tensor has both scales and
	// zero points.
	tensorStruct := func(t int, alloc func(tflmSize)) {
		alloc(l.tensor)
		if tt := &p.tensors[t]; len(tt.Scale) > 0 && len(tt.ZeroPoint) > 0 {
			alloc(l.affineQuantization)
			alloc(tflmSize{tflmIntArrayHeader + 4*len(tt.Scale), tflmIntArrayAlignment})
		}
	}
	// temp allocates temp TfLiteTensors for the given operator tensors,
	// skipping omitted ones (AllocateTempInputTensor returns nullptr).
	temp := func(n *node, inputs []int, outputs []int) {
		for _, k := range inputs {
			if k < len(n.inputs) && n.inputs[k] >= 0 {
				tensorStruct(n.inputs[k], s.tempAlloc)
			}
		}
		for _, k := range outputs {
			if k < len(n.outputs) {
				tensorStruct(n.outputs[k], s.tempAlloc)
			}
		}
	}
	opData := func(n int) { s.persistent(tflmSize{n, tflmAlign}) }
	perChannel := func(channels int) {
		opData(4 * channels) // per_channel_output_multiplier
		opData(4 * channels) // per_channel_output_shift
	}

	// 1. MicroAllocator::Create.
	s.step = "AllocateTensors"
	s.persistent(l.arenaAllocator)
	s.persistent(l.planner)
	s.persistent(l.microAllocator)

	// 2. StartModelAllocation.
	s.persistent(l.builtinDataAllocator)
	scratchHead := l.scratchRequest.size * tflmMaxScratchPerOp
	s.resize(scratchHead)
	s.persistent(l.subgraphAllocations)
	s.persistent(tflmSize{l.evalTensor.size * len(p.tensors), l.evalTensor.align})
	s.persistent(tflmSize{l.nodeAndRegistration.size * len(p.nodes), l.nodeAndRegistration.align})

	// 3. Builtin options.
	for i := range p.nodes {
		var opts tflmSize
		switch p.nodes[i].op {
		case tflite.OpConv2D:
			opts = l.convParams
		case tflite.OpDepthwiseConv2D:
			opts = l.depthwiseParams
		case tflite.OpMaxPool2D, tflite.OpAveragePool2D:
			opts = l.poolParams
		case tflite.OpFullyConnected:
			opts = l.fullyConnectedParams
		case tflite.OpReshape:
			opts = l.reshapeParams
		case tflite.OpSoftmax:
			opts = l.softmaxParams
		case tflite.OpCast:
			opts = l.castParams
		case tflite.OpQuantize, tflite.OpDequantize, tflite.OpExpandDims:
			continue // their parsers allocate nothing
		default:
			return TFLMArena{}, fmt.Errorf("interp: TFLM arena: operator %d (%s) not modelled", i, p.nodes[i].name)
		}
		s.persistent(opts)
	}

	// 4. Init: op data.
	for i := range p.nodes {
		switch p.nodes[i].op {
		case tflite.OpConv2D, tflite.OpDepthwiseConv2D:
			opData(l.opDataConv)
		case tflite.OpMaxPool2D, tflite.OpAveragePool2D:
			opData(l.opDataPooling)
		case tflite.OpFullyConnected:
			opData(l.opDataFullyConnected)
		case tflite.OpSoftmax:
			opData(l.softmaxOpData)
		case tflite.OpQuantize:
			opData(l.opDataQuantize)
		case tflite.OpDequantize:
			opData(l.opDataDequantize)
		}
	}

	// 5. Prepare, operator by operator.
	s.step = "operator prepare"
	for i := range p.nodes {
		n := &p.nodes[i]
		switch n.op {
		case tflite.OpConv2D, tflite.OpDepthwiseConv2D:
			// ConvPrepare / DepthwiseConvPrepare: output, input, filter;
			// the per-channel arrays; then CalculateOpData*: input,
			// filter, bias, output.
			temp(n, nil, []int{0})
			temp(n, []int{0, 1}, nil)
			if len(n.inputs) < 2 || n.inputs[1] < 0 {
				return TFLMArena{}, fmt.Errorf("interp: TFLM arena: operator %d (%s) has no filter", i, n.name)
			}
			shape := p.tensors[n.inputs[1]].Shape
			dim := 0 // kConvQuantizedDimension
			if n.op == tflite.OpDepthwiseConv2D {
				dim = 3 // kDepthwiseConvQuantizedDimension
			}
			if dim >= len(shape) {
				return TFLMArena{}, fmt.Errorf("interp: TFLM arena: operator %d (%s): filter shape %v", i, n.name, shape)
			}
			perChannel(shape[dim])
			temp(n, []int{0, 1, 2}, []int{0})
		case tflite.OpFullyConnected:
			temp(n, []int{0, 1, 2}, []int{0})
			in := p.tensors[n.inputs[0]].Type
			if in == tflite.Int8 || in == tflite.Int16 {
				if len(n.inputs) > 1 && n.inputs[1] >= 0 {
					if w := &p.tensors[n.inputs[1]]; len(w.Scale) > 1 {
						perChannel(len(w.Scale))
					}
				}
			}
		case tflite.OpExpandDims:
			temp(n, []int{0, 1}, []int{0})
		default: // pooling, RESHAPE, SOFTMAX, QUANTIZE, DEQUANTIZE, CAST
			temp(n, []int{0}, []int{0})
		}
		// FinishPrepareNodeAllocations.
		s.resetTemp()
		s.resize(scratchHead)
	}

	// 6. CommitStaticMemoryPlan.
	s.step = "memory planning"
	s.tempAlloc(l.ptr) // subgraph_offsets
	s.tempAlloc(tflmSize{l.allocationInfo.size * len(p.tensors), l.allocationInfo.align})
	buffers := 0
	for t := range p.tensors {
		switch {
		case isVariable(t):
			s.persistent(tflmSize{p.sizes[t], tflmAlign})
		case !p.tensors[t].constant && p.sizes[t] > 0:
			buffers++
		}
	}
	// The planner gets the temp section from a 16-aligned start to the
	// 16-aligned tail and must hold per_buffer_size() per buffer.
	s.fits(tflmAlignUp(s.temp, tflmAlign) + tflmPlannerPerBuffer*buffers + tflmAlignUp(s.tail, tflmAlign))
	s.resetTemp()
	s.resize(tflmPlan(p, isVariable))

	// 7. The input and output TfLiteTensors.
	s.step = "AllocateTensors"
	for _, list := range [][]int{p.inputs, p.outputs} {
		s.persistent(tflmSize{l.ptr.size * len(list), tflmAlign})
		for _, t := range list {
			tensorStruct(t, s.persistent)
		}
	}

	a := TFLMArena{Target: target, Activations: s.head, Persistent: s.tail, Used: s.head + s.tail}
	a.Bytes = tflmAlignUp(max(s.need, a.Used), tflmAlign)
	if a.Bytes > tflmAlignUp(a.Used, tflmAlign) {
		a.Peak = s.needStep
	}
	return a, nil
}

// tflmPlan is the size of TFLM's memory plan of p's activations. It is
// this package's greedy plan (planArena, the same algorithm as TFLM's
// GreedyMemoryPlanner) over TFLM's buffers: CreatePlan (micro_allocator.cc)
// rounds every buffer's size up to 16, so the plan can exceed ArenaBytes by
// up to 15 bytes when its topmost buffer's size is not a multiple of 16.
// Lifetimes are as AllocationInfoBuilder::MarkAllocationLifetimes
// (micro_allocation_info.cc) marks them: subgraph inputs from before the
// first operator, each operator's inputs and outputs at its step, subgraph
// outputs to the last step; a tensor no operator uses keeps lifetime -1
// and overlaps only other such tensors.
func tflmPlan(p *plan, isVariable func(int) bool) int {
	first := make([]int, len(p.tensors))
	last := make([]int, len(p.tensors))
	for i := range first {
		first[i], last[i] = -1, -1
	}
	create := func(t, scope int) {
		if first[t] < 0 {
			first[t] = scope
		}
	}
	scope := 0
	for _, t := range p.inputs {
		create(t, scope)
		last[t] = scope
	}
	for i := range p.nodes {
		scope++
		for _, t := range p.nodes[i].outputs {
			create(t, scope)
		}
		for _, t := range p.nodes[i].inputs {
			if t >= 0 {
				last[t] = scope
			}
		}
		for _, t := range p.nodes[i].outputs {
			last[t] = scope
		}
	}
	for _, t := range p.outputs {
		create(t, scope)
		last[t] = scope
	}
	var bufs []lifetime
	for t := range p.tensors {
		if p.tensors[t].constant || isVariable(t) || p.sizes[t] == 0 {
			continue
		}
		bufs = append(bufs, lifetime{tensor: t, size: tflmAlignUp(p.sizes[t], tflmAlign), first: first[t], last: last[t]})
	}
	return planArena(bufs)
}
