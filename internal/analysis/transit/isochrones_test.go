package transit

import (
	"context"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"reach/geo/crs"
	"reach/internal/analysis"
	"reach/layers"
)

// TestTransitIsochroneLine checks the bands of the one-line feed: leaving A from 06:59 over 20
// minutes, B's stop is reached after a median of 25 min (see TestTransitMatrixWaitingIncluded),
// so a cell at B lies in the 30-minute band, not in the 20-minute one, and a cell 600 m beyond
// B is reached some 8 minutes of walking later.
func TestTransitIsochroneLine(t *testing.T) {
	feed, a, b := lineFeed(t)
	bu, _ := crs.FromLonLat(crs.UTM33N, b)
	beyond := orb.Point{bu[0] + 600, bu[1]}
	far := orb.Point{bu[0] + 3000, bu[1]}
	box := orb.MultiPolygon{{{{400000, 5640000}, {430000, 5640000}, {430000, 5660000}, {400000, 5660000}, {400000, 5640000}}}}
	r := &fakeReader{munis: []layers.Municipality{{AGS: "14628270", Name: "Test", KreisAGS: "14628", KreisName: "K", Geometry: box, Population: 300, AreaKm2: 600, DEGURBA: 3}}}
	for i, p := range []orb.Point{bu, beyond, far} {
		r.cells = append(r.cells, layers.Cell{ID: cellAt(t, p), ResolutionM: 100, Population: int64(10 * (i + 1)), Known: true, AGS: "14628270", Year: 2011})
	}
	e, err := analysis.Build(context.Background(), r, analysis.Options{Transit: feed, Modes: []layers.Mode{}, NewTransitPlanner: New})
	if err != nil {
		t.Fatal(err)
	}
	dep, _ := analysis.ParseDeparture("2023-01-11T06:59")
	res, err := e.Isochrones(context.Background(), analysis.IsochroneRequest{Mode: analysis.Transit, Origins: []orb.Point{a},
		Minutes: []float64{20, 30, 60}, Transit: analysis.TransitQuery{Departure: dep, WindowMinutes: 20}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Bands) != 3 {
		t.Fatalf("got %d bands, want 3", len(res.Bands))
	}
	// Cells: at B (10 residents) 25 min + the walk from the cell centre; 600 m beyond (20) a few
	// minutes more; 3 km beyond (30) not within 1,200 m of a stop.
	if got := res.Bands[0].CumulativePopulation; got != 0 {
		t.Errorf("within 20 min: %d residents, want 0", got)
	}
	// 600 m at the foot estimate's pace (about 1.2 m/s) adds some 8 minutes: 33 min.
	if got := res.Bands[1].CumulativePopulation; got != 10 {
		t.Errorf("within 30 min: %d residents, want 10 (the cell at B)", got)
	}
	if got := res.Bands[2].CumulativePopulation; got != 30 {
		t.Errorf("within 60 min: %d residents, want 30 (the cell 3 km beyond B is out of walking reach)", got)
	}
	contains := func(mp orb.MultiPolygon, ll orb.Point) bool {
		for _, p := range mp {
			if planar.PolygonContains(p, ll) {
				return true
			}
		}
		return false
	}
	if contains(res.Bands[0].Geometry, b) {
		t.Error("B lies inside the 20-minute band")
	}
	if !contains(res.Bands[1].Geometry, b) {
		t.Error("B lies outside the 30-minute band")
	}
	if !contains(res.Bands[0].Geometry, a) {
		t.Error("the origin lies outside the 20-minute band")
	}
	farLL, _ := crs.ToLonLat(crs.UTM33N, far)
	if contains(res.Bands[2].Geometry, farLL) {
		t.Error("3 km beyond B lies inside the 60-minute band")
	}
	// Without a departure the request is refused naming it.
	if _, err := e.Isochrones(context.Background(), analysis.IsochroneRequest{Mode: analysis.Transit, Origins: []orb.Point{a}, Minutes: []float64{20}}); err == nil {
		t.Error("no departure: got no error")
	}
}
