package analysis

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/paulmach/orb"

	"reach/geo/spatial"
	"reach/internal/appraisal"
	"reach/layers"
)

// This file is the engine's side of the project assessments, which live in
// internal/analysis/assess: read-only views of the read model and the
// network searches an assessment needs. Slices returned are the engine's
// own and must not be modified.

// Cell returns populated cell ci (the cells are numbered 0..NumCells()-1;
// every per-cell slice of this package uses that order).
func (e *Engine) Cell(ci int) PopulatedCell { return e.PopulatedCells()[ci] }

// NumMunicipalities is the number of municipalities; Municipality(i)
// returns municipality i (the index PopulatedCell.Municipality refers to).
func (e *Engine) NumMunicipalities() int { return len(e.munis) }

// Municipality returns municipality i as read from the layer.
func (e *Engine) Municipality(i int) layers.Municipality { return e.munis[i] }

// MunicipalityName returns the name of the municipality with ags, or "".
func (e *Engine) MunicipalityName(ags string) string { return e.muniName(ags) }

// InNeed says whether the municipality with ags is thinly populated or
// structurally weak by the engine's classification.
func (e *Engine) InNeed(ags string) bool {
	c := e.class.of(ags)
	return c.thin || c.weak
}

// Facilities returns the facilities of the read model, their Location in
// EPSG:25833.
func (e *Engine) Facilities() []layers.Facility { return e.facs }

// FacilityIndexes returns the indexes into Facilities() of the facilities
// of cat, sorted by id.
func (e *Engine) FacilityIndexes(cat layers.Category) []int { return e.byCat[cat] }

// CentralPlaces returns the central places of the read model.
func (e *Engine) CentralPlaces() []layers.CentralPlace { return e.places }

// ScoreWeights returns the score weights of the engine's options.
func (e *Engine) ScoreWeights() appraisal.ScoreWeights {
	if e.opts.Weights != nil {
		return *e.opts.Weights
	}
	return appraisal.DefaultScoreWeights()
}

// RankingDeadline returns the deadline of a ranking's selection search.
func (e *Engine) RankingDeadline() time.Duration {
	if e.opts.RankingDeadline > 0 {
		return e.opts.RankingDeadline
	}
	return appraisal.DefaultSelectionDeadline
}

// SnapRadiusM is the largest straight access leg to the network, metres.
func (e *Engine) SnapRadiusM() float64 { return e.opts.SnapRadiusM }

// BuiltAt is the time recorded in every result's provenance.
func (e *Engine) BuiltAt() time.Time { return e.builtAt }

// Field is the travel-time field of one (category, mode): per populated
// cell the seconds to the nearest facility (+Inf when none is reachable)
// and that facility.
type Field struct {
	f    *field
	cat  layers.Category
	mode layers.Mode
}

// TravelField returns the field of (cat, mode), computed once per engine.
func (e *Engine) TravelField(ctx context.Context, cat layers.Category, mode layers.Mode) (Field, error) {
	f, err := e.fieldFor(ctx, cat, mode)
	if err != nil {
		return Field{}, err
	}
	return Field{f: f, cat: cat, mode: mode}, nil
}

// Seconds returns the seconds of every cell (read-only).
func (f Field) Seconds() []float64 { return f.f.secs }

// Facility returns the index of cell ci's nearest facility, -1 when none.
func (f Field) Facility(ci int) int { return int(f.f.fac[ci]) }

// Method describes how the field was computed, for provenance.
func (f Field) Method() string { return methodLabel(f.f, f.mode) }

// MethodOf returns how the time of cell ci was found: MethodNetwork,
// MethodStraightLine or MethodUnreachable; by public transport
// MethodTransit, MethodUnreachable or MethodNoStop.
func (f Field) MethodOf(ci int) string { return f.f.methodOf(ci) }

// Code is the method of the field as a code: MethodNetwork (some cells
// may still have the straight-line estimate), MethodStraightLine or
// MethodTransit.
func (f Field) Code() string { return f.f.method }

// MethodShares returns the share of residents whose time in f was found by
// each method (MethodNetwork, MethodStraightLine, MethodUnreachable; by
// public transport MethodTransit, MethodUnreachable, MethodNoStop).
func (e *Engine) MethodShares(f Field) map[string]float64 { return e.methodShares(f.f) }

// CellChange is the travel time of one cell before and after a project.
type CellChange struct {
	Cell          int32
	Before, After float64 // seconds, +Inf unreachable
}

// RoadScenario is the network of one mode rebuilt from a changed road layer,
// with every cell and facility snapped again.
type RoadScenario struct {
	e  *Engine
	mn *modeNet
}

// ScenarioNetwork builds the network of mode from roads.
func (e *Engine) ScenarioNetwork(ctx context.Context, roads []layers.RoadSegment, mode layers.Mode) (*RoadScenario, error) {
	nets, err := e.networksFrom(ctx, roads, []layers.Mode{mode})
	if err != nil {
		return nil, err
	}
	if nets[mode] == nil {
		return nil, fmt.Errorf("analysis: scenario: the roads give no %s network", mode)
	}
	return &RoadScenario{e: e, mn: nets[mode]}, nil
}

// Seconds returns the time of every cell to the nearest facility of cat on
// the scenario network.
func (s *RoadScenario) Seconds(ctx context.Context, cat layers.Category) ([]float64, error) {
	f, err := s.e.networkField(ctx, s.mn, cat)
	if err != nil {
		return nil, err
	}
	return f.secs, nil
}

// Net returns the scenario network with the places on it.
func (s *RoadScenario) Net() Net {
	return Net{Mode: s.mn.mode, Network: s.mn.n, Cells: s.mn.cells, Facilities: s.mn.facs}
}

// whereIndex finds the municipality of a point: an R-tree over the
// municipality polygons and, for points outside them all, a bucket grid
// over the populated cell centres.
type whereIndex struct {
	once  sync.Once
	polys *spatial.Polygons
	cells *pointIndex
}

// muniAt returns the AGS of the municipality containing p (EPSG:25833),
// by polygon where geometries exist (where several contain p, the first
// in layer order), else the municipality of the nearest populated cell
// centre (ties: the first cell); "" when neither is known.
func (e *Engine) muniAt(p orb.Point) string {
	w := &e.where
	w.once.Do(func() {
		ps := make([]orb.MultiPolygon, len(e.munis))
		for i, m := range e.munis {
			ps[i] = m.Geometry
		}
		w.polys = spatial.NewPolygons(ps)
		pts := make([]orb.Point, len(e.cells))
		for i, c := range e.cells {
			pts[i] = c.utm
		}
		w.cells = newPointIndex(pts, 2000)
	})
	if i, ok := w.polys.Locate(p); ok {
		return e.munis[i].AGS
	}
	if i, _ := w.cells.nearest(p, nil); i >= 0 {
		return e.cells[i].ags
	}
	return ""
}

// Category returns the category of the field.
func (f Field) Category() layers.Category { return f.cat }
