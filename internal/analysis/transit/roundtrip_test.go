package transit

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"reach/geo/crs"
	raptor "reach/geo/transit"
	"reach/internal/analysis"
	"reach/layers"
)

// shuttleFeed is a line between A and B (10 km apart), 15 minutes a ride: towards B at 07:00,
// 07:20 and 07:40, back towards A at 08:20 and 08:50.
func shuttleFeed(tb testing.TB) (*layers.TransitFeed, orb.Point, orb.Point) {
	tb.Helper()
	a, b := orb.Point{410000, 5650000}, orb.Point{420000, 5650000}
	feed := &layers.TransitFeed{Name: "shuttle",
		Routes:        []layers.TransitRoute{{ID: "S", Type: 3}},
		Services:      []layers.TransitService{{ID: "all", Added: []int{20230111}}},
		StopTimeStart: []uint32{0},
	}
	for i, p := range []orb.Point{a, b} {
		ll, _ := crs.ToLonLat(crs.UTM33N, p)
		feed.Stops = append(feed.Stops, layers.TransitStop{ID: string(rune('A' + i)), Name: string(rune('A' + i)), Lon: ll[0], Lat: ll[1], Pos: p})
	}
	trip := func(from, to uint32, h, m int) {
		dep := int32(h*3600 + m*60)
		feed.Trips = append(feed.Trips, layers.TransitTrip{ID: "t", Route: 0, Service: 0})
		feed.StopIdx = append(feed.StopIdx, from, to)
		feed.Arr = append(feed.Arr, dep, dep+15*60)
		feed.Dep = append(feed.Dep, dep, dep+15*60)
		feed.StopTimeStart = append(feed.StopTimeStart, uint32(len(feed.Arr)))
	}
	trip(0, 1, 7, 0)
	trip(0, 1, 7, 20)
	trip(0, 1, 7, 40)
	trip(1, 0, 8, 20)
	trip(1, 0, 8, 50)
	return feed, a, b
}

// TestRoundTripShuttle checks round trips on the shuttle with a practice at B: an appointment
// at 08:00 is reached by the 07:40 (arriving 07:55); after a stay of 30 minutes the 08:50
// brings one home at 09:05; after a stay of 60 minutes no bus is left. A cell 5 km from any
// stop cannot make it; a cell next to the practice walks.
func TestRoundTripShuttle(t *testing.T) {
	feed, a, b := shuttleFeed(t)
	box := orb.MultiPolygon{{{{400000, 5640000}, {430000, 5640000}, {430000, 5660000}, {400000, 5660000}, {400000, 5640000}}}}
	r := &fakeReader{munis: []layers.Municipality{
		{AGS: "14628010", Name: "West", KreisAGS: "14628", KreisName: "K", Geometry: box, Population: 30, AreaKm2: 300, DEGURBA: 3},
		{AGS: "14628020", Name: "Ost", KreisAGS: "14628", KreisName: "K", Geometry: box, Population: 40, AreaKm2: 300, DEGURBA: 3},
	}}
	atA := orb.Point{a[0] + 50, a[1] + 50}
	r.cells = []layers.Cell{
		{ID: cellAt(t, atA), ResolutionM: 100, Population: 10, Known: true, AGS: "14628010", Year: 2011},
		{ID: cellAt(t, orb.Point{a[0], a[1] + 5000}), ResolutionM: 100, Population: 20, Known: true, AGS: "14628010", Year: 2011},
		{ID: cellAt(t, orb.Point{b[0] + 450, b[1] + 50}), ResolutionM: 100, Population: 40, Known: true, AGS: "14628020", Year: 2011},
	}
	r.facs = []layers.Facility{{ID: "gp:b", Category: layers.CatGeneralPractice, Name: "Praxis B", Location: b, AGS: "14628020"}}
	e, err := analysis.Build(context.Background(), r, analysis.Options{Transit: feed, Modes: []layers.Mode{}, NewTransitPlanner: New})
	if err != nil {
		t.Fatal(err)
	}
	p, err := Of(e)
	if err != nil {
		t.Fatal(err)
	}
	appt := time.Date(2023, 1, 11, 8, 0, 0, 0, time.UTC)
	res, err := p.RoundTrips(context.Background(), RoundTripQuery{Category: layers.CatGeneralPractice, ArriveBy: appt, StayMinutes: 30})
	if err != nil {
		t.Fatal(err)
	}
	cells := map[int64]RoundTripCell{}
	for _, c := range res.Cells {
		cells[c.Population] = c
	}
	// The cell at A: its centre is within 150 m of A, a walk of a few minutes each way.
	ca := cells[10]
	if !ca.Possible || ca.DurationS == nil {
		t.Fatalf("cell at A: %+v, want possible", ca)
	}
	w := *ca.DurationS - 85*60
	if w <= 0 || w > 2*300 || int(w)%2 != 0 {
		t.Errorf("cell at A: duration %v s, want 85 min plus twice the walk (under 5 min)", *ca.DurationS)
	}
	half := time.Duration(w/2) * time.Second
	if want := clock(raptorTime(7, 40) - raptorSeconds(half)); ca.LeaveHome != want {
		t.Errorf("cell at A: leave home %s, want %s (the 07:40 less the walk)", ca.LeaveHome, want)
	}
	if want := clock(raptorTime(9, 5) + raptorSeconds(half)); ca.BackHome != want {
		t.Errorf("cell at A: back home %s, want %s (the 08:50 arrives 09:05, plus the walk)", ca.BackHome, want)
	}
	if *ca.OutboundS != float64(20*60)+w/2 || *ca.ReturnS != float64(35*60)+w/2 {
		t.Errorf("cell at A: outbound %v s, return %v s; want 20 min + walk and 35 min + walk", *ca.OutboundS, *ca.ReturnS)
	}
	if cells[20].Possible || cells[20].Method != analysis.MethodNoStop {
		t.Errorf("cell 5 km from the line: %+v, want not possible, no_stop", cells[20])
	}
	if ca.Method != analysis.MethodTransit || cells[40].Method != analysis.MethodTransit {
		t.Errorf("methods %q and %q of the cells that can make it, want transit", ca.Method, cells[40].Method)
	}
	if res.NoStop != 20 || res.Municipalities[0].NoStop != 20 || res.Municipalities[1].NoStop != 0 {
		t.Errorf("no_stop residents %d (West %d, Ost %d), want 20 (20, 0)", res.NoStop, res.Municipalities[0].NoStop, res.Municipalities[1].NoStop)
	}
	if cb := cells[40]; !cb.Possible || *cb.OutboundS != *cb.ReturnS || *cb.DurationS != 30*60+2**cb.OutboundS {
		t.Errorf("cell next to the practice: %+v, want possible on foot, the same walk both ways", cb)
	}
	// Per municipality: West 10 of 30, Ost 40 of 40.
	if len(res.Municipalities) != 2 || res.Municipalities[0].Possible != 10 || res.Municipalities[0].Population != 30 ||
		res.Municipalities[1].Share != 1 || res.Possible != 50 || res.Population != 70 {
		t.Errorf("municipalities %+v, total %d of %d; want West 10 of 30, Ost 40 of 40", res.Municipalities, res.Possible, res.Population)
	}

	// A stay of 60 minutes: the last bus back leaves at 08:50, before 09:00.
	res, err = p.RoundTrips(context.Background(), RoundTripQuery{Category: layers.CatGeneralPractice, ArriveBy: appt, StayMinutes: 60})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range res.Cells {
		if c.Population == 10 && (c.Possible || c.Method != analysis.MethodUnreachable) {
			t.Errorf("stay 60 min: cell at A %+v, want not possible although a stop serves it (unreachable)", c)
		}
	}
	// Home by 09:00: the 08:50 arrives at 09:05, too late.
	res, err = p.RoundTrips(context.Background(), RoundTripQuery{Category: layers.CatGeneralPractice, ArriveBy: appt, StayMinutes: 30,
		HomeBy: time.Date(2023, 1, 11, 9, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	if res.Possible != 40 {
		t.Errorf("home by 09:00: %d can make it, want 40 (only those who walk)", res.Possible)
	}
	// An appointment at 07:50: the 07:20 (arriving 07:35) is the latest bus.
	res, err = p.RoundTrips(context.Background(), RoundTripQuery{Category: layers.CatGeneralPractice, ArriveBy: appt.Add(-10 * time.Minute), StayMinutes: 30})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range res.Cells {
		if c.Population == 10 && (!c.Possible || c.LeaveHome != clock(raptorTime(7, 20)-raptorSeconds(half))) {
			t.Errorf("appointment 07:50: cell at A %+v, want to leave with the 07:20", c)
		}
	}
	// Bad input names the field.
	if _, err := p.RoundTrips(context.Background(), RoundTripQuery{Category: layers.CatGeneralPractice, ArriveBy: appt, StayMinutes: -1}); err == nil {
		t.Error("negative stay: got no error")
	}
}

// TestRoundTripDresden runs a 10:00 appointment with a stay of 60 minutes on the Dresden feed
// and checks every possible cell against plain searches: leaving home at LeaveHome reaches the
// practice by 10:00, and leaving the practice at 11:00 gets home at BackHome.
func TestRoundTripDresden(t *testing.T) {
	e := dresdenEngine(t)
	p, err := Of(e)
	if err != nil {
		t.Fatal(err)
	}
	appt := time.Date(2023, 1, 11, 10, 0, 0, 0, time.UTC)
	start := time.Now()
	res, err := p.RoundTrips(context.Background(), RoundTripQuery{Category: layers.CatGeneralPractice, ArriveBy: appt, StayMinutes: 60})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d cells, %d of %d residents can make it (%.1f %%), %v", len(res.Cells), res.Possible, res.Population, 100*res.Share, time.Since(start))
	if res.Possible == 0 || res.Possible == res.Population {
		t.Errorf("%d of %d can make it: want some but not all (cells up to 15 km out)", res.Possible, res.Population)
	}
	d, _ := p.timetable(time.Date(2023, 1, 11, 0, 0, 0, 0, time.UTC))
	tt := d.tt
	r, _ := tt.NewRouter(MaxTransfers)
	facs := map[string]layers.Facility{}
	for _, f := range e.FacilitiesOf(layers.CatGeneralPractice) {
		facs[f.ID] = f
	}
	parse := func(s string) raptor.Time {
		var h, m, sec int
		fmt.Sscanf(s, "%d:%d:%d", &h, &m, &sec)
		return raptor.Time(h*3600 + m*60 + sec)
	}
	checked := 0
	for ci, c := range res.Cells {
		if !c.Possible || checked >= 40 {
			continue
		}
		f := facs[c.FacilityID]
		home := e.Cell(ci).UTM
		if math.Hypot(f.Location[0]-home[0], f.Location[1]-home[1]) <= AccessM {
			continue // on foot
		}
		checked++
		acc, _ := p.stopWalks(tt, home, nil)
		eg, _ := p.stopWalks(tt, f.Location, nil)
		arrival := func(from, to []raptor.Access, dep raptor.Time) raptor.Time {
			arr := r.EarliestArrival(from, dep)
			best := raptor.Unreachable
			for _, a := range to {
				if arr[a.Stop] != raptor.Unreachable {
					best = min(best, arr[a.Stop]+a.Walk)
				}
			}
			return best
		}
		leave := parse(c.LeaveHome)
		if got := arrival(acc, eg, leave); got > raptor.Time(10*3600) {
			t.Errorf("cell %s: leaving at %s arrives at %s, after 10:00", c.CellID, c.LeaveHome, got)
		}
		if got := arrival(acc, eg, leave+1); got <= raptor.Time(10*3600) {
			t.Errorf("cell %s: leaving a second after %s still arrives at %s", c.CellID, c.LeaveHome, got)
		}
		if got := arrival(eg, acc, raptor.Time(11*3600)); got != parse(c.BackHome) {
			t.Errorf("cell %s: back home at %s, the plain search says %s", c.CellID, c.BackHome, got)
		}
	}
	if checked < 10 {
		t.Errorf("only %d cells checked by transit", checked)
	}
}
