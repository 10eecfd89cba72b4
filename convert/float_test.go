package convert

import (
	"bytes"
	"math"
	"slices"
	"testing"

	"github.com/mnistcnn/mnistcnn/internal/mnisttest"
	"github.com/mnistcnn/mnistcnn/model"
	"github.com/mnistcnn/mnistcnn/tflite"
	"github.com/mnistcnn/mnistcnn/tflite/interp"
	"github.com/mnistcnn/mnistcnn/train"
)

// seededCheckpoint is an untrained checkpoint: Glorot-uniform weights from
// seed 1 and, so that the biases' layout is checked too, biases that are
// not zero.
func seededCheckpoint(t testing.TB) *model.Checkpoint {
	cfg := train.DefaultConfig()
	ck, err := train.NewCheckpoint(cfg, train.MNIST)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range ck.Weights {
		if len(w.Shape) == 1 {
			for i := range w.Data {
				w.Data[i] = float32(i%5)*0.01 - 0.02
			}
		}
	}
	return ck
}

// TestFloatMatchesGorgonia runs the exported model in mnistcnn's interpreter
// and the checkpoint in Gorgonia on the same images: every layout transform
// must be right for the outputs to agree.
func TestFloatMatchesGorgonia(t *testing.T) {
	ck := seededCheckpoint(t)
	set := mnisttest.Test(t, 50)
	want, err := train.Predict(ck, set)
	if err != nil {
		t.Fatal(err)
	}
	m, err := Float(ck, "test")
	if err != nil {
		t.Fatal(err)
	}
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
	in, out := it.Input(0).Float32s(), it.Output(0).Float32s()
	for i := 0; i < set.N; i++ {
		set.Float(i, in)
		if err := it.Invoke(); err != nil {
			t.Fatal(err)
		}
		for c, got := range out {
			w := want[i*10+c]
			if math.Abs(float64(got-w)) > 1e-5 {
				t.Fatalf("image %d class %d: interpreter %v, Gorgonia %v", i, c, got, w)
			}
		}
	}
}

func TestFloatLayout(t *testing.T) {
	m, err := Float(seededCheckpoint(t), "mnistcnn test")
	if err != nil {
		t.Fatal(err)
	}
	sg := m.Subgraphs[0]
	var ops []string
	for i := range sg.Operators {
		ops = append(ops, m.Opcode(&sg.Operators[i]).String())
	}
	// The Keras model as TensorFlow's converter writes it.
	want := []string{"CONV_2D", "MAX_POOL_2D", "CONV_2D", "MAX_POOL_2D", "RESHAPE",
		"FULLY_CONNECTED", "FULLY_CONNECTED", "FULLY_CONNECTED", "SOFTMAX"}
	if len(ops) != len(want) {
		t.Fatalf("ops %v, want %v", ops, want)
	}
	for i := range ops {
		if ops[i] != want[i] {
			t.Fatalf("ops %v, want %v", ops, want)
		}
	}
	in, out := sg.Tensors[sg.Inputs[0]], sg.Tensors[sg.Outputs[0]]
	if in.Type != tflite.Float32 || !slices.Equal(in.Shape, []int32{1, 28, 28, 1}) {
		t.Errorf("input %v %v, want FLOAT32 [1 28 28 1]", in.Type, in.Shape)
	}
	if out.Type != tflite.Float32 || !slices.Equal(out.Shape, []int32{1, 10}) {
		t.Errorf("output %v %v, want FLOAT32 [1 10]", out.Type, out.Shape)
	}
	if v, ok := m.MinRuntimeVersion(); !ok || v != "1.5.0" {
		t.Errorf("min_runtime_version %q, %v", v, ok)
	}
}

func TestFloatDeterministicAndSmall(t *testing.T) {
	enc := func() []byte {
		m, err := Float(seededCheckpoint(t), "mnistcnn test")
		if err != nil {
			t.Fatal(err)
		}
		b, err := tflite.Encode(m)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	a, b := enc(), enc()
	if !bytes.Equal(a, b) {
		t.Fatal("the same checkpoint gave two different files")
	}
	// 724,440 bytes is the Keras/TFLiteConverter export of the same model.
	if len(a) > 724440 {
		t.Fatalf("float model is %d bytes, more than Keras's 724,440", len(a))
	}
	t.Logf("float model: %d bytes", len(a))
}

func TestFloatRefusesWrongCheckpoint(t *testing.T) {
	ck := seededCheckpoint(t)
	ck.Weights = ck.Weights[:3]
	if _, err := Float(ck, ""); err == nil {
		t.Fatal("a checkpoint with 3 tensors was converted")
	}
	ck = seededCheckpoint(t)
	ck.Weights[0].Data[4] = float32(math.NaN())
	if _, err := Float(ck, ""); err == nil {
		t.Fatal("a NaN weight was converted")
	}
}
