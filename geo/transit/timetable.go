// Package transit holds a public transport timetable for one service day and routes on it with
// RAPTOR (Delling, Pajor, Werneck: Round-Based Public Transit Routing, 2015), in its plain form
// (earliest arrival for one departure) and its range form (every departure of a window, reusing
// the labels of the later departures), forwards and, on the reversed timetable, backwards
// (latest departure that still arrives by a given time).
//
// Times are seconds since midnight of the service day (GTFS "noon minus 12 h"); they may exceed
// 24 h for trips running past midnight and may be negative for trips of the previous service day
// that are still running. Stop positions are EPSG:25833 metres. A Timetable is immutable and safe
// for concurrent use; a Router is a query object for one goroutine.
package transit

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"github.com/paulmach/orb"
)

// Time is seconds since midnight of the service day.
type Time int32

// Unreachable is the arrival time of a stop that cannot be reached.
const Unreachable Time = math.MaxInt32

// StopID is the index of a stop in Timetable.Stops.
type StopID uint32

// Stop is a place where vehicles stop.
type Stop struct {
	ID   string    // the feed's stop_id
	Name string    // the feed's stop_name
	Pos  orb.Point // EPSG:25833, metres
}

// Route is a line as the feed names it.
type Route struct {
	ID        string
	ShortName string
	LongName  string
	Type      int // GTFS route_type
	AgencyID  string
}

// TripSpec is one vehicle run as given to the Builder: the stops in order with their arrival and
// departure times on the service day.
type TripSpec struct {
	ID    string
	Route int // index in Builder.Routes
	Stops []StopID
	Arr   []Time
	Dep   []Time
}

// Transfer is a walk between two stops that takes Duration seconds.
type Transfer struct {
	From, To StopID
	Duration Time
}

// Builder collects stops, routes, trips and transfers of one service day.
type Builder struct {
	Date      string // the service day, YYYY-MM-DD, for labels
	Stops     []Stop
	Routes    []Route
	Trips     []TripSpec
	Transfers []Transfer
}

// Timetable is the routable timetable of one service day. Trips with the same route and stop
// sequence that do not overtake each other form a pattern; within a pattern the trips are sorted
// by departure and the times are stored stop-major, so that boarding is a binary search.
type Timetable struct {
	Date   string
	Stops  []Stop
	Routes []Route

	patStopStart []uint32 // pattern p's stops are patStops[patStopStart[p]:patStopStart[p+1]]
	patStops     []StopID
	patTripStart []uint32 // pattern p's trips are trips[patTripStart[p]:patTripStart[p+1]]
	patTimeStart []uint32 // pattern p's times start at arr/dep[patTimeStart[p]], stop-major
	patRoute     []int32
	trips        []string // trip id per trip slot
	arr, dep     []Time

	stopPatStart []uint32 // stop s is served by stopPats[stopPatStart[s]:stopPatStart[s+1]]
	stopPats     []patRef

	// The departures of stop s, sorted by time: stopDeps[stopDepStart[s]:stopDepStart[s+1]],
	// each naming its pattern by position in stopPats (last stops of patterns left out). A
	// range search finds through them the few patterns leaving a stop within a short span.
	stopDepStart []uint32
	stopDeps     []stopDep

	xferStart []uint32 // walks from stop s are xfers[xferStart[s]:xferStart[s+1]]
	xfers     []walk

	stopTimes int  // number of stop times (events) in the timetable
	reversed  bool // made by Reversed: times are negated and trips run backwards

	index *stopIndex
}

type patRef struct {
	pat uint32
	idx uint32 // position of the stop in the pattern
}

type stopDep struct {
	t   Time
	ref uint32 // index in stopPats
}

type walk struct {
	to  StopID
	dur Time
}

// Build checks the trips and makes the timetable. A trip must have at least two stops, as many
// times as stops, arrival ≤ departure at each stop, and times that never decrease along it.
func (b *Builder) Build() (*Timetable, error) {
	n := StopID(len(b.Stops))
	type tripRef struct {
		i   int
		key string
	}
	refs := make([]tripRef, 0, len(b.Trips))
	for i := range b.Trips {
		t := &b.Trips[i]
		if len(t.Stops) < 2 {
			return nil, fmt.Errorf("transit: trip %q has %d stops, want at least 2", t.ID, len(t.Stops))
		}
		if len(t.Arr) != len(t.Stops) || len(t.Dep) != len(t.Stops) {
			return nil, fmt.Errorf("transit: trip %q has %d stops but %d arrivals and %d departures", t.ID, len(t.Stops), len(t.Arr), len(t.Dep))
		}
		if t.Route < 0 || t.Route >= len(b.Routes) {
			return nil, fmt.Errorf("transit: trip %q has route index %d of %d", t.ID, t.Route, len(b.Routes))
		}
		for j, s := range t.Stops {
			if s >= n {
				return nil, fmt.Errorf("transit: trip %q stop %d is stop index %d of %d", t.ID, j, s, n)
			}
			if t.Arr[j] > t.Dep[j] {
				return nil, fmt.Errorf("transit: trip %q arrives at its stop %d (%s) at %s after departing at %s", t.ID, j, b.Stops[s].ID, t.Arr[j], t.Dep[j])
			}
			if j > 0 && t.Arr[j] < t.Dep[j-1] {
				return nil, fmt.Errorf("transit: trip %q arrives at its stop %d (%s) at %s before leaving the previous one at %s", t.ID, j, b.Stops[s].ID, t.Arr[j], t.Dep[j-1])
			}
		}
		key := make([]byte, 0, 4+4*len(t.Stops))
		key = appendU32(key, uint32(t.Route))
		for _, s := range t.Stops {
			key = appendU32(key, uint32(s))
		}
		refs = append(refs, tripRef{i, string(key)})
	}
	slices.SortStableFunc(refs, func(a, c tripRef) int {
		if r := cmp.Compare(a.key, c.key); r != 0 {
			return r
		}
		ta, tc := &b.Trips[a.i], &b.Trips[c.i]
		if r := cmp.Compare(ta.Dep[0], tc.Dep[0]); r != 0 {
			return r
		}
		return cmp.Compare(ta.Arr[len(ta.Arr)-1], tc.Arr[len(tc.Arr)-1])
	})

	tt := &Timetable{Date: b.Date, Stops: b.Stops, Routes: b.Routes}
	tt.patStopStart = append(tt.patStopStart, 0)
	tt.patTripStart = append(tt.patTripStart, 0)
	tt.patTimeStart = append(tt.patTimeStart, 0)
	for lo := 0; lo < len(refs); {
		hi := lo + 1
		for hi < len(refs) && refs[hi].key == refs[lo].key {
			hi++
		}
		// Split the group into patterns whose trips never overtake one another: each trip
		// joins the first pattern whose last trip it does not overtake anywhere.
		var groups [][]int
		for _, r := range refs[lo:hi] {
			t := &b.Trips[r.i]
			placed := false
			for g := range groups {
				last := &b.Trips[groups[g][len(groups[g])-1]]
				if noOvertake(last, t) {
					groups[g] = append(groups[g], r.i)
					placed = true
					break
				}
			}
			if !placed {
				groups = append(groups, []int{r.i})
			}
		}
		for _, g := range groups {
			first := &b.Trips[g[0]]
			ns := len(first.Stops)
			tt.patStops = append(tt.patStops, first.Stops...)
			tt.patStopStart = append(tt.patStopStart, uint32(len(tt.patStops)))
			for _, ti := range g {
				tt.trips = append(tt.trips, b.Trips[ti].ID)
			}
			tt.patTripStart = append(tt.patTripStart, uint32(len(tt.trips)))
			base := len(tt.arr)
			tt.arr = append(tt.arr, make([]Time, ns*len(g))...)
			tt.dep = append(tt.dep, make([]Time, ns*len(g))...)
			for j, ti := range g {
				t := &b.Trips[ti]
				for i := 0; i < ns; i++ {
					tt.arr[base+i*len(g)+j] = t.Arr[i]
					tt.dep[base+i*len(g)+j] = t.Dep[i]
				}
			}
			tt.patTimeStart = append(tt.patTimeStart, uint32(len(tt.arr)))
			tt.patRoute = append(tt.patRoute, int32(first.Route))
			tt.stopTimes += ns * len(g)
		}
		lo = hi
	}

	// Stop → (pattern, position).
	counts := make([]uint32, n+1)
	for _, s := range tt.patStops {
		counts[s+1]++
	}
	for i := 1; i <= int(n); i++ {
		counts[i] += counts[i-1]
	}
	tt.stopPatStart = slices.Clone(counts)
	tt.stopPats = make([]patRef, len(tt.patStops))
	fill := slices.Clone(counts[:n])
	for p := 0; p < tt.NumPatterns(); p++ {
		for i, s := range tt.patStops[tt.patStopStart[p]:tt.patStopStart[p+1]] {
			tt.stopPats[fill[s]] = patRef{uint32(p), uint32(i)}
			fill[s]++
		}
	}

	tt.indexDepartures()

	// Transfers, keeping the shortest per ordered pair and dropping walks to the stop itself.
	xs := slices.Clone(b.Transfers)
	for _, x := range xs {
		if x.From >= n || x.To >= n {
			return nil, fmt.Errorf("transit: transfer %d→%d names a stop outside 0..%d", x.From, x.To, n-1)
		}
		if x.Duration < 0 {
			return nil, fmt.Errorf("transit: transfer %s→%s takes %d s", b.Stops[x.From].ID, b.Stops[x.To].ID, x.Duration)
		}
	}
	xs = slices.DeleteFunc(xs, func(x Transfer) bool { return x.From == x.To })
	slices.SortFunc(xs, func(a, c Transfer) int {
		if r := cmp.Compare(a.From, c.From); r != 0 {
			return r
		}
		if r := cmp.Compare(a.To, c.To); r != 0 {
			return r
		}
		return cmp.Compare(a.Duration, c.Duration)
	})
	xs = slices.CompactFunc(xs, func(a, c Transfer) bool { return a.From == c.From && a.To == c.To })
	tt.xferStart = make([]uint32, n+1)
	tt.xfers = make([]walk, len(xs))
	for i, x := range xs {
		tt.xferStart[x.From+1]++
		tt.xfers[i] = walk{x.To, x.Duration}
	}
	for i := 1; i <= int(n); i++ {
		tt.xferStart[i] += tt.xferStart[i-1]
	}
	tt.index = newStopIndex(tt.Stops)
	return tt, nil
}

// indexDepartures fills stopDepStart and stopDeps from the patterns.
func (tt *Timetable) indexDepartures() {
	n := len(tt.Stops)
	tt.stopDepStart = make([]uint32, n+1)
	for s := 0; s < n; s++ {
		c := uint32(0)
		for _, pr := range tt.stopPats[tt.stopPatStart[s]:tt.stopPatStart[s+1]] {
			if pr.idx+1 < tt.patStopStart[pr.pat+1]-tt.patStopStart[pr.pat] {
				c += tt.patTripStart[pr.pat+1] - tt.patTripStart[pr.pat]
			}
		}
		tt.stopDepStart[s+1] = tt.stopDepStart[s] + c
	}
	tt.stopDeps = make([]stopDep, tt.stopDepStart[n])
	for s := 0; s < n; s++ {
		out := tt.stopDeps[tt.stopDepStart[s]:tt.stopDepStart[s]]
		for ref := tt.stopPatStart[s]; ref < tt.stopPatStart[s+1]; ref++ {
			pr := tt.stopPats[ref]
			if pr.idx+1 == tt.patStopStart[pr.pat+1]-tt.patStopStart[pr.pat] {
				continue
			}
			nt := tt.patTripStart[pr.pat+1] - tt.patTripStart[pr.pat]
			row := tt.patTimeStart[pr.pat] + pr.idx*nt
			for _, t := range tt.dep[row : row+nt] {
				out = append(out, stopDep{t, ref})
			}
		}
		slices.SortFunc(out, func(a, b stopDep) int {
			if r := cmp.Compare(a.t, b.t); r != 0 {
				return r
			}
			return cmp.Compare(a.ref, b.ref)
		})
	}
}

func appendU32(b []byte, v uint32) []byte {
	return append(b, byte(v>>24), byte(v>>16), byte(v>>8), byte(v))
}

// noOvertake reports whether trip b, departing no earlier than a from the first stop, is never
// ahead of a: at every stop it arrives and departs no earlier.
func noOvertake(a, b *TripSpec) bool {
	for i := range a.Stops {
		if b.Arr[i] < a.Arr[i] || b.Dep[i] < a.Dep[i] {
			return false
		}
	}
	return true
}

// NumPatterns returns the number of patterns (trips with the same stops that keep their order).
func (tt *Timetable) NumPatterns() int { return len(tt.patRoute) }

// NumTrips returns the number of trips.
func (tt *Timetable) NumTrips() int { return len(tt.trips) }

// NumStopTimes returns the number of stop events (a trip at a stop).
func (tt *Timetable) NumStopTimes() int { return tt.stopTimes }

// NumTransfers returns the number of walking transfers between different stops.
func (tt *Timetable) NumTransfers() int { return len(tt.xfers) }

// Transfers calls fn for each walking transfer out of stop s.
func (tt *Timetable) Transfers(s StopID, fn func(to StopID, dur Time)) {
	for _, w := range tt.xfers[tt.xferStart[s]:tt.xferStart[s+1]] {
		fn(w.to, w.dur)
	}
}

// Departures returns the departure times of all trips from stop s (not the last stop of a
// trip), unsorted.
func (tt *Timetable) Departures(s StopID) []Time {
	var out []Time
	for _, pr := range tt.stopPats[tt.stopPatStart[s]:tt.stopPatStart[s+1]] {
		p := pr.pat
		ns := tt.patStopStart[p+1] - tt.patStopStart[p]
		if pr.idx == ns-1 {
			continue
		}
		nt := tt.patTripStart[p+1] - tt.patTripStart[p]
		base := tt.patTimeStart[p] + pr.idx*nt
		out = append(out, tt.dep[base:base+nt]...)
	}
	return out
}

// DepartsWithin reports whether a trip leaves stop s (not as its last stop) at a time t with
// from ≤ t < to. On a reversed timetable the times are negated.
func (tt *Timetable) DepartsWithin(s StopID, from, to Time) bool {
	deps := tt.stopDeps[tt.stopDepStart[s]:tt.stopDepStart[s+1]]
	i := searchDep(deps, from)
	return i < len(deps) && deps[i].t < to
}

// Connection is one hop of one trip: it leaves From at Dep and reaches To at Arr.
type Connection struct {
	Trip     int32 // trip slot, the same for all hops of a trip
	Hop      int32 // position of the hop in its trip, from 0
	From, To StopID
	Dep, Arr Time
}

// Connections returns every hop of every trip (unsorted), for plainly written reference
// searches such as a connection scan.
func (tt *Timetable) Connections() []Connection {
	out := make([]Connection, 0, tt.stopTimes)
	for p := 0; p < tt.NumPatterns(); p++ {
		stops := tt.patStops[tt.patStopStart[p]:tt.patStopStart[p+1]]
		t0, nt := tt.patTripStart[p], tt.patTripStart[p+1]-tt.patTripStart[p]
		base := tt.patTimeStart[p]
		for j := uint32(0); j < nt; j++ {
			for i := 1; i < len(stops); i++ {
				out = append(out, Connection{
					Trip: int32(t0 + j), Hop: int32(i - 1), From: stops[i-1], To: stops[i],
					Dep: tt.dep[base+uint32(i-1)*nt+j], Arr: tt.arr[base+uint32(i)*nt+j],
				})
			}
		}
	}
	return out
}

// Reversed returns the timetable run backwards in time: every trip and transfer reversed and
// every time t replaced by −t. The earliest arrival on it from stop s at −T is −(the latest
// departure on the original that still reaches s by T), which is how arrive-by searches run.
func (tt *Timetable) Reversed() (*Timetable, error) {
	b := &Builder{Date: tt.Date, Stops: tt.Stops, Routes: tt.Routes}
	for p := 0; p < tt.NumPatterns(); p++ {
		stops := tt.patStops[tt.patStopStart[p]:tt.patStopStart[p+1]]
		t0, nt := tt.patTripStart[p], tt.patTripStart[p+1]-tt.patTripStart[p]
		base := tt.patTimeStart[p]
		ns := len(stops)
		for j := uint32(0); j < nt; j++ {
			spec := TripSpec{ID: tt.trips[t0+j], Route: int(tt.patRoute[p]),
				Stops: make([]StopID, ns), Arr: make([]Time, ns), Dep: make([]Time, ns)}
			for i := 0; i < ns; i++ {
				r := ns - 1 - i
				spec.Stops[r] = stops[i]
				spec.Arr[r] = -tt.dep[base+uint32(i)*nt+j]
				spec.Dep[r] = -tt.arr[base+uint32(i)*nt+j]
			}
			b.Trips = append(b.Trips, spec)
		}
	}
	for s := range tt.Stops {
		for _, w := range tt.xfers[tt.xferStart[s]:tt.xferStart[s+1]] {
			b.Transfers = append(b.Transfers, Transfer{From: w.to, To: StopID(s), Duration: w.dur})
		}
	}
	r, err := b.Build()
	if err != nil {
		return nil, fmt.Errorf("transit: reversing the timetable: %w", err)
	}
	r.reversed = !tt.reversed
	return r, nil
}

// String formats a time as H:MM:SS (hours may exceed 24; negative times have a sign).
func (t Time) String() string {
	if t == Unreachable {
		return "unreachable"
	}
	sign := ""
	if t < 0 {
		sign, t = "-", -t
	}
	return fmt.Sprintf("%s%d:%02d:%02d", sign, t/3600, t/60%60, t%60)
}

// TripID returns the id of the trip in slot i (as in Connection.Trip).
func (tt *Timetable) TripID(i int32) string { return tt.trips[i] }
