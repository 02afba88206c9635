package analysis

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/paulmach/orb"

	"reach/geo/graph"
	"reach/internal/catalogue"
	"reach/internal/network"
	"reach/layers"
)

// Site suggestion limits.
const (
	MaxSites = 50
	// MaxCellCandidates bounds the gap cells offered as candidate sites:
	// the most populated uncovered cells are taken.
	MaxCellCandidates = 2000
)

// Candidate kinds of a SiteRequest.
const (
	CandidatesCentralPlaces = "central_places"
	CandidatesCells         = "cells"
	// CandidatesPublicBuildings are the existing public buildings among the
	// facilities: town halls and community centres.
	CandidatesPublicBuildings = "public_buildings"
	CandidatesAll             = "all"
)

// siteCandidate is one place a facility could go.
type siteCandidate struct {
	utm   orb.Point
	label string
	ags   string
	cover []int32 // uncovered cells it would bring within the standard
}

// SuggestSites chooses up to req.K sites for a category that bring the
// most residents who today are outside the standard within it, the
// existing facilities kept fixed (maximal covering location problem).
// Candidates are the central places (at their location), existing public
// buildings (town halls and community centres of the facility layer), the
// populated cells outside the standard (their centre; the
// MaxCellCandidates most populated), or all of them ("all", the default).
//
// The choice is greedy: each step takes the candidate that covers the most
// residents not yet covered (ties: central places, then public buildings,
// then cells, each by id). Its optimality gap is reported against an upper bound computed
// from submodularity: after every step i with covered total f(Sᵢ), no k
// sites can cover more than f(Sᵢ) plus the sum of the k largest marginal
// gains with respect to Sᵢ; the bound reported is the least of these over
// all steps (at step 0 it is the sum of the k largest single coverages),
// and never more than all residents outside the standard. Greedy itself
// is guaranteed within 1 − 1/e of optimal; the reported gap is usually far
// smaller.
func (e *Engine) SuggestSites(ctx context.Context, req SiteRequest) (SiteResult, error) {
	if err := checkCatMode(req.Category, req.Mode); err != nil {
		return SiteResult{}, err
	}
	if req.K < 1 || req.K > MaxSites {
		return SiteResult{}, fmt.Errorf("analysis: sites: k = %d: want 1 to %d: %w", req.K, MaxSites, layers.ErrInvalid)
	}
	kind := req.Candidates
	if kind == "" {
		kind = CandidatesAll
	}
	if kind != CandidatesAll && kind != CandidatesCells && kind != CandidatesCentralPlaces && kind != CandidatesPublicBuildings {
		return SiteResult{}, fmt.Errorf("analysis: sites: candidates %q: want central_places, public_buildings, cells or all: %w", req.Candidates, layers.ErrInvalid)
	}
	std, err := e.standard(req.Category, req.Mode)
	if err != nil {
		return SiteResult{}, err
	}
	if std.Measure == catalogue.MeasureAreaService {
		return SiteResult{}, fmt.Errorf("analysis: sites: category %q is an area service: %w", req.Category, layers.ErrInvalid)
	}
	f, err := e.fieldFor(ctx, req.Category, req.Mode)
	if err != nil {
		return SiteResult{}, err
	}
	limit := std.MaxSeconds()
	uncovered := make([]bool, len(e.cells))
	var gapCells []int
	var totalOut int64
	for ci := range e.cells {
		if f.secs[ci] > limit {
			uncovered[ci] = true
			gapCells = append(gapCells, ci)
			totalOut += e.cells[ci].pop
		}
	}
	var cands []siteCandidate
	if kind == CandidatesAll || kind == CandidatesCentralPlaces {
		for _, p := range e.places {
			if p.Location == (orb.Point{}) {
				continue
			}
			cands = append(cands, siteCandidate{utm: p.Location, label: fmt.Sprintf("%s (%s)", p.Name, p.Level), ags: p.AGS})
		}
	}
	if kind == CandidatesAll || kind == CandidatesPublicBuildings {
		for _, cat := range []layers.Category{layers.CatTownHall, layers.CatCommunityCentre} {
			for _, fi := range e.byCat[cat] {
				f := e.facs[fi]
				label := f.Name
				if label == "" {
					label = f.ID
				}
				cands = append(cands, siteCandidate{utm: f.Location, label: label, ags: f.AGS})
			}
		}
	}
	if kind == CandidatesAll || kind == CandidatesCells {
		sorted := append([]int(nil), gapCells...)
		sort.SliceStable(sorted, func(i, j int) bool { return e.cells[sorted[i]].pop > e.cells[sorted[j]].pop })
		if len(sorted) > MaxCellCandidates {
			sorted = sorted[:MaxCellCandidates]
		}
		sort.Ints(sorted)
		for _, ci := range sorted {
			c := e.cells[ci]
			cands = append(cands, siteCandidate{utm: c.utm, label: "cell " + c.id, ags: c.ags})
		}
	}
	pts := make([]orb.Point, len(cands))
	for i, c := range cands {
		pts[i] = c.utm
	}
	covers, err := e.coverAll(ctx, req.Mode, f, pts, limit, uncovered)
	if err != nil {
		return SiteResult{}, err
	}
	for i := range cands {
		cands[i].cover = covers[i]
	}
	res := SiteResult{Category: req.Category, Mode: req.Mode, Sites: []Site{}, Provenance: e.provenance(methodLabel(f, req.Mode) + "; greedy maximal covering with a submodular upper bound")}
	covered := make([]bool, len(e.cells))
	gain := func(c *siteCandidate) int64 {
		var s int64
		for _, ci := range c.cover {
			if !covered[ci] {
				s += e.cells[ci].pop
			}
		}
		return s
	}
	ub := totalOut
	chosen := make([]bool, len(cands))
	var total int64
	for step := 0; step <= req.K; step++ {
		gains := make([]int64, len(cands))
		best := -1
		for i := range cands {
			if chosen[i] {
				continue
			}
			gains[i] = gain(&cands[i])
			if best < 0 || gains[i] > gains[best] {
				best = i
			}
		}
		top := append([]int64(nil), gains...)
		sort.Slice(top, func(i, j int) bool { return top[i] > top[j] })
		bound := total
		for i := 0; i < req.K && i < len(top); i++ {
			bound += top[i]
		}
		ub = min(ub, bound)
		if step == req.K || best < 0 || gains[best] == 0 {
			break
		}
		chosen[best] = true
		for _, ci := range cands[best].cover {
			covered[ci] = true
		}
		total += gains[best]
		ll, _ := fromUTM(cands[best].utm)
		res.Sites = append(res.Sites, Site{Rank: step + 1, Location: ll, Label: cands[best].label, AGS: cands[best].ags, NewlyCovered: gains[best]})
	}
	res.TotalCovered = total
	res.UpperBound = max(ub, total)
	if res.UpperBound > 0 {
		res.OptimalityGap = 1 - float64(total)/float64(res.UpperBound)
	}
	return res, nil
}

// coverAll returns coverage for every point of pts, computed by one
// goroutine per processor (each with its own search state from the pool).
// It stops early, with an error, when ctx is cancelled.
func (e *Engine) coverAll(ctx context.Context, mode layers.Mode, f *field, pts []orb.Point, limit float64, uncovered []bool) ([][]int32, error) {
	out := make([][]int32, len(pts))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range max(1, min(runtime.GOMAXPROCS(0), len(pts)/8)) {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(pts) || ctx.Err() != nil {
					return
				}
				out[i] = e.coverage(mode, f, pts[i], limit, uncovered)
			}
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("analysis: sites: %w", err)
	}
	return out, nil
}

// coverage returns the uncovered cells that would reach a facility at p
// (EPSG:25833) within limit seconds by mode. f is the field of the
// existing facilities. On the network the search from p is the "only
// improving" one on f's node costs: an uncovered cell (time above limit)
// that reaches p within limit leaves through a node that p reaches faster
// than any existing facility, and every node on the way there is improved
// too, so the search finds exactly the cells a full search bounded by
// limit would, while touching only the area p wins.
func (e *Engine) coverage(mode layers.Mode, f *field, p orb.Point, limit float64, uncovered []bool) []int32 {
	var out []int32
	mn := e.nets[mode]
	if mn == nil {
		r := e.slReach(mode, limit)
		for ci, c := range e.cells {
			if uncovered[ci] && math.Hypot(c.utm[0]-p[0], c.utm[1]-p[1]) <= r {
				out = append(out, int32(ci))
			}
		}
		return out
	}
	s := mn.n.Snap(p)
	if !s.Snapped {
		return nil
	}
	lc, err := graph.CostOf(graph.Seconds(limit))
	if err != nil {
		return nil
	}
	q := mn.n.ReverseQueries().Get()
	defer mn.n.ReverseQueries().Put(q)
	if f.net != nil {
		q.Improve(s.Arrivals(), f.net.base, lc)
	} else {
		q.Run(s.Arrivals(), lc)
	}
	// A cell leaves through at most a few nodes: collect, then sort and
	// drop repeats, which is cheaper than a set when a site wins a large
	// area.
	for _, v := range q.Settled() {
		for _, ci := range mn.cells.At(v) {
			if !uncovered[ci] {
				continue
			}
			if r := network.Via(mn.cells.Departures(int(ci)), q); r.Reached && float64(r.Cost.Seconds()) <= limit {
				out = append(out, ci)
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
