package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"reach/internal/load"
)

// TestServeDataTransit serves a folder of files with the Dresden GTFS feed (reach serve --data
// DIR --snapshot FILE) twice: public transport is offered and routed both when the read model is
// built from the files and when it comes from the engine snapshot written by the first start.
// The files' store records no data versions, so the snapshot carries no timetable (it could not
// tell this one from another); the timetable then comes from the files, not from nowhere.
func TestServeDataTransit(t *testing.T) {
	d := testdata(t)
	dir := t.TempDir()
	manifest := fmt.Sprintf(`municipalities %[1]s/boundaries/gemeinden_geosn_dresden_umland_epsg25833.geojson
grid %[1]s/grid/zensus2011_1km_sachsen_epsg3035.csv
facilities %[1]s/facilities/krankenhaeuser_sachsen_2020.csv
gtfs %[1]s/transit/dresden_region_2023-01-11_gtfs.zip
`, d)
	if err := os.WriteFile(filepath.Join(dir, load.ManifestName), []byte(manifest), 0o644); err != nil {
		t.Fatal(err)
	}
	snap := filepath.Join(t.TempDir(), "engine.snap")
	var written time.Time
	for _, start := range []string{"from the files", "from the snapshot"} {
		if start == "from the snapshot" {
			fi, err := os.Stat(snap)
			if err != nil {
				t.Fatalf("the first start wrote no snapshot: %v", err)
			}
			written = fi.ModTime()
		}
		base := startServe(t, "--data", dir, "--snapshot", snap)
		waitReady(t, base)
		colls := getJSON(t, base+"/collections", 200)["collections"].([]any)
		var ids []string
		for _, c := range colls {
			ids = append(ids, c.(map[string]any)["id"].(string))
		}
		if !slices.Contains(ids, "stops") || !slices.Contains(ids, "routes") {
			t.Errorf("%s: collections %v, want stops and routes", start, ids)
		}
		// Dresden Hauptbahnhof to Pirna at 07:00 on the feed's day.
		resp, err := http.Post(base+"/analyses/matrix", "application/json", strings.NewReader(
			`{"mode": "transit", "departure": "2023-01-11T07:00", "sources": [[13.7320, 51.0405]], "destinations": [[13.9297, 50.9619]]}`))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var m struct {
			Durations [][]*float64
			Method    string
			Transit   struct{ Timetable string }
		}
		if resp.StatusCode != 200 || json.Unmarshal(body, &m) != nil || len(m.Durations) != 1 || len(m.Durations[0]) != 1 || m.Durations[0][0] == nil {
			t.Fatalf("%s: matrix by transit: status %d: %.400s", start, resp.StatusCode, body)
		}
		minutes := *m.Durations[0][0] / 60
		if m.Method != "transit" || m.Transit.Timetable != "dresden_region_2023-01-11_gtfs.zip" || minutes < 15 || minutes > 45 {
			t.Errorf("%s: Dresden Hbf to Pirna: %.1f min by %q on %q, want 15–45 min by transit on the feed", start, minutes, m.Method, m.Transit.Timetable)
		}
		t.Logf("%s: Dresden Hbf to Pirna at 07:00 by transit: %.1f min (median over 60 min)", start, minutes)
		if !written.IsZero() {
			// A snapshot that does not match is replaced by a new one; this one was used.
			if fi, err := os.Stat(snap); err != nil || !fi.ModTime().Equal(written) {
				t.Errorf("the snapshot was not used by the second start (rewritten: %v)", err)
			}
		}
		// The snapshot is written once the read model is ready; wait for it before the next start.
		for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			if _, err := os.Stat(snap); err == nil {
				break
			}
		}
	}
}
