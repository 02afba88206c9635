package postgis_test

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/maptile"
	"github.com/paulmach/orb/planar"

	"reach/data/tables"
	"reach/internal/pgtest"
	"reach/layers"
	"reach/layers/postgis"
)

// muniTileProps are the properties of the municipalities' overview tiles
// (httpapi's tileProperties below its detail zoom).
var muniTileProps = append([]string{"name", "population", "degurba", "density"}, layers.CentreIndicatorKeys...)

// modelStore opens the store at url with a read model of up to 1 GiB,
// migrated, closed when tb ends.
func modelStore(tb testing.TB, url string, opts ...postgis.Option) *postgis.Store {
	tb.Helper()
	return migratedStore(tb, url, append(opts, postgis.WithReadModel(1<<30))...)
}

// realMuniStore returns a store with a read model holding the 419 real
// Saxon municipalities, loaded.
func realMuniStore(tb testing.TB, url string, opts ...postgis.Option) *postgis.Store {
	tb.Helper()
	ctx := context.Background()
	s := modelStore(tb, url, opts...)
	path := filepath.Join(testData(tb), "boundaries", "gemeinden_sachsen_vg5000_2021.geojson")
	if _, err := s.ReplaceMunicipalities(ctx, tables.ReadMunicipalities(ctx, path, tables.MunicipalityOptions{})); err != nil {
		tb.Fatal(err)
	}
	if err := postgis.WaitMuniModel(ctx, s); err != nil {
		tb.Fatal(err)
	}
	return s
}

// benchZ10Tiles are the z10 tiles of bench/serving.sh: every tile of the
// box 11.87–15.04° E, 50.17–51.68° N.
func benchZ10Tiles() []maptile.Tile {
	nw := maptile.At(orb.Point{11.87, 51.68}, 10)
	se := maptile.At(orb.Point{15.04, 50.17}, 10)
	var out []maptile.Tile
	for x := nw.X; x <= se.X; x++ {
		for y := nw.Y; y <= se.Y; y++ {
			out = append(out, maptile.New(x, y, 10))
		}
	}
	return out
}

type decodedFeature struct {
	id    any
	props map[string]any
	bound orb.Bound
	area  float64
	perim float64
}

// decodeTile decodes a tile of one layer, coll, by its features' "id"
// property.
func decodeTile(t *testing.T, name, coll string, data []byte) map[string]decodedFeature {
	t.Helper()
	out := map[string]decodedFeature{}
	if len(data) == 0 {
		return out
	}
	ls, err := mvt.Unmarshal(data)
	if err != nil || len(ls) != 1 || ls[0].Name != coll || ls[0].Extent != 4096 {
		t.Fatalf("%s: %v, %d layers", name, err, len(ls))
	}
	for _, f := range ls[0].Features {
		id := fmt.Sprint(f.Properties["id"])
		if _, dup := out[id]; dup {
			t.Errorf("%s: feature %s twice", name, id)
		}
		out[id] = decodedFeature{id: f.ID, props: f.Properties, bound: f.Geometry.Bound(), area: planar.Area(f.Geometry), perim: planar.Length(f.Geometry)}
	}
	return out
}

// testMuniTilesMatchSQL: the municipalities' overview tiles built from the
// read model carry the features of the SQL path's tiles (ST_AsMVT), with
// the same MVT ids and properties, their bounds within one tile unit and
// their areas within a tile unit of their outline, at zooms 6 to 11 over the real
// municipalities (the z10 tiles of bench/serving.sh among them), and are
// answered by the model.
func testMuniTilesMatchSQL(t *testing.T, db string) {
	ctx := context.Background()
	s := realMuniStore(t, pgtest.Schema(t, db))
	// Central-place indicators for two municipalities in three (the others
	// have none: null, left out of both tiles), with values that round in
	// every way.
	ms, err := s.Municipalities(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var vals []layers.IndicatorValue
	for i, m := range ms {
		if i%3 == 2 {
			continue
		}
		for j, k := range layers.CentreIndicatorKeys {
			vals = append(vals, layers.IndicatorValue{AGS: m.AGS, Key: k, Value: float64(i*7+j) * 0.1235})
		}
	}
	if _, err := s.ReplaceIndicators(ctx, layers.Seq(vals)); err != nil {
		t.Fatal(err)
	}
	if err := postgis.WaitMuniModel(ctx, s); err != nil {
		t.Fatal(err)
	}
	tiles := benchZ10Tiles()
	for _, z := range []maptile.Zoom{6, 7, 8, 9, 11} {
		for _, p := range []orb.Point{{13.74, 51.05}, {12.37, 51.34}, {14.99, 51.15}, {12.14, 50.50}} {
			tiles = append(tiles, maptile.At(p, z))
		}
	}
	before := postgis.ModelPages(s)
	features := 0
	for _, tl := range tiles {
		q := layers.TileQuery{Collection: layers.CollMunicipalities, Z: uint32(tl.Z), X: tl.X, Y: tl.Y,
			Properties: muniTileProps, Extent: 4096, Buffer: 64, MaxFeatures: 100_000}
		name := fmt.Sprintf("tile %d/%d/%d", tl.Z, tl.Y, tl.X)
		got, want := modelAndSQLTile(ctx, t, s, q)
		if got.Version != want.Version || got.Truncated || want.Truncated {
			t.Errorf("%s: version %q truncated %v, want %q %v", name, got.Version, got.Truncated, want.Version, want.Truncated)
		}
		g, w := decodeTile(t, name+" (model)", layers.CollMunicipalities, got.Data), decodeTile(t, name+" (SQL)", layers.CollMunicipalities, want.Data)
		features += compareTileFeatures(t, name, "municipality", g, w, 4)
	}
	if features < 400 {
		t.Errorf("%d features compared, want at least 400", features)
	}
	if served := postgis.ModelPages(s) - before; served != int64(len(tiles)) {
		t.Errorf("the read model answered %d of %d tiles", served, len(tiles))
	}
	// Filters, deeper zooms and other extents stay with SQL; they still work.
	for _, q := range []layers.TileQuery{
		{Collection: layers.CollMunicipalities, Z: 12, X: 2200, Y: 1373, Properties: muniTileProps, Extent: 4096, Buffer: 64, MaxFeatures: 10},
		{Collection: layers.CollMunicipalities, Z: 10, X: 550, Y: 343, Properties: muniTileProps, Extent: 512, Buffer: 8, MaxFeatures: 10},
	} {
		before := postgis.ModelPages(s)
		if _, err := s.Tile(ctx, q); err != nil {
			t.Errorf("Tile(%+v): %v", q, err)
		}
		if postgis.ModelPages(s) != before {
			t.Errorf("Tile(%+v) answered by the model", q)
		}
	}
	// MaxFeatures: the first by id, truncated.
	q := layers.TileQuery{Collection: layers.CollMunicipalities, Z: 8, X: 137, Y: 85, Properties: muniTileProps, Extent: 4096, Buffer: 64, MaxFeatures: 3}
	got, err := s.Tile(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	want, err := postgis.SQLTile(ctx, s, q)
	if err != nil {
		t.Fatal(err)
	}
	g, w := decodeTile(t, "truncated (model)", layers.CollMunicipalities, got.Data), decodeTile(t, "truncated (SQL)", layers.CollMunicipalities, want.Data)
	if !got.Truncated || !want.Truncated || len(g) != 3 || len(w) != 3 {
		t.Fatalf("truncated tile: model %d features (%v), SQL %d (%v)", len(g), got.Truncated, len(w), want.Truncated)
	}
	for id := range w {
		if _, ok := g[id]; !ok {
			t.Errorf("truncated tile: municipality %s missing from the model's", id)
		}
	}
}

// BenchmarkMuniTilesZ10 builds the z10 municipality tiles of
// bench/serving.sh (each once per iteration) by the SQL path (ST_AsMVT)
// and from the read model (its per-zoom geometries computed before the
// timer starts), on a store opened for serving as reach serve --db opens
// it.
func BenchmarkMuniTilesZ10(b *testing.B) {
	if err := pgtest.Available(); err != nil {
		b.Skip(err)
	}
	// As reach serve --db opens it: the versions kept by a listener.
	s := realMuniStore(b, pgtest.New(b), postgis.WithServingPool())
	benchZ10TilePaths(b, s, layers.CollMunicipalities, muniTileProps)
}

// benchZ10TilePaths builds the z10 tiles of bench/serving.sh of coll (each
// once per iteration) by the SQL path (ST_AsMVT) and by s.Tile, as
// sub-benchmarks "sql" and "model".
func benchZ10TilePaths(b *testing.B, s *postgis.Store, coll string, props []string) {
	ctx := context.Background()
	tiles := benchZ10Tiles()
	for _, path := range []struct {
		name string
		tile func(layers.TileQuery) (layers.Tile, error)
	}{
		{"sql", func(q layers.TileQuery) (layers.Tile, error) { return postgis.SQLTile(ctx, s, q) }},
		{"model", func(q layers.TileQuery) (layers.Tile, error) { return s.Tile(ctx, q) }},
	} {
		b.Run(path.name, func(b *testing.B) {
			bytes := 0
			run := func() {
				bytes = 0
				for _, tl := range tiles {
					t, err := path.tile(layers.TileQuery{Collection: coll, Z: 10, X: tl.X, Y: tl.Y,
						Properties: props, Extent: 4096, Buffer: 64, MaxFeatures: 100_000})
					if err != nil {
						b.Fatal(err)
					}
					bytes += len(t.Data)
				}
			}
			run()
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				run()
			}
			b.ReportMetric(float64(len(tiles)), "tiles/op")
			b.ReportMetric(float64(bytes)/float64(len(tiles)), "B/tile")
		})
	}
}

// compareTileFeatures holds the features of a tile built from a read model
// (g) to those of ST_AsMVT's (w): the same features but those that only
// touch the buffer's edge or are smaller than minArea tile units, the same
// MVT ids and properties, bounds within one tile unit and areas within a
// tile unit of their outline (simplified by half a unit and snapped to
// whole units, each side differently). It returns how many were compared.
func compareTileFeatures(t *testing.T, name, what string, g, w map[string]decodedFeature, minArea float64) int {
	t.Helper()
	inner := orb.Bound{Min: orb.Point{-62, -62}, Max: orb.Point{4158, 4158}}
	compared := 0
	for id, wf := range w {
		gf, ok := g[id]
		if !ok {
			if wf.bound.Intersects(inner) && wf.area > minArea {
				t.Errorf("%s: %s %s (at %v, area %.0f) missing", name, what, id, wf.bound, wf.area)
			}
			continue
		}
		compared++
		if fmt.Sprint(gf.id) != fmt.Sprint(wf.id) {
			t.Errorf("%s: %s %s has MVT id %v, want %v", name, what, id, gf.id, wf.id)
		}
		if len(gf.props) != len(wf.props) {
			t.Errorf("%s: %s %s has properties %v, want %v", name, what, id, gf.props, wf.props)
		}
		for k, v := range wf.props {
			if fmt.Sprint(gf.props[k]) != fmt.Sprint(v) {
				t.Errorf("%s: %s %s property %s = %v (%T), want %v (%T)", name, what, id, k, gf.props[k], gf.props[k], v, v)
			}
		}
		for i := range 2 {
			if math.Abs(gf.bound.Min[i]-wf.bound.Min[i]) > 1 || math.Abs(gf.bound.Max[i]-wf.bound.Max[i]) > 1 {
				t.Errorf("%s: %s %s spans %v, want %v", name, what, id, gf.bound, wf.bound)
				break
			}
		}
		if math.Abs(gf.area-wf.area) > wf.perim {
			t.Errorf("%s: %s %s has area %.0f, want %.0f", name, what, id, gf.area, wf.area)
		}
	}
	for id, gf := range g {
		if _, ok := w[id]; !ok && gf.bound.Intersects(inner) && gf.area > minArea {
			t.Errorf("%s: %s %s (at %v) only in the model's tile", name, what, id, gf.bound)
		}
	}
	return compared
}

// modelAndSQLTile returns tile q as the store answers it (from its read
// model where it can) and as ST_AsMVT builds it.
func modelAndSQLTile(ctx context.Context, t *testing.T, s *postgis.Store, q layers.TileQuery) (got, want layers.Tile) {
	t.Helper()
	want, err := postgis.SQLTile(ctx, s, q)
	if err != nil {
		t.Fatal(err)
	}
	if got, err = s.Tile(ctx, q); err != nil {
		t.Fatal(err)
	}
	return got, want
}
