package vector

import (
	"context"
	"database/sql"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"reach/geo/crs"
	"reach/layers"
)

// writeTestGeoPackage writes feats as collection c in CRS code.
func writeTestGeoPackage(tb testing.TB, c layers.Collection, code crs.Code, feats []layers.Feature) string {
	tb.Helper()
	ctx := context.Background()
	path := filepath.Join(tb.TempDir(), c.ID+".gpkg")
	w, err := CreateGeoPackage(ctx, path, c, code)
	if err != nil {
		tb.Fatal(err)
	}
	for _, f := range feats {
		if err := w.Write(ctx, f); err != nil {
			w.Abort()
			tb.Fatal(err)
		}
	}
	if err := w.Close(ctx); err != nil {
		tb.Fatal(err)
	}
	return path
}

// TestGeoPackageSpatialIndex reads a written GeoPackage back: the rtree
// extension is registered, the index holds one entry per feature with a
// geometry whose box covers it, a box query through the index finds
// exactly the features a scan finds, and the triggers of the extension are
// there.
func TestGeoPackageSpatialIndex(t *testing.T) {
	c := layers.Collection{ID: "population-grid", Title: "grid", GeometryType: "Polygon",
		Properties: []layers.PropertyInfo{{Name: "population", Type: "integer"}, {Name: "share", Type: "number"}}}
	var feats []layers.Feature
	for i := range 30 {
		x, y := 13.0+0.01*float64(i%6), 51.0+0.01*float64(i/6)
		var g orb.Geometry = orb.Polygon{{{x, y}, {x + 0.008, y}, {x + 0.008, y + 0.008}, {x, y + 0.008}, {x, y}}}
		if i == 7 {
			g = nil // no geometry: not indexed
		}
		feats = append(feats, layers.Feature{ID: fmt.Sprintf("c%02d", i), Geometry: g,
			Properties: []layers.Property{{Name: "population", Value: int64(i)}, {Name: "share", Value: 0.5}}})
	}
	for _, code := range []crs.Code{crs.CRS84, crs.UTM33N} {
		t.Run(code.String(), func(t *testing.T) {
			path := writeTestGeoPackage(t, c, code, feats)
			db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			var ext string
			if err := db.QueryRow(`SELECT extension_name || '|' || definition || '|' || scope FROM gpkg_extensions WHERE table_name = ? AND column_name = 'geom'`, c.ID).Scan(&ext); err != nil {
				t.Fatalf("gpkg_extensions: %v", err)
			}
			if ext != "gpkg_rtree_index|http://www.geopackage.org/spec120/#extension_rtree|write-only" {
				t.Errorf("gpkg_extensions row %q", ext)
			}
			var triggers int
			if err := db.QueryRow(`SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'rtree_population-grid_geom_%' AND tbl_name = ?`, c.ID).Scan(&triggers); err != nil || triggers != 6 {
				t.Errorf("rtree triggers: %d (%v), want 6", triggers, err)
			}
			// Every feature with a geometry is in the index under its fid,
			// with a box that covers its envelope.
			rows, err := db.Query(`SELECT t.fid, t.geom, r.minx, r.maxx, r.miny, r.maxy FROM "population-grid" t LEFT JOIN "rtree_population-grid_geom" r ON r.id = t.fid ORDER BY t.fid`)
			if err != nil {
				t.Fatal(err)
			}
			var indexed, total int
			boxes := map[int64]orb.Bound{}
			for rows.Next() {
				var fid int64
				var blob []byte
				var minx, maxx, miny, maxy sql.NullFloat64
				if err := rows.Scan(&fid, &blob, &minx, &maxx, &miny, &maxy); err != nil {
					t.Fatal(err)
				}
				total++
				var g orb.Geometry
				if blob != nil {
					if g, err = ParseGPKGGeometry(blob); err != nil {
						t.Fatal(err)
					}
				}
				if g == nil {
					if minx.Valid {
						t.Errorf("fid %d: no geometry but indexed", fid)
					}
					continue
				}
				if !minx.Valid {
					t.Errorf("fid %d: not in the spatial index", fid)
					continue
				}
				indexed++
				b := g.Bound()
				boxes[fid] = b
				if minx.Float64 > b.Min[0] || maxx.Float64 < b.Max[0] || miny.Float64 > b.Min[1] || maxy.Float64 < b.Max[1] {
					t.Errorf("fid %d: index box %v %v %v %v does not cover %v", fid, minx.Float64, maxx.Float64, miny.Float64, maxy.Float64, b)
				}
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			if total != len(feats) || indexed != len(feats)-1 {
				t.Fatalf("%d rows, %d indexed; want %d and %d", total, indexed, len(feats), len(feats)-1)
			}
			// A box query through the index finds what a scan of the
			// envelopes finds.
			var q orb.Bound
			for _, b := range boxes {
				q = b
				break
			}
			q = q.Pad(q.Max[0] - q.Min[0]) // about the cell and its neighbours
			want := 0
			for _, b := range boxes {
				if b.Intersects(q) {
					want++
				}
			}
			var got int
			if err := db.QueryRow(`SELECT count(*) FROM "rtree_population-grid_geom" WHERE maxx >= ? AND minx <= ? AND maxy >= ? AND miny <= ?`,
				q.Min[0], q.Max[0], q.Min[1], q.Max[1]).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != want || want < 2 {
				t.Errorf("index query %v: %d features, a scan finds %d", q, got, want)
			}
			ogrCheckSpatialIndex(t, path, c.ID)
		})
	}
}

// ogrCheckSpatialIndex asks GDAL, when it is installed, whether it sees the
// spatial index, and edits the file through it so that the triggers run.
// Without ogrinfo it does nothing (the test suite does not need GDAL).
func ogrCheckSpatialIndex(t *testing.T, path, table string) {
	t.Helper()
	ogrinfo, err := exec.LookPath("ogrinfo")
	if err != nil {
		return
	}
	out, err := exec.Command(ogrinfo, "-ro", path, "-sql", fmt.Sprintf(`SELECT HasSpatialIndex('%s', 'geom')`, table)).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "HasSpatialIndex (Integer) = 1") {
		t.Errorf("ogrinfo HasSpatialIndex: %v\n%s", err, out)
	}
	// An update through GDAL fires the triggers (they call GDAL's ST_*
	// functions): moving feature 1 away moves its index entry.
	out, err = exec.Command(ogrinfo, path, "-sql", fmt.Sprintf(`UPDATE "%s" SET geom = NULL WHERE fid = 1`, table)).CombinedOutput()
	if err != nil {
		t.Fatalf("ogrinfo UPDATE: %v\n%s", err, out)
	}
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(fmt.Sprintf(`SELECT count(*) FROM "rtree_%s_geom" WHERE id = 1`, table)).Scan(&n); err != nil || n != 0 {
		t.Errorf("after GDAL set feature 1's geometry to NULL its index entry remains (%d, %v)", n, err)
	}
}
