package analysis

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/paulmach/orb"

	"reach/geo/graph"
	"reach/internal/network"
	"reach/layers"
)

// TestCoverageImprovingSearch checks the marginal coverage of candidate
// sites (Engine.coverage, which runs the "only improving" search on the
// field of the existing facilities, the fast path the Saxony-scale
// benchmarks measure) against a full search from the site bounded by the
// limit, on the demo region, for several limits and sites at cell centres
// and facilities.
func TestCoverageImprovingSearch(t *testing.T) {
	r, _ := demoReader(t)
	e := buildEngine(t, r)
	ctx := context.Background()
	mn := e.nets[layers.Car]
	if mn == nil {
		t.Fatal("demo region: no car network")
	}
	const seed = 11
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	var sites []orb.Point
	for range 60 {
		sites = append(sites, e.cells[rng.IntN(len(e.cells))].utm)
	}
	for _, fi := range e.byCat[layers.CatGeneralPractice][:min(5, len(e.byCat[layers.CatGeneralPractice]))] {
		sites = append(sites, e.facUTM[fi]) // a site where a practice already is wins nothing new
	}
	f, err := e.fieldFor(ctx, layers.CatGeneralPractice, layers.Car)
	if err != nil {
		t.Fatal(err)
	}
	nonEmpty := 0
	for _, minutes := range []float64{3, 6, 10, 20} {
		limit := minutes * 60
		uncovered := make([]bool, len(e.cells))
		for ci, s := range f.secs {
			uncovered[ci] = s > limit
		}
		for i, p := range sites {
			t.Run(fmt.Sprintf("%gmin/site%02d", minutes, i), func(t *testing.T) {
				got := e.coverage(layers.Car, f, p, limit, uncovered)
				want := fullSearchCoverage(mn, p, limit, uncovered)
				if !slices.Equal(got, want) {
					t.Fatalf("coverage of %v within %g min: got %d cells %v, want %d cells %v", p, minutes, len(got), head(got), len(want), head(want))
				}
				if len(want) > 0 {
					nonEmpty++
				}
			})
		}
	}
	if nonEmpty < 10 {
		t.Fatalf("only %d of the cases cover any cell: the test does not exercise the search", nonEmpty)
	}
}

// fullSearchCoverage is the reference: a search from the site's arrivals on
// the reverse graph bounded by limit, then every uncovered cell whose
// departures reach it within limit.
func fullSearchCoverage(mn *modeNet, p orb.Point, limit float64, uncovered []bool) []int32 {
	s := mn.n.Snap(p)
	if !s.Snapped {
		return nil
	}
	lc, err := graph.CostOf(graph.Seconds(limit))
	if err != nil {
		return nil
	}
	q := mn.n.ReverseQueries().Get()
	defer mn.n.ReverseQueries().Put(q)
	q.Run(s.Arrivals(), lc)
	var out []int32
	for ci, out0 := range mn.cells.AllDepartures() {
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
