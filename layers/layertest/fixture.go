package layertest

import (
	"time"

	"github.com/paulmach/orb"

	"reach/layers"
)

// Fixture is the synthetic data set that Run loads: two clusters of
// features, one around Dresden's south-west (the "west" cluster, easting
// 400–410 km in EPSG:25833) and one about 45 km east of it (the "east"
// cluster, easting 450–455 km), so that a bounding box around one cluster
// excludes the other by a wide margin. All names are invented.
type Fixture struct {
	Municipalities []layers.Municipality
	Memberships    []layers.Membership
	Cells          []layers.Cell
	CentralPlaces  []layers.CentralPlace
	Facilities     []layers.Facility
	Roads          []layers.RoadSegment
	Projects       []layers.Project
}

// Ids of fixture records the checks refer to.
const (
	agsWest     = "14612000"
	agsWest2    = "14612010"
	agsEast     = "14625020"
	secretCell  = "1kmN3107E4579"
	cellEast    = "1kmN3110E4624"
	roadFerry   = int64(1000)
	projectWest = "p-2024-001"
)

func f64(v float64) *float64 { return &v }

func square(x0, y0, size float64) orb.Ring {
	return orb.Ring{{x0, y0}, {x0 + size, y0}, {x0 + size, y0 + size}, {x0, y0 + size}, {x0, y0}}
}

// NewFixture returns a fresh copy of the fixture; callers may modify it.
func NewFixture() Fixture {
	date := time.Date(2019, 12, 31, 0, 0, 0, 0, time.UTC)
	hole := orb.Ring{{406000, 5651000}, {406000, 5652000}, {407000, 5652000}, {407000, 5651000}, {406000, 5651000}}
	return Fixture{
		Municipalities: []layers.Municipality{
			{
				AGS: agsWest, Name: "Testhausen", KreisAGS: "14612", KreisName: "Beispielkreis",
				PlanningRegion: "Oberes Elbtal/Osterzgebirge",
				Geometry:       orb.MultiPolygon{{square(400000, 5650000, 5000)}},
				Population:     12000, PopulationDate: date, AreaKm2: 25.0, DEGURBA: 2,
				Indicators: map[string]float64{layers.IndPurchasingPower: 21000.5, layers.IndUnemployed: 310},
			},
			{
				AGS: agsWest2, Name: "Probstädt", KreisAGS: "14612", KreisName: "Beispielkreis",
				PlanningRegion: "Oberes Elbtal/Osterzgebirge",
				Geometry: orb.MultiPolygon{
					{square(405000, 5650000, 5000), hole},
					{square(410500, 5650500, 1000)},
				},
				Population: 800, AreaKm2: 24.25, DEGURBA: 3,
			},
			{
				AGS: agsEast, Name: "Oststein", KreisAGS: "14625", KreisName: "Musterkreis",
				PlanningRegion: "Oberlausitz-Niederschlesien",
				Geometry:       orb.MultiPolygon{{square(450000, 5650000, 5000)}},
				Population:     5000, PopulationDate: date, AreaKm2: 25.0,
				Indicators: map[string]float64{layers.IndShare65Plus: 31.25},
			},
		},
		Memberships: []layers.Membership{
			{AGS: agsWest, Kind: layers.KindVerbund, GroupID: "vb-test", GroupName: "Testverbund"},
			{AGS: agsWest2, Kind: layers.KindVerbund, GroupID: "vb-test", GroupName: "Testverbund"},
			{AGS: agsWest2, Kind: layers.KindMittelbereich, GroupID: "mb-testhausen", GroupName: "Mittelbereich Testhausen"},
			{AGS: agsWest2, Kind: layers.KindMittelbereich, GroupID: "mb-oststein", GroupName: "Mittelbereich Oststein"},
			{AGS: agsEast, Kind: layers.KindVerwaltungsgemeinschaft, GroupID: "146250000000", GroupName: "VG Oststein"},
		},
		Cells: []layers.Cell{
			{ID: "1kmN3106E4574", ResolutionM: 1000, Population: 320, Known: true, ShareUnder18: f64(14.5), Share65Plus: f64(27), AGS: agsWest, Year: 2011},
			{ID: "1kmN3107E4575", ResolutionM: 1000, Population: 1500, Known: true, AGS: agsWest, Year: 2011},
			{ID: "1kmN3105E4573", ResolutionM: 1000, Population: 0, Known: true, AGS: agsWest, Year: 2011},
			{ID: secretCell, ResolutionM: 1000, Known: false, AGS: agsWest2, Year: 2011},
			{ID: "1kmN3106E4580", ResolutionM: 1000, Population: 45, Known: true, AGS: agsWest2, Year: 2011},
			{ID: cellEast, ResolutionM: 1000, Population: 800, Known: true, Share65Plus: f64(0), AGS: agsEast, Year: 2011},
			{ID: "100mN31067E45742", ResolutionM: 100, Population: 12, Known: true, AGS: agsWest},
		},
		CentralPlaces: []layers.CentralPlace{
			{
				ID: agsWest, Name: "Testhausen", Level: layers.LevelMittelzentrum, LEPType: "MVR", Verbund: "Testverbund",
				Members: []string{agsWest, agsWest2}, AGS: agsWest, KreisAGS: "14612",
				PlanningRegion: "Oberes Elbtal/Osterzgebirge", Location: orb.Point{402500.25, 5652500.75}, Source: "LEP 2013",
			},
			{
				ID: agsWest2, Name: "Probstädt", Level: layers.LevelGrundzentrum, Verbund: "Testverbund",
				Members: []string{agsWest2, agsWest}, AGS: agsWest2, KreisAGS: "14612",
				PlanningRegion: "Oberes Elbtal/Osterzgebirge", Location: orb.Point{407500, 5652500}, Source: "LEP 2013",
			},
			{
				ID: agsEast, Name: "Oststein", Level: layers.LevelGrundzentrum,
				Members: []string{agsEast}, AGS: agsEast, KreisAGS: "14625",
				PlanningRegion: "Oberlausitz-Niederschlesien", Location: orb.Point{452500, 5652500},
			},
		},
		Facilities: []layers.Facility{
			{ID: "osm:node/101", Category: layers.CatGeneralPractice, Name: "Praxis Dr. Beispiel", Location: orb.Point{402600.5, 5652400.25}, Source: "osm", AGS: agsWest},
			{ID: "osm:node/102", Category: layers.CatPharmacy, Name: "Löwen-Apotheke", Location: orb.Point{407400, 5652600}, Source: "osm", AGS: agsWest2},
			{ID: "osm:way/7", Category: layers.CatHospital, Name: "Kreiskrankenhaus Oststein", Location: orb.Point{452600, 5652400}, Capacity: f64(240), Source: "osm", AGS: agsEast},
			{ID: "school:2089-1", Category: layers.CatPrimarySchool, Name: "Grundschule Testhausen", Location: orb.Point{401800, 5653100}, Capacity: f64(180), Source: "schools:2023"},
			{ID: "school:3001", Category: layers.CatGymnasium, Name: "Gymnasium Oststein", Location: orb.Point{451200, 5651300}, Source: "schools:2023", AGS: agsEast},
		},
		Roads: []layers.RoadSegment{
			{
				ID: 101, WayID: 5001, FromNode: 1, ToNode: 2, Geometry: orb.LineString{{401000, 5652500}, {403000, 5652500}, {405000, 5652600}},
				Highway: "secondary", Name: "Hauptstraße", Ref: "S 183", LengthM: 4002.5,
				Car: layers.Access{Forward: true, Backward: true, SpeedKmh: 70}, Bicycle: layers.Access{Forward: true, Backward: true, SpeedKmh: 18},
				Foot: layers.Access{Forward: true, Backward: true, SpeedKmh: 5},
			},
			{
				ID: 102, WayID: 5002, FromNode: 2, ToNode: 3, Geometry: orb.LineString{{405000, 5652600}, {407500, 5652500}},
				Highway: "residential", Name: "Einbahnweg", LengthM: 2502,
				Car: layers.Access{Forward: true, SpeedKmh: 30}, Bicycle: layers.Access{Forward: true, Backward: true, SpeedKmh: 15},
				Foot: layers.Access{Forward: true, Backward: true, SpeedKmh: 5}, Oneway: true,
			},
			{
				ID: 20, WayID: 5003, FromNode: 3, ToNode: 4, Geometry: orb.LineString{{407500, 5652500}, {407500, 5654000}},
				Highway: "footway", LengthM: 1500, Foot: layers.Access{Forward: true, Backward: true, SpeedKmh: 5},
			},
			{
				ID: roadFerry, WayID: 9001, FromNode: 10, ToNode: 11, Geometry: orb.LineString{{451000, 5652000}, {451000, 5652800}},
				Highway: "ferry", Name: "Fähre Oststein", LengthM: 800, DurationS: 600,
				Car: layers.Access{Forward: true, Backward: true, SpeedKmh: 4.8}, Bicycle: layers.Access{Forward: true, Backward: true, SpeedKmh: 4.8},
				Foot: layers.Access{Forward: true, Backward: true, SpeedKmh: 4.8},
			},
		},
		Projects: []layers.Project{
			{
				ID: projectWest, Title: "Gesundheitszentrum Testverbund", Applicant: "Stadt Testhausen",
				Municipalities: []string{agsWest, agsWest2}, Category: layers.CatGeneralPractice, Kind: layers.KindNewFacility,
				Geometry:       orb.MultiPoint{{402000, 5652000}, {406500, 5653500}},
				InvestmentCost: 2.5e6, RequestedFunding: 1.75e6, PlanningRegion: "Oberes Elbtal/Osterzgebirge",
				Status: "submitted", SubmittedAt: time.Date(2024, 3, 1, 9, 30, 0, 0, time.UTC),
				Innovation: f64(7.5), Transferability: f64(6),
			},
			{
				ID: "p-2024-002", Title: "Ortsumgehung Oststein", Applicant: "Gemeinde Oststein",
				Municipalities: []string{agsEast}, Kind: layers.KindRoadUpgrade,
				Geometry:       orb.LineString{{450500, 5651000}, {452000, 5651500}, {454500, 5651200}},
				InvestmentCost: 9e6, RequestedFunding: 6e6, PlanningRegion: "Oberlausitz-Niederschlesien",
				Status: "selected", SubmittedAt: time.Date(2024, 4, 15, 0, 0, 0, 0, time.UTC), SpeedKmh: 80,
			},
			{
				ID: "p-2024-003", Title: "Abwasserverbund Probstädt", Applicant: "Zweckverband Probstädt",
				Municipalities: []string{agsWest2}, Category: layers.CatSewage, Kind: layers.KindAreaService,
				Geometry:       orb.Polygon{square(405500, 5650500, 2000)},
				InvestmentCost: 1.2e6, RequestedFunding: 0.9e6, PlanningRegion: "Oberes Elbtal/Osterzgebirge",
				Status: "submitted", Synthetic: true,
			},
		},
	}
}
