package tflite

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// schemaBlock returns the lines between "<header> {" and the closing "}" of
// testdata/schema.fbs, without comments and blank lines.
func schemaBlock(t *testing.T, header string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "schema.fbs"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	i := strings.Index(s, "\n"+header)
	if i < 0 {
		t.Fatalf("schema.fbs has no %q", header)
	}
	s = s[i+1:]
	s = s[strings.Index(s, "{")+1:]
	s = s[:strings.Index(s, "}")]
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		if j := strings.Index(l, "//"); j >= 0 {
			l = l[:j]
		}
		if l = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(l), ",")); l != "" {
			lines = append(lines, l)
		}
	}
	return lines
}

var enumLine = regexp.MustCompile(`^(\w+)\s*=\s*(-?\d+)$`)

// schemaEnum parses "NAME = value" lines.
func schemaEnum(t *testing.T, header string) map[string]int {
	t.Helper()
	m := map[string]int{}
	for _, l := range schemaBlock(t, header) {
		g := enumLine.FindStringSubmatch(l)
		if g == nil {
			t.Fatalf("%s: cannot parse %q", header, l)
		}
		m[g[1]], _ = strconv.Atoi(g[2])
	}
	return m
}

func TestBuiltinOperatorsMatchSchema(t *testing.T) {
	schema := schemaEnum(t, "enum BuiltinOperator")
	if len(schema) != len(builtinNames) {
		t.Errorf("schema has %d operators, builtinNames %d", len(schema), len(builtinNames))
	}
	for name, code := range schema {
		if got := BuiltinOperator(code).String(); got != name {
			t.Errorf("BuiltinOperator(%d).String() = %q, schema says %q", code, got, name)
		}
	}
	consts := map[BuiltinOperator]string{
		OpAdd: "ADD", OpAveragePool2D: "AVERAGE_POOL_2D", OpConcatenation: "CONCATENATION",
		OpConv2D: "CONV_2D", OpDepthwiseConv2D: "DEPTHWISE_CONV_2D", OpDequantize: "DEQUANTIZE",
		OpFullyConnected: "FULLY_CONNECTED", OpLogistic: "LOGISTIC", OpMaxPool2D: "MAX_POOL_2D",
		OpMul: "MUL", OpRelu: "RELU", OpRelu6: "RELU6", OpReshape: "RESHAPE", OpSoftmax: "SOFTMAX",
		OpTanh: "TANH", OpCustom: "CUSTOM", OpPad: "PAD", OpMean: "MEAN", OpSqueeze: "SQUEEZE",
		OpStridedSlice: "STRIDED_SLICE", OpUnidirectionalSequenceLSTM: "UNIDIRECTIONAL_SEQUENCE_LSTM",
		OpCast: "CAST", OpExpandDims: "EXPAND_DIMS", OpQuantize: "QUANTIZE",
	}
	for op, name := range consts {
		if code, ok := schema[name]; !ok || BuiltinOperator(code) != op {
			t.Errorf("constant for %s is %d, schema says %d", name, int32(op), code)
		}
	}
	if got := BuiltinOperator(210).String(); got != "BuiltinOperator(210)" {
		t.Errorf("unknown operator prints %q", got)
	}
}

func TestOptionsTagsMatchSchema(t *testing.T) {
	tags := map[string]int{}
	for i, l := range schemaBlock(t, "union BuiltinOptions ") {
		tags[l] = i + 1 // NONE is 0
	}
	for name, tag := range map[string]BuiltinOptionsType{
		"Conv2DOptions": OptionsConv2D, "DepthwiseConv2DOptions": OptionsDepthwiseConv2D,
		"Pool2DOptions": OptionsPool2D, "FullyConnectedOptions": OptionsFullyConnected,
		"SoftmaxOptions": OptionsSoftmax, "ReshapeOptions": OptionsReshape,
		"DequantizeOptions": OptionsDequantize, "QuantizeOptions": OptionsQuantize,
	} {
		if tags[name] != int(tag) {
			t.Errorf("%s: constant %d, schema %d", name, tag, tags[name])
		}
	}
}

func TestSmallEnumsMatchSchema(t *testing.T) {
	types := schemaEnum(t, "enum TensorType")
	for typ, name := range tensorTypeNames {
		if v, ok := types[name]; !ok || v != int(typ) {
			t.Errorf("TensorType %s: constant %d, schema %d", name, typ, v)
		}
	}
	if len(types) != len(tensorTypeNames) {
		t.Errorf("schema has %d tensor types, tensorTypeNames %d", len(types), len(tensorTypeNames))
	}
	acts := schemaEnum(t, "enum ActivationFunctionType")
	for a, name := range map[Activation]string{ActNone: "NONE", ActRelu: "RELU", ActReluN1To1: "RELU_N1_TO_1",
		ActRelu6: "RELU6", ActTanh: "TANH", ActSignBit: "SIGN_BIT"} {
		if acts[name] != int(a) {
			t.Errorf("activation %s: constant %d, schema %d", name, a, acts[name])
		}
	}
	// enum Padding : byte { SAME, VALID } counts from 0.
	if p := schemaBlock(t, "enum Padding"); len(p) != 1 || p[0] != "SAME, VALID" || PaddingSame != 0 || PaddingValid != 1 {
		t.Errorf("Padding: schema %q", p)
	}
}
