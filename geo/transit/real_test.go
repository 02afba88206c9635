package transit_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"sync"
	"testing"

	"reach/data/gtfs"
	"reach/geo/transit"
	"reach/internal/realdata"
	"reach/layers"
)

var dresden struct {
	once sync.Once
	tt   *transit.Timetable
	err  error
}

// dresdenTimetable reads the shared Dresden feed once per test binary.
func dresdenTimetable(tb testing.TB) *transit.Timetable {
	tb.Helper()
	path := filepath.Join(realdata.Dir(tb), "transit", "dresden_region_2023-01-11_gtfs.zip")
	dresden.once.Do(func() {
		feed, err := gtfs.ReadFile(context.Background(), path)
		if err != nil {
			dresden.err = err
			return
		}
		day, _ := layers.ParseTransitDate("2023-01-11")
		dresden.tt, dresden.err = feed.Timetable(day, layers.DefaultWalk())
	})
	if dresden.err != nil {
		tb.Fatal(dresden.err)
	}
	return dresden.tt
}

// servedStops returns the stops with at least one departure.
func servedStops(tt *transit.Timetable) []transit.StopID {
	var out []transit.StopID
	for s := range tt.Stops {
		if len(tt.Departures(transit.StopID(s))) > 0 {
			out = append(out, transit.StopID(s))
		}
	}
	return out
}

func compare(tb testing.TB, what string, got, want []transit.Time) int {
	tb.Helper()
	bad := 0
	for s := range want {
		if got[s] != want[s] {
			if bad < 3 {
				tb.Errorf("%s: stop %d: got %s, want %s", what, s, got[s], want[s])
			}
			bad++
		}
	}
	return bad
}

func TestDresdenAgainstConnectionScan(t *testing.T) {
	tt := dresdenTimetable(t)
	served := servedStops(tt)
	seed := uint64(11)
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	ref := transit.NewCSA(tt)
	r, err := tt.NewRouter(20)
	if err != nil {
		t.Fatal(err)
	}
	queries, pairs := 100, 0
	if testing.Short() {
		queries = 20
	}
	for q := 0; q < queries; q++ {
		src := served[rng.IntN(len(served))]
		dep := transit.Time(4*3600 + rng.IntN(20*3600))
		access := []transit.Access{{Stop: src}}
		if compare(t, fmt.Sprintf("from %s at %s", tt.Stops[src].ID, dep), r.EarliestArrival(access, dep), ref.Run(access, dep)) > 0 {
			return
		}
		pairs += len(tt.Stops)
	}
	t.Logf("%d queries, %d stop pairs equal to the second", queries, pairs)
}

func TestDresdenAgainstRoundsWithTransferLimit(t *testing.T) {
	tt := dresdenTimetable(t)
	served := servedStops(tt)
	rng := rand.New(rand.NewPCG(12, 0))
	queries := 40
	if testing.Short() {
		queries = 5
	}
	for _, k := range []int{0, 1, 3} {
		r, _ := tt.NewRouter(k)
		for q := 0; q < queries; q++ {
			src := served[rng.IntN(len(served))]
			dep := transit.Time(5*3600 + rng.IntN(16*3600))
			access := []transit.Access{{Stop: src}, {Stop: served[rng.IntN(len(served))], Walk: transit.Time(rng.IntN(900))}}
			if compare(t, fmt.Sprintf("%d transfers from %v at %s", k, access, dep), r.EarliestArrival(access, dep), transit.ByRounds(tt, access, dep, k+1)) > 0 {
				return
			}
		}
	}
}

func TestDresdenRangeEqualsOneRunPerMinute(t *testing.T) {
	tt := dresdenTimetable(t)
	served := servedStops(tt)
	rng := rand.New(rand.NewPCG(13, 0))
	sources := 4
	if testing.Short() {
		sources = 1
	}
	// One router for all sources: a range search must not depend on what the router did before.
	rr, _ := tt.NewRouter(4)
	plain, _ := tt.NewRouter(4)
	for i := 0; i < sources; i++ {
		src := served[rng.IntN(len(served))]
		access := []transit.Access{{Stop: src}}
		if i%2 == 1 {
			// Walks to every stop within 1,200 m, as from a cell.
			access = access[:0]
			for _, n := range tt.StopsNear(nil, tt.Stops[src].Pos, 1200) {
				access = append(access, transit.Access{Stop: n.Stop, Walk: transit.Time(n.Dist / 1.2)})
			}
		}
		from := transit.Time(6*3600 + rng.IntN(10*3600))
		err := rr.Range(access, from, from+60*60, 60, func(dep transit.Time, arr []transit.Time) {
			compare(t, fmt.Sprintf("range from %s, departure %s", tt.Stops[src].ID, dep), arr, plain.EarliestArrival(access, dep))
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// TestDresdenReverseAgainstConnectionScan checks arrive-by searches on the Dresden feed: for
// random destinations and deadlines, the latest departure of random stops must arrive in time
// by the connection scan and leaving one second later must not.
func TestDresdenReverseAgainstConnectionScan(t *testing.T) {
	tt := dresdenTimetable(t)
	rev, err := tt.Reversed()
	if err != nil {
		t.Fatal(err)
	}
	served := servedStops(tt)
	seed := uint64(14)
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	ref := transit.NewCSA(tt)
	r, err := rev.NewRouter(20)
	if err != nil {
		t.Fatal(err)
	}
	queries, perQuery := 60, 20
	if testing.Short() {
		queries = 10
	}
	pairs, found := 0, 0
	for q := 0; q < queries; q++ {
		dst := served[rng.IntN(len(served))]
		by := transit.Time(6*3600 + rng.IntN(16*3600))
		egress := []transit.Access{{Stop: dst}}
		ld, err := r.LatestDepartures(nil, egress, by)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < perQuery; i++ {
			s := served[rng.IntN(len(served))]
			what := fmt.Sprintf("from %s to %s by %s", tt.Stops[s].ID, tt.Stops[dst].ID, by)
			arrives := func(dep transit.Time) bool {
				a := ref.Run([]transit.Access{{Stop: s}}, dep)[dst]
				return a != transit.Unreachable && a <= by
			}
			pairs++
			if ld[s] == transit.NoDeparture {
				if arrives(by - 24*3600) {
					t.Fatalf("%s: no departure found, but leaving a day earlier arrives in time", what)
				}
				continue
			}
			found++
			if !arrives(ld[s]) {
				t.Fatalf("%s: leaving at the latest departure %s does not arrive in time", what, ld[s])
			}
			if arrives(ld[s] + 1) {
				t.Fatalf("%s: leaving at %s, a second after the latest departure, still arrives in time", what, ld[s]+1)
			}
		}
	}
	t.Logf("%d stop pairs (%d with a journey) equal to the second", pairs, found)
	if found < pairs/4 {
		t.Errorf("only %d of %d pairs have a journey: the comparison proves little", found, pairs)
	}
}
