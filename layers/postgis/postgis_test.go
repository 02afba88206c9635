package postgis_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/paulmach/orb"

	"reach/internal/pgtest"
	"reach/layers"
	"reach/layers/layertest"
	"reach/layers/postgis"
)

func testMigrateIdempotent(t *testing.T, db string) {
	url := pgtest.Schema(t, db)
	ctx := context.Background()
	s, err := postgis.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ms, err := postgis.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) < 2 {
		t.Fatalf("%d embedded migrations, want at least 2", len(ms))
	}
	for i := 1; i < len(ms); i++ {
		if ms[i].Version <= ms[i-1].Version {
			t.Errorf("migrations out of order: %s before %s", ms[i-1].Name, ms[i].Name)
		}
	}
	// Concurrent first runs: the advisory lock lets exactly one apply them.
	var wg sync.WaitGroup
	applied := make([][]string, 3)
	errs := make([]error, 3)
	for i := range applied {
		wg.Add(1)
		go func() {
			defer wg.Done()
			applied[i], errs[i] = s.Migrate(ctx)
		}()
	}
	wg.Wait()
	total := 0
	for i := range applied {
		if errs[i] != nil {
			t.Fatalf("concurrent Migrate %d: %v", i, errs[i])
		}
		total += len(applied[i])
	}
	if total != len(ms) {
		t.Errorf("concurrent Migrate applied %d migrations in all, want %d", total, len(ms))
	}
	again, err := s.Migrate(ctx)
	if err != nil || len(again) != 0 {
		t.Errorf("second Migrate = %v, %v; want nothing applied", again, err)
	}
	var n int
	if err := s.Pool().QueryRow(ctx, `SELECT count(*) FROM schema_migrations`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != len(ms) {
		t.Errorf("schema_migrations has %d rows, want %d", n, len(ms))
	}
}

// TestGeometryIndexes checks that every geometry column of the schema has a
// GIST index.
func testGeometryIndexes(t *testing.T, db string) {
	s := openStore(t, db)
	ctx := context.Background()
	rows, err := s.Pool().Query(ctx, `
		SELECT c.relname, a.attname,
		       EXISTS (SELECT 1 FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_am am ON am.oid = ic.relam
		               WHERE i.indrelid = c.oid AND am.amname = 'gist' AND a.attnum = ANY (i.indkey))
		FROM pg_attribute a
		JOIN pg_class c ON c.oid = a.attrelid
		JOIN pg_type ty ON ty.oid = a.atttypid
		WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r' AND ty.typname = 'geometry'
		ORDER BY 1, 2`)
	if err != nil {
		t.Fatal(err)
	}
	type col struct {
		table, column string
		gist          bool
	}
	cols, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (col, error) {
		var c col
		err := r.Scan(&c.table, &c.column, &c.gist)
		return c, err
	})
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for _, c := range cols {
		tables = append(tables, c.table)
		if !c.gist {
			t.Errorf("%s.%s has no GIST index", c.table, c.column)
		}
	}
	for _, want := range []string{"municipalities", "population_grid", "central_places", "facilities", "roads", "projects", "graph_car", "graph_bicycle", "graph_foot"} {
		if !slices.Contains(tables, want) {
			t.Errorf("table %s has no geometry column (found %v)", want, tables)
		}
	}
}

// TestConstraints writes impossible values past the Go validation, straight
// into the tables, and expects the database to refuse them with the named
// constraint; every catalogue category must be accepted.
func testConstraints(t *testing.T, db string) {
	s := openStore(t, db)
	ctx := context.Background()
	pt := `ST_SetSRID(ST_MakePoint(400000, 5650000), 25833)`
	tests := []struct {
		name, sql, constraint string
	}{
		{"ags pattern", `INSERT INTO municipalities (ags, name) VALUES ('1461200x', 'X')`, "municipalities_ags_check"},
		{"negative population", `INSERT INTO municipalities (ags, name, population) VALUES ('14612000', 'X', -1)`, "municipalities_population_check"},
		{"degurba 4", `INSERT INTO municipalities (ags, name, degurba) VALUES ('14612000', 'X', 4)`, "municipalities_degurba_check"},
		{"negative area", `INSERT INTO municipalities (ags, name, area_km2) VALUES ('14612000', 'X', -0.5)`, "municipalities_area_check"},
		{"cell population", `INSERT INTO population_grid (inspire_id, resolution_m, geom, population) VALUES ('1kmN1E1', 1000, ST_MakeEnvelope(1000, 1000, 2000, 2000, 3035), -1)`, "population_grid_population_check"},
		{"cell share", `INSERT INTO population_grid (inspire_id, resolution_m, geom, share_65_plus) VALUES ('1kmN1E1', 1000, ST_MakeEnvelope(1000, 1000, 2000, 2000, 3035), 101)`, "population_grid_share_65_plus_check"},
		{"cell id", `INSERT INTO population_grid (inspire_id, resolution_m, geom) VALUES ('x', 1000, ST_MakeEnvelope(1000, 1000, 2000, 2000, 3035))`, "population_grid_id_check"},
		{"facility category", `INSERT INTO facilities (id, category, geom, source) VALUES ('f', 'bakery', ` + pt + `, 'osm')`, "facilities_category_check"},
		{"project kind", `INSERT INTO projects (id, title, kind) VALUES ('p', 'P', 'bridge')`, "projects_kind_check"},
		{"membership kind", `INSERT INTO memberships (ags, kind, group_id) VALUES ('14612000', 'club', 'g')`, "memberships_kind_check"},
		{"ferry duration", `INSERT INTO roads SELECT 1, 1, 1, 2, ST_SetSRID(ST_MakeLine(ST_MakePoint(0, 0), ST_MakePoint(1, 1)), 25833), 'ferry', NULL, NULL, 1, true, true, 1, true, true, 1, true, true, 1, false, -5`, "roads_duration_check"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.Pool().Exec(ctx, tt.sql)
			var pgErr *pgconn.PgError
			if !errors.As(err, &pgErr) {
				t.Fatalf("error %v, want a check violation", err)
			}
			if pgErr.Code != "23514" || pgErr.ConstraintName != tt.constraint {
				t.Errorf("SQLSTATE %s constraint %q, want 23514 %q", pgErr.Code, pgErr.ConstraintName, tt.constraint)
			}
		})
	}
	t.Run("geometry srid", func(t *testing.T) {
		_, err := s.Pool().Exec(ctx, `INSERT INTO facilities (id, category, geom, source) VALUES ('f', 'kita', ST_SetSRID(ST_MakePoint(13, 51), 4326), 'osm')`)
		if err == nil {
			t.Fatal("a facility in EPSG:4326 was accepted")
		}
	})
	t.Run("catalogue", func(t *testing.T) {
		for i, c := range layers.Categories() {
			id := "cat-" + string(c.Category)
			if _, err := s.Pool().Exec(ctx, `INSERT INTO facilities (id, category, geom, source) VALUES ($1, $2, `+pt+`, 'test')`, id, string(c.Category)); err != nil {
				t.Errorf("category %d %s refused: %v", i, c.Category, err)
			}
		}
	})
}

// TestLoadErrorsNameRecord checks that load errors name the record, the
// field or constraint, and wrap layers.ErrInvalid.
func testLoadErrorsNameRecord(t *testing.T, db string) {
	s := openStore(t, db)
	ctx := context.Background()
	fx := layertest.NewFixture()
	ms := slices.Clone(fx.Municipalities)
	ms[1].AGS = "123"
	_, err := s.ReplaceMunicipalities(ctx, layers.Seq(ms))
	if !errors.Is(err, layers.ErrInvalid) || !strings.Contains(err.Error(), `"123"`) || !strings.Contains(err.Error(), "ags") {
		t.Errorf("bad AGS: error %q, want ErrInvalid naming ags \"123\"", err)
	}
	ms = slices.Clone(fx.Municipalities)
	ms[2].AGS = ms[0].AGS
	_, err = s.ReplaceMunicipalities(ctx, layers.Seq(ms))
	if !errors.Is(err, layers.ErrInvalid) || !strings.Contains(err.Error(), "municipalities_pkey") || !strings.Contains(err.Error(), ms[0].AGS) {
		t.Errorf("duplicate AGS: error %q, want ErrInvalid naming municipalities_pkey and %s", err, ms[0].AGS)
	}
	cs := slices.Clone(fx.Cells)
	cs[4].Population = -7
	_, err = s.ReplaceCells(ctx, layers.Seq(cs))
	if !errors.Is(err, layers.ErrInvalid) || !strings.Contains(err.Error(), cs[4].ID) || !strings.Contains(err.Error(), "population") {
		t.Errorf("negative population: error %q, want ErrInvalid naming cell %s and population", err, cs[4].ID)
	}
}

// TestLayerVersions checks that the recorded version is a content hash: the
// same input gives the same version, other input another one.
func testLayerVersions(t *testing.T, db string) {
	s := openStore(t, db)
	ctx := context.Background()
	fx := layertest.NewFixture()
	version := func() (string, int64) {
		t.Helper()
		var v string
		var n int64
		if err := s.Pool().QueryRow(ctx, `SELECT version, rows FROM layer_versions WHERE layer = 'population-grid'`).Scan(&v, &n); err != nil {
			t.Fatal(err)
		}
		return v, n
	}
	if _, err := s.ReplaceCells(ctx, layers.Seq(fx.Cells)); err != nil {
		t.Fatal(err)
	}
	v1, n1 := version()
	if _, err := s.ReplaceCells(ctx, layers.Seq(fx.Cells)); err != nil {
		t.Fatal(err)
	}
	v2, _ := version()
	if _, err := s.ReplaceCells(ctx, layers.Seq(fx.Cells[1:])); err != nil {
		t.Fatal(err)
	}
	v3, n3 := version()
	if v1 != v2 || v1 == v3 || n1 != int64(len(fx.Cells)) || n3 != n1-1 {
		t.Errorf("versions %s (%d rows), %s, %s (%d rows); want the first two equal, the third different", v1, n1, v2, v3, n3)
	}
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(info.Versions["population-grid"], v3) {
		t.Errorf("Info().Versions[population-grid] = %q, want it to start with %s", info.Versions["population-grid"], v3)
	}
}

// TestReadOnly checks the serving pool: reads work, loads fail with the
// server's read-only SQLSTATE and change nothing.
func testReadOnly(t *testing.T, db string) {
	url := pgtest.Schema(t, db)
	ctx := context.Background()
	rw, err := postgis.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer rw.Close()
	if _, err := rw.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	fx := layertest.NewFixture()
	if _, err := rw.ReplaceMunicipalities(ctx, layers.Seq(fx.Municipalities)); err != nil {
		t.Fatal(err)
	}
	ro, err := postgis.OpenReadOnly(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	ms, err := ro.Municipalities(ctx)
	if err != nil || len(ms) != len(fx.Municipalities) {
		t.Fatalf("read-only Municipalities = %d, %v", len(ms), err)
	}
	_, err = ro.ReplaceMunicipalities(ctx, layers.Seq(fx.Municipalities[:1]))
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "25006" {
		t.Errorf("load through the read-only store: error %v, want SQLSTATE 25006", err)
	}
	if err := ro.PutProject(ctx, fx.Projects[0]); !errors.As(err, &pgErr) || pgErr.Code != "25006" {
		t.Errorf("PutProject through the read-only store: error %v, want SQLSTATE 25006", err)
	}
	ms, _ = rw.Municipalities(ctx)
	if len(ms) != len(fx.Municipalities) {
		t.Errorf("after refused loads: %d municipalities, want %d", len(ms), len(fx.Municipalities))
	}
}

// TestGeometryRoundTripExact checks that coordinates survive EWKB and
// PostGIS bit for bit (no rounding on the way).
func testGeometryRoundTripExact(t *testing.T, db string) {
	s := openStore(t, db)
	ctx := context.Background()
	p := layers.Project{ID: "p", Title: "P", Kind: layers.KindRoadUpgrade,
		Geometry: orb.MultiLineString{{{400000.123456789, 5650000.987654321}, {400001.5, 5650002.25}}, {{1, 2}, {3, 4}, {5, 6}}}}
	if err := s.PutProject(ctx, p); err != nil {
		t.Fatal(err)
	}
	got, err := s.Project(ctx, "p")
	if err != nil {
		t.Fatal(err)
	}
	g, ok := got.Geometry.(orb.MultiLineString)
	if !ok || !orb.Equal(g, p.Geometry) {
		t.Errorf("geometry %v, want %v exactly", got.Geometry, p.Geometry)
	}
	var srid int
	if err := s.Pool().QueryRow(ctx, `SELECT ST_SRID(geom) FROM projects WHERE id = 'p'`).Scan(&srid); err != nil || srid != 25833 {
		t.Errorf("stored SRID %d (%v), want 25833", srid, err)
	}
}
