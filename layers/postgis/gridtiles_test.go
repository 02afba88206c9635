package postgis_test

import (
	"bufio"
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"

	"reach/geo/crs"
	"reach/geo/grid"
	"reach/internal/pgtest"
	"reach/layers"
	"reach/layers/postgis"
)

// gridTileProps are the properties of the grid's overview tiles
// (httpapi's tileProperties below its detail zoom).
var gridTileProps = []string{"population", "secret"}

// benchTowns are the towns whose surroundings the grid of the tile tests
// holds: Dresden, Leipzig, Chemnitz.
var benchTowns = []orb.Point{{13.74, 51.05}, {12.37, 51.34}, {12.92, 50.83}}

// benchLikeCells are the 100 m cells of bench/serving.sh (the populated
// 1 km Zensus 2011 cells subdivided, the same fixed third kept, population
// spread evenly) around benchTowns, every 11th secret, with shares, a
// municipality and a year on some.
func benchLikeCells(tb testing.TB) []layers.Cell {
	tb.Helper()
	f, err := os.Open(filepath.Join(testData(tb), "grid", "zensus2011_1km_sachsen_epsg3035.csv"))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var cells []layers.Cell
	sc := bufio.NewScanner(f)
	for first := true; sc.Scan(); first = false {
		rec := strings.Split(sc.Text(), ",")
		if first || len(rec) < 4 {
			continue
		}
		xm, err1 := strconv.Atoi(rec[1])
		ym, err2 := strconv.Atoi(rec[2])
		pop, err3 := strconv.Atoi(rec[3])
		if err1 != nil || err2 != nil || err3 != nil || pop <= 0 {
			continue
		}
		ll, err := crs.Transform(crs.LAEA, crs.CRS84, orb.Point{float64(xm), float64(ym)})
		if err != nil {
			tb.Fatal(err)
		}
		near := false
		for _, t := range benchTowns {
			near = near || math.Abs(ll[0]-t[0]) < 0.45 && math.Abs(ll[1]-t[1]) < 0.3
		}
		if !near {
			continue
		}
		x0, y0 := xm-500, ym-500
		for i := range 10 {
			for j := range 10 {
				x, y := x0+100*i, y0+100*j
				if (x/100*7919+y/100*104729)%100 >= 34 {
					continue
				}
				id := grid.ID{ResolutionM: 100, North: y, East: x}
				c := layers.Cell{ID: id.LongString(), ResolutionM: 100, Population: int64(float64(pop)/34 + 0.5), Known: true}
				switch k := (x + y) / 100; {
				case k%11 == 0:
					c.Population, c.Known = 0, false
				case k%7 == 0:
					u, o := float64(k%100)/3, float64(k%50)/7
					c.ShareUnder18, c.Share65Plus, c.AGS, c.Year = &u, &o, "14612000", 2011
				}
				cells = append(cells, c)
			}
		}
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return cells
}

// gridStore returns a store with a read model holding cells, loaded.
func gridStore(tb testing.TB, url string, cells []layers.Cell, opts ...postgis.Option) *postgis.Store {
	tb.Helper()
	ctx := context.Background()
	s := modelStore(tb, url, opts...)
	if _, err := s.ReplaceCells(ctx, func(yield func(layers.Cell, error) bool) {
		for _, c := range cells {
			if !yield(c, nil) {
				return
			}
		}
	}); err != nil {
		tb.Fatal(err)
	}
	if err := postgis.WaitGridModel(ctx, s); err != nil {
		tb.Fatal(err)
	}
	return s
}

// testGridTilesMatchSQL: the grid's overview tiles built from the read
// model carry the cells of the SQL path's tiles (ST_AsMVT) with the same
// properties, their bounds within one tile unit and their areas within a
// tile unit of their outline, at zooms 8 to 10 (the z10 tiles of
// bench/serving.sh among them) over the cells of that benchmark around
// three towns, and are answered by the model; other zooms and tiles with
// more cells than asked for go to SQL.
func testGridTilesMatchSQL(t *testing.T, db string) {
	ctx := context.Background()
	s := gridStore(t, pgtest.Schema(t, db), benchLikeCells(t))
	tiles := benchZ10Tiles()
	seen := map[maptile.Tile]bool{}
	for _, z := range []maptile.Zoom{8, 9} {
		for _, p := range benchTowns {
			c := maptile.At(p, z)
			for _, tl := range []maptile.Tile{c, maptile.New(c.X+1, c.Y, z), maptile.New(c.X, c.Y+1, z)} {
				if !seen[tl] {
					seen[tl] = true
					tiles = append(tiles, tl)
				}
			}
		}
	}
	props := append([]string{"inspire_id", "resolution_m", "share_under_18", "share_65_plus", "ags", "year"}, gridTileProps...)
	before := postgis.ModelPages(s)
	features, truncated := 0, 0
	for k, tl := range tiles {
		q := layers.TileQuery{Collection: layers.CollPopulationGrid, Z: uint32(tl.Z), X: tl.X, Y: tl.Y,
			Properties: gridTileProps, Extent: 4096, Buffer: 64, MaxFeatures: 100_000}
		if k%9 == 0 {
			q.Properties = props
		}
		name := fmt.Sprintf("tile %d/%d/%d", tl.Z, tl.Y, tl.X)
		got, want := modelAndSQLTile(ctx, t, s, q)
		if got.Version != want.Version || got.Truncated != want.Truncated {
			t.Errorf("%s: version %q truncated %v, want %q %v", name, got.Version, got.Truncated, want.Version, want.Truncated)
		}
		if want.Truncated {
			truncated++ // more than MaxFeatures cells: SQL's, not the model's
		}
		g, w := decodeTile(t, name+" (model)", layers.CollPopulationGrid, got.Data), decodeTile(t, name+" (SQL)", layers.CollPopulationGrid, want.Data)
		features += compareTileFeatures(t, name, "cell", g, w, 2)
	}
	if features < 100_000 {
		t.Errorf("%d cells compared, want at least 100,000", features)
	}
	if served := postgis.ModelPages(s) - before; served != int64(len(tiles)-truncated) || truncated > 3 {
		t.Errorf("the read model answered %d of %d tiles, %d truncated", served, len(tiles), truncated)
	}
	// Deeper zooms, filters, other extents and more cells than MaxFeatures
	// stay with SQL; they still work, and the last is truncated.
	dresden := maptile.At(benchTowns[0], 10)
	for _, q := range []layers.TileQuery{
		{Collection: layers.CollPopulationGrid, Z: 11, X: 2 * dresden.X, Y: 2 * dresden.Y, Properties: gridTileProps, Extent: 4096, Buffer: 64, MaxFeatures: 100_000},
		{Collection: layers.CollPopulationGrid, Z: 7, X: dresden.X / 8, Y: dresden.Y / 8, Properties: gridTileProps, Extent: 4096, Buffer: 64, MaxFeatures: 100_000},
		{Collection: layers.CollPopulationGrid, Z: 10, X: dresden.X, Y: dresden.Y, Properties: gridTileProps, Extent: 512, Buffer: 8, MaxFeatures: 100_000},
		{Collection: layers.CollPopulationGrid, Z: 10, X: dresden.X, Y: dresden.Y, Properties: gridTileProps, Extent: 4096, Buffer: 64, MaxFeatures: 10},
	} {
		before := postgis.ModelPages(s)
		got, err := s.Tile(ctx, q)
		if err != nil {
			t.Errorf("Tile(%+v): %v", q, err)
		}
		if postgis.ModelPages(s) != before {
			t.Errorf("Tile(%+v) answered by the model", q)
		}
		// The first 10 cells by id near the tile, those in it written.
		if q.MaxFeatures == 10 {
			if n := len(decodeTile(t, "truncated", layers.CollPopulationGrid, got.Data)); !got.Truncated || n > 10 {
				t.Errorf("tile of 10 cells at most: truncated %v, %d cells", got.Truncated, n)
			}
		}
	}
}

// BenchmarkGridTilesZ10 builds the z10 grid tiles of bench/serving.sh (each
// once per iteration, over that script's cells around Dresden, Leipzig and
// Chemnitz) by the SQL path (ST_AsMVT) and from the read model, on a store
// opened as reach serve --db opens it.
func BenchmarkGridTilesZ10(b *testing.B) {
	if err := pgtest.Available(); err != nil {
		b.Skip(err)
	}
	s := gridStore(b, pgtest.New(b), benchLikeCells(b), postgis.WithServingPool())
	benchZ10TilePaths(b, s, layers.CollPopulationGrid, gridTileProps)
}
