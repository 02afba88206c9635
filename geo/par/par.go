// Package par shares work over the processors: a range of indexes is cut
// into contiguous chunks, one per processor, so that each goroutine writes
// its own part of a result slice. The algorithms of geo/* and the engine
// above them use it alike.
package par

import (
	"runtime"
	"sync"
)

// Chunks calls f(lo, hi) on contiguous chunks of [0, n), one per processor,
// each of at least minChunk indexes (a single chunk when n is below
// 2 × minChunk), and waits for all of them. The first chunk runs on the
// calling goroutine. Each call must write only its own part of any shared
// slice.
func Chunks(n, minChunk int, f func(lo, hi int)) {
	if n <= 0 {
		return
	}
	workers := max(1, min(runtime.GOMAXPROCS(0), n/max(minChunk, 1)))
	chunk := (n + workers - 1) / workers
	var wg sync.WaitGroup
	for w := 1; w < workers; w++ {
		lo, hi := w*chunk, min(n, (w+1)*chunk)
		if lo >= hi {
			break
		}
		wg.Go(func() { f(lo, hi) })
	}
	f(0, min(n, chunk))
	wg.Wait()
}
