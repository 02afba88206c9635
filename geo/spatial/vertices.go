package spatial

import "github.com/paulmach/orb"

// EachVertex calls fn for every vertex of g, in order: points, the
// positions of lines and rings (a ring's closing position included), the
// members of multi geometries and collections, and the four corners of a
// bound. nil calls nothing.
func EachVertex(g orb.Geometry, fn func(orb.Point)) {
	switch g := g.(type) {
	case orb.Point:
		fn(g)
	case orb.MultiPoint:
		for _, p := range g {
			fn(p)
		}
	case orb.LineString:
		EachVertex(orb.MultiPoint(g), fn)
	case orb.Ring:
		EachVertex(orb.MultiPoint(g), fn)
	case orb.MultiLineString:
		for _, l := range g {
			EachVertex(l, fn)
		}
	case orb.Polygon:
		for _, r := range g {
			EachVertex(r, fn)
		}
	case orb.MultiPolygon:
		for _, p := range g {
			EachVertex(p, fn)
		}
	case orb.Collection:
		for _, x := range g {
			EachVertex(x, fn)
		}
	case orb.Bound:
		EachVertex(g.ToRing(), fn)
	}
}
