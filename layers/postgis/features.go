package postgis

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"reach/geo/crs"
	"reach/layers"
	"reach/layers/postgis/filtersql"
	"reach/layers/query"
)

// filterKind says how a filter value compares with a column, mirroring
// query.MatchParams on the served property.
type filterKind int

const (
	textRequired filterKind = iota // property is the column's text; NULL is served as ""
	textOptional                   // property is null when the column is NULL
	integer                        // property is an integer
	levelName                      // central-place level name, stored as rank
)

type filterColumn struct {
	column string // static SQL column name
	kind   filterKind
}

// table describes how one collection is stored and read.
type table struct {
	collection string
	table      string
	idColumn   string
	numericID  bool
	srid       int
	selectSQL  string
	filters    map[string]filterColumn
	// features scans the rows of selectSQL into features.
	features func(ctx context.Context, db querier, rows pgx.Rows) ([]layers.Feature, error)
}

func scanAll[T any](rows pgx.Rows, scan func(pgx.Rows) (T, error), feature func(T) layers.Feature) ([]layers.Feature, error) {
	var out []layers.Feature
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, feature(v))
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgis: read features: %w", err)
	}
	return out, nil
}

var tables = []table{
	{
		collection: layers.CollMunicipalities, table: "municipalities", idColumn: "ags", srid: sridUTM33N, selectSQL: municipalitySelect,
		filters: map[string]filterColumn{
			"ags": {"ags", textRequired}, "name": {"name", textRequired},
			"kreis_ags": {"kreis_ags", textOptional}, "planning_region": {"planning_region", textOptional},
		},
		features: func(ctx context.Context, db querier, rows pgx.Rows) ([]layers.Feature, error) {
			var ms []layers.Municipality
			for rows.Next() {
				m, err := scanMunicipality(rows)
				if err != nil {
					return nil, err
				}
				ms = append(ms, m)
			}
			if err := rows.Err(); err != nil {
				return nil, fmt.Errorf("postgis: read municipalities: %w", err)
			}
			rows.Close()
			agss := make([]string, len(ms))
			for i, m := range ms {
				agss[i] = m.AGS
			}
			if err := attachIndicators(ctx, db, ms, agss); err != nil {
				return nil, err
			}
			out := make([]layers.Feature, len(ms))
			for i, m := range ms {
				out[i] = layers.MunicipalityFeature(m)
			}
			return out, nil
		},
	},
	{
		collection: layers.CollPopulationGrid, table: "population_grid", idColumn: "inspire_id", srid: sridLAEA, selectSQL: cellSelect,
		filters: map[string]filterColumn{
			"inspire_id": {"inspire_id", textRequired}, "resolution_m": {"resolution_m", integer}, "ags": {"ags", textOptional},
		},
		features: func(_ context.Context, _ querier, rows pgx.Rows) ([]layers.Feature, error) {
			return scanAll(rows, scanCell, layers.CellFeature)
		},
	},
	{
		collection: layers.CollCentralPlaces, table: "central_places", idColumn: "id", srid: sridUTM33N, selectSQL: centralPlaceSelect,
		filters: map[string]filterColumn{
			"level": {"level", levelName}, "verbund": {"verbund", textOptional}, "ags": {"ags", textRequired},
			"kreis_ags": {"kreis_ags", textOptional}, "planning_region": {"planning_region", textOptional},
		},
		features: func(_ context.Context, _ querier, rows pgx.Rows) ([]layers.Feature, error) {
			return scanAll(rows, scanCentralPlace, layers.CentralPlaceFeature)
		},
	},
	{
		collection: layers.CollFacilities, table: "facilities", idColumn: "id", srid: sridUTM33N, selectSQL: facilitySelect,
		filters: map[string]filterColumn{
			"category": {"category", textRequired}, "source": {"source", textOptional}, "ags": {"ags", textOptional},
		},
		features: func(_ context.Context, _ querier, rows pgx.Rows) ([]layers.Feature, error) {
			return scanAll(rows, scanFacility, layers.FacilityFeature)
		},
	},
	{
		collection: layers.CollRoads, table: "roads", idColumn: "id", numericID: true, srid: sridUTM33N, selectSQL: roadSelect,
		filters: map[string]filterColumn{"highway": {"highway", textRequired}},
		features: func(_ context.Context, _ querier, rows pgx.Rows) ([]layers.Feature, error) {
			return scanAll(rows, scanRoad, layers.RoadFeature)
		},
	},
	{
		collection: layers.CollProjects, table: "projects", idColumn: "id", srid: sridUTM33N, selectSQL: projectSelect,
		filters: map[string]filterColumn{
			"category": {"category", textOptional}, "kind": {"kind", textRequired},
			"planning_region": {"planning_region", textOptional}, "status": {"status", textOptional},
		},
		features: func(_ context.Context, _ querier, rows pgx.Rows) ([]layers.Feature, error) {
			return scanAll(rows, scanProject, layers.ProjectFeature)
		},
	},
}

func lookupTable(collection string) (*table, error) {
	for i := range tables {
		if tables[i].collection == collection {
			return &tables[i], nil
		}
	}
	return nil, fmt.Errorf("postgis: collection %q: %w", collection, layers.ErrNotFound)
}

// Collections lists the base collections in the order of
// layers.CollectionIDs, each with the extent of its stored features.
func (s *Store) Collections(ctx context.Context) ([]layers.Collection, error) {
	var out []layers.Collection
	for _, id := range layers.CollectionIDs() {
		c, err := s.Collection(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// Collection describes one collection: its version (from layer_changes,
// one small query, or kept in memory by a serving store while it listens
// to the changes) and the extent of its stored features, transformed to
// CRS84 along its densified outline so that it covers every feature (empty
// for an empty layer). The extent is kept per version and measured again
// only when the version changes.
func (s *Store) Collection(ctx context.Context, id string) (layers.Collection, error) {
	t, err := lookupTable(id)
	if err != nil {
		return layers.Collection{}, err
	}
	c, ok := layers.CollectionInfo(id)
	if !ok {
		return layers.Collection{}, fmt.Errorf("postgis: collection %q: %w", id, layers.ErrNotFound)
	}
	version, gen, kept := s.versions.Get(t.table)
	if !kept {
		err = s.pool.QueryRow(ctx, versionSQL, t.table).Scan(&version)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return layers.Collection{}, dbError("collection "+id, err)
		}
		s.versions.Put(t.table, version, gen)
	}
	if version != nil {
		c.Version = *version
	}
	e, err := s.describe(ctx, t, c.Version)
	if err != nil {
		return layers.Collection{}, err
	}
	c.Extent, c.Synthetic, c.Version = e.b, e.synthetic, e.version
	return c, nil
}

// versionSQL reads the version of a served table (see migration
// 006_layer_changes.sql); no row when the migration is missing.
const versionSQL = `SELECT epoch::text || '.' || version::text FROM layer_changes WHERE tbl = $1`

// where builds the WHERE clause (without keyset) of q and its arguments.
// Only static fragments and $n placeholders go into the SQL.
func (t *table) where(q layers.ItemsQuery) (string, []any, error) {
	var conds []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if q.BBox != nil {
		cond, err := t.bboxCondition(q, arg)
		if err != nil {
			return "", nil, err
		}
		conds = append(conds, cond)
	}
	for _, name := range sortedKeys(q.Filters) {
		want := q.Filters[name]
		fc := t.filters[name]
		col := pgx.Identifier{fc.column}.Sanitize()
		switch fc.kind {
		case textRequired:
			if want == "" {
				conds = append(conds, col+" IS NULL")
			} else {
				conds = append(conds, col+" = "+arg(want))
			}
		case textOptional:
			switch want {
			case "":
				conds = append(conds, col+" IS NULL")
			case "null":
				conds = append(conds, "("+col+" IS NULL OR "+col+" = "+arg(want)+")")
			default:
				conds = append(conds, col+" = "+arg(want))
			}
		case integer:
			v, err := strconv.ParseInt(want, 10, 64)
			if err != nil || strconv.FormatInt(v, 10) != want {
				conds = append(conds, "FALSE")
			} else {
				conds = append(conds, col+" = "+arg(v))
			}
		case levelName:
			rank := -1
			for l := layers.LevelNone; l <= layers.LevelOberzentrum; l++ {
				if l.String() == want {
					rank = int(l)
				}
			}
			if rank < 0 {
				conds = append(conds, "FALSE")
			} else {
				conds = append(conds, col+" = "+arg(int16(rank)))
			}
		}
	}
	if q.Filter != nil {
		sql, err := filtersql.Table{Collection: t.collection, Name: t.table, SRID: t.srid}.SQL(q.Filter, arg)
		if err != nil {
			return "", nil, err
		}
		conds = append(conds, "("+sql+")")
	}
	if len(conds) == 0 {
		return "", args, nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args, nil
}

// bboxCondition is the SQL of q's bbox: the GIST index finds candidates
// with && on a storage-CRS rectangle containing the box; candidates inside
// an inscribed rectangle are taken as they are, the others are tested
// exactly with ST_Intersects in the box's CRS (query.BoxPlan). A box that
// covers the storage CRS's domain matches every feature with a geometry.
func (t *table) bboxCondition(q layers.ItemsQuery, arg func(any) string) (string, error) {
	p, err := query.PlanBox(*q.BBox, q.BBoxCRS, crs.Code(t.srid), crs.Code(t.srid))
	if err != nil {
		return "", fmt.Errorf("postgis: items of %s: %w", t.collection, err)
	}
	env := func(b orb.Bound, srid int) string {
		return "ST_MakeEnvelope(" + arg(b.Min[0]) + ", " + arg(b.Min[1]) + ", " + arg(b.Max[0]) + ", " + arg(b.Max[1]) + ", " + arg(srid) + ")"
	}
	switch {
	case p.All:
		return "geom IS NOT NULL", nil
	case p.None:
		return "FALSE", nil
	case p.Same:
		box := env(p.Box, t.srid)
		return "(geom && " + box + " AND ST_Intersects(geom, " + box + "))", nil
	}
	srid := int(p.CRS)
	if p.CRS == crs.CRS84 {
		srid = 4326 // PostGIS keeps EPSG:4326 longitude first
	}
	exact := "ST_Intersects(ST_Transform(geom, " + arg(srid) + "::integer), " + env(p.Box, srid) + ")"
	if p.HasInner {
		exact = "(geom @ " + env(p.Inner, t.srid) + " OR " + exact + ")"
	}
	return "(geom && " + env(p.Outer, t.srid) + " AND " + exact + ")", nil
}

// Items returns one page of features ordered by id: keyset paging with
// id > After and LIMIT Limit+1 to know whether a next page exists, read in
// one read-only repeatable-read transaction together with the collection's
// version (Page.Version). numberMatched is exact without counting when the
// first page is also the last; otherwise it comes from a count kept per
// version and query, made once for queries without bbox (an index or one
// scan per version) and left unknown (-1) for bbox queries, where every new
// box would cost a scan.
func (s *Store) Items(ctx context.Context, q layers.ItemsQuery) (layers.Page, error) {
	t, err := lookupTable(q.Collection)
	if err != nil {
		return layers.Page{}, err
	}
	info, _ := layers.CollectionInfo(q.Collection)
	if err := query.CheckParams(info, q.Filters); err != nil {
		return layers.Page{}, fmt.Errorf("postgis: %w", err)
	}
	if err := query.Check(info, q.Filter); err != nil {
		return layers.Page{}, fmt.Errorf("postgis: items of %q: %w", q.Collection, err)
	}
	if q.Limit < 1 {
		return layers.Page{}, fmt.Errorf("postgis: limit %d: want at least 1: %w", q.Limit, layers.ErrInvalid)
	}
	if p, ok := s.itemsFromModel(ctx, t, q); ok {
		return p, nil
	}
	where, args, err := t.where(q)
	if err != nil {
		return layers.Page{}, err
	}
	idCol := pgx.Identifier{t.idColumn}.Sanitize()
	page := append([]any(nil), args...)
	conds := where
	if q.After != "" {
		var after any = q.After
		if t.numericID {
			v, err := strconv.ParseInt(q.After, 10, 64)
			if err != nil {
				return layers.Page{}, fmt.Errorf("postgis: cursor %q: want a segment id: %w", q.After, layers.ErrInvalid)
			}
			after = v
		}
		page = append(page, after)
		cond := idCol + " > $" + strconv.Itoa(len(page))
		if conds == "" {
			conds = " WHERE " + cond
		} else {
			conds += " AND " + cond
		}
	}
	page = append(page, q.Limit+1)
	sql := t.selectSQL + conds + " ORDER BY " + idCol + " LIMIT $" + strconv.Itoa(len(page))

	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return layers.Page{}, dbError("items of "+q.Collection, err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // read-only; no-op after Commit
	var version *string
	if err := tx.QueryRow(ctx, versionSQL, t.table).Scan(&version); err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return layers.Page{}, dbError("items of "+q.Collection, err)
	}
	p := layers.Page{NumberMatched: -1}
	if version != nil {
		p.Version = *version
	}
	rows, err := tx.Query(ctx, sql, page...)
	if err != nil {
		return layers.Page{}, dbError("items of "+q.Collection, err)
	}
	fs, err := t.features(ctx, tx, rows)
	rows.Close()
	if err != nil {
		return layers.Page{}, err
	}
	if len(fs) > q.Limit {
		fs = fs[:q.Limit]
		p.Next = fs[len(fs)-1].ID
	}
	p.Features = fs
	switch key := p.Version + "\x00" + q.Collection + "\x00" + where + "\x00" + fmt.Sprintf("%#v", args); {
	case q.After == "" && p.Next == "":
		p.NumberMatched = len(fs)
	case p.Version == "":
	default:
		if n, ok := s.counts.get(key); ok {
			p.NumberMatched = n
		} else if q.BBox == nil && q.Filter == nil {
			if err := tx.QueryRow(ctx, "SELECT count(*) FROM "+pgx.Identifier{t.table}.Sanitize()+where, args...).Scan(&p.NumberMatched); err != nil {
				return layers.Page{}, dbError("count "+q.Collection, err)
			}
			s.counts.put(key, p.NumberMatched)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return layers.Page{}, dbError("items of "+q.Collection, err)
	}
	return p, nil
}

// currentVersion is the version of table, from the versions kept in
// memory or else from the database (then kept, where a listener follows
// the changes); ok is false when it has none or it
// cannot be read.
func (s *Store) currentVersion(ctx context.Context, table string) (version *string, ok bool) {
	version, gen, kept := s.versions.Get(table)
	if !kept {
		if err := s.pool.QueryRow(ctx, versionSQL, table).Scan(&version); err != nil {
			return nil, false
		}
		s.versions.Put(table, version, gen)
	}
	return version, version != nil
}

// itemsFromModel answers q from the read model of the grid or the
// municipalities when there is one for the current version and it can
// answer q exactly (see layers/postgis/readmodel);
// ok is false otherwise, and the SQL path answers.
func (s *Store) itemsFromModel(ctx context.Context, t *table, q layers.ItemsQuery) (layers.Page, bool) {
	grid := t.collection == layers.CollPopulationGrid
	if s.modelBytes <= 0 || !grid && t.collection != layers.CollMunicipalities || len(q.Filters) > 0 || q.Filter != nil {
		return layers.Page{}, false
	}
	version, ok := s.currentVersion(ctx, t.table)
	if !ok {
		return layers.Page{}, false
	}
	var p layers.Page
	if grid {
		g := s.gridModelFor(*version)
		if g == nil {
			return layers.Page{}, false
		}
		p, ok = g.Items(q)
	} else {
		m := s.muniModelFor(*version)
		if m == nil {
			return layers.Page{}, false
		}
		p, ok = m.Items(q)
	}
	if ok {
		s.model.Answered()
	}
	return p, ok
}

// Item returns one feature or an error wrapping layers.ErrNotFound.
func (s *Store) Item(ctx context.Context, collection, id string) (layers.Feature, error) {
	t, err := lookupTable(collection)
	if err != nil {
		return layers.Feature{}, err
	}
	var key any = id
	if t.numericID {
		v, err := strconv.ParseInt(id, 10, 64)
		if err != nil {
			return layers.Feature{}, fmt.Errorf("postgis: %s item %q: %w", collection, id, layers.ErrNotFound)
		}
		key = v
	}
	rows, err := s.pool.Query(ctx, t.selectSQL+" WHERE "+pgx.Identifier{t.idColumn}.Sanitize()+" = $1", key)
	if err != nil {
		return layers.Feature{}, fmt.Errorf("postgis: %s item %q: %w", collection, id, err)
	}
	defer rows.Close()
	fs, err := t.features(ctx, s.pool, rows)
	if err != nil {
		return layers.Feature{}, err
	}
	if len(fs) == 0 {
		return layers.Feature{}, fmt.Errorf("postgis: %s item %q: %w", collection, id, layers.ErrNotFound)
	}
	return fs[0], nil
}

// extentCache keeps the CRS84 extent of each table (ST_Extent scans the
// whole table) with the version it was measured at. Safe for concurrent use.
type extentCache struct {
	mu      sync.Mutex
	entries map[string]extentEntry
}

type extentEntry struct {
	version   string
	b         orb.Bound
	synthetic bool
}

// describe returns the CRS84 extent of t's features (empty for an empty
// table) and, for projects, whether any is synthetic; version is the one
// just read, and the returned entry carries the version the measurement
// belongs to (read in the same statement). Unversioned tables are measured
// every time.
func (s *Store) describe(ctx context.Context, t *table, version string) (extentEntry, error) {
	if version != "" {
		s.extents.mu.Lock()
		e, ok := s.extents.entries[t.table]
		s.extents.mu.Unlock()
		if ok && e.version == version {
			return e, nil
		}
	}
	synth := "false"
	if t.collection == layers.CollProjects {
		synth = "EXISTS (SELECT 1 FROM projects WHERE synthetic)"
	}
	var v *string
	var x0, y0, x1, y1 *float64
	var e extentEntry
	err := s.pool.QueryRow(ctx, `SELECT (`+versionSQL+`), ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e), `+synth+`
		FROM (SELECT ST_Extent(geom) AS e FROM `+pgx.Identifier{t.table}.Sanitize()+`) x`, t.table).Scan(&v, &x0, &y0, &x1, &y1, &e.synthetic)
	if err != nil {
		return extentEntry{}, dbError("extent of "+t.collection, err)
	}
	if x0 != nil {
		e.b, err = crs.BoundToLonLat(crs.Code(t.srid), orb.Bound{Min: orb.Point{*x0, *y0}, Max: orb.Point{*x1, *y1}})
		if err != nil {
			return extentEntry{}, fmt.Errorf("postgis: extent of %s: %w", t.collection, err)
		}
	}
	if v != nil {
		e.version = *v
		s.extents.mu.Lock()
		if s.extents.entries == nil {
			s.extents.entries = map[string]extentEntry{}
		}
		s.extents.entries[t.table] = e
		s.extents.mu.Unlock()
	}
	return e, nil
}

// countCacheSize bounds the number of cached counts; the cache is emptied
// when it is full (entries of old versions are never asked for again).
const countCacheSize = 4096

// countCache keeps numberMatched per version and query. Safe for
// concurrent use.
type countCache struct {
	mu sync.Mutex
	m  map[string]int
}

func (c *countCache) get(key string) (int, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n, ok := c.m[key]
	return n, ok
}

func (c *countCache) put(key string, n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= countCacheSize {
		c.m = make(map[string]int)
	}
	c.m[key] = n
}
