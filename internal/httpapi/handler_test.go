package httpapi

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/maptile"

	"reach/geo/crs"
	"reach/layers"
)

type env struct {
	src   *fakeSource
	store *fakeStore
	an    *fakeAnalyzer
	h     http.Handler
	srv   *server
	logs  *bytes.Buffer
}

func newEnv(t testing.TB, mod func(*Deps)) *env {
	t.Helper()
	e := &env{src: newFakeSource(), store: &fakeStore{projects: map[string]layers.Project{}}, an: &fakeAnalyzer{}, logs: &bytes.Buffer{}}
	d := Deps{
		Features: e.src, Store: e.store, Analyzer: e.an,
		Info:   layers.StoreInfo{Kind: "memory", Title: "Test region", Synthetic: true},
		Logger: slog.New(slog.NewJSONHandler(e.logs, nil)),
		Now:    func() time.Time { return time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC) },
	}
	if mod != nil {
		mod(&d)
	}
	e.srv, e.h = build(d)
	return e
}

func (e *env) do(t testing.TB, method, target string, body string, hdr ...string) *httptest.ResponseRecorder {
	t.Helper()
	var r *http.Request
	if body != "" {
		r = httptest.NewRequest(method, target, strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
	} else {
		r = httptest.NewRequest(method, target, nil)
	}
	r.RemoteAddr = "127.0.0.1:40000" // the demo accepts writes from loopback only
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	return w
}

func decode[T any](t testing.TB, w *httptest.ResponseRecorder) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil {
		t.Fatalf("decode %s: %v\n%s", w.Header().Get("Content-Type"), err, w.Body.String())
	}
	return v
}

type fcDoc struct {
	Type           string `json:"type"`
	NumberMatched  *int   `json:"numberMatched"`
	NumberReturned int    `json:"numberReturned"`
	TimeStamp      string `json:"timeStamp"`
	Method         string `json:"method"`
	Links          []struct {
		Href, Rel, Type string
	} `json:"links"`
	Features []struct {
		ID         string          `json:"id"`
		Geometry   json.RawMessage `json:"geometry"`
		Properties map[string]any  `json:"properties"`
	} `json:"features"`
}

func (d fcDoc) link(rel string) string {
	for _, l := range d.Links {
		if l.Rel == rel {
			return l.Href
		}
	}
	return ""
}

func problemOf(t testing.TB, w *httptest.ResponseRecorder, status int) Problem {
	t.Helper()
	if w.Code != status {
		t.Fatalf("status = %d, want %d\n%s", w.Code, status, w.Body.String())
	}
	if ct := w.Header().Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("content type = %q, want application/problem+json", ct)
	}
	p := decode[Problem](t, w)
	if p.Status != status || p.Title == "" || p.Type == "" {
		t.Fatalf("problem = %+v", p)
	}
	return p
}

func paramNames(p Problem) map[string]bool {
	m := map[string]bool{}
	for _, ip := range p.InvalidParams {
		m[ip.Name] = true
	}
	return m
}

func TestGetRoutes(t *testing.T) {
	e := newEnv(t, nil)
	tests := []struct {
		target string
		status int
		ctype  string
		body   string // substring expected in the body
	}{
		{"/", 200, "application/json", `"service-desc"`},
		{"/?f=html", 200, "text/html; charset=utf-8", "SYNTHETIC"},
		{"/conformance", 200, "application/json", "ogcapi-features-1/1.0/conf/core"},
		{"/conformance?f=html", 200, "text/html; charset=utf-8", "conf/geojson"},
		{"/collections", 200, "application/json", `"id":"facilities"`},
		{"/collections?f=html", 200, "text/html; charset=utf-8", "Facilities"},
		{"/collections/facilities", 200, "application/json", `"storageCrs":"http://www.opengis.net/def/crs/EPSG/0/25833"`},
		{"/collections/facilities?f=html", 200, "text/html; charset=utf-8", "Filter"},
		{"/collections/facilities/items", 200, "application/geo+json", `"numberReturned":10`},
		{"/collections/facilities/items?f=html", 200, "text/html; charset=utf-8", "Site 3"},
		{"/collections/facilities/items/f03", 200, "application/geo+json", `"name":"Site 3"`},
		{"/collections/facilities/items/f03?f=html", 200, "text/html; charset=utf-8", "Site 3"},
		{"/collections/municipalities/items/14628110", 200, "application/geo+json", `"MultiPolygon"`},
		{"/api", 200, "application/vnd.oai.openapi+json;version=3.0", `"openapi":"3.0.3"`},
		{"/healthz", 200, "application/json", "ok"},
		{"/readyz", 200, "application/json", "ready"},
		{"/tileMatrixSets/WebMercatorQuad", 200, "application/json", `"WebMercatorQuad"`},
		{"/collections/facilities/tiles/WebMercatorQuad/0/0/0", 200, "application/vnd.mapbox-vector-tile", ""},
		{"/map/", 200, "text/html; charset=utf-8", "reach"},
		{"/ranking", 200, "application/json", `"budget":4000000`},
		{"/collections/nope", 404, "application/problem+json", "nope"},
		{"/collections/nope/items", 404, "application/problem+json", "nope"},
		{"/collections/facilities/items/zzz", 404, "application/problem+json", "zzz"},
		{"/no/such/path", 404, "application/problem+json", ""},
		{"/projects/unknown", 404, "application/problem+json", "unknown"},
		{"/projects/unknown/assessment", 404, "application/problem+json", "unknown"},
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			w := e.do(t, "GET", tt.target, "")
			if w.Code != tt.status {
				t.Fatalf("status = %d, want %d\n%s", w.Code, tt.status, w.Body.String())
			}
			if ct := w.Header().Get("Content-Type"); ct != tt.ctype {
				t.Errorf("content type = %q, want %q", ct, tt.ctype)
			}
			if !strings.Contains(w.Body.String(), tt.body) {
				t.Errorf("body does not contain %q:\n%.600s", tt.body, w.Body.String())
			}
		})
	}
}

func TestBrowserGetsHTML(t *testing.T) {
	e := newEnv(t, nil)
	w := e.do(t, "GET", "/collections", "", "Accept", "text/html,application/xhtml+xml,*/*;q=0.8")
	if !strings.HasPrefix(w.Header().Get("Content-Type"), "text/html") || !strings.Contains(w.Body.String(), "SYNTHETIC") {
		t.Errorf("browser got %q", w.Header().Get("Content-Type"))
	}
}

func TestPagingVisitsEveryFeatureOnce(t *testing.T) {
	e := newEnv(t, nil)
	seen := map[string]int{}
	next := "http://example.com/collections/facilities/items?limit=7"
	pages := 0
	for next != "" {
		u, err := url.Parse(next)
		if err != nil {
			t.Fatal(err)
		}
		w := e.do(t, "GET", u.RequestURI(), "")
		if w.Code != 200 {
			t.Fatalf("GET %s: %d %s", u.RequestURI(), w.Code, w.Body.String())
		}
		doc := decode[fcDoc](t, w)
		if doc.NumberMatched == nil || *doc.NumberMatched != 25 {
			t.Errorf("numberMatched = %v, want 25", doc.NumberMatched)
		}
		if doc.NumberReturned != len(doc.Features) {
			t.Errorf("numberReturned = %d, features %d", doc.NumberReturned, len(doc.Features))
		}
		if doc.link("self") == "" || doc.link("alternate") == "" || doc.link("collection") == "" {
			t.Errorf("links = %+v", doc.Links)
		}
		for _, f := range doc.Features {
			seen[f.ID]++
		}
		next = doc.link("next")
		pages++
		if pages > 10 {
			t.Fatal("paging does not end")
		}
	}
	if pages != 4 {
		t.Errorf("pages = %d, want 4 (7+7+7+4)", pages)
	}
	if len(seen) != 25 {
		t.Errorf("saw %d distinct features, want 25", len(seen))
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("feature %s seen %d times", id, n)
		}
	}
}

func TestBBoxAndFilter(t *testing.T) {
	e := newEnv(t, nil)
	// lon 13.705–13.725 takes columns i=1,2; lat 51.005–51.015 takes row j=1.
	w := e.do(t, "GET", "/collections/facilities/items?bbox=13.705,51.005,13.725,51.015", "")
	doc := decode[fcDoc](t, w)
	var ids []string
	for _, f := range doc.Features {
		ids = append(ids, f.ID)
	}
	if strings.Join(ids, ",") != "f06,f07" {
		t.Errorf("bbox ids = %v, want f06,f07", ids)
	}
	// The same box in EPSG:4326 (lat first) and in EPSG:25833 gives the same.
	w = e.do(t, "GET", "/collections/facilities/items?bbox=51.005,13.705,51.015,13.725&bbox-crs="+url.QueryEscape(crs.EPSG4326.URI()), "")
	if doc := decode[fcDoc](t, w); len(doc.Features) != 2 || doc.Features[0].ID != "f06" {
		t.Errorf("EPSG:4326 bbox gave %d features", len(doc.Features))
	}
	// Filter by category: k%3==0 are pharmacies: f00,f03,…,f24 → 9.
	w = e.do(t, "GET", "/collections/facilities/items?category=pharmacy&limit=100", "")
	doc = decode[fcDoc](t, w)
	if len(doc.Features) != 9 || *doc.NumberMatched != 9 {
		t.Errorf("pharmacies = %d (matched %v), want 9", len(doc.Features), *doc.NumberMatched)
	}
	for _, f := range doc.Features {
		if f.Properties["category"] != "pharmacy" {
			t.Errorf("feature %s has category %v", f.ID, f.Properties["category"])
		}
	}
	// The next link keeps the filter.
	w = e.do(t, "GET", "/collections/facilities/items?category=pharmacy&limit=5", "")
	doc = decode[fcDoc](t, w)
	if n := doc.link("next"); !strings.Contains(n, "category=pharmacy") || !strings.Contains(n, "limit=5") {
		t.Errorf("next link %q drops the query", n)
	}
}

func TestOutputCRS(t *testing.T) {
	e := newEnv(t, nil)
	for _, c := range []crs.Code{crs.UTM33N, crs.EPSG4326, crs.LAEA, crs.WebMercator} {
		w := e.do(t, "GET", "/collections/facilities/items?limit=3&crs="+url.QueryEscape(c.URI()), "")
		if got := w.Header().Get("Content-Crs"); got != "<"+c.URI()+">" {
			t.Errorf("%v: Content-Crs = %q", c, got)
		}
		doc := decode[fcDoc](t, w)
		for k, f := range doc.Features {
			g, err := geojson.UnmarshalGeometry(f.Geometry)
			if err != nil {
				t.Fatal(err)
			}
			got := g.Geometry().(orb.Point)
			want, _ := crs.FromLonLat(c, e.src.features["facilities"][k].Geometry.(orb.Point))
			tol := 0.006 // metres: 2 decimals
			if c == crs.EPSG4326 {
				tol = 6e-8
			}
			if math.Abs(got[0]-want[0]) > tol || math.Abs(got[1]-want[1]) > tol {
				t.Errorf("%v feature %s: %v, want %v", c, f.ID, got, want)
			}
		}
	}
	// A single feature honours crs too.
	w := e.do(t, "GET", "/collections/facilities/items/f00?crs=EPSG:25833", "")
	g, _ := geojson.UnmarshalFeature(w.Body.Bytes())
	if g == nil {
		t.Fatalf("not a feature: %s", w.Body.String())
	}
	want, _ := crs.FromLonLat(crs.UTM33N, orb.Point{13.70, 51.00})
	if p := g.Geometry.(orb.Point); math.Abs(p[0]-want[0]) > 0.006 || math.Abs(p[1]-want[1]) > 0.006 {
		t.Errorf("item in UTM = %v, want %v", p, want)
	}
}

func TestInvalidParameters(t *testing.T) {
	e := newEnv(t, nil)
	tests := []struct {
		target string
		names  []string
	}{
		{"/collections/facilities/items?bbox=1,2,3", []string{"bbox"}},
		{"/collections/facilities/items?bbox=13,52,14,51", []string{"bbox"}},
		{"/collections/facilities/items?bbox=13,-95,14,51", []string{"bbox"}},
		{"/collections/facilities/items?limit=0", []string{"limit"}},
		{"/collections/facilities/items?limit=abc", []string{"limit"}},
		{"/collections/facilities/items?crs=EPSG:31468", []string{"crs"}},
		{"/collections/facilities/items?bbox-crs=EPSG:25833", []string{"bbox-crs"}},
		{"/collections/facilities/items?cursor=AAAAAAAAAAAAAAAAAAAAAAAA", []string{"cursor"}},
		{"/collections/facilities/items?colour=red", []string{"colour"}},
		{"/collections/facilities/items?capacity=x", []string{"capacity"}}, // a number
		{"/collections/facilities/items?colour=red", []string{"colour"}},   // no such property
		{"/collections/facilities/items?f=xml", []string{"f"}},
		{"/collections/facilities/items?bbox=x&limit=-1&foo=1&crs=nope", []string{"bbox", "limit", "foo", "crs"}},
		{"/collections?foo=1", []string{"foo"}},
		{"/collections/facilities/items/f01?bbox=1,2,3,4", []string{"bbox"}},
		{"/ranking?budget=-5", []string{"budget"}},
		{"/ranking?budget=abc&x=1", []string{"x"}},
		{"/collections/facilities/tiles/WebMercatorQuad/a/0/0", []string{"tileMatrix"}},
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			p := problemOf(t, e.do(t, "GET", tt.target, ""), 400)
			got := paramNames(p)
			for _, n := range tt.names {
				if !got[n] {
					t.Errorf("invalid_params %+v do not name %q", p.InvalidParams, n)
				}
			}
			if p.Instance == "" || p.RequestID == "" {
				t.Errorf("problem lacks instance or request id: %+v", p)
			}
		})
	}
	// A cursor from another collection is rejected.
	w := e.do(t, "GET", "/collections/facilities/items?limit=2", "")
	next, _ := url.Parse(decode[fcDoc](t, w).link("next"))
	tok := next.Query().Get("cursor")
	problemOf(t, e.do(t, "GET", "/collections/municipalities/items?cursor="+tok, ""), 400)
	// A tampered cursor is rejected.
	b := []byte(tok)
	b[len(b)/2] ^= 1
	if b[len(b)/2] == '-' || b[len(b)/2] == '_' {
		b[len(b)/2] = 'Q'
	}
	problemOf(t, e.do(t, "GET", "/collections/facilities/items?cursor="+url.QueryEscape(string(b)), ""), 400)
}

func TestTileOutOfRange(t *testing.T) {
	e := newEnv(t, nil)
	problemOf(t, e.do(t, "GET", "/collections/facilities/tiles/WebMercatorQuad/2/4/0", ""), 404)
	problemOf(t, e.do(t, "GET", "/collections/facilities/tiles/WebMercatorQuad/25/0/0", ""), 404)
	problemOf(t, e.do(t, "GET", "/collections/nope/tiles/WebMercatorQuad/0/0/0", ""), 404)
}

func TestMVTDecodesToTheFeatures(t *testing.T) {
	e := newEnv(t, nil)
	tile := maptile.At(orb.Point{13.72, 51.02}, 12)
	target := "/collections/facilities/tiles/WebMercatorQuad/12/" + itoa(int(tile.Y)) + "/" + itoa(int(tile.X))
	w := e.do(t, "GET", target, "")
	if w.Code != 200 || w.Header().Get("Content-Type") != "application/vnd.mapbox-vector-tile" {
		t.Fatalf("tile: %d %s", w.Code, w.Header().Get("Content-Type"))
	}
	ls, err := mvt.Unmarshal(w.Body.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if len(ls) != 1 || ls[0].Name != "facilities" {
		t.Fatalf("layers = %v", ls)
	}
	ls.ProjectToWGS84(tile)
	bound := tile.Bound()
	want := map[string]orb.Point{}
	for _, f := range e.src.features["facilities"] {
		if p := f.Geometry.(orb.Point); bound.Contains(p) {
			want[f.ID] = p
		}
	}
	if len(want) == 0 {
		t.Fatal("test tile holds no features")
	}
	got := map[string]orb.Point{}
	for _, f := range ls[0].Features {
		id, _ := f.Properties["id"].(string)
		got[id] = f.Geometry.(orb.Point)
		if f.Properties["category"] == nil || f.Properties["name"] == nil {
			t.Errorf("feature %s lacks properties: %v", id, f.Properties)
		}
		if _, ok := f.Properties["capacity"]; ok {
			t.Errorf("null capacity was encoded")
		}
	}
	for id, p := range want {
		q, ok := got[id]
		if !ok {
			t.Errorf("feature %s missing from tile", id)
			continue
		}
		// One tile unit at z12 is 360/2^12/4096 degrees of longitude.
		tol := 360.0 / 4096 / 4096 * 1.5
		if math.Abs(p[0]-q[0]) > tol || math.Abs(p[1]-q[1]) > tol {
			t.Errorf("feature %s at %v, want %v", id, q, p)
		}
	}
	for id := range got {
		if _, ok := want[id]; !ok {
			if p := e.src.features["facilities"][mustIndex(id)].Geometry.(orb.Point); !tile.Bound(64.0 / 4096).Contains(p) {
				t.Errorf("feature %s outside the buffered tile is in it", id)
			}
		}
	}
	// Filters apply to tiles as to items.
	w = e.do(t, "GET", target+"?category=pharmacy", "")
	fl, err := mvt.Unmarshal(w.Body.Bytes())
	if err != nil || len(fl) != 1 {
		t.Fatalf("filtered tile: %v %v", fl, err)
	}
	npharm := 0
	for _, f := range e.src.features["facilities"] {
		if tile.Bound(64.0/4096).Contains(f.Geometry.(orb.Point)) && mustIndex(f.ID)%3 == 0 {
			npharm++
		}
	}
	if len(fl[0].Features) != npharm || npharm == 0 {
		t.Errorf("filtered tile has %d features, want %d pharmacies", len(fl[0].Features), npharm)
	}
	for _, f := range fl[0].Features {
		if f.Properties["category"] != "pharmacy" {
			t.Errorf("filtered tile holds %v", f.Properties)
		}
	}
	if p := problemOf(t, e.do(t, "GET", target+"?colour=red", ""), 400); !paramNames(p)["colour"] {
		t.Errorf("unknown tile parameter not named: %+v", p.InvalidParams)
	}
	// Polygons are clipped to the buffered tile.
	w = e.do(t, "GET", "/collections/municipalities/tiles/WebMercatorQuad/12/"+itoa(int(tile.Y))+"/"+itoa(int(tile.X)), "")
	ls, err = mvt.Unmarshal(w.Body.Bytes())
	if err != nil || len(ls) != 1 || len(ls[0].Features) != 1 {
		t.Fatalf("municipality tile: %v %v", ls, err)
	}
	if ls[0].Version != 2 {
		t.Errorf("layer version %d, want 2", ls[0].Version)
	}
	mp, ok := ls[0].Features[0].Geometry.(orb.Polygon)
	if !ok {
		t.Fatalf("municipality geometry %T", ls[0].Features[0].Geometry)
	}
	if o := mp[0].Orientation(); o != orb.CCW {
		t.Errorf("exterior ring orientation %v, want positive area in tile coordinates (spec 2.x)", o)
	}
	b := ls[0].Features[0].Geometry.Bound()
	if b.Min[0] < -64 || b.Max[0] > 4096+64 || b.Min[1] < -64 || b.Max[1] > 4096+64 {
		t.Errorf("polygon not clipped to the buffered tile: %v", b)
	}
	// gzip when accepted, and the ETag gives 304.
	r := httptest.NewRequest("GET", target, nil)
	r.Header.Set("Accept-Encoding", "gzip")
	gw := httptest.NewRecorder()
	e.h.ServeHTTP(gw, r)
	if gw.Header().Get("Content-Encoding") != "gzip" {
		t.Errorf("tile not gzipped: %v", gw.Header())
	}
	zr, err := gzip.NewReader(gw.Body)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(zr)
	if !bytes.Equal(raw, e.do(t, "GET", target, "").Body.Bytes()) {
		t.Errorf("gzipped tile differs")
	}
	if w := e.do(t, "GET", target, "", "If-None-Match", gw.Header().Get("ETag")); w.Code != http.StatusNotModified {
		t.Errorf("If-None-Match: %d, want 304", w.Code)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

// mustIndex returns k of the fake facility id "fKK".
func mustIndex(id string) int {
	n, _ := strconv.Atoi(strings.TrimPrefix(id, "f"))
	return n
}

func TestOpenAPIListsEveryRoute(t *testing.T) {
	e := newEnv(t, nil)
	w := e.do(t, "GET", "/api", "")
	var doc struct {
		OpenAPI string                    `json:"openapi"`
		Paths   map[string]map[string]any `json:"paths"`
		Comp    struct {
			Parameters map[string]any `json:"parameters"`
			Schemas    map[string]any `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	routes, ok := e.h.(chi.Routes)
	if !ok {
		t.Fatal("handler is not a chi router")
	}
	n := 0
	err := chi.Walk(routes, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		if strings.HasPrefix(route, "/map") {
			return nil // the web map's static files are not part of the API
		}
		n++
		ops, ok := doc.Paths[route]
		if !ok {
			t.Errorf("route %s %s is not in the OpenAPI document", method, route)
			return nil
		}
		if _, ok := ops[strings.ToLower(method)]; !ok {
			t.Errorf("route %s %s has no %s operation in the document", method, route, method)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 18 {
		t.Errorf("walked %d routes", n)
	}
	// Every $ref points at a component.
	var refs []string
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, vv := range x {
				if k == "$ref" {
					refs = append(refs, vv.(string))
				}
				walk(vv)
			}
		case []any:
			for _, vv := range x {
				walk(vv)
			}
		}
	}
	var all map[string]any
	_ = json.Unmarshal(w.Body.Bytes(), &all)
	walk(all)
	for _, r := range refs {
		name := r[strings.LastIndex(r, "/")+1:]
		switch {
		case strings.HasPrefix(r, "#/components/parameters/"):
			if doc.Comp.Parameters[name] == nil {
				t.Errorf("dangling %s", r)
			}
		case strings.HasPrefix(r, "#/components/schemas/"):
			if doc.Comp.Schemas[name] == nil {
				t.Errorf("dangling %s", r)
			}
		case r == "#/components/responses/Problem":
		default:
			t.Errorf("unexpected ref %s", r)
		}
	}
	// Collection item paths list that collection's filters.
	get := doc.Paths["/collections/facilities/items"]["get"].(map[string]any)
	js, _ := json.Marshal(get["parameters"])
	for _, f := range []string{`"name":"category"`, `"name":"ags"`, `"name":"source"`} {
		if !strings.Contains(string(js), f) {
			t.Errorf("facilities items parameters lack %s: %s", f, js)
		}
	}
}

func TestCollectionsComposeDerived(t *testing.T) {
	derived := &fakeSource{features: map[string][]layers.Feature{}}
	tt := layers.Collection{ID: "travel-times", Title: "Travel times", Properties: []layers.PropertyInfo{
		{Name: "category", Type: "string", Filterable: true}, {Name: "mode", Type: "string", Filterable: true}, {Name: "seconds", Type: "number"}}}
	derived.colls = []layers.Collection{tt}
	derived.features["travel-times"] = []layers.Feature{
		{ID: "c1", Geometry: orb.Point{13.7, 51}, Properties: []layers.Property{{Name: "category", Value: "pharmacy"}, {Name: "mode", Value: "car"}, {Name: "seconds", Value: 300.0}}},
		{ID: "c2", Geometry: orb.Point{13.8, 51}, Properties: []layers.Property{{Name: "category", Value: "pharmacy"}, {Name: "mode", Value: "foot"}, {Name: "seconds", Value: 900.0}}},
	}
	e := newEnv(t, nil)
	e.an.derived = derived
	w := e.do(t, "GET", "/collections", "")
	var cs struct {
		Collections []struct{ ID string } `json:"collections"`
	}
	_ = json.Unmarshal(w.Body.Bytes(), &cs)
	var ids []string
	for _, c := range cs.Collections {
		ids = append(ids, c.ID)
	}
	if strings.Join(ids, ",") != "municipalities,facilities,travel-times" {
		t.Errorf("collections = %v", ids)
	}
	doc := decode[fcDoc](t, e.do(t, "GET", "/collections/travel-times/items?mode=foot&category=pharmacy", ""))
	if len(doc.Features) != 1 || doc.Features[0].ID != "c2" {
		t.Errorf("travel-times?mode=foot = %+v", doc.Features)
	}
	if w := e.do(t, "GET", "/collections/travel-times/items/c1", ""); w.Code != 200 {
		t.Errorf("derived item: %d", w.Code)
	}
}

func TestMatrix(t *testing.T) {
	e := newEnv(t, func(d *Deps) { d.MaxPoints = 3 })
	w := e.do(t, "POST", "/analyses/matrix", `{"mode":"car","sources":[[13.7,51.0],[13.8,51.1]],"destinations":[[13.9,51.0],[14.0,51.0]]}`)
	if w.Code != 200 {
		t.Fatalf("%d %s", w.Code, w.Body.String())
	}
	var res struct {
		Durations [][]*float64 `json:"durations"`
		Distances [][]*float64 `json:"distances"`
		Sources   []any        `json:"sources"`
	}
	_ = json.Unmarshal(w.Body.Bytes(), &res)
	if len(res.Durations) != 2 || len(res.Durations[0]) != 2 || res.Durations[0][1] != nil || *res.Durations[1][1] != 101 || len(res.Sources) != 2 {
		t.Errorf("matrix = %s", w.Body.String())
	}
	tests := []struct {
		name   string
		body   string
		status int
		names  []string
	}{
		{"bad mode", `{"mode":"plane","sources":[[13,51]],"destinations":[[13,51]]}`, 422, []string{"mode"}},
		{"missing all", `{}`, 422, []string{"mode", "sources", "destinations"}},
		{"lat out of range", `{"mode":"car","sources":[[13,91],[13,51]],"destinations":[[200,51]]}`, 422, []string{"sources[0]", "destinations[0]"}},
		{"too many points", `{"mode":"car","sources":[[13,51],[13,51],[13,51],[13,51]],"destinations":[[13,51]]}`, 422, []string{"sources"}},
		{"unknown field", `{"mode":"car","sources":[[13,51]],"destinations":[[13,51]],"speed":3}`, 422, []string{"speed"}},
		{"wrong types", `{"mode":1,"sources":"x","destinations":[["a","b"]]}`, 422, []string{"mode", "sources", "destinations[0]"}},
		{"empty lists", `{"mode":"car","sources":[],"destinations":[]}`, 422, []string{"sources", "destinations"}},
		{"not json", `{"mode":`, 400, nil},
		{"array", `[1,2]`, 400, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := problemOf(t, e.do(t, "POST", "/analyses/matrix", tt.body), tt.status)
			got := paramNames(p)
			for _, n := range tt.names {
				if !got[n] {
					t.Errorf("invalid_params %+v do not name %q", p.InvalidParams, n)
				}
			}
			if len(tt.names) > 0 && len(p.InvalidParams) != len(tt.names) {
				t.Errorf("invalid_params = %+v, want exactly %v", p.InvalidParams, tt.names)
			}
		})
	}
	// Body size limit.
	big := `{"mode":"car","sources":[` + strings.Repeat("[13,51],", 200000) + `[13,51]],"destinations":[[13,51]]}`
	problemOf(t, e.do(t, "POST", "/analyses/matrix", big), 413)
	// Wrong content type.
	r := httptest.NewRequest("POST", "/analyses/matrix", strings.NewReader(`{}`))
	r.Header.Set("Content-Type", "multipart/form-data; boundary=x")
	rw := httptest.NewRecorder()
	e.h.ServeHTTP(rw, r)
	problemOf(t, rw, 415)
}

func TestIsochrones(t *testing.T) {
	e := newEnv(t, nil)
	w := e.do(t, "POST", "/analyses/isochrones", `{"mode":"bicycle","origins":[[13.73,51.05]],"minutes":[30,10,20]}`)
	if w.Code != 200 || w.Header().Get("Content-Type") != "application/geo+json" {
		t.Fatalf("%d %s %s", w.Code, w.Header().Get("Content-Type"), w.Body.String())
	}
	if got := e.an.lastIso.Minutes; len(got) != 3 || got[0] != 10 || got[2] != 30 {
		t.Errorf("minutes reached the analyzer as %v, want ascending", got)
	}
	fc, err := geojson.UnmarshalFeatureCollection(w.Body.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	doc := decode[fcDoc](t, w)
	if doc.Type != "FeatureCollection" || doc.Method != "fake rings" || doc.NumberReturned != 3 || len(fc.Features) != 3 {
		t.Fatalf("isochrones = %s", w.Body.String())
	}
	for i, f := range fc.Features {
		wantMin := []float64{10, 20, 30}[i]
		wantFrom := []float64{0, 10, 20}[i]
		if f.Properties["minutes"] != wantMin || f.Properties["from_minutes"] != wantFrom ||
			f.Properties["population"] != float64(1000*(i+1)) || f.Properties["cells"] != float64(10*(i+1)) {
			t.Errorf("band %d properties = %v", i, f.Properties)
		}
		if _, ok := f.Geometry.(orb.MultiPolygon); !ok {
			t.Errorf("band %d geometry %T", i, f.Geometry)
		}
	}
	var top map[string]any
	_ = json.Unmarshal(w.Body.Bytes(), &top)
	if top["mode"] != "bicycle" || top["origins"] == nil {
		t.Errorf("top-level members: %v", top)
	}
	tests := []struct {
		body  string
		names []string
	}{
		{`{"mode":"car","origins":[[13,51]],"minutes":[0, 181, -1, "x"]}`, []string{"minutes[0]", "minutes[1]", "minutes[2]", "minutes[3]"}},
		{`{"mode":"car","origins":[[13,51]],"minutes":[10,10]}`, []string{"minutes[1]"}},
		{`{"mode":"car","origins":[[13,51]],"minutes":[]}`, []string{"minutes"}},
		{`{"mode":"walk","origins":[[13]],"minutes":[5]}`, []string{"mode", "origins[0]"}},
	}
	for _, tt := range tests {
		p := problemOf(t, e.do(t, "POST", "/analyses/isochrones", tt.body), 422)
		got := paramNames(p)
		for _, n := range tt.names {
			if !got[n] {
				t.Errorf("%s: invalid_params %+v do not name %q", tt.body, p.InvalidParams, n)
			}
		}
	}
}

func TestSitesAndRanking(t *testing.T) {
	e := newEnv(t, nil)
	w := e.do(t, "POST", "/analyses/sites", `{"category":"general_practice","mode":"car","k":3}`)
	if w.Code != 200 {
		t.Fatalf("%d %s", w.Code, w.Body.String())
	}
	if e.an.lastSites.K != 3 || e.an.lastSites.Category != layers.CatGeneralPractice || e.an.lastSites.Candidates != "all" {
		t.Errorf("site request = %+v", e.an.lastSites)
	}
	p := problemOf(t, e.do(t, "POST", "/analyses/sites", `{"category":"bakery","mode":"car","k":0.5,"candidates":"x"}`), 422)
	if got := paramNames(p); !got["category"] || !got["k"] || !got["candidates"] {
		t.Errorf("sites problem = %+v", p.InvalidParams)
	}
	// The engine's ErrInvalid is a 422 too.
	problemOf(t, e.do(t, "POST", "/analyses/sites", `{"category":"sewage","mode":"car","k":1}`), 422)
	// Public transport is named as not offered here, not as an unknown mode.
	p = problemOf(t, e.do(t, "POST", "/analyses/sites", `{"category":"general_practice","mode":"transit","k":1}`), 422)
	if len(p.InvalidParams) != 1 || p.InvalidParams[0].Name != "mode" || !strings.Contains(p.InvalidParams[0].Reason, "not offered by this analysis") {
		t.Errorf("sites by transit: problem = %+v", p.InvalidParams)
	}

	e.store.projects["b"] = layers.Project{ID: "b", Title: "B", RequestedFunding: 2}
	e.store.projects["a"] = layers.Project{ID: "a", Title: "A", RequestedFunding: 1}
	w = e.do(t, "GET", "/ranking?budget=2500000", "")
	if w.Code != 200 || e.an.budget != 2500000 || strings.Join(e.an.ranked, ",") != "a,b" {
		t.Errorf("ranking: %d budget %v projects %v", w.Code, e.an.budget, e.an.ranked)
	}
	w = e.do(t, "GET", "/projects/a/assessment", "")
	if w.Code != 200 || !strings.Contains(w.Body.String(), `"newly_within_standard":1234`) || !strings.Contains(w.Body.String(), `"verdict":"aligned"`) {
		t.Errorf("assessment: %d %s", w.Code, w.Body.String())
	}
}

func TestWithoutAnalyzerOrStore(t *testing.T) {
	e := newEnv(t, func(d *Deps) { d.Analyzer = nil; d.Store = nil })
	for _, c := range []struct{ method, target, body string }{
		{"POST", "/analyses/matrix", `{"mode":"car","sources":[[13,51]],"destinations":[[13,51]]}`},
		{"POST", "/analyses/isochrones", `{}`},
		{"POST", "/analyses/sites", `{}`},
		{"GET", "/ranking", ""},
		{"GET", "/projects/a/assessment", ""},
		{"POST", "/projects", `{}`},
	} {
		problemOf(t, e.do(t, c.method, c.target, c.body), 503)
	}
	if w := e.do(t, "GET", "/collections", ""); w.Code != 200 {
		t.Errorf("collections without analyzer: %d", w.Code)
	}
}

const validProject = `{"type":"Feature","id":"gp-1","geometry":{"type":"Point","coordinates":[13.95,50.93]},
"properties":{"title":"Hausarztpraxis Pirna-Copitz","applicant":"Stadt Pirna","municipalities":["14628110"],
"category":"general_practice","kind":"new_facility","investment_cost":1200000,"requested_funding":900000,
"planning_region":"Oberes Elbtal/Osterzgebirge","innovation":6}}`

func TestPostProject(t *testing.T) {
	e := newEnv(t, nil)
	w := e.do(t, "POST", "/projects", validProject)
	if w.Code != 201 {
		t.Fatalf("%d %s", w.Code, w.Body.String())
	}
	if loc := w.Header().Get("Location"); loc != "/projects/gp-1" {
		t.Errorf("Location = %q", loc)
	}
	p := e.store.projects["gp-1"]
	want, _ := crs.FromLonLat(crs.UTM33N, orb.Point{13.95, 50.93})
	if got, ok := p.Geometry.(orb.Point); !ok || math.Abs(got[0]-want[0]) > 1e-6 || math.Abs(got[1]-want[1]) > 1e-6 {
		t.Errorf("stored geometry %v, want %v (EPSG:25833)", p.Geometry, want)
	}
	if p.Title != "Hausarztpraxis Pirna-Copitz" || p.RequestedFunding != 900000 || p.Status != "submitted" || p.Innovation == nil || *p.Innovation != 6 ||
		!p.SubmittedAt.Equal(time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)) {
		t.Errorf("stored project = %+v", p)
	}
	// The same id again is a conflict.
	problemOf(t, e.do(t, "POST", "/projects", validProject), 409)
	// GET returns it as a feature in CRS84.
	w = e.do(t, "GET", "/projects/gp-1", "")
	f, err := geojson.UnmarshalFeature(w.Body.Bytes())
	if err != nil || f.Properties["title"] != "Hausarztpraxis Pirna-Copitz" {
		t.Fatalf("GET project: %v %s", err, w.Body.String())
	}
	if pt := f.Geometry.(orb.Point); math.Abs(pt[0]-13.95) > 1e-7 || math.Abs(pt[1]-50.93) > 1e-7 {
		t.Errorf("round trip geometry = %v", pt)
	}
	// Without an id, one is made up.
	w = e.do(t, "POST", "/projects", strings.Replace(validProject, `"id":"gp-1",`, "", 1))
	if w.Code != 201 || !strings.HasPrefix(w.Header().Get("Location"), "/projects/p-") {
		t.Errorf("no id: %d %q", w.Code, w.Header().Get("Location"))
	}
}

func TestPostProjectListsEveryInvalidField(t *testing.T) {
	e := newEnv(t, nil)
	body := `{"type":"Feature","id":"bad id!","geometry":{"type":"LineString","coordinates":[[13.9,50.9],[200,50.9]]},
"properties":{"title":"","municipalities":["1462811","14628110","14628110"],"category":"bakery","kind":"new_facility",
"investment_cost":-5,"requested_funding":"a lot","status":"Submitted!","submitted_at":"yesterday","speed_kmh":50,
"innovation":11,"colour":"red"}}`
	p := problemOf(t, e.do(t, "POST", "/projects", body), 422)
	want := []string{"id", "geometry", "properties.title", "properties.municipalities[0]", "properties.municipalities[2]",
		"properties.category", "properties.investment_cost", "properties.requested_funding", "properties.status",
		"properties.submitted_at", "properties.speed_kmh", "properties.innovation", "properties.colour"}
	got := paramNames(p)
	for _, n := range want {
		if !got[n] {
			t.Errorf("invalid_params do not name %q", n)
		}
	}
	if len(p.InvalidParams) != len(want) {
		var names []string
		for _, ip := range p.InvalidParams {
			names = append(names, ip.Name+": "+ip.Reason)
		}
		sort.Strings(names)
		t.Errorf("invalid_params =\n%s\nwant %d entries", strings.Join(names, "\n"), len(want))
	}
	for _, ip := range p.InvalidParams {
		t.Logf("%s = %q: %s", ip.Name, ip.Value, ip.Reason)
	}
	if len(e.store.projects) != 0 {
		t.Errorf("an invalid project was stored")
	}
	// Geometry type must fit the kind.
	p = problemOf(t, e.do(t, "POST", "/projects", strings.Replace(validProject, `"kind":"new_facility"`, `"kind":"road_upgrade"`, 1)), 422)
	if !paramNames(p)["geometry"] {
		t.Errorf("kind/geometry mismatch not reported: %+v", p.InvalidParams)
	}
	// Funding above cost.
	p = problemOf(t, e.do(t, "POST", "/projects", strings.Replace(validProject, `"requested_funding":900000`, `"requested_funding":1300000`, 1)), 422)
	if !paramNames(p)["properties.requested_funding"] {
		t.Errorf("funding above cost not reported: %+v", p.InvalidParams)
	}
	// Money above the programme's scale (cents would overflow int64 at
	// 1e17 €): 422 naming the field.
	for _, v := range []string{"1e17", "1e300", "100000000.5"} {
		body := strings.Replace(validProject, `"requested_funding":900000`, `"requested_funding":`+v, 1)
		p = problemOf(t, e.do(t, "POST", "/projects", body), 422)
		ok := false
		for _, ip := range p.InvalidParams {
			ok = ok || ip.Name == "properties.requested_funding" && strings.Contains(ip.Reason, "100 million")
		}
		if !ok {
			t.Errorf("requested_funding %s not refused by name as above 100 million: %+v", v, p.InvalidParams)
		}
	}
	// Outside Saxony, or lat/lon swapped.
	for _, c := range []string{"[2.35,48.85]", "[50.93,13.95]"} {
		p = problemOf(t, e.do(t, "POST", "/projects", strings.Replace(validProject, "[13.95,50.93]", c, 1)), 422)
		if !paramNames(p)["geometry"] || len(p.InvalidParams) != 1 {
			t.Errorf("%s: %+v", c, p.InvalidParams)
		}
	}
	// Missing required fields.
	p = problemOf(t, e.do(t, "POST", "/projects", `{"type":"Feature","properties":{}}`), 422)
	for _, n := range []string{"geometry", "properties.title", "properties.municipalities", "properties.kind"} {
		if !paramNames(p)[n] {
			t.Errorf("missing %s not reported: %+v", n, p.InvalidParams)
		}
	}
}

func TestPanicIsAnInternalProblem(t *testing.T) {
	e := newEnv(t, nil)
	e.src.panicOn = "facilities"
	p := problemOf(t, e.do(t, "GET", "/collections/facilities/items", ""), 500)
	if p.Detail != "internal error" || p.RequestID == "" {
		t.Errorf("problem = %+v", p)
	}
	if !strings.Contains(e.logs.String(), p.RequestID) || !strings.Contains(e.logs.String(), "fake: boom") {
		t.Errorf("panic not logged with the request id %q:\n%s", p.RequestID, e.logs.String())
	}
}

func TestOverloadIs429(t *testing.T) {
	block := make(chan struct{})
	e := newEnv(t, func(d *Deps) { d.MaxConcurrentAnalyses = 1 })
	e.an.block = block
	body := `{"mode":"car","sources":[[13,51]],"destinations":[[13,51]]}`
	done := make(chan int)
	go func() { done <- e.do(t, "POST", "/analyses/matrix", body).Code }()
	// Wait until the first request holds the slot.
	for i := 0; i < 200 && len(e.hSem()) == 0; i++ {
		time.Sleep(5 * time.Millisecond)
	}
	w := e.do(t, "POST", "/analyses/matrix", body)
	close(block)
	problemOf(t, w, 429)
	if w.Header().Get("Retry-After") == "" {
		t.Errorf("429 without Retry-After")
	}
	if code := <-done; code != 200 {
		t.Errorf("first request: %d", code)
	}
}

func TestCORSAndGzip(t *testing.T) {
	e := newEnv(t, nil)
	w := e.do(t, "OPTIONS", "/collections", "", "Origin", "https://qgis.example", "Access-Control-Request-Method", "GET")
	if w.Code != 204 || w.Header().Get("Access-Control-Allow-Origin") != "*" || !strings.Contains(w.Header().Get("Access-Control-Allow-Methods"), "GET") {
		t.Errorf("preflight: %d %v", w.Code, w.Header())
	}
	w = e.do(t, "GET", "/collections/facilities/items?limit=100", "", "Accept-Encoding", "gzip", "Origin", "https://x.example")
	if w.Header().Get("Content-Encoding") != "gzip" || w.Header().Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("headers: %v", w.Header())
	}
	zr, err := gzip.NewReader(w.Body)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(zr)
	if !json.Valid(raw) {
		t.Errorf("gzipped items are not JSON")
	}
	// ETag on metadata.
	w = e.do(t, "GET", "/collections", "")
	if et := w.Header().Get("ETag"); et == "" || e.do(t, "GET", "/collections", "", "If-None-Match", et).Code != 304 {
		t.Errorf("no working ETag on /collections")
	}
}

func TestRoundTripEndpoint(t *testing.T) {
	e := newEnv(t, nil)
	w := e.do(t, "POST", "/analyses/round-trip", `{"category":"general_practice","arrive_by":"2023-01-11T10:00","stay_minutes":45}`)
	if w.Code != 200 {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	var res struct {
		ArriveBy       string `json:"arrive_by"`
		StayMinutes    int    `json:"stay_minutes"`
		Municipalities []struct {
			Share float64 `json:"share_possible"`
		} `json:"municipalities"`
		Cells []any `json:"cells"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &res); err != nil {
		t.Fatal(err)
	}
	if res.ArriveBy != "2023-01-11T10:00:00" || res.StayMinutes != 45 || len(res.Municipalities) != 1 || res.Municipalities[0].Share != 0.45 {
		t.Errorf("got %+v, want the query echoed", res)
	}
	if res.Cells != nil {
		t.Errorf("cells without cells: true: %v", res.Cells)
	}
	// The stay defaults to 60 minutes.
	w = e.do(t, "POST", "/analyses/round-trip", `{"category":"general_practice","arrive_by":"2023-01-11T10:00","cells":true}`)
	if err := json.Unmarshal(w.Body.Bytes(), &res); err != nil {
		t.Fatal(err)
	}
	if res.StayMinutes != 60 || len(res.Cells) != 1 {
		t.Errorf("default stay: got %+v, want 60 minutes and the cells", res)
	}
	for _, tt := range []struct{ body, field string }{
		{`{"category":"general_practice","arrive_by":"10:00"}`, "arrive_by"},
		{`{"category":"no_such","arrive_by":"2023-01-11T10:00"}`, "category"},
		{`{"category":"general_practice","arrive_by":"2023-01-11T10:00","stay_minutes":-5}`, "stay_minutes"},
		{`{"category":"general_practice","arrive_by":"2023-01-11T10:00","stay_minutes":1.5}`, "stay_minutes"},
		{`{"category":"general_practice"}`, "arrive_by"},
	} {
		w := e.do(t, "POST", "/analyses/round-trip", tt.body)
		if w.Code != 422 || !strings.Contains(w.Body.String(), `"name":"`+tt.field+`"`) {
			t.Errorf("%s: status %d, body %s; want 422 naming %s", tt.body, w.Code, w.Body, tt.field)
		}
	}
}

func TestGapsEndpoint(t *testing.T) {
	e := newEnv(t, nil)
	type result struct {
		Category        string             `json:"category"`
		Mode            string             `json:"mode"`
		StandardMinutes float64            `json:"standard_minutes"`
		OnlyThinOrWeak  bool               `json:"only_thin_or_weak"`
		MethodShares    map[string]float64 `json:"method_shares"`
		Outside         int64              `json:"outside"`
		Cells           *[]struct {
			CellID string `json:"inspire_id"`
		} `json:"cells"`
	}
	post := func(body string) result {
		t.Helper()
		w := e.do(t, "POST", "/analyses/gaps", body)
		if w.Code != 200 {
			t.Fatalf("%s: status %d: %s", body, w.Code, w.Body)
		}
		var res result
		if err := json.Unmarshal(w.Body.Bytes(), &res); err != nil {
			t.Fatal(err)
		}
		return res
	}
	res := post(`{"category":"general_practice","mode":"car"}`)
	if res.Category != "general_practice" || res.Mode != "car" || res.StandardMinutes != 20 || res.Outside != 7 || res.MethodShares["network"] != 1 {
		t.Errorf("got %+v, want the register of the query", res)
	}
	if res.Cells != nil {
		t.Errorf("cells without cells: true: %v", *res.Cells)
	}
	res = post(`{"category":"general_practice","mode":"foot","only_thin_or_weak":true,"max_minutes":12.5,"cells":true}`)
	if !res.OnlyThinOrWeak || res.StandardMinutes != 12.5 || res.Cells == nil || len(*res.Cells) != 1 || (*res.Cells)[0].CellID != "c" {
		t.Errorf("got %+v, want the flags passed on and the cell", res)
	}
	// With cells: true and none outside, the list is there and empty.
	if res = post(`{"category":"kita","mode":"car","cells":true}`); res.Cells == nil || len(*res.Cells) != 0 {
		t.Errorf("kita: cells %v, want an empty list", res.Cells)
	}
	for _, tt := range []struct{ body, field string }{
		{`{"mode":"car"}`, "category"},
		{`{"category":"no_such","mode":"car"}`, "category"},
		{`{"category":"kita"}`, "mode"},
		{`{"category":"kita","mode":"plane"}`, "mode"},
		{`{"category":"kita","mode":"car","max_minutes":0}`, "max_minutes"},
		{`{"category":"kita","mode":"car","max_minutes":500}`, "max_minutes"},
		{`{"category":"kita","mode":"car","departure":"2023-01-11T07:00"}`, "departure"},
		{`{"category":"kita","mode":"transit"}`, "departure"},
		{`{"category":"kita","mode":"car","cells":"yes"}`, "cells"},
		{`{"category":"kita","mode":"car","colour":"red"}`, "colour"},
	} {
		w := e.do(t, "POST", "/analyses/gaps", tt.body)
		if w.Code != 422 || !strings.Contains(w.Body.String(), `"name":"`+tt.field+`"`) {
			t.Errorf("%s: status %d, body %s; want 422 naming %s", tt.body, w.Code, w.Body, tt.field)
		}
	}
}
