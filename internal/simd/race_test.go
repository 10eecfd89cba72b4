//go:build race

package simd

// raceEnabled: the race detector makes sync.Pool drop items at random, so
// the allocation test cannot expect zero.
const raceEnabled = true
