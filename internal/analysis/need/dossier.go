package need

import (
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/paulmach/orb"

	"reach/geo/access"
	"reach/geo/crs"
	"reach/internal/analysis"
	"reach/internal/catalogue"
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
	// The new sites' catchments (one bounded search each) are searched on
	// another goroutine while the travel-time distributions are summarised.
	withSupply := hasNeed && (p.Kind == layers.KindNewFacility || p.Kind == layers.KindFacilityUpgrade)
	var siteCatch []access.FacilityCatchment
	var siteErr error
	siteDone := make(chan struct{})
	if withSupply && p.Kind == layers.KindNewFacility {
		go func() {
			defer close(siteDone)
			siteCatch, siteErr = s.siteCatchments(ctx, nd, eff.Sites, len(e.FacilityIndexes(eff.Category)))
		}()
	} else {
		close(siteDone)
	}
	// Every return waits for the search, so that it never outlives the
	// call.
	defer func() { <-siteDone }()
	// The residents the dossier looks at: those of the participating
	// municipalities and every one whose time changes (ascending, each
	// once).
	byAGS := s.cellsByAGS()
	idx := append([]int(nil), eff.Changed...)
	for ags := range part {
		idx = append(idx, byAGS[ags]...)
	}
	slices.Sort(idx)
	idx = slices.Compact(idx)
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
		if withSupply {
			<-siteDone
			if siteErr != nil {
				return nil, siteErr
			}
			ch, warn, err := s.supplyChange(ctx, p, eff, sc, part, siteCatch)
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

type muniAGSKey struct{}

// municipalityAGS is the AGS of municipality i of Engine.Municipalities.
func (s *Service) municipalityAGS(i int) string {
	v, _ := s.e.Memo(muniAGSKey{}, func() (any, error) {
		var out []string
		for _, m := range s.e.Municipalities() {
			out = append(out, m.AGS)
		}
		return out, nil
	})
	return v.([]string)[i]
}

type cellsByAGSKey struct{}

// cellsByAGS lists the populated cells of each municipality (by AGS),
// ascending; computed once per engine.
func (s *Service) cellsByAGS() map[string][]int {
	v, _ := s.e.Memo(cellsByAGSKey{}, func() (any, error) {
		m := map[string][]int{}
		for i, c := range s.e.PopulatedCells() {
			m[c.AGS] = append(m[c.AGS], i)
		}
		return m, nil
	})
	return v.(map[string][]int)
}

// beforeKey keys the E2SFCA of a category with the facilities' own supply
// in one scenario: a function of the layers only, kept for the engine's
// life.
type beforeKey struct {
	cat   layers.Category
	mode  layers.Mode
	decay string
	sc    Scenario
}

// beforeEntry is that E2SFCA with the sums a dossier reads of it.
type beforeEntry struct {
	res    access.Result
	supply []float64
	// total is the demand of all cells; byAGS the demand and the
	// demand-weighted access of the cells of each municipality.
	total float64
	byAGS map[string]agsSum
}

type agsSum struct{ demand, weighted float64 }

// before returns the E2SFCA of ce's category in scenario sc with the
// facilities' own supply, computed once per engine.
func (s *Service) before(ce *catchEntry, nd catalogue.Need, sc Scenario) (*beforeEntry, *demandEntry, error) {
	dem, err := s.demandOf(nd.MinAge, nd.MaxAge, sc)
	if err != nil {
		return nil, nil, err
	}
	v, err := s.e.Memo(beforeKey{nd.Category, nd.Mode, nd.Decay.String(), sc}, func() (any, error) {
		supply, _ := supplyOf(ce.facs, nd)
		res, err := ce.w.E2SFCA(supply, dem.v)
		if err != nil {
			return nil, err
		}
		b := &beforeEntry{res: res, supply: supply, byAGS: map[string]agsSum{}}
		for i, c := range s.e.PopulatedCells() {
			b.total += dem.v[i]
			a := b.byAGS[c.AGS]
			a.demand += dem.v[i]
			a.weighted += dem.v[i] * res.CellAccess[i]
			b.byAGS[c.AGS] = a
		}
		return b, nil
	})
	if err != nil {
		return nil, nil, err
	}
	return v.(*beforeEntry), dem, nil
}

// siteCatchments are the catchments of a project's new sites by the need's
// mode and decay: one bounded search per site, shared by the scenarios.
func (s *Service) siteCatchments(ctx context.Context, nd catalogue.Need, sites []orb.Point, first int) ([]access.FacilityCatchment, error) {
	out := make([]access.FacilityCatchment, len(sites))
	for k, site := range sites {
		ps, _, err := SiteCatchment(ctx, s.e, nd.Mode, site, nd.Decay.ThresholdS, int32(first+k))
		if err != nil {
			return nil, err
		}
		if out[k], err = access.CatchmentOf(ps, nd.Decay); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// supplyEffect is the E2SFCA of a category before and after a project in
// one scenario.
type supplyEffect struct {
	nd          catalogue.Need
	before      *beforeEntry
	dem         *demandEntry
	after       access.Updated
	added       float64
	addedSource string
	warn        string
}

// supplyEffectOf computes the E2SFCA ratio before and after adding the
// project's supply: an upgrade's capacity change at its facility, or new
// sites (their catchments in sites) with the need catalogue's default
// capacity (an assumption). The ratio before is computed once per
// category and scenario; the one after is that result updated by the
// changed facilities only (access.Weights.Update: a new facility's ratio
// spread over its own catchment, an upgrade's ratio scaled), which equals
// the full E2SFCA with the project (TestSupplyChangeAgainstFullRun).
func (s *Service) supplyEffectOf(ctx context.Context, p layers.Project, eff analysis.ProjectEffect, sc Scenario, sites []access.FacilityCatchment) (*supplyEffect, error) {
	nd, _ := s.e.Needs().Need(eff.Category)
	ce, err := s.catchments(ctx, eff.Category, nd.Mode, nd.Decay)
	if err != nil {
		return nil, err
	}
	before, dem, err := s.before(ce, nd, sc)
	if err != nil {
		return nil, err
	}
	se := &supplyEffect{nd: nd, before: before, dem: dem}
	var changes []access.Change
	switch p.Kind {
	case layers.KindFacilityUpgrade:
		found := false
		for j, f := range ce.facs {
			if f.ID == eff.FacilityID {
				found = true
				if p.Upgrade != nil && p.Upgrade.CapacityChange != nil {
					se.added = *p.Upgrade.CapacityChange
					changes = append(changes, access.Change{Facility: j, To: math.Max(0, before.supply[j]+se.added)})
				}
			}
		}
		se.addedSource = "capacity_change of the upgrade"
		if !found || p.Upgrade == nil || p.Upgrade.CapacityChange == nil {
			se.addedSource = "the upgrade states no capacity change"
		}
	case layers.KindNewFacility:
		for _, c := range sites {
			changes = append(changes, access.Change{Facility: -1, Catchment: c, To: nd.DefaultCapacity})
			se.added += nd.DefaultCapacity
		}
		se.addedSource = fmt.Sprintf("%s (%g %s per site; a project states no capacity)", nd.CapacitySource, nd.DefaultCapacity, nd.Unit)
		se.warn = "new sites get the need catalogue's default capacity: " + nd.CapacitySource
	}
	if se.after, err = ce.w.Update(before.res, before.supply, dem.v, changes); err != nil {
		return nil, err
	}
	return se, nil
}

// ratioSums are the sums behind a SupplyRatioChange, unrounded.
type ratioSums struct {
	total, distributedBefore, distributedAfter float64
	// participating: demand, demand-weighted access before and after.
	pd, pb, pa float64
}

// sums gives the region's and the participating municipalities' sums: the
// ones before from the kept sums per municipality, the ones after those
// plus the change of every touched cell.
func (s *Service) sums(se *supplyEffect, part map[string]bool) ratioSums {
	r := ratioSums{total: se.before.total, distributedBefore: se.before.res.SupplyDistributed, distributedAfter: se.after.SupplyDistributed}
	for ags := range part {
		a := se.before.byAGS[ags]
		r.pd += a.demand
		r.pb += a.weighted
	}
	r.pa = r.pb
	cells := s.e.PopulatedCells()
	// Membership by municipality index (AGS only for cells without one).
	byIndex := make([]bool, len(s.e.Municipalities()))
	for i := range byIndex {
		byIndex[i] = part[s.municipalityAGS(i)]
	}
	for k, ci := range se.after.Touched {
		c := &cells[ci]
		in := c.Municipality >= 0 && byIndex[c.Municipality] || c.Municipality < 0 && part[c.AGS]
		if in {
			r.pa += se.dem.v[ci] * (se.after.TouchedAccess[k] - se.before.res.CellAccess[ci])
		}
	}
	return r
}

// supplyChange is the SupplyRatioChange of a project in scenario sc.
func (s *Service) supplyChange(ctx context.Context, p layers.Project, eff analysis.ProjectEffect, sc Scenario, part map[string]bool, sites []access.FacilityCatchment) (*SupplyRatioChange, string, error) {
	se, err := s.supplyEffectOf(ctx, p, eff, sc, sites)
	if err != nil {
		return nil, "", err
	}
	nd := se.nd
	out := &SupplyRatioChange{Unit: nd.Unit, Added: se.added, AddedSource: se.addedSource}
	if nd.ResidentsPerUnit > 0 {
		out.PlanningRatio = &PlanningRatio{ResidentsPerUnit: nd.ResidentsPerUnit, Source: s.citation(nd.PlanningSource), Assumption: nd.PlanningAssumption}
	}
	r := s.sums(se, part)
	if r.total > 0 {
		out.UnitsPer1000Before = round(1000*r.distributedBefore/r.total, 3)
		out.UnitsPer1000After = round(1000*r.distributedAfter/r.total, 3)
	}
	if r.pd > 0 {
		out.ParticipatingUnitsPer1000Before = round(1000*r.pb/r.pd, 3)
		out.ParticipatingUnitsPer1000After = round(1000*r.pa/r.pd, 3)
	}
	return out, se.warn, nil
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
