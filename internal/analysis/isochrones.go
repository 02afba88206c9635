package analysis

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"

	"github.com/paulmach/orb"

	"reach/geo/crs"
	"reach/geo/graph"
	"reach/geo/isochrone"
	"reach/geo/route"
	"reach/internal/network"
	"reach/layers"
)

// Isochrone limits.
const (
	MaxIsochroneMinutes    = 180.0
	MaxIsochroneThresholds = 12
	MaxIsochroneOrigins    = 100
	// isoWalkMS is the speed of the straight leg from the network into the
	// raster around it (walking, 4.5 km/h).
	isoWalkMS = 4.5 / 3.6
)

// isoLegM is the bound of the access leg from reached network points into
// the raster: 1.5 raster steps, so that every sample next to a reached
// road gets a time and nothing farther does.
func (e *Engine) isoLegM() float64 { return 1.5 * e.opts.IsochroneStepM }

// isoMethod describes how isochrone polygons are built.
func (e *Engine) isoMethod(mode layers.Mode, network bool) string {
	if !network {
		return fmt.Sprintf("grid contour (marching squares, %g m raster) of straight-line times (no %s road network loaded; distance × detour %.2g at %.3g km/h); population of cells whose centre is within the time",
			e.opts.IsochroneStepM, mode, e.opts.StraightLine.DetourFactor, e.opts.StraightLine.speedMS(mode)*3.6)
	}
	return fmt.Sprintf("grid contour (marching squares, %g m raster) of the %s network travel-time field: reached nodes and points along reached edges, each raster point the least node time plus a straight walk ≤ %g m at 4.5 km/h (motorway interiors give no access); population of cells whose centre is reached within the time",
		e.opts.IsochroneStepM, mode, e.isoLegM())
}

// checkMinutes validates and sorts thresholds.
func checkMinutes(minutes []float64) ([]float64, error) {
	if len(minutes) == 0 || len(minutes) > MaxIsochroneThresholds {
		return nil, fmt.Errorf("analysis: isochrones: minutes: want 1 to %d thresholds, got %d: %w", MaxIsochroneThresholds, len(minutes), layers.ErrInvalid)
	}
	out := append([]float64(nil), minutes...)
	for i, m := range out {
		if !(m > 0) || m > MaxIsochroneMinutes {
			return nil, fmt.Errorf("analysis: isochrones: minutes[%d] = %v: want (0, %v]: %w", i, m, MaxIsochroneMinutes, layers.ErrInvalid)
		}
	}
	sort.Float64s(out)
	for i := 1; i < len(out); i++ {
		if out[i] == out[i-1] {
			return nil, fmt.Errorf("analysis: isochrones: minutes: %v given twice: %w", out[i], layers.ErrInvalid)
		}
	}
	return out, nil
}

// Isochrones returns, for each threshold, the area reachable from any of
// the origins within that many minutes by req.Mode (cumulative polygons in
// lon/lat) and the residents of cells whose centre is reached within it.
// The polygons are contours of the travel-time field on a raster (see
// geo/isochrone); the result's Method says so. Unreachable ground — water,
// land behind a river without a bridge, the surroundings of a motorway —
// stays outside.
func (e *Engine) Isochrones(ctx context.Context, req IsochroneRequest) (IsochroneResult, error) {
	if _, ok := layers.ParseMode(string(req.Mode)); !ok {
		return IsochroneResult{}, fmt.Errorf("analysis: isochrones: mode %q: %w", req.Mode, layers.ErrInvalid)
	}
	if len(req.Origins) == 0 || len(req.Origins) > MaxIsochroneOrigins {
		return IsochroneResult{}, fmt.Errorf("analysis: isochrones: origins: want 1 to %d points, got %d: %w", MaxIsochroneOrigins, len(req.Origins), layers.ErrInvalid)
	}
	minutes, err := checkMinutes(req.Minutes)
	if err != nil {
		return IsochroneResult{}, err
	}
	mn := e.nets[req.Mode]
	res := IsochroneResult{Origins: make([]SnapInfo, len(req.Origins)), Method: e.isoMethod(req.Mode, mn != nil)}
	res.Provenance = e.provenance(res.Method)
	if mn == nil {
		pts := make([]orb.Point, len(req.Origins))
		for i, p := range req.Origins {
			u, err := toUTM(p)
			if err != nil {
				return IsochroneResult{}, fmt.Errorf("analysis: isochrones: origins[%d]: %w", i, err)
			}
			pts[i] = u
			res.Origins[i] = SnapInfo{Input: p, Reason: fmt.Sprintf("no %s road network loaded: straight-line estimate", req.Mode)}
		}
		res.Bands, err = e.straightBands(ctx, pts, req.Mode, minutes)
		return res, err
	}
	var deps [][]route.Source
	var extra []isochrone.Reached
	for i, p := range req.Origins {
		s, info, err := mn.snapPoint(p)
		if err != nil {
			return IsochroneResult{}, fmt.Errorf("analysis: isochrones: origins[%d]: %w", i, err)
		}
		res.Origins[i] = info
		if s.Snapped {
			deps = append(deps, s.Departures())
			extra = append(extra, isochrone.Reached{P: s.Point, Seconds: float64(s.Access.Seconds())})
		}
	}
	limit, _ := graph.CostOf(graph.Seconds(minutes[len(minutes)-1] * 60))
	q := mn.fromOrigins(deps, limit)
	defer mn.n.Queries().Put(q)
	res.Bands, err = e.networkBands(ctx, mn, mn.n.Graph(), q, minutes, mn.cellIn, extra)
	return res, err
}

// networkBands builds bands from the node costs of a finished search on g
// (the forward graph for travel from origins, the reverse graph for travel
// to sites). entries gives each cell's entry points for that direction.
func (e *Engine) networkBands(ctx context.Context, mn *modeNet, g *graph.Graph, q *route.Query, minutes []float64, entries [][]route.Source, extra []isochrone.Reached) ([]Band, error) {
	maxSecs := minutes[len(minutes)-1] * 60
	pts := e.reachedPoints(mn, g, q.Costs(), q.Settled(), maxSecs)
	pts = append(pts, extra...)
	// Cell times for the population.
	cellSecs := make([]float64, len(e.cells))
	costs := q.Costs()
	for ci := range e.cells {
		cellSecs[ci] = math.Inf(1)
		if c, _, ok := network.Leave(entries[ci], costs); ok {
			cellSecs[ci] = float64(c.Seconds())
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("analysis: isochrones: %w", err)
	}
	return e.bands(pts, cellSecs, minutes)
}

// reachedPoints lists the reached nodes and points along edges with a
// reached end, every half raster step, with their times, up to maxSecs.
func (e *Engine) reachedPoints(mn *modeNet, g *graph.Graph, costs []graph.Cost, settled []graph.NodeID, maxSecs float64) []isochrone.Reached {
	step := e.opts.IsochroneStepM / 2
	// About one node and a few points along its edges per settled node;
	// sized up front, since growing a slice of a million points dominated
	// the time of a 30-minute isochrone.
	pts := make([]isochrone.Reached, 0, 4*len(settled))
	seen := make([]bool, g.NumEdges())
	for _, v := range settled {
		t := float64(costs[v].Seconds())
		if t > maxSecs {
			continue
		}
		pts = append(pts, isochrone.Reached{P: g.Point(v), Seconds: t})
		lo, hi := g.ArcRange(v)
		for a := lo; a < hi; a++ {
			ed, _ := g.ArcEdge(a)
			if seen[ed] {
				continue
			}
			seen[ed] = true
			if !mn.exit[ed] {
				continue
			}
			edge := g.Edge(ed)
			geom := mn.n.Geometry(ed)
			L := float64(edge.Length)
			if L <= step || len(geom) < 2 {
				continue
			}
			tf, tt := float64(costs[edge.From].Seconds()), float64(costs[edge.To].Seconds())
			cf, cb := float64(edge.Forward.Seconds()), float64(edge.Backward.Seconds())
			geomLen := 0.0
			for i := 1; i < len(geom); i++ {
				geomLen += math.Hypot(geom[i][0]-geom[i-1][0], geom[i][1]-geom[i-1][1])
			}
			if geomLen == 0 {
				continue
			}
			// Walk the geometry and emit points every step metres.
			along, next := 0.0, step
			for i := 1; i < len(geom); i++ {
				a, b := geom[i-1], geom[i]
				seg := math.Hypot(b[0]-a[0], b[1]-a[1])
				for next <= along+seg && next < geomLen {
					frac := next / geomLen
					p := orb.Point{a[0] + (b[0]-a[0])*(next-along)/seg, a[1] + (b[1]-a[1])*(next-along)/seg}
					t := math.Inf(1)
					if !math.IsInf(tf, 1) && !math.IsInf(cf, 1) {
						t = tf + cf*frac
					}
					if !math.IsInf(tt, 1) && !math.IsInf(cb, 1) {
						t = math.Min(t, tt+cb*(1-frac))
					}
					if t <= maxSecs {
						pts = append(pts, isochrone.Reached{P: p, Seconds: t})
					}
					next += step
				}
				along += seg
			}
		}
	}
	return pts
}

// bands contours the reached points and counts residents per threshold.
func (e *Engine) bands(pts []isochrone.Reached, cellSecs []float64, minutes []float64) ([]Band, error) {
	out := make([]Band, len(minutes))
	var r *isochrone.Raster
	if len(pts) > 0 {
		var err error
		r, err = isochrone.Sample(pts, isochrone.SampleOptions{StepM: e.opts.IsochroneStepM, MaxLegM: e.isoLegM(), AccessSpeedMS: isoWalkMS, MaxSeconds: minutes[len(minutes)-1] * 60})
		if err != nil && !errors.Is(err, isochrone.ErrEmpty) {
			return nil, fmt.Errorf("analysis: isochrones: %w", err)
		}
	}
	prev := 0.0
	for i, m := range minutes {
		b := Band{FromMinutes: prev, Minutes: m, Geometry: orb.MultiPolygon{}}
		if r != nil {
			mp := isochrone.Contour(r, m*60)
			if len(mp) > 0 {
				b.Geometry = crs.MustProject(mp, crs.UTM33N, crs.CRS84).(orb.MultiPolygon)
			}
		}
		for ci, s := range cellSecs {
			if s <= m*60 {
				b.Population += e.cells[ci].pop
				b.Cells++
			}
		}
		out[i] = b
		prev = m
	}
	return out, nil
}

// straightBands builds bands around points without a road network.
func (e *Engine) straightBands(ctx context.Context, pts []orb.Point, mode layers.Mode, minutes []float64) ([]Band, error) {
	sl := e.opts.StraightLine
	v := sl.speedMS(mode) / sl.DetourFactor // effective straight-line speed
	maxSecs := minutes[len(minutes)-1] * 60
	var reached []isochrone.Reached
	for _, p := range pts {
		reached = append(reached, isochrone.Reached{P: p, Seconds: 0, MaxLegM: maxSecs * v})
	}
	cellSecs := make([]float64, len(e.cells))
	for ci, c := range e.cells {
		cellSecs[ci] = math.Inf(1)
		for _, p := range pts {
			cellSecs[ci] = math.Min(cellSecs[ci], math.Hypot(c.utm[0]-p[0], c.utm[1]-p[1])/v)
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("analysis: isochrones: %w", err)
	}
	out := make([]Band, len(minutes))
	r, err := isochrone.Sample(reached, isochrone.SampleOptions{StepM: e.opts.IsochroneStepM, MaxLegM: maxSecs * v, AccessSpeedMS: v, MaxSeconds: maxSecs})
	if err != nil {
		return nil, fmt.Errorf("analysis: isochrones: %w", err)
	}
	prev := 0.0
	for i, m := range minutes {
		b := Band{FromMinutes: prev, Minutes: m, Geometry: orb.MultiPolygon{}}
		if mp := isochrone.Contour(r, m*60); len(mp) > 0 {
			b.Geometry = crs.MustProject(mp, crs.UTM33N, crs.CRS84).(orb.MultiPolygon)
		}
		for ci, s := range cellSecs {
			if s <= m*60 {
				b.Population += e.cells[ci].pop
				b.Cells++
			}
		}
		out[i] = b
		prev = m
	}
	return out, nil
}
