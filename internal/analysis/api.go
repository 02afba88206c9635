// Package analysis holds the use cases of reach: it builds the read model
// (road graph per mode, snapped cells and facilities) from the layers, and
// answers with travel times per cell and category, matrices, isochrones,
// coverage against the standards catalogue, the gap register, project
// assessments, the ranking within a budget and site suggestions. The policy
// it applies lives apart: the standards in internal/catalogue, the
// classification of municipalities in internal/classify, the score, budget
// selection and Zentrale-Orte verdict in internal/appraisal.
//
// An Engine is immutable once built and safe for concurrent use; each call
// takes its own query state from a pool. Geometries in requests and results
// are CRS84 (lon/lat) unless a field says otherwise.
package analysis

import (
	"time"

	"github.com/paulmach/orb"

	"reach/internal/appraisal"
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
	// "unreachable" (nil entry).
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

// Band is one travel-time band: the ring of residents reached after
// FromMinutes and within Minutes, and the cumulative figures within Minutes.
// Population and Cells count the ring only, so the populations of the
// bands of one result add up to the CumulativePopulation of the last one.
type Band struct {
	FromMinutes float64          `json:"from_minutes"` // lower end of the ring, exclusive (0 for the first band)
	Minutes     float64          `json:"minutes"`      // upper end of the ring, inclusive
	Geometry    orb.MultiPolygon `json:"-"`            // lon/lat; the area reachable within Minutes (cumulative)
	// Population counts the residents of cells whose centre is reached
	// after FromMinutes and within Minutes (the ring).
	Population int64 `json:"population"`
	// CumulativePopulation counts the residents of cells whose centre is
	// reached within Minutes.
	CumulativePopulation int64 `json:"cumulative_population"`
	Cells                int   `json:"cells"`            // populated cells in the ring
	CumulativeCells      int   `json:"cumulative_cells"` // populated cells within Minutes
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

// Assessment is the dossier of one project: what it changes, for whom, how
// it fits the central-places system, and its score. What is unknown is said
// so (Effect.Known false with a reason, null counts, Completeness), never
// reported as zero.
type Assessment struct {
	ProjectID string             `json:"project_id"`
	Title     string             `json:"title"`
	Kind      layers.ProjectKind `json:"kind"`
	Category  layers.Category    `json:"category"`
	// NewlyWithinStandard is the number of residents newly within the
	// standard; nil (null) when the effect is unknown.
	NewlyWithinStandard *int64 `json:"newly_within_standard"`
	// Effect is what the project changes, typed; Known false says why not.
	Effect Effect `json:"effect"`
	// Completeness says whether the dossier has what the ranking needs.
	Completeness Completeness `json:"completeness"`
	// Overlaps lists the other proposals of the call that serve the same
	// residents for the same category (or share the site).
	Overlaps       []Overlap             `json:"overlaps"`
	ByMunicipality []MunicipalityBenefit `json:"by_municipality"`
	ZentraleOrte   appraisal.Alignment   `json:"zentrale_orte"`
	Score          appraisal.Score       `json:"score"`
	Provenance     Provenance            `json:"provenance"`
	// Details holds what only one kind of project has: the catchment bands
	// and snapped sites of a new facility, the road changes and the effect
	// per category of a road upgrade, the area of an area service, the
	// facility of an upgrade.
	Details map[string]any `json:"details,omitempty"`
	// Need is the need side: distribution of access times of the demand
	// group before and after, today and in every loaded projection, the
	// supply ratio before and after, and for fire stations the share
	// within the arrival limit per municipality; nil when the effect is
	// unknown or Options.NeedSection is not set (the need package gives
	// a *need.Dossier).
	Need any `json:"need,omitempty"`
}

// Effect is the effect of a project on the travel times of its category.
// When Known is false, Reason says why and every count is nil.
type Effect struct {
	Known  bool   `json:"known"`
	Reason string `json:"reason,omitempty"`
	// Mode and the standard the effect is measured against.
	Mode            layers.Mode `json:"mode,omitempty"`
	StandardMinutes float64     `json:"standard_minutes,omitempty"`
	StandardSource  string      `json:"standard_source,omitempty"`
	Method          string      `json:"method,omitempty"`
	// Beneficiaries are residents whose travel time drops by at least
	// MinImprovementS (for a facility upgrade: the residents it serves,
	// whose nearest facility of the category it is).
	Beneficiaries              *int64 `json:"beneficiaries"`
	BeneficiariesParticipating *int64 `json:"beneficiaries_participating"`
	BeneficiariesOther         *int64 `json:"beneficiaries_other"`
	// NewlyWithinStandard are residents outside the standard before and
	// within it after (0 for a facility upgrade: it adds no coverage).
	NewlyWithinStandard       *int64 `json:"newly_within_standard"`
	MunicipalitiesBenefiting  int    `json:"municipalities_benefiting"`
	KreiseBenefiting          int    `json:"kreise_benefiting"`
	PlanningRegionsBenefiting int    `json:"planning_regions_benefiting"`
	// NeedShare is the share of beneficiaries in thinly populated or
	// structurally weak municipalities.
	NeedShare         *float64 `json:"need_share"`
	MeanSecondsBefore *float64 `json:"mean_seconds_before"`
	MeanSecondsAfter  *float64 `json:"mean_seconds_after"`
	P90SecondsBefore  *float64 `json:"p90_seconds_before"`
	P90SecondsAfter   *float64 `json:"p90_seconds_after"`
	UnreachedBefore   *int64   `json:"unreached_before"`
	UnreachedAfter    *int64   `json:"unreached_after"`
	// CostPerNewlyCovered is the investment cost per resident newly within
	// the standard in euros; nil when no one is newly covered or the cost
	// is not stated.
	CostPerNewlyCovered *float64 `json:"cost_per_newly_covered"`
}

// Completeness says whether a dossier has everything its ranking needs: a
// known effect and stated costs. Committee marks not yet entered are
// listed in Score.Missing but do not make a dossier incomplete.
type Completeness struct {
	Complete bool      `json:"complete"`
	Missing  []Missing `json:"missing"`
}

// Missing is one thing a dossier lacks, with the reason.
type Missing struct {
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

// Overlap is another proposal that serves some of the same residents for
// the same category and mode, or that lies at the same site.
type Overlap struct {
	ProjectID string `json:"project_id"`
	Title     string `json:"title"`
	// ResidentsGainedByBoth are residents who benefit from both proposals;
	// nil when either effect is unknown.
	ResidentsGainedByBoth *int64 `json:"residents_gained_by_both"`
	// NewlyWithinStandardByBoth are residents either proposal alone brings
	// within the standard; nil when either effect is unknown.
	NewlyWithinStandardByBoth *int64 `json:"newly_within_standard_by_both"`
	// SameSite is true when a site of each lies within SameSiteM metres.
	SameSite bool `json:"same_site"`
	// Duplicate is true for the same site, kind and category: the two are
	// most likely one need proposed twice.
	Duplicate bool `json:"duplicate"`
}

// MunicipalityBenefit is what one municipality gains from a project.
type MunicipalityBenefit struct {
	AGS                 string  `json:"ags"`
	Name                string  `json:"name"`
	Participating       bool    `json:"participating"`
	Beneficiaries       int64   `json:"beneficiaries"`         // residents whose time improves
	NewlyWithinStandard int64   `json:"newly_within_standard"` // residents newly inside the standard
	MeanSecondsBefore   float64 `json:"mean_seconds_before"`
	MeanSecondsAfter    float64 `json:"mean_seconds_after"`
}

// RankedProject is one row of the ranking.
type RankedProject struct {
	Rank             int     `json:"rank"`
	ID               string  `json:"id"`
	Title            string  `json:"title"`
	Score            float64 `json:"score"`
	RequestedFunding float64 `json:"requested_funding"`
	Selected         bool    `json:"selected"`
	// Eligible is false for an incomplete dossier; NotEligible says why.
	Eligible    bool      `json:"eligible"`
	NotEligible []Missing `json:"not_eligible,omitempty"`
}

// Ranking orders the proposals by score and marks the selection that
// maximises the joint score within the budget: residents who gain from
// several selected proposals count once. Only eligible (complete)
// proposals are selected.
type Ranking struct {
	Budget        float64 `json:"budget"`
	SelectedTotal float64 `json:"selected_funding"`
	// SelectedScore is the joint score of the selection; SumOfScores the
	// sum of its proposals' own scores (more when they overlap).
	SelectedScore float64 `json:"selected_score"`
	SumOfScores   float64 `json:"sum_of_scores"`
	// Optimal is true when no selection within the budget has a higher
	// joint score; otherwise the search stopped at its deadline and
	// OptimalityGap = (UpperBound − SelectedScore) / UpperBound is proven.
	Optimal         bool            `json:"optimal"`
	OptimalityGap   float64         `json:"optimality_gap"`
	UpperBound      float64         `json:"upper_bound"`
	DeadlineSeconds float64         `json:"deadline_seconds"`
	Projects        []RankedProject `json:"projects"`
	Method          string          `json:"method"`
	Provenance      Provenance      `json:"provenance"`
}

// SiteRequest asks for k sites for a category that cover the most
// uncovered residents within the standard.
type SiteRequest struct {
	Category   layers.Category
	Mode       layers.Mode
	K          int
	Candidates string // "central_places", "cells", "all"
}

// Site is one suggested site.
type Site struct {
	Rank         int       `json:"rank"`
	Location     orb.Point `json:"location"` // lon/lat
	Label        string    `json:"label"`
	AGS          string    `json:"ags"`
	NewlyCovered int64     `json:"newly_covered"`
}

// SiteResult lists the suggested sites in the order chosen, the total newly
// covered and the bound on how far the greedy choice can be from optimal.
type SiteResult struct {
	Category      layers.Category `json:"category"`
	Mode          layers.Mode     `json:"mode"`
	Sites         []Site          `json:"sites"`
	TotalCovered  int64           `json:"total_newly_covered"`
	UpperBound    int64           `json:"upper_bound"`    // no k sites can cover more
	OptimalityGap float64         `json:"optimality_gap"` // 1 − total/upper bound
	Provenance    Provenance      `json:"provenance"`
}
