//go:build unix

package convert

import (
	"syscall"
	"time"
)

// standaloneCPUTime is the CPU time the process has used, to time the interpreter
// as the C driver times itself (clock()), unaffected by other load.
func standaloneCPUTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
