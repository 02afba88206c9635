package network

import (
	"math/rand/v2"
	"slices"
	"testing"

	"reach/geo/graph"
)

// TestSortNodes: the radix sort of reached nodes equals slices.Sort.
func TestSortNodes(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 8))
	for _, n := range []int{0, 1, 2, 100, 70_000} {
		ids := make([]graph.NodeID, n)
		for i := range ids {
			ids[i] = graph.NodeID(rng.Uint32())
			if i%7 == 0 {
				ids[i] = graph.NodeID(rng.IntN(300)) // repeats and small ids
			}
		}
		want := slices.Clone(ids)
		slices.Sort(want)
		got := sortNodes(ids, make([]graph.NodeID, n))
		if !slices.Equal(got, want) {
			t.Fatalf("n=%d: radix sort differs from slices.Sort", n)
		}
	}
}
