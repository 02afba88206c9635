package spatial

import (
	"slices"
	"testing"

	"github.com/paulmach/orb"
)

func TestEachVertex(t *testing.T) {
	sq := orb.Ring{{0, 0}, {1, 0}, {1, 1}, {0, 0}}
	b := orb.Bound{Min: orb.Point{2, 3}, Max: orb.Point{4, 5}}
	for _, c := range []struct {
		name string
		g    orb.Geometry
		want []orb.Point
	}{
		{"nil", nil, nil},
		{"point", orb.Point{1, 2}, []orb.Point{{1, 2}}},
		{"polygon with a hole", orb.Polygon{sq, {{0.2, 0.1}, {0.3, 0.1}, {0.2, 0.1}}}, append(slices.Clone([]orb.Point(sq)), orb.Point{0.2, 0.1}, orb.Point{0.3, 0.1}, orb.Point{0.2, 0.1})},
		{"collection", orb.Collection{orb.MultiPoint{{7, 7}}, orb.MultiLineString{{{8, 8}, {9, 9}}}}, []orb.Point{{7, 7}, {8, 8}, {9, 9}}},
		{"bound", b, []orb.Point(b.ToRing())},
	} {
		var got []orb.Point
		EachVertex(c.g, func(p orb.Point) { got = append(got, p) })
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
	}
	// A bound's corners are all visited, not only its minimum and maximum.
	var corners int
	EachVertex(b, func(p orb.Point) {
		if p == (orb.Point{2, 5}) || p == (orb.Point{4, 3}) {
			corners++
		}
	})
	if corners != 2 {
		t.Errorf("bound: the corners (2, 5) and (4, 3) visited %d times, want 2", corners)
	}
}
