package postgis_test

import (
	"context"
	"testing"

	"reach/internal/pgtest"
	"reach/layers"
	"reach/layers/layertest"
	"reach/layers/postgis"
)

// openStore returns a migrated store on a fresh database.
func openStore(t *testing.T) *postgis.Store {
	t.Helper()
	url := pgtest.New(t)
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
	layertest.Run(t, func(t *testing.T) layers.Store { return openStore(t) })
}
