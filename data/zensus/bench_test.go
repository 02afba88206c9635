package zensus

import (
	"context"
	"testing"

	"reach/internal/realdata"
)

// BenchmarkReadCells reads the real Saxon 1 km grid (18,453 rows).
func BenchmarkReadCells(b *testing.B) {
	path := realdata.Path(b, "grid/zensus2011_1km_sachsen_epsg3035.csv")
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		for _, err := range ReadCells(context.Background(), path, Options{}) {
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		if n != 18453 {
			b.Fatalf("read %d cells", n)
		}
	}
}
