package train

import "math/rand/v2"

// MaxShift is the largest random shift Config.Shift may ask for.
const MaxShift = 4

// shiftStream is the PCG stream base of the shifts: epoch e uses stream
// shiftStream+e, apart from the shuffles' streams (e) and the initial
// weights' (1<<63).
const shiftStream = 1 << 62

// shifts is the random shift of every position of epoch e's order, for
// images of up to max pixels along each axis: (dx, dy) of position p at
// [2p] and [2p+1], uniform in [−max, max], drawn from PCG(seed,
// shiftStream+e) alone, so a resumed run shifts as an unbroken one. nil
// when max is 0.
func shifts(seed uint64, e, n, max int) []int8 {
	if max == 0 {
		return nil
	}
	r := rand.New(rand.NewPCG(seed, shiftStream+uint64(e)))
	s := make([]int8, 2*n)
	for i := range s {
		s[i] = int8(r.IntN(2*max+1) - max)
	}
	return s
}

// shift writes into dst the h×w image src moved dx pixels right and dy
// down, with zeros (black) where it comes from outside the image.
func shift(dst, src []float32, h, w, dx, dy int) {
	for y := 0; y < h; y++ {
		row := dst[y*w : (y+1)*w]
		sy := y - dy
		if sy < 0 || sy >= h {
			clear(row)
			continue
		}
		for x := range row {
			if sx := x - dx; sx >= 0 && sx < w {
				row[x] = src[sy*w+sx]
			} else {
				row[x] = 0
			}
		}
	}
}
