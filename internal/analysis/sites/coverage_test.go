package sites

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/paulmach/orb"

	"reach/geo/graph"
	"reach/internal/analysis"
	"reach/internal/analysis/analysistest"
	"reach/internal/network"
	"reach/layers"
)

// TestCoverageImprovingSearch checks the marginal coverage of candidate
// sites (Coverage, which runs the "only improving" search on the field of
// the existing facilities, the fast path the Saxony-scale benchmarks
// measure) against a full search from the site bounded by the limit, on
// the demo region, for several limits and sites at cell centres and
// facilities.
func TestCoverageImprovingSearch(t *testing.T) {
	l, _ := analysistest.Demo(t)
	e := build(t, l)
	ctx := context.Background()
	net, ok := e.Net(layers.Car)
	if !ok {
		t.Fatal("demo region: no car network")
	}
	const seed = 11
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	cells := e.PopulatedCells()
	var sites []orb.Point
	for range 60 {
		sites = append(sites, cells[rng.IntN(len(cells))].UTM)
	}
	gps := e.FacilityIndexes(layers.CatGeneralPractice)
	for _, fi := range gps[:min(5, len(gps))] {
		sites = append(sites, e.Facilities()[fi].Location) // a site where a practice already is wins nothing new
	}
	f, err := e.TravelField(ctx, layers.CatGeneralPractice, layers.Car)
	if err != nil {
		t.Fatal(err)
	}
	nonEmpty := 0
	for _, minutes := range []float64{3, 6, 10, 20} {
		limit := minutes * 60
		uncovered := make([]bool, len(cells))
		for ci, s := range f.Seconds() {
			uncovered[ci] = s > limit
		}
		for i, p := range sites {
			t.Run(fmt.Sprintf("%gmin/site%02d", minutes, i), func(t *testing.T) {
				got := Coverage(net, f.NodeCosts(), p, limit, uncovered)
				want := fullSearchCoverage(net, p, limit, uncovered)
				if !slices.Equal(got, want) {
					t.Fatalf("coverage of %v within %g min: got %d cells %v, want %d cells %v", p, minutes, len(got), head(got), len(want), head(want))
				}
				if len(want) > 0 {
					nonEmpty++
				}
			})
		}
		all, err := CellsBroughtWithin(ctx, e, f, sites, limit, uncovered)
		if err != nil {
			t.Fatal(err)
		}
		for i, p := range sites {
			if want := Coverage(net, f.NodeCosts(), p, limit, uncovered); !slices.Equal(all[i], want) {
				t.Errorf("CellsBroughtWithin, site %d within %g min: %d cells, one by one %d", i, minutes, len(all[i]), len(want))
			}
		}
	}
	if nonEmpty < 10 {
		t.Fatalf("only %d of the cases cover any cell: the test does not exercise the search", nonEmpty)
	}
}

// fullSearchCoverage is the reference: a search from the site's arrivals on
// the reverse graph bounded by limit, then every uncovered cell whose
// departures reach it within limit.
func fullSearchCoverage(net analysis.Net, p orb.Point, limit float64, uncovered []bool) []int32 {
	s := net.Network.Snap(p)
	if !s.Snapped {
		return nil
	}
	lc, err := graph.CostOf(graph.Seconds(limit))
	if err != nil {
		return nil
	}
	q := net.Network.ReverseQueries().Get()
	defer net.Network.ReverseQueries().Put(q)
	q.Run(s.Arrivals(), lc)
	var out []int32
	for ci, out0 := range net.Cells.AllDepartures() {
		if !uncovered[ci] {
			continue
		}
		if c, _, ok := network.Leave(out0, q.Costs()); ok && float64(c.Seconds()) <= limit {
			out = append(out, int32(ci))
		}
	}
	return out
}

func head(s []int32) []int32 { return s[:min(len(s), 8)] }
