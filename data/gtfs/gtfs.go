// Package gtfs reads GTFS static timetables (a zip of CSV files) and turns one service day of
// them into a routable transit.Timetable.
//
// The reader streams every file row by row; stop_times, the only large file (tens of millions of
// rows for the German feed), is kept as four packed integers per row (stop, arrival, departure,
// sequence) and sorted by trip only when the file is not already in trip order. Errors name the
// file, line, field and value. Read files: agency, stops, routes, trips, stop_times, calendar,
// calendar_dates, frequencies, transfers (the last four where present); other files are ignored.
package gtfs

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/paulmach/orb"

	"reach/geo/crs"
	"reach/layers"
)

// Error is a problem at a place in the feed.
type Error struct {
	File  string // e.g. "stop_times.txt"
	Line  int    // 1-based line of the CSV file, 0 if the whole file is meant
	Field string // column name, "" if the row or file is meant
	Value string
	Err   error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("gtfs: ")
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, " line %d", e.Line)
	}
	if e.Field != "" {
		fmt.Fprintf(&b, " field %s", e.Field)
	}
	if e.Value != "" || e.Field != "" {
		fmt.Fprintf(&b, " value %q", e.Value)
	}
	b.WriteString(": ")
	b.WriteString(e.Err.Error())
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// ReadFile reads the feed in the zip file at path.
func ReadFile(ctx context.Context, path string) (*layers.TransitFeed, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("gtfs: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("gtfs: %w", err)
	}
	return Read(ctx, f, st.Size(), path)
}

// Read reads a feed from a zip archive. name labels errors.
func Read(ctx context.Context, r io.ReaderAt, size int64, name string) (*layers.TransitFeed, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, fmt.Errorf("gtfs: %s: not a zip archive: %w", name, err)
	}
	files := map[string]*zip.File{}
	for _, f := range zr.File {
		base := f.Name
		if i := strings.LastIndexByte(base, '/'); i >= 0 {
			base = base[i+1:]
		}
		files[base] = f
	}
	for _, req := range []string{"agency.txt", "stops.txt", "routes.txt", "trips.txt", "stop_times.txt"} {
		if files[req] == nil {
			return nil, fmt.Errorf("gtfs: %s: %s is missing", name, req)
		}
	}
	if files["calendar.txt"] == nil && files["calendar_dates.txt"] == nil {
		return nil, fmt.Errorf("gtfs: %s: neither calendar.txt nor calendar_dates.txt is present", name)
	}
	feed := &reader{TransitFeed: &layers.TransitFeed{Name: name}, stopIndex: map[string]int32{}, routeIndex: map[string]int32{},
		tripIndex: map[string]int32{}, svcIndex: map[string]int32{}}
	steps := []struct {
		file     string
		required bool
		fn       func(*row) error
	}{
		{"agency.txt", true, feed.agency},
		{"stops.txt", true, feed.stop},
		{"routes.txt", true, feed.route},
		{"calendar.txt", false, feed.calendar},
		{"calendar_dates.txt", false, feed.calendarDate},
		{"trips.txt", true, feed.trip},
		{"stop_times.txt", true, nil},
		{"frequencies.txt", false, feed.frequency},
		{"transfers.txt", false, feed.transfer},
	}
	for _, s := range steps {
		f := files[s.file]
		if f == nil {
			continue
		}
		if s.file == "stop_times.txt" {
			err = feed.readStopTimes(ctx, f)
		} else {
			err = eachRow(ctx, f, s.fn)
		}
		if err != nil {
			return nil, err
		}
	}
	return feed.TransitFeed, nil
}

// reader is a feed being read, with the indices from ids to positions.
type reader struct {
	*layers.TransitFeed
	stopIndex  map[string]int32
	routeIndex map[string]int32
	tripIndex  map[string]int32
	svcIndex   map[string]int32
}

// row is one CSV record with its header.
type row struct {
	file   string
	line   int
	cols   map[string]int
	record []string
}

func (r *row) get(field string) string {
	if i, ok := r.cols[field]; ok && i < len(r.record) {
		return strings.TrimSpace(r.record[i])
	}
	return ""
}

func (r *row) errf(field, value, format string, args ...any) error {
	return &Error{File: r.file, Line: r.line, Field: field, Value: value, Err: fmt.Errorf(format, args...)}
}

func (r *row) required(field string) (string, error) {
	v := r.get(field)
	if v == "" {
		return "", r.errf(field, "", "required value is empty")
	}
	return v, nil
}

func (r *row) intField(field string, def int) (int, error) {
	v := r.get(field)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, r.errf(field, v, "not an integer")
	}
	return n, nil
}

// eachRow streams the CSV records of a zip entry.
func eachRow(ctx context.Context, f *zip.File, fn func(*row) error) error {
	rc, err := f.Open()
	if err != nil {
		return &Error{File: f.Name, Err: err}
	}
	defer rc.Close()
	cr := csv.NewReader(&bomSkipper{r: rc})
	cr.ReuseRecord = true
	cr.FieldsPerRecord = -1
	head, err := cr.Read()
	if err == io.EOF {
		return &Error{File: f.Name, Err: errors.New("empty file, want a header line")}
	}
	if err != nil {
		return &Error{File: f.Name, Line: 1, Err: err}
	}
	r := &row{file: f.Name, cols: map[string]int{}}
	for i, h := range head {
		r.cols[strings.TrimSpace(h)] = i
	}
	for n := 0; ; n++ {
		if n&0xffff == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.Line
			}
			return &Error{File: f.Name, Line: line, Err: err}
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		r.line, r.record = line, rec
		if err := fn(r); err != nil {
			return err
		}
	}
}

// bomSkipper drops a UTF-8 byte order mark at the start of a file.
type bomSkipper struct {
	r       io.Reader
	checked bool
}

func (b *bomSkipper) Read(p []byte) (int, error) {
	if b.checked {
		return b.r.Read(p)
	}
	b.checked = true
	var head [3]byte
	n, err := io.ReadFull(b.r, head[:])
	rest := head[:n]
	if bytes.Equal(rest, []byte{0xEF, 0xBB, 0xBF}) {
		rest = nil
	}
	b.r = io.MultiReader(bytes.NewReader(rest), b.r)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return 0, err
	}
	return b.r.Read(p)
}

func (feed *reader) agency(r *row) error {
	a := layers.TransitAgency{ID: r.get("agency_id"), Name: r.get("agency_name"), URL: r.get("agency_url"), Timezone: r.get("agency_timezone")}
	if a.Name == "" {
		return r.errf("agency_name", "", "required value is empty")
	}
	feed.Agencies = append(feed.Agencies, a)
	return nil
}

func (feed *reader) stop(r *row) error {
	id, err := r.required("stop_id")
	if err != nil {
		return err
	}
	if _, dup := feed.stopIndex[id]; dup {
		return r.errf("stop_id", id, "duplicate stop")
	}
	lt, err := r.intField("location_type", 0)
	if err != nil {
		return err
	}
	s := layers.TransitStop{ID: id, Name: r.get("stop_name"), LocationType: lt, Parent: r.get("parent_station")}
	latS, lonS := r.get("stop_lat"), r.get("stop_lon")
	if latS == "" && lonS == "" && lt >= 3 {
		// Generic nodes and boarding areas may omit coordinates; they carry no service.
	} else {
		if s.Lat, err = strconv.ParseFloat(latS, 64); err != nil || s.Lat < -90 || s.Lat > 90 {
			return r.errf("stop_lat", latS, "not a latitude")
		}
		if s.Lon, err = strconv.ParseFloat(lonS, 64); err != nil || s.Lon < -180 || s.Lon > 180 {
			return r.errf("stop_lon", lonS, "not a longitude")
		}
		p, err := crs.FromLonLat(crs.UTM33N, orb.Point{s.Lon, s.Lat})
		if err != nil {
			return r.errf("stop_lon", lonS, "cannot project to EPSG:25833: %v", err)
		}
		s.Pos = p
	}
	feed.stopIndex[id] = int32(len(feed.Stops))
	feed.Stops = append(feed.Stops, s)
	return nil
}

func (feed *reader) route(r *row) error {
	id, err := r.required("route_id")
	if err != nil {
		return err
	}
	if _, dup := feed.routeIndex[id]; dup {
		return r.errf("route_id", id, "duplicate route")
	}
	t, err := r.intField("route_type", -1)
	if err != nil {
		return err
	}
	if t < 0 {
		return r.errf("route_type", "", "required value is empty")
	}
	feed.routeIndex[id] = int32(len(feed.Routes))
	feed.Routes = append(feed.Routes, layers.TransitRoute{ID: id, AgencyID: r.get("agency_id"),
		ShortName: r.get("route_short_name"), LongName: r.get("route_long_name"), Type: t})
	return nil
}

func (feed *reader) service(id string) int32 {
	if i, ok := feed.svcIndex[id]; ok {
		return i
	}
	i := int32(len(feed.Services))
	feed.svcIndex[id] = i
	feed.Services = append(feed.Services, layers.TransitService{ID: id})
	return i
}

func (r *row) date(field string) (int, error) {
	v := r.get(field)
	if len(v) != 8 {
		return 0, r.errf(field, v, "not a date YYYYMMDD")
	}
	d, err := strconv.Atoi(v)
	if err != nil || d/100%100 < 1 || d/100%100 > 12 || d%100 < 1 || d%100 > 31 {
		return 0, r.errf(field, v, "not a date YYYYMMDD")
	}
	return d, nil
}

var weekdays = [7]string{"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}

func (feed *reader) calendar(r *row) error {
	id, err := r.required("service_id")
	if err != nil {
		return err
	}
	s := &feed.Services[feed.service(id)]
	if s.Start != 0 {
		return r.errf("service_id", id, "duplicate service in calendar.txt")
	}
	for i, d := range weekdays {
		v := r.get(d)
		switch v {
		case "1":
			s.Weekdays[i] = true
		case "0":
		default:
			return r.errf(d, v, "want 0 or 1")
		}
	}
	if s.Start, err = r.date("start_date"); err != nil {
		return err
	}
	if s.End, err = r.date("end_date"); err != nil {
		return err
	}
	if s.End < s.Start {
		return r.errf("end_date", r.get("end_date"), "before start_date %s", r.get("start_date"))
	}
	return nil
}

func (feed *reader) calendarDate(r *row) error {
	id, err := r.required("service_id")
	if err != nil {
		return err
	}
	d, err := r.date("date")
	if err != nil {
		return err
	}
	s := &feed.Services[feed.service(id)]
	switch v := r.get("exception_type"); v {
	case "1":
		s.Added = append(s.Added, d)
	case "2":
		s.Removed = append(s.Removed, d)
	default:
		return r.errf("exception_type", v, "want 1 (added) or 2 (removed)")
	}
	return nil
}

func (feed *reader) trip(r *row) error {
	id, err := r.required("trip_id")
	if err != nil {
		return err
	}
	if _, dup := feed.tripIndex[id]; dup {
		return r.errf("trip_id", id, "duplicate trip")
	}
	rid := r.get("route_id")
	ri, ok := feed.routeIndex[rid]
	if !ok {
		return r.errf("route_id", rid, "no such route in routes.txt")
	}
	sid := r.get("service_id")
	si, ok := feed.svcIndex[sid]
	if !ok {
		return r.errf("service_id", sid, "no such service in calendar.txt or calendar_dates.txt")
	}
	feed.tripIndex[id] = int32(len(feed.Trips))
	feed.Trips = append(feed.Trips, layers.TransitTrip{ID: id, Route: ri, Service: si, Headsign: r.get("trip_headsign")})
	return nil
}

// ParseTime parses a GTFS time H:MM:SS (hours may exceed 23) into seconds.
func ParseTime(s string) (int32, error) {
	h, rest, ok := strings.Cut(s, ":")
	if !ok || len(h) == 0 || len(h) > 3 || len(rest) != 5 || rest[2] != ':' {
		return 0, errors.New("not a time H:MM:SS")
	}
	var v [3]int
	for i, part := range []string{h, rest[:2], rest[3:]} {
		for _, c := range []byte(part) {
			if c < '0' || c > '9' {
				return 0, errors.New("not a time H:MM:SS")
			}
			v[i] = v[i]*10 + int(c-'0')
		}
	}
	if v[1] > 59 || v[2] > 59 {
		return 0, errors.New("minutes or seconds above 59")
	}
	return int32(v[0]*3600 + v[1]*60 + v[2]), nil
}

const noTime = -1

// readStopTimes streams stop_times.txt into packed columns grouped by trip.
func (feed *reader) readStopTimes(ctx context.Context, f *zip.File) error {
	type st struct {
		trip int32
		seq  uint32
	}
	var keys []st
	var stops []uint32
	var arr, dep []int32
	sorted := true
	err := eachRow(ctx, f, func(r *row) error {
		tid := r.get("trip_id")
		ti, ok := feed.tripIndex[tid]
		if !ok {
			return r.errf("trip_id", tid, "no such trip in trips.txt")
		}
		sid := r.get("stop_id")
		si, ok := feed.stopIndex[sid]
		if !ok {
			return r.errf("stop_id", sid, "no such stop in stops.txt")
		}
		seqS := r.get("stop_sequence")
		seq, err := strconv.ParseUint(seqS, 10, 32)
		if err != nil {
			return r.errf("stop_sequence", seqS, "not a non-negative integer")
		}
		a, d := int32(noTime), int32(noTime)
		if v := r.get("arrival_time"); v != "" {
			if a, err = ParseTime(v); err != nil {
				return r.errf("arrival_time", v, "%v", err)
			}
		}
		if v := r.get("departure_time"); v != "" {
			if d, err = ParseTime(v); err != nil {
				return r.errf("departure_time", v, "%v", err)
			}
		}
		switch {
		case a == noTime && d != noTime:
			a = d
		case d == noTime && a != noTime:
			d = a
		}
		if a > d {
			return r.errf("departure_time", r.get("departure_time"), "before arrival_time %s", r.get("arrival_time"))
		}
		k := st{ti, uint32(seq)}
		if n := len(keys); n > 0 && sorted {
			p := keys[n-1]
			if p.trip > k.trip || (p.trip == k.trip && p.seq >= k.seq) {
				sorted = false
			}
		}
		keys = append(keys, k)
		stops = append(stops, uint32(si))
		arr = append(arr, a)
		dep = append(dep, d)
		return nil
	})
	if err != nil {
		return err
	}
	if !sorted {
		perm := make([]uint32, len(keys))
		for i := range perm {
			perm[i] = uint32(i)
		}
		slices.SortFunc(perm, func(x, y uint32) int {
			a, b := keys[x], keys[y]
			if a.trip != b.trip {
				return int(a.trip) - int(b.trip)
			}
			if a.seq < b.seq {
				return -1
			} else if a.seq > b.seq {
				return 1
			}
			return 0
		})
		keys = permute(keys, perm)
		stops = permute(stops, perm)
		arr = permute(arr, perm)
		dep = permute(dep, perm)
	}
	feed.StopTimeStart = make([]uint32, len(feed.Trips)+1)
	for i, k := range keys {
		if i > 0 && keys[i-1] == k {
			return &Error{File: f.Name, Field: "stop_sequence", Value: strconv.Itoa(int(k.seq)),
				Err: fmt.Errorf("trip %s has this stop_sequence twice", feed.Trips[k.trip].ID)}
		}
		feed.StopTimeStart[k.trip+1]++
	}
	for i := 1; i < len(feed.StopTimeStart); i++ {
		feed.StopTimeStart[i] += feed.StopTimeStart[i-1]
	}
	feed.StopIdx, feed.Arr, feed.Dep = stops, arr, dep
	// Fill times left empty (non-timepoints) linearly between the known ones.
	for t := range feed.Trips {
		lo, hi := int(feed.StopTimeStart[t]), int(feed.StopTimeStart[t+1])
		if hi == lo {
			continue
		}
		if arr[lo] == noTime || arr[hi-1] == noTime {
			return &Error{File: f.Name, Field: "arrival_time", Err: fmt.Errorf("trip %s has no time at its first or last stop", feed.Trips[t].ID)}
		}
		for i := lo + 1; i < hi; {
			if arr[i] != noTime {
				i++
				continue
			}
			j := i
			for arr[j] == noTime {
				j++
			}
			t0, t1 := dep[i-1], arr[j]
			for m := i; m < j; m++ {
				v := t0 + int32(int64(t1-t0)*int64(m-i+1)/int64(j-i+1))
				arr[m], dep[m] = v, v
			}
			i = j
		}
		for i := lo + 1; i < hi; i++ {
			if arr[i] < dep[i-1] {
				return &Error{File: f.Name, Field: "arrival_time", Value: fmtTime(arr[i]),
					Err: fmt.Errorf("trip %s arrives at stop_sequence %d before it leaves the previous stop at %s", feed.Trips[t].ID, keys[i].seq, fmtTime(dep[i-1]))}
			}
		}
	}
	return nil
}

func permute[T any](s []T, perm []uint32) []T {
	out := make([]T, len(s))
	for i, p := range perm {
		out[i] = s[p]
	}
	return out
}

func fmtTime(t int32) string { return fmt.Sprintf("%d:%02d:%02d", t/3600, t/60%60, t%60) }

func (feed *reader) frequency(r *row) error {
	tid := r.get("trip_id")
	ti, ok := feed.tripIndex[tid]
	if !ok {
		return r.errf("trip_id", tid, "no such trip in trips.txt")
	}
	fr := layers.TransitFrequency{Trip: ti}
	for _, f := range []struct {
		name string
		dst  *int32
	}{{"start_time", &fr.Start}, {"end_time", &fr.End}} {
		v := r.get(f.name)
		t, err := ParseTime(v)
		if err != nil {
			return r.errf(f.name, v, "%v", err)
		}
		*f.dst = t
	}
	h, err := r.intField("headway_secs", 0)
	if err != nil {
		return err
	}
	if h <= 0 {
		return r.errf("headway_secs", r.get("headway_secs"), "want a positive number of seconds")
	}
	if fr.End <= fr.Start {
		return r.errf("end_time", r.get("end_time"), "not after start_time %s", r.get("start_time"))
	}
	fr.Headway = int32(h)
	fr.ExactTimes = r.get("exact_times") == "1"
	feed.Frequencies = append(feed.Frequencies, fr)
	return nil
}

func (feed *reader) transfer(r *row) error {
	var ends [2]int32
	for i, field := range []string{"from_stop_id", "to_stop_id"} {
		v := r.get(field)
		if v == "" {
			// Trip-to-trip or route-to-route transfers without stops are not modelled.
			return nil
		}
		s, ok := feed.stopIndex[v]
		if !ok {
			return r.errf(field, v, "no such stop in stops.txt")
		}
		ends[i] = s
	}
	typ, err := r.intField("transfer_type", 0)
	if err != nil {
		return err
	}
	if typ < 0 || typ > 5 {
		return r.errf("transfer_type", r.get("transfer_type"), "want 0 to 5")
	}
	mt, err := r.intField("min_transfer_time", -1)
	if err != nil {
		return err
	}
	if typ == 2 && mt < 0 {
		return r.errf("min_transfer_time", "", "transfer_type 2 needs a minimum transfer time")
	}
	feed.Transfers = append(feed.Transfers, layers.TransitTransfer{From: ends[0], To: ends[1], Type: typ, MinTime: int32(mt)})
	return nil
}
