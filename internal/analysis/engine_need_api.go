package analysis

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
	"reach/geo/route"
	"reach/internal/catalogue"
	"reach/internal/network"
	"reach/layers"
)

// This file is what the engine offers the capacity-aware access and fire
// coverage use cases of internal/analysis/need: read-only views of the
// populated cells, the facilities and the municipalities, the routing they
// need (catchments towards facilities, arrival fields from stations with
// offsets), a memo in which they keep their caches for the engine's life,
// and the hook through which they add the need section to each dossier.

// PopulatedCell is what the need analyses read of one populated cell.
type PopulatedCell struct {
	// ID is the INSPIRE cell id, AGS its municipality ("" when unknown).
	ID  string
	AGS string
	// Municipality is the index into Municipalities(), -1 when unknown.
	Municipality int32
	Residents    int64
	// UTM is the centre in EPSG:25833 (x east, y north, metres), LonLat
	// the same in lon/lat.
	UTM, LonLat orb.Point
	// Under18 and Over65 are the grid's shares (0–1), NaN where it gives
	// none.
	Under18, Over65 float32
	// DEGURBA (1 cities, 2 towns and suburbs, 3 rural areas, 0 unknown),
	// Thin (thinly populated) and Weak (structurally weak) classify the
	// cell's municipality.
	DEGURBA    int
	Thin, Weak bool
}

// MunicipalityInfo is one municipality with its classification.
type MunicipalityInfo struct {
	AGS, Name string
	DEGURBA   int
	Weak      bool
}

// PopulatedCells returns the populated cells in the engine's order (the
// index every per-cell slice of this file uses). The slice is shared: do
// not modify it.
func (e *Engine) PopulatedCells() []PopulatedCell {
	v, _ := e.Memo(popCellsKey{}, func() (any, error) {
		out := make([]PopulatedCell, len(e.cells))
		for i, c := range e.cells {
			cl := e.class.of(c.ags)
			out[i] = PopulatedCell{ID: c.id, AGS: c.ags, Municipality: c.muni, Residents: c.pop, UTM: c.utm, LonLat: c.lonlat,
				Under18: c.u18, Over65: c.o65, DEGURBA: cl.degurba, Thin: cl.thin, Weak: cl.weak}
		}
		return out, nil
	})
	return v.([]PopulatedCell)
}

type popCellsKey struct{}

// Municipalities returns the municipalities sorted by AGS with their
// classification (the index PopulatedCell.Municipality refers to).
func (e *Engine) Municipalities() []MunicipalityInfo {
	out := make([]MunicipalityInfo, len(e.munis))
	for i, m := range e.munis {
		cl := e.class.of(m.AGS)
		out[i] = MunicipalityInfo{AGS: m.AGS, Name: m.Name, DEGURBA: cl.degurba, Weak: cl.weak}
	}
	return out
}

// FacilitiesOf returns the facilities of cat sorted by id, their Location
// in EPSG:25833. The position in this slice is the facility index of
// FacilityCatchments and ArrivalField.
func (e *Engine) FacilitiesOf(cat layers.Category) []layers.Facility {
	idx := e.byCat[cat]
	out := make([]layers.Facility, len(idx))
	for j, fi := range idx {
		out[j] = e.facs[fi]
		out[j].Location = e.facUTM[fi]
	}
	return out
}

// Needs returns the need catalogue of the engine.
func (e *Engine) Needs() *catalogue.Needs { return e.opts.Needs }

// Demography returns the municipal age tables and projections (nil when
// none are loaded).
func (e *Engine) Demography() *access.Demography { return e.opts.Demography }

// Scenarios lists the loaded projection scenarios (none: only today).
func (e *Engine) Scenarios() []access.Scenario { return e.opts.Demography.Scenarios() }

// TurnoutSetting returns the turn-out time in seconds the settings give the
// fire station with facility id, if any.
func (e *Engine) TurnoutSetting(id string) (float64, bool) {
	s, ok := e.opts.Turnout[id]
	return s, ok
}

// ProvenanceOf returns the provenance of a result computed by method.
func (e *Engine) ProvenanceOf(method string) Provenance { return e.provenance(method) }

// MunicipalityAt returns the AGS of the municipality containing p
// (EPSG:25833), else that of the nearest populated cell; "" when neither
// is known.
func (e *Engine) MunicipalityAt(p orb.Point) string { return e.muniAt(p) }

// OnNetwork reports whether populated cell ci lies within the snapping
// radius of mode's network (false without one).
func (e *Engine) OnNetwork(mode layers.Mode, ci int) bool {
	mn := e.nets[mode]
	return mn != nil && len(mn.cells.Departures(ci)) > 0
}

// HasNetwork says whether mode has a road network loaded (otherwise every
// time is the straight-line estimate).
func (e *Engine) HasNetwork(mode layers.Mode) bool { return e.nets[mode] != nil }

// StraightLineSeconds is the straight-line model's time for mode over d
// metres.
func (e *Engine) StraightLineSeconds(mode layers.Mode, d float64) float64 {
	return e.slSeconds(mode, d)
}

// NearestField returns, per populated cell, the travel time in seconds to
// the nearest facility of cat by mode (+Inf: none) and the method label of
// the field. The slice is shared and cached: do not modify it.
func (e *Engine) NearestField(ctx context.Context, cat layers.Category, mode layers.Mode) ([]float64, string, error) {
	f, err := e.fieldFor(ctx, cat, mode)
	if err != nil {
		return nil, "", err
	}
	return f.secs, methodLabel(f, mode), nil
}

// memoEntry is one value of Memo, computed once.
type memoEntry struct {
	once sync.Once
	v    any
	err  error
}

// memo holds the values of Memo, and counts the catchment searches.
type memo struct {
	mu sync.Mutex
	m  map[any]*memoEntry
	// searches counts the facility searches of FacilityCatchments and
	// SiteCatchment.
	searches atomic.Int64
}

// CatchmentSearches returns how many bounded facility searches
// FacilityCatchments and SiteCatchment have run on this engine (tests and
// benchmarks use it to show that a rerun routes nothing).
func (e *Engine) CatchmentSearches() int64 { return e.memo.searches.Load() }

// Memo returns the value computed by compute for key, computing it once
// per engine: concurrent callers wait for the first. A failed computation
// is not kept (the next call tries again). key must be comparable; use a
// type of the caller's package so that keys of different packages never
// collide. Values must be treated as immutable.
func (e *Engine) Memo(key any, compute func() (any, error)) (any, error) {
	e.memo.mu.Lock()
	if e.memo.m == nil {
		e.memo.m = map[any]*memoEntry{}
	}
	ent := e.memo.m[key]
	if ent == nil {
		ent = &memoEntry{}
		e.memo.m[key] = ent
	}
	e.memo.mu.Unlock()
	ent.once.Do(func() { ent.v, ent.err = compute() })
	if ent.err != nil {
		e.memo.mu.Lock()
		if e.memo.m[key] == ent {
			delete(e.memo.m, key)
		}
		e.memo.mu.Unlock()
	}
	return ent.v, ent.err
}

// ForgetIf drops the memoised values whose key satisfies drop
// (benchmarks use it to time a computation again).
func (e *Engine) ForgetIf(drop func(key any) bool) {
	e.memo.mu.Lock()
	for k := range e.memo.m {
		if drop(k) {
			delete(e.memo.m, k)
		}
	}
	e.memo.mu.Unlock()
}

// FacilityCatchments returns, for every facility of cat (index into
// FacilitiesOf), the populated cells from which it is reached by mode
// within thresholdS seconds, with the time: one search bounded by the
// threshold on the reverse graph from the facility's arrivals, the cells'
// departures joined with the node costs; by straight line where mode has no
// network. Facilities are shared out over the processors. Not cached: the
// caller keeps what it needs.
func (e *Engine) FacilityCatchments(ctx context.Context, cat layers.Category, mode layers.Mode, thresholdS float64) ([]access.Pair, error) {
	facs := e.byCat[cat]
	mn := e.nets[mode]
	if mn == nil {
		pts := make([]orb.Point, len(facs))
		for j, fi := range facs {
			pts[j] = e.facUTM[fi]
		}
		return e.straightCatchments(pts, 0, mode, thresholdS), nil
	}
	limit, err := graph.CostOf(graph.Seconds(thresholdS))
	if err != nil {
		return nil, fmt.Errorf("analysis: catchment threshold: %w", err)
	}
	workers := max(1, min(runtime.GOMAXPROCS(0), len(facs)))
	parts := make([][]access.Pair, workers)
	var next int64
	var mu sync.Mutex
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			q := mn.n.ReverseQueries().Get()
			defer mn.n.ReverseQueries().Put(q)
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
				if !mn.facs.Snapped(fi) {
					continue
				}
				parts[w], cells = mn.catchOne(q, mn.facs.Arrivals(fi), limit, thresholdS, int32(j), parts[w], cells)
				e.memo.searches.Add(1)
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
func (e *Engine) SiteCatchment(ctx context.Context, mode layers.Mode, site orb.Point, thresholdS float64, j int32) (pairs []access.Pair, reason string, err error) {
	if err := ctx.Err(); err != nil {
		return nil, "", fmt.Errorf("analysis: catchment: %w", err)
	}
	mn := e.nets[mode]
	if mn == nil {
		return e.straightCatchments([]orb.Point{site}, j, mode, thresholdS), "", nil
	}
	limit, err := graph.CostOf(graph.Seconds(thresholdS))
	if err != nil {
		return nil, "", fmt.Errorf("analysis: catchment threshold: %w", err)
	}
	sn := mn.n.Snap(site)
	if !sn.Snapped {
		return nil, sn.Reason, nil
	}
	q := mn.n.ReverseQueries().Get()
	defer mn.n.ReverseQueries().Put(q)
	pairs, _ = mn.catchOne(q, append([]route.Source(nil), sn.Arrivals()...), limit, thresholdS, j, nil, nil)
	e.memo.searches.Add(1)
	return pairs, "", nil
}

// straightCatchments finds the cells within thresholdS of each point by
// the straight-line model (the labelled fallback without a network); the
// pairs of point k are labelled facility first+k.
func (e *Engine) straightCatchments(pts []orb.Point, first int32, mode layers.Mode, thresholdS float64) []access.Pair {
	reach := e.slReach(mode, thresholdS) + 1
	var out []access.Pair
	for k, p := range pts {
		for ci := range e.cells {
			c := e.cells[ci].utm
			d := math.Hypot(c[0]-p[0], c[1]-p[1])
			if d > reach {
				continue
			}
			if secs := e.slSeconds(mode, d); secs <= thresholdS {
				out = append(out, access.Pair{Facility: first + int32(k), Cell: int32(ci), Seconds: float32(secs)})
			}
		}
	}
	return out
}

// catchOne runs the bounded search towards one facility's arrivals and
// appends a pair for every cell within thresholdS to out; cells is scratch.
func (mn *modeNet) catchOne(q *route.Query, arrivals []route.Source, limit graph.Cost, thresholdS float64, j int32, out []access.Pair, cells []int32) ([]access.Pair, []int32) {
	q.Run(arrivals, limit)
	cells = cells[:0]
	for _, v := range q.Settled() {
		cells = append(cells, mn.cells.At(v)...)
	}
	sort.Slice(cells, func(a, b int) bool { return cells[a] < cells[b] })
	prev := int32(-1)
	for _, ci := range cells {
		if ci == prev {
			continue
		}
		prev = ci
		r := network.Via(mn.cells.Departures(int(ci)), q)
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

// ArrivalField is the result of ArrivalField.
type ArrivalField struct {
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
func (e *Engine) ArrivalField(ctx context.Context, cat layers.Category, mode layers.Mode, origins []Origin) (ArrivalField, error) {
	if err := ctx.Err(); err != nil {
		return ArrivalField{}, fmt.Errorf("analysis: arrival field: %w", err)
	}
	idx := e.byCat[cat]
	pts := make([]orb.Point, len(origins))
	out := ArrivalField{Seconds: make([]float64, len(e.cells)), From: make([]int32, len(e.cells)), Snapped: make([]bool, len(origins)), Reason: make([]string, len(origins))}
	for i := range out.Seconds {
		out.Seconds[i], out.From[i] = math.Inf(1), -1
	}
	for k, o := range origins {
		if !(o.OffsetS >= 0) || math.IsInf(o.OffsetS, 0) {
			return ArrivalField{}, fmt.Errorf("analysis: arrival field: origin %d: offset %v s: %w", k, o.OffsetS, layers.ErrInvalid)
		}
		if o.Facility >= 0 {
			if o.Facility >= len(idx) {
				return ArrivalField{}, fmt.Errorf("analysis: arrival field: origin %d: facility index %d of %d %s facilities: %w", k, o.Facility, len(idx), cat, layers.ErrInvalid)
			}
			pts[k] = e.facUTM[idx[o.Facility]]
		} else {
			pts[k] = o.Site
		}
	}
	mn := e.nets[mode]
	if mn == nil {
		out.Method = fmt.Sprintf("straight line (no %s road network loaded)", mode)
		parallelChunks(len(e.cells), func(a, b int) {
			for i := a; i < b; i++ {
				e.nearestStraight(mode, i, pts, origins, &out)
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
			if mn.facs.Snapped(fi) {
				in, out.Snapped[k] = mn.facs.Arrivals(fi), true
			}
		} else {
			sn := mn.n.Snap(o.Site)
			out.Snapped[k], out.Reason[k] = sn.Snapped, sn.Reason
			if sn.Snapped {
				in = sn.Arrivals()
			}
		}
		add, err := graph.CostOf(graph.Seconds(o.OffsetS))
		if err != nil {
			return ArrivalField{}, fmt.Errorf("analysis: arrival field: origin %d: %w", k, err)
		}
		for _, a := range in {
			a.Offset = graph.AddCost(a.Offset, add)
			sources = append(sources, a)
			owner = append(owner, int32(k))
		}
	}
	if len(sources) > 0 {
		f := e.fieldFromSources(mn, sources, owner)
		copy(out.Seconds, f.secs)
		copy(out.From, f.fac)
	}
	// Cells that do not snap to the network get the straight-line
	// estimate, as travel times do.
	for i := range e.cells {
		if len(mn.cells.Departures(i)) == 0 {
			e.nearestStraight(mode, i, pts, origins, &out)
		}
	}
	return out, nil
}

// nearestStraight sets cell i of out to the least offset plus
// straight-line time over the origins at pts, where that is less.
func (e *Engine) nearestStraight(mode layers.Mode, i int, pts []orb.Point, origins []Origin, out *ArrivalField) {
	c := e.cells[i].utm
	for k, p := range pts {
		if s := origins[k].OffsetS + e.slSeconds(mode, math.Hypot(c[0]-p[0], c[1]-p[1])); s < out.Seconds[i] {
			out.Seconds[i], out.From[i] = s, int32(k)
		}
	}
}

// ProjectEffect is what an assessment knows of a project's effect, handed
// to Options.NeedSection.
type ProjectEffect struct {
	Category layers.Category
	Mode     layers.Mode
	// Before and After are the travel times in seconds per populated cell
	// (+Inf: unreached) without and with the project. Shared: do not
	// modify.
	Before, After []float64
	// Changed lists the cells whose time changes, ascending.
	Changed []int
	// Sites are the project's new sites in EPSG:25833.
	Sites []orb.Point
	// FacilityID is the facility an upgrade concerns ("" otherwise).
	FacilityID string
}

// NeedSection computes the need side of a project's dossier from its
// effect (internal/analysis/need provides it); a nil result adds none.
type NeedSection func(ctx context.Context, e *Engine, p layers.Project, eff ProjectEffect) (any, error)

// NeedSectionOf computes the need section of an assessed project with
// Options.NeedSection; nil without one.
func (e *Engine) NeedSectionOf(ctx context.Context, p layers.Project, pe ProjectEffect) (any, error) {
	if e.opts.NeedSection == nil {
		return nil, nil
	}
	v, err := e.opts.NeedSection(ctx, e, p, pe)
	if err != nil || v == nil {
		return nil, err
	}
	return v, nil
}

// FairnessOf summarises travel times in seconds per populated cell (secs)
// over the cells idx as the distribution across residents, today and in
// every projection; Options.Fairness sets it (internal/analysis/need
// provides it) and the gap register carries its result.
type FairnessOf func(ctx context.Context, e *Engine, cat layers.Category, mode layers.Mode, secs []float64, idx []int) (any, error)

// Fairness returns the distribution of the travel times secs of the cells
// idx through Options.Fairness, nil when the engine has none.
func (e *Engine) Fairness(ctx context.Context, cat layers.Category, mode layers.Mode, secs []float64, idx []int) (any, error) {
	if e.opts.Fairness == nil {
		return nil, nil
	}
	return e.opts.Fairness(ctx, e, cat, mode, secs, idx)
}
