package demo

import (
	"strings"
	"testing"
	"time"

	"reach/layers"
)

// TestTransit checks the synthetic timetable: labelled synthetic, valid, a stop at every
// located central place, and a service day with buses on it.
func TestTransit(t *testing.T) {
	r, err := Generate(DefaultSeed)
	if err != nil {
		t.Fatal(err)
	}
	f := r.Transit()
	if f == nil {
		t.Fatal("no timetable")
	}
	if err := f.Check(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(f.Name, "synthetisch") || !strings.Contains(f.Agencies[0].Name, "synthetisch") {
		t.Errorf("timetable %q by %q is not labelled synthetic", f.Name, f.Agencies[0].Name)
	}
	at := map[[2]float64]bool{}
	for _, s := range f.Stops {
		at[[2]float64(s.Pos)] = true
	}
	for _, p := range r.CentralPlaces {
		if !at[[2]float64(p.Location)] {
			t.Errorf("central place %s (%s) has no stop", p.ID, p.Name)
		}
	}
	tt, err := f.Timetable(time.Date(TransitYear, 3, 4, 0, 0, 0, 0, time.UTC), layers.DefaultWalk())
	if err != nil {
		t.Fatal(err)
	}
	if tt.NumTrips() != len(f.Trips) {
		t.Errorf("a day of %d trips, the feed has %d (every trip runs daily)", tt.NumTrips(), len(f.Trips))
	}
	t.Logf("%d stops, %d routes, %d trips, %d stop times", len(f.Stops), len(f.Routes), len(f.Trips), len(f.Arr))
}
