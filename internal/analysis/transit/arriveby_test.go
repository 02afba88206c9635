package transit

import (
	"context"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"reach/data/gtfs"
	"reach/internal/analysis"
	"reach/internal/analysis/matrix"
	"reach/internal/realdata"
	"reach/layers"
)

// TestArriveByMatrixAgainstForward checks arrive-by matrices on the Dresden feed against the
// forward search: for random pairs of points near stops, leaving at the latest departure
// arrives by the deadline and leaving one second later does not.
func TestArriveByMatrixAgainstForward(t *testing.T) {
	feed, err := gtfs.ReadFile(context.Background(), filepath.Join(realdata.Dir(t), "transit", "dresden_region_2023-01-11_gtfs.zip"))
	if err != nil {
		t.Fatal(err)
	}
	e, err := analysis.Build(context.Background(), &fakeReader{}, analysis.Options{Transit: feed, Modes: []layers.Mode{}, NewTransitPlanner: New})
	if err != nil {
		t.Fatal(err)
	}
	seed := uint64(1111)
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	point := func() orb.Point {
		s := feed.Stops[rng.IntN(len(feed.Stops))]
		return orb.Point{s.Lon + (rng.Float64()-0.5)*0.008, s.Lat + (rng.Float64()-0.5)*0.005}
	}
	rounds := 3
	if testing.Short() {
		rounds = 1
	}
	pairs, found := 0, 0
	for round := 0; round < rounds; round++ {
		var src, dst []orb.Point
		for i := 0; i < 4; i++ {
			src, dst = append(src, point()), append(dst, point())
		}
		by := time.Date(2023, 1, 11, 7+rng.IntN(10), rng.IntN(60), 0, 0, time.UTC)
		res, err := matrix.Of(context.Background(), e, analysis.MatrixRequest{Mode: analysis.Transit, Sources: src, Destinations: dst,
			Transit: analysis.TransitQuery{ArriveBy: by}})
		if err != nil {
			t.Fatal(err)
		}
		for i := range src {
			for j := range dst {
				pairs++
				ld := res.Transit.LatestDeparture[i][j]
				if ld == nil {
					if res.Durations[i][j] != nil {
						t.Errorf("pair %d→%d: a duration without a latest departure", i, j)
					}
					continue
				}
				found++
				l, err := time.Parse("2006-01-02T15:04:05", *ld)
				if err != nil {
					t.Fatal(err)
				}
				if d := res.Durations[i][j]; d == nil || time.Duration(*d)*time.Second != by.Sub(l) {
					t.Errorf("pair %d→%d by %s: duration %v, want the deadline minus the latest departure %s", i, j, by.Format("15:04"), d, l.Format("15:04:05"))
				}
				for _, c := range []struct {
					dep    time.Time
					inTime bool
				}{{l, true}, {l.Add(time.Second), false}} {
					fwd, err := matrix.Of(context.Background(), e, analysis.MatrixRequest{Mode: analysis.Transit, Sources: src[i : i+1], Destinations: dst[j : j+1],
						Transit: analysis.TransitQuery{Departure: c.dep, WindowMinutes: 1}})
					if err != nil {
						t.Fatal(err)
					}
					d := fwd.Durations[0][0]
					inTime := d != nil && !c.dep.Add(time.Duration(*d)*time.Second).After(by)
					if inTime != c.inTime {
						t.Fatalf("pair %d→%d by %s: leaving at %s arrives in time = %v, want %v (forward duration %v)",
							i, j, by.Format("15:04"), c.dep.Format("15:04:05"), inTime, c.inTime, deref(d))
					}
				}
			}
		}
	}
	t.Logf("%d pairs, %d with a latest departure, each checked forward", pairs, found)
	if found < pairs/3 {
		t.Errorf("only %d of %d pairs have a journey: the comparison proves little", found, pairs)
	}
}
