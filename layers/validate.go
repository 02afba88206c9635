package layers

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/paulmach/orb"

	"reach/geo/spatial"
)

// FieldError is one field of a record that breaks an invariant: the
// record (its kind and key, e.g. "municipality 14612000"; "" where the
// context names it), the field (dotted or indexed for nested values, e.g.
// "geometry[0][3]" or "municipalities[2]"), the offending value as text and
// the reason. It wraps ErrInvalid. Every record's Validate, both stores,
// the file readers and the HTTP intake report invalid records with it.
type FieldError struct {
	Record string
	Field  string
	Value  string
	Reason string
}

func (e FieldError) Error() string {
	if e.Record != "" {
		return e.Record + ": " + e.fieldText()
	}
	return e.fieldText()
}

func (e FieldError) fieldText() string {
	if e.Value == "" {
		return fmt.Sprintf("field %s: %s", e.Field, e.Reason)
	}
	return fmt.Sprintf("field %s: value %s: %s", e.Field, e.Value, e.Reason)
}

// Unwrap makes errors.Is(err, ErrInvalid) true.
func (e FieldError) Unwrap() error { return ErrInvalid }

// FieldErrors are all the invalid fields of one record, in the order they
// were found. A nil or empty FieldErrors is never returned as an error.
type FieldErrors []FieldError

// Error names the record once, then every field.
func (es FieldErrors) Error() string {
	parts := make([]string, len(es))
	rec := ""
	for i, e := range es {
		if i == 0 || e.Record != rec {
			parts[i], rec = e.Error(), e.Record
		} else {
			parts[i] = e.fieldText()
		}
	}
	return strings.Join(parts, "; ")
}

// Unwrap makes errors.Is(err, ErrInvalid) true.
func (es FieldErrors) Unwrap() error { return ErrInvalid }

// Fields returns the names of the invalid fields, in order.
func (es FieldErrors) Fields() []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.Field
	}
	return out
}

// Invalid returns the error of one invalid field of a record, for rules
// that only the caller can check (a duplicate key, a record of another
// source than the one replaced). value is formatted with FormatValue.
func Invalid(record, field string, value any, reason string) error {
	return FieldErrors{{Record: record, Field: field, Value: FormatValue(value), Reason: reason}}
}

// checker collects the invalid fields of one record. The record's
// identity (kind and key, or kind and number) is put together only when a
// field is invalid, so that checking a valid record allocates nothing.
type checker struct {
	kind, key string
	num       int64
	isNum     bool // the key is num
	quote     bool // the key is quoted
	es        FieldErrors
}

// add records an invalid field; value is formatted with FormatValue.
func (c *checker) add(field string, value any, reason string) {
	c.es = append(c.es, FieldError{Field: field, Value: FormatValue(value), Reason: reason})
}

// addErr records a field error found by a helper.
func (c *checker) addErr(fe *FieldError) {
	if fe != nil {
		c.es = append(c.es, *fe)
	}
}

// err returns the collected errors, each naming the record, or nil when
// there are none.
func (c *checker) err() error {
	if len(c.es) == 0 {
		return nil
	}
	rec := c.kind + " "
	switch {
	case c.isNum:
		rec += strconv.FormatInt(c.num, 10)
	case c.quote:
		rec += strconv.Quote(c.key)
	default:
		rec += c.key
	}
	for i := range c.es {
		c.es[i].Record = rec
	}
	return c.es
}

// FormatValue prints a field value for an error message: strings quoted
// (at most 80 bytes), numbers in their shortest form, nil as null.
func FormatValue(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		if len(x) > 80 {
			cut := 80
			for cut > 0 && !utf8.RuneStart(x[cut]) {
				cut--
			}
			x = x[:cut] + "…"
		}
		return strconv.Quote(x)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case *float64:
		if x == nil {
			return "null"
		}
		return strconv.FormatFloat(*x, 'g', -1, 64)
	case orb.Point:
		return fmt.Sprintf("[%g, %g]", x[0], x[1])
	}
	return fmt.Sprint(v)
}

// ValidText reports why s cannot be stored as text (invalid UTF-8, a NUL
// byte, the replacement character U+FFFD that a wrong decoding leaves), or
// "" when it can.
func ValidText(s string) string {
	switch {
	case !utf8.ValidString(s):
		return "is not valid UTF-8"
	case strings.IndexByte(s, 0) >= 0:
		return "contains a NUL byte"
	case strings.ContainsRune(s, utf8.RuneError):
		return "contains U+FFFD, the mark of a wrongly decoded character; check the file's encoding"
	}
	return ""
}

// IsAGS reports whether s is an Amtlicher Gemeindeschlüssel of 8 digits.
func IsAGS(s string) bool {
	if len(s) != 8 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// ProjectStatuses are the statuses a project may have, in the order of the
// procedure.
var ProjectStatuses = []string{"draft", "submitted", "selected", "funded", "rejected", "withdrawn"}

// Validate checks the invariants of a project that every store keeps and
// returns all violations at once as FieldErrors (wrapping ErrInvalid):
// an id and a title of valid text, a known kind whose geometry type fits
// it, a category of the catalogue, AGS keys of 8 digits, finite costs ≥ 0
// with the funding not above the investment, marks from 0 to 10, a known
// status, money within MaxMoneyEUR, and a valid geometry (see
// ValidateGeometry; a facility_upgrade naming its facility may have none).
func (p Project) Validate() error {
	es := checker{kind: "project", key: p.ID, quote: true}
	for _, t := range []struct{ f, v string }{{"id", p.ID}, {"title", p.Title}, {"applicant", p.Applicant},
		{"planning_region", p.PlanningRegion}, {"status", p.Status}, {"source", p.Source}, {"submitted_by", p.SubmittedBy}} {
		if why := ValidText(t.v); why != "" {
			es.add(t.f, t.v, why)
		}
	}
	if strings.TrimSpace(p.ID) == "" {
		es.add("id", p.ID, "must not be empty")
	} else if len(p.ID) > 200 {
		es.add("id", p.ID, "is longer than 200 bytes")
	}
	if strings.TrimSpace(p.Title) == "" {
		es.add("title", p.Title, "must not be empty")
	}
	if p.Category != "" && !p.Category.ValidForProject() {
		es.add("category", string(p.Category), "not in the catalogue")
	}
	for i, a := range p.Municipalities {
		if !IsAGS(a) {
			es.add("municipalities["+strconv.Itoa(i)+"]", a, "want an AGS of 8 digits")
		}
	}
	if p.Status != "" {
		known := false
		for _, s := range ProjectStatuses {
			known = known || s == p.Status
		}
		if !known {
			es.add("status", p.Status, "is not one of "+strings.Join(ProjectStatuses, ", "))
		}
	}
	for _, c := range []struct {
		f string
		v float64
	}{{"investment_cost", p.InvestmentCost}, {"requested_funding", p.RequestedFunding}, {"speed_kmh", p.SpeedKmh}} {
		if !finite(c.v) || c.v < 0 {
			es.add(c.f, c.v, "want a finite number ≥ 0")
		}
	}
	for _, c := range []struct {
		f string
		v float64
	}{{"investment_cost", p.InvestmentCost}, {"requested_funding", p.RequestedFunding}} {
		if c.v > MaxMoneyEUR {
			es.add(c.f, c.v, "above 100 million euros, the largest amount a project may state")
		}
	}
	// A cost of 0 is an unknown cost; funding can only exceed a known one.
	if finite(p.RequestedFunding) && finite(p.InvestmentCost) && p.InvestmentCost > 0 && p.RequestedFunding > p.InvestmentCost {
		es.add("requested_funding", p.RequestedFunding, "exceeds the investment cost "+FormatValue(p.InvestmentCost))
	}
	if u := p.Upgrade; u != nil {
		for _, t := range []struct{ f, v string }{{"facility_id", u.FacilityID}, {"accessible_for", u.AccessibleFor}} {
			if why := ValidText(t.v); why != "" {
				es.add(t.f, t.v, why)
			}
		}
		for _, c := range []struct {
			f string
			v *float64
		}{{"capacity_change", u.CapacityChange}, {"opening_hours_change", u.OpeningHoursChange}} {
			if c.v != nil && !finite(*c.v) {
				es.add(c.f, c.v, "must be a finite number")
			}
		}
	}
	if why := ValidText(p.LocationSource); why != "" {
		es.add("location_source", p.LocationSource, why)
	}
	for _, m := range []struct {
		f string
		v *float64
	}{{"innovation", p.Innovation}, {"transferability", p.Transferability}} {
		if m.v != nil && (!finite(*m.v) || *m.v < 0 || *m.v > 10) {
			es.add(m.f, m.v, "want a mark from 0 to 10")
		}
	}
	want := ""
	switch p.Kind {
	case KindNewFacility:
		want = "Point MultiPoint"
	case KindRoadUpgrade:
		want = "LineString MultiLineString"
	case KindAreaService:
		want = "Polygon MultiPolygon"
	case KindFacilityUpgrade:
		want = "Point"
	default:
		es.add("kind", string(p.Kind), "want new_facility, road_upgrade, area_service or facility_upgrade")
	}
	// An upgrade of a facility named by id may leave its site to the facility.
	siteFromFacility := p.Kind == KindFacilityUpgrade && p.Upgrade != nil && p.Upgrade.FacilityID != ""
	if p.Geometry == nil && siteFromFacility {
		// nothing to check
	} else if p.Geometry == nil {
		es.add("geometry", nil, "a project needs sites, a road link or an area")
	} else {
		gt := p.Geometry.GeoJSONType()
		if want != "" && !strings.Contains(" "+want+" ", " "+gt+" ") {
			es.add("geometry", gt, fmt.Sprintf("a %s project needs a %s", p.Kind, strings.ReplaceAll(want, " ", " or ")))
		}
		es.addErr(ValidateGeometry("geometry", p.Geometry))
	}
	return es.err()
}

// ValidateGeometry checks that g can be stored and computed with: finite
// coordinates, lines of at least two distinct positions (no zero length),
// polygon rings closed with at least four positions and without
// self-intersection. The error names the position (e.g. "geometry[0][3]",
// ring 0, position 3) that breaks the rule.
func ValidateGeometry(field string, g orb.Geometry) *FieldError {
	return validateGeometry(field, g, true)
}

// validShape is ValidateGeometry without the rules that drawn geometries
// keep and surveyed ones may break: a line may have zero length (two OSM
// nodes at one position) and a ring is not searched for self-intersection
// (official boundaries are taken as they come).
func validShape(field string, g orb.Geometry) *FieldError {
	return validateGeometry(field, g, false)
}

func validateGeometry(field string, g orb.Geometry, strict bool) *FieldError {
	bad := func(path string, v any, why string) *FieldError {
		return &FieldError{Field: field + path, Value: FormatValue(v), Reason: why}
	}
	points := func(path string, ps []orb.Point) *FieldError {
		for i, p := range ps {
			if !finite(p[0]) || !finite(p[1]) {
				return bad(path+"["+strconv.Itoa(i)+"]", p, "coordinates must be finite numbers")
			}
		}
		return nil
	}
	line := func(path string, l orb.LineString) *FieldError {
		if fe := points(path, l); fe != nil {
			return fe
		}
		if len(l) < 2 {
			return bad(path, fmt.Sprintf("%d positions", len(l)), "a line needs at least 2 positions")
		}
		if !strict {
			return nil
		}
		for _, p := range l[1:] {
			if p != l[0] {
				return nil
			}
		}
		return bad(path, l[0], "a line of zero length (all positions equal)")
	}
	ring := func(path string, r orb.Ring) *FieldError {
		if fe := points(path, r); fe != nil {
			return fe
		}
		if len(r) < 4 || r[0] != r[len(r)-1] {
			return bad(path, fmt.Sprintf("ring of %d positions", len(r)), "rings must be closed with at least 4 positions")
		}
		if !strict {
			return nil
		}
		if i, j, ok := selfIntersection(r); ok {
			return bad(path+"["+strconv.Itoa(j)+"]", r[j], fmt.Sprintf("the ring intersects itself: the edge from position %d crosses the edge from position %d", j, i))
		}
		return nil
	}
	switch v := g.(type) {
	case orb.Point:
		if !finite(v[0]) || !finite(v[1]) {
			return bad("", v, "coordinates must be finite numbers")
		}
	case orb.MultiPoint:
		if len(v) == 0 {
			return bad("", "[]", "has no positions")
		}
		return points("", v)
	case orb.LineString:
		return line("", v)
	case orb.MultiLineString:
		if len(v) == 0 {
			return bad("", "[]", "has no lines")
		}
		for i, l := range v {
			if fe := line("["+strconv.Itoa(i)+"]", l); fe != nil {
				return fe
			}
		}
	case orb.Polygon:
		if len(v) == 0 {
			return bad("", "[]", "has no rings")
		}
		for i, r := range v {
			if fe := ring("["+strconv.Itoa(i)+"]", r); fe != nil {
				return fe
			}
		}
	case orb.MultiPolygon:
		if len(v) == 0 {
			return bad("", "[]", "has no polygons")
		}
		for i, p := range v {
			if len(p) == 0 {
				return bad("["+strconv.Itoa(i)+"]", "[]", "every polygon needs an outer ring")
			}
			for j, r := range p {
				if fe := ring("["+strconv.Itoa(i)+"]["+strconv.Itoa(j)+"]", r); fe != nil {
					return fe
				}
			}
		}
	case nil:
		return bad("", nil, "missing")
	default:
		return bad("", g.GeoJSONType(), "geometry type not accepted")
	}
	return nil
}

// selfIntersection finds two non-adjacent edges of a closed ring that
// touch or cross, or two adjacent edges that fold back onto each other.
// It returns the start positions i < j of the two edges. Quadratic; rings
// with more than 2,000 positions are not checked.
func selfIntersection(r orb.Ring) (int, int, bool) {
	n := len(r) - 1 // edges
	if n > 2000 {
		return 0, 0, false
	}
	for i := 0; i < n; i++ {
		a, b := r[i], r[i+1]
		for j := i + 1; j < n; j++ {
			c, d := r[j], r[j+1]
			adjacent := j == i+1 || (i == 0 && j == n-1)
			if adjacent {
				// Adjacent edges share one end; they are bad only when
				// they overlap along a stretch (the ring folds back).
				shared, other1, other2 := b, a, d
				if i == 0 && j == n-1 {
					shared, other1, other2 = a, b, c
				}
				if orient(other1, shared, other2) == 0 && dot(other1, shared, other2) > 0 {
					return i, j, true
				}
				continue
			}
			if spatial.SegmentsIntersect(a, b, c, d) {
				return i, j, true
			}
		}
	}
	return 0, 0, false
}

func orient(a, b, c orb.Point) float64 {
	v := (b[0]-a[0])*(c[1]-a[1]) - (b[1]-a[1])*(c[0]-a[0])
	switch {
	case v > 0:
		return 1
	case v < 0:
		return -1
	}
	return 0
}

// dot is the dot product of (a - s) and (c - s): positive when a and c lie
// on the same side of the shared point s.
func dot(a, s, c orb.Point) float64 {
	return (a[0]-s[0])*(c[0]-s[0]) + (a[1]-s[1])*(c[1]-s[1])
}
