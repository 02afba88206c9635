package query

import (
	"testing"

	"github.com/paulmach/orb"
)

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
