package train

import (
	"math"
	"math/rand/v2"
)

// dropoutStream is the PCG stream base of the dropout masks: step s of
// epoch e (both 0-based) uses stream dropoutStream | e<<32 | s, apart from
// the shuffles' streams (e), the shifts' (1<<62 + e) and the initial
// weights' (1<<63) for every epoch below 2^29 and step below 2^32 (an epoch
// has at most 2^31 steps: mnist reads at most 2^31 images).
const dropoutStream = 1 << 61

// dropoutRand is the generator of the masks of step s of epoch e: a
// function of (seed, e, s) alone, so a run resumed mid-epoch draws the
// masks an unbroken run draws.
func dropoutRand(seed uint64, e, s int) *rand.Rand {
	return rand.New(rand.NewPCG(seed, dropoutStream|uint64(e)<<32|uint64(uint32(s))))
}

// keepThreshold is the 32-bit threshold below which a uniform draw drops a
// value: rate·2³², so that a value is dropped with probability rate (to
// within 2⁻³²).
func keepThreshold(rate float64) uint64 {
	return uint64(math.Round(rate * (1 << 32)))
}

// drawMask fills mask with 0 (dropped) or 1/(1−rate) (kept), each value
// from 32 bits of r: value 2i from the low half of the i-th Uint64, value
// 2i+1 from its high half.
func drawMask(r *rand.Rand, rate float64, mask []float32) {
	t := keepThreshold(rate)
	keep := float32(1 / (1 - rate))
	pick := func(u uint64) float32 {
		if u < t {
			return 0
		}
		return keep
	}
	for i := 0; i < len(mask); i += 2 {
		u := r.Uint64()
		mask[i] = pick(u & (1<<32 - 1))
		if i+1 < len(mask) {
			mask[i+1] = pick(u >> 32)
		}
	}
}

// drawMasks draws the masks of every dropout layer of the training net n
// for step s of epoch e, layer after layer from one generator.
func (n *net) drawMasks(seed uint64, e, s int) {
	if len(n.dropouts) == 0 {
		return
	}
	r := dropoutRand(seed, e, s)
	for _, d := range n.dropouts {
		drawMask(r, d.rate, d.mask)
	}
}
