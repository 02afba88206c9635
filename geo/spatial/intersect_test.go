package spatial

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

func box(x0, y0, x1, y1 float64) orb.Polygon {
	return orb.Polygon{{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}}}
}

func TestIntersectsCases(t *testing.T) {
	donut := orb.Polygon{box(0, 0, 10, 10)[0], box(3, 3, 7, 7)[0]}
	cases := []struct {
		name string
		a, b orb.Geometry
		want bool
	}{
		{"crossing lines", orb.LineString{{0, 0}, {2, 2}}, orb.LineString{{0, 2}, {2, 0}}, true},
		{"lines meeting at an end", orb.LineString{{0, 0}, {1, 1}}, orb.LineString{{1, 1}, {2, 0}}, true},
		{"collinear lines overlapping", orb.LineString{{0, 0}, {2, 0}}, orb.LineString{{1, 0}, {3, 0}}, true},
		{"collinear lines apart", orb.LineString{{0, 0}, {1, 0}}, orb.LineString{{2, 0}, {3, 0}}, false},
		{"parallel lines", orb.LineString{{0, 0}, {2, 0}}, orb.LineString{{0, 1}, {2, 1}}, false},
		{"line in the hole", orb.LineString{{4, 4}, {6, 6}}, donut, false},
		{"line across the hole's edge", orb.LineString{{5, 5}, {5, 8}}, donut, true},
		{"point in the hole", orb.Point{5, 5}, donut, false},
		{"point on the hole's edge", orb.Point{3, 5}, donut, true},
		{"point in the ring", orb.Point{1, 5}, donut, true},
		{"polygon inside a polygon, no edge crossing", box(1, 1, 2, 2), box(0, 0, 10, 10), true},
		{"polygon inside the hole", box(4, 4, 5, 5), donut, false},
		{"squares sharing an edge", box(0, 0, 1, 1), box(1, 0, 2, 1), true},
		{"squares sharing a corner", box(0, 0, 1, 1), box(1, 1, 2, 2), true},
		{"squares apart", box(0, 0, 1, 1), box(1.5, 0, 2, 1), false},
		{"bound and line", orb.Bound{Min: orb.Point{0, 0}, Max: orb.Point{1, 1}}, orb.LineString{{-1, 0.5}, {2, 0.5}}, true},
		{"collection", orb.Collection{orb.Point{50, 50}, orb.LineString{{4, 4}, {4, 12}}}, donut, true},
		{"multi polygon, second part", orb.MultiPolygon{box(20, 20, 21, 21), box(0, 0, 1, 1)}, orb.Point{0.5, 0.5}, true},
		{"nil", nil, donut, false},
	}
	for _, c := range cases {
		if got := Intersects(c.a, c.b); got != c.want {
			t.Errorf("%s: Intersects(a, b) = %v, want %v", c.name, got, c.want)
		}
		if got := Intersects(c.b, c.a); got != c.want {
			t.Errorf("%s: Intersects(b, a) = %v, want %v", c.name, got, c.want)
		}
	}
}

// TestIntersectsRandom holds Intersects to two exact oracles: axis-aligned
// rectangles (orb.Bound.Intersects, boundaries included) and points off
// the boundary of random polygons (planar.PolygonContains).
func TestIntersectsRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	coord := func() float64 { return float64(r.IntN(20)) }
	for i := 0; i < 5000; i++ {
		x0, x1, y0, y1 := coord(), coord(), coord(), coord()
		a := orb.Bound{Min: orb.Point{min(x0, x1), min(y0, y1)}, Max: orb.Point{max(x0, x1), max(y0, y1)}}
		x0, x1, y0, y1 = coord(), coord(), coord(), coord()
		b := orb.Bound{Min: orb.Point{min(x0, x1), min(y0, y1)}, Max: orb.Point{max(x0, x1), max(y0, y1)}}
		want := a.Intersects(b)
		if got := Intersects(a.ToPolygon(), b.ToPolygon()); got != want {
			t.Fatalf("rectangles %v and %v: got %v, want %v", a, b, got, want)
		}
	}
	for i := 0; i < 5000; i++ {
		// A random simple polygon: a star around its centre, vertices in
		// order of angle.
		n := 3 + r.IntN(8)
		ring := make(orb.Ring, 0, n+1)
		for k := 0; k < n; k++ {
			ang := (float64(k) + r.Float64()*0.8) / float64(n) * 2 * math.Pi
			rad := 1 + 9*r.Float64()
			ring = append(ring, orb.Point{10 + rad*math.Cos(ang), 10 + rad*math.Sin(ang)})
		}
		ring = append(ring, ring[0])
		poly := orb.Polygon{ring}
		p := orb.Point{20 * r.Float64(), 20 * r.Float64()}
		if onBoundary(poly, p) {
			continue
		}
		want := planar.PolygonContains(poly, p)
		if got := Intersects(p, poly); got != want {
			t.Fatalf("point %v and polygon %v: got %v, want %v", p, poly, got, want)
		}
	}
}

func onBoundary(poly orb.Polygon, p orb.Point) bool {
	for _, r := range poly {
		for i := 1; i < len(r); i++ {
			if onSegment(r[i-1], r[i], p) {
				return true
			}
		}
	}
	return false
}

func TestSegmentsIntersect(t *testing.T) {
	p := func(x, y float64) orb.Point { return orb.Point{x, y} }
	cases := []struct {
		a, b, c, d orb.Point
		want       bool
	}{
		{p(0, 0), p(2, 2), p(0, 2), p(2, 0), true},
		{p(0, 0), p(1, 1), p(1, 1), p(2, 5), true},
		{p(0, 0), p(1, 0), p(2, 0), p(3, 0), false},
		{p(0, 0), p(3, 0), p(1, 0), p(2, 0), true},
		{p(0, 0), p(1, 1), p(0, 1), p(0.4, 0.6), false},
		{p(0, 0), p(1, 1), p(0, 1), p(0.5, 0.5), true},
	}
	for _, c := range cases {
		if got := SegmentsIntersect(c.a, c.b, c.c, c.d); got != c.want {
			t.Errorf("SegmentsIntersect(%v, %v, %v, %v) = %v, want %v", c.a, c.b, c.c, c.d, got, c.want)
		}
		if got := SegmentsIntersect(c.c, c.d, c.a, c.b); got != c.want {
			t.Errorf("SegmentsIntersect(%v, %v, %v, %v) = %v, want %v", c.c, c.d, c.a, c.b, got, c.want)
		}
	}
}
