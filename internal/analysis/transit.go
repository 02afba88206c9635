package analysis

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

	"reach/geo/transit"
	"reach/layers"
)

// Public transport: requests with mode "transit" are answered on the timetable of
// Options.Transit with range RAPTOR (geo/transit) over a window of departures, one every minute,
// waiting at the first stop included. Walks to the first stop, from the last stop, and the whole
// way when that is shorter use the straight-line foot model (Options.StraightLine) up to
// TransitAccessM; walks between stops are those of the timetable (layers.DefaultWalk: transfers.txt,
// else stops within 300 m).

// Transit is the mode name of public transport in requests (layers.Transit). It is not a road
// mode: ParseMode does not accept it.
const Transit = layers.Transit

// Defaults of transit requests.
const (
	// TransitAccessM is the longest straight-line walk to the first or from the last stop, and of
	// a journey made on foot only.
	TransitAccessM = 1200.0
	// DefaultWindowMinutes is the departure window when a request gives none.
	DefaultWindowMinutes = 60
	// MaxWindowMinutes bounds the window of one request.
	MaxWindowMinutes = 240
	// DefaultMaxTransfers is the transfer limit of transit searches.
	DefaultMaxTransfers = 5
)

// TransitQuery is when a transit request leaves: at Departure (local wall-clock time of the
// timetable's zone; its location is ignored) and every minute of the following WindowMinutes.
type TransitQuery struct {
	Departure     time.Time
	WindowMinutes int
}

// ParseDeparture reads a local date-time "YYYY-MM-DDTHH:MM" (seconds optional) as the
// timetable's local wall-clock time. An offset or "Z" is refused: timetables are local.
func ParseDeparture(s string) (time.Time, error) {
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02 15:04", "2006-01-02 15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("departure %q: want a local date-time YYYY-MM-DDTHH:MM (no offset): %w", s, layers.ErrInvalid)
}

// check fills the default window and validates the query.
func (q *TransitQuery) check() error {
	if q.Departure.IsZero() {
		return fmt.Errorf("departure: required with mode transit: %w", layers.ErrInvalid)
	}
	if q.WindowMinutes == 0 {
		q.WindowMinutes = DefaultWindowMinutes
	}
	if q.WindowMinutes < 1 || q.WindowMinutes > MaxWindowMinutes {
		return fmt.Errorf("window_minutes %d: want 1 to %d: %w", q.WindowMinutes, MaxWindowMinutes, layers.ErrInvalid)
	}
	return nil
}

// day returns the service day and the departure in seconds after its midnight.
func (q TransitQuery) day() (time.Time, transit.Time) {
	d := q.Departure
	day := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.UTC)
	return day, transit.Time(d.Hour()*3600 + d.Minute()*60 + d.Second())
}

// transitData is the engine's timetable with the routable days built so far.
type transitData struct {
	feed *layers.TransitFeed
	mu   sync.Mutex
	days map[string]*transitDay
}

type transitDay struct {
	once sync.Once
	tt   *transit.Timetable
	err  error
	pool sync.Pool // *transit.Router

	revOnce sync.Once
	rev     *transit.Timetable
	revErr  error
}

// HasTransit reports whether the engine has a timetable.
func (e *Engine) HasTransit() bool { return e.transit != nil }

// TransitFeed returns the engine's timetable, nil without one.
func (e *Engine) TransitFeed() *layers.TransitFeed {
	if e.transit == nil {
		return nil
	}
	return e.transit.feed
}

// timetable returns the routable timetable of one service day, built on first use.
func (e *Engine) timetable(day time.Time) (*transitDay, error) {
	if e.transit == nil {
		return nil, fmt.Errorf("mode transit: no timetable loaded (import one with `reach import gtfs`): %w", layers.ErrInvalid)
	}
	key := day.Format("2006-01-02")
	e.transit.mu.Lock()
	d := e.transit.days[key]
	if d == nil {
		d = &transitDay{}
		e.transit.days[key] = d
	}
	e.transit.mu.Unlock()
	d.once.Do(func() {
		d.tt, d.err = e.transit.feed.Timetable(day, layers.DefaultWalk())
		if d.err == nil && d.tt.NumTrips() == 0 {
			first, last := e.transit.feed.DateRange()
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

func (d *transitDay) router() *transit.Router {
	if r, ok := d.pool.Get().(*transit.Router); ok {
		return r
	}
	r, err := d.tt.NewRouter(DefaultMaxTransfers)
	if err != nil {
		panic(err) // DefaultMaxTransfers is in range
	}
	return r
}

// walkSeconds is the straight-line foot estimate for d metres.
func (e *Engine) walkSeconds(d float64) transit.Time {
	return transit.Time(math.Ceil(e.model.Curve(layers.Foot).Seconds(d)))
}

// stopWalks returns the stops within TransitAccessM of p (EPSG:25833) with their walks.
func (e *Engine) stopWalks(tt *transit.Timetable, p orb.Point, buf []transit.StopDist) ([]transit.Access, []transit.StopDist) {
	buf = tt.StopsNear(buf[:0], p, TransitAccessM)
	out := make([]transit.Access, len(buf))
	for i, n := range buf {
		out[i] = transit.Access{Stop: n.Stop, Walk: e.walkSeconds(n.Dist)}
	}
	return out, buf
}

// windowStats are the median and the 10th and 90th percentiles of travel times over the
// departures of a window (nearest rank; an unreachable departure counts as infinitely long),
// and the share of departures within a limit. A nil percentile is unreachable.
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

func statsOf(times []float64) windowStats {
	slices.Sort(times)
	return windowStats{P10: percentile(times, 0.1), Median: percentile(times, 0.5), P90: percentile(times, 0.9)}
}

// TransitMatrix is what a transit matrix adds: the departures and the spread over them.
type TransitMatrix struct {
	Departure     string `json:"departure"` // local date-time of the first departure
	WindowMinutes int    `json:"window_minutes"`
	// P10 and P90 are the 10th and 90th percentiles of the travel times over the window's
	// departures (Durations holds the medians), seconds, waiting included.
	P10       [][]*float64 `json:"p10"`
	P90       [][]*float64 `json:"p90"`
	Timetable string       `json:"timetable"` // the feed's name
	// Method describes the walks and the search.
	Method string `json:"method"`
}

// transitMatrix answers a matrix by public transport.
func (e *Engine) transitMatrix(ctx context.Context, req MatrixRequest, res MatrixResult) (MatrixResult, error) {
	q := req.Transit
	if err := q.check(); err != nil {
		return MatrixResult{}, fmt.Errorf("analysis: matrix: %w", err)
	}
	day, dep := q.day()
	d, err := e.timetable(day)
	if err != nil {
		return MatrixResult{}, fmt.Errorf("analysis: matrix: %w", err)
	}
	tt := d.tt
	r := d.router()
	defer d.pool.Put(r)

	var buf []transit.StopDist
	srcUTM := make([]orb.Point, len(req.Sources))
	access := make([][]transit.Access, len(req.Sources))
	for i, p := range req.Sources {
		u, err := toUTM(p)
		if err != nil {
			return MatrixResult{}, fmt.Errorf("analysis: matrix: sources[%d]: %w", i, err)
		}
		srcUTM[i] = u
		access[i], buf = e.stopWalks(tt, u, buf)
		res.Sources[i] = e.stopInfo(tt, p, u, buf)
	}
	dstUTM := make([]orb.Point, len(req.Destinations))
	egress := make([][]transit.Access, len(req.Destinations))
	for j, p := range req.Destinations {
		u, err := toUTM(p)
		if err != nil {
			return MatrixResult{}, fmt.Errorf("analysis: matrix: destinations[%d]: %w", j, err)
		}
		dstUTM[j] = u
		egress[j], buf = e.stopWalks(tt, u, buf)
		res.Destinations[j] = e.stopInfo(tt, p, u, buf)
	}
	tm := &TransitMatrix{Departure: q.Departure.Format("2006-01-02T15:04:05"), WindowMinutes: q.WindowMinutes,
		P10: make([][]*float64, len(req.Sources)), P90: make([][]*float64, len(req.Sources)),
		Timetable: e.transit.feed.Name,
		Method:    fmt.Sprintf("range RAPTOR, one departure per minute, at most %d transfers; walks to and from stops within %.0f m and on foot only within %.0f m by the straight-line foot estimate; walks between stops from the timetable", DefaultMaxTransfers, TransitAccessM, TransitAccessM)}
	last := dep + transit.Time(60*(q.WindowMinutes-1))
	times := make([][]float64, len(req.Destinations))
	for i := range req.Sources {
		if err := ctx.Err(); err != nil {
			return MatrixResult{}, fmt.Errorf("analysis: matrix: %w", err)
		}
		tm.P10[i] = make([]*float64, len(req.Destinations))
		tm.P90[i] = make([]*float64, len(req.Destinations))
		direct := make([]float64, len(req.Destinations))
		for j := range req.Destinations {
			times[j] = times[j][:0]
			direct[j] = math.Inf(1)
			if s := planar.Distance(srcUTM[i], dstUTM[j]); s <= TransitAccessM {
				direct[j] = float64(e.walkSeconds(s))
			}
		}
		err := r.Range(access[i], dep, last, 60, func(t transit.Time, arr []transit.Time) {
			for j, eg := range egress {
				best := direct[j]
				for _, a := range eg {
					if at := arr[a.Stop]; at != transit.Unreachable {
						best = min(best, float64(at+a.Walk-t))
					}
				}
				times[j] = append(times[j], best)
			}
		})
		if err != nil {
			return MatrixResult{}, fmt.Errorf("analysis: matrix: %w", err)
		}
		for j := range req.Destinations {
			st := statsOf(times[j])
			res.Durations[i][j], tm.P10[i][j], tm.P90[i][j] = st.Median, st.P10, st.P90
			res.Methods[i][j] = MethodTransit
			if st.Median == nil {
				res.Methods[i][j] = MethodUnreachable
			}
		}
	}
	res.Transit = tm
	return res, nil
}

// stopInfo says which stop a point walks to: the nearest within TransitAccessM, or why none.
func (e *Engine) stopInfo(tt *transit.Timetable, p, u orb.Point, near []transit.StopDist) SnapInfo {
	info := SnapInfo{Input: p}
	if len(near) == 0 {
		info.Reason = fmt.Sprintf("no stop within %.0f m", TransitAccessM)
		return info
	}
	best := near[0]
	for _, n := range near[1:] {
		if n.Dist < best.Dist {
			best = n
		}
	}
	ll, err := fromUTM(tt.Stops[best.Stop].Pos)
	if err == nil {
		info.Location = ll
	}
	info.DistanceM = round3(best.Dist)
	info.OffsetS = float64(e.walkSeconds(best.Dist))
	info.Snapped = true
	info.Stop = strings.TrimSpace(tt.Stops[best.Stop].Name)
	return info
}
