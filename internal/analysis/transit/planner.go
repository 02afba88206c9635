// Package transit holds the public transport use cases of the engine: mode "transit" in the
// matrix and in isochrones, the travel times of every populated cell to the nearest facility
// of a category over a departure window, and appointments with round trips. It routes with
// range RAPTOR (geo/transit, imported as raptor) on the timetable the engine was built with
// (analysis.Options.Transit); analysis.Options.NewTransitPlanner = New wires it into an engine.
//
// Requests leave at a departure (a local date-time) and every minute of the following window;
// waiting at the first stop is included. Walks to the first stop, from the last stop, and the
// whole way when that is shorter use the engine's straight-line foot estimate up to AccessM;
// walks between stops are those of the timetable (layers.DefaultWalk: transfers.txt, else
// stops within 300 m).
package transit

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	raptor "reach/geo/transit"
	"reach/internal/analysis"
	"reach/layers"
)

// Defaults of transit searches.
const (
	// AccessM is the longest straight-line walk to the first or from the last stop, and of a
	// journey made on foot only.
	AccessM = 1200.0
	// MaxTransfers is the transfer limit of transit searches.
	MaxTransfers = 5
)

// Planner answers mode transit for one engine. It builds the routable timetable of a service
// day on first use and keeps it. It is safe for concurrent use.
type Planner struct {
	e    *analysis.Engine
	feed *layers.TransitFeed
	mu   sync.Mutex
	days map[string]*day

	cellsOnce sync.Once
	cells     *cellIndex

	served map[servedKey][]bool // ServedCells per window, under mu
}

var _ analysis.TransitPlanner = (*Planner)(nil)

// New returns the planner of e's timetable (analysis.Options.NewTransitPlanner); nil when e has
// none.
func New(e *analysis.Engine) analysis.TransitPlanner {
	if !e.HasTransit() {
		return nil
	}
	return &Planner{e: e, feed: e.TransitFeed(), days: map[string]*day{}}
}

// Of returns the planner of e, or an error when e has no timetable or was built without
// analysis.Options.NewTransitPlanner = New.
func Of(e *analysis.Engine) (*Planner, error) {
	p, ok := e.TransitPlanner().(*Planner)
	if !ok || p == nil {
		return nil, fmt.Errorf("transit: mode transit: no timetable loaded (import one with `reach import gtfs`): %w", layers.ErrInvalid)
	}
	return p, nil
}

// Feed returns the planner's timetable.
func (p *Planner) Feed() *layers.TransitFeed { return p.feed }

// serviceDay returns the service day of q and its departure in seconds after midnight.
func serviceDay(q analysis.TransitQuery) (time.Time, raptor.Time) {
	d := q.Departure
	day := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.UTC)
	return day, raptor.Time(d.Hour()*3600 + d.Minute()*60 + d.Second())
}

// day is the routable timetable of one service day with its routers.
type day struct {
	once sync.Once
	tt   *raptor.Timetable
	err  error
	pool sync.Pool // *raptor.Router

	revOnce sync.Once
	rev     *raptor.Timetable
	revErr  error
	revPool sync.Pool
}

// timetable returns the routable timetable of one service day, built on first use.
func (p *Planner) timetable(date time.Time) (*day, error) {
	key := date.Format("2006-01-02")
	p.mu.Lock()
	d := p.days[key]
	if d == nil {
		d = &day{}
		p.days[key] = d
	}
	p.mu.Unlock()
	d.once.Do(func() {
		d.tt, d.err = p.feed.Timetable(date, layers.DefaultWalk())
		if d.err == nil && d.tt.NumTrips() == 0 {
			first, last := p.feed.DateRange()
			d.err = fmt.Errorf("mode transit: no trip runs on %s (the timetable covers %s to %s): %w", key, ymdString(first), ymdString(last), layers.ErrInvalid)
		}
	})
	return d, d.err
}

func ymdString(d int) string {
	if d == 0 {
		return "no day"
	}
	return fmt.Sprintf("%04d-%02d-%02d", d/10000, d/100%100, d%100)
}

// router takes a forward router from the day's pool; put it back with d.pool.Put.
func (d *day) router() *raptor.Router {
	if r, ok := d.pool.Get().(*raptor.Router); ok {
		return r
	}
	r, err := d.tt.NewRouter(MaxTransfers)
	if err != nil {
		panic(err) // MaxTransfers is in range
	}
	return r
}

// reversed returns the reversed timetable of the day, built on first use.
func (d *day) reversed() (*raptor.Timetable, error) {
	d.revOnce.Do(func() { d.rev, d.revErr = d.tt.Reversed() })
	return d.rev, d.revErr
}

// revRouter takes a router on the reversed timetable; put it back with d.revPool.Put.
func (d *day) revRouter() (*raptor.Router, error) {
	rev, err := d.reversed()
	if err != nil {
		return nil, err
	}
	if r, ok := d.revPool.Get().(*raptor.Router); ok {
		return r, nil
	}
	return rev.NewRouter(MaxTransfers)
}

// walkSeconds is the straight-line foot estimate for d metres, whole seconds rounded up.
func (p *Planner) walkSeconds(d float64) raptor.Time {
	return raptor.Time(math.Ceil(p.e.StraightLineSeconds(layers.Foot, d)))
}

// stopWalks returns the stops within AccessM of pt (EPSG:25833) with their walks; buf is
// scratch space, returned for reuse.
func (p *Planner) stopWalks(tt *raptor.Timetable, pt orb.Point, buf []raptor.StopDist) ([]raptor.Access, []raptor.StopDist) {
	buf = tt.StopsNear(buf[:0], pt, AccessM)
	out := make([]raptor.Access, len(buf))
	for i, n := range buf {
		out[i] = raptor.Access{Stop: n.Stop, Walk: p.walkSeconds(n.Dist)}
	}
	return out, buf
}

// windowStats are the median and the 10th and 90th percentiles of travel times over the
// departures of a window (nearest rank; an unreachable departure counts as infinitely long).
// A nil percentile is unreachable.
type windowStats struct {
	P10, Median, P90 *float64
}

// percentile returns the nearest-rank q-quantile of sorted values (+Inf for unreachable).
func percentile(sorted []float64, q float64) *float64 {
	if len(sorted) == 0 {
		return nil
	}
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	i = min(max(i, 0), len(sorted)-1)
	v := sorted[i]
	if math.IsInf(v, 1) {
		return nil
	}
	return &v
}

// statsOf sorts times in place and summarises them.
func statsOf(times []float64) windowStats {
	slices.Sort(times)
	return windowStats{P10: percentile(times, 0.1), Median: percentile(times, 0.5), P90: percentile(times, 0.9)}
}

// method describes the search of a matrix or isochrone.
func method() string {
	return fmt.Sprintf("range RAPTOR, one departure per minute, at most %d transfers; walks to and from stops within %.0f m and on foot only within %.0f m by the straight-line foot estimate; walks between stops from the timetable", MaxTransfers, AccessM, AccessM)
}

// Matrix answers a matrix by public transport (analysis.TransitPlanner): durations are the
// medians over the window's departures, res.Transit the spread.
func (p *Planner) Matrix(ctx context.Context, req analysis.MatrixRequest, res analysis.MatrixResult) (analysis.MatrixResult, error) {
	q := req.Transit
	if err := q.Check(); err != nil {
		return analysis.MatrixResult{}, fmt.Errorf("analysis: matrix: %w", err)
	}
	if !q.ArriveBy.IsZero() {
		return p.matrixArriveBy(ctx, req, res, q)
	}
	date, dep := serviceDay(q)
	d, err := p.timetable(date)
	if err != nil {
		return analysis.MatrixResult{}, fmt.Errorf("analysis: matrix: %w", err)
	}
	tt := d.tt
	r := d.router()
	defer d.pool.Put(r)

	ends, err := p.endsOf(tt, req, res)
	if err != nil {
		return analysis.MatrixResult{}, err
	}
	srcUTM, access, dstUTM, egress := ends.srcUTM, ends.access, ends.dstUTM, ends.egress
	tm := &analysis.TransitMatrix{Departure: q.Departure.Format("2006-01-02T15:04:05"), WindowMinutes: q.WindowMinutes,
		P10: make([][]*float64, len(req.Sources)), P90: make([][]*float64, len(req.Sources)),
		Timetable: p.feed.Name, Method: method()}
	last := dep + raptor.Time(60*(q.WindowMinutes-1))
	times := make([][]float64, len(req.Destinations))
	for i := range req.Sources {
		if err := ctx.Err(); err != nil {
			return analysis.MatrixResult{}, fmt.Errorf("analysis: matrix: %w", err)
		}
		tm.P10[i] = make([]*float64, len(req.Destinations))
		tm.P90[i] = make([]*float64, len(req.Destinations))
		direct := make([]float64, len(req.Destinations))
		for j := range req.Destinations {
			times[j] = times[j][:0]
			direct[j] = p.directWalk(srcUTM[i], dstUTM[j])
		}
		err := r.Range(access[i], dep, last, 60, func(t raptor.Time, arr []raptor.Time) {
			for j, eg := range egress {
				best := direct[j]
				for _, a := range eg {
					if at := arr[a.Stop]; at != raptor.Unreachable {
						best = min(best, float64(at+a.Walk-t))
					}
				}
				times[j] = append(times[j], best)
			}
		})
		if err != nil {
			return analysis.MatrixResult{}, fmt.Errorf("analysis: matrix: %w", err)
		}
		for j := range req.Destinations {
			st := statsOf(times[j])
			res.Durations[i][j], tm.P10[i][j], tm.P90[i][j] = st.Median, st.P10, st.P90
		}
	}
	res.Transit = tm
	return res, nil
}

// departureOnly refuses an arrive-by query where only departures are answered.
func departureOnly(q analysis.TransitQuery) error {
	if !q.ArriveBy.IsZero() {
		return fmt.Errorf("arrive_by: only a matrix answers arrive-by queries; give departure: %w", layers.ErrInvalid)
	}
	return nil
}

// directWalk is the walk the whole way between two points (EPSG:25833) in seconds, +Inf beyond
// AccessM.
func (p *Planner) directWalk(a, b orb.Point) float64 {
	if s := planar.Distance(a, b); s <= AccessM {
		return float64(p.walkSeconds(s))
	}
	return math.Inf(1)
}

// matrixEnds are the sources and destinations of a matrix in EPSG:25833 with their walks to
// and from stops.
type matrixEnds struct {
	srcUTM, dstUTM []orb.Point
	access, egress [][]raptor.Access
}

// endsOf finds the stops within walking distance of every source and destination and
// fills res.Sources and res.Destinations.
func (p *Planner) endsOf(tt *raptor.Timetable, req analysis.MatrixRequest, res analysis.MatrixResult) (matrixEnds, error) {
	var buf []raptor.StopDist
	srcUTM := make([]orb.Point, len(req.Sources))
	access := make([][]raptor.Access, len(req.Sources))
	for i, pt := range req.Sources {
		u, err := analysis.ToUTM(pt)
		if err != nil {
			return matrixEnds{}, fmt.Errorf("analysis: matrix: sources[%d]: %w", i, err)
		}
		srcUTM[i] = u
		access[i], buf = p.stopWalks(tt, u, buf)
		res.Sources[i] = p.stopInfo(tt, pt, buf)
	}
	dstUTM := make([]orb.Point, len(req.Destinations))
	egress := make([][]raptor.Access, len(req.Destinations))
	for j, pt := range req.Destinations {
		u, err := analysis.ToUTM(pt)
		if err != nil {
			return matrixEnds{}, fmt.Errorf("analysis: matrix: destinations[%d]: %w", j, err)
		}
		dstUTM[j] = u
		egress[j], buf = p.stopWalks(tt, u, buf)
		res.Destinations[j] = p.stopInfo(tt, pt, buf)
	}
	return matrixEnds{srcUTM: srcUTM, dstUTM: dstUTM, access: access, egress: egress}, nil
}

// matrixArriveBy answers an arrive-by matrix: per destination one reverse range search over
// the arrival deadlines of the window (the WindowMinutes minutes up to q.ArriveBy), giving per
// source and deadline the latest departure that arrives in time; a travel time is the deadline
// minus that departure, waiting at either end included.
func (p *Planner) matrixArriveBy(ctx context.Context, req analysis.MatrixRequest, res analysis.MatrixResult, q analysis.TransitQuery) (analysis.MatrixResult, error) {
	date, by := serviceDay(analysis.TransitQuery{Departure: q.ArriveBy})
	d, err := p.timetable(date)
	if err != nil {
		return analysis.MatrixResult{}, fmt.Errorf("analysis: matrix: %w", err)
	}
	r, err := d.revRouter()
	if err != nil {
		return analysis.MatrixResult{}, fmt.Errorf("analysis: matrix: %w", err)
	}
	defer d.revPool.Put(r)
	ends, err := p.endsOf(d.tt, req, res)
	if err != nil {
		return analysis.MatrixResult{}, err
	}
	ns, nd := len(req.Sources), len(req.Destinations)
	tm := &analysis.TransitMatrix{ArriveBy: q.ArriveBy.Format("2006-01-02T15:04:05"), WindowMinutes: q.WindowMinutes,
		P10: make([][]*float64, ns), P90: make([][]*float64, ns), LatestDeparture: make([][]*string, ns),
		Timetable: p.feed.Name, Method: method() + "; arrive-by: reverse range RAPTOR over the arrival deadlines"}
	for i := range req.Sources {
		tm.P10[i] = make([]*float64, nd)
		tm.P90[i] = make([]*float64, nd)
		tm.LatestDeparture[i] = make([]*string, nd)
	}
	first := by - raptor.Time(60*(q.WindowMinutes-1))
	times := make([][]float64, ns)
	for j := range req.Destinations {
		if err := ctx.Err(); err != nil {
			return analysis.MatrixResult{}, fmt.Errorf("analysis: matrix: %w", err)
		}
		direct := make([]float64, ns)
		for i := range req.Sources {
			times[i] = times[i][:0]
			direct[i] = p.directWalk(ends.srcUTM[i], ends.dstUTM[j])
		}
		latest := make([]raptor.Time, ns)
		err := r.RangeLatestDepartures(ends.egress[j], first, by, 60, func(t raptor.Time, ld []raptor.Time) {
			for i, acc := range ends.access {
				dep := raptor.NoDeparture
				if !math.IsInf(direct[i], 1) {
					dep = t - raptor.Time(direct[i])
				}
				for _, a := range acc {
					if l := ld[a.Stop]; l != raptor.NoDeparture {
						dep = max(dep, l-a.Walk)
					}
				}
				if dep == raptor.NoDeparture {
					times[i] = append(times[i], math.Inf(1))
				} else {
					times[i] = append(times[i], float64(t-dep))
				}
				if t == by {
					latest[i] = dep
				}
			}
		})
		if err != nil {
			return analysis.MatrixResult{}, fmt.Errorf("analysis: matrix: %w", err)
		}
		for i := range req.Sources {
			st := statsOf(times[i])
			res.Durations[i][j], tm.P10[i][j], tm.P90[i][j] = st.Median, st.P10, st.P90
			if latest[i] != raptor.NoDeparture {
				s := date.Add(time.Duration(latest[i]) * time.Second).Format("2006-01-02T15:04:05")
				tm.LatestDeparture[i][j] = &s
			}
		}
	}
	res.Transit = tm
	return res, nil
}

// stopInfo says which stop a point walks to: the nearest within AccessM, or why none.
func (p *Planner) stopInfo(tt *raptor.Timetable, ll orb.Point, near []raptor.StopDist) analysis.SnapInfo {
	info := analysis.SnapInfo{Input: ll}
	if len(near) == 0 {
		info.Reason = fmt.Sprintf("no stop within %.0f m", AccessM)
		return info
	}
	best := near[0]
	for _, n := range near[1:] {
		if n.Dist < best.Dist {
			best = n
		}
	}
	if pos, err := analysis.FromUTM(tt.Stops[best.Stop].Pos); err == nil {
		info.Location = pos
	}
	info.DistanceM = analysis.Round3(best.Dist)
	info.OffsetS = float64(p.walkSeconds(best.Dist))
	info.Snapped = true
	info.Stop = strings.TrimSpace(tt.Stops[best.Stop].Name)
	return info
}
