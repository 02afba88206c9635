package spatial

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/paulmach/orb"
)

// TestRTreeAgainstBruteForce compares R-tree searches with a scan.
func TestRTreeAgainstBruteForce(t *testing.T) {
	const seed = 7
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	for _, n := range []int{0, 1, 15, 16, 17, 300, 5000} {
		bounds := make([]orb.Bound, n)
		var entries []int32
		for i := range bounds {
			x, y := rng.Float64()*100, rng.Float64()*100
			bounds[i] = orb.Bound{Min: orb.Point{x, y}, Max: orb.Point{x + rng.Float64()*3, y + rng.Float64()*3}}
			if i%7 != 3 { // some items have no geometry
				entries = append(entries, int32(i))
			}
		}
		tree := NewRTree(bounds, entries)
		for q := 0; q < 50; q++ {
			x, y := rng.Float64()*110-5, rng.Float64()*110-5
			qb := orb.Bound{Min: orb.Point{x, y}, Max: orb.Point{x + rng.Float64()*20, y + rng.Float64()*20}}
			got := tree.Search(qb, nil)
			slices.Sort(got)
			var want []int32
			for _, i := range entries {
				if bounds[i].Intersects(qb) {
					want = append(want, i)
				}
			}
			if !slices.Equal(got, want) {
				t.Fatalf("n=%d query %v: got %v, want %v", n, qb, got, want)
			}
		}
	}
}
