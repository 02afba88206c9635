package postgis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"math"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
	"github.com/twpayne/go-geom"

	"reach/layers"
	"reach/layers/postgis/geometry"
)

func graphTable(mode layers.Mode) (string, error) {
	switch mode {
	case layers.Car:
		return "graph_car", nil
	case layers.Bicycle:
		return "graph_bicycle", nil
	case layers.Foot:
		return "graph_foot", nil
	}
	return "", invalid("mode", string(mode), "want car, bicycle or foot")
}

func checkRun(run layers.ResultRun) error { return run.Validate() }

// recordRun upserts the provenance of one result run inside a load.
func recordRun(result string, run layers.ResultRun) func(ctx context.Context, tx pgx.Tx) error {
	return func(ctx context.Context, tx pgx.Tx) error {
		var prov any
		if run.Provenance != "" {
			prov = run.Provenance
		}
		_, err := tx.Exec(ctx, `INSERT INTO result_runs (result, category, mode, computed_at, provenance) VALUES ($1, $2, $3, $4, $5::jsonb)
			ON CONFLICT (result, category, mode) DO UPDATE SET computed_at = EXCLUDED.computed_at, provenance = EXCLUDED.provenance`,
			result, string(run.Category), string(run.Mode), run.ComputedAt.UTC(), prov)
		return dbError("record "+result+" run", err)
	}
}

// ReplaceGraph replaces the graph table of one mode (graph_car,
// graph_bicycle, graph_foot) in pgRouting's convention.
func (s *Store) ReplaceGraph(ctx context.Context, mode layers.Mode, src iter.Seq2[layers.GraphEdge, error]) (int, error) {
	l, err := graphLoad(mode)
	if err != nil {
		return 0, err
	}
	return replace(ctx, s, l, src, graphRow)
}

func graphLoad(mode layers.Mode) (copyLoad, error) {
	name, err := graphTable(mode)
	if err != nil {
		return copyLoad{}, fmt.Errorf("postgis: load graph: %w", err)
	}
	return copyLoad{
		layer: name, table: name, columns: []string{"id", "source", "target", "cost", "reverse_cost", "length_m", "geom"},
		del: `DELETE FROM ` + pgx.Identifier{name}.Sanitize(),
	}, nil
}

func graphRow(e layers.GraphEdge) (string, []any, error) {
	rec := fmt.Sprintf("edge %d", e.ID)
	if err := e.Validate(); err != nil {
		return rec, nil, err
	}
	var g orb.Geometry
	if len(e.Geometry) > 0 {
		g = e.Geometry
	}
	geom, err := geometry.ToStore(g, sridUTM33N)
	if err != nil {
		return rec, nil, invalid("geometry", "", err.Error())
	}
	return rec, []any{e.ID, e.Source, e.Target, e.Cost, e.ReverseCost, e.LengthM, geom}, nil
}

var travelTimeColumns = []string{"category", "mode", "inspire_id", "ags", "population", "reached", "seconds", "distance_m", "facility_id", "method", "computed_at"}

// ReplaceTravelTimes replaces the travel times of run's category and mode.
// Seconds and distance are stored as NULL where the cell is not reached,
// population as NULL where it is secret.
func (s *Store) ReplaceTravelTimes(ctx context.Context, run layers.ResultRun, src iter.Seq2[layers.TravelTimeRecord, error]) (int, error) {
	if err := checkRun(run); err != nil {
		return 0, fmt.Errorf("postgis: load travel times: %w", err)
	}
	at := run.ComputedAt.UTC()
	l := copyLoad{
		layer: "travel-times:" + string(run.Category) + ":" + string(run.Mode), table: "travel_times", columns: travelTimeColumns,
		del: `DELETE FROM travel_times WHERE category = $1 AND mode = $2`, delArgs: []any{string(run.Category), string(run.Mode)},
		after: recordRun("travel_times", run),
	}
	return replace(ctx, s, l, src, func(r layers.TravelTimeRecord) (string, []any, error) {
		rec := "cell " + r.CellID
		if err := r.Validate(); err != nil {
			return rec, nil, err
		}
		var pop, secs, dist any
		if r.Known {
			pop = r.Population
		}
		if r.Reached {
			secs, dist = r.Seconds, r.DistanceM
		}
		return rec, []any{string(run.Category), string(run.Mode), r.CellID, nullText(r.AGS), pop, r.Reached, secs, dist,
			nullText(r.FacilityID), nullText(r.Method), at}, nil
	})
}

var gapColumns = []string{"category", "mode", "inspire_id", "ags", "population", "seconds", "reached", "standard_seconds", "thinly_populated", "structurally_weak", "computed_at"}

// ReplaceGaps replaces the gaps of run's category and mode. An infinite
// time (unreachable) is stored as NULL.
func (s *Store) ReplaceGaps(ctx context.Context, run layers.ResultRun, src iter.Seq2[layers.GapRecord, error]) (int, error) {
	if err := checkRun(run); err != nil {
		return 0, fmt.Errorf("postgis: load gaps: %w", err)
	}
	at := run.ComputedAt.UTC()
	l := copyLoad{
		layer: "gaps:" + string(run.Category) + ":" + string(run.Mode), table: "gaps", columns: gapColumns,
		del: `DELETE FROM gaps WHERE category = $1 AND mode = $2`, delArgs: []any{string(run.Category), string(run.Mode)},
		after: recordRun("gaps", run),
	}
	return replace(ctx, s, l, src, func(g layers.GapRecord) (string, []any, error) {
		rec := "cell " + g.CellID
		if err := g.Validate(); err != nil {
			return rec, nil, err
		}
		var secs any
		if !math.IsInf(g.Seconds, 1) {
			secs = g.Seconds
		}
		return rec, []any{string(run.Category), string(run.Mode), g.CellID, nullText(g.AGS), g.Population, secs, g.Reached,
			g.StandardSeconds, g.ThinlyPopulated, g.StructurallyWeak, at}, nil
	})
}

// PutDocument stores a JSON result document under kind and key, replacing
// an older one. A document that is not JSON is rejected with
// layers.ErrInvalid.
func (s *Store) PutDocument(ctx context.Context, kind, key string, doc []byte, computedAt time.Time) error {
	if kind == "" {
		return fmt.Errorf("postgis: put document: %w", invalid("kind", kind, "must not be empty"))
	}
	if !json.Valid(doc) {
		return fmt.Errorf("postgis: put document %s/%s: %w", kind, key, invalid("document", "", "not valid JSON"))
	}
	_, err := s.pool.Exec(ctx, `INSERT INTO result_documents (kind, key, doc, computed_at) VALUES ($1, $2, $3::jsonb, $4)
		ON CONFLICT (kind, key) DO UPDATE SET doc = EXCLUDED.doc, computed_at = EXCLUDED.computed_at`,
		kind, key, string(doc), computedAt.UTC())
	return dbError("put document "+kind+"/"+key, err)
}

// Document returns a stored result document and when it was computed, or
// an error wrapping layers.ErrNotFound.
func (s *Store) Document(ctx context.Context, kind, key string) ([]byte, time.Time, error) {
	var doc string
	var at time.Time
	err := s.pool.QueryRow(ctx, `SELECT doc::text, computed_at FROM result_documents WHERE kind = $1 AND key = $2`, kind, key).Scan(&doc, &at)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, time.Time{}, fmt.Errorf("postgis: document %s/%s: %w", kind, key, layers.ErrNotFound)
	}
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("postgis: document %s/%s: %w", kind, key, err)
	}
	return []byte(doc), at.UTC(), nil
}

// TravelTimes reads back the travel times of one category and mode, by
// cell id. An empty result means none were stored.
func (s *Store) TravelTimes(ctx context.Context, cat layers.Category, mode layers.Mode) ([]layers.TravelTimeRecord, error) {
	return collect(ctx, s, "travel times", `SELECT inspire_id, ags, population, reached, seconds, distance_m, facility_id, method
		FROM travel_times WHERE category = $1 AND mode = $2 ORDER BY inspire_id`,
		func(rows pgx.Rows) (layers.TravelTimeRecord, error) {
			var r layers.TravelTimeRecord
			var ags, fac, method *string
			var pop *int64
			var secs, dist *float64
			if err := rows.Scan(&r.CellID, &ags, &pop, &r.Reached, &secs, &dist, &fac, &method); err != nil {
				return r, fmt.Errorf("postgis: read travel time: %w", err)
			}
			r.AGS, r.FacilityID, r.Method = deref(ags), deref(fac), deref(method)
			if pop != nil {
				r.Population, r.Known = *pop, true
			}
			if secs != nil {
				r.Seconds = *secs
			}
			if dist != nil {
				r.DistanceM = *dist
			}
			return r, nil
		}, string(cat), string(mode))
}

// Gaps reads back the gaps of one category and mode, by cell id; an
// unreachable cell has Seconds +Inf.
func (s *Store) Gaps(ctx context.Context, cat layers.Category, mode layers.Mode) ([]layers.GapRecord, error) {
	return collect(ctx, s, "gaps", `SELECT inspire_id, ags, population, seconds, reached, standard_seconds, thinly_populated, structurally_weak
		FROM gaps WHERE category = $1 AND mode = $2 ORDER BY inspire_id`,
		func(rows pgx.Rows) (layers.GapRecord, error) {
			var g layers.GapRecord
			var ags *string
			var secs *float64
			if err := rows.Scan(&g.CellID, &ags, &g.Population, &secs, &g.Reached, &g.StandardSeconds, &g.ThinlyPopulated, &g.StructurallyWeak); err != nil {
				return g, fmt.Errorf("postgis: read gap: %w", err)
			}
			g.AGS = deref(ags)
			g.Seconds = math.Inf(1)
			if secs != nil {
				g.Seconds = *secs
			}
			return g, nil
		}, string(cat), string(mode))
}

// Graph streams the edges of one mode's graph table by id.
func (s *Store) Graph(ctx context.Context, mode layers.Mode) iter.Seq2[layers.GraphEdge, error] {
	return func(yield func(layers.GraphEdge, error) bool) {
		name, err := graphTable(mode)
		if err != nil {
			yield(layers.GraphEdge{}, fmt.Errorf("postgis: read graph: %w", err))
			return
		}
		rows, err := s.pool.Query(ctx, `SELECT id, source, target, cost, reverse_cost, length_m, geom FROM `+
			pgx.Identifier{name}.Sanitize()+` ORDER BY id`)
		if err != nil {
			yield(layers.GraphEdge{}, fmt.Errorf("postgis: read %s: %w", name, err))
			return
		}
		defer rows.Close()
		for rows.Next() {
			var e layers.GraphEdge
			var geom geom.T
			if err := rows.Scan(&e.ID, &e.Source, &e.Target, &e.Cost, &e.ReverseCost, &e.LengthM, &geom); err != nil {
				yield(layers.GraphEdge{}, fmt.Errorf("postgis: read %s: %w", name, err))
				return
			}
			g, err := geometry.FromStore(geom, name, strconv.FormatInt(e.ID, 10), sridUTM33N)
			if err != nil {
				yield(layers.GraphEdge{}, err)
				return
			}
			if ls, ok := g.(orb.LineString); ok {
				e.Geometry = ls
			}
			if !yield(e, nil) {
				return
			}
		}
		if err := rows.Err(); err != nil {
			yield(layers.GraphEdge{}, fmt.Errorf("postgis: read %s: %w", name, err))
		}
	}
}
