package projects

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/paulmach/orb"

	"reach/data/tables"
	"reach/data/vector"
	"reach/layers"
)

// Error lists every invalid field of one project feature: those of
// the schema below and those of layers.Project.Validate, each field once.
// It wraps layers.ErrInvalid, so HTTP handlers map it to 422 with the
// field list.
type Error struct {
	Pos    vector.Pos
	Fields layers.FieldErrors // in property order, then the record's own rules
}

// Error returns "tables: file: feature i: n invalid fields: field …; field …".
func (e *Error) Error() string {
	parts := make([]string, len(e.Fields))
	for i := range e.Fields {
		parts[i] = e.Fields[i].Error()
	}
	return fmt.Sprintf("%s: %s: %d invalid field(s): %s", pkg, e.Pos, len(e.Fields), strings.Join(parts, "; "))
}

// Unwrap returns layers.ErrInvalid.
func (e *Error) Unwrap() error { return layers.ErrInvalid }

// Project statuses accepted by ParseFeature.
var projectStatuses = []string{"draft", "submitted", "selected", "funded", "rejected", "withdrawn"}

// projectProps are the properties of the project schema; "fid" and
// "ogc_fid" (added by GIS tools) are ignored.
var projectProps = map[string]bool{
	"id": true, "title": true, "applicant": true, "municipalities": true, "category": true, "kind": true,
	"investment_cost": true, "requested_funding": true, "planning_region": true, "status": true,
	"submitted_at": true, "speed_kmh": true, "innovation": true, "transferability": true, "synthetic": true,
	"location_source": true, "facility_id": true, "capacity_change": true, "opening_hours_change": true, "accessible_for": true,
	"fid": true, "ogc_fid": true,
}

// ParseFeature validates one project feature (geometry already in
// EPSG:25833, as vector readers give it) and returns the project. It is the
// schema of POST /projects and of project GeoJSON files:
//
//	id                 string, required (or the feature id): 1–100 of A–Z a–z 0–9 . _ : -
//	title              string, required
//	applicant          string
//	municipalities     array of 8-digit AGS strings, at least one, no repeats
//	kind               "new_facility" | "road_upgrade" | "area_service" |
//	                   "facility_upgrade", required
//	category           catalogue category or "other"; required for
//	                   new_facility, area_service and facility_upgrade
//	geometry           required: Point/MultiPoint (new_facility),
//	                   LineString/MultiLineString (road_upgrade),
//	                   Polygon/MultiPolygon (area_service), Point
//	                   (facility_upgrade; may be null when facility_id is given)
//	investment_cost    EUR, 0 < v ≤ 100 million (0 or absent: not stated)
//	requested_funding  EUR, 0 < v ≤ 100 million, not above investment_cost
//	location_source    where the geometry came from, when not drawn
//	facility_id        facility_upgrade: the facility improved (else the
//	                   nearest of its category to the point)
//	capacity_change, opening_hours_change   facility_upgrade: numbers
//	accessible_for     facility_upgrade: the group whose access improves
//	planning_region    one of the four Saxon planning regions
//	status             draft | submitted (default) | selected | funded | rejected | withdrawn
//	submitted_at       RFC 3339 time or YYYY-MM-DD
//	speed_kmh          road_upgrade only, 0 < v ≤ 130
//	innovation, transferability  0–10
//	synthetic          boolean
//
// Any other property is an error (it is most likely a misspelt one). All
// invalid fields are reported at once in a *Error.
//
// The project is returned with the fields that were valid even when err is
// not nil, so that a caller may check them further (the HTTP intake looks
// its municipalities up) and report everything together.
func ParseFeature(f vector.Feature) (layers.Project, error) {
	var (
		p    layers.Project
		errs layers.FieldErrors
	)
	wrongType := map[string]bool{}
	bad := func(field, value, reason string) {
		errs = append(errs, layers.FieldError{Field: field, Value: value, Reason: reason})
	}
	str := func(name string) (string, bool) {
		v, ok := f.Properties[name]
		if !ok || v == nil {
			return "", false
		}
		s, isStr := v.(string)
		if !isStr {
			wrongType[name] = true
			bad(name, vector.Text(v), "is not a string")
			return "", false
		}
		return strings.TrimSpace(s), true
	}
	num := func(name string) (float64, bool) {
		v, ok := f.Properties[name]
		if !ok || v == nil {
			return 0, false
		}
		switch x := v.(type) {
		case int64:
			return float64(x), true
		case float64:
			return x, true
		}
		bad(name, vector.Text(v), "is not a number")
		return 0, false
	}

	// id
	id, hasID := str("id")
	switch {
	case hasID && f.ID != "" && f.ID != id:
		bad("id", id, fmt.Sprintf("differs from the feature id %q", f.ID))
	case !hasID:
		id = f.ID
	}
	if id == "" {
		bad("id", "", "is required")
	} else if !validProjectID(id) {
		bad("id", id, "is not 1–100 characters of A–Z a–z 0–9 . _ : -")
	}
	p.ID = id

	if t, _ := str("title"); t != "" {
		p.Title = t
	} else if !wrongType["title"] {
		bad("title", t, "is required")
	}
	p.Applicant, _ = str("applicant")

	// municipalities
	switch v := f.Properties["municipalities"].(type) {
	case nil:
		bad("municipalities", "", "is required (a list of 8-digit AGS)")
	case []any:
		seen := map[string]bool{}
		for i, e := range v {
			s, ok := e.(string)
			field := fmt.Sprintf("municipalities[%d]", i)
			switch {
			case !ok:
				bad(field, vector.Text(e), "is not a string AGS")
			case !tables.ValidAGS(s):
				bad(field, s, "is not an 8-digit AGS")
			case seen[s]:
				bad(field, s, "repeats")
			default:
				seen[s] = true
				p.Municipalities = append(p.Municipalities, s)
			}
		}
		if len(v) == 0 {
			bad("municipalities", "[]", "is empty (name at least one AGS)")
		}
	default:
		bad("municipalities", vector.Text(v), "is not a list of AGS")
	}

	// kind and category
	kind, _ := str("kind")
	switch k := layers.ProjectKind(kind); {
	case k.Valid():
		p.Kind = k
	case wrongType["kind"]:
	case kind == "":
		bad("kind", "", "is required (new_facility, road_upgrade, area_service or facility_upgrade)")
	default:
		bad("kind", kind, "is not new_facility, road_upgrade, area_service or facility_upgrade")
	}
	c, _ := str("category")
	switch {
	case wrongType["category"]:
	case c != "" && !layers.Category(c).ValidForProject():
		bad("category", c, "is not in the catalogue (nor \"other\")")
	case c != "":
		p.Category = layers.Category(c)
	case p.Kind == layers.KindNewFacility || p.Kind == layers.KindAreaService || p.Kind == layers.KindFacilityUpgrade:
		bad("category", "", "is required for "+string(p.Kind))
	}

	// facility_upgrade
	var u layers.Upgrade
	u.FacilityID, _ = str("facility_id")
	u.AccessibleFor, _ = str("accessible_for")
	for _, m := range []struct {
		name string
		dst  **float64
	}{{"capacity_change", &u.CapacityChange}, {"opening_hours_change", &u.OpeningHoursChange}} {
		if v, ok := num(m.name); ok {
			switch {
			case math.IsNaN(v) || math.IsInf(v, 0) || math.Abs(v) > 1e6:
				bad(m.name, fmtNum(v), "is not a finite change of at most a million")
			default:
				*m.dst = &v
			}
		}
	}
	if u != (layers.Upgrade{}) {
		if p.Kind != layers.KindFacilityUpgrade && p.Kind != "" {
			bad("kind", string(p.Kind), "facility_id, capacity_change, opening_hours_change and accessible_for apply to facility_upgrade only")
		}
	}
	if p.Kind == layers.KindFacilityUpgrade {
		p.Upgrade = &u
	}
	p.LocationSource, _ = str("location_source")

	// geometry
	switch g := f.Geometry.(type) {
	case nil:
		if p.Kind != layers.KindFacilityUpgrade || u.FacilityID == "" {
			bad("geometry", "null", "is required")
		}
	default:
		gt := g.GeoJSONType()
		want := map[layers.ProjectKind][]string{
			layers.KindNewFacility:     {"Point", "MultiPoint"},
			layers.KindRoadUpgrade:     {"LineString", "MultiLineString"},
			layers.KindAreaService:     {"Polygon", "MultiPolygon"},
			layers.KindFacilityUpgrade: {"Point"},
		}[p.Kind]
		if p.Kind != "" && !contains(want, gt) {
			bad("geometry", gt, fmt.Sprintf("is not a %s for kind %s", strings.Join(want, " or "), p.Kind))
		} else if emptyGeometry(g) {
			bad("geometry", gt, "is empty")
		} else {
			p.Geometry = g
		}
	}

	// money
	cost, hasCost := num("investment_cost")
	if hasCost {
		if fe := checkMoney("investment_cost", cost); fe != nil {
			errs = append(errs, layers.FieldError{Field: fe.Field, Value: fe.Value, Reason: fe.Reason})
			hasCost = false
		} else {
			p.InvestmentCost = cost
		}
	}
	if fund, ok := num("requested_funding"); ok {
		switch fe := checkMoney("requested_funding", fund); {
		case fe != nil:
			errs = append(errs, layers.FieldError{Field: fe.Field, Value: fe.Value, Reason: fe.Reason})
		case hasCost && cost > 0 && fund > cost:
			bad("requested_funding", fmtNum(fund), fmt.Sprintf("is above the investment cost %s", fmtNum(cost)))
		default:
			p.RequestedFunding = fund
		}
	}

	if r, ok := str("planning_region"); ok && r != "" {
		if !slices.Contains(tables.PlanningRegions(), r) {
			bad("planning_region", r, "is not one of "+strings.Join(tables.PlanningRegions(), ", "))
		} else {
			p.PlanningRegion = r
		}
	}
	p.Status = "submitted"
	if s, ok := str("status"); ok && s != "" {
		if !contains(projectStatuses, s) {
			bad("status", s, "is not one of "+strings.Join(projectStatuses, ", "))
		} else {
			p.Status = s
		}
	}
	if s, ok := str("submitted_at"); ok && s != "" {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t, err = time.Parse(dateLayout, s)
		}
		if err != nil {
			bad("submitted_at", s, "is not an RFC 3339 time or YYYY-MM-DD date")
		} else {
			p.SubmittedAt = t.UTC()
		}
	}
	if v, ok := num("speed_kmh"); ok {
		switch {
		case p.Kind != layers.KindRoadUpgrade && p.Kind != "":
			bad("speed_kmh", fmtNum(v), "applies to road_upgrade only")
		case v <= 0 || v > 130:
			bad("speed_kmh", fmtNum(v), "is not a speed in (0, 130] km/h")
		default:
			p.SpeedKmh = v
		}
	}
	for _, m := range []struct {
		name string
		dst  **float64
	}{{"innovation", &p.Innovation}, {"transferability", &p.Transferability}} {
		if v, ok := num(m.name); ok {
			if v < 0 || v > 10 {
				bad(m.name, fmtNum(v), "is not a mark from 0 to 10")
			} else {
				*m.dst = &v
			}
		}
	}
	if v, ok := f.Properties["synthetic"]; ok && v != nil {
		b, isBool := v.(bool)
		if !isBool {
			bad("synthetic", vector.Text(v), "is not true or false")
		}
		p.Synthetic = b
	}
	var unknown []string
	for k := range f.Properties {
		if !projectProps[k] {
			unknown = append(unknown, k)
		}
	}
	sort.Strings(unknown)
	for _, k := range unknown {
		bad(k, vector.Text(f.Properties[k]), "is not a project property")
	}
	errs = withRecordRules(errs, p)
	if len(errs) > 0 {
		return p, &Error{Pos: f.Pos, Fields: errs}
	}
	return p, nil
}

// withRecordRules adds the errors of p.Validate on fields that errs does
// not name yet (a field refused by the schema is left out of p, and the
// record's rules would only repeat it).
func withRecordRules(errs layers.FieldErrors, p layers.Project) layers.FieldErrors {
	var fes layers.FieldErrors
	if !errors.As(p.Validate(), &fes) {
		return errs
	}
	named := map[string]bool{}
	for _, e := range errs {
		named[fieldHead(e.Field)] = true
	}
	for _, e := range fes {
		if !named[fieldHead(e.Field)] {
			e.Record = ""
			errs = append(errs, e)
		}
	}
	return errs
}

// fieldHead is a field name without its index or path: "geometry[0][3]" →
// "geometry".
func fieldHead(f string) string {
	if i := strings.IndexAny(f, "[."); i >= 0 {
		return f[:i]
	}
	return f
}

// Decode decodes and validates one GeoJSON project Feature, e.g. the
// body of POST /projects (CRS84 unless the options say otherwise); name is
// used in errors.
func Decode(data []byte, name string, src tables.VectorSource) (layers.Project, error) {
	o := vectorOptions(src)
	f, err := vector.ParseFeature(bytes.TrimSpace(data), name, o)
	if err != nil {
		return layers.Project{}, err
	}
	return ParseFeature(f)
}

// DecodeMembers is Decode for a Feature object whose members
// were split already (a request body decoded once): each member is decoded
// once, and a geometry that fails is reported together with the errors of
// the properties in one *Error. The project holds the valid fields
// even when err is not nil (see ParseFeature).
//
// defaultID is the id of a feature that names none (neither as its id nor
// as the property "id").
func DecodeMembers(members map[string]json.RawMessage, name string, src tables.VectorSource, defaultID string) (layers.Project, error) {
	f, ferr := vector.FeatureOfMembers(members, name, vectorOptions(src))
	if ferr != nil && f.Properties == nil {
		return layers.Project{}, ferr
	}
	if _, ok := f.Properties["id"]; !ok && f.ID == "" {
		f.ID = defaultID
	}
	p, err := ParseFeature(f)
	if ferr == nil {
		return p, err
	}
	geom := layers.FieldError{Field: "geometry", Reason: ferr.Error()}
	var fe *vector.FieldError
	var re *vector.RecordError
	switch {
	case errors.As(ferr, &fe):
		geom.Value, geom.Reason = fe.Value, fe.Reason
	case errors.As(ferr, &re):
		geom.Reason = re.Err.Error()
	}
	fields := layers.FieldErrors{geom}
	var pe *Error
	if errors.As(err, &pe) {
		for _, e := range pe.Fields {
			if fieldHead(e.Field) != "geometry" {
				fields = append(fields, e)
			}
		}
	}
	return p, &Error{Pos: f.Pos, Fields: fields}
}

// MissingFields lists what project p lacks for a full assessment, in a
// stable order: "geometry", "kind", "category" (for new_facility and
// area_service, or when the kind is unknown), "investment_cost",
// "requested_funding", "submitted_at". An empty list means complete.
func MissingFields(p layers.Project) []string {
	var out []string
	if p.Geometry == nil {
		out = append(out, "geometry")
	}
	if p.Kind == "" {
		out = append(out, "kind")
	}
	if p.Category == "" && p.Kind != layers.KindRoadUpgrade {
		out = append(out, "category")
	}
	if p.InvestmentCost == 0 {
		out = append(out, "investment_cost")
	}
	if p.RequestedFunding == 0 {
		out = append(out, "requested_funding")
	}
	if p.SubmittedAt.IsZero() {
		out = append(out, "submitted_at")
	}
	return out
}

// checkMoney checks an amount of euros: finite, ≥ 0 and at most
// layers.MaxMoneyEUR (so that sums of cents cannot overflow).
func checkMoney(field string, eur float64) *vector.FieldError {
	switch {
	case math.IsNaN(eur) || math.IsInf(eur, 0):
		return &vector.FieldError{Field: field, Value: fmtNum(eur), Reason: "is not a finite amount of euros"}
	case eur < 0:
		return &vector.FieldError{Field: field, Value: fmtNum(eur), Reason: "is negative"}
	case eur > layers.MaxMoneyEUR:
		return &vector.FieldError{Field: field, Value: fmtNum(eur), Reason: "is above 100 million euros, the largest amount a project may state"}
	}
	return nil
}

func validProjectID(s string) bool {
	if len(s) == 0 || len(s) > 100 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == ':' || c == '-') {
			return false
		}
	}
	return true
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

func fmtNum(v float64) string { return vector.Text(v) }

// emptyGeometry reports whether g has no positions or a non-finite one.
func emptyGeometry(g orb.Geometry) bool {
	n := 0
	finite := true
	var walk func(orb.Geometry)
	walk = func(g orb.Geometry) {
		switch x := g.(type) {
		case orb.Point:
			n++
			finite = finite && !math.IsNaN(x[0]) && !math.IsNaN(x[1])
		case orb.MultiPoint:
			n += len(x)
		case orb.LineString:
			n += len(x)
		case orb.MultiLineString:
			for _, l := range x {
				n += len(l)
			}
		case orb.Polygon:
			for _, r := range x {
				n += len(r)
			}
		case orb.MultiPolygon:
			for _, p := range x {
				walk(p)
			}
		}
	}
	walk(g)
	return n == 0 || !finite
}
