package par

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
)

// TestFor checks that every chunk runs exactly once, for chunk counts from
// 0 to more than the workers, on 1, 2 and 4 goroutines, and from several
// callers at once.
func TestFor(t *testing.T) {
	for _, procs := range []int{1, 2, 4} {
		old := runtime.GOMAXPROCS(procs)
		for _, n := range []int{0, 1, 2, 3, 17, 1000} {
			counts := make([]int32, n)
			For(n, func(i int) { atomic.AddInt32(&counts[i], 1) })
			for i, c := range counts {
				if c != 1 {
					t.Fatalf("GOMAXPROCS %d, n %d: chunk %d ran %d times", procs, n, i, c)
				}
			}
		}
		var wg sync.WaitGroup
		var total atomic.Int64
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				For(100, func(i int) { total.Add(int64(i)) })
			}()
		}
		wg.Wait()
		if got := total.Load(); got != 4*4950 {
			t.Errorf("GOMAXPROCS %d: 4 concurrent callers summed %d, want %d", procs, got, 4*4950)
		}
		runtime.GOMAXPROCS(old)
	}
}

func TestForAllocs(t *testing.T) {
	var sink [64]int64
	f := func(i int) { sink[i]++ }
	For(64, f)
	if a := testing.AllocsPerRun(100, func() { For(64, f) }); a > 0 {
		t.Errorf("For allocates %v times a call", a)
	}
}
