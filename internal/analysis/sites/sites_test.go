package sites

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"reach/internal/analysis"
	"reach/internal/analysis/analysistest"
	"reach/layers"
)

// build builds the engine of l with car and foot networks.
func build(tb testing.TB, l analysistest.Layers) *analysis.Engine {
	tb.Helper()
	e, err := analysis.Build(context.Background(), &analysistest.Reader{L: l}, analysis.Options{Modes: []layers.Mode{layers.Car, layers.Foot}, Now: func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }})
	if err != nil {
		tb.Fatalf("Build: %v", err)
	}
	return e
}

// covers returns the residents of the cells on the car network that are
// outside the standard today (before, seconds per cell) and would reach a
// facility at site within limit seconds by car over the network, by the
// engine's field towards the site (a search over the whole network, not
// the "only improving" search Suggest uses).
func covers(t *testing.T, e *analysis.Engine, before []float64, site orb.Point, limit float64) int64 {
	t.Helper()
	at, err := e.PointsField(context.Background(), layers.Car, []orb.Point{site})
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	for ci, c := range e.PopulatedCells() {
		if before[ci] > limit && at.Seconds()[ci] <= limit && at.MethodOf(ci) == analysis.MethodNetwork {
			n += c.Residents
		}
	}
	return n
}

func TestSuggestGreedyAndBound(t *testing.T) {
	l, n := analysistest.Fixture(t)
	l.Facilities = append(l.Facilities, layers.Facility{ID: "th:e", Category: layers.CatTownHall, Name: "Rathaus Ost", Location: analysistest.Add(n.Nodes['E'], orb.Point{0, -40}), AGS: "14628020"})
	e := build(t, l)
	ctx := context.Background()
	res, err := Suggest(ctx, e, Request{Category: layers.CatGeneralPractice, Mode: layers.Car, K: 1, Candidates: CandidatesCentralPlaces})
	if err != nil {
		t.Fatal(err)
	}
	f, err := e.TravelField(ctx, layers.CatGeneralPractice, layers.Car)
	if err != nil {
		t.Fatal(err)
	}
	before := f.Seconds()
	// The one central place, covering exactly the residents outside the
	// standard (20 minutes) who reach it within it.
	if want := covers(t, e, before, l.CentralPlaces[0].Location, 1200); res.TotalCovered != want || want == 0 {
		t.Fatalf("covered %d, by the field towards the place %d", res.TotalCovered, want)
	}
	if res.UpperBound < res.TotalCovered || res.OptimalityGap < 0 || res.OptimalityGap > 1 {
		t.Fatalf("bound %d, gap %v for total %d", res.UpperBound, res.OptimalityGap, res.TotalCovered)
	}
	pb, err := Suggest(ctx, e, Request{Category: layers.CatGeneralPractice, Mode: layers.Car, K: 2, Candidates: CandidatesPublicBuildings})
	if err != nil {
		t.Fatal(err)
	}
	wantHall := covers(t, e, before, l.Facilities[len(l.Facilities)-1].Location, 1200)
	if len(pb.Sites) != 1 || pb.Sites[0].Label != "Rathaus Ost" || pb.TotalCovered != wantHall || wantHall == 0 {
		t.Fatalf("public buildings: %+v covering %d, by the field towards the hall %d", pb.Sites, pb.TotalCovered, wantHall)
	}
	res3, err := Suggest(ctx, e, Request{Category: layers.CatGeneralPractice, Mode: layers.Car, K: 3})
	if err != nil {
		t.Fatal(err)
	}
	var sum int64
	for i, s := range res3.Sites {
		sum += s.NewlyCovered
		if i > 0 && s.NewlyCovered > res3.Sites[i-1].NewlyCovered {
			t.Fatalf("greedy gains increase: %+v", res3.Sites)
		}
	}
	// Residents outside the standard: no site can cover more.
	var outside int64
	for ci, c := range e.PopulatedCells() {
		if before[ci] > 1200 {
			outside += c.Residents
		}
	}
	if sum != res3.TotalCovered || res3.TotalCovered > outside || res3.UpperBound > outside {
		t.Fatalf("sites %+v: total %d, bound %d, outside %d", res3.Sites, res3.TotalCovered, res3.UpperBound, outside)
	}
}

// TestRequestValidation: k out of range, an unknown candidate kind,
// category or mode are refused as invalid input.
func TestRequestValidation(t *testing.T) {
	l, _ := analysistest.Fixture(t)
	e := build(t, l)
	for name, req := range map[string]Request{
		"k=0":          {Category: layers.CatHospital, Mode: layers.Car},
		"k too large":  {Category: layers.CatHospital, Mode: layers.Car, K: MaxSites + 1},
		"candidates":   {Category: layers.CatHospital, Mode: layers.Car, K: 1, Candidates: "churches"},
		"bad category": {Category: "bakery", Mode: layers.Car, K: 1},
		"bad mode":     {Category: layers.CatHospital, Mode: "plane", K: 1},
	} {
		if _, err := Suggest(context.Background(), e, req); !errors.Is(err, layers.ErrInvalid) {
			t.Errorf("%s: error %v, want one wrapping layers.ErrInvalid", name, err)
		}
	}
}
