package convert

import (
	"crypto/sha256"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/mnistcnn/mnistcnn/internal/archtest"
	"github.com/mnistcnn/mnistcnn/internal/mnisttest"
	"github.com/mnistcnn/mnistcnn/mnist"
	"github.com/mnistcnn/mnistcnn/model"
	"github.com/mnistcnn/mnistcnn/quantize"
	"github.com/mnistcnn/mnistcnn/tflite"
	"github.com/mnistcnn/mnistcnn/tflite/interp"
	"github.com/mnistcnn/mnistcnn/train"
)

// refLogits computes a's logits (the classifier's output before softmax)
// for one image of H·W·C values pixel/255 (H,W,C order), straight from the
// checkpoint's weights in their own layouts and model's definitions of the
// layers, in float64: activations C,H,W; conv kernels (out, in, kh, kw);
// depthwise kernels (C·M, 1, kh, kw) with output c·M+m reading channel c;
// SAME padding split with the extra one at the bottom and right, pools
// ignoring the outside; flatten in C,H,W order; dense x·W with W (in, out).
// It shares no code with the exporter or the interpreter.
func refLogits(a *model.Arch, w map[string][]float32, img []float32) []float64 {
	in := a.InputShape()
	h, wd, c := in[0], in[1], in[2]
	x := make([]float64, h*wd*c)
	for y := range h {
		for xx := range wd {
			for ch := range c {
				x[(ch*h+y)*wd+xx] = float64(img[(y*wd+xx)*c+ch])
			}
		}
	}
	act := func(v float64, f model.Activation) float64 {
		switch f {
		case model.ReLU:
			return math.Max(v, 0)
		case model.ReLU6:
			return math.Min(math.Max(v, 0), 6)
		}
		return v
	}
	before := func(in, k, s, out int, p model.Padding) int {
		if p == model.Valid {
			return 0
		}
		return max((out-1)*s+k-in, 0) / 2
	}
	for _, l := range a.Layers[1:] {
		switch l.Kind {
		case model.Conv, model.DepthwiseConv, model.MaxPool, model.AvgPool:
			ih, iw, ic := l.In[0], l.In[1], l.In[2]
			oh, ow, oc := l.Out[0], l.Out[1], l.Out[2]
			k, s := l.Kernel, l.Stride
			pt, pl := before(ih, k, s, oh, l.Padding), before(iw, k, s, ow, l.Padding)
			kern, bias := w[l.Name+"/kernel"], w[l.Name+"/bias"]
			y := make([]float64, oh*ow*oc)
			for o := range oc {
				for oy := range oh {
					for ox := range ow {
						sum, best, n := 0.0, math.Inf(-1), 0
						for ky := range k {
							for kx := range k {
								iy, ix := oy*s+ky-pt, ox*s+kx-pl
								if iy < 0 || iy >= ih || ix < 0 || ix >= iw {
									continue // zero for convolutions, outside for pools
								}
								at := func(ch int) float64 { return x[(ch*ih+iy)*iw+ix] }
								switch l.Kind {
								case model.Conv:
									for i := range ic {
										sum += at(i) * float64(kern[((o*ic+i)*k+ky)*k+kx])
									}
								case model.DepthwiseConv:
									sum += at(o/l.Multiplier) * float64(kern[(o*k+ky)*k+kx])
								default:
									sum += at(o)
									best = math.Max(best, at(o))
								}
								n++
							}
						}
						var v float64
						switch l.Kind {
						case model.Conv, model.DepthwiseConv:
							v = act(sum+float64(bias[o]), l.Activation)
						case model.MaxPool:
							v = best
						case model.AvgPool:
							v = sum / float64(n)
						}
						y[(o*oh+oy)*ow+ox] = v
					}
				}
			}
			x = y
		case model.GlobalAvgPool:
			n := l.In[0] * l.In[1]
			y := make([]float64, l.In[2])
			for ch := range y {
				for _, v := range x[ch*n : (ch+1)*n] {
					y[ch] += v
				}
				y[ch] /= float64(n)
			}
			x = y
		case model.Flatten, model.Dropout:
			// C,H,W order is x's own.
		case model.Dense:
			kern, bias := w[l.Name+"/kernel"], w[l.Name+"/bias"]
			y := make([]float64, l.Units)
			for o := range y {
				sum := float64(bias[o])
				for i, v := range x {
					sum += v * float64(kern[i*l.Units+o])
				}
				y[o] = sum
				if l.Activation != model.Softmax {
					y[o] = act(sum, l.Activation)
				}
			}
			x = y
		}
	}
	return x
}

// wantOps is the operator list Float must write for a, each with the layer
// it comes from.
func wantOps(a *model.Arch) (codes []tflite.BuiltinOperator, layers []model.Layer) {
	add := func(c tflite.BuiltinOperator, l model.Layer) {
		codes, layers = append(codes, c), append(layers, l)
	}
	for _, l := range a.Layers[1:] {
		switch l.Kind {
		case model.Conv:
			add(tflite.OpConv2D, l)
		case model.DepthwiseConv:
			add(tflite.OpDepthwiseConv2D, l)
		case model.MaxPool:
			add(tflite.OpMaxPool2D, l)
		case model.AvgPool:
			add(tflite.OpAveragePool2D, l)
		case model.GlobalAvgPool:
			add(tflite.OpAveragePool2D, l)
			add(tflite.OpReshape, l)
		case model.Flatten:
			add(tflite.OpReshape, l)
		case model.Dense:
			add(tflite.OpFullyConnected, l)
			if l.Activation == model.Softmax {
				add(tflite.OpSoftmax, l)
			}
		}
	}
	return codes, layers
}

func wantPadding(p model.Padding) tflite.Padding {
	if p == model.Same {
		return tflite.PaddingSame
	}
	return tflite.PaddingValid
}

func wantAct(a model.Activation) tflite.Activation {
	return map[model.Activation]tflite.Activation{model.ReLU: tflite.ActRelu, model.ReLU6: tflite.ActRelu6}[a]
}

// checkStructure checks m's operators, their options and shapes against
// the architecture.
func checkStructure(t *testing.T, a *model.Arch, m *tflite.Model) {
	t.Helper()
	sg := &m.Subgraphs[0]
	codes, layers := wantOps(a)
	if len(sg.Operators) != len(codes) {
		t.Fatalf("%d operators, want %d", len(sg.Operators), len(codes))
	}
	for i := range sg.Operators {
		op := &sg.Operators[i]
		l := layers[i]
		if got := m.Opcode(op); got != codes[i] {
			t.Fatalf("operator %d is %v, want %v (layer %s)", i, got, codes[i], l.Name)
		}
		if oc := m.OperatorCodes[op.OpcodeIndex]; oc.Version != 1 {
			t.Errorf("operator %d %v at version %d, want 1", i, codes[i], oc.Version)
		}
		out := sg.Tensors[op.Outputs[0]].Shape
		s, k := int32(l.Stride), int32(l.Kernel)
		var want any
		wantShape := []int32{1, int32(l.Out[0])}
		if len(l.Out) == 3 {
			wantShape = []int32{1, int32(l.Out[0]), int32(l.Out[1]), int32(l.Out[2])}
		}
		switch o := op.Options.(type) {
		case *tflite.Conv2DOptions:
			want = &tflite.Conv2DOptions{Padding: wantPadding(l.Padding), StrideW: s, StrideH: s, Activation: wantAct(l.Activation), DilationW: 1, DilationH: 1}
			if w := sg.Tensors[op.Inputs[1]].Shape; !slices.Equal(w, []int32{int32(l.Filters), k, k, int32(l.In[2])}) {
				t.Errorf("%s: filter shape %v", l.Name, w)
			}
		case *tflite.DepthwiseConv2DOptions:
			want = &tflite.DepthwiseConv2DOptions{Padding: wantPadding(l.Padding), StrideW: s, StrideH: s, DepthMultiplier: int32(l.Multiplier),
				Activation: wantAct(l.Activation), DilationW: 1, DilationH: 1}
			if w := sg.Tensors[op.Inputs[1]].Shape; !slices.Equal(w, []int32{1, k, k, int32(l.OutChannels())}) {
				t.Errorf("%s: filter shape %v", l.Name, w)
			}
		case *tflite.Pool2DOptions:
			want = &tflite.Pool2DOptions{Padding: wantPadding(l.Padding), StrideW: s, StrideH: s, FilterWidth: k, FilterHeight: k}
			if l.Kind == model.GlobalAvgPool {
				want = &tflite.Pool2DOptions{Padding: tflite.PaddingValid, StrideW: 1, StrideH: 1, FilterWidth: int32(l.In[1]), FilterHeight: int32(l.In[0])}
				wantShape = []int32{1, 1, 1, int32(l.In[2])}
			}
		case *tflite.FullyConnectedOptions:
			act := l.Activation
			if act == model.Softmax {
				act = model.Linear
			}
			want = &tflite.FullyConnectedOptions{Activation: wantAct(act)}
		case *tflite.ReshapeOptions:
			want = &tflite.ReshapeOptions{NewShape: wantShape}
		case *tflite.SoftmaxOptions:
			want = &tflite.SoftmaxOptions{Beta: 1}
		default:
			t.Fatalf("operator %d: options %T", i, o)
		}
		if got := op.Options; fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("operator %d %v (%s): options %+v, want %+v", i, codes[i], l.Name, got, want)
		}
		if !slices.Equal(out, wantShape) {
			t.Errorf("operator %d %v (%s): output %v, want %v", i, codes[i], l.Name, out, wantShape)
		}
	}
	in, out := sg.Tensors[sg.Inputs[0]], sg.Tensors[sg.Outputs[0]]
	is := a.InputShape()
	if in.Type != tflite.Float32 || !slices.Equal(in.Shape, []int32{1, int32(is[0]), int32(is[1]), int32(is[2])}) {
		t.Errorf("input %v %v", in.Type, in.Shape)
	}
	if out.Type != tflite.Float32 || !slices.Equal(out.Shape, []int32{1, int32(a.Classes())}) {
		t.Errorf("output %v %v", out.Type, out.Shape)
	}
	if v, ok := m.MinRuntimeVersion(); !ok || v != "1.5.0" {
		t.Errorf("min_runtime_version %q, %v", v, ok)
	}
}

// TestArchFloat exports every architecture of the matrix, checks the
// operators against the architecture, and runs the model in mnistcnn's
// interpreter on MNIST test images: its logits must be the checkpoint's,
// computed by refLogits from the weights in their training layouts, so
// that every layout transform, padding and pooling is checked.
func TestArchFloat(t *testing.T) {
	set := mnisttest.Test(t, 40)
	for i, c := range archtest.Matrix(t, 5, 1) {
		t.Run(c.Name, func(t *testing.T) {
			t.Logf("%s: %d parameters", c.Arch.Spec(), c.Arch.NumParams())
			ck := archtest.RandomCheckpoint(c.Arch, uint64(100+i))
			m, err := Float(ck, "test")
			if err != nil {
				t.Fatal(err)
			}
			checkStructure(t, c.Arch, m)
			b, err := tflite.Encode(m)
			if err != nil {
				t.Fatal(err)
			}
			back, err := tflite.Decode(b)
			if err != nil {
				t.Fatal(err)
			}
			it, err := interp.New(back)
			if err != nil {
				t.Fatal(err)
			}
			logitsOp := len(back.Subgraphs[0].Operators) - 2
			var logits []float32
			it.SetObserver(func(op int, out *interp.Tensor) {
				if op == logitsOp {
					logits = append(logits[:0], out.Float32s()...)
				}
			})
			w := map[string][]float32{}
			for _, x := range ck.Weights {
				w[x.Name] = x.Data
			}
			img := make([]float32, c.Arch.Pixels())
			worst := 0.0
			for n := 0; n < set.N; n++ {
				set.Float(n, img)
				copy(it.Input(0).Float32s(), img)
				if err := it.Invoke(); err != nil {
					t.Fatal(err)
				}
				want := refLogits(c.Arch, w, img)
				scale := 1.0
				for _, v := range want {
					scale = math.Max(scale, math.Abs(v))
				}
				for j, v := range want {
					d := math.Abs(float64(logits[j])-v) / scale
					worst = math.Max(worst, d)
					if d > 1e-5 {
						t.Fatalf("image %d logit %d: interpreter %v, checkpoint %v", n, j, logits[j], v)
					}
				}
			}
			t.Logf("largest logit difference %.2g of the largest logit", worst)
		})
	}
}

// TestArchFloatMatchesGorgonia runs every architecture of the matrix in
// training's own forward pass (Gorgonia, train.Predict) and the exported
// model in mnistcnn's interpreter: the probabilities must agree to 1e-5.
func TestArchFloatMatchesGorgonia(t *testing.T) {
	set := mnisttest.Test(t, 40)
	for i, c := range archtest.Matrix(t, 5, 1) {
		t.Run(c.Name, func(t *testing.T) {
			ck := archtest.RandomCheckpoint(c.Arch, uint64(100+i))
			want, err := train.Predict(ck, set)
			if err != nil {
				t.Fatal(err)
			}
			m, err := Float(ck, "test")
			if err != nil {
				t.Fatal(err)
			}
			it, err := interp.New(m)
			if err != nil {
				t.Fatal(err)
			}
			classes := c.Arch.Classes()
			worst := 0.0
			for n := 0; n < set.N; n++ {
				set.Float(n, it.Input(0).Float32s())
				if err := it.Invoke(); err != nil {
					t.Fatal(err)
				}
				for k, got := range it.Output(0).Float32s() {
					d := math.Abs(float64(got - want[n*classes+k]))
					worst = math.Max(worst, d)
					if d > 1e-5 {
						t.Fatalf("image %d class %d: interpreter %v, Gorgonia %v", n, k, got, want[n*classes+k])
					}
				}
			}
			t.Logf("largest probability difference %.2g", worst)
		})
	}
}

// TestArchInt8 quantizes every architecture of the matrix and runs the int8
// model in mnistcnn's interpreter: it must take the per-channel depthwise
// filters, the int8 pools and the fused RELU6, carry the versions
// TensorFlow's converter writes, and stay close to the float model layer by
// layer.
func TestArchInt8(t *testing.T) {
	data := mnisttest.Data(t)
	var calib, test [][]float32
	for i := range 40 {
		x := make([]float32, 784)
		data.Train.Float(i, x)
		calib = append(calib, x)
		y := make([]float32, 784)
		data.Test.Float(i, y)
		test = append(test, y)
	}
	for i, c := range archtest.Matrix(t, 5, 1) {
		t.Run(c.Name, func(t *testing.T) {
			ck := archtest.RandomCheckpoint(c.Arch, uint64(100+i))
			f, err := Float(ck, "test")
			if err != nil {
				t.Fatal(err)
			}
			q, err := quantize.Int8(f, calib, quantize.DefaultOptions())
			if err != nil {
				t.Fatal(err)
			}
			versions := map[tflite.BuiltinOperator]int32{tflite.OpConv2D: 3, tflite.OpDepthwiseConv2D: 3, tflite.OpMaxPool2D: 2,
				tflite.OpAveragePool2D: 2, tflite.OpReshape: 1, tflite.OpFullyConnected: 4, tflite.OpSoftmax: 2}
			for _, oc := range q.OperatorCodes {
				if oc.Version != versions[oc.Builtin] {
					t.Errorf("%v at version %d, want %d", oc.Builtin, oc.Version, versions[oc.Builtin])
				}
			}
			if v, _ := q.MinRuntimeVersion(); v != "1.14.0" {
				t.Errorf("min_runtime_version %q, want 1.14.0", v)
			}
			sg := q.Subgraphs[0]
			for _, op := range sg.Operators {
				if q.Opcode(&op) != tflite.OpDepthwiseConv2D {
					continue
				}
				w := sg.Tensors[op.Inputs[1]]
				if w.Type != tflite.Int8 || w.Quant.QuantizedDimension != 3 || len(w.Quant.Scale) != int(w.Shape[3]) {
					t.Errorf("depthwise filter %s: %v, quantization %+v", w.Name, w.Type, w.Quant)
				}
			}
			layers, err := quantize.CompareLayers(f, q, test)
			if err != nil {
				t.Fatal(err)
			}
			for _, l := range layers {
				t.Logf("op %d %-17s %-14s relL2 %.4f cosine %.5f", l.Op, l.Kind, l.Name, l.RelL2, l.Cosine)
				if l.Kind != "SOFTMAX" && l.Cosine < 0.99 {
					t.Errorf("op %d %s: int8 and float outputs have cosine %.4f", l.Op, l.Kind, l.Cosine)
				}
			}
		})
	}
}

// TestArchBuildEveryFormat runs Build, as the convert command does, for
// every architecture: both models, every source format and test data; the
// emitted sources must describe each model's own input, output and ops.
func TestArchBuildEveryFormat(t *testing.T) {
	data := mnisttest.Data(t)
	var calib [][]float32
	for i := range 20 {
		x := make([]float32, 784)
		data.Train.Float(i, x)
		calib = append(calib, x)
	}
	for i, c := range archtest.Matrix(t, 5, 1) {
		t.Run(c.Name, func(t *testing.T) {
			ck := archtest.RandomCheckpoint(c.Arch, uint64(100+i))
			for _, formats := range [][]string{{FormatTFLite, FormatCC, FormatGo}, {FormatC}} {
				built, files, err := Build(ck, calib, Options{
					Kinds: []string{KindFloat, KindInt8}, Formats: formats, Name: "m", Package: "mm",
					Description: "test", Quantize: quantize.DefaultOptions(), TestData: data.Test.Slice(0, 2),
				})
				if err != nil {
					t.Fatal(err)
				}
				byName := map[string]string{}
				for _, f := range files {
					byName[f.Name] = string(f.Data)
				}
				for _, b := range built {
					codes, _ := wantOps(c.Arch)
					var src string
					switch formats[0] {
					case FormatTFLite:
						src = byName[b.Name+".go"]
						if byName[b.Name+".tflite"] != string(b.Bytes) {
							t.Errorf("%s.tflite is not the model's bytes", b.Name)
						}
					case FormatC:
						src = byName[b.Name+".h"]
					}
					if !strings.Contains(src, "[1, 28, 28, 1]") || !strings.Contains(src, "[1, 10]") {
						t.Errorf("%s (%v) does not give the model's shapes:\n%.600s", b.Name, formats, src)
					}
					for _, code := range codes {
						if !strings.Contains(src, code.String()) {
							t.Errorf("%s (%v) does not list %v", b.Name, formats, code)
						}
					}
				}
			}
		})
	}
}

// TestReferenceExportUnchanged pins the bytes of the reference
// architecture's float and int8 exports (made-up ranges, so no calibration
// is involved) to those of the exporter before it knew other architectures
// (commit d54e597): they must not have changed.
func TestReferenceExportUnchanged(t *testing.T) {
	ck := &model.Checkpoint{Arch: model.ArchName, Weights: model.NewCheckpointWeights(model.Reference())}
	for i, w := range ck.Weights {
		for j := range w.Data {
			w.Data[j] = float32(math.Sin(float64(1+7*i+j))) * 0.1
		}
	}
	f, err := Float(ck, "mnistcnn golden")
	if err != nil {
		t.Fatal(err)
	}
	ranges := make([]quantize.Range, len(f.Subgraphs[0].Tensors))
	for k := range ranges {
		ranges[k] = quantize.Range{Min: -float32(k%3) - 0.5, Max: float32(k%5) + 0.75, Valid: true}
	}
	sum := func(m *tflite.Model) string {
		b, err := EncodeWithDigest(m)
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf("%x", sha256.Sum256(b))
	}
	if got := sum(f); got != "587e4c5166a69259330ca7e15070380f255d6eace83991ef9eaab8c23e3c3ea4" {
		t.Errorf("float export changed: sha256 %s", got)
	}
	for _, pc := range []struct {
		perChannel bool
		want       string
	}{
		{false, "655cf10df22265ff5b1621e8ffed574e70bfc2f73041a288b080af4be9f84007"},
		{true, "3c4e57fb341bf586e328392df42c6ff868324ac0714049934831391d59ac0da5"},
	} {
		opt := quantize.DefaultOptions()
		opt.PerChannelFC = pc.perChannel
		q, err := quantize.Apply(f, ranges, opt)
		if err != nil {
			t.Fatal(err)
		}
		if got := sum(q); got != pc.want {
			t.Errorf("int8 export (per-channel FC %v) changed: sha256 %s", pc.perChannel, got)
		}
	}
}

// TestFloatRefusesMismatchedArchitecture: the checkpoint's weights must be
// those of the architecture it records, and the architecture must parse.
func TestFloatRefusesMismatchedArchitecture(t *testing.T) {
	ck := archtest.RandomCheckpoint(model.Reference(), 1)
	tiny, err := model.Build("tiny", 28, 28, 1, 10)
	if err != nil {
		t.Fatal(err)
	}
	ck.Arch = tiny.CheckpointName()
	if _, err := Float(ck, ""); err == nil || !strings.Contains(err.Error(), "want") {
		t.Errorf("reference weights as tiny's: %v", err)
	}
	ck.Arch = "conv:8:3,bogus"
	if _, err := Float(ck, ""); err == nil || !strings.HasPrefix(err.Error(), "convert: ") {
		t.Errorf("an architecture that does not parse: %v", err)
	}
}

// TestBuildTestDataManyClasses: the test-data files of a model with more
// than ten classes hold labels up to its class count, in every source
// format.
func TestBuildTestDataManyClasses(t *testing.T) {
	a, err := model.Build("conv:2:3,maxpool:2,flatten,dense", 8, 8, 1, 12)
	if err != nil {
		t.Fatal(err)
	}
	set := mnist.Set{N: 3, Rows: 8, Cols: 8, Images: make([]uint8, 3*64), Labels: []uint8{11, 0, 10}}
	calib := [][]float32{make([]float32, 64)}
	for _, format := range []string{FormatC, FormatGo, FormatCStandalone} {
		_, files, err := Build(archtest.RandomCheckpoint(a, 7), calib, Options{
			Kinds: []string{KindInt8}, Formats: []string{format}, Name: "m", Package: "mm",
			Quantize: quantize.DefaultOptions(), TestData: set,
		})
		if err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		var td string
		for _, f := range files {
			if strings.Contains(f.Name, "test_data") {
				td = string(f.Data)
			}
		}
		if !strings.Contains(td, "11") || !strings.Contains(td, "8×8") {
			t.Errorf("%s: test data without label 11 or the 8×8 size:\n%.800s", format, td)
		}
	}
	// Labels must still be the model's classes.
	set.Labels[0] = 12
	if _, _, err := Build(archtest.RandomCheckpoint(a, 7), calib, Options{Kinds: []string{KindInt8}, Formats: []string{FormatC},
		Name: "m", Quantize: quantize.DefaultOptions(), TestData: set}); err == nil || !strings.Contains(err.Error(), "not one of the model's 12 classes") {
		t.Errorf("label 12 of a 12-class model: %v", err)
	}
}
