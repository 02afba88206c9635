package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
	"net/http"
	"sort"
	"strconv"
	"unicode/utf8"

	"github.com/paulmach/orb"

	"reach/internal/analysis"
	"reach/internal/ogc"
	"reach/layers"
)

// errBody is a request body that is not a JSON object at all (400), as
// opposed to one whose fields are wrong (422).
type errBody struct {
	status int
	detail string
}

func (e errBody) Error() string { return "httpapi: request body: " + e.detail }

// object is a JSON object body read field by field, so that every invalid
// field can be reported at once.
type object struct {
	// body is the request body as sent (for the fingerprint of an
	// idempotent request).
	body []byte
	raw  map[string]json.RawMessage
	used map[string]bool
	errs ogc.ParamErrors
}

// readObject reads a JSON object body of at most max bytes, sent as
// application/json or application/geo+json (415 otherwise: browsers send
// text/plain and form types cross-site without a preflight). The body must
// be valid UTF-8.
func readObject(w http.ResponseWriter, r *http.Request, max int64) (*object, error) {
	ct := r.Header.Get("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || (mt != "application/json" && mt != "application/geo+json") {
		return nil, errBody{http.StatusUnsupportedMediaType, fmt.Sprintf("content type %q; send application/json or application/geo+json", ct)}
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, max))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, errBody{http.StatusRequestEntityTooLarge, fmt.Sprintf("larger than %d bytes", max)}
		}
		return nil, errBody{http.StatusBadRequest, "cannot be read: " + err.Error()}
	}
	data = bytes.TrimSpace(data)
	if !utf8.Valid(data) {
		return nil, errBody{http.StatusBadRequest, "not valid UTF-8"}
	}
	if len(data) == 0 {
		return nil, errBody{http.StatusBadRequest, "empty; send a JSON object"}
	}
	if data[0] != '{' {
		return nil, errBody{http.StatusBadRequest, "not a JSON object"}
	}
	o := &object{used: map[string]bool{}, body: data}
	if err := json.Unmarshal(data, &o.raw); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return nil, errBody{http.StatusBadRequest, fmt.Sprintf("invalid JSON at byte %d: %v", se.Offset, se)}
		}
		return nil, errBody{http.StatusBadRequest, "invalid JSON: " + err.Error()}
	}
	return o, nil
}

// add records an invalid field.
func (o *object) add(name, value, reason string) {
	if len(value) > 80 {
		value = value[:80] + "…"
	}
	o.errs = append(o.errs, ogc.ParamError{Name: name, Value: value, Reason: reason})
}

// get returns the raw value of a field and marks it as known; ok is false
// when the field is absent or null (reported when required).
func (o *object) get(name string, required bool) (json.RawMessage, bool) {
	o.used[name] = true
	v, ok := o.raw[name]
	if !ok || string(v) == "null" {
		if required {
			o.add(name, "", "required")
		}
		return nil, false
	}
	return v, true
}

// finish reports unknown fields and returns the collected errors.
func (o *object) finish(allowUnknown bool) error {
	if !allowUnknown {
		var unknown []string
		for k := range o.raw {
			if !o.used[k] {
				unknown = append(unknown, k)
			}
		}
		sort.Strings(unknown)
		for _, k := range unknown {
			o.add(k, string(o.raw[k]), "unknown field")
		}
	}
	if len(o.errs) > 0 {
		return o.errs
	}
	return nil
}

// str reads a string field.
func (o *object) str(name string, required bool) (string, bool) {
	v, ok := o.get(name, required)
	if !ok {
		return "", false
	}
	var s string
	if err := json.Unmarshal(v, &s); err != nil {
		o.add(name, string(v), "must be a string")
		return "", false
	}
	return s, true
}

// num reads a finite number field.
func (o *object) num(name string, required bool) (float64, bool) {
	v, ok := o.get(name, required)
	if !ok {
		return 0, false
	}
	var f float64
	if err := json.Unmarshal(v, &f); err != nil {
		o.add(name, string(v), "must be a number")
		return 0, false
	}
	return f, true
}

// mode reads a travel mode field.
func (o *object) mode(name string) (layers.Mode, bool) {
	s, ok := o.str(name, true)
	if !ok {
		return "", false
	}
	m, ok := layers.ParseMode(s)
	if !ok && s == string(layers.Transit) {
		o.add(name, s, "public transport is not offered by this analysis (it is by the matrix, isochrones, round trips and the travel-times and gaps collections); want car, bicycle or foot")
	} else if !ok {
		o.add(name, s, "unknown mode; want car, bicycle or foot")
	}
	return m, ok
}

// travelMode reads a travel mode field that may also be "transit".
func (o *object) travelMode(name string) (layers.Mode, bool) {
	s, ok := o.str(name, true)
	if !ok {
		return "", false
	}
	if layers.Mode(s) == analysis.Transit {
		return analysis.Transit, true
	}
	m, ok := layers.ParseMode(s)
	if !ok {
		o.add(name, s, "unknown mode; want car, bicycle, foot or transit")
	}
	return m, ok
}

// transitQuery reads departure and window_minutes, required and allowed only with mode transit;
// where arriveBy is true (the matrix), arrive_by may stand instead of departure.
func (o *object) transitQuery(mode layers.Mode, arriveBy bool) analysis.TransitQuery {
	var q analysis.TransitQuery
	by, hasBy := o.str("arrive_by", false)
	dep, hasDep := o.str("departure", mode == analysis.Transit && !(arriveBy && hasBy))
	win, hasWin := o.num("window_minutes", false)
	if hasBy {
		switch {
		case mode != analysis.Transit:
			o.add("arrive_by", by, "only with mode transit")
		case !arriveBy:
			o.add("arrive_by", by, "not accepted here; give departure")
		case hasDep:
			o.add("arrive_by", by, "give either departure or arrive_by, not both")
		default:
			t, err := analysis.ParseDeparture(by)
			if err != nil {
				o.add("arrive_by", by, "want a local date-time YYYY-MM-DDTHH:MM")
			}
			q.ArriveBy = t
		}
	}
	if mode != analysis.Transit {
		if hasDep {
			o.add("departure", dep, "only with mode transit")
		}
		if hasWin {
			o.add("window_minutes", strconv.FormatFloat(win, 'g', -1, 64), "only with mode transit")
		}
		return q
	}
	if hasDep && !hasBy {
		t, err := analysis.ParseDeparture(dep)
		if err != nil {
			o.add("departure", dep, "want a local date-time YYYY-MM-DDTHH:MM")
		}
		q.Departure = t
	}
	if hasWin {
		if win != math.Trunc(win) || win < 1 || win > analysis.MaxWindowMinutes {
			o.add("window_minutes", strconv.FormatFloat(win, 'g', -1, 64), fmt.Sprintf("want a whole number of minutes from 1 to %d", analysis.MaxWindowMinutes))
		} else {
			q.WindowMinutes = int(win)
		}
	}
	return q
}

// points reads a list of [lon, lat] positions (CRS84), at most max.
func (o *object) points(name string, max int) ([]orb.Point, bool) {
	v, ok := o.get(name, true)
	if !ok {
		return nil, false
	}
	var raw []json.RawMessage
	if err := json.Unmarshal(v, &raw); err != nil {
		o.add(name, string(v), "must be an array of [lon, lat] positions")
		return nil, false
	}
	if len(raw) == 0 {
		o.add(name, "[]", "must hold at least one [lon, lat] position")
		return nil, false
	}
	if len(raw) > max {
		o.add(name, "", fmt.Sprintf("holds %d positions; at most %d are allowed per request", len(raw), max))
		return nil, false
	}
	out := make([]orb.Point, 0, len(raw))
	good := true
	for i, pr := range raw {
		p, err := parsePosition(pr)
		if err != nil {
			o.add(name+"["+strconv.Itoa(i)+"]", string(pr), err.Error())
			good = false
			continue
		}
		out = append(out, p)
	}
	return out, good
}

// parsePosition reads one [lon, lat] (an optional third height is ignored).
func parsePosition(raw json.RawMessage) (orb.Point, error) {
	// Pointers, so that null is told apart from 0 (json leaves a float at
	// 0 for null).
	var c []*float64
	if err := json.Unmarshal(raw, &c); err != nil {
		return orb.Point{}, errors.New("must be [lon, lat] with numbers")
	}
	if len(c) != 2 && len(c) != 3 {
		return orb.Point{}, fmt.Errorf("has %d numbers; want [lon, lat]", len(c))
	}
	for _, v := range c {
		if v == nil {
			return orb.Point{}, errors.New("has null where a number belongs; want [lon, lat]")
		}
	}
	return checkLonLat(orb.Point{*c[0], *c[1]})
}

func checkLonLat(p orb.Point) (orb.Point, error) {
	if math.IsNaN(p[0]) || p[0] < -180 || p[0] > 180 {
		return p, fmt.Errorf("longitude %g is out of range [-180, 180]", p[0])
	}
	if math.IsNaN(p[1]) || p[1] < -90 || p[1] > 90 {
		return p, fmt.Errorf("latitude %g is out of range [-90, 90]", p[1])
	}
	return p, nil
}

// bodyFail answers a body error: errBody with its status, field errors with
// 422, anything else through fail.
func (s *server) bodyFail(w http.ResponseWriter, r *http.Request, err error) {
	var eb errBody
	if errors.As(err, &eb) {
		title := "invalid request body"
		if eb.status == http.StatusRequestEntityTooLarge {
			title = "request body too large"
		}
		if eb.status == http.StatusUnsupportedMediaType {
			title = "unsupported media type"
		}
		name := "body"
		if eb.status == http.StatusUnsupportedMediaType {
			name = "Content-Type"
		}
		s.problem(w, r, eb.status, title, eb.detail, []InvalidParam{{Name: name, Reason: eb.detail}})
		return
	}
	s.fail(w, r, err, http.StatusUnprocessableEntity)
}
