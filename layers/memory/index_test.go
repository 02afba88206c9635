package memory

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
		tree := newRTree(bounds, entries)
		for q := 0; q < 50; q++ {
			x, y := rng.Float64()*110-5, rng.Float64()*110-5
			qb := orb.Bound{Min: orb.Point{x, y}, Max: orb.Point{x + rng.Float64()*20, y + rng.Float64()*20}}
			got := tree.search(qb, nil)
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

func TestIntersectsBound(t *testing.T) {
	box := orb.Bound{Min: orb.Point{0, 0}, Max: orb.Point{10, 10}}
	donut := orb.Polygon{
		{{-20, -20}, {30, -20}, {30, 30}, {-20, 30}, {-20, -20}},
		{{-5, -5}, {-5, 15}, {15, 15}, {15, -5}, {-5, -5}},
	}
	cases := []struct {
		name string
		g    orb.Geometry
		want bool
	}{
		{"point inside", orb.Point{5, 5}, true},
		{"point on edge", orb.Point{10, 5}, true},
		{"point outside", orb.Point{11, 5}, false},
		{"line through", orb.LineString{{-5, 5}, {15, 5}}, true},
		{"line diagonal miss", orb.LineString{{-6, 5}, {5, -6}}, false},
		{"line diagonal cut corner", orb.LineString{{-5, 9}, {9, -5}}, true},
		{"line vertical outside", orb.LineString{{12, -5}, {12, 15}}, false},
		{"polygon containing box", orb.Polygon{{{-1, -1}, {11, -1}, {11, 11}, {-1, 11}, {-1, -1}}}, true},
		{"polygon inside box", orb.Polygon{{{2, 2}, {3, 2}, {3, 3}, {2, 2}}}, true},
		{"polygon apart", orb.Polygon{{{20, 20}, {30, 20}, {30, 30}, {20, 20}}}, false},
		{"box in the hole", donut, false},
		{"multipolygon one hit", orb.MultiPolygon{donut, {{{4, 4}, {6, 4}, {6, 6}, {4, 4}}}}, true},
		{"nil", nil, false},
	}
	for _, tc := range cases {
		if got := intersectsBound(tc.g, box); got != tc.want {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
}
