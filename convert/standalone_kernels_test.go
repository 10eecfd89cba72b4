package convert

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/mnistcnn/mnistcnn/tflite"
	"github.com/mnistcnn/mnistcnn/tflite/interp"
	"github.com/mnistcnn/mnistcnn/tflite/kernels"
)

// saBuilder makes small full-integer models for the kernel tests: one
// subgraph, buffer 0 empty, one buffer per constant, weights and biases from
// a fixed-seed generator.
type saBuilder struct {
	m tflite.Model
	r uint64
}

func newSABuilder() *saBuilder {
	return &saBuilder{r: 0x2545f4914f6cdd1d, m: tflite.Model{
		Version: 3, Buffers: []tflite.Buffer{{}}, Subgraphs: []tflite.Subgraph{{}},
	}}
}

func (b *saBuilder) next() uint64 { // xorshift64
	b.r ^= b.r << 13
	b.r ^= b.r >> 7
	b.r ^= b.r << 17
	return b.r
}

func (b *saBuilder) sg() *tflite.Subgraph { return &b.m.Subgraphs[0] }

func (b *saBuilder) tensor(name string, typ tflite.TensorType, shape []int32, data []byte, q *tflite.Quantization) int32 {
	t := tflite.Tensor{Name: name, Type: typ, Shape: shape, Quant: q}
	if data != nil {
		b.m.Buffers = append(b.m.Buffers, tflite.Buffer{Data: data})
		t.Buffer = uint32(len(b.m.Buffers) - 1)
	}
	b.sg().Tensors = append(b.sg().Tensors, t)
	return int32(len(b.sg().Tensors) - 1)
}

// act adds an int8 activation.
func (b *saBuilder) act(name string, shape []int32, scale float32, zp int64) int32 {
	return b.tensor(name, tflite.Int8, shape, nil, &tflite.Quantization{Scale: []float32{scale}, ZeroPoint: []int64{zp}})
}

// weights adds constant int8 weights in [−127, 127] with the given scales
// (one, or one per channel along dim) and zero point zp.
func (b *saBuilder) weights(name string, shape []int32, scales []float32, dim int32, zp int64) int32 {
	n := 1
	for _, d := range shape {
		n *= int(d)
	}
	data := make([]byte, n)
	for i := range data {
		data[i] = byte(int8(b.next()%255) - 127)
	}
	q := &tflite.Quantization{Scale: scales, ZeroPoint: make([]int64, len(scales)), QuantizedDimension: dim}
	for i := range q.ZeroPoint {
		q.ZeroPoint[i] = zp
	}
	return b.tensor(name, tflite.Int8, shape, data, q)
}

// bias adds n constant int32 values in [−r, r].
func (b *saBuilder) bias(name string, n int, r int64) int32 {
	data := make([]byte, 4*n)
	for i := 0; i < n; i++ {
		binary.LittleEndian.PutUint32(data[4*i:], uint32(int32(int64(b.next()%uint64(2*r+1))-r)))
	}
	return b.tensor(name, tflite.Int32, []int32{int32(n)}, data, nil)
}

// scales are n per-channel scales spread around s.
func (b *saBuilder) scales(n int, s float32) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = s * (0.5 + float32(b.next()%1000)/1000)
	}
	return v
}

func (b *saBuilder) op(code tflite.BuiltinOperator, opts tflite.Options, in, out []int32) {
	idx := -1
	for i, c := range b.m.OperatorCodes {
		if c.Builtin == code {
			idx = i
		}
	}
	if idx < 0 {
		b.m.OperatorCodes = append(b.m.OperatorCodes, tflite.OperatorCode{Builtin: code, Version: 1})
		idx = len(b.m.OperatorCodes) - 1
	}
	b.sg().Operators = append(b.sg().Operators, tflite.Operator{OpcodeIndex: uint32(idx), Inputs: in, Outputs: out, Options: opts})
}

func (b *saBuilder) io(in, out int32) { b.sg().Inputs, b.sg().Outputs = []int32{in}, []int32{out} }

// standaloneOutScale is an output scale that spreads an accumulator of taps
// products of in·w over the int8 range.
func standaloneOutScale(in, w float32, taps int) float32 {
	return in * w * float32(math.Sqrt(float64(taps))) * 60
}

type saConvCase struct {
	name              string
	n, h, w, c        int32 // input
	outC              int32 // depthwise: c · mult
	kh, kw            int32
	pad               tflite.Padding
	sh, sw, dh, dw    int32
	act               tflite.Activation
	inZP, outZP       int64
	noBias, depthwise bool
	mult              int32
	gain              float32 // output scale divided by this: > 1 for left shifts
}

func (cc saConvCase) model() *tflite.Model {
	b := newSABuilder()
	const inS = 0.02
	x := b.act("x", []int32{cc.n, cc.h, cc.w, cc.c}, inS, cc.inZP)
	var w int32
	taps := int(cc.kh * cc.kw * cc.c)
	if cc.depthwise {
		taps = int(cc.kh * cc.kw)
		w = b.weights("w", []int32{1, cc.kh, cc.kw, cc.outC}, b.scales(int(cc.outC), 0.01), 3, 0)
	} else {
		w = b.weights("w", []int32{cc.outC, cc.kh, cc.kw, cc.c}, b.scales(int(cc.outC), 0.01), 0, 0)
	}
	bias := int32(-1)
	if !cc.noBias {
		bias = b.bias("b", int(cc.outC), 20000)
	}
	oh := kernels.OutputSize(cc.pad, int(cc.h), int(cc.kh), int(cc.sh), int(cc.dh))
	ow := kernels.OutputSize(cc.pad, int(cc.w), int(cc.kw), int(cc.sw), int(cc.dw))
	gain := cc.gain
	if gain == 0 {
		gain = 1
	}
	y := b.act("y", []int32{cc.n, int32(oh), int32(ow), cc.outC}, standaloneOutScale(inS, 0.01, taps)/gain, cc.outZP)
	if cc.depthwise {
		b.op(tflite.OpDepthwiseConv2D, &tflite.DepthwiseConv2DOptions{Padding: cc.pad, StrideW: cc.sw, StrideH: cc.sh,
			DilationW: cc.dw, DilationH: cc.dh, DepthMultiplier: cc.mult, Activation: cc.act}, []int32{x, w, bias}, []int32{y})
	} else {
		b.op(tflite.OpConv2D, &tflite.Conv2DOptions{Padding: cc.pad, StrideW: cc.sw, StrideH: cc.sh,
			DilationW: cc.dw, DilationH: cc.dh, Activation: cc.act}, []int32{x, w, bias}, []int32{y})
	}
	b.io(x, y)
	return &b.m
}

var (
	padSame  = tflite.PaddingSame
	padValid = tflite.PaddingValid
)

var saConvCases = []saConvCase{
	{name: "conv_c1_valid", n: 1, h: 9, w: 8, c: 1, outC: 3, kh: 3, kw: 3, pad: padValid, sh: 1, sw: 1, dh: 1, dw: 1, act: tflite.ActNone, inZP: -128, outZP: 127},
	{name: "conv_c3_same_stride2", n: 1, h: 11, w: 10, c: 3, outC: 7, kh: 5, kw: 3, pad: padSame, sh: 2, sw: 2, dh: 1, dw: 1, act: tflite.ActRelu, inZP: 127, outZP: -128},
	{name: "conv_c7_dilation2", n: 1, h: 12, w: 9, c: 7, outC: 17, kh: 3, kw: 3, pad: padSame, sh: 1, sw: 1, dh: 2, dw: 2, act: tflite.ActRelu6, inZP: 0, outZP: -5, noBias: true},
	{name: "conv_c17_batch2", n: 2, h: 7, w: 6, c: 17, outC: 1, kh: 2, kw: 2, pad: padSame, sh: 2, sw: 1, dh: 1, dw: 2, act: tflite.ActNone, inZP: -128, outZP: 3},
	{name: "conv_left_shift", n: 1, h: 6, w: 6, c: 3, outC: 5, kh: 3, kw: 3, pad: padValid, sh: 1, sw: 2, dh: 1, dw: 1, act: tflite.ActReluN1To1, inZP: 5, outZP: 0, gain: 400},
	{name: "conv_1x1", n: 1, h: 5, w: 5, c: 17, outC: 7, kh: 1, kw: 1, pad: padSame, sh: 1, sw: 1, dh: 1, dw: 1, act: tflite.ActRelu6, inZP: -128, outZP: -128},
	{name: "depthwise_m2_stride2", n: 1, h: 10, w: 11, c: 3, outC: 6, mult: 2, depthwise: true, kh: 3, kw: 3, pad: padSame, sh: 2, sw: 2, dh: 1, dw: 1, act: tflite.ActRelu6, inZP: -128, outZP: -128},
	{name: "depthwise_c7_dilation2", n: 1, h: 9, w: 9, c: 7, outC: 7, mult: 1, depthwise: true, kh: 3, kw: 2, pad: padSame, sh: 1, sw: 1, dh: 2, dw: 2, act: tflite.ActNone, inZP: 127, outZP: 127},
	{name: "depthwise_c1_m17", n: 1, h: 8, w: 7, c: 1, outC: 17, mult: 17, depthwise: true, kh: 3, kw: 3, pad: padSame, sh: 2, sw: 1, dh: 1, dw: 1, act: tflite.ActRelu, inZP: -1, outZP: -128, noBias: true},
	{name: "depthwise_c17_valid_batch2", n: 2, h: 6, w: 5, c: 17, outC: 17, mult: 1, depthwise: true, kh: 2, kw: 3, pad: padValid, sh: 1, sw: 2, dh: 1, dw: 1, act: tflite.ActNone, inZP: -128, outZP: 10, gain: 50},
}

type saFCCase struct {
	name             string
	batches, in, out int32
	perChannel       bool
	weightsZP        int64
	act              tflite.Activation
	inZP, outZP      int64
	noBias           bool
}

var saFCCases = []saFCCase{
	{name: "fc_per_tensor", batches: 1, in: 17, out: 7, act: tflite.ActNone, inZP: -128, outZP: 127},
	{name: "fc_weights_zp", batches: 3, in: 7, out: 17, weightsZP: 5, act: tflite.ActRelu, inZP: 127, outZP: -128},
	{name: "fc_per_channel", batches: 2, in: 33, out: 3, perChannel: true, act: tflite.ActRelu6, inZP: 0, outZP: -20},
	{name: "fc_one_input_no_bias", batches: 1, in: 1, out: 1, act: tflite.ActNone, inZP: -128, outZP: 0, noBias: true},
}

func (fc saFCCase) model() *tflite.Model {
	b := newSABuilder()
	const inS = 0.05
	x := b.act("x", []int32{fc.batches, fc.in}, inS, fc.inZP)
	scales := []float32{0.01}
	if fc.perChannel {
		scales = b.scales(int(fc.out), 0.01)
	}
	w := b.weights("w", []int32{fc.out, fc.in}, scales, 0, fc.weightsZP)
	bias := int32(-1)
	if !fc.noBias {
		bias = b.bias("b", int(fc.out), 5000)
	}
	y := b.act("y", []int32{fc.batches, fc.out}, standaloneOutScale(inS, 0.01, int(fc.in)), fc.outZP)
	b.op(tflite.OpFullyConnected, &tflite.FullyConnectedOptions{Activation: fc.act}, []int32{x, w, bias}, []int32{y})
	b.io(x, y)
	return &b.m
}

type saPoolCase struct {
	name               string
	n, h, w, c         int32
	kh, kw, sh, sw     int32
	pad                tflite.Padding
	average            bool
	act                tflite.Activation
	inZP, outZP        int64
	inScale, outScale2 float32
}

var saPoolCases = []saPoolCase{
	{name: "max_same_stride2", n: 1, h: 9, w: 7, c: 7, kh: 3, kw: 3, sh: 2, sw: 2, pad: padSame, act: tflite.ActRelu6, inZP: -100, outZP: -100, inScale: 0.05, outScale2: 0.05},
	{name: "max_valid", n: 2, h: 6, w: 6, c: 3, kh: 2, kw: 2, sh: 2, sw: 2, pad: padValid, act: tflite.ActNone, inZP: 127, outZP: 127, inScale: 0.1, outScale2: 0.1},
	{name: "avg_same_stride2", n: 1, h: 7, w: 9, c: 17, kh: 2, kw: 3, sh: 2, sw: 2, pad: padSame, average: true, act: tflite.ActNone, inZP: -128, outZP: -128, inScale: 0.02, outScale2: 0.02},
	{name: "avg_valid_relu", n: 1, h: 5, w: 6, c: 1, kh: 3, kw: 3, sh: 1, sw: 1, pad: padValid, average: true, act: tflite.ActRelu, inZP: 3, outZP: 3, inScale: 0.03, outScale2: 0.03},
	{name: "avg_same_wide", n: 2, h: 4, w: 5, c: 3, kh: 5, kw: 5, sh: 3, sw: 1, pad: padSame, average: true, act: tflite.ActRelu6, inZP: 0, outZP: 0, inScale: 0.1, outScale2: 0.1},
}

func (pc saPoolCase) model() *tflite.Model {
	b := newSABuilder()
	x := b.act("x", []int32{pc.n, pc.h, pc.w, pc.c}, pc.inScale, pc.inZP)
	oh := kernels.OutputSize(pc.pad, int(pc.h), int(pc.kh), int(pc.sh), 1)
	ow := kernels.OutputSize(pc.pad, int(pc.w), int(pc.kw), int(pc.sw), 1)
	y := b.act("y", []int32{pc.n, int32(oh), int32(ow), pc.c}, pc.outScale2, pc.outZP)
	op := tflite.OpMaxPool2D
	if pc.average {
		op = tflite.OpAveragePool2D
	}
	b.op(op, &tflite.Pool2DOptions{Padding: pc.pad, StrideW: pc.sw, StrideH: pc.sh, FilterWidth: pc.kw, FilterHeight: pc.kh, Activation: pc.act},
		[]int32{x}, []int32{y})
	b.io(x, y)
	return &b.m
}

type saSoftmaxCase struct {
	name    string
	shape   []int32
	scale   float32
	zp      int64
	beta    float32
	reshape []int32 // a RESHAPE to this shape first
}

var saSoftmaxCases = []saSoftmaxCase{
	{name: "softmax_depth1", shape: []int32{3, 1}, scale: 0.1, zp: 0, beta: 1},
	{name: "softmax_depth3", shape: []int32{1, 3}, scale: 0.174143, zp: 17, beta: 1},
	{name: "softmax_rows4_depth17", shape: []int32{4, 17}, scale: 0.05, zp: -128, beta: 0.5},
	{name: "softmax_4d_beta2", shape: []int32{1, 2, 3, 7}, scale: 1.0 / 16, zp: 127, beta: 2},
	{name: "softmax_small_scale", shape: []int32{2, 10}, scale: 0.004, zp: -3, beta: 1},
	{name: "reshape_softmax", shape: []int32{1, 3, 4, 2}, scale: 0.3, zp: 0, beta: 1, reshape: []int32{2, 12}},
}

func (sc saSoftmaxCase) model() *tflite.Model {
	b := newSABuilder()
	x := b.act("x", sc.shape, sc.scale, sc.zp)
	in := x
	outShape := sc.shape
	if sc.reshape != nil {
		shape := make([]byte, 4*len(sc.reshape))
		for i, d := range sc.reshape {
			binary.LittleEndian.PutUint32(shape[4*i:], uint32(d))
		}
		s := b.tensor("shape", tflite.Int32, []int32{int32(len(sc.reshape))}, shape, nil)
		in = b.act("reshaped", sc.reshape, sc.scale, sc.zp)
		b.op(tflite.OpReshape, &tflite.ReshapeOptions{NewShape: sc.reshape}, []int32{x, s}, []int32{in})
		outShape = sc.reshape
	}
	y := b.act("y", outShape, 1.0/256, -128)
	b.op(tflite.OpSoftmax, &tflite.SoftmaxOptions{Beta: sc.beta}, []int32{in}, []int32{y})
	b.io(x, y)
	return &b.m
}

// saChainModel strings every kernel together on awkward shapes, so that the
// arena holds several live tensors at once.
func saChainModel() *tflite.Model {
	b := newSABuilder()
	x := b.act("x", []int32{1, 13, 11, 3}, 0.02, -128)
	w1 := b.weights("w1", []int32{7, 3, 3, 3}, b.scales(7, 0.01), 0, 0)
	c1 := b.act("c1", []int32{1, 7, 6, 7}, standaloneOutScale(0.02, 0.01, 27), -128)
	b.op(tflite.OpConv2D, &tflite.Conv2DOptions{Padding: padSame, StrideW: 2, StrideH: 2, DilationW: 1, DilationH: 1, Activation: tflite.ActRelu},
		[]int32{x, w1, b.bias("b1", 7, 3000)}, []int32{c1})
	w2 := b.weights("w2", []int32{1, 3, 3, 14}, b.scales(14, 0.02), 3, 0)
	c2 := b.act("c2", []int32{1, 7, 6, 14}, standaloneOutScale(standaloneOutScale(0.02, 0.01, 27), 0.02, 9), 5)
	b.op(tflite.OpDepthwiseConv2D, &tflite.DepthwiseConv2DOptions{Padding: padSame, StrideW: 1, StrideH: 1, DilationW: 2, DilationH: 2,
		DepthMultiplier: 2, Activation: tflite.ActRelu6}, []int32{c1, w2, b.bias("b2", 14, 3000)}, []int32{c2})
	p1 := b.act("p1", []int32{1, 4, 3, 14}, standaloneOutScale(standaloneOutScale(0.02, 0.01, 27), 0.02, 9), 5)
	b.op(tflite.OpMaxPool2D, &tflite.Pool2DOptions{Padding: padSame, StrideW: 2, StrideH: 2, FilterWidth: 3, FilterHeight: 3}, []int32{c2}, []int32{p1})
	p2 := b.act("p2", []int32{1, 2, 3, 14}, standaloneOutScale(standaloneOutScale(0.02, 0.01, 27), 0.02, 9), 5)
	b.op(tflite.OpAveragePool2D, &tflite.Pool2DOptions{Padding: padValid, StrideW: 1, StrideH: 2, FilterWidth: 1, FilterHeight: 2}, []int32{p1}, []int32{p2})
	shape := make([]byte, 8)
	binary.LittleEndian.PutUint32(shape, 1)
	binary.LittleEndian.PutUint32(shape[4:], 84)
	flat := b.act("flat", []int32{1, 84}, standaloneOutScale(standaloneOutScale(0.02, 0.01, 27), 0.02, 9), 5)
	b.op(tflite.OpReshape, &tflite.ReshapeOptions{}, []int32{p2, b.tensor("shape", tflite.Int32, []int32{2}, shape, nil)}, []int32{flat})
	w3 := b.weights("w3", []int32{9, 84}, b.scales(9, 0.01), 0, 0)
	logits := b.act("logits", []int32{1, 9}, 0.15, 4)
	b.op(tflite.OpFullyConnected, &tflite.FullyConnectedOptions{}, []int32{flat, w3, b.bias("b3", 9, 1000)}, []int32{logits})
	y := b.act("y", []int32{1, 9}, 1.0/256, -128)
	b.op(tflite.OpSoftmax, &tflite.SoftmaxOptions{Beta: 1}, []int32{logits}, []int32{y})
	b.io(x, y)
	return &b.m
}

// TestStandaloneKernels compiles each hand-built model (with gcc's
// undefined-behaviour sanitizer when it has one) and compares C with the
// interpreter on random inputs and the two extreme ones.
func TestStandaloneKernels(t *testing.T) {
	standaloneGCC(t)
	type model struct {
		name string
		m    *tflite.Model
	}
	var models []model
	for _, c := range saConvCases {
		models = append(models, model{c.name, c.model()})
	}
	for _, c := range saFCCases {
		models = append(models, model{c.name, c.model()})
	}
	for _, c := range saPoolCases {
		models = append(models, model{c.name, c.model()})
	}
	for _, c := range saSoftmaxCases {
		models = append(models, model{c.name, c.model()})
	}
	models = append(models, model{"chain", saChainModel()})
	ubsan := standaloneUBSan(t)
	kobj := standaloneKernelsObject(t, t.TempDir(), ubsan)
	for k, tc := range models {
		t.Run(tc.name, func(t *testing.T) {
			it, err := interp.New(tc.m)
			if err != nil {
				t.Fatal(err)
			}
			inSize, outSize := len(it.Input(0).Bytes()), len(it.Output(0).Bytes())
			prog := buildStandaloneWith(t, "k"+strconv.Itoa(k), tc.m, kobj, ubsan)
			inputs := standaloneInputs(40, inSize, uint64(k+1))
			want, _ := interpStandalone(t, tc.m, inputs)
			got, _ := runStandalone(t, prog, inputs)
			n := len(inputs) / inSize
			if same := compareStandalone(t, got, want, outSize); same != n {
				t.Errorf("%d/%d identical", same, n)
			}
			// The case tests something only if its outputs are not all
			// clamped to one value.
			distinct := map[byte]bool{}
			for _, v := range want {
				distinct[v] = true
			}
			if len(distinct) < 3 && tc.name != "softmax_depth1" { // a softmax of one value is 1
				t.Errorf("only %d distinct output values", len(distinct))
			}
		})
	}
}

// TestStandaloneFixedPoint feeds the C fixed-point helpers edge and random
// values and wants the Go kernels' results, and no undefined behaviour.
func TestStandaloneFixedPoint(t *testing.T) {
	gcc := standaloneGCC(t)
	dir := t.TempDir()
	write(t, dir, KernelsHeader, kernelsH)
	write(t, dir, KernelsSource, kernelsC)
	harness, err := filepath.Abs(filepath.Join("testdata", "standalone_fixedpoint.c"))
	if err != nil {
		t.Fatal(err)
	}
	args := append(append(append([]string(nil), standaloneCFlags...), standaloneUBSan(t)...), "-O2", "-I", dir, harness, filepath.Join(dir, KernelsSource), "-o", filepath.Join(dir, "fixedpoint"))
	if out, err := exec.Command(gcc, args...).CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, out)
	}

	r := uint64(0x853c49e6748fea9b)
	rnd := func() int32 {
		r ^= r << 13
		r ^= r >> 7
		r ^= r << 17
		return int32(r >> 16)
	}
	special := []int32{math.MinInt32, math.MinInt32 + 1, -1 << 30, -(1 << 30) + 1, -65536, -255, -2, -1, 0, 1, 2, 255, 65536, 1<<30 - 1, 1 << 30, math.MaxInt32 - 1, math.MaxInt32}
	values := func(n int) []int32 {
		v := append([]int32(nil), special...)
		for range n {
			x := rnd()
			v = append(v, x, x>>(uint32(x)%31)) // values of every magnitude
		}
		return v
	}
	var in bytes.Buffer
	var want []string
	add := func(line, result string) {
		in.WriteString(line + "\n")
		want = append(want, result)
	}
	vs := values(3000)
	for i, a := range vs {
		b := vs[(i*7919+13)%len(vs)]
		add(fmt.Sprintf("h %d %d", a, b), fmt.Sprint(kernels.SaturatingRoundingDoublingHighMul(a, b)))
		add(fmt.Sprintf("h %d %d", a, a), fmt.Sprint(kernels.SaturatingRoundingDoublingHighMul(a, a)))
		for _, e := range []int{i % 32, (i * 3) % 41} {
			add(fmt.Sprintf("d %d %d", a, e), fmt.Sprint(kernels.RoundingDivideByPOT(a, e)))
		}
		shift := i%62 - 31 // [−31, 30]
		m := int32(1<<30 + uint32(b)%(1<<30))
		if i%5 == 0 {
			m = b
		}
		add(fmt.Sprintf("m %d %d %d", a, m, shift), fmt.Sprint(kernels.MultiplyByQuantizedMultiplier(a, m, shift)))
		neg := a
		if neg > 0 {
			neg = -neg
		}
		add(fmt.Sprintf("e %d", neg), fmt.Sprint(kernels.ExpOnNegativeValues(neg, 5)))
		add(fmt.Sprintf("o %d", a), fmt.Sprint(kernels.OneOverOnePlusX(a)))
		recip, bits := kernels.GetReciprocal(a, 12)
		add(fmt.Sprintf("r %d", a), fmt.Sprintf("%d %d", recip, bits))
	}
	// exp on every difference the int8 softmax can see, for a few scales.
	for _, sc := range []float32{0.001, 0.004, 0.05, 0.174143, 1.0 / 16, 0.5, 2} {
		p, ok := kernels.PrepareSoftmaxInt8(1, sc)
		if !ok {
			t.Fatalf("scale %g: no softmax parameters", sc)
		}
		for d := int32(-255); d <= 0; d++ {
			if d < p.DiffMin {
				continue
			}
			a := kernels.MultiplyByQuantizedMultiplierGreaterThanOne(d, p.InputMultiplier, p.InputLeftShift)
			add(fmt.Sprintf("e %d", a), fmt.Sprint(kernels.ExpOnNegativeValues(a, 5)))
		}
	}
	cmd := exec.Command(filepath.Join(dir, "fixedpoint"))
	cmd.Stdin = &in
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("harness: %v", err)
	}
	lines := bufio.NewScanner(bytes.NewReader(out))
	inLines := strings.Split(in.String(), "\n")
	bad := 0
	for i := 0; lines.Scan(); i++ {
		if i >= len(want) {
			t.Fatalf("harness printed more than %d lines", len(want))
		}
		if lines.Text() != want[i] {
			if bad++; bad <= 10 {
				t.Errorf("%s: C %s, Go %s", inLines[i], lines.Text(), want[i])
			}
		}
	}
	if n := bytes.Count(out, []byte("\n")); n != len(want) {
		t.Errorf("harness printed %d lines for %d vectors", n, len(want))
	}
	t.Logf("%d vectors, %d differ", len(want), bad)
}
