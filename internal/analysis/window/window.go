// Package window is the departure window of public transport requests
// and what they give over it: the query (a departure or an arrival
// deadline in the timetable's local time, and the minutes of the window),
// parsed and checked with errors naming the field; the spread of a matrix
// over the window's departures (Matrix); the per-cell medians of a travel
// time field (Cells). It knows no timetable and no engine.
package window

import (
	"fmt"
	"time"

	"reach/layers"
)

// Defaults and limits of transit requests.
const (
	// DefaultMinutes is the departure window when a request gives none.
	DefaultMinutes = 60
	// MaxMinutes bounds the window of one request.
	MaxMinutes = 240
)

// Query is when a transit request leaves: at Departure (local wall-clock time of the
// timetable's zone; its location is ignored) and every minute of the following WindowMinutes.
// A matrix may instead give ArriveBy, the time by which to arrive: it then asks for the latest
// departure that still arrives by then, for ArriveBy and every minute of the WindowMinutes
// before it (default 1: ArriveBy alone).
type Query struct {
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
func (q *Query) Check() error {
	switch {
	case q.Departure.IsZero() && q.ArriveBy.IsZero():
		return fmt.Errorf("departure: required with mode transit: %w", layers.ErrInvalid)
	case !q.Departure.IsZero() && !q.ArriveBy.IsZero():
		return fmt.Errorf("arrive_by: give either departure or arrive_by, not both: %w", layers.ErrInvalid)
	}
	if q.WindowMinutes == 0 {
		q.WindowMinutes = DefaultMinutes
		if !q.ArriveBy.IsZero() {
			q.WindowMinutes = 1
		}
	}
	if q.WindowMinutes < 1 || q.WindowMinutes > MaxMinutes {
		return fmt.Errorf("window_minutes %d: want 1 to %d: %w", q.WindowMinutes, MaxMinutes, layers.ErrInvalid)
	}
	return nil
}

// Matrix is what a transit matrix adds: the departures and the spread over them.
type Matrix struct {
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

// Cells is what a transit planner gives for the travel-time field of a category: per
// populated cell (in the engine's cell order) the median door-to-door seconds over the window's
// departures, +Inf when the median departure reaches no facility.
type Cells struct {
	Seconds []float64
	// NoStop marks, per cell, that no stop with a departure in the window lies within walking
	// distance: the timetable does not serve the cell (the feed may end there). Nil when every
	// cell is served.
	NoStop []bool
	Method string
}
