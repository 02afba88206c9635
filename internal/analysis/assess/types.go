package assess

import (
	"github.com/paulmach/orb/geojson"

	"reach/internal/analysis"
	"reach/internal/appraisal"
	"reach/layers"
)

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
	Provenance     analysis.Provenance   `json:"provenance"`
	// Details holds what only one kind of project has, typed per kind (see
	// Details); nil when the project got no further than its kind.
	Details *Details `json:"details,omitempty"`
	// Need is the need side: distribution of access times of the demand
	// group before and after, today and in every loaded projection, the
	// supply ratio before and after, and for fire stations the share
	// within the arrival limit per municipality; nil when the effect is
	// unknown or analysis.Options.NeedSection is not set (the need package
	// gives a *need.Dossier).
	Need any `json:"need,omitempty"`
	// Transit is the public transport side of a project that adds facilities: residents newly
	// within the transit standard and the median times over the default departure window,
	// without and with the sites; nil without a timetable (internal/analysis/transit gives a
	// *transit.FacilityEffect).
	Transit any `json:"transit,omitempty"`
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
	Optimal         bool                `json:"optimal"`
	OptimalityGap   float64             `json:"optimality_gap"`
	UpperBound      float64             `json:"upper_bound"`
	DeadlineSeconds float64             `json:"deadline_seconds"`
	Projects        []RankedProject     `json:"projects"`
	Method          string              `json:"method"`
	Provenance      analysis.Provenance `json:"provenance"`
}

// Details is what only one kind of project has. The part of the project's
// kind is set, the others are nil; the members of each part appear at the
// top level of the JSON object "details".
type Details struct {
	// SiteMunicipalities are the AGS of the municipalities of the sites of
	// a new facility or a facility upgrade.
	SiteMunicipalities []string `json:"site_municipalities,omitempty"`
	*NewFacilityDetails
	*RoadUpgradeDetails
	*AreaServiceDetails
	*FacilityUpgradeDetails
}

// NewFacilityDetails are the catchment of the new sites and where each
// site meets the network.
type NewFacilityDetails struct {
	// Catchment holds the bands of travel to the sites at half the
	// standard and at the standard.
	Catchment []CatchmentBand     `json:"catchment"`
	Sites     []analysis.SnapInfo `json:"sites"`
}

// CatchmentBand is one band of a new facility's catchment.
type CatchmentBand struct {
	FromMinutes float64 `json:"from_minutes"`
	Minutes     float64 `json:"to_minutes"`
	// Population counts the ring from_minutes–to_minutes,
	// CumulativePopulation everyone within to_minutes.
	Population           int64 `json:"population"`
	CumulativePopulation int64 `json:"cumulative_population"`
	Cells                int   `json:"cells"` // populated cells in the ring
	// Geometry is the area within to_minutes, lon/lat.
	Geometry *geojson.Geometry `json:"geometry"`
}

// RoadUpgradeDetails are the road segments a road project changes and its
// effect on every category with facilities and a standard for the mode.
type RoadUpgradeDetails struct {
	RoadChanges RoadChanges      `json:"road_changes"`
	Categories  []CategoryEffect `json:"categories"`
}

// RoadChanges says what a road project changes on the road layer.
type RoadChanges struct {
	// UpgradedSegments are the ids of the existing segments along the
	// project's lines, ascending.
	UpgradedSegments []int64 `json:"upgraded_segments"`
	// NewLinks counts the lines along no existing segment, added as roads.
	NewLinks int     `json:"new_links"`
	SpeedKmh float64 `json:"speed_kmh"`
}

// CategoryEffect is the effect of a road project on one category.
type CategoryEffect struct {
	Category            layers.Category `json:"category"`
	StandardMinutes     float64         `json:"standard_minutes"`
	NewlyWithinStandard int64           `json:"newly_within_standard"`
	Beneficiaries       int64           `json:"beneficiaries"`
	CellsChanged        int             `json:"cells_changed"`
	eff                 *projectEffect
}

// AreaServiceDetails are the residents inside an area service's area, a
// fact while who would gain is unknown.
type AreaServiceDetails struct {
	PopulationInside int64   `json:"population_inside"`
	CellsInside      int     `json:"cells_inside"`
	AreaKm2          float64 `json:"area_km2"`
}

// FacilityUpgradeDetails are what an upgrade changes and the facility it
// concerns.
type FacilityUpgradeDetails struct {
	// CapacityChange, OpeningHoursChange and AccessibleFor are as the
	// proposal states them (null when not stated).
	CapacityChange     *float64 `json:"capacity_change"`
	OpeningHoursChange *float64 `json:"opening_hours_change"`
	AccessibleFor      string   `json:"accessible_for"`
	// FacilityID and FacilityName name the facility upgraded once found;
	// FacilityDistanceM is its distance from the site when it was found as
	// the nearest of its category.
	FacilityID        string   `json:"facility_id,omitempty"`
	FacilityName      string   `json:"facility_name,omitempty"`
	FacilityDistanceM *float64 `json:"facility_distance_m,omitempty"`
	// ServedResidents are the residents whose nearest facility of the
	// category it is.
	ServedResidents *int64 `json:"served_residents,omitempty"`
}
