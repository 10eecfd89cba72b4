package interp

import "syscall"

// threadCPU is the CPU time the calling OS thread has used, in seconds, or
// ok=false where it cannot be measured. Benchmarks lock their goroutine to
// its thread and report CPU time beside wall time, which on a machine shared
// with other jobs is the steadier figure.
func threadCPU() (seconds float64, ok bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(1, &ru); err != nil { // 1 = RUSAGE_THREAD
		return 0, false
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9, true
}
