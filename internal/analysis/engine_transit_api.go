package analysis

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/paulmach/orb"

	"reach/geo/isochrone"
	"reach/internal/analysis/window"
	"reach/internal/catalogue"
	"reach/layers"
)

// What the public transport use cases (internal/analysis/transit) need of the engine, and the
// seam through which the engine hands requests with mode "transit" to them. The engine keeps
// the timetable (Options.Transit) and knows nothing of routing on it.

// Transit is the mode name of public transport in requests (layers.Transit). It is not a road
// mode: ParseMode does not accept it.
const Transit = layers.Transit

// The departure window of transit requests and what they give over it
// (internal/analysis/window).
type (
	TransitQuery  = window.Query
	TransitMatrix = window.Matrix
	TransitCells  = window.Cells
)

// Defaults and limits of transit requests.
const (
	DefaultWindowMinutes = window.DefaultMinutes
	MaxWindowMinutes     = window.MaxMinutes
)

// ParseDeparture reads a local date-time as the timetable's local wall-clock time
// (window.ParseDeparture).
func ParseDeparture(s string) (time.Time, error) { return window.ParseDeparture(s) }

// TransitPlanner answers requests with mode transit on the engine's timetable.
// internal/analysis/transit implements it; Options.NewTransitPlanner makes one per engine. It
// must be safe for concurrent use.
type TransitPlanner interface {
	// Matrix fills res (its slices sized, Method and Provenance set) for req.
	Matrix(ctx context.Context, req MatrixRequest, res MatrixResult) (MatrixResult, error)
	// Isochrones answers req (origins and minutes not yet validated).
	Isochrones(ctx context.Context, req IsochroneRequest) (IsochroneResult, error)
	// CellSeconds gives the travel time of every populated cell to the nearest facility of
	// cat over the window of q (Departure set).
	CellSeconds(ctx context.Context, cat layers.Category, q TransitQuery) (TransitCells, error)
	// PointSeconds gives the travel time of every populated cell to the nearest of pts
	// (EPSG:25833) over the window of q (Departure set).
	PointSeconds(ctx context.Context, pts []orb.Point, q TransitQuery) (TransitCells, error)
	// ServedCells tells, per populated cell, whether a stop with a departure in the window of
	// q (Departure set) lies within walking distance, and describes that criterion.
	ServedCells(ctx context.Context, q TransitQuery) (served []bool, criterion string, err error)
	// Collections describes the timetable's own collections (stops, routes), served with the
	// derived ones; Features gives all features of one of them, geometry in lon/lat.
	Collections() []layers.Collection
	Features(ctx context.Context, coll string) ([]layers.Feature, error)
	// FacilityEffect gives the public transport side of a dossier adding sites (EPSG:25833)
	// of cat.
	FacilityEffect(ctx context.Context, cat layers.Category, sites []orb.Point) (any, error)
}

// TransitSectionOf gives the public transport side of an assessed project's dossier: for a
// project with new sites of a category, the effect by public transport; nil without a
// timetable or sites.
func (e *Engine) TransitSectionOf(ctx context.Context, pe ProjectEffect) (any, error) {
	if e.transit == nil || len(pe.Sites) == 0 || !pe.Category.Valid() {
		return nil, nil
	}
	return e.transit.FacilityEffect(ctx, pe.Category, pe.Sites)
}

// errNoTransit is the answer to mode transit without a timetable.
func errNoTransit(what string) error {
	return fmt.Errorf("analysis: %s: mode transit: no timetable loaded (import one with `reach import gtfs`): %w", what, layers.ErrInvalid)
}

// ErrNoTransit is the answer of a use case (what) to mode transit when the
// engine has no timetable.
func ErrNoTransit(what string) error { return errNoTransit(what) }

// HasTransit reports whether the engine has a timetable.
func (e *Engine) HasTransit() bool { return e.opts.Transit != nil }

// TransitFeed returns the engine's timetable, nil without one.
func (e *Engine) TransitFeed() *layers.TransitFeed { return e.opts.Transit }

// TransitPlanner returns the planner of the engine's timetable, nil without one.
func (e *Engine) TransitPlanner() TransitPlanner { return e.transit }

// NumCells returns the number of populated cells; Cell(i) for i below it.
func (e *Engine) NumCells() int { return len(e.cells) }

// Standard returns the catalogue's standard of cat by mode.
func (e *Engine) Standard(cat layers.Category, mode layers.Mode) (catalogue.Standard, bool) {
	return e.cat.Standard(cat, mode)
}

// Provenance describes a result of the engine computed by method.
func (e *Engine) Provenance(method string) Provenance { return e.provenance(method) }

// PointBands builds isochrone bands from points reached at given times, each with a straight
// walk onwards at speedMS (m/s) up to its MaxLegM, on the engine's raster step (made coarser
// for large extents as for every isochrone); cellSeconds gives the travel time to populated
// cell i (+Inf when not reached) for the residents of each band. It returns the bands and the
// raster step in metres.
func (e *Engine) PointBands(ctx context.Context, reached []isochrone.Reached, speedMS float64, minutes []float64, cellSeconds func(i int) float64) ([]Band, float64, error) {
	return e.Raster().Points(ctx, reached, speedMS, minutes, e.BandCells(), cellSeconds)
}

// ToUTM converts a lon/lat point to EPSG:25833, refusing points outside the valid range.
func ToUTM(ll orb.Point) (orb.Point, error) { return toUTM(ll) }

// FromUTM converts an EPSG:25833 point to lon/lat.
func FromUTM(p orb.Point) (orb.Point, error) { return fromUTM(p) }

// Round3 rounds to three decimals (millimetres, milliseconds) for output.
func Round3(v float64) float64 {
	if math.IsInf(v, 0) || math.IsNaN(v) {
		return v
	}
	return round3(v)
}

// DefaultTransitQuery returns the departure window of results that a request does not time
// itself: Options.TransitDefault, its zero Departure meaning 07:00 on the timetable's first
// day.
func (e *Engine) DefaultTransitQuery() (TransitQuery, error) {
	q := e.opts.TransitDefault
	if q.Departure.IsZero() && e.opts.Transit != nil {
		first, _ := e.opts.Transit.DateRange()
		if first == 0 {
			return q, fmt.Errorf("analysis: mode transit: the timetable runs on no day: %w", layers.ErrInvalid)
		}
		q.Departure = time.Date(first/10000, time.Month(first/100%100), first%100, 7, 0, 0, 0, time.UTC)
	}
	if err := q.Check(); err != nil {
		return q, fmt.Errorf("analysis: transit default: %w", err)
	}
	return q, nil
}

// transitField returns the travel-time field of cat by public transport for q (a zero
// Departure: the default window, cached per category like every field).
func (e *Engine) transitField(ctx context.Context, cat layers.Category, q TransitQuery) (*field, error) {
	if !cat.Valid() {
		return nil, fmt.Errorf("analysis: category %q: %w", cat, layers.ErrInvalid)
	}
	if e.transit == nil {
		return nil, errNoTransit("travel times")
	}
	compute := func(q TransitQuery) (*field, error) {
		tc, err := e.transit.CellSeconds(ctx, cat, q)
		if err != nil {
			return nil, err
		}
		return e.transitCellsField(tc)
	}
	if !q.Departure.IsZero() {
		return compute(q)
	}
	dq, err := e.DefaultTransitQuery()
	if err != nil {
		return nil, err
	}
	return e.cachedField(ctx, fieldKey{cat, Transit}, func() (*field, error) { return compute(dq) })
}

// TransitField returns the travel-time field of cat by public transport
// for q (a zero Departure: the default window, cached per category).
func (e *Engine) TransitField(ctx context.Context, cat layers.Category, q TransitQuery) (Field, error) {
	f, err := e.transitField(ctx, cat, q)
	if err != nil {
		return Field{}, err
	}
	return Field{f: f, cat: cat, mode: Transit}, nil
}

// transitCellsField is the field of the transit times of every cell: transit where reached,
// no_stop where no stop serves the cell, unreachable where one does but nothing is reached.
func (e *Engine) transitCellsField(tc TransitCells) (*field, error) {
	if len(tc.Seconds) != len(e.cells) {
		return nil, fmt.Errorf("analysis: transit travel times: %d cells, want %d", len(tc.Seconds), len(e.cells))
	}
	if tc.NoStop != nil && len(tc.NoStop) != len(e.cells) {
		return nil, fmt.Errorf("analysis: transit travel times: %d cells served or not, want %d", len(tc.NoStop), len(e.cells))
	}
	f := newField(len(e.cells), MethodTransit)
	copy(f.secs, tc.Seconds)
	f.how = make([]uint8, len(e.cells))
	for ci, s := range f.secs {
		switch {
		case !math.IsInf(s, 1):
			f.how[ci] = howTransit
		case tc.NoStop != nil && tc.NoStop[ci]:
			f.how[ci] = howNoStop
		default:
			f.how[ci] = howUnreachable
		}
	}
	return f, nil
}
