package interp

import (
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/mnistcnn/mnistcnn/tflite"
)

// BenchmarkFloatMNIST is one image through the reference CNN's float graph
// (random weights, fixed seed) in one goroutine; ns/op is per image, and
// cpu-µs/image the thread's CPU time (steadier when other jobs share the
// machine).
func BenchmarkFloatMNIST(b *testing.B) {
	it, err := New(mnistShapedModel(1))
	if err != nil {
		b.Fatal(err)
	}
	img := mnistImage(0)
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	b.ReportAllocs()
	cpu0, ok := threadCPU()
	for b.Loop() {
		copy(it.Input(0).Float32s(), img)
		if err := it.Invoke(); err != nil {
			b.Fatal(err)
		}
	}
	if cpu1, _ := threadCPU(); ok {
		b.ReportMetric((cpu1-cpu0)*1e6/float64(b.N), "cpu-µs/image")
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N), "µs/image")
}

// BenchmarkFloatAlankrantas runs a real converter model (AutoKeras MNIST
// CNN, uint8 input; testdata/models): conv 3×3 1→32 and 32→64, pool, dense
// 9216→10, about 11 M multiply-adds an image.
func BenchmarkFloatAlankrantas(b *testing.B) {
	it, err := New(loadModel(b, "mnist_cnn_float_uint8in_alankrantas.tflite"))
	if err != nil {
		b.Fatal(err)
	}
	img := make([]uint8, 28*28)
	for i := range img {
		img[i] = uint8(i * 7) // any pattern: the work does not depend on it
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	cpu0, ok := threadCPU()
	for b.Loop() {
		copy(it.Input(0).UInt8s(), img)
		if err := it.Invoke(); err != nil {
			b.Fatal(err)
		}
	}
	if cpu1, _ := threadCPU(); ok {
		b.ReportMetric((cpu1-cpu0)*1e6/float64(b.N), "cpu-µs/image")
	}
}

// BenchmarkFloatMNISTParallel and BenchmarkInt8MNISTParallel run
// GOMAXPROCS goroutines, each with its own interpreter (Clone), as a
// whole-test-set evaluation does; images/s is the total throughput.
func BenchmarkFloatMNISTParallel(b *testing.B) {
	img := mnistImage(1)
	benchParallel(b, mnistShapedModel(1), func(it *Interpreter) { copy(it.Input(0).Float32s(), img) })
}

func BenchmarkInt8MNISTParallel(b *testing.B) {
	img := mnistImageInt8(1)
	benchParallel(b, mnistShapedInt8Model(1), func(it *Interpreter) { copy(it.Input(0).Int8s(), img) })
}

func benchParallel(b *testing.B, m *tflite.Model, setInput func(*Interpreter)) {
	it, err := New(m)
	if err != nil {
		b.Fatal(err)
	}
	var images atomic.Int64
	b.SetParallelism(1) // one goroutine per GOMAXPROCS
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		c := it.Clone()
		for pb.Next() {
			setInput(c)
			if err := c.Invoke(); err != nil {
				b.Error(err)
				return
			}
			images.Add(1)
		}
	})
	b.ReportMetric(float64(images.Load())/b.Elapsed().Seconds(), "images/s")
	b.ReportMetric(float64(runtime.GOMAXPROCS(0)), "goroutines")
}
