package layers

import (
	"strconv"
	"strings"

	"github.com/paulmach/orb"

	"reach/geo/crs"
	"reach/geo/grid"
)

// This file turns domain values into served features, so that every store
// serves exactly the same properties under the same names.

// CollectionInfo returns the static description of a served collection
// (title, properties, storage CRS); Extent and Synthetic are left for the
// store to fill. ok is false for an unknown id.
func CollectionInfo(id string) (Collection, bool) {
	for _, c := range collectionInfos {
		if c.ID == id {
			c.Properties = append([]PropertyInfo(nil), c.Properties...)
			return c, true
		}
	}
	return Collection{}, false
}

// CollectionIDs lists the ids of the base layers in a stable order.
func CollectionIDs() []string {
	out := make([]string, len(collectionInfos))
	for i, c := range collectionInfos {
		out[i] = c.ID
	}
	return out
}

var collectionInfos = []Collection{
	{
		ID: CollMunicipalities, Title: "Municipalities (Gemeinden)", StorageCRS: 25833, GeometryType: "MultiPolygon",
		Description: "Municipalities keyed by AGS with population, area, density, official DEGURBA class and indicators.",
		Properties: []PropertyInfo{
			{Name: "ags", Type: "string", Description: "Amtlicher Gemeindeschlüssel (8 digits)", Filterable: true},
			{Name: "name", Type: "string", Filterable: true},
			{Name: "kreis_ags", Type: "string", Filterable: true},
			{Name: "kreis", Type: "string"},
			{Name: "planning_region", Type: "string", Filterable: true},
			{Name: "population", Type: "integer"},
			{Name: "population_date", Type: "string", Format: "date", Description: "reference date of population (YYYY-MM-DD)"},
			{Name: "area_km2", Type: "number", Unit: "km²"},
			{Name: "density", Type: "number", Unit: "1/km²", Description: "residents per km²"},
			{Name: "degurba", Type: "integer", Description: "official degree of urbanisation: 1 cities, 2 towns and suburbs, 3 rural areas; null if not given"},
			{Name: "indicators", Type: "object", Description: "indicator values by key"},
			{Name: IndCarMinutesMittelzentrum, Type: "number", Description: "population-weighted mean car minutes to the nearest Mittelzentrum or higher (0 for the centres); null until reach analyze"},
			{Name: IndCarMinutesOberzentrum, Type: "number", Description: "population-weighted mean car minutes to the nearest Oberzentrum (0 for the centres); null until reach analyze"},
			{Name: IndBicycleMinutesMittelzentrum, Type: "number", Description: "as car_minutes_to_mittelzentrum, by bicycle"},
			{Name: IndBicycleMinutesOberzentrum, Type: "number", Description: "as car_minutes_to_oberzentrum, by bicycle"},
			{Name: IndTransitMinutesMittelzentrum, Type: "number", Description: "as car_minutes_to_mittelzentrum, by public transport (median over the default departure window, waiting included), over the residents whose cell the timetable serves; null where it serves none"},
			{Name: IndTransitMinutesOberzentrum, Type: "number", Description: "as car_minutes_to_oberzentrum, by public transport, over the residents whose cell the timetable serves"},
			{Name: IndTransitShareMittelzentrum, Type: "number", Unit: "%", Description: "share in percent of the residents for whom transit_minutes_to_mittelzentrum was found"},
			{Name: IndTransitShareOberzentrum, Type: "number", Unit: "%", Description: "share in percent of the residents for whom transit_minutes_to_oberzentrum was found"},
		},
	},
	{
		ID: CollPopulationGrid, Title: "Population grid (Zensus, INSPIRE)", StorageCRS: 3035, GeometryType: "Polygon",
		Description: "Zensus population per INSPIRE grid cell (EPSG:3035). Secret cells have population null.",
		Properties: []PropertyInfo{
			{Name: "inspire_id", Type: "string", Filterable: true},
			{Name: "resolution_m", Type: "integer", Unit: "m", Filterable: true},
			{Name: "population", Type: "integer", Description: "residents; null where the statistical office kept the value secret"},
			{Name: "secret", Type: "boolean"},
			{Name: "share_under_18", Type: "number", Unit: "%", Description: "% under 18, null if not given"},
			{Name: "share_65_plus", Type: "number", Unit: "%", Description: "% aged 65 and over, null if not given"},
			{Name: "ags", Type: "string", Description: "municipality of the cell centre", Filterable: true},
			{Name: "year", Type: "integer"},
		},
	},
	{
		ID: CollCentralPlaces, Title: "Central places (Zentrale Orte)", StorageCRS: 25833, GeometryType: "Point",
		Description: "Ober-, Mittel- and Grundzentren with LEP subtype and Verbund.",
		Properties: []PropertyInfo{
			{Name: "name", Type: "string"},
			{Name: "level", Type: "string", Description: "Oberzentrum, Mittelzentrum or Grundzentrum", Filterable: true},
			{Name: "level_rank", Type: "integer", Description: "3 Oberzentrum, 2 Mittelzentrum, 1 Grundzentrum"},
			{Name: "lep_type", Type: "string"},
			{Name: "verbund", Type: "string", Filterable: true},
			{Name: "members", Type: "array", Description: "AGS of member municipalities"},
			{Name: "ags", Type: "string", Filterable: true},
			{Name: "kreis_ags", Type: "string", Filterable: true},
			{Name: "planning_region", Type: "string", Filterable: true},
			{Name: "source", Type: "string"},
			{Name: "location_source", Type: "string", Description: "where the point comes from: geometry (given), destatis_seat, osm_place or interior_point"},
		},
	},
	{
		ID: CollFacilities, Title: "Facilities", StorageCRS: 25833, GeometryType: "Point",
		Description: "Public service facilities by service category.",
		Properties: []PropertyInfo{
			{Name: "category", Type: "string", Filterable: true},
			{Name: "name", Type: "string"},
			{Name: "capacity", Type: "number"},
			{Name: "source", Type: "string", Filterable: true},
			{Name: "ags", Type: "string", Filterable: true},
			{Name: "opening_hours", Type: "string", Description: "opening times in the OSM opening_hours syntax (weekdays and time ranges); null when unknown, counted as always open"},
		},
	},
	{
		ID: CollRoads, Title: "Road network", StorageCRS: 25833, GeometryType: "LineString",
		Description: "Road segments between network nodes with speed and access per mode.",
		Properties: []PropertyInfo{
			{Name: "way_id", Type: "integer"},
			{Name: "highway", Type: "string", Filterable: true},
			{Name: "name", Type: "string"},
			{Name: "ref", Type: "string"},
			{Name: "length_m", Type: "number", Unit: "m"},
			{Name: "oneway", Type: "boolean"},
			{Name: "car_forward", Type: "boolean"}, {Name: "car_backward", Type: "boolean"}, {Name: "car_kmh", Type: "number", Unit: "km/h"},
			{Name: "bicycle_forward", Type: "boolean"}, {Name: "bicycle_backward", Type: "boolean"}, {Name: "bicycle_kmh", Type: "number", Unit: "km/h"},
			{Name: "foot_forward", Type: "boolean"}, {Name: "foot_backward", Type: "boolean"}, {Name: "foot_kmh", Type: "number", Unit: "km/h"},
			{Name: "duration_s", Type: "number", Unit: "s", Description: "fixed traversal time (ferries); null if speed-based"},
		},
	},
	{
		ID: CollProjects, Title: "Proposed projects", StorageCRS: 25833, GeometryType: "Geometry",
		Description: "Proposals for funding: new facilities, road upgrades and area services.",
		Properties: []PropertyInfo{
			{Name: "title", Type: "string"},
			{Name: "applicant", Type: "string"},
			{Name: "municipalities", Type: "array"},
			{Name: "category", Type: "string", Filterable: true},
			{Name: "kind", Type: "string", Filterable: true},
			{Name: "investment_cost", Type: "number", Unit: "EUR", Description: "EUR; null when not stated"},
			{Name: "requested_funding", Type: "number", Unit: "EUR", Description: "EUR; null when not stated"},
			{Name: "planning_region", Type: "string", Filterable: true},
			{Name: "status", Type: "string", Filterable: true},
			{Name: "submitted_at", Type: "string", Format: "date-time"},
			{Name: "speed_kmh", Type: "number", Unit: "km/h", Description: "design speed of an upgraded or new road; null if not given"},
			{Name: "innovation", Type: "number", Description: "committee mark 0–10; null until entered"},
			{Name: "transferability", Type: "number", Description: "committee mark 0–10; null until entered"},
			{Name: "synthetic", Type: "boolean"},
			{Name: "location_source", Type: "string", Description: "where the geometry came from when the applicant gave none; null when drawn"},
			{Name: "facility_id", Type: "string", Description: "facility_upgrade: the facility improved; null means the nearest of the category"},
			{Name: "capacity_change", Type: "number", Description: "facility_upgrade: change of capacity (places, beds, doctors)"},
			{Name: "opening_hours_change", Type: "number", Description: "facility_upgrade: change of opening hours per week"},
			{Name: "accessible_for", Type: "string", Description: "facility_upgrade: population group whose access improves"},
		},
	},
}

func optFloat(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

func optPositive(v float64) any {
	if v <= 0 {
		return nil
	}
	return v
}

func optString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func toLonLat(g orb.Geometry, from crs.Code) orb.Geometry {
	if g == nil {
		return nil
	}
	return crs.MustProject(g, from, crs.CRS84)
}

// MunicipalityFeature returns the served feature of m.
func MunicipalityFeature(m Municipality) Feature {
	var g orb.Geometry
	if len(m.Geometry) > 0 {
		g = toLonLat(m.Geometry, crs.UTM33N)
	}
	var date any
	if !m.PopulationDate.IsZero() {
		date = m.PopulationDate.Format("2006-01-02")
	}
	var deg any
	if m.DEGURBA > 0 {
		deg = int64(m.DEGURBA)
	}
	ind := map[string]float64{}
	for k, v := range m.Indicators {
		ind[k] = v
	}
	props := []Property{
		{"ags", m.AGS}, {"name", m.Name}, {"kreis_ags", optString(m.KreisAGS)}, {"kreis", optString(m.KreisName)},
		{"planning_region", optString(m.PlanningRegion)}, {"population", m.Population}, {"population_date", date},
		{"area_km2", m.AreaKm2}, {"density", round(m.Density(), 1)}, {"degurba", deg}, {"indicators", ind},
	}
	for _, k := range CentreIndicatorKeys {
		var v any
		if x, ok := m.Indicators[k]; ok {
			v = round(x, 2)
		}
		props = append(props, Property{k, v})
	}
	f := Feature{ID: m.AGS, Geometry: g, Properties: props}
	if g != nil {
		f.Stored, f.StoredCRS = m.Geometry, crs.UTM33N
	}
	return f
}

// CellFeature returns the served feature of c. A cell whose id cannot be
// parsed gets no geometry.
func CellFeature(c Cell) Feature {
	if id, err := grid.ParseID(c.ID); err == nil {
		sq := id.Polygon()
		return CellFeatureWithGeometry(c, toLonLat(sq, crs.LAEA), sq)
	}
	return CellFeatureWithGeometry(c, nil, nil)
}

// CellFeatureWithGeometry is CellFeature with the geometries given, for a
// source that projects the corners of many cells once each: stored is the
// cell's square in EPSG:3035 (grid.ID.Polygon) and served what CellFeature
// computes from it (each vertex transformed to CRS84 with crs.Transform);
// both nil for a cell whose id cannot be parsed.
func CellFeatureWithGeometry(c Cell, served orb.Geometry, stored orb.Polygon) Feature {
	return CellFeatureInto(make([]Property, CellProperties), c, served, stored)
}

// CellProperties is the number of properties of a cell's feature.
const CellProperties = 8

// CellFeatureInto is CellFeatureWithGeometry with the properties written
// into props (at least CellProperties long), for a source that builds the
// features of a page from one allocation.
func CellFeatureInto(props []Property, c Cell, served orb.Geometry, stored orb.Polygon) Feature {
	g := served
	var pop any
	if c.Known {
		pop = c.Population
	}
	var year any
	if c.Year > 0 {
		year = int64(c.Year)
	}
	props = props[:CellProperties:CellProperties]
	props[0] = Property{"inspire_id", c.ID}
	props[1] = Property{"resolution_m", int64(c.ResolutionM)}
	props[2] = Property{"population", pop}
	props[3] = Property{"secret", !c.Known}
	props[4] = Property{"share_under_18", optFloat(c.ShareUnder18)}
	props[5] = Property{"share_65_plus", optFloat(c.Share65Plus)}
	props[6] = Property{"ags", optString(c.AGS)}
	props[7] = Property{"year", year}
	f := Feature{ID: c.ID, Geometry: g, Properties: props}
	if g != nil && stored != nil {
		f.Stored, f.StoredCRS = stored, crs.LAEA
	}
	return f
}

// CentralPlaceFeature returns the served feature of p.
func CentralPlaceFeature(p CentralPlace) Feature {
	var g orb.Geometry
	if p.Location != (orb.Point{}) {
		g = toLonLat(p.Location, crs.UTM33N)
	}
	members := append([]string{}, p.Members...)
	f := Feature{ID: p.ID, Geometry: g, Properties: []Property{
		{"name", p.Name}, {"level", p.Level.String()}, {"level_rank", int64(p.Level)}, {"lep_type", optString(p.LEPType)},
		{"verbund", optString(p.Verbund)}, {"members", members}, {"ags", p.AGS}, {"kreis_ags", optString(p.KreisAGS)},
		{"planning_region", optString(p.PlanningRegion)}, {"source", optString(p.Source)},
		{"location_source", optString(p.LocationSource)},
	}}
	if g != nil {
		f.Stored, f.StoredCRS = p.Location, crs.UTM33N
	}
	return f
}

// FacilityFeature returns the served feature of f.
func FacilityFeature(f Facility) Feature {
	return Feature{ID: f.ID, Geometry: toLonLat(f.Location, crs.UTM33N), Stored: f.Location, StoredCRS: crs.UTM33N, Properties: []Property{
		{"category", string(f.Category)}, {"name", f.Name}, {"capacity", optFloat(f.Capacity)},
		{"source", optString(f.Source)}, {"ags", optString(f.AGS)}, {"opening_hours", optString(f.OpeningHours)},
	}}
}

// RoadFeature returns the served feature of r. Its id is the decimal segment id.
func RoadFeature(r RoadSegment) Feature {
	var dur any
	if r.DurationS > 0 {
		dur = r.DurationS
	}
	return Feature{ID: strconv.FormatInt(r.ID, 10), Geometry: toLonLat(r.Geometry, crs.UTM33N), Stored: r.Geometry, StoredCRS: crs.UTM33N, Properties: []Property{
		{"way_id", r.WayID}, {"highway", r.Highway}, {"name", optString(r.Name)}, {"ref", optString(r.Ref)},
		{"length_m", round(r.LengthM, 1)}, {"oneway", r.Oneway},
		{"car_forward", r.Car.Forward}, {"car_backward", r.Car.Backward}, {"car_kmh", r.Car.SpeedKmh},
		{"bicycle_forward", r.Bicycle.Forward}, {"bicycle_backward", r.Bicycle.Backward}, {"bicycle_kmh", r.Bicycle.SpeedKmh},
		{"foot_forward", r.Foot.Forward}, {"foot_backward", r.Foot.Backward}, {"foot_kmh", r.Foot.SpeedKmh},
		{"duration_s", dur},
	}}
}

// ProjectFeature returns the served feature of p.
func ProjectFeature(p Project) Feature {
	var u Upgrade
	if p.Upgrade != nil {
		u = *p.Upgrade
	}
	var sub any
	if !p.SubmittedAt.IsZero() {
		sub = p.SubmittedAt.UTC().Format("2006-01-02T15:04:05Z")
	}
	return Feature{ID: p.ID, Geometry: toLonLat(p.Geometry, crs.UTM33N), Stored: p.Geometry, StoredCRS: crs.UTM33N, Properties: []Property{
		{"title", p.Title}, {"applicant", optString(p.Applicant)}, {"municipalities", append([]string{}, p.Municipalities...)},
		{"category", optString(string(p.Category))}, {"kind", string(p.Kind)}, {"investment_cost", optPositive(p.InvestmentCost)},
		{"requested_funding", optPositive(p.RequestedFunding)}, {"planning_region", optString(p.PlanningRegion)},
		{"status", optString(p.Status)}, {"submitted_at", sub}, {"speed_kmh", optPositive(p.SpeedKmh)},
		{"innovation", optFloat(p.Innovation)}, {"transferability", optFloat(p.Transferability)}, {"synthetic", p.Synthetic},
		{"location_source", optString(p.LocationSource)}, {"facility_id", optString(u.FacilityID)},
		{"capacity_change", optFloat(u.CapacityChange)}, {"opening_hours_change", optFloat(u.OpeningHoursChange)},
		{"accessible_for", optString(u.AccessibleFor)},
	}}
}

// CompareIDs orders the feature ids of a collection for keyset paging: road
// ids numerically (they are decimal integers), every other id bytewise (as
// PostgreSQL's "C" collation does).
func CompareIDs(collection, a, b string) int {
	if collection == CollRoads {
		ai, aerr := strconv.ParseInt(a, 10, 64)
		bi, berr := strconv.ParseInt(b, 10, 64)
		if aerr == nil && berr == nil {
			switch {
			case ai < bi:
				return -1
			case ai > bi:
				return 1
			}
			return 0
		}
	}
	return strings.Compare(a, b)
}

func round(v float64, digits int) float64 {
	p := 1.0
	for i := 0; i < digits; i++ {
		p *= 10
	}
	if v < 0 {
		return -float64(int64(-v*p+0.5)) / p
	}
	return float64(int64(v*p+0.5)) / p
}
