package vector

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"reach/geo/crs"
)

func benchData(b *testing.B, rel string) string {
	b.Helper()
	dir := os.Getenv("REACH_TESTDATA")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "shared", "data")
	}
	p := filepath.Join(dir, rel)
	if _, err := os.Stat(p); err != nil {
		b.Skipf("%s not found (set REACH_TESTDATA)", rel)
	}
	return p
}

// BenchmarkReadGeoJSON streams the 1,467 school points (CRS84 → EPSG:25833
// with the Saxony check).
func BenchmarkReadGeoJSON(b *testing.B) {
	path := benchData(b, "facilities/schulen_sachsen.geojson")
	b.ReportAllocs()
	for b.Loop() {
		for _, err := range ReadGeoJSON(context.Background(), path, Options{Region: crs.SaxonyLonLat}) {
			if err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkReadCSV reads the GV municipality table (419 rows).
func BenchmarkReadCSV(b *testing.B) {
	path := benchData(b, "population/gemeinden_sachsen_gv_bevoelkerung_2019.csv")
	b.ReportAllocs()
	for b.Loop() {
		for r, err := range ReadCSV(context.Background(), path, CSVOptions{}) {
			if err != nil {
				b.Fatal(err)
			}
			if _, err := r.Int("bevoelkerung"); err != nil {
				b.Fatal(err)
			}
		}
	}
}
