package snapshot

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/paulmach/orb"
)

// TestDigestParts checks that a layer's digest is the same whether its
// parts are hashed as the records arrive or in parallel (with any number
// of goroutines), on both sides of a part boundary, and that it changes
// with the order and the number of records.
func TestDigestParts(t *testing.T) {
	add := func(w *Hasher, i int) {
		w.Str(fmt.Sprint("record ", i))
		w.Point(orb.Point{float64(i), -1})
	}
	seen := map[[32]byte]int{}
	for _, n := range []int{0, 1, 2, digestPart - 1, digestPart, digestPart + 1, 3*digestPart + 17} {
		ph := NewPartHasher()
		for i := range n {
			add(ph.Record(), i)
		}
		streamed := ph.Digest()
		for _, procs := range []int{1, 4} {
			old := runtime.GOMAXPROCS(procs)
			d := DigestOf(n, add)
			runtime.GOMAXPROCS(old)
			if d != streamed || d.N != uint64(n) {
				t.Errorf("%d records, %d goroutines: digest %x (%d), streamed %x (%d)", n, procs, d.Sum[:6], d.N, streamed.Sum[:6], streamed.N)
			}
		}
		if m, dup := seen[streamed.Sum]; dup {
			t.Errorf("%d and %d records give the same digest", m, n)
		}
		seen[streamed.Sum] = n
		if n >= 2 {
			swapped := DigestOf(n, func(w *Hasher, i int) {
				if i < 2 {
					i = 1 - i
				}
				add(w, i)
			})
			if swapped == streamed {
				t.Errorf("%d records: swapping the first two leaves the digest unchanged", n)
			}
		}
	}
}
