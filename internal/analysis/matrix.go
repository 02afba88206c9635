package analysis

import (
	"context"
	"fmt"
	"math"
	"runtime"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"reach/geo/route"
	"reach/internal/network"
	"reach/layers"
)

// MaxMatrixPoints bounds the number of sources and of destinations of one
// matrix request.
const MaxMatrixPoints = 1000

// Matrix returns the travel time (seconds) and network distance (metres)
// from every source to every destination by req.Mode, with where each point
// snapped. An entry is nil when either point could not be snapped or the
// destination cannot be reached. Times include both access legs; distances
// are the network part (access legs excluded). One forward search runs per
// source. Without a road network for the mode the entries are the
// straight-line fallback (distance × detour / assumed speed) and every point
// is reported as not snapped with the reason.
func (e *Engine) Matrix(ctx context.Context, req MatrixRequest) (MatrixResult, error) {
	if _, ok := layers.ParseMode(string(req.Mode)); !ok && req.Mode != Transit {
		return MatrixResult{}, fmt.Errorf("analysis: matrix: mode %q: %w", req.Mode, layers.ErrInvalid)
	}
	if len(req.Sources) == 0 || len(req.Destinations) == 0 {
		return MatrixResult{}, fmt.Errorf("analysis: matrix: sources and destinations must not be empty: %w", layers.ErrInvalid)
	}
	if len(req.Sources) > MaxMatrixPoints || len(req.Destinations) > MaxMatrixPoints {
		return MatrixResult{}, fmt.Errorf("analysis: matrix: %d × %d points, at most %d each: %w", len(req.Sources), len(req.Destinations), MaxMatrixPoints, layers.ErrInvalid)
	}
	res := MatrixResult{
		Durations: make([][]*float64, len(req.Sources)), Distances: make([][]*float64, len(req.Sources)),
		Sources: make([]SnapInfo, len(req.Sources)), Destinations: make([]SnapInfo, len(req.Destinations)),
	}
	for i := range res.Durations {
		res.Durations[i] = make([]*float64, len(req.Destinations))
		res.Distances[i] = make([]*float64, len(req.Destinations))
	}
	if req.Mode == Transit {
		res.Method = MethodTransit
		res.Provenance = e.provenance("public transport: range RAPTOR over the departure window, straight-line walks to and from stops")
		if e.transit == nil {
			return MatrixResult{}, errNoTransit("matrix")
		}
		return e.transit.Matrix(ctx, req, res)
	}
	mn := e.nets[req.Mode]
	if mn == nil {
		res.Method = MethodStraightLine
		res.Provenance = e.provenance(fmt.Sprintf("straight line (no %s road network loaded)", req.Mode))
		return e.straightMatrix(req, res)
	}
	res.Method = MethodNetwork
	res.Provenance = e.provenance(fmt.Sprintf("network %s, one search over the whole network per source", req.Mode))
	srcs := make([]network.Snap, len(req.Sources))
	dsts := make([]network.Snap, len(req.Destinations))
	for i, p := range req.Sources {
		s, info, err := mn.snapPoint(p)
		if err != nil {
			return MatrixResult{}, fmt.Errorf("analysis: matrix: sources[%d]: %w", i, err)
		}
		srcs[i], res.Sources[i] = s, info
	}
	for j, p := range req.Destinations {
		s, info, err := mn.snapPoint(p)
		if err != nil {
			return MatrixResult{}, fmt.Errorf("analysis: matrix: destinations[%d]: %w", j, err)
		}
		dsts[j], res.Destinations[j] = s, info
	}
	// One search per source over the whole graph: a forward PHAST sweep
	// when the hierarchy is ready, else Dijkstra; the times are the same.
	var found route.Result
	var run func(deps []route.Source)
	if h := e.hierarchy(mn); h != nil {
		s := h.Get()
		defer h.Put(s)
		workers := runtime.GOMAXPROCS(0)
		found, run = s, func(deps []route.Source) { s.Forward(deps, route.Unbounded, workers) }
	} else {
		q := mn.n.Queries().Get()
		defer mn.n.Queries().Put(q)
		found, run = q, func(deps []route.Source) { q.Run(deps, route.Unbounded) }
	}
	for i := range srcs {
		if err := ctx.Err(); err != nil {
			return MatrixResult{}, fmt.Errorf("analysis: matrix: %w", err)
		}
		if !srcs[i].Snapped {
			continue
		}
		run(srcs[i].Departures())
		for j := range dsts {
			if !dsts[j].Snapped {
				continue
			}
			r := network.Via(dsts[j].Arrivals(), found)
			// Two places on the same edge may be joined along it without
			// passing a node (the search only connects through nodes).
			if d, ok := mn.n.Direct(&srcs[i], &dsts[j]); ok && (!r.Reached || d.Cost < r.Cost) {
				r = d
			}
			if !r.Reached {
				continue
			}
			d, m := float64(r.Cost.Seconds()), round3(r.Meters)
			res.Durations[i][j], res.Distances[i][j] = &d, &m
		}
	}
	return res, nil
}

// straightMatrix answers a matrix without a road network.
func (e *Engine) straightMatrix(req MatrixRequest, res MatrixResult) (MatrixResult, error) {
	reason := fmt.Sprintf("no %s road network loaded: straight-line estimate", req.Mode)
	us := make([]orb.Point, len(req.Sources))
	ud := make([]orb.Point, len(req.Destinations))
	for i, p := range req.Sources {
		u, err := toUTM(p)
		if err != nil {
			return MatrixResult{}, fmt.Errorf("analysis: matrix: sources[%d]: %w", i, err)
		}
		us[i], res.Sources[i] = u, SnapInfo{Input: p, Reason: reason}
	}
	for j, p := range req.Destinations {
		u, err := toUTM(p)
		if err != nil {
			return MatrixResult{}, fmt.Errorf("analysis: matrix: destinations[%d]: %w", j, err)
		}
		ud[j], res.Destinations[j] = u, SnapInfo{Input: p, Reason: reason}
	}
	curve := e.model.Curve(req.Mode)
	for i := range us {
		for j := range ud {
			s := planar.Distance(us[i], ud[j])
			t := math.Round(curve.Seconds(s)*1000) / 1000
			d := round3(s * curve.Detour(s))
			res.Durations[i][j], res.Distances[i][j] = &t, &d
		}
	}
	return res, nil
}
