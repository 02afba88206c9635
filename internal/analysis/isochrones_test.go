package analysis

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"reach/geo/crs"
	"reach/geo/graph"
	"reach/geo/isochrone"
	"reach/geo/route"
	"reach/internal/analysis/bands"
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
	var step, samples float64
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
		r, err := mn.n.Raster(g, q, 1800, []isochrone.Reached{{P: s.Point, Seconds: float64(s.Access.Seconds())}}, f.e.Raster().Options(1800))
		if err != nil {
			b.Fatal(err)
		}
		t2 := time.Now()
		costs := q.Costs()
		pops, cells := bands.Population(minutes, f.e.BandCells(), func(ci int) float64 {
			if c, _, ok := network.Leave(mn.cells.Arrivals(ci), costs); ok {
				return float64(c.Seconds())
			}
			return 1e18
		})
		t3 := time.Now()
		bs := bands.Contour(r, minutes, pops, cells)
		t4 := time.Now()
		mn.n.Queries().Put(q)
		search += t1.Sub(t0)
		raster += t2.Sub(t1)
		pop += t3.Sub(t2)
		contour += t4.Sub(t3)
		step += r.Step
		samples += float64(r.NX * r.NY)
		_ = bs
	}
	n := float64(i)
	ms := func(d time.Duration) float64 { return float64(d) / 1e6 / n }
	b.ReportMetric(ms(search), "search-ms")
	b.ReportMetric(ms(raster), "raster-ms")
	b.ReportMetric(ms(contour), "contour-ms")
	b.ReportMetric(ms(pop), "population-ms")
	b.ReportMetric(step/n, "step-m")
	b.ReportMetric(samples/n, "samples")
}

func TestIsochroneMethodNamesStep(t *testing.T) {
	r, n := fixture(t)
	e := buildEngine(t, r)
	o, _ := crs.ToLonLat(crs.UTM33N, n.nodes['F'])
	res, err := e.Isochrones(context.Background(), IsochroneRequest{Mode: layers.Car, Origins: []orb.Point{o}, Minutes: []float64{10, 30}})
	if err != nil {
		t.Fatal(err)
	}
	// The fixture is a few kilometres across: the base step is kept.
	if want := "marching squares, 100 m raster)"; !strings.Contains(res.Method, want) || res.Provenance.Method != res.Method {
		t.Fatalf("method %q (provenance %q), want it to contain %q", res.Method, res.Provenance.Method, want)
	}
	if got, want := e.Raster().StepText(300), "300 m raster: 3 × the 100 m base step"; !strings.HasPrefix(got, want) {
		t.Fatalf("step text %q, want prefix %q", got, want)
	}
	// The raster covers everything reached: its border stays unreachable.
	mn := e.nets[layers.Car]
	s := mn.n.Snap(n.nodes['F'])
	limit, _ := graph.CostOf(graph.Seconds(30 * 60))
	q := mn.fromOrigins([][]route.Source{s.Departures()}, limit)
	defer mn.n.Queries().Put(q)
	ras, err := mn.n.Raster(mn.n.Graph(), q, 1800, nil, e.Raster().Options(1800))
	if err != nil || ras == nil {
		t.Fatalf("raster %v, err %v", ras, err)
	}
	for ix := 0; ix < ras.NX; ix++ {
		for _, iy := range []int{0, ras.NY - 1} {
			if !math.IsInf(ras.At(ix, iy), 1) {
				t.Fatalf("border sample (%d, %d) is reached", ix, iy)
			}
		}
	}
	for iy := 0; iy < ras.NY; iy++ {
		for _, ix := range []int{0, ras.NX - 1} {
			if !math.IsInf(ras.At(ix, iy), 1) {
				t.Fatalf("border sample (%d, %d) is reached", ix, iy)
			}
		}
	}
	// Every reached node's own sample has at most the node's time plus the
	// walk to it (the node is one of the points that define it).
	g := mn.n.Graph()
	for _, v := range q.Settled() {
		tv := float64(q.Cost(v).Seconds())
		if tv > 1800 {
			continue
		}
		p := g.Point(v)
		ix := int(math.Round((p[0] - ras.Origin[0]) / ras.Step))
		iy := int(math.Round((p[1] - ras.Origin[1]) / ras.Step))
		q0 := ras.Point(ix, iy)
		if got, limit := ras.At(ix, iy), tv+math.Hypot(p[0]-q0[0], p[1]-q0[1])/bands.WalkMS; got > limit+1e-9 {
			t.Fatalf("node %d at %v s: its sample has %v s, want ≤ %v", v, tv, got, limit)
		}
	}
}

// TestIsochroneRingsAddUp checks that each band's population counts its
// ring only: the rings add up to the cumulative populations, and each
// cumulative figure equals the population of a request with that threshold
// alone (computed without any ring arithmetic).
func TestIsochroneRingsAddUp(t *testing.T) {
	r, n := fixture(t)
	e := buildEngine(t, r)
	o, _ := crs.ToLonLat(crs.UTM33N, n.nodes['F'])
	for _, mode := range []layers.Mode{layers.Car, layers.Foot} {
		minutes := []float64{2, 5, 10, 30}
		res, err := e.Isochrones(context.Background(), IsochroneRequest{Mode: mode, Origins: []orb.Point{o}, Minutes: minutes})
		if err != nil {
			t.Fatal(err)
		}
		var sumPop int64
		sumCells := 0
		for i, b := range res.Bands {
			sumPop += b.Population
			sumCells += b.Cells
			if got, want := b.CumulativePopulation, sumPop; got != want {
				t.Errorf("%s band %d: cumulative population %d, want the sum of the rings %d", mode, i, got, want)
			}
			if got, want := b.CumulativeCells, sumCells; got != want {
				t.Errorf("%s band %d: cumulative cells %d, want the sum of the rings %d", mode, i, got, want)
			}
			alone, err := e.Isochrones(context.Background(), IsochroneRequest{Mode: mode, Origins: []orb.Point{o}, Minutes: []float64{b.Minutes}})
			if err != nil {
				t.Fatal(err)
			}
			if got, want := b.CumulativePopulation, alone.Bands[0].Population; got != want {
				t.Errorf("%s band %d (≤ %v min): cumulative population %d, want %d as a request with that threshold alone", mode, i, b.Minutes, got, want)
			}
			if want := []float64{0, 2, 5, 10}[i]; b.FromMinutes != want {
				t.Errorf("%s band %d: from %v, want %v", mode, i, b.FromMinutes, want)
			}
		}
		if sumPop == 0 {
			t.Errorf("%s: nobody reached; the test says nothing", mode)
		}
		if res.Bands[0].Population == sumPop {
			t.Errorf("%s: all residents in the first ring; the rings are not tested", mode)
		}
	}
}
