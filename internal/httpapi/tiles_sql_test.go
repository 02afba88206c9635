package httpapi_test

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/maptile"

	"reach/data/demo"
	"reach/internal/httpapi"
	"reach/internal/pgtest"
	"reach/layers"
	"reach/layers/memory"
	"reach/layers/postgis"
)

// TestSQLTilesMatchItemsTiles: the tiles PostGIS encodes in one query
// (ST_AsMVT) carry the same features, with the same ids and properties,
// as the tiles built from Items over the memory store holding the same
// layers, at overview and detail zooms; geometries agree to within two
// tile units (the two clip and snap differently). Only features inside the
// tile proper are compared: the buffer's edge is drawn differently.
func TestSQLTilesMatchItemsTiles(t *testing.T) {
	ctx := context.Background()
	pg, err := postgis.Open(ctx, pgtest.New(t))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(pg.Close)
	if _, err := pg.Migrate(ctx); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	mem := memory.New(memory.WithSynthetic(true))
	for _, l := range []layers.Loader{pg, mem} {
		if err := demo.Load(ctx, l, demo.DefaultSeed); err != nil {
			t.Fatal(err)
		}
	}
	hp := httpapi.NewHandler(httpapi.Deps{Features: pg, Store: pg})
	hm := httpapi.NewHandler(httpapi.Deps{Features: mem, Store: mem})
	sqlTiles := 0
	for _, coll := range []string{layers.CollPopulationGrid, layers.CollMunicipalities} {
		c, err := pg.Collection(ctx, coll)
		if err != nil || c.Extent.IsEmpty() {
			t.Fatalf("%s: %v, extent %v", coll, err, c.Extent)
		}
		// Tiles over the middle of the region and over features (a corner
		// of one, where tile edges cut it, and the middle of another).
		page, err := pg.Items(ctx, layers.ItemsQuery{Collection: coll, Limit: 50})
		if err != nil || len(page.Features) < 2 {
			t.Fatalf("%s: %v, %d features", coll, err, len(page.Features))
		}
		last := page.Features[len(page.Features)-1]
		at := []orb.Point{c.Extent.Center(), page.Features[0].Geometry.Bound().Min, last.Geometry.Bound().Center()}
		for _, z := range []maptile.Zoom{7, 9, 10, 11, 12, 14} {
			for _, p := range at {
				tl := maptile.At(p, z)
				target := fmt.Sprintf("/collections/%s/tiles/WebMercatorQuad/%d/%d/%d", coll, z, tl.Y, tl.X)
				a, b := getTile(t, hp, target), getTile(t, hm, target)
				if coll == layers.CollPopulationGrid || z < 12 {
					sqlTiles++
				}
				if len(b) == 0 && p != at[0] {
					t.Fatalf("%s: no feature in the items tile", target)
				}
				compareTiles(t, target, a, b)
			}
		}
	}
	// The grid and the municipalities below zoom 12 are encoded by PostGIS.
	if _, err := pg.Tile(ctx, layers.TileQuery{Collection: layers.CollPopulationGrid, Z: 10, X: 550, Y: 345,
		Properties: []string{"population"}, Extent: 4096, Buffer: 64, MaxFeatures: 10}); err != nil {
		t.Errorf("Tile of the grid: %v", err)
	}
	if _, err := pg.Tile(ctx, layers.TileQuery{Collection: layers.CollMunicipalities, Z: 14, X: 8800, Y: 5500,
		Properties: []string{"indicators"}, Extent: 4096, Buffer: 64, MaxFeatures: 10}); err == nil {
		t.Errorf("Tile of the municipalities with their indicators: no error, want layers.ErrTileUnsupported")
	}
	if sqlTiles == 0 {
		t.Fatal("no tile was compared")
	}
}

// TestSQLTileTruncated: a tile holding more than MaxFeatures features keeps
// the first ones by id and says that it is truncated.
func TestSQLTileTruncated(t *testing.T) {
	ctx := context.Background()
	pg, err := postgis.Open(ctx, pgtest.New(t))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(pg.Close)
	if _, err := pg.Migrate(ctx); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	if err := demo.Load(ctx, pg, demo.DefaultSeed); err != nil {
		t.Fatal(err)
	}
	c, err := pg.Collection(ctx, layers.CollPopulationGrid)
	if err != nil {
		t.Fatal(err)
	}
	tl := maptile.At(c.Extent.Center(), 8)
	q := layers.TileQuery{Collection: layers.CollPopulationGrid, Z: 8, X: tl.X, Y: tl.Y, Extent: 4096, Buffer: 64, MaxFeatures: 1 << 20}
	all, err := pg.Tile(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	ls, err := mvt.Unmarshal(all.Data)
	if err != nil || len(ls) != 1 || len(ls[0].Features) < 10 || all.Truncated {
		t.Fatalf("whole tile: %v, %d layers, truncated %v", err, len(ls), all.Truncated)
	}
	var ids []string
	for _, f := range ls[0].Features {
		ids = append(ids, fmt.Sprint(f.Properties["id"]))
	}
	sort.Strings(ids)
	q.MaxFeatures = 5
	some, err := pg.Tile(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	ls, err = mvt.Unmarshal(some.Data)
	if err != nil || len(ls) != 1 || len(ls[0].Features) != 5 || !some.Truncated || some.Version != all.Version || all.Version == "" {
		t.Fatalf("truncated tile: %v, %d layers, truncated %v, versions %q %q", err, len(ls), some.Truncated, some.Version, all.Version)
	}
	for i, f := range ls[0].Features {
		if got := fmt.Sprint(f.Properties["id"]); got != ids[i] {
			t.Errorf("feature %d of the truncated tile is %s, want %s (the first by id)", i, got, ids[i])
		}
	}
}

type tileFeature struct {
	id    any
	props map[string]any
	bound orb.Bound
}

// getTile fetches a tile and returns its features by their "id" property,
// geometries in tile units.
func getTile(t *testing.T, h http.Handler, target string) map[string]tileFeature {
	t.Helper()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", target, nil))
	if w.Code != 200 {
		t.Fatalf("GET %s: %d %s", target, w.Code, w.Body.String())
	}
	out := map[string]tileFeature{}
	if w.Body.Len() == 0 {
		return out
	}
	ls, err := mvt.Unmarshal(w.Body.Bytes())
	if err != nil || len(ls) != 1 {
		t.Fatalf("GET %s: %v, %d layers", target, err, len(ls))
	}
	for _, f := range ls[0].Features {
		id := fmt.Sprint(f.Properties["id"])
		if _, dup := out[id]; dup {
			t.Errorf("GET %s: feature %s twice", target, id)
		}
		out[id] = tileFeature{id: f.ID, props: f.Properties, bound: f.Geometry.Bound()}
	}
	return out
}

func compareTiles(t *testing.T, target string, got, want map[string]tileFeature) {
	t.Helper()
	inner := orb.Bound{Min: orb.Point{2, 2}, Max: orb.Point{4094, 4094}}
	for id, w := range want {
		if !w.bound.Intersects(inner) {
			continue
		}
		g, ok := got[id]
		if !ok {
			t.Errorf("%s: feature %s (at %v) missing from the PostGIS tile", target, id, w.bound)
			continue
		}
		if fmt.Sprint(g.id) != fmt.Sprint(w.id) {
			t.Errorf("%s: feature %s has MVT id %v, want %v", target, id, g.id, w.id)
		}
		if len(g.props) != len(w.props) {
			t.Errorf("%s: feature %s has properties %v, want %v", target, id, g.props, w.props)
		}
		for k, wv := range w.props {
			if !sameValue(g.props[k], wv) {
				t.Errorf("%s: feature %s property %s = %v (%T), want %v (%T)", target, id, k, g.props[k], g.props[k], wv, wv)
			}
		}
		for i := range 2 {
			if math.Abs(g.bound.Min[i]-w.bound.Min[i]) > 2 || math.Abs(g.bound.Max[i]-w.bound.Max[i]) > 2 {
				t.Errorf("%s: feature %s spans %v, want %v", target, id, g.bound, w.bound)
				break
			}
		}
	}
	for id, g := range got {
		if _, ok := want[id]; !ok && g.bound.Intersects(inner) {
			t.Errorf("%s: feature %s (at %v) is in the PostGIS tile only", target, id, g.bound)
		}
	}
}

// sameValue compares decoded MVT values: numbers by value whatever their
// encoding (int, uint, sint, float, double).
func sameValue(a, b any) bool {
	num := func(v any) (float64, bool) {
		switch x := v.(type) {
		case float64:
			return x, true
		case float32:
			return float64(x), true
		case int64:
			return float64(x), true
		case uint64:
			return float64(x), true
		case int:
			return float64(x), true
		}
		return 0, false
	}
	if x, ok := num(a); ok {
		y, ok := num(b)
		return ok && (x == y || math.Abs(x-y) <= 1e-9*math.Max(math.Abs(x), math.Abs(y)))
	}
	return fmt.Sprint(a) == fmt.Sprint(b) && strconv.Quote(fmt.Sprintf("%T", a)) == strconv.Quote(fmt.Sprintf("%T", b))
}
