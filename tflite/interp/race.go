//go:build race

package interp

// raceEnabled: the race detector makes sync.Pool drop items at random, so
// simd.Gemm would allocate its workspace again on some calls and Invoke
// would no longer be allocation-free (TestInvokeDoesNotAllocate). Under
// it the float operators keep the scalar kernels; the int8 fast kernels,
// which use only the interpreter's own scratch, stay on.
const raceEnabled = true
