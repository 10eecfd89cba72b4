package interp

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mnistcnn/mnistcnn/tflite"
)

// tflmQuantOpsModel exercises QUANTIZE (float → int8 and int8 → int8),
// FULLY_CONNECTED with a per-channel filter and DEQUANTIZE:
// float [1,8] → QUANTIZE → FC (4 channels) → QUANTIZE → DEQUANTIZE → float [1,4].
func tflmQuantOpsModel() *tflite.Model {
	b := newModelBuilder()
	in := b.f32("input", []int32{1, 8}, nil)
	q := b.tensor("q", tflite.Int8, []int32{1, 8}, nil)
	b.quant(q, 1.0/64, -3)
	w := make([]byte, 4*8)
	for i := range w {
		w[i] = byte(i*37 - 60)
	}
	wt := b.tensor("w", tflite.Int8, []int32{4, 8}, w)
	b.sg().Tensors[wt].Quant = &tflite.Quantization{Scale: []float32{0.01, 0.02, 0.03, 0.04}, ZeroPoint: []int64{0, 0, 0, 0}}
	bias := b.tensor("b", tflite.Int32, []int32{4}, i32Bytes([]int32{10, -20, 30, -40}))
	b.sg().Tensors[bias].Quant = &tflite.Quantization{Scale: []float32{0.01 / 64, 0.02 / 64, 0.03 / 64, 0.04 / 64}, ZeroPoint: []int64{0, 0, 0, 0}}
	fc := b.tensor("fc", tflite.Int8, []int32{1, 4}, nil)
	b.quant(fc, 1.0/32, 5)
	rq := b.tensor("rq", tflite.Int8, []int32{1, 4}, nil)
	b.quant(rq, 1.0/16, -1)
	out := b.f32("output", []int32{1, 4}, nil)
	b.op(tflite.OpQuantize, &tflite.QuantizeOptions{}, []int32{in}, []int32{q})
	b.op(tflite.OpFullyConnected, &tflite.FullyConnectedOptions{}, []int32{q, wt, bias}, []int32{fc})
	b.op(tflite.OpQuantize, &tflite.QuantizeOptions{}, []int32{fc}, []int32{rq})
	b.op(tflite.OpDequantize, &tflite.DequantizeOptions{}, []int32{rq}, []int32{out})
	b.io([]int32{in}, []int32{out})
	return &b.m
}

// tflmDepthwiseFloatModel exercises float DEPTHWISE_CONV_2D and AVERAGE_POOL_2D:
// [1,8,8,2] → depthwise 3×3 ×2 → [1,6,6,4] → average pool 2 → [1,3,3,4] →
// RESHAPE [1,36] → SOFTMAX.
func tflmDepthwiseFloatModel() *tflite.Model {
	b := newModelBuilder()
	in := b.f32("input", []int32{1, 8, 8, 2}, nil)
	wv := make([]float32, 3*3*4)
	for i := range wv {
		wv[i] = float32(i%7-3) / 8
	}
	w := b.f32("dw/w", []int32{1, 3, 3, 4}, wv)
	bias := b.f32("dw/b", []int32{4}, []float32{0.1, -0.1, 0.2, -0.2})
	dw := b.f32("dw", []int32{1, 6, 6, 4}, nil)
	ap := b.f32("pool", []int32{1, 3, 3, 4}, nil)
	shape := b.tensor("shape", tflite.Int32, []int32{2}, i32Bytes([]int32{1, 36}))
	flat := b.f32("flat", []int32{1, 36}, nil)
	out := b.f32("softmax", []int32{1, 36}, nil)
	b.op(tflite.OpDepthwiseConv2D, &tflite.DepthwiseConv2DOptions{Padding: tflite.PaddingValid, StrideW: 1, StrideH: 1,
		DepthMultiplier: 2, Activation: tflite.ActRelu, DilationW: 1, DilationH: 1}, []int32{in, w, bias}, []int32{dw})
	b.op(tflite.OpAveragePool2D, pool(tflite.PaddingValid, 2, 2), []int32{dw}, []int32{ap})
	b.op(tflite.OpReshape, &tflite.ReshapeOptions{NewShape: []int32{1, 36}}, []int32{ap, shape}, []int32{flat})
	b.op(tflite.OpSoftmax, &tflite.SoftmaxOptions{Beta: 1}, []int32{flat}, []int32{out})
	b.io([]int32{in}, []int32{out})
	return &b.m
}

// TestTFLMArenaDump writes the models built in code, for measuring them
// with TFLM: MNISTCNN_TFLM_DUMP=dir go test -run TestTFLMArenaDump.
func TestTFLMArenaDump(t *testing.T) {
	dir := os.Getenv("MNISTCNN_TFLM_DUMP")
	if dir == "" {
		t.Skip("MNISTCNN_TFLM_DUMP not set")
	}
	for name, m := range map[string]*tflite.Model{
		"mnist_shaped_float": mnistShapedModel(1),
		"quant_ops":          tflmQuantOpsModel(),
		"depthwise_float":    tflmDepthwiseFloatModel(),
	} {
		if _, err := New(m); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		b, err := tflite.Encode(m)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+".tflite"), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// tflmMeasured are TFLM's own figures for models, measured once on this
// project's x86-64 Linux build machine: TFLM (tensorflow/tflite-micro at
// tflmCommit, reference kernels, no optimized kernel directory) compiled by
// hand with TFLM's Makefile flags that matter here (-std=c++17
// -DTF_LITE_STATIC_MEMORY -fno-rtti -fno-exceptions; flatbuffers v25.9.23,
// gemmlowp 719139ce, ruy's profiler header), linked into a small program
// that reads a .tflite, registers CONV_2D, DEPTHWISE_CONV_2D,
// FULLY_CONNECTED, MAX_POOL_2D, AVERAGE_POOL_2D, RESHAPE, SOFTMAX, QUANTIZE,
// DEQUANTIZE, CAST and EXPAND_DIMS in a MicroMutableOpResolver, runs
// MicroInterpreter::AllocateTensors on a 16-byte aligned 4 MiB arena and
// prints arena_used_bytes() (used), then tries every smaller arena size
// (the smallest that AllocateTensors accepts: smallest; it may be above
// used). 64-bit: g++ 12.2.0 (Debian 12), x86-64. 32-bit: arm-none-eabi-g++
// 12.2.1 -mcpu=cortex-a7 -marm (AAPCS, the struct layout of a Cortex-M
// build; short enums), newlib with semihosting, run under qemu-arm 7.2.
// The models built in code were written with TestTFLMArenaDump. The
// reference CNN's float graph (mnistShapedModel) and mnistcnn_int8 are the
// shapes of the models `mnistcnn train && mnistcnn convert` makes; those
// (and the lenet5, depthwise and tiny presets, out of one epoch) measured
// the same as this model predicts.
var tflmMeasured = []struct {
	name            string
	model           func(t *testing.T) *tflite.Model
	used64, small64 int
	used32, small32 int
	activations     int // TFLM's memory plan (the same on both)
	within5PerCent  bool
}{
	{"mnistcnn_int8", tflmFile("mnistcnn_int8.tflite"), 29824, 29816, 28948, 28952, 27040, true},
	{"mnist_shaped_float", tflmBuilt(func() *tflite.Model { return mnistShapedModel(1) }), 110880, 110872, 110032, 110024, 108160, true},
	{"person_detect", tflmFile("person_detect.tflite"), 85024, 85016, 82292, 82296, 55296, true},
	{"alankrantas", tflmFile("mnist_cnn_float_uint8in_alankrantas.tflite"), 236576, 236568, 235856, 235852, 233984, true},
	// Tiny models: AllocateTensors needs more than arena_used_bytes()
	// while it plans memory.
	{"hello_world_int8", tflmFile("hello_world_int8.tflite"), 1184, 1608, 676, 1068, 32, false},
	{"hello_world_float", tflmFile("hello_world_float.tflite"), 1216, 1608, 736, 1068, 128, false},
	{"quant_ops", tflmBuilt(tflmQuantOpsModel), 1088, 1520, 672, 1056, 48, false},
	{"depthwise_float", tflmBuilt(tflmDepthwiseFloatModel), 2272, 2272, 1840, 1832, 1088, true},
}

func tflmFile(name string) func(t *testing.T) *tflite.Model {
	return func(t *testing.T) *tflite.Model { return loadModel(t, name) }
}

func tflmBuilt(f func() *tflite.Model) func(t *testing.T) *tflite.Model {
	return func(*testing.T) *tflite.Model { return f() }
}

func TestTFLMArenaMeasured(t *testing.T) {
	for _, tc := range tflmMeasured {
		t.Run(tc.name, func(t *testing.T) {
			m := tc.model(t)
			it, err := New(m)
			if err != nil {
				t.Fatal(err)
			}
			var bytes [2]int
			for k, want := range []struct {
				target      TFLMTarget
				used, small int
			}{{TFLM64, tc.used64, tc.small64}, {TFLM32, tc.used32, tc.small32}} {
				a, err := TFLMArenaOf(m, want.target)
				if err != nil {
					t.Fatal(err)
				}
				if b, err := it.TFLMArena(want.target); err != nil || b != a {
					t.Errorf("%v: Interpreter.TFLMArena = %+v, %v; TFLMArenaOf = %+v", want.target, b, err, a)
				}
				if a.Used != want.used || a.Activations != tc.activations || a.Activations+a.Persistent != a.Used {
					t.Errorf("%v: %+v; TFLM: arena_used_bytes %d, activations %d", want.target, a, want.used, tc.activations)
				}
				// Enough, 16-byte aligned, and no more than the alignment
				// rounding above what TFLM needs.
				if a.Bytes < want.small || a.Bytes < a.Used || a.Bytes%16 != 0 || a.Bytes >= want.small+16 {
					t.Errorf("%v: Bytes %d; TFLM: smallest arena %d, arena_used_bytes %d", want.target, a.Bytes, want.small, want.used)
				}
				if (a.Peak == "") != (a.Bytes == tflmAlignUp(a.Used, 16)) {
					t.Errorf("%v: Bytes %d, Used %d, Peak %q", want.target, a.Bytes, a.Used, a.Peak)
				}
				if tc.within5PerCent && float64(a.Bytes) > 1.05*float64(want.used) {
					t.Errorf("%v: Bytes %d more than 5 %% over arena_used_bytes %d", want.target, a.Bytes, want.used)
				}
				bytes[k] = a.Bytes
			}
			if bytes[0] < bytes[1] || it.TFLMArenaBytes() != bytes[0] {
				t.Errorf("64-bit %d, 32-bit %d, TFLMArenaBytes %d: want the 64-bit figure, the larger", bytes[0], bytes[1], it.TFLMArenaBytes())
			}
		})
	}
}

// TestTFLMArenaPlan: TFLM rounds every buffer up to 16 bytes before
// planning, so its plan can exceed the interpreter's by up to 15 bytes.
func TestTFLMArenaPlan(t *testing.T) {
	it, err := New(tflmQuantOpsModel())
	if err != nil {
		t.Fatal(err)
	}
	a, err := it.TFLMArena(TFLM64)
	if err != nil {
		t.Fatal(err)
	}
	// Activations of 32, 8, 4, 4 and 16 bytes: the interpreter's plan takes
	// 40 bytes; TFLM's, each buffer rounded up to 16, 48 (measured).
	if it.ArenaBytes() != 40 || a.Activations != 48 {
		t.Errorf("interpreter plan %d, TFLM plan %d; want 40 and 48", it.ArenaBytes(), a.Activations)
	}
}

func TestTFLMArenaNotModelled(t *testing.T) {
	m := loadModel(t, "hello_world_int8.tflite")
	two := *m
	two.Subgraphs = append(append([]tflite.Subgraph(nil), m.Subgraphs...), m.Subgraphs[0])
	if _, err := TFLMArenaOf(&two, TFLM64); err == nil || !strings.Contains(err.Error(), "2 subgraphs") {
		t.Errorf("two subgraphs: err = %v", err)
	}
	offline := *m
	offline.Metadata = append(append([]tflite.Metadata(nil), m.Metadata...), tflite.Metadata{Name: "OfflineMemoryAllocation"})
	if _, err := TFLMArenaOf(&offline, TFLM64); err == nil || !strings.Contains(err.Error(), "offline") {
		t.Errorf("offline plan: err = %v", err)
	}
	if _, err := TFLMArenaOf(loadModel(t, "mnist_lstm_int8.tflite"), TFLM64); err == nil || !strings.Contains(err.Error(), "not supported") {
		t.Errorf("LSTM: err = %v", err)
	}
	if _, err := TFLMArenaOf(m, TFLMTarget(7)); err == nil {
		t.Error("unknown target: no error")
	}
	// A variable tensor lives in the tail, not in the plan.
	v := tflmQuantOpsModel()
	v.Subgraphs[0].Tensors[1].IsVariable = true // q, [1,8] int8
	a, err := TFLMArenaOf(v, TFLM64)
	if err != nil {
		t.Fatal(err)
	}
	if base, _ := TFLMArenaOf(tflmQuantOpsModel(), TFLM64); a.Persistent != base.Persistent+16 {
		t.Errorf("variable tensor: persistent %d, want %d + 16", a.Persistent, base.Persistent)
	}
}
