package analysis

import (
	"context"

	"github.com/paulmach/orb"

	"reach/geo/access"
	"reach/internal/catalogue"
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
	e.popOnce.Do(func() {
		out := make([]PopulatedCell, len(e.cells))
		for i, c := range e.cells {
			cl := e.class.of(c.ags)
			out[i] = PopulatedCell{ID: c.id, AGS: c.ags, Municipality: c.muni, Residents: c.pop, UTM: c.utm, LonLat: c.lonlat,
				Under18: c.u18, Over65: c.o65, DEGURBA: cl.degurba, Thin: cl.thin, Weak: cl.weak}
		}
		e.pop = out
	})
	return e.pop
}

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

// MunicipalityAt returns the AGS of the municipality containing p
// (EPSG:25833), else that of the nearest populated cell; "" when neither
// is known.
func (e *Engine) MunicipalityAt(p orb.Point) string { return e.muniAt(p) }

// Memo returns the value computed by compute for key, computing it once
// per engine (see memo.Map.Do): the use cases keep their caches in it.
func (e *Engine) Memo(key any, compute func() (any, error)) (any, error) {
	return e.memo.Do(key, compute)
}

// ForgetIf drops the memoised values whose key satisfies drop
// (benchmarks use it to time a computation again).
func (e *Engine) ForgetIf(drop func(key any) bool) { e.memo.ForgetIf(drop) }

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
