package transit

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"reach/data/gtfs"
	"reach/geo/crs"
	raptor "reach/geo/transit"
	"reach/internal/analysis"
	"reach/internal/analysis/matrix"
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
	r := &fakeReader{}
	e, err := analysis.Build(context.Background(), r, analysis.Options{Transit: feed, Modes: []layers.Mode{}, NewTransitPlanner: New})
	if err != nil {
		t.Fatal(err)
	}
	dep, _ := analysis.ParseDeparture("2023-01-11T06:59")
	res, err := matrix.Of(context.Background(), e, analysis.MatrixRequest{Mode: analysis.Transit, Sources: []orb.Point{a}, Destinations: []orb.Point{b},
		Transit: analysis.TransitQuery{Departure: dep, WindowMinutes: 20}})
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
	late, _ := analysis.ParseDeparture("2023-01-11T09:00")
	res, err = matrix.Of(context.Background(), e, analysis.MatrixRequest{Mode: analysis.Transit, Sources: []orb.Point{a}, Destinations: []orb.Point{b},
		Transit: analysis.TransitQuery{Departure: late}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Durations[0][0] != nil {
		t.Errorf("after the last train: got %v, want unreachable", *res.Durations[0][0])
	}
	// A pair without a time is no_stop where an end has no stop within walking distance (5 km
	// north of A), unreachable where both have stops.
	far, _ := crs.ToLonLat(crs.UTM33N, orb.Point{410000, 5655000})
	res, err = matrix.Of(context.Background(), e, analysis.MatrixRequest{Mode: analysis.Transit, Sources: []orb.Point{a, far}, Destinations: []orb.Point{b},
		Transit: analysis.TransitQuery{Departure: late}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Methods[0][0] != analysis.MethodUnreachable || res.Methods[1][0] != analysis.MethodNoStop || res.Sources[1].Snapped {
		t.Errorf("methods %v (far source snapped %v): want unreachable for A, no_stop for the point without a stop", res.Methods, res.Sources[1].Snapped)
	}
	// A day without service is an error naming the feed's days.
	other, _ := analysis.ParseDeparture("2023-01-12T07:00")
	_, err = matrix.Of(context.Background(), e, analysis.MatrixRequest{Mode: analysis.Transit, Sources: []orb.Point{a}, Destinations: []orb.Point{b},
		Transit: analysis.TransitQuery{Departure: other}})
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
	r := &fakeReader{}
	e, err := analysis.Build(context.Background(), r, analysis.Options{Transit: feed, Modes: []layers.Mode{}, NewTransitPlanner: New})
	if err != nil {
		t.Fatal(err)
	}
	dep, _ := analysis.ParseDeparture("2023-01-11T07:00")
	hbf := orb.Point{13.7320, 51.0405}   // Dresden Hauptbahnhof
	pirna := orb.Point{13.9297, 50.9619} // Pirna ZOB / Bahnhof
	start := time.Now()
	res, err := matrix.Of(context.Background(), e, analysis.MatrixRequest{Mode: analysis.Transit, Sources: []orb.Point{hbf}, Destinations: []orb.Point{pirna},
		Transit: analysis.TransitQuery{Departure: dep}})
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

// dresdenEngine builds an engine with cells on a 2.5 km grid between Dresden and Pirna, three
// general practices and the shared feed.
func dresdenEngine(tb testing.TB) *analysis.Engine {
	tb.Helper()
	feed, err := gtfs.ReadFile(context.Background(), filepath.Join(realdata.Dir(tb), "transit", "dresden_region_2023-01-11_gtfs.zip"))
	if err != nil {
		tb.Fatal(err)
	}
	box := orb.MultiPolygon{{{{400000, 5635000}, {435000, 5635000}, {435000, 5665000}, {400000, 5665000}, {400000, 5635000}}}}
	r := &fakeReader{munis: []layers.Municipality{{AGS: "14628270", Name: "Testgebiet", KreisAGS: "14628", KreisName: "Testkreis",
		Geometry: box, Population: 100000, AreaKm2: 1050, DEGURBA: 2}}}
	seen := map[string]bool{}
	for x := 402500.0; x < 435000; x += 2500 {
		for y := 5637500.0; y < 5665000; y += 2500 {
			id := cellAt(tb, orb.Point{x, y})
			if !seen[id] {
				seen[id] = true
				r.cells = append(r.cells, layers.Cell{ID: id, ResolutionM: 100, Population: 100, Known: true, AGS: "14628270", Year: 2011})
			}
		}
	}
	for i, ll := range []orb.Point{{13.9350, 50.9600}, {13.7450, 51.0650}, {13.6500, 51.0000}} {
		p, _ := crs.FromLonLat(crs.UTM33N, ll)
		r.facs = append(r.facs, layers.Facility{ID: fmt.Sprintf("gp:%d", i), Category: layers.CatGeneralPractice, Name: "Praxis", Location: p, AGS: "14628270"})
	}
	e, err := analysis.Build(context.Background(), r, analysis.Options{Transit: feed, Modes: []layers.Mode{}, NewTransitPlanner: New})
	if err != nil {
		tb.Fatal(err)
	}
	return e
}

// TestTransitCellsAgainstForwardSearches checks the reverse range search from the facilities
// against one forward range search per cell, arrival rounded up to the minute.
func TestTransitCellsAgainstForwardSearches(t *testing.T) {
	e := dresdenEngine(t)
	p, err := Of(e)
	if err != nil {
		t.Fatal(err)
	}
	dep, _ := analysis.ParseDeparture("2023-01-11T07:10")
	q := analysis.TransitQuery{Departure: dep, WindowMinutes: 15}
	res, err := p.TravelTimes(context.Background(), layers.CatGeneralPractice, q)
	if err != nil {
		t.Fatal(err)
	}
	date, t0 := serviceDay(q)
	d, _ := p.timetable(date)
	tt := d.tt
	egress := map[raptor.StopID]raptor.Time{}
	facs := e.FacilitiesOf(layers.CatGeneralPractice)
	for _, f := range facs {
		acc, _ := p.stopWalks(tt, f.Location, nil)
		for _, a := range acc {
			if w, ok := egress[a.Stop]; !ok || a.Walk < w {
				egress[a.Stop] = a.Walk
			}
		}
	}
	r, _ := tt.NewRouter(MaxTransfers)
	reached := 0
	for ci := range e.NumCells() {
		c := e.Cell(ci)
		acc, _ := p.stopWalks(tt, c.UTM, nil)
		direct := math.Inf(1)
		if dist := nearestDistance(facs, c.UTM); dist <= AccessM {
			direct = float64(p.walkSeconds(dist))
		}
		var times []float64
		r.Range(acc, t0, t0+60*raptor.Time(q.WindowMinutes-1), 60, func(t raptor.Time, arr []raptor.Time) {
			best := math.Inf(1)
			for s, w := range egress {
				if arr[s] != raptor.Unreachable {
					best = min(best, float64(arr[s]+w-t))
				}
			}
			best = math.Ceil(best/60) * 60
			if best > MaxJourneyMinutes*60 {
				best = math.Inf(1)
			}
			times = append(times, min(best, direct))
		})
		want := statsOf(times)
		got := res.Cells[ci]
		for _, pc := range []struct {
			name      string
			got, want *float64
		}{{"median", got.Median, want.Median}, {"p10", got.P10, want.P10}, {"p90", got.P90, want.P90}} {
			if (pc.got == nil) != (pc.want == nil) || (pc.got != nil && *pc.got != *pc.want) {
				t.Errorf("cell %s %s: got %v, want %v", c.ID, pc.name, deref(pc.got), deref(pc.want))
			}
		}
		if got.Median != nil {
			reached++
		}
	}
	t.Logf("%d cells, %d reach a practice (median) within %d min", e.NumCells(), reached, MaxJourneyMinutes)
	if reached < e.NumCells()/4 {
		t.Errorf("only %d of %d cells reach a practice: the comparison proves little", reached, e.NumCells())
	}
}

// TestPointSecondsAgainstCellSeconds holds the times to a set of points equal to those to
// facilities at the same places (which have no opening hours), and the times to a part of
// them never shorter.
func TestPointSecondsAgainstCellSeconds(t *testing.T) {
	e := dresdenEngine(t)
	p, err := Of(e)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	dep, _ := analysis.ParseDeparture("2023-01-11T07:10")
	q := analysis.TransitQuery{Departure: dep, WindowMinutes: 15}
	want, err := p.CellSeconds(ctx, layers.CatGeneralPractice, q)
	if err != nil {
		t.Fatal(err)
	}
	var pts []orb.Point
	for _, f := range e.FacilitiesOf(layers.CatGeneralPractice) {
		if f.OpeningHours != "" {
			t.Fatalf("facility %s has opening hours %q: the comparison needs none", f.ID, f.OpeningHours)
		}
		pts = append(pts, f.Location)
	}
	got, err := p.PointSeconds(ctx, pts, q)
	if err != nil {
		t.Fatal(err)
	}
	part, err := p.PointSeconds(ctx, pts[:1], q)
	if err != nil {
		t.Fatal(err)
	}
	reached, longer := 0, 0
	for ci := range want.Seconds {
		if got.Seconds[ci] != want.Seconds[ci] || got.NoStop[ci] != want.NoStop[ci] {
			t.Fatalf("cell %d: %v s (no stop %v) to the points, %v s (no stop %v) to the facilities", ci, got.Seconds[ci], got.NoStop[ci], want.Seconds[ci], want.NoStop[ci])
		}
		if part.Seconds[ci] < got.Seconds[ci] {
			t.Fatalf("cell %d: %v s to one of the points, %v s to the nearest of all", ci, part.Seconds[ci], got.Seconds[ci])
		}
		if !math.IsInf(got.Seconds[ci], 1) {
			reached++
		}
		if part.Seconds[ci] > got.Seconds[ci] {
			longer++
		}
	}
	t.Logf("%d of %d cells reach a point; %d take longer to the first alone", reached, len(want.Seconds), longer)
	if reached < len(want.Seconds)/4 || longer == 0 {
		t.Errorf("%d cells reached, %d longer to one point: the comparison proves little", reached, longer)
	}
}
