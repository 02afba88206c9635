package transit

import (
	"fmt"
	"math"
)

// Access is a way onto the network: stop Stop is reached Walk seconds after leaving the origin.
type Access struct {
	Stop StopID
	Walk Time
}

// Router runs RAPTOR searches on one timetable. It keeps its labels between the departures of a
// range search; it is not safe for concurrent use (make one per goroutine).
//
// A journey leaves the origin, walks to one of the access stops, then alternates rides and at
// most one walking transfer between two rides; it may also walk one transfer from an access
// stop before the first ride. Changing vehicles at the same stop takes no time. A journey with
// at most MaxTransfers+1 rides counts.
type Router struct {
	tt     *Timetable
	rounds int // rides allowed

	// tau[k][s] is the earliest arrival at s with at most k rides (walks included); ride[k][s]
	// the earliest arrival at s by the k-th ride itself, from which transfers may be walked.
	tau, ride [][]Time

	touched   [][]StopID // stops whose tau[k] changed in this departure
	isTouched [][]bool
	before    [][]Time // before[k][s] is tau[k][s] before this departure changed it (touched stops)
	scan      []StopID // stops improved by a ride or a walk in the previous round
	isScan    []bool
	next      []StopID
	isNext    []bool
	rideImp   []StopID
	isRideImp []bool

	patFrom  []int32 // earliest position to scan from per pattern, -1 if not queued
	patTo    []int32 // last position of a stop improved in the previous round per queued pattern
	patQueue []uint32

	// held[k][x] is, during a range search, the earliest trip (index within its pattern) that
	// a scan of round k has ridden past pattern position x (patStopStart[p]+i) so far, over all
	// departures: a later or equal trip improves nothing there (trips of a pattern do not
	// overtake and labels only ever decrease). nil outside range searches.
	held    [][]int32
	ranging bool
	// cursor[k][s] is, during a range search, the position in the stop's sorted departures
	// (Timetable.stopDeps) of the first at or after the label tau[k][s] had when s was last
	// scanned from in round k+1; −1 before the first such scan.
	cursor [][]int32
}

// NewRouter returns a router allowing maxTransfers transfers (maxTransfers+1 rides).
func (tt *Timetable) NewRouter(maxTransfers int) (*Router, error) {
	if maxTransfers < 0 || maxTransfers > 20 {
		return nil, fmt.Errorf("transit: max transfers %d outside 0..20", maxTransfers)
	}
	n := len(tt.Stops)
	r := &Router{tt: tt, rounds: maxTransfers + 1}
	r.tau = make([][]Time, r.rounds+1)
	r.ride = make([][]Time, r.rounds+1)
	r.touched = make([][]StopID, r.rounds+1)
	r.isTouched = make([][]bool, r.rounds+1)
	r.before = make([][]Time, r.rounds+1)
	for k := range r.tau {
		r.tau[k] = make([]Time, n)
		r.ride[k] = make([]Time, n)
		r.isTouched[k] = make([]bool, n)
		r.before[k] = make([]Time, n)
	}
	r.isScan = make([]bool, n)
	r.isNext = make([]bool, n)
	r.isRideImp = make([]bool, n)
	r.patFrom = make([]int32, tt.NumPatterns())
	r.patTo = make([]int32, tt.NumPatterns())
	for i := range r.patFrom {
		r.patFrom[i] = -1
	}
	r.Reset()
	return r, nil
}

// Reset forgets all labels, so that the next departure is searched from scratch.
func (r *Router) Reset() {
	for k := range r.tau {
		for i := range r.tau[k] {
			r.tau[k][i] = Unreachable
			r.ride[k][i] = Unreachable
		}
	}
}

// Arrivals returns the earliest arrival per stop of the last search (with at most
// MaxTransfers+1 rides). The slice belongs to the router and changes with the next search.
func (r *Router) Arrivals() []Time { return r.tau[r.rounds] }

// EarliestArrival searches from scratch for a departure at dep from the access stops and
// returns the earliest arrival per stop (see Arrivals).
func (r *Router) EarliestArrival(access []Access, dep Time) []Time {
	r.Reset()
	r.ranging = false
	r.run(access, dep)
	return r.Arrivals()
}

// Range runs one search per departure dep = to, to−step, …, ≥ from (latest first), each reusing
// the labels of the later ones (range RAPTOR), and calls fn with each departure and the
// earliest arrivals per stop for it. The slice is valid only during the call. The results are
// those of EarliestArrival for each departure.
//
// Besides the labels, a range search keeps per round and pattern position the earliest trip
// any scan has ridden past it: a scan on a later or equal trip compares no arrivals there, and
// once past the last stop improved in the previous round it stops. Within every search, trips
// are boarded only at stops improved in the previous round (a stop reached earlier was boarded
// from when it was), and in a range search only on patterns with a trip leaving such a stop
// between its new label and its label of the later departures (Timetable.stopDeps, walked from
// a cursor per stop and round): any other pattern's first trip is the one boarded then. A
// departure minute at which nothing new leaves the access stops thus costs little more than
// the access walks.
func (r *Router) Range(access []Access, from, to, step Time, fn func(dep Time, arr []Time)) error {
	if step <= 0 {
		return fmt.Errorf("transit: range step %d s, want > 0", step)
	}
	if to < from {
		return fmt.Errorf("transit: range from %s to %s runs backwards", from, to)
	}
	r.Reset()
	if len(r.held) != r.rounds+1 {
		r.held = make([][]int32, r.rounds+1)
	}
	if len(r.cursor) != r.rounds+1 {
		r.cursor = make([][]int32, r.rounds+1)
	}
	for k := range r.cursor {
		if len(r.cursor[k]) != len(r.tt.Stops) {
			r.cursor[k] = make([]int32, len(r.tt.Stops))
		}
		c := r.cursor[k]
		for i := range c {
			c[i] = -1
		}
	}
	for k := range r.held {
		if len(r.held[k]) != len(r.tt.patStops) {
			r.held[k] = make([]int32, len(r.tt.patStops))
		}
		h := r.held[k]
		for i := range h {
			h[i] = math.MaxInt32
		}
	}
	r.ranging = true
	defer func() { r.ranging = false }()
	for dep := to; dep >= from; dep -= step {
		r.run(access, dep)
		fn(dep, r.Arrivals())
	}
	return nil
}

// set lowers tau[k][s] to t, remembering the stop and its label before this departure.
func (r *Router) set(k int, s StopID, t Time) {
	if !r.isTouched[k][s] {
		r.isTouched[k][s] = true
		r.touched[k] = append(r.touched[k], s)
		r.before[k][s] = r.tau[k][s]
	}
	r.tau[k][s] = t
}

func (r *Router) markNext(s StopID) {
	if !r.isNext[s] {
		r.isNext[s] = true
		r.next = append(r.next, s)
	}
}

// run improves the labels for one departure. Labels left by a later departure stay valid upper
// bounds (one can always wait), so they are kept; rounds compare only with their own labels.
func (r *Router) run(access []Access, dep Time) {
	tt := r.tt
	for k := range r.touched {
		for _, s := range r.touched[k] {
			r.isTouched[k][s] = false
		}
		r.touched[k] = r.touched[k][:0]
	}
	// Round 0: the access stops, then one walk from each of them.
	tau0, ride0 := r.tau[0], r.ride[0]
	for _, a := range access {
		t := dep + a.Walk
		if t < ride0[a.Stop] {
			ride0[a.Stop] = t
			r.markRide(a.Stop)
		}
		if t < tau0[a.Stop] {
			r.set(0, a.Stop, t)
			r.markNext(a.Stop)
		}
	}
	r.walkTransfers(0)
	r.swapScan()

	for k := 1; k <= r.rounds; k++ {
		prev, cur := r.tau[k-1], r.tau[k]
		// Carry the previous round's improvements up: k rides may use fewer.
		for _, s := range r.touched[k-1] {
			if prev[s] < cur[s] {
				r.set(k, s, prev[s])
			}
		}
		if len(r.scan) == 0 {
			continue
		}
		rideK := r.ride[k]
		var held []int32
		if r.ranging {
			held = r.held[k]
		}
		// Queue the patterns through stops improved in the previous round. In a range search,
		// a stop whose label fell from u to t needs a pattern only if one of its trips leaves
		// the stop in [t, u): otherwise the first trip from t is the first from u, which a
		// scan of this round or an earlier one has ridden in a later departure.
		for _, s := range r.scan {
			t, u := prev[s], r.before[k-1][s]
			if held == nil || u == Unreachable {
				for _, pr := range tt.stopPats[tt.stopPatStart[s]:tt.stopPatStart[s+1]] {
					r.queue(pr)
				}
				continue
			}
			// The stop's departures are sorted by time; cursor[k-1][s] is the first at or
			// after the label of the stop's last scan in this range search, which was no
			// earlier than u. Walking back from it to t passes every departure in [t, u).
			deps := tt.stopDeps[tt.stopDepStart[s]:tt.stopDepStart[s+1]]
			cur := &r.cursor[k-1][s]
			i := int(*cur)
			if i < 0 {
				i = searchDep(deps, t)
				for _, d := range deps[i:] {
					if d.t >= u {
						break
					}
					r.queue(tt.stopPats[d.ref])
				}
			} else {
				for i > 0 && deps[i-1].t >= t {
					i--
					if deps[i].t < u {
						r.queue(tt.stopPats[deps[i].ref])
					}
				}
			}
			*cur = int32(i)
		}
		for _, p := range r.patQueue {
			from, last := uint32(r.patFrom[p]), uint32(r.patTo[p])
			r.patFrom[p] = -1
			pos := tt.patStopStart[p]
			stops := tt.patStops[pos:tt.patStopStart[p+1]]
			nt := tt.patTripStart[p+1] - tt.patTripStart[p]
			base := tt.patTimeStart[p]
			trip := int32(-1)
			for i := from; i < uint32(len(stops)); i++ {
				// Past the last improved stop nothing is boarded any more: without a trip, or
				// on one that earlier scans have ridden from here on (held only falls along a
				// pattern), the scan is over.
				if i > last && (trip < 0 || (held != nil && trip >= held[pos+i])) {
					break
				}
				s := stops[i]
				row := base + i*nt
				if trip >= 0 && (held == nil || trip < held[pos+i]) {
					if held != nil {
						held[pos+i] = trip
					}
					a := tt.arr[row+uint32(trip)]
					if a < rideK[s] {
						rideK[s] = a
						r.markRide(s)
						if a < cur[s] {
							r.set(k, s, a)
							r.markNext(s)
						}
					}
				}
				// Board an earlier trip here if the previous round improved s: a stop not
				// improved since an earlier round (or departure) was boarded from then.
				if !r.isScan[s] {
					continue
				}
				t := prev[s]
				if t == Unreachable {
					continue
				}
				if trip >= 0 {
					// Usually the trip on board is the one to keep or only a few are earlier.
					for trip > 0 && tt.dep[row+uint32(trip-1)] >= t {
						trip--
					}
					continue
				}
				lo, hi := uint32(0), nt
				for lo < hi {
					m := (lo + hi) / 2
					if tt.dep[row+m] < t {
						lo = m + 1
					} else {
						hi = m
					}
				}
				if lo < nt {
					trip = int32(lo)
				}
			}
		}
		r.patQueue = r.patQueue[:0]
		r.walkTransfers(k)
		r.swapScan()
	}
}

// queue puts the pattern of pr in the queue of the round, to be scanned from pr's stop.
func (r *Router) queue(pr patRef) {
	f := r.patFrom[pr.pat]
	if f < 0 {
		r.patQueue = append(r.patQueue, pr.pat)
		r.patFrom[pr.pat] = int32(pr.idx)
		r.patTo[pr.pat] = int32(pr.idx)
	} else {
		r.patFrom[pr.pat] = min(f, int32(pr.idx))
		r.patTo[pr.pat] = max(r.patTo[pr.pat], int32(pr.idx))
	}
}

// searchDep returns the index of the first departure at or after t.
func searchDep(deps []stopDep, t Time) int {
	lo, hi := 0, len(deps)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if deps[m].t < t {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

func (r *Router) markRide(s StopID) {
	if !r.isRideImp[s] {
		r.isRideImp[s] = true
		r.rideImp = append(r.rideImp, s)
	}
}

// walkTransfers walks one transfer from every stop reached by a ride (or an access walk in
// round 0) in round k.
func (r *Router) walkTransfers(k int) {
	tt := r.tt
	cur, rideK := r.tau[k], r.ride[k]
	for _, s := range r.rideImp {
		r.isRideImp[s] = false
		t := rideK[s]
		for _, w := range tt.xfers[tt.xferStart[s]:tt.xferStart[s+1]] {
			if a := t + w.dur; a < cur[w.to] {
				r.set(k, w.to, a)
				r.markNext(w.to)
			}
		}
	}
	r.rideImp = r.rideImp[:0]
}

func (r *Router) swapScan() {
	for _, s := range r.scan {
		r.isScan[s] = false
	}
	r.scan, r.next = r.next, r.scan[:0]
	r.isScan, r.isNext = r.isNext, r.isScan
}

// NoDeparture is the latest departure of a stop from which the destination cannot be reached
// in time.
const NoDeparture Time = math.MinInt32

// IsReversed reports whether the timetable was made by Reversed (for arrive-by searches).
func (tt *Timetable) IsReversed() bool { return tt.reversed }

// LatestDepartures runs an arrive-by search on a router of a reversed timetable: to arrive by
// `by` at the destination, reached from each egress stop after its Walk, it returns per stop
// the latest time one may be there (NoDeparture where no journey arrives in time). Journeys
// have the shape of EarliestArrival's, read backwards. The slice is dst, grown as needed.
func (r *Router) LatestDepartures(dst []Time, egress []Access, by Time) ([]Time, error) {
	if !r.tt.reversed {
		return nil, fmt.Errorf("transit: latest departures need a router on the reversed timetable")
	}
	return negate(dst, r.EarliestArrival(egress, -by)), nil
}

// RangeLatestDepartures is the reverse range RAPTOR: for every arrival time by = from,
// from+step, …, ≤ to (earliest first, each reusing the labels of the earlier ones) it calls fn
// with the latest departures per stop of LatestDepartures. The slice is valid only during the
// call. It needs a router on the reversed timetable.
func (r *Router) RangeLatestDepartures(egress []Access, from, to, step Time, fn func(by Time, ld []Time)) error {
	if !r.tt.reversed {
		return fmt.Errorf("transit: latest departures need a router on the reversed timetable")
	}
	if step <= 0 {
		return fmt.Errorf("transit: range step %d s, want > 0", step)
	}
	if to < from {
		return fmt.Errorf("transit: range from %s to %s runs backwards", from, to)
	}
	var buf []Time
	// On the reversed timetable a departure at −by runs from −from down to −to.
	last := from + (to-from)/step*step
	return r.Range(egress, -last, -from, step, func(dep Time, arr []Time) {
		buf = negate(buf, arr)
		fn(-dep, buf)
	})
}

// negate writes −t for every reachable t of arr into dst, NoDeparture for Unreachable.
func negate(dst, arr []Time) []Time {
	dst = append(dst[:0], make([]Time, len(arr))...)
	for s, a := range arr {
		if a == Unreachable {
			dst[s] = NoDeparture
		} else {
			dst[s] = -a
		}
	}
	return dst
}
