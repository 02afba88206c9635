// Package analysis is the engine: the immutable read model built from the
// layers (the populated cells, the classification of the municipalities,
// a road network per mode with every cell and facility snapped, the road
// layer those networks were made from), which holds no reader once built,
// and the computations that belong to it: travel times per cell and
// category, matrices, isochrones and the network coverage. The use cases
// built on it live in packages of their own under internal/analysis and
// read it through its read-only views (Net: the network of a mode with the
// places on it, on which they run their own searches; the populated cells,
// facilities, municipalities and travel-time fields; Memo for their
// caches): assess (project assessments and the ranking), need
// (capacity-aware access and fire coverage), transit (public transport),
// gaps (the gap register), centres (the central-place indicators), sites
// (site suggestions) and derived (the results as collections and tables).
// Its snapshot file is internal/analysis/snapshot, its isochrone bands
// internal/analysis/bands. The policy it applies lives apart: the standards
// in internal/catalogue, the classification of municipalities in
// internal/classify, the score, budget selection and Zentrale-Orte verdict
// in internal/appraisal.
//
// An Engine is immutable once built and safe for concurrent use; each call
// takes its own query state from a pool. Geometries in requests and results
// are CRS84 (lon/lat) unless a field says otherwise.
package analysis

import (
	"time"

	"github.com/paulmach/orb"

	"reach/layers"
)

// Version is the engine version recorded in every result's provenance.
const Version = "0.1.0"

// Provenance says where a result came from, so that it can be reproduced.
type Provenance struct {
	EngineVersion string            `json:"engine_version"`
	Catalogue     string            `json:"catalogue"`     // standards catalogue name and hash
	Data          map[string]string `json:"data_versions"` // layer → version
	Synthetic     bool              `json:"synthetic"`     // true for the demo region
	ComputedAt    time.Time         `json:"computed_at"`
	Method        string            `json:"method"` // e.g. "network car", "straight line (no road network)"
}

// SnapInfo says where an input point was snapped to the network.
type SnapInfo struct {
	Input     orb.Point `json:"input"`              // as given, lon/lat
	Location  orb.Point `json:"location,omitempty"` // snapped position on the network, lon/lat
	DistanceM float64   `json:"distance_m"`         // straight-line access distance
	OffsetS   float64   `json:"offset_s"`           // access time added at the mode's access speed
	Snapped   bool      `json:"snapped"`
	Reason    string    `json:"reason,omitempty"` // why not snapped, e.g. "no road within 1000 m"
	// Stop is the nearest stop for mode transit (the point walks to any stop within
	// TransitAccessM; Location, DistanceM and OffsetS describe the nearest).
	Stop string `json:"stop,omitempty"`
}

// MatrixRequest asks for travel times from every source to every destination.
type MatrixRequest struct {
	Mode         layers.Mode
	Sources      []orb.Point // lon/lat
	Destinations []orb.Point // lon/lat
	// Transit gives the departures when Mode is Transit.
	Transit TransitQuery
}

// MatrixResult holds durations (seconds) and distances (metres: on the
// network, or the straight line times the detour factor); nil entries are
// pairs that cannot be reached although the network is loaded at both ends.
type MatrixResult struct {
	Durations    [][]*float64 `json:"durations"`
	Distances    [][]*float64 `json:"distances"`
	Sources      []SnapInfo   `json:"sources"`
	Destinations []SnapInfo   `json:"destinations"`
	// Methods says per pair how its entry was found: "network";
	// "straight_line" (an end is off the network, or no road network for
	// the mode: the calibrated straight-line estimate); "transit";
	// "unreachable" (nil entry); "no_stop" (transit, nil entry: an end has
	// no stop within walking distance, where the timetable may end).
	Methods [][]string `json:"methods"`
	// Method summarises Methods: the one method of every pair with a time,
	// or "mixed" when network and straight-line entries occur together.
	Method     string     `json:"method,omitempty"`
	Provenance Provenance `json:"provenance"`
	// Transit holds the window and the spread over it for mode transit (Durations are then the
	// medians over the window's departures, waiting included).
	Transit *TransitMatrix `json:"transit,omitempty"`
}

// IsochroneRequest asks for travel-time bands around one or more origins.
type IsochroneRequest struct {
	Mode    layers.Mode
	Origins []orb.Point // lon/lat
	Minutes []float64   // thresholds, ascending after validation
	// Transit gives the departures when Mode is Transit.
	Transit TransitQuery
}

// IsochroneResult is the list of bands and how they were built.
type IsochroneResult struct {
	Bands      []Band     `json:"bands"`
	Method     string     `json:"method"` // how the polygons were built
	Origins    []SnapInfo `json:"origins"`
	Provenance Provenance `json:"provenance"`
}

// TravelTime is the time from one populated cell to the nearest facility of
// a category by one mode.
type TravelTime struct {
	CellID     string    `json:"inspire_id"`
	AGS        string    `json:"ags"`
	Population int64     `json:"population"`
	Known      bool      `json:"known"`
	Reached    bool      `json:"reached"`    // false: no facility reachable (or cell not snapped)
	Seconds    float64   `json:"seconds"`    // meaningful when Reached
	DistanceM  float64   `json:"distance_m"` // network distance (or straight line) in metres
	FacilityID string    `json:"facility_id"`
	Center     orb.Point `json:"-"`      // lon/lat of the cell centre
	Method     string    `json:"method"` // "network" or "straight_line"
}
