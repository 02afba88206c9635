package query

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/paulmach/orb"

	"reach/geo/crs"
	"reach/geo/spatial"
	"reach/layers"
)

// Error says why a filter does not fit a collection; Pos is the byte
// offset in the filter text (-1 when unknown). It unwraps to layers.ErrInvalid.
type Error struct {
	Pos    int
	Reason string
}

// Error returns "filter: at position N: REASON".
func (e *Error) Error() string {
	if e.Pos < 0 {
		return "filter: " + e.Reason
	}
	return fmt.Sprintf("filter: at position %d: %s", e.Pos, e.Reason)
}

// Unwrap returns layers.ErrInvalid.
func (e *Error) Unwrap() error { return layers.ErrInvalid }

// Check checks that e fits collection c: every property is a
// queryable property of c, every literal has a kind the property can be
// compared with, ordering operators are used on numbers, strings and dates
// only, LIKE on strings only. A nil e is fine.
func Check(c layers.Collection, e layers.Expr) error {
	if e == nil {
		return nil
	}
	props := map[string]layers.PropertyInfo{}
	for _, p := range c.Properties {
		props[p.Name] = p
	}
	prop := func(name string, pos int) (layers.PropertyInfo, error) {
		p, ok := props[name]
		if !ok {
			return p, &Error{pos, fmt.Sprintf("collection %q has no property %q; queryables: %s", c.ID, name, strings.Join(queryableNames(c), ", "))}
		}
		if !p.Queryable() {
			return p, &Error{pos, fmt.Sprintf("property %q is %s and cannot be filtered", name, articled(p.Type))}
		}
		return p, nil
	}
	lit := func(p layers.PropertyInfo, v layers.Value, pos int) error {
		if fits(p, v.Kind) {
			return nil
		}
		return &Error{pos, fmt.Sprintf("property %q is %s, the value %s is %s", p.Name, describe(p), v, articled(v.Kind.String()))}
	}
	var walk func(e layers.Expr) error
	walk = func(e layers.Expr) error {
		switch x := e.(type) {
		case *layers.And:
			for _, a := range x.Args {
				if err := walk(a); err != nil {
					return err
				}
			}
		case *layers.Or:
			for _, a := range x.Args {
				if err := walk(a); err != nil {
					return err
				}
			}
		case *layers.Not:
			return walk(x.Arg)
		case *layers.Compare:
			p, err := prop(x.Prop, x.Pos)
			if err != nil {
				return err
			}
			if x.Op != layers.OpEq && x.Op != layers.OpNe && p.Type == "boolean" {
				return &Error{x.Pos, fmt.Sprintf("property %q is a boolean; only = and <> apply", p.Name)}
			}
			return lit(p, x.Value, x.Pos)
		case *layers.In:
			p, err := prop(x.Prop, x.Pos)
			if err != nil {
				return err
			}
			for _, v := range x.Values {
				if err := lit(p, v, x.Pos); err != nil {
					return err
				}
			}
		case *layers.Between:
			p, err := prop(x.Prop, x.Pos)
			if err != nil {
				return err
			}
			if p.Type == "boolean" {
				return &Error{x.Pos, fmt.Sprintf("property %q is a boolean; BETWEEN does not apply", p.Name)}
			}
			if err := lit(p, x.Low, x.Pos); err != nil {
				return err
			}
			return lit(p, x.High, x.Pos)
		case *layers.Like:
			p, err := prop(x.Prop, x.Pos)
			if err != nil {
				return err
			}
			if p.Type != "string" || p.Format != "" {
				return &Error{x.Pos, fmt.Sprintf("LIKE needs a string property; %q is %s", p.Name, describe(p))}
			}
		case *layers.IsNull:
			_, err := prop(x.Prop, x.Pos)
			return err
		case *layers.Intersects:
			if x.Geometry == nil {
				return &Error{x.Pos, "S_INTERSECTS without a geometry"}
			}
			if !x.CRS.Valid() || x.CRS == crs.EPSG4326 {
				return &Error{x.Pos, fmt.Sprintf("S_INTERSECTS in unsupported reference system %v", x.CRS)}
			}
		case nil:
			return &Error{-1, "empty expression"}
		default:
			return &Error{-1, fmt.Sprintf("unsupported expression %T", e)}
		}
		return nil
	}
	return walk(e)
}

func queryableNames(c layers.Collection) []string {
	var out []string
	for _, p := range c.Properties {
		if p.Queryable() {
			out = append(out, p.Name)
		}
	}
	return append(out, layers.GeometryProperty)
}

func articled(s string) string {
	switch s[0] {
	case 'a', 'e', 'i', 'o', 'u':
		return "an " + s
	}
	return "a " + s
}

func describe(p layers.PropertyInfo) string {
	switch p.Format {
	case "date-time":
		return "a timestamp"
	case "date":
		return "a date"
	}
	return articled(p.Type)
}

// fits reports whether a literal of kind k can be compared with p.
func fits(p layers.PropertyInfo, k layers.ValueKind) bool {
	switch p.Type {
	case "integer", "number":
		return k == layers.KindNumber
	case "boolean":
		return k == layers.KindBool
	case "string":
		switch p.Format {
		case "date-time":
			return k == layers.KindTimestamp || k == layers.KindDate
		case "date":
			return k == layers.KindDate
		}
		return k == layers.KindString
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
// nil e selects every feature. e is assumed checked by Check against
// f's collection; a property f lacks counts as null.
func Match(e layers.Expr, f layers.Feature) bool {
	if e == nil {
		return true
	}
	return eval(e, f) == yes
}

func eval(e layers.Expr, f layers.Feature) truth {
	switch x := e.(type) {
	case *layers.And:
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
	case *layers.Or:
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
	case *layers.Not:
		switch eval(x.Arg, f) {
		case yes:
			return no
		case no:
			return yes
		}
		return unknown
	case *layers.Compare:
		v, _ := f.Get(x.Prop)
		c, ok := compareValue(v, x.Value)
		if !ok {
			return unknown
		}
		switch x.Op {
		case layers.OpEq:
			return truthOf(c == 0)
		case layers.OpNe:
			return truthOf(c != 0)
		case layers.OpLt:
			return truthOf(c < 0)
		case layers.OpLe:
			return truthOf(c <= 0)
		case layers.OpGt:
			return truthOf(c > 0)
		case layers.OpGe:
			return truthOf(c >= 0)
		}
		return unknown
	case *layers.In:
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
	case *layers.Between:
		v, _ := f.Get(x.Prop)
		lo, ok1 := compareValue(v, x.Low)
		hi, ok2 := compareValue(v, x.High)
		if !ok1 || !ok2 {
			return unknown
		}
		return truthOf(lo >= 0 && hi <= 0)
	case *layers.Like:
		v, _ := f.Get(x.Prop)
		s, ok := v.(string)
		if !ok {
			return unknown
		}
		return truthOf(likeMatch(s, x.Pattern))
	case *layers.IsNull:
		v, _ := f.Get(x.Prop)
		return truthOf(v == nil)
	case *layers.Intersects:
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
		return truthOf(spatial.Intersects(g, x.Geometry))
	}
	return unknown
}

// compareValue compares a property value with a literal: -1, 0, +1, and
// false when either is null or they cannot be compared.
func compareValue(v any, w layers.Value) (int, bool) {
	switch x := v.(type) {
	case nil:
		return 0, false
	case string:
		switch w.Kind {
		case layers.KindString:
			return strings.Compare(x, w.Str), true
		case layers.KindTimestamp, layers.KindDate:
			t, ok := parseServedTime(x)
			if !ok {
				return 0, false
			}
			return t.Compare(w.Time), true
		}
	case bool:
		if w.Kind == layers.KindBool {
			switch {
			case x == w.Bool:
				return 0, true
			case !x:
				return -1, true
			}
			return 1, true
		}
	case int64:
		if w.Kind == layers.KindNumber {
			return cmpFloat(float64(x), w.Num), true
		}
	case int:
		if w.Kind == layers.KindNumber {
			return cmpFloat(float64(x), w.Num), true
		}
	case float64:
		if w.Kind == layers.KindNumber && !math.IsNaN(x) {
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

// Properties lists the properties e refers to (without the
// geometry), each once, in order of first use.
func Properties(e layers.Expr) []string {
	var out []string
	seen := map[string]bool{}
	add := func(p string) {
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	var walk func(layers.Expr)
	walk = func(e layers.Expr) {
		switch x := e.(type) {
		case *layers.And:
			for _, a := range x.Args {
				walk(a)
			}
		case *layers.Or:
			for _, a := range x.Args {
				walk(a)
			}
		case *layers.Not:
			walk(x.Arg)
		case *layers.Compare:
			add(x.Prop)
		case *layers.In:
			add(x.Prop)
		case *layers.Between:
			add(x.Prop)
		case *layers.Like:
			add(x.Prop)
		case *layers.IsNull:
			add(x.Prop)
		}
	}
	walk(e)
	return out
}

// Envelope returns a CRS84 bound that every feature selected by e
// intersects, when e is an layers.Intersects or an layers.And holding one; ok is false
// when e does not restrict the geometry that way. Stores use it to consult
// their spatial index before evaluating e.
func Envelope(e layers.Expr) (orb.Bound, bool) {
	switch x := e.(type) {
	case *layers.Intersects:
		b := x.Geometry.Bound()
		if x.CRS == crs.CRS84 {
			return b, true
		}
		ll, err := crs.BoundToLonLat(x.CRS, b)
		if err != nil {
			return orb.Bound{}, false
		}
		return ll, true
	case *layers.And:
		var out orb.Bound
		found := false
		for _, a := range x.Args {
			if b, ok := Envelope(a); ok {
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

// MatchParams reports whether f has, for every filter, a property of that
// name whose value printed as text equals the wanted value. Array values
// match when any element equals it.
func MatchParams(f layers.Feature, filters map[string]string) bool {
	for k, want := range filters {
		v, ok := f.Get(k)
		if !ok {
			return false
		}
		if !valueEquals(v, want) {
			return false
		}
	}
	return true
}

func valueEquals(v any, want string) bool {
	switch x := v.(type) {
	case nil:
		return want == "" || want == "null"
	case string:
		return x == want
	case bool:
		return strconv.FormatBool(x) == strings.ToLower(want)
	case int64:
		return strconv.FormatInt(x, 10) == want
	case float64:
		w, err := strconv.ParseFloat(want, 64)
		return err == nil && w == x
	case []string:
		for _, s := range x {
			if s == want {
				return true
			}
		}
	}
	return fmt.Sprint(v) == want
}

// CheckParams checks that every filter names a filterable property of
// the collection; the error names the first one that does not.
func CheckParams(c layers.Collection, filters map[string]string) error {
	keys := make([]string, 0, len(filters))
	for k := range filters {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		ok := false
		for _, p := range c.Properties {
			if p.Name == k && p.Filterable {
				ok = true
				break
			}
		}
		if !ok {
			return fmt.Errorf("%w: parameter %q: collection %q cannot be filtered by it", layers.ErrInvalid, k, c.ID)
		}
	}
	return nil
}
