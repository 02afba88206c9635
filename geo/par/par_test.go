package par

import (
	"runtime"
	"sync"
	"testing"
)

// minChunk is the smallest chunk of the tests.
const minChunk = 4096

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
			Chunks(n, minChunk, func(lo, hi int) {
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

// TestChunksNoMinimum holds that a minimum chunk below 1 counts as 1: up to
// one chunk per processor, all of ⌈n / processors⌉ indexes but the last,
// never an empty one.
func TestChunksNoMinimum(t *testing.T) {
	old := runtime.GOMAXPROCS(4)
	defer runtime.GOMAXPROCS(old)
	for _, n := range []int{1, 3, 4, 9} {
		var mu sync.Mutex
		covered, calls := 0, 0
		Chunks(n, 0, func(lo, hi int) {
			mu.Lock()
			defer mu.Unlock()
			if lo >= hi {
				t.Errorf("n %d: empty chunk [%d, %d)", n, lo, hi)
			}
			covered += hi - lo
			calls++
		})
		size := (n + 3) / 4
		if want := (n + size - 1) / size; covered != n || calls != want {
			t.Errorf("n %d: %d indexes in %d chunks, want %d in %d", n, covered, calls, n, want)
		}
	}
}
