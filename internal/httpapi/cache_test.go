package httpapi_test

import (
	"context"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/maptile"

	"reach/data/demo"
	"reach/geo/crs"
	"reach/internal/httpapi"
	"reach/layers"
	"reach/layers/memory"
)

// TestCachedPagesAndTiles: feature pages and tiles of a versioned
// collection come with an ETag, 304 for If-None-Match, the same bytes from
// the cache, and new content as soon as the collection changes.
func TestCachedPagesAndTiles(t *testing.T) {
	ctx := context.Background()
	r, err := demo.Generate(demo.DefaultSeed)
	if err != nil {
		t.Fatal(err)
	}
	st := memory.New(memory.WithSynthetic(true))
	if err := r.Load(ctx, st); err != nil {
		t.Fatal(err)
	}
	h := httpapi.NewHandler(httpapi.Deps{Features: st, Store: st})
	get := func(target string, hdr ...string) *httptest.ResponseRecorder {
		t.Helper()
		req := httptest.NewRequest("GET", target, nil)
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w
	}
	c, err := crs.ToLonLat(crs.UTM33N, r.Municipalities[0].Geometry.Bound().Center())
	if err != nil {
		t.Fatal(err)
	}
	tile := maptile.At(c, 11)
	tileURL := "/collections/municipalities/tiles/WebMercatorQuad/11/" + strconv.Itoa(int(tile.Y)) + "/" + strconv.Itoa(int(tile.X))
	for _, target := range []string{"/collections/municipalities/items?limit=5", tileURL} {
		first := get(target)
		etag := first.Header().Get("ETag")
		if first.Code != 200 || etag == "" {
			t.Fatalf("GET %s: %d, ETag %q", target, first.Code, etag)
		}
		again := get(target)
		if again.Code != 200 || again.Header().Get("ETag") != etag || again.Body.String() != first.Body.String() {
			t.Errorf("GET %s again: %d, ETag %q (first %q), same body %v", target, again.Code, again.Header().Get("ETag"), etag,
				again.Body.String() == first.Body.String())
		}
		if w := get(target, "If-None-Match", etag); w.Code != 304 || w.Body.Len() != 0 {
			t.Errorf("GET %s with If-None-Match %s: %d with %d bytes, want 304", target, etag, w.Code, w.Body.Len())
		}
	}
	// A new version of the layer gives new answers.
	page := get("/collections/municipalities/items?limit=5")
	ms := append([]layers.Municipality(nil), r.Municipalities...)
	ms[0].Name = "Umbenannt"
	if _, err := st.ReplaceMunicipalities(ctx, func(yield func(layers.Municipality, error) bool) {
		for _, m := range ms {
			if !yield(m, nil) {
				return
			}
		}
	}); err != nil {
		t.Fatal(err)
	}
	after := get("/collections/municipalities/items?limit=5")
	if after.Header().Get("ETag") == page.Header().Get("ETag") {
		t.Errorf("ETag %s unchanged after the municipalities were replaced", page.Header().Get("ETag"))
	}
	if w := get("/collections/municipalities/items?limit=5", "If-None-Match", page.Header().Get("ETag")); w.Code != 200 {
		t.Errorf("stale ETag: %d, want 200", w.Code)
	}

	// Tiles carry no objects (indicators) and, below zoom 12, no arrays.
	w := get(tileURL)
	ls, err := mvt.Unmarshal(w.Body.Bytes())
	if err != nil || len(ls) != 1 || len(ls[0].Features) == 0 {
		t.Fatalf("tile %s: %v, %d layers", tileURL, err, len(ls))
	}
	for _, f := range ls[0].Features {
		for _, k := range []string{"indicators", "kreis", "population_date"} {
			if _, ok := f.Properties[k]; ok {
				t.Errorf("z11 municipality tile carries %q", k)
			}
		}
		if _, ok := f.Properties["name"]; !ok {
			t.Errorf("z11 municipality tile lacks the name: %v", f.Properties)
		}
	}
	cp := maptile.At(c, 14)
	w = get("/collections/municipalities/tiles/WebMercatorQuad/14/" + strconv.Itoa(int(cp.Y)) + "/" + strconv.Itoa(int(cp.X)))
	ls, err = mvt.Unmarshal(w.Body.Bytes())
	if err != nil || len(ls) != 1 || len(ls[0].Features) == 0 {
		t.Fatalf("z14 tile: %v", err)
	}
	for _, f := range ls[0].Features {
		if _, ok := f.Properties["indicators"]; ok {
			t.Errorf("z14 municipality tile carries the indicators")
		}
		if _, ok := f.Properties["kreis_ags"]; !ok {
			t.Errorf("z14 municipality tile lacks kreis_ags: %v", f.Properties)
		}
	}
}
