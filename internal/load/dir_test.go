package load

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestParseManifest: files are taken relative to the folder, flags of a
// line apply to that line only, comments and blank lines are skipped, and
// an error names the line.
func TestParseManifest(t *testing.T) {
	text := "# the region\n\ngrid grid.csv --year 2022\nfacilities /abs/schools.csv --category primary_school\n"
	steps, err := ParseManifest("/data", ManifestName, text)
	if err != nil {
		t.Fatal(err)
	}
	if len(steps) != 2 {
		t.Fatalf("%d steps, want 2", len(steps))
	}
	if s := steps[0]; s.Layer != "grid" || s.File != filepath.Join("/data", "grid.csv") || s.Opts.Year != 2022 || s.Where != ManifestName+": line 3" {
		t.Errorf("first step %+v", s)
	}
	if s := steps[1]; s.File != "/abs/schools.csv" || s.Opts.Category != "primary_school" || s.Opts.Year != 0 {
		t.Errorf("second step %+v", s)
	}
	for _, bad := range []string{"grid x.csv --no-such-flag", "grid", "grid a.csv b.csv"} {
		if _, err := ParseManifest("/data", ManifestName, "\n"+bad); err == nil || !strings.Contains(err.Error(), "line 2") {
			t.Errorf("%q: error %v, want one naming line 2", bad, err)
		}
	}
}

// TestDirSteps: without a manifest, files named after a layer are loaded in
// the order of Layers; an OSM step needs a .pbf or .osm file.
func TestDirSteps(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"grid.csv", "municipalities.geojson", "osm.txt", "osm-sachsen.pbf", "notes.md"} {
		if err := os.WriteFile(filepath.Join(dir, name), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	steps, err := DirSteps(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range steps {
		got = append(got, s.Layer+":"+s.Where)
	}
	want := "municipalities:municipalities.geojson grid:grid.csv osm:osm-sachsen.pbf"
	if strings.Join(got, " ") != want {
		t.Errorf("steps %v, want %s", got, want)
	}
	if _, err := DirSteps(filepath.Join(dir, "grid.csv")); err == nil {
		t.Error("a file taken for a folder")
	}
}
