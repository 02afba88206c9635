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

// TestStore runs every database test of the package on one database made
// by pgtest.New, each store in a schema of its own.
func TestStore(t *testing.T) {
	db := pgtest.New(t)
	t.Run("Contract", func(t *testing.T) {
		layertest.Run(t, func(t *testing.T) layers.Store { return openStore(t, db) })
	})
	for _, tt := range []struct {
		name string
		run  func(t *testing.T, db string)
	}{
		{"MigrateIdempotent", testMigrateIdempotent},
		{"GeometryIndexes", testGeometryIndexes},
		{"Constraints", testConstraints},
		{"LoadErrorsNameRecord", testLoadErrorsNameRecord},
		{"LayerVersions", testLayerVersions},
		{"ReadOnly", testReadOnly},
		{"GeometryRoundTripExact", testGeometryRoundTripExact},
		{"RealData", testRealData},
	} {
		t.Run(tt.name, func(t *testing.T) { tt.run(t, db) })
	}
}
