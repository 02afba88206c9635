package postgis_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"reach/data/demo"
	"reach/geo/crs"
	"reach/geo/grid"
	"reach/internal/pgtest"
	"reach/layers"
	"reach/layers/postgis"
)

// testGridModelMatchesSQL: the read model of the grid answers every items
// page exactly as the SQL path does (features, order, next cursor,
// numberMatched, version), without and with boxes in every CRS, on the demo
// grid (short ids) and on a grid of long ids at two resolutions, and it
// follows a new load of the layer.
func testGridModelMatchesSQL(t *testing.T, db string) {
	ctx := context.Background()
	url := pgtest.Schema(t, db)
	sql, err := postgis.Open(ctx, url, postgis.WithAllowShrink())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sql.Close)
	if _, err := sql.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	mod, err := postgis.Open(ctx, url, postgis.WithReadModel(1<<30))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(mod.Close)
	if err := demo.Load(ctx, sql, demo.DefaultSeed); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(14, 1))
	compareGrid(t, sql, mod, rng)
	compareModel(t, sql, mod, rng, layers.CollMunicipalities, []int{1, 5, 1000}, postgis.WaitMuniModel)

	// Long ids, 100 m and 1 km cells, secret counts, shares, no municipality.
	var cells []layers.Cell
	for i := 0; i < 60; i++ {
		for j := 0; j < 50; j++ {
			if (i*7+j*13)%5 == 0 {
				continue
			}
			id := grid.ID{ResolutionM: 100, North: 3100000 + j*100, East: 4560000 + i*100}
			c := layers.Cell{ID: id.LongString(), ResolutionM: 100, Population: int64(i + j), Known: (i+j)%9 != 0, Year: 2022}
			if !c.Known {
				c.Population = 0
			}
			if j%3 == 0 {
				u, o := float64(i)/3, float64(j)/7
				c.ShareUnder18, c.Share65Plus = &u, &o
			}
			if i%4 != 0 {
				c.AGS = fmt.Sprintf("14628%03d", i%4)
			}
			cells = append(cells, c)
		}
	}
	for i := 0; i < 8; i++ {
		for j := 0; j < 8; j++ {
			id := grid.ID{ResolutionM: 1000, North: 3110000 + j*1000, East: 4552000 + i*1000}
			cells = append(cells, layers.Cell{ID: id.LongString(), ResolutionM: 1000, Population: int64(100 * i), Known: true})
		}
	}
	if _, err := sql.ReplaceCells(ctx, func(yield func(layers.Cell, error) bool) {
		for _, c := range cells {
			if !yield(c, nil) {
				return
			}
		}
	}); err != nil {
		t.Fatal(err)
	}
	compareGrid(t, sql, mod, rng)
}

// compareGrid pages through the same queries on both stores.
func compareGrid(t *testing.T, sql, mod *postgis.Store, rng *rand.Rand) {
	t.Helper()
	compareModel(t, sql, mod, rng, layers.CollPopulationGrid, []int{3, 50, 1000}, postgis.WaitGridModel)
}

// compareModel pages through the same queries of collection on both
// stores: without a box at several page sizes, and with boxes in every CRS
// at the page sizes limits.
func compareModel(t *testing.T, sql, mod *postgis.Store, rng *rand.Rand, coll string, limits []int, wait func(context.Context, *postgis.Store) error) {
	t.Helper()
	ctx := context.Background()
	// The first request of a version starts the load.
	if _, err := mod.Items(ctx, layers.ItemsQuery{Collection: coll, Limit: 1}); err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := wait(wctx, mod); err != nil {
		t.Fatal(err)
	}
	c, err := sql.Collection(ctx, coll)
	if err != nil {
		t.Fatal(err)
	}
	ext := c.Extent
	var queries []layers.ItemsQuery
	for _, limit := range []int{1, 7, 100, 1000, 10000} {
		queries = append(queries, layers.ItemsQuery{Collection: coll, Limit: limit})
	}
	add := func(b orb.Bound, code crs.Code, limit int) {
		queries = append(queries, layers.ItemsQuery{Collection: coll, BBox: &b, BBoxCRS: code, Limit: limit})
	}
	for _, code := range []crs.Code{crs.CRS84, crs.EPSG4326, crs.UTM33N, crs.LAEA, crs.WebMercator} {
		for i := 0; i < 25; i++ {
			w := (ext.Max[0] - ext.Min[0]) * (0.01 + rng.Float64()*rng.Float64()*0.7)
			h := (ext.Max[1] - ext.Min[1]) * (0.01 + rng.Float64()*rng.Float64()*0.7)
			x := ext.Min[0] - w/2 + rng.Float64()*(ext.Max[0]-ext.Min[0])
			y := ext.Min[1] - h/2 + rng.Float64()*(ext.Max[1]-ext.Min[1])
			b := orb.Bound{Min: orb.Point{x, y}, Max: orb.Point{x + w, y + h}}
			if code != crs.CRS84 && code != crs.EPSG4326 {
				p, _ := crs.FromLonLat(code, b.Min)
				q, _ := crs.FromLonLat(code, b.Max)
				b = orb.Bound{Min: orb.Point{min(p[0], q[0]), min(p[1], q[1])}, Max: orb.Point{max(p[0], q[0]), max(p[1], q[1])}}
			}
			if code == crs.LAEA && i%2 == 0 {
				// Edges on cell boundaries: touching cells match.
				for k := range 2 {
					b.Min[k] = float64(int(b.Min[k]/100) * 100)
					b.Max[k] = float64(int(b.Max[k]/100) * 100)
				}
			}
			add(b, code, limits[i%len(limits)])
		}
	}
	add(orb.Bound{Min: orb.Point{-180, -90}, Max: orb.Point{180, 90}}, crs.CRS84, 500)
	add(orb.Bound{Min: orb.Point{100, -50}, Max: orb.Point{120, -40}}, crs.CRS84, 10)
	add(orb.Bound{Min: orb.Point{0, 0}, Max: orb.Point{1e7, 1e7}}, crs.LAEA, 1000)

	before := postgis.ModelPages(mod)
	pages := 0
	for _, q := range queries {
		for n := 0; ; n++ {
			want, err := sql.Items(ctx, q)
			if err != nil {
				t.Fatalf("SQL Items(%+v): %v", q, err)
			}
			got, err := mod.Items(ctx, q)
			if err != nil {
				t.Fatalf("model Items(%+v): %v", q, err)
			}
			pages++
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("Items bbox %v crs %v limit %d after %q: the model gives %d features (next %q, matched %d, version %q), SQL %d (next %q, matched %d, version %q)",
					q.BBox, q.BBoxCRS, q.Limit, q.After, len(got.Features), got.Next, got.NumberMatched, got.Version,
					len(want.Features), want.Next, want.NumberMatched, want.Version)
			}
			// A caller may change what it got (tiles project geometries in
			// place): the model's next answer is unchanged.
			for _, f := range got.Features {
				f.Properties[0].Value = "changed"
				if pg, ok := f.Geometry.(orb.Polygon); ok {
					pg[0][0] = orb.Point{0, 0}
				}
				if mp, ok := f.Geometry.(orb.MultiPolygon); ok {
					mp[0][0][0] = orb.Point{0, 0}
				}
				if mp, ok := f.Stored.(orb.MultiPolygon); ok {
					mp[0][0][0] = orb.Point{0, 0}
				}
			}
			if got, err = mod.Items(ctx, q); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("Items bbox %v crs %v limit %d after %q: the model gives %d features (next %q, matched %d, version %q), SQL %d (next %q, matched %d, version %q)",
					q.BBox, q.BBoxCRS, q.Limit, q.After, len(got.Features), got.Next, got.NumberMatched, got.Version,
					len(want.Features), want.Next, want.NumberMatched, want.Version)
			}
			if want.Next == "" || n == 20 {
				break
			}
			q.After = want.Next
		}
	}
	served := postgis.ModelPages(mod) - before
	t.Logf("%s: %d pages compared, %d answered by the read model", coll, pages, served)
	if served < int64(pages)*9/10 {
		t.Errorf("the read model answered %d of %d pages: it is not used", served, pages)
	}
}
