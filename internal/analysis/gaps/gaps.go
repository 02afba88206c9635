// Package gaps draws up the gap register: the populated cells whose
// residents cannot reach the nearest facility of a category within the
// standard (by road, by bicycle, on foot or by public transport), with the
// rows per municipality, Kreis and planning region (residents, share
// outside, population-weighted median and 90th percentile) and the
// fairness of the times when the engine has it. It reads the travel times
// and the classification from the engine (internal/analysis) and computes
// nothing on the network.
package gaps

import (
	"context"
	"fmt"
	"math"
	"sort"

	"github.com/paulmach/orb"

	"reach/geo/access"
	"reach/internal/analysis"
	"reach/internal/catalogue"
	"reach/layers"
)

// Query selects a gap register: who cannot reach the nearest facility of
// Category by Mode within the standard.
type Query struct {
	Category layers.Category
	Mode     layers.Mode
	// OnlyThinOrWeak keeps only cells in municipalities that are thinly
	// populated or structurally weak (by the engine's classification).
	OnlyThinOrWeak bool
	// MaxMinutes overrides the catalogue's standard when > 0.
	MaxMinutes float64
	// Transit gives the departures when Mode is Transit; a zero Departure means the engine's
	// default (analysis.Options.TransitDefault).
	Transit analysis.TransitQuery
	// WithoutFairness leaves out the distribution of travel times (for
	// callers that use only the cells, such as the gaps collection).
	WithoutFairness bool
}

// Cell is one populated cell outside the standard.
type Cell struct {
	CellID     string   `json:"inspire_id"`
	AGS        string   `json:"ags"`
	Population int64    `json:"population"`
	Reached    bool     `json:"reached"`
	Seconds    *float64 `json:"seconds"` // nil when no facility is reachable
	FacilityID string   `json:"facility_id,omitempty"`
	// Method says how the cell's time was found (network, straight_line, unreachable;
	// transit, unreachable or no_stop by public transport).
	Method           string    `json:"method"`
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
//
// By public transport the residents of cells that no stop with a departure
// in the window serves within walking distance (method no_stop) are counted
// apart, in NoStop: the timetable says nothing about them, as the feed may
// end there. They are not in Outside, and the median and 90th percentile
// are over the other residents; Share stays Outside / Population, so where
// the feed ends it is a lower bound and ShareNoStop says by how much.
type AreaGap struct {
	Level            string   `json:"level"`
	Key              string   `json:"key"` // AGS, Kreis AGS or planning region name
	Name             string   `json:"name"`
	Population       int64    `json:"population"`
	Outside          int64    `json:"outside"`
	Share            float64  `json:"share_outside"`           // Outside / Population, 0 when Population is 0
	NoStop           int64    `json:"no_stop,omitempty"`       // residents without a served stop (transit)
	ShareNoStop      float64  `json:"share_no_stop,omitempty"` // NoStop / Population
	MedianSeconds    *float64 `json:"median_seconds"`
	P90Seconds       *float64 `json:"p90_seconds"`
	DEGURBAComputed  int      `json:"degurba_computed,omitempty"` // municipalities only
	ThinlyPopulated  bool     `json:"thinly_populated,omitempty"`
	StructurallyWeak bool     `json:"structurally_weak,omitempty"`
}

// Report is the gap register of one query: every populated cell outside
// the standard and the rows per municipality, Kreis and planning region,
// each ordered by key.
type Report struct {
	Category        layers.Category `json:"category"`
	Mode            layers.Mode     `json:"mode"`
	StandardMinutes float64         `json:"standard_minutes"`
	StandardSource  string          `json:"standard_source"`
	OnlyThinOrWeak  bool            `json:"only_thin_or_weak"`
	Method          string          `json:"method"` // "network" or "straight_line"
	// MethodShares gives the share of residents whose time was found by
	// each method ("network", "straight_line", "unreachable"; "transit",
	// "unreachable", "no_stop" by public transport; "unknown" when no
	// facility of the category is loaded).
	MethodShares map[string]float64 `json:"method_shares"`
	// Unknown says why the register cannot be drawn up (no facility of
	// the category is loaded); then no cell counts as outside and the
	// counts of residents outside are zero by absence, not by finding.
	Unknown    string  `json:"unknown,omitempty"`
	Population int64   `json:"population"`
	Outside    int64   `json:"outside"`
	Share      float64 `json:"share_outside"`
	// NoStop and ShareNoStop count, by public transport, the residents
	// without a stop with a departure in the window within walking
	// distance (method no_stop; not in Outside; see AreaGap).
	NoStop          int64     `json:"no_stop,omitempty"`
	ShareNoStop     float64   `json:"share_no_stop,omitempty"`
	MedianSeconds   *float64  `json:"median_seconds"`
	P90Seconds      *float64  `json:"p90_seconds"`
	Cells           []Cell    `json:"cells"`
	Municipalities  []AreaGap `json:"municipalities"`
	Kreise          []AreaGap `json:"kreise"`
	PlanningRegions []AreaGap `json:"planning_regions"`
	// Fairness is the distribution of the travel times across residents
	// (percentiles, Gini, Palma; by DEGURBA class, age group and
	// structural weakness) today and in every loaded projection, when
	// analysis.Options.Fairness is set (internal/analysis/need gives it).
	Fairness   any                 `json:"fairness,omitempty"`
	Provenance analysis.Provenance `json:"provenance"`
}

// Of returns the gap register of q on the engine e. The standard is the
// catalogue's for (Category, Mode) unless q.MaxMinutes overrides it; a
// cell is outside when its time exceeds the standard or no facility is
// reachable.
func Of(ctx context.Context, e *analysis.Engine, q Query) (Report, error) {
	if q.Mode == analysis.Transit {
		return transit(ctx, e, q)
	}
	if !q.Category.Valid() {
		return Report{}, fmt.Errorf("analysis: category %q: %w", q.Category, layers.ErrInvalid)
	}
	if _, ok := layers.ParseMode(string(q.Mode)); !ok {
		return Report{}, fmt.Errorf("analysis: mode %q: %w", q.Mode, layers.ErrInvalid)
	}
	if q.MaxMinutes < 0 || math.IsNaN(q.MaxMinutes) || math.IsInf(q.MaxMinutes, 0) {
		return Report{}, fmt.Errorf("analysis: gaps: max minutes %v: %w", q.MaxMinutes, layers.ErrInvalid)
	}
	minutes, source := q.MaxMinutes, "query"
	if minutes == 0 {
		s, err := standard(e, q.Category, q.Mode)
		if err != nil {
			return Report{}, err
		}
		if s.Measure == catalogue.MeasureAreaService {
			return Report{}, fmt.Errorf("analysis: gaps: category %q is an area service without a travel-time standard; give max minutes: %w", q.Category, layers.ErrInvalid)
		}
		minutes, source = s.MaxMinutes, s.Source
	}
	f, err := e.TravelField(ctx, q.Category, q.Mode)
	if err != nil {
		return Report{}, err
	}
	if len(e.FacilityIndexes(q.Category)) == 0 {
		return unknown(e, q, minutes, source), nil
	}
	rep := report(e, f, q, minutes, source)
	rep.MethodShares = e.MethodShares(f)
	var idx []int
	for ci, c := range e.PopulatedCells() {
		if !q.OnlyThinOrWeak || c.Thin || c.Weak {
			idx = append(idx, ci)
		}
	}
	if q.WithoutFairness {
		return rep, nil
	}
	if rep.Fairness, err = e.Fairness(ctx, q.Category, q.Mode, f.Seconds(), idx); err != nil {
		return Report{}, err
	}
	return rep, nil
}

// standard returns the catalogue's standard of (cat, mode) or an error
// wrapping layers.ErrInvalid that says none exists.
func standard(e *analysis.Engine, cat layers.Category, mode layers.Mode) (catalogue.Standard, error) {
	s, ok := e.Standard(cat, mode)
	if !ok {
		return catalogue.Standard{}, fmt.Errorf("analysis: catalogue %s has no standard for category %q and mode %q: %w", e.Catalogue().ID(), cat, mode, layers.ErrInvalid)
	}
	return s, nil
}

// unknownGaps is the register of a category with no facility loaded:
// the residents are counted, but none is outside the standard, as nothing
// is known of their times.
func unknown(e *analysis.Engine, q Query, minutes float64, source string) Report {
	rep := Report{
		Category: q.Category, Mode: q.Mode, StandardMinutes: minutes, StandardSource: source,
		OnlyThinOrWeak: q.OnlyThinOrWeak, Method: analysis.MethodUnknown, MethodShares: map[string]float64{},
		Unknown:    fmt.Sprintf("no facility of category %q is loaded", q.Category),
		Provenance: e.Provenance("none: no facility of the category is loaded"),
		Cells:      []Cell{}, Municipalities: []AreaGap{}, Kreise: []AreaGap{}, PlanningRegions: []AreaGap{},
	}
	for _, c := range e.PopulatedCells() {
		if q.OnlyThinOrWeak && !c.Thin && !c.Weak {
			continue
		}
		rep.Population += c.Residents
	}
	if rep.Population > 0 {
		rep.MethodShares[analysis.MethodUnknown] = 1
	}
	return rep
}

// report builds the register from a field (its method shares are the
// caller's).
func report(e *analysis.Engine, f analysis.Field, q Query, minutes float64, source string) Report {
	limit := minutes * 60
	secs := f.Seconds()
	cells := e.PopulatedCells()
	var noStop []bool // cells the timetable does not serve (mode transit)
	for ci := range cells {
		if f.MethodOf(ci) == analysis.MethodNoStop {
			if noStop == nil {
				noStop = make([]bool, len(cells))
			}
			noStop[ci] = true
		}
	}
	facs := e.Facilities()
	rep := Report{
		Category: q.Category, Mode: q.Mode, StandardMinutes: minutes, StandardSource: source,
		OnlyThinOrWeak: q.OnlyThinOrWeak, Method: f.Code(), Provenance: e.Provenance(f.Method()),
		Cells: []Cell{}, Municipalities: []AreaGap{}, Kreise: []AreaGap{}, PlanningRegions: []AreaGap{},
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
	for ci, c := range cells {
		if q.OnlyThinOrWeak && !c.Thin && !c.Weak {
			continue
		}
		all = append(all, ci)
		var kreis, kreisName, region string
		if c.Municipality >= 0 {
			m := e.Municipality(int(c.Municipality))
			kreis, kreisName, region = m.KreisAGS, m.KreisName, m.PlanningRegion
		}
		ma := add(0, AreaMunicipality, c.AGS, e.MunicipalityName(c.AGS), ci)
		ma.row.DEGURBAComputed, ma.row.ThinlyPopulated, ma.row.StructurallyWeak = c.DEGURBA, c.Thin, c.Weak
		add(1, AreaKreis, kreis, kreisName, ci)
		add(2, AreaPlanningRegion, region, region, ci)
		if s := secs[ci]; s > limit {
			g := Cell{CellID: c.ID, AGS: c.AGS, Population: c.Residents, Method: f.MethodOf(ci), ThinlyPopulated: c.Thin, StructurallyWeak: c.Weak, Center: c.LonLat}
			if !math.IsInf(s, 1) {
				v := s
				g.Seconds, g.Reached = &v, true
				if fi := f.Facility(ci); fi >= 0 {
					g.FacilityID = facs[fi].ID
				}
			}
			rep.Cells = append(rep.Cells, g)
		}
	}
	st := summarise(cells, secs, noStop, all, limit)
	rep.Population, rep.Outside, rep.Share, rep.MedianSeconds, rep.P90Seconds = st.pop, st.outside, st.share, st.median, st.p90
	rep.NoStop, rep.ShareNoStop = st.noStop, st.shareNoStop
	outs := [3]*[]AreaGap{&rep.Municipalities, &rep.Kreise, &rep.PlanningRegions}
	for level, g := range groups {
		for _, a := range g {
			st := summarise(cells, secs, noStop, a.cells, limit)
			a.row.Population, a.row.Outside, a.row.Share, a.row.MedianSeconds, a.row.P90Seconds = st.pop, st.outside, st.share, st.median, st.p90
			a.row.NoStop, a.row.ShareNoStop = st.noStop, st.shareNoStop
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
	noStop       int64 // residents of cells in noStop (not in outside, median or p90)
	shareNoStop  float64
	median, p90  *float64
	mean         float64 // population-weighted mean over reached cells
	reachedPop   int64
}

// summarise sums population and population outside limit over the cells
// idx and computes the population-weighted median and 90th percentile. The
// cells marked in noStop (nil: none) count in the population and in
// noStop only.
func summarise(cells []analysis.PopulatedCell, secs []float64, noStop []bool, idx []int, limit float64) stats {
	var s stats
	vals := make([]float64, 0, len(idx))
	ws := make([]int64, 0, len(idx))
	var sum float64
	for _, ci := range idx {
		p := cells[ci].Residents
		s.pop += p
		if noStop != nil && noStop[ci] {
			s.noStop += p
			continue
		}
		if secs[ci] > limit {
			s.outside += p
		}
		if !math.IsInf(secs[ci], 1) {
			sum += float64(p) * secs[ci]
			s.reachedPop += p
		}
		vals, ws = append(vals, secs[ci]), append(ws, p)
	}
	if s.pop > 0 {
		s.share = float64(s.outside) / float64(s.pop)
		s.shareNoStop = float64(s.noStop) / float64(s.pop)
	}
	if s.reachedPop > 0 {
		s.mean = sum / float64(s.reachedPop)
	}
	s.median = access.WeightedQuantile(vals, ws, 0.5)
	s.p90 = access.WeightedQuantile(vals, ws, 0.9)
	return s
}

// transit is the gap register by public transport: a cell is outside when the median of
// its door-to-door times over the window exceeds the catalogue's transit standard.
func transit(ctx context.Context, e *analysis.Engine, q Query) (Report, error) {
	if !q.Category.Valid() {
		return Report{}, fmt.Errorf("analysis: gaps: category %q: %w", q.Category, layers.ErrInvalid)
	}
	if q.MaxMinutes < 0 || math.IsNaN(q.MaxMinutes) || math.IsInf(q.MaxMinutes, 0) {
		return Report{}, fmt.Errorf("analysis: gaps: max minutes %v: %w", q.MaxMinutes, layers.ErrInvalid)
	}
	minutes, source := q.MaxMinutes, "query"
	if minutes == 0 {
		s, err := standard(e, q.Category, analysis.Transit)
		if err != nil {
			return Report{}, err
		}
		minutes, source = s.MaxMinutes, s.Source
	}
	f, err := e.TransitField(ctx, q.Category, q.Transit)
	if err != nil {
		return Report{}, err
	}
	rep := report(e, f, q, minutes, source)
	rep.MethodShares = e.MethodShares(f)
	rep.Provenance = e.Provenance("public transport: median door-to-door time over the departure window (range RAPTOR)")
	return rep, nil
}
