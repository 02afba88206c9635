package analysis

import (
	"context"
	"fmt"
	"math"
	"sort"

	"github.com/paulmach/orb"

	"reach/internal/catalogue"
	"reach/layers"
)

// GapQuery selects a gap register: who cannot reach the nearest facility of
// Category by Mode within the standard.
type GapQuery struct {
	Category layers.Category
	Mode     layers.Mode
	// OnlyThinOrWeak keeps only cells in municipalities that are thinly
	// populated or structurally weak (by the engine's classification).
	OnlyThinOrWeak bool
	// MaxMinutes overrides the catalogue's standard when > 0.
	MaxMinutes float64
	// Transit gives the departures when Mode is Transit; a zero Departure means the engine's
	// default (Options.TransitDefault).
	Transit TransitQuery
}

// GapCell is one populated cell outside the standard.
type GapCell struct {
	CellID           string    `json:"inspire_id"`
	AGS              string    `json:"ags"`
	Population       int64     `json:"population"`
	Reached          bool      `json:"reached"`
	Seconds          *float64  `json:"seconds"` // nil when no facility is reachable
	FacilityID       string    `json:"facility_id,omitempty"`
	ThinlyPopulated  bool      `json:"thinly_populated"`
	StructurallyWeak bool      `json:"structurally_weak"`
	Center           orb.Point `json:"-"` // lon/lat
}

// Area levels of gap rows.
const (
	AreaMunicipality   = "municipality"
	AreaKreis          = "kreis"
	AreaPlanningRegion = "planning_region"
)

// AreaGap is one row of the gap register: an area, the residents of its
// populated cells that the query considers, how many of them are outside
// the standard, and the population-weighted median and 90th percentile
// travel time (nil where that percentile is "not reachable").
type AreaGap struct {
	Level            string   `json:"level"`
	Key              string   `json:"key"` // AGS, Kreis AGS or planning region name
	Name             string   `json:"name"`
	Population       int64    `json:"population"`
	Outside          int64    `json:"outside"`
	Share            float64  `json:"share_outside"` // Outside / Population, 0 when Population is 0
	MedianSeconds    *float64 `json:"median_seconds"`
	P90Seconds       *float64 `json:"p90_seconds"`
	DEGURBAComputed  int      `json:"degurba_computed,omitempty"` // municipalities only
	ThinlyPopulated  bool     `json:"thinly_populated,omitempty"`
	StructurallyWeak bool     `json:"structurally_weak,omitempty"`
}

// GapReport is the gap register of one query: every populated cell outside
// the standard and the rows per municipality, Kreis and planning region,
// each ordered by key.
type GapReport struct {
	Category        layers.Category `json:"category"`
	Mode            layers.Mode     `json:"mode"`
	StandardMinutes float64         `json:"standard_minutes"`
	StandardSource  string          `json:"standard_source"`
	OnlyThinOrWeak  bool            `json:"only_thin_or_weak"`
	Method          string          `json:"method"` // "network" or "straight_line"
	// MethodShares gives the share of residents whose time was found by
	// each method ("network", "straight_line", "unreachable"; "unknown" when
	// no facility of the category is loaded).
	MethodShares map[string]float64 `json:"method_shares"`
	// Unknown says why the register cannot be drawn up (no facility of
	// the category is loaded); then no cell counts as outside and the
	// counts of residents outside are zero by absence, not by finding.
	Unknown         string    `json:"unknown,omitempty"`
	Population      int64     `json:"population"`
	Outside         int64     `json:"outside"`
	Share           float64   `json:"share_outside"`
	MedianSeconds   *float64  `json:"median_seconds"`
	P90Seconds      *float64  `json:"p90_seconds"`
	Cells           []GapCell `json:"cells"`
	Municipalities  []AreaGap `json:"municipalities"`
	Kreise          []AreaGap `json:"kreise"`
	PlanningRegions []AreaGap `json:"planning_regions"`
	// Fairness is the distribution of the travel times across residents
	// (percentiles, Gini, Palma; by DEGURBA class, age group and
	// structural weakness) today and in every loaded projection, when
	// Options.Fairness is set (internal/analysis/need gives it).
	Fairness   any        `json:"fairness,omitempty"`
	Provenance Provenance `json:"provenance"`
}

// Gaps returns the gap register of q. The standard is the catalogue's for
// (Category, Mode) unless q.MaxMinutes overrides it; a cell is outside when
// its time exceeds the standard or no facility is reachable.
func (e *Engine) Gaps(ctx context.Context, q GapQuery) (GapReport, error) {
	if q.Mode == Transit {
		return e.transitGaps(ctx, q)
	}
	if err := checkCatMode(q.Category, q.Mode); err != nil {
		return GapReport{}, err
	}
	if q.MaxMinutes < 0 || math.IsNaN(q.MaxMinutes) || math.IsInf(q.MaxMinutes, 0) {
		return GapReport{}, fmt.Errorf("analysis: gaps: max minutes %v: %w", q.MaxMinutes, layers.ErrInvalid)
	}
	minutes, source := q.MaxMinutes, "query"
	if minutes == 0 {
		s, err := e.standard(q.Category, q.Mode)
		if err != nil {
			return GapReport{}, err
		}
		if s.Measure == catalogue.MeasureAreaService {
			return GapReport{}, fmt.Errorf("analysis: gaps: category %q is an area service without a travel-time standard; give max minutes: %w", q.Category, layers.ErrInvalid)
		}
		minutes, source = s.MaxMinutes, s.Source
	}
	f, err := e.fieldFor(ctx, q.Category, q.Mode)
	if err != nil {
		return GapReport{}, err
	}
	if len(e.byCat[q.Category]) == 0 {
		return e.unknownGaps(q, minutes, source), nil
	}
	rep := e.gapReport(f, q, minutes, source)
	if e.opts.Fairness != nil {
		var idx []int
		for ci, c := range e.cells {
			if mc := e.class.of(c.ags); !q.OnlyThinOrWeak || mc.thin || mc.weak {
				idx = append(idx, ci)
			}
		}
		if rep.Fairness, err = e.opts.Fairness(ctx, e, q.Category, q.Mode, f.secs, idx); err != nil {
			return GapReport{}, err
		}
	}
	return rep, nil
}

// unknownGaps is the register of a category with no facility loaded:
// the residents are counted, but none is outside the standard, as nothing
// is known of their times.
func (e *Engine) unknownGaps(q GapQuery, minutes float64, source string) GapReport {
	rep := GapReport{
		Category: q.Category, Mode: q.Mode, StandardMinutes: minutes, StandardSource: source,
		OnlyThinOrWeak: q.OnlyThinOrWeak, Method: MethodUnknown, MethodShares: map[string]float64{},
		Unknown:    fmt.Sprintf("no facility of category %q is loaded", q.Category),
		Provenance: e.provenance("none: no facility of the category is loaded"),
		Cells:      []GapCell{}, Municipalities: []AreaGap{}, Kreise: []AreaGap{}, PlanningRegions: []AreaGap{},
	}
	for _, c := range e.cells {
		if mc := e.class.of(c.ags); q.OnlyThinOrWeak && !mc.thin && !mc.weak {
			continue
		}
		rep.Population += c.pop
	}
	if rep.Population > 0 {
		rep.MethodShares[MethodUnknown] = 1
	}
	return rep
}

// gapReport builds the register from a field. Pure; used by Gaps and the
// derived collection.
func (e *Engine) gapReport(f *field, q GapQuery, minutes float64, source string) GapReport {
	limit := minutes * 60
	rep := GapReport{
		Category: q.Category, Mode: q.Mode, StandardMinutes: minutes, StandardSource: source,
		OnlyThinOrWeak: q.OnlyThinOrWeak, Method: f.method, MethodShares: e.methodShares(f), Provenance: e.provenance(methodLabel(f, q.Mode)),
		Cells: []GapCell{}, Municipalities: []AreaGap{}, Kreise: []AreaGap{}, PlanningRegions: []AreaGap{},
	}
	type acc struct {
		row   AreaGap
		cells []int
	}
	groups := [3]map[string]*acc{{}, {}, {}}
	var all []int
	add := func(level int, levelName, key, name string, ci int) *acc {
		a := groups[level][key]
		if a == nil {
			a = &acc{row: AreaGap{Level: levelName, Key: key, Name: name}}
			groups[level][key] = a
		}
		a.cells = append(a.cells, ci)
		return a
	}
	for ci, c := range e.cells {
		mc := e.class.of(c.ags)
		if q.OnlyThinOrWeak && !mc.thin && !mc.weak {
			continue
		}
		all = append(all, ci)
		var kreis, kreisName, region string
		if c.muni >= 0 {
			m := e.munis[c.muni]
			kreis, kreisName, region = m.KreisAGS, m.KreisName, m.PlanningRegion
		}
		ma := add(0, AreaMunicipality, c.ags, e.muniName(c.ags), ci)
		ma.row.DEGURBAComputed, ma.row.ThinlyPopulated, ma.row.StructurallyWeak = mc.degurba, mc.thin, mc.weak
		add(1, AreaKreis, kreis, kreisName, ci)
		add(2, AreaPlanningRegion, region, region, ci)
		if s := f.secs[ci]; s > limit {
			g := GapCell{CellID: c.id, AGS: c.ags, Population: c.pop, ThinlyPopulated: mc.thin, StructurallyWeak: mc.weak, Center: c.lonlat}
			if !math.IsInf(s, 1) {
				v := s
				g.Seconds, g.Reached = &v, true
				if fi := f.fac[ci]; fi >= 0 {
					g.FacilityID = e.facs[fi].ID
				}
			}
			rep.Cells = append(rep.Cells, g)
		}
	}
	st := summarise(e.cells, f.secs, all, limit)
	rep.Population, rep.Outside, rep.Share, rep.MedianSeconds, rep.P90Seconds = st.pop, st.outside, st.share, st.median, st.p90
	outs := [3]*[]AreaGap{&rep.Municipalities, &rep.Kreise, &rep.PlanningRegions}
	for level, g := range groups {
		for _, a := range g {
			st := summarise(e.cells, f.secs, a.cells, limit)
			a.row.Population, a.row.Outside, a.row.Share, a.row.MedianSeconds, a.row.P90Seconds = st.pop, st.outside, st.share, st.median, st.p90
			*outs[level] = append(*outs[level], a.row)
		}
		sort.Slice(*outs[level], func(i, j int) bool { return (*outs[level])[i].Key < (*outs[level])[j].Key })
	}
	return rep
}

// stats are the summary numbers of a set of cells.
type stats struct {
	pop, outside int64
	share        float64
	median, p90  *float64
	mean         float64 // population-weighted mean over reached cells
	reachedPop   int64
}

// summarise sums population and population outside limit over the cells
// idx and computes the population-weighted median and 90th percentile.
func summarise(cells []cell, secs []float64, idx []int, limit float64) stats {
	var s stats
	ws := make([]weighted, 0, len(idx))
	var sum float64
	for _, ci := range idx {
		p := cells[ci].pop
		s.pop += p
		if secs[ci] > limit {
			s.outside += p
		}
		if !math.IsInf(secs[ci], 1) {
			sum += float64(p) * secs[ci]
			s.reachedPop += p
		}
		ws = append(ws, weighted{secs[ci], p})
	}
	if s.pop > 0 {
		s.share = float64(s.outside) / float64(s.pop)
	}
	if s.reachedPop > 0 {
		s.mean = sum / float64(s.reachedPop)
	}
	s.median = weightedQuantile(ws, 0.5)
	s.p90 = weightedQuantile(ws, 0.9)
	return s
}

type weighted struct {
	v float64
	w int64
}

// weightedQuantile returns the smallest value v such that the weight of
// values ≤ v is at least q of the total weight (the lower weighted
// quantile); nil when the total weight is 0 or the quantile is +Inf. ws is
// sorted in place.
func weightedQuantile(ws []weighted, q float64) *float64 {
	var total int64
	for _, w := range ws {
		total += w.w
	}
	if total == 0 {
		return nil
	}
	sort.Slice(ws, func(i, j int) bool { return ws[i].v < ws[j].v })
	need := q * float64(total)
	var cum int64
	for _, w := range ws {
		cum += w.w
		if float64(cum) >= need && w.w > 0 {
			if math.IsInf(w.v, 1) {
				return nil
			}
			v := w.v
			return &v
		}
	}
	return nil
}
