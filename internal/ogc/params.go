package ogc

import (
	"errors"
	"fmt"
	"math"
	"mime"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/paulmach/orb"

	"reach/geo/crs"
	"reach/layers"
)

// Limits of the limit parameter.
//
// A limit above MaxLimit is clamped to MaxLimit rather than rejected, as OGC
// API Features Part 1 recommends (/rec/core/fc-limit-response-1: a limit
// larger than the maximum "SHALL NOT result in an error"); the response's
// numberReturned and next link tell the client what it got. A limit that is
// not a positive integer is a 400.
const (
	DefaultLimit = 10
	MaxLimit     = 10000
)

// ParamError says why one query parameter (or body field) is invalid. It
// unwraps to layers.ErrInvalid.
type ParamError struct {
	Name   string // parameter or field name, e.g. "bbox" or "sources[2][1]"
	Value  string // the offending value as given ("" when missing)
	Reason string // lower-case sentence without the name
}

// Error returns "ogc: parameter NAME=VALUE: REASON".
func (e ParamError) Error() string {
	return fmt.Sprintf("ogc: parameter %s=%q: %s", e.Name, e.Value, e.Reason)
}

// Unwrap returns layers.ErrInvalid.
func (e ParamError) Unwrap() error { return layers.ErrInvalid }

// ParamErrors is a list of invalid parameters, reported together.
type ParamErrors []ParamError

// Error joins the messages of every entry.
func (es ParamErrors) Error() string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.Error()
	}
	return strings.Join(parts, "; ")
}

// Unwrap returns layers.ErrInvalid.
func (es ParamErrors) Unwrap() error { return layers.ErrInvalid }

// AsParamErrors extracts the parameter errors from err: a ParamErrors, a
// single ParamError, or nil when err carries none.
func AsParamErrors(err error) ParamErrors {
	var es ParamErrors
	if errors.As(err, &es) {
		return es
	}
	var e ParamError
	if errors.As(err, &e) {
		return ParamErrors{e}
	}
	return nil
}

// ParseBBox reads the bbox parameter: four numbers (minX, minY, maxX, maxY)
// or six (minX, minY, minZ, maxX, maxY, maxZ; the heights are ignored),
// comma-separated, in the axis order of the CRS c (bbox-crs). The result
// keeps that axis order. For CRS84 the first axis is longitude in
// [-180, 180] and the second latitude in [-90, 90]; for EPSG:4326 the other
// way round. Boxes crossing the antimeridian (minLon > maxLon) are not
// supported: reach serves Saxony. Projected coordinates must be finite.
func ParseBBox(s string, c crs.Code) (orb.Bound, error) {
	bad := func(reason string) (orb.Bound, error) {
		return orb.Bound{}, ParamError{Name: "bbox", Value: s, Reason: reason}
	}
	if strings.TrimSpace(s) == "" {
		return bad("empty; want minx,miny,maxx,maxy")
	}
	parts := strings.Split(s, ",")
	if len(parts) != 4 && len(parts) != 6 {
		return bad(fmt.Sprintf("has %d numbers; want 4 (minx,miny,maxx,maxy) or 6 (with heights)", len(parts)))
	}
	v := make([]float64, len(parts))
	for i, p := range parts {
		f, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return bad(fmt.Sprintf("value %d (%q) is not a finite number", i+1, strings.TrimSpace(p)))
		}
		v[i] = f
	}
	if len(v) == 6 {
		if v[2] > v[5] {
			return bad("minimum height is greater than maximum height")
		}
		v = []float64{v[0], v[1], v[3], v[4]}
	}
	b := orb.Bound{Min: orb.Point{v[0], v[1]}, Max: orb.Point{v[2], v[3]}}
	if b.Min[0] > b.Max[0] {
		return bad(fmt.Sprintf("first axis minimum %g is greater than maximum %g", b.Min[0], b.Max[0]))
	}
	if b.Min[1] > b.Max[1] {
		return bad(fmt.Sprintf("second axis minimum %g is greater than maximum %g", b.Min[1], b.Max[1]))
	}
	lonAxis, latAxis := -1, -1
	switch c {
	case crs.CRS84:
		lonAxis, latAxis = 0, 1
	case crs.EPSG4326:
		lonAxis, latAxis = 1, 0
	}
	if latAxis >= 0 {
		for _, p := range []orb.Point{b.Min, b.Max} {
			if p[latAxis] < -90 || p[latAxis] > 90 {
				return bad(fmt.Sprintf("latitude %g is out of range [-90, 90]", p[latAxis]))
			}
			if p[lonAxis] < -180 || p[lonAxis] > 180 {
				return bad(fmt.Sprintf("longitude %g is out of range [-180, 180]", p[lonAxis]))
			}
		}
	}
	return b, nil
}

// BBoxToCRS84 converts a bbox given in CRS c (axis order of c) to a CRS84
// bound that contains it.
func BBoxToCRS84(b orb.Bound, c crs.Code) (orb.Bound, error) {
	if c == crs.CRS84 {
		return b, nil
	}
	out, err := crs.BoundToLonLat(c, b)
	if err != nil {
		return orb.Bound{}, fmt.Errorf("ogc: bbox in %v: %w", c, err)
	}
	return out, nil
}

// ParseCRS reads a crs or bbox-crs parameter named name. The empty string
// means CRS84. Accepted spellings are those of crs.Parse: OGC URIs
// (http://www.opengis.net/def/crs/EPSG/0/25833), URNs and "EPSG:25833".
// EPSG:4326 always means latitude-first axis order.
func ParseCRS(name, s string) (crs.Code, error) {
	if s == "" {
		return crs.CRS84, nil
	}
	c, err := crs.Parse(s)
	if err == nil && slices.Contains(crs.Supported(), c) {
		return c, nil
	}
	// crs.Parse also knows systems that are read from files, not served
	// (EPSG:25832, the Gauss-Krüger zones)
	return 0, ParamError{Name: name, Value: s, Reason: "unsupported reference system; supported: " + strings.Join(CRSURIs(), ", ")}
}

// ParseLimit reads the limit parameter: "" gives DefaultLimit, a value above
// MaxLimit is clamped to MaxLimit, anything but a positive integer is an
// error.
func ParseLimit(s string) (int, error) {
	if s == "" {
		return DefaultLimit, nil
	}
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange && !strings.HasPrefix(strings.TrimSpace(s), "-") {
			return MaxLimit, nil
		}
		return 0, ParamError{Name: "limit", Value: s, Reason: fmt.Sprintf("not an integer; want 1 to %d", MaxLimit)}
	}
	if n < 1 {
		return 0, ParamError{Name: "limit", Value: s, Reason: fmt.Sprintf("must be at least 1 (at most %d)", MaxLimit)}
	}
	if n > MaxLimit {
		return MaxLimit, nil
	}
	return int(n), nil
}

// Format is an output format chosen by the f parameter or the Accept header.
type Format string

// Formats.
const (
	FormatJSON Format = "json"
	FormatHTML Format = "html"
	FormatCSV  Format = "csv"  // items only: a download of every matching feature
	FormatGPKG Format = "gpkg" // items only: a GeoPackage of every matching feature
)

// ParseFormat chooses the output format: the f parameter when given
// ("json", "geojson" or "html"), otherwise HTML when the Accept header
// prefers text/html over JSON (as browsers send), otherwise JSON.
func ParseFormat(f, accept string) (Format, error) {
	switch strings.ToLower(f) {
	case "json", "geojson":
		return FormatJSON, nil
	case "html":
		return FormatHTML, nil
	case "":
	default:
		return "", ParamError{Name: "f", Value: f, Reason: "unknown format; want json, geojson or html"}
	}
	if prefersHTML(accept) {
		return FormatHTML, nil
	}
	return FormatJSON, nil
}

// prefersHTML reports whether an Accept header ranks text/html above every
// JSON type.
func prefersHTML(accept string) bool {
	bestHTML, bestJSON := -1.0, -1.0
	for _, part := range strings.Split(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		q := 1.0
		if qs, ok := params["q"]; ok {
			if v, err := strconv.ParseFloat(qs, 64); err == nil {
				q = v
			}
		}
		switch {
		case mt == "text/html" || mt == "application/xhtml+xml":
			bestHTML = math.Max(bestHTML, q)
		case mt == "application/json" || mt == "application/geo+json" || strings.HasSuffix(mt, "+json"):
			bestJSON = math.Max(bestJSON, q)
		}
	}
	return bestHTML > 0 && bestHTML > bestJSON
}

// ItemsParams is the parsed query of a /collections/{id}/items request.
type ItemsParams struct {
	Query layers.ItemsQuery // BBox in CRS84, Limit, After (decoded cursor), Filters
	// Cursor is the decoded cursor (Cursor.After is Query.After) with the
	// way back for prev links; the zero value on the first page.
	Cursor  PageCursor
	CRS     crs.Code // output CRS
	BBoxCRS crs.Code // CRS the bbox was given in
	Format  Format
}

// Standard parameters of the items request.
var itemsParams = []string{"f", "bbox", "bbox-crs", "crs", "limit", "cursor", "datetime", "filter", "filter-lang", "filter-crs"}

// ItemsParamNames returns the names of the standard items parameters, as
// accepted by ParseItems in addition to the collection's filterable
// properties.
func ItemsParamNames() []string { return append([]string(nil), itemsParams...) }

// ParseItems parses the query of an items request for collection coll. Every
// invalid parameter is reported, not just the first: unknown parameters
// (neither standard nor a filterable property of coll), repeated ones,
// malformed values, a bbox-crs without bbox. cursors decodes the cursor;
// accept is the request's Accept header.
func ParseItems(q url.Values, coll layers.Collection, cursors CursorCodec, accept string) (ItemsParams, error) {
	var errs ParamErrors
	add := func(err error) {
		if err == nil {
			return
		}
		var pe ParamError
		if errors.As(err, &pe) {
			errs = append(errs, pe)
			return
		}
		errs = append(errs, ParamError{Name: "?", Reason: err.Error()})
	}
	filterable := map[string]bool{}
	queryable := map[string]layers.PropertyInfo{}
	props := map[string]layers.PropertyInfo{}
	for _, p := range coll.Properties {
		props[p.Name] = p
		if p.Filterable {
			filterable[p.Name] = true
		}
		if p.Queryable() {
			queryable[p.Name] = p
		}
	}
	standard := map[string]bool{}
	for _, n := range itemsParams {
		standard[n] = true
	}
	names := make([]string, 0, len(q))
	for k := range q {
		names = append(names, k)
	}
	sort.Strings(names)
	out := ItemsParams{Query: layers.ItemsQuery{Collection: coll.ID}}
	filters := map[string]string{}
	var equals []layers.Expr
	for _, k := range names {
		vs := q[k]
		_, isQueryable := queryable[k]
		if !standard[k] && !filterable[k] && !isQueryable {
			reason := "unknown parameter"
			if len(filterable) > 0 {
				fs := make([]string, 0, len(filterable))
				for f := range filterable {
					fs = append(fs, f)
				}
				sort.Strings(fs)
				reason += "; this collection accepts " + strings.Join(itemsParams, ", ") + " and the filters " + strings.Join(fs, ", ")
			}
			errs = append(errs, ParamError{Name: displayName(k), Value: strings.Join(vs, ","), Reason: reason})
			continue
		}
		if len(vs) > 1 {
			errs = append(errs, ParamError{Name: k, Value: strings.Join(vs, ","), Reason: "given more than once"})
			continue
		}
		if !standard[k] && len(vs[0]) > 1000 {
			errs = append(errs, ParamError{Name: k, Value: vs[0][:40] + "…", Reason: "value longer than 1000 bytes"})
			continue
		}
		switch {
		case standard[k]:
		case filterable[k]:
			// Typed: a number or boolean property takes only such values
			// (or null for a missing one).
			if err := CheckFilterValue(props[k], vs[0]); err != nil {
				errs = append(errs, err.(ParamError))
				continue
			}
			filters[k] = vs[0]
		default:
			// A queryable used as a parameter (Part 3): equality.
			v, err := queryableValue(queryable[k], vs[0])
			if err != nil {
				errs = append(errs, ParamError{Name: k, Value: vs[0], Reason: err.Error()})
				continue
			}
			equals = append(equals, &layers.Compare{Prop: k, Op: layers.OpEq, Value: v, Pos: -1})
		}
	}
	var err error
	switch strings.ToLower(q.Get("f")) {
	case "csv":
		out.Format = FormatCSV
	case "gpkg", "geopackage":
		out.Format = FormatGPKG
	default:
		out.Format, err = ParseFormat(q.Get("f"), accept)
		if err != nil {
			err = ParamError{Name: "f", Value: q.Get("f"), Reason: "unknown format; want json, geojson, html, csv or gpkg"}
		}
		add(err)
	}
	out.CRS, err = ParseCRS("crs", q.Get("crs"))
	add(err)
	out.BBoxCRS, err = ParseCRS("bbox-crs", q.Get("bbox-crs"))
	add(err)
	out.Query.Limit, err = ParseLimit(q.Get("limit"))
	add(err)
	var exact, when, filter layers.Expr
	if q.Has("bbox") {
		if b, err := ParseBBox(q.Get("bbox"), out.BBoxCRS); err != nil {
			add(err)
		} else if ll, err := BBoxToCRS84(b, out.BBoxCRS); err != nil {
			add(ParamError{Name: "bbox", Value: q.Get("bbox"), Reason: err.Error()})
		} else {
			out.Query.BBox = &ll
			if out.BBoxCRS != crs.CRS84 && out.BBoxCRS != crs.EPSG4326 {
				// ll is a CRS84 envelope around the box, for the index; the
				// box itself, with its edges straight in bbox-crs, decides.
				exact = &layers.Intersects{Geometry: b.ToPolygon(), CRS: out.BBoxCRS, Pos: -1}
			} else if out.BBoxCRS == crs.EPSG4326 {
				sw := orb.Bound{Min: orb.Point{b.Min[1], b.Min[0]}, Max: orb.Point{b.Max[1], b.Max[0]}}
				out.Query.BBox = &sw
			}
		}
	} else if q.Has("bbox-crs") {
		errs = append(errs, ParamError{Name: "bbox-crs", Value: q.Get("bbox-crs"), Reason: "given without bbox"})
	}
	if q.Has("cursor") {
		pc, err := cursors.DecodePage(coll.ID, q.Get("cursor"))
		add(err)
		out.Cursor, out.Query.After = pc, pc.After
	}
	if q.Has("datetime") {
		when, err = ParseDatetime(q.Get("datetime"), coll)
		add(err)
	}
	if q.Has("filter") {
		fc, err := ParseCRS("filter-crs", q.Get("filter-crs"))
		add(err)
		if err == nil {
			filter, err = ParseFilter(q.Get("filter"), q.Get("filter-lang"), fc, coll)
			add(err)
		}
	} else {
		for _, k := range []string{"filter-lang", "filter-crs"} {
			if q.Has(k) {
				errs = append(errs, ParamError{Name: k, Value: q.Get(k), Reason: "given without filter"})
			}
		}
	}
	out.Query.Filter = layers.AndExprs(append([]layers.Expr{exact, when, filter}, equals...)...)
	if len(filters) > 0 {
		out.Query.Filters = filters
	}
	if len(errs) > 0 {
		sort.SliceStable(errs, func(i, j int) bool { return errs[i].Name < errs[j].Name })
		return ItemsParams{}, errs
	}
	return out, nil
}

// CheckOnly reports every parameter of q not in allowed as unknown, and
// every repeated one, for requests with a fixed parameter set.
func CheckOnly(q url.Values, allowed ...string) error {
	ok := map[string]bool{}
	for _, a := range allowed {
		ok[a] = true
	}
	var errs ParamErrors
	names := make([]string, 0, len(q))
	for k := range q {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		switch {
		case !ok[k]:
			reason := "unknown parameter"
			if len(allowed) > 0 {
				reason += "; accepted: " + strings.Join(allowed, ", ")
			}
			errs = append(errs, ParamError{Name: displayName(k), Value: strings.Join(q[k], ","), Reason: reason})
		case len(q[k]) > 1:
			errs = append(errs, ParamError{Name: k, Value: strings.Join(q[k], ","), Reason: "given more than once"})
		}
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

// displayName shows a parameter name; the empty name (from "?=x") is shown
// as "(empty)".
func displayName(k string) string {
	if k == "" {
		return "(empty)"
	}
	return k
}

// TimeProperty returns the property of c that datetime applies to: the
// first with format date-time or date; ok is false when c has none.
func TimeProperty(c layers.Collection) (layers.PropertyInfo, bool) {
	for _, p := range c.Properties {
		if p.Type == "string" && (p.Format == "date-time" || p.Format == "date") {
			return p, true
		}
	}
	return layers.PropertyInfo{}, false
}

// ParseDatetime reads the datetime parameter (an RFC 3339 instant, a date,
// or an interval "start/end" where ".." or "" leaves an end open) and
// returns the selection on c's time property (TimeProperty). A date as
// instant or as end stands for the whole day. For a collection without a
// time the parameter is accepted and selects every feature (nil).
func ParseDatetime(s string, c layers.Collection) (layers.Expr, error) {
	bad := func(reason string) (layers.Expr, error) {
		return nil, ParamError{Name: "datetime", Value: s, Reason: reason}
	}
	parse := func(v string) (time.Time, bool, error) {
		if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
			return t.UTC(), false, nil
		}
		if t, err := time.Parse("2006-01-02", v); err == nil {
			return t, true, nil
		}
		return time.Time{}, false, fmt.Errorf("%q is neither an RFC 3339 timestamp (2024-05-01T12:00:00Z) nor a date (2024-05-01)", v)
	}
	var lo, hi *time.Time
	loIncl, hiIncl := true, true
	parts := strings.Split(s, "/")
	switch len(parts) {
	case 1:
		t, day, err := parse(s)
		if err != nil {
			return bad(err.Error())
		}
		end := t
		if day {
			end, hiIncl = t.AddDate(0, 0, 1), false
		}
		lo, hi = &t, &end
	case 2:
		for i, v := range parts {
			if v == ".." || v == "" {
				continue
			}
			t, day, err := parse(v)
			if err != nil {
				return bad(err.Error())
			}
			if i == 0 {
				lo = &t
			} else {
				if day {
					t, hiIncl = t.AddDate(0, 0, 1), false
				}
				hi = &t
			}
		}
		if lo == nil && hi == nil {
			return bad("an interval needs at least one end")
		}
		if lo != nil && hi != nil && (hi.Before(*lo) || (!hiIncl && hi.Equal(*lo))) {
			return bad("the end is before the start")
		}
	default:
		return bad("want an instant or start/end")
	}
	p, ok := TimeProperty(c)
	if !ok {
		return nil, nil
	}
	kind := layers.KindTimestamp
	if p.Format == "date" {
		kind = layers.KindDate
	}
	var es []layers.Expr
	if lo != nil {
		op := layers.OpGe
		if !loIncl {
			op = layers.OpGt
		}
		es = append(es, &layers.Compare{Prop: p.Name, Op: op, Value: layers.Value{Kind: kind, Time: *lo}, Pos: -1})
	}
	if hi != nil {
		op := layers.OpLe
		if !hiIncl {
			op = layers.OpLt
		}
		es = append(es, &layers.Compare{Prop: p.Name, Op: op, Value: layers.Value{Kind: kind, Time: *hi}, Pos: -1})
	}
	return layers.AndExprs(es...), nil
}

// queryableValue reads the value of a queryable given as a parameter, by
// the property's type.
func queryableValue(p layers.PropertyInfo, s string) (layers.Value, error) {
	switch p.Type {
	case "integer", "number":
		f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return layers.Value{}, fmt.Errorf("property %s is a number", p.Name)
		}
		if p.Type == "integer" && (f != math.Trunc(f) || math.Abs(f) > 1<<53) {
			return layers.Value{}, fmt.Errorf("property %s is a whole number (at most 2^53 in size)", p.Name)
		}
		return layers.Value{Kind: layers.KindNumber, Num: f}, nil
	case "boolean":
		b, err := strconv.ParseBool(s)
		if err != nil {
			return layers.Value{}, fmt.Errorf("property %s is a boolean; want true or false", p.Name)
		}
		return layers.Value{Kind: layers.KindBool, Bool: b}, nil
	}
	switch p.Format {
	case "date-time", "date":
		if v, err := timeValue(s, false); err == nil {
			return v, nil
		}
		v, err := timeValue(s, true)
		if err != nil {
			return layers.Value{}, fmt.Errorf("property %s is a %s; want RFC 3339 or YYYY-MM-DD", p.Name, p.Format)
		}
		return v, nil
	}
	return layers.Value{Kind: layers.KindString, Str: s}, nil
}

// CheckFilterValue checks the value of a ?name=value property filter by the
// property's type: a number or boolean property takes only such values (or
// "null" or nothing for a missing one). The error is a ParamError.
func CheckFilterValue(p layers.PropertyInfo, v string) error {
	if (p.Type != "integer" && p.Type != "number" && p.Type != "boolean") || v == "" || v == "null" {
		return nil
	}
	if _, err := queryableValue(p, v); err != nil {
		return ParamError{Name: p.Name, Value: v, Reason: err.Error()}
	}
	return nil
}
