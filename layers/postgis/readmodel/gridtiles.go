package readmodel

import (
	"math"
	"slices"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"reach/geo/crs"
	"reach/layers"
)

// The overview tiles of the grid (zoom MinGridTileZoom to MaxGridTileZoom)
// are built from the model: the cells whose square meets the tile (with
// its buffer) found in the row index, each square's corners projected to
// Web Mercator and then translated, snapped, clipped and encoded as the
// municipalities' are. The SQL path (one ST_AsMVT statement) transforms
// and clips each cell in PostgreSQL; around the cities a z10 tile holds
// 20,000 cells and more, and took far longer than the small ones.

const (
	// MaxGridTileZoom is the deepest zoom whose grid tiles the model
	// builds; deeper tiles hold few cells each and stay with SQL.
	MaxGridTileZoom = 10
	// MinGridTileZoom is the coarsest: below it a 100 m cell spans less
	// than about four tile units, where ST_AsMVTGeom's removal of points
	// closer than half a unit starts to shape the squares.
	MinGridTileZoom = 8
	// minCellUnits is the least span of a cell, in tile units, for which
	// the model builds a tile; a grid with smaller cells at that zoom goes
	// to SQL.
	minCellUnits = 3.5
)

// GridTile encodes the grid tile q from the model, as the store's SQL path
// does: the cells meeting the tile with its buffer, in id order, "id" and
// q.Properties (null values left out), no MVT id. ok is false when the
// model does not build it (filters, a zoom outside MinGridTileZoom to
// MaxGridTileZoom, another extent, an unknown property, cells too small
// at that zoom, or more cells near the tile than q.MaxFeatures, where SQL
// decides which come first).
func (g *Grid) GridTile(q layers.TileQuery) (t layers.Tile, ok bool, err error) {
	if q.Collection != layers.CollPopulationGrid || len(q.Filters) > 0 || q.Z < MinGridTileZoom || q.Z > MaxGridTileZoom ||
		q.Extent != tileExtent || q.Buffer < 0 || q.MaxFeatures < 1 || q.X >= 1<<q.Z || q.Y >= 1<<q.Z {
		return layers.Tile{}, false, nil
	}
	for _, p := range q.Properties {
		if !gridTileProperty[p] {
			return layers.Tile{}, false, nil
		}
	}
	scale := float64(uint64(tileExtent) << q.Z)
	buf := float64(q.Buffer)
	ox, oy := float64(uint64(q.X)*tileExtent), float64(uint64(q.Y)*tileExtent)
	// The tile with its buffer in lon/lat, its edges densified (8 segments
	// a side, as the SQL path's ST_Segmentize), and the rectangle in
	// EPSG:3035 around it: the cells to look at.
	lonLat := func(wx, wy float64) orb.Point {
		lon := wx/scale*360 - 180
		lat := math.Atan(math.Sinh(math.Pi*(1-2*wy/scale))) * 180 / math.Pi
		return orb.Point{lon, lat}
	}
	x0, y0, x1, y1 := ox-buf, oy-buf, ox+tileExtent+buf, oy+tileExtent+buf
	rect := orb.Bound{Min: orb.Point{math.Inf(1), math.Inf(1)}, Max: orb.Point{math.Inf(-1), math.Inf(-1)}}
	for i := 0; i <= 8; i++ {
		f := float64(i) / 8
		for _, w := range [4][2]float64{{x0 + f*(x1-x0), y0}, {x0 + f*(x1-x0), y1}, {x0, y0 + f*(y1-y0)}, {x1, y0 + f*(y1-y0)}} {
			p, err := crs.Transform(crs.CRS84, crs.LAEA, lonLat(w[0], w[1]))
			if err != nil {
				return layers.Tile{}, false, nil
			}
			rect = rect.Extend(p)
		}
	}
	// Units per metre at the tile's southern edge (the smallest there).
	south := lonLat(ox, y1)
	unitM := 2 * math.Pi * 6378137 * math.Cos(south[1]*math.Pi/180) / scale
	var cells []int32
	for _, ix := range g.byRes {
		r := float64(ix.res)
		if r/unitM < minCellUnits {
			return layers.Tile{}, false, nil
		}
		// One cell more on each side than the SQL path's rectangle: the
		// count below is then at least the SQL path's.
		outer := orb.Bound{Min: orb.Point{rect.Min[0] - r, rect.Min[1] - r}, Max: orb.Point{rect.Max[0] + r, rect.Max[1] + r}}
		clamp := func(v float64) float64 { return math.Max(0, math.Min(v, math.MaxInt32)) }
		n0 := int64(clamp(math.Ceil((outer.Min[1]-r)/r) * r))
		n1 := int64(clamp(math.Floor(outer.Max[1]/r) * r))
		e0 := int32(clamp(math.Ceil((outer.Min[0]-r)/r) * r))
		e1 := int32(clamp(math.Floor(outer.Max[0]/r) * r))
		for north := n0; north <= n1 && e0 <= e1; north += int64(ix.res) {
			from, to := cellKey(int32(north), e0), cellKey(int32(north), e1)
			j, _ := slices.BinarySearch(ix.keys, from)
			for ; j < len(ix.keys) && ix.keys[j] <= to; j++ {
				cells = append(cells, ix.pos[j])
			}
			if len(cells) > q.MaxFeatures {
				return layers.Tile{}, false, nil // SQL picks the first by id
			}
		}
	}
	slices.Sort(cells) // id order, as ST_AsMVT gets them
	box := orb.Bound{Min: orb.Point{-buf, -buf}, Max: orb.Point{tileExtent + buf, tileExtent + buf}}
	world := orb.Bound{Min: orb.Point{x0, y0}, Max: orb.Point{x1, y1}}
	feats := make([]*geojson.Feature, 0, len(cells))
	var idBuf []byte
	for _, i := range cells {
		b := g.bound(i)
		var ring orb.Ring = make(orb.Ring, 5)
		for k, c := range [4]orb.Point{b.Min, {b.Max[0], b.Min[1]}, b.Max, {b.Min[0], b.Max[1]}} {
			var ll orb.Point
			if k == 0 {
				ll = g.ll[i]
			} else if ll, err = crs.Transform(crs.LAEA, crs.CRS84, c); err != nil {
				return layers.Tile{}, false, nil
			}
			ring[k] = mercator(ll, scale)
		}
		ring[4] = ring[0]
		if !ring.Bound().Intersects(world) {
			continue
		}
		geom := tileGeometry(orb.MultiPolygon{{ring}}, ox, oy, box)
		if geom == nil {
			continue
		}
		idBuf = g.appendID(idBuf[:0], i)
		f := &geojson.Feature{Type: "Feature", Geometry: geom, Properties: make(geojson.Properties, len(q.Properties)+1)}
		f.Properties["id"] = string(idBuf)
		for _, name := range q.Properties {
			if v := g.tileValue(i, name, string(idBuf)); v != nil {
				f.Properties[name] = v
			}
		}
		feats = append(feats, f)
	}
	t.Version = g.version
	if t.Data, err = encodeTile(q, feats, "grid"); err != nil {
		return layers.Tile{}, false, err
	}
	return t, true, nil
}

// gridTileProperty are the properties GridTile writes (those of the SQL
// path's table).
var gridTileProperty = map[string]bool{
	"inspire_id": true, "resolution_m": true, "population": true, "secret": true,
	"share_under_18": true, "share_65_plus": true, "ags": true, "year": true,
}

// tileValue is the value of property name of cell i in a tile, nil for
// NULL; id is the cell's id.
func (g *Grid) tileValue(i int32, name, id string) any {
	switch name {
	case "inspire_id":
		return id
	case "resolution_m":
		return int64(g.resList[g.resIdx[i]])
	case "population":
		if g.pop[i] < 0 {
			return nil
		}
		return int64(g.pop[i])
	case "secret":
		return g.pop[i] < 0
	case "share_under_18":
		if math.IsNaN(g.u18[i]) {
			return nil
		}
		return g.u18[i]
	case "share_65_plus":
		if math.IsNaN(g.o65[i]) {
			return nil
		}
		return g.o65[i]
	case "ags":
		if g.ags[i] == 0 {
			return nil
		}
		return g.agsName[g.ags[i]]
	case "year":
		if g.year[i] == 0 {
			return nil
		}
		return int64(g.year[i])
	}
	return nil
}
