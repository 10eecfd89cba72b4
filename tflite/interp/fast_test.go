package interp

import (
	"crypto/sha256"
	"fmt"
	"math"
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
