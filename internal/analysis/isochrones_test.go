package analysis

import (
	"context"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"reach/geo/graph"
	"reach/geo/isochrone"
	"reach/geo/route"
	"reach/internal/network"
	"reach/layers"
)

// BenchmarkSaxonyIsochroneParts splits one 30-minute car isochrone of
// BenchmarkSaxonyIsochrone30 into its phases (mean milliseconds per op):
// the bounded search, the raster (collecting the reached edges and filling
// the grid), the contour with its projection to lon/lat, and the residents
// of the cells reached. It also reports the chosen raster step and size.
func BenchmarkSaxonyIsochroneParts(b *testing.B) {
	f := saxonyBench(b)
	mn := f.mn
	g := mn.n.Graph()
	minutes := []float64{30}
	var search, raster, contour, pop time.Duration
	var step, samples, edges float64
	i := 0
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		o := f.origins[i%len(f.origins)]
		i++
		t0 := time.Now()
		s, _, err := mn.snapPoint(o)
		if err != nil || !s.Snapped {
			b.Fatalf("origin %v: snapped %v, err %v", o, s.Snapped, err)
		}
		limit, _ := graph.CostOf(graph.Seconds(30 * 60))
		q := mn.fromOrigins([][]route.Source{s.Departures()}, limit)
		t1 := time.Now()
		r, err := f.e.networkRaster(mn, g, q.Costs(), q.Settled(), 1800, []isochrone.Reached{{P: s.Point, Seconds: float64(s.Access.Seconds())}})
		if err != nil {
			b.Fatal(err)
		}
		t2 := time.Now()
		costs := q.Costs()
		pops, cells := f.e.bandPopulation(minutes, func(ci int) float64 {
			if c, _, ok := network.Leave(mn.cellIn[ci], costs); ok {
				return float64(c.Seconds())
			}
			return 1e18
		})
		t3 := time.Now()
		bands := contourBands(r, minutes, pops, cells)
		t4 := time.Now()
		mn.n.Queries().Put(q)
		search += t1.Sub(t0)
		raster += t2.Sub(t1)
		pop += t3.Sub(t2)
		contour += t4.Sub(t3)
		step += r.Step
		samples += float64(r.NX * r.NY)
		_ = bands
		_ = edges
	}
	n := float64(i)
	ms := func(d time.Duration) float64 { return float64(d) / 1e6 / n }
	b.ReportMetric(ms(search), "search-ms")
	b.ReportMetric(ms(raster), "raster-ms")
	b.ReportMetric(ms(contour), "contour-ms")
	b.ReportMetric(ms(pop), "population-ms")
	b.ReportMetric(step/n, "step-m")
	b.ReportMetric(samples/n, "samples")
	_ = context.Background
	_ = orb.Point{}
	_ = layers.Car
}
