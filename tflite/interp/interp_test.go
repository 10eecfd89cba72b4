package interp

import (
	"math"
	"strings"
	"sync"
	"testing"
	"unsafe"

	"github.com/mnistcnn/mnistcnn/tflite"
)

// tinyModel: input 3×3 (1..9) → CONV 2×2 ones + bias 1 (VALID) → 2×2
// [13 17 25 29] → MAX_POOL 2×2 → 29 → RESHAPE [1,1] → FULLY_CONNECTED
// weights [1; −1], bias [0; 58+ln3] → [29, 29+ln3] → SOFTMAX → [.25, .75]
// (exp gives 1 and 3 after subtracting the max).
func tinyModel() *tflite.Model {
	b := newModelBuilder()
	in := b.f32("in", []int32{1, 3, 3, 1}, nil)
	w := b.f32("w", []int32{1, 2, 2, 1}, []float32{1, 1, 1, 1})
	bias := b.f32("b", []int32{1}, []float32{1})
	c := b.f32("conv", []int32{1, 2, 2, 1}, nil)
	p := b.f32("pool", []int32{1, 1, 1, 1}, nil)
	r := b.f32("reshape", []int32{1, 1}, nil)
	fw := b.f32("fw", []int32{2, 1}, []float32{1, -1})
	fb := b.f32("fb", []int32{2}, []float32{0, 58 + float32(math.Log(3))})
	f := b.f32("fc", []int32{1, 2}, nil)
	s := b.f32("softmax", []int32{1, 2}, nil)
	b.op(tflite.OpConv2D, conv(tflite.PaddingValid, 1, tflite.ActNone), []int32{in, w, bias}, []int32{c})
	b.op(tflite.OpMaxPool2D, pool(tflite.PaddingValid, 2, 2), []int32{c}, []int32{p})
	b.op(tflite.OpReshape, &tflite.ReshapeOptions{NewShape: []int32{1, -1}}, []int32{p}, []int32{r})
	b.op(tflite.OpFullyConnected, nil, []int32{r, fw, fb}, []int32{f})
	b.op(tflite.OpSoftmax, &tflite.SoftmaxOptions{Beta: 1}, []int32{f}, []int32{s})
	b.io([]int32{in}, []int32{s})
	return &b.m
}

func setInput(t *testing.T, it *Interpreter, v []float32) {
	t.Helper()
	in := it.Input(0).Float32s()
	if len(in) != len(v) {
		t.Fatalf("input has %d values, want %d", len(in), len(v))
	}
	copy(in, v)
}

func TestInvokeTinyModel(t *testing.T) {
	it, err := New(tinyModel())
	if err != nil {
		t.Fatal(err)
	}
	var seen []string
	it.SetObserver(func(op int, out *Tensor) {
		seen = append(seen, out.Name)
		if op == 0 {
			got := out.Float32s()
			want := []float32{13, 17, 25, 29} // window sums + bias 1
			for i := range want {
				if got[i] != want[i] {
					t.Errorf("conv[%d] = %v, want %v", i, got[i], want[i])
				}
			}
		}
	})
	for run := 0; run < 2; run++ { // a second run must give the same result
		setInput(t, it, []float32{1, 2, 3, 4, 5, 6, 7, 8, 9})
		if err := it.Invoke(); err != nil {
			t.Fatal(err)
		}
		got := it.Output(0).Float32s()
		if math.Abs(float64(got[0]-0.25)) > 1e-6 || math.Abs(float64(got[1]-0.75)) > 1e-6 {
			t.Errorf("run %d: output %v, want [0.25 0.75]", run, got)
		}
	}
	if want := "conv pool reshape fc softmax conv pool reshape fc softmax"; strings.Join(seen, " ") != want {
		t.Errorf("observer saw %q, want %q", strings.Join(seen, " "), want)
	}
}

func TestUnsupportedOperatorsByName(t *testing.T) {
	b := newModelBuilder()
	x := b.tensor("x", tflite.UInt8, []int32{1, 3, 3, 1}, nil)
	w := b.f32("w", []int32{1, 1, 1, 1}, []float32{1})
	y := b.f32("y", []int32{1, 3, 3, 1}, nil)
	z := b.f32("z", []int32{1, 3, 3, 1}, nil)
	b.op(tflite.OpConv2D, conv(tflite.PaddingValid, 1, tflite.ActNone), []int32{x, w}, []int32{y})
	b.op(tflite.OpTanh, nil, []int32{y}, []int32{z})
	b.io([]int32{x}, []int32{z})
	_, err := New(&b.m)
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{
		"interp: operator 0 (CONV_2D): input type UINT8 not supported",
		"interp: operator 1 (TANH): not supported",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}
}

func TestHostileModels(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(m *tflite.Model)
		want   string
	}{
		{"nil subgraphs", func(m *tflite.Model) { m.Subgraphs = nil }, "no subgraph"},
		{"opcode out of range", func(m *tflite.Model) { m.Subgraphs[0].Operators[1].OpcodeIndex = 99 }, "opcode index 99 out of range"},
		{"tensor index out of range", func(m *tflite.Model) { m.Subgraphs[0].Operators[0].Inputs[0] = 1000 }, "tensor 1000 out of range"},
		{"optional output", func(m *tflite.Model) { m.Subgraphs[0].Operators[0].Outputs[0] = -1 }, "tensor -1 out of range"},
		{"subgraph input out of range", func(m *tflite.Model) { m.Subgraphs[0].Inputs[0] = -5 }, "tensor -5 out of range"},
		{"conv arity", func(m *tflite.Model) { m.Subgraphs[0].Operators[0].Inputs = m.Subgraphs[0].Operators[0].Inputs[:1] }, "CONV_2D): has 1 inputs, want 2 to 3"},
		{"conv missing options", func(m *tflite.Model) { m.Subgraphs[0].Operators[0].Options = nil }, "missing Conv2DOptions"},
		{"stride 0", func(m *tflite.Model) { m.Subgraphs[0].Operators[0].Options.(*tflite.Conv2DOptions).StrideW = 0 }, "stride 0"},
		{"tanh fused", func(m *tflite.Model) {
			m.Subgraphs[0].Operators[0].Options.(*tflite.Conv2DOptions).Activation = tflite.ActTanh
		}, "fused activation 4 not supported"},
		{"output shape", func(m *tflite.Model) { m.Subgraphs[0].Tensors[3].Shape = []int32{1, 3, 3, 1} }, "output shape [1 3 3 1], want [1 2 2 1]"},
		{"buffer size", func(m *tflite.Model) { m.Buffers[1].Data = m.Buffers[1].Data[:12] }, "buffer 1 holds 12 bytes"},
		{"buffer index", func(m *tflite.Model) { m.Subgraphs[0].Tensors[1].Buffer = 77 }, "buffer 77 out of range"},
		{"negative dim", func(m *tflite.Model) { m.Subgraphs[0].Tensors[0].Shape = []int32{1, -3, 3, 1} }, "dimension 1 is -3"},
		{"huge shape", func(m *tflite.Model) {
			m.Subgraphs[0].Tensors[0].Shape = []int32{1 << 20, 1 << 20, 1 << 20, 1}
		}, "more than"},
		{"read before write", func(m *tflite.Model) { m.Subgraphs[0].Inputs = nil }, "read before it is written"},
		{"written twice", func(m *tflite.Model) { m.Subgraphs[0].Operators[1].Outputs[0] = 3 }, "written twice"},
		{"weights not float", func(m *tflite.Model) { m.Subgraphs[0].Tensors[1].Type = tflite.Int32 }, "filter type INT32 not supported"},
		{"fc weights 1-D", func(m *tflite.Model) {
			m.Subgraphs[0].Tensors[6].Shape = []int32{2}
			m.Buffers[4].Data = m.Buffers[4].Data[:8]
		}, "weights shape [2] is not [out, in]"},
		{"reshape size", func(m *tflite.Model) {
			m.Subgraphs[0].Operators[2].Options = &tflite.ReshapeOptions{NewShape: []int32{2, 3}}
		}, "cannot reshape"},
		{"string tensor", func(m *tflite.Model) { m.Subgraphs[0].Tensors[3].Type = tflite.String }, "STRING"},
	}
	for _, tc := range tests {
		m := tinyModel()
		tc.mutate(m)
		_, err := New(m)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
	if _, err := New(nil); err == nil {
		t.Error("nil model: no error")
	}
}

func TestArenaLimit(t *testing.T) {
	// x → RESHAPE → y, both float [n]. With n = 2^29 one tensor is 2 GiB;
	// with n = 3·2^26 each is 768 MiB and both are alive during the
	// RESHAPE: 1.5 GiB. Both exceed MaxArenaBytes (1 GiB) and nothing is
	// allocated.
	for _, tc := range []struct {
		n    int32
		want string
	}{{1 << 29, "more than the 1073741824-byte arena limit"}, {3 << 26, "needs a 1610612736-byte arena"}} {
		b := newModelBuilder()
		x := b.f32("x", []int32{tc.n}, nil)
		y := b.f32("y", []int32{tc.n}, nil)
		b.op(tflite.OpReshape, &tflite.ReshapeOptions{NewShape: []int32{tc.n}}, []int32{x}, []int32{y})
		b.io([]int32{x}, []int32{y})
		_, err := New(&b.m)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("n=%d: error %v, want one containing %q", tc.n, err, tc.want)
		}
	}
}

// TestMutatedModelsDoNotPanic changes one number of the tiny model at a time
// to a hostile value; New must return an error or an interpreter that runs.
func TestMutatedModelsDoNotPanic(t *testing.T) {
	values := []int32{-2, -1, 0, 1, 2, 3, 7, 1 << 16, math.MaxInt32}
	base := tinyModel()
	sg := &base.Subgraphs[0]
	// Count the mutable slots: every shape dimension and operator index.
	type slot struct{ get func(m *tflite.Model) *int32 }
	var slots []slot
	for ti := range sg.Tensors {
		for d := range sg.Tensors[ti].Shape {
			slots = append(slots, slot{func(m *tflite.Model) *int32 { return &m.Subgraphs[0].Tensors[ti].Shape[d] }})
		}
	}
	for oi := range sg.Operators {
		for k := range sg.Operators[oi].Inputs {
			slots = append(slots, slot{func(m *tflite.Model) *int32 { return &m.Subgraphs[0].Operators[oi].Inputs[k] }})
		}
		for k := range sg.Operators[oi].Outputs {
			slots = append(slots, slot{func(m *tflite.Model) *int32 { return &m.Subgraphs[0].Operators[oi].Outputs[k] }})
		}
	}
	for _, s := range slots {
		for _, v := range values {
			m := tinyModel()
			*s.get(m) = v
			it, err := New(m)
			if err != nil {
				continue
			}
			if err := it.Invoke(); err != nil {
				t.Errorf("Invoke after successful New: %v", err)
			}
		}
	}
}

func TestArenaPlan(t *testing.T) {
	// Three buffers: A 100 B alive for ops 0–1, B 50 B for 1–2, C 100 B for
	// 2–3. Largest first: A at 0; C (same size, later index) does not meet
	// A in time, so it also goes at 0; B meets both, so it goes after them
	// at alignUp(100) = 112. Arena 112+50 = 162.
	bufs := []lifetime{{tensor: 0, size: 100, first: 0, last: 1}, {tensor: 1, size: 50, first: 1, last: 2}, {tensor: 2, size: 100, first: 2, last: 3}}
	if got := planArena(bufs); got != 162 {
		t.Errorf("arena %d, want 162", got)
	}
	for i, want := range []int{0, 112, 0} {
		if bufs[i].offset != want {
			t.Errorf("buffer %d at %d, want %d", i, bufs[i].offset, want)
		}
	}
}

func TestArenaBytesMNIST(t *testing.T) {
	it, err := New(mnistShapedModel(1))
	if err != nil {
		t.Fatal(err)
	}
	// The largest pair alive at once is conv1's output (26·26·32·4 = 86528
	// bytes) and pool1's (13·13·32·4 = 21632) while MAX_POOL runs: 108160.
	// Everything else fits beside or under them.
	if got := it.ArenaBytes(); got != 108160 {
		t.Errorf("ArenaBytes = %d, want 108160", got)
	}
	// Tensors alive at the same operator must not overlap in memory.
	p := it.plan
	for i := range p.nodes {
		live := append(append([]int(nil), p.nodes[i].inputs...), p.nodes[i].outputs...)
		for _, a := range live {
			for _, b := range live {
				if a == b || a < 0 || b < 0 || p.offsets[a] < 0 || p.offsets[b] < 0 {
					continue
				}
				if p.offsets[a] < p.offsets[b]+p.sizes[b] && p.offsets[b] < p.offsets[a]+p.sizes[a] {
					t.Errorf("op %d: tensors %d and %d overlap", i, a, b)
				}
			}
		}
	}
}

func TestInvokeDoesNotAllocate(t *testing.T) {
	it, err := New(mnistShapedModel(1))
	if err != nil {
		t.Fatal(err)
	}
	copy(it.Input(0).Float32s(), mnistImage(0))
	if n := testing.AllocsPerRun(5, func() { _ = it.Invoke() }); n != 0 {
		t.Errorf("Invoke allocates %v times", n)
	}
}

func TestCloneRunsInParallel(t *testing.T) {
	it, err := New(mnistShapedModel(2))
	if err != nil {
		t.Fatal(err)
	}
	want := make([][]float32, 4)
	for k := range want {
		copy(it.Input(0).Float32s(), mnistImage(k))
		if err := it.Invoke(); err != nil {
			t.Fatal(err)
		}
		want[k] = append([]float32(nil), it.Output(0).Float32s()...)
		var sum float32
		for _, v := range want[k] {
			sum += v
		}
		if math.Abs(float64(sum-1)) > 1e-5 { // softmax sums to 1
			t.Errorf("image %d: softmax sums to %v", k, sum)
		}
	}
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		c := it.Clone()
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := 0; r < 3; r++ {
				k := (g + r) % 4
				copy(c.Input(0).Float32s(), mnistImage(k))
				if err := c.Invoke(); err != nil {
					t.Error(err)
					return
				}
				for i, v := range c.Output(0).Float32s() {
					if v != want[k][i] {
						t.Errorf("clone %d image %d: output %d = %v, want %v", g, k, i, v, want[k][i])
						return
					}
				}
			}
		}()
	}
	wg.Wait()
}

func TestQuantizeDequantizeReshapeShapeInput(t *testing.T) {
	// float [1,4] → QUANTIZE (scale 0.5, zp −1) → int8 → RESHAPE by a shape
	// tensor [2, −1] → [2,2] → DEQUANTIZE → float.
	// 1.25 → round(2.5)=3 −1 = 2 → 0.5·(2+1) = 1.5; −1.25 → −3−1 = −4 → −1.5;
	// 0.2 → round(0.4)=0 −1 = −1 → 0; 100 → 199 clamps to 127 → 64.
	b := newModelBuilder()
	x := b.f32("x", []int32{1, 4}, nil)
	q := b.tensor("q", tflite.Int8, []int32{1, 4}, nil)
	b.quant(q, 0.5, -1)
	shape := b.tensor("shape", tflite.Int32, []int32{2}, i32Bytes([]int32{2, -1}))
	r := b.tensor("r", tflite.Int8, []int32{2, 2}, nil)
	b.quant(r, 0.5, -1)
	y := b.f32("y", []int32{2, 2}, nil)
	b.op(tflite.OpQuantize, nil, []int32{x}, []int32{q})
	b.op(tflite.OpReshape, nil, []int32{q, shape}, []int32{r})
	b.op(tflite.OpDequantize, nil, []int32{r}, []int32{y})
	b.io([]int32{x}, []int32{y})
	it, err := New(&b.m)
	if err != nil {
		t.Fatal(err)
	}
	copy(it.Input(0).Float32s(), []float32{1.25, -1.25, 0.2, 100})
	var q8 []int8
	it.SetObserver(func(op int, out *Tensor) {
		if op == 0 {
			q8 = append(q8, out.Int8s()...)
		}
	})
	if err := it.Invoke(); err != nil {
		t.Fatal(err)
	}
	wantQ := []int8{2, -4, -1, 127}
	wantY := []float32{1.5, -1.5, 0, 64}
	for i := range wantQ {
		if q8[i] != wantQ[i] {
			t.Errorf("q[%d] = %d, want %d", i, q8[i], wantQ[i])
		}
		if got := it.Output(0).Float32s()[i]; got != wantY[i] {
			t.Errorf("y[%d] = %v, want %v", i, got, wantY[i])
		}
	}
	if it.Output(0).Int8s() != nil || it.Output(0).Shape[0] != 2 {
		t.Errorf("output tensor %+v: want FLOAT32 [2 2]", it.Output(0))
	}
}

func TestDepthwiseAndAveragePool(t *testing.T) {
	// Input 1×2×2×1 [1 2 3 4] → DEPTHWISE 1×1 filter, multiplier 2,
	// weights [1, 10], SAME → channels (x, 10x): [1 10 2 20 3 30 4 40] →
	// AVERAGE_POOL 2×2 stride 2 SAME → one pixel, the mean of each channel:
	// (1+2+3+4)/4 = 2.5 and 25.
	b := newModelBuilder()
	x := b.f32("x", []int32{1, 2, 2, 1}, nil)
	w := b.f32("w", []int32{1, 1, 1, 2}, []float32{1, 10})
	d := b.f32("d", []int32{1, 2, 2, 2}, nil)
	y := b.f32("y", []int32{1, 1, 1, 2}, nil)
	b.op(tflite.OpDepthwiseConv2D, &tflite.DepthwiseConv2DOptions{Padding: tflite.PaddingSame, StrideW: 1, StrideH: 1, DepthMultiplier: 2, DilationW: 1, DilationH: 1},
		[]int32{x, w, -1}, []int32{d})
	b.op(tflite.OpAveragePool2D, pool(tflite.PaddingSame, 2, 2), []int32{d}, []int32{y})
	b.io([]int32{x}, []int32{y})
	it, err := New(&b.m)
	if err != nil {
		t.Fatal(err)
	}
	copy(it.Input(0).Float32s(), []float32{1, 2, 3, 4})
	if err := it.Invoke(); err != nil {
		t.Fatal(err)
	}
	if got := it.Output(0).Float32s(); got[0] != 2.5 || got[1] != 25 {
		t.Errorf("output %v, want [2.5 25]", got)
	}
}

func TestCastExpandDims(t *testing.T) {
	// uint8 [3] = [0 7 255] → CAST → float [0 7 255] → EXPAND_DIMS axis −1
	// (append) → [3,1], same values.
	b := newModelBuilder()
	x := b.tensor("x", tflite.UInt8, []int32{3}, nil)
	f := b.f32("f", []int32{3}, nil)
	axis := b.tensor("axis", tflite.Int32, []int32{}, i32Bytes([]int32{-1}))
	y := b.f32("y", []int32{3, 1}, nil)
	b.op(tflite.OpCast, nil, []int32{x}, []int32{f})
	b.op(tflite.OpExpandDims, nil, []int32{f, axis}, []int32{y})
	b.io([]int32{x}, []int32{y})
	it, err := New(&b.m)
	if err != nil {
		t.Fatal(err)
	}
	copy(it.Input(0).UInt8s(), []uint8{0, 7, 255})
	if err := it.Invoke(); err != nil {
		t.Fatal(err)
	}
	if got := it.Output(0).Float32s(); got[0] != 0 || got[1] != 7 || got[2] != 255 {
		t.Errorf("output %v, want [0 7 255]", got)
	}
	// Axis 2 is out of range for rank 1 (valid: −2..1).
	b.m.Buffers[b.sg().Tensors[axis].Buffer].Data = i32Bytes([]int32{2})
	if _, err := New(&b.m); err == nil || !strings.Contains(err.Error(), "(EXPAND_DIMS): axis 2 out of range") {
		t.Errorf("axis 2: error %v", err)
	}
}

func TestAlignedConstants(t *testing.T) {
	// A buffer starting one byte past an 8-aligned allocation is misaligned
	// for float32 and must be copied; the allocation itself is not copied.
	words := make([]uint64, 2)
	raw := unsafe.Slice((*byte)(unsafe.Pointer(&words[0])), 16)
	copy(raw, []byte{0, 1, 2, 3, 4, 5, 6, 7, 8})
	if a := aligned(raw[:8], 4); &a[0] != &raw[0] {
		t.Error("aligned buffer was copied")
	}
	a := aligned(raw[1:5], 4)
	if uintptr(unsafe.Pointer(&a[0]))%4 != 0 || &a[0] == &raw[1] {
		t.Error("misaligned buffer was not copied to an aligned one")
	}
	if string(a) != string([]byte{1, 2, 3, 4}) || len(a) != 4 || cap(a) != 4 {
		t.Errorf("copy %v (cap %d), want [1 2 3 4] (cap 4)", a, cap(a))
	}
}

func TestDepthwiseShapeErrors(t *testing.T) {
	// Input has 2 channels; filter [n,1,1,c] with options multiplier m.
	tests := []struct {
		fShape []int32
		m      int32
		want   string
	}{
		{[]int32{1, 1, 1, 4}, 2, ""}, // 2·2 = 4: fine
		{[]int32{1, 1, 1, 4}, 0, ""}, // 0: taken from the shapes
		{[]int32{1, 1, 1, 4}, 3, "depth multiplier 3 × 2 input channels ≠ 4"}, // 3·2 ≠ 4
		{[]int32{1, 1, 1, 3}, 0, "does not fit 2 input channels"},             // 3 is not a multiple of 2
		{[]int32{2, 1, 1, 4}, 2, "does not fit 2 input channels"},             // first dimension must be 1
	}
	for _, tc := range tests {
		b := newModelBuilder()
		x := b.f32("x", []int32{1, 1, 1, 2}, nil)
		w := b.f32("w", tc.fShape, make([]float32, tc.fShape[0]*tc.fShape[3]))
		y := b.f32("y", []int32{1, 1, 1, tc.fShape[3]}, nil)
		b.op(tflite.OpDepthwiseConv2D, &tflite.DepthwiseConv2DOptions{Padding: tflite.PaddingValid, StrideW: 1, StrideH: 1, DepthMultiplier: tc.m, DilationW: 1, DilationH: 1},
			[]int32{x, w}, []int32{y})
		b.io([]int32{x}, []int32{y})
		_, err := New(&b.m)
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("filter %v, multiplier %d: error %v, want %q", tc.fShape, tc.m, err, tc.want)
		}
	}
}
