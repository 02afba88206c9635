package analysis

import (
	"context"
	"testing"

	"github.com/paulmach/orb"

	"reach/geo/crs"
	"reach/geo/route"
	"reach/layers"
)

// benchEngine builds the engine of the demo region (seed 1).
func benchEngine(b *testing.B) *Engine {
	b.Helper()
	r, _ := demoReader(b)
	e, err := Build(context.Background(), r, Options{Modes: []layers.Mode{layers.Car}})
	if err != nil {
		b.Fatal(err)
	}
	return e
}

// BenchmarkTravelTimes computes the car travel time from every populated
// cell of the demo region to the nearest general practice (one reverse
// multi-source search plus the cells), bypassing the cache.
func BenchmarkTravelTimes(b *testing.B) {
	e := benchEngine(b)
	mn := e.nets[layers.Car]
	b.Logf("%d cells, %d nodes, %d arcs, %d practices", len(e.cells), mn.n.Graph().NumNodes(), mn.n.Graph().NumArcs(), len(e.byCat[layers.CatGeneralPractice]))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.networkField(context.Background(), mn, layers.CatGeneralPractice); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAddedSite measures the effect of one added general practice
// (the "only improving" search on the baseline), rotating over cell
// centres as candidate sites.
func BenchmarkAddedSite(b *testing.B) {
	e := benchEngine(b)
	mn := e.nets[layers.Car]
	f, err := e.fieldFor(context.Background(), layers.CatGeneralPractice, layers.Car)
	if err != nil {
		b.Fatal(err)
	}
	var sites [][]route.Source
	for i := 0; i < len(e.cells); i += max(1, len(e.cells)/200) {
		if s := mn.n.Snap(e.cells[i].utm); s.Snapped {
			sites = append(sites, s.Arrivals())
		}
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		_ = e.improveNetwork(mn, f, sites[i%len(sites):i%len(sites)+1])
		i++
	}
}

// BenchmarkIsochrone30 builds one 30-minute car isochrone polygon with its
// population from a central place of the demo region.
func BenchmarkIsochrone30(b *testing.B) {
	e := benchEngine(b)
	var o orb.Point
	for _, p := range e.places {
		if p.Level >= layers.LevelMittelzentrum {
			o, _ = crs.ToLonLat(crs.UTM33N, p.Location)
			break
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.Isochrones(context.Background(), IsochroneRequest{Mode: layers.Car, Origins: []orb.Point{o}, Minutes: []float64{30}}); err != nil {
			b.Fatal(err)
		}
	}
}
