// Package sites suggests where new facilities of a category would bring
// the most residents within the standard who are outside it today, the
// existing facilities kept fixed (maximal covering location: greedy
// choice among central places, public buildings and the most populated
// gap cells, with a submodular upper bound and the optimality gap). It
// reads the engine's travel-time fields, cells and places through its
// accessors; the marginal coverage of each candidate is searched on the
// engine's network with its places (coverage.go).
package sites

import (
	"context"
	"fmt"
	"sort"

	"github.com/paulmach/orb"

	"reach/internal/analysis"
	"reach/internal/catalogue"
	"reach/layers"
)

// Request asks for k sites for a category that cover the most
// uncovered residents within the standard.
type Request struct {
	Category   layers.Category
	Mode       layers.Mode
	K          int
	Candidates string // "central_places", "cells", "all"
}

// Site is one suggested site.
type Site struct {
	Rank         int       `json:"rank"`
	Location     orb.Point `json:"location"` // lon/lat
	Label        string    `json:"label"`
	AGS          string    `json:"ags"`
	NewlyCovered int64     `json:"newly_covered"`
}

// Result lists the suggested sites in the order chosen, the total newly
// covered and the bound on how far the greedy choice can be from optimal.
type Result struct {
	Category      layers.Category     `json:"category"`
	Mode          layers.Mode         `json:"mode"`
	Sites         []Site              `json:"sites"`
	TotalCovered  int64               `json:"total_newly_covered"`
	UpperBound    int64               `json:"upper_bound"`    // no k sites can cover more
	OptimalityGap float64             `json:"optimality_gap"` // 1 − total/upper bound
	Provenance    analysis.Provenance `json:"provenance"`
}

// Site suggestion limits.
const (
	MaxSites = 50
	// MaxCellCandidates bounds the gap cells offered as candidate sites:
	// the most populated uncovered cells are taken.
	MaxCellCandidates = 2000
)

// Candidate kinds of a Request.
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

// Suggest chooses up to req.K sites for a category that bring the
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
func Suggest(ctx context.Context, e *analysis.Engine, req Request) (Result, error) {
	if !req.Category.Valid() {
		return Result{}, fmt.Errorf("analysis: category %q: %w", req.Category, layers.ErrInvalid)
	}
	if _, ok := layers.ParseMode(string(req.Mode)); !ok {
		return Result{}, fmt.Errorf("analysis: mode %q: %w", req.Mode, layers.ErrInvalid)
	}
	if req.K < 1 || req.K > MaxSites {
		return Result{}, fmt.Errorf("analysis: sites: k = %d: want 1 to %d: %w", req.K, MaxSites, layers.ErrInvalid)
	}
	kind := req.Candidates
	if kind == "" {
		kind = CandidatesAll
	}
	if kind != CandidatesAll && kind != CandidatesCells && kind != CandidatesCentralPlaces && kind != CandidatesPublicBuildings {
		return Result{}, fmt.Errorf("analysis: sites: candidates %q: want central_places, public_buildings, cells or all: %w", req.Candidates, layers.ErrInvalid)
	}
	std, ok := e.Standard(req.Category, req.Mode)
	if !ok {
		return Result{}, fmt.Errorf("analysis: catalogue %s has no standard for category %q and mode %q: %w", e.Catalogue().ID(), req.Category, req.Mode, layers.ErrInvalid)
	}
	if std.Measure == catalogue.MeasureAreaService {
		return Result{}, fmt.Errorf("analysis: sites: category %q is an area service: %w", req.Category, layers.ErrInvalid)
	}
	f, err := e.TravelField(ctx, req.Category, req.Mode)
	if err != nil {
		return Result{}, err
	}
	limit := std.MaxSeconds()
	cells := e.PopulatedCells()
	secs := f.Seconds()
	uncovered := make([]bool, len(cells))
	var gapCells []int
	var totalOut int64
	for ci := range cells {
		if secs[ci] > limit {
			uncovered[ci] = true
			gapCells = append(gapCells, ci)
			totalOut += cells[ci].Residents
		}
	}
	var cands []siteCandidate
	if kind == CandidatesAll || kind == CandidatesCentralPlaces {
		for _, p := range e.CentralPlaces() {
			if p.Location == (orb.Point{}) {
				continue
			}
			cands = append(cands, siteCandidate{utm: p.Location, label: fmt.Sprintf("%s (%s)", p.Name, p.Level), ags: p.AGS})
		}
	}
	if kind == CandidatesAll || kind == CandidatesPublicBuildings {
		facs := e.Facilities()
		for _, cat := range []layers.Category{layers.CatTownHall, layers.CatCommunityCentre} {
			for _, fi := range e.FacilityIndexes(cat) {
				f := facs[fi]
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
		sort.SliceStable(sorted, func(i, j int) bool { return cells[sorted[i]].Residents > cells[sorted[j]].Residents })
		if len(sorted) > MaxCellCandidates {
			sorted = sorted[:MaxCellCandidates]
		}
		sort.Ints(sorted)
		for _, ci := range sorted {
			c := cells[ci]
			cands = append(cands, siteCandidate{utm: c.UTM, label: "cell " + c.ID, ags: c.AGS})
		}
	}
	pts := make([]orb.Point, len(cands))
	for i, c := range cands {
		pts[i] = c.utm
	}
	covers, err := CellsBroughtWithin(ctx, e, f, pts, limit, uncovered)
	if err != nil {
		return Result{}, err
	}
	for i := range cands {
		cands[i].cover = covers[i]
	}
	res := Result{Category: req.Category, Mode: req.Mode, Sites: []Site{}, Provenance: e.Provenance(f.Method() + "; greedy maximal covering with a submodular upper bound")}
	covered := make([]bool, len(cells))
	gain := func(c *siteCandidate) int64 {
		var s int64
		for _, ci := range c.cover {
			if !covered[ci] {
				s += cells[ci].Residents
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
		ll, _ := analysis.FromUTM(cands[best].utm)
		res.Sites = append(res.Sites, Site{Rank: step + 1, Location: ll, Label: cands[best].label, AGS: cands[best].ags, NewlyCovered: gains[best]})
	}
	res.TotalCovered = total
	res.UpperBound = max(ub, total)
	if res.UpperBound > 0 {
		res.OptimalityGap = 1 - float64(total)/float64(res.UpperBound)
	}
	return res, nil
}
