package par

import (
	"runtime"
	"sync"
	"testing"
)

// TestChunksCoverOnce holds that every index of [0, n) is visited exactly
// once, by chunks that do not overlap, for sizes around the chunking limits
// and with one and several processors.
func TestChunksCoverOnce(t *testing.T) {
	for _, procs := range []int{1, 2, 3, 8} {
		old := runtime.GOMAXPROCS(procs)
		for _, n := range []int{0, 1, 7, minChunk - 1, minChunk, 2*minChunk - 1, 2 * minChunk, 3*minChunk + 5, 100_003} {
			seen := make([]int32, n)
			var mu sync.Mutex
			calls := 0
			Chunks(n, func(lo, hi int) {
				if lo < 0 || hi > n || lo >= hi {
					t.Errorf("GOMAXPROCS %d, n %d: chunk [%d, %d)", procs, n, lo, hi)
					return
				}
				mu.Lock()
				calls++
				mu.Unlock()
				for i := lo; i < hi; i++ {
					seen[i]++
				}
			})
			for i, s := range seen {
				if s != 1 {
					t.Fatalf("GOMAXPROCS %d, n %d: index %d visited %d times", procs, n, i, s)
				}
			}
			if want := max(1, min(procs, n/minChunk)); n > 0 && calls != want {
				t.Errorf("GOMAXPROCS %d, n %d: %d chunks, want %d", procs, n, calls, want)
			}
		}
		runtime.GOMAXPROCS(old)
	}
}
