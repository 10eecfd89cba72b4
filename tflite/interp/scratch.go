package interp

import "unsafe"

// Scratch memory for the fast kernels (an im2col matrix, int32
// accumulators): Go memory owned by each interpreter, never part of the
// arena, so ArenaBytes stays what TensorFlow Lite Micro's planner lays out.
//
// Prepare and eval steps both see it as one extra element after the
// subgraph's tensors, t[len(t)-1]. At prepare time a kernel records how
// many bytes it needs with requestScratch; New takes the largest request
// (operators run one after another, so they share one buffer), and every
// instance (New and each Clone) allocates its own, so clones never share
// scratch. At eval time scratchBytes returns it.

const scratchName = "(scratch)"

// scratchAlign is the alignment of the scratch buffer: one cache line, and
// enough for any vector load.
const scratchAlign = 64

// requestScratch records at prepare time that the operator's eval step
// needs n bytes of scratch.
func requestScratch(t []*Tensor, n int) {
	s := t[len(t)-1]
	if len(s.Shape) == 0 {
		s.Shape = []int{0}
	}
	s.Shape[0] = max(s.Shape[0], n)
}

// scratchRequest is the largest request recorded in s.
func scratchRequest(s *Tensor) int {
	if len(s.Shape) == 0 {
		return 0
	}
	return s.Shape[0]
}

// newScratch allocates one interpreter's scratch tensor of n bytes,
// aligned to scratchAlign.
func newScratch(n int) *Tensor {
	s := &Tensor{Index: -1, Name: scratchName, Shape: []int{n}}
	if n == 0 {
		return s
	}
	words := make([]uint64, (n+scratchAlign)/8+1)
	raw := unsafe.Slice((*byte)(unsafe.Pointer(&words[0])), len(words)*8)
	skip := int(-uintptr(unsafe.Pointer(&raw[0])) & (scratchAlign - 1))
	s.data = raw[skip : skip+n : skip+n]
	return s
}

// scratchBytes is the interpreter's scratch at eval time; it holds at least
// the bytes the operator requested.
func scratchBytes(t []*Tensor) []byte { return t[len(t)-1].data }
