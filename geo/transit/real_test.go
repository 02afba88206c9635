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
	for i := 0; i < sources; i++ {
		src := served[rng.IntN(len(served))]
		access := []transit.Access{{Stop: src}}
		rr, _ := tt.NewRouter(4)
		plain, _ := tt.NewRouter(4)
		from := transit.Time(6*3600 + rng.IntN(10*3600))
		err := rr.Range(access, from, from+60*60, 60, func(dep transit.Time, arr []transit.Time) {
			compare(t, fmt.Sprintf("range from %s, departure %s", tt.Stops[src].ID, dep), arr, plain.EarliestArrival(access, dep))
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}
