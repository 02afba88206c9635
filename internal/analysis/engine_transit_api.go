package analysis

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/paulmach/orb"

	"reach/geo/isochrone"
	"reach/internal/catalogue"
	"reach/layers"
)

// What the public transport use cases (internal/analysis/transit) need of the engine, and the
// seam through which the engine hands requests with mode "transit" to them. The engine keeps
// the timetable (Options.Transit) and knows nothing of routing on it.

// Transit is the mode name of public transport in requests (layers.Transit). It is not a road
// mode: ParseMode does not accept it.
const Transit = layers.Transit

// Defaults and limits of transit requests.
const (
	// DefaultWindowMinutes is the departure window when a request gives none.
	DefaultWindowMinutes = 60
	// MaxWindowMinutes bounds the window of one request.
	MaxWindowMinutes = 240
)

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

// TransitQuery is when a transit request leaves: at Departure (local wall-clock time of the
// timetable's zone; its location is ignored) and every minute of the following WindowMinutes.
// A matrix may instead give ArriveBy, the time by which to arrive: it then asks for the latest
// departure that still arrives by then, for ArriveBy and every minute of the WindowMinutes
// before it (default 1: ArriveBy alone).
type TransitQuery struct {
	Departure     time.Time
	ArriveBy      time.Time
	WindowMinutes int
}

// ParseDeparture reads a local date-time "YYYY-MM-DDTHH:MM" (seconds optional) as the
// timetable's local wall-clock time. An offset or "Z" is refused: timetables are local.
func ParseDeparture(s string) (time.Time, error) {
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02 15:04", "2006-01-02 15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("departure %q: want a local date-time YYYY-MM-DDTHH:MM (no offset): %w", s, layers.ErrInvalid)
}

// Check fills the default window and validates the query; errors name the field.
func (q *TransitQuery) Check() error {
	switch {
	case q.Departure.IsZero() && q.ArriveBy.IsZero():
		return fmt.Errorf("departure: required with mode transit: %w", layers.ErrInvalid)
	case !q.Departure.IsZero() && !q.ArriveBy.IsZero():
		return fmt.Errorf("arrive_by: give either departure or arrive_by, not both: %w", layers.ErrInvalid)
	}
	if q.WindowMinutes == 0 {
		q.WindowMinutes = DefaultWindowMinutes
		if !q.ArriveBy.IsZero() {
			q.WindowMinutes = 1
		}
	}
	if q.WindowMinutes < 1 || q.WindowMinutes > MaxWindowMinutes {
		return fmt.Errorf("window_minutes %d: want 1 to %d: %w", q.WindowMinutes, MaxWindowMinutes, layers.ErrInvalid)
	}
	return nil
}

// errNoTransit is the answer to mode transit without a timetable.
func errNoTransit(what string) error {
	return fmt.Errorf("analysis: %s: mode transit: no timetable loaded (import one with `reach import gtfs`): %w", what, layers.ErrInvalid)
}

// HasTransit reports whether the engine has a timetable.
func (e *Engine) HasTransit() bool { return e.opts.Transit != nil }

// TransitFeed returns the engine's timetable, nil without one.
func (e *Engine) TransitFeed() *layers.TransitFeed { return e.opts.Transit }

// TransitPlanner returns the planner of the engine's timetable, nil without one.
func (e *Engine) TransitPlanner() TransitPlanner { return e.transit }

// NumCells returns the number of populated cells; Cell(i) for i below it.
func (e *Engine) NumCells() int { return len(e.cells) }

// FootSeconds is the calibrated straight-line foot estimate for a walk of d metres, seconds.
func (e *Engine) FootSeconds(d float64) float64 { return e.model.Curve(layers.Foot).Seconds(d) }

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
	return e.raster().Points(ctx, reached, speedMS, minutes, e.bandCells(), cellSeconds)
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

// TransitMatrix is what a transit matrix adds: the departures and the spread over them.
type TransitMatrix struct {
	Departure string `json:"departure,omitempty"` // local date-time of the first departure
	// ArriveBy is the latest arrival of an arrive-by matrix (then without Departure): the
	// window is the WindowMinutes minutes up to it, each an arrival deadline.
	ArriveBy      string `json:"arrive_by,omitempty"`
	WindowMinutes int    `json:"window_minutes"`
	// P10 and P90 are the 10th and 90th percentiles of the travel times over the window's
	// departures (Durations holds the medians), seconds, waiting included. In an arrive-by
	// matrix a travel time is the deadline minus the latest departure that arrives by it.
	P10 [][]*float64 `json:"p10"`
	P90 [][]*float64 `json:"p90"`
	// LatestDeparture is, in an arrive-by matrix, per pair the latest local date-time at which
	// to leave the source to arrive at the destination by ArriveBy; null when no journey does.
	LatestDeparture [][]*string `json:"latest_departure,omitempty"`
	Timetable       string      `json:"timetable"` // the feed's name
	// Method describes the walks and the search.
	Method string `json:"method"`
}

// TransitCells is what a TransitPlanner gives for the travel-time field of a category: per
// populated cell (in CellPoint order) the median door-to-door seconds over the window's
// departures, +Inf when the median departure reaches no facility.
type TransitCells struct {
	Seconds []float64
	Method  string
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
		if len(tc.Seconds) != len(e.cells) {
			return nil, fmt.Errorf("analysis: transit travel times: %d cells, want %d", len(tc.Seconds), len(e.cells))
		}
		f := newField(len(e.cells), MethodTransit)
		copy(f.secs, tc.Seconds)
		return f, nil
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
