package layertest

import (
	"context"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"reach/layers"
)

// invalidCase is one broken record: the load that carries it in the middle
// of an otherwise valid batch, and the field its error must name.
type invalidCase struct {
	name, field string
	load        func(ctx context.Context, s layers.Store, fx Fixture) (int, error)
}

// badAt returns a copy of xs with edit applied to the element at i.
func badAt[T any](xs []T, i int, edit func(*T)) []T {
	out := slices.Clone(xs)
	edit(&out[i])
	return out
}

func munCase(name, field string, edit func(*layers.Municipality)) invalidCase {
	return invalidCase{name, field, func(ctx context.Context, s layers.Store, fx Fixture) (int, error) {
		return s.ReplaceMunicipalities(ctx, all(badAt(fx.Municipalities, 1, edit)))
	}}
}

func membershipCase(name, field string, edit func(*layers.Membership)) invalidCase {
	return invalidCase{name, field, func(ctx context.Context, s layers.Store, fx Fixture) (int, error) {
		ms := badAt(fx.Memberships, 1, edit) // two of kind verbund, the second broken
		return s.ReplaceMemberships(ctx, layers.KindVerbund, all(ms[:2]))
	}}
}

func placeCase(name, field string, edit func(*layers.CentralPlace)) invalidCase {
	return invalidCase{name, field, func(ctx context.Context, s layers.Store, fx Fixture) (int, error) {
		return s.ReplaceCentralPlaces(ctx, all(badAt(fx.CentralPlaces, len(fx.CentralPlaces)-1, edit)))
	}}
}

func facilityCase(name, field string, edit func(*layers.Facility)) invalidCase {
	return invalidCase{name, field, func(ctx context.Context, s layers.Store, fx Fixture) (int, error) {
		_, by := facilitySources(fx.Facilities)
		return s.ReplaceFacilities(ctx, "osm", all(badAt(by["osm"], 1, edit)))
	}}
}

func roadCase(name, field string, edit func(*layers.RoadSegment)) invalidCase {
	return invalidCase{name, field, func(ctx context.Context, s layers.Store, fx Fixture) (int, error) {
		return s.ReplaceRoads(ctx, all(badAt(fx.Roads, 1, edit)))
	}}
}

// invalidRecords is the table of broken records, per type, that both
// stores refuse naming the same field.
func invalidRecords() []invalidCase {
	nan := math.NaN()
	return []invalidCase{
		munCase("municipality short ags", "ags", func(m *layers.Municipality) { m.AGS = "1461201" }),
		munCase("municipality without name", "name", func(m *layers.Municipality) { m.Name = " " }),
		munCase("municipality kreis of 4 digits", "kreis_ags", func(m *layers.Municipality) { m.KreisAGS = "1461" }),
		munCase("municipality negative population", "population", func(m *layers.Municipality) { m.Population = -1 }),
		munCase("municipality area NaN", "area_km2", func(m *layers.Municipality) { m.AreaKm2 = nan }),
		munCase("municipality degurba 4", "degurba", func(m *layers.Municipality) { m.DEGURBA = 4 }),
		munCase("municipality infinite indicator", "indicators."+layers.IndUnemployed, func(m *layers.Municipality) {
			m.Indicators = map[string]float64{layers.IndUnemployed: math.Inf(1)}
		}),
		munCase("municipality open ring", "geometry", func(m *layers.Municipality) {
			m.Geometry = orb.MultiPolygon{{{{405000, 5650000}, {406000, 5650000}, {406000, 5651000}, {405500, 5651000}}}}
		}),
		membershipCase("membership ags with letters", "ags", func(m *layers.Membership) { m.AGS = "14a12010" }),
		membershipCase("membership without group", "group_id", func(m *layers.Membership) { m.GroupID = "" }),
		membershipCase("membership of another kind", "kind", func(m *layers.Membership) { m.Kind = layers.KindMittelbereich }),
		placeCase("central place without name", "name", func(p *layers.CentralPlace) { p.Name = "" }),
		placeCase("central place level none", "level", func(p *layers.CentralPlace) { p.Level = layers.LevelNone }),
		placeCase("central place without ags", "ags", func(p *layers.CentralPlace) { p.AGS = "" }),
		placeCase("central place bad member", "members", func(p *layers.CentralPlace) { p.Members = []string{"146120"} }),
		placeCase("central place NaN location", "location", func(p *layers.CentralPlace) { p.Location = orb.Point{nan, 5650000} }),
		facilityCase("facility unknown category", "category", func(f *layers.Facility) { f.Category = "bakery" }),
		facilityCase("facility negative capacity", "capacity", func(f *layers.Facility) { f.Capacity = f64(-3) }),
		facilityCase("facility short ags", "ags", func(f *layers.Facility) { f.AGS = "1461200" }),
		facilityCase("facility opening hours", "opening_hours", func(f *layers.Facility) { f.OpeningHours = "whenever" }),
		facilityCase("facility infinite location", "location", func(f *layers.Facility) { f.Location = orb.Point{math.Inf(1), 0} }),
		facilityCase("facility of another source", "source", func(f *layers.Facility) { f.Source = "schools:2023" }),
		roadCase("road without highway", "highway", func(r *layers.RoadSegment) { r.Highway = "" }),
		roadCase("road of one position", "geometry", func(r *layers.RoadSegment) { r.Geometry = r.Geometry[:1] }),
		roadCase("road negative length", "length_m", func(r *layers.RoadSegment) { r.LengthM = -1 }),
		roadCase("road NaN car speed", "car_kmh", func(r *layers.RoadSegment) { r.Car.SpeedKmh = nan }),
		roadCase("road open without speed", "foot_kmh", func(r *layers.RoadSegment) {
			r.Foot, r.DurationS = layers.Access{Forward: true}, 0
		}),
		{"indicator NaN", "value", func(ctx context.Context, s layers.Store, fx Fixture) (int, error) {
			return s.ReplaceIndicators(ctx, all([]layers.IndicatorValue{
				{AGS: agsWest, Key: layers.IndUnemployed, Value: 1}, {AGS: agsEast, Key: layers.IndUnemployed, Value: nan}}))
		}},
		{"indicator without key", "key", func(ctx context.Context, s layers.Store, fx Fixture) (int, error) {
			return s.ReplaceIndicators(ctx, all([]layers.IndicatorValue{
				{AGS: agsWest, Key: layers.IndUnemployed, Value: 1}, {AGS: agsEast, Value: 2}}))
		}},
		{"indicator of no municipality", "ags", func(ctx context.Context, s layers.Store, fx Fixture) (int, error) {
			return s.ReplaceIndicators(ctx, all([]layers.IndicatorValue{
				{AGS: agsWest, Key: layers.IndUnemployed, Value: 1}, {AGS: "14999999", Key: layers.IndUnemployed, Value: 2}}))
		}},
		{"population negative", "population", func(ctx context.Context, s layers.Store, fx Fixture) (int, error) {
			return s.UpdatePopulation(ctx, all([]layers.PopulationRecord{
				{AGS: agsWest, Population: 5}, {AGS: agsEast, Population: -1}}))
		}},
		{"population of no municipality", "ags", func(ctx context.Context, s layers.Store, fx Fixture) (int, error) {
			return s.UpdatePopulation(ctx, all([]layers.PopulationRecord{
				{AGS: agsWest, Population: 5}, {AGS: "14999999", Population: 1}}))
		}},
		{"project funding above cost", "requested_funding", func(ctx context.Context, s layers.Store, fx Fixture) (int, error) {
			ps := badAt(fx.Projects, 1, func(p *layers.Project) { p.InvestmentCost, p.RequestedFunding = 10, 20 })
			return s.ReplaceProjects(ctx, "file:fixture", all(ps))
		}},
	}
}

// namesField reports whether err is layers.FieldErrors with an error on
// field (or on a position inside it, "geometry[0][0]", "members[0]").
func namesField(err error, field string) bool {
	var fes layers.FieldErrors
	if !errors.As(err, &fes) {
		return false
	}
	return slices.ContainsFunc(fes, func(e layers.FieldError) bool {
		return e.Field == field || strings.HasPrefix(e.Field, field+"[")
	})
}

// checkInvalidRecords: both stores refuse every record of the table with
// layers.FieldErrors naming the same field, and store nothing of the batch
// that carried it.
func checkInvalidRecords(t *testing.T, s layers.Store, fx Fixture) {
	ctx := context.Background()
	before := read(t, s)
	for _, c := range invalidRecords() {
		t.Run(c.name, func(t *testing.T) {
			n, err := c.load(ctx, s, fx)
			if err == nil {
				t.Fatalf("load succeeded with %d records, want an error naming %s", n, c.field)
			}
			if !namesField(err, c.field) {
				t.Errorf("error %q is not layers.FieldErrors naming %s", err, c.field)
			}
			compareSnapshots(t, read(t, s), before)
		})
	}
}

// checkInvalidResults: both result writers refuse the same broken result
// records naming the same field.
func checkInvalidResults(t *testing.T, w layers.ResultWriter) {
	ctx := context.Background()
	at := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	run := layers.ResultRun{Category: layers.CatPharmacy, Mode: layers.Foot, ComputedAt: at}
	line := orb.LineString{{400000, 5650000}, {400100, 5650000}}
	edge := layers.GraphEdge{ID: 1, Source: 1, Target: 2, Cost: 10, ReverseCost: 12, LengthM: 100, Geometry: line}
	tt := layers.TravelTimeRecord{CellID: "1kmN3106E4574", AGS: agsWest, Population: 3, Known: true, Reached: true, Seconds: 60, DistanceM: 80, Method: "network"}
	gap := layers.GapRecord{CellID: "1kmN3106E4574", AGS: agsWest, Population: 3, Seconds: 900, Reached: true, StandardSeconds: 600}
	cases := []struct {
		name, field string
		load        func() (int, error)
	}{
		{"run without time", "computed_at", func() (int, error) {
			r := run
			r.ComputedAt = time.Time{}
			return w.ReplaceTravelTimes(ctx, r, all([]layers.TravelTimeRecord{tt}))
		}},
		{"run provenance not JSON", "provenance", func() (int, error) {
			r := run
			r.Provenance = "{"
			return w.ReplaceGaps(ctx, r, all([]layers.GapRecord{gap}))
		}},
		{"edge NaN cost", "cost", func() (int, error) {
			e := edge
			e.ID, e.Cost = 2, math.NaN()
			return w.ReplaceGraph(ctx, layers.Foot, all([]layers.GraphEdge{edge, e}))
		}},
		{"edge negative length", "length_m", func() (int, error) {
			e := edge
			e.ID, e.LengthM = 2, -1
			return w.ReplaceGraph(ctx, layers.Foot, all([]layers.GraphEdge{edge, e}))
		}},
		{"travel time without method", "method", func() (int, error) {
			r := tt
			r.CellID, r.Method = secretCell, ""
			return w.ReplaceTravelTimes(ctx, run, all([]layers.TravelTimeRecord{tt, r}))
		}},
		{"travel time reached in NaN seconds", "seconds", func() (int, error) {
			r := tt
			r.CellID, r.Seconds = secretCell, math.NaN()
			return w.ReplaceTravelTimes(ctx, run, all([]layers.TravelTimeRecord{tt, r}))
		}},
		{"travel time short ags", "ags", func() (int, error) {
			r := tt
			r.CellID, r.AGS = secretCell, "146"
			return w.ReplaceTravelTimes(ctx, run, all([]layers.TravelTimeRecord{tt, r}))
		}},
		{"gap negative population", "population", func() (int, error) {
			g := gap
			g.CellID, g.Population = secretCell, -2
			return w.ReplaceGaps(ctx, run, all([]layers.GapRecord{gap, g}))
		}},
		{"gap without cell", "cell_id", func() (int, error) {
			g := gap
			g.CellID = ""
			return w.ReplaceGaps(ctx, run, all([]layers.GapRecord{gap, g}))
		}},
	}
	for _, c := range cases {
		n, err := c.load()
		if err == nil {
			t.Errorf("%s: load succeeded with %d records, want an error naming %s", c.name, n, c.field)
			continue
		}
		if !namesField(err, c.field) {
			t.Errorf("%s: error %q is not layers.FieldErrors naming %s", c.name, err, c.field)
		}
	}
}
