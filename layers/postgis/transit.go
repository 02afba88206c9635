package postgis

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"iter"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"reach/layers"
	"reach/layers/postgis/geometry"
)

var _ layers.TransitStore = (*Store)(nil)

// transitTables are the tables of the timetable, children first (the order they are emptied).
var transitTables = []string{"transit_transfers", "transit_frequencies", "transit_stop_times", "transit_trips",
	"transit_services", "transit_routes", "transit_stops", "transit_agencies", "transit_feed"}

// ReplaceTransit stores the timetable in place of the previous one, in one transaction.
func (s *Store) ReplaceTransit(ctx context.Context, f *layers.TransitFeed) error {
	if err := f.Check(); err != nil {
		return fmt.Errorf("postgis: load transit: %w", err)
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return dbError("load transit: begin", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // no-op after Commit
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext($1))`, "reach-load:transit"); err != nil {
		return dbError("load transit: lock", err)
	}
	for _, t := range transitTables {
		if _, err := tx.Exec(ctx, `DELETE FROM `+pgx.Identifier{t}.Sanitize()); err != nil {
			return dbError("load transit: delete "+t, err)
		}
	}
	if _, err := tx.Exec(ctx, `INSERT INTO transit_feed (id, name) VALUES (1, $1)`, f.Name); err != nil {
		return dbError("load transit: feed", err)
	}
	h := sha256.New()
	copyRows := func(table string, cols []string, n int, row func(i int) ([]any, error)) error {
		i := 0
		src := pgx.CopyFromFunc(func() ([]any, error) {
			if i == n {
				return nil, nil
			}
			if i&0xffff == 0 {
				if err := ctx.Err(); err != nil {
					return nil, err
				}
			}
			v, err := row(i)
			i++
			if err != nil {
				return nil, err
			}
			hashRow(h, v)
			return v, nil
		})
		got, err := tx.CopyFrom(ctx, pgx.Identifier{table}, cols, src)
		if err != nil {
			return dbError("load transit: "+table, err)
		}
		if int(got) != n {
			return fmt.Errorf("postgis: load transit: %s: copied %d rows of %d", table, got, n)
		}
		return nil
	}
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
	if err := recordVersion(ctx, tx, "transit", h, len(f.Arr)); err != nil {
		return err
	}
	return dbError("load transit: commit", tx.Commit(ctx))
}

func intsOrEmpty(v []int) []int {
	if v == nil {
		return []int{}
	}
	return v
}

// Transit reads the stored timetable, or an error wrapping layers.ErrNotFound when none is stored.
func (s *Store) Transit(ctx context.Context) (*layers.TransitFeed, error) {
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{AccessMode: pgx.ReadOnly, IsoLevel: pgx.RepeatableRead})
	if err != nil {
		return nil, dbError("read transit: begin", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // read only
	f := &layers.TransitFeed{}
	if err := tx.QueryRow(ctx, `SELECT name FROM transit_feed WHERE id = 1`).Scan(&f.Name); errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("postgis: no timetable stored (import one with reach import gtfs): %w", layers.ErrNotFound)
	} else if err != nil {
		return nil, dbError("read transit", err)
	}
	each := func(what, sql string, scan func(pgx.Rows) error) error {
		rows, err := tx.Query(ctx, sql)
		if err != nil {
			return dbError("read "+what, err)
		}
		defer rows.Close()
		for rows.Next() {
			if err := scan(rows); err != nil {
				return dbError("read "+what, err)
			}
		}
		return dbError("read "+what, rows.Err())
	}
	var url, tz, parent, agency, short, long, head *string
	var lon, lat *float64
	err = each("transit_agencies", `SELECT agency_id, name, url, timezone FROM transit_agencies ORDER BY idx`, func(r pgx.Rows) error {
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
	if err != nil {
		return nil, err
	}
	if err := f.Check(); err != nil {
		return nil, fmt.Errorf("postgis: read transit: %w", err)
	}
	return f, nil
}

var _ layers.TransitResultWriter = (*Store)(nil)

// ReplaceTransitTravelTimes replaces the transit travel times of one category in one transaction.
func (s *Store) ReplaceTransitTravelTimes(ctx context.Context, cat layers.Category, computedAt time.Time, src iter.Seq2[layers.TransitTimeRecord, error]) (int, error) {
	l := copyLoad{layer: "transit_travel_times:" + string(cat), table: "transit_travel_times",
		columns: []string{"category", "inspire_id", "ags", "population", "departure", "window_minutes", "median_s", "p10_s", "p90_s", "share_within", "standard_min", "computed_at"},
		del:     `DELETE FROM transit_travel_times WHERE category = $1`, delArgs: []any{string(cat)}}
	return replace(ctx, s, l, src, func(r layers.TransitTimeRecord) (string, []any, error) {
		var pop any
		if r.Known {
			pop = r.Population
		}
		return "cell " + r.CellID, []any{string(cat), r.CellID, nullText(r.AGS), pop, r.Departure, r.WindowMinutes,
			r.Median, r.P10, r.P90, r.ShareWithin, r.StandardMinutes, computedAt}, nil
	})
}
