package isochrone

import (
	"math"
	"sort"

	"github.com/paulmach/orb"
)

// Marching-squares cell edges: bottom, right, top, left.
const (
	eB = iota
	eR
	eT
	eL
)

// cellSegments gives, per cell case (bit 0: south-west corner inside, bit
// 1: south-east, bit 2: north-east, bit 3: north-west), the directed
// segments between edges with the inside on the left, so that exteriors
// run counter-clockwise and holes clockwise. The saddles 5 and 10 hold the
// disconnected form (each inside corner cut off on its own); Contour
// decides them.
var cellSegments = [16][2][2]int8{
	1:  {{eB, eL}, {-1, -1}},
	2:  {{eR, eB}, {-1, -1}},
	3:  {{eR, eL}, {-1, -1}},
	4:  {{eT, eR}, {-1, -1}},
	5:  {{eB, eL}, {eT, eR}},
	6:  {{eT, eB}, {-1, -1}},
	7:  {{eT, eL}, {-1, -1}},
	8:  {{eL, eT}, {-1, -1}},
	9:  {{eB, eT}, {-1, -1}},
	10: {{eR, eB}, {eL, eT}},
	11: {{eR, eT}, {-1, -1}},
	12: {{eL, eR}, {-1, -1}},
	13: {{eB, eR}, {-1, -1}},
	14: {{eL, eB}, {-1, -1}},
}

// saddleJoined are the saddle segments when the two inside corners are
// joined through the cell's centre (the outside corners cut off).
var saddleJoined = [16][2][2]int8{
	5:  {{eB, eR}, {eT, eL}},
	10: {{eL, eB}, {eR, eT}},
}

// reachable reports whether a sample value is a time (not +Inf or NaN).
func reachable(v float64) bool { return v <= math.MaxFloat64 }

// Contour returns the area where the raster's time is at most threshold
// seconds, as polygons in the raster's coordinates, by marching squares with
// linear interpolation along cell edges. Unreachable samples (+Inf, NaN)
// are never inside; a crossing between a reachable and an unreachable
// sample lies next to the reachable one. A saddle cell joins its two inside
// corners when all four corners are reachable and their mean is within the
// threshold, and never across an unreachable corner. The result is empty
// when no sample is within the threshold. Cost: O(samples + vertices).
func Contour(r *Raster, threshold float64) orb.MultiPolygon {
	if r == nil || r.NX <= 0 || r.NY <= 0 || len(r.Values) < r.NX*r.NY || math.IsNaN(threshold) {
		return nil
	}
	nx, ny := r.NX, r.NY
	// Cells run from -1 to NX-1 (and NY-1) so that the virtual unreachable
	// border closes every ring. Crossing points live on edges: the
	// horizontal edge h(ix, iy) joins samples (ix, iy)–(ix+1, iy), the
	// vertical edge v(ix, iy) joins (ix, iy)–(ix, iy+1), for ix, iy in
	// [-1, N]. Edge keys index a dense array.
	w, h := nx+2, ny+2
	hKey := func(ix, iy int) int32 { return int32((iy+1)*w + (ix + 1)) }
	vKey := func(ix, iy int) int32 { return int32(w*h + (iy+1)*w + (ix + 1)) }
	next := make([]int32, 2*w*h)
	for i := range next {
		next[i] = -1
	}
	val := func(ix, iy int) float64 {
		if ix < 0 || iy < 0 || ix >= nx || iy >= ny {
			return math.Inf(1)
		}
		return r.Values[iy*nx+ix]
	}
	// Inside flags of two sample rows, padded by one unreachable sample on
	// either side: lo is row iy, up row iy+1.
	lo, up := make([]uint8, w), make([]uint8, w)
	fill := func(row []uint8, iy int) {
		clear(row)
		if iy < 0 || iy >= ny {
			return
		}
		for ix, v := range r.Values[iy*nx : (iy+1)*nx] {
			if v <= threshold && reachable(v) {
				row[ix+1] = 1
			}
		}
	}
	fill(up, -1)
	found := false
	var edges [4]int32
	for iy := -1; iy < ny; iy++ {
		lo, up = up, lo
		fill(up, iy+1)
		for c := 0; c+1 < w; c++ {
			idx := lo[c] | lo[c+1]<<1 | up[c+1]<<2 | up[c]<<3
			if idx == 0 || idx == 15 {
				continue
			}
			found = true
			ix := c - 1
			edges = [4]int32{hKey(ix, iy), vKey(ix+1, iy), hKey(ix, iy+1), vKey(ix, iy)}
			segs := &cellSegments[idx]
			if idx == 5 || idx == 10 {
				a, b, cc, d := val(ix, iy), val(ix+1, iy), val(ix+1, iy+1), val(ix, iy+1)
				if reachable(a) && reachable(b) && reachable(cc) && reachable(d) && (a+b+cc+d)/4 <= threshold {
					segs = &saddleJoined[idx]
				}
			}
			for _, s := range segs {
				if s[0] < 0 {
					break
				}
				next[edges[s[0]]] = edges[s[1]]
			}
		}
	}
	if !found {
		return nil
	}
	point := func(key int) orb.Point {
		vertical := key >= w*h
		k := key
		if vertical {
			k -= w * h
		}
		ix, iy := k%w-1, k/w-1
		jx, jy := ix+1, iy
		if vertical {
			jx, jy = ix, iy+1
		}
		v1, v2 := val(ix, iy), val(jx, jy)
		var t float64
		switch {
		case !reachable(v2):
			t = 0
		case !reachable(v1):
			t = 1
		default:
			t = (threshold - v1) / (v2 - v1)
		}
		// Keep crossings strictly inside their edge so that distinct edges
		// give distinct points and no ring touches another.
		t = math.Min(math.Max(t, 0.01), 0.99)
		p1, p2 := r.Point(ix, iy), r.Point(jx, jy)
		return orb.Point{p1[0] + t*(p2[0]-p1[0]), p1[1] + t*(p2[1]-p1[1])}
	}
	var rings []orb.Ring
	for start := range next {
		if next[start] < 0 {
			continue
		}
		var ring orb.Ring
		k := start
		for next[k] >= 0 {
			ring = append(ring, point(k))
			nk := int(next[k])
			next[k] = -1
			k = nk
		}
		ring = append(ring, ring[0])
		rings = append(rings, removeCollinear(ring))
	}
	return assemble(rings, r)
}

// Contours returns Contour for each threshold, in the given order. The
// polygons of a greater threshold contain those of a lesser one.
func Contours(r *Raster, thresholds []float64) []orb.MultiPolygon {
	out := make([]orb.MultiPolygon, len(thresholds))
	for i, t := range thresholds {
		out[i] = Contour(r, t)
	}
	return out
}

// removeCollinear drops vertices that lie on the straight line between their
// neighbours (marching squares gives many on axis-parallel runs). The ring
// stays closed.
func removeCollinear(r orb.Ring) orb.Ring {
	n := len(r) - 1 // without the closing point
	if n < 4 {
		return r
	}
	out := make(orb.Ring, 0, n+1)
	for i := 0; i < n; i++ {
		a, b, c := r[(i+n-1)%n], r[i], r[(i+1)%n]
		cross := (b[0]-a[0])*(c[1]-b[1]) - (b[1]-a[1])*(c[0]-b[0])
		scale := math.Abs(b[0]-a[0]) + math.Abs(b[1]-a[1]) + math.Abs(c[0]-b[0]) + math.Abs(c[1]-b[1])
		if math.Abs(cross) <= 1e-12*scale*scale {
			continue
		}
		out = append(out, b)
	}
	if len(out) < 3 {
		return r
	}
	return append(out, out[0])
}

// signedArea is the shoelace area, positive for counter-clockwise rings.
func signedArea(r orb.Ring) float64 {
	s := 0.0
	for i := 0; i+1 < len(r); i++ {
		s += r[i][0]*r[i+1][1] - r[i+1][0]*r[i][1]
	}
	return s / 2
}

// ringContains reports whether p lies inside r (even-odd rule).
func ringContains(r orb.Ring, p orb.Point) bool {
	in := false
	for i, j := 0, len(r)-2; i < len(r)-1; j, i = i, i+1 {
		a, b := r[i], r[j]
		if (a[1] > p[1]) != (b[1] > p[1]) {
			x := a[0] + (p[1]-a[1])*(b[0]-a[0])/(b[1]-a[1])
			if p[0] < x {
				in = !in
			}
		}
	}
	return in
}

// segRef is one segment of one ring: ring index and index of its first
// vertex.
type segRef struct{ ring, i int32 }

// assemble groups rings into polygons: counter-clockwise rings are
// exteriors, clockwise rings holes. Rings neither cross nor touch, so the
// polygon of a hole is found by one ray: going west from the hole's
// westernmost vertex one is in the polygon's interior until the first ring
// hit, which bounds that interior — the polygon's exterior, or another hole
// of the same polygon (whose polygon is then the answer). Segments are
// bucketed by raster row, so each ray looks at one row's segments only.
func assemble(rings []orb.Ring, r *Raster) orb.MultiPolygon {
	area := make([]float64, len(rings))
	var outers []int
	for i, ring := range rings {
		area[i] = signedArea(ring)
		if area[i] > 0 {
			outers = append(outers, i)
		}
	}
	// Larger exteriors first, then a stable order by position, so that the
	// output is deterministic.
	bounds := make([]orb.Bound, len(rings))
	for _, i := range outers {
		bounds[i] = rings[i].Bound()
	}
	sort.SliceStable(outers, func(a, b int) bool {
		i, j := outers[a], outers[b]
		if area[i] != area[j] {
			return area[i] > area[j]
		}
		if bounds[i].Min[0] != bounds[j].Min[0] {
			return bounds[i].Min[0] < bounds[j].Min[0]
		}
		return bounds[i].Min[1] < bounds[j].Min[1]
	})
	poly := make([]int, len(rings)) // ring → polygon index, -1 unknown
	for i := range poly {
		poly[i] = -1
	}
	mp := make(orb.MultiPolygon, len(outers))
	for pi, i := range outers {
		mp[pi] = orb.Polygon{rings[i]}
		poly[i] = pi
	}
	nHoles := 0
	for i := range rings {
		if area[i] < 0 {
			nHoles++
		}
	}
	if nHoles == 0 {
		return mp
	}
	// Bucket every non-horizontal segment by the raster rows its y range
	// spans (row k: y in [oy + k·step, oy + (k+1)·step)).
	rowOf := func(y float64) int {
		k := int(math.Floor((y - r.Origin[1]) / r.Step))
		return min(max(k, -1), r.NY) + 1
	}
	nRows := r.NY + 2
	count := make([]int32, nRows+1)
	for _, ring := range rings {
		for i := 0; i+1 < len(ring); i++ {
			a, b := ring[i][1], ring[i+1][1]
			if a == b {
				continue
			}
			for k := rowOf(math.Min(a, b)); k <= rowOf(math.Max(a, b)); k++ {
				count[k+1]++
			}
		}
	}
	for k := 0; k < nRows; k++ {
		count[k+1] += count[k]
	}
	segs := make([]segRef, count[nRows])
	fillAt := append([]int32(nil), count[:nRows]...)
	for ri, ring := range rings {
		for i := 0; i+1 < len(ring); i++ {
			a, b := ring[i][1], ring[i+1][1]
			if a == b {
				continue
			}
			for k := rowOf(math.Min(a, b)); k <= rowOf(math.Max(a, b)); k++ {
				segs[fillAt[k]] = segRef{int32(ri), int32(i)}
				fillAt[k]++
			}
		}
	}
	// nearest is the ring first hit going west from hole h, or -1.
	nearest := func(h int) int {
		ring := rings[h]
		p := ring[0]
		for _, q := range ring[1:] {
			if q[0] < p[0] {
				p = q
			}
		}
		k := rowOf(p[1])
		best, bestX := -1, math.Inf(-1)
		for _, s := range segs[count[k]:count[k+1]] {
			if int(s.ring) == h {
				continue
			}
			rr := rings[s.ring]
			a, b := rr[s.i], rr[s.i+1]
			if (a[1] > p[1]) == (b[1] > p[1]) {
				continue
			}
			x := a[0] + (p[1]-a[1])*(b[0]-a[0])/(b[1]-a[1])
			if x < p[0] && x > bestX {
				best, bestX = int(s.ring), x
			}
		}
		return best
	}
	var resolve func(h, depth int) int
	resolve = func(h, depth int) int {
		if poly[h] >= 0 || poly[h] == -2 {
			return poly[h]
		}
		poly[h] = -2 // being resolved; also marks "no polygon"
		n := nearest(h)
		switch {
		case n < 0 || depth > len(rings):
		case area[n] > 0:
			poly[h] = poly[n]
		default:
			if p := resolve(n, depth+1); p >= 0 {
				poly[h] = p
			}
		}
		if poly[h] < 0 {
			poly[h] = containing(rings, area, bounds, outers, poly, h)
		}
		return poly[h]
	}
	for h := range rings {
		if area[h] >= 0 {
			continue
		}
		if p := resolve(h, 0); p >= 0 {
			mp[p] = append(mp[p], rings[h])
		}
	}
	return mp
}

// containing is the fallback of assemble: the polygon whose exterior is
// the smallest containing hole h's first vertex, or -2 for none.
func containing(rings []orb.Ring, area []float64, bounds []orb.Bound, outers, poly []int, h int) int {
	best := -1
	p := rings[h][0]
	for _, i := range outers {
		if !bounds[i].Contains(p) || !ringContains(rings[i], p) {
			continue
		}
		if best < 0 || area[i] < area[best] {
			best = i
		}
	}
	if best < 0 {
		return -2
	}
	return poly[best]
}
