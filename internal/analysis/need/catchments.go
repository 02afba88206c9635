package need

// The searches of the need analyses, on the engine's read-only view of the
// network with its places (analysis.Net): catchments towards facilities
// within a threshold, and arrival fields from stations with head starts.

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/paulmach/orb"

	"reach/geo/access"
	"reach/geo/graph"
	"reach/geo/par"
	"reach/geo/route"
	"reach/internal/analysis"
	"reach/internal/network"
	"reach/layers"
)

type searchesKey struct{}

// searches counts the facility searches of FacilityCatchments and
// SiteCatchment on e.
// cellChunk is the fewest cells worth a goroutine of their own when work
// over the cells is shared out (par.Chunks).
const cellChunk = 4096

func searches(e *analysis.Engine) *atomic.Int64 {
	v, _ := e.Memo(searchesKey{}, func() (any, error) { return new(atomic.Int64), nil })
	return v.(*atomic.Int64)
}

// CatchmentSearches returns how many bounded facility searches
// FacilityCatchments and SiteCatchment have run on e (tests and benchmarks
// use it to show that a rerun routes nothing).
func CatchmentSearches(e *analysis.Engine) int64 { return searches(e).Load() }

// FacilityCatchments returns, for every facility of cat (index into
// e.FacilitiesOf), the populated cells from which it is reached by mode
// within thresholdS seconds, with the time: one search bounded by the
// threshold on the reverse graph from the facility's arrivals, the cells'
// departures joined with the node costs; by straight line where mode has no
// network. Facilities are shared out over the processors. Not cached: the
// caller keeps what it needs.
func FacilityCatchments(ctx context.Context, e *analysis.Engine, cat layers.Category, mode layers.Mode, thresholdS float64) ([]access.Pair, error) {
	facs := e.FacilityIndexes(cat)
	all := e.Facilities()
	net, ok := e.Net(mode)
	if !ok {
		pts := make([]orb.Point, len(facs))
		for j, fi := range facs {
			pts[j] = all[fi].Location
		}
		return straightCatchments(e, pts, 0, mode, thresholdS), nil
	}
	limit, err := graph.CostOf(graph.Seconds(thresholdS))
	if err != nil {
		return nil, fmt.Errorf("analysis: catchment threshold: %w", err)
	}
	count := searches(e)
	workers := max(1, min(runtime.GOMAXPROCS(0), len(facs)))
	parts := make([][]access.Pair, workers)
	var next int64
	var mu sync.Mutex
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			q := net.Network.ReverseQueries().Get()
			defer net.Network.ReverseQueries().Put(q)
			var cells []int32
			for {
				mu.Lock()
				j := next
				next++
				mu.Unlock()
				if int(j) >= len(facs) || ctx.Err() != nil {
					return
				}
				fi := facs[j]
				if !net.Facilities.Snapped(fi) {
					continue
				}
				parts[w], cells = catchOne(net, q, net.Facilities.Arrivals(fi), limit, thresholdS, int32(j), parts[w], cells)
				count.Add(1)
			}
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("analysis: catchments: %w", err)
	}
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	out := make([]access.Pair, 0, n)
	for _, p := range parts {
		out = append(out, p...)
	}
	return out, nil
}

// SiteCatchment is FacilityCatchments for one proposed site (EPSG:25833)
// labelled facility j. A site that does not snap to mode's network reaches
// no cell; reason says why ("" when it snapped or mode has no network).
func SiteCatchment(ctx context.Context, e *analysis.Engine, mode layers.Mode, site orb.Point, thresholdS float64, j int32) (pairs []access.Pair, reason string, err error) {
	if err := ctx.Err(); err != nil {
		return nil, "", fmt.Errorf("analysis: catchment: %w", err)
	}
	net, ok := e.Net(mode)
	if !ok {
		return straightCatchments(e, []orb.Point{site}, j, mode, thresholdS), "", nil
	}
	limit, err := graph.CostOf(graph.Seconds(thresholdS))
	if err != nil {
		return nil, "", fmt.Errorf("analysis: catchment threshold: %w", err)
	}
	sn := net.Network.Snap(site)
	if !sn.Snapped {
		return nil, sn.Reason, nil
	}
	q := net.Network.ReverseQueries().Get()
	defer net.Network.ReverseQueries().Put(q)
	pairs, _ = catchOne(net, q, append([]route.Source(nil), sn.Arrivals()...), limit, thresholdS, j, nil, nil)
	searches(e).Add(1)
	return pairs, "", nil
}

// straightCatchments finds the cells within thresholdS of each point by
// the straight-line model (the labelled fallback without a network); the
// pairs of point k are labelled facility first+k.
func straightCatchments(e *analysis.Engine, pts []orb.Point, first int32, mode layers.Mode, thresholdS float64) []access.Pair {
	reach := e.StraightLineReach(mode, thresholdS) + 1
	cells := e.PopulatedCells()
	var out []access.Pair
	for k, p := range pts {
		for ci := range cells {
			c := cells[ci].UTM
			d := math.Hypot(c[0]-p[0], c[1]-p[1])
			if d > reach {
				continue
			}
			if secs := e.StraightLineSeconds(mode, d); secs <= thresholdS {
				out = append(out, access.Pair{Facility: first + int32(k), Cell: int32(ci), Seconds: float32(secs)})
			}
		}
	}
	return out
}

// catchOne runs the bounded search towards one facility's arrivals and
// appends a pair for every cell within thresholdS to out; cells is scratch.
func catchOne(net analysis.Net, q *route.Query, arrivals []route.Source, limit graph.Cost, thresholdS float64, j int32, out []access.Pair, cells []int32) ([]access.Pair, []int32) {
	q.Run(arrivals, limit)
	cells = cells[:0]
	for _, v := range q.Settled() {
		cells = append(cells, net.Cells.At(v)...)
	}
	sort.Slice(cells, func(a, b int) bool { return cells[a] < cells[b] })
	prev := int32(-1)
	for _, ci := range cells {
		if ci == prev {
			continue
		}
		prev = ci
		r := network.Via(net.Cells.Departures(int(ci)), q)
		if !r.Reached {
			continue
		}
		if s := float64(r.Cost.Seconds()); s <= thresholdS {
			out = append(out, access.Pair{Facility: j, Cell: ci, Seconds: float32(s)})
		}
	}
	return out, cells
}

// Origin is where an arrival field starts: an existing facility or a
// proposed site, with a head start (a fire brigade's turn-out time).
type Origin struct {
	// Facility is the index into FacilitiesOf(category) of the field, or
	// -1 for a proposed site at Site (EPSG:25833).
	Facility int
	Site     orb.Point
	// OffsetS is added to every time from this origin, in seconds.
	OffsetS float64
}

// Arrivals is the result of ArrivalField.
type Arrivals struct {
	// Seconds per populated cell (+Inf: no origin reaches it) and From the
	// index into the origins that reaches it first (-1: none).
	Seconds []float64
	From    []int32
	// Snapped says per origin whether it lies on mode's network (always
	// false without one); Reason says why a proposed site did not snap.
	Snapped []bool
	Reason  []string
	// Method labels the computation.
	Method string
}

// ArrivalField computes, per populated cell, the least over origins of
// offset plus travel time by mode from the origin to the cell: one
// multi-source search on the network with the offsets as initial costs;
// cells off the network, and every cell when mode has none, by the
// straight-line model.
func ArrivalField(ctx context.Context, e *analysis.Engine, cat layers.Category, mode layers.Mode, origins []Origin) (Arrivals, error) {
	if err := ctx.Err(); err != nil {
		return Arrivals{}, fmt.Errorf("analysis: arrival field: %w", err)
	}
	idx := e.FacilityIndexes(cat)
	all := e.Facilities()
	cells := e.PopulatedCells()
	pts := make([]orb.Point, len(origins))
	out := Arrivals{Seconds: make([]float64, len(cells)), From: make([]int32, len(cells)), Snapped: make([]bool, len(origins)), Reason: make([]string, len(origins))}
	for i := range out.Seconds {
		out.Seconds[i], out.From[i] = math.Inf(1), -1
	}
	for k, o := range origins {
		if !(o.OffsetS >= 0) || math.IsInf(o.OffsetS, 0) {
			return Arrivals{}, fmt.Errorf("analysis: arrival field: origin %d: offset %v s: %w", k, o.OffsetS, layers.ErrInvalid)
		}
		if o.Facility >= 0 {
			if o.Facility >= len(idx) {
				return Arrivals{}, fmt.Errorf("analysis: arrival field: origin %d: facility index %d of %d %s facilities: %w", k, o.Facility, len(idx), cat, layers.ErrInvalid)
			}
			pts[k] = all[idx[o.Facility]].Location
		} else {
			pts[k] = o.Site
		}
	}
	// nearestStraight sets cell i to the least offset plus straight-line
	// time over the origins, where that is less.
	nearestStraight := func(i int) {
		c := cells[i].UTM
		for k, p := range pts {
			if s := origins[k].OffsetS + e.StraightLineSeconds(mode, math.Hypot(c[0]-p[0], c[1]-p[1])); s < out.Seconds[i] {
				out.Seconds[i], out.From[i] = s, int32(k)
			}
		}
	}
	net, ok := e.Net(mode)
	if !ok {
		out.Method = fmt.Sprintf("straight line (no %s road network loaded)", mode)
		par.Chunks(len(cells), cellChunk, func(a, b int) {
			for i := a; i < b; i++ {
				nearestStraight(i)
			}
		})
		return out, nil
	}
	out.Method = fmt.Sprintf("network %s", mode)
	var sources []route.Source
	var owner []int32
	for k, o := range origins {
		var in []route.Source
		if o.Facility >= 0 {
			fi := idx[o.Facility]
			if net.Facilities.Snapped(fi) {
				in, out.Snapped[k] = net.Facilities.Arrivals(fi), true
			}
		} else {
			sn := net.Network.Snap(o.Site)
			out.Snapped[k], out.Reason[k] = sn.Snapped, sn.Reason
			if sn.Snapped {
				in = sn.Arrivals()
			}
		}
		add, err := graph.CostOf(graph.Seconds(o.OffsetS))
		if err != nil {
			return Arrivals{}, fmt.Errorf("analysis: arrival field: origin %d: %w", k, err)
		}
		for _, a := range in {
			a.Offset = graph.AddCost(a.Offset, add)
			sources = append(sources, a)
			owner = append(owner, int32(k))
		}
	}
	if len(sources) > 0 {
		secs, from := e.NearestOf(mode, sources, owner)
		copy(out.Seconds, secs)
		copy(out.From, from)
	}
	// Cells that do not snap to the network get the straight-line
	// estimate, as travel times do.
	for i := range cells {
		if len(net.Cells.Departures(i)) == 0 {
			nearestStraight(i)
		}
	}
	return out, nil
}
