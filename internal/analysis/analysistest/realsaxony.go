package analysistest

import (
	"context"
	"path/filepath"
	"testing"

	"reach/data/tables"
	"reach/data/zensus"
	"reach/internal/realdata"
)

// RealSaxony reads the real Saxon layers of the use cases' real-data tests:
// municipalities (VG5000), the 2011 1 km grid, central places, schools and
// hospitals. It skips without the data (fails under CI, see realdata).
func RealSaxony(tb testing.TB) Layers {
	tb.Helper()
	dir := realdata.Dir(tb)
	ctx := context.Background()
	var l Layers
	l.Municipalities = Collect(tb, tables.ReadMunicipalities(ctx, filepath.Join(dir, "boundaries", "gemeinden_sachsen_vg5000_2021.geojson"), tables.MunicipalityOptions{}))
	l.Cells = Collect(tb, zensus.ReadCells(ctx, filepath.Join(dir, "grid", "zensus2011_1km_sachsen_epsg3035.csv"), zensus.Options{}))
	l.CentralPlaces = Collect(tb, tables.ReadCentralPlaces(ctx, filepath.Join(dir, "zentrale_orte", "zentrale_orte_sachsen.csv"), tables.CentralPlaceOptions{}))
	l.Facilities = append(Lenient(tb, tables.ReadFacilities(ctx, filepath.Join(dir, "facilities", "schulen_sachsen.geojson"), tables.FacilityOptions{})),
		Lenient(tb, tables.ReadFacilities(ctx, filepath.Join(dir, "facilities", "krankenhaeuser_sachsen_2020.csv"), tables.FacilityOptions{}))...)
	return l
}

// Collect gathers the records of a reader's sequence; the first error
// fails the test.
func Collect[T any](tb testing.TB, seq func(yield func(T, error) bool)) []T {
	tb.Helper()
	var out []T
	for v, err := range seq {
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, v)
	}
	return out
}

// Lenient is like Collect but logs record errors (duplicate ids in the
// shared files) and keeps reading as far as the reader goes on.
func Lenient[T any](tb testing.TB, seq func(yield func(T, error) bool)) []T {
	tb.Helper()
	var out []T
	skipped := 0
	for v, err := range seq {
		if err != nil {
			skipped++
			if skipped <= 3 {
				tb.Logf("skipped: %v", err)
			}
			continue
		}
		out = append(out, v)
	}
	return out
}
