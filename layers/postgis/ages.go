package postgis

import (
	"context"
	"fmt"
	"iter"

	"github.com/jackc/pgx/v5"

	"reach/geo/access"
	"reach/layers"
)

var _ layers.AgeStore = (*Store)(nil)

var ageColumns = []string{"year", "variant", "area", "area_name", "age_from", "age_to", "persons"}

// ReplaceAgeCounts replaces the population-by-age layer (table
// population_by_age) with the rows of src in one transaction, and records
// source in population_by_age_source.
func (s *Store) ReplaceAgeCounts(ctx context.Context, source string, src iter.Seq2[layers.AgeCount, error]) (int, error) {
	l := copyLoad{layer: "population-by-age", table: "population_by_age", columns: ageColumns, del: `DELETE FROM population_by_age`,
		after: func(ctx context.Context, tx pgx.Tx) error {
			_, err := tx.Exec(ctx, `INSERT INTO population_by_age_source (id, source) VALUES (1, $1)
				ON CONFLICT (id) DO UPDATE SET source = EXCLUDED.source, imported_at = now()`, source)
			return dbError("load population-by-age: source", err)
		}}
	return replace(ctx, s, l, src, func(c layers.AgeCount) (string, []any, error) {
		name := fmt.Sprintf("area %s, %d %s, ages %d–", c.Area, c.Year, c.Variant, c.AgeFrom)
		if err := c.Validate(); err != nil {
			return name, nil, err
		}
		var to any
		if c.AgeTo != access.OpenAge {
			to = int32(c.AgeTo)
		}
		return name, []any{int32(c.Year), c.Variant, c.Area, c.AreaName, int32(c.AgeFrom), to, c.Persons}, nil
	})
}

// AgeCounts returns the population-by-age layer ordered by area, year,
// variant and age, with its source; an error wrapping layers.ErrNotFound
// when it is empty.
func (s *Store) AgeCounts(ctx context.Context) ([]layers.AgeCount, string, error) {
	rows, err := s.pool.Query(ctx, `SELECT year, variant, area, area_name, age_from, age_to, persons
		FROM population_by_age ORDER BY area, year, variant, age_from`)
	if err != nil {
		return nil, "", dbError("read population by age", err)
	}
	var out []layers.AgeCount
	for rows.Next() {
		var c layers.AgeCount
		var year, from int32
		var to *int32
		if err := rows.Scan(&year, &c.Variant, &c.Area, &c.AreaName, &from, &to, &c.Persons); err != nil {
			rows.Close()
			return nil, "", dbError("read population by age", err)
		}
		c.Year, c.AgeFrom, c.AgeTo = int(year), int(from), access.OpenAge
		if to != nil {
			c.AgeTo = int(*to)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, "", dbError("read population by age", err)
	}
	if len(out) == 0 {
		return nil, "", fmt.Errorf("postgis: no population by age loaded: %w", layers.ErrNotFound)
	}
	var source string
	if err := s.pool.QueryRow(ctx, `SELECT source FROM population_by_age_source WHERE id = 1`).Scan(&source); err != nil && err != pgx.ErrNoRows {
		return nil, "", dbError("read population by age source", err)
	}
	return out, source, nil
}
