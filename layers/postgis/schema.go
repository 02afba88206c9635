package postgis

import (
	"context"

	"reach/layers/postgis/migrations"
)

// Migration is one embedded schema migration.
type Migration = migrations.Migration

// Migrations returns the embedded migrations in the order they are applied.
func Migrations() ([]Migration, error) { return migrations.List() }

// Migrate applies the embedded migrations that the database lacks, in
// order, in one transaction holding an advisory lock, so that concurrent
// calls (several instances starting at once) apply each migration exactly
// once. Applied versions are recorded in schema_migrations. Calling Migrate
// on an up-to-date database changes nothing. It returns the names of the
// migrations it applied.
func (s *Store) Migrate(ctx context.Context) ([]string, error) {
	return migrations.Apply(ctx, s.pool)
}
