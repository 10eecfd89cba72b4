package simd

import (
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
)

// benchShapes are the CNN's products at batch 32, and at chunks of 8 images.
var benchShapes = []struct {
	name           string
	transA, transB bool
	m, n, k        int
}{
	{"conv2fwd", false, true, 3872, 32, 288},
	{"conv2bwdData", false, false, 3872, 288, 32},
	{"conv2bwdFilter", true, false, 32, 288, 3872},
	{"conv1fwd", false, true, 21632, 32, 9},
	{"conv1bwdFilter", true, false, 32, 9, 21632},
	{"dense1fwd", false, false, 32, 200, 800},
	{"dense1bwdData", false, true, 32, 800, 200},
	{"dense1bwdFilter", true, false, 800, 200, 32},
	{"dense2fwd", false, false, 32, 50, 200},
	{"dense2bwdData", false, true, 32, 200, 50},
	{"dense2bwdFilter", true, false, 200, 50, 32},
	{"dense3fwd", false, false, 32, 10, 50},
	{"dense3bwdData", false, true, 32, 50, 10},
	{"dense3bwdFilter", true, false, 50, 10, 32},
	{"c8conv2fwd", false, true, 968, 32, 288},
	{"c8conv2bwdData", false, false, 968, 288, 32},
	{"c8conv2bwdFilter", true, false, 32, 288, 968},
	{"c8conv1fwd", false, true, 5408, 32, 9},
	{"c8conv1bwdFilter", true, false, 32, 9, 5408},
}

type benchBufs struct{ a, b, c []float32 }

func newBenchBufs(m, n, k int) benchBufs {
	rng := rand.New(rand.NewPCG(uint64(m), uint64(n*k)))
	mk := func(l int) []float32 {
		s := make([]float32, l)
		for i := range s {
			s[i] = rng.Float32() - 0.5
		}
		return s
	}
	return benchBufs{mk(m * k), mk(k * n), mk(m * n)}
}

// BenchmarkGemm reports GFLOP/s (2·m·n·k per call) for every kernel set on
// this machine and for gonum's pure-Go Sgemm, on one core (GOMAXPROCS 1,
// which also stops gonum from splitting large products across goroutines)
// and on two cores (GOMAXPROCS 2, two goroutines each running its own
// products on its own buffers; the figure is their combined rate).
func BenchmarkGemm(b *testing.B) {
	type impl struct {
		name string
		run  func(transA, transB bool, m, n, k int, bb benchBufs)
	}
	var impls []impl
	for _, ks := range sets {
		impls = append(impls, impl{ks.name, func(transA, transB bool, m, n, k int, bb benchBufs) {
			lda, ldb := k, n
			if transA {
				lda = m
			}
			if transB {
				ldb = k
			}
			gemmWith(ks, transA, transB, m, n, k, bb.a, lda, bb.b, ldb, 0, bb.c, n)
		}})
	}
	gonum := blas32.Implementation()
	impls = append(impls, impl{"gonum", func(transA, transB bool, m, n, k int, bb benchBufs) {
		tA, tB := blas.NoTrans, blas.NoTrans
		lda, ldb := k, n
		if transA {
			tA, lda = blas.Trans, m
		}
		if transB {
			tB, ldb = blas.Trans, k
		}
		gonum.Sgemm(tA, tB, m, n, k, 1, bb.a, lda, bb.b, ldb, 0, bb.c, n)
	}})

	for _, sh := range benchShapes {
		flops := 2 * float64(sh.m) * float64(sh.n) * float64(sh.k)
		for _, im := range impls {
			for _, procs := range []int{1, 2} {
				name := sh.name + "/" + im.name + "/1core"
				if procs == 2 {
					name = sh.name + "/" + im.name + "/2cores"
				}
				b.Run(name, func(b *testing.B) {
					defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
					bufs := make([]benchBufs, procs)
					for i := range bufs {
						bufs[i] = newBenchBufs(sh.m, sh.n, sh.k)
						im.run(sh.transA, sh.transB, sh.m, sh.n, sh.k, bufs[i]) // warm-up
					}
					b.ResetTimer()
					var wg sync.WaitGroup
					for g := 0; g < procs; g++ {
						wg.Add(1)
						go func(bb benchBufs) {
							defer wg.Done()
							for i := 0; i < b.N; i++ {
								im.run(sh.transA, sh.transB, sh.m, sh.n, sh.k, bb)
							}
						}(bufs[g])
					}
					wg.Wait()
					b.StopTimer()
					b.ReportMetric(float64(procs)*flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
				})
			}
		}
	}
}
