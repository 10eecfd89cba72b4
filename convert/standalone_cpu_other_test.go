//go:build !unix

package convert

import "time"

var standaloneStart = time.Now()

// standaloneCPUTime falls back to the wall clock.
func standaloneCPUTime() time.Duration { return time.Since(standaloneStart) }
