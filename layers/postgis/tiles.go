package postgis

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"reach/layers"
	"reach/layers/postgis/readmodel"
	"reach/layers/query"
)

// tileTable says how the tiles of one collection are encoded in SQL: the
// expression of each property a tile may carry (the value the collection's
// feature has, null where the feature's property is null) and, where the
// feature id is an integer, the expression of the MVT feature id.
type tileTable struct {
	id    string // SQL of the feature id as text
	fid   string // SQL of the MVT feature id (bigint); "" for none
	props map[string]string
}

// tileTables are the collections whose tiles PostGIS encodes; a collection
// missing here, or a property missing from its map, is built from Items by
// the caller (layers.ErrTileUnsupported). The expressions mirror
// layers.CellFeature and layers.MunicipalityFeature.
var tileTables = map[string]tileTable{
	layers.CollPopulationGrid: {id: "inspire_id", props: map[string]string{
		"inspire_id": "inspire_id", "resolution_m": "resolution_m", "population": "population", "secret": "secret",
		"share_under_18": "share_under_18", "share_65_plus": "share_65_plus", "ags": "ags::text", "year": "year",
	}},
	layers.CollMunicipalities: {id: "ags::text", fid: "ags::bigint", props: withProps(map[string]string{
		"ags": "ags::text", "name": "name", "population": "population", "degurba": "degurba",
		"kreis_ags": "kreis_ags", "kreis": "kreis_name", "planning_region": "planning_region",
		"area_km2": "area_km2", "population_date": "to_char(population_date, 'YYYY-MM-DD')",
		// layers.Municipality.Density rounded as layers.round(…, 1) does.
		"density": "CASE WHEN area_km2 > 0 THEN floor(population::float8 / area_km2 * 10 + 0.5) / 10 ELSE 0 END",
	}, centreIndicatorTileSQL())},
}

// withProps returns the properties of base and more in one map.
func withProps(base, more map[string]string) map[string]string {
	for k, v := range more {
		base[k] = v
	}
	return base
}

// centreIndicatorTileSQL is the SQL of the central-place indicators served
// as properties of their own (layers.CentreIndicatorKeys), rounded as
// layers.round(…, 2) rounds them (the values are never negative); null
// where a municipality has none.
func centreIndicatorTileSQL() map[string]string {
	out := map[string]string{}
	for _, k := range layers.CentreIndicatorKeys {
		out[k] = "(SELECT floor(i.value * 100 + 0.5) / 100 FROM municipality_indicators i WHERE i.ags = municipalities.ags AND i.key = '" + k + "')"
	}
	return out
}

// Tile encodes one vector tile. The municipalities' overview tiles (up to
// readmodel.MaxTileZoom, no filters) come from their read model when it
// holds the current version (the geometries projected and simplified once
// per zoom and version), and so do the grid's from readmodel.MinGridTileZoom
// to readmodel.MaxGridTileZoom (the cells found in its row index); the rest
// come from sqlTile.
func (s *Store) Tile(ctx context.Context, q layers.TileQuery) (layers.Tile, error) {
	var model func(version string) (layers.Tile, bool, error)
	switch {
	case s.modelBytes <= 0 || len(q.Filters) > 0:
	case q.Collection == layers.CollPopulationGrid && q.Z >= readmodel.MinGridTileZoom && q.Z <= readmodel.MaxGridTileZoom:
		model = func(version string) (layers.Tile, bool, error) {
			if g := s.gridModelFor(version); g != nil {
				return g.GridTile(q)
			}
			return layers.Tile{}, false, nil
		}
	case q.Collection == layers.CollMunicipalities && q.Z <= readmodel.MaxTileZoom:
		model = func(version string) (layers.Tile, bool, error) {
			if m := s.muniModelFor(version); m != nil {
				return m.Tile(q)
			}
			return layers.Tile{}, false, nil
		}
	}
	if t, err := lookupTable(q.Collection); model != nil && err == nil {
		if version, ok := s.currentVersion(ctx, t.table); ok {
			t, ok, err := model(*version)
			if err != nil {
				return layers.Tile{}, err
			}
			if ok {
				s.model.Answered()
				return t, nil
			}
		}
	}
	return s.sqlTile(ctx, q)
}

// sqlTile encodes one vector tile in a single statement: the features whose
// geometry meets the tile (with its buffer) through the GIST index,
// transformed to EPSG:3857, clipped and snapped to the tile grid by
// ST_AsMVTGeom and encoded by ST_AsMVT, the first MaxFeatures by id, read
// in one snapshot with the collection's version.
func (s *Store) sqlTile(ctx context.Context, q layers.TileQuery) (layers.Tile, error) {
	tt, ok := tileTables[q.Collection]
	if !ok {
		return layers.Tile{}, fmt.Errorf("postgis: tiles of %q: %w", q.Collection, layers.ErrTileUnsupported)
	}
	t, err := lookupTable(q.Collection)
	if err != nil {
		return layers.Tile{}, err
	}
	var cols, names []string
	for _, p := range q.Properties {
		expr, ok := tt.props[p]
		if !ok {
			return layers.Tile{}, fmt.Errorf("postgis: tiles of %q with property %q: %w", q.Collection, p, layers.ErrTileUnsupported)
		}
		name := pgx.Identifier{p}.Sanitize()
		cols = append(cols, expr+" AS "+name)
		names = append(names, name)
	}
	if q.Z > 30 || q.X >= 1<<q.Z || q.Y >= 1<<q.Z {
		return layers.Tile{}, fmt.Errorf("postgis: tile %d/%d/%d is outside WebMercatorQuad: %w", q.Z, q.Y, q.X, layers.ErrInvalid)
	}
	if q.Extent < 1 || q.Buffer < 0 || q.MaxFeatures < 1 {
		return layers.Tile{}, fmt.Errorf("postgis: tile extent %d, buffer %d, max features %d: want extent and max features at least 1, buffer 0 or more: %w",
			q.Extent, q.Buffer, q.MaxFeatures, layers.ErrInvalid)
	}
	info, _ := layers.CollectionInfo(q.Collection)
	if err := query.CheckParams(info, q.Filters); err != nil {
		return layers.Tile{}, fmt.Errorf("postgis: %w", err)
	}
	where, args, err := t.where(layers.ItemsQuery{Collection: q.Collection, Filters: q.Filters})
	if err != nil {
		return layers.Tile{}, err
	}
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	z, x, y := arg(int32(q.Z)), arg(int32(q.X)), arg(int32(q.Y))
	extent, buffer := arg(int32(q.Extent)), arg(int32(q.Buffer))
	// The tile with its buffer, its edges densified (1/8 of the tile) so
	// that the rectangle in the storage CRS covers it.
	margin := float64(q.Buffer) / float64(q.Extent)
	size := 2 * 20037508.342789244 / float64(uint64(1)<<q.Z)
	env := "ST_Transform(ST_Segmentize(ST_TileEnvelope(" + z + ", " + x + ", " + y + ", margin => " + arg(margin) + "), " +
		arg(size/8) + "), " + arg(t.srid) + "::integer)"
	cond := "geom && " + env
	if where == "" {
		where = " WHERE " + cond
	} else {
		where += " AND " + cond
	}
	fid, fidName, fidArg := "", "", ""
	if tt.fid != "" {
		fid, fidName, fidArg = ", "+tt.fid+" AS mvt_fid", ", mvt_fid", ", 'mvt_fid'"
	}
	idCol := pgx.Identifier{t.idColumn}.Sanitize()
	props, propNames := "", ""
	if len(cols) > 0 {
		props, propNames = ", "+strings.Join(cols, ", "), ", "+strings.Join(names, ", ")
	}
	maxArg := arg(q.MaxFeatures)
	layer := arg(q.Collection)
	table := arg(t.table)
	sql := `WITH c AS MATERIALIZED (
	SELECT ` + idCol + ` AS mvt_sort, ` + tt.id + ` AS id` + fid + props + `,
		ST_AsMVTGeom(ST_Transform(geom, 3857), ST_TileEnvelope(` + z + `, ` + x + `, ` + y + `), ` + extent + `, ` + buffer + `, true) AS geom
	FROM ` + pgx.Identifier{t.table}.Sanitize() + where + `
	ORDER BY ` + idCol + ` LIMIT ` + maxArg + ` + 1)
SELECT (SELECT epoch::text || '.' || version::text FROM layer_changes WHERE tbl = ` + table + `),
	(SELECT ST_AsMVT(m, ` + layer + `, ` + extent + `, 'geom'` + fidArg + `)
		FROM (SELECT id` + fidName + propNames + `, geom FROM c ORDER BY mvt_sort LIMIT ` + maxArg + `) m),
	(SELECT count(*) FROM c)`
	var version *string
	var data []byte
	var n int64
	if err := s.pool.QueryRow(ctx, sql, args...).Scan(&version, &data, &n); err != nil {
		return layers.Tile{}, dbError(fmt.Sprintf("tile %d/%d/%d of %s", q.Z, q.Y, q.X, q.Collection), err)
	}
	out := layers.Tile{Data: data, Truncated: n > int64(q.MaxFeatures)}
	if version != nil {
		out.Version = *version
	}
	return out, nil
}
