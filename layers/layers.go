// Package layers is the vocabulary of the layers that reach keeps and serves:
// municipalities, memberships, the population grid, central places,
// facilities, road segments and proposed projects, plus the small ports
// (Store, Loader) that the PostGIS and in-memory stores implement.
//
// Geometries in this package are orb geometries in EPSG:25833 (ETRS89 / UTM
// zone 33N, metres, x = easting, y = northing) unless a field says otherwise.
// Grid cells are the exception: they are identified by their INSPIRE id and
// their geometry is in EPSG:3035 (ETRS89-LAEA), their native CRS. Features
// handed to the OGC read path (Feature) carry CRS84 (lon/lat) geometries.
//
// The package holds no JSON tags: wire formats live in internal/ogc and
// internal/httpapi.
package layers

import (
	"errors"
	"math"
	"time"

	"github.com/paulmach/orb"
)

// Collection ids as served by OGC API Features. Other tools rely on them.
const (
	CollMunicipalities = "municipalities"
	CollPopulationGrid = "population-grid"
	CollCentralPlaces  = "central-places"
	CollFacilities     = "facilities"
	CollRoads          = "roads"
	CollProjects       = "projects"
	CollMemberships    = "memberships"
)

// Errors shared by every store. Branch on them with errors.Is.
var (
	// ErrNotFound says that the requested feature, collection or record does
	// not exist.
	ErrNotFound = errors.New("layers: not found")
	// ErrInvalid says that input failed validation; wrap it with the field
	// and the value that were wrong.
	ErrInvalid = errors.New("layers: invalid input")
	// ErrConflict says that a record with the same key exists already (a
	// create that found its id taken, an idempotency key reused for another
	// body).
	ErrConflict = errors.New("layers: conflict")
	// ErrStale says that an update was based on a revision that is no
	// longer the current one.
	ErrStale = errors.New("layers: stale revision")
)

// Municipality is one Gemeinde, keyed by its 8-digit AGS.
type Municipality struct {
	AGS            string // Amtlicher Gemeindeschlüssel, 8 digits, "14…" in Saxony
	Name           string
	KreisAGS       string // 5 digits
	KreisName      string
	PlanningRegion string // Planungsregion (one of the four Saxon planning associations), "" if unknown
	// Geometry is the municipal territory in EPSG:25833; nil when unknown.
	Geometry orb.MultiPolygon
	// Population is the number of residents at PopulationDate; negative never.
	Population     int64
	PopulationDate time.Time // zero when unknown
	AreaKm2        float64   // official area; 0 when unknown
	// DEGURBA is the official degree of urbanisation (1 cities, 2 towns and
	// suburbs, 3 rural areas) or 0 where not given.
	DEGURBA int
	// Indicators holds typed indicator values by key (see IndicatorKeys for
	// the documented keys). A missing key means "no value".
	Indicators map[string]float64
}

// Density returns residents per km², or 0 when the area is unknown.
func (m Municipality) Density() float64 {
	if m.AreaKm2 <= 0 {
		return 0
	}
	return float64(m.Population) / m.AreaKm2
}

// Documented indicator keys. Values are stored per municipality in the
// key/value table municipality_indicators.
const (
	IndPurchasingPower      = "purchasing_power_eur_per_inhabitant" // Kaufkraft, EUR per inhabitant
	IndRetailPurchasing     = "retail_purchasing_power_eur_per_inhabitant"
	IndUnemployed           = "unemployed_count"              // registered unemployed, absolute
	IndSettlementShare      = "settlement_transport_area_pct" // share of settlement and transport area, %
	IndRecreationShare      = "recreation_area_pct"
	IndPopulationForecast   = "population_forecast" // forecast population (see IndForecastYear)
	IndForecastYear         = "population_forecast_year"
	IndPopulationChangePct  = "population_change_pct" // change to the forecast, %
	IndShare65Plus          = "share_65plus_pct"
	IndPopulationZensus2022 = "population_zensus2022"
	// Population-weighted mean travel time in minutes of the municipality's
	// populated cells to the nearest Mittelzentrum (or higher) and the
	// nearest Oberzentrum, by car and by bicycle; 0 for the centres
	// themselves. Computed by reach analyze and also served as properties
	// of their own (CentreIndicatorKeys).
	IndCarMinutesMittelzentrum     = "car_minutes_to_mittelzentrum"
	IndCarMinutesOberzentrum       = "car_minutes_to_oberzentrum"
	IndBicycleMinutesMittelzentrum = "bicycle_minutes_to_mittelzentrum"
	IndBicycleMinutesOberzentrum   = "bicycle_minutes_to_oberzentrum"
	// The same by public transport (the median over the default departure
	// window, waiting included), over the residents whose cell the
	// timetable serves: absent where it serves none of them. Their share of
	// the municipality's residents, in percent, is IndTransitShare… of the same level.
	IndTransitMinutesMittelzentrum = "transit_minutes_to_mittelzentrum"
	IndTransitMinutesOberzentrum   = "transit_minutes_to_oberzentrum"
	IndTransitShareMittelzentrum   = "transit_share_to_mittelzentrum_pct"
	IndTransitShareOberzentrum     = "transit_share_to_oberzentrum_pct"
)

// CentreIndicatorKeys are the central-place indicators that the
// municipalities collection serves as properties of their own.
var CentreIndicatorKeys = []string{IndCarMinutesMittelzentrum, IndCarMinutesOberzentrum, IndBicycleMinutesMittelzentrum, IndBicycleMinutesOberzentrum,
	IndTransitMinutesMittelzentrum, IndTransitMinutesOberzentrum, IndTransitShareMittelzentrum, IndTransitShareOberzentrum}

// MembershipKind names a kind of grouping of municipalities.
type MembershipKind string

// Membership kinds.
const (
	KindVerbund                 MembershipKind = "verbund"                 // central-place Verbund or Städteverbund
	KindVerwaltungsgemeinschaft MembershipKind = "verwaltungsgemeinschaft" // VG or Verwaltungsverband
	KindMittelbereich           MembershipKind = "mittelbereich"           // area served by a Mittelzentrum
)

// Membership links one municipality to one group. A municipality may belong
// to several groups of the same kind (two Mittelbereiche, for example).
type Membership struct {
	AGS       string
	Kind      MembershipKind
	GroupID   string // stable key of the group, e.g. the Verband ARS or a slug
	GroupName string
}

// Cell is one populated or unpopulated cell of the INSPIRE population grid.
// Its geometry follows from ID (see geo/grid) and is in EPSG:3035.
type Cell struct {
	ID          string // INSPIRE id such as "1kmN3108E4561" or "100mN31080E45610"
	ResolutionM int    // 100 or 1000
	// Population is the resident count when Known; when the statistical
	// office kept the value secret (Zensus "-1" or "–"), Known is false and
	// Population is 0. It is never negative.
	Population int64
	Known      bool
	// ShareUnder18 and Share65Plus are percentages (0–100) or nil where not given.
	ShareUnder18 *float64
	Share65Plus  *float64
	AGS          string // municipality containing the cell centre, "" if outside
	// Year is the reference year of the count (2011, 2022, …); 0 if unknown.
	Year int
}

// Level is the level of a central place in the Saxon Zentrale-Orte system.
type Level int

// Levels, ordered so that a higher value is a higher central place.
const (
	LevelNone          Level = 0
	LevelGrundzentrum  Level = 1
	LevelMittelzentrum Level = 2
	LevelOberzentrum   Level = 3
)

// String returns the German name of the level.
func (l Level) String() string {
	switch l {
	case LevelGrundzentrum:
		return "Grundzentrum"
	case LevelMittelzentrum:
		return "Mittelzentrum"
	case LevelOberzentrum:
		return "Oberzentrum"
	}
	return ""
}

// ParseLevel reads a level name (German, case-insensitive, "Unterzentrum"
// counting as Grundzentrum). It returns LevelNone and false when the name is
// not a level.
func ParseLevel(s string) (Level, bool) {
	switch normalise(s) {
	case "oberzentrum", "oz":
		return LevelOberzentrum, true
	case "mittelzentrum", "mz":
		return LevelMittelzentrum, true
	case "grundzentrum", "gz", "unterzentrum", "kleinzentrum":
		return LevelGrundzentrum, true
	}
	return LevelNone, false
}

// CentralPlace is one central place (Zentraler Ort) as designated by the
// Landesentwicklungsplan or a Regionalplan. Places in a Verbund share the
// Verbund name; each row names its own municipality.
type CentralPlace struct {
	ID             string // stable key; the AGS of the municipality for one-municipality places
	Name           string
	Level          Level
	LEPType        string   // LEP 2013 subtype, e.g. "M", "MVR", "MELR"; "" if none
	Verbund        string   // name of the Verbund, "" if none
	Members        []string // AGS of the member municipalities (at least the place's own)
	AGS            string   // the municipality the place lies in
	KreisAGS       string
	PlanningRegion string
	Location       orb.Point // EPSG:25833; zero when unknown
	Source         string
	// LocationSource says where Location came from: LocDestatisSeat,
	// LocOSMPlace, LocInteriorPoint or LocGeometry; "" when unknown.
	LocationSource string
}

// Sources of a central place's location, best first.
const (
	LocGeometry      = "geometry"       // the point given in the file
	LocDestatisSeat  = "destatis_seat"  // the municipality's coordinate in the Destatis Gemeindeverzeichnis
	LocOSMPlace      = "osm_place"      // the OSM place=city|town|village node of that name inside the municipality
	LocInteriorPoint = "interior_point" // a point inside the municipality's polygon
)

// Category is a service category from the facility catalogue.
type Category string

// Service categories. Catalogue lists them in a stable order.
const (
	CatGeneralPractice Category = "general_practice"
	CatHospital        Category = "hospital"
	CatPharmacy        Category = "pharmacy"
	CatDentist         Category = "dentist"
	CatPrimarySchool   Category = "primary_school"
	CatSecondarySchool Category = "secondary_school"
	CatGymnasium       Category = "gymnasium"
	CatKita            Category = "kita"
	CatFireStation     Category = "fire_station"
	CatSports          Category = "sports"
	CatSeniorCare      Category = "senior_care"
	CatTownHall        Category = "town_hall"
	CatCommunityCentre Category = "community_centre"
	CatWaterSupply     Category = "water_supply"
	CatSewage          Category = "sewage"
)

// CategoryInfo describes one category of the catalogue.
type CategoryInfo struct {
	Category Category
	Title    string // German title for planners
	TitleEN  string
}

// Catalogue is the list of service categories, in a stable order.
var catalogue = []CategoryInfo{
	{CatGeneralPractice, "Hausarztpraxis", "General practice"},
	{CatHospital, "Krankenhaus", "Hospital"},
	{CatPharmacy, "Apotheke", "Pharmacy"},
	{CatDentist, "Zahnarztpraxis", "Dentist"},
	{CatPrimarySchool, "Grundschule", "Primary school"},
	{CatSecondarySchool, "Oberschule", "Secondary school"},
	{CatGymnasium, "Gymnasium", "Gymnasium"},
	{CatKita, "Kindertagesstätte", "Day-care centre (Kita)"},
	{CatFireStation, "Feuerwehr", "Fire station"},
	{CatSports, "Sportstätte", "Sports facility"},
	{CatSeniorCare, "Senioreneinrichtung", "Senior care"},
	{CatTownHall, "Rathaus", "Town hall"},
	{CatCommunityCentre, "Gemeinschaftshaus", "Community centre"},
	{CatWaterSupply, "Trinkwasserversorgung", "Drinking water"},
	{CatSewage, "Abwasserentsorgung", "Sewage"},
}

// Categories returns the catalogue of service categories in a stable order.
// The returned slice is a copy.
func Categories() []CategoryInfo {
	return append([]CategoryInfo(nil), catalogue...)
}

// Valid reports whether c is in the catalogue.
func (c Category) Valid() bool {
	for _, ci := range catalogue {
		if ci.Category == c {
			return true
		}
	}
	return false
}

// Facility is one site offering a service of a category.
type Facility struct {
	ID       string // stable key, e.g. "school:2089-1", "osm:node/123", "hospital:261400017_001_772142"
	Category Category
	Name     string
	Location orb.Point // EPSG:25833
	Capacity *float64  // places, beds, …; nil when unknown
	Source   string    // where the record came from
	AGS      string    // municipality of the site, "" when unknown
	// OpeningHours are the opening times in the OSM opening_hours syntax that
	// ParseOpeningHours reads; "" when unknown (counted as always open).
	OpeningHours string
}

// Mode is a means of travel.
type Mode string

// Travel modes.
const (
	Car     Mode = "car"
	Bicycle Mode = "bicycle"
	Foot    Mode = "foot"
)

// Transit is public transport on a timetable (layers.TransitFeed). It is not a road mode:
// Modes and ParseMode leave it out; the catalogue and the analyses accept it where they say so.
const Transit Mode = "transit"

// Modes lists the modes in a stable order.
func Modes() []Mode { return []Mode{Car, Bicycle, Foot} }

// ParseMode reads a mode name.
func ParseMode(s string) (Mode, bool) {
	switch Mode(s) {
	case Car, Bicycle, Foot:
		return Mode(s), true
	}
	return "", false
}

// Access says how one mode may use a road segment.
type Access struct {
	Forward  bool    // may travel from the first to the last vertex
	Backward bool    // may travel from the last to the first vertex
	SpeedKmh float64 // travel speed on the segment; 0 when neither direction is open
}

// RoadSegment is a piece of an OSM way between two network nodes (junctions
// or way ends), with what each mode may do on it.
type RoadSegment struct {
	ID        int64          // stable segment key, unique in the layer
	WayID     int64          // OSM way id
	FromNode  int64          // OSM node id of the first vertex
	ToNode    int64          // OSM node id of the last vertex
	Geometry  orb.LineString // EPSG:25833, from FromNode to ToNode
	Highway   string         // OSM highway class, or "ferry"
	Name      string
	Ref       string
	LengthM   float64 // length of Geometry in metres
	Car       Access
	Bicycle   Access
	Foot      Access
	Oneway    bool    // oneway for cars as tagged or implied
	DurationS float64 // fixed traversal time in seconds (ferries with duration); 0 if speed-based
}

// Access returns the access of mode m.
func (r RoadSegment) Access(m Mode) Access {
	switch m {
	case Car:
		return r.Car
	case Bicycle:
		return r.Bicycle
	case Foot:
		return r.Foot
	}
	return Access{}
}

// ProjectKind is what a proposal does.
type ProjectKind string

// Project kinds.
const (
	KindNewFacility ProjectKind = "new_facility" // a new facility at one or more sites (Point or MultiPoint)
	KindRoadUpgrade ProjectKind = "road_upgrade" // upgrade of road segments or a new link (LineString or MultiLineString)
	KindAreaService ProjectKind = "area_service" // service over an area such as water or sewage (Polygon or MultiPolygon)
	// KindFacilityUpgrade improves an existing facility (capacity, opening
	// hours, accessibility) at its site (Point): it refers to the facility
	// by FacilityID, or to the nearest facility of its category to the point.
	KindFacilityUpgrade ProjectKind = "facility_upgrade"
)

// ProjectKinds returns the project kinds in a stable order.
func ProjectKinds() []ProjectKind {
	return []ProjectKind{KindNewFacility, KindRoadUpgrade, KindAreaService, KindFacilityUpgrade}
}

// Valid reports whether k is one of ProjectKinds.
func (k ProjectKind) Valid() bool {
	for _, x := range ProjectKinds() {
		if k == x {
			return true
		}
	}
	return false
}

// CatOther is the category of a project whose field of the call has no
// category of the catalogue. It is valid for projects only: no facility
// has it and no standard exists for it, so a project of this category is
// assessed as "unknown".
const CatOther Category = "other"

// ValidForProject reports whether c may be a project's category: a
// category of the catalogue or CatOther.
func (c Category) ValidForProject() bool { return c == CatOther || c.Valid() }

// MaxMoneyEUR is the largest amount of money a project may state, in
// euros (100 million €, far above the scale of the programme: the call of
// "Vitale Regionen" has 2 million € a year). Larger amounts are refused as
// input errors; it also keeps sums of cents far from int64 overflow.
const MaxMoneyEUR = 100_000_000

// Cents converts euros to integer cents, rounded to the nearest cent. The
// caller checks the range (0 ≤ eur ≤ MaxMoneyEUR) first.
func Cents(eur float64) int64 { return int64(math.Round(eur * 100)) }

// Project is one proposal for funding.
type Project struct {
	ID             string
	Title          string
	Applicant      string
	Municipalities []string // AGS of participating municipalities
	Category       Category
	Kind           ProjectKind
	// Geometry is in EPSG:25833: sites, road links or the service area.
	Geometry         orb.Geometry
	InvestmentCost   float64 // EUR
	RequestedFunding float64 // EUR
	PlanningRegion   string
	Status           string // "submitted", "selected", …
	SubmittedAt      time.Time
	// SpeedKmh is the design speed of an upgraded or new road (road_upgrade only); 0 = keep or default.
	SpeedKmh float64
	// Innovation and Transferability are the committee's marks (0–10), nil until entered.
	Innovation      *float64
	Transferability *float64
	Synthetic       bool // true for projects of the demo region
	// Source says where the proposal came from and is the unit of
	// replacement: "api" for submissions through the HTTP API, "file:NAME"
	// for an import of the file NAME, "demo" for the demo region. ReplaceProjects
	// replaces the projects of one source only.
	Source string
	// SubmittedBy names who submitted it through the API (a token name), "" otherwise.
	SubmittedBy string
	// Revision counts the stored versions of the project, starting at 1;
	// stores set it, and an update names the revision it was based on.
	Revision int64
	// LocationSource says where the geometry came from when it was not
	// drawn by the applicant, e.g. "seat of municipality 14523360 (…)";
	// "" when the geometry was given.
	LocationSource string
	// Upgrade says what a facility_upgrade changes; nil for other kinds.
	Upgrade *Upgrade
}

// Upgrade is what a facility_upgrade project changes at one facility.
// At least one change is stated for an assessable upgrade.
type Upgrade struct {
	// FacilityID names the facility improved; "" means the nearest
	// facility of the project's category to its site.
	FacilityID string
	// CapacityChange is the change of capacity in the facility's unit
	// (places, beds, doctors); nil when not stated.
	CapacityChange *float64
	// OpeningHoursChange is the change of opening hours per week; nil
	// when not stated.
	OpeningHoursChange *float64
	// AccessibleFor names a population group whose access improves (for
	// example "wheelchair users"), "" when none.
	AccessibleFor string
}

// normalise lower-cases ASCII letters and trims spaces.
func normalise(s string) string {
	b := []byte(s)
	start, end := 0, len(b)
	for start < end && (b[start] == ' ' || b[start] == '\t') {
		start++
	}
	for end > start && (b[end-1] == ' ' || b[end-1] == '\t') {
		end--
	}
	out := make([]byte, 0, end-start)
	for _, c := range b[start:end] {
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		out = append(out, c)
	}
	return string(out)
}
