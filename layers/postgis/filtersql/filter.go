// Package filtersql translates filter expressions (layers.Expr, from CQL2)
// into PostGIS SQL with $n arguments, for the collections of the PostGIS
// store; the translation gives what query.Match gives in memory.
package filtersql

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/paulmach/orb/encoding/wkb"

	"reach/geo/crs"
	"reach/layers"
)

// This file translates filter expressions (layers.Expr, from CQL2) into
// SQL with $n arguments. Every queryable property maps to a static SQL
// expression whose value equals the served property (the same nulls, the
// same rounding), so that the three-valued logic of SQL gives what
// query.Match gives in memory. Equality on a plain column uses its index.

// sqlType is the SQL type a property's literals are cast to.
type sqlType string

const (
	sqlText  sqlType = "text"
	sqlFloat sqlType = "double precision"
	sqlBool  sqlType = "boolean"
	sqlTime  sqlType = "timestamptz"
	sqlDate  sqlType = "date"
	sqlLevel sqlType = "level" // central-place level: text in filters, rank in the table
)

// sqlProp is the SQL of one queryable property.
type sqlProp struct {
	expr string // static SQL whose value is the served property
	typ  sqlType
}

// queryables lists, per table, the SQL of every queryable property.
var queryables = map[string]map[string]sqlProp{
	"municipalities": {
		"ags": {"ags", sqlText}, "name": {"name", sqlText}, "kreis_ags": {"kreis_ags", sqlText},
		"kreis": {"kreis_name", sqlText}, "planning_region": {"planning_region", sqlText},
		"population": {"population", sqlFloat}, "population_date": {"population_date", sqlDate},
		"area_km2":                           {"area_km2", sqlFloat},
		"density":                            {"(CASE WHEN area_km2 > 0 THEN round((population / area_km2)::numeric, 1)::double precision ELSE 0 END)", sqlFloat},
		"degurba":                            {"degurba", sqlFloat},
		"car_minutes_to_mittelzentrum":       {indicatorSQL("car_minutes_to_mittelzentrum"), sqlFloat},
		"car_minutes_to_oberzentrum":         {indicatorSQL("car_minutes_to_oberzentrum"), sqlFloat},
		"bicycle_minutes_to_mittelzentrum":   {indicatorSQL("bicycle_minutes_to_mittelzentrum"), sqlFloat},
		"bicycle_minutes_to_oberzentrum":     {indicatorSQL("bicycle_minutes_to_oberzentrum"), sqlFloat},
		"transit_minutes_to_mittelzentrum":   {indicatorSQL("transit_minutes_to_mittelzentrum"), sqlFloat},
		"transit_minutes_to_oberzentrum":     {indicatorSQL("transit_minutes_to_oberzentrum"), sqlFloat},
		"transit_share_to_mittelzentrum_pct": {indicatorSQL("transit_share_to_mittelzentrum_pct"), sqlFloat},
		"transit_share_to_oberzentrum_pct":   {indicatorSQL("transit_share_to_oberzentrum_pct"), sqlFloat},
	},
	"population_grid": {
		"inspire_id": {"inspire_id", sqlText}, "resolution_m": {"resolution_m", sqlFloat}, "population": {"population", sqlFloat},
		"secret": {"secret", sqlBool}, "share_under_18": {"share_under_18", sqlFloat}, "share_65_plus": {"share_65_plus", sqlFloat},
		"ags": {"ags", sqlText}, "year": {"year", sqlFloat},
	},
	"central_places": {
		"name": {"name", sqlText}, "level": {"level", sqlLevel}, "level_rank": {"level", sqlFloat},
		"lep_type": {"lep_type", sqlText}, "verbund": {"verbund", sqlText}, "ags": {"coalesce(ags, '')", sqlText},
		"kreis_ags": {"kreis_ags", sqlText}, "planning_region": {"planning_region", sqlText}, "source": {"source", sqlText},
		"location_source": {"location_source", sqlText},
	},
	"facilities": {
		"category": {"category", sqlText}, "name": {"coalesce(name, '')", sqlText}, "capacity": {"capacity", sqlFloat},
		"source": {"source", sqlText}, "ags": {"ags", sqlText}, "opening_hours": {"opening_hours", sqlText},
	},
	"roads": {
		"way_id": {"way_id", sqlFloat}, "highway": {"highway", sqlText}, "name": {"name", sqlText}, "ref": {"ref", sqlText},
		"length_m": {"round(length_m::numeric, 1)::double precision", sqlFloat}, "oneway": {"oneway", sqlBool},
		"car_forward": {"car_forward", sqlBool}, "car_backward": {"car_backward", sqlBool}, "car_kmh": {"car_kmh", sqlFloat},
		"bicycle_forward": {"bicycle_forward", sqlBool}, "bicycle_backward": {"bicycle_backward", sqlBool}, "bicycle_kmh": {"bicycle_kmh", sqlFloat},
		"foot_forward": {"foot_forward", sqlBool}, "foot_backward": {"foot_backward", sqlBool}, "foot_kmh": {"foot_kmh", sqlFloat},
		"duration_s": {"duration_s", sqlFloat},
	},
	"projects": {
		"title": {"title", sqlText}, "applicant": {"applicant", sqlText}, "category": {"category", sqlText}, "kind": {"kind", sqlText},
		"investment_cost": {"NULLIF(investment_cost, 0)", sqlFloat}, "requested_funding": {"NULLIF(requested_funding, 0)", sqlFloat},
		"planning_region": {"planning_region", sqlText}, "status": {"status", sqlText}, "submitted_at": {"submitted_at", sqlTime},
		"speed_kmh": {"NULLIF(speed_kmh, 0)", sqlFloat}, "innovation": {"innovation", sqlFloat},
		"transferability": {"transferability", sqlFloat}, "synthetic": {"synthetic", sqlBool},
		"location_source": {"location_source", sqlText}, "facility_id": {"facility_id", sqlText},
		"capacity_change": {"capacity_change", sqlFloat}, "opening_hours_change": {"opening_hours_change", sqlFloat},
		"accessible_for": {"accessible_for", sqlText},
	},
}

// Table names the stored table of a collection and the SRID of its
// geometry column.
type Table struct {
	Collection string // collection id, for error messages
	Name       string // table name, a key of the queryables
	SRID       int
}

// Properties returns the queryable properties of table name, in ascending
// order; none for a table without queryables.
func Properties(name string) []string {
	out := make([]string, 0, len(queryables[name]))
	for k := range queryables[name] {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// SQL translates e for table t, appending its arguments through arg.
func (t Table) SQL(e layers.Expr, arg func(any) string) (string, error) {
	props := queryables[t.Name]
	col := func(name string) (sqlProp, error) {
		p, ok := props[name]
		if !ok {
			return p, fmt.Errorf("postgis: filter: collection %q: property %q cannot be filtered: %w", t.Collection, name, layers.ErrInvalid)
		}
		return p, nil
	}
	lit := func(p sqlProp, v layers.Value) (string, error) {
		switch p.typ {
		case sqlText:
			if v.Kind == layers.KindString {
				return arg(v.Str) + "::text", nil
			}
		case sqlFloat:
			if v.Kind == layers.KindNumber {
				return arg(v.Num) + "::double precision", nil
			}
		case sqlBool:
			if v.Kind == layers.KindBool {
				return arg(v.Bool) + "::boolean", nil
			}
		case sqlTime:
			if v.Kind == layers.KindTimestamp || v.Kind == layers.KindDate {
				return arg(v.Time.UTC()) + "::timestamptz", nil
			}
		case sqlDate:
			if v.Kind == layers.KindDate || v.Kind == layers.KindTimestamp {
				return arg(v.Time.UTC().Format(time.DateOnly)) + "::date", nil
			}
		case sqlLevel:
			if v.Kind == layers.KindString {
				rank := -1 // no level is named so: compare with an impossible rank
				for l := layers.LevelGrundzentrum; l <= layers.LevelOberzentrum; l++ {
					if l.String() == v.Str {
						rank = int(l)
					}
				}
				return arg(rank) + "::smallint", nil
			}
		}
		return "", fmt.Errorf("postgis: filter: literal %s does not fit %s: %w", v, p.expr, layers.ErrInvalid)
	}
	var walk func(e layers.Expr) (string, error)
	join := func(args []layers.Expr, op string) (string, error) {
		parts := make([]string, len(args))
		for i, a := range args {
			s, err := walk(a)
			if err != nil {
				return "", err
			}
			parts[i] = "(" + s + ")"
		}
		return strings.Join(parts, " "+op+" "), nil
	}
	walk = func(e layers.Expr) (string, error) {
		switch x := e.(type) {
		case *layers.And:
			return join(x.Args, "AND")
		case *layers.Or:
			return join(x.Args, "OR")
		case *layers.Not:
			s, err := walk(x.Arg)
			return "NOT (" + s + ")", err
		case *layers.Compare:
			p, err := col(x.Prop)
			if err != nil {
				return "", err
			}
			v, err := lit(p, x.Value)
			if err != nil {
				return "", err
			}
			lhs := p.expr
			if p.typ == sqlText && x.Op != layers.OpEq && x.Op != layers.OpNe {
				lhs += ` COLLATE "C"` // bytewise order, as Go compares strings
			}
			if p.typ == sqlLevel && x.Op != layers.OpEq && x.Op != layers.OpNe {
				return "", fmt.Errorf("postgis: filter: level names have no order; use level_rank: %w", layers.ErrInvalid)
			}
			return lhs + " " + string(x.Op) + " " + v, nil
		case *layers.In:
			p, err := col(x.Prop)
			if err != nil {
				return "", err
			}
			vs := make([]string, len(x.Values))
			for i, v := range x.Values {
				if vs[i], err = lit(p, v); err != nil {
					return "", err
				}
			}
			return p.expr + " IN (" + strings.Join(vs, ", ") + ")", nil
		case *layers.Between:
			p, err := col(x.Prop)
			if err != nil {
				return "", err
			}
			if p.typ == sqlLevel {
				return "", fmt.Errorf("postgis: filter: level names have no order; use level_rank: %w", layers.ErrInvalid)
			}
			lo, err := lit(p, x.Low)
			if err != nil {
				return "", err
			}
			hi, err := lit(p, x.High)
			if err != nil {
				return "", err
			}
			lhs := p.expr
			if p.typ == sqlText {
				lhs += ` COLLATE "C"`
			}
			return lhs + " BETWEEN " + lo + " AND " + hi, nil
		case *layers.Like:
			p, err := col(x.Prop)
			if err != nil {
				return "", err
			}
			if p.typ != sqlText {
				return "", fmt.Errorf("postgis: filter: LIKE on %s: %w", x.Prop, layers.ErrInvalid)
			}
			return p.expr + ` COLLATE "C" LIKE ` + arg(x.Pattern) + "::text", nil
		case *layers.IsNull:
			p, err := col(x.Prop)
			if err != nil {
				return "", err
			}
			return p.expr + " IS NULL", nil
		case *layers.Intersects:
			return t.intersectsSQL(x, arg)
		}
		return "", fmt.Errorf("postgis: filter: unsupported expression %T: %w", e, layers.ErrInvalid)
	}
	return walk(e)
}

// intersectsSQL is the exact test in the filter's CRS, with a test on the
// stored geometry's index first: in the storage CRS directly, otherwise
// against the envelope of the filter geometry densified, transformed into
// the storage CRS and widened by a metre.
func (t Table) intersectsSQL(x *layers.Intersects, arg func(any) string) (string, error) {
	srid := int(x.CRS)
	step := 1000.0 // metres
	if x.CRS == crs.CRS84 {
		srid, step = 4326, 0.01 // degrees
	}
	b, err := wkb.Marshal(x.Geometry)
	if err != nil {
		return "", fmt.Errorf("postgis: filter: geometry: %w: %w", err, layers.ErrInvalid)
	}
	g := "ST_GeomFromWKB(" + arg(b) + ", " + strconv.Itoa(srid) + ")"
	if srid == t.SRID {
		return "ST_Intersects(geom, " + g + ")", nil
	}
	env := x.Geometry.Bound()
	envSQL := "ST_Segmentize(ST_MakeEnvelope(" + arg(env.Min[0]) + "::float8, " + arg(env.Min[1]) + "::float8, " +
		arg(env.Max[0]) + "::float8, " + arg(env.Max[1]) + "::float8, " + strconv.Itoa(srid) + "), " + strconv.FormatFloat(step, 'g', -1, 64) + ")"
	if env.Min == env.Max || env.Min[0] == env.Max[0] || env.Min[1] == env.Max[1] {
		envSQL = g // a point or an axis-parallel line: its own envelope
	}
	return "geom && ST_Expand(ST_Transform(" + envSQL + ", " + strconv.Itoa(t.SRID) + "), 1) AND ST_Intersects(ST_Transform(geom, " +
		strconv.Itoa(srid) + "), " + g + ")", nil
}

// indicatorSQL is the SQL of an indicator served as a property of its own
// (layers.CentreIndicatorKeys): the value rounded as served. key is one of
// those constants, never user input.
func indicatorSQL(key string) string {
	return "(SELECT round(i.value::numeric, 2)::double precision FROM municipality_indicators i WHERE i.ags = municipalities.ags AND i.key = '" + key + "')"
}
