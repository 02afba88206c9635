package vector

import (
	"context"
	"database/sql"
	"errors"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"

	"reach/geo/crs"
	"reach/layers"
)

func rows(tb testing.TB, data string, opts CSVOptions) ([]Row, error) {
	tb.Helper()
	var out []Row
	for r, err := range DecodeCSV(context.Background(), strings.NewReader(data), "t.csv", opts) {
		if err != nil {
			return out, err
		}
		out = append(out, r)
	}
	return out, nil
}

func TestDetectDelimiter(t *testing.T) {
	cases := []struct {
		name, head string
		want       rune
	}{
		{"comma", "a,b,c\n1,2,3", ','},
		{"semicolon", "a;b;c\n", ';'},
		{"tab", "a\tb\tc", '\t'},
		{"quoted commas", `"a,b,c";d;e`, ';'},
		{"single column", "ags\n", ','},
		{"tie", "a,b;c", ','},
	}
	for _, tc := range cases {
		if got := DetectDelimiter([]byte(tc.head)); got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestDecodeCSV(t *testing.T) {
	data := "\ufeffags;name;wert\n14511000;\"Chemnitz, Stadt\";1.234,5\n\n14521010;Amtsberg;-3\n"
	rs, err := rows(t, data, CSVOptions{DecimalComma: true, Required: []string{"AGS"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 2 {
		t.Fatalf("got %d rows, want 2", len(rs))
	}
	if got := rs[0].Get("AGS"); got != "14511000" {
		t.Errorf("BOM not stripped or case-insensitive lookup failed: ags = %q", got)
	}
	if got, want := rs[1].Pos.Line, 4; got != want {
		t.Errorf("line of second row: got %d, want %d (blank line counted)", got, want)
	}
	v, err := rs[0].Float("wert")
	if err != nil || v != 1234.5 {
		t.Errorf("Float: got %v, %v; want 1234.5", v, err)
	}
}

func TestDecodeCSVErrors(t *testing.T) {
	cases := []struct {
		name, data string
		opts       CSVOptions
		field      string
		want       []string
	}{
		{"missing column", "a,b\n1,2\n", CSVOptions{Required: []string{"c"}}, "",
			[]string{"vector: t.csv: line 1:", `missing column "c"`}},
		{"bad number", "a,b\n1,2\n3,x4\n", CSVOptions{}, "b",
			[]string{`vector: t.csv: line 3: field "b": "x4" is not a number`}},
		{"decimal comma not expected", "a,b\n1,\"2,5\"\n", CSVOptions{}, "b",
			[]string{`line 2: field "b": "2,5" is not a number (decimal comma?`}},
		{"wrong field count", "a,b\n1,2,3\n", CSVOptions{}, "",
			[]string{"line 2: has 3 fields, the header has 2"}},
		{"bare quote", "a,b\n1,x\"y\n", CSVOptions{}, "",
			[]string{"vector: t.csv: line 2:"}},
		{"empty", "", CSVOptions{}, "", []string{"line 1: empty file"}},
		{"duplicate header", "a,A\n1,2\n", CSVOptions{}, "", []string{"line 1:", `column "A" appears twice`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rs, err := rows(t, tc.data, tc.opts)
			if err == nil && tc.field != "" {
				for _, r := range rs {
					if _, err = r.Float(tc.field); err != nil {
						break
					}
				}
			}
			if err == nil {
				t.Fatal("got no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if !errors.Is(err, layers.ErrInvalid) {
				t.Errorf("error %v does not wrap layers.ErrInvalid", err)
			}
		})
	}
}

func TestParseFloat(t *testing.T) {
	cases := []struct {
		in     string
		german bool
		want   float64
		ok     bool
	}{
		{"1234.5", false, 1234.5, true},
		{" -3 ", false, -3, true},
		{"1e3", false, 1000, true},
		{"1,5", false, 0, false},
		{"NaN", false, 0, false},
		{"Inf", false, 0, false},
		{"", false, 0, false},
		{"1.234,5", true, 1234.5, true},
		{"4.071.971", true, 4071971, true},
		{"-1.234", true, -1234, true},
		{"12,75", true, 12.75, true},
		{"12.5", true, 0, false},
		{"1.23.456", true, 0, false},
		{"1,2,3", true, 0, false},
		{"0x10", false, 0, false},
	}
	for _, tc := range cases {
		got, _, ok := ParseFloat(tc.in, tc.german)
		if ok != tc.ok || (ok && got != tc.want) {
			t.Errorf("ParseFloat(%q, %v) = %v, %v; want %v, %v", tc.in, tc.german, got, ok, tc.want, tc.ok)
		}
	}
}

func features(tb testing.TB, data string, opts Options) ([]Feature, error) {
	tb.Helper()
	var out []Feature
	for f, err := range DecodeGeoJSON(context.Background(), strings.NewReader(data), "t.geojson", opts) {
		if err != nil {
			return out, err
		}
		out = append(out, f)
	}
	return out, nil
}

func TestDecodeGeoJSON(t *testing.T) {
	// Dresden Frauenkirche, CRS84 and EPSG:25833 (reference values from the
	// crs package's own tests are not used: the UTM value is checked by a
	// round trip and the known easting range).
	data := `{"type":"FeatureCollection","name":"x","features":[
	 {"type":"Feature","id":7,"properties":{"ags":"14612000","n":12,"f":1.5,"b":true,"z":null,"o":{"k":[1,2]}},
	  "geometry":{"type":"Point","coordinates":[13.7416,51.0519]}},
	 {"type":"Feature","properties":null,"geometry":null}
	]}`
	fs, err := features(t, data, Options{Region: crs.SaxonyLonLat})
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 2 {
		t.Fatalf("got %d features, want 2", len(fs))
	}
	f := fs[0]
	if f.ID != "7" || f.SourceCRS != crs.CRS84 {
		t.Errorf("id %q crs %v; want 7, CRS84", f.ID, f.SourceCRS)
	}
	if v, ok := f.Properties["n"].(int64); !ok || v != 12 {
		t.Errorf("n = %#v, want int64 12", f.Properties["n"])
	}
	if v, ok := f.Properties["f"].(float64); !ok || v != 1.5 {
		t.Errorf("f = %#v, want float64 1.5", f.Properties["f"])
	}
	p := f.Geometry.(orb.Point)
	if p[0] < 400000 || p[0] > 420000 || p[1] < 5650000 || p[1] > 5665000 {
		t.Errorf("Frauenkirche in EPSG:25833 = %v, want easting ~411k, northing ~5.657M", p)
	}
	back, _ := crs.ToLonLat(crs.UTM33N, p)
	if math.Abs(back[0]-13.7416) > 1e-7 || math.Abs(back[1]-51.0519) > 1e-7 {
		t.Errorf("round trip %v, want [13.7416 51.0519]", back)
	}
	if fs[1].Geometry != nil || len(fs[1].Properties) != 0 || fs[1].Pos.Index != 1 {
		t.Errorf("null feature: %+v", fs[1])
	}

	// Named CRS, single Feature, legacy EPSG:4326 as lon/lat.
	utm := `{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::25833"}},
	 "features":[{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[411000,5657000]}}]}`
	fs, err = features(t, utm, Options{Region: crs.SaxonyLonLat})
	if err != nil || len(fs) != 1 || fs[0].Geometry.(orb.Point) != (orb.Point{411000, 5657000}) || fs[0].SourceCRS != crs.UTM33N {
		t.Errorf("EPSG:25833 file: %+v, %v", fs, err)
	}
	// Legacy Saxon data in DHDN / Gauss-Krüger zone 5: Dresden (13.7373, 51.0504)
	// is GK5 (5411596.2772, 5658005.6804) by PROJ (see geo/crs).
	gk := `{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"EPSG:31469"}},
	 "features":[{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[5411596.2772,5658005.6804]}}]}`
	fs, err = features(t, gk, Options{Region: crs.SaxonyLonLat})
	if err != nil || len(fs) != 1 || fs[0].SourceCRS != crs.GK5 {
		t.Fatalf("EPSG:31469 file: %+v, %v", fs, err)
	}
	want, _ := crs.FromLonLat(crs.UTM33N, orb.Point{13.7373, 51.0504})
	if got := fs[0].Geometry.(orb.Point); math.Hypot(got[0]-want[0], got[1]-want[1]) > 0.01 {
		t.Errorf("EPSG:31469 point in EPSG:25833: %v, want %v", got, want)
	}
	single := `{"properties":{"a":"b"},"type":"Feature","crs":{"type":"name","properties":{"name":"EPSG:4326"}},"geometry":{"type":"Point","coordinates":[13.7,51.0]}}`
	fs, err = features(t, single, Options{Region: crs.SaxonyLonLat})
	if err != nil || len(fs) != 1 || fs[0].Properties["a"] != "b" {
		t.Errorf("single feature: %+v, %v", fs, err)
	}
}

func TestDecodeGeoJSONErrors(t *testing.T) {
	pt := func(x, y string) string {
		return `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[13.7,51.0]}},` +
			`{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[` + x + `,` + y + `]}}]}`
	}
	cases := []struct {
		name, data string
		opts       Options
		want       []string
	}{
		{"swapped axes", pt("51.05", "13.74"), Options{Region: crs.SaxonyLonLat},
			[]string{`vector: t.geojson: feature 1: field "geometry": "[51.05, 13.74]" has swapped axes`}},
		{"outside region", pt("2.35", "48.85"), Options{Region: crs.SaxonyLonLat},
			[]string{`feature 1: field "geometry": "[2.35, 48.85]" lies outside`}},
		{"projected as CRS84", pt("411000", "5657000"), Options{},
			[]string{`feature 1: field "geometry": "[411000, 5657000]" is not a longitude, latitude pair`, "projected coordinates?"}},
		{"unknown CRS", `{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::31467"}},"features":[]}`, Options{},
			[]string{`vector: t.geojson: field "crs": "urn:ogc:def:crs:EPSG::31467" is not a supported CRS`}},
		{"crs after features", `{"type":"FeatureCollection","features":[],"crs":{"type":"name","properties":{"name":"EPSG:25833"}}}`, Options{},
			[]string{`"crs" (EPSG:25833) comes after "features"`}},
		{"bad geometry", `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Blob","coordinates":[1,2]}}]}`, Options{},
			[]string{`feature 0: field "geometry"`, "Blob"}},
		{"not a feature", `{"type":"FeatureCollection","features":[{"type":"Point","coordinates":[1,2]}]}`, Options{},
			[]string{`feature 0: field "type": "Point" is not "Feature"`}},
		{"truncated", `{"type":"FeatureCollection","features":[{"type":"Feature"`, Options{},
			[]string{"feature 0:", "malformed GeoJSON"}},
		{"not geojson", `[1,2,3]`, Options{}, []string{"vector: t.geojson: malformed GeoJSON"}},
		{"bad type", `{"type":"Topology"}`, Options{}, []string{`field "type": "Topology"`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := features(t, tc.data, tc.opts)
			if err == nil {
				t.Fatal("got no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if !errors.Is(err, layers.ErrInvalid) {
				t.Errorf("error %v does not wrap layers.ErrInvalid", err)
			}
		})
	}
}

// writeGPKG writes a minimal GeoPackage by hand (as the specification lays
// it out) with one feature table in EPSG:25833.
func writeGPKG(tb testing.TB, path string, srs int, geoms []orb.Geometry, names []string) {
	tb.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	stmts := []string{
		`CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY, organization TEXT NOT NULL, organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT)`,
		`CREATE TABLE gpkg_contents (table_name TEXT PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT, description TEXT, last_change DATETIME, min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER)`,
		`CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL, srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL)`,
		`CREATE TABLE places (fid INTEGER PRIMARY KEY AUTOINCREMENT, geom BLOB, name TEXT, n INTEGER, x REAL)`,
	}
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			tb.Fatal(err)
		}
	}
	if _, err := db.Exec(`INSERT INTO gpkg_spatial_ref_sys VALUES ('x', 100, 'EPSG', ?, 'undefined', '')`, srs); err != nil {
		tb.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO gpkg_contents (table_name, data_type, srs_id) VALUES ('places', 'features', 100)`); err != nil {
		tb.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO gpkg_geometry_columns VALUES ('places', 'geom', 'GEOMETRY', 100, 0, 0)`); err != nil {
		tb.Fatal(err)
	}
	for i, g := range geoms {
		var blob []byte
		if g != nil {
			b := wkb.MustMarshal(g)
			// header: magic, version 0, flags: little endian, envelope 1 (minx,maxx,miny,maxy)
			h := []byte{'G', 'P', 0, 0x01 | 1<<1, 100, 0, 0, 0}
			env := make([]byte, 32)
			blob = append(append(h, env...), b...)
		}
		if _, err := db.Exec(`INSERT INTO places (geom, name, n, x) VALUES (?, ?, ?, ?)`, blob, names[i], i, float64(i)+0.5); err != nil {
			tb.Fatal(err)
		}
	}
}

func TestReadGeoPackage(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.gpkg")
	geoms := []orb.Geometry{orb.Point{411000, 5657000}, nil, orb.Polygon{{{411000, 5657000}, {412000, 5657000}, {412000, 5658000}, {411000, 5657000}}}}
	writeGPKG(t, path, 25833, geoms, []string{"a", "b", "c"})
	var got []Feature
	for f, err := range Read(context.Background(), path, Options{Region: crs.SaxonyLonLat}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, f)
	}
	if len(got) != 3 {
		t.Fatalf("got %d features, want 3", len(got))
	}
	if got[0].ID != "1" || got[0].Properties["name"] != "a" || got[0].Properties["x"] != 0.5 || got[0].Properties["n"] != int64(0) {
		t.Errorf("feature 0: %+v", got[0])
	}
	if got[0].Geometry.(orb.Point) != (orb.Point{411000, 5657000}) || got[1].Geometry != nil {
		t.Errorf("geometries: %v, %v", got[0].Geometry, got[1].Geometry)
	}
	if _, ok := got[2].Geometry.(orb.Polygon); !ok {
		t.Errorf("feature 2 geometry %T, want Polygon", got[2].Geometry)
	}

	// Swapped axes in a CRS84 GeoPackage.
	bad := filepath.Join(t.TempDir(), "bad.gpkg")
	writeGPKG(t, bad, 4326, []orb.Geometry{orb.Point{51.05, 13.74}}, []string{"x"})
	var err error
	for _, err = range Read(context.Background(), bad, Options{Region: crs.SaxonyLonLat}) {
		if err != nil {
			break
		}
	}
	if err == nil || !strings.Contains(err.Error(), `vector: bad.gpkg: feature 0: field "geometry": "[51.05, 13.74]" has swapped axes`) {
		t.Errorf("got %v, want swapped axes at feature 0", err)
	}

	// Unknown CRS.
	odd := filepath.Join(t.TempDir(), "odd.gpkg")
	writeGPKG(t, odd, 31467, []orb.Geometry{orb.Point{1, 2}}, []string{"x"})
	for _, err = range Read(context.Background(), odd, Options{}) {
		if err != nil {
			break
		}
	}
	if err == nil || !strings.Contains(err.Error(), `field "srs_id": "EPSG:31467" is not a supported CRS`) {
		t.Errorf("got %v, want unsupported CRS", err)
	}
}

func TestParseGPKGGeometryErrors(t *testing.T) {
	for _, b := range [][]byte{nil, []byte("XX000000"), {'G', 'P', 1, 1, 0, 0, 0, 0, 1, 1, 0, 0, 0}, {'G', 'P', 0, 0x0F, 0, 0, 0, 0}} {
		if _, err := ParseGPKGGeometry(b); err == nil {
			t.Errorf("ParseGPKGGeometry(%v): no error", b)
		}
	}
	if g, err := ParseGPKGGeometry([]byte{'G', 'P', 0, 0x11, 0, 0, 0, 0}); g != nil || err != nil {
		t.Errorf("empty geometry: %v, %v; want nil, nil", g, err)
	}
}

// FuzzDecodeCSV checks that every row has as many fields as the header,
// positive increasing line numbers, and that errors carry the prefix.
func FuzzDecodeCSV(f *testing.F) {
	f.Add("a,b\n1,2\n", false)
	f.Add("\ufeffags;wert\n14511000;1.234,5\n", true)
	f.Add("a\tb\n\"x\ny\"\t2\n3\t4\n", false)
	f.Add("a,b\n1,\"2\n", false)
	f.Fuzz(func(t *testing.T, data string, german bool) {
		last := 1
		for r, err := range DecodeCSV(context.Background(), strings.NewReader(data), "f.csv", CSVOptions{DecimalComma: german}) {
			if err != nil {
				if !strings.HasPrefix(err.Error(), "vector: f.csv") {
					t.Fatalf("error without prefix and file: %v", err)
				}
				return
			}
			if len(r.Fields) != len(r.Header.Names) {
				t.Fatalf("row with %d fields, header %d", len(r.Fields), len(r.Header.Names))
			}
			if r.Pos.Line <= last {
				t.Fatalf("line %d after %d", r.Pos.Line, last)
			}
			last = r.Pos.Line
			for _, n := range r.Header.Names {
				if v, err := r.Float(n); err == nil && (math.IsNaN(v) || math.IsInf(v, 0)) {
					t.Fatalf("Float gave %v", v)
				} else if err != nil && !errors.Is(err, layers.ErrInvalid) {
					t.Fatalf("Float error does not wrap ErrInvalid: %v", err)
				}
			}
		}
	})
}

// FuzzDecodeGeoJSON checks that decoded features have finite EPSG:25833
// coordinates that lie in Saxony when the region is checked, and that errors
// are prefixed.
func FuzzDecodeGeoJSON(f *testing.F) {
	f.Add(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"a":1},"geometry":{"type":"Point","coordinates":[13.7,51.0]}}]}`)
	f.Add(`{"type":"Feature","properties":null,"geometry":{"type":"LineString","coordinates":[[13.7,51.0],[13.8,51.1]]}}`)
	f.Add(`{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::25833"}},"features":[{"type":"Feature","id":"x","properties":{},"geometry":{"type":"Polygon","coordinates":[[[411000,5657000],[412000,5657000],[411000,5658000],[411000,5657000]]]}}]}`)
	f.Add(`{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[51.0,13.7]}}]}`)
	f.Fuzz(func(t *testing.T, data string) {
		for ft, err := range DecodeGeoJSON(context.Background(), strings.NewReader(data), "f.geojson", Options{Region: crs.SaxonyLonLat}) {
			if err != nil {
				if !strings.HasPrefix(err.Error(), "vector: f.geojson") {
					t.Fatalf("error without prefix and file: %v", err)
				}
				return
			}
			_ = eachPoint(ft.Geometry, func(p orb.Point) error {
				ll, err := crs.ToLonLat(crs.UTM33N, p)
				if err != nil || math.IsNaN(p[0]) || math.IsNaN(p[1]) {
					t.Fatalf("bad output point %v: %v", p, err)
				}
				grown := crs.SaxonyLonLat.Pad(1e-6)
				if !grown.Contains(ll) {
					t.Fatalf("output point %v (lon/lat %v) outside the region", p, ll)
				}
				return nil
			})
		}
	})
}
