package postgis

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"iter"
	"time"

	"github.com/jackc/pgx/v5"

	"reach/layers"
	"reach/layers/postgis/timetable"
)

var _ layers.TransitStore = (*Store)(nil)

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
	for _, t := range timetable.Tables {
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
	if err := timetable.Write(f, copyRows); err != nil {
		return err
	}
	if err := recordVersion(ctx, tx, "transit", h, len(f.Arr)); err != nil {
		return err
	}
	return dbError("load transit: commit", tx.Commit(ctx))
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
	err = timetable.Read(f, each)
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
		columns: []string{"category", "inspire_id", "ags", "population", "departure", "window_minutes", "median_s", "p10_s", "p90_s", "share_within", "standard_min", "method", "computed_at"},
		del:     `DELETE FROM transit_travel_times WHERE category = $1`, delArgs: []any{string(cat)}}
	return replace(ctx, s, l, src, func(r layers.TransitTimeRecord) (string, []any, error) {
		if err := r.Validate(); err != nil {
			return "cell " + r.CellID, nil, err
		}
		var pop any
		if r.Known {
			pop = r.Population
		}
		return "cell " + r.CellID, []any{string(cat), r.CellID, nullText(r.AGS), pop, r.Departure, r.WindowMinutes,
			r.Median, r.P10, r.P90, r.ShareWithin, r.StandardMinutes, r.Method, computedAt}, nil
	})
}
