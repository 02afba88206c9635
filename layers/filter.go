package layers

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/paulmach/orb"

	"reach/geo/crs"
)

// This file holds the filter expressions of OGC API Features Part 3 (CQL2
// basic comparisons, IN, BETWEEN, LIKE, IS NULL, AND/OR/NOT and
// S_INTERSECTS) as a small tree that every store evaluates with the same
// semantics: SQL's three-valued logic, where a comparison with a null
// property is unknown, NOT unknown is unknown, and a feature is selected
// only when the whole expression is true. The parsers live in internal/ogc;
// the PostGIS store translates the tree into parameterised SQL; Match
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

// FilterError says why a filter does not fit a collection; Pos is the byte
// offset in the filter text (-1 when unknown). It unwraps to ErrInvalid.
type FilterError struct {
	Pos    int
	Reason string
}

// Error returns "filter: at position N: REASON".
func (e *FilterError) Error() string {
	if e.Pos < 0 {
		return "filter: " + e.Reason
	}
	return fmt.Sprintf("filter: at position %d: %s", e.Pos, e.Reason)
}

// Unwrap returns ErrInvalid.
func (e *FilterError) Unwrap() error { return ErrInvalid }

// CheckFilter checks that e fits collection c: every property is a
// queryable property of c, every literal has a kind the property can be
// compared with, ordering operators are used on numbers, strings and dates
// only, LIKE on strings only. A nil e is fine.
func CheckFilter(c Collection, e Expr) error {
	if e == nil {
		return nil
	}
	props := map[string]PropertyInfo{}
	for _, p := range c.Properties {
		props[p.Name] = p
	}
	prop := func(name string, pos int) (PropertyInfo, error) {
		p, ok := props[name]
		if !ok {
			return p, &FilterError{pos, fmt.Sprintf("collection %q has no property %q; queryables: %s", c.ID, name, strings.Join(queryableNames(c), ", "))}
		}
		if !p.Queryable() {
			return p, &FilterError{pos, fmt.Sprintf("property %q is %s and cannot be filtered", name, articled(p.Type))}
		}
		return p, nil
	}
	lit := func(p PropertyInfo, v Value, pos int) error {
		if fits(p, v.Kind) {
			return nil
		}
		return &FilterError{pos, fmt.Sprintf("property %q is %s, the value %s is %s", p.Name, describe(p), v, articled(v.Kind.String()))}
	}
	var walk func(e Expr) error
	walk = func(e Expr) error {
		switch x := e.(type) {
		case *And:
			for _, a := range x.Args {
				if err := walk(a); err != nil {
					return err
				}
			}
		case *Or:
			for _, a := range x.Args {
				if err := walk(a); err != nil {
					return err
				}
			}
		case *Not:
			return walk(x.Arg)
		case *Compare:
			p, err := prop(x.Prop, x.Pos)
			if err != nil {
				return err
			}
			if x.Op != OpEq && x.Op != OpNe && p.Type == "boolean" {
				return &FilterError{x.Pos, fmt.Sprintf("property %q is a boolean; only = and <> apply", p.Name)}
			}
			return lit(p, x.Value, x.Pos)
		case *In:
			p, err := prop(x.Prop, x.Pos)
			if err != nil {
				return err
			}
			for _, v := range x.Values {
				if err := lit(p, v, x.Pos); err != nil {
					return err
				}
			}
		case *Between:
			p, err := prop(x.Prop, x.Pos)
			if err != nil {
				return err
			}
			if p.Type == "boolean" {
				return &FilterError{x.Pos, fmt.Sprintf("property %q is a boolean; BETWEEN does not apply", p.Name)}
			}
			if err := lit(p, x.Low, x.Pos); err != nil {
				return err
			}
			return lit(p, x.High, x.Pos)
		case *Like:
			p, err := prop(x.Prop, x.Pos)
			if err != nil {
				return err
			}
			if p.Type != "string" || p.Format != "" {
				return &FilterError{x.Pos, fmt.Sprintf("LIKE needs a string property; %q is %s", p.Name, describe(p))}
			}
		case *IsNull:
			_, err := prop(x.Prop, x.Pos)
			return err
		case *Intersects:
			if x.Geometry == nil {
				return &FilterError{x.Pos, "S_INTERSECTS without a geometry"}
			}
			if !x.CRS.Valid() || x.CRS == crs.EPSG4326 {
				return &FilterError{x.Pos, fmt.Sprintf("S_INTERSECTS in unsupported reference system %v", x.CRS)}
			}
		case nil:
			return &FilterError{-1, "empty expression"}
		default:
			return &FilterError{-1, fmt.Sprintf("unsupported expression %T", e)}
		}
		return nil
	}
	return walk(e)
}

func queryableNames(c Collection) []string {
	var out []string
	for _, p := range c.Properties {
		if p.Queryable() {
			out = append(out, p.Name)
		}
	}
	return append(out, GeometryProperty)
}

func articled(s string) string {
	switch s[0] {
	case 'a', 'e', 'i', 'o', 'u':
		return "an " + s
	}
	return "a " + s
}

func describe(p PropertyInfo) string {
	switch p.Format {
	case "date-time":
		return "a timestamp"
	case "date":
		return "a date"
	}
	return articled(p.Type)
}

// fits reports whether a literal of kind k can be compared with p.
func fits(p PropertyInfo, k ValueKind) bool {
	switch p.Type {
	case "integer", "number":
		return k == KindNumber
	case "boolean":
		return k == KindBool
	case "string":
		switch p.Format {
		case "date-time":
			return k == KindTimestamp || k == KindDate
		case "date":
			return k == KindDate
		}
		return k == KindString
	}
	return false
}

// truth is a value of three-valued logic.
type truth int8

const (
	unknown truth = iota
	yes
	no
)

func truthOf(b bool) truth {
	if b {
		return yes
	}
	return no
}

// Match reports whether feature f is selected by e (true, not unknown). A
// nil e selects every feature. e is assumed checked by CheckFilter against
// f's collection; a property f lacks counts as null.
func Match(e Expr, f Feature) bool {
	if e == nil {
		return true
	}
	return eval(e, f) == yes
}

func eval(e Expr, f Feature) truth {
	switch x := e.(type) {
	case *And:
		out := yes
		for _, a := range x.Args {
			switch eval(a, f) {
			case no:
				return no
			case unknown:
				out = unknown
			}
		}
		return out
	case *Or:
		out := no
		for _, a := range x.Args {
			switch eval(a, f) {
			case yes:
				return yes
			case unknown:
				out = unknown
			}
		}
		return out
	case *Not:
		switch eval(x.Arg, f) {
		case yes:
			return no
		case no:
			return yes
		}
		return unknown
	case *Compare:
		v, _ := f.Get(x.Prop)
		c, ok := compareValue(v, x.Value)
		if !ok {
			return unknown
		}
		switch x.Op {
		case OpEq:
			return truthOf(c == 0)
		case OpNe:
			return truthOf(c != 0)
		case OpLt:
			return truthOf(c < 0)
		case OpLe:
			return truthOf(c <= 0)
		case OpGt:
			return truthOf(c > 0)
		case OpGe:
			return truthOf(c >= 0)
		}
		return unknown
	case *In:
		v, _ := f.Get(x.Prop)
		out := no
		for _, w := range x.Values {
			c, ok := compareValue(v, w)
			if !ok {
				out = unknown
				continue
			}
			if c == 0 {
				return yes
			}
		}
		return out
	case *Between:
		v, _ := f.Get(x.Prop)
		lo, ok1 := compareValue(v, x.Low)
		hi, ok2 := compareValue(v, x.High)
		if !ok1 || !ok2 {
			return unknown
		}
		return truthOf(lo >= 0 && hi <= 0)
	case *Like:
		v, _ := f.Get(x.Prop)
		s, ok := v.(string)
		if !ok {
			return unknown
		}
		return truthOf(likeMatch(s, x.Pattern))
	case *IsNull:
		v, _ := f.Get(x.Prop)
		return truthOf(v == nil)
	case *Intersects:
		if f.Geometry == nil {
			return no
		}
		g := f.Geometry
		if x.CRS != crs.CRS84 {
			var err error
			if g, err = crs.Project(g, crs.CRS84, x.CRS); err != nil {
				return no
			}
		}
		return truthOf(GeometriesIntersect(g, x.Geometry))
	}
	return unknown
}

// compareValue compares a property value with a literal: -1, 0, +1, and
// false when either is null or they cannot be compared.
func compareValue(v any, w Value) (int, bool) {
	switch x := v.(type) {
	case nil:
		return 0, false
	case string:
		switch w.Kind {
		case KindString:
			return strings.Compare(x, w.Str), true
		case KindTimestamp, KindDate:
			t, ok := parseServedTime(x)
			if !ok {
				return 0, false
			}
			return t.Compare(w.Time), true
		}
	case bool:
		if w.Kind == KindBool {
			switch {
			case x == w.Bool:
				return 0, true
			case !x:
				return -1, true
			}
			return 1, true
		}
	case int64:
		if w.Kind == KindNumber {
			return cmpFloat(float64(x), w.Num), true
		}
	case int:
		if w.Kind == KindNumber {
			return cmpFloat(float64(x), w.Num), true
		}
	case float64:
		if w.Kind == KindNumber && !math.IsNaN(x) {
			return cmpFloat(x, w.Num), true
		}
	}
	return 0, false
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// parseServedTime reads a served date ("2006-01-02", midnight UTC) or
// timestamp (RFC 3339).
func parseServedTime(s string) (time.Time, bool) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, true
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t, true
	}
	return time.Time{}, false
}

// likeMatch matches s against a LIKE pattern (% any run, _ one character,
// backslash escapes), character by character.
func likeMatch(s, pattern string) bool {
	// Iterative matching with backtracking to the last %.
	type tok struct {
		any, one bool
		r        rune
	}
	var toks []tok
	for i := 0; i < len(pattern); {
		r, n := utf8.DecodeRuneInString(pattern[i:])
		i += n
		switch r {
		case '%':
			toks = append(toks, tok{any: true})
		case '_':
			toks = append(toks, tok{one: true})
		case '\\':
			if i < len(pattern) {
				r, n = utf8.DecodeRuneInString(pattern[i:])
				i += n
			}
			toks = append(toks, tok{r: r})
		default:
			toks = append(toks, tok{r: r})
		}
	}
	rs := []rune(s)
	si, ti := 0, 0
	starT, starS := -1, 0
	for si < len(rs) {
		switch {
		case ti < len(toks) && toks[ti].any:
			starT, starS = ti, si
			ti++
		case ti < len(toks) && (toks[ti].one || toks[ti].r == rs[si]):
			si++
			ti++
		case starT >= 0:
			starS++
			si = starS
			ti = starT + 1
		default:
			return false
		}
	}
	for ti < len(toks) && toks[ti].any {
		ti++
	}
	return ti == len(toks)
}

// FilterProperties lists the properties e refers to (without the
// geometry), each once, in order of first use.
func FilterProperties(e Expr) []string {
	var out []string
	seen := map[string]bool{}
	add := func(p string) {
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	var walk func(Expr)
	walk = func(e Expr) {
		switch x := e.(type) {
		case *And:
			for _, a := range x.Args {
				walk(a)
			}
		case *Or:
			for _, a := range x.Args {
				walk(a)
			}
		case *Not:
			walk(x.Arg)
		case *Compare:
			add(x.Prop)
		case *In:
			add(x.Prop)
		case *Between:
			add(x.Prop)
		case *Like:
			add(x.Prop)
		case *IsNull:
			add(x.Prop)
		}
	}
	walk(e)
	return out
}

// FilterEnvelope returns a CRS84 bound that every feature selected by e
// intersects, when e is an Intersects or an And holding one; ok is false
// when e does not restrict the geometry that way. Stores use it to consult
// their spatial index before evaluating e.
func FilterEnvelope(e Expr) (orb.Bound, bool) {
	switch x := e.(type) {
	case *Intersects:
		b := x.Geometry.Bound()
		if x.CRS == crs.CRS84 {
			return b, true
		}
		ll, err := crs.BoundToLonLat(x.CRS, b)
		if err != nil {
			return orb.Bound{}, false
		}
		return ll, true
	case *And:
		var out orb.Bound
		found := false
		for _, a := range x.Args {
			if b, ok := FilterEnvelope(a); ok {
				if !found {
					out, found = b, true
				} else if out.Intersects(b) {
					out = orb.Bound{Min: orb.Point{math.Max(out.Min[0], b.Min[0]), math.Max(out.Min[1], b.Min[1])},
						Max: orb.Point{math.Min(out.Max[0], b.Max[0]), math.Min(out.Max[1], b.Max[1])}}
				} else {
					return b, true // disjoint: nothing matches; any one box will do
				}
			}
		}
		return out, found
	}
	return orb.Bound{}, false
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
