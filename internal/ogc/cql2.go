package ogc

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/project"

	"reach/geo/crs"
	"reach/geo/spatial"
	"reach/layers"
	"reach/layers/query"
)

// This file parses the filter parameter of OGC API Features Part 3 in
// CQL2 text and CQL2 JSON (Basic CQL2, Advanced Comparison Operators
// without functions, Basic Spatial Functions with S_INTERSECTS) into
// layers.Expr. Errors name the byte position in the text, or the path in
// the JSON document.

// Filter languages.
const (
	FilterLangText = "cql2-text"
	FilterLangJSON = "cql2-json"
)

// maxFilterBytes bounds the filter text; maxFilterDepth its nesting.
const (
	maxFilterBytes = 64 << 10
	maxFilterDepth = 64
)

// ParseFilter parses filter in language lang (FilterLangText or
// FilterLangJSON; "" means text), with geometries in filterCRS, and checks
// it against collection c (query.Check). The error is a ParamError
// for parameter "filter" whose reason names the position (text) or the
// path (JSON) of the fault.
func ParseFilter(filter, lang string, filterCRS crs.Code, c layers.Collection) (layers.Expr, error) {
	bad := func(reason string) (layers.Expr, error) {
		v := filter
		if len(v) > 200 {
			v = v[:200] + "…"
		}
		return nil, ParamError{Name: "filter", Value: v, Reason: reason}
	}
	if len(filter) > maxFilterBytes {
		return bad(fmt.Sprintf("longer than %d bytes", maxFilterBytes))
	}
	var e layers.Expr
	var paths []string
	var err error
	switch lang {
	case "", FilterLangText, "cql-text":
		e, err = ParseCQL2Text(filter, filterCRS)
	case FilterLangJSON:
		e, paths, err = parseCQL2JSON([]byte(filter), filterCRS)
	default:
		return nil, ParamError{Name: "filter-lang", Value: lang, Reason: "unknown filter language; want cql2-text or cql2-json"}
	}
	if err == nil {
		e = coerce(e, c)
		err = query.Check(c, e)
		var fe *query.Error
		if paths != nil && errors.As(err, &fe) && fe.Pos >= 0 && fe.Pos < len(paths) {
			err = fmt.Errorf("at %s: %s", paths[fe.Pos], fe.Reason)
		}
	}
	if err != nil {
		return bad(strings.TrimPrefix(err.Error(), "filter: "))
	}
	return e, nil
}

// coerce adapts literals the way clients write them to the property they
// are compared with: a string that is an RFC 3339 timestamp or a date
// compared with a date-time or date property becomes that (GDAL writes
// dates as strings), and 0 or 1 compared with a boolean property becomes
// false or true (GDAL holds booleans as integers). Everything else is left
// for query.Check to judge.
func coerce(e layers.Expr, c layers.Collection) layers.Expr {
	props := map[string]layers.PropertyInfo{}
	for _, p := range c.Properties {
		props[p.Name] = p
	}
	fix := func(prop string, v layers.Value) layers.Value {
		p, ok := props[prop]
		if !ok {
			return v
		}
		switch {
		case p.Type == "string" && (p.Format == "date-time" || p.Format == "date") && v.Kind == layers.KindString:
			if t, err := timeValue(v.Str, false); err == nil {
				return t
			}
			if t, err := timeValue(v.Str, true); err == nil {
				return t
			}
		case p.Type == "boolean" && v.Kind == layers.KindNumber && (v.Num == 0 || v.Num == 1):
			return layers.Value{Kind: layers.KindBool, Bool: v.Num == 1}
		}
		return v
	}
	var walk func(layers.Expr) layers.Expr
	walk = func(e layers.Expr) layers.Expr {
		switch x := e.(type) {
		case *layers.And:
			args := make([]layers.Expr, len(x.Args))
			for i, a := range x.Args {
				args[i] = walk(a)
			}
			return &layers.And{Args: args}
		case *layers.Or:
			args := make([]layers.Expr, len(x.Args))
			for i, a := range x.Args {
				args[i] = walk(a)
			}
			return &layers.Or{Args: args}
		case *layers.Not:
			return &layers.Not{Arg: walk(x.Arg)}
		case *layers.Compare:
			y := *x
			y.Value = fix(x.Prop, x.Value)
			return &y
		case *layers.In:
			y := *x
			y.Values = make([]layers.Value, len(x.Values))
			for i, v := range x.Values {
				y.Values[i] = fix(x.Prop, v)
			}
			return &y
		case *layers.Between:
			y := *x
			y.Low, y.High = fix(x.Prop, x.Low), fix(x.Prop, x.High)
			return &y
		}
		return e
	}
	return walk(e)
}

// ---- CQL2 text ----

type tokKind int

const (
	tEOF tokKind = iota
	tIdent
	tQuoted // "quoted identifier"
	tString
	tNumber
	tOp // = <> < <= > >=
	tLParen
	tRParen
	tComma
)

type token struct {
	kind tokKind
	text string // identifier (as written), string contents, number text, operator
	pos  int
}

type lexer struct {
	src  string
	toks []token
}

func lex(src string) ([]token, error) {
	var out []token
	i := 0
	for i < len(src) {
		r, n := utf8.DecodeRuneInString(src[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			return nil, &query.Error{Pos: i, Reason: "invalid UTF-8"}
		case unicode.IsSpace(r):
			i += n
		case r == '(':
			out = append(out, token{tLParen, "(", i})
			i++
		case r == ')':
			out = append(out, token{tRParen, ")", i})
			i++
		case r == ',':
			out = append(out, token{tComma, ",", i})
			i++
		case r == '=':
			out = append(out, token{tOp, "=", i})
			i++
		case r == '<' || r == '>':
			op := string(r)
			if i+1 < len(src) && (src[i+1] == '=' || (r == '<' && src[i+1] == '>')) {
				op += string(src[i+1])
			}
			out = append(out, token{tOp, op, i})
			i += len(op)
		case r == '\'':
			var b strings.Builder
			j := i + 1
			for {
				if j >= len(src) {
					return nil, &query.Error{Pos: i, Reason: "string literal not closed (missing ')"}
				}
				if src[j] == '\'' {
					if j+1 < len(src) && src[j+1] == '\'' {
						b.WriteByte('\'')
						j += 2
						continue
					}
					break
				}
				b.WriteByte(src[j])
				j++
			}
			out = append(out, token{tString, b.String(), i})
			i = j + 1
		case r == '"':
			j := strings.IndexByte(src[i+1:], '"')
			if j < 0 {
				return nil, &query.Error{Pos: i, Reason: "quoted identifier not closed (missing \")"}
			}
			out = append(out, token{tQuoted, src[i+1 : i+1+j], i})
			i += j + 2
		case r == '-' || r == '+' || r == '.' || (r >= '0' && r <= '9'):
			j := i + 1
			for j < len(src) && (src[j] >= '0' && src[j] <= '9' || src[j] == '.' || src[j] == 'e' || src[j] == 'E' ||
				((src[j] == '-' || src[j] == '+') && (src[j-1] == 'e' || src[j-1] == 'E'))) {
				j++
			}
			out = append(out, token{tNumber, src[i:j], i})
			i = j
		case unicode.IsLetter(r) || r == '_':
			j := i + n
			for j < len(src) {
				r2, n2 := utf8.DecodeRuneInString(src[j:])
				if !(unicode.IsLetter(r2) || unicode.IsDigit(r2) || r2 == '_' || r2 == ':' || r2 == '.' || r2 == '-') {
					break
				}
				j += n2
			}
			out = append(out, token{tIdent, src[i:j], i})
			i = j
		default:
			return nil, &query.Error{Pos: i, Reason: fmt.Sprintf("unexpected character %q", r)}
		}
	}
	out = append(out, token{tEOF, "", len(src)})
	return out, nil
}

type textParser struct {
	toks  []token
	i     int
	crs   crs.Code
	depth int
}

func (p *textParser) peek() token { return p.toks[p.i] }
func (p *textParser) next() token {
	t := p.toks[p.i]
	if t.kind != tEOF {
		p.i++
	}
	return t
}

func (t token) is(kw string) bool { return t.kind == tIdent && strings.EqualFold(t.text, kw) }

func (t token) describe() string {
	switch t.kind {
	case tEOF:
		return "end of filter"
	case tString:
		return "string '" + t.text + "'"
	}
	return "\"" + t.text + "\""
}

func errAt(t token, format string, args ...any) error {
	return &query.Error{Pos: t.pos, Reason: fmt.Sprintf(format, args...)}
}

// ParseCQL2Text parses a CQL2 text expression with geometries in c (CRS84
// unless filter-crs says otherwise). It checks syntax only; see
// query.Check for the fit to a collection. Errors are
// *query.Error with the byte position.
func ParseCQL2Text(src string, c crs.Code) (layers.Expr, error) {
	if strings.TrimSpace(src) == "" {
		return nil, &query.Error{Pos: 0, Reason: "empty filter"}
	}
	toks, err := lex(src)
	if err != nil {
		return nil, err
	}
	p := &textParser{toks: toks, crs: c}
	e, err := p.or()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tEOF {
		return nil, errAt(t, "unexpected %s after a complete expression", t.describe())
	}
	return e, nil
}

func (p *textParser) or() (layers.Expr, error) {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > maxFilterDepth {
		return nil, errAt(p.peek(), "nested deeper than %d levels", maxFilterDepth)
	}
	first, err := p.and()
	if err != nil {
		return nil, err
	}
	args := []layers.Expr{first}
	for p.peek().is("OR") {
		p.next()
		e, err := p.and()
		if err != nil {
			return nil, err
		}
		args = append(args, e)
	}
	if len(args) == 1 {
		return first, nil
	}
	return &layers.Or{Args: args}, nil
}

func (p *textParser) and() (layers.Expr, error) {
	first, err := p.not()
	if err != nil {
		return nil, err
	}
	args := []layers.Expr{first}
	for p.peek().is("AND") {
		p.next()
		e, err := p.not()
		if err != nil {
			return nil, err
		}
		args = append(args, e)
	}
	if len(args) == 1 {
		return first, nil
	}
	return &layers.And{Args: args}, nil
}

func (p *textParser) not() (layers.Expr, error) {
	if p.peek().is("NOT") {
		p.next()
		p.depth++
		defer func() { p.depth-- }()
		if p.depth > maxFilterDepth {
			return nil, errAt(p.peek(), "nested deeper than %d levels", maxFilterDepth)
		}
		e, err := p.not()
		if err != nil {
			return nil, err
		}
		return &layers.Not{Arg: e}, nil
	}
	return p.primary()
}

func (p *textParser) primary() (layers.Expr, error) {
	t := p.peek()
	if t.kind == tLParen {
		p.next()
		e, err := p.or()
		if err != nil {
			return nil, err
		}
		if c := p.next(); c.kind != tRParen {
			return nil, errAt(c, "expected ) to close the ( at position %d, found %s", t.pos, c.describe())
		}
		return e, nil
	}
	if t.is("S_INTERSECTS") || t.is("INTERSECTS") {
		return p.intersects()
	}
	// operand [NOT] LIKE|BETWEEN|IN … | operand IS [NOT] NULL | operand op operand
	left, err := p.operand()
	if err != nil {
		return nil, err
	}
	op := p.peek()
	negate := false
	if op.is("NOT") {
		p.next()
		negate = true
		op = p.peek()
		if !op.is("LIKE") && !op.is("BETWEEN") && !op.is("IN") {
			return nil, errAt(op, "expected LIKE, BETWEEN or IN after NOT, found %s", op.describe())
		}
	}
	wrap := func(e layers.Expr) layers.Expr {
		if negate {
			return &layers.Not{Arg: e}
		}
		return e
	}
	needProp := func(what string) (string, error) {
		if left.prop == "" {
			return "", errAt(op, "%s needs a property on its left, found %s", what, left.tok.describe())
		}
		return left.prop, nil
	}
	switch {
	case op.is("LIKE"):
		p.next()
		prop, err := needProp("LIKE")
		if err != nil {
			return nil, err
		}
		pat := p.next()
		if pat.kind != tString {
			return nil, errAt(pat, "LIKE needs a string pattern, found %s", pat.describe())
		}
		return wrap(&layers.Like{Prop: prop, Pattern: pat.text, Pos: left.tok.pos}), nil
	case op.is("BETWEEN"):
		p.next()
		prop, err := needProp("BETWEEN")
		if err != nil {
			return nil, err
		}
		lo, err := p.literal()
		if err != nil {
			return nil, err
		}
		if a := p.next(); !a.is("AND") {
			return nil, errAt(a, "expected AND in BETWEEN, found %s", a.describe())
		}
		hi, err := p.literal()
		if err != nil {
			return nil, err
		}
		return wrap(&layers.Between{Prop: prop, Low: lo, High: hi, Pos: left.tok.pos}), nil
	case op.is("IN"):
		p.next()
		prop, err := needProp("IN")
		if err != nil {
			return nil, err
		}
		if l := p.next(); l.kind != tLParen {
			return nil, errAt(l, "expected ( after IN, found %s", l.describe())
		}
		var vs []layers.Value
		for {
			v, err := p.literal()
			if err != nil {
				return nil, err
			}
			vs = append(vs, v)
			sep := p.next()
			if sep.kind == tRParen {
				break
			}
			if sep.kind != tComma {
				return nil, errAt(sep, "expected , or ) in the IN list, found %s", sep.describe())
			}
		}
		return wrap(&layers.In{Prop: prop, Values: vs, Pos: left.tok.pos}), nil
	case op.is("IS"):
		p.next()
		prop, err := needProp("IS NULL")
		if err != nil {
			return nil, err
		}
		n := p.next()
		not := false
		if n.is("NOT") {
			not = true
			n = p.next()
		}
		if !n.is("NULL") {
			return nil, errAt(n, "expected NULL after IS, found %s", n.describe())
		}
		var e layers.Expr = &layers.IsNull{Prop: prop, Pos: left.tok.pos}
		if not {
			e = &layers.Not{Arg: e}
		}
		return e, nil
	case op.kind == tOp:
		p.next()
		right, err := p.operand()
		if err != nil {
			return nil, err
		}
		cop := layers.CompareOp(op.text)
		switch {
		case left.prop != "" && right.prop == "":
			return &layers.Compare{Prop: left.prop, Op: cop, Value: right.val, Pos: left.tok.pos}, nil
		case left.prop == "" && right.prop != "":
			return &layers.Compare{Prop: right.prop, Op: flip(cop), Value: left.val, Pos: right.tok.pos}, nil
		case left.prop != "":
			return nil, errAt(right.tok, "comparing two properties is not supported; compare %q with a literal", left.prop)
		}
		return nil, errAt(left.tok, "a comparison needs a property on one side")
	}
	return nil, errAt(op, "expected a comparison (=, <>, <, <=, >, >=), LIKE, BETWEEN, IN or IS NULL, found %s", op.describe())
}

func flip(op layers.CompareOp) layers.CompareOp {
	switch op {
	case layers.OpLt:
		return layers.OpGt
	case layers.OpLe:
		return layers.OpGe
	case layers.OpGt:
		return layers.OpLt
	case layers.OpGe:
		return layers.OpLe
	}
	return op
}

// operand is a property or a literal.
type operand struct {
	prop string
	val  layers.Value
	tok  token
}

func (p *textParser) operand() (operand, error) {
	t := p.peek()
	switch {
	case t.kind == tQuoted:
		p.next()
		return operand{prop: t.text, tok: t}, nil
	case t.kind == tIdent && !isLiteralKeyword(t):
		p.next()
		if p.peek().kind == tLParen {
			return operand{}, errAt(t, "function %s is not supported", t.text)
		}
		if isReserved(t) {
			return operand{}, errAt(t, "expected a property or a literal, found keyword %s", strings.ToUpper(t.text))
		}
		return operand{prop: t.text, tok: t}, nil
	}
	v, err := p.literal()
	return operand{val: v, tok: t}, err
}

func isLiteralKeyword(t token) bool {
	return t.is("TRUE") || t.is("FALSE") || t.is("TIMESTAMP") || t.is("DATE")
}

func isReserved(t token) bool {
	for _, k := range []string{"AND", "OR", "NOT", "LIKE", "BETWEEN", "IN", "IS", "NULL"} {
		if t.is(k) {
			return true
		}
	}
	return false
}

func (p *textParser) literal() (layers.Value, error) {
	t := p.next()
	switch {
	case t.kind == tString:
		return layers.Value{Kind: layers.KindString, Str: t.text}, nil
	case t.kind == tNumber:
		f, err := strconv.ParseFloat(t.text, 64)
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return layers.Value{}, errAt(t, "%q is not a number", t.text)
		}
		return layers.Value{Kind: layers.KindNumber, Num: f}, nil
	case t.is("TRUE"):
		return layers.Value{Kind: layers.KindBool, Bool: true}, nil
	case t.is("FALSE"):
		return layers.Value{Kind: layers.KindBool}, nil
	case t.is("TIMESTAMP") || t.is("DATE"):
		if l := p.next(); l.kind != tLParen {
			return layers.Value{}, errAt(l, "expected ( after %s", strings.ToUpper(t.text))
		}
		s := p.next()
		if s.kind != tString {
			return layers.Value{}, errAt(s, "%s needs a quoted string, found %s", strings.ToUpper(t.text), s.describe())
		}
		if r := p.next(); r.kind != tRParen {
			return layers.Value{}, errAt(r, "expected ) after the %s string", strings.ToUpper(t.text))
		}
		v, err := timeValue(s.text, t.is("DATE"))
		if err != nil {
			return layers.Value{}, errAt(s, "%v", err)
		}
		return v, nil
	}
	return layers.Value{}, errAt(t, "expected a literal (string, number, TRUE, FALSE, TIMESTAMP or DATE), found %s", t.describe())
}

func timeValue(s string, date bool) (layers.Value, error) {
	if date {
		t, err := time.Parse("2006-01-02", s)
		if err != nil {
			return layers.Value{}, fmt.Errorf("%q is not a date (YYYY-MM-DD)", s)
		}
		return layers.Value{Kind: layers.KindDate, Time: t}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return layers.Value{}, fmt.Errorf("%q is not an RFC 3339 timestamp (2024-05-01T12:00:00Z)", s)
	}
	return layers.Value{Kind: layers.KindTimestamp, Time: t.UTC()}, nil
}

func (p *textParser) intersects() (layers.Expr, error) {
	fn := p.next()
	if l := p.next(); l.kind != tLParen {
		return nil, errAt(l, "expected ( after %s", strings.ToUpper(fn.text))
	}
	var geom orb.Geometry
	props := 0
	for k := 0; k < 2; k++ {
		if k == 1 {
			if c := p.next(); c.kind != tComma {
				return nil, errAt(c, "expected , between the arguments of S_INTERSECTS, found %s", c.describe())
			}
		}
		t := p.peek()
		if (t.kind == tIdent || t.kind == tQuoted) && p.toks[p.i+1].kind != tLParen {
			p.next()
			if !strings.EqualFold(t.text, layers.GeometryProperty) && !strings.EqualFold(t.text, "geom") {
				return nil, errAt(t, "S_INTERSECTS applies to the property %q, not %q", layers.GeometryProperty, t.text)
			}
			props++
			continue
		}
		g, err := p.geometry()
		if err != nil {
			return nil, err
		}
		geom = g
	}
	if r := p.next(); r.kind != tRParen {
		return nil, errAt(r, "expected ) to close S_INTERSECTS, found %s", r.describe())
	}
	if props != 1 || geom == nil {
		return nil, errAt(fn, "S_INTERSECTS needs the property %q and one geometry literal", layers.GeometryProperty)
	}
	return intersectsExpr(geom, p.crs, fn.pos)
}

// intersectsExpr builds the expression for a geometry given in CRS c
// (EPSG:4326 latitude first is swapped to CRS84).
func intersectsExpr(g orb.Geometry, c crs.Code, pos int) (layers.Expr, error) {
	if c == crs.EPSG4326 {
		g = swapXY(g)
		c = crs.CRS84
	}
	if c == crs.CRS84 {
		var bad error
		spatial.EachVertex(g, func(q orb.Point) {
			if bad == nil && (q[0] < -180 || q[0] > 180 || q[1] < -90 || q[1] > 90) {
				bad = &query.Error{Pos: pos, Reason: fmt.Sprintf("coordinate %g %g is not a longitude/latitude in CRS84", q[0], q[1])}
			}
		})
		if bad != nil {
			return nil, bad
		}
	}
	return &layers.Intersects{Geometry: g, CRS: c, Pos: pos}, nil
}

func swapXY(g orb.Geometry) orb.Geometry {
	return project.Geometry(orb.Clone(g), func(p orb.Point) orb.Point { return orb.Point{p[1], p[0]} })
}

// geometry parses a WKT geometry literal or BBOX(minx, miny, maxx, maxy).
func (p *textParser) geometry() (orb.Geometry, error) {
	t := p.next()
	if t.kind != tIdent {
		return nil, errAt(t, "expected a geometry (POINT, LINESTRING, POLYGON, MULTI…, BBOX), found %s", t.describe())
	}
	kw := strings.ToUpper(t.text)
	if kw == "BBOX" || kw == "ENVELOPE" {
		nums, err := p.numberList(t)
		if err != nil {
			return nil, err
		}
		if len(nums) == 6 {
			nums = []float64{nums[0], nums[1], nums[3], nums[4]}
		}
		if len(nums) != 4 {
			return nil, errAt(t, "BBOX needs 4 numbers (minx, miny, maxx, maxy), found %d", len(nums))
		}
		if kw == "ENVELOPE" { // ENVELOPE(minx, maxx, maxy, miny) in the older draft
			nums = []float64{nums[0], nums[3], nums[1], nums[2]}
		}
		if nums[0] > nums[2] || nums[1] > nums[3] {
			return nil, errAt(t, "BBOX minimum exceeds maximum")
		}
		return orb.Bound{Min: orb.Point{nums[0], nums[1]}, Max: orb.Point{nums[2], nums[3]}}.ToPolygon(), nil
	}
	switch kw {
	case "POINT":
		ps, err := p.coordList(t)
		if err != nil {
			return nil, err
		}
		if len(ps) != 1 {
			return nil, errAt(t, "POINT needs one position")
		}
		return ps[0], nil
	case "LINESTRING":
		ps, err := p.coordList(t)
		if err != nil {
			return nil, err
		}
		if len(ps) < 2 {
			return nil, errAt(t, "LINESTRING needs at least two positions")
		}
		return orb.LineString(ps), nil
	case "POLYGON":
		return p.polygon(t)
	case "MULTIPOINT":
		var mp orb.MultiPoint
		err := p.list(t, func() error {
			if p.peek().kind == tLParen {
				ps, err := p.coordList(t)
				if err != nil {
					return err
				}
				mp = append(mp, ps...)
				return nil
			}
			q, err := p.coord()
			mp = append(mp, q)
			return err
		})
		return mp, err
	case "MULTILINESTRING":
		var ml orb.MultiLineString
		err := p.list(t, func() error {
			ps, err := p.coordList(t)
			ml = append(ml, ps)
			return err
		})
		return ml, err
	case "MULTIPOLYGON":
		var mp orb.MultiPolygon
		err := p.list(t, func() error {
			poly, err := p.polygon(t)
			if err == nil {
				mp = append(mp, poly.(orb.Polygon))
			}
			return err
		})
		return mp, err
	}
	return nil, errAt(t, "unsupported geometry %s; use POINT, LINESTRING, POLYGON, their MULTI forms or BBOX", t.text)
}

// list parses ( item, item, … ) calling item for each.
func (p *textParser) list(at token, item func() error) error {
	if l := p.next(); l.kind != tLParen {
		return errAt(l, "expected ( after %s", strings.ToUpper(at.text))
	}
	for {
		if err := item(); err != nil {
			return err
		}
		sep := p.next()
		if sep.kind == tRParen {
			return nil
		}
		if sep.kind != tComma {
			return errAt(sep, "expected , or ) in %s, found %s", strings.ToUpper(at.text), sep.describe())
		}
	}
}

func (p *textParser) polygon(at token) (orb.Geometry, error) {
	var poly orb.Polygon
	err := p.list(at, func() error {
		start := p.peek()
		ps, err := p.coordList(at)
		if err != nil {
			return err
		}
		if len(ps) < 4 || ps[0] != ps[len(ps)-1] {
			return errAt(start, "a polygon ring needs at least 4 positions, the last equal to the first")
		}
		poly = append(poly, orb.Ring(ps))
		return nil
	})
	return poly, err
}

func (p *textParser) coordList(at token) ([]orb.Point, error) {
	var ps []orb.Point
	err := p.list(at, func() error {
		q, err := p.coord()
		ps = append(ps, q)
		return err
	})
	return ps, err
}

func (p *textParser) coord() (orb.Point, error) {
	var q orb.Point
	for k := 0; k < 3; k++ {
		t := p.peek()
		if t.kind != tNumber {
			if k == 2 {
				break
			}
			return q, errAt(t, "expected a coordinate, found %s", t.describe())
		}
		p.next()
		f, err := strconv.ParseFloat(t.text, 64)
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return q, errAt(t, "%q is not a number", t.text)
		}
		if k < 2 {
			q[k] = f
		}
	}
	return q, nil
}

func (p *textParser) numberList(at token) ([]float64, error) {
	var out []float64
	err := p.list(at, func() error {
		t := p.next()
		if t.kind != tNumber {
			return errAt(t, "expected a number, found %s", t.describe())
		}
		f, err := strconv.ParseFloat(t.text, 64)
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return errAt(t, "%q is not a number", t.text)
		}
		out = append(out, f)
		return nil
	})
	return out, err
}

// ---- CQL2 JSON ----

// jsonParser builds the expression; every predicate gets Pos = index into
// paths, the JSON path of that predicate, for the errors of query.Check.
type jsonParser struct {
	crs   crs.Code
	paths []string
}

// ParseCQL2JSON parses a CQL2 JSON expression with geometries in c. Errors
// name the JSON path of the fault ($.args[1]…).
func ParseCQL2JSON(src []byte, c crs.Code) (layers.Expr, error) {
	e, _, err := parseCQL2JSON(src, c)
	return e, err
}

func parseCQL2JSON(src []byte, c crs.Code) (layers.Expr, []string, error) {
	dec := json.NewDecoder(bytes.NewReader(src))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, nil, fmt.Errorf("not valid JSON: %v", err)
	}
	if dec.More() {
		return nil, nil, errors.New("more than one JSON value")
	}
	p := &jsonParser{crs: c}
	e, err := p.expr(v, "$", 0)
	if err != nil {
		return nil, nil, err
	}
	return e, p.paths, nil
}

func (p *jsonParser) pos(path string) int {
	p.paths = append(p.paths, path)
	return len(p.paths) - 1
}

func jerr(path, format string, args ...any) error {
	return fmt.Errorf("at %s: %s", path, fmt.Sprintf(format, args...))
}

func (p *jsonParser) expr(v any, path string, depth int) (layers.Expr, error) {
	if depth > maxFilterDepth {
		return nil, jerr(path, "nested deeper than %d levels", maxFilterDepth)
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, jerr(path, "expected an object with \"op\" and \"args\"")
	}
	opv, ok := m["op"].(string)
	if !ok {
		return nil, jerr(path, "missing \"op\"")
	}
	args, ok := m["args"].([]any)
	if !ok {
		return nil, jerr(path, "missing \"args\" array")
	}
	for k := range m {
		if k != "op" && k != "args" {
			return nil, jerr(path, "unknown member %q", k)
		}
	}
	op := strings.ToLower(opv)
	argPath := func(i int) string { return fmt.Sprintf("%s.args[%d]", path, i) }
	nargs := func(n int) error {
		if len(args) != n {
			return jerr(path, "%q takes %d arguments, found %d", opv, n, len(args))
		}
		return nil
	}
	prop := func(i int) (string, error) {
		pm, ok := args[i].(map[string]any)
		if !ok {
			return "", jerr(argPath(i), "expected {\"property\": name}")
		}
		s, ok := pm["property"].(string)
		if !ok || len(pm) != 1 {
			return "", jerr(argPath(i), "expected {\"property\": name}")
		}
		return s, nil
	}
	switch op {
	case "and", "or":
		if len(args) < 2 {
			return nil, jerr(path, "%q needs at least two arguments", opv)
		}
		var es []layers.Expr
		for i, a := range args {
			e, err := p.expr(a, argPath(i), depth+1)
			if err != nil {
				return nil, err
			}
			es = append(es, e)
		}
		if op == "and" {
			return &layers.And{Args: es}, nil
		}
		return &layers.Or{Args: es}, nil
	case "not":
		if err := nargs(1); err != nil {
			return nil, err
		}
		e, err := p.expr(args[0], argPath(0), depth+1)
		if err != nil {
			return nil, err
		}
		return &layers.Not{Arg: e}, nil
	case "=", "<>", "<", "<=", ">", ">=":
		if err := nargs(2); err != nil {
			return nil, err
		}
		pi, li := 0, 1
		cop := layers.CompareOp(op)
		if m0, _ := args[0].(map[string]any); m0["property"] == nil {
			pi, li, cop = 1, 0, flip(cop)
		}
		name, err := prop(pi)
		if err != nil {
			return nil, err
		}
		val, err := jsonLiteral(args[li], argPath(li))
		if err != nil {
			return nil, err
		}
		return &layers.Compare{Prop: name, Op: cop, Value: val, Pos: p.pos(path)}, nil
	case "like":
		if err := nargs(2); err != nil {
			return nil, err
		}
		name, err := prop(0)
		if err != nil {
			return nil, err
		}
		pat, ok := args[1].(string)
		if !ok {
			return nil, jerr(argPath(1), "LIKE needs a string pattern")
		}
		return &layers.Like{Prop: name, Pattern: pat, Pos: p.pos(path)}, nil
	case "between":
		var lo, hi any
		switch len(args) {
		case 3:
			lo, hi = args[1], args[2]
		case 2: // the older form: [prop, [lo, hi]]
			arr, ok := args[1].([]any)
			if !ok || len(arr) != 2 {
				return nil, jerr(argPath(1), "expected [low, high]")
			}
			lo, hi = arr[0], arr[1]
		default:
			return nil, jerr(path, "\"between\" takes a property, a low and a high value")
		}
		name, err := prop(0)
		if err != nil {
			return nil, err
		}
		l, err := jsonLiteral(lo, argPath(1))
		if err != nil {
			return nil, err
		}
		h, err := jsonLiteral(hi, argPath(len(args)-1))
		if err != nil {
			return nil, err
		}
		return &layers.Between{Prop: name, Low: l, High: h, Pos: p.pos(path)}, nil
	case "in":
		if err := nargs(2); err != nil {
			return nil, err
		}
		name, err := prop(0)
		if err != nil {
			return nil, err
		}
		arr, ok := args[1].([]any)
		if !ok || len(arr) == 0 {
			return nil, jerr(argPath(1), "IN needs a non-empty array of values")
		}
		var vs []layers.Value
		for i, a := range arr {
			val, err := jsonLiteral(a, fmt.Sprintf("%s[%d]", argPath(1), i))
			if err != nil {
				return nil, err
			}
			vs = append(vs, val)
		}
		return &layers.In{Prop: name, Values: vs, Pos: p.pos(path)}, nil
	case "isnull":
		if err := nargs(1); err != nil {
			return nil, err
		}
		name, err := prop(0)
		if err != nil {
			return nil, err
		}
		return &layers.IsNull{Prop: name, Pos: p.pos(path)}, nil
	case "s_intersects":
		if err := nargs(2); err != nil {
			return nil, err
		}
		gi := 1
		if name, err := prop(0); err != nil {
			if name, err = prop(1); err != nil {
				return nil, jerr(path, "S_INTERSECTS needs {\"property\": \"geometry\"} and a geometry")
			} else if name != layers.GeometryProperty && name != "geom" {
				return nil, jerr(argPath(1), "S_INTERSECTS applies to the property %q", layers.GeometryProperty)
			}
			gi = 0
		} else if name != layers.GeometryProperty && name != "geom" {
			return nil, jerr(argPath(0), "S_INTERSECTS applies to the property %q", layers.GeometryProperty)
		}
		g, err := jsonGeometry(args[gi], argPath(gi))
		if err != nil {
			return nil, err
		}
		e, err := intersectsExpr(g, p.crs, p.pos(argPath(gi)))
		if err != nil {
			var fe *query.Error
			if errors.As(err, &fe) {
				return nil, jerr(argPath(gi), "%s", fe.Reason)
			}
			return nil, err
		}
		return e, nil
	}
	return nil, jerr(path, "unsupported operator %q", opv)
}

func jsonLiteral(v any, path string) (layers.Value, error) {
	switch x := v.(type) {
	case string:
		return layers.Value{Kind: layers.KindString, Str: x}, nil
	case json.Number:
		f, err := x.Float64()
		if err != nil || math.IsInf(f, 0) {
			return layers.Value{}, jerr(path, "%s is not a number", x)
		}
		return layers.Value{Kind: layers.KindNumber, Num: f}, nil
	case bool:
		return layers.Value{Kind: layers.KindBool, Bool: x}, nil
	case map[string]any:
		if len(x) == 1 {
			if s, ok := x["timestamp"].(string); ok {
				val, err := timeValue(s, false)
				if err != nil {
					return layers.Value{}, jerr(path, "%v", err)
				}
				return val, nil
			}
			if s, ok := x["date"].(string); ok {
				val, err := timeValue(s, true)
				if err != nil {
					return layers.Value{}, jerr(path, "%v", err)
				}
				return val, nil
			}
		}
		if _, ok := x["property"]; ok {
			return layers.Value{}, jerr(path, "comparing two properties is not supported")
		}
	case nil:
		return layers.Value{}, jerr(path, "null is not a value here; use isNull")
	}
	return layers.Value{}, jerr(path, "expected a string, number, boolean, {\"timestamp\": …} or {\"date\": …}")
}

func jsonGeometry(v any, path string) (orb.Geometry, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, jerr(path, "expected a GeoJSON geometry or {\"bbox\": [minx, miny, maxx, maxy]}")
	}
	if bb, ok := m["bbox"].([]any); ok && len(m) == 1 {
		var nums []float64
		for _, n := range bb {
			jn, ok := n.(json.Number)
			if !ok {
				return nil, jerr(path, "bbox holds a non-number")
			}
			f, err := jn.Float64()
			if err != nil {
				return nil, jerr(path, "bbox holds %s", jn)
			}
			nums = append(nums, f)
		}
		if len(nums) == 6 {
			nums = []float64{nums[0], nums[1], nums[3], nums[4]}
		}
		if len(nums) != 4 || nums[0] > nums[2] || nums[1] > nums[3] {
			return nil, jerr(path, "bbox needs minx, miny, maxx, maxy with minimum ≤ maximum")
		}
		return orb.Bound{Min: orb.Point{nums[0], nums[1]}, Max: orb.Point{nums[2], nums[3]}}.ToPolygon(), nil
	}
	raw, err := json.Marshal(m)
	if err != nil {
		return nil, jerr(path, "%v", err)
	}
	g, err := geojson.UnmarshalGeometry(raw)
	if err != nil || g.Coordinates == nil {
		return nil, jerr(path, "not a GeoJSON geometry")
	}
	return g.Coordinates, nil
}
