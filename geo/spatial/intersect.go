package spatial

import "github.com/paulmach/orb"

// Intersects reports whether a and b share at least one point,
// boundaries included, in the plane of their coordinates (both in the same
// CRS). It handles points, lines, polygons with holes, their multi forms,
// collections and bounds. nil intersects nothing.
func Intersects(a, b orb.Geometry) bool {
	if a == nil || b == nil {
		return false
	}
	if !a.Bound().Intersects(b.Bound()) {
		return false
	}
	pa, pb := flatten(a), flatten(b)
	// A vertex of one inside (or on) the other's area or lines.
	if pa.touchesVertexOf(pb) || pb.touchesVertexOf(pa) {
		return true
	}
	// Crossing segments.
	for _, s := range pa.segs {
		sb := orb.Bound{Min: s[0], Max: s[0]}.Extend(s[1])
		for _, t := range pb.segs {
			if !sb.Intersects(orb.Bound{Min: t[0], Max: t[0]}.Extend(t[1])) {
				continue
			}
			if SegmentsIntersect(s[0], s[1], t[0], t[1]) {
				return true
			}
		}
	}
	return false
}

// parts is a geometry taken apart: its vertices, its segments (of lines
// and rings) and its polygons.
type parts struct {
	points []orb.Point
	segs   [][2]orb.Point
	polys  []orb.Polygon
}

func flatten(g orb.Geometry) parts {
	var p parts
	var add func(g orb.Geometry)
	line := func(ls []orb.Point) {
		p.points = append(p.points, ls...)
		for i := 1; i < len(ls); i++ {
			p.segs = append(p.segs, [2]orb.Point{ls[i-1], ls[i]})
		}
	}
	add = func(g orb.Geometry) {
		switch g := g.(type) {
		case orb.Point:
			p.points = append(p.points, g)
		case orb.MultiPoint:
			p.points = append(p.points, g...)
		case orb.LineString:
			line(g)
		case orb.MultiLineString:
			for _, l := range g {
				line(l)
			}
		case orb.Ring:
			add(orb.Polygon{g})
		case orb.Polygon:
			for _, r := range g {
				line(r)
				if n := len(r); n > 1 && r[0] != r[n-1] {
					p.segs = append(p.segs, [2]orb.Point{r[n-1], r[0]})
				}
			}
			if len(g) > 0 {
				p.polys = append(p.polys, g)
			}
		case orb.MultiPolygon:
			for _, q := range g {
				add(q)
			}
		case orb.Collection:
			for _, x := range g {
				add(x)
			}
		case orb.Bound:
			add(g.ToPolygon())
		}
	}
	add(g)
	return p
}

// touchesVertexOf reports whether a vertex of o lies in one of p's
// polygons, on one of p's segments or on one of p's points.
func (p parts) touchesVertexOf(o parts) bool {
	for _, v := range o.points {
		for _, poly := range p.polys {
			if inPolygon(poly, v) {
				return true
			}
		}
		for _, s := range p.segs {
			if onSegment(s[0], s[1], v) {
				return true
			}
		}
		for _, q := range p.points {
			if q == v {
				return true
			}
		}
	}
	return false
}

// inPolygon reports whether v is inside poly or on its boundary: inside
// the exterior ring and not strictly inside a hole.
func inPolygon(poly orb.Polygon, v orb.Point) bool {
	if len(poly) == 0 {
		return false
	}
	in, on := inRing(poly[0], v)
	if on {
		return true
	}
	if !in {
		return false
	}
	for _, h := range poly[1:] {
		hin, hon := inRing(h, v)
		if hon {
			return true
		}
		if hin {
			return false
		}
	}
	return true
}

// inRing tests v against ring r by the even-odd rule; on is true when v
// lies on the ring.
func inRing(r orb.Ring, v orb.Point) (in, on bool) {
	n := len(r)
	if n == 0 {
		return false, false
	}
	j := n - 1
	for i := 0; i < n; i++ {
		a, b := r[j], r[i]
		if onSegment(a, b, v) {
			return false, true
		}
		if (b[1] > v[1]) != (a[1] > v[1]) {
			x := (a[0]-b[0])*(v[1]-b[1])/(a[1]-b[1]) + b[0]
			if v[0] < x {
				in = !in
			}
		}
		j = i
	}
	return in, false
}

func cross(o, a, b orb.Point) float64 {
	return (a[0]-o[0])*(b[1]-o[1]) - (a[1]-o[1])*(b[0]-o[0])
}

// onSegment reports whether v lies on the closed segment ab.
func onSegment(a, b, v orb.Point) bool {
	if cross(a, b, v) != 0 {
		return false
	}
	return min(a[0], b[0]) <= v[0] && v[0] <= max(a[0], b[0]) && min(a[1], b[1]) <= v[1] && v[1] <= max(a[1], b[1])
}

func sign(v float64) int {
	switch {
	case v > 0:
		return 1
	case v < 0:
		return -1
	}
	return 0
}

// SegmentsIntersect reports whether the closed segments ab and cd share a
// point.
func SegmentsIntersect(a, b, c, d orb.Point) bool {
	d1, d2 := sign(cross(c, d, a)), sign(cross(c, d, b))
	d3, d4 := sign(cross(a, b, c)), sign(cross(a, b, d))
	if d1*d2 < 0 && d3*d4 < 0 {
		return true
	}
	return (d1 == 0 && onSegment(c, d, a)) || (d2 == 0 && onSegment(c, d, b)) ||
		(d3 == 0 && onSegment(a, b, c)) || (d4 == 0 && onSegment(a, b, d))
}
