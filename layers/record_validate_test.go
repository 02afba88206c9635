package layers

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/paulmach/orb"
)

// TestRecordValidate checks that each record's Validate reports every
// invalid field at once, naming the record, and accepts the valid record.
func TestRecordValidate(t *testing.T) {
	cases := []struct {
		name   string
		rec    interface{ Validate() error }
		record string
		fields []string // nil: valid
	}{
		{"municipality ok", Municipality{AGS: "14612000", Name: "Dresden", KreisAGS: "14612", Population: 1, AreaKm2: 1}, "", nil},
		{"municipality", Municipality{AGS: "1461200", Name: "", KreisAGS: "146", Population: -1, AreaKm2: math.NaN(), DEGURBA: 5,
			Indicators: map[string]float64{"": 1, "x": math.Inf(-1)}},
			"municipality 1461200", []string{"ags", "name", "kreis_ags", "population", "area_km2", "degurba", "indicators", "indicators.x"}},
		{"membership", Membership{AGS: "x", Kind: "club"}, `membership of x in ""`, []string{"ags", "kind", "group_id"}},
		{"central place", CentralPlace{ID: "p", Level: 7, Members: []string{"14612000", "1"}, KreisAGS: "1", Location: orb.Point{math.NaN(), 0}},
			`central place "p"`, []string{"name", "level", "ags", "members[1]", "kreis_ags", "location"}},
		{"facility", Facility{ID: " ", Category: "bakery", Capacity: ptr(-1), AGS: "1", OpeningHours: "sometimes"},
			`facility " "`, []string{"id", "category", "capacity", "ags", "opening_hours"}},
		{"road", RoadSegment{ID: 4, WayID: 9, Car: Access{Forward: true}, Foot: Access{SpeedKmh: -1}, LengthM: -2},
			"road segment 4", []string{"highway", "geometry", "length_m", "car_kmh", "foot_kmh"}},
		{"road ferry with duration", RoadSegment{ID: 1, Highway: "ferry", Geometry: orb.LineString{{0, 0}, {1, 0}}, DurationS: 600,
			Car: Access{Forward: true, Backward: true}}, "", nil},
		{"indicator", IndicatorValue{AGS: "14612000", Value: math.NaN()}, `indicator "" of 14612000`, []string{"key", "value"}},
		{"population", PopulationRecord{AGS: "14612000", Population: -4, AreaKm2: -1}, "population of 14612000", []string{"population", "area_km2"}},
		{"edge", GraphEdge{ID: 3, Cost: math.Inf(1), ReverseCost: math.NaN(), LengthM: -1}, "edge 3", []string{"cost", "reverse_cost", "length_m"}},
		{"travel time", TravelTimeRecord{CellID: "c", Reached: true, Seconds: -1, DistanceM: -1, Method: "guess"},
			"travel time of cell c", []string{"seconds", "distance_m", "method"}},
		{"travel time unreached", TravelTimeRecord{CellID: "c", Seconds: math.Inf(1), Method: "network"}, "", nil},
		{"travel time unreachable", TravelTimeRecord{CellID: "c", Seconds: math.Inf(1), Method: "unreachable"}, "", nil},
		{"travel time of a category without facilities", TravelTimeRecord{CellID: "c", Population: 7, Known: true, Seconds: math.Inf(1), Method: "unknown"}, "", nil},
		{"travel time reached but unknown", TravelTimeRecord{CellID: "c", Reached: true, Seconds: 60, Method: "unknown"},
			"travel time of cell c", []string{"method"}},
		{"transit travel time", TransitTimeRecord{CellID: "c", Median: ptr(600), P10: ptr(700), ShareWithin: ptr(2), Method: "unreachable"},
			"transit travel time of cell c", []string{"window_minutes", "median_s", "share_within", "method"}},
		{"transit travel time reached", TransitTimeRecord{CellID: "c", WindowMinutes: 60, Median: ptr(600), P10: ptr(540), P90: ptr(900), Method: MethodTransit}, "", nil},
		{"transit travel time no stop", TransitTimeRecord{CellID: "c", WindowMinutes: 60, Method: MethodNoStop}, "", nil},
		{"transit travel time unreachable", TransitTimeRecord{CellID: "c", WindowMinutes: 60, Method: MethodUnreachable}, "", nil},
		{"transit travel time transit without a time", TransitTimeRecord{CellID: "c", WindowMinutes: 60, Method: MethodTransit},
			"transit travel time of cell c", []string{"method"}},
		{"transit travel time guessed", TransitTimeRecord{CellID: "c", WindowMinutes: 60, Method: "network"},
			"transit travel time of cell c", []string{"method"}},
		{"gap", GapRecord{Population: -1, AGS: "12", Seconds: math.NaN(), StandardSeconds: -1},
			"gap in cell ", []string{"cell_id", "population", "ags", "seconds", "standard_seconds"}},
		{"run", ResultRun{Category: "x", Mode: Transit, Provenance: "{"}, "run x/transit", []string{"category", "mode", "computed_at", "provenance"}},
		{"token", Token{Name: "a b", Role: "king", Hash: []byte{1}}, `token "a b"`, []string{"name", "role", "hash"}},
		{"token ok", Token{Name: "amt.dresden@sachsen", Role: RoleCommittee, Hash: make([]byte, 32)}, "", nil},
		{"token name too long", Token{Name: strings.Repeat("a", 65), Role: RoleAdmin, Hash: make([]byte, 32)}, `token "` + strings.Repeat("a", 65) + `"`, []string{"name"}},
	}
	for _, c := range cases {
		err := c.rec.Validate()
		if c.fields == nil {
			if err != nil {
				t.Errorf("%s: %v, want nil", c.name, err)
			}
			continue
		}
		var fes FieldErrors
		if !errors.As(err, &fes) || !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: error %v, want FieldErrors wrapping ErrInvalid", c.name, err)
			continue
		}
		if got := fes.Fields(); !slices.Equal(got, c.fields) {
			t.Errorf("%s: fields %q, want %q", c.name, got, c.fields)
		}
		for _, fe := range fes {
			if fe.Record != c.record {
				t.Errorf("%s: record %q, want %q", c.name, fe.Record, c.record)
			}
		}
		if msg := err.Error(); strings.Count(msg, c.record+":") != 1 {
			t.Errorf("%s: message %q should name the record once", c.name, msg)
		}
	}
}

func ptr(v float64) *float64 { return &v }
