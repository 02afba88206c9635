// Package isochrone turns a travel-time field into polygons: the area
// reachable within a threshold, as valid polygons with holes.
//
// The method is contouring on a regular raster ("grid field"): Sample
// rasterises a set of reached points (network nodes or points along reached
// edges, each with its travel time) at a fixed spacing, giving every raster
// sample the minimum over nearby reached points of the point's time plus a
// straight access leg at a given speed, and only within a bounded access
// distance; samples farther than that from every reached point stay
// unreachable (+Inf). Contour then runs marching squares over the raster for
// one threshold. Because unreachable samples are never given a time, water,
// the far side of a river without a bridge or the surroundings of a road
// without access stay outside the polygons as holes or gaps.
//
// Coordinates are planar and metric (for reach: EPSG:25833, x = easting,
// y = northing); the package does not transform them. Output rings follow
// the RFC 7946 winding: exterior rings counter-clockwise, holes clockwise,
// every ring closed. Rings never cross or touch one another and are simple,
// so the polygons are valid in the OGC simple-features sense.
//
// All functions are pure and safe for concurrent use; a Raster is not
// modified by Contour.
package isochrone

import (
	"errors"
	"fmt"
	"math"
	"sort"

	"github.com/paulmach/orb"
)

// Reached is one point of the travel-time field: a place reached at Seconds.
type Reached struct {
	P       orb.Point // planar metric coordinates
	Seconds float64
	// MaxLegM bounds the straight access leg from this point in metres;
	// 0 means the SampleOptions default, a negative value means the point
	// gives time only to the raster sample nearest to it.
	MaxLegM float64
}

// SampleOptions configures Sample.
type SampleOptions struct {
	// StepM is the spacing of the raster in metres (e.g. 100).
	StepM float64
	// MaxLegM is the default bound of the straight access leg (metres); a
	// raster sample farther than this from every reached point is
	// unreachable. Typically 1–3 × StepM or the snapping radius.
	MaxLegM float64
	// AccessSpeedMS is the speed of the access leg in metres per second
	// (walking: about 1.25 m/s).
	AccessSpeedMS float64
	// MaxSeconds drops reached points slower than this (0: keep all); use
	// the largest threshold to keep the raster small.
	MaxSeconds float64
}

// Raster is a regular grid of travel times in seconds. Sample (ix, iy)
// lies at Origin + (ix·Step, iy·Step); Values is row-major from the south
// (index iy·NX + ix). +Inf (or NaN) marks an unreachable sample.
type Raster struct {
	Origin orb.Point
	Step   float64
	NX, NY int
	Values []float64
}

// ErrEmpty is returned by Sample when no point is reached within MaxSeconds.
var ErrEmpty = errors.New("isochrone: no reached point")

// At returns the value of sample (ix, iy), or +Inf outside the raster.
func (r *Raster) At(ix, iy int) float64 {
	if ix < 0 || iy < 0 || ix >= r.NX || iy >= r.NY {
		return math.Inf(1)
	}
	v := r.Values[iy*r.NX+ix]
	if math.IsNaN(v) {
		return math.Inf(1)
	}
	return v
}

// Point returns the coordinates of sample (ix, iy).
func (r *Raster) Point(ix, iy int) orb.Point {
	return orb.Point{r.Origin[0] + float64(ix)*r.Step, r.Origin[1] + float64(iy)*r.Step}
}

// ValueAt returns the time at p by looking up the nearest sample; +Inf
// outside the raster.
func (r *Raster) ValueAt(p orb.Point) float64 {
	ix := int(math.Round((p[0] - r.Origin[0]) / r.Step))
	iy := int(math.Round((p[1] - r.Origin[1]) / r.Step))
	return r.At(ix, iy)
}

// Sample rasterises reached points. Each sample's value is the minimum over
// reached points within their access bound of Seconds + distance /
// AccessSpeedMS, or +Inf. The raster covers the bound of the points widened
// by the largest access leg plus one step, so its border is unreachable.
// Cost: O(points × (leg/step)²) time, O(samples) memory.
func Sample(points []Reached, opt SampleOptions) (*Raster, error) {
	if !(opt.StepM > 0) || math.IsInf(opt.StepM, 0) {
		return nil, fmt.Errorf("isochrone: step %v m: must be positive", opt.StepM)
	}
	if opt.MaxLegM < 0 || math.IsNaN(opt.MaxLegM) {
		return nil, fmt.Errorf("isochrone: max access leg %v m: must not be negative", opt.MaxLegM)
	}
	if !(opt.AccessSpeedMS > 0) {
		return nil, fmt.Errorf("isochrone: access speed %v m/s: must be positive", opt.AccessSpeedMS)
	}
	leg := func(p Reached) float64 {
		switch {
		case p.MaxLegM > 0:
			return p.MaxLegM
		case p.MaxLegM < 0:
			return 0
		}
		return opt.MaxLegM
	}
	keep := func(p Reached) bool {
		if math.IsNaN(p.Seconds) || math.IsInf(p.Seconds, 0) || p.Seconds < 0 {
			return false
		}
		return opt.MaxSeconds <= 0 || p.Seconds <= opt.MaxSeconds
	}
	b := orb.Bound{}
	first := true
	maxLeg := 0.0
	for _, p := range points {
		if !keep(p) {
			continue
		}
		if first {
			b = orb.Bound{Min: p.P, Max: p.P}
			first = false
		} else {
			b = b.Extend(p.P)
		}
		maxLeg = math.Max(maxLeg, leg(p))
	}
	if first {
		return nil, ErrEmpty
	}
	step := opt.StepM
	pad := maxLeg + step
	// Snap the origin to a multiple of the step so that rasters of the same
	// field line up regardless of the points' bound.
	ox := math.Floor((b.Min[0]-pad)/step) * step
	oy := math.Floor((b.Min[1]-pad)/step) * step
	nx := int(math.Ceil((b.Max[0]+pad-ox)/step)) + 1
	ny := int(math.Ceil((b.Max[1]+pad-oy)/step)) + 1
	if float64(nx)*float64(ny) > 1<<28 {
		return nil, fmt.Errorf("isochrone: raster of %d × %d samples at %v m is too large", nx, ny, step)
	}
	r := &Raster{Origin: orb.Point{ox, oy}, Step: step, NX: nx, NY: ny, Values: make([]float64, nx*ny)}
	for i := range r.Values {
		r.Values[i] = math.Inf(1)
	}
	for _, p := range points {
		if !keep(p) {
			continue
		}
		l := leg(p)
		cx := (p.P[0] - ox) / step
		cy := (p.P[1] - oy) / step
		if l == 0 {
			ix, iy := int(math.Round(cx)), int(math.Round(cy))
			d := math.Hypot(p.P[0]-(ox+float64(ix)*step), p.P[1]-(oy+float64(iy)*step))
			if t := p.Seconds + d/opt.AccessSpeedMS; t < r.Values[iy*nx+ix] {
				r.Values[iy*nx+ix] = t
			}
			continue
		}
		x0 := max(0, int(math.Ceil(cx-l/step)))
		x1 := min(nx-1, int(math.Floor(cx+l/step)))
		y0 := max(0, int(math.Ceil(cy-l/step)))
		y1 := min(ny-1, int(math.Floor(cy+l/step)))
		l2 := l * l
		for iy := y0; iy <= y1; iy++ {
			dy := oy + float64(iy)*step - p.P[1]
			row := r.Values[iy*nx : (iy+1)*nx]
			for ix := x0; ix <= x1; ix++ {
				dx := ox + float64(ix)*step - p.P[0]
				d2 := dx*dx + dy*dy
				if d2 > l2 {
					continue
				}
				if t := p.Seconds + math.Sqrt(d2)/opt.AccessSpeedMS; t < row[ix] {
					row[ix] = t
				}
			}
		}
	}
	return r, nil
}

// Contour returns the area where the raster's time is at most threshold
// seconds, as polygons in the raster's coordinates, by marching squares with
// linear interpolation along cell edges. Saddle cells are decided by the
// mean of their four corners (unreachable corners count as far above the
// threshold). The result is empty when no sample is within the threshold.
func Contour(r *Raster, threshold float64) orb.MultiPolygon {
	if r == nil || r.NX == 0 || r.NY == 0 || math.IsNaN(threshold) {
		return nil
	}
	// Cells run from -1 to NX-1 (and NY-1) so that the virtual unreachable
	// border closes every ring. Crossing points live on edges: the
	// horizontal edge h(ix, iy) joins samples (ix, iy)–(ix+1, iy), the
	// vertical edge v(ix, iy) joins (ix, iy)–(ix, iy+1), for ix, iy in
	// [-1, N]. Edge keys index a dense array.
	w, h := r.NX+2, r.NY+2
	hKey := func(ix, iy int) int { return (iy+1)*w + (ix + 1) }
	vKey := func(ix, iy int) int { return w*h + (iy+1)*w + (ix + 1) }
	next := make([]int32, 2*w*h)
	for i := range next {
		next[i] = -1
	}
	big := farValue(r, threshold)
	val := func(ix, iy int) float64 {
		v := r.At(ix, iy)
		if math.IsInf(v, 1) {
			return big
		}
		return v
	}
	in := func(v float64) bool { return v <= threshold }
	any := false
	// Corner order a (sw), b (se), c (ne), d (nw); edges bottom, right, top, left.
	const (
		eB = iota
		eR
		eT
		eL
	)
	// Unit positions of corners and edge midpoints, used only to orient
	// segments (inside on the left).
	corner := [4]orb.Point{{0, 0}, {1, 0}, {1, 1}, {0, 1}}
	mid := [4]orb.Point{{0.5, 0}, {1, 0.5}, {0.5, 1}, {0, 0.5}}
	// cutCorner[e1][e2] is the corner between two adjacent edges, -1 if opposite.
	cutCorner := func(e1, e2 int) int {
		pair := [2]int{min(e1, e2), max(e1, e2)}
		switch pair {
		case [2]int{eB, eR}:
			return 1
		case [2]int{eR, eT}:
			return 2
		case [2]int{eT, eL}:
			return 3
		case [2]int{eB, eL}:
			return 0
		}
		return -1
	}
	for iy := -1; iy < r.NY; iy++ {
		for ix := -1; ix < r.NX; ix++ {
			vs := [4]float64{val(ix, iy), val(ix+1, iy), val(ix+1, iy+1), val(ix, iy+1)}
			ins := [4]bool{in(vs[0]), in(vs[1]), in(vs[2]), in(vs[3])}
			idx := 0
			for k := 0; k < 4; k++ {
				if ins[k] {
					idx |= 1 << k
				}
			}
			if idx == 0 || idx == 15 {
				continue
			}
			any = true
			keys := [4]int{hKey(ix, iy), vKey(ix+1, iy), hKey(ix, iy+1), vKey(ix, iy)}
			var segs [2][2]int
			n := 0
			switch idx {
			case 5, 10: // saddles: a+c or b+d inside
				centre := (vs[0] + vs[1] + vs[2] + vs[3]) / 4
				connected := in(centre)
				// Cut off the corners that differ from the centre.
				if (idx == 5) == connected {
					segs[0] = [2]int{eB, eR} // around b
					segs[1] = [2]int{eT, eL} // around d
				} else {
					segs[0] = [2]int{eB, eL} // around a
					segs[1] = [2]int{eR, eT} // around c
				}
				n = 2
			default:
				// Exactly two edges have a crossing.
				var es []int
				edgeCrosses := [4]bool{ins[0] != ins[1], ins[1] != ins[2], ins[3] != ins[2], ins[0] != ins[3]}
				for e := 0; e < 4; e++ {
					if edgeCrosses[e] {
						es = append(es, e)
					}
				}
				segs[0] = [2]int{es[0], es[1]}
				n = 1
			}
			for s := 0; s < n; s++ {
				e1, e2 := segs[s][0], segs[s][1]
				ref := cutCorner(e1, e2)
				if ref < 0 {
					ref = 0
				}
				p, q, c := mid[e1], mid[e2], corner[ref]
				cross := (q[0]-p[0])*(c[1]-p[1]) - (q[1]-p[1])*(c[0]-p[0])
				// Inside must be on the left (cross > 0 for an inside corner).
				if (cross > 0) != ins[ref] {
					e1, e2 = e2, e1
				}
				next[keys[e1]] = int32(keys[e2])
			}
		}
	}
	if !any {
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
		t := (threshold - v1) / (v2 - v1)
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
	return assemble(rings)
}

// Contours returns Contour for each threshold, in the given order.
func Contours(r *Raster, thresholds []float64) []orb.MultiPolygon {
	out := make([]orb.MultiPolygon, len(thresholds))
	for i, t := range thresholds {
		out[i] = Contour(r, t)
	}
	return out
}

// farValue is the value that stands in for +Inf in interpolation: far enough
// above the threshold that a crossing next to a reached sample stays next to
// it.
func farValue(r *Raster, threshold float64) float64 {
	m := threshold
	for _, v := range r.Values {
		if !math.IsInf(v, 0) && !math.IsNaN(v) && v > m {
			m = v
		}
	}
	return m + 1e6*math.Max(1, math.Abs(m))
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

// assemble groups rings into polygons: counter-clockwise rings are
// exteriors, clockwise rings holes of the smallest exterior containing them.
// Rings do not cross, so one vertex decides containment.
func assemble(rings []orb.Ring) orb.MultiPolygon {
	type outer struct {
		ring orb.Ring
		area float64
		b    orb.Bound
	}
	var outers []outer
	var holes []orb.Ring
	for _, r := range rings {
		a := signedArea(r)
		switch {
		case a > 0:
			outers = append(outers, outer{r, a, r.Bound()})
		case a < 0:
			holes = append(holes, r)
		}
	}
	// Larger exteriors first, then a stable order by position, so that the
	// output is deterministic.
	sort.SliceStable(outers, func(i, j int) bool {
		if outers[i].area != outers[j].area {
			return outers[i].area > outers[j].area
		}
		if outers[i].b.Min[0] != outers[j].b.Min[0] {
			return outers[i].b.Min[0] < outers[j].b.Min[0]
		}
		return outers[i].b.Min[1] < outers[j].b.Min[1]
	})
	mp := make(orb.MultiPolygon, len(outers))
	for i, o := range outers {
		mp[i] = orb.Polygon{o.ring}
	}
	for _, h := range holes {
		best := -1
		p := h[0]
		for i, o := range outers {
			if !o.b.Contains(p) || !ringContains(o.ring, p) {
				continue
			}
			if best < 0 || o.area < outers[best].area {
				best = i
			}
		}
		if best >= 0 {
			mp[best] = append(mp[best], h)
		}
	}
	return mp
}
