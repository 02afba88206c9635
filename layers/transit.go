package layers

import (
	"context"
	"fmt"
	"iter"
	"math"
	"slices"
	"time"

	"github.com/paulmach/orb"

	"reach/geo/transit"
)

// A public transport timetable as GTFS gives it (data/gtfs reads it, the stores keep it, the
// engine routes on one service day of it).

// TransitAgency is a row of agency.txt.
type TransitAgency struct {
	ID, Name, URL, Timezone string
}

// TransitStop is a row of stops.txt with its position in EPSG:25833.
type TransitStop struct {
	ID, Name     string
	Lon, Lat     float64
	Pos          orb.Point // EPSG:25833; zero when the feed gives no position
	LocationType int
	Parent       string
}

// TransitRoute is a row of routes.txt.
type TransitRoute struct {
	ID, AgencyID, ShortName, LongName string
	Type                              int
}

// TransitTrip is a row of trips.txt with its stop times.
type TransitTrip struct {
	ID       string
	Route    int32 // index in TransitFeed.Routes
	Service  int32 // index in TransitFeed.Services
	Headsign string
}

// TransitService is a service_id with its calendar and exceptions. Dates are YYYYMMDD integers.
type TransitService struct {
	ID         string
	Weekdays   [7]bool // Monday first, as in calendar.txt
	Start, End int     // 0 if the service has no calendar.txt row
	Added      []int
	Removed    []int
}

// TransitFrequency is a row of frequencies.txt: the trip runs every Headway seconds from Start to End.
type TransitFrequency struct {
	Trip       int32 // index in TransitFeed.Trips
	Start, End int32
	Headway    int32
	ExactTimes bool
}

// TransitTransfer is a row of transfers.txt between two stops.
type TransitTransfer struct {
	From, To int32 // indices in TransitFeed.Stops
	Type     int   // 0 recommended, 1 timed, 2 minimum time, 3 not possible
	MinTime  int32 // seconds, -1 if not given
}

// TransitFeed is a whole GTFS feed in memory. Stop times of trip i are at indices
// StopTimeStart[i]:StopTimeStart[i+1] of StopIdx, Arr and Dep, in stop_sequence order.
type TransitFeed struct {
	Name        string
	Agencies    []TransitAgency
	Stops       []TransitStop
	Routes      []TransitRoute
	Trips       []TransitTrip
	Services    []TransitService
	Frequencies []TransitFrequency
	Transfers   []TransitTransfer

	StopTimeStart []uint32
	StopIdx       []uint32
	Arr, Dep      []int32 // seconds after noon minus 12 h; interpolated where the file left them empty

}

// TransitStore keeps one public transport timetable. Stores that implement it are loaded by
// `reach import gtfs`, and the engine routes mode "transit" on what they hold.
type TransitStore interface {
	// ReplaceTransit stores feed in place of the previous timetable, atomically.
	ReplaceTransit(ctx context.Context, feed *TransitFeed) error
	// Transit returns the stored timetable, or an error wrapping ErrNotFound when none is.
	Transit(ctx context.Context) (*TransitFeed, error)
}

// Check reports the first index of the feed that points nowhere, or stop times that are not
// one run per trip with times that never decrease.
func (feed *TransitFeed) Check() error {
	if len(feed.StopTimeStart) != len(feed.Trips)+1 {
		return fmt.Errorf("layers: transit feed %s: %d trip offsets for %d trips: %w", feed.Name, len(feed.StopTimeStart), len(feed.Trips), ErrInvalid)
	}
	n := len(feed.StopIdx)
	if len(feed.Arr) != n || len(feed.Dep) != n || int(feed.StopTimeStart[len(feed.Trips)]) != n {
		return fmt.Errorf("layers: transit feed %s: stop time columns of %d, %d, %d rows, trips end at %d: %w", feed.Name, n, len(feed.Arr), len(feed.Dep), feed.StopTimeStart[len(feed.Trips)], ErrInvalid)
	}
	for i, t := range feed.Trips {
		if t.Route < 0 || int(t.Route) >= len(feed.Routes) || t.Service < 0 || int(t.Service) >= len(feed.Services) {
			return fmt.Errorf("layers: transit feed %s: trip %s: route %d or service %d out of range: %w", feed.Name, t.ID, t.Route, t.Service, ErrInvalid)
		}
		lo, hi := feed.StopTimeStart[i], feed.StopTimeStart[i+1]
		if hi < lo {
			return fmt.Errorf("layers: transit feed %s: trip %s: stop times run backwards: %w", feed.Name, t.ID, ErrInvalid)
		}
		for j := lo; j < hi; j++ {
			if int(feed.StopIdx[j]) >= len(feed.Stops) || feed.Arr[j] > feed.Dep[j] || (j > lo && feed.Arr[j] < feed.Dep[j-1]) {
				return fmt.Errorf("layers: transit feed %s: trip %s: stop time %d: bad stop or time: %w", feed.Name, t.ID, j-lo, ErrInvalid)
			}
		}
	}
	for _, f := range feed.Frequencies {
		if f.Trip < 0 || int(f.Trip) >= len(feed.Trips) || f.Headway <= 0 {
			return fmt.Errorf("layers: transit feed %s: frequency of trip %d, headway %d s: %w", feed.Name, f.Trip, f.Headway, ErrInvalid)
		}
	}
	for _, x := range feed.Transfers {
		if x.From < 0 || int(x.From) >= len(feed.Stops) || x.To < 0 || int(x.To) >= len(feed.Stops) {
			return fmt.Errorf("layers: transit feed %s: transfer %d→%d out of range: %w", feed.Name, x.From, x.To, ErrInvalid)
		}
	}
	return nil
}

// WalkOptions says how walking transfers between stops are made.
type WalkOptions struct {
	// SpeedMS is the walking speed in metres per second and Detour the ratio of the walked to
	// the straight-line distance; walks take distance × Detour / SpeedMS.
	SpeedMS, Detour float64
	// RadiusM is how far apart two stops may be for a walking transfer when the feed has no
	// transfers.txt (or Always is set).
	RadiusM float64
	// Always adds the radius transfers even when the feed has transfers.txt.
	Always bool
}

// DefaultWalk returns the walk used when no calibrated model is given: 1.25 m/s (4.5 km/h) over
// 1.3 times the straight line, transfers within 300 m. These are assumptions, not measurements.
func DefaultWalk() WalkOptions { return WalkOptions{SpeedMS: 1.25, Detour: 1.3, RadiusM: 300} }

// WalkSeconds returns the time to walk the straight-line distance d metres.
func (w WalkOptions) WalkSeconds(d float64) transit.Time {
	return transit.Time(math.Ceil(d * w.Detour / w.SpeedMS))
}

// ParseTransitDate parses YYYY-MM-DD or YYYYMMDD.
func ParseTransitDate(s string) (time.Time, error) {
	for _, layout := range []string{"2006-01-02", "20060102"} {
		if d, err := time.Parse(layout, s); err == nil {
			return d, nil
		}
	}
	return time.Time{}, fmt.Errorf("layers: date %q: want YYYY-MM-DD", s)
}

func ymd(d time.Time) int { return d.Year()*10000 + int(d.Month())*100 + d.Day() }

// Active reports whether the service runs on the given day.
func (s *TransitService) Active(day time.Time) bool {
	d := ymd(day)
	if slices.Contains(s.Removed, d) {
		return false
	}
	if slices.Contains(s.Added, d) {
		return true
	}
	if s.Start == 0 || d < s.Start || d > s.End {
		return false
	}
	wd := (int(day.Weekday()) + 6) % 7 // Monday = 0
	return s.Weekdays[wd]
}

// DateRange returns the first and last day any service runs (YYYYMMDD), 0, 0 for none.
func (feed *TransitFeed) DateRange() (first, last int) {
	for _, s := range feed.Services {
		for _, d := range append(slices.Clone(s.Added), s.Start, s.End) {
			if d == 0 {
				continue
			}
			if first == 0 || d < first {
				first = d
			}
			if d > last {
				last = d
			}
		}
	}
	return first, last
}

// Timetable makes the routable timetable of one service day: the trips whose service runs that
// day, plus those of the day before that are still running after midnight (their times less
// 24 h). Trips in frequencies.txt are expanded into one trip per headway. Stops without
// coordinates are left out of the walks. Times are counted from midnight of day, so a day with
// a clock change is off by an hour after the change (as GTFS "noon minus 12 h" times are).
func (feed *TransitFeed) Timetable(day time.Time, walk WalkOptions) (*transit.Timetable, error) {
	if walk.SpeedMS <= 0 || walk.Detour < 1 || walk.RadiusM < 0 {
		return nil, fmt.Errorf("layers: walk speed %g m/s, detour %g, radius %g m: want speed > 0, detour ≥ 1, radius ≥ 0", walk.SpeedMS, walk.Detour, walk.RadiusM)
	}
	b := &transit.Builder{Date: day.Format("2006-01-02")}
	b.Stops = make([]transit.Stop, len(feed.Stops))
	for i, s := range feed.Stops {
		b.Stops[i] = transit.Stop{ID: s.ID, Name: s.Name, Pos: s.Pos}
	}
	b.Routes = make([]transit.Route, len(feed.Routes))
	for i, r := range feed.Routes {
		b.Routes[i] = transit.Route{ID: r.ID, ShortName: r.ShortName, LongName: r.LongName, Type: r.Type, AgencyID: r.AgencyID}
	}
	today := make([]bool, len(feed.Services))
	yesterday := make([]bool, len(feed.Services))
	prev := day.AddDate(0, 0, -1)
	for i := range feed.Services {
		today[i] = feed.Services[i].Active(day)
		yesterday[i] = feed.Services[i].Active(prev)
	}
	freq := make(map[int32][]TransitFrequency)
	for _, f := range feed.Frequencies {
		freq[f.Trip] = append(freq[f.Trip], f)
	}
	add := func(t int, id string, shift int32) {
		lo, hi := feed.StopTimeStart[t], feed.StopTimeStart[t+1]
		if hi-lo < 2 {
			return
		}
		n := int(hi - lo)
		spec := transit.TripSpec{ID: id, Route: int(feed.Trips[t].Route),
			Stops: make([]transit.StopID, n), Arr: make([]transit.Time, n), Dep: make([]transit.Time, n)}
		for i := 0; i < n; i++ {
			spec.Stops[i] = transit.StopID(feed.StopIdx[lo+uint32(i)])
			spec.Arr[i] = transit.Time(feed.Arr[lo+uint32(i)] + shift)
			spec.Dep[i] = transit.Time(feed.Dep[lo+uint32(i)] + shift)
		}
		b.Trips = append(b.Trips, spec)
	}
	for t := range feed.Trips {
		svc := feed.Trips[t].Service
		if !today[svc] && !yesterday[svc] {
			continue
		}
		lo, hi := feed.StopTimeStart[t], feed.StopTimeStart[t+1]
		if hi-lo < 2 {
			continue
		}
		first, last := feed.Dep[lo], feed.Arr[hi-1]
		type run struct {
			shift int32
			label string
		}
		var runs []run
		if fs := freq[int32(t)]; len(fs) > 0 {
			for _, f := range fs {
				for start := f.Start; start < f.End; start += f.Headway {
					runs = append(runs, run{start - first, fmt.Sprintf("%s@%s", feed.Trips[t].ID, transit.Time(start).String())})
				}
			}
		} else {
			runs = []run{{0, feed.Trips[t].ID}}
		}
		for _, r := range runs {
			if today[svc] {
				add(t, r.label, r.shift)
			}
			if yesterday[svc] && last+r.shift >= 24*3600 {
				add(t, r.label+"(day before)", r.shift-24*3600)
			}
		}
	}

	// Walking transfers: transfers.txt where present, else between stops within the radius.
	forbidden := map[[2]int32]bool{}
	for _, x := range feed.Transfers {
		if x.From == x.To {
			continue
		}
		switch {
		case x.Type == 3 || x.Type == 5:
			forbidden[[2]int32{x.From, x.To}] = true
		case x.MinTime >= 0:
			b.Transfers = append(b.Transfers, transit.Transfer{From: transit.StopID(x.From), To: transit.StopID(x.To), Duration: transit.Time(x.MinTime)})
		default:
			p, q := feed.Stops[x.From].Pos, feed.Stops[x.To].Pos
			b.Transfers = append(b.Transfers, transit.Transfer{From: transit.StopID(x.From), To: transit.StopID(x.To), Duration: walk.WalkSeconds(math.Hypot(p[0]-q[0], p[1]-q[1]))})
		}
	}
	if (len(feed.Transfers) == 0 || walk.Always) && walk.RadiusM > 0 {
		pre, err := b.Build() // only for its stop index
		if err != nil {
			return nil, err
		}
		var near []transit.StopDist
		for i, s := range feed.Stops {
			if s.Pos == ([2]float64{}) {
				continue
			}
			near = pre.StopsNear(near[:0], s.Pos, walk.RadiusM)
			for _, n := range near {
				if int(n.Stop) == i || forbidden[[2]int32{int32(i), int32(n.Stop)}] || feed.Stops[n.Stop].Pos == ([2]float64{}) {
					continue
				}
				b.Transfers = append(b.Transfers, transit.Transfer{From: transit.StopID(i), To: n.Stop, Duration: walk.WalkSeconds(n.Dist)})
			}
		}
	}
	tt, err := b.Build()
	if err != nil {
		return nil, fmt.Errorf("layers: %s: %w", feed.Name, err)
	}
	return tt, nil
}

// TransitTimeRecord is the travel time by public transport from one cell to the nearest
// facility of a category over a window of departures, as stored in transit_travel_times.
type TransitTimeRecord struct {
	CellID          string
	AGS             string
	Population      int64
	Known           bool
	Departure       time.Time // local wall-clock time of the first departure
	WindowMinutes   int
	Median, P10     *float64 // seconds; nil when not reached
	P90             *float64
	ShareWithin     *float64 // share of departures within the standard; nil without one
	StandardMinutes float64
	// Method is MethodTransit for a reached cell (Median set), MethodUnreachable for one that a
	// stop with a departure in the window serves but that reaches no facility, MethodNoStop for
	// one that no such stop serves within walking distance (the feed may end there).
	Method string
}

// TransitResultWriter stores transit travel times; the PostGIS store implements it.
type TransitResultWriter interface {
	// ReplaceTransitTravelTimes replaces the rows of one category, atomically.
	ReplaceTransitTravelTimes(ctx context.Context, cat Category, computedAt time.Time, src iter.Seq2[TransitTimeRecord, error]) (int, error)
}
