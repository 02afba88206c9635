package transit

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/paulmach/orb"

	"reach/data/gtfs"
	"reach/geo/crs"
	"reach/internal/analysis"
	"reach/internal/realdata"
	"reach/layers"
)

// benchEngine builds an engine with every cell of a 1 km grid over the feed's core area
// (Dresden to Pirna and Meißen, 45 × 35 km, 1,575 cells), 12 general practices and the
// Dresden feed.
func benchEngine(b *testing.B) (*analysis.Engine, *Planner) {
	b.Helper()
	feed, err := gtfs.ReadFile(context.Background(), filepath.Join(realdata.Dir(b), "transit", "dresden_region_2023-01-11_gtfs.zip"))
	if err != nil {
		b.Fatal(err)
	}
	box := orb.MultiPolygon{{{{385000, 5630000}, {435000, 5630000}, {435000, 5675000}, {385000, 5675000}, {385000, 5630000}}}}
	r := &fakeReader{munis: []layers.Municipality{{AGS: "14628270", Name: "Testgebiet", KreisAGS: "14628", KreisName: "Testkreis",
		Geometry: box, Population: 100000, AreaKm2: 2250, DEGURBA: 2}}}
	for x := 388500.0; x < 433500; x += 1000 {
		for y := 5635500.0; y < 5670500; y += 1000 {
			r.cells = append(r.cells, layers.Cell{ID: cellAt(b, orb.Point{x, y}), ResolutionM: 100, Population: 100, Known: true, AGS: "14628270", Year: 2011})
		}
	}
	for i := 0; i < 12; i++ {
		ll := orb.Point{13.60 + 0.03*float64(i), 50.96 + 0.01*float64(i%5)}
		p, _ := crs.FromLonLat(crs.UTM33N, ll)
		r.facs = append(r.facs, layers.Facility{ID: fmt.Sprintf("gp:%d", i), Category: layers.CatGeneralPractice, Name: "Praxis", Location: p, AGS: "14628270"})
	}
	e, err := analysis.Build(context.Background(), r, analysis.Options{Transit: feed, Modes: []layers.Mode{}, NewTransitPlanner: New})
	if err != nil {
		b.Fatal(err)
	}
	p, err := Of(e)
	if err != nil {
		b.Fatal(err)
	}
	return e, p
}

// BenchmarkTransitIsochrone times a transit isochrone from Dresden Hauptbahnhof (15, 30, 45
// and 60 minutes) over a 60-minute window of departures, the timetable of the day already
// built, on the engine of BenchmarkTransitCells.
func BenchmarkTransitIsochrone(b *testing.B) {
	e, _ := benchEngine(b)
	dep, _ := analysis.ParseDeparture("2023-01-11T07:00")
	req := analysis.IsochroneRequest{Mode: analysis.Transit, Origins: []orb.Point{{13.7320, 51.0405}}, Minutes: []float64{15, 30, 45, 60},
		Transit: analysis.TransitQuery{Departure: dep, WindowMinutes: 60}}
	res, err := e.Isochrones(context.Background(), req)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(res.Bands[len(res.Bands)-1].CumulativeCells), "cells-within-60min")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.Isochrones(context.Background(), req); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTransitCells times the travel times of every cell of benchEngine to the nearest of
// its 12 facilities over a 60-minute window, the timetable of the day already built.
func BenchmarkTransitCells(b *testing.B) {
	e, p := benchEngine(b)
	dep, _ := analysis.ParseDeparture("2023-01-11T07:00")
	q := analysis.TransitQuery{Departure: dep, WindowMinutes: 60}
	if _, err := p.TravelTimes(context.Background(), layers.CatGeneralPractice, q); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(e.NumCells()), "cells")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.TravelTimes(context.Background(), layers.CatGeneralPractice, q); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTransitMemory reports the heap held by the feed and by one day's timetable per
// stop time of the Dresden feed (the estimate for the statewide feed).
func BenchmarkTransitMemory(b *testing.B) {
	path := filepath.Join(realdata.Dir(b), "transit", "dresden_region_2023-01-11_gtfs.zip")
	day, _ := layers.ParseTransitDate("2023-01-11")
	var feedBytes, ttBytes, n float64
	for b.Loop() {
		var m0, m1, m2 runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&m0)
		feed, err := gtfs.ReadFile(context.Background(), path)
		if err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		runtime.ReadMemStats(&m1)
		tt, err := feed.Timetable(day, layers.DefaultWalk())
		if err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		runtime.ReadMemStats(&m2)
		feedBytes = float64(m1.HeapAlloc) - float64(m0.HeapAlloc)
		ttBytes = float64(m2.HeapAlloc) - float64(m1.HeapAlloc)
		n = float64(len(feed.Arr))
		runtime.KeepAlive(feed)
		runtime.KeepAlive(tt)
	}
	b.ReportMetric(feedBytes/n, "feed-B/stoptime")
	b.ReportMetric(ttBytes/n, "timetable-B/stoptime")
}
