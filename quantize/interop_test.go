package quantize

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/mnistcnn/mnistcnn/interop/tfjs"
	"github.com/mnistcnn/mnistcnn/tflite"
	"github.com/mnistcnn/mnistcnn/tflite/interp"
)

// TestInt8RunsInTFLite loads the int8 model in TensorFlow Lite's own
// interpreter (tfjs-tflite, WebAssembly) and checks that it accepts the
// quantization parameters and computes what mnistcnn's interpreter does.
// Int8 outputs may differ by one step between runtimes (their softmax
// arithmetic differs; interop/tfjs's README), so ±1 is allowed.
func TestInt8RunsInTFLite(t *testing.T) {
	if err := tfjs.Available(); err != nil {
		t.Skip(err)
	}
	q, err := Int8(smallModel(1), images(2, 50), DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	b, err := tflite.Encode(q)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "small_int8.tflite")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	ip, err := interp.New(q)
	if err != nil {
		t.Fatal(err)
	}
	test := images(3, 20)
	var in, want []int8
	for _, x := range test {
		dst := ip.Input(0).Int8s()
		for i, v := range x {
			dst[i] = Quantize(v, 1.0/255, -128)
		}
		in = append(in, dst...)
		if err := ip.Invoke(); err != nil {
			t.Fatal(err)
		}
		want = append(want, ip.Output(0).Int8s()...)
	}
	got, _, err := tfjs.RunInt8(path, in, len(test))
	if err != nil {
		t.Fatal(err)
	}
	diff := 0
	for i := range want {
		d := int(got[i]) - int(want[i])
		if d < -1 || d > 1 {
			t.Errorf("output %d: TFLite %d, mnistcnn %d", i, got[i], want[i])
		}
		if d != 0 {
			diff++
		}
	}
	t.Logf("%d of %d int8 outputs differ by one step from TFLite's", diff, len(want))
}
