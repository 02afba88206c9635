package spatial

import (
	"sort"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// Polygons finds the polygon containing a point. It is immutable after
// NewPolygons and safe for concurrent use.
type Polygons struct {
	polys []orb.MultiPolygon
	tree  *RTree
}

// NewPolygons indexes ps by their bounds; empty polygons are never found.
func NewPolygons(ps []orb.MultiPolygon) *Polygons {
	bounds := make([]orb.Bound, len(ps))
	entries := make([]int32, 0, len(ps))
	for i, p := range ps {
		if len(p) == 0 {
			continue
		}
		bounds[i] = p.Bound()
		entries = append(entries, int32(i))
	}
	return &Polygons{polys: ps, tree: NewRTree(bounds, entries)}
}

// Locate returns the index of the polygon containing p (boundary points
// count as inside); where polygons overlap, the lowest index. ok is false
// when none contains p.
func (ix *Polygons) Locate(p orb.Point) (i int, ok bool) {
	best := -1
	for _, c := range ix.tree.Search(orb.Bound{Min: p, Max: p}, nil) {
		if (best < 0 || int(c) < best) && planar.MultiPolygonContains(ix.polys[c], p) {
			best = int(c)
		}
	}
	return best, best >= 0
}

// InteriorPoint returns a point inside mp (planar coordinates): the centroid of its
// largest part when that lies inside, else the middle of the widest
// horizontal run through the part at the centroid's height.
func InteriorPoint(mp orb.MultiPolygon) (orb.Point, bool) {
	if len(mp) == 0 {
		return orb.Point{}, false
	}
	best, bestArea := 0, -1.0
	for i, p := range mp {
		if a := planar.Area(p); a > bestArea {
			best, bestArea = i, a
		}
	}
	poly := mp[best]
	c, _ := planar.CentroidArea(poly)
	if planar.PolygonContains(poly, c) {
		return c, true
	}
	y := c[1]
	var xs []float64
	for _, r := range poly {
		for i := 0; i+1 < len(r); i++ {
			a, d := r[i], r[i+1]
			if (a[1] <= y) != (d[1] <= y) {
				xs = append(xs, a[0]+(y-a[1])/(d[1]-a[1])*(d[0]-a[0]))
			}
		}
	}
	if len(xs) < 2 {
		return poly.Bound().Center(), len(poly) > 0
	}
	sort.Float64s(xs)
	bx, bw := 0.0, -1.0
	for i := 0; i+1 < len(xs); i += 2 {
		if w := xs[i+1] - xs[i]; w > bw {
			bx, bw = (xs[i]+xs[i+1])/2, w
		}
	}
	return orb.Point{bx, y}, true
}
