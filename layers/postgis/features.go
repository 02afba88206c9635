package postgis

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"reach/geo/crs"
	"reach/layers"
)

// filterKind says how a filter value compares with a column, mirroring
// layers.MatchFilters on the served property.
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
	features func(ctx context.Context, s *Store, rows pgx.Rows) ([]layers.Feature, error)
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
		features: func(ctx context.Context, s *Store, rows pgx.Rows) ([]layers.Feature, error) {
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
			if err := s.attachIndicators(ctx, ms, agss); err != nil {
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
		features: func(_ context.Context, _ *Store, rows pgx.Rows) ([]layers.Feature, error) {
			return scanAll(rows, scanCell, layers.CellFeature)
		},
	},
	{
		collection: layers.CollCentralPlaces, table: "central_places", idColumn: "id", srid: sridUTM33N, selectSQL: centralPlaceSelect,
		filters: map[string]filterColumn{
			"level": {"level", levelName}, "verbund": {"verbund", textOptional}, "ags": {"ags", textRequired},
			"kreis_ags": {"kreis_ags", textOptional}, "planning_region": {"planning_region", textOptional},
		},
		features: func(_ context.Context, _ *Store, rows pgx.Rows) ([]layers.Feature, error) {
			return scanAll(rows, scanCentralPlace, layers.CentralPlaceFeature)
		},
	},
	{
		collection: layers.CollFacilities, table: "facilities", idColumn: "id", srid: sridUTM33N, selectSQL: facilitySelect,
		filters: map[string]filterColumn{
			"category": {"category", textRequired}, "source": {"source", textOptional}, "ags": {"ags", textOptional},
		},
		features: func(_ context.Context, _ *Store, rows pgx.Rows) ([]layers.Feature, error) {
			return scanAll(rows, scanFacility, layers.FacilityFeature)
		},
	},
	{
		collection: layers.CollRoads, table: "roads", idColumn: "id", numericID: true, srid: sridUTM33N, selectSQL: roadSelect,
		filters: map[string]filterColumn{"highway": {"highway", textRequired}},
		features: func(_ context.Context, _ *Store, rows pgx.Rows) ([]layers.Feature, error) {
			return scanAll(rows, scanRoad, layers.RoadFeature)
		},
	},
	{
		collection: layers.CollProjects, table: "projects", idColumn: "id", srid: sridUTM33N, selectSQL: projectSelect,
		filters: map[string]filterColumn{
			"category": {"category", textOptional}, "kind": {"kind", textRequired},
			"planning_region": {"planning_region", textOptional}, "status": {"status", textOptional},
		},
		features: func(_ context.Context, _ *Store, rows pgx.Rows) ([]layers.Feature, error) {
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

// Collection describes one collection. Its extent is the storage-CRS
// extent of the features transformed to CRS84 along its densified outline,
// so that it covers every feature; it is empty for an empty layer.
func (s *Store) Collection(ctx context.Context, id string) (layers.Collection, error) {
	t, err := lookupTable(id)
	if err != nil {
		return layers.Collection{}, err
	}
	c, ok := layers.CollectionInfo(id)
	if !ok {
		return layers.Collection{}, fmt.Errorf("postgis: collection %q: %w", id, layers.ErrNotFound)
	}
	ext, err := s.extent(ctx, t)
	if err != nil {
		return layers.Collection{}, err
	}
	c.Extent = ext
	if id == layers.CollProjects {
		if err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM projects WHERE synthetic)`).Scan(&c.Synthetic); err != nil {
			return layers.Collection{}, fmt.Errorf("postgis: collection %s: %w", id, err)
		}
	}
	return c, nil
}

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
		box := *q.BBox
		if box.Min[0] > box.Max[0] || box.Min[1] > box.Max[1] {
			return "", nil, fmt.Errorf("postgis: bbox %v: %w", box, layers.ErrInvalid)
		}
		b, err := crs.BoundFromLonLat(crs.Code(t.srid), box)
		if err != nil {
			return "", nil, fmt.Errorf("postgis: bbox %v: %w", box, layers.ErrInvalid)
		}
		conds = append(conds, "geom && ST_MakeEnvelope("+arg(b.Min[0])+", "+arg(b.Min[1])+", "+arg(b.Max[0])+", "+arg(b.Max[1])+", "+arg(t.srid)+")")
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
		sql, err := t.filterSQL(q.Filter, arg)
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

// Items returns one page of features ordered by id: keyset paging with
// id > After, LIMIT Limit+1 to know whether a next page exists, and
// numberMatched from count(*) over the same filters.
func (s *Store) Items(ctx context.Context, q layers.ItemsQuery) (layers.Page, error) {
	t, err := lookupTable(q.Collection)
	if err != nil {
		return layers.Page{}, err
	}
	info, _ := layers.CollectionInfo(q.Collection)
	if err := layers.ValidateFilters(info, q.Filters); err != nil {
		return layers.Page{}, fmt.Errorf("postgis: %w", err)
	}
	if err := layers.CheckFilter(info, q.Filter); err != nil {
		return layers.Page{}, fmt.Errorf("postgis: items of %q: %w", q.Collection, err)
	}
	if q.Limit < 1 {
		return layers.Page{}, fmt.Errorf("postgis: limit %d: want at least 1: %w", q.Limit, layers.ErrInvalid)
	}
	where, args, err := t.where(q)
	if err != nil {
		return layers.Page{}, err
	}
	from := " FROM " + pgx.Identifier{t.table}.Sanitize()
	var matched int
	if err := s.pool.QueryRow(ctx, "SELECT count(*)"+from+where, args...).Scan(&matched); err != nil {
		return layers.Page{}, fmt.Errorf("postgis: count %s: %w", q.Collection, err)
	}

	idCol := pgx.Identifier{t.idColumn}.Sanitize()
	page := args
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
	rows, err := s.pool.Query(ctx, sql, page...)
	if err != nil {
		return layers.Page{}, fmt.Errorf("postgis: items of %s: %w", q.Collection, err)
	}
	defer rows.Close()
	fs, err := t.features(ctx, s, rows)
	if err != nil {
		return layers.Page{}, err
	}
	p := layers.Page{NumberMatched: matched}
	if len(fs) > q.Limit {
		fs = fs[:q.Limit]
		p.Next = fs[len(fs)-1].ID
	}
	p.Features = fs
	return p, nil
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
	fs, err := t.features(ctx, s, rows)
	if err != nil {
		return layers.Feature{}, err
	}
	if len(fs) == 0 {
		return layers.Feature{}, fmt.Errorf("postgis: %s item %q: %w", collection, id, layers.ErrNotFound)
	}
	return fs[0], nil
}

// extentTTL bounds how long a cached extent is served without checking the
// table again, for tables changed behind the store's back (ogr2ogr, psql).
const extentTTL = time.Minute

// extentCache keeps the CRS84 extent of each table, because ST_Extent scans
// the whole table and Collection runs for every items request. An entry is
// valid while the loads recorded in layer_versions are unchanged and it is
// younger than extentTTL. Safe for concurrent use.
type extentCache struct {
	mu      sync.Mutex
	entries map[string]extentEntry
}

type extentEntry struct {
	token string
	at    time.Time
	b     orb.Bound
}

// extent returns the CRS84 extent of t's features (empty for an empty
// table): the storage-CRS extent transformed along its densified outline.
// Projects, which change one by one through PutProject, are always measured.
func (s *Store) extent(ctx context.Context, t *table) (orb.Bound, error) {
	cache := t.collection != layers.CollProjects
	var token string
	if cache {
		if err := s.pool.QueryRow(ctx, `SELECT coalesce(max(loaded_at)::text, '') || '/' || count(*)::text FROM layer_versions`).Scan(&token); err != nil {
			return orb.Bound{}, fmt.Errorf("postgis: extent of %s: %w", t.collection, err)
		}
		s.extents.mu.Lock()
		e, ok := s.extents.entries[t.table]
		s.extents.mu.Unlock()
		if ok && e.token == token && time.Since(e.at) < extentTTL {
			return e.b, nil
		}
	}
	var x0, y0, x1, y1 *float64
	err := s.pool.QueryRow(ctx, `SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)
		FROM (SELECT ST_Extent(geom) AS e FROM `+pgx.Identifier{t.table}.Sanitize()+`) x`).Scan(&x0, &y0, &x1, &y1)
	if err != nil {
		return orb.Bound{}, fmt.Errorf("postgis: extent of %s: %w", t.collection, err)
	}
	var b orb.Bound
	if x0 != nil {
		b, err = crs.BoundToLonLat(crs.Code(t.srid), orb.Bound{Min: orb.Point{*x0, *y0}, Max: orb.Point{*x1, *y1}})
		if err != nil {
			return orb.Bound{}, fmt.Errorf("postgis: extent of %s: %w", t.collection, err)
		}
	}
	if cache {
		s.extents.mu.Lock()
		if s.extents.entries == nil {
			s.extents.entries = map[string]extentEntry{}
		}
		s.extents.entries[t.table] = extentEntry{token: token, at: time.Now(), b: b}
		s.extents.mu.Unlock()
	}
	return b, nil
}
