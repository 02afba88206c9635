package transit

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"reach/geo/crs"
	"reach/internal/analysis"
	"reach/internal/analysis/derived"
	"reach/internal/analysis/gaps"
	"reach/layers"
)

// lineEngine builds an engine on the one-line feed with a general practice at B, cells at A
// (10 residents) and 5 km north of A (20, beyond any stop), and the default window
// 06:59 + 20 min.
func lineEngine(t *testing.T) (*analysis.Engine, orb.Point, orb.Point) {
	t.Helper()
	return lineEngineWith(t, func(_, b orb.Point) []layers.Facility {
		return []layers.Facility{{ID: "gp:b", Category: layers.CatGeneralPractice, Name: "Praxis B", Location: b, AGS: "14628270"}}
	})
}

// lineEngineWith is lineEngine with the facilities facs places given A and B (EPSG:25833).
func lineEngineWith(t *testing.T, facs func(a, b orb.Point) []layers.Facility) (*analysis.Engine, orb.Point, orb.Point) {
	t.Helper()
	feed, a, b := lineFeed(t)
	au, _ := crs.FromLonLat(crs.UTM33N, a)
	bu, _ := crs.FromLonLat(crs.UTM33N, b)
	box := orb.MultiPolygon{{{{400000, 5640000}, {430000, 5640000}, {430000, 5660000}, {400000, 5660000}, {400000, 5640000}}}}
	r := &fakeReader{munis: []layers.Municipality{{AGS: "14628270", Name: "Test", KreisAGS: "14628", KreisName: "K", Geometry: box, Population: 30, AreaKm2: 600, DEGURBA: 3}}}
	r.cells = []layers.Cell{
		{ID: cellAt(t, au), ResolutionM: 100, Population: 10, Known: true, AGS: "14628270", Year: 2011},
		{ID: cellAt(t, orb.Point{au[0], au[1] + 5000}), ResolutionM: 100, Population: 20, Known: true, AGS: "14628270", Year: 2011},
	}
	r.facs = facs(au, bu)
	dep := time.Date(2023, 1, 11, 6, 59, 0, 0, time.UTC)
	e, err := analysis.Build(context.Background(), r, analysis.Options{Transit: feed, Modes: []layers.Mode{}, NewTransitPlanner: New,
		TransitDefault: analysis.TransitQuery{Departure: dep, WindowMinutes: 20}})
	if err != nil {
		t.Fatal(err)
	}
	return e, au, bu
}

// TestTransitGapsAndTravelTimes checks travel times and the gap register by public transport
// on the line: the cell at A reaches the practice at B after a median of 25 minutes plus the
// walks (rounded up to the minute); the cell 5 km away has no stop within walking distance
// (no_stop), which the register lists but counts apart from the residents outside.
func TestTransitGapsAndTravelTimes(t *testing.T) {
	e, _, _ := lineEngine(t)
	ctx := context.Background()
	tts, err := e.TravelTimes(ctx, layers.CatGeneralPractice, analysis.Transit)
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]analysis.TravelTime{}
	for _, tt := range tts {
		byID[tt.CellID] = tt
	}
	var atA, far analysis.TravelTime
	for i := range e.NumCells() {
		c := e.Cell(i)
		if c.Residents == 10 {
			atA = byID[c.ID]
		} else {
			far = byID[c.ID]
		}
	}
	// Median ride 25 min (see TestTransitMatrixWaitingIncluded); the walks from the cell centre
	// to A and from B to the practice take under a minute and a half; arrivals count to the
	// minute.
	if !atA.Reached || atA.Seconds < 25*60 || atA.Seconds > 27*60 || math.Mod(atA.Seconds, 60) != 0 {
		t.Errorf("cell at A: reached %v in %v s, want 25 to 27 whole minutes", atA.Reached, atA.Seconds)
	}
	if atA.Method != analysis.MethodTransit {
		t.Errorf("method %q, want %q", atA.Method, analysis.MethodTransit)
	}
	if far.Reached || far.Method != analysis.MethodNoStop {
		t.Errorf("cell 5 km away: reached %v in %v s by %q, want not reached, %q", far.Reached, far.Seconds, far.Method, analysis.MethodNoStop)
	}
	// The catalogue's 30 minutes (RIN 2008): no served cell is outside; the far cell is listed
	// as no_stop and counted apart. With 20 minutes the cell at A is outside.
	rep, err := gaps.Of(ctx, e, gaps.Query{Category: layers.CatGeneralPractice, Mode: analysis.Transit})
	if err != nil {
		t.Fatal(err)
	}
	if rep.StandardMinutes != 30 || rep.Outside != 0 || rep.NoStop != 20 || len(rep.Cells) != 1 || rep.Cells[0].Reached || rep.Cells[0].Method != analysis.MethodNoStop {
		t.Errorf("gaps at 30 min: standard %v, outside %d, no stop %d, cells %+v; want 30, 0, 20 and the far cell no_stop", rep.StandardMinutes, rep.Outside, rep.NoStop, rep.Cells)
	}
	if math.Abs(rep.ShareNoStop-20.0/30) > 1e-9 || rep.Share != 0 {
		t.Errorf("shares: outside %v, no stop %v; want 0 and 2/3", rep.Share, rep.ShareNoStop)
	}
	want := map[string]float64{analysis.MethodTransit: 10.0 / 30, analysis.MethodNoStop: 20.0 / 30}
	if len(rep.MethodShares) != len(want) {
		t.Errorf("method shares %v, want %v", rep.MethodShares, want)
	}
	for m, w := range want {
		if got := rep.MethodShares[m]; math.Abs(got-w) > 1e-9 {
			t.Errorf("method share %s: %v, want %v", m, got, w)
		}
	}
	// The median and 90th percentile are those of the served residents: the cell at A.
	if rep.MedianSeconds == nil || rep.P90Seconds == nil || *rep.MedianSeconds != atA.Seconds || *rep.P90Seconds != atA.Seconds {
		t.Errorf("median %v, p90 %v: want the time of the cell at A, %v", deref(rep.MedianSeconds), deref(rep.P90Seconds), atA.Seconds)
	}
	if len(rep.Municipalities) != 1 || rep.Municipalities[0].NoStop != 20 || rep.Municipalities[0].Outside != 0 {
		t.Errorf("municipality rows %+v, want one with 20 no_stop and 0 outside", rep.Municipalities)
	}
	rep, err = gaps.Of(ctx, e, gaps.Query{Category: layers.CatGeneralPractice, Mode: analysis.Transit, MaxMinutes: 20})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Outside != 10 || rep.NoStop != 20 || len(rep.Cells) != 2 {
		t.Errorf("gaps at 20 min: outside %d, no stop %d, %d cells; want 10, 20, 2", rep.Outside, rep.NoStop, len(rep.Cells))
	}
	// A window after the last train: no stop has a departure in it, so no cell is served.
	late := time.Date(2023, 1, 11, 9, 0, 0, 0, time.UTC)
	rep, err = gaps.Of(ctx, e, gaps.Query{Category: layers.CatGeneralPractice, Mode: analysis.Transit, Transit: analysis.TransitQuery{Departure: late}})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Outside != 0 || rep.NoStop != 30 {
		t.Errorf("gaps after the last train: outside %d, no stop %d, want 0 and 30", rep.Outside, rep.NoStop)
	}
	// The gaps collection takes mode=transit.
	page, err := derived.Source(e, nil, nil).Items(ctx, layers.ItemsQuery{Collection: derived.CollGaps, Limit: 10,
		Filters: map[string]string{"category": string(layers.CatGeneralPractice), "mode": "transit"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Features) != 1 {
		t.Fatalf("gaps collection with mode=transit: %d features, want 1", len(page.Features))
	}
	if m := propOf(page.Features[0], "method"); m != analysis.MethodNoStop {
		t.Errorf("gaps collection: method %v, want %q", m, analysis.MethodNoStop)
	}
}

func propOf(f layers.Feature, name string) any {
	for _, p := range f.Properties {
		if p.Name == name {
			return p.Value
		}
	}
	return nil
}

// TestTransitNoStopVersusUnreachable tells the two kinds of unreached cells apart on the line:
// a pharmacy 5 km south of B, beyond any walk from a stop, cannot be reached from the cell at
// A, which a stop with departures serves (unreachable), nor from the cell 5 km north of A,
// which no stop serves (no_stop). The timetable serves a third of the residents, and the
// coverage says so with a warning.
func TestTransitNoStopVersusUnreachable(t *testing.T) {
	e, _, _ := lineEngineWith(t, func(_, b orb.Point) []layers.Facility {
		return []layers.Facility{{ID: "ph:s", Category: layers.CatPharmacy, Name: "Apotheke Süd", Location: orb.Point{b[0], b[1] - 5000}, AGS: "14628270"}}
	})
	ctx := context.Background()
	tts, err := e.TravelTimes(ctx, layers.CatPharmacy, analysis.Transit)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tts {
		want := analysis.MethodNoStop
		if tt.Population == 10 {
			want = analysis.MethodUnreachable
		}
		if tt.Reached || tt.Method != want {
			t.Errorf("cell of %d residents: reached %v by %q, want not reached, %q", tt.Population, tt.Reached, tt.Method, want)
		}
	}
	rep, err := gaps.Of(ctx, e, gaps.Query{Category: layers.CatPharmacy, Mode: analysis.Transit, MaxMinutes: 30})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Outside != 10 || rep.NoStop != 20 || rep.MedianSeconds != nil {
		t.Errorf("gaps: outside %d, no stop %d, median %v; want 10, 20, none", rep.Outside, rep.NoStop, deref(rep.MedianSeconds))
	}
	if math.Abs(rep.MethodShares[analysis.MethodUnreachable]-1.0/3) > 1e-9 || math.Abs(rep.MethodShares[analysis.MethodNoStop]-2.0/3) > 1e-9 {
		t.Errorf("method shares %v, want unreachable 1/3, no_stop 2/3", rep.MethodShares)
	}
	cov := transitCoverage(t, e)
	if cov.Population != 30 || cov.OnNetwork != 10 || math.Abs(cov.Share-1.0/3) > 1e-9 {
		t.Errorf("transit coverage %+v, want 10 of 30 residents", cov)
	}
	if !strings.Contains(cov.Warning, "33.3 %") || !strings.Contains(cov.Criterion, "06:59 to 07:19 on 2023-01-11 within 1200 m") {
		t.Errorf("transit coverage warning %q, criterion %q", cov.Warning, cov.Criterion)
	}
}

// TestServedCellsKeepsFewWindows: the served cells of many windows are computed right, and the
// planner keeps at most maxServedWindows of them.
func TestServedCellsKeepsFewWindows(t *testing.T) {
	e, _, _ := lineEngine(t)
	p, err := Of(e)
	if err != nil {
		t.Fatal(err)
	}
	for k := 0; k < 3*maxServedWindows; k++ {
		dep := time.Date(2023, 1, 11, 6, 0, 0, 0, time.UTC).Add(time.Duration(5*k) * time.Minute)
		served, _, err := p.ServedCells(context.Background(), analysis.TransitQuery{Departure: dep, WindowMinutes: 20})
		if err != nil {
			t.Fatal(err)
		}
		// Trains leave A from 07:00 to 08:40 every 20 minutes; B is the last stop of each.
		end := dep.Add(20 * time.Minute)
		want := false
		for m := 0; m <= 100; m += 20 {
			if d := time.Date(2023, 1, 11, 7, 0, 0, 0, time.UTC).Add(time.Duration(m) * time.Minute); !d.Before(dep) && d.Before(end) {
				want = true
			}
		}
		for ci, s := range served {
			near := e.Cell(ci).Residents == 10 // the cell at A; the other is 5 km away
			if s != (want && near) {
				t.Errorf("window from %s: cell %d served %v, want %v", dep.Format("15:04"), ci, s, want && near)
			}
		}
	}
	p.mu.Lock()
	n := len(p.served)
	p.mu.Unlock()
	if n > maxServedWindows {
		t.Errorf("%d windows kept, want at most %d", n, maxServedWindows)
	}
}

// transitCoverage returns the timetable's entry of e's coverage.
func transitCoverage(t *testing.T, e *analysis.Engine) analysis.NetworkCoverage {
	t.Helper()
	for _, c := range e.Coverage() {
		if c.Mode == analysis.Transit {
			return c
		}
	}
	t.Fatal("coverage has no transit entry")
	return analysis.NetworkCoverage{}
}
