package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"

	"reach/data/bootstrap"
	"reach/internal/pgtest"
)

// TestBootstrapFromLocalServer serves the README's real data from a local
// HTTP server at the manifest's paths: a manifest with a wrong checksum is
// refused with the database untouched; the right one reproduces the
// README's state (with the central-place indicators of all 419
// municipalities); a second run is served from the cache.
func TestBootstrapFromLocalServer(t *testing.T) {
	d := testdata(t)
	url := pgtest.New(t)
	files := map[string]string{
		"/bkg/gemeinden.geojson":         "boundaries/gemeinden_sachsen_vg5000_2021.geojson",
		"/destatis/gv.csv":               "population/gemeinden_sachsen_gv_bevoelkerung_2019.csv",
		"/bbsr/inkar.csv":                "indicators/inkar_gemeinden_sachsen.csv",
		"/zensus/grid.csv":               "grid/zensus2011_1km_sachsen_epsg3035.csv",
		"/lep/zentrale_orte.csv":         "zentrale_orte/zentrale_orte_sachsen.csv",
		"/schulen/schulen.geojson":       "facilities/schulen_sachsen.geojson",
		"/gisco/krankenhaeuser.csv":      "facilities/krankenhaeuser_sachsen_2020.csv",
		"/geofabrik/hoyerswerda.osm.pbf": "osm/hoyerswerda.osm.pbf",
	}
	sums := map[string]string{}
	var hits atomic.Int64
	mux := http.NewServeMux()
	for p, f := range files {
		b, err := os.ReadFile(filepath.Join(d, f))
		if err != nil {
			t.Fatal(err)
		}
		s := sha256.Sum256(b)
		sums[p] = hex.EncodeToString(s[:])
		mux.HandleFunc(p, func(w http.ResponseWriter, r *http.Request) {
			hits.Add(1)
			http.ServeFile(w, r, filepath.Join(d, f))
		})
	}
	ts := httptest.NewServer(mux)
	defer ts.Close()
	line := func(layer, p string, flags ...string) string {
		return strings.Join(append([]string{layer, ts.URL + p}, flags...), " ") + " sha256=" + sums[p]
	}
	manifest := strings.Join([]string{
		"# the README's real data",
		line("municipalities", "/bkg/gemeinden.geojson"),
		line("population", "/destatis/gv.csv", "--date", "2019-12-31"),
		line("indicators", "/bbsr/inkar.csv"),
		line("memberships", "/destatis/gv.csv"),
		line("grid", "/zensus/grid.csv"),
		line("central-places", "/lep/zentrale_orte.csv", "--locations", ts.URL+"/destatis/gv.csv"),
		line("facilities", "/schulen/schulen.geojson"),
		line("facilities", "/gisco/krankenhaeuser.csv"),
		line("osm", "/geofabrik/hoyerswerda.osm.pbf"),
	}, "\n") + "\n"
	dir := t.TempDir()
	cache := filepath.Join(dir, "cache")
	good := filepath.Join(dir, "saxony.layers")
	bad := filepath.Join(dir, "bad.layers")
	if err := os.WriteFile(good, []byte(manifest), 0o644); err != nil {
		t.Fatal(err)
	}
	wrong := strings.Replace(manifest, sums["/geofabrik/hoyerswerda.osm.pbf"], strings.Repeat("0", 64), 1)
	if err := os.WriteFile(bad, []byte(wrong), 0o644); err != nil {
		t.Fatal(err)
	}
	env := func(string) string { return "" }
	ctx := context.Background()
	var out, errOut syncBuffer

	// A wrong checksum: refused, and nothing in the database (not even the
	// schema, which bootstrap creates only after every download checked out).
	empty := tableCount(t, url)
	err := run(ctx, []string{"bootstrap", "--db", url, "--manifest", bad, "--cache", cache}, env, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "checksum mismatch") || !strings.Contains(err.Error(), "line 10") {
		t.Fatalf("bad checksum: %v", err)
	}
	if n := tableCount(t, url); n != empty {
		t.Fatalf("after a refused bootstrap the database has %d tables", n)
	}

	// (The analysis that bootstrap runs at the end is run here for one
	// category, to keep the test short.)
	if err := run(ctx, []string{"bootstrap", "--db", url, "--manifest", good, "--cache", cache, "--no-analyze"}, env, &out, &errOut); err != nil {
		t.Fatalf("bootstrap: %v\nstdout: %s\nstderr: %s", err, out.String(), errOut.String())
	}
	if err := run(ctx, []string{"analyze", "--db", url, "--category", "hospital", "--mode", "car"}, env, &out, &errOut); err != nil {
		t.Fatalf("analyze: %v\nstdout: %s\nstderr: %s", err, out.String(), errOut.String())
	}
	if !strings.Contains(out.String(), "network coverage car") || !strings.Contains(out.String(), "car_minutes_to_oberzentrum for 419 of 419 municipalities") {
		t.Fatalf("bootstrap output lacks coverage or indicators:\n%s", out.String())
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var munis, cells, withMZ, sources int
	var located int
	q := func(sql string, dst *int) {
		t.Helper()
		if err := conn.QueryRow(ctx, sql).Scan(dst); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	q(`SELECT count(*) FROM municipalities`, &munis)
	q(`SELECT count(*) FROM population_grid`, &cells)
	q(`SELECT count(*) FROM municipality_indicators WHERE key = 'car_minutes_to_mittelzentrum'`, &withMZ)
	q(`SELECT count(*) FROM layer_sources`, &sources)
	q(`SELECT count(*) FROM central_places WHERE location_source = 'destatis_seat'`, &located)
	// 9 lines plus the --locations file of the central places
	if munis != 419 || cells < 18000 || withMZ != 419 || sources != 10 || located != 67 {
		t.Fatalf("municipalities %d, cells %d, with car_minutes_to_mittelzentrum %d, recorded sources %d, central places at Destatis seats %d",
			munis, cells, withMZ, sources, located)
	}

	// Second run: every file revalidated, none downloaded again.
	var errOut2 syncBuffer
	before := hits.Load()
	if err := run(ctx, []string{"bootstrap", "--db", url, "--manifest", good, "--cache", cache, "--no-analyze"}, env, &out, &errOut2); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(errOut2.String(), "unchanged, from the cache"); n != 8 || hits.Load()-before != 8 {
		t.Fatalf("second run: %d files from the cache in %d requests, want 8 in 8:\n%s", n, hits.Load()-before, errOut2.String())
	}
	if _, err := bootstrap.Parse("x", bootstrap.DefaultManifest()); err != nil {
		t.Fatalf("embedded manifest: %v", err)
	}

	// The LEP 2013 central places shipped with reach: no download, located
	// at the Destatis points given by a local file whose checksum is checked.
	gv := filepath.Join(d, files["/destatis/gv.csv"])
	lep := filepath.Join(dir, "lep.layers")
	if err := os.WriteFile(lep, []byte("central-places embedded:lep2013 --locations "+gv+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	before = hits.Load()
	if err := run(ctx, []string{"bootstrap", "--db", url, "--manifest", lep, "--cache", cache, "--no-analyze"}, env, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	var oz, mz, lepSource, gvFile int
	q(`SELECT count(*) FROM central_places WHERE level = 3 AND location_source = 'destatis_seat'`, &oz)
	q(`SELECT count(*) FROM central_places WHERE level = 2 AND location_source = 'destatis_seat'`, &mz)
	q(`SELECT count(*) FROM layer_sources WHERE layer = 'central-places' AND url = 'embedded:lep2013' AND sha256 ~ '^[0-9a-f]{64}$'`, &lepSource)
	q(`SELECT count(*) FROM layer_sources WHERE layer = 'central-places' AND url LIKE 'file://%gemeinden_sachsen_gv_bevoelkerung_2019.csv' AND sha256 = '`+sums["/destatis/gv.csv"]+`'`, &gvFile)
	if oz != 8 || mz != 47 || lepSource != 1 || gvFile != 1 || hits.Load() != before {
		t.Fatalf("embedded LEP 2013: %d Ober-, %d Mittelzentren at Destatis points, source recorded %d, local file recorded %d, %d downloads",
			oz, mz, lepSource, gvFile, hits.Load()-before)
	}
	if err := os.WriteFile(lep, []byte("population "+gv+" --date 2019-12-31 sha256="+strings.Repeat("1", 64)+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	err = run(ctx, []string{"bootstrap", "--db", url, "--manifest", lep, "--cache", cache, "--no-analyze"}, env, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "checksum mismatch") || !strings.Contains(err.Error(), "nothing was imported") {
		t.Fatalf("local file with a wrong checksum: %v", err)
	}
}

// tableCount counts the tables of the public schema.
func tableCount(t *testing.T, url string) int {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> 'spatial_ref_sys'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestBootstrapPinning: the help names what is pinned by checksum and what
// cannot be, and a wrong checksum on the embedded LEP 2013 table is refused
// before any database is opened.
func TestBootstrapPinning(t *testing.T) {
	ctx := context.Background()
	env := func(string) string { return "" }
	var out, errOut strings.Builder
	_ = run(ctx, []string{"bootstrap", "--help"}, env, &out, &errOut)
	for _, want := range []string{"Pinned by checksum", "embedded:lep2013", "Pinned by version in the URL only", "Cannot be pinned", "-latest"} {
		if !strings.Contains(errOut.String()+out.String(), want) {
			t.Errorf("reach bootstrap --help does not say %q", want)
		}
	}
	dir := t.TempDir()
	m := filepath.Join(dir, "lep.layers")
	if err := os.WriteFile(m, []byte("central-places embedded:lep2013 sha256="+strings.Repeat("0", 64)+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// No server listens on the database URL: the refusal must come first.
	err := run(ctx, []string{"bootstrap", "--db", "postgres://nobody@127.0.0.1:1/none", "--manifest", m, "--cache", filepath.Join(dir, "cache"), "--no-analyze"}, env, &out, &errOut)
	if !errors.Is(err, bootstrap.ErrChecksum) || !strings.Contains(err.Error(), "line 1") {
		t.Fatalf("wrong checksum of embedded:lep2013: got %v, want bootstrap.ErrChecksum naming line 1", err)
	}
}
