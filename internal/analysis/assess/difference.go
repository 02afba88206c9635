package assess

import (
	"context"
	"math"
	"sort"

	"github.com/paulmach/orb"

	"reach/internal/analysis"
	"reach/layers"
)

// Difference is what one project changes, cell by cell, for the category
// and mode it is assessed by: the before/after map of a proposal. It holds
// exactly the cells the assessment counts (Beneficiaries and
// NewlyWithinStandard sum the same residents as Assessment.Effect), so the
// map and the dossier cannot disagree with the figures.
type Difference struct {
	ProjectID string             `json:"project_id"`
	Kind      layers.ProjectKind `json:"kind"`
	// Known is false when the effect cannot be computed; Reason says why
	// and Cells is empty.
	Known  bool   `json:"known"`
	Reason string `json:"reason,omitempty"`
	// Category and Mode of the effect, and the standard it is measured
	// against (minutes; 0 for categories without a time standard).
	Category        layers.Category `json:"category,omitempty"`
	Mode            layers.Mode     `json:"mode,omitempty"`
	StandardMinutes float64         `json:"standard_minutes,omitempty"`
	StandardSource  string          `json:"standard_source,omitempty"`
	Method          string          `json:"method,omitempty"`
	// Beneficiaries and NewlyWithinStandard are the residents of the
	// cells below.
	Beneficiaries       int64 `json:"beneficiaries"`
	NewlyWithinStandard int64 `json:"newly_within_standard"`
	// Cells are the changed cells, ascending by INSPIRE id.
	Cells []CellDifference `json:"cells"`
}

// CellDifference is one population cell whose access a project changes:
// its travel time drops by at least MinImprovementS, a facility upgrade
// serves it, or it comes newly within the standard.
type CellDifference struct {
	// CellID is the INSPIRE id of the cell (EPSG:3035 grid).
	CellID     string `json:"inspire_id"`
	AGS        string `json:"ags"`
	Population int64  `json:"population"`
	// BeforeSeconds and AfterSeconds are the travel times to the nearest
	// facility of the category; nil where none is reached.
	BeforeSeconds *float64 `json:"before_seconds"`
	AfterSeconds  *float64 `json:"after_seconds"`
	// GainSeconds is BeforeSeconds − AfterSeconds; nil when the cell
	// reached no facility before (NewlyReached) or is only served by an
	// upgrade with no change of time (0).
	GainSeconds *float64 `json:"gain_seconds"`
	// NewlyWithinStandard: outside the standard before, within it after.
	NewlyWithinStandard bool `json:"newly_within_standard"`
	// NewlyReached: no facility reached before, one after.
	NewlyReached bool `json:"newly_reached"`
	// Served: a facility upgrade serves the cell (its nearest facility
	// is the one upgraded), whether or not its travel time changes.
	Served bool `json:"served"`
	// Geometry is the cell's square in CRS84.
	Geometry orb.Geometry `json:"-"`
}

// Difference computes the before/after map of p from its cached effect
// (the assessment's own computation; nothing is routed twice). A project
// whose effect is unknown gives Known false with the reason; invalid
// projects give an error wrapping layers.ErrInvalid.
func (e *Assessor) Difference(ctx context.Context, p layers.Project) (Difference, error) {
	r, err := e.effectOf(ctx, p)
	if err != nil {
		return Difference{}, err
	}
	d := Difference{ProjectID: p.ID, Kind: p.Kind, Category: p.Category, Cells: []CellDifference{}}
	eff := r.eff
	if eff == nil {
		d.Reason = r.unknown
		return d, nil
	}
	d.Known = true
	if eff.cat != "" {
		d.Category = eff.cat
	}
	d.Mode, d.StandardMinutes, d.StandardSource, d.Method = eff.mode, eff.std.MaxMinutes, eff.std.Source, eff.method
	after := make(map[int32]float64, len(eff.changes))
	for _, c := range eff.changes {
		after[c.Cell] = c.After
	}
	newly := make(map[int32]bool, len(r.agg.newlyCells))
	for _, c := range r.agg.newlyCells {
		newly[c.ci] = true
	}
	ben := make(map[int32]bool, len(r.agg.benCells))
	for _, c := range r.agg.benCells {
		ben[c.ci] = true
	}
	touched := make([]int32, 0, len(ben)+len(newly))
	for ci := range ben {
		touched = append(touched, ci)
	}
	for ci := range newly {
		if !ben[ci] {
			touched = append(touched, ci)
		}
	}
	beforeSecs := eff.before.Seconds()
	for i, ci := range touched {
		if i%4096 == 0 && ctx.Err() != nil {
			return Difference{}, ctx.Err()
		}
		c := e.eng.Cell(int(ci))
		before := beforeSecs[ci]
		aft, ok := after[ci]
		if !ok {
			aft = before
		}
		cd := CellDifference{CellID: c.ID, AGS: c.AGS, Population: c.Residents, BeforeSeconds: secondsOrNil(before), AfterSeconds: secondsOrNil(aft),
			NewlyWithinStandard: newly[ci], NewlyReached: math.IsInf(before, 1) && !math.IsInf(aft, 1),
			Served: eff.served[ci], Geometry: analysis.CellPolygon(c.ID)}
		if !math.IsInf(before, 1) && !math.IsInf(aft, 1) {
			g := before - aft
			cd.GainSeconds = &g
		}
		if ben[ci] {
			d.Beneficiaries += c.Residents
		}
		if newly[ci] {
			d.NewlyWithinStandard += c.Residents
		}
		d.Cells = append(d.Cells, cd)
	}
	sort.Slice(d.Cells, func(i, j int) bool { return d.Cells[i].CellID < d.Cells[j].CellID })
	return d, nil
}

// secondsOrNil returns a pointer to v, or nil for +Inf (unreachable).
func secondsOrNil(v float64) *float64 {
	if math.IsInf(v, 0) || math.IsNaN(v) {
		return nil
	}
	return &v
}
