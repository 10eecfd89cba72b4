package convert

// The c-standalone format: a full-integer int8 model compiled to plain C,
// with no interpreter, no flatbuffer and no TensorFlow Lite Micro.
//
// `mnistcnn convert --format c-standalone --name NAME` (EmitCStandalone)
// writes four files, to be compiled together as C99 (two .c files):
//
//	NAME_model.h        the API (also usable from C++: extern "C")
//	NAME_model.c        the weights, biases and requantization constants as
//	                    static const arrays, one static activation buffer and
//	                    NAME_invoke, the call sequence
//	mnistcnn_kernels.h  the int8 kernels (copied from convert/cstandalone/,
//	mnistcnn_kernels.c  always these names, whatever NAME is)
//
// and with --test-data N also NAME_model_test_data.h (EmitTestDataSetC's form,
// arrays NAME_test_count, NAME_test_images, NAME_test_labels).
//
// The API, in NAME_model.h (NAME upper-cased for macros):
//
//	int NAME_invoke(const int8_t input[NAME_INPUT_SIZE], int8_t output[NAME_OUTPUT_SIZE]);
//	    returns 0 (−1 only for an AVERAGE_POOL_2D window wholly in the
//	    padding, which SAME and VALID geometry never gives); not reentrant
//	NAME_INPUT_SIZE, NAME_OUTPUT_SIZE      values (= bytes) of input and output
//	NAME_INPUT_RANK, NAME_INPUT_SHAPE      e.g. 4 and {1, 28, 28, 1}
//	NAME_INPUT_DIM0 … NAME_INPUT_DIM<r−1>  each dimension
//	NAME_INPUT_ZERO_POINT                  e.g. (-128); the scale is in a comment
//	NAME_OUTPUT_RANK, _SHAPE, _DIM<k>, _ZERO_POINT   the same for the output
//	NAME_ARENA_BYTES                       the static RAM of the activations
//
// NAME_invoke computes exactly what mnistcnn's int8 interpreter (and so
// TensorFlow Lite Micro's reference kernels) computes: the constants, the
// arena layout (tensor offsets in the one buffer) and the operator order
// are taken from the interpreter's prepared plan (interp.Interpreter.Plan),
// and the C kernels port TFLite's integer arithmetic
// (SaturatingRoundingDoublingHighMul, RoundingDivideByPOT,
// MultiplyByQuantizedMultiplier, gemmlowp's exp and reciprocal for
// SOFTMAX) with 64-bit intermediates. The C uses only <stdint.h> and
// <string.h>: no heap, no floating point, no I/O.
//
// Supported operators, on int8: CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED
// (per-tensor and per-channel weights), MAX_POOL_2D, AVERAGE_POOL_2D,
// RESHAPE, SOFTMAX, with fused NONE, RELU, RELU6 (and RELU_N1_TO_1) as
// clamps. Other operators are refused by name, float models as such.
//
// SOFTMAX computes its exps in C (gemmlowp's exp_on_negative_values)
// rather than from a table precomputed here: a 256-entry int32 table would
// cost 1 KiB of flash per SOFTMAX, more than the exp code, which all of
// them share, and a softmax over the ten classes is a negligible part of an
// inference. The port is tested against the Go code on every input
// difference.

import (
	"bytes"
	_ "embed"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/mnistcnn/mnistcnn/tflite"
	"github.com/mnistcnn/mnistcnn/tflite/interp"
)

// FormatCStandalone is the c-standalone format (EmitCStandalone).
const FormatCStandalone = "c-standalone"

// The kernels, written out next to every c-standalone model.
var (
	//go:embed cstandalone/mnistcnn_kernels.h
	kernelsH []byte
	//go:embed cstandalone/mnistcnn_kernels.c
	kernelsC []byte
)

// Names of the kernel files EmitCStandalone writes.
const (
	KernelsHeader = "mnistcnn_kernels.h"
	KernelsSource = "mnistcnn_kernels.c"
)

// standaloneOps are the operators c-standalone has a kernel for.
var standaloneOps = map[tflite.BuiltinOperator]bool{
	tflite.OpConv2D:          true,
	tflite.OpDepthwiseConv2D: true,
	tflite.OpFullyConnected:  true,
	tflite.OpMaxPool2D:       true,
	tflite.OpAveragePool2D:   true,
	tflite.OpReshape:         true,
	tflite.OpSoftmax:         true,
}

// EmitCStandalone compiles the int8 model m to C (see the top of this file):
// it returns NAME_model.h, NAME_model.c, mnistcnn_kernels.h and
// mnistcnn_kernels.c, in that order. The same model and name always give
// the same bytes.
func EmitCStandalone(name string, m *tflite.Model) ([]File, error) {
	if err := ValidCIdent(name); err != nil {
		return nil, err
	}
	if name[0] == '_' {
		return nil, fmt.Errorf("convert: c-standalone: name %q: its upper-case macros would be reserved identifiers (leading _ and a capital)", name)
	}
	if err := checkStandalone(m); err != nil {
		return nil, err
	}
	it, err := interp.New(m)
	if err != nil {
		return nil, fmt.Errorf("convert: c-standalone: %w", err)
	}
	g := &standaloneGen{name: name, macro: strings.ToUpper(name), plan: it.Plan()}
	if len(g.plan.Inputs) != 1 || len(g.plan.Outputs) != 1 {
		return nil, fmt.Errorf("convert: c-standalone: the model has %d inputs and %d outputs, want 1 and 1", len(g.plan.Inputs), len(g.plan.Outputs))
	}
	if g.plan.Tensors[g.plan.Inputs[0]].Bytes == 0 || g.plan.Tensors[g.plan.Outputs[0]].Bytes == 0 {
		return nil, errors.New("convert: c-standalone: the input or the output has no values")
	}
	src, err := g.source()
	if err != nil {
		return nil, err
	}
	hdr, err := g.header()
	if err != nil {
		return nil, err
	}
	return []File{
		{name + "_model.h", hdr},
		{name + "_model.c", src},
		{KernelsHeader, generatedCopy(kernelsH)},
		{KernelsSource, generatedCopy(kernelsC)},
	}, nil
}

// generatedCopy is a kernel file as written out: marked generated.
func generatedCopy(b []byte) []byte {
	return append([]byte(GeneratedHeader+"\n\n"), b...)
}

// checkStandalone refuses models c-standalone cannot compile before the
// interpreter sees them, naming every unsupported operator.
func checkStandalone(m *tflite.Model) error {
	if m == nil || len(m.Subgraphs) == 0 {
		return errors.New("convert: c-standalone: model has no subgraph")
	}
	sg := &m.Subgraphs[0]
	tensorType := func(i int32) (tflite.TensorType, bool) {
		if i < 0 || int(i) >= len(sg.Tensors) {
			return 0, false
		}
		return sg.Tensors[i].Type, true
	}
	var errs []error
	for i, op := range sg.Operators {
		if int(op.OpcodeIndex) >= len(m.OperatorCodes) {
			return fmt.Errorf("convert: c-standalone: operator %d: opcode index %d out of range", i, op.OpcodeIndex)
		}
		oc := m.OperatorCodes[op.OpcodeIndex]
		opName := oc.Builtin.String()
		if oc.Builtin == tflite.OpCustom {
			opName = fmt.Sprintf("CUSTOM %q", oc.Custom)
		}
		if !standaloneOps[oc.Builtin] {
			errs = append(errs, fmt.Errorf("convert: c-standalone: operator %d (%s) not supported", i, opName))
			continue
		}
		if len(op.Inputs) > 0 {
			if typ, ok := tensorType(op.Inputs[0]); ok && typ != tflite.Int8 {
				errs = append(errs, fmt.Errorf("convert: c-standalone: operator %d (%s) on %s not supported: only int8 kernels", i, opName, typ))
			}
		}
	}
	for _, io := range []struct {
		what string
		idx  []int32
	}{{"input", sg.Inputs}, {"output", sg.Outputs}} {
		for k, i := range io.idx {
			if typ, ok := tensorType(i); ok && typ != tflite.Int8 {
				// Reported first: a float model fails every operator too.
				return fmt.Errorf("convert: c-standalone: the model's %s %d is %s: only full-integer int8 models can be compiled (use the int8 model)", io.what, k, typ)
			}
		}
	}
	return errors.Join(errs...)
}

// standaloneGen writes one model's files.
type standaloneGen struct {
	name, macro string
	plan        *interp.Plan
	consts      []bool // tensors whose data NAME_model.c defines
	constBytes  int    // bytes of the const arrays
}

// tensorRef is a C expression for tensor t's data: a const array for a
// constant, else its place in the arena; NULL for an omitted input.
func (g *standaloneGen) tensorRef(t int, want tflite.TensorType) (string, error) {
	if t < 0 {
		return "NULL", nil
	}
	x := &g.plan.Tensors[t]
	if x.Type != want {
		return "", fmt.Errorf("tensor %d (%s) is %s, want %s", t, commentText(x.Name), x.Type, want)
	}
	if x.Constant {
		g.consts[t] = true
		return fmt.Sprintf("%s_t%d", g.name, t), nil
	}
	if want != tflite.Int8 {
		return "", fmt.Errorf("tensor %d (%s) is not constant", t, commentText(x.Name))
	}
	if x.Offset < 0 {
		return "", fmt.Errorf("tensor %d (%s) has no place in the arena", t, commentText(x.Name))
	}
	return fmt.Sprintf("%s_arena + %d", g.name, x.Offset), nil
}

func opInput(op *interp.PlanOperator, k int) int {
	if k < len(op.Inputs) {
		return op.Inputs[k]
	}
	return -1
}

// source writes NAME_model.c.
func (g *standaloneGen) source() ([]byte, error) {
	pl := g.plan
	g.consts = make([]bool, len(pl.Tensors))
	var ops, calls bytes.Buffer // the operators' constants and NAME_invoke's body
	in, out := pl.Inputs[0], pl.Outputs[0]
	inRef, err := g.tensorRef(in, tflite.Int8)
	if err != nil {
		return nil, fmt.Errorf("convert: c-standalone: input: %w", err)
	}
	if pl.Tensors[in].Constant {
		return nil, errors.New("convert: c-standalone: the input is a constant")
	}
	fmt.Fprintf(&calls, "  memcpy(%s, input, %s_INPUT_SIZE);\n", inRef, g.macro)
	for i := range pl.Operators {
		op := &pl.Operators[i]
		if err := g.operator(op, &ops, &calls); err != nil {
			return nil, fmt.Errorf("convert: c-standalone: operator %d (%s): %w", op.Index, op.Name, err)
		}
	}
	outRef, err := g.tensorRef(out, tflite.Int8)
	if err != nil {
		return nil, fmt.Errorf("convert: c-standalone: output: %w", err)
	}
	fmt.Fprintf(&calls, "  memcpy(output, %s, %s_OUTPUT_SIZE);\n  return 0;\n", outRef, g.macro)

	var s bytes.Buffer
	s.WriteString(GeneratedHeader + "\n//\n")
	fmt.Fprintf(&s, "// %s_invoke and its constants: see %s_model.h. Compile with mnistcnn_kernels.c.\n\n", g.name, g.name)
	fmt.Fprintf(&s, "#include \"%s_model.h\"\n\n#include <string.h>\n\n#include \"%s\"\n\n", g.name, KernelsHeader)
	// The constant tensors the operators use, in tensor order.
	for t, used := range g.consts {
		if !used {
			continue
		}
		if err := g.constArray(&s, &pl.Tensors[t]); err != nil {
			return nil, err
		}
	}
	s.Write(ops.Bytes())
	fmt.Fprintf(&s, "// The activations: every tensor at its offset in mnistcnn's arena plan;\n")
	fmt.Fprintf(&s, "// tensors whose lifetimes do not overlap share bytes.\n")
	fmt.Fprintf(&s, "static int8_t %s_arena[%s_ARENA_BYTES];\n\n", g.name, g.macro)
	fmt.Fprintf(&s, "int %s_invoke(const int8_t input[%s_INPUT_SIZE], int8_t output[%s_OUTPUT_SIZE]) {\n", g.name, g.macro, g.macro)
	s.Write(calls.Bytes())
	s.WriteString("}\n")
	return s.Bytes(), nil
}

// constArray defines a constant tensor's data.
func (g *standaloneGen) constArray(s *bytes.Buffer, x *interp.PlanTensor) error {
	fmt.Fprintf(s, "// Tensor %d %q: %s %s\n", x.Index, commentText(x.Name), x.Type, dimsString(x.Shape))
	switch x.Type {
	case tflite.Int8:
		v := make([]int64, len(x.Data))
		for i, c := range x.Data {
			v[i] = int64(int8(c))
		}
		writeCArray(s, "int8_t", fmt.Sprintf("%s_t%d", g.name, x.Index), v, 24)
		g.constBytes += len(v)
	case tflite.Int32:
		v := make([]int64, len(x.Data)/4)
		for i := range v {
			v[i] = int64(int32(binary.LittleEndian.Uint32(x.Data[4*i:])))
		}
		writeCArray(s, "int32_t", fmt.Sprintf("%s_t%d", g.name, x.Index), v, 8)
		g.constBytes += 4 * len(v)
	default:
		return fmt.Errorf("convert: c-standalone: constant tensor %d (%s) of type %s not supported", x.Index, commentText(x.Name), x.Type)
	}
	return nil
}

// writeCArray defines static const typ name[len(v)], perLine values a line.
// C has no empty arrays: an empty v gets one 0.
func writeCArray(s *bytes.Buffer, typ, name string, v []int64, perLine int) {
	fmt.Fprintf(s, "static const %s %s[%d] = {\n", typ, name, max(len(v), 1))
	if len(v) == 0 {
		v = []int64{0}
	}
	for i := 0; i < len(v); i += perLine {
		line := v[i:min(i+perLine, len(v))]
		s.WriteString(" ")
		for _, x := range line {
			fmt.Fprintf(s, " %d,", x)
		}
		s.WriteByte('\n')
	}
	s.WriteString("};\n")
}

func widen32(v []int32) []int64 {
	out := make([]int64, len(v))
	for i, x := range v {
		out[i] = int64(x)
	}
	return out
}

// operator writes one operator's constants into ops and its call into calls.
func (g *standaloneGen) operator(op *interp.PlanOperator, ops, calls *bytes.Buffer) error {
	pl := g.plan
	x, y := op.Inputs[0], op.Outputs[0]
	xRef, err := g.tensorRef(x, tflite.Int8)
	if err != nil {
		return err
	}
	yRef, err := g.tensorRef(y, tflite.Int8)
	if err != nil {
		return err
	}
	if pl.Tensors[y].Constant {
		return errors.New("the output is a constant")
	}
	sym := fmt.Sprintf("%s_op%d", g.name, op.Index)
	fmt.Fprintf(calls, "  // %d %s: tensor %d %q -> tensor %d %q\n", op.Index, op.Name,
		x, commentText(pl.Tensors[x].Name), y, commentText(pl.Tensors[y].Name))
	field := func(name string, v any) { fmt.Fprintf(ops, "  .%s = %v,\n", name, v) }
	begin := func(typ string) {
		fmt.Fprintf(ops, "// Operator %d: %s\nstatic const %s %s = {\n", op.Index, op.Name, typ, sym)
	}
	requant := func(mult, shift []int32) {
		fmt.Fprintf(ops, "// Operator %d: %s, the requantization of each output channel\n", op.Index, op.Name)
		writeCArray(ops, "int32_t", sym+"_multiplier", widen32(mult), 8)
		writeCArray(ops, "int32_t", sym+"_shift", widen32(shift), 16)
		g.constBytes += 8 * len(mult)
	}
	switch {
	case op.Conv != nil && (op.Op == tflite.OpConv2D || op.Op == tflite.OpDepthwiseConv2D):
		c := op.Conv
		p := &c.Params
		filter, err := g.tensorRef(opInput(op, 1), tflite.Int8)
		if err != nil {
			return fmt.Errorf("filter: %w", err)
		}
		bias, err := g.tensorRef(opInput(op, 2), tflite.Int32)
		if err != nil {
			return fmt.Errorf("bias: %w", err)
		}
		if len(p.OutMultiplier) != c.Output.C || len(p.OutShift) != c.Output.C {
			return fmt.Errorf("%d multipliers for %d channels", len(p.OutMultiplier), c.Output.C)
		}
		requant(p.OutMultiplier, p.OutShift)
		begin("mnistcnn_conv_params")
		field("batches", c.Input.N)
		field("input_h", c.Input.H)
		field("input_w", c.Input.W)
		field("input_c", c.Input.C)
		field("filter_h", c.Filter.H)
		field("filter_w", c.Filter.W)
		field("output_h", c.Output.H)
		field("output_w", c.Output.W)
		field("output_c", c.Output.C)
		field("stride_h", p.StrideH)
		field("stride_w", p.StrideW)
		field("dilation_h", p.DilationH)
		field("dilation_w", p.DilationW)
		field("pad_h", p.Padding.Height)
		field("pad_w", p.Padding.Width)
		field("depth_multiplier", p.DepthMultiplier)
		field("input_offset", p.InputOffset)
		field("output_offset", p.OutputOffset)
		field("act_min", p.QuantMin)
		field("act_max", p.QuantMax)
		field("filter", filter)
		field("bias", bias)
		field("multiplier", sym+"_multiplier")
		field("shift", sym+"_shift")
		ops.WriteString("};\n\n")
		kernel := "mnistcnn_conv_s8"
		if op.Op == tflite.OpDepthwiseConv2D {
			kernel = "mnistcnn_depthwise_conv_s8"
		}
		fmt.Fprintf(calls, "  %s(&%s, %s, %s);\n", kernel, sym, xRef, yRef)
	case op.FullyConnected != nil:
		f := op.FullyConnected
		p := &f.Params
		weights, err := g.tensorRef(opInput(op, 1), tflite.Int8)
		if err != nil {
			return fmt.Errorf("weights: %w", err)
		}
		bias, err := g.tensorRef(opInput(op, 2), tflite.Int32)
		if err != nil {
			return fmt.Errorf("bias: %w", err)
		}
		perChannel := len(p.OutMultiplier) > 1 // as kernels.FullyConnectedInt8
		if n := len(p.OutMultiplier); n == 0 || perChannel && n != f.OutDepth || len(p.OutShift) != n {
			return fmt.Errorf("%d multipliers for %d outputs", n, f.OutDepth)
		}
		requant(p.OutMultiplier, p.OutShift)
		begin("mnistcnn_fully_connected_params")
		field("batches", f.Batches)
		field("accum_depth", f.AccumDepth)
		field("output_depth", f.OutDepth)
		field("input_offset", p.InputOffset)
		field("weights_offset", p.WeightsOffset)
		field("output_offset", p.OutputOffset)
		field("act_min", p.QuantMin)
		field("act_max", p.QuantMax)
		field("per_channel", cBool(perChannel))
		field("weights", weights)
		field("bias", bias)
		field("multiplier", sym+"_multiplier")
		field("shift", sym+"_shift")
		ops.WriteString("};\n\n")
		fmt.Fprintf(calls, "  mnistcnn_fully_connected_s8(&%s, %s, %s);\n", sym, xRef, yRef)
	case op.Pool != nil && (op.Op == tflite.OpMaxPool2D || op.Op == tflite.OpAveragePool2D):
		q := op.Pool
		p := &q.Params
		begin("mnistcnn_pool_params")
		field("batches", q.Input.N)
		field("input_h", q.Input.H)
		field("input_w", q.Input.W)
		field("channels", q.Input.C)
		field("output_h", q.Output.H)
		field("output_w", q.Output.W)
		field("filter_h", p.FilterH)
		field("filter_w", p.FilterW)
		field("stride_h", p.StrideH)
		field("stride_w", p.StrideW)
		field("pad_h", p.Padding.Height)
		field("pad_w", p.Padding.Width)
		field("act_min", p.QuantMin)
		field("act_max", p.QuantMax)
		ops.WriteString("};\n\n")
		if op.Op == tflite.OpMaxPool2D {
			fmt.Fprintf(calls, "  mnistcnn_max_pool_s8(&%s, %s, %s);\n", sym, xRef, yRef)
		} else {
			fmt.Fprintf(calls, "  if (mnistcnn_average_pool_s8(&%s, %s, %s) != 0) return -1;\n", sym, xRef, yRef)
		}
	case op.Softmax != nil:
		q := op.Softmax
		p := &q.Params
		begin("mnistcnn_softmax_params")
		field("rows", q.Rows)
		field("depth", q.Depth)
		field("input_multiplier", p.InputMultiplier)
		field("input_left_shift", p.InputLeftShift)
		field("diff_min", p.DiffMin)
		ops.WriteString("};\n\n")
		fmt.Fprintf(calls, "  mnistcnn_softmax_s8(&%s, %s, %s);\n", sym, xRef, yRef)
	case op.Op == tflite.OpReshape:
		// The planner never lets an operator's input and output overlap.
		fmt.Fprintf(calls, "  memcpy(%s, %s, %d);\n", yRef, xRef, pl.Tensors[y].Bytes)
	default:
		return errors.New("not supported") // checkStandalone lets no other through
	}
	return nil
}

func cBool(b bool) int {
	if b {
		return 1
	}
	return 0
}

func dimsString(s []int) string {
	p := make([]string, len(s))
	for i, d := range s {
		p[i] = fmt.Sprint(d)
	}
	return "[" + strings.Join(p, ", ") + "]"
}

// header writes NAME_model.h.
func (g *standaloneGen) header() ([]byte, error) {
	guard, err := headerGuard(g.name + "_model.h")
	if err != nil {
		return nil, err
	}
	pl := g.plan
	in, out := &pl.Tensors[pl.Inputs[0]], &pl.Tensors[pl.Outputs[0]]
	var h bytes.Buffer
	c := func(format string, args ...any) {
		h.WriteString(strings.TrimRight("// "+fmt.Sprintf(format, args...), " ") + "\n")
	}
	h.WriteString(GeneratedHeader + "\n//\n")
	c("%s: a TensorFlow Lite int8 model compiled to C by mnistcnn (convert --format c-standalone).", g.name)
	c("%s_invoke computes exactly what mnistcnn's int8 interpreter and TensorFlow Lite Micro's", g.name)
	c("reference kernels compute, with no interpreter: C99, no heap, no floating point.")
	c("")
	quant := func(x *interp.PlanTensor) string {
		if len(x.Scale) == 0 || len(x.ZeroPoint) == 0 {
			return "not quantized"
		}
		return fmt.Sprintf("scale %s, zero point %d: real = %s * (q - (%d))",
			formatFloat(x.Scale[0]), x.ZeroPoint[0], formatFloat(x.Scale[0]), x.ZeroPoint[0])
	}
	c("Input  %q: INT8 %s, %s", commentText(in.Name), dimsString(in.Shape), quant(in))
	if len(in.Scale) > 0 && len(in.ZeroPoint) > 0 {
		c("  from a real value r: q = clamp(round(r / %s) + (%d), -128, 127)", formatFloat(in.Scale[0]), in.ZeroPoint[0])
		if in.ZeroPoint[0] == -128 && math.Abs(float64(in.Scale[0])*255-1) < 1e-6 {
			c("  (the scale is 1/255: an 8-bit pixel p in 0..255, r = p/255, is q = p - 128)")
		}
	}
	c("Output %q: INT8 %s, %s", commentText(out.Name), dimsString(out.Shape), quant(out))
	names := make([]string, len(pl.Operators))
	for i, op := range pl.Operators {
		names[i] = op.Name
	}
	c("Operators (%d): %s", len(names), strings.Join(names, ", "))
	c("Memory: %d bytes of static RAM for the activations (%s_ARENA_BYTES, one buffer", pl.ArenaBytes, g.macro)
	c("laid out by mnistcnn's arena planner) and %d bytes of const arrays (weights, biases,", g.constBytes)
	c("requantization constants); nothing on the heap, and some 500 bytes of stack at most")
	c("(the deepest kernel's frames on a Cortex-M4 with gcc).")
	c("")
	c("Files: %s_model.h, %s_model.c, %s and %s; compile both .c files", g.name, g.name, KernelsHeader, KernelsSource)
	c("(C99 or later; C++ code can call %s_invoke too). Usage:", g.name)
	c("")
	c("  #include \"%s_model.h\"", g.name)
	c("")
	c("  int8_t in[%s_INPUT_SIZE], out[%s_OUTPUT_SIZE];", g.macro, g.macro)
	c("  // ... fill in[] with the quantized input, row-major (NHWC) ...")
	c("  %s_invoke(in, out);", g.name)
	c("  // ... out[k] is output value k, quantized as above ...")
	c("")
	c("%s_invoke is not reentrant (the activations are one static buffer): call it from one", g.name)
	c("thread at a time. It returns 0.")
	fmt.Fprintf(&h, "\n#ifndef %[1]s\n#define %[1]s\n\n#include <stdint.h>\n\n", guard)
	shapeMacros := func(kind string, x *interp.PlanTensor) {
		p := g.macro + "_" + kind
		fmt.Fprintf(&h, "#define %s_SIZE %d\n", p, x.Bytes)
		fmt.Fprintf(&h, "#define %s_RANK %d\n", p, len(x.Shape))
		fmt.Fprintf(&h, "#define %s_SHAPE {%s}\n", p, strings.Trim(dimsString(x.Shape), "[]"))
		for k, d := range x.Shape {
			fmt.Fprintf(&h, "#define %s_DIM%d %d\n", p, k, d)
		}
		zp := int64(0)
		if len(x.ZeroPoint) > 0 {
			zp = x.ZeroPoint[0]
		}
		fmt.Fprintf(&h, "#define %s_ZERO_POINT (%d)\n\n", p, zp)
	}
	h.WriteString("// The input: int8 values, row-major.\n")
	shapeMacros("INPUT", in)
	h.WriteString("// The output: int8 values, row-major.\n")
	shapeMacros("OUTPUT", out)
	fmt.Fprintf(&h, "// Static RAM the activations take, in bytes.\n#define %s_ARENA_BYTES %d\n\n", g.macro, pl.ArenaBytes)
	fmt.Fprintf(&h, `#ifdef __cplusplus
extern "C" {
#endif

// Runs the model on input and writes output; returns 0.
int %s_invoke(const int8_t input[%s_INPUT_SIZE], int8_t output[%s_OUTPUT_SIZE]);

#ifdef __cplusplus
}  // extern "C"
#endif

#endif  // %s
`, g.name, g.macro, g.macro, guard)
	return h.Bytes(), nil
}

// emitCStandaloneAll is Build's c-standalone output: the files of the int8
// model (c-standalone compiles int8 models only, so a float model built
// alongside is skipped) and, with test data, NAME_model_test_data.h.
func emitCStandaloneAll(built []Built, opt Options) ([]File, error) {
	for _, b := range built {
		if b.Kind != KindInt8 {
			continue
		}
		files, err := EmitCStandalone(opt.Name, b.Model)
		if err != nil {
			return nil, err
		}
		if opt.TestData.N > 0 {
			info, err := InfoOf(b.Model)
			if err != nil {
				return nil, err
			}
			td, err := EmitTestDataSetC(opt.Name+"_test", opt.TestData, info.classes(), info.Inputs[0])
			if err != nil {
				return nil, err
			}
			files = append(files, File{opt.Name + "_model_test_data.h", td})
		}
		return files, nil
	}
	return nil, errors.New("convert: c-standalone is written from the int8 model: build it too (--model int8)")
}
