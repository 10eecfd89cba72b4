package interp

import "sort"

// arenaAlign is the alignment of every tensor in the arena, as TFLite Micro's
// (kDefaultTensorAlignment is 16).
const arenaAlign = 16

// MaxArenaBytes bounds the arena New will allocate. A model asking for more
// is refused; no MNIST-sized model comes near it.
const MaxArenaBytes = 1 << 30

// lifetime is a non-constant tensor the arena must hold from the operator
// that first uses it to the one that last uses it (inclusive).
type lifetime struct {
	tensor      int
	size        int
	first, last int
	offset      int // set by planArena
}

func alignUp(n int) int { return (n + arenaAlign - 1) &^ (arenaAlign - 1) }

// planArena places each buffer at an offset such that two buffers whose
// lifetimes overlap never overlap in memory, and returns the arena size
// needed. It is greedy first-fit in decreasing size order, like TensorFlow
// Lite Micro's GreedyMemoryPlanner: the largest buffer goes at offset 0; each
// next one goes into the lowest gap (at an aligned offset) between the
// already placed buffers that are alive at the same time.
func planArena(bufs []lifetime) int {
	order := make([]int, len(bufs))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return bufs[order[a]].size > bufs[order[b]].size })

	var placed []int // indices into bufs, kept sorted by offset
	total := 0
	for _, i := range order {
		b := &bufs[i]
		off := 0
		for _, j := range placed {
			p := &bufs[j]
			if p.last < b.first || b.last < p.first || p.size == 0 {
				continue // not alive at the same time
			}
			if off+b.size <= p.offset {
				break // fits in the gap before p
			}
			if end := alignUp(p.offset + p.size); end > off {
				off = end
			}
		}
		b.offset = off
		if off+b.size > total {
			total = off + b.size
		}
		// Insert keeping placed sorted by offset.
		k := sort.Search(len(placed), func(k int) bool { return bufs[placed[k]].offset > off })
		placed = append(placed, 0)
		copy(placed[k+1:], placed[k:])
		placed[k] = i
	}
	return total
}
