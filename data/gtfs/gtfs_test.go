package gtfs

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"reach/geo/transit"
	"reach/layers"
)

// feedZip zips the given files; a file given as "" is left out.
func feedZip(tb testing.TB, files map[string]string) *bytes.Reader {
	tb.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range files {
		if body == "" {
			continue
		}
		w, err := zw.Create(name)
		if err != nil {
			tb.Fatal(err)
		}
		w.Write([]byte(body))
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return bytes.NewReader(buf.Bytes())
}

func baseFiles() map[string]string {
	return map[string]string{
		"agency.txt": "agency_id,agency_name,agency_url,agency_timezone\nA,Verkehrsverbund,https://example.org,Europe/Berlin\n",
		"stops.txt": "\ufeffstop_id,stop_name,stop_lat,stop_lon\n" +
			"hbf,Dresden Hauptbahnhof,51.0405,13.7320\n" +
			"mitte,Dresden Mitte,51.0550,13.7240\n" +
			"pirna,Pirna,50.9620,13.9420\n" +
			"hbf2,Dresden Hbf Bus,51.0410,13.7325\n",
		"routes.txt":         "route_id,agency_id,route_short_name,route_type\nS1,A,S1,2\nB,A,360,3\n",
		"calendar.txt":       "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\nWK,1,1,1,1,1,0,0,20230101,20231231\n",
		"calendar_dates.txt": "service_id,date,exception_type\nWK,20230111,2\nSP,20230111,1\n",
		"trips.txt":          "route_id,service_id,trip_id\nS1,WK,s1a\nS1,SP,s1b\nB,WK,late\nB,WK,bus\n",
		"stop_times.txt": "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n" +
			"s1a,07:00:00,07:00:00,mitte,1\ns1a,07:05:00,07:06:00,hbf,2\ns1a,07:25:00,07:25:00,pirna,3\n" +
			"s1b,07:10:00,07:10:00,mitte,1\ns1b,,,hbf,2\ns1b,07:30:00,07:30:00,pirna,3\n" +
			"late,24:50:00,24:50:00,pirna,2\nlate,23:55:00,23:55:00,hbf,1\n" +
			"bus,08:00:00,08:00:00,hbf2,1\nbus,08:30:00,08:30:00,pirna,2\n",
		"frequencies.txt": "trip_id,start_time,end_time,headway_secs\nbus,08:00:00,09:00:00,1200\n",
	}
}

func read(tb testing.TB, files map[string]string) (*layers.TransitFeed, error) {
	tb.Helper()
	z := feedZip(tb, files)
	return Read(context.Background(), z, int64(z.Len()), "test.zip")
}

func TestReadAndServiceDays(t *testing.T) {
	feed, err := read(t, baseFiles())
	if err != nil {
		t.Fatal(err)
	}
	// s1b's missing time at hbf is filled halfway between 07:10 and 07:30.
	lo := feed.StopTimeStart[1]
	if got, want := feed.Arr[lo+1], int32(7*3600+20*60); got != want {
		t.Errorf("interpolated time: got %s, want %s", fmtTime(got), fmtTime(want))
	}
	// "late" was given out of order; it is sorted by stop_sequence.
	lo = feed.StopTimeStart[2]
	if got := feed.Stops[feed.StopIdx[lo]].ID; got != "hbf" {
		t.Errorf("first stop of the late trip: got %s, want hbf", got)
	}
	cases := []struct {
		day   string
		trips []string
	}{
		// Wednesday 11 January: WK is removed, SP added; the late trip of Tuesday still runs.
		{"2023-01-11", []string{"s1b", "late(day before)"}},
		// Thursday: WK runs (s1a, the late trip, the bus every 20 minutes) plus Wednesday's late trip? No: WK did not run on Wednesday.
		{"2023-01-12", []string{"s1a", "late", "bus@8:00:00", "bus@8:20:00", "bus@8:40:00"}},
		// Saturday: only Friday's late trip after midnight.
		{"2023-01-14", []string{"late(day before)"}},
	}
	for _, c := range cases {
		day, _ := layers.ParseTransitDate(c.day)
		tt, err := feed.Timetable(day, layers.DefaultWalk())
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		conns := tt.Connections()
		seen := map[int32]bool{}
		for _, x := range conns {
			if !seen[x.Trip] {
				seen[x.Trip] = true
				got = append(got, tripName(tt, x.Trip))
			}
		}
		if !sameSet(got, c.trips) {
			t.Errorf("%s: trips got %v, want %v", c.day, got, c.trips)
		}
	}
}

func tripName(tt *transit.Timetable, slot int32) string { return tt.TripID(slot) }

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	m := map[string]int{}
	for _, x := range a {
		m[x]++
	}
	for _, x := range b {
		m[x]--
	}
	for _, v := range m {
		if v != 0 {
			return false
		}
	}
	return true
}

func TestPastMidnightAndWalks(t *testing.T) {
	feed, err := read(t, baseFiles())
	if err != nil {
		t.Fatal(err)
	}
	day, _ := layers.ParseTransitDate("2023-01-11")
	tt, err := feed.Timetable(day, layers.DefaultWalk())
	if err != nil {
		t.Fatal(err)
	}
	id := map[string]transit.StopID{}
	for i, s := range tt.Stops {
		id[s.ID] = transit.StopID(i)
	}
	r, _ := tt.NewRouter(2)
	// Tuesday's 23:55 from hbf reaches Pirna at 00:50 on Wednesday.
	arr := r.EarliestArrival([]transit.Access{{Stop: id["hbf"]}}, -10*60)
	if got, want := arr[id["pirna"]], transit.Time(50*60); got != want {
		t.Errorf("hbf at 23:50 the day before → pirna: got %s, want %s", got, want)
	}
	// hbf and hbf2 are about 65 m apart: a walking transfer joins them.
	arr = r.EarliestArrival([]transit.Access{{Stop: id["mitte"]}}, 7*3600)
	if got := arr[id["hbf2"]]; got == transit.Unreachable || got < 7*3600+20*60 {
		t.Errorf("mitte → hbf2 by ride and walk: got %s, want shortly after 7:20", got)
	}
}

func TestReadErrors(t *testing.T) {
	cases := []struct {
		name  string
		file  string
		body  string
		wants []string
	}{
		{"bad time", "stop_times.txt", "trip_id,arrival_time,departure_time,stop_id,stop_sequence\ns1a,07:00:00,07:00:00,mitte,1\ns1a,7:6x:00,07:06:00,hbf,2\n",
			[]string{"stop_times.txt", "line 3", "arrival_time", `"7:6x:00"`}},
		{"unknown stop", "stop_times.txt", "trip_id,arrival_time,departure_time,stop_id,stop_sequence\ns1a,07:00:00,07:00:00,nowhere,1\n",
			[]string{"line 2", "stop_id", `"nowhere"`, "no such stop"}},
		{"unknown trip", "stop_times.txt", "trip_id,arrival_time,departure_time,stop_id,stop_sequence\nx,07:00:00,07:00:00,hbf,1\n",
			[]string{"line 2", "trip_id", `"x"`}},
		{"time runs back", "stop_times.txt", "trip_id,arrival_time,departure_time,stop_id,stop_sequence\ns1a,07:00:00,07:00:00,mitte,1\ns1a,06:00:00,06:00:00,hbf,2\n",
			[]string{"trip s1a", "before it leaves"}},
		{"bad latitude", "stops.txt", "stop_id,stop_name,stop_lat,stop_lon\nhbf,X,91.5,13\n",
			[]string{"stops.txt", "line 2", "stop_lat", `"91.5"`}},
		{"unknown route", "trips.txt", "route_id,service_id,trip_id\nS9,WK,s1a\n",
			[]string{"trips.txt", "line 2", "route_id", `"S9"`}},
		{"bad weekday", "calendar.txt", "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\nWK,1,1,yes,1,1,0,0,20230101,20231231\n",
			[]string{"calendar.txt", "line 2", "wednesday", `"yes"`}},
		{"bad headway", "frequencies.txt", "trip_id,start_time,end_time,headway_secs\nbus,08:00:00,09:00:00,0\n",
			[]string{"frequencies.txt", "line 2", "headway_secs"}},
		{"missing file", "routes.txt", "", []string{"routes.txt is missing"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			files := baseFiles()
			files[c.file] = c.body
			_, err := read(t, files)
			if err == nil {
				t.Fatal("got no error")
			}
			for _, w := range c.wants {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not name %s", err, w)
				}
			}
		})
	}
	// A position error is an *Error.
	files := baseFiles()
	files["stops.txt"] = "stop_id,stop_name,stop_lat,stop_lon\nhbf,X,abc,13\n"
	_, err := read(t, files)
	var ge *Error
	if !errors.As(err, &ge) || ge.Line != 2 || ge.Field != "stop_lat" {
		t.Errorf("got %#v, want an *Error at line 2, field stop_lat", err)
	}
}

func TestParseTime(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int32
		ok   bool
	}{{"07:05:09", 7*3600 + 5*60 + 9, true}, {"7:05:09", 7*3600 + 5*60 + 9, true}, {"25:00:00", 25 * 3600, true},
		{"7:5:09", 0, false}, {"07:60:00", 0, false}, {"", 0, false}, {"-1:00:00", 0, false}} {
		got, err := ParseTime(c.in)
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("ParseTime(%q) = %d, %v; want %d, ok %v", c.in, got, err, c.want, c.ok)
		}
	}
}

func FuzzParseTime(f *testing.F) {
	for _, s := range []string{"07:05:09", "25:00:00", "", "1:2:3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseTime(s)
		if err != nil {
			return
		}
		if v < 0 {
			t.Errorf("ParseTime(%q) = %d, negative", s, v)
		}
		if back, err := ParseTime(fmtTime(v)); err != nil || back != v {
			t.Errorf("ParseTime(%q) = %d formats as %s, which parses as %d, %v", s, v, fmtTime(v), back, err)
		}
	})
}
