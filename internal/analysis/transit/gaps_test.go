package transit

import (
	"context"
	"math"
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
	feed, a, b := lineFeed(t)
	au, _ := crs.FromLonLat(crs.UTM33N, a)
	bu, _ := crs.FromLonLat(crs.UTM33N, b)
	box := orb.MultiPolygon{{{{400000, 5640000}, {430000, 5640000}, {430000, 5660000}, {400000, 5660000}, {400000, 5640000}}}}
	r := &fakeReader{munis: []layers.Municipality{{AGS: "14628270", Name: "Test", KreisAGS: "14628", KreisName: "K", Geometry: box, Population: 30, AreaKm2: 600, DEGURBA: 3}}}
	r.cells = []layers.Cell{
		{ID: cellAt(t, au), ResolutionM: 100, Population: 10, Known: true, AGS: "14628270", Year: 2011},
		{ID: cellAt(t, orb.Point{au[0], au[1] + 5000}), ResolutionM: 100, Population: 20, Known: true, AGS: "14628270", Year: 2011},
	}
	r.facs = []layers.Facility{{ID: "gp:b", Category: layers.CatGeneralPractice, Name: "Praxis B", Location: bu, AGS: "14628270"}}
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
// walks (rounded up to the minute), the cell 5 km away not at all.
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
	if far.Reached {
		t.Errorf("cell 5 km away: reached in %v s, want unreachable", far.Seconds)
	}
	// The catalogue's 30 minutes (RIN 2008): only the far cell is outside; with 20 minutes both.
	rep, err := gaps.Of(ctx, e, gaps.Query{Category: layers.CatGeneralPractice, Mode: analysis.Transit})
	if err != nil {
		t.Fatal(err)
	}
	if rep.StandardMinutes != 30 || rep.Outside != 20 || len(rep.Cells) != 1 || rep.Cells[0].Reached {
		t.Errorf("gaps at 30 min: standard %v, outside %d, cells %+v; want 30, 20 and the far cell unreached", rep.StandardMinutes, rep.Outside, rep.Cells)
	}
	if got := rep.MethodShares[analysis.MethodUnreachable]; math.Abs(got-20.0/30) > 1e-9 {
		t.Errorf("unreachable share %v, want 2/3", got)
	}
	rep, err = gaps.Of(ctx, e, gaps.Query{Category: layers.CatGeneralPractice, Mode: analysis.Transit, MaxMinutes: 20})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Outside != 30 {
		t.Errorf("gaps at 20 min: outside %d, want 30", rep.Outside)
	}
	// A window after the last train: everything outside.
	late := time.Date(2023, 1, 11, 9, 0, 0, 0, time.UTC)
	rep, err = gaps.Of(ctx, e, gaps.Query{Category: layers.CatGeneralPractice, Mode: analysis.Transit, Transit: analysis.TransitQuery{Departure: late}})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Outside != 30 {
		t.Errorf("gaps after the last train: outside %d, want 30", rep.Outside)
	}
	// The gaps collection takes mode=transit.
	page, err := derived.Source(e, nil, nil).Items(ctx, layers.ItemsQuery{Collection: derived.CollGaps, Limit: 10,
		Filters: map[string]string{"category": string(layers.CatGeneralPractice), "mode": "transit"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Features) != 1 {
		t.Errorf("gaps collection with mode=transit: %d features, want 1", len(page.Features))
	}
}
