//go:build !linux

package interp

// threadCPU cannot be measured portably outside Linux.
func threadCPU() (seconds float64, ok bool) { return 0, false }
