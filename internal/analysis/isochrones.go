package analysis

import (
	"context"

	"fmt"
	"math"
	"sort"

	"github.com/paulmach/orb"

	"reach/geo/crs"
	"reach/geo/graph"
	"reach/geo/isochrone"
	"reach/geo/route"
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

// isoLegSteps is the bound of the access leg from reached network points
// into the raster, in raster steps: 1.5, so that every sample next to a
// reached road gets a time and nothing farther does.
const isoLegSteps = 1.5

// isoMaxSamples bounds the raster of one isochrone request: the step is the
// smallest whole multiple of Options.IsochroneStepM whose raster over the
// reached extent has at most this many samples (isochrone.StepFor). With
// the 100 m base step, a 30-minute drive over a dense network (about
// 90 km × 90 km reached) gets 300 m, an hour's ride (30 km across) and any
// walk keep 100 m. It bounds the work of a request: the raster's samples,
// and the points along edges, which come every half step.
const isoMaxSamples = 120_000

// isoOptions are the raster options of isochrones around the network.
func (e *Engine) isoOptions(maxSecs float64) isochrone.SampleOptions {
	return isochrone.SampleOptions{
		StepM: e.opts.IsochroneStepM, MaxLegM: isoLegSteps * e.opts.IsochroneStepM,
		AccessSpeedMS: isoWalkMS, MaxSeconds: maxSecs, MaxSamples: isoMaxSamples,
	}
}

// isoStepText describes the raster step chosen for one request.
func (e *Engine) isoStepText(step float64) string {
	base := e.opts.IsochroneStepM
	if step <= base {
		return fmt.Sprintf("%g m raster", step)
	}
	return fmt.Sprintf("%g m raster: %g × the %g m base step, the least with at most %d samples over the reached extent", step, math.Round(step/base), base, isoMaxSamples)
}

// isoMethod describes how isochrone polygons are built at raster step
// step (metres).
func (e *Engine) isoMethod(mode layers.Mode, network bool, step float64) string {
	if !network {
		return fmt.Sprintf("grid contour (marching squares, %s) of straight-line estimates (no %s road network loaded; detour factor and speed by distance from the calibrated model: %s); population of cells whose centre is within the time",
			e.isoStepText(step), mode, e.model.Source)
	}
	return fmt.Sprintf("grid contour (marching squares, %s) of the %s network travel-time field: reached nodes and points every half step along reached edges, each raster point the least node time plus a straight walk ≤ %g m at 4.5 km/h (motorway interiors give no access); population of cells whose centre is reached within the time",
		e.isoStepText(step), mode, isoLegSteps*step)
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
	if req.Mode == Transit {
		if e.transit == nil {
			return IsochroneResult{}, errNoTransit("isochrones")
		}
		return e.transit.Isochrones(ctx, req)
	}
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
	res := IsochroneResult{Origins: make([]SnapInfo, len(req.Origins))}
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
		var step float64
		res.Bands, step, err = e.straightBandsStep(ctx, pts, req.Mode, minutes)
		res.Method = e.isoMethod(req.Mode, false, step)
		res.Provenance = e.provenance(res.Method)
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
	var step float64
	res.Bands, step, err = e.networkBandsStep(ctx, mn, mn.n.Graph(), q, minutes, mn.cells.AllArrivals(), extra)
	res.Method = e.isoMethod(req.Mode, true, step)
	res.Provenance = e.provenance(res.Method)
	return res, err
}

// networkBands builds bands from the node costs of a finished search on g
// (the forward graph for travel from origins, the reverse graph for travel
// to sites). entries gives each cell's entry points for that direction;
// extra are points reached besides the nodes (the snapped origins).
func (e *Engine) networkBands(ctx context.Context, mn *modeNet, g *graph.Graph, q *route.Query, minutes []float64, entries [][]route.Source, extra []isochrone.Reached) ([]Band, error) {
	bands, _, err := e.networkBandsStep(ctx, mn, g, q, minutes, entries, extra)
	return bands, err
}

// networkBandsStep is networkBands that also returns the raster step in
// metres (0 when nothing is reached). The residents are counted on one
// goroutine while the raster is filled and contoured on others.
func (e *Engine) networkBandsStep(ctx context.Context, mn *modeNet, g *graph.Graph, q *route.Query, minutes []float64, entries [][]route.Source, extra []isochrone.Reached) ([]Band, float64, error) {
	maxSecs := minutes[len(minutes)-1] * 60
	var pops []int64
	var cells []int
	done := make(chan struct{})
	go func() {
		defer close(done)
		pops, cells = e.bandPopulation(minutes, func(ci int) float64 {
			best := graph.Closed
			for _, en := range entries[ci] {
				if c := q.Cost(en.Node); c != graph.Closed {
					best = min(best, graph.AddCost(c, en.Offset))
				}
			}
			if best == graph.Closed {
				return math.Inf(1)
			}
			return float64(best.Seconds())
		})
	}()
	r, err := mn.n.Raster(g, q, maxSecs, extra, e.isoOptions(maxSecs))
	<-done
	if err != nil {
		return nil, 0, fmt.Errorf("analysis: isochrones: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return nil, 0, fmt.Errorf("analysis: isochrones: %w", err)
	}
	return contourBands(r, minutes, pops, cells), rasterStep(r), nil
}

// rasterStep is r's step, 0 for no raster.
func rasterStep(r *isochrone.Raster) float64 {
	if r == nil {
		return 0
	}
	return r.Step
}

// bandPopulation counts, per threshold, the residents and the cells whose
// time (secs, +Inf when not reached) lies in the ring after the previous
// threshold and within this one (the first ring starts at 0 s inclusive).
func (e *Engine) bandPopulation(minutes []float64, secs func(ci int) float64) ([]int64, []int) {
	pops := make([]int64, len(minutes))
	cells := make([]int, len(minutes))
	maxSecs := minutes[len(minutes)-1] * 60
	for ci := range e.cells {
		s := secs(ci)
		if !(s <= maxSecs) {
			continue
		}
		k := 0
		for s > minutes[k]*60 {
			k++
		}
		pops[k] += e.cells[ci].pop
		cells[k]++
	}
	return pops, cells
}

// contourBands contours r (nil: nothing reached) at each threshold and
// projects the polygons to lon/lat; pops and cells are per ring, the
// cumulative figures are their running sums.
func contourBands(r *isochrone.Raster, minutes []float64, pops []int64, cells []int) []Band {
	return contourBandsAt(r, minutes, func(m float64) float64 { return m * 60 }, pops, cells)
}

// contourBandsAt is contourBands with the raster value of each band's
// edge given by level (seconds for a time raster, metres for a distance
// raster).
func contourBandsAt(r *isochrone.Raster, minutes []float64, level func(minutes float64) float64, pops []int64, cells []int) []Band {
	out := make([]Band, len(minutes))
	prev := 0.0
	var cumPop int64
	cumCells := 0
	for i, m := range minutes {
		cumPop += pops[i]
		cumCells += cells[i]
		b := Band{FromMinutes: prev, Minutes: m, Geometry: orb.MultiPolygon{}, Population: pops[i], Cells: cells[i],
			CumulativePopulation: cumPop, CumulativeCells: cumCells}
		if r != nil {
			if mp := isochrone.Contour(r, level(m)); len(mp) > 0 {
				b.Geometry = crs.MustProject(mp, crs.UTM33N, crs.CRS84).(orb.MultiPolygon)
			}
		}
		out[i] = b
		prev = m
	}
	return out
}

// straightBands builds bands around points without a road network.
func (e *Engine) straightBands(ctx context.Context, pts []orb.Point, mode layers.Mode, minutes []float64) ([]Band, error) {
	bands, _, err := e.straightBandsStep(ctx, pts, mode, minutes)
	return bands, err
}

// straightBandsStep is straightBands that also returns the raster step.
func (e *Engine) straightBandsStep(ctx context.Context, pts []orb.Point, mode layers.Mode, minutes []float64) ([]Band, float64, error) {
	// The raster holds straight-line metres (a "speed" of 1 m/s); each
	// band's edge is the distance the calibrated estimate covers in its
	// time, so that the bands follow the distance-dependent model exactly.
	maxM := e.slReach(mode, minutes[len(minutes)-1]*60)
	reached := make([]isochrone.Reached, 0, len(pts))
	for _, p := range pts {
		// Each origin reaches exactly its disc: its own leg, which does not
		// grow with the raster step.
		reached = append(reached, isochrone.Reached{P: p, Seconds: 0, MaxLegM: maxM})
	}
	pops, cells := e.bandPopulation(minutes, func(ci int) float64 {
		c := e.cells[ci].utm
		best := math.Inf(1)
		for _, p := range pts {
			best = math.Min(best, math.Hypot(c[0]-p[0], c[1]-p[1]))
		}
		return e.slSeconds(mode, best)
	})
	if err := ctx.Err(); err != nil {
		return nil, 0, fmt.Errorf("analysis: isochrones: %w", err)
	}
	r, err := isochrone.Sample(reached, isochrone.SampleOptions{StepM: e.opts.IsochroneStepM, AccessSpeedMS: 1, MaxSeconds: maxM, MaxSamples: isoMaxSamples})
	if err != nil {
		return nil, 0, fmt.Errorf("analysis: isochrones: %w", err)
	}
	return contourBandsAt(r, minutes, func(m float64) float64 { return e.slReach(mode, m*60) }, pops, cells), r.Step, nil
}
