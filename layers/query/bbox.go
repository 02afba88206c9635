package query

import (
	"reach/layers"

	"fmt"
	"math"

	"github.com/paulmach/orb"

	"reach/geo/crs"
)

// BoxPlan says how a bbox query is answered exactly against geometry kept
// in another CRS. A feature matches when its geometry, transformed vertex by
// vertex to the CRS of the box, intersects the box (boundary included) —
// what PostGIS answers with ST_Intersects(ST_Transform(geom, box CRS), box).
// Both stores follow the plan: a cheap rectangle test on Outer (an index
// search), acceptance without further work inside Inner, and the exact
// intersection only for what lies between.
//
// Stored features are taken to lie in the domain of their storage CRS (see
// Domain). A box that covers the whole domain matches every feature (All);
// one that misses it matches none (None); any other box is clamped to the
// domain before it is transformed, so boxes far larger than the projection's
// area of use never reach it.
type BoxPlan struct {
	// Box is the box as asked, x east (longitude first for lon/lat), in CRS.
	Box orb.Bound
	// CRS is the CRS of Box; CRS84 for every lon/lat box (EPSG:4326 boxes
	// are given here longitude first, as CRS84).
	CRS crs.Code
	// All: every feature matches. None: no feature matches.
	All, None bool
	// Outer, in the target CRS, contains every matching geometry.
	Outer orb.Bound
	// Inner, in the target CRS, is a rectangle whose every point lies in the
	// box; a geometry inside it matches. Meaningful only where HasInner.
	Inner    orb.Bound
	HasInner bool
	// Same is true when the target CRS is the box's CRS: Outer and Inner are
	// the box and the exact test is a plain intersection with it.
	Same bool
}

// Domain returns the CRS84 area where geometry stored in c is expected and
// where the transforms of geo/crs are used for it: the EPSG area of use
// widened generously. Lon/lat systems cover the world.
func Domain(c crs.Code) orb.Bound {
	switch c {
	case crs.UTM33N:
		return orb.Bound{Min: orb.Point{-3, -80}, Max: orb.Point{33, 84}}
	case crs.LAEA:
		return orb.Bound{Min: orb.Point{-40, 10}, Max: orb.Point{60, 88}}
	case crs.WebMercator:
		return orb.Bound{Min: orb.Point{-180, -85.05112878}, Max: orb.Point{180, 85.05112878}}
	}
	return orb.Bound{Min: orb.Point{-180, -90}, Max: orb.Point{180, 90}}
}

// lonLat maps EPSG:4326 to CRS84: the same datum, and boxes in this package
// are always x east.
func lonLat(c crs.Code) crs.Code {
	if c == crs.EPSG4326 || c == 0 {
		return crs.CRS84
	}
	return c
}

// planSteps is the number of segments each side of a box is cut into when
// it is transformed; planMargin is the share of the box's size by which
// Outer is widened and Inner narrowed, to cover the bulge of curved edges
// between the samples.
const (
	planSteps  = 64
	planMargin = 1e-3
)

// PlanBox plans a query with box (x east, in CRS boxCRS; 0 means CRS84)
// against geometry stored in storage and tested in target (the storage CRS
// for a database, CRS84 for served geometry). The error wraps layers.ErrInvalid for
// a box that is not finite, whose minimum exceeds its maximum, or whose CRS
// is unsupported.
func PlanBox(box orb.Bound, boxCRS, storage, target crs.Code) (BoxPlan, error) {
	c, storage, target := lonLat(boxCRS), lonLat(storage), lonLat(target)
	for _, v := range []float64{box.Min[0], box.Min[1], box.Max[0], box.Max[1]} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return BoxPlan{}, fmt.Errorf("field bbox: value %v: not finite: %w", box, layers.ErrInvalid)
		}
	}
	if box.Min[0] > box.Max[0] || box.Min[1] > box.Max[1] {
		return BoxPlan{}, fmt.Errorf("field bbox: value %v: minimum exceeds maximum: %w", box, layers.ErrInvalid)
	}
	if !c.Valid() || !storage.Valid() || !target.Valid() {
		return BoxPlan{}, fmt.Errorf("field bbox-crs: value %v: %w", boxCRS, layers.ErrInvalid)
	}
	p := BoxPlan{Box: box, CRS: c}
	// The features' domain: where they are stored, within reach of the box's
	// CRS, and its image in the box's CRS.
	dom, ok := intersect(Domain(storage), Domain(c))
	if !ok {
		p.None = true
		return p, nil
	}
	domC, _, err := transformBound(dom, crs.CRS84, c)
	if err != nil {
		return BoxPlan{}, fmt.Errorf("field bbox: value %v: %v: %w", box, err, layers.ErrInvalid)
	}
	if covers(box, domC) {
		p.All = true
		return p, nil
	}
	clamped, ok := intersect(box, domC)
	if !ok {
		p.None = true
		return p, nil
	}
	if c == target {
		p.Same, p.Outer, p.Inner, p.HasInner = true, box, box, true
		return p, nil
	}
	var in orb.Bound
	p.Outer, in, err = transformBound(clamped, c, target)
	if err != nil {
		return BoxPlan{}, fmt.Errorf("field bbox: value %v: %v: %w", box, err, layers.ErrInvalid)
	}
	if in.Min[0] < in.Max[0] && in.Min[1] < in.Max[1] {
		p.Inner, p.HasInner = in, true
	}
	return p, nil
}

// transformBound transforms the densified outline of b from one CRS to
// another. It returns a bound containing the outline's image (widened by
// planMargin), and a rectangle inside the image: the innermost sample of
// each side, narrowed by planMargin (the image of a rectangle under these
// projections is a convex quadrilateral with gently curved sides, so a
// point beyond every sample of every side lies inside).
func transformBound(b orb.Bound, from, to crs.Code) (outer, inner orb.Bound, err error) {
	left, right := math.Inf(-1), math.Inf(1)
	bottom, top := math.Inf(-1), math.Inf(1)
	var out orb.Bound
	first := true
	add := func(p orb.Point, side int) error {
		q, err := crs.Transform(from, to, p)
		if err != nil {
			return err
		}
		if math.IsNaN(q[0]) || math.IsNaN(q[1]) || math.IsInf(q[0], 0) || math.IsInf(q[1], 0) {
			return fmt.Errorf("no image of %v in %v", p, to)
		}
		if first {
			out, first = orb.Bound{Min: q, Max: q}, false
		} else {
			out = out.Extend(q)
		}
		switch side {
		case 0:
			bottom = math.Max(bottom, q[1])
		case 1:
			top = math.Min(top, q[1])
		case 2:
			left = math.Max(left, q[0])
		case 3:
			right = math.Min(right, q[0])
		}
		return nil
	}
	for i := 0; i <= planSteps; i++ {
		t := float64(i) / planSteps
		x := b.Min[0] + t*(b.Max[0]-b.Min[0])
		y := b.Min[1] + t*(b.Max[1]-b.Min[1])
		for side, p := range [4]orb.Point{{x, b.Min[1]}, {x, b.Max[1]}, {b.Min[0], y}, {b.Max[0], y}} {
			if err := add(p, side); err != nil {
				return orb.Bound{}, orb.Bound{}, err
			}
		}
	}
	mx := planMargin * (out.Max[0] - out.Min[0])
	my := planMargin * (out.Max[1] - out.Min[1])
	inner = orb.Bound{Min: orb.Point{left + mx, bottom + my}, Max: orb.Point{right - mx, top - my}}
	// An absolute floor keeps a degenerate (zero-width) box from an outer
	// bound that rounding could shave a boundary point off.
	mx, my = math.Max(mx, 1e-9*math.Max(1, math.Abs(out.Max[0]))), math.Max(my, 1e-9*math.Max(1, math.Abs(out.Max[1])))
	outer = orb.Bound{Min: orb.Point{out.Min[0] - mx, out.Min[1] - my}, Max: orb.Point{out.Max[0] + mx, out.Max[1] + my}}
	return outer, inner, nil
}

func covers(a, b orb.Bound) bool {
	return a.Min[0] <= b.Min[0] && a.Min[1] <= b.Min[1] && a.Max[0] >= b.Max[0] && a.Max[1] >= b.Max[1]
}

func intersect(a, b orb.Bound) (orb.Bound, bool) {
	out := orb.Bound{
		Min: orb.Point{math.Max(a.Min[0], b.Min[0]), math.Max(a.Min[1], b.Min[1])},
		Max: orb.Point{math.Min(a.Max[0], b.Max[0]), math.Min(a.Max[1], b.Max[1])},
	}
	return out, out.Min[0] <= out.Max[0] && out.Min[1] <= out.Max[1]
}

// Match reports whether served geometry g (CRS84) with bound gb matches the
// plan; the plan must have been made with target CRS84.
func (p BoxPlan) Match(g orb.Geometry, gb orb.Bound) bool {
	switch {
	case g == nil:
		return false
	case p.All:
		return true
	case p.None || !gb.Intersects(p.Outer):
		return false
	case p.HasInner && covers(p.Inner, gb):
		return true
	case p.Same:
		return intersectsBound(g, p.Box)
	}
	h, err := crs.Project(g, crs.CRS84, p.CRS)
	if err != nil {
		return false
	}
	return intersectsBound(h, p.Box)
}

// PlanLonLat plans q's bbox against served (CRS84) geometry of a collection
// stored in storage. ok is false when q has no bbox.
func PlanLonLat(q layers.ItemsQuery, storage crs.Code) (p BoxPlan, ok bool, err error) {
	if q.BBox == nil {
		return BoxPlan{}, false, nil
	}
	p, err = PlanBox(*q.BBox, q.BBoxCRS, storage, crs.CRS84)
	return p, err == nil, err
}
