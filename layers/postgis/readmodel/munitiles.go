package readmodel

import (
	"fmt"
	"math"
	"strings"
	"sync"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/clip"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/simplify"

	"reach/layers"
)

// The overview tiles of the municipalities (zoom 0 to MaxTileZoom) are
// built from the model: per zoom, once per layer version, each
// municipality's geometry in Web Mercator, in the tile units of that zoom
// (tileExtent per tile), simplified by half a tile unit; a tile then only
// translates, snaps, clips and encodes the municipalities whose bound meets
// it. The SQL path (ST_AsMVT) transforms and clips every municipality's
// whole geometry for each tile.

const (
	// MaxTileZoom is the deepest zoom whose municipality tiles the model
	// builds; deeper tiles carry more detail than a simplification per
	// zoom is worth (and are few per municipality).
	MaxTileZoom = 11
	// tileExtent is the only extent the model encodes (mvt.DefaultExtent).
	tileExtent = mvt.DefaultExtent
	// tileTolerance is the Douglas-Peucker tolerance of the precomputed
	// geometries, in tile units.
	tileTolerance = 0.5
)

// muniZoom is the municipalities at one zoom: geometries in the tile units
// of that zoom (x east, y south from the north-west corner of the world)
// and their bounds; nil geometries for features without one.
type muniZoom struct {
	once   sync.Once
	geoms  []orb.MultiPolygon
	bounds []orb.Bound
}

// zoom returns the municipalities at zoom z (at most MaxTileZoom),
// computing them on the first call.
func (g *Munis) zoom(z uint32) *muniZoom {
	mz := &g.zooms[z]
	mz.once.Do(func() {
		scale := float64(uint64(tileExtent) << z)
		dp := simplify.DouglasPeucker(tileTolerance)
		mz.geoms = make([]orb.MultiPolygon, len(g.feats))
		mz.bounds = make([]orb.Bound, len(g.feats))
		for i, f := range g.feats {
			var mp orb.MultiPolygon
			switch geom := f.Geometry.(type) {
			case orb.MultiPolygon:
				mp = geom
			case orb.Polygon:
				mp = orb.MultiPolygon{geom}
			default:
				continue
			}
			out := make(orb.MultiPolygon, 0, len(mp))
			for _, p := range mp {
				var q orb.Polygon
				for k, r := range p {
					w := make(orb.Ring, len(r))
					for j, pt := range r {
						w[j] = mercator(pt, scale)
					}
					w = dp.Ring(w)
					if len(w) < 4 {
						if k == 0 {
							break // the exterior vanished: the holes go with it
						}
						continue
					}
					q = append(q, w)
				}
				if len(q) > 0 {
					out = append(out, q)
				}
			}
			if len(out) > 0 {
				mz.geoms[i], mz.bounds[i] = out, out.Bound()
			}
		}
	})
	return mz
}

// mercator returns the lon/lat point p in Web Mercator, scaled so that the
// world spans [0, scale] in both axes, y growing south.
func mercator(p orb.Point, scale float64) orb.Point {
	const maxLat = 85.0511287798066
	lat := math.Max(-maxLat, math.Min(maxLat, p[1]))
	x := (p[0] + 180) / 360
	s := math.Sin(lat * math.Pi / 180)
	y := 0.5 - math.Log((1+s)/(1-s))/(4*math.Pi)
	return orb.Point{x * scale, y * scale}
}

// Tile encodes the municipality tile q from the model, as the store's SQL
// path does (the features meeting the tile with its buffer, by id, the
// first q.MaxFeatures, "id" and q.Properties, null values left out, the
// MVT id the municipality key); ok is false when the model does not build
// it (filters, a zoom beyond MaxTileZoom, another extent, a property that
// is no scalar).
func (g *Munis) Tile(q layers.TileQuery) (t layers.Tile, ok bool, err error) {
	if q.Collection != layers.CollMunicipalities || len(q.Filters) > 0 || q.Z > MaxTileZoom || q.Extent != tileExtent ||
		q.Buffer < 0 || q.MaxFeatures < 1 || q.X >= 1<<q.Z || q.Y >= 1<<q.Z {
		return layers.Tile{}, false, nil
	}
	mz := g.zoom(q.Z)
	buf := float64(q.Buffer)
	ox, oy := float64(uint64(q.X)*tileExtent), float64(uint64(q.Y)*tileExtent)
	box := orb.Bound{Min: orb.Point{-buf, -buf}, Max: orb.Point{tileExtent + buf, tileExtent + buf}}
	world := orb.Bound{Min: orb.Point{ox - buf, oy - buf}, Max: orb.Point{ox + tileExtent + buf, oy + tileExtent + buf}}
	var feats []*geojson.Feature
	for i, mp := range mz.geoms {
		if mp == nil || !mz.bounds[i].Intersects(world) {
			continue
		}
		geom := tileGeometry(mp, ox, oy, box)
		if geom == nil {
			continue
		}
		if len(feats) == q.MaxFeatures {
			t.Truncated = true
			break
		}
		f, ok := g.tileFeature(i, q.Properties)
		if !ok {
			return layers.Tile{}, false, nil
		}
		f.Geometry = geom
		feats = append(feats, f)
	}
	t.Version = g.version
	if t.Data, err = encodeTile(q, feats, "municipality"); err != nil {
		return layers.Tile{}, false, err
	}
	return t, true, nil
}

// encodeTile encodes feats as the one layer of tile q, named after its
// collection (orb's encoding/mvt, version 2, extent tileExtent); no
// features give no data, as ST_AsMVT of no rows. what names the tile in
// errors.
func encodeTile(q layers.TileQuery, feats []*geojson.Feature, what string) ([]byte, error) {
	if len(feats) == 0 {
		return nil, nil
	}
	layer := &mvt.Layer{Name: q.Collection, Version: 2, Extent: tileExtent, Features: feats}
	data, err := mvt.Marshal(mvt.Layers{layer})
	if err != nil {
		return nil, fmt.Errorf("postgis: encode %s tile %d/%d/%d: %w", what, q.Z, q.Y, q.X, err)
	}
	return data, nil
}

// tileFeature is feature i with "id" and props; ok is false for a property
// whose value is no MVT scalar.
func (g *Munis) tileFeature(i int, props []string) (*geojson.Feature, bool) {
	f := g.feats[i]
	out := &geojson.Feature{Type: "Feature", Properties: make(geojson.Properties, len(props)+1)}
	out.Properties["id"] = f.ID
	if allDigits(f.ID) {
		var n uint64
		for _, c := range f.ID {
			n = n*10 + uint64(c-'0')
		}
		out.ID = n
	}
	for _, name := range props {
		var v any
		found := false
		for _, p := range f.Properties {
			if p.Name == name {
				v, found = p.Value, true
				break
			}
		}
		if !found {
			return nil, false
		}
		switch x := v.(type) {
		case nil:
		case string, bool, int64, float64, int:
			out.Properties[name] = x
		case []string:
			out.Properties[name] = strings.Join(x, ",")
		default:
			return nil, false
		}
	}
	return out, true
}

// allDigits reports whether s is a non-empty decimal number of at most 18
// digits (an MVT id).
func allDigits(s string) bool {
	if s == "" || len(s) > 18 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// tileGeometry is mp (in world tile units) in the tile whose north-west
// corner is (ox, oy), snapped to whole units, clipped to box, rings of
// fewer than 4 points or no area dropped, exterior rings counter-clockwise
// by the surveyor's formula in tile coordinates (y down) and holes the
// other way, as the vector tile specification 2.x wants; nil when nothing
// is left.
func tileGeometry(mp orb.MultiPolygon, ox, oy float64, box orb.Bound) orb.Geometry {
	var out orb.MultiPolygon
	for _, p := range mp {
		var q orb.Polygon
		for k, r := range p {
			w := make(orb.Ring, len(r))
			for j, pt := range r {
				w[j] = orb.Point{math.Round(pt[0] - ox), math.Round(pt[1] - oy)}
			}
			if !w.Bound().Intersects(box) {
				if k == 0 {
					break
				}
				continue
			}
			w = clip.Ring(box, w)
			w = snapRing(w)
			if len(w) < 4 || w.Orientation() == 0 {
				if k == 0 {
					break
				}
				continue
			}
			want := orb.CW
			if k == 0 {
				want = orb.CCW
			}
			if w.Orientation() != want {
				w.Reverse()
			}
			q = append(q, w)
		}
		if len(q) > 0 {
			out = append(out, q)
		}
	}
	switch len(out) {
	case 0:
		return nil
	case 1:
		return out[0]
	}
	return out
}

// snapRing rounds the points the clip added and drops repeated points and
// points on a straight line between their neighbours (among them the tips
// of the zero-width spikes the clip leaves along the box's edges), in
// place; the ring comes back closed.
func snapRing(r orb.Ring) orb.Ring {
	straight := func(a, b, c orb.Point) bool {
		return (b[0]-a[0])*(c[1]-a[1])-(b[1]-a[1])*(c[0]-a[0]) == 0
	}
	out := r[:0]
	for _, p := range r {
		p = orb.Point{math.Round(p[0]), math.Round(p[1])}
		if len(out) > 0 && out[len(out)-1] == p {
			continue
		}
		for len(out) >= 2 && straight(out[len(out)-2], out[len(out)-1], p) {
			out = out[:len(out)-1]
		}
		out = append(out, p)
	}
	// Open the ring, then drop straight points around its start.
	if len(out) > 1 && out[0] == out[len(out)-1] {
		out = out[:len(out)-1]
	}
	start := 0
	for changed := true; changed && len(out)-start >= 3; {
		changed = false
		n := len(out)
		if straight(out[n-2], out[n-1], out[start]) {
			out, changed = out[:n-1], true
		} else if straight(out[n-1], out[start], out[start+1]) {
			start, changed = start+1, true
		}
	}
	out = out[start:]
	if len(out) > 0 {
		out = append(out, out[0])
	}
	return out
}
