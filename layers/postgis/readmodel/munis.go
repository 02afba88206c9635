package readmodel

import (
	"fmt"

	"github.com/paulmach/orb"

	"reach/geo/crs"
	"reach/geo/spatial"
	"reach/layers"
	"reach/layers/query"
)

// The municipalities are served from a read model too: the features of one
// layer version (indicators included: their changes bump the version), as
// the SQL path builds them, with the bound of each stored geometry. Pages
// are the SQL path's: same features and order, same cursors and
// numberMatched rules, the bbox exact per ST_Intersects in the box's CRS; a
// feature within gridEps of a box edge, a filter or a cursor that is no id
// of the version goes to PostgreSQL.

// Munis is one version of the municipalities in memory, in the order
// of ORDER BY ags (checked to be the byte order).
type Munis struct {
	version string
	feats   []layers.Feature
	bounds  []orb.Bound // of the stored geometry (EPSG:25833); empty without one
	hasGeom []bool
	bytes   int64
	// zooms: the geometries of the overview tiles, per zoom (munitiles.go).
	zooms [MaxTileZoom + 1]muniZoom
}

// NewMunis holds feats, the municipalities of version in the order of
// ORDER BY ags as the store's SQL path builds them, as a model. It refuses
// an order that is not the byte order of the ids and a feature with a
// geometry but not its stored one in EPSG:25833.
func NewMunis(version string, feats []layers.Feature) (*Munis, error) {
	fs := feats
	g := &Munis{version: version, feats: fs, bounds: make([]orb.Bound, len(fs)), hasGeom: make([]bool, len(fs))}
	for i, f := range fs {
		if i > 0 && f.ID <= fs[i-1].ID {
			return nil, fmt.Errorf("%w: the database orders %q after %q", ErrNoModel, f.ID, fs[i-1].ID)
		}
		g.bytes += 1024
		if f.Geometry != nil && f.Stored != nil && f.StoredCRS == crs.UTM33N {
			g.bounds[i], g.hasGeom[i] = f.Stored.Bound(), true
			if mp, ok := f.Stored.(orb.MultiPolygon); ok {
				for _, p := range mp {
					for _, r := range p {
						// stored and served, and the overview tiles' geometries
						// (simplified per zoom: about two zooms at full detail)
						g.bytes += int64(len(r)) * 64
					}
				}
			}
		} else if f.Geometry != nil {
			return nil, fmt.Errorf("%w: municipality %q without its stored geometry", ErrNoModel, f.ID)
		}
	}
	return g, nil
}

// matches returns the indexes of the features meeting q's box; ok is false
// when one lies within gridEps of the box's edge.
func (g *Munis) matches(q layers.ItemsQuery) (out []int, ok bool) {
	all := func(withGeom bool) []int {
		for i := range g.feats {
			if !withGeom || g.hasGeom[i] {
				out = append(out, i)
			}
		}
		return out
	}
	if q.BBox == nil {
		return all(false), true
	}
	p, err := query.PlanBox(*q.BBox, q.BBoxCRS, crs.UTM33N, crs.UTM33N)
	if err != nil {
		return nil, false
	}
	switch {
	case p.All:
		return all(true), true
	case p.None:
		return nil, true
	}
	eps := gridEps(p.CRS)
	lo := orb.Bound{Min: orb.Point{p.Box.Min[0] + eps, p.Box.Min[1] + eps}, Max: orb.Point{p.Box.Max[0] - eps, p.Box.Max[1] - eps}}
	hi := orb.Bound{Min: orb.Point{p.Box.Min[0] - eps, p.Box.Min[1] - eps}, Max: orb.Point{p.Box.Max[0] + eps, p.Box.Max[1] + eps}}
	loValid := lo.Min[0] <= lo.Max[0] && lo.Min[1] <= lo.Max[1]
	for i, f := range g.feats {
		if !g.hasGeom[i] || !g.bounds[i].Intersects(p.Outer) {
			continue
		}
		if !p.Same && p.HasInner && within(g.bounds[i], p.Inner) {
			out = append(out, i)
			continue
		}
		// The geometry in the box's CRS, vertex by vertex.
		var geom orb.Geometry
		switch p.CRS {
		case crs.UTM33N:
			geom = f.Stored
		case crs.CRS84:
			geom = f.Geometry
		default:
			geom, err = crs.Project(f.Stored, crs.UTM33N, p.CRS)
			if err != nil {
				return nil, false
			}
		}
		if loValid && spatial.Intersects(geom, lo) {
			out = append(out, i)
			continue
		}
		if spatial.Intersects(geom, hi) {
			return nil, false
		}
	}
	return out, true
}

// Items answers q from the model; ok is false when PostgreSQL must answer.
func (g *Munis) Items(q layers.ItemsQuery) (layers.Page, bool) {
	sel, ok := g.matches(q)
	if !ok {
		return layers.Page{}, false
	}
	start := 0
	if q.After != "" {
		k := -1
		for i, f := range g.feats {
			if f.ID == q.After {
				k = i
				break
			}
		}
		if k < 0 {
			return layers.Page{}, false
		}
		for start < len(sel) && sel[start] <= k {
			start++
		}
	}
	end := min(start+q.Limit, len(sel))
	// Never nil, as the SQL path's municipalities.
	p := layers.Page{Version: g.version, NumberMatched: -1, Features: make([]layers.Feature, 0, max(end-start, 0))}
	for _, i := range sel[start:end] {
		f := g.feats[i]
		// The page's own properties and geometries: callers may change
		// them (tiles are projected in place).
		f.Properties = append([]layers.Property(nil), f.Properties...)
		if f.Geometry != nil {
			f.Geometry = orb.Clone(f.Geometry)
		}
		if f.Stored != nil {
			f.Stored = orb.Clone(f.Stored)
		}
		p.Features = append(p.Features, f)
	}
	if end < len(sel) && end > start {
		p.Next = p.Features[len(p.Features)-1].ID
	}
	switch {
	case q.After == "" && p.Next == "":
		p.NumberMatched = len(p.Features)
	case q.BBox == nil:
		p.NumberMatched = len(g.feats)
	}
	return p, true
}
