package query

import (
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// intersectsBound reports whether geometry g (any orb type) and the closed
// rectangle b share at least one point, computed in the plane of their
// common coordinates. A nil geometry intersects nothing.
func intersectsBound(g orb.Geometry, b orb.Bound) bool {
	switch g := g.(type) {
	case nil:
		return false
	case orb.Point:
		return b.Contains(g)
	case orb.MultiPoint:
		for _, p := range g {
			if b.Contains(p) {
				return true
			}
		}
	case orb.LineString:
		return pathIntersects(g, b)
	case orb.MultiLineString:
		for _, l := range g {
			if pathIntersects(l, b) {
				return true
			}
		}
	case orb.Ring:
		return polygonIntersects(orb.Polygon{g}, b)
	case orb.Polygon:
		return polygonIntersects(g, b)
	case orb.MultiPolygon:
		for _, p := range g {
			if polygonIntersects(p, b) {
				return true
			}
		}
	case orb.Collection:
		for _, x := range g {
			if intersectsBound(x, b) {
				return true
			}
		}
	case orb.Bound:
		return g.Intersects(b)
	}
	return false
}

// polygonIntersects: a polygon meets a rectangle when one of its edges
// does, or when the rectangle lies wholly inside the polygon's area (then
// the rectangle's centre is inside it).
func polygonIntersects(p orb.Polygon, b orb.Bound) bool {
	if len(p) == 0 {
		return false
	}
	for _, r := range p {
		if pathIntersects(orb.LineString(r), b) {
			return true
		}
	}
	return planar.PolygonContains(p, b.Center())
}

func pathIntersects(l orb.LineString, b orb.Bound) bool {
	switch len(l) {
	case 0:
		return false
	case 1:
		return b.Contains(l[0])
	}
	for i := 1; i < len(l); i++ {
		if segmentIntersects(l[i-1], l[i], b) {
			return true
		}
	}
	return false
}

// segmentIntersects clips the segment p–q against b (Liang–Barsky) and
// reports whether any part of it remains.
func segmentIntersects(p, q orb.Point, b orb.Bound) bool {
	t0, t1 := 0.0, 1.0
	dx, dy := q[0]-p[0], q[1]-p[1]
	clip := func(den, num float64) bool {
		// Keep the part of the segment where den*t <= num.
		switch {
		case den == 0:
			return num >= 0
		case den > 0:
			t := num / den
			if t < t0 {
				return false
			}
			if t < t1 {
				t1 = t
			}
		default:
			t := num / den
			if t > t1 {
				return false
			}
			if t > t0 {
				t0 = t
			}
		}
		return true
	}
	return clip(-dx, p[0]-b.Min[0]) && clip(dx, b.Max[0]-p[0]) &&
		clip(-dy, p[1]-b.Min[1]) && clip(dy, b.Max[1]-p[1]) && t0 <= t1
}
