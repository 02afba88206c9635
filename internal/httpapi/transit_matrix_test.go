package httpapi

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"reach/geo/crs"
	"reach/internal/analysis"
	"reach/internal/analysis/analysistest"
	"reach/internal/analysis/matrix"
	"reach/internal/analysis/transit"
	"reach/layers"
)

// engineMatrix answers matrices with a real engine and everything else as the fake does.
type engineMatrix struct {
	*fakeAnalyzer
	e *analysis.Engine
}

func (a engineMatrix) Matrix(ctx context.Context, req analysis.MatrixRequest) (analysis.MatrixResult, error) {
	return matrix.Of(ctx, a.e, req)
}

// lineEngine is an engine with a one-line timetable and no roads: stop A, and stop B 10 km east;
// a train every 20 minutes from 07:00 to 08:40 that takes 15 minutes. It returns the stops'
// positions (lon, lat).
func lineEngine(t *testing.T) (*analysis.Engine, orb.Point, orb.Point) {
	t.Helper()
	a, b := orb.Point{410000, 5650000}, orb.Point{420000, 5650000}
	feed := &layers.TransitFeed{Name: "line",
		Routes:        []layers.TransitRoute{{ID: "L", Type: 2}},
		Services:      []layers.TransitService{{ID: "all", Added: []int{20230111}}},
		StopTimeStart: []uint32{0},
	}
	var ll [2]orb.Point
	for i, p := range []orb.Point{a, b} {
		ll[i], _ = crs.ToLonLat(crs.UTM33N, p)
		feed.Stops = append(feed.Stops, layers.TransitStop{ID: string(rune('A' + i)), Name: string(rune('A' + i)), Lon: ll[i][0], Lat: ll[i][1], Pos: p})
	}
	for k := 0; k < 6; k++ {
		dep := int32(7*3600 + k*20*60)
		feed.Trips = append(feed.Trips, layers.TransitTrip{ID: fmt.Sprint("t", k), Route: 0, Service: 0})
		feed.StopIdx = append(feed.StopIdx, 0, 1)
		feed.Arr = append(feed.Arr, dep, dep+15*60)
		feed.Dep = append(feed.Dep, dep, dep+15*60)
		feed.StopTimeStart = append(feed.StopTimeStart, uint32(len(feed.Arr)))
	}
	e, err := analysis.Build(context.Background(), &analysistest.Reader{}, analysis.Options{Transit: feed, Modes: []layers.Mode{}, NewTransitPlanner: transit.New})
	if err != nil {
		t.Fatal(err)
	}
	return e, ll[0], ll[1]
}

type transitMatrixReply struct {
	Durations [][]*float64 `json:"durations"`
	Sources   []struct {
		OffsetS float64 `json:"offset_s"`
	} `json:"sources"`
	Transit struct {
		Departure       *string      `json:"departure"`
		ArriveBy        string       `json:"arrive_by"`
		WindowMinutes   int          `json:"window_minutes"`
		LatestDeparture [][]*string  `json:"latest_departure"`
		P10             [][]*float64 `json:"p10"`
	} `json:"transit"`
}

// TestMatrixArriveBy asks POST /analyses/matrix for the latest departure that arrives by a given
// time and checks it against the forward search: leaving then arrives in time, a second later
// does not.
func TestMatrixArriveBy(t *testing.T) {
	eng, a, b := lineEngine(t)
	e := newEnv(t, func(d *Deps) { d.Analyzer = engineMatrix{&fakeAnalyzer{}, eng} })
	pos := func(p orb.Point) string { return fmt.Sprintf("[%.7f,%.7f]", p[0], p[1]) }
	matrix := func(extra string) transitMatrixReply {
		t.Helper()
		w := e.do(t, "POST", "/analyses/matrix", `{"mode":"transit","sources":[`+pos(a)+`],"destinations":[`+pos(b)+`],`+extra+`}`)
		if w.Code != 200 {
			t.Fatalf("%s: status %d: %s", extra, w.Code, w.Body)
		}
		return decode[transitMatrixReply](t, w)
	}

	// To be at B by 07:50: the 07:40 train arrives 07:55, too late; the 07:20 arrives 07:35.
	res := matrix(`"arrive_by":"2023-01-11T07:50"`)
	if res.Transit.ArriveBy != "2023-01-11T07:50:00" || res.Transit.Departure != nil || res.Transit.WindowMinutes != 1 {
		t.Errorf("transit block: got arrive_by %q, departure %v, window %d; want 2023-01-11T07:50:00, none, 1",
			res.Transit.ArriveBy, res.Transit.Departure, res.Transit.WindowMinutes)
	}
	walk := time.Duration(res.Sources[0].OffsetS) * time.Second
	wantLatest := time.Date(2023, 1, 11, 7, 20, 0, 0, time.UTC).Add(-walk).Format("2006-01-02T15:04:05")
	if len(res.Transit.LatestDeparture) != 1 || res.Transit.LatestDeparture[0][0] == nil || *res.Transit.LatestDeparture[0][0] != wantLatest {
		t.Fatalf("latest departure: got %v, want %s", res.Transit.LatestDeparture, wantLatest)
	}
	latest := *res.Transit.LatestDeparture[0][0]
	if d := res.Durations[0][0]; d == nil || *d != 30*60+res.Sources[0].OffsetS {
		t.Errorf("duration: got %v, want %v s (07:50 minus the latest departure)", d, 30*60+res.Sources[0].OffsetS)
	}

	// The forward search: leaving at the latest departure arrives by 07:50, a second later not.
	by := time.Date(2023, 1, 11, 7, 50, 0, 0, time.UTC)
	l, err := time.Parse("2006-01-02T15:04:05", latest)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		dep    time.Time
		inTime bool
	}{{l, true}, {l.Add(time.Second), false}} {
		fwd := matrix(`"departure":"` + c.dep.Format("2006-01-02T15:04:05") + `","window_minutes":1`)
		d := fwd.Durations[0][0]
		if d == nil {
			t.Fatalf("forward from %s: unreachable", c.dep)
		}
		arrival := c.dep.Add(time.Duration(*d) * time.Second)
		if got := !arrival.After(by); got != c.inTime {
			t.Errorf("forward from %s arrives %s: in time by %s = %v, want %v", c.dep.Format("15:04:05"), arrival.Format("15:04:05"), by.Format("15:04"), got, c.inTime)
		}
	}

	// A window of deadlines: 07:31 … 07:50, earliest first; after the last train nothing.
	res = matrix(`"arrive_by":"2023-01-11T07:50","window_minutes":20`)
	if res.Transit.WindowMinutes != 20 || res.Transit.P10[0][0] == nil || *res.Transit.P10[0][0] >= *res.Durations[0][0] {
		t.Errorf("window of 20 deadlines: got window %d, p10 %v, median %v; want p10 below the median", res.Transit.WindowMinutes, res.Transit.P10, res.Durations)
	}
	res = matrix(`"arrive_by":"2023-01-11T07:10"`)
	if res.Durations[0][0] != nil || res.Transit.LatestDeparture[0][0] != nil {
		t.Errorf("by 07:10, before the first train arrives: got %v and %v, want null", res.Durations[0][0], res.Transit.LatestDeparture[0][0])
	}
	if raw := e.do(t, "POST", "/analyses/matrix", `{"mode":"transit","sources":[`+pos(a)+`],"destinations":[`+pos(b)+`],"arrive_by":"2023-01-11T07:10"}`).Body.String(); !strings.Contains(raw, `"latest_departure":[[null]]`) {
		t.Errorf("an unreachable pair's latest departure is not null: %s", raw)
	}
}

func TestMatrixArriveByRefused(t *testing.T) {
	e := newEnv(t, nil)
	for _, c := range []struct{ target, body, field string }{
		{"/analyses/matrix", `{"mode":"transit","sources":[[13.7,51]],"destinations":[[13.8,51]],"arrive_by":"10:00"}`, "arrive_by"},
		{"/analyses/matrix", `{"mode":"transit","sources":[[13.7,51]],"destinations":[[13.8,51]],"arrive_by":"2023-01-11T10:00","departure":"2023-01-11T09:00"}`, "arrive_by"},
		{"/analyses/matrix", `{"mode":"car","sources":[[13.7,51]],"destinations":[[13.8,51]],"arrive_by":"2023-01-11T10:00"}`, "arrive_by"},
		{"/analyses/matrix", `{"mode":"transit","sources":[[13.7,51]],"destinations":[[13.8,51]]}`, "departure"},
		{"/analyses/isochrones", `{"mode":"transit","origins":[[13.7,51]],"minutes":[30],"arrive_by":"2023-01-11T10:00"}`, "arrive_by"},
	} {
		w := e.do(t, "POST", c.target, c.body)
		if w.Code != 422 || !strings.Contains(w.Body.String(), `"name":"`+c.field+`"`) {
			t.Errorf("%s %s: status %d, body %s; want 422 naming %s", c.target, c.body, w.Code, w.Body, c.field)
		}
	}
	// Accepted as asked: the analyzer gets the deadline, not a departure.
	var got analysis.MatrixRequest
	e = newEnv(t, func(d *Deps) { d.Analyzer = recordMatrix{&fakeAnalyzer{}, &got} })
	w := e.do(t, "POST", "/analyses/matrix", `{"mode":"transit","sources":[[13.7,51]],"destinations":[[13.8,51]],"arrive_by":"2023-01-11T10:00","window_minutes":5}`)
	if w.Code != 200 {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	want := time.Date(2023, 1, 11, 10, 0, 0, 0, time.UTC)
	if !got.Transit.ArriveBy.Equal(want) || !got.Transit.Departure.IsZero() || got.Transit.WindowMinutes != 5 {
		t.Errorf("request reached the analyzer as %+v, want arrive_by %s, no departure, window 5", got.Transit, want)
	}
}

// recordMatrix keeps the last matrix request.
type recordMatrix struct {
	*fakeAnalyzer
	last *analysis.MatrixRequest
}

func (a recordMatrix) Matrix(ctx context.Context, req analysis.MatrixRequest) (analysis.MatrixResult, error) {
	*a.last = req
	return a.fakeAnalyzer.Matrix(ctx, req)
}
