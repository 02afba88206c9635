package postgis

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"iter"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/paulmach/orb"

	"reach/geo/grid"
	"reach/layers"
	"reach/layers/postgis/geometry"
)

// copyLoad describes one transactional replacement of (part of) a table.
type copyLoad struct {
	layer   string // key in layer_versions, e.g. "municipalities", "facilities:osm"
	table   string
	columns []string
	// del deletes what the load replaces; delArgs are its arguments.
	del     string
	delArgs []any
	// guardShrink refuses to replace a layer of ShrinkMinRows or more
	// records by one with fewer than ShrinkShare of them, unless shrinkOK.
	guardShrink, shrinkOK bool
	// before runs inside the transaction before del.
	before func(ctx context.Context, tx pgx.Tx) error
	// after runs inside the transaction once the rows are copied.
	after func(ctx context.Context, tx pgx.Tx) error
}

// replace runs a copyLoad fed by src; row validates and converts one record
// and names it for messages. Everything happens in one transaction.
func replace[T any](ctx context.Context, s *Store, l copyLoad, src iter.Seq2[T, error], row func(T) (name string, values []any, err error)) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("postgis: load %s: %w", l.layer, err)
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return 0, fmt.Errorf("postgis: load %s: begin: %w", l.layer, err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // no-op after Commit
	l.shrinkOK = l.shrinkOK || s.allowShrink
	n, err := replaceIn(ctx, tx, l, src, row)
	if err != nil {
		return 0, err
	}
	if err := tx.Commit(ctx); err != nil {
		return 0, dbError("load "+l.layer+": commit", err)
	}
	return n, nil
}

// replaceIn runs a copyLoad inside tx, which the caller commits: several
// layers that must change together are loaded in one transaction.
func replaceIn[T any](ctx context.Context, tx pgx.Tx, l copyLoad, src iter.Seq2[T, error], row func(T) (name string, values []any, err error)) (int, error) {
	// Serialise loads of the same layer; readers keep seeing the old layer
	// until commit (MVCC), so DELETE is used rather than TRUNCATE.
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext($1))`, "reach-load:"+l.layer); err != nil {
		return 0, dbError("load "+l.layer+": lock", err)
	}
	if l.before != nil {
		if err := l.before(ctx, tx); err != nil {
			return 0, err
		}
	}
	if _, err := tx.Exec(ctx, l.del, l.delArgs...); err != nil {
		return 0, dbError("load "+l.layer+": delete previous layer", err)
	}

	h := sha256.New()
	next, stop := iter.Pull2(src)
	defer stop()
	var srcErr error
	n := 0
	last := ""
	rows := pgx.CopyFromFunc(func() ([]any, error) {
		if err := ctx.Err(); err != nil {
			srcErr = fmt.Errorf("postgis: load %s: %w", l.layer, err)
			return nil, srcErr
		}
		rec, err, ok := next()
		if !ok {
			return nil, nil
		}
		if err != nil {
			srcErr = fmt.Errorf("postgis: load %s: record %d%s: %w", l.layer, n+1, after(last), err)
			return nil, srcErr
		}
		name, values, err := row(rec)
		if err != nil {
			srcErr = fmt.Errorf("postgis: load %s: record %d (%s): %w", l.layer, n+1, name, err)
			return nil, srcErr
		}
		hashRow(h, values)
		n++
		last = name
		return values, nil
	})
	copied, err := tx.CopyFrom(ctx, pgx.Identifier{l.table}, l.columns, rows)
	if srcErr != nil {
		return 0, srcErr
	}
	if err != nil {
		return 0, dbError("load "+l.layer, err)
	}
	if int(copied) != n {
		return 0, fmt.Errorf("postgis: load %s: copied %d rows of %d", l.layer, copied, n)
	}
	if l.after != nil {
		if err := l.after(ctx, tx); err != nil {
			return 0, err
		}
	}
	if l.guardShrink && !l.shrinkOK {
		var prev int64
		err := tx.QueryRow(ctx, `SELECT rows FROM layer_versions WHERE layer = $1`, l.layer).Scan(&prev)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return 0, dbError("load "+l.layer+": previous version", err)
		}
		if prev >= ShrinkMinRows && float64(n) < ShrinkShare*float64(prev) {
			return 0, fmt.Errorf("postgis: load %s: %d records where the layer had %d: a file cut short or the wrong file? Nothing was changed; pass --allow-shrink if the layer really shrinks: %w",
				l.layer, n, prev, layers.ErrInvalid)
		}
	}
	if err := recordVersion(ctx, tx, l.layer, h, n); err != nil {
		return 0, err
	}
	return n, nil
}

func after(name string) string {
	if name == "" {
		return ""
	}
	return " (after " + name + ")"
}

// hashRow feeds one row into the content hash that becomes the layer
// version: the same input gives the same version.
func hashRow(h hash.Hash, values []any) {
	var buf []byte
	for _, v := range values {
		switch x := v.(type) {
		case nil:
			buf = append(buf, 0)
		case []byte:
			buf = strconv.AppendInt(buf, int64(len(x)), 10)
			buf = append(buf, ':')
			buf = append(buf, x...)
		case string:
			buf = strconv.AppendInt(buf, int64(len(x)), 10)
			buf = append(buf, ':')
			buf = append(buf, x...)
		case time.Time:
			buf = x.UTC().AppendFormat(buf, time.RFC3339Nano)
		case float64:
			buf = strconv.AppendUint(buf, math.Float64bits(x), 16)
		default:
			buf = fmt.Appendf(buf, "%v", x)
		}
		buf = append(buf, 0x1f)
	}
	buf = append(buf, 0x1e)
	h.Write(buf)
}

func recordVersion(ctx context.Context, tx pgx.Tx, layer string, h hash.Hash, rows int) error {
	version := "sha256:" + hex.EncodeToString(h.Sum(nil))[:16]
	_, err := tx.Exec(ctx, `INSERT INTO layer_versions (layer, version, loaded_at, rows) VALUES ($1, $2, now(), $3)
		ON CONFLICT (layer) DO UPDATE SET version = EXCLUDED.version, loaded_at = EXCLUDED.loaded_at, rows = EXCLUDED.rows`,
		layer, version, rows)
	return dbError("record version of "+layer, err)
}

// invalid returns an error wrapping layers.ErrInvalid that names the field
// and the value.
func invalid(field string, value any, why string) error {
	return fmt.Errorf("%s %v: %s: %w", field, quote(value), why, layers.ErrInvalid)
}

func quote(v any) string {
	if s, ok := v.(string); ok {
		return strconv.Quote(s)
	}
	return fmt.Sprint(v)
}

// nullText maps "" to SQL NULL.
func nullText(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func nullFloat(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC()
}

// nullDate maps a date to midnight UTC of its calendar day, or NULL.
func nullDate(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

func strs(xs []string) []string {
	if xs == nil {
		return []string{}
	}
	return xs
}

var municipalityColumns = []string{"ags", "name", "kreis_ags", "kreis_name", "planning_region", "geom", "population", "population_date", "area_km2", "degurba"}

// ReplaceMunicipalities replaces the municipalities layer. Each record's
// Indicators are stored; the indicator values a municipality had before
// and its record does not give anew are kept (indicators are imported as a
// layer of their own), those of municipalities that are gone go with them.
// Memberships, central places and cells are separate layers and stay.
func (s *Store) ReplaceMunicipalities(ctx context.Context, src iter.Seq2[layers.Municipality, error]) (int, error) {
	var ind [][]any
	l := copyLoad{
		layer: "municipalities", table: "municipalities", columns: municipalityColumns, guardShrink: true,
		del: `DELETE FROM municipalities`,
		before: func(ctx context.Context, tx pgx.Tx) error {
			_, err := tx.Exec(ctx, `CREATE TEMPORARY TABLE kept_indicators ON COMMIT DROP AS SELECT ags, key, value FROM municipality_indicators`)
			return dbError("load municipalities: keep indicators", err)
		},
		after: func(ctx context.Context, tx pgx.Tx) error {
			if _, err := tx.CopyFrom(ctx, pgx.Identifier{"municipality_indicators"}, []string{"ags", "key", "value"}, pgx.CopyFromRows(ind)); err != nil {
				return dbError("load municipalities: indicators", err)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO municipality_indicators (ags, key, value)
				SELECT k.ags, k.key, k.value FROM kept_indicators k JOIN municipalities m ON m.ags = k.ags
				ON CONFLICT (ags, key) DO NOTHING`); err != nil {
				return dbError("load municipalities: restore indicators", err)
			}
			return nil
		},
	}
	return replace(ctx, s, l, src, func(m layers.Municipality) (string, []any, error) {
		name := "AGS " + m.AGS
		if err := m.Validate(); err != nil {
			return name, nil, err
		}
		var g orb.Geometry
		if len(m.Geometry) > 0 {
			g = m.Geometry
		}
		geom, err := geometry.ToStore(g, sridUTM33N)
		if err != nil {
			return name, nil, invalid("geometry", "", err.Error())
		}
		var deg any
		if m.DEGURBA > 0 {
			deg = int16(m.DEGURBA)
		}
		for _, k := range sortedKeys(m.Indicators) {
			ind = append(ind, []any{m.AGS, k, m.Indicators[k]})
		}
		return name, []any{m.AGS, m.Name, nullText(m.KreisAGS), nullText(m.KreisName), nullText(m.PlanningRegion), geom,
			m.Population, nullDate(m.PopulationDate), m.AreaKm2, deg}, nil
	})
}

// UpdatePopulation sets population, reference date and (when AreaKm2 > 0)
// area of existing municipalities, all in one transaction. An AGS that is
// not in the layer fails the whole update with an error naming it.
func (s *Store) UpdatePopulation(ctx context.Context, src iter.Seq2[layers.PopulationRecord, error]) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("postgis: update population: %w", err)
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return 0, fmt.Errorf("postgis: update population: begin: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // no-op after Commit
	h := sha256.New()
	n := 0
	for r, err := range src {
		if err != nil {
			return 0, fmt.Errorf("postgis: update population: record %d: %w", n+1, err)
		}
		if err := ctx.Err(); err != nil {
			return 0, fmt.Errorf("postgis: update population: %w", err)
		}
		if err := r.Validate(); err != nil {
			return 0, fmt.Errorf("postgis: update population: record %d: %w", n+1, err)
		}
		tag, err := tx.Exec(ctx, `UPDATE municipalities
			SET population = $2, population_date = $3, area_km2 = CASE WHEN $4::float8 > 0 THEN $4::float8 ELSE area_km2 END
			WHERE ags = $1`, r.AGS, r.Population, nullDate(r.Date), r.AreaKm2)
		if err != nil {
			return 0, dbError("update population: AGS "+r.AGS, err)
		}
		if tag.RowsAffected() == 0 {
			return 0, fmt.Errorf("postgis: update population: record %d: %w", n+1, layers.Invalid("population of "+r.AGS, "ags", r.AGS, "no such municipality"))
		}
		hashRow(h, []any{r.AGS, r.Population, nullDate(r.Date), r.AreaKm2})
		n++
	}
	if err := recordVersion(ctx, tx, "population", h, n); err != nil {
		return 0, err
	}
	if err := tx.Commit(ctx); err != nil {
		return 0, dbError("update population: commit", err)
	}
	return n, nil
}

// ReplaceIndicators replaces, for every municipality named in the stream,
// the values of the keys present in the stream. The stream is read whole
// before anything changes; an AGS not in the layer fails the call.
func (s *Store) ReplaceIndicators(ctx context.Context, src iter.Seq2[layers.IndicatorValue, error]) (int, error) {
	var rows [][]any
	agsSet, keySet := map[string]bool{}, map[string]bool{}
	h := sha256.New()
	for v, err := range src {
		if err != nil {
			return 0, fmt.Errorf("postgis: load indicators: record %d: %w", len(rows)+1, err)
		}
		if err := v.Validate(); err != nil {
			return 0, fmt.Errorf("postgis: load indicators: record %d: %w", len(rows)+1, err)
		}
		row := []any{v.AGS, v.Key, v.Value}
		hashRow(h, row)
		rows = append(rows, row)
		agsSet[v.AGS], keySet[v.Key] = true, true
	}
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("postgis: load indicators: %w", err)
	}
	agss, keys := sortedKeys(agsSet), sortedKeys(keySet)
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return 0, fmt.Errorf("postgis: load indicators: begin: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // no-op after Commit
	var missing string
	err = tx.QueryRow(ctx, `SELECT a FROM unnest($1::text[]) AS a
		WHERE NOT EXISTS (SELECT 1 FROM municipalities m WHERE m.ags = a) ORDER BY a LIMIT 1`, agss).Scan(&missing)
	switch {
	case err == nil:
		return 0, fmt.Errorf("postgis: load indicators: %w", layers.Invalid("indicators of "+missing, "ags", missing, "no such municipality"))
	case !errors.Is(err, pgx.ErrNoRows):
		return 0, dbError("load indicators: check AGS", err)
	}
	if _, err := tx.Exec(ctx, `DELETE FROM municipality_indicators WHERE ags = ANY($1) AND key = ANY($2)`, agss, keys); err != nil {
		return 0, dbError("load indicators: delete", err)
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"municipality_indicators"}, []string{"ags", "key", "value"}, pgx.CopyFromRows(rows)); err != nil {
		return 0, dbError("load indicators", err)
	}
	if err := recordVersion(ctx, tx, "indicators", h, len(rows)); err != nil {
		return 0, err
	}
	if err := tx.Commit(ctx); err != nil {
		return 0, dbError("load indicators: commit", err)
	}
	return len(rows), nil
}

// ReplaceMemberships replaces the memberships of one kind; every record must
// be of that kind.
func (s *Store) ReplaceMemberships(ctx context.Context, kind layers.MembershipKind, src iter.Seq2[layers.Membership, error]) (int, error) {
	switch kind {
	case layers.KindVerbund, layers.KindVerwaltungsgemeinschaft, layers.KindMittelbereich:
	default:
		return 0, fmt.Errorf("postgis: load memberships: %w", invalid("kind", string(kind), "unknown membership kind"))
	}
	l := copyLoad{
		guardShrink: true, layer: "memberships:" + string(kind), table: "memberships", columns: []string{"ags", "kind", "group_id", "group_name"},
		del: `DELETE FROM memberships WHERE kind = $1`, delArgs: []any{string(kind)},
	}
	return replace(ctx, s, l, src, func(m layers.Membership) (string, []any, error) {
		name := "AGS " + m.AGS + " in " + m.GroupID
		if err := m.Validate(); err != nil {
			return name, nil, err
		}
		if m.Kind != kind {
			return name, nil, layers.Invalid("membership of "+m.AGS+" in "+strconv.Quote(m.GroupID), "kind", string(m.Kind), fmt.Sprintf("want %q as the replaced kind", kind))
		}
		return name, []any{m.AGS, string(m.Kind), m.GroupID, nullText(m.GroupName)}, nil
	})
}

var cellColumns = []string{"inspire_id", "resolution_m", "geom", "population", "share_under_18", "share_65_plus", "ags", "year"}

// ReplaceCells replaces the population grid. Cell polygons are computed from
// the INSPIRE ids (EPSG:3035); a secret cell is stored with population NULL.
func (s *Store) ReplaceCells(ctx context.Context, src iter.Seq2[layers.Cell, error]) (int, error) {
	l := copyLoad{layer: "population-grid", table: "population_grid", columns: cellColumns, del: `DELETE FROM population_grid`, guardShrink: true}
	return replace(ctx, s, l, src, func(c layers.Cell) (string, []any, error) {
		name := "cell " + c.ID
		if err := c.Validate(); err != nil {
			return name, nil, err
		}
		id, err := grid.ParseID(c.ID)
		if err != nil {
			return name, nil, invalid("inspire_id", c.ID, err.Error())
		}
		geom, err := geometry.ToStore(id.Polygon(), sridLAEA)
		if err != nil {
			return name, nil, invalid("geometry", c.ID, err.Error())
		}
		var pop, year any
		if c.Known {
			pop = c.Population
		}
		if c.Year != 0 {
			year = int16(c.Year)
		}
		return name, []any{c.ID, int32(c.ResolutionM), geom, pop, nullFloat(c.ShareUnder18), nullFloat(c.Share65Plus), nullText(c.AGS), year}, nil
	})
}

var centralPlaceColumns = []string{"id", "name", "level", "lep_type", "verbund", "members", "ags", "kreis_ags", "planning_region", "geom", "source", "location_source"}

// ReplaceCentralPlaces replaces the central places.
func (s *Store) ReplaceCentralPlaces(ctx context.Context, src iter.Seq2[layers.CentralPlace, error]) (int, error) {
	l := copyLoad{layer: "central-places", table: "central_places", columns: centralPlaceColumns, del: `DELETE FROM central_places`, guardShrink: true}
	return replace(ctx, s, l, src, func(p layers.CentralPlace) (string, []any, error) {
		name := "central place " + p.ID
		if err := p.Validate(); err != nil {
			return name, nil, err
		}
		var g orb.Geometry
		if p.Location != (orb.Point{}) {
			g = p.Location
		}
		geom, err := geometry.ToStore(g, sridUTM33N)
		if err != nil {
			return name, nil, invalid("location", p.Location, err.Error())
		}
		return name, []any{p.ID, p.Name, int16(p.Level), nullText(p.LEPType), nullText(p.Verbund), strs(p.Members), nullText(p.AGS),
			nullText(p.KreisAGS), nullText(p.PlanningRegion), geom, nullText(p.Source), nullText(p.LocationSource)}, nil
	})
}

var facilityColumns = []string{"id", "category", "name", "geom", "capacity", "source", "ags", "opening_hours"}

// ReplaceFacilities replaces the facilities of one source: those whose
// Source, up to the first ':', equals source. Every record must belong to
// that source.
func (s *Store) ReplaceFacilities(ctx context.Context, source string, src iter.Seq2[layers.Facility, error]) (int, error) {
	l, row, err := facilityLoad(source)
	if err != nil {
		return 0, err
	}
	return replace(ctx, s, l, src, row)
}

func facilityLoad(source string) (copyLoad, func(layers.Facility) (string, []any, error), error) {
	if source == "" || strings.Contains(source, ":") {
		return copyLoad{}, nil, fmt.Errorf("postgis: load facilities: %w", invalid("source", source, "want a source key without ':'"))
	}
	l := copyLoad{
		layer: "facilities:" + source, table: "facilities", columns: facilityColumns, guardShrink: true,
		del: `DELETE FROM facilities WHERE source_key = $1`, delArgs: []any{source},
	}
	return l, func(f layers.Facility) (string, []any, error) {
		name := "facility " + f.ID
		if err := f.Validate(); err != nil {
			return name, nil, err
		}
		if k, _, _ := strings.Cut(f.Source, ":"); k != source {
			return name, nil, layers.Invalid("facility "+strconv.Quote(f.ID), "source", f.Source, fmt.Sprintf("does not belong to the replaced source %q", source))
		}
		geom, err := geometry.ToStore(f.Location, sridUTM33N)
		if err != nil {
			return name, nil, invalid("location", f.Location, err.Error())
		}
		return name, []any{f.ID, string(f.Category), nullText(f.Name), geom, nullFloat(f.Capacity), f.Source, nullText(f.AGS), nullText(f.OpeningHours)}, nil
	}, nil
}

var roadColumns = []string{"id", "way_id", "from_node", "to_node", "geom", "highway", "name", "ref", "length_m",
	"car_forward", "car_backward", "car_kmh", "bicycle_forward", "bicycle_backward", "bicycle_kmh",
	"foot_forward", "foot_backward", "foot_kmh", "oneway", "duration_s"}

// ReplaceRoads replaces the road network.
func (s *Store) ReplaceRoads(ctx context.Context, src iter.Seq2[layers.RoadSegment, error]) (int, error) {
	return replace(ctx, s, roadLoad, src, roadRow)
}

var roadLoad = copyLoad{layer: "roads", table: "roads", columns: roadColumns, del: `DELETE FROM roads`, guardShrink: true}

func roadRow(r layers.RoadSegment) (string, []any, error) {
	name := "segment " + strconv.FormatInt(r.ID, 10) + " of way " + strconv.FormatInt(r.WayID, 10)
	if err := r.Validate(); err != nil {
		return name, nil, err
	}
	geom, err := geometry.ToStore(r.Geometry, sridUTM33N)
	if err != nil {
		return name, nil, invalid("geometry", "", err.Error())
	}
	var dur any
	if r.DurationS > 0 {
		dur = r.DurationS
	}
	return name, []any{r.ID, r.WayID, r.FromNode, r.ToNode, geom, r.Highway, nullText(r.Name), nullText(r.Ref), r.LengthM,
		r.Car.Forward, r.Car.Backward, r.Car.SpeedKmh, r.Bicycle.Forward, r.Bicycle.Backward, r.Bicycle.SpeedKmh,
		r.Foot.Forward, r.Foot.Backward, r.Foot.SpeedKmh, r.Oneway, dur}, nil
}

var projectColumns = []string{"id", "title", "applicant", "municipalities", "category", "kind", "geom", "investment_cost",
	"requested_funding", "planning_region", "status", "submitted_at", "speed_kmh", "innovation", "transferability", "synthetic",
	"location_source", "facility_id", "capacity_change", "opening_hours_change", "accessible_for",
	"source", "submitted_by", "revision"}

// projectRow checks p (layers.Project.Validate) and returns its row in
// projectColumns order.
func projectRow(p layers.Project) (string, []any, error) {
	name := "project " + p.ID
	if err := p.Validate(); err != nil {
		return name, nil, err
	}
	geom, err := geometry.ToStore(p.Geometry, sridUTM33N)
	if err != nil {
		return name, nil, invalid("geometry", "", err.Error())
	}
	rev := p.Revision
	if rev < 1 {
		rev = 1
	}
	row := append([]any{p.ID, p.Title, nullText(p.Applicant), strs(p.Municipalities), nullText(string(p.Category)), string(p.Kind), geom,
		p.InvestmentCost, p.RequestedFunding, nullText(p.PlanningRegion), nullText(p.Status), nullTime(p.SubmittedAt), p.SpeedKmh,
		nullFloat(p.Innovation), nullFloat(p.Transferability), p.Synthetic, nullText(p.LocationSource)}, upgradeValues(p.Upgrade)...)
	return name, append(row, p.Source, nullText(p.SubmittedBy), rev), nil
}

// upgradeValues are the facility_upgrade columns of a project row.
func upgradeValues(u *layers.Upgrade) []any {
	if u == nil {
		return []any{nil, nil, nil, nil}
	}
	return []any{nullText(u.FacilityID), nullFloat(u.CapacityChange), nullFloat(u.OpeningHoursChange), nullText(u.AccessibleFor)}
}

// ReplaceProjects replaces the projects of one source; the others stay.
// An id held by a project of another source fails the load with an error
// naming the id and that source.
func (s *Store) ReplaceProjects(ctx context.Context, source string, src iter.Seq2[layers.Project, error]) (int, error) {
	if why := layers.ValidText(source); source == "" || why != "" {
		return 0, fmt.Errorf("postgis: load projects: %w", layers.Invalid("import", "source", source, "want a source name such as file:proposals.csv"))
	}
	l := copyLoad{layer: "projects:" + source, table: "projects", columns: projectColumns,
		del: `DELETE FROM projects WHERE source = $1`, delArgs: []any{source},
	}
	n, err := replace(ctx, s, l, src, func(p layers.Project) (string, []any, error) {
		if p.Source == "" {
			p.Source = source
		}
		name, row, err := projectRow(p)
		if err == nil && p.Source != source {
			err = layers.Invalid("project "+strconv.Quote(p.ID), "source", p.Source, "this import replaces the projects of source "+strconv.Quote(source))
		}
		return name, row, err
	})
	if err != nil && isUniqueViolation(err, "projects_pkey") {
		return 0, s.heldByOtherSource(ctx, source, err)
	}
	return n, err
}

// heldByOtherSource explains a load of source that failed on an id already
// held by a project of another source: it names the id and that source, so
// the user can re-import under that source (--source) or withdraw it.
func (s *Store) heldByOtherSource(ctx context.Context, source string, err error) error {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return err
	}
	// The detail reads: Key (id)=(ID) already exists.
	id, ok := strings.CutPrefix(pgErr.Detail, "Key (id)=(")
	if !ok {
		return err
	}
	id, ok = strings.CutSuffix(id, ") already exists.")
	if !ok {
		return err
	}
	var holder string
	if qerr := s.pool.QueryRow(ctx, `SELECT source FROM projects WHERE id = $1`, id).Scan(&holder); qerr != nil {
		return err
	}
	return fmt.Errorf("postgis: load projects:%s: project %q is held by source %q; import under that source (--source %s) or withdraw it first: %w",
		source, id, holder, holder, layers.ErrInvalid)
}
