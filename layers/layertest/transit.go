package layertest

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/paulmach/orb"

	"reach/layers"
)

// TransitFixture is a small timetable with every part a feed may have.
func TransitFixture() *layers.TransitFeed {
	return &layers.TransitFeed{
		Name:     "fixture.zip",
		Agencies: []layers.TransitAgency{{ID: "A", Name: "Verkehrsverbund", URL: "https://example.org", Timezone: "Europe/Berlin"}},
		Stops: []layers.TransitStop{
			{ID: "s1", Name: "Markt", Lon: 13.7, Lat: 51.0, Pos: orb.Point{410000.5, 5650000.25}},
			{ID: "s2", Name: "Bahnhof", Lon: 13.8, Lat: 51.05, Pos: orb.Point{417000, 5655000}, Parent: "st"},
			{ID: "st", Name: "Bahnhof (Station)", Lon: 13.8, Lat: 51.05, Pos: orb.Point{417000, 5655000}, LocationType: 1},
		},
		Routes: []layers.TransitRoute{{ID: "r1", AgencyID: "A", ShortName: "S1", LongName: "Meißen – Pirna", Type: 2}},
		Services: []layers.TransitService{
			{ID: "wk", Weekdays: [7]bool{true, true, true, true, true, false, false}, Start: 20230101, End: 20231231, Added: []int{20230107}, Removed: []int{20230111}},
		},
		Trips:         []layers.TransitTrip{{ID: "t1", Route: 0, Service: 0, Headsign: "Pirna"}, {ID: "t2", Route: 0, Service: 0, Headsign: "Meißen"}},
		StopTimeStart: []uint32{0, 2, 4},
		StopIdx:       []uint32{0, 1, 1, 0},
		Arr:           []int32{25200, 25800, 86000, 87000},
		Dep:           []int32{25200, 25860, 86000, 87000},
		Frequencies:   []layers.TransitFrequency{{Trip: 0, Start: 25200, End: 32400, Headway: 1200}},
		Transfers:     []layers.TransitTransfer{{From: 0, To: 1, Type: 2, MinTime: 300}, {From: 1, To: 0, Type: 3, MinTime: -1}},
	}
}

func checkTransit(t *testing.T, s layers.TransitStore) {
	ctx := context.Background()
	if _, err := s.Transit(ctx); !errors.Is(err, layers.ErrNotFound) {
		t.Errorf("Transit on an empty store: got %v, want an error wrapping ErrNotFound", err)
	}
	want := TransitFixture()
	if err := s.ReplaceTransit(ctx, want); err != nil {
		t.Fatalf("ReplaceTransit: %v", err)
	}
	got, err := s.Transit(ctx)
	if err != nil {
		t.Fatalf("Transit: %v", err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Transit round trip:\n got %+v\nwant %+v", got, want)
	}
	// A broken feed is refused and the stored one stays.
	bad := TransitFixture()
	bad.StopIdx[3] = 99
	if err := s.ReplaceTransit(ctx, bad); !errors.Is(err, layers.ErrInvalid) {
		t.Errorf("ReplaceTransit with a stop index out of range: got %v, want an error wrapping ErrInvalid", err)
	}
	if got, err := s.Transit(ctx); err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("after a refused load: got %v, %v; want the previous timetable", got, err)
	}
}
