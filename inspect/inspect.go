// Package inspect describes any .tflite model as text or as a JSON
// document, like a text-only Netron: the header, every operator with its
// options, every tensor with its type, shape, constant bytes and
// quantization, parameter and byte totals, and the tensor arena mnistcnn's
// interpreter plans for it and the one TensorFlow Lite Micro needs, or why
// the interpreter cannot run it.
//
// It needs only that the file decodes: models the interpreter refuses (an
// LSTM, an operator without a kernel) are still described.
package inspect

import (
	"fmt"
	"strings"

	"github.com/mnistcnn/mnistcnn/eval"
	"github.com/mnistcnn/mnistcnn/tflite"
	"github.com/mnistcnn/mnistcnn/tflite/interp"
)

// Report is the description of one model. Its JSON keys are a contract.
type Report struct {
	File              string     `json:"file,omitempty"`
	SizeBytes         int64      `json:"size_bytes"`
	SchemaVersion     uint32     `json:"schema_version"`
	Description       string     `json:"description"`
	MinRuntimeVersion string     `json:"min_runtime_version,omitempty"`
	Metadata          []Metadata `json:"metadata"`
	Digest            string     `json:"digest,omitempty"`       // "ok" or "mismatch" for a model recording a digest (tflite.DigestName); absent otherwise
	DigestError       string     `json:"digest_error,omitempty"` // why, on a mismatch
	Subgraphs         []Subgraph `json:"subgraphs"`
	Params            int64      `json:"params"`         // elements of the constant tensors
	WeightParams      int64      `json:"weight_params"`  // of those, the ones feeding CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED
	MACs              int64      `json:"macs"`           // multiply-accumulates of one inference by those ops
	ConstantBytes     int64      `json:"constant_bytes"` // bytes of the constant tensors' data
	ArenaBytes        int        `json:"arena_bytes"`    // 0 when Unsupported is set
	Unsupported       string     `json:"unsupported,omitempty"`
	TFLM              *TFLMArena `json:"tflm_arena,omitempty"` // nil when Unsupported is set
}

// TFLMArena is the tensor arena TensorFlow Lite Micro needs for the model,
// as interp.TFLMArenaOf models TFLM's AllocateTensors (reference kernels).
// All zero but Error when the model is not one it models.
type TFLMArena struct {
	Bytes            int    `json:"bytes"`               // the arena to give TFLM: enough for a 64-bit host and a 32-bit Cortex-M build
	UsedBytes        int    `json:"used_bytes"`          // arena_used_bytes() on a 64-bit host
	ActivationBytes  int    `json:"activation_bytes"`    // of which TFLM's memory plan of the activations
	PersistentBytes  int    `json:"persistent_bytes"`    // and TFLM's tensors, nodes and op data
	CortexMBytes     int    `json:"cortex_m_bytes"`      // the arena for a 32-bit Cortex-M build
	CortexMUsedBytes int    `json:"cortex_m_used_bytes"` // arena_used_bytes() there
	Peak             string `json:"peak,omitempty"`      // the step of AllocateTensors that needs Bytes, when more than UsedBytes
	Error            string `json:"error,omitempty"`     // why it is not modelled
}

// Metadata is one metadata entry and the size of its buffer.
type Metadata struct {
	Name  string `json:"name"`
	Bytes int    `json:"bytes"`
}

// Subgraph is one graph of the model.
type Subgraph struct {
	Name      string     `json:"name"`
	Inputs    []int32    `json:"inputs"`
	Outputs   []int32    `json:"outputs"`
	Operators []Operator `json:"operators"`
	Tensors   []Tensor   `json:"tensors"`
}

// Operator is one operator: its builtin (or custom) name, version, tensor
// indices (-1: an omitted optional input) and options.
type Operator struct {
	Index   int     `json:"index"`
	Op      string  `json:"op"`
	Version int32   `json:"version"`
	Inputs  []int32 `json:"inputs"`
	Outputs []int32 `json:"outputs"`
	Options Options `json:"options"`
}

// Option is one operator option, e.g. {"padding", "VALID"}.
type Option struct{ Name, Value string }

// Options are an operator's options in a fixed order; as JSON an object.
type Options []Option

// Tensor is one tensor.
type Tensor struct {
	Index    int     `json:"index"`
	Name     string  `json:"name"`
	Type     string  `json:"type"`
	Shape    []int32 `json:"shape"`
	Buffer   uint32  `json:"buffer"`
	Bytes    int     `json:"bytes"` // constant data; 0 for activations
	Variable bool    `json:"variable,omitempty"`
	Quant    *Quant  `json:"quantization,omitempty"`
}

// Quant is a tensor's quantization: one scale and zero point per tensor, or
// one per channel along Axis.
type Quant struct {
	Scales     []float32 `json:"scales"`
	ZeroPoints []int64   `json:"zero_points"`
	Axis       int32     `json:"axis"`
}

// File reads and describes the model at path, a regular file of at most
// tflite.MaxFileBytes; errors name the file. A model whose digest does not
// match is described, with Digest "mismatch": see Bytes.
func File(path string) (*Report, error) {
	b, err := tflite.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("inspect: %w", err)
	}
	r, err := Bytes(b)
	if err != nil {
		return nil, fmt.Errorf("inspect: %s: %w", path, err)
	}
	r.File = path
	return r, nil
}

// Bytes describes a model held in memory, and checks the digest it
// records, if any (tflite.VerifyDigest): Digest is then "ok" or "mismatch",
// with the reason in DigestError.
func Bytes(b []byte) (*Report, error) {
	m, err := tflite.Decode(b)
	if err != nil {
		return nil, err
	}
	r := Describe(m)
	r.SizeBytes = int64(len(b))
	switch has, err := tflite.VerifyDigest(b, m); {
	case err != nil:
		r.Digest, r.DigestError = "mismatch", err.Error()
	case has:
		r.Digest = "ok"
	}
	return r, nil
}

// Describe describes a decoded model; SizeBytes is left 0.
func Describe(m *tflite.Model) *Report {
	r := &Report{SchemaVersion: m.Version, Description: m.Description, Metadata: []Metadata{}}
	if v, ok := m.MinRuntimeVersion(); ok {
		r.MinRuntimeVersion = v
	}
	for _, md := range m.Metadata {
		n := 0
		if int64(md.Buffer) < int64(len(m.Buffers)) {
			n = len(m.Buffers[md.Buffer].Data)
		}
		r.Metadata = append(r.Metadata, Metadata{md.Name, n})
	}
	counted := map[uint32]bool{} // buffers shared by tensors count once
	for si := range m.Subgraphs {
		sg := &m.Subgraphs[si]
		s := Subgraph{Name: sg.Name, Inputs: nonNil(sg.Inputs), Outputs: nonNil(sg.Outputs)}
		for ti := range sg.Tensors {
			t := describeTensor(m, si, ti)
			s.Tensors = append(s.Tensors, t)
			if t.Bytes > 0 && !counted[t.Buffer] {
				counted[t.Buffer] = true
				r.ConstantBytes += int64(t.Bytes)
				if n := sg.Tensors[ti].NumElements(); n > 0 {
					r.Params += int64(n)
				}
			}
		}
		for oi := range sg.Operators {
			op := &sg.Operators[oi]
			s.Operators = append(s.Operators, Operator{
				Index:   oi,
				Op:      opName(m, op),
				Version: opVersion(m, op),
				Inputs:  nonNil(op.Inputs),
				Outputs: nonNil(op.Outputs),
				Options: options(sg, op),
			})
		}
		r.Subgraphs = append(r.Subgraphs, s)
	}
	st := eval.StatsOf(m)
	r.WeightParams, r.MACs = st.Params, st.MACs
	r.ArenaBytes, r.Unsupported = arena(m)
	if r.Unsupported == "" {
		r.TFLM = tflmArena(m)
	}
	return r
}

// tflmArena is TFLM's arena for m, which the interpreter runs.
func tflmArena(m *tflite.Model) *TFLMArena {
	a, err := interp.TFLMArenaOf(m, interp.TFLM64)
	if err != nil {
		return &TFLMArena{Error: strings.TrimPrefix(err.Error(), "interp: TFLM arena: ")}
	}
	a32, err := interp.TFLMArenaOf(m, interp.TFLM32)
	if err != nil {
		return &TFLMArena{Error: strings.TrimPrefix(err.Error(), "interp: TFLM arena: ")}
	}
	return &TFLMArena{
		Bytes: a.Bytes, UsedBytes: a.Used, ActivationBytes: a.Activations, PersistentBytes: a.Persistent,
		CortexMBytes: a32.Bytes, CortexMUsedBytes: a32.Used, Peak: a.Peak,
	}
}

// arena is the interpreter's planned arena, or why it cannot run m.
func arena(m *tflite.Model) (bytes int, unsupported string) {
	defer func() {
		// The interpreter must not panic on a decoded model; if it does,
		// inspect still reports everything else.
		if p := recover(); p != nil {
			bytes, unsupported = 0, fmt.Sprintf("interpreter failed: %v", p)
		}
	}()
	it, err := interp.New(m)
	if err != nil {
		return 0, strings.TrimPrefix(err.Error(), "interp: ")
	}
	return it.ArenaBytes(), ""
}

func describeTensor(m *tflite.Model, si, ti int) Tensor {
	t := &m.Subgraphs[si].Tensors[ti]
	d := Tensor{
		Index:    ti,
		Name:     t.Name,
		Type:     t.Type.String(),
		Shape:    nonNil(t.Shape),
		Buffer:   t.Buffer,
		Bytes:    len(m.Data(si, ti)),
		Variable: t.IsVariable,
	}
	if q := t.Quant; q != nil && len(q.Scale) > 0 {
		d.Quant = &Quant{Scales: q.Scale, ZeroPoints: q.ZeroPoint, Axis: q.QuantizedDimension}
		if d.Quant.ZeroPoints == nil {
			d.Quant.ZeroPoints = []int64{}
		}
	}
	return d
}

func opName(m *tflite.Model, op *tflite.Operator) string {
	if int64(op.OpcodeIndex) >= int64(len(m.OperatorCodes)) {
		return fmt.Sprintf("opcode %d?", op.OpcodeIndex)
	}
	oc := m.OperatorCodes[op.OpcodeIndex]
	if oc.Builtin == tflite.OpCustom {
		return "CUSTOM " + oc.Custom
	}
	return oc.Builtin.String()
}

func opVersion(m *tflite.Model, op *tflite.Operator) int32 {
	if int64(op.OpcodeIndex) >= int64(len(m.OperatorCodes)) {
		return 0
	}
	return m.OperatorCodes[op.OpcodeIndex].Version
}

// options lists op's builtin options, and for convolutions the filter size
// read from the weights' shape (OHWI, or 1HWC for depthwise).
func options(sg *tflite.Subgraph, op *tflite.Operator) Options {
	o := Options{}
	add := func(name, format string, a ...any) { o = append(o, Option{name, fmt.Sprintf(format, a...)}) }
	filter := func() {
		if len(op.Inputs) > 1 && op.Inputs[1] >= 0 && int(op.Inputs[1]) < len(sg.Tensors) {
			if s := sg.Tensors[op.Inputs[1]].Shape; len(s) == 4 {
				add("filter", "%d×%d", s[1], s[2])
			}
		}
	}
	switch opt := op.Options.(type) {
	case *tflite.Conv2DOptions:
		filter()
		add("padding", "%s", padding(opt.Padding))
		add("stride", "%d×%d", opt.StrideH, opt.StrideW)
		if opt.DilationH != 1 || opt.DilationW != 1 {
			add("dilation", "%d×%d", opt.DilationH, opt.DilationW)
		}
		add("activation", "%s", activation(opt.Activation))
	case *tflite.DepthwiseConv2DOptions:
		filter()
		add("padding", "%s", padding(opt.Padding))
		add("stride", "%d×%d", opt.StrideH, opt.StrideW)
		if opt.DilationH != 1 || opt.DilationW != 1 {
			add("dilation", "%d×%d", opt.DilationH, opt.DilationW)
		}
		add("depth_multiplier", "%d", opt.DepthMultiplier)
		add("activation", "%s", activation(opt.Activation))
	case *tflite.Pool2DOptions:
		add("filter", "%d×%d", opt.FilterHeight, opt.FilterWidth)
		add("padding", "%s", padding(opt.Padding))
		add("stride", "%d×%d", opt.StrideH, opt.StrideW)
		add("activation", "%s", activation(opt.Activation))
	case *tflite.FullyConnectedOptions:
		add("activation", "%s", activation(opt.Activation))
		if opt.KeepNumDims {
			add("keep_num_dims", "true")
		}
	case *tflite.SoftmaxOptions:
		add("beta", "%g", opt.Beta)
	case *tflite.ReshapeOptions:
		if len(opt.NewShape) > 0 {
			add("new_shape", "%s", shape(opt.NewShape))
		}
	}
	return o
}

func padding(p tflite.Padding) string {
	switch p {
	case tflite.PaddingSame:
		return "SAME"
	case tflite.PaddingValid:
		return "VALID"
	}
	return fmt.Sprintf("Padding(%d)", p)
}

func activation(a tflite.Activation) string {
	switch a {
	case tflite.ActNone:
		return "NONE"
	case tflite.ActRelu:
		return "RELU"
	case tflite.ActReluN1To1:
		return "RELU_N1_TO_1"
	case tflite.ActRelu6:
		return "RELU6"
	case tflite.ActTanh:
		return "TANH"
	case tflite.ActSignBit:
		return "SIGN_BIT"
	}
	return fmt.Sprintf("Activation(%d)", a)
}

// shape formats dimensions as "[1, 28, 28, 1]".
func shape(s []int32) string {
	parts := make([]string, len(s))
	for i, d := range s {
		parts[i] = fmt.Sprint(d)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// nonNil makes an empty list print as [] in JSON.
func nonNil(v []int32) []int32 {
	if v == nil {
		return []int32{}
	}
	return v
}
