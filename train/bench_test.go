package train

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/mnistcnn/mnistcnn/model"
)

// BenchmarkTrainStep times one training step of the reference model at
// batch 32 (load the batch, forward, backward, RMSprop update) and reports
// µs per image, the seconds an epoch of 55,000 images would take
// (extrapolated: 1,718 steps × the time of one), and the process's peak
// resident memory (VmHWM), which covers everything the test binary ran.
//
//	go test -run '^$' -bench TrainStep -benchtime 100x ./train
func BenchmarkTrainStep(b *testing.B) { benchStep(b, model.DefaultArch) }

// BenchmarkTrainStepDepthwise is BenchmarkTrainStep for the depthwise
// preset (depthwise convolutions, 1×1 convolutions, global average pool).
func BenchmarkTrainStepDepthwise(b *testing.B) { benchStep(b, "depthwise") }

func benchStep(b *testing.B, arch string) {
	const batch = 32
	ck, err := NewCheckpoint(Config{Arch: arch, Epochs: 1, Batch: batch, Optimizer: KerasRMSprop(), Seed: 1}, MNIST)
	if err != nil {
		b.Fatal(err)
	}
	a, err := ck.Architecture()
	if err != nil {
		b.Fatal(err)
	}
	set := synthetic(batch * 8)
	n, err := newNet(a, ck.Weights, batch, true)
	if err != nil {
		b.Fatal(err)
	}
	defer n.close()
	perm := permutation(1, 0, set.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s := i % (set.N / batch)
		n.load(set, perm[s*batch:(s+1)*batch], nil)
		n.drawMasks(ck.Seed, 0, i)
		if err := n.run(); err != nil {
			b.Fatal(err)
		}
		ck.OptStep++
		step(ck.Optimizer, ck.OptStep, ck.Weights, ck.OptState, n.grad)
	}
	b.StopTimer()
	perStep := b.Elapsed().Seconds() / float64(b.N)
	b.ReportMetric(perStep/batch*1e6, "µs/image")
	b.ReportMetric(perStep*float64(55000/batch), "s/epoch")
	if kb := peakRSSKiB(); kb > 0 {
		b.ReportMetric(float64(kb)/1024, "MiB-peak-RSS")
	}
}

// peakRSSKiB is VmHWM from /proc/self/status, or 0 where there is none.
func peakRSSKiB() int {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			return kb
		}
	}
	return 0
}
