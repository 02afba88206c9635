package isochrone

import (
	"fmt"
	"math"

	"github.com/paulmach/orb"
)

// maxRasterSamples bounds every raster, whatever the options.
const maxRasterSamples = 1 << 28

// Grid is a travel-time raster being filled point by point: the
// incremental form of Sample, for callers that generate reached points on
// the fly (along network edges, say) instead of collecting them first.
// Every added point gives each sample within its access leg the point's
// time plus the straight leg at the access speed, if that is less than the
// sample's value so far; the order of additions does not matter.
//
// A Grid is not safe for concurrent use. To fill a raster on several
// goroutines, make one Grid per goroutine with the same bound and options
// (they then have the same geometry) and combine them with Merge.
type Grid struct {
	r        Raster
	leg      float64 // default access leg at this step (m)
	leg2     float64
	invSpeed float64 // seconds per metre of access leg
	maxSec   float64 // +Inf when every time is kept
	// rad and halfWidth are the stencil of the default leg: a point whose
	// nearest sample is (ix, iy) reaches only samples (ix+di, iy+dj) with
	// |dj| ≤ rad and |di| ≤ halfWidth[dj+rad].
	rad       int
	halfWidth []int
}

// rasterDims is the geometry of a raster over b padded by pad at step: its
// origin (a multiple of the step, so that rasters of one field line up) and
// its size.
func rasterDims(b orb.Bound, step, pad float64) (ox, oy float64, nx, ny int) {
	ox = math.Floor((b.Min[0]-pad)/step) * step
	oy = math.Floor((b.Min[1]-pad)/step) * step
	nx = int(math.Ceil((b.Max[0]+pad-ox)/step)) + 1
	ny = int(math.Ceil((b.Max[1]+pad-oy)/step)) + 1
	return ox, oy, nx, ny
}

// checkOptions validates the options common to Sample and NewGrid.
func checkOptions(opt SampleOptions) error {
	if !(opt.StepM > 0) || math.IsInf(opt.StepM, 0) {
		return fmt.Errorf("isochrone: step %v m: must be positive", opt.StepM)
	}
	if opt.MaxLegM < 0 || math.IsNaN(opt.MaxLegM) || math.IsInf(opt.MaxLegM, 0) {
		return fmt.Errorf("isochrone: max access leg %v m: must be finite and not negative", opt.MaxLegM)
	}
	if !(opt.AccessSpeedMS > 0) || math.IsInf(opt.AccessSpeedMS, 0) {
		return fmt.Errorf("isochrone: access speed %v m/s: must be positive", opt.AccessSpeedMS)
	}
	if opt.MaxSamples < 0 {
		return fmt.Errorf("isochrone: max samples %d: must not be negative", opt.MaxSamples)
	}
	return nil
}

// StepFor returns the raster step (metres) that NewGrid uses for bound b
// with opt: opt.StepM if opt.MaxSamples is 0, otherwise the smallest whole
// multiple k·opt.StepM (k ≥ 1) for which the raster over b, padded by the
// default access leg k·opt.MaxLegM plus one step, has at most
// opt.MaxSamples samples, or, if no step achieves that (MaxSamples below
// the padding's own samples), the least multiple at least as large as the
// extent of b. It returns 0 for invalid options.
func StepFor(b orb.Bound, opt SampleOptions) float64 {
	if checkOptions(opt) != nil {
		return 0
	}
	if opt.MaxSamples <= 0 {
		return opt.StepM
	}
	// Start from the estimate k ≈ √(area / MaxSamples) / StepM (never above
	// the answer: the padding only adds samples) and step up.
	k := max(1, int(math.Floor(math.Sqrt((b.Max[0]-b.Min[0])*(b.Max[1]-b.Min[1])/float64(opt.MaxSamples))/opt.StepM)))
	for ; ; k++ {
		step := float64(k) * opt.StepM
		_, _, nx, ny := rasterDims(b, step, float64(k)*opt.MaxLegM+step)
		// Beyond the extent's own size a coarser step no longer shrinks
		// the raster (the padding grows with the step): stop there.
		if float64(nx)*float64(ny) <= float64(opt.MaxSamples) || step >= math.Max(b.Max[0]-b.Min[0], b.Max[1]-b.Min[1]) {
			return step
		}
	}
}

// NewGrid returns an empty grid (every sample unreachable) for points that
// lie in b (planar metres): the raster covers b padded by the default
// access leg plus one step, so that its border stays unreachable. Points
// added with a leg of their own (AddLeg) are covered when b contains their
// disc. The step is StepFor(b, opt); Raster().Step reports it.
func NewGrid(b orb.Bound, opt SampleOptions) (*Grid, error) {
	if err := checkOptions(opt); err != nil {
		return nil, err
	}
	for _, v := range []float64{b.Min[0], b.Min[1], b.Max[0], b.Max[1]} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("isochrone: bound %v: must be finite", b)
		}
	}
	if b.Min[0] > b.Max[0] || b.Min[1] > b.Max[1] {
		return nil, fmt.Errorf("isochrone: bound %v: min above max", b)
	}
	step := StepFor(b, opt)
	leg := opt.MaxLegM * step / opt.StepM
	ox, oy, nx, ny := rasterDims(b, step, leg+step)
	if float64(nx)*float64(ny) > maxRasterSamples {
		return nil, fmt.Errorf("isochrone: raster of %d × %d samples at %v m is too large", nx, ny, step)
	}
	g := &Grid{
		r:        Raster{Origin: orb.Point{ox, oy}, Step: step, NX: nx, NY: ny, Values: make([]float64, nx*ny)},
		leg:      leg,
		leg2:     leg * leg,
		invSpeed: 1 / opt.AccessSpeedMS,
		maxSec:   math.Inf(1),
	}
	if opt.MaxSeconds > 0 {
		g.maxSec = opt.MaxSeconds
	}
	inf := math.Inf(1)
	for i := range g.r.Values {
		g.r.Values[i] = inf
	}
	// The stencil: a point lies within half a step (per axis) of its nearest
	// sample, so sample (di, dj) away is at least (|di|−½, |dj|−½) steps
	// from it. A little slack keeps rounding from dropping a sample.
	l := leg/step + 1e-9
	g.rad = int(math.Floor(l + 0.5))
	g.halfWidth = make([]int, 2*g.rad+1)
	for dj := -g.rad; dj <= g.rad; dj++ {
		ey := math.Max(math.Abs(float64(dj))-0.5, 0)
		rest := l*l - ey*ey
		hw := 0
		if rest > 0 {
			hw = int(math.Floor(math.Sqrt(rest) + 0.5))
		}
		g.halfWidth[dj+g.rad] = hw
	}
	return g, nil
}

// Raster returns the grid's raster. It aliases the grid: later additions
// change it.
func (g *Grid) Raster() *Raster { return &g.r }

// LegM returns the default access leg in metres at the grid's step.
func (g *Grid) LegM() float64 { return g.leg }

// keep reports whether a time is valid and within MaxSeconds.
func (g *Grid) keep(t float64) bool {
	return t >= 0 && t <= g.maxSec && !math.IsInf(t, 1)
}

// Add adds a point reached at seconds with the default access leg. Times
// that are negative, NaN, infinite or above MaxSeconds are ignored; samples
// outside the raster are skipped.
func (g *Grid) Add(p orb.Point, seconds float64) {
	if g.keep(seconds) {
		g.stamp(p[0], p[1], seconds)
	}
}

// AddLeg adds a point with its own access leg in metres: positive bounds
// the leg, negative gives time only to the sample nearest to the point, and
// zero means the default leg (as Add).
func (g *Grid) AddLeg(p orb.Point, seconds, legM float64) {
	if !g.keep(seconds) || math.IsNaN(legM) {
		return
	}
	r := &g.r
	switch {
	case legM == 0:
		g.stamp(p[0], p[1], seconds)
	case legM < 0:
		g.nearest(p[0], p[1], seconds)
	default:
		step, ox, oy := r.Step, r.Origin[0], r.Origin[1]
		cx, cy := (p[0]-ox)/step, (p[1]-oy)/step
		x0 := max(0, int(math.Ceil(cx-legM/step)))
		x1 := min(r.NX-1, int(math.Floor(cx+legM/step)))
		y0 := max(0, int(math.Ceil(cy-legM/step)))
		y1 := min(r.NY-1, int(math.Floor(cy+legM/step)))
		l2 := legM * legM
		for iy := y0; iy <= y1; iy++ {
			dy := oy + float64(iy)*step - p[1]
			row := r.Values[iy*r.NX : (iy+1)*r.NX]
			for ix := x0; ix <= x1; ix++ {
				dx := ox + float64(ix)*step - p[0]
				d2 := dx*dx + dy*dy
				if d2 > l2 {
					continue
				}
				if t := seconds + math.Sqrt(d2)*g.invSpeed; t < row[ix] {
					row[ix] = t
				}
			}
		}
	}
}

// nearest gives the sample nearest to (px, py) the time t plus the leg to
// it.
func (g *Grid) nearest(px, py, t float64) {
	r := &g.r
	ix := int(math.Floor((px-r.Origin[0])/r.Step + 0.5))
	iy := int(math.Floor((py-r.Origin[1])/r.Step + 0.5))
	if ix < 0 || iy < 0 || ix >= r.NX || iy >= r.NY {
		return
	}
	q := r.Point(ix, iy)
	if v := t + math.Hypot(px-q[0], py-q[1])*g.invSpeed; v < r.Values[iy*r.NX+ix] {
		r.Values[iy*r.NX+ix] = v
	}
}

// stamp gives the samples within the default leg of (px, py) the time t
// plus the leg, through the precomputed stencil.
func (g *Grid) stamp(px, py, t float64) {
	if g.leg == 0 {
		g.nearest(px, py, t)
		return
	}
	r := &g.r
	step, ox, oy := r.Step, r.Origin[0], r.Origin[1]
	ix0 := int(math.Floor((px-ox)/step + 0.5))
	iy0 := int(math.Floor((py-oy)/step + 0.5))
	rad := g.rad
	inside := ix0-rad >= 0 && iy0-rad >= 0 && ix0+rad < r.NX && iy0+rad < r.NY
	if !inside && (ix0+rad < 0 || iy0+rad < 0 || ix0-rad >= r.NX || iy0-rad >= r.NY) {
		return
	}
	leg2, inv, inf := g.leg2, g.invSpeed, math.Inf(1)
	for dj := -rad; dj <= rad; dj++ {
		iy := iy0 + dj
		if !inside && (iy < 0 || iy >= r.NY) {
			continue
		}
		dy := oy + float64(iy)*step - py
		dy2 := dy * dy
		if dy2 > leg2 {
			continue
		}
		hw := g.halfWidth[dj+rad]
		x0, x1 := ix0-hw, ix0+hw
		if !inside {
			x0, x1 = max(x0, 0), min(x1, r.NX-1)
		}
		if x0 > x1 {
			continue
		}
		row := r.Values[iy*r.NX+x0 : iy*r.NX+x1+1]
		dx := ox + float64(x0)*step - px
		for i := range row {
			d2 := dx*dx + dy2
			v := t + math.Sqrt(d2)*inv
			if d2 > leg2 {
				v = inf
			}
			row[i] = min(row[i], v)
			dx += step
		}
	}
}

// AddLine adds points every half step along line, each reached at the
// lesser of from + fwd·f and to + bwd·(1−f), f being the point's fraction
// of the line's length: the time along a network edge entered at its first
// vertex at from (taking fwd seconds to traverse) or at its last at to
// (taking bwd). An infinite or NaN from/fwd (to/bwd) means that direction
// does not exist. The end points are not added: callers add them (the
// network's nodes, with their own times). A line no longer than one step
// adds nothing: every point of it is within half a step of an end, so the
// ends' access legs cover its surroundings. Points above MaxSeconds are
// skipped.
func (g *Grid) AddLine(line orb.LineString, from, fwd, to, bwd float64) {
	if len(line) < 2 {
		return
	}
	okF := !math.IsInf(from, 0) && !math.IsNaN(from) && !math.IsInf(fwd, 0) && !math.IsNaN(fwd)
	okB := !math.IsInf(to, 0) && !math.IsNaN(to) && !math.IsInf(bwd, 0) && !math.IsNaN(bwd)
	if !okF && !okB {
		return
	}
	// Nothing along the line is faster than the faster end.
	lo := math.Inf(1)
	if okF {
		lo = from
	}
	if okB {
		lo = math.Min(lo, to)
	}
	if lo > g.maxSec {
		return
	}
	total := 0.0
	for i := 1; i < len(line); i++ {
		dx, dy := line[i][0]-line[i-1][0], line[i][1]-line[i-1][1]
		total += math.Sqrt(dx*dx + dy*dy)
	}
	if !(total > g.r.Step) {
		return
	}
	spacing := g.r.Step / 2
	along, next := 0.0, spacing
	for i := 1; i < len(line) && next < total; i++ {
		a, b := line[i-1], line[i]
		dx, dy := b[0]-a[0], b[1]-a[1]
		seg := math.Sqrt(dx*dx + dy*dy)
		for next <= along+seg && next < total {
			u := (next - along) / seg
			f := next / total
			t := math.Inf(1)
			if okF {
				t = from + fwd*f
			}
			if okB {
				t = math.Min(t, to+bwd*(1-f))
			}
			if t >= 0 && t <= g.maxSec {
				g.stamp(a[0]+dx*u, a[1]+dy*u, t)
			}
			next += spacing
		}
		along += seg
	}
}

// Merge lowers every sample of g to the value of o where o's is less. The
// grids must have the same geometry (NewGrid with the same bound and
// options).
func (g *Grid) Merge(o *Grid) error {
	if g.r.Origin != o.r.Origin || g.r.Step != o.r.Step || g.r.NX != o.r.NX || g.r.NY != o.r.NY {
		return fmt.Errorf("isochrone: merge: rasters differ (%v, %v m, %d × %d against %v, %v m, %d × %d)",
			g.r.Origin, g.r.Step, g.r.NX, g.r.NY, o.r.Origin, o.r.Step, o.r.NX, o.r.NY)
	}
	ov := o.r.Values[:len(g.r.Values)]
	for i, v := range ov {
		if v < g.r.Values[i] {
			g.r.Values[i] = v
		}
	}
	return nil
}

// Sample rasterises reached points. Each sample's value is the minimum over
// reached points within their access bound of Seconds + distance /
// AccessSpeedMS, or +Inf. The raster covers the bound of the points (of
// their discs, for points with a leg of their own) padded by the default
// leg plus one step, so its border is unreachable; its step is StepFor of
// that bound. Cost: O(points × (leg/step)²) time, O(samples) memory.
func Sample(points []Reached, opt SampleOptions) (*Raster, error) {
	if err := checkOptions(opt); err != nil {
		return nil, err
	}
	keep := func(p Reached) bool {
		if math.IsNaN(p.Seconds) || math.IsInf(p.Seconds, 0) || p.Seconds < 0 {
			return false
		}
		return opt.MaxSeconds <= 0 || p.Seconds <= opt.MaxSeconds
	}
	b := orb.Bound{}
	first, anyDefault := true, false
	for _, p := range points {
		if !keep(p) {
			continue
		}
		pb := orb.Bound{Min: p.P, Max: p.P}
		switch {
		case p.MaxLegM > 0:
			pb = pb.Pad(p.MaxLegM)
		case p.MaxLegM == 0:
			anyDefault = true
		}
		if first {
			b, first = pb, false
		} else {
			b = b.Union(pb)
		}
	}
	if first {
		return nil, ErrEmpty
	}
	if !anyDefault {
		opt.MaxLegM = 0 // no point uses it: no padding for it
	}
	g, err := NewGrid(b, opt)
	if err != nil {
		return nil, err
	}
	for _, p := range points {
		g.AddLeg(p.P, p.Seconds, p.MaxLegM)
	}
	return g.Raster(), nil
}
