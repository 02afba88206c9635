package analysis

import (
	"context"
	"math"
	"path/filepath"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"reach/data/gtfs"
	"reach/geo/crs"
	"reach/internal/realdata"
	"reach/layers"
)

// lineFeed is a one-line feed: stop A at the origin, B 10 km east; a train every 20 minutes from
// 07:00 to 08:40 that takes 15 minutes.
func lineFeed(tb testing.TB) (*layers.TransitFeed, orb.Point, orb.Point) {
	tb.Helper()
	a := orb.Point{410000, 5650000}
	b := orb.Point{420000, 5650000}
	feed := &layers.TransitFeed{Name: "line",
		Routes:        []layers.TransitRoute{{ID: "L", Type: 2}},
		Services:      []layers.TransitService{{ID: "all", Added: []int{20230111}}},
		StopTimeStart: []uint32{0},
	}
	for i, p := range []orb.Point{a, b} {
		ll, _ := crs.ToLonLat(crs.UTM33N, p)
		feed.Stops = append(feed.Stops, layers.TransitStop{ID: string(rune('A' + i)), Name: string(rune('A' + i)), Lon: ll[0], Lat: ll[1], Pos: p})
	}
	for k := 0; k < 6; k++ {
		dep := int32(7*3600 + k*20*60)
		feed.Trips = append(feed.Trips, layers.TransitTrip{ID: "t", Route: 0, Service: 0})
		feed.StopIdx = append(feed.StopIdx, 0, 1)
		feed.Arr = append(feed.Arr, dep, dep+15*60)
		feed.Dep = append(feed.Dep, dep, dep+15*60)
		feed.StopTimeStart = append(feed.StopTimeStart, uint32(len(feed.Arr)))
	}
	la, _ := crs.ToLonLat(crs.UTM33N, a)
	lb, _ := crs.ToLonLat(crs.UTM33N, b)
	return feed, la, lb
}

func TestTransitMatrixWaitingIncluded(t *testing.T) {
	feed, a, b := lineFeed(t)
	r, _ := fixture(t)
	e, err := Build(context.Background(), r, Options{Transit: feed, Modes: []layers.Mode{}})
	if err != nil {
		t.Fatal(err)
	}
	dep, _ := ParseDeparture("2023-01-11T06:59")
	res, err := e.Matrix(context.Background(), MatrixRequest{Mode: Transit, Sources: []orb.Point{a}, Destinations: []orb.Point{b},
		Transit: TransitQuery{Departure: dep, WindowMinutes: 20}})
	if err != nil {
		t.Fatal(err)
	}
	// The points lie on the stops (the walks take the foot estimate's few seconds). Leaving at
	// 06:59+m, m = 0..19: m = 0 catches the 07:00 (16 min door to door), later ones the 07:20
	// (36−m min). Sorted 16, 17, …, 35; nearest rank: 10 % is the 2nd, the median the 10th,
	// 90 % the 18th; the walk from B's stop is added.
	egress := res.Destinations[0].OffsetS
	want := func(min float64) float64 { return min*60 + egress }
	if got := res.Durations[0][0]; got == nil || *got != want(25) {
		t.Errorf("median: got %v, want %v s", deref(got), want(25))
	}
	if got := res.Transit.P10[0][0]; got == nil || *got != want(17) {
		t.Errorf("p10: got %v, want %v s", deref(got), want(17))
	}
	if got := res.Transit.P90[0][0]; got == nil || *got != want(33) {
		t.Errorf("p90: got %v, want %v s", deref(got), want(33))
	}
	// After the last train nothing is reached.
	late, _ := ParseDeparture("2023-01-11T09:00")
	res, err = e.Matrix(context.Background(), MatrixRequest{Mode: Transit, Sources: []orb.Point{a}, Destinations: []orb.Point{b},
		Transit: TransitQuery{Departure: late}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Durations[0][0] != nil {
		t.Errorf("after the last train: got %v, want unreachable", *res.Durations[0][0])
	}
	// A day without service is an error naming the feed's days.
	other, _ := ParseDeparture("2023-01-12T07:00")
	_, err = e.Matrix(context.Background(), MatrixRequest{Mode: Transit, Sources: []orb.Point{a}, Destinations: []orb.Point{b},
		Transit: TransitQuery{Departure: other}})
	if err == nil {
		t.Error("a day without trips: got no error")
	}
}

func deref(p *float64) any {
	if p == nil {
		return "nil"
	}
	return *p
}

func TestTransitMatrixDresdenToPirna(t *testing.T) {
	feed, err := gtfs.ReadFile(context.Background(), filepath.Join(realdata.Dir(t), "transit", "dresden_region_2023-01-11_gtfs.zip"))
	if err != nil {
		t.Fatal(err)
	}
	r, _ := fixture(t)
	e, err := Build(context.Background(), r, Options{Transit: feed, Modes: []layers.Mode{}})
	if err != nil {
		t.Fatal(err)
	}
	dep, _ := ParseDeparture("2023-01-11T07:00")
	hbf := orb.Point{13.7320, 51.0405}   // Dresden Hauptbahnhof
	pirna := orb.Point{13.9297, 50.9619} // Pirna ZOB / Bahnhof
	start := time.Now()
	res, err := e.Matrix(context.Background(), MatrixRequest{Mode: Transit, Sources: []orb.Point{hbf}, Destinations: []orb.Point{pirna},
		Transit: TransitQuery{Departure: dep}})
	if err != nil {
		t.Fatal(err)
	}
	med := res.Durations[0][0]
	if med == nil {
		t.Fatal("Hbf → Pirna: unreachable")
	}
	t.Logf("Hbf → Pirna at 07:00–07:59: median %.1f min, p10 %.1f, p90 %.1f (%v); walks to %s and from %s",
		*med/60, *res.Transit.P10[0][0]/60, *res.Transit.P90[0][0]/60, time.Since(start), res.Sources[0].Stop, res.Destinations[0].Stop)
	// The S1 takes about 20 minutes and runs every 30 minutes; with the walks to and from the
	// platforms and the wait a median between 20 and 45 minutes is plausible.
	if m := *med / 60; m < 20 || m > 45 || math.IsNaN(m) {
		t.Errorf("median %.1f min, want 20 to 45", m)
	}
}
