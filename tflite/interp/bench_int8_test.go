package interp

import (
	"testing"

	"github.com/mnistcnn/mnistcnn/tflite"
)

// mnistShapedInt8Model is the reference CNN's graph (FACTS.md) in full
// integer int8, as the converter lays it out: per-channel conv weights,
// per-tensor dense weights, int32 biases, activations with zero point −128
// after each RELU, softmax output 1/256. Weights come from a fixed-seed
// generator; the scales are of the size a trained model has.
func mnistShapedInt8Model(seed uint64) *tflite.Model {
	r := seed
	next := func() uint64 { // xorshift64
		r ^= r << 13
		r ^= r >> 7
		r ^= r << 17
		return r
	}
	w8 := func(n int) []int8 {
		v := make([]int8, n)
		for i := range v {
			v[i] = int8(next()%255) - 127 // [−127, 127], the int8 weight range
		}
		return v
	}
	b32 := func(n int) []int32 {
		v := make([]int32, n)
		for i := range v {
			v[i] = int32(next()%2001) - 1000
		}
		return v
	}
	b := newModelBuilder()
	perChannel := func(t int32, n int, s float32) {
		q := &tflite.Quantization{Scale: make([]float32, n), ZeroPoint: make([]int64, n)}
		for c := range q.Scale {
			q.Scale[c] = s * (0.5 + float32(c)/float32(n))
		}
		b.sg().Tensors[t].Quant = q
	}
	in := b.i8("input", []int32{1, 28, 28, 1}, 1.0/255, -128, nil)
	w1 := b.i8("conv1/w", []int32{32, 3, 3, 1}, 1, 0, w8(32*9))
	perChannel(w1, 32, 0.004)
	b1 := b.i32("conv1/b", []int32{32}, b32(32))
	c1 := b.i8("conv1", []int32{1, 26, 26, 32}, 0.01, -128, nil)
	p1 := b.i8("pool1", []int32{1, 13, 13, 32}, 0.01, -128, nil)
	w2 := b.i8("conv2/w", []int32{32, 3, 3, 32}, 1, 0, w8(32*9*32))
	perChannel(w2, 32, 0.002)
	b2 := b.i32("conv2/b", []int32{32}, b32(32))
	c2 := b.i8("conv2", []int32{1, 11, 11, 32}, 0.05, -128, nil)
	p2 := b.i8("pool2", []int32{1, 5, 5, 32}, 0.05, -128, nil)
	shape := b.i32("shape", []int32{2}, []int32{-1, 800})
	flat := b.i8("flatten", []int32{1, 800}, 0.05, -128, nil)
	w3 := b.i8("dense1/w", []int32{200, 800}, 0.0005, 0, w8(200*800))
	b3 := b.i32("dense1/b", []int32{200}, b32(200))
	d1 := b.i8("dense1", []int32{1, 200}, 0.1, -128, nil)
	w4 := b.i8("dense2/w", []int32{50, 200}, 0.001, 0, w8(50*200))
	b4 := b.i32("dense2/b", []int32{50}, b32(50))
	d2 := b.i8("dense2", []int32{1, 50}, 0.1, -128, nil)
	w5 := b.i8("dense3/w", []int32{10, 50}, 0.002, 0, w8(10*50))
	b5 := b.i32("dense3/b", []int32{10}, b32(10))
	d3 := b.i8("dense3", []int32{1, 10}, 0.1, 0, nil)
	out := b.i8("softmax", []int32{1, 10}, 1.0/256, -128, nil)
	relu := &tflite.FullyConnectedOptions{Activation: tflite.ActRelu}
	b.op(tflite.OpConv2D, conv(tflite.PaddingValid, 1, tflite.ActRelu), []int32{in, w1, b1}, []int32{c1})
	b.op(tflite.OpMaxPool2D, pool(tflite.PaddingValid, 2, 2), []int32{c1}, []int32{p1})
	b.op(tflite.OpConv2D, conv(tflite.PaddingValid, 1, tflite.ActRelu), []int32{p1, w2, b2}, []int32{c2})
	b.op(tflite.OpMaxPool2D, pool(tflite.PaddingValid, 2, 2), []int32{c2}, []int32{p2})
	b.op(tflite.OpReshape, &tflite.ReshapeOptions{}, []int32{p2, shape}, []int32{flat})
	b.op(tflite.OpFullyConnected, relu, []int32{flat, w3, b3}, []int32{d1})
	b.op(tflite.OpFullyConnected, relu, []int32{d1, w4, b4}, []int32{d2})
	b.op(tflite.OpFullyConnected, &tflite.FullyConnectedOptions{}, []int32{d2, w5, b5}, []int32{d3})
	b.op(tflite.OpSoftmax, &tflite.SoftmaxOptions{Beta: 1}, []int32{d3}, []int32{out})
	b.io([]int32{in}, []int32{out})
	return &b.m
}

// mnistImageInt8 is mnistImage quantized with scale 1/255 and zero point
// −128: pixel p/255 becomes p − 128.
func mnistImageInt8(k int) []int8 {
	img := make([]int8, 28*28)
	for i := range img {
		img[i] = int8((i*7+k*13)%256 - 128)
	}
	return img
}

func TestMNISTShapedInt8Model(t *testing.T) {
	it, err := New(mnistShapedInt8Model(1))
	if err != nil {
		t.Fatal(err)
	}
	copy(it.Input(0).Int8s(), mnistImageInt8(0))
	if err := it.Invoke(); err != nil {
		t.Fatal(err)
	}
	// Softmax output q + 128 is 256·probability: the ten values must add up
	// to 256 up to the rounding of each (±1 each).
	sum := 0
	for _, q := range it.Output(0).Int8s() {
		sum += int(q) + 128
	}
	if sum < 246 || sum > 266 {
		t.Errorf("softmax outputs add up to %d/256, want about 256", sum)
	}
	// A clone computes the same thing.
	c := it.Clone()
	copy(c.Input(0).Int8s(), mnistImageInt8(0))
	if err := c.Invoke(); err != nil {
		t.Fatal(err)
	}
	if got, want := c.Output(0).Int8s(), it.Output(0).Int8s(); string(i8bytes(got)) != string(i8bytes(want)) {
		t.Errorf("clone output %v, want %v", got, want)
	}
}

func i8bytes(v []int8) []byte {
	b := make([]byte, len(v))
	for i, x := range v {
		b[i] = byte(x)
	}
	return b
}

// BenchmarkInt8MNIST is one image through the reference CNN's int8 graph
// (random weights, fixed seed) in one goroutine; ns/op is per image.
func BenchmarkInt8MNIST(b *testing.B) {
	it, err := New(mnistShapedInt8Model(1))
	if err != nil {
		b.Fatal(err)
	}
	img := mnistImageInt8(0)
	b.ReportAllocs()
	for b.Loop() {
		copy(it.Input(0).Int8s(), img)
		if err := it.Invoke(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N), "µs/image")
}

// BenchmarkPersonDetectInt8 is one 96×96 frame through the reference
// person_detect MobileNet (testdata/models) in one goroutine.
func BenchmarkPersonDetectInt8(b *testing.B) {
	it, err := New(loadModel(b, "person_detect.tflite"))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := it.Invoke(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N), "µs/image")
}
