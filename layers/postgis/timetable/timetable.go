// Package timetable maps a public transport timetable (layers.TransitFeed)
// to the transit_* tables of the PostGIS store and back: which tables, which
// columns, which row per record, in which order. The store owns the
// transaction, the COPY, the locking and the layer version.
package timetable

import (
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"reach/layers"
	"reach/layers/postgis/geometry"
)

// sridUTM33N is the SRID of the stops' positions (EPSG:25833).
const sridUTM33N = 25833

// Tables are the tables of the timetable, children first (the order they
// are emptied).
var Tables = []string{"transit_transfers", "transit_frequencies", "transit_stop_times", "transit_trips",
	"transit_services", "transit_routes", "transit_stops", "transit_agencies", "transit_feed"}

// CopyFunc copies n rows, given by row, into the columns cols of table.
type CopyFunc func(table string, cols []string, n int, row func(i int) ([]any, error)) error

// Write copies the records of f (all but the feed's name, in
// transit_feed) through copyRows, parents first.
func Write(f *layers.TransitFeed, copyRows CopyFunc) error {
	steps := []struct {
		table string
		cols  []string
		n     int
		row   func(i int) ([]any, error)
	}{
		{"transit_agencies", []string{"idx", "agency_id", "name", "url", "timezone"}, len(f.Agencies), func(i int) ([]any, error) {
			a := f.Agencies[i]
			return []any{i, a.ID, a.Name, nullText(a.URL), nullText(a.Timezone)}, nil
		}},
		{"transit_stops", []string{"idx", "stop_id", "name", "location_type", "parent_station", "lon", "lat", "geom"}, len(f.Stops), func(i int) ([]any, error) {
			st := f.Stops[i]
			var geom any
			if st.Pos != (orb.Point{}) {
				g, err := geometry.ToStore(st.Pos, sridUTM33N)
				if err != nil {
					return nil, fmt.Errorf("stop %s: %w", st.ID, err)
				}
				geom = g
			}
			return []any{i, st.ID, st.Name, st.LocationType, nullText(st.Parent), st.Lon, st.Lat, geom}, nil
		}},
		{"transit_routes", []string{"idx", "route_id", "agency_id", "short_name", "long_name", "route_type"}, len(f.Routes), func(i int) ([]any, error) {
			r := f.Routes[i]
			return []any{i, r.ID, nullText(r.AgencyID), nullText(r.ShortName), nullText(r.LongName), r.Type}, nil
		}},
		{"transit_services", []string{"idx", "service_id", "weekdays", "start_date", "end_date", "added", "removed"}, len(f.Services), func(i int) ([]any, error) {
			sv := f.Services[i]
			return []any{i, sv.ID, sv.Weekdays[:], sv.Start, sv.End, intsOrEmpty(sv.Added), intsOrEmpty(sv.Removed)}, nil
		}},
		{"transit_trips", []string{"idx", "trip_id", "route_idx", "service_idx", "headsign"}, len(f.Trips), func(i int) ([]any, error) {
			t := f.Trips[i]
			return []any{i, t.ID, t.Route, t.Service, nullText(t.Headsign)}, nil
		}},
	}
	for _, st := range steps {
		if err := copyRows(st.table, st.cols, st.n, st.row); err != nil {
			return err
		}
	}
	// Stop times: walk the trips and their positions.
	trip := 0
	if err := copyRows("transit_stop_times", []string{"trip_idx", "position", "stop_idx", "arrival", "departure"}, len(f.Arr), func(i int) ([]any, error) {
		for uint32(i) >= f.StopTimeStart[trip+1] {
			trip++
		}
		return []any{trip, i - int(f.StopTimeStart[trip]), f.StopIdx[i], f.Arr[i], f.Dep[i]}, nil
	}); err != nil {
		return err
	}
	if err := copyRows("transit_frequencies", []string{"trip_idx", "start_time", "end_time", "headway_s", "exact_times"}, len(f.Frequencies), func(i int) ([]any, error) {
		q := f.Frequencies[i]
		return []any{q.Trip, q.Start, q.End, q.Headway, q.ExactTimes}, nil
	}); err != nil {
		return err
	}
	if err := copyRows("transit_transfers", []string{"from_stop_idx", "to_stop_idx", "transfer_type", "min_transfer_time"}, len(f.Transfers), func(i int) ([]any, error) {
		x := f.Transfers[i]
		var mt any
		if x.MinTime >= 0 {
			mt = x.MinTime
		}
		return []any{x.From, x.To, x.Type, mt}, nil
	}); err != nil {
		return err
	}
	return nil
}

func intsOrEmpty(v []int) []int {
	if v == nil {
		return []int{}
	}
	return v
}

// nullText maps "" to SQL NULL.
func nullText(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// EachFunc runs the query sql and calls scan for each of its rows; what
// names the table in errors.
type EachFunc func(what, sql string, scan func(pgx.Rows) error) error

// Read reads the records of a timetable (all but the feed's name) into f
// through each, in the order they were written.
func Read(f *layers.TransitFeed, each EachFunc) error {
	var url, tz, parent, agency, short, long, head *string
	var lon, lat *float64
	err := each("transit_agencies", `SELECT agency_id, name, url, timezone FROM transit_agencies ORDER BY idx`, func(r pgx.Rows) error {
		var a layers.TransitAgency
		err := r.Scan(&a.ID, &a.Name, &url, &tz)
		a.URL, a.Timezone = deref(url), deref(tz)
		f.Agencies = append(f.Agencies, a)
		return err
	})
	if err == nil {
		err = each("transit_stops", `SELECT stop_id, name, location_type, parent_station, lon, lat, ST_X(geom), ST_Y(geom) FROM transit_stops ORDER BY idx`, func(r pgx.Rows) error {
			var st layers.TransitStop
			var x, y *float64
			err := r.Scan(&st.ID, &st.Name, &st.LocationType, &parent, &lon, &lat, &x, &y)
			st.Parent = deref(parent)
			if lon != nil && lat != nil {
				st.Lon, st.Lat = *lon, *lat
			}
			if x != nil && y != nil {
				st.Pos = orb.Point{*x, *y}
			}
			f.Stops = append(f.Stops, st)
			return err
		})
	}
	if err == nil {
		err = each("transit_routes", `SELECT route_id, agency_id, short_name, long_name, route_type FROM transit_routes ORDER BY idx`, func(r pgx.Rows) error {
			var rt layers.TransitRoute
			err := r.Scan(&rt.ID, &agency, &short, &long, &rt.Type)
			rt.AgencyID, rt.ShortName, rt.LongName = deref(agency), deref(short), deref(long)
			f.Routes = append(f.Routes, rt)
			return err
		})
	}
	if err == nil {
		err = each("transit_services", `SELECT service_id, weekdays, start_date, end_date, added, removed FROM transit_services ORDER BY idx`, func(r pgx.Rows) error {
			var sv layers.TransitService
			var wd []bool
			err := r.Scan(&sv.ID, &wd, &sv.Start, &sv.End, &sv.Added, &sv.Removed)
			copy(sv.Weekdays[:], wd)
			f.Services = append(f.Services, sv)
			return err
		})
	}
	if err == nil {
		err = each("transit_trips", `SELECT trip_id, route_idx, service_idx, headsign FROM transit_trips ORDER BY idx`, func(r pgx.Rows) error {
			var t layers.TransitTrip
			err := r.Scan(&t.ID, &t.Route, &t.Service, &head)
			t.Headsign = deref(head)
			f.Trips = append(f.Trips, t)
			return err
		})
	}
	if err == nil {
		f.StopTimeStart = make([]uint32, len(f.Trips)+1)
		err = each("transit_stop_times", `SELECT trip_idx, stop_idx, arrival, departure FROM transit_stop_times ORDER BY trip_idx, position`, func(r pgx.Rows) error {
			var trip int32
			var stop uint32
			var a, d int32
			if err := r.Scan(&trip, &stop, &a, &d); err != nil {
				return err
			}
			f.StopTimeStart[trip+1]++
			f.StopIdx = append(f.StopIdx, stop)
			f.Arr = append(f.Arr, a)
			f.Dep = append(f.Dep, d)
			return nil
		})
		for i := 1; i < len(f.StopTimeStart); i++ {
			f.StopTimeStart[i] += f.StopTimeStart[i-1]
		}
	}
	if err == nil {
		err = each("transit_frequencies", `SELECT trip_idx, start_time, end_time, headway_s, exact_times FROM transit_frequencies ORDER BY trip_idx, start_time`, func(r pgx.Rows) error {
			var q layers.TransitFrequency
			err := r.Scan(&q.Trip, &q.Start, &q.End, &q.Headway, &q.ExactTimes)
			f.Frequencies = append(f.Frequencies, q)
			return err
		})
	}
	if err == nil {
		err = each("transit_transfers", `SELECT from_stop_idx, to_stop_idx, transfer_type, coalesce(min_transfer_time, -1) FROM transit_transfers`, func(r pgx.Rows) error {
			var x layers.TransitTransfer
			err := r.Scan(&x.From, &x.To, &x.Type, &x.MinTime)
			f.Transfers = append(f.Transfers, x)
			return err
		})
	}
	return err
}
