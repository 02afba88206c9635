// Package migrations holds the schema of the PostGIS store as numbered SQL
// files, embedded, and applies those a database lacks (List, Apply).
package migrations

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

//go:embed *.sql
var migrationFiles embed.FS

// migrationLockKey is the key of the advisory lock that serialises Migrate
// across processes ("reach" in ASCII).
const migrationLockKey = 0x7265616368

// Migration is one embedded schema migration.
type Migration struct {
	Version int    // from the file name prefix, e.g. 1 for 001_layers.sql
	Name    string // the file name
	SQL     string
}

// List returns the embedded migrations in the order they are applied.
func List() ([]Migration, error) {
	entries, err := fs.ReadDir(migrationFiles, ".")
	if err != nil {
		return nil, fmt.Errorf("postgis: read embedded migrations: %w", err)
	}
	var out []Migration
	seen := map[int]string{}
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".sql") {
			continue
		}
		prefix, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(prefix)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("postgis: migration %s: name must start with a positive number and '_'", name)
		}
		if other, dup := seen[v]; dup {
			return nil, fmt.Errorf("postgis: migrations %s and %s share version %d", other, name, v)
		}
		seen[v] = name
		b, err := migrationFiles.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("postgis: read migration %s: %w", name, err)
		}
		out = append(out, Migration{Version: v, Name: name, SQL: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	return out, nil
}

// Apply applies the embedded migrations that the database lacks, in
// order, in one transaction holding an advisory lock, so that concurrent
// calls (several instances starting at once) apply each migration exactly
// once. Applied versions are recorded in schema_migrations. Calling Migrate
// on an up-to-date database changes nothing. It returns the names of the
// migrations it applied.
func Apply(ctx context.Context, pool *pgxpool.Pool) ([]string, error) {
	ms, err := List()
	if err != nil {
		return nil, err
	}
	tx, err := pool.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("postgis: migrate: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // no-op after Commit
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(migrationLockKey)); err != nil {
		return nil, fmt.Errorf("postgis: migrate: take advisory lock: %w", err)
	}
	if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    integer PRIMARY KEY,
		name       text NOT NULL,
		applied_at timestamptz NOT NULL DEFAULT now()
	)`); err != nil {
		return nil, fmt.Errorf("postgis: migrate: create schema_migrations: %w", err)
	}
	applied := map[int]bool{}
	rows, err := tx.Query(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return nil, fmt.Errorf("postgis: migrate: read schema_migrations: %w", err)
	}
	versions, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	if err != nil {
		return nil, fmt.Errorf("postgis: migrate: read schema_migrations: %w", err)
	}
	for _, v := range versions {
		applied[int(v)] = true
	}
	var done []string
	for _, m := range ms {
		if applied[m.Version] {
			continue
		}
		if _, err := tx.Exec(ctx, m.SQL); err != nil {
			return nil, fmt.Errorf("postgis: migration %s: %w", m.Name, err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, m.Version, m.Name); err != nil {
			return nil, fmt.Errorf("postgis: migration %s: record: %w", m.Name, err)
		}
		done = append(done, m.Name)
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, fmt.Errorf("postgis: migrate: commit: %w", err)
	}
	if len(done) > 0 {
		// Connections opened before the PostGIS extension existed have
		// no geometry codec (geometry.Register): they are replaced.
		pool.Reset()
	}
	return done, nil
}
