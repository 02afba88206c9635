package need

import (
	"context"
	"fmt"
	"math"

	"reach/geo/access"
	"reach/geo/crs"
	"reach/internal/analysis"
	"reach/layers"
)

// Dossier is the need side of a project's dossier: for today and every
// loaded projection, the distribution of travel times of the demand group
// before and after the project and the supply ratio before and after; for
// a fire station, the share within the arrival limit per municipality.
type Dossier struct {
	Category    layers.Category  `json:"category"`
	Mode        layers.Mode      `json:"mode"`
	DemandGroup string           `json:"demand_group"`
	Scenarios   []ScenarioEffect `json:"scenarios"`
	// Fire is set for fire stations: coverage before and after with the
	// change per municipality.
	Fire     *FireResult `json:"fire,omitempty"`
	Method   string      `json:"method"`
	Warnings []string    `json:"warnings"`
}

// ScenarioEffect is the effect in one scenario.
type ScenarioEffect struct {
	Scenario string `json:"scenario"`
	Year     int    `json:"year,omitempty"`
	Variant  string `json:"variant,omitempty"`
	// Demand is the residents of the demand group.
	Demand         float64  `json:"demand"`
	FairnessBefore Fairness `json:"fairness_before"`
	FairnessAfter  Fairness `json:"fairness_after"`
	// Supply is nil for categories without a need entry.
	Supply *SupplyRatioChange `json:"supply,omitempty"`
}

// SupplyRatioChange is the E2SFCA ratio before and after a project.
type SupplyRatioChange struct {
	Unit string `json:"unit"`
	// Added is the supply the project adds; AddedSource says where the
	// figure comes from (the upgrade's capacity change, or the need
	// catalogue's default capacity as an assumption).
	Added       float64 `json:"added"`
	AddedSource string  `json:"added_source"`
	// UnitsPer1000Before/After are over the whole region; the Participating
	// ones over the project's municipalities (demand-weighted mean).
	UnitsPer1000Before              float64        `json:"units_per_1000_before"`
	UnitsPer1000After               float64        `json:"units_per_1000_after"`
	ParticipatingUnitsPer1000Before float64        `json:"participating_units_per_1000_before"`
	ParticipatingUnitsPer1000After  float64        `json:"participating_units_per_1000_after"`
	PlanningRatio                   *PlanningRatio `json:"planning_ratio"`
}

// dossier computes the need dossier of a project from its effect.
func (s *Service) dossier(ctx context.Context, p layers.Project, eff analysis.ProjectEffect) (*Dossier, error) {
	if eff.Before == nil {
		return nil, nil
	}
	e := s.e
	nd, hasNeed := e.Needs().Need(eff.Category)
	lo, hi, group := 0, access.OpenAge, "all"
	if hasNeed {
		lo, hi, group = nd.MinAge, nd.MaxAge, nd.DemandGroup
	}
	d := &Dossier{Category: eff.Category, Mode: eff.Mode, DemandGroup: group, Warnings: []string{}, Method: "Travel times of the demand group's residents before and after the project (the dossier's effect), over the participating municipalities and every cell whose time changes, weighted by the residents of each scenario; supply ratios by E2SFCA with the project's supply added: routing is done once, a projection year changes only the demand."}
	part := map[string]bool{}
	for _, a := range p.Municipalities {
		part[a] = true
	}
	// The residents the dossier looks at: those of the participating
	// municipalities and every one whose time changes.
	changed := map[int]bool{}
	for _, ci := range eff.Changed {
		changed[ci] = true
	}
	var idx []int
	for i, c := range e.PopulatedCells() {
		if part[c.AGS] || changed[i] {
			idx = append(idx, i)
		}
	}
	for _, sc := range append([]Scenario{{}}, s.Scenarios()...) {
		dem, err := s.demandOf(lo, hi, sc)
		if err != nil {
			return nil, err
		}
		se := ScenarioEffect{Scenario: sc.String(), Year: sc.Year, Variant: sc.Variant}
		for _, v := range dem.v {
			se.Demand += v
		}
		se.Demand = round(se.Demand, 1)
		measure := fmt.Sprintf("travel time to the nearest %s by %s, minutes", eff.Category, eff.Mode)
		weight := "residents aged " + group + " of the participating municipalities and wherever the time changes"
		if se.FairnessBefore, err = s.fairnessOf(idx, eff.Before, dem.v, sc, measure, weight); err != nil {
			return nil, err
		}
		if se.FairnessAfter, err = s.fairnessOf(idx, eff.After, dem.v, sc, measure, weight); err != nil {
			return nil, err
		}
		if hasNeed && (p.Kind == layers.KindNewFacility || p.Kind == layers.KindFacilityUpgrade) {
			ch, warn, err := s.supplyChange(ctx, p, eff, sc, part)
			if err != nil {
				return nil, err
			}
			se.Supply = ch
			if warn != "" && sc.Today() {
				d.Warnings = append(d.Warnings, warn)
			}
		}
		d.Scenarios = append(d.Scenarios, se)
	}
	fire := e.Needs().Fire()
	if eff.Category == fire.Category && p.Kind == layers.KindNewFacility {
		var add []FireSite
		for i, site := range eff.Sites {
			ll, err := crs.ToLonLat(crs.UTM33N, site)
			if err != nil {
				return nil, err
			}
			add = append(add, FireSite{Name: fmt.Sprintf("%s, site %d", p.Title, i+1), Location: ll})
		}
		fr, err := s.Fire(ctx, FireQuery{Add: add})
		if err != nil {
			return nil, err
		}
		fr.Today.Stations, fr.After.Stations = nil, nil // the dossier shows the change, not every station
		d.Fire = &fr
		d.Warnings = append(d.Warnings, "the proposed station is taken as volunteer (the catalogue's turn-out time): a project states no crew")
	}
	return d, nil
}

// supplyChange computes the E2SFCA ratio before and after adding the
// project's supply: an upgrade's capacity change at its facility, or new
// sites with the need catalogue's default capacity (an assumption).
func (s *Service) supplyChange(ctx context.Context, p layers.Project, eff analysis.ProjectEffect, sc Scenario, part map[string]bool) (*SupplyRatioChange, string, error) {
	e := s.e
	nd, _ := e.Needs().Need(eff.Category)
	ce, err := s.catchments(ctx, eff.Category, nd.Mode, nd.Decay)
	if err != nil {
		return nil, "", err
	}
	dem, err := s.demandOf(nd.MinAge, nd.MaxAge, sc)
	if err != nil {
		return nil, "", err
	}
	supply, _ := supplyOf(ce.facs, nd)
	before, err := ce.w.E2SFCA(supply, dem.v)
	if err != nil {
		return nil, "", err
	}
	out := &SupplyRatioChange{Unit: nd.Unit}
	if nd.ResidentsPerUnit > 0 {
		out.PlanningRatio = &PlanningRatio{ResidentsPerUnit: nd.ResidentsPerUnit, Source: s.citation(nd.PlanningSource), Assumption: nd.PlanningAssumption}
	}
	var afterAccess []float64
	var afterDistributed float64
	warn := ""
	switch p.Kind {
	case layers.KindFacilityUpgrade:
		up := append([]float64(nil), supply...)
		found := false
		for j, f := range ce.facs {
			if f.ID == eff.FacilityID {
				found = true
				if p.Upgrade != nil && p.Upgrade.CapacityChange != nil {
					out.Added = *p.Upgrade.CapacityChange
					up[j] = math.Max(0, up[j]+out.Added)
				}
			}
		}
		out.AddedSource = "capacity_change of the upgrade"
		if !found || p.Upgrade == nil || p.Upgrade.CapacityChange == nil {
			out.AddedSource = "the upgrade states no capacity change"
		}
		res, err := ce.w.E2SFCA(up, dem.v)
		if err != nil {
			return nil, "", err
		}
		afterAccess, afterDistributed = res.CellAccess, res.SupplyDistributed
	case layers.KindNewFacility:
		// The catchments of the new sites join the existing ones.
		n := ce.c.Facilities()
		pairs := make([]access.Pair, 0, ce.c.Pairs())
		for j := range n {
			ce.c.Catchment(j, func(cell int, secs float64) {
				pairs = append(pairs, access.Pair{Facility: int32(j), Cell: int32(cell), Seconds: float32(secs)})
			})
		}
		sup := append([]float64(nil), supply...)
		for k, site := range eff.Sites {
			sup = append(sup, nd.DefaultCapacity)
			out.Added += nd.DefaultCapacity
			ps, _, err := e.SiteCatchment(ctx, nd.Mode, site, nd.Decay.ThresholdS, int32(n+k))
			if err != nil {
				return nil, "", err
			}
			pairs = append(pairs, ps...)
		}
		out.AddedSource = fmt.Sprintf("%s (%g %s per site; a project states no capacity)", nd.CapacitySource, nd.DefaultCapacity, nd.Unit)
		warn = "new sites get the need catalogue's default capacity: " + nd.CapacitySource
		c2, err := access.NewCatchments(len(sup), ce.c.Cells(), pairs)
		if err != nil {
			return nil, "", err
		}
		w2, err := c2.Weigh(nd.Decay)
		if err != nil {
			return nil, "", err
		}
		res, err := w2.E2SFCA(sup, dem.v)
		if err != nil {
			return nil, "", err
		}
		afterAccess, afterDistributed = res.CellAccess, res.SupplyDistributed
	}
	var total, pd, pb, pa float64
	for i, c := range e.PopulatedCells() {
		total += dem.v[i]
		if part[c.AGS] {
			pd += dem.v[i]
			pb += dem.v[i] * before.CellAccess[i]
			pa += dem.v[i] * afterAccess[i]
		}
	}
	if total > 0 {
		out.UnitsPer1000Before = round(1000*before.SupplyDistributed/total, 3)
		out.UnitsPer1000After = round(1000*afterDistributed/total, 3)
	}
	if pd > 0 {
		out.ParticipatingUnitsPer1000Before = round(1000*pb/pd, 3)
		out.ParticipatingUnitsPer1000After = round(1000*pa/pd, 3)
	}
	return out, warn, nil
}

// ScenarioFairness is the fairness of travel times in one scenario.
type ScenarioFairness struct {
	Scenario string   `json:"scenario"`
	Year     int      `json:"year,omitempty"`
	Variant  string   `json:"variant,omitempty"`
	Fairness Fairness `json:"fairness"`
}

// GapFairness is the analysis.FairnessOf of this package: the distribution
// of secs across the residents of the cells idx, today and in every loaded
// projection (a []ScenarioFairness).
func GapFairness(ctx context.Context, e *analysis.Engine, cat layers.Category, mode layers.Mode, secs []float64, idx []int) (any, error) {
	s := New(e)
	var out []ScenarioFairness
	for _, sc := range append([]Scenario{{}}, s.Scenarios()...) {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("need: fairness: %w", err)
		}
		all, err := s.demandOf(0, access.OpenAge, sc)
		if err != nil {
			return nil, err
		}
		f, err := s.fairnessOf(idx, secs, all.v, sc, fmt.Sprintf("travel time to the nearest %s by %s, minutes", cat, mode), "residents")
		if err != nil {
			return nil, err
		}
		out = append(out, ScenarioFairness{Scenario: sc.String(), Year: sc.Year, Variant: sc.Variant, Fairness: f})
	}
	return out, nil
}
