package interp

import (
	"os"
	"runtime"
	"testing"

	"github.com/mnistcnn/mnistcnn/tflite"
)

// BenchmarkFile and BenchmarkFileParallel run the .tflite file named by
// $MNISTCNN_BENCH_MODEL (skipped without it) on a fixed input, for
// scripts/bench-interp.sh to set against TensorFlow Lite on the same file:
// µs/image on one goroutine, and images/s on GOMAXPROCS goroutines with
// a clone each.
func BenchmarkFile(b *testing.B) {
	m := benchFileModel(b)
	it, err := New(m)
	if err != nil {
		b.Fatal(err)
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	b.ReportAllocs()
	for b.Loop() {
		fillPattern(it.Input(0))
		if err := it.Invoke(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N), "µs/image")
}

func BenchmarkFileParallel(b *testing.B) {
	benchParallel(b, benchFileModel(b), func(it *Interpreter) { fillPattern(it.Input(0)) })
}

func benchFileModel(b *testing.B) *tflite.Model {
	path := os.Getenv("MNISTCNN_BENCH_MODEL")
	if path == "" {
		b.Skip("set MNISTCNN_BENCH_MODEL to a .tflite file")
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	m, err := tflite.Decode(raw)
	if err != nil {
		b.Fatal(err)
	}
	return m
}

// fillPattern writes an image-like pattern into the input: the work does
// not depend on the values, but denormals or NaNs could.
func fillPattern(in *Tensor) {
	switch in.Type {
	case tflite.Float32:
		for i := range in.Float32s() {
			in.Float32s()[i] = float32(i*7%256) / 255
		}
	case tflite.Int8:
		for i := range in.Int8s() {
			in.Int8s()[i] = int8(i*7%256 - 128)
		}
	case tflite.UInt8:
		for i := range in.UInt8s() {
			in.UInt8s()[i] = uint8(i * 7)
		}
	}
}
