package ogcapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/maptile"
	"github.com/paulmach/orb/simplify"

	"reach/internal/httpapi/reply"
	"reach/internal/ogc"
	"reach/layers"
)

// Vector tile parameters.
const (
	// MaxTileZoom is the deepest tile matrix of WebMercatorQuad.
	MaxTileZoom = 24
	// tileBuffer is the margin kept around a tile, in tile units (of
	// mvt.DefaultExtent = 4096), so that lines and polygons continue
	// seamlessly across tile edges.
	tileBuffer = 64
	// maxTileFeatures bounds the features read for one tile; beyond it the
	// tile is served with the first maxTileFeatures by id and the header
	// Reach-Tile-Truncated: true (zoom in for the rest).
	maxTileFeatures = 100_000
)

// parseTileIndex reads one tile index path segment.
func parseTileIndex(name, s string, max uint64) (uint32, error) {
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil {
		return 0, ogc.ParamError{Name: name, Value: s, Reason: "not a non-negative integer"}
	}
	if n > max {
		return 0, reply.NotFound(fmt.Sprintf("httpapi: %s %d is outside the tile matrix (0 to %d)", name, n, max),
			name, s, fmt.Sprintf("outside the tile matrix (0 to %d)", max))
	}
	return uint32(n), nil
}

// Tile answers a vector tile of a collection in WebMercatorQuad.
func (s *Server) Tile(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	z, err := parseTileIndex("tileMatrix", reply.URLParam(r, "tileMatrix"), MaxTileZoom)
	if err != nil {
		s.reply.Fail(w, r, err, http.StatusBadRequest)
		return
	}
	last := uint64(1)<<z - 1
	y, err := parseTileIndex("tileRow", reply.URLParam(r, "tileRow"), last)
	if err != nil {
		s.reply.Fail(w, r, err, http.StatusBadRequest)
		return
	}
	x, err := parseTileIndex("tileCol", reply.URLParam(r, "tileCol"), last)
	if err != nil {
		s.reply.Fail(w, r, err, http.StatusBadRequest)
		return
	}
	id := reply.URLParam(r, "collectionId")
	src, coll, err := s.resolve(ctx, id)
	if err != nil {
		s.reply.Fail(w, r, collErr(id, err), http.StatusBadRequest)
		return
	}
	filters, err := tileFilters(r.URL.Query(), coll)
	if err != nil {
		s.reply.Fail(w, r, err, http.StatusBadRequest)
		return
	}
	// An encoded tile of a versioned collection is kept under the version.
	tileKey := func(version string) string {
		return "tile\x00" + id + "\x00" + version + "\x00" + strconv.Itoa(int(z)) + "/" + strconv.Itoa(int(y)) + "/" +
			strconv.Itoa(int(x)) + "\x00" + r.URL.Query().Encode()
	}
	const tileCacheControl = "public, max-age=300"
	if coll.Version != "" {
		if hit, ok := s.cache.get(tileKey(coll.Version)); ok {
			hit.write(w, r, tileCacheControl)
			return
		}
	}
	release, err := s.gate.enter(ctx)
	if err != nil {
		s.reply.Fail(w, r, err, http.StatusBadRequest)
		return
	}
	defer release()
	var data []byte
	var version string
	var truncated bool
	ts, ok := src.(layers.TileSource)
	if ok {
		var t layers.Tile
		t, err = ts.Tile(ctx, layers.TileQuery{Collection: id, Z: z, X: x, Y: y, Filters: filters,
			Properties: tileProperties(coll, z), Extent: mvt.DefaultExtent, Buffer: tileBuffer, MaxFeatures: maxTileFeatures})
		data, version, truncated = t.Data, t.Version, t.Truncated
		ok = !errors.Is(err, layers.ErrTileUnsupported)
	}
	if !ok {
		data, version, truncated, err = itemsTile(ctx, src, id, z, x, y, filters)
	}
	if err != nil {
		s.reply.Fail(w, r, err, http.StatusBadRequest)
		return
	}
	if version != coll.Version {
		version = "" // the collection changed while the tile was read: not cached
	}
	resp := newCachedResponse(tileKey(version), ogc.MediaMVT, data)
	resp.truncated = truncated
	if version != "" {
		s.cache.put(resp)
	}
	release()
	resp.write(w, r, tileCacheControl)
}

// tileProperties are the properties the tiles of zoom z carry (besides
// "id"), as tileFeature keeps them.
func tileProperties(c layers.Collection, z uint32) []string {
	var out []string
	for _, p := range c.Properties {
		if p.Type == "object" || z < detailZoom && !overviewProperties[p.Name] {
			continue
		}
		out = append(out, p.Name)
	}
	return out
}

// itemsTile builds a tile from pages of Items, for stores that do not
// encode tiles themselves (the memory store, collections without a tile
// query). version is "" when the collection changed between the pages.
func itemsTile(ctx context.Context, src layers.FeatureSource, id string, z, x, y uint32, filters map[string]string) (data []byte, version string, truncated bool, err error) {
	t := maptile.New(x, y, maptile.Zoom(z))
	bound := t.Bound(float64(tileBuffer) / mvt.DefaultExtent)
	fc := geojson.NewFeatureCollection()
	q := layers.ItemsQuery{Collection: id, BBox: &bound, Limit: ogc.MaxLimit, Filters: filters}
	for first := true; ; first = false {
		page, err := src.Items(ctx, q)
		if err != nil {
			return nil, "", false, err
		}
		if first {
			version = page.Version
		} else if page.Version != version {
			version = ""
		}
		for _, f := range page.Features {
			if f.Geometry == nil {
				continue
			}
			fc.Append(tileFeature(f, z))
		}
		if page.Next == "" {
			break
		}
		if len(fc.Features) >= maxTileFeatures {
			truncated = true
			break
		}
		q.After = page.Next
	}
	layer := mvt.NewLayer(id, fc)
	layer.ProjectToTile(t)
	layer.Clip(orb.Bound{Min: orb.Point{-tileBuffer, -tileBuffer}, Max: orb.Point{mvt.DefaultExtent + tileBuffer, mvt.DefaultExtent + tileBuffer}})
	layer.Simplify(simplify.DouglasPeucker(1.0))
	layer.RemoveEmpty(1.0, 1.0)
	orientRings(layer)
	layer.Version = 2
	data, err = mvt.Marshal(mvt.Layers{layer})
	if err != nil {
		return nil, "", false, fmt.Errorf("httpapi: encode tile %d/%d/%d of %q: %w", z, y, x, id, err)
	}
	return data, version, truncated, nil
}

// orientRings puts polygon rings in the winding order of the vector tile
// specification 2.x: in tile coordinates (y down) an exterior ring has a
// positive area by the surveyor's formula (orb.CCW), an interior ring a
// negative one. Source rings may come in either order.
func orientRings(l *mvt.Layer) {
	fix := func(p orb.Polygon) {
		for i, r := range p {
			want := orb.CW
			if i == 0 {
				want = orb.CCW
			}
			if o := r.Orientation(); o != 0 && o != want {
				r.Reverse()
			}
		}
	}
	for _, f := range l.Features {
		switch g := f.Geometry.(type) {
		case orb.Polygon:
			fix(g)
		case orb.MultiPolygon:
			for _, p := range g {
				fix(p)
			}
		}
	}
}

// tileFilters reads the collection's property filters from a tile request
// (the same ?name=value filters as items; no other parameters).
func tileFilters(q url.Values, c layers.Collection) (map[string]string, error) {
	var allowed []string
	for _, p := range c.Properties {
		if p.Filterable {
			allowed = append(allowed, p.Name)
		}
	}
	if err := ogc.CheckOnly(q, allowed...); err != nil {
		return nil, err
	}
	if len(q) == 0 {
		return nil, nil
	}
	out := make(map[string]string, len(q))
	var errs ogc.ParamErrors
	for _, p := range c.Properties {
		v, ok := q[p.Name]
		if !ok || !p.Filterable {
			continue
		}
		if err := ogc.CheckFilterValue(p, v[0]); err != nil {
			errs = append(errs, err.(ogc.ParamError))
			continue
		}
		out[p.Name] = v[0]
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return out, nil
}

// detailZoom is the first zoom whose tiles carry every scalar property and
// the arrays; below it tiles carry only what the map styles and labels by
// (overviewProperties).
const detailZoom = 12

// overviewProperties are the properties kept in tiles below detailZoom:
// what the map styles and labels by, and the municipalities' central-place
// indicators, which its popups show at every zoom.
var overviewProperties = func() map[string]bool {
	m := map[string]bool{
		"name": true, "title": true, "population": true, "secret": true, "level": true, "level_rank": true,
		"category": true, "kind": true, "status": true, "highway": true, "seconds": true, "reached": true,
		"minutes": true, "colour": true, "degurba": true, "density": true,
	}
	for _, k := range layers.CentreIndicatorKeys {
		m[k] = true
	}
	return m
}()

// tileFeature converts a feature for a vector tile of zoom z. MVT values are
// scalars: arrays are joined with commas (from detailZoom on), objects such
// as the indicators are left out (they would be JSON blobs; the feature's
// item has them), nulls too. The feature id is kept as the "id" property
// (MVT ids are integers).
func tileFeature(f layers.Feature, z uint32) *geojson.Feature {
	g := geojson.NewFeature(f.Geometry)
	if n, err := strconv.ParseUint(f.ID, 10, 64); err == nil {
		g.ID = n
	}
	g.Properties["id"] = f.ID
	for _, p := range f.Properties {
		if z < detailZoom && !overviewProperties[p.Name] {
			continue
		}
		switch v := p.Value.(type) {
		case string, bool, int64, float64, int:
			g.Properties[p.Name] = v
		case []string:
			g.Properties[p.Name] = strings.Join(v, ",")
		}
	}
	return g
}

// TileMatrixSet is a minimal description of WebMercatorQuad (OGC Two
// Dimensional Tile Matrix Set, EPSG:3857, 256-pixel tiles, origin top left).
func (s *Server) TileMatrixSet(w http.ResponseWriter, r *http.Request) {
	if err := ogc.CheckOnly(r.URL.Query(), "f"); err != nil {
		s.reply.Fail(w, r, err, http.StatusBadRequest)
		return
	}
	const (
		origin     = 20037508.3427892
		scale0     = 559082264.028717 // scale denominator of matrix 0 at 0.28 mm pixels
		cellSize0  = 156543.033928041 // metres per pixel at matrix 0
		tileWidth  = 256
		tileHeight = 256
	)
	type matrix struct {
		ID               string     `json:"id"`
		ScaleDenominator float64    `json:"scaleDenominator"`
		CellSize         float64    `json:"cellSize"`
		CornerOfOrigin   string     `json:"cornerOfOrigin"`
		PointOfOrigin    [2]float64 `json:"pointOfOrigin"`
		TileWidth        int        `json:"tileWidth"`
		TileHeight       int        `json:"tileHeight"`
		MatrixWidth      uint64     `json:"matrixWidth"`
		MatrixHeight     uint64     `json:"matrixHeight"`
	}
	ms := make([]matrix, 0, MaxTileZoom+1)
	for z := 0; z <= MaxTileZoom; z++ {
		f := float64(uint64(1) << z)
		ms = append(ms, matrix{ID: strconv.Itoa(z), ScaleDenominator: scale0 / f, CellSize: cellSize0 / f,
			CornerOfOrigin: "topLeft", PointOfOrigin: [2]float64{-origin, origin},
			TileWidth: tileWidth, TileHeight: tileHeight, MatrixWidth: uint64(1) << z, MatrixHeight: uint64(1) << z})
	}
	s.reply.WriteDoc(w, r, map[string]any{
		"id":           "WebMercatorQuad",
		"title":        "Google Maps Compatible for the World",
		"uri":          "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad",
		"crs":          "http://www.opengis.net/def/crs/EPSG/0/3857",
		"orderedAxes":  []string{"E", "N"},
		"tileMatrices": ms,
		"links": []ogc.Link{{Href: reply.BaseURL(s.deps.BaseURL, r) + "/tileMatrixSets/WebMercatorQuad", Rel: "self", Type: ogc.MediaJSON,
			Title: "this tile matrix set"}},
	})
}

// webMercatorQuadURI names the one tile matrix set served.
const webMercatorQuadURI = "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad"

// TileMatrixSets lists the tile matrix sets (only WebMercatorQuad).
func (s *Server) TileMatrixSets(w http.ResponseWriter, r *http.Request) {
	if err := ogc.CheckOnly(r.URL.Query(), "f"); err != nil {
		s.reply.Fail(w, r, err, http.StatusBadRequest)
		return
	}
	b := reply.BaseURL(s.deps.BaseURL, r)
	s.reply.WriteDoc(w, r, map[string]any{
		"tileMatrixSets": []map[string]any{{
			"id": "WebMercatorQuad", "title": "Google Maps Compatible for the World", "uri": webMercatorQuadURI,
			"crs":   "http://www.opengis.net/def/crs/EPSG/0/3857",
			"links": []ogc.Link{{Href: b + "/tileMatrixSets/WebMercatorQuad", Rel: "self", Type: ogc.MediaJSON, Title: "WebMercatorQuad"}},
		}},
		"links": []ogc.Link{{Href: b + "/tileMatrixSets", Rel: "self", Type: ogc.MediaJSON, Title: "tile matrix sets"}},
	})
}

// tilesetLinks are the links of the collection's one tileset.
func tilesetLinks(b, esc string) []ogc.Link {
	ts := b + "/collections/" + esc + "/tiles/WebMercatorQuad"
	return []ogc.Link{
		{Href: ts, Rel: "self", Type: ogc.MediaJSON, Title: "tileset metadata"},
		{Href: ts + "?f=tilejson", Rel: "alternate", Type: ogc.MediaJSON, Title: "TileJSON"},
		{Href: b + "/tileMatrixSets/WebMercatorQuad", Rel: "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme", Type: ogc.MediaJSON, Title: "WebMercatorQuad"},
		{Href: ts + "/{tileMatrix}/{tileRow}/{tileCol}", Rel: "item", Type: ogc.MediaMVT, Title: "vector tiles", Templated: true},
		{Href: b + "/collections/" + esc, Rel: "collection", Type: ogc.MediaJSON, Title: "the collection"},
	}
}

// Tilesets lists the tilesets of a collection (one, in WebMercatorQuad).
func (s *Server) Tilesets(w http.ResponseWriter, r *http.Request) {
	if err := ogc.CheckOnly(r.URL.Query(), "f"); err != nil {
		s.reply.Fail(w, r, err, http.StatusBadRequest)
		return
	}
	id := reply.URLParam(r, "collectionId")
	c, err := s.Source().Collection(r.Context(), id)
	if err != nil {
		s.reply.Fail(w, r, collErr(id, err), http.StatusBadRequest)
		return
	}
	b, esc := reply.BaseURL(s.deps.BaseURL, r), url.PathEscape(c.ID)
	s.reply.WriteDoc(w, r, map[string]any{
		"tilesets": []map[string]any{{
			"title": c.Title, "dataType": "vector", "crs": "http://www.opengis.net/def/crs/EPSG/0/3857",
			"tileMatrixSetURI": webMercatorQuadURI, "links": tilesetLinks(b, esc),
		}},
		"links": []ogc.Link{
			{Href: b + "/collections/" + esc + "/tiles", Rel: "self", Type: ogc.MediaJSON, Title: "tilesets"},
			{Href: b + "/collections/" + esc, Rel: "collection", Type: ogc.MediaJSON, Title: c.Title},
		},
	})
}

// Tileset describes the collection's tileset, or with f=tilejson gives its
// TileJSON 3.0.0 document (for MapLibre and QGIS).
func (s *Server) Tileset(w http.ResponseWriter, r *http.Request) {
	if err := ogc.CheckOnly(r.URL.Query(), "f"); err != nil {
		s.reply.Fail(w, r, err, http.StatusBadRequest)
		return
	}
	f := strings.ToLower(r.URL.Query().Get("f"))
	if f != "" && f != "json" && f != "tilejson" {
		s.reply.Fail(w, r, ogc.ParamError{Name: "f", Value: f, Reason: "unknown format; want json or tilejson"}, http.StatusBadRequest)
		return
	}
	id := reply.URLParam(r, "collectionId")
	c, err := s.Source().Collection(r.Context(), id)
	if err != nil {
		s.reply.Fail(w, r, collErr(id, err), http.StatusBadRequest)
		return
	}
	b, esc := reply.BaseURL(s.deps.BaseURL, r), url.PathEscape(c.ID)
	fields := map[string]string{"id": "String"}
	props := map[string]any{"id": map[string]any{"type": "string"}}
	for _, p := range c.Properties {
		t := "String"
		switch p.Type {
		case "integer", "number":
			t = "Number"
		case "boolean":
			t = "Boolean"
		}
		fields[p.Name] = t
		ps := propertySchema(p)
		if p.Type == "array" || p.Type == "object" {
			ps["type"] = "string" // tiles carry them as text
			delete(ps, "items")
			delete(ps, "additionalProperties")
		}
		props[p.Name] = ps
	}
	var bounds []float64
	if e := c.Extent; e != (orb.Bound{}) {
		bounds = []float64{round7(e.Min[0]), round7(e.Min[1]), round7(e.Max[0]), round7(e.Max[1])}
	}
	attribution := layers.CollectionAttribution(c.ID, layers.Credits(s.deps.Info.Versions))
	if attribution == "" {
		attribution = c.Attribution
	}
	if f == "tilejson" {
		doc := map[string]any{
			"tilejson": "3.0.0", "name": c.Title, "description": c.Description, "scheme": "xyz",
			"tiles":   []string{b + "/collections/" + esc + "/tiles/WebMercatorQuad/{z}/{y}/{x}"},
			"minzoom": 0, "maxzoom": MaxTileZoom,
			"vector_layers": []map[string]any{{"id": c.ID, "description": c.Title, "fields": fields, "minzoom": 0, "maxzoom": MaxTileZoom}},
		}
		if bounds != nil {
			doc["bounds"] = bounds
		}
		if attribution != "" {
			doc["attribution"] = attribution
		}
		s.reply.WriteDoc(w, r, doc)
		return
	}
	doc := map[string]any{
		"title": c.Title, "description": c.Description, "dataType": "vector",
		"crs": "http://www.opengis.net/def/crs/EPSG/0/3857", "tileMatrixSetURI": webMercatorQuadURI,
		"links": tilesetLinks(b, esc),
		"layers": []map[string]any{{
			"id": c.ID, "title": c.Title, "dataType": "vector", "geometryType": strings.ToLower(c.GeometryType),
			"propertiesSchema": map[string]any{"type": "object", "properties": props},
		}},
	}
	if bounds != nil {
		doc["boundingBox"] = map[string]any{"lowerLeft": bounds[:2], "upperRight": bounds[2:], "crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84"}
	}
	if attribution != "" {
		doc["attribution"] = attribution
	}
	s.reply.WriteDoc(w, r, doc)
}
