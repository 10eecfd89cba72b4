package interp

import (
	"bytes"
	"encoding/binary"
	"testing"
	"unsafe"

	"github.com/mnistcnn/mnistcnn/tflite"
	"github.com/mnistcnn/mnistcnn/tflite/kernels"
)

// runPlan evaluates an int8 plan the way a code generator would use it:
// one arena laid out by the plan's offsets, each operator a call of the
// reference kernel with the plan's constants. It returns the output bytes.
func runPlan(t *testing.T, pl *Plan, input []byte) []byte {
	t.Helper()
	arena := make([]byte, pl.ArenaBytes)
	data := func(k int) []byte {
		if k < 0 {
			return nil
		}
		x := &pl.Tensors[k]
		if x.Constant {
			return x.Data
		}
		return arena[x.Offset : x.Offset+x.Bytes]
	}
	i8 := func(b []byte) []int8 { return unsafe.Slice((*int8)(unsafe.Pointer(unsafe.SliceData(b))), len(b)) }
	i32 := func(b []byte) []int32 {
		if b == nil {
			return nil
		}
		v := make([]int32, len(b)/4)
		for j := range v {
			v[j] = int32(binary.LittleEndian.Uint32(b[4*j:]))
		}
		return v
	}
	copy(data(pl.Inputs[0]), input)
	for _, op := range pl.Operators {
		in := func(k int) int {
			if k < len(op.Inputs) {
				return op.Inputs[k]
			}
			return -1
		}
		x, y := i8(data(op.Inputs[0])), i8(data(op.Outputs[0]))
		switch {
		case op.Conv != nil && op.Op == tflite.OpConv2D:
			c := op.Conv
			kernels.ConvPerChannelInt8(&c.Params, c.Input, x, c.Filter, i8(data(in(1))), i32(data(in(2))), c.Output, y)
		case op.Conv != nil:
			c := op.Conv
			kernels.DepthwiseConvPerChannelInt8(&c.Params, c.Input, x, c.Filter, i8(data(in(1))), i32(data(in(2))), c.Output, y)
		case op.Pool != nil && op.Op == tflite.OpMaxPool2D:
			kernels.MaxPoolInt8(&op.Pool.Params, op.Pool.Input, x, op.Pool.Output, y)
		case op.Pool != nil:
			if err := kernels.AveragePoolInt8(&op.Pool.Params, op.Pool.Input, x, op.Pool.Output, y); err != nil {
				t.Fatal(err)
			}
		case op.FullyConnected != nil:
			f := op.FullyConnected
			kernels.FullyConnectedInt8(&f.Params, f.Batches, f.AccumDepth, f.OutDepth, x, i8(data(in(1))), i32(data(in(2))), y)
		case op.Softmax != nil:
			kernels.SoftmaxInt8(&op.Softmax.Params, op.Softmax.Depth, x, y)
		case op.Op == tflite.OpReshape:
			copy(y, x)
		default:
			t.Fatalf("operator %d (%s): no prepared constants", op.Index, op.Name)
		}
	}
	return bytes.Clone(data(pl.Outputs[0]))
}

// checkPlan runs inputs through Invoke and through runPlan over the
// exported plan, and wants the same bytes.
func checkPlan(t *testing.T, it *Interpreter, inputs [][]byte) {
	t.Helper()
	pl := it.Plan()
	for k, in := range inputs {
		copy(it.Input(0).Bytes(), in)
		if err := it.Invoke(); err != nil {
			t.Fatal(err)
		}
		want := it.Output(0).Bytes()
		if got := runPlan(t, pl, in); !bytes.Equal(got, want) {
			t.Fatalf("input %d: plan gives %v, Invoke %v", k, got, want)
		}
	}
}

func patternInputs(n, size int) [][]byte {
	r := uint64(0x9e3779b97f4a7c15)
	var out [][]byte
	for range n {
		b := make([]byte, size)
		for i := range b {
			r ^= r << 13
			r ^= r >> 7
			r ^= r << 17
			b[i] = byte(r >> 32)
		}
		out = append(out, b)
	}
	return out
}

func TestPlanMNISTShaped(t *testing.T) {
	it, err := New(mnistShapedInt8Model(7))
	if err != nil {
		t.Fatal(err)
	}
	pl := it.Plan()
	if pl.ArenaBytes != it.ArenaBytes() || len(pl.Operators) != it.NumOperators() {
		t.Fatalf("arena %d ops %d, want %d and %d", pl.ArenaBytes, len(pl.Operators), it.ArenaBytes(), it.NumOperators())
	}
	wantOps := []string{"CONV_2D", "MAX_POOL_2D", "CONV_2D", "MAX_POOL_2D", "RESHAPE",
		"FULLY_CONNECTED", "FULLY_CONNECTED", "FULLY_CONNECTED", "SOFTMAX"}
	for i, op := range pl.Operators {
		if op.Name != wantOps[i] || op.Index != i {
			t.Errorf("operator %d is %d %s, want %s", i, op.Index, op.Name, wantOps[i])
		}
	}
	c := pl.Operators[0].Conv
	if c == nil || len(c.Params.OutMultiplier) != 32 || c.Params.InputOffset != 128 || c.Params.OutputOffset != -128 ||
		c.Output != (kernels.Shape4{N: 1, H: 26, W: 26, C: 32}) || c.Params.QuantMin != -128 || c.Params.QuantMax != 127 {
		t.Errorf("conv1 = %+v", c)
	}
	if f := pl.Operators[5].FullyConnected; f == nil || f.Batches != 1 || f.AccumDepth != 800 || f.OutDepth != 200 || len(f.Params.OutMultiplier) != 1 {
		t.Errorf("dense1 = %+v", f)
	}
	if s := pl.Operators[8].Softmax; s == nil || s.Rows != 1 || s.Depth != 10 || s.Params.InputMultiplier == 0 {
		t.Errorf("softmax = %+v", s)
	}
	if pl.Operators[4].Conv != nil || pl.Operators[4].Pool != nil {
		t.Errorf("reshape has constants")
	}
	// Tensors alive at the same operator do not overlap, and all fit.
	for _, op := range pl.Operators {
		ts := append(append([]int(nil), op.Inputs...), op.Outputs...)
		for a, i := range ts {
			for _, j := range ts[a+1:] {
				if i < 0 || j < 0 || i == j || pl.Tensors[i].Constant || pl.Tensors[j].Constant {
					continue
				}
				x, y := pl.Tensors[i], pl.Tensors[j]
				if x.Offset < y.Offset+y.Bytes && y.Offset < x.Offset+x.Bytes {
					t.Errorf("operator %d: tensors %d and %d overlap", op.Index, i, j)
				}
			}
		}
	}
	for _, x := range pl.Tensors {
		if x.Constant != (x.Offset < 0) || !x.Constant && x.Offset+x.Bytes > pl.ArenaBytes || x.Constant != (x.Data != nil) {
			t.Errorf("tensor %d: constant %v offset %d bytes %d data %d", x.Index, x.Constant, x.Offset, x.Bytes, len(x.Data))
		}
	}
	checkPlan(t, it, patternInputs(5, 28*28))

	// The plan is a copy.
	c.Params.OutMultiplier[0]++
	pl.Tensors[1].Data[0]++
	if it.Plan().Operators[0].Conv.Params.OutMultiplier[0] == c.Params.OutMultiplier[0] ||
		it.Plan().Tensors[1].Data[0] == pl.Tensors[1].Data[0] {
		t.Error("changing the plan changed the interpreter")
	}
}

// TestPlanPersonDetect covers depthwise convolutions (multiplier 8 and 1),
// SAME padding, stride 2 and the average pool.
func TestPlanPersonDetect(t *testing.T) {
	if testing.Short() {
		t.Skip("person_detect on the reference kernels")
	}
	it, err := New(loadModel(t, "person_detect.tflite"))
	if err != nil {
		t.Fatal(err)
	}
	pl := it.Plan()
	if c := pl.Operators[0].Conv; c == nil || c.Params.DepthMultiplier != 8 || c.Params.StrideH != 2 || c.Params.Padding.Height != 0 {
		t.Errorf("operator 0 = %+v", c)
	}
	if p := pl.Operators[27].Pool; p == nil || p.Params.FilterH != 3 || p.Output.C != 256 {
		t.Errorf("operator 27 = %+v", p)
	}
	checkPlan(t, it, patternInputs(2, 96*96))
}

// TestPlanFloat: float kernels export no constants.
func TestPlanFloat(t *testing.T) {
	it, err := New(mnistShapedModel(1))
	if err != nil {
		t.Fatal(err)
	}
	for _, op := range it.Plan().Operators {
		if op.Conv != nil || op.Pool != nil || op.FullyConnected != nil || op.Softmax != nil {
			t.Errorf("operator %d (%s) exports int8 constants", op.Index, op.Name)
		}
	}
}
