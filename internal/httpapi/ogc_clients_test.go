package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"reach/data/demo"
	"reach/data/vector"
	"reach/geo/crs"
	"reach/internal/httpapi"
	"reach/internal/ogc"
	"reach/layers"
	"reach/layers/memory"
)

// demoHandler serves the demo region from the embedded store, with one
// facility whose id holds ":" and "/" as OSM ids do.
func demoHandler(t *testing.T) (http.Handler, *memory.Store) {
	t.Helper()
	ctx := context.Background()
	st := memory.New(memory.WithSynthetic(true))
	if err := demo.Load(ctx, st, demo.DefaultSeed); err != nil {
		t.Fatal(err)
	}
	osm := []layers.Facility{{ID: "osm:node/1831217402", Category: layers.CatPharmacy, Name: "Apotheke am Markt",
		Location: orb.Point{411000, 5655000}, Source: "osm"}}
	if _, err := st.ReplaceFacilities(ctx, "osm", func(yield func(layers.Facility, error) bool) {
		for _, f := range osm {
			if !yield(f, nil) {
				return
			}
		}
	}); err != nil {
		t.Fatal(err)
	}
	return httpapi.NewHandler(httpapi.Deps{Features: st, Store: st}), st
}

func get(t *testing.T, h http.Handler, method, target string, hdr ...string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(method, target, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// allIDs pages through target and returns every feature id.
func allIDs(t *testing.T, h http.Handler, target string) []string {
	t.Helper()
	var out []string
	for next := target; next != ""; {
		w := get(t, h, "GET", next)
		if w.Code != 200 {
			t.Fatalf("GET %s: %d %s", next, w.Code, w.Body.String())
		}
		var doc struct {
			Features []struct {
				ID string `json:"id"`
			} `json:"features"`
			Links []ogc.Link `json:"links"`
		}
		if err := json.Unmarshal(w.Body.Bytes(), &doc); err != nil {
			t.Fatal(err)
		}
		for _, f := range doc.Features {
			out = append(out, f.ID)
		}
		next = ""
		for _, l := range doc.Links {
			if l.Rel == "next" {
				u, _ := url.Parse(l.Href)
				next = u.RequestURI()
			}
		}
	}
	return out
}

func TestEncodedFeatureIDs(t *testing.T) {
	h, st := demoHandler(t)
	fs, err := st.Facilities(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var withColon string
	for _, f := range fs {
		if strings.Contains(f.ID, ":") && !strings.Contains(f.ID, "/") {
			withColon = f.ID
			break
		}
	}
	for _, id := range []string{"osm:node/1831217402", withColon} {
		for _, path := range []string{
			"/collections/facilities/items/" + url.PathEscape(id),
			"/collections/facilities/items/" + strings.NewReplacer(":", "%3A", "/", "%2F").Replace(id),
		} {
			w := get(t, h, "GET", path)
			if w.Code != 200 {
				t.Errorf("GET %s: %d %s", path, w.Code, w.Body.String())
				continue
			}
			var f struct{ ID string }
			_ = json.Unmarshal(w.Body.Bytes(), &f)
			if f.ID != id {
				t.Errorf("GET %s: id %q, want %q", path, f.ID, id)
			}
		}
	}
}

// TestBBoxCRSReturnsOnlyFeaturesInTheBox asks for the facilities in a box
// given in EPSG:25833 and in EPSG:3035: every feature returned lies in the
// box and every feature in the box is returned; the CRS84 envelope of the
// box alone would have let more through.
func TestBBoxCRSReturnsOnlyFeaturesInTheBox(t *testing.T) {
	h, st := demoHandler(t)
	fs, err := st.Facilities(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []crs.Code{crs.UTM33N, crs.LAEA} {
		// A box over the middle of the region, in c.
		var ext orb.Bound
		for i, f := range fs {
			p, _ := crs.Transform(crs.UTM33N, c, f.Location)
			if i == 0 {
				ext = orb.Bound{Min: p, Max: p}
			}
			ext = ext.Extend(p)
		}
		w, hgt := ext.Max[0]-ext.Min[0], ext.Max[1]-ext.Min[1]
		box := orb.Bound{Min: orb.Point{ext.Min[0] + w*0.2, ext.Min[1] + hgt*0.2}, Max: orb.Point{ext.Max[0] - w*0.25, ext.Max[1] - hgt*0.3}}
		var want []string
		envelope := 0
		ll, _ := crs.BoundToLonLat(c, box)
		for _, f := range fs {
			p, _ := crs.Transform(crs.UTM33N, c, f.Location)
			if box.Contains(p) {
				want = append(want, f.ID)
			}
			q, _ := crs.ToLonLat(crs.UTM33N, f.Location)
			if ll.Contains(q) {
				envelope++
			}
		}
		slices.Sort(want)
		target := fmt.Sprintf("/collections/facilities/items?limit=50&bbox=%f,%f,%f,%f&bbox-crs=%s", box.Min[0], box.Min[1], box.Max[0], box.Max[1], url.QueryEscape(c.URI()))
		got := allIDs(t, h, target)
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("%v: got %d features, want %d in the box\n got %v\nwant %v", c, len(got), len(want), got, want)
		}
		if envelope <= len(want) || len(want) == 0 {
			t.Errorf("%v: the test box does not discriminate: %d in the box, %d in its CRS84 envelope", c, len(want), envelope)
		}
	}
}

func TestHeadVaryAndAllow(t *testing.T) {
	h, _ := demoHandler(t)
	for _, path := range []string{"/", "/collections", "/collections/facilities", "/collections/facilities/items?limit=2",
		"/collections/facilities/queryables", "/collections/facilities/schema", "/collections/facilities/tiles",
		"/collections/facilities/tiles/WebMercatorQuad", "/tileMatrixSets", "/collections/municipalities/tiles/WebMercatorQuad/10/347/550", "/map/"} {
		g := get(t, h, "GET", path, "Origin", "https://qgis.example")
		hd := get(t, h, "HEAD", path, "Origin", "https://qgis.example")
		if g.Code != 200 || hd.Code != 200 {
			t.Errorf("%s: GET %d, HEAD %d", path, g.Code, hd.Code)
		}
		if hd.Body.Len() != 0 && hd.Body.Len() == g.Body.Len() && path != "/map/" {
			// httptest keeps what the handler wrote; net/http drops it on the wire.
			t.Logf("%s: HEAD wrote %d bytes (dropped by net/http)", path, hd.Body.Len())
		}
		if hd.Header().Get("Content-Type") != g.Header().Get("Content-Type") {
			t.Errorf("%s: HEAD Content-Type %q, GET %q", path, hd.Header().Get("Content-Type"), g.Header().Get("Content-Type"))
		}
		if !slices.Contains(g.Header().Values("Vary"), "Origin") {
			t.Errorf("%s: Vary %v lacks Origin", path, g.Header().Values("Vary"))
		}
	}
	w := get(t, h, "DELETE", "/collections/facilities")
	if w.Code != 405 || !strings.Contains(w.Header().Get("Allow"), "GET") || !strings.Contains(w.Header().Get("Allow"), "HEAD") {
		t.Errorf("DELETE: %d, Allow %q", w.Code, w.Header().Get("Allow"))
	}
}

// TestFilterMatchesLocalEvaluation sends CQL2 text and JSON filters, and
// the datetime parameter, and compares with the same selection made here
// over every feature of the collection.
func TestFilterMatchesLocalEvaluation(t *testing.T) {
	h, _ := demoHandler(t)
	type feat struct {
		ID         string         `json:"id"`
		Properties map[string]any `json:"properties"`
		Geometry   json.RawMessage
	}
	all := func(coll string) []feat {
		w := get(t, h, "GET", "/collections/"+coll+"/items?limit=10000")
		var doc struct{ Features []feat }
		if err := json.Unmarshal(w.Body.Bytes(), &doc); err != nil {
			t.Fatal(err)
		}
		return doc.Features
	}
	num := func(v any) float64 { f, _ := v.(float64); return f }
	tests := []struct {
		coll, lang, filter string
		local              func(f feat) bool
	}{
		{"facilities", "", "category = 'kita' AND capacity > 20", func(f feat) bool {
			return f.Properties["category"] == "kita" && f.Properties["capacity"] != nil && num(f.Properties["capacity"]) > 20
		}},
		{"facilities", "", "category IN ('hospital', 'gymnasium') OR name LIKE 'Apotheke%'", func(f feat) bool {
			c, _ := f.Properties["category"].(string)
			n, _ := f.Properties["name"].(string)
			return c == "hospital" || c == "gymnasium" || strings.HasPrefix(n, "Apotheke")
		}},
		{"facilities", "", "S_INTERSECTS(geometry, BBOX(13.2, 50.85, 13.4, 50.95))", func(f feat) bool {
			g, _ := geojson.UnmarshalGeometry(f.Geometry)
			p := g.Coordinates.(orb.Point)
			return p[0] >= 13.2 && p[0] <= 13.4 && p[1] >= 50.85 && p[1] <= 50.95
		}},
		{"municipalities", "cql2-json", `{"op":"and","args":[{"op":"between","args":[{"property":"population"},1000,5000]},{"op":"not","args":[{"op":"isNull","args":[{"property":"degurba"}]}]}]}`, func(f feat) bool {
			p := num(f.Properties["population"])
			return p >= 1000 && p <= 5000 && f.Properties["degurba"] != nil
		}},
		{"roads", "", "length_m > 1000 AND oneway = false", func(f feat) bool {
			return num(f.Properties["length_m"]) > 1000 && f.Properties["oneway"] == false
		}},
		{"population-grid", "", "population >= 50 AND NOT secret", nil}, // NOT secret is not a predicate: refused below
	}
	for _, tc := range tests {
		name := tc.coll + ": " + tc.filter
		q := url.Values{"filter": {tc.filter}, "limit": {"37"}}
		if tc.lang != "" {
			q.Set("filter-lang", tc.lang)
		}
		target := "/collections/" + tc.coll + "/items?" + q.Encode()
		if tc.local == nil {
			if w := get(t, h, "GET", target); w.Code != 400 || !strings.Contains(w.Body.String(), "position") {
				t.Errorf("%s: %d %s; want 400 naming the position", name, w.Code, w.Body.String())
			}
			continue
		}
		got := allIDs(t, h, target)
		var want []string
		for _, f := range all(tc.coll) {
			if tc.local(f) {
				want = append(want, f.ID)
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s:\n got %v\nwant %v", name, got, want)
		}
		if len(want) == 0 {
			t.Errorf("%s: selects nothing in the demo region; the test proves little", name)
		}
	}
	// datetime on the projects (submitted_at).
	ps := all("projects")
	var times []string
	for _, p := range ps {
		if s, ok := p.Properties["submitted_at"].(string); ok {
			times = append(times, s)
		}
	}
	slices.Sort(times)
	if len(times) < 2 {
		t.Fatalf("demo projects have %d submission times", len(times))
	}
	cut := times[len(times)/2]
	got := allIDs(t, h, "/collections/projects/items?datetime="+url.QueryEscape("../"+cut))
	n := 0
	for _, s := range times {
		if s <= cut {
			n++
		}
	}
	if len(got) != n || n == len(ps) {
		t.Errorf("datetime=../%s: %d projects, want %d of %d", cut, len(got), n, len(ps))
	}
	if w := get(t, h, "GET", "/collections/facilities/items?datetime=2024-01-01"); w.Code != 200 {
		t.Errorf("datetime on a collection without time: %d %s", w.Code, w.Body.String())
	}
}

func TestSchemasAndTilesets(t *testing.T) {
	h, _ := demoHandler(t)
	w := get(t, h, "GET", "/collections/roads/schema")
	if w.Code != 200 || w.Header().Get("Content-Type") != ogc.MediaSchema {
		t.Fatalf("schema: %d %s", w.Code, w.Header().Get("Content-Type"))
	}
	var schema struct {
		Properties struct {
			Properties struct {
				Properties map[string]struct {
					Type   string `json:"type"`
					Format string `json:"format"`
				} `json:"properties"`
			} `json:"properties"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &schema); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"length_m": "number", "way_id": "integer", "oneway": "boolean", "highway": "string", "duration_s": "number"} {
		if got := schema.Properties.Properties.Properties[name].Type; got != want {
			t.Errorf("roads schema: %s is %q, want %q", name, got, want)
		}
	}
	w = get(t, h, "GET", "/collections/projects/queryables")
	var q struct {
		Properties map[string]struct {
			Type, Format string
		}
	}
	_ = json.Unmarshal(w.Body.Bytes(), &q)
	if q.Properties["submitted_at"].Format != "date-time" || q.Properties["investment_cost"].Type != "number" {
		t.Errorf("projects queryables: %s", w.Body.String())
	}
	if _, ok := q.Properties["municipalities"]; ok {
		t.Errorf("projects queryables list the array municipalities")
	}
	w = get(t, h, "GET", "/collections/facilities/tiles/WebMercatorQuad?f=tilejson")
	var tj struct {
		TileJSON string   `json:"tilejson"`
		Tiles    []string `json:"tiles"`
		Bounds   []float64
		Layers   []struct {
			ID     string            `json:"id"`
			Fields map[string]string `json:"fields"`
		} `json:"vector_layers"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &tj); err != nil || w.Code != 200 {
		t.Fatalf("tilejson: %d %v", w.Code, err)
	}
	if tj.TileJSON != "3.0.0" || len(tj.Tiles) != 1 || !strings.HasSuffix(tj.Tiles[0], "/collections/facilities/tiles/WebMercatorQuad/{z}/{y}/{x}") ||
		len(tj.Bounds) != 4 || len(tj.Layers) != 1 || tj.Layers[0].Fields["capacity"] != "Number" {
		t.Errorf("tilejson: %s", w.Body.String())
	}
	tile := strings.NewReplacer("{z}", "12", "{y}", "1393", "{x}", "2198").Replace(tj.Tiles[0])
	u, _ := url.Parse(tile)
	if w := get(t, h, "GET", u.RequestURI()); w.Code != 200 {
		t.Errorf("tile from the TileJSON template %s: %d", u.RequestURI(), w.Code)
	}
	for _, path := range []string{"/collections/facilities/tiles", "/tileMatrixSets", "/tileMatrixSets/WebMercatorQuad", "/collections/facilities/tiles/WebMercatorQuad"} {
		if w := get(t, h, "GET", path); w.Code != 200 {
			t.Errorf("%s: %d", path, w.Code)
		}
	}
}

// TestDownloads fetches a filtered selection as CSV and as GeoPackage and
// checks both against the GeoJSON of the same request: the same features,
// the same values, coordinates in the requested CRS.
func TestDownloads(t *testing.T) {
	h, _ := demoHandler(t)
	q := "filter=" + url.QueryEscape("category IN ('kita', 'general_practice') AND capacity IS NOT NULL") + "&crs=" + url.QueryEscape(crs.UTM33N.URI())
	w := get(t, h, "GET", "/collections/facilities/items?limit=10000&"+q)
	var fc struct {
		Features []struct {
			ID         string
			Geometry   struct{ Coordinates []float64 }
			Properties map[string]any
		}
	}
	if err := json.Unmarshal(w.Body.Bytes(), &fc); err != nil || len(fc.Features) < 5 {
		t.Fatalf("geojson: %v, %d features", err, len(fc.Features))
	}

	w = get(t, h, "GET", "/collections/facilities/items?f=csv&"+q)
	body := w.Body.String()
	if w.Code != 200 || !strings.HasPrefix(body, "\uFEFFid,category,name,capacity,source,ags,opening_hours,x,y\r\n") && !strings.HasPrefix(body, "\uFEFFid,category,name,capacity,source,ags,opening_hours,x,y\n") {
		t.Fatalf("csv: %d %q", w.Code, body[:min(len(body), 80)])
	}
	rows := strings.Split(strings.TrimSpace(strings.TrimPrefix(body, "\uFEFF")), "\n")[1:]
	if len(rows) != len(fc.Features) {
		t.Fatalf("csv: %d rows, geojson %d features", len(rows), len(fc.Features))
	}
	for i, row := range rows {
		f := fc.Features[i]
		wantEnd := "," + strconv.FormatFloat(f.Geometry.Coordinates[0], 'f', -1, 64) + "," + strconv.FormatFloat(f.Geometry.Coordinates[1], 'f', -1, 64)
		if !strings.HasPrefix(row, f.ID+",") || !strings.HasSuffix(strings.TrimSpace(row), wantEnd) {
			t.Errorf("csv row %d %q: want id %s and coordinates %s", i, row, f.ID, wantEnd)
		}
	}

	w = get(t, h, "GET", "/collections/facilities/items?f=gpkg&"+q)
	if w.Code != 200 || w.Header().Get("Content-Type") != "application/geopackage+sqlite3" {
		t.Fatalf("gpkg: %d %s", w.Code, w.Header().Get("Content-Type"))
	}
	path := t.TempDir() + "/f.gpkg"
	if err := os.WriteFile(path, w.Body.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	i := 0
	for f, err := range vector.ReadGeoPackage(context.Background(), path, vector.Options{Layer: "facilities", Target: crs.UTM33N}) {
		if err != nil {
			t.Fatal(err)
		}
		if i >= len(fc.Features) {
			t.Fatalf("gpkg: more features than the geojson's %d", len(fc.Features))
		}
		want := fc.Features[i]
		p, _ := f.Geometry.(orb.Point)
		if f.Properties["id"] != want.ID || f.Properties["category"] != want.Properties["category"] ||
			f.Properties["capacity"] != want.Properties["capacity"] ||
			math.Abs(p[0]-want.Geometry.Coordinates[0]) > 0.01 || math.Abs(p[1]-want.Geometry.Coordinates[1]) > 0.01 {
			t.Errorf("gpkg feature %d: %v %v, want %s %v %v", i, f.Properties, p, want.ID, want.Properties, want.Geometry.Coordinates)
		}
		i++
	}
	if i != len(fc.Features) {
		t.Errorf("gpkg: %d features, geojson %d", i, len(fc.Features))
	}
}
