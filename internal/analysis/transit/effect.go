package transit

import (
	"context"
	"fmt"
	"math"

	"github.com/paulmach/orb"

	"reach/geo/access"
	"reach/internal/analysis"
	"reach/layers"
)

// FacilityEffect is the public transport side of the dossier of a project that adds facilities:
// the travel times of every populated cell to the nearest facility of the category over the
// engine's default window, without and with the new sites.
type FacilityEffect struct {
	Category        layers.Category `json:"category"`
	Departure       string          `json:"departure"`
	WindowMinutes   int             `json:"window_minutes"`
	StandardMinutes *float64        `json:"standard_minutes"` // nil without a transit standard
	StandardSource  string          `json:"standard_source,omitempty"`
	// NewlyWithinStandard counts the residents whose median time falls within the standard
	// with the project and was outside it without; nil without a standard.
	NewlyWithinStandard *int64 `json:"newly_within_standard"`
	// NewlyReached counts the residents who reach no facility without the project (median
	// departure) and do with it.
	NewlyReached int64 `json:"newly_reached"`
	// Improved counts the residents whose median time gets shorter.
	Improved int64 `json:"improved"`
	// MedianBeforeS and MedianAfterS are the population-weighted medians of the cells' median
	// times (nil where that median resident reaches nothing).
	MedianBeforeS *float64 `json:"median_before_s"`
	MedianAfterS  *float64 `json:"median_after_s"`
	Method        string   `json:"method"`
}

// FacilityEffect computes the effect of new sites (EPSG:25833) of category cat by public
// transport (analysis.TransitPlanner): two runs of TravelTimes over the engine's default window,
// without and with them.
func (p *Planner) FacilityEffect(ctx context.Context, cat layers.Category, sites []orb.Point) (any, error) {
	q, err := p.e.DefaultTransitQuery()
	if err != nil {
		return nil, err
	}
	facs := p.e.FacilitiesOf(cat)
	before, err := p.travelTimes(ctx, cat, q, facs)
	if err != nil {
		return nil, err
	}
	with := append([]layers.Facility(nil), facs...)
	for i, s := range sites {
		with = append(with, layers.Facility{ID: fmt.Sprintf("site:%d", i), Location: s})
	}
	after, err := p.travelTimes(ctx, cat, q, with)
	if err != nil {
		return nil, err
	}
	out := &FacilityEffect{Category: cat, Departure: before.Departure, WindowMinutes: q.WindowMinutes,
		Method: "median door-to-door times over the window without and with the new sites: " + before.Method}
	std, hasStd := p.e.Standard(cat, analysis.Transit)
	var newly int64
	if hasStd {
		v := std.MaxMinutes
		out.StandardMinutes, out.StandardSource = &v, std.Source
	}
	secs := func(m *float64) float64 {
		if m == nil {
			return math.Inf(1)
		}
		return *m
	}
	var vb, va []float64
	var pop []int64
	for i, b := range before.Cells {
		a := after.Cells[i]
		if !b.Known || b.Population <= 0 {
			continue
		}
		sb, sa := secs(b.Median), secs(a.Median)
		vb, va, pop = append(vb, sb), append(va, sa), append(pop, b.Population)
		if sa < sb {
			out.Improved += b.Population
		}
		if math.IsInf(sb, 1) && !math.IsInf(sa, 1) {
			out.NewlyReached += b.Population
		}
		if hasStd && sb > std.MaxSeconds() && sa <= std.MaxSeconds() {
			newly += b.Population
		}
	}
	if hasStd {
		out.NewlyWithinStandard = &newly
	}
	out.MedianBeforeS, out.MedianAfterS = access.WeightedQuantile(vb, pop, 0.5), access.WeightedQuantile(va, pop, 0.5)
	return out, nil
}
