// Package matrix answers many-to-many travel-time matrices: from every
// source to every destination by one mode, one search over the engine's
// network per snapped source (a PHAST sweep once the contraction hierarchy
// is ready, else Dijkstra), the calibrated straight-line estimate for pairs
// with an end off the network, and public transport through the engine's
// TransitPlanner. It reads the engine only through its exported views
// (Engine.Net, Engine.Hierarchy, Engine.SnapPoint, the straight-line model);
// the request and result types stay in internal/analysis, beside the
// TransitPlanner seam that fills them for mode transit.
package matrix

import (
	"context"
	"fmt"
	"math"
	"runtime"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"reach/geo/crs"
	"reach/geo/route"
	"reach/internal/analysis"
	"reach/internal/network"
	"reach/layers"
)

// MaxPoints bounds the number of sources and of destinations of one
// matrix request.
const MaxPoints = 1000

// Of returns the travel time (seconds) and network distance (metres)
// from every source to every destination by req.Mode, with where each point
// snapped and, per pair, the method that gave the entry (Methods). A pair
// whose ends both snap is routed on the network (times include both access
// legs; distances are the network part, access legs excluded); it is nil
// and labelled "unreachable" only when the network is loaded at both ends
// and the destination cannot be reached. A pair with an end that does not
// snap gets the calibrated straight-line estimate between the two input
// points, labelled "straight_line", rather than no time. One forward search
// runs per snapped source. Without a road network for the mode every entry
// is the straight-line estimate and every point is reported as not snapped
// with the reason.
func Of(ctx context.Context, e *analysis.Engine, req analysis.MatrixRequest) (analysis.MatrixResult, error) {
	if _, ok := layers.ParseMode(string(req.Mode)); !ok && req.Mode != analysis.Transit {
		return analysis.MatrixResult{}, fmt.Errorf("analysis: matrix: mode %q: %w", req.Mode, layers.ErrInvalid)
	}
	if len(req.Sources) == 0 || len(req.Destinations) == 0 {
		return analysis.MatrixResult{}, fmt.Errorf("analysis: matrix: sources and destinations must not be empty: %w", layers.ErrInvalid)
	}
	if len(req.Sources) > MaxPoints || len(req.Destinations) > MaxPoints {
		return analysis.MatrixResult{}, fmt.Errorf("analysis: matrix: %d × %d points, at most %d each: %w", len(req.Sources), len(req.Destinations), MaxPoints, layers.ErrInvalid)
	}
	res := analysis.MatrixResult{
		Durations: make([][]*float64, len(req.Sources)), Distances: make([][]*float64, len(req.Sources)),
		Sources: make([]analysis.SnapInfo, len(req.Sources)), Destinations: make([]analysis.SnapInfo, len(req.Destinations)),
	}
	res.Methods = make([][]string, len(req.Sources))
	for i := range res.Durations {
		res.Durations[i] = make([]*float64, len(req.Destinations))
		res.Distances[i] = make([]*float64, len(req.Destinations))
		res.Methods[i] = make([]string, len(req.Destinations))
	}
	if req.Mode == analysis.Transit {
		res.Method = analysis.MethodTransit
		res.Provenance = e.Provenance("public transport: range RAPTOR over the departure window, straight-line walks to and from stops")
		tp := e.TransitPlanner()
		if tp == nil {
			return analysis.MatrixResult{}, analysis.ErrNoTransit("matrix")
		}
		res, err := tp.Matrix(ctx, req, res)
		if err != nil {
			return res, err
		}
		// A pair without a time is no_stop when an end has no stop
		// within walking distance (where the timetable may end), as
		// cells are labelled; unreachable when both ends have stops.
		for i, row := range res.Durations {
			for j, d := range row {
				switch {
				case d != nil:
					res.Methods[i][j] = analysis.MethodTransit
				case !res.Sources[i].Snapped || !res.Destinations[j].Snapped:
					res.Methods[i][j] = analysis.MethodNoStop
				default:
					res.Methods[i][j] = analysis.MethodUnreachable
				}
			}
		}
		return res, nil
	}
	net, ok := e.Net(req.Mode)
	if !ok {
		res.Method = analysis.MethodStraightLine
		res.Provenance = e.Provenance(fmt.Sprintf("straight line (no %s road network loaded)", req.Mode))
		return straightMatrix(e, req, res)
	}
	res.Provenance = e.Provenance(fmt.Sprintf("network %s, one search over the whole network per source; pairs with an end off the network by the calibrated straight-line estimate", req.Mode))
	srcs := make([]network.Snap, len(req.Sources))
	dsts := make([]network.Snap, len(req.Destinations))
	for i, p := range req.Sources {
		s, info, err := e.SnapPoint(req.Mode, p)
		if err != nil {
			return analysis.MatrixResult{}, fmt.Errorf("analysis: matrix: sources[%d]: %w", i, err)
		}
		srcs[i], res.Sources[i] = s, info
	}
	for j, p := range req.Destinations {
		s, info, err := e.SnapPoint(req.Mode, p)
		if err != nil {
			return analysis.MatrixResult{}, fmt.Errorf("analysis: matrix: destinations[%d]: %w", j, err)
		}
		dsts[j], res.Destinations[j] = s, info
	}
	// One search per source over the whole graph: a forward PHAST sweep
	// when the hierarchy is ready, else Dijkstra; the times are the same.
	var found route.Result
	var run func(deps []route.Source)
	if h := e.Hierarchy(req.Mode); h != nil {
		s := h.Get()
		defer h.Put(s)
		workers := runtime.GOMAXPROCS(0)
		found, run = s, func(deps []route.Source) { s.Forward(deps, route.Unbounded, workers) }
	} else {
		q := net.Network.Queries().Get()
		defer net.Network.Queries().Put(q)
		found, run = q, func(deps []route.Source) { q.Run(deps, route.Unbounded) }
	}
	curve := e.StraightLineModel().Curve(req.Mode)
	var offnet []orb.Point // UTM of the input points, built on the first pair with an end off the network
	straight := func(i, j int) error {
		if offnet == nil {
			offnet = make([]orb.Point, len(req.Sources)+len(req.Destinations))
			for k, p := range append(append([]orb.Point{}, req.Sources...), req.Destinations...) {
				u, err := toUTM(p)
				if err != nil {
					return err
				}
				offnet[k] = u
			}
		}
		s := planar.Distance(offnet[i], offnet[len(req.Sources)+j])
		t := math.Round(curve.Seconds(s)*1000) / 1000
		d := round3(s * curve.Detour(s))
		res.Durations[i][j], res.Distances[i][j], res.Methods[i][j] = &t, &d, analysis.MethodStraightLine
		return nil
	}
	for i := range srcs {
		if err := ctx.Err(); err != nil {
			return analysis.MatrixResult{}, fmt.Errorf("analysis: matrix: %w", err)
		}
		if srcs[i].Snapped {
			run(srcs[i].Departures())
		}
		for j := range dsts {
			if !srcs[i].Snapped || !dsts[j].Snapped {
				if err := straight(i, j); err != nil {
					return analysis.MatrixResult{}, fmt.Errorf("analysis: matrix: (%d, %d): %w", i, j, err)
				}
				continue
			}
			res.Methods[i][j] = analysis.MethodUnreachable
			r := network.Via(dsts[j].Arrivals(), found)
			// Two places on the same edge may be joined along it without
			// passing a node (the search only connects through nodes).
			if d, ok := net.Network.Direct(&srcs[i], &dsts[j]); ok && (!r.Reached || d.Cost < r.Cost) {
				r = d
			}
			if !r.Reached {
				continue
			}
			d, m := float64(r.Cost.Seconds()), round3(r.Meters)
			res.Durations[i][j], res.Distances[i][j], res.Methods[i][j] = &d, &m, analysis.MethodNetwork
		}
	}
	res.Method = matrixMethod(res.Methods)
	return res, nil
}

// MethodMixed labels a matrix whose pairs were found by more than one
// method (see MatrixResult.Methods).
const MethodMixed = "mixed"

// matrixMethod summarises the per-pair methods: the one method all pairs
// with a time share (unreachable pairs do not count), MethodMixed when they
// differ, analysis.MethodNetwork when no pair has a time.
func matrixMethod(methods [][]string) string {
	out := ""
	for _, row := range methods {
		for _, m := range row {
			switch {
			case m == analysis.MethodUnreachable || m == analysis.MethodNoStop || m == "" || m == out:
			case out == "":
				out = m
			default:
				return MethodMixed
			}
		}
	}
	if out == "" {
		return analysis.MethodNetwork
	}
	return out
}

// straightMatrix answers a matrix without a road network.
func straightMatrix(e *analysis.Engine, req analysis.MatrixRequest, res analysis.MatrixResult) (analysis.MatrixResult, error) {
	reason := fmt.Sprintf("no %s road network loaded: straight-line estimate", req.Mode)
	us := make([]orb.Point, len(req.Sources))
	ud := make([]orb.Point, len(req.Destinations))
	for i, p := range req.Sources {
		u, err := toUTM(p)
		if err != nil {
			return analysis.MatrixResult{}, fmt.Errorf("analysis: matrix: sources[%d]: %w", i, err)
		}
		us[i], res.Sources[i] = u, analysis.SnapInfo{Input: p, Reason: reason}
	}
	for j, p := range req.Destinations {
		u, err := toUTM(p)
		if err != nil {
			return analysis.MatrixResult{}, fmt.Errorf("analysis: matrix: destinations[%d]: %w", j, err)
		}
		ud[j], res.Destinations[j] = u, analysis.SnapInfo{Input: p, Reason: reason}
	}
	curve := e.StraightLineModel().Curve(req.Mode)
	for i := range us {
		for j := range ud {
			s := planar.Distance(us[i], ud[j])
			t := math.Round(curve.Seconds(s)*1000) / 1000
			d := round3(s * curve.Detour(s))
			res.Durations[i][j], res.Distances[i][j], res.Methods[i][j] = &t, &d, analysis.MethodStraightLine
		}
	}
	return res, nil
}

// toUTM converts a lon/lat point of a request to EPSG:25833.
func toUTM(ll orb.Point) (orb.Point, error) {
	if err := crs.CheckLonLat(ll); err != nil {
		return orb.Point{}, fmt.Errorf("analysis: point %v: %v: %w", ll, err, layers.ErrInvalid)
	}
	return crs.FromLonLat(crs.UTM33N, ll)
}

func round3(v float64) float64 { return math.Round(v*1000) / 1000 }
