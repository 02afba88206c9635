package postgis_test

import (
	"context"
	"testing"

	"reach/internal/pgtest"
	"reach/layers"
	"reach/layers/layertest"
	"reach/layers/postgis"
)

// openStore returns a migrated store in a fresh schema of db (a database
// made by pgtest.New).
func openStore(t *testing.T, db string) *postgis.Store {
	t.Helper()
	url := pgtest.Schema(t, db)
	ctx := context.Background()
	s, err := postgis.Open(ctx, url)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(s.Close)
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	return s
}

func TestContract(t *testing.T) {
	db := pgtest.New(t)
	layertest.Run(t, func(t *testing.T) layers.Store { return openStore(t, db) })
}
