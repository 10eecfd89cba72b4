// Package par runs a fixed number of independent chunks of work on all
// cores, so that a computation split into chunks gives the same result
// whatever GOMAXPROCS is: the caller decides the chunks from the shape of
// the work alone, each chunk writes only its own outputs, and par only
// decides which goroutine runs which chunk.
package par

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// job is one call of For: chunks 0..n-1 of f, claimed one at a time.
type job struct {
	f       func(int)
	n       int64
	next    atomic.Int64
	pending atomic.Int32 // helpers that have not finished the job
}

func (j *job) run() {
	for {
		i := j.next.Add(1) - 1
		if i >= j.n {
			return
		}
		j.f(int(i))
	}
}

var (
	mu      sync.Mutex // guards started
	started int        // workers running
	work    = make(chan *job, 64)
	jobs    = sync.Pool{New: func() any { return new(job) }}
)

// spins is how many times an idle worker looks for the next job, yielding
// in between, before it blocks: a training step calls For every few tens
// of microseconds, and waking a blocked goroutine costs about as much.
const spins = 200

func worker() {
	for {
		var j *job
		for i := 0; i < spins && j == nil; i++ {
			select {
			case j = <-work:
			default:
				runtime.Gosched()
			}
		}
		if j == nil {
			j = <-work
		}
		j.run()
		j.pending.Add(-1)
	}
}

// For calls f(0), …, f(n−1), on up to GOMAXPROCS goroutines (the caller's
// among them), and returns when all have returned. The calls may run in
// any order and at the same time, so each must write only its own data.
// f must not call For. In steady state For does not allocate.
func For(n int, f func(i int)) {
	if n <= 0 {
		return
	}
	helpers := min(runtime.GOMAXPROCS(0), n) - 1
	if helpers == 0 {
		for i := range n {
			f(i)
		}
		return
	}
	mu.Lock()
	for started < helpers {
		go worker()
		started++
	}
	mu.Unlock()

	j := jobs.Get().(*job)
	j.f, j.n = f, int64(n)
	j.next.Store(0)
	j.pending.Store(int32(helpers))
	for range helpers {
		work <- j
	}
	j.run()
	// The helpers are running their last chunks, or about to find there
	// is none left: yield until they are done rather than block.
	for j.pending.Load() != 0 {
		runtime.Gosched()
	}
	j.f = nil
	jobs.Put(j)
}
