package analysis

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"

	"github.com/paulmach/orb"

	"reach/geo/graph"
	"reach/geo/route"
	"reach/internal/network"
	"reach/layers"
)

// modeNet is the network of one mode with every populated cell and every
// facility snapped. Immutable once built.
type modeNet struct {
	mode layers.Mode
	n    *network.Network
	// cells are the populated cells (index into Engine.cells) on n, with
	// departures (for reverse searches: time to facilities) and arrivals
	// (for forward searches: time from origins), indexed by the node they
	// leave through.
	cells *network.Places
	// facs are the facilities (index into Engine.facs) on n, with their
	// arrivals.
	facs *network.Places
}

// buildNetworks builds the networks of the requested modes from the road
// layer and snaps cells and facilities. With no roads, e.nets stays empty
// and every travel time falls back to the straight line.
func (e *Engine) buildNetworks(ctx context.Context, r layers.Reader) error {
	var roads []layers.RoadSegment
	for seg, err := range r.Roads(ctx) {
		if err != nil {
			return fmt.Errorf("analysis: build: roads: %w", err)
		}
		roads = append(roads, seg)
	}
	e.roads = roads
	if len(roads) == 0 {
		return nil
	}
	nets, err := e.networksFrom(ctx, roads, e.opts.Modes)
	if err != nil {
		return err
	}
	e.nets = nets
	e.networkStats()
	return nil
}

// networkStats records the statistics of e.nets in e.stats.
func (e *Engine) networkStats() {
	for m, mn := range e.nets {
		st := NetworkStats{Nodes: mn.n.Graph().NumNodes(), Arcs: mn.n.Graph().NumArcs()}
		for ci := range e.cells {
			if mn.cells.Snapped(ci) {
				st.CellsSnapped++
			} else {
				st.CellsNotSnapped++
			}
		}
		for fi := range e.facs {
			if !mn.facs.Snapped(fi) {
				st.FacilitiesNotSnapped++
			}
		}
		e.stats.Networks[m] = st
	}
}

// networksFrom builds and snaps the networks of the engine's modes from
// roads; used for the base networks and for road scenarios.
func (e *Engine) networksFrom(ctx context.Context, roads []layers.RoadSegment, modes []layers.Mode) (map[layers.Mode]*modeNet, error) {
	seq := func(yield func(layers.RoadSegment, error) bool) {
		for _, s := range roads {
			if !yield(s, nil) {
				return
			}
		}
	}
	built, err := network.Build(ctx, seq, network.Options{Modes: modes, SnapRadiusM: e.opts.SnapRadiusM})
	if err != nil {
		return nil, fmt.Errorf("analysis: build: %w", err)
	}
	out := map[layers.Mode]*modeNet{}
	for _, m := range modes {
		n := built[m]
		if n == nil || n.Graph().NumNodes() == 0 {
			continue
		}
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("analysis: build: %w", err)
		}
		out[m] = e.snapAll(n)
	}
	return out, nil
}

// snapAll snaps cells and facilities to n.
func (e *Engine) snapAll(n *network.Network) *modeNet {
	cells := make([]orb.Point, len(e.cells))
	for ci := range e.cells {
		cells[ci] = e.cells[ci].utm
	}
	facs := make([]orb.Point, len(e.facs))
	for fi := range e.facs {
		facs[fi] = e.facs[fi].Location
	}
	return &modeNet{mode: n.Mode(), n: n,
		cells: n.SnapPlaces(cells, network.Departures|network.Arrivals),
		facs:  n.SnapPlaces(facs, network.Arrivals)}
}

// netField is the network part of a field: the node costs of the reverse
// search from the facilities (the baseline for "improving" searches).
type netField struct {
	base []graph.Cost
}

// networkField computes the travel time from every cell to the nearest
// facility of cat: one multi-source search towards the facilities, seeded
// with every facility's arrivals, then each cell's departures combined with
// the node costs. With the network's contraction hierarchy the search is a
// backward PHAST sweep (route.Sweep.Backward); until the hierarchy is
// prepared it is route.Query.RunParallel on the reverse graph. Both use one
// worker per processor and give the same costs.
func (e *Engine) networkField(ctx context.Context, mn *modeNet, cat layers.Category) (*field, error) {
	idxs := e.byCat[cat]
	tg := targets{id: make([]int32, len(idxs)), arrivals: make([][]route.Source, len(idxs)), pts: make([]orb.Point, len(idxs)),
		all: func() *field { return e.straight(cat) }}
	for i, fi := range idxs {
		tg.id[i] = int32(fi)
		tg.pts[i] = e.facUTM[fi]
		if mn.facs.Snapped(fi) {
			tg.arrivals[i] = mn.facs.Arrivals(fi)
		}
	}
	f, err := e.targetField(ctx, mn, tg)
	if err != nil {
		return nil, fmt.Errorf("analysis: travel times %s %s: %w", cat, mn.mode, err)
	}
	return f, nil
}

// targets are the places a field measures the time to: per target the id
// stored in field.fac (a facility index, or the target's own index), its
// arrivals on the network (nil when it does not snap) and its position
// (EPSG:25833). all, when not nil, returns the straight-line field to every
// target (cached by the caller); nil computes it.
type targets struct {
	id       []int32
	arrivals [][]route.Source
	pts      []orb.Point
	all      func() *field
}

// straightTo returns the straight-line distance field from every cell to
// the nearest of pts (EPSG:25833), with fac holding ids[i] of the nearest:
// exact, ties to the lowest index in pts (geo/nearest over the engine's
// blocks of cells).
func (e *Engine) straightTo(pts []orb.Point, ids []int32) *field {
	f := &field{dist: make([]float64, len(e.cells)), fac: make([]int32, len(e.cells)), method: MethodStraightLine}
	e.cellBlocks().NearestLabel(pts, ids, f.fac, f.dist, 0)
	return f
}

// targetField computes the travel time from every cell to the nearest
// target on mn: one multi-source search towards the targets, seeded with
// every target's arrivals, then each cell's departures combined with the
// node costs. With the network's contraction hierarchy the search is a
// backward PHAST sweep (route.Sweep.Backward); until the hierarchy is
// prepared it is route.Query.RunParallel on the reverse graph. Both use one
// worker per processor and give the same costs. offNetwork completes the
// field where the network ends.
func (e *Engine) targetField(ctx context.Context, mn *modeNet, tg targets) (*field, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var sources []route.Source
	var owner []int32 // source index → target id
	for i, arr := range tg.arrivals {
		for _, a := range arr {
			sources = append(sources, a)
			owner = append(owner, tg.id[i])
		}
	}
	f := e.fieldFromSources(mn, sources, owner)
	e.offNetwork(mn, tg, f)
	return f, nil
}

// fieldFromSources computes the field of one multi-source search towards
// sources (arrivals with their offsets); the label of a source is
// owner[source index], what the field's fac holds.
func (e *Engine) fieldFromSources(mn *modeNet, sources []route.Source, owner []int32) *field {
	workers := runtime.GOMAXPROCS(0)
	base := make([]graph.Cost, mn.n.ReverseGraph().NumNodes())
	var res route.Result
	var fill func() // copies the node costs into base
	if h := e.hierarchy(mn); h != nil {
		s := h.Get()
		defer h.Put(s)
		s.Backward(sources, route.Unbounded, workers)
		res, fill = s, func() { s.CostsInto(base) }
	} else {
		q := mn.n.ReverseQueries().Get()
		defer mn.n.ReverseQueries().Put(q)
		// The search covers the whole graph from every target: split
		// over the processors (one more search state per extra worker,
		// never one per source).
		q.RunParallel(sources, route.Unbounded, workers)
		res, fill = q, func() {
			for v := range base {
				base[v] = q.Cost(graph.NodeID(v))
			}
		}
	}
	// Reading the results only reads the search state: the cells are
	// combined in chunks, one per processor, while another goroutine copies
	// the node costs that later "improving" searches start from.
	f := newField(len(e.cells), MethodNetwork)
	var wg sync.WaitGroup
	wg.Go(fill)
	chunks := max(1, min(workers, len(e.cells)/4096))
	chunk := (len(e.cells) + chunks - 1) / chunks
	for w := range chunks {
		lo, hi := w*chunk, min(len(e.cells), (w+1)*chunk)
		wg.Go(func() {
			for ci := lo; ci < hi; ci++ {
				r := network.Via(mn.cells.Departures(ci), res)
				if !r.Reached || r.Label < 0 {
					continue
				}
				f.secs[ci] = float64(r.Cost.Seconds())
				f.dist[ci] = r.Meters
				f.fac[ci] = owner[r.Label]
			}
		})
	}
	wg.Wait()
	f.net = &netField{base: base}
	return f
}

// offNetwork completes a network field where the network ends: a cell that
// does not snap gets the straight-line estimate to its nearest target; a
// snapped cell gets it to the nearest target that does not snap when that
// is sooner than what the network gives. A snapped cell that reaches no
// target on the network and has none off it is "unreachable" (it cannot
// leave its part of the network). Every cell's method is recorded.
func (e *Engine) offNetwork(mn *modeNet, tg targets, f *field) {
	if len(tg.id) == 0 {
		return
	}
	var offPts []orb.Point
	var offID []int32
	for i, arr := range tg.arrivals {
		if len(arr) == 0 {
			offPts = append(offPts, tg.pts[i])
			offID = append(offID, tg.id[i])
		}
	}
	var off *field // straight-line distances to the targets off the network
	if len(offPts) > 0 {
		off = e.straightTo(offPts, offID)
	}
	var all *field // straight-line distances to every target, for cells off the network
	f.how = make([]uint8, len(e.cells))
	for ci := range e.cells {
		if len(mn.cells.Departures(ci)) == 0 {
			if all == nil {
				if tg.all != nil {
					all = tg.all()
				} else {
					all = e.straightTo(tg.pts, tg.id)
				}
			}
			f.how[ci] = howStraight
			if id := all.fac[ci]; id >= 0 {
				f.secs[ci], f.dist[ci], f.fac[ci] = e.slSeconds(mn.mode, all.dist[ci]), all.dist[ci], id
			}
			continue
		}
		if off != nil {
			if d := off.dist[ci]; off.fac[ci] >= 0 {
				if s := e.slSeconds(mn.mode, d); s < f.secs[ci] {
					f.secs[ci], f.dist[ci], f.fac[ci] = s, d, off.fac[ci]
					f.how[ci] = howStraight
					continue
				}
			}
		}
		if f.fac[ci] < 0 {
			f.how[ci] = howUnreachable
		}
	}
}

// improved is the effect of added sites on a network field: the cells
// whose time drops, with their new time and the site that gives it.
type improved struct {
	cells []int32
	secs  []float64
	dist  []float64
	site  []int32
}

// improveNetwork runs the "only improving" search from the arrivals of
// added sites on the baseline of f and returns the cells whose time drops.
// sites holds the arrivals per site.
func (e *Engine) improveNetwork(mn *modeNet, f *field, sites [][]route.Source) improved {
	var sources []route.Source
	var owner []int32
	for si, arr := range sites {
		for _, a := range arr {
			sources = append(sources, a)
			owner = append(owner, int32(si))
		}
	}
	var out improved
	if len(sources) == 0 {
		return out
	}
	q := mn.n.ReverseQueries().Get()
	defer mn.n.ReverseQueries().Put(q)
	q.Improve(sources, f.net.base, route.Unbounded)
	// A cell leaves through at most a few nodes: collect, sort and drop
	// repeats, which is cheaper than a set when a site wins a large area.
	var touched []int32
	for _, v := range q.Settled() {
		touched = append(touched, mn.cells.At(v)...)
	}
	slices.Sort(touched)
	touched = slices.Compact(touched)
	for _, ci := range touched {
		r := network.Via(mn.cells.Departures(int(ci)), q)
		if !r.Reached || r.Label < 0 {
			continue
		}
		s := float64(r.Cost.Seconds())
		if s < f.secs[ci] {
			out.cells = append(out.cells, ci)
			out.secs = append(out.secs, s)
			out.dist = append(out.dist, r.Meters)
			out.site = append(out.site, owner[r.Label])
		}
	}
	return out
}

// fromOrigins runs a forward search from the departures of origins and
// returns the query (to be put back by the caller) bounded by limit.
func (mn *modeNet) fromOrigins(origins [][]route.Source, limit graph.Cost) *route.Query {
	var sources []route.Source
	for _, d := range origins {
		sources = append(sources, d...)
	}
	q := mn.n.Queries().Get()
	q.Run(sources, limit)
	return q
}

// snapPoint snaps a lon/lat point for a request and describes the snap.
func (mn *modeNet) snapPoint(ll orb.Point) (network.Snap, SnapInfo, error) {
	utm, err := toUTM(ll)
	if err != nil {
		return network.Snap{}, SnapInfo{}, err
	}
	s := mn.n.Snap(utm)
	info := SnapInfo{Input: ll, Snapped: s.Snapped, Reason: s.Reason}
	if s.Snapped {
		loc, _ := fromUTM(s.Point)
		info.Location = loc
		info.DistanceM = round3(s.DistanceM)
		info.OffsetS = round3(float64(s.Access.Seconds()))
	}
	return s, info, nil
}

func round3(v float64) float64 { return math.Round(v*1000) / 1000 }
