package quantize

import (
	"fmt"
	"math"
	"slices"
)

// Calibration methods: how the range of an activation tensor is drawn from
// the values it takes on the calibration inputs.
const (
	// MinMax takes the smallest and largest value seen (TensorFlow's
	// converter does this).
	MinMax = "minmax"
	// Mean averages each input's own minimum and maximum, which ignores
	// the rare extreme input.
	Mean = "mean"
	// Percentile clips the range to the Options.Percentile-th percentile of
	// all values seen (and the (100−p)-th at the low end).
	Percentile = "percentile"
)

// DefaultCalibration is the number of training images calibration uses
// unless told otherwise.
const DefaultCalibration = 500

// DefaultPercentile is the percentile the Percentile method keeps.
const DefaultPercentile = 99.99

// histBins is the resolution of the Percentile method's histograms.
const histBins = 2048

// PickCalibration chooses n distinct indices in [0, total) with a generator
// seeded by seed, and returns them in increasing order. The same (n, seed,
// total) always gives the same indices, on every platform and Go version.
// n ≥ total returns every index; n ≤ 0 returns none.
func PickCalibration(n int, seed uint64, total int) []int {
	if n <= 0 || total <= 0 {
		return nil
	}
	n = min(n, total)
	idx := make([]int, total)
	for i := range idx {
		idx[i] = i
	}
	r := splitmix64(seed)
	for i := range n { // partial Fisher–Yates: idx[:n] is a uniform sample
		j := i + int(r.below(uint64(total-i)))
		idx[i], idx[j] = idx[j], idx[i]
	}
	out := idx[:n:n]
	slices.Sort(out)
	return out
}

// splitmix64 is Steele, Lea and Flood's SplitMix64 generator: fixed here so
// that the calibration sample does not change with the Go version.
type splitmix64 uint64

func (s *splitmix64) next() uint64 {
	*s += 0x9e3779b97f4a7c15
	z := uint64(*s)
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// below returns a uniform value in [0, n) by rejection: values at or above
// the largest multiple of n are drawn again.
func (s *splitmix64) below(n uint64) uint64 {
	limit := math.MaxUint64 - math.MaxUint64%n
	for {
		if v := s.next(); v < limit {
			return v % n
		}
	}
}

// stats accumulates, per tensor, what a calibration method needs. Calls must
// come in a fixed order (input by input, tensor by tensor) for the result to
// be deterministic; the sums are float64 in that order.
type stats struct {
	min, max       []float64 // over all values
	sumMin, sumMax []float64 // sums of each input's min and max (Mean)
	inputs         []int     // inputs seen per tensor
	hist           []*histogram
}

func newStats(tensors int) *stats {
	s := &stats{
		min: make([]float64, tensors), max: make([]float64, tensors),
		sumMin: make([]float64, tensors), sumMax: make([]float64, tensors),
		inputs: make([]int, tensors), hist: make([]*histogram, tensors),
	}
	for i := range s.min {
		s.min[i], s.max[i] = math.Inf(1), math.Inf(-1)
	}
	return s
}

// observe records the values tensor t took on one input.
func (s *stats) observe(t int, v []float32) error {
	if len(v) == 0 {
		return nil
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, x := range v {
		f := float64(x)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return fmt.Errorf("quantize: calibration: tensor %d holds %v", t, x)
		}
		lo, hi = math.Min(lo, f), math.Max(hi, f)
	}
	s.min[t], s.max[t] = math.Min(s.min[t], lo), math.Max(s.max[t], hi)
	s.sumMin[t] += lo
	s.sumMax[t] += hi
	s.inputs[t]++
	return nil
}

// observeHist adds tensor t's values to its histogram over the range found
// by a first pass of observe.
func (s *stats) observeHist(t int, v []float32) {
	if s.inputs[t] == 0 {
		return
	}
	h := s.hist[t]
	if h == nil {
		h = &histogram{lo: s.min[t], hi: s.max[t], counts: make([]uint64, histBins)}
		s.hist[t] = h
	}
	h.add(v)
}

// ranges returns each tensor's range by method.
func (s *stats) ranges(method string, percentile float64) ([]Range, error) {
	if method == Percentile && !(percentile > 50 && percentile <= 100) {
		return nil, fmt.Errorf("quantize: percentile %v not in (50, 100]", percentile)
	}
	r := make([]Range, len(s.min))
	for t := range r {
		if s.inputs[t] == 0 {
			continue
		}
		lo, hi := s.min[t], s.max[t]
		switch method {
		case MinMax:
		case Mean:
			n := float64(s.inputs[t])
			lo, hi = s.sumMin[t]/n, s.sumMax[t]/n
		case Percentile:
			if h := s.hist[t]; h != nil {
				lo, hi = h.quantile(1-percentile/100, false), h.quantile(percentile/100, true)
			}
		default:
			return nil, fmt.Errorf("quantize: unknown calibration method %q", method)
		}
		r[t] = Range{Min: float32(lo), Max: float32(hi), Valid: true}
	}
	return r, nil
}

// histogram counts values in equal bins over [lo, hi].
type histogram struct {
	lo, hi float64
	counts []uint64
	total  uint64
}

func (h *histogram) bin(x float64) int {
	if h.hi <= h.lo {
		return 0
	}
	b := int((x - h.lo) / (h.hi - h.lo) * float64(len(h.counts)))
	return max(0, min(len(h.counts)-1, b))
}

func (h *histogram) add(v []float32) {
	for _, x := range v {
		h.counts[h.bin(float64(x))]++
	}
	h.total += uint64(len(v))
}

// edge is the lower edge of bin b (b = len(counts) gives hi).
func (h *histogram) edge(b int) float64 {
	return h.lo + (h.hi-h.lo)*float64(b)/float64(len(h.counts))
}

// quantile returns a value x with about a fraction p of the values below it:
// with upper, the upper edge of the bin where the running count reaches
// p×total (so the clipped range keeps at least that fraction); without, the
// lower edge of that bin.
func (h *histogram) quantile(p float64, upper bool) float64 {
	want := p * float64(h.total)
	var run uint64
	for b, c := range h.counts {
		run += c
		if float64(run) >= want && c > 0 || b == len(h.counts)-1 {
			if upper {
				return h.edge(b + 1)
			}
			return h.edge(b)
		}
	}
	return h.hi
}
