package postgis_test

import (
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"reach/internal/realdata"
	"strconv"
	"testing"

	"reach/data/tables"
	"reach/data/zensus"
)

// testData returns the shared data directory (see internal/realdata).
func testData(t testing.TB) string {
	t.Helper()
	return realdata.Dir(t)
}

// testRealData imports the 419 Saxon municipalities and the 18,453 cells of
// the Zensus 2011 1 km grid and checks counts and sums against the published
// figures and against an independent parse of the grid CSV.
func testRealData(t *testing.T, db string) {
	dir := testData(t)
	s := openStore(t, db)
	ctx := context.Background()

	n, err := s.ReplaceMunicipalities(ctx, tables.ReadMunicipalities(ctx, filepath.Join(dir, "boundaries", "gemeinden_sachsen_vg5000_2021.geojson"), tables.MunicipalityOptions{}))
	if err != nil {
		t.Fatalf("import municipalities: %v", err)
	}
	var count, pop, invalid int64
	if err := s.Pool().QueryRow(ctx, `SELECT count(*), coalesce(sum(population), 0), count(*) FILTER (WHERE NOT ST_IsValid(geom))
		FROM municipalities`).Scan(&count, &pop, &invalid); err != nil {
		t.Fatal(err)
	}
	if n != 419 || count != 419 {
		t.Errorf("municipalities: imported %d, stored %d; want 419", n, count)
	}
	if pop != 4071971 {
		t.Errorf("municipal population 2019 sums to %d, want 4,071,971", pop)
	}
	if invalid != 0 {
		t.Logf("note: %d VG5000 municipality polygons are not valid in the OGC sense", invalid)
	}

	gridPath := filepath.Join(dir, "grid", "zensus2011_1km_sachsen_epsg3035.csv")
	wantRows, wantSum, wantSecret := parseGrid(t, gridPath)
	n, err = s.ReplaceCells(ctx, zensus.ReadCells(ctx, gridPath, zensus.Options{}))
	if err != nil {
		t.Fatalf("import grid: %v", err)
	}
	var cells, secret, sum int64
	if err := s.Pool().QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE secret), coalesce(sum(population), 0) FROM population_grid`).Scan(&cells, &secret, &sum); err != nil {
		t.Fatal(err)
	}
	if n != 18453 || cells != 18453 || cells != wantRows {
		t.Errorf("grid: imported %d, stored %d, CSV has %d rows; want 18,453", n, cells, wantRows)
	}
	if sum != 4049003 || sum != wantSum {
		t.Errorf("grid population sums to %d, CSV to %d; want 4,049,003", sum, wantSum)
	}
	if secret != wantSecret {
		t.Errorf("grid: %d cells stored as unknown, CSV has %d marked -1", secret, wantSecret)
	}
	// Every cell polygon is a 1 km square in EPSG:3035 whose centre is the
	// CSV's centre (checked by the reader) and lies inside Saxony's extent.
	var bad int64
	if err := s.Pool().QueryRow(ctx, `SELECT count(*) FROM population_grid
		WHERE abs(ST_Area(geom) - 1e6) > 1e-3 OR ST_SRID(geom) <> 3035`).Scan(&bad); err != nil {
		t.Fatal(err)
	}
	if bad != 0 {
		t.Errorf("%d cells are not 1 km² squares in EPSG:3035", bad)
	}
	var version1, version2 string
	if err := s.Pool().QueryRow(ctx, `SELECT version FROM layer_versions WHERE layer = 'population-grid'`).Scan(&version1); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ReplaceCells(ctx, zensus.ReadCells(ctx, gridPath, zensus.Options{})); err != nil {
		t.Fatalf("import grid again: %v", err)
	}
	if err := s.Pool().QueryRow(ctx, `SELECT version FROM layer_versions WHERE layer = 'population-grid'`).Scan(&version2); err != nil {
		t.Fatal(err)
	}
	if version1 != version2 {
		t.Errorf("importing the grid twice gave versions %s and %s, want equal", version1, version2)
	}
}

// parseGrid reads the 2011 grid CSV directly: rows, the sum of the known
// counts and the number of cells marked -1.
func parseGrid(t *testing.T, path string) (rows, sum, secret int64) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := -1
	for i, h := range recs[0] {
		if h == "Einwohner" {
			col = i
		}
	}
	if col < 0 {
		t.Fatalf("%s: no Einwohner column in %v", path, recs[0])
	}
	for _, r := range recs[1:] {
		v, err := strconv.ParseInt(r[col], 10, 64)
		if err != nil {
			t.Fatalf("%s: Einwohner %q: %v", path, r[col], err)
		}
		rows++
		if v < 0 {
			secret++
		} else {
			sum += v
		}
	}
	return rows, sum, secret
}
