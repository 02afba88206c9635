package need

import (
	"context"
	"errors"
	"math"
	"testing"

	"github.com/paulmach/orb"

	"reach/geo/graph"
	"reach/geo/route"
	"reach/internal/analysis"
	"reach/layers"
)

// oracleAt computes, by brute force, the time from each populated cell of
// idx to the nearest of pts: one reference Dijkstra on the forward graph
// from the cell's departures, then the least over the points of the node
// cost plus the point's arrival offset; +Inf elsewhere.
func oracleAt(tb testing.TB, e *analysis.Engine, mode layers.Mode, pts []orb.Point, idx []int) []float64 {
	tb.Helper()
	net, ok := e.Net(mode)
	if !ok {
		tb.Fatalf("no %s network", mode)
	}
	var arrivals [][]route.Source
	for _, p := range pts {
		s := net.Network.Snap(p)
		arrivals = append(arrivals, s.Arrivals())
	}
	cells := e.PopulatedCells()
	out := make([]float64, len(cells))
	for i := range out {
		out[i] = math.Inf(1)
	}
	for _, ci := range idx {
		s := net.Network.Snap(cells[ci].UTM)
		if !s.Snapped {
			continue
		}
		tree := route.Dijkstra(net.Network.Graph(), s.Departures(), route.Unbounded)
		for _, arr := range arrivals {
			for _, a := range arr {
				if tree.Cost[a.Node] != graph.Closed {
					out[ci] = math.Min(out[ci], float64(graph.AddCost(tree.Cost[a.Node], a.Offset).Seconds()))
				}
			}
		}
	}
	return out
}

// TestFacilityCatchmentsAgainstOracle checks the catchment of a few
// facilities against the reference Dijkstra: every cell within the
// threshold is in it with the reference time, no other cell is.
func TestFacilityCatchmentsAgainstOracle(t *testing.T) {
	e, _ := demoEngine(t, analysis.Options{})
	cells := e.PopulatedCells()
	const threshold = 20 * 60.0
	cat := layers.CatGeneralPractice
	pairs, err := FacilityCatchments(context.Background(), e, cat, layers.Car, threshold)
	if err != nil {
		t.Fatal(err)
	}
	facs := e.FacilitiesOf(cat)
	got := make([]map[int]float64, len(facs))
	for j := range got {
		got[j] = map[int]float64{}
	}
	for _, p := range pairs {
		if _, dup := got[p.Facility][int(p.Cell)]; dup {
			t.Fatalf("facility %d cell %d: twice in the catchment", p.Facility, p.Cell)
		}
		got[p.Facility][int(p.Cell)] = float64(p.Seconds)
	}
	step := max(1, len(cells)/60)
	var idx []int
	for i := 0; i < len(cells); i += step {
		idx = append(idx, i)
	}
	checked := 0
	for j := 0; j < len(facs); j += max(1, len(facs)/4) {
		want := oracleAt(t, e, layers.Car, []orb.Point{facs[j].Location}, idx)
		for _, i := range idx {
			s, in := got[j][i]
			if want[i] <= threshold-0.01 {
				checked++
				if !in || math.Abs(s-want[i]) > 0.01 {
					t.Fatalf("facility %d cell %d: reference %v s, catchment %v (in %v)", j, i, want[i], s, in)
				}
			}
			if want[i] > threshold+0.01 && in {
				t.Fatalf("facility %d cell %d: reference %v s beyond the threshold, yet in the catchment", j, i, want[i])
			}
		}
	}
	if checked == 0 {
		t.Fatal("no sampled cell lies within the threshold: the test proves nothing")
	}
	// A site at a facility's location has that facility's catchment.
	site, reason, err := SiteCatchment(context.Background(), e, layers.Car, facs[0].Location, threshold, 99)
	if err != nil || reason != "" {
		t.Fatalf("site catchment: %v %q", err, reason)
	}
	if len(site) != len(got[0]) {
		t.Errorf("site at facility 0: %d cells, facility %d", len(site), len(got[0]))
	}
	for _, p := range site {
		if p.Facility != 99 || math.Abs(float64(p.Seconds)-got[0][int(p.Cell)]) > 0.01 {
			t.Fatalf("site pair %+v, facility 0 has %v", p, got[0][int(p.Cell)])
		}
	}
}

// TestArrivalFieldAgainstOracle: the arrival field of two stations with
// different head starts is the least of offset plus reference drive.
func TestArrivalFieldAgainstOracle(t *testing.T) {
	e, _ := demoEngine(t, analysis.Options{})
	cells := e.PopulatedCells()
	cat := layers.CatFireStation
	facs := e.FacilitiesOf(cat)
	if len(facs) < 2 {
		t.Skip("the demo region has fewer than two fire stations")
	}
	site := cells[len(cells)/2].UTM
	origins := []Origin{{Facility: 0, OffsetS: 300}, {Facility: 1, OffsetS: 60}, {Facility: -1, Site: site, OffsetS: 120}}
	af, err := ArrivalField(context.Background(), e, cat, layers.Car, origins)
	if err != nil {
		t.Fatal(err)
	}
	if !af.Snapped[2] {
		t.Fatalf("a populated cell's centre does not snap: %q", af.Reason[2])
	}
	step := max(1, len(cells)/40)
	var idx []int
	for i := 0; i < len(cells); i += step {
		idx = append(idx, i)
	}
	pts := []orb.Point{facs[0].Location, facs[1].Location, site}
	for _, i := range idx {
		best, from := math.Inf(1), int32(-1)
		for k, p := range pts {
			d := oracleAt(t, e, layers.Car, []orb.Point{p}, []int{i})[i] + origins[k].OffsetS
			if d < best {
				best, from = d, int32(k)
			}
		}
		if math.Abs(af.Seconds[i]-best) > 0.01 {
			t.Fatalf("cell %d: arrival %v s, reference %v s", i, af.Seconds[i], best)
		}
		if af.From[i] != from && math.Abs(af.Seconds[i]-best) > 0.01 {
			t.Errorf("cell %d: first from %d, reference %d", i, af.From[i], from)
		}
	}
	if _, err := ArrivalField(context.Background(), e, cat, layers.Car, []Origin{{Facility: len(facs)}}); !errors.Is(err, layers.ErrInvalid) {
		t.Errorf("facility index out of range: %v", err)
	}
	if _, err := ArrivalField(context.Background(), e, cat, layers.Car, []Origin{{Facility: 0, OffsetS: math.NaN()}}); !errors.Is(err, layers.ErrInvalid) {
		t.Errorf("NaN offset: %v", err)
	}
}
