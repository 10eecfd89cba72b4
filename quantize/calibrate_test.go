package quantize

import (
	"math"
	"slices"
	"testing"
)

func TestPickCalibration(t *testing.T) {
	a := PickCalibration(500, 1, 60000)
	b := PickCalibration(500, 1, 60000)
	if !slices.Equal(a, b) {
		t.Fatal("same seed gave different indices")
	}
	if len(a) != 500 || !slices.IsSorted(a) || len(slices.Compact(slices.Clone(a))) != 500 {
		t.Fatalf("want 500 distinct sorted indices, got %d", len(a))
	}
	if a[0] < 0 || a[499] >= 60000 {
		t.Errorf("indices out of [0, 60000): %d..%d", a[0], a[499])
	}
	if slices.Equal(a, PickCalibration(500, 2, 60000)) {
		t.Error("seeds 1 and 2 gave the same indices")
	}
	if got := PickCalibration(5, 7, 3); !slices.Equal(got, []int{0, 1, 2}) {
		t.Errorf("n > total: got %v, want every index", got)
	}
	if got := PickCalibration(0, 7, 3); got != nil {
		t.Errorf("n = 0: got %v", got)
	}
}

// splitmix64's first output for seed 0 is 0xe220a8397b1dcdaf (the reference
// value of Vigna's splitmix64.c).
func TestSplitMix64(t *testing.T) {
	s := splitmix64(0)
	if got := s.next(); got != 0xe220a8397b1dcdaf {
		t.Errorf("first output %#x, want 0xe220a8397b1dcdaf", got)
	}
}

func TestStatsMethods(t *testing.T) {
	s := newStats(2)
	// Tensor 0 on two inputs: per-input ranges [−1, 2] and [−3, 4].
	for _, v := range [][]float32{{-1, 0, 2}, {4, -3, 1}} {
		if err := s.observe(0, v); err != nil {
			t.Fatal(err)
		}
	}
	mm, err := s.ranges(MinMax, 0)
	if err != nil {
		t.Fatal(err)
	}
	if want := (Range{-3, 4, true}); mm[0] != want {
		t.Errorf("minmax: %v, want %v", mm[0], want)
	}
	if mm[1].Valid {
		t.Errorf("tensor 1 never observed but valid: %v", mm[1])
	}
	mean, _ := s.ranges(Mean, 0)
	// mean of minima (−1−3)/2 = −2, of maxima (2+4)/2 = 3.
	if want := (Range{-2, 3, true}); mean[0] != want {
		t.Errorf("mean: %v, want %v", mean[0], want)
	}
	if _, err := s.ranges(Percentile, 40); err == nil {
		t.Error("percentile 40 accepted: its low end would be above its high end")
	}
	if _, err := s.ranges("median", 0); err == nil {
		t.Error("unknown method accepted")
	}
	if err := s.observe(1, []float32{float32(math.NaN())}); err == nil {
		t.Error("NaN accepted")
	}
}

func TestStatsPercentile(t *testing.T) {
	s := newStats(1)
	// 10,000 values 0..9999 and one outlier at 1e6 that minmax keeps and
	// the 99.9th percentile drops.
	v := make([]float32, 0, 10001)
	for i := range 10000 {
		v = append(v, float32(i))
	}
	v = append(v, 1e6)
	if err := s.observe(0, v); err != nil {
		t.Fatal(err)
	}
	s.observeHist(0, v)
	r, err := s.ranges(Percentile, 99.9)
	if err != nil {
		t.Fatal(err)
	}
	// Bins are 1e6/2048 ≈ 488 wide: 0..9999 fill bins 0..20, and 99.9 % of
	// 10,001 values (9,991) are reached in bin 20, whose upper edge is
	// 21×1e6/2048 = 10253.9.
	if r[0].Min != 0 || r[0].Max < 9999 || r[0].Max > 10254 {
		t.Errorf("percentile range %v, want [0, ~10254]", r[0])
	}
}
