package vector

import (
	"context"
	"testing"

	"reach/geo/crs"
	"reach/internal/realdata"
)

// BenchmarkReadGeoJSON streams the 1,467 school points (CRS84 → EPSG:25833
// with the Saxony check).
func BenchmarkReadGeoJSON(b *testing.B) {
	path := realdata.Path(b, "facilities/schulen_sachsen.geojson")
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
	path := realdata.Path(b, "population/gemeinden_sachsen_gv_bevoelkerung_2019.csv")
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
