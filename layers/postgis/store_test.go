package postgis_test

import (
	"context"
	"testing"

	"reach/geo/crs"
	"reach/internal/pgtest"
	"reach/layers"
	"reach/layers/layertest"
	"reach/layers/postgis"

	"github.com/paulmach/orb"
)

// openStore returns a migrated store in a fresh schema of db (a database
// made by pgtest.New).
func openStore(t *testing.T, db string) *postgis.Store {
	t.Helper()
	return migratedStore(t, pgtest.Schema(t, db))
}

// migratedStore opens the store at url with opts and migrates it; it is
// closed when tb ends.
func migratedStore(tb testing.TB, url string, opts ...postgis.Option) *postgis.Store {
	tb.Helper()
	ctx := context.Background()
	s, err := postgis.Open(ctx, url, opts...)
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	tb.Cleanup(s.Close)
	if _, err := s.Migrate(ctx); err != nil {
		tb.Fatalf("Migrate: %v", err)
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
		{"ExtentFollowsLoads", testExtentFollowsLoads},
		{"BBoxExact", testBBoxExact},
		{"SRIDMismatch", testSRIDMismatch},
		{"GridModelMatchesSQL", testGridModelMatchesSQL},
		{"MuniTilesMatchSQL", testMuniTilesMatchSQL},
		{"GridTilesMatchSQL", testGridTilesMatchSQL},
		{"TransitTravelTimes", testTransitTravelTimes},
	} {
		t.Run(tt.name, func(t *testing.T) { tt.run(t, db) })
	}
}

// testExtentFollowsLoads: the extent of a collection is cached between
// requests but follows every load.
func testExtentFollowsLoads(t *testing.T, db string) {
	s := openStore(t, db)
	ctx := context.Background()
	square := func(x, y float64) orb.MultiPolygon {
		return orb.MultiPolygon{{{{x, y}, {x + 1000, y}, {x + 1000, y + 1000}, {x, y + 1000}, {x, y}}}}
	}
	load := func(x float64) orb.Bound {
		t.Helper()
		m := layers.Municipality{AGS: "14628010", Name: "Altenberg", KreisAGS: "14628", Geometry: square(x, 5630000), Population: 7810}
		if _, err := s.ReplaceMunicipalities(ctx, func(yield func(layers.Municipality, error) bool) { yield(m, nil) }); err != nil {
			t.Fatal(err)
		}
		c, err := s.Collection(ctx, layers.CollMunicipalities)
		if err != nil {
			t.Fatal(err)
		}
		again, err := s.Collection(ctx, layers.CollMunicipalities)
		if err != nil {
			t.Fatal(err)
		}
		if again.Extent != c.Extent {
			t.Fatalf("second read of the extent %v differs from the first %v", again.Extent, c.Extent)
		}
		return c.Extent
	}
	west := load(400000)
	east := load(420000)
	if !(east.Min[0] > west.Max[0]) {
		t.Errorf("extent after moving the municipality 20 km east is %v, before %v: the cached extent was served", east, west)
	}
	want, err := crs.BoundToLonLat(crs.UTM33N, square(420000, 5630000).Bound())
	if err != nil {
		t.Fatal(err)
	}
	if east != want {
		t.Errorf("extent %v, want %v", east, want)
	}
}
