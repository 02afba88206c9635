package analysis

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"sort"
	"sync"

	"reach/geo/access"
	"reach/geo/graph"
	"reach/geo/route"
	"reach/internal/catalogue"
	"reach/internal/network"
	"reach/layers"
)

// This file holds capacity-aware access: supply per facility, demand by age
// per cell (today and in a projection year), the E2SFCA supply ratio per
// cell and municipality next to the planning ratio, and the fairness of
// access times. Routing happens once per (category, mode, catchment): the
// catchments are cached, and another scenario or supply only reruns the
// arithmetic of geo/access.

// Scenario is a projection year and variant; the zero value is "today".
type Scenario = access.Scenario

// needCache holds the lazily computed catchments and demand vectors.
type needCache struct {
	catch  map[catchKey]*catchEntry
	demand map[demandKey]*demandEntry
}

type catchKey struct {
	cat   layers.Category
	mode  layers.Mode
	decay string
}

type catchEntry struct {
	once sync.Once
	c    *access.Catchments
	w    *access.Weights
	facs []int // facility index (into Engine.facs) per catchment facility
	err  error
}

type demandKey struct {
	lo, hi int
	sc     Scenario
}

type demandEntry struct {
	once    sync.Once
	v       []float64
	missing int // cells without a projection for their area (kept at today's value)
	assumed int // cells whose ages came from the uniform assumption
	err     error
}

// Needs returns the need catalogue of the engine.
func (e *Engine) Needs() *catalogue.Needs { return e.opts.Needs }

// Scenarios lists the projection scenarios the engine can compute.
func (e *Engine) Scenarios() []Scenario { return e.opts.Demography.Scenarios() }

// checkScenario says whether sc can be computed.
func (e *Engine) checkScenario(sc Scenario) error {
	if sc.Today() {
		return nil
	}
	if e.opts.Demography == nil || e.opts.Demography.Projected[sc] == nil {
		have := []string{}
		for _, s := range e.Scenarios() {
			have = append(have, s.String())
		}
		return fmt.Errorf("analysis: projection %q: not loaded (loaded: %v): %w", sc.String(), have, layers.ErrInvalid)
	}
	return nil
}

// demandOf returns per cell the residents aged lo..hi (hi access.OpenAge:
// and over) in scenario sc, computed once and shared (read only).
func (e *Engine) demandOf(lo, hi int, sc Scenario) (*demandEntry, error) {
	if err := e.checkScenario(sc); err != nil {
		return nil, err
	}
	k := demandKey{lo, hi, sc}
	e.mu.Lock()
	if e.need.demand == nil {
		e.need.demand = map[demandKey]*demandEntry{}
	}
	ent := e.need.demand[k]
	if ent == nil {
		ent = &demandEntry{}
		e.need.demand[k] = ent
	}
	e.mu.Unlock()
	ent.once.Do(func() {
		d := e.opts.Demography
		v := make([]float64, len(e.cells))
		var missing, assumed int
		var mu sync.Mutex
		parallelChunks(len(e.cells), func(a, b int) {
			var miss, ass int
			for i := a; i < b; i++ {
				c := &e.cells[i]
				var u, o *float64
				if !math.IsNaN(float64(c.u18)) && !math.IsNaN(float64(c.o65)) {
					uf, of := float64(c.u18), float64(c.o65)
					u, o = &uf, &of
				}
				base, _, ok := d.BaseFor(c.ags)
				if !ok && u == nil {
					ass++
				}
				t := access.CellTable(float64(c.pop), u, o, base)
				if !sc.Today() {
					pb, pp, _, ok := d.ProjectionFor(c.ags, sc)
					if ok {
						t = access.ProjectTable(t, pb, pp)
					} else {
						miss++
					}
				}
				v[i] = t.Count(lo, hi)
			}
			mu.Lock()
			missing += miss
			assumed += ass
			mu.Unlock()
		})
		ent.v, ent.missing, ent.assumed = v, missing, assumed
	})
	return ent, ent.err
}

// catchments returns the catchments of every facility of cat by mode
// within the need's decay threshold, with the decay weights: one bounded
// search per facility towards it (the cells' departures joined with the
// node costs), on the road network of mode, or by straight line without
// one. Computed once per (category, mode, decay).
func (e *Engine) catchments(ctx context.Context, cat layers.Category, mode layers.Mode, d access.Decay) (*catchEntry, error) {
	k := catchKey{cat, mode, d.String()}
	e.mu.Lock()
	if e.need.catch == nil {
		e.need.catch = map[catchKey]*catchEntry{}
	}
	ent := e.need.catch[k]
	if ent == nil {
		ent = &catchEntry{}
		e.need.catch[k] = ent
	}
	e.mu.Unlock()
	ent.once.Do(func() {
		facs := e.byCat[cat]
		var pairs []access.Pair
		var err error
		if mn := e.nets[mode]; mn != nil {
			pairs, err = e.networkCatchments(ctx, mn, facs, d.ThresholdS)
		} else {
			pairs = e.straightCatchments(facs, mode, d.ThresholdS)
		}
		if err == nil {
			ent.c, err = access.NewCatchments(len(facs), len(e.cells), pairs)
		}
		if err == nil {
			ent.w, err = ent.c.Weigh(d)
		}
		ent.facs, ent.err = facs, err
	})
	if ent.err != nil {
		e.mu.Lock()
		if e.need.catch[k] == ent {
			delete(e.need.catch, k)
		}
		e.mu.Unlock()
		return nil, ent.err
	}
	return ent, nil
}

// networkCatchments runs, per facility, a search on the reverse graph from
// its arrivals bounded by the threshold and collects the cells that leave
// through a settled node within it. Facilities are shared out over the
// processors, one search state each.
func (e *Engine) networkCatchments(ctx context.Context, mn *modeNet, facs []int, thresholdS float64) ([]access.Pair, error) {
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
			}
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("analysis: catchments: %w", err)
	}
	var out []access.Pair
	for _, p := range parts {
		out = append(out, p...)
	}
	return out, nil
}

// straightCatchments finds the cells within the threshold of each
// facility by straight line (the labelled fallback without a network).
func (e *Engine) straightCatchments(facs []int, mode layers.Mode, thresholdS float64) []access.Pair {
	reach := e.slReach(mode, thresholdS) + 1
	var out []access.Pair
	for j, fi := range facs {
		p := e.facUTM[fi]
		for ci := range e.cells {
			c := e.cells[ci].utm
			d := math.Hypot(c[0]-p[0], c[1]-p[1])
			if d > reach {
				continue
			}
			if secs := e.slSeconds(mode, d); secs <= thresholdS {
				out = append(out, access.Pair{Facility: int32(j), Cell: int32(ci), Seconds: float32(secs)})
			}
		}
	}
	return out
}

// supplyOf returns the supply of each catchment facility: its capacity
// from the facility file, else the need's default (counted as assumed).
func supplyOf(facs []layers.Facility, idx []int, nd catalogue.Need) (supply []float64, assumed int) {
	supply = make([]float64, len(idx))
	for j, fi := range idx {
		if c := facs[fi].Capacity; c != nil && *c >= 0 && !math.IsInf(*c, 0) {
			supply[j] = *c
		} else {
			supply[j] = nd.DefaultCapacity
			assumed++
		}
	}
	return supply, assumed
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
