package interp

import (
	"crypto/sha256"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/mnistcnn/mnistcnn/internal/mnisttest"
	"github.com/mnistcnn/mnistcnn/tflite"
)

// newScalar prepares m on the scalar reference kernels alone.
func newScalar(t testing.TB, m *tflite.Model) *Interpreter {
	t.Helper()
	fastKernels = false
	defer func() { fastKernels = true }()
	it, err := New(m)
	if err != nil {
		t.Fatal(err)
	}
	return it
}

// quantizePixel is MNIST pixel p (p/255 in [0, 1]) in the input's int8
// quantization.
func quantizePixel(p uint8, in *Tensor) int8 {
	q := math.Round(float64(p)/255/float64(in.Scale[0])) + float64(in.ZeroPoint[0])
	return int8(min(max(q, -128), 127))
}

// int8TestSetHash runs all 10,000 MNIST test images through it and returns
// the SHA-256 of the output tensors, back to back.
func int8TestSetHash(t *testing.T, it *Interpreter) (string, []byte) {
	set := mnisttest.Data(t).Test
	h := sha256.New()
	var all []byte
	in := it.Input(0)
	for i := 0; i < set.N; i++ {
		dst := in.Int8s()
		for j, p := range set.Image(i) {
			dst[j] = quantizePixel(p, in)
		}
		if err := it.Invoke(); err != nil {
			t.Fatal(err)
		}
		all = append(all, it.Output(0).Bytes()...)
	}
	h.Write(all)
	return fmt.Sprintf("%x", h.Sum(nil)), all
}

// TestInt8FastKernelsTestSet holds the fast int8 kernels to the scalar
// reference (TFLite Micro-exact) on the project's trained int8 model: the
// output tensors of all 10,000 test images are the same bytes. The hash is
// logged to compare with other builds (go test -v).
func TestInt8FastKernelsTestSet(t *testing.T) {
	if testing.Short() {
		t.Skip("runs 10,000 images twice")
	}
	m := loadModel(t, "mnistcnn_int8.tflite")
	fast, err := New(m)
	if err != nil {
		t.Fatal(err)
	}
	hf, of := int8TestSetHash(t, fast)
	hs, os := int8TestSetHash(t, newScalar(t, m))
	for i := range of {
		if of[i] != os[i] {
			t.Fatalf("image %d, output %d: fast kernels give %d, scalar %d", i/10, i%10, int8(of[i]), int8(os[i]))
		}
	}
	t.Logf("sha256 of the int8 outputs of 10,000 test images: %s (scalar %s)", hf, hs)
}

// TestFastKernelsMatchScalar runs the reference CNN's float and int8
// graphs, and a converter's float model, on the fast and the scalar
// kernels: float outputs within 1e-5, int8 the same bytes. Every image
// goes through clones running at once, each with its own scratch.
func TestFastKernelsMatchScalar(t *testing.T) {
	for _, tc := range []struct {
		name  string
		model *tflite.Model
		fill  func(in *Tensor, k int)
	}{
		{"float", mnistShapedModel(1), func(in *Tensor, k int) { copy(in.Float32s(), mnistImage(k)) }},
		{"int8", mnistShapedInt8Model(1), func(in *Tensor, k int) { copy(in.Int8s(), mnistImageInt8(k)) }},
		{"alankrantas", loadModel(t, "mnist_cnn_float_uint8in_alankrantas.tflite"), func(in *Tensor, k int) {
			for i := range in.UInt8s() {
				in.UInt8s()[i] = uint8(i*7 + k*31)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			scalar := newScalar(t, tc.model)
			fast, err := New(tc.model)
			if err != nil {
				t.Fatal(err)
			}
			const images = 8
			want := make([][]byte, images)
			for k := range want {
				tc.fill(scalar.Input(0), k)
				if err := scalar.Invoke(); err != nil {
					t.Fatal(err)
				}
				want[k] = append([]byte(nil), scalar.Output(0).Bytes()...)
			}
			got := make([][]byte, images)
			done := make(chan int)
			for w := 0; w < 2; w++ {
				c := fast.Clone()
				go func() {
					for k := w; k < images; k += 2 {
						tc.fill(c.Input(0), k)
						if err := c.Invoke(); err != nil {
							t.Error(err)
						}
						got[k] = append([]byte(nil), c.Output(0).Bytes()...)
					}
					done <- w
				}()
			}
			<-done
			<-done
			for k := range want {
				if tc.name == "int8" {
					if string(got[k]) != string(want[k]) {
						t.Errorf("image %d: fast %v, scalar %v", k, got[k], want[k])
					}
					continue
				}
				g, w := float32sOf(got[k]), float32sOf(want[k])
				for i := range w {
					if d := math.Abs(float64(g[i] - w[i])); d > 1e-5*math.Max(1, math.Abs(float64(w[i]))) {
						t.Errorf("image %d output %d: fast %v, scalar %v", k, i, g[i], w[i])
					}
				}
			}
		})
	}
}

// float32sOf reads little-endian float32s.
func float32sOf(b []byte) []float32 {
	v := make([]float32, len(b)/4)
	for i := range v {
		v[i] = math.Float32frombits(uint32(b[4*i]) | uint32(b[4*i+1])<<8 | uint32(b[4*i+2])<<16 | uint32(b[4*i+3])<<24)
	}
	return v
}

// fcModel is one float FULLY_CONNECTED of batches rows, inD → outD, with
// bias and the given activation; weights from a fixed-seed generator.
func fcModel(batches, inD, outD int, act tflite.Activation, seed uint64) *tflite.Model {
	r := rand.New(rand.NewPCG(seed, 7))
	rnd := func(n int) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(r.NormFloat64())
		}
		return v
	}
	b := newModelBuilder()
	in := b.f32("input", []int32{int32(batches), int32(inD)}, nil)
	w := b.f32("w", []int32{int32(outD), int32(inD)}, rnd(outD*inD))
	bias := b.f32("b", []int32{int32(outD)}, rnd(outD))
	out := b.f32("out", []int32{int32(batches), int32(outD)}, nil)
	b.op(tflite.OpFullyConnected, &tflite.FullyConnectedOptions{Activation: act}, []int32{in, w, bias}, []int32{out})
	b.io([]int32{in}, []int32{out})
	return &b.m
}

// TestFastFullyConnectedFloat runs single float FULLY_CONNECTED layers on
// the fast and the scalar kernels: batch 1 (simd.Gemv) on every pair of
// the depths below, batch 3 (simd.Gemm) on some. Layers of at least
// minGemmWeights weights must agree within 1e-5 relative, smaller ones
// (kept on the scalar kernel) to the bit.
func TestFastFullyConnectedFloat(t *testing.T) {
	var shapes [][3]int
	for _, inD := range []int{1, 3, 7, 17, 50, 200, 800} {
		for _, outD := range []int{1, 3, 10, 50, 200} {
			shapes = append(shapes, [3]int{1, inD, outD})
		}
	}
	shapes = append(shapes, [3]int{3, 800, 200}, [3]int{3, 200, 50}, [3]int{3, 17, 200}, [3]int{3, 50, 10})
	r := rand.New(rand.NewPCG(9, 9))
	for si, s := range shapes {
		batches, inD, outD := s[0], s[1], s[2]
		act := []tflite.Activation{tflite.ActNone, tflite.ActRelu, tflite.ActRelu6}[si%3]
		m := fcModel(batches, inD, outD, act, uint64(si))
		scalar := newScalar(t, m)
		fast, err := New(m)
		if err != nil {
			t.Fatal(err)
		}
		x := make([]float32, batches*inD)
		for i := range x {
			x[i] = float32(r.NormFloat64())
		}
		copy(scalar.Input(0).Float32s(), x)
		copy(fast.Input(0).Float32s(), x)
		if err := scalar.Invoke(); err != nil {
			t.Fatal(err)
		}
		if err := fast.Invoke(); err != nil {
			t.Fatal(err)
		}
		want, got := scalar.Output(0).Float32s(), fast.Output(0).Float32s()
		scale := 1.0
		for _, v := range want {
			scale = math.Max(scale, math.Abs(float64(v)))
		}
		for i := range want {
			if inD*outD < minGemmWeights {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Fatalf("%v (kept scalar): [%d] = %v, scalar %v", s, i, got[i], want[i])
				}
				continue
			}
			if d := math.Abs(float64(got[i] - want[i])); !(d <= 1e-5*scale) {
				t.Fatalf("%v: [%d] = %v, scalar %v", s, i, got[i], want[i])
			}
		}
	}
}
