package postgis_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/paulmach/orb"

	"reach/data/osm"
	"reach/data/zensus"
	"reach/internal/pgtest"
	"reach/layers"
	"reach/layers/postgis"
)

// benchStore returns a migrated store holding the real 1 km grid.
func benchStore(b *testing.B) *postgis.Store {
	b.Helper()
	if err := pgtest.Available(); err != nil {
		b.Skip(err)
	}
	dir := testData(b)
	url := pgtest.New(b)
	ctx := context.Background()
	s, err := postgis.Open(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(s.Close)
	if _, err := s.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	if _, err := s.ReplaceCells(ctx, zensus.ReadCells(ctx, filepath.Join(dir, "grid", "zensus2011_1km_sachsen_epsg3035.csv"), zensus.Options{})); err != nil {
		b.Fatal(err)
	}
	return s
}

// BenchmarkReplaceCells measures a full transactional reload of the 18,453
// cells of the Saxon 1 km grid (COPY, constraints, indexes, commit).
func BenchmarkReplaceCells(b *testing.B) {
	s := benchStore(b)
	ctx := context.Background()
	cells, err := s.Cells(ctx)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := s.ReplaceCells(ctx, layers.Seq(cells)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkItemsBBox measures one page of 100 grid cells in a CRS84 box
// around Dresden, with numberMatched.
func BenchmarkItemsBBox(b *testing.B) {
	s := benchStore(b)
	ctx := context.Background()
	box := orb.Bound{Min: orb.Point{13.6, 50.95}, Max: orb.Point{13.9, 51.15}}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		p, err := s.Items(ctx, layers.ItemsQuery{Collection: layers.CollPopulationGrid, BBox: &box, Limit: 100})
		if err != nil {
			b.Fatal(err)
		}
		if len(p.Features) != 100 {
			b.Fatalf("%d features, want 100", len(p.Features))
		}
	}
}

// BenchmarkReadLayers reads whole layers as the engine does at start: the
// road segments of the real Lower Saxony main-road extract (geometry
// included) and the 18,453 cells of the Saxon 1 km grid.
func BenchmarkReadLayers(b *testing.B) {
	s := benchStore(b)
	ctx := context.Background()
	n, err := s.ReplaceRoads(ctx, osm.Roads(ctx, filepath.Join(testData(b), "osm", "testfeld_nds_main_roads.osm.pbf"), nil))
	if err != nil {
		b.Fatal(err)
	}
	b.Run("roads", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			got, vertices := 0, 0
			for seg, err := range s.Roads(ctx) {
				if err != nil {
					b.Fatal(err)
				}
				got++
				vertices += len(seg.Geometry)
			}
			if got != n || vertices == 0 {
				b.Fatalf("read %d segments with %d vertices, loaded %d", got, vertices, n)
			}
		}
		b.ReportMetric(float64(n), "segments")
	})
	b.Run("cells", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			cells, err := s.Cells(ctx)
			if err != nil {
				b.Fatal(err)
			}
			if len(cells) != 18453 {
				b.Fatalf("read %d cells, want 18,453", len(cells))
			}
		}
	})
}
