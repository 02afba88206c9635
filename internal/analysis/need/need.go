// Package need computes capacity-aware access and fire coverage on the
// engine's read model: supply per facility and demand by age per cell
// (today and in a projection year), the E2SFCA supply ratio per cell,
// facility and municipality next to the planning ratio, the fairness of
// access times (percentiles, Gini, Palma; by DEGURBA class, age group and
// structural weakness), the fire brigade's arrival (turn-out plus drive)
// with areas of first responsibility, and the need section of each
// assessment dossier. It searches the engine's network with its places
// (catchments.go). Routing happens once per (category, mode, catchment):
// catchments and demand vectors are kept in the engine's memo, so another
// scenario or supply only reruns the arithmetic of geo/access.
package need

import (
	"context"
	"fmt"
	"math"

	"reach/geo/access"
	"reach/internal/analysis"
	"reach/internal/catalogue"
	"reach/layers"
)

// Scenario is a projection year and variant; the zero value is "today".
type Scenario = access.Scenario

// Service answers the need analyses of one engine. It holds nothing but
// the engine (its caches live in the engine's memo), so it is cheap to
// make and safe for concurrent use.
type Service struct {
	e *analysis.Engine
}

// New returns the need service of e.
func New(e *analysis.Engine) *Service { return &Service{e: e} }

// Section is the analysis.NeedSection of this package: the need side of a
// project's dossier (a *Dossier, or nil when the effect is unknown).
func Section(ctx context.Context, e *analysis.Engine, p layers.Project, eff analysis.ProjectEffect) (any, error) {
	d, err := New(e).dossier(ctx, p, eff)
	if err != nil || d == nil {
		return nil, err
	}
	return d, nil
}

// Scenarios lists the projection scenarios the engine can compute.
func (s *Service) Scenarios() []Scenario { return s.e.Scenarios() }

// Needs returns the need catalogue of the engine.
func (s *Service) Needs() *catalogue.Needs { return s.e.Needs() }

type catchKey struct {
	cat   layers.Category
	mode  layers.Mode
	decay string
}

// catchEntry is the catchments of one category: weights and the supply
// side in the order of analysis.Engine.FacilitiesOf.
type catchEntry struct {
	c    *access.Catchments
	w    *access.Weights
	facs []layers.Facility
}

type demandKey struct {
	lo, hi int
	sc     Scenario
}

type demandEntry struct {
	v       []float64
	missing int // cells without a projection for their area (kept at today's value)
	assumed int // cells whose ages came from the uniform assumption
}

// checkScenario says whether sc can be computed.
func (s *Service) checkScenario(sc Scenario) error {
	if sc.Today() {
		return nil
	}
	d := s.e.Demography()
	if d == nil || d.Projected[sc] == nil {
		have := []string{}
		for _, x := range s.Scenarios() {
			have = append(have, x.String())
		}
		return fmt.Errorf("need: projection %q: not loaded (loaded: %v): %w", sc.String(), have, layers.ErrInvalid)
	}
	return nil
}

// demandOf returns per cell the residents aged lo..hi (hi access.OpenAge:
// and over) in scenario sc, computed once per engine and shared (read
// only).
func (s *Service) demandOf(lo, hi int, sc Scenario) (*demandEntry, error) {
	if err := s.checkScenario(sc); err != nil {
		return nil, err
	}
	v, err := s.e.Memo(demandKey{lo, hi, sc}, func() (any, error) {
		d := s.e.Demography()
		cells := s.e.PopulatedCells()
		// The age split and the projection are linear in the residents of
		// a cell's three segments (under 18, 18–64, 65+; or in its
		// residents where the grid gives no shares): one coefficient per
		// segment and municipality, computed once from the tables, gives
		// every cell's demand.
		coefs := map[string]*ageCoef{}
		var missing, assumed int
		for _, c := range cells {
			if coefs[c.AGS] == nil {
				coefs[c.AGS] = coefOf(d, c.AGS, lo, hi, sc)
			}
		}
		v := make([]float64, len(cells))
		for i := range cells {
			c := &cells[i]
			k := coefs[c.AGS]
			pop := float64(c.Residents)
			if math.IsNaN(float64(c.Under18)) || math.IsNaN(float64(c.Over65)) {
				v[i] = pop * k.whole
				if !k.hasBase {
					assumed++
				}
			} else {
				u, o := math.Max(0, math.Min(1, float64(c.Under18))), math.Max(0, math.Min(1, float64(c.Over65)))
				if u+o > 1 {
					o = 1 - u
				}
				v[i] = pop * (u*k.seg[0] + (1-u-o)*k.seg[1] + o*k.seg[2])
			}
			if !sc.Today() && !k.projected {
				missing++
			}
		}
		return &demandEntry{v: v, missing: missing, assumed: assumed}, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*demandEntry), nil
}

// ageCoef is the share of a cell's residents aged lo..hi in one scenario,
// per segment of the grid's shares (under 18, 18–64, 65+) and for a cell
// without shares (whole), for the cells of one municipality.
type ageCoef struct {
	seg                [3]float64
	whole              float64
	hasBase, projected bool
}

// coefOf computes the coefficients of area ags with access.CellTable and
// access.ProjectTable on one resident of each segment.
func coefOf(d *access.Demography, ags string, lo, hi int, sc Scenario) *ageCoef {
	base, _, ok := d.BaseFor(ags)
	k := &ageCoef{hasBase: ok}
	var pb, pp access.AgeTable
	if !sc.Today() {
		pb, pp, _, k.projected = d.ProjectionFor(ags, sc)
	}
	count := func(t access.AgeTable) float64 {
		if k.projected {
			t = access.ProjectTable(t, pb, pp)
		}
		return t.Count(lo, hi)
	}
	one, zero := 1.0, 0.0
	k.seg[0] = count(access.CellTable(1, &one, &zero, base))
	k.seg[1] = count(access.CellTable(1, &zero, &zero, base))
	k.seg[2] = count(access.CellTable(1, &zero, &one, base))
	k.whole = count(access.CellTable(1, nil, nil, base))
	return k
}

// catchments returns the catchments of every facility of cat by mode
// within the decay's threshold, with the decay weights; searched once per
// (category, mode, decay) and kept for the engine's life.
func (s *Service) catchments(ctx context.Context, cat layers.Category, mode layers.Mode, d access.Decay) (*catchEntry, error) {
	v, err := s.e.Memo(catchKey{cat, mode, d.String()}, func() (any, error) {
		facs := s.e.FacilitiesOf(cat)
		pairs, err := FacilityCatchments(ctx, s.e, cat, mode, d.ThresholdS)
		if err != nil {
			return nil, err
		}
		c, err := access.NewCatchments(len(facs), len(s.e.PopulatedCells()), pairs)
		if err != nil {
			return nil, err
		}
		w, err := c.Weigh(d)
		if err != nil {
			return nil, err
		}
		return &catchEntry{c: c, w: w, facs: facs}, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*catchEntry), nil
}

// supplyOf returns the supply of each catchment facility: its capacity
// from the facility file, else the need's default (counted as assumed).
func supplyOf(facs []layers.Facility, nd catalogue.Need) (supply []float64, assumed int) {
	supply = make([]float64, len(facs))
	for j, f := range facs {
		if c := f.Capacity; c != nil && *c >= 0 && !math.IsInf(*c, 0) {
			supply[j] = *c
		} else {
			supply[j] = nd.DefaultCapacity
			assumed++
		}
	}
	return supply, assumed
}

// SupplyRatios runs the E2SFCA of cat (by the need's mode and decay) in
// scenario sc with the facilities' own supply: per cell the supply per
// resident of the demand group. The catchments are searched on the first
// call for cat and reused by every later one, whatever the scenario.
func (s *Service) SupplyRatios(ctx context.Context, cat layers.Category, sc Scenario) (access.Result, error) {
	nd, ok := s.e.Needs().Need(cat)
	if !ok {
		return access.Result{}, fmt.Errorf("need: category %q has no entry in the need catalogue %s: %w", cat, s.e.Needs().Name(), layers.ErrInvalid)
	}
	ce, err := s.catchments(ctx, cat, nd.Mode, nd.Decay)
	if err != nil {
		return access.Result{}, err
	}
	dem, err := s.demandOf(nd.MinAge, nd.MaxAge, sc)
	if err != nil {
		return access.Result{}, err
	}
	supply, _ := supplyOf(ce.facs, nd)
	return ce.w.E2SFCA(supply, dem.v)
}

// ForgetCaches drops the cached catchments (catchments true) and demand
// vectors (demand true) of the engine, and the supply ratios computed from
// them, so that benchmarks can time their computation again.
func (s *Service) ForgetCaches(catchments, demand bool) {
	s.e.ForgetIf(func(k any) bool {
		switch k.(type) {
		case catchKey:
			return catchments
		case demandKey:
			return demand
		case beforeKey:
			// Computed from both.
			return catchments || demand
		}
		return false
	})
}
