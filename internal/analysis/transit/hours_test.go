package transit

import (
	"context"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"reach/geo/crs"
	"reach/internal/analysis"
	"reach/layers"
)

// TestOpeningHoursCount checks that a facility counts only while it is open: on the one-line
// feed (trains A→B every 20 minutes 07:00–08:40, 15 minutes a ride) the practice at B opens
// at 07:50 on Wednesdays (2023-01-11). Leaving A from 06:59 over 20 minutes, the trains arrive
// at 07:15 and 07:35 (before opening: the time runs until 07:50) or 07:55; without hours the
// median is 25 minutes and more. A practice closed all Wednesday is never reached, and a round
// trip to an appointment at a closed practice is not possible.
func TestOpeningHoursCount(t *testing.T) {
	feed, a, b := lineFeed(t)
	au, _ := crs.FromLonLat(crs.UTM33N, a)
	bu, _ := crs.FromLonLat(crs.UTM33N, b)
	box := orb.MultiPolygon{{{{400000, 5640000}, {430000, 5640000}, {430000, 5660000}, {400000, 5660000}, {400000, 5640000}}}}
	build := func(hours string) (*analysis.Engine, *Planner) {
		r := &fakeReader{munis: []layers.Municipality{{AGS: "14628270", Name: "Test", KreisAGS: "14628", KreisName: "K", Geometry: box, Population: 10, AreaKm2: 600, DEGURBA: 3}}}
		r.cells = []layers.Cell{{ID: cellAt(t, au), ResolutionM: 100, Population: 10, Known: true, AGS: "14628270", Year: 2011}}
		r.facs = []layers.Facility{{ID: "gp:b", Category: layers.CatGeneralPractice, Name: "Praxis B", Location: bu, AGS: "14628270", OpeningHours: hours}}
		e, err := analysis.Build(context.Background(), r, analysis.Options{Transit: feed, Modes: []layers.Mode{}, NewTransitPlanner: New})
		if err != nil {
			t.Fatal(err)
		}
		p, err := Of(e)
		if err != nil {
			t.Fatal(err)
		}
		return e, p
	}
	dep := time.Date(2023, 1, 11, 6, 59, 0, 0, time.UTC)
	q := analysis.TransitQuery{Departure: dep, WindowMinutes: 20}
	times := func(hours string) []float64 {
		_, p := build(hours)
		res, err := p.TravelTimes(context.Background(), layers.CatGeneralPractice, q)
		if err != nil {
			t.Fatal(err)
		}
		c := res.Cells[0]
		var out []float64
		for _, v := range []*float64{c.P10, c.Median, c.P90} {
			if v == nil {
				out = append(out, -1)
			} else {
				out = append(out, *v/60)
			}
		}
		return out
	}
	always, opens := times(""), times("Mo-Fr 07:50-18:00")
	// Without hours: the median is 25 minutes plus the walks, to the whole minute.
	if always[1] < 25 || always[1] > 27 {
		t.Fatalf("always open: median %v min, want 25 to 27", always[1])
	}
	// Leaving 06:59 + k, k = 0..19, every departure catches the 07:00 or 07:20 train (the
	// cell's walk to A takes under a minute and a half) and is served at 07:50: 51 − k minutes,
	// 32 to 51; the median (the 10th smallest) is 41.
	if opens[1] != 41 || opens[0] != 33 || opens[2] != 49 {
		t.Errorf("opening 07:50: p10, median, p90 %v min, want 33, 41, 49 (served at 07:50)", opens)
	}
	if closed := times("Mo-Tu 08:00-18:00; Th-Fr 08:00-18:00"); closed[0] != -1 || closed[1] != -1 {
		t.Errorf("closed on Wednesday: %v, want unreached", closed)
	}
	// The wrong syntax is refused when the facility is loaded.
	if _, err := layers.ParseOpeningHours("Mo-Fr 8-18"); err == nil {
		t.Error("bad hours: got no error")
	}
}

// TestRoundTripClosedAtAppointment checks that the shuttle's practice at B counts for an
// appointment while it is open and not once it has closed.
func TestRoundTripClosedAtAppointment(t *testing.T) {
	feed, a, b := shuttleFeed(t)
	box := orb.MultiPolygon{{{{400000, 5640000}, {430000, 5640000}, {430000, 5660000}, {400000, 5660000}, {400000, 5640000}}}}
	for _, tt := range []struct {
		hours string
		want  int64
	}{{"", 10}, {"We 07:30-12:00", 10}, {"We 07:30-07:59", 0}, {"Mo-Tu,Th-Su 07:00-12:00", 0}} {
		r := &fakeReader{munis: []layers.Municipality{{AGS: "14628010", Name: "West", KreisAGS: "14628", KreisName: "K", Geometry: box, Population: 10, AreaKm2: 300, DEGURBA: 3}}}
		r.cells = []layers.Cell{{ID: cellAt(t, orb.Point{a[0] + 50, a[1] + 50}), ResolutionM: 100, Population: 10, Known: true, AGS: "14628010", Year: 2011}}
		r.facs = []layers.Facility{{ID: "gp:b", Category: layers.CatGeneralPractice, Name: "Praxis B", Location: b, AGS: "14628010", OpeningHours: tt.hours}}
		e, err := analysis.Build(context.Background(), r, analysis.Options{Transit: feed, Modes: []layers.Mode{}, NewTransitPlanner: New})
		if err != nil {
			t.Fatal(err)
		}
		p, _ := Of(e)
		res, err := p.RoundTrips(context.Background(), RoundTripQuery{Category: layers.CatGeneralPractice, ArriveBy: time.Date(2023, 1, 11, 8, 0, 0, 0, time.UTC), StayMinutes: 30})
		if err != nil {
			t.Fatal(err)
		}
		if res.Possible != tt.want {
			t.Errorf("hours %q: %d can make it, want %d", tt.hours, res.Possible, tt.want)
		}
	}
}
