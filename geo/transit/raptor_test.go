package transit

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/paulmach/orb"
)

// hm parses "H:MM" into a Time.
func hm(tb testing.TB, s string) Time {
	tb.Helper()
	var h, m int
	if _, err := fmt.Sscanf(s, "%d:%d", &h, &m); err != nil {
		tb.Fatalf("bad time %q: %v", s, err)
	}
	return Time(h*3600 + m*60)
}

// drawn builds a timetable from lines "route: A 7:00 B 7:10 C 7:20" (arrival = departure) and
// walks "A-B 120" (both ways).
func drawn(tb testing.TB, spec string) (*Timetable, map[string]StopID) {
	tb.Helper()
	b := &Builder{Date: "2023-01-11"}
	ids := map[string]StopID{}
	stop := func(name string) StopID {
		if id, ok := ids[name]; ok {
			return id
		}
		id := StopID(len(b.Stops))
		ids[name] = id
		b.Stops = append(b.Stops, Stop{ID: name, Name: name, Pos: orb.Point{float64(id) * 1000, 0}})
		return id
	}
	routes := map[string]int{}
	for line := range strings.Lines(spec) {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if name, rest, ok := strings.Cut(line, ":"); ok && !strings.Contains(name, " ") {
			r, ok := routes[name]
			if !ok {
				r = len(b.Routes)
				routes[name] = r
				b.Routes = append(b.Routes, Route{ID: name})
			}
			f := strings.Fields(rest)
			t := TripSpec{ID: fmt.Sprintf("%s#%d", name, len(b.Trips)), Route: r}
			for i := 0; i+1 < len(f); i += 2 {
				t.Stops = append(t.Stops, stop(f[i]))
				tm := f[i+1]
				a, d := tm, tm
				if x, y, ok := strings.Cut(tm, "/"); ok {
					a, d = x, y
				}
				t.Arr = append(t.Arr, hm(tb, a))
				t.Dep = append(t.Dep, hm(tb, d))
			}
			b.Trips = append(b.Trips, t)
			continue
		}
		var pair string
		var secs int
		if _, err := fmt.Sscanf(line, "%s %d", &pair, &secs); err != nil {
			tb.Fatalf("bad line %q", line)
		}
		x, y, _ := strings.Cut(pair, "-")
		b.Transfers = append(b.Transfers,
			Transfer{stop(x), stop(y), Time(secs)}, Transfer{stop(y), stop(x), Time(secs)})
	}
	tt, err := b.Build()
	if err != nil {
		tb.Fatal(err)
	}
	return tt, ids
}

func TestDrawnTimetables(t *testing.T) {
	// Line 1 runs A→B→C, line 2 B→D; line 3 is a slow direct A→D; a walk joins C and E.
	const net = `
		L1: A 7:00 B 7:10 C 7:20
		L1: A 7:30 B 7:40 C 7:50
		L2: B 7:12 D 7:30
		L2: B 7:45 D 8:03
		L3: A 7:05 D 8:30
		L4: E 7:25 F 7:35
		C-E 240
	`
	tt, id := drawn(t, net)
	cases := []struct {
		name      string
		from      string
		dep       string
		transfers int
		want      map[string]string // stop → arrival; "-" unreachable
	}{
		{"direct ride", "A", "6:55", 0, map[string]string{"B": "7:10", "C": "7:20", "D": "8:30", "E": "7:24", "F": "-"}},
		{"one change beats the slow line", "A", "6:55", 1, map[string]string{"D": "7:30", "F": "7:35"}},
		{"walk then ride needs two rides", "A", "6:55", 1, map[string]string{"F": "7:35"}},
		{"missed by a minute", "A", "7:01", 1, map[string]string{"B": "7:40", "D": "8:03", "C": "7:50", "E": "7:54", "F": "-"}},
		{"the walk at the start counts", "E", "7:00", 0, map[string]string{"C": "7:04", "F": "7:35", "A": "-"}},
		{"departure equal to boarding", "B", "7:12", 0, map[string]string{"D": "7:30", "C": "7:50"}},
		{"no transfer allowed", "A", "7:20", 0, map[string]string{"D": "-", "B": "7:40"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := tt.NewRouter(c.transfers)
			if err != nil {
				t.Fatal(err)
			}
			arr := r.EarliestArrival([]Access{{id[c.from], 0}}, hm(t, c.dep))
			for s, w := range c.want {
				want := Unreachable
				if w != "-" {
					want = hm(t, w)
				}
				if got := arr[id[s]]; got != want {
					t.Errorf("from %s at %s to %s: got %s, want %s", c.from, c.dep, s, got, want)
				}
			}
		})
	}
}

func TestOvertakingTripsGetOwnPatterns(t *testing.T) {
	// The express leaves later and arrives earlier: one pattern could not hold both.
	tt, id := drawn(t, `
		R: A 7:00 B 7:30 C 8:00
		R: A 7:05 B 7:15 C 7:25
	`)
	if got := tt.NumPatterns(); got != 2 {
		t.Errorf("patterns: got %d, want 2", got)
	}
	r, _ := tt.NewRouter(0)
	arr := r.EarliestArrival([]Access{{id["A"], 0}}, hm(t, "6:50"))
	if got, want := arr[id["C"]], hm(t, "7:25"); got != want {
		t.Errorf("A→C: got %s, want %s", got, want)
	}
}

func TestBuildRejects(t *testing.T) {
	stops := []Stop{{ID: "a"}, {ID: "b"}}
	cases := []struct {
		name string
		trip TripSpec
		want string
	}{
		{"one stop", TripSpec{ID: "t", Stops: []StopID{0}, Arr: []Time{0}, Dep: []Time{0}}, "has 1 stops"},
		{"time runs back", TripSpec{ID: "t", Stops: []StopID{0, 1}, Arr: []Time{100, 50}, Dep: []Time{100, 50}}, "before leaving"},
		{"arrives after departing", TripSpec{ID: "t", Stops: []StopID{0, 1}, Arr: []Time{100, 200}, Dep: []Time{90, 200}}, "after departing"},
		{"unknown stop", TripSpec{ID: "t", Stops: []StopID{0, 7}, Arr: []Time{1, 2}, Dep: []Time{1, 2}}, "stop index 7"},
	}
	for _, c := range cases {
		b := &Builder{Stops: stops, Routes: []Route{{ID: "r"}}, Trips: []TripSpec{c.trip}}
		_, err := b.Build()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want an error with %q", c.name, err, c.want)
		}
	}
}

// csa is an independent earliest-arrival search with unlimited transfers: a connection scan over
// the hops sorted by departure, with the same walking rule (one walk after a ride or from the
// origin). Hops leaving at the same second are scanned until nothing changes, so zero-length
// hops and walks need no particular order.
type csa struct {
	tt    *Timetable
	conns []Connection
}

func newCSA(tt *Timetable) *csa {
	c := tt.Connections()
	slices.SortFunc(c, func(a, b Connection) int { return cmp.Compare(a.Dep, b.Dep) })
	return &csa{tt, c}
}

func (c *csa) run(access []Access, dep Time) []Time {
	n := len(c.tt.Stops)
	best := make([]Time, n)
	for i := range best {
		best[i] = Unreachable
	}
	boardedAt := make([]int32, c.tt.NumTrips()) // trip → first hop ridden, -1 if not boarded
	for i := range boardedAt {
		boardedAt[i] = -1
	}
	relax := func(s StopID, t Time) bool {
		changed := false
		if t < best[s] {
			best[s] = t
			changed = true
		}
		c.tt.Transfers(s, func(to StopID, d Time) {
			if t+d < best[to] {
				best[to] = t + d
				changed = true
			}
		})
		return changed
	}
	for _, a := range access {
		relax(a.Stop, dep+a.Walk)
	}
	rideArr := make([]Time, n)
	for i := range rideArr {
		rideArr[i] = Unreachable
	}
	i := sort_search(c.conns, dep)
	for i < len(c.conns) {
		j := i
		for j < len(c.conns) && c.conns[j].Dep == c.conns[i].Dep {
			j++
		}
		for changed := true; changed; {
			changed = false
			for _, x := range c.conns[i:j] {
				h := boardedAt[x.Trip]
				on := h >= 0
				if (on && h <= x.Hop) || best[x.From] <= x.Dep {
					if !on || x.Hop < h {
						boardedAt[x.Trip] = x.Hop
						changed = true
					}
					if x.Arr < rideArr[x.To] {
						rideArr[x.To] = x.Arr
						relax(x.To, x.Arr)
						changed = true
					}
				}
			}
		}
		i = j
	}
	return best
}

func sort_search(c []Connection, t Time) int {
	lo, hi := 0, len(c)
	for lo < hi {
		m := (lo + hi) / 2
		if c[m].Dep < t {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// byRounds is an independent earliest-arrival search with a limit on rides: each round rides
// every trip from the first stop reached in time by the previous round, plainly over all trips.
func byRounds(tt *Timetable, access []Access, dep Time, rides int) []Time {
	conns := tt.Connections() // hops of a trip are consecutive and in order
	n := len(tt.Stops)
	prev := make([]Time, n)
	for i := range prev {
		prev[i] = Unreachable
	}
	walkFrom := func(dst []Time, ride []Time) {
		for s, t := range ride {
			if t == Unreachable {
				continue
			}
			dst[s] = min(dst[s], t)
			tt.Transfers(StopID(s), func(to StopID, d Time) { dst[to] = min(dst[to], t+d) })
		}
	}
	start := make([]Time, n)
	for i := range start {
		start[i] = Unreachable
	}
	for _, a := range access {
		start[a.Stop] = min(start[a.Stop], dep+a.Walk)
	}
	walkFrom(prev, start)
	for k := 1; k <= rides; k++ {
		ride := make([]Time, n)
		for i := range ride {
			ride[i] = Unreachable
		}
		on := false
		for i, c := range conns {
			if i == 0 || conns[i-1].Trip != c.Trip {
				on = false
			}
			if !on && prev[c.From] <= c.Dep {
				on = true
			}
			if on {
				ride[c.To] = min(ride[c.To], c.Arr)
			}
		}
		cur := slices.Clone(prev)
		walkFrom(cur, ride)
		prev = cur
	}
	return prev
}

// randomTimetable makes a timetable of random lines over stops on a plane, with walks between
// close stops, zero-length hops and trips that overtake.
func randomTimetable(rng *rand.Rand, nStops, nLines int) *Timetable {
	b := &Builder{}
	for i := 0; i < nStops; i++ {
		b.Stops = append(b.Stops, Stop{ID: fmt.Sprint(i), Pos: orb.Point{rng.Float64() * 10000, rng.Float64() * 10000}})
	}
	for l := 0; l < nLines; l++ {
		b.Routes = append(b.Routes, Route{ID: fmt.Sprint(l)})
		ns := 2 + rng.IntN(8)
		stops := make([]StopID, 0, ns)
		for len(stops) < ns {
			s := StopID(rng.IntN(nStops))
			if len(stops) > 0 && stops[len(stops)-1] == s {
				continue
			}
			stops = append(stops, s)
		}
		hops := make([]Time, ns)
		for i := 1; i < ns; i++ {
			hops[i] = Time(rng.IntN(4) * 60)
		}
		for trip := 0; trip < 1+rng.IntN(12); trip++ {
			t := TripSpec{ID: fmt.Sprintf("%d/%d", l, trip), Route: l, Stops: stops,
				Arr: make([]Time, ns), Dep: make([]Time, ns)}
			now := Time(6*3600 + rng.IntN(4*3600))
			slow := Time(rng.IntN(2) * 60)
			for i := 0; i < ns; i++ {
				if i > 0 {
					now += hops[i] + slow
				}
				t.Arr[i] = now
				if rng.IntN(3) == 0 {
					now += Time(rng.IntN(3) * 30)
				}
				t.Dep[i] = now
			}
			b.Trips = append(b.Trips, t)
		}
	}
	for i := range b.Stops {
		for j := range b.Stops {
			if i != j && b.Stops[i].Pos.X()-b.Stops[j].Pos.X() < 800 && b.Stops[j].Pos.X()-b.Stops[i].Pos.X() < 800 &&
				b.Stops[i].Pos.Y()-b.Stops[j].Pos.Y() < 800 && b.Stops[j].Pos.Y()-b.Stops[i].Pos.Y() < 800 {
				b.Transfers = append(b.Transfers, Transfer{StopID(i), StopID(j), Time(rng.IntN(600))})
			}
		}
	}
	tt, err := b.Build()
	if err != nil {
		panic(err)
	}
	return tt
}

func sameArrivals(tb testing.TB, what string, got, want []Time) bool {
	tb.Helper()
	for s := range want {
		if got[s] != want[s] {
			tb.Errorf("%s: stop %d: got %s, want %s", what, s, got[s], want[s])
			return false
		}
	}
	return true
}

func TestRandomAgainstReferences(t *testing.T) {
	seed := uint64(20230111)
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 1))
	for round := 0; round < 30; round++ {
		tt := randomTimetable(rng, 40, 25)
		ref := newCSA(tt)
		unlimited, _ := tt.NewRouter(20)
		limits := make([]*Router, 4)
		for k := range limits {
			limits[k], _ = tt.NewRouter(k)
		}
		for q := 0; q < 20; q++ {
			access := []Access{{StopID(rng.IntN(40)), Time(rng.IntN(300))}}
			if rng.IntN(2) == 0 {
				access = append(access, Access{StopID(rng.IntN(40)), Time(rng.IntN(300))})
			}
			dep := Time(6*3600 + rng.IntN(4*3600))
			what := fmt.Sprintf("timetable %d query %d from %v at %s", round, q, access, dep)
			if !sameArrivals(t, what+" (unlimited, connection scan)", unlimited.EarliestArrival(access, dep), ref.run(access, dep)) {
				return
			}
			for k, r := range limits {
				if !sameArrivals(t, fmt.Sprintf("%s (%d transfers)", what, k), r.EarliestArrival(access, dep), byRounds(tt, access, dep, k+1)) {
					return
				}
			}
		}
	}
}

func TestRangeEqualsOneRunPerMinute(t *testing.T) {
	seed := uint64(7)
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 2))
	for round := 0; round < 20; round++ {
		tt := randomTimetable(rng, 40, 25)
		for _, k := range []int{0, 2, 5} {
			rr, _ := tt.NewRouter(k)
			plain, _ := tt.NewRouter(k)
			// The same router runs several ranges, with a plain search in between: nothing of
			// one range may leak into the next.
			for search := 0; search < 3; search++ {
				access := []Access{{StopID(rng.IntN(40)), 0}, {StopID(rng.IntN(40)), Time(rng.IntN(400))}}
				from := Time(6*3600 + rng.IntN(3*3600))
				step := Time(60)
				if search == 2 {
					step = Time(1 + rng.IntN(90))
				}
				calls, want := 0, int(120*60/step)+1
				err := rr.Range(access, from, from+120*60, step, func(dep Time, arr []Time) {
					calls++
					sameArrivals(t, fmt.Sprintf("timetable %d, %d transfers, search %d, departure %s", round, k, search, dep), arr, plain.EarliestArrival(access, dep))
				})
				if err != nil {
					t.Fatal(err)
				}
				if calls != want {
					t.Errorf("range calls: got %d, want %d", calls, want)
				}
				rr.EarliestArrival(access, from)
			}
		}
	}
}

func TestReversedGivesLatestDeparture(t *testing.T) {
	tt, id := drawn(t, `
		L1: A 7:00 B 7:10 C 7:20
		L1: A 7:30 B 7:40 C 7:50
		L2: B 7:12 D 7:30
		L2: B 7:45 D 8:03
	`)
	rev, err := tt.Reversed()
	if err != nil {
		t.Fatal(err)
	}
	r, _ := rev.NewRouter(1)
	// To be at D by 8:00 one must leave A at 7:00 (the 7:30 misses the 7:45 connection? No: it
	// reaches B at 7:40, then D at 8:03, too late).
	arr := r.EarliestArrival([]Access{{id["D"], 0}}, -hm(t, "8:00"))
	if got, want := -arr[id["A"]], hm(t, "7:00"); got != want {
		t.Errorf("latest departure from A to reach D by 8:00: got %s, want %s", got, want)
	}
	if got, want := -arr[id["B"]], hm(t, "7:12"); got != want {
		t.Errorf("latest departure from B: got %s, want %s", got, want)
	}
}

// checkLatest checks latest departures ld towards egress by `by` against a forward reference
// search fwd from each stop: leaving at ld[s] must arrive in time, leaving one second later
// must not (arrival is monotone in the departure); a stop without a departure must not arrive
// in time even leaving at `early`. It returns false after the first difference.
func checkLatest(tb testing.TB, what string, ld []Time, egress []Access, by, early Time, stops []StopID, fwd func([]Access, Time) []Time) bool {
	tb.Helper()
	arrives := func(s StopID, dep Time) bool {
		arr := fwd([]Access{{Stop: s}}, dep)
		for _, e := range egress {
			if arr[e.Stop] != Unreachable && arr[e.Stop]+e.Walk <= by {
				return true
			}
		}
		return false
	}
	for _, s := range stops {
		if ld[s] == NoDeparture {
			if arrives(s, early) {
				tb.Errorf("%s: stop %d: no departure found, but leaving at %s arrives in time", what, s, early)
				return false
			}
			continue
		}
		if !arrives(s, ld[s]) {
			tb.Errorf("%s: stop %d: leaving at the latest departure %s does not arrive by %s", what, s, ld[s], by)
			return false
		}
		if arrives(s, ld[s]+1) {
			tb.Errorf("%s: stop %d: leaving one second after the latest departure %s still arrives by %s", what, s, ld[s], by)
			return false
		}
	}
	return true
}

func TestReverseAgainstReferences(t *testing.T) {
	seed := uint64(20230112)
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 3))
	stops := make([]StopID, 40)
	for i := range stops {
		stops[i] = StopID(i)
	}
	pairs := 0
	for round := 0; round < 15; round++ {
		tt := randomTimetable(rng, 40, 25)
		rev, err := tt.Reversed()
		if err != nil {
			t.Fatal(err)
		}
		if !rev.IsReversed() || tt.IsReversed() {
			t.Fatal("IsReversed does not tell the reversed timetable")
		}
		ref := newCSA(tt)
		unlimited, _ := rev.NewRouter(20)
		for q := 0; q < 10; q++ {
			egress := []Access{{StopID(rng.IntN(40)), Time(rng.IntN(300))}}
			if rng.IntN(2) == 0 {
				egress = append(egress, Access{StopID(rng.IntN(40)), Time(rng.IntN(300))})
			}
			by := Time(7*3600 + rng.IntN(4*3600))
			what := fmt.Sprintf("timetable %d query %d to %v by %s", round, q, egress, by)
			ld, err := unlimited.LatestDepartures(nil, egress, by)
			if err != nil {
				t.Fatal(err)
			}
			if !checkLatest(t, what+" (unlimited, connection scan)", ld, egress, by, -48*3600, stops, ref.run) {
				return
			}
			pairs += len(stops)
			for k := 0; k < 3; k++ {
				r, _ := rev.NewRouter(k)
				ld, _ := r.LatestDepartures(nil, egress, by)
				fwd := func(a []Access, dep Time) []Time { return byRounds(tt, a, dep, k+1) }
				if !checkLatest(t, fmt.Sprintf("%s (%d transfers)", what, k), ld, egress, by, -48*3600, stops, fwd) {
					return
				}
			}
		}
	}
	t.Logf("%d stop pairs", pairs)
	// A router on the forward timetable refuses.
	tt := randomTimetable(rng, 10, 3)
	r, _ := tt.NewRouter(2)
	if _, err := r.LatestDepartures(nil, []Access{{0, 0}}, 8*3600); err == nil {
		t.Error("latest departures on a forward timetable: got no error")
	}
}

func TestReverseRangeEqualsOneRunPerMinute(t *testing.T) {
	seed := uint64(8)
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 4))
	for round := 0; round < 15; round++ {
		tt := randomTimetable(rng, 40, 25)
		rev, _ := tt.Reversed()
		rr, _ := rev.NewRouter(3)
		plain, _ := rev.NewRouter(3)
		egress := []Access{{StopID(rng.IntN(40)), 0}, {StopID(rng.IntN(40)), Time(rng.IntN(400))}}
		from := Time(7*3600 + rng.IntN(3*3600))
		calls, next := 0, from
		err := rr.RangeLatestDepartures(egress, from, from+90*60, 60, func(by Time, ld []Time) {
			calls++
			if by != next {
				t.Fatalf("range gave arrival %s, want %s (earliest first)", by, next)
			}
			next += 60
			want, _ := plain.LatestDepartures(nil, egress, by)
			sameArrivals(t, fmt.Sprintf("timetable %d, arrival by %s", round, by), ld, want)
		})
		if err != nil {
			t.Fatal(err)
		}
		if calls != 91 {
			t.Errorf("range calls: got %d, want 91", calls)
		}
	}
}
