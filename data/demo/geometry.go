package demo

import (
	"math"
	"sort"

	"github.com/paulmach/orb"
)

// Planar helpers in EPSG:25833 metres.

func dist(a, b orb.Point) float64 { return math.Hypot(a[0]-b[0], a[1]-b[1]) }

func lerp(a, b orb.Point, t float64) orb.Point {
	return orb.Point{a[0] + t*(b[0]-a[0]), a[1] + t*(b[1]-a[1])}
}

func cross(o, a, b orb.Point) float64 {
	return (a[0]-o[0])*(b[1]-o[1]) - (a[1]-o[1])*(b[0]-o[0])
}

// convexHull returns the counter-clockwise convex hull of ps as a closed ring.
func convexHull(ps []orb.Point) orb.Ring {
	pts := append([]orb.Point(nil), ps...)
	sort.Slice(pts, func(i, j int) bool {
		if pts[i][0] != pts[j][0] {
			return pts[i][0] < pts[j][0]
		}
		return pts[i][1] < pts[j][1]
	})
	var h []orb.Point
	for _, p := range pts {
		for len(h) >= 2 && cross(h[len(h)-2], h[len(h)-1], p) <= 0 {
			h = h[:len(h)-1]
		}
		h = append(h, p)
	}
	lower := len(h) + 1
	for i := len(pts) - 2; i >= 0; i-- {
		p := pts[i]
		for len(h) >= lower && cross(h[len(h)-2], h[len(h)-1], p) <= 0 {
			h = h[:len(h)-1]
		}
		h = append(h, p)
	}
	return orb.Ring(h) // the last point repeats the first
}

// clipHalfPlane keeps the part of the convex ring r where
// n·p <= c (Sutherland–Hodgman against one half-plane). r is closed; the
// result is closed, or nil when nothing remains.
func clipHalfPlane(r orb.Ring, n orb.Point, c float64) orb.Ring {
	side := func(p orb.Point) float64 { return n[0]*p[0] + n[1]*p[1] - c }
	var out []orb.Point
	for i := 0; i+1 < len(r); i++ {
		a, b := r[i], r[i+1]
		sa, sb := side(a), side(b)
		if sa <= 0 {
			out = append(out, a)
		}
		if (sa < 0 && sb > 0) || (sa > 0 && sb < 0) {
			out = append(out, lerp(a, b, sa/(sa-sb)))
		}
	}
	if len(out) < 3 {
		return nil
	}
	return append(orb.Ring(out), out[0])
}

// voronoiCell returns the part of the convex ring outline closer to
// sites[i] than to any other site.
func voronoiCell(outline orb.Ring, sites []orb.Point, i int) orb.Ring {
	r := outline
	p := sites[i]
	for j, q := range sites {
		if j == i || r == nil {
			continue
		}
		// |x-p|² <= |x-q|²  ⇔  2(q-p)·x <= |q|² - |p|²
		n := orb.Point{2 * (q[0] - p[0]), 2 * (q[1] - p[1])}
		c := q[0]*q[0] + q[1]*q[1] - p[0]*p[0] - p[1]*p[1]
		r = clipHalfPlane(r, n, c)
	}
	return r
}

// ringArea returns the signed area of a closed ring (positive when
// counter-clockwise), in m².
func ringArea(r orb.Ring) float64 {
	a := 0.0
	for i := 0; i+1 < len(r); i++ {
		a += r[i][0]*r[i+1][1] - r[i+1][0]*r[i][1]
	}
	return a / 2
}

// inRing reports whether p lies inside the closed ring r (even–odd rule).
func inRing(r orb.Ring, p orb.Point) bool {
	in := false
	for i, j := 0, len(r)-1; i < len(r); j, i = i, i+1 {
		a, b := r[i], r[j]
		if (a[1] > p[1]) != (b[1] > p[1]) && p[0] < (b[0]-a[0])*(p[1]-a[1])/(b[1]-a[1])+a[0] {
			in = !in
		}
	}
	return in
}

// segmentsCross reports whether the closed segments a–b and c–d share a point.
func segmentsCross(a, b, c, d orb.Point) bool {
	d1, d2 := cross(c, d, a), cross(c, d, b)
	d3, d4 := cross(a, b, c), cross(a, b, d)
	if ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0)) {
		return true
	}
	on := func(p, q, r orb.Point) bool { // r on segment p–q, given collinear
		return math.Min(p[0], q[0]) <= r[0] && r[0] <= math.Max(p[0], q[0]) &&
			math.Min(p[1], q[1]) <= r[1] && r[1] <= math.Max(p[1], q[1])
	}
	return (d1 == 0 && on(c, d, a)) || (d2 == 0 && on(c, d, b)) || (d3 == 0 && on(a, b, c)) || (d4 == 0 && on(a, b, d))
}

// segmentIntersection returns the crossing point of a–b and c–d, which must cross.
func segmentIntersection(a, b, c, d orb.Point) orb.Point {
	d1, d2 := cross(c, d, a), cross(c, d, b)
	return lerp(a, b, d1/(d1-d2))
}

// linesCross reports whether two polylines share a point.
func linesCross(l, m orb.LineString) bool {
	lb, mb := l.Bound(), m.Bound()
	if !lb.Intersects(mb) {
		return false
	}
	for i := 1; i < len(l); i++ {
		for j := 1; j < len(m); j++ {
			if segmentsCross(l[i-1], l[i], m[j-1], m[j]) {
				return true
			}
		}
	}
	return false
}

// lineCrossing returns the first point where l crosses m, walking along l.
func lineCrossing(l, m orb.LineString) (orb.Point, bool) {
	for i := 1; i < len(l); i++ {
		for j := 1; j < len(m); j++ {
			if segmentsCross(l[i-1], l[i], m[j-1], m[j]) {
				return segmentIntersection(l[i-1], l[i], m[j-1], m[j]), true
			}
		}
	}
	return orb.Point{}, false
}

// distToSegment returns the distance from p to the segment a–b.
func distToSegment(p, a, b orb.Point) float64 {
	dx, dy := b[0]-a[0], b[1]-a[1]
	l2 := dx*dx + dy*dy
	if l2 == 0 {
		return dist(p, a)
	}
	t := math.Max(0, math.Min(1, ((p[0]-a[0])*dx+(p[1]-a[1])*dy)/l2))
	return dist(p, orb.Point{a[0] + t*dx, a[1] + t*dy})
}

// distToLine returns the distance from p to the polyline l.
func distToLine(p orb.Point, l orb.LineString) float64 {
	best := math.Inf(1)
	for i := 1; i < len(l); i++ {
		best = math.Min(best, distToSegment(p, l[i-1], l[i]))
	}
	return best
}

// lineLength returns the planar length of l in metres.
func lineLength(l orb.LineString) float64 {
	s := 0.0
	for i := 1; i < len(l); i++ {
		s += dist(l[i-1], l[i])
	}
	return s
}

// round2 rounds to centimetres so that printed coordinates stay short.
func round2(v float64) float64 { return math.Round(v*100) / 100 }
