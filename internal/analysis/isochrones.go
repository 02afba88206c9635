package analysis

import (
	"context"
	"fmt"

	"github.com/paulmach/orb"

	"reach/geo/graph"
	"reach/geo/isochrone"
	"reach/geo/route"
	"reach/internal/analysis/bands"
	"reach/layers"
)

// Band is one travel-time band of an isochrone (see internal/analysis/bands).
type Band = bands.Band

// Raster is the raster of the engine's isochrones (Options.IsochroneStepM).
func (e *Engine) Raster() bands.Raster { return bands.Raster{StepM: e.opts.IsochroneStepM} }

// BandCells are the populated cells as the bands count their residents.
func (e *Engine) BandCells() bands.Cells {
	return bands.Cells{N: len(e.cells), Residents: func(i int) int64 { return e.cells[i].pop }, UTM: func(i int) orb.Point { return e.cells[i].utm }}
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
	if err := bands.CheckOrigins(len(req.Origins)); err != nil {
		return IsochroneResult{}, err
	}
	minutes, err := bands.CheckMinutes(req.Minutes)
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
		res.Bands, step, err = e.Raster().Straight(ctx, pts, minutes, e.BandCells(),
			func(d float64) float64 { return e.slSeconds(req.Mode, d) }, func(s float64) float64 { return e.slReach(req.Mode, s) })
		res.Method = e.Raster().Method(req.Mode, false, step, e.model.Source)
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
	res.Bands, step, err = e.Raster().Network(ctx, mn.n, mn.n.Graph(), q, minutes, e.BandCells(), mn.cells.AllArrivals(), extra)
	res.Method = e.Raster().Method(req.Mode, true, step, e.model.Source)
	res.Provenance = e.provenance(res.Method)
	return res, err
}
