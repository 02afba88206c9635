package layers

import (
	"strconv"
	"strings"
	"time"

	"github.com/paulmach/orb"

	"reach/geo/crs"
)

// This file holds the filter expressions of OGC API Features Part 3 (CQL2
// basic comparisons, IN, BETWEEN, LIKE, IS NULL, AND/OR/NOT and
// S_INTERSECTS) as a small tree that every store evaluates with the same
// semantics: SQL's three-valued logic, where a comparison with a null
// property is unknown, NOT unknown is unknown, and a feature is selected
// only when the whole expression is true. The parsers live in internal/ogc;
// the PostGIS store translates the tree into parameterised SQL; query.Match
// evaluates it in memory.

// Expr is a filter expression: one of *And, *Or, *Not, *Compare, *In,
// *Between, *Like, *IsNull, *Intersects. Expressions are immutable once
// built and safe for concurrent use.
type Expr interface{ isExpr() }

// And is true when every argument is true.
type And struct{ Args []Expr }

// Or is true when any argument is true.
type Or struct{ Args []Expr }

// Not negates its argument (unknown stays unknown).
type Not struct{ Arg Expr }

// CompareOp is a comparison operator.
type CompareOp string

// Comparison operators.
const (
	OpEq CompareOp = "="
	OpNe CompareOp = "<>"
	OpLt CompareOp = "<"
	OpLe CompareOp = "<="
	OpGt CompareOp = ">"
	OpGe CompareOp = ">="
)

// Compare compares a property with a literal: Prop Op Value.
type Compare struct {
	Prop  string
	Op    CompareOp
	Value Value
	Pos   int // byte offset of the predicate in the filter text, for errors
}

// In is true when the property equals one of Values.
type In struct {
	Prop   string
	Values []Value
	Pos    int
}

// Between is true when Low <= property <= High.
type Between struct {
	Prop      string
	Low, High Value
	Pos       int
}

// Like matches a string property against Pattern, where % stands for any
// sequence of characters, _ for one character and a backslash escapes the
// next character. Matching is case-sensitive.
type Like struct {
	Prop    string
	Pattern string
	Pos     int
}

// IsNull is true when the property is null (or absent).
type IsNull struct {
	Prop string
	Pos  int
}

// Intersects is true when the feature's geometry intersects Geometry. Both
// are compared in CRS (the feature's vertices transformed into it, edges
// straight in it); Geometry's coordinates are in CRS's x/y order (CRS84:
// lon/lat; EPSG:4326 is not used here, parsers swap it to CRS84). A
// feature without geometry does not intersect anything.
type Intersects struct {
	Geometry orb.Geometry
	CRS      crs.Code
	Pos      int
}

func (*And) isExpr()        {}
func (*Or) isExpr()         {}
func (*Not) isExpr()        {}
func (*Compare) isExpr()    {}
func (*In) isExpr()         {}
func (*Between) isExpr()    {}
func (*Like) isExpr()       {}
func (*IsNull) isExpr()     {}
func (*Intersects) isExpr() {}

// ValueKind is the type of a literal.
type ValueKind int

// Literal kinds.
const (
	KindString ValueKind = iota + 1
	KindNumber
	KindBool
	KindTimestamp // an instant (UTC)
	KindDate      // a calendar date (Time at 00:00 UTC)
)

func (k ValueKind) String() string {
	switch k {
	case KindString:
		return "string"
	case KindNumber:
		return "number"
	case KindBool:
		return "boolean"
	case KindTimestamp:
		return "timestamp"
	case KindDate:
		return "date"
	}
	return "unknown"
}

// Value is a literal of a filter.
type Value struct {
	Kind ValueKind
	Str  string
	Num  float64
	Bool bool
	Time time.Time
}

// String shows the literal as in CQL2 text.
func (v Value) String() string {
	switch v.Kind {
	case KindString:
		return "'" + strings.ReplaceAll(v.Str, "'", "''") + "'"
	case KindNumber:
		return strconv.FormatFloat(v.Num, 'g', -1, 64)
	case KindBool:
		return strconv.FormatBool(v.Bool)
	case KindTimestamp:
		return "TIMESTAMP('" + v.Time.UTC().Format(time.RFC3339Nano) + "')"
	case KindDate:
		return "DATE('" + v.Time.UTC().Format("2006-01-02") + "')"
	}
	return "?"
}

// GeometryProperty is the name by which filters refer to a feature's
// geometry.
const GeometryProperty = "geometry"

// Queryable reports whether filters may use p: scalar properties (strings,
// numbers, booleans, dates) are queryable, arrays and objects are not.
func (p PropertyInfo) Queryable() bool {
	switch p.Type {
	case "string", "integer", "number", "boolean":
		return true
	}
	return false
}

// AndExprs joins expressions with AND, leaving out nils; nil when none is
// left.
func AndExprs(es ...Expr) Expr {
	var args []Expr
	for _, e := range es {
		if e != nil {
			args = append(args, e)
		}
	}
	switch len(args) {
	case 0:
		return nil
	case 1:
		return args[0]
	}
	return &And{Args: args}
}
