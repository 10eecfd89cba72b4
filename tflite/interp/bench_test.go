package interp

import (
	"runtime"
	"sync/atomic"
	"testing"
)

// BenchmarkFloatMNIST is one image through the reference CNN's float graph
// (random weights, fixed seed) in one goroutine; ns/op is per image.
func BenchmarkFloatMNIST(b *testing.B) {
	it, err := New(mnistShapedModel(1))
	if err != nil {
		b.Fatal(err)
	}
	img := mnistImage(0)
	b.ReportAllocs()
	for b.Loop() {
		copy(it.Input(0).Float32s(), img)
		if err := it.Invoke(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N), "µs/image")
}

// BenchmarkFloatMNISTParallel runs GOMAXPROCS goroutines, each with its own
// interpreter (Clone), as a whole-test-set evaluation does; images/s is the
// total throughput.
func BenchmarkFloatMNISTParallel(b *testing.B) {
	it, err := New(mnistShapedModel(1))
	if err != nil {
		b.Fatal(err)
	}
	var images atomic.Int64
	b.SetParallelism(1) // one goroutine per GOMAXPROCS
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		c := it.Clone()
		img := mnistImage(1)
		for pb.Next() {
			copy(c.Input(0).Float32s(), img)
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
