package httpapi

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"reach/geo/crs"
	"reach/internal/ogc"
	"reach/layers"
)

var (
	projectIDPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$`)
	agsPattern       = regexp.MustCompile(`^[0-9]{8}$`)
	statusPattern    = regexp.MustCompile(`^[a-z][a-z_]{0,39}$`)
)

// projectProps are the properties a submitted project may carry; they are
// the names layers.ProjectFeature serves, so a served project can be sent
// back as it is.
var projectProps = map[string]bool{
	"title": true, "applicant": true, "municipalities": true, "category": true, "kind": true,
	"investment_cost": true, "requested_funding": true, "planning_region": true, "status": true,
	"submitted_at": true, "speed_kmh": true, "innovation": true, "transferability": true, "synthetic": true,
}

// ParseProjectFeature validates a project submitted as a GeoJSON Feature
// (geometry in CRS84, [lon, lat]) and returns it with its geometry in
// EPSG:25833. Every invalid field is reported in the returned error (an
// ogc.ParamErrors wrapping layers.ErrInvalid) with names such as
// "properties.title" or "geometry". A missing id is left empty; a missing
// status becomes "submitted", a missing submitted_at becomes now.
func ParseProjectFeature(data []byte, now time.Time) (layers.Project, error) {
	var p layers.Project
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		return p, errBody{http.StatusBadRequest, "not a JSON object: " + err.Error()}
	}
	o := &object{raw: top, used: map[string]bool{}}
	if t, ok := o.str("type", true); ok && t != "Feature" {
		o.add("type", t, `must be "Feature"`)
	}
	if v, ok := o.get("id", false); ok {
		var id string
		if err := json.Unmarshal(v, &id); err != nil {
			var n json.Number
			if json.Unmarshal(v, &n) == nil {
				id = n.String()
			} else {
				o.add("id", string(v), "must be a string or a number")
			}
		}
		if id != "" && !projectIDPattern.MatchString(id) {
			o.add("id", id, "must be 1 to 64 letters, digits, '.', '_', ':' or '-', starting with a letter or digit")
		} else {
			p.ID = id
		}
	}
	o.get("links", false)
	o.get("bbox", false)
	var geom orb.Geometry
	if v, ok := o.get("geometry", true); ok {
		g, err := geojson.UnmarshalGeometry(v)
		if err != nil {
			o.add("geometry", string(v), "not a GeoJSON geometry: "+err.Error())
		} else if reason := checkGeometry(g.Geometry()); reason != "" {
			o.add("geometry", string(v), reason)
		} else {
			geom = g.Geometry()
		}
	}
	if v, ok := o.get("properties", true); ok {
		var props map[string]json.RawMessage
		if err := json.Unmarshal(v, &props); err != nil || props == nil {
			o.add("properties", string(v), "must be an object")
		} else {
			parseProjectProps(o, props, &p, now)
		}
	}
	if geom != nil && p.Kind != "" {
		if want := geometryTypesFor(p.Kind); want != nil && !want[geom.GeoJSONType()] {
			o.add("geometry", geom.GeoJSONType(), fmt.Sprintf("a %s project needs %s", p.Kind, kindGeometryText(p.Kind)))
		}
	}
	if err := o.finish(false); err != nil {
		return layers.Project{}, err
	}
	p.Geometry = crs.MustProject(geom, crs.CRS84, crs.UTM33N)
	return p, nil
}

func parseProjectProps(o *object, props map[string]json.RawMessage, p *layers.Project, now time.Time) {
	po := &object{raw: props, used: map[string]bool{}}
	pre := "properties."
	if s, ok := po.str("title", true); ok {
		if n := len([]rune(s)); n == 0 || n > 200 {
			po.add("title", s, "must be 1 to 200 characters")
		} else {
			p.Title = s
		}
	}
	if s, ok := po.str("applicant", false); ok {
		if len([]rune(s)) > 200 {
			po.add("applicant", s, "must be at most 200 characters")
		} else {
			p.Applicant = s
		}
	}
	if v, ok := po.get("municipalities", true); ok {
		var ms []string
		if err := json.Unmarshal(v, &ms); err != nil {
			po.add("municipalities", string(v), "must be an array of 8-digit AGS strings")
		} else if len(ms) == 0 {
			po.add("municipalities", "[]", "must name at least one participating municipality (8-digit AGS)")
		} else {
			seen := map[string]bool{}
			for i, m := range ms {
				name := "municipalities[" + strconv.Itoa(i) + "]"
				switch {
				case !agsPattern.MatchString(m):
					po.add(name, m, "must be an 8-digit AGS such as 14628110")
				case seen[m]:
					po.add(name, m, "named twice")
				default:
					seen[m] = true
					p.Municipalities = append(p.Municipalities, m)
				}
			}
		}
	}
	if s, ok := po.str("kind", true); ok {
		switch k := layers.ProjectKind(s); k {
		case layers.KindNewFacility, layers.KindRoadUpgrade, layers.KindAreaService:
			p.Kind = k
		default:
			po.add("kind", s, "want new_facility, road_upgrade or area_service")
		}
	}
	if s, ok := po.str("category", p.Kind == layers.KindNewFacility); ok {
		if !layers.Category(s).Valid() {
			po.add("category", s, "not in the service catalogue")
		} else {
			p.Category = layers.Category(s)
		}
	}
	cost, costOK := po.num("investment_cost", true)
	if costOK && (cost < 0 || cost > 1e12) {
		po.add("investment_cost", strconv.FormatFloat(cost, 'f', -1, 64), "must be an amount in EUR from 0 to 1e12")
		costOK = false
	}
	if costOK {
		p.InvestmentCost = cost
	}
	if f, ok := po.num("requested_funding", true); ok {
		switch {
		case f < 0 || f > 1e12:
			po.add("requested_funding", strconv.FormatFloat(f, 'f', -1, 64), "must be an amount in EUR from 0 to 1e12")
		case costOK && f > cost:
			po.add("requested_funding", strconv.FormatFloat(f, 'f', -1, 64), "exceeds investment_cost")
		default:
			p.RequestedFunding = f
		}
	}
	if s, ok := po.str("planning_region", false); ok {
		if len(s) > 100 {
			po.add("planning_region", s, "must be at most 100 characters")
		} else {
			p.PlanningRegion = s
		}
	}
	p.Status = "submitted"
	if s, ok := po.str("status", false); ok {
		if !statusPattern.MatchString(s) {
			po.add("status", s, "must be a lower-case word such as submitted or selected")
		} else {
			p.Status = s
		}
	}
	p.SubmittedAt = now.UTC().Truncate(time.Second)
	if s, ok := po.str("submitted_at", false); ok {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t, err = time.Parse("2006-01-02", s)
		}
		if err != nil {
			po.add("submitted_at", s, "must be an RFC 3339 time or a date YYYY-MM-DD")
		} else {
			p.SubmittedAt = t.UTC()
		}
	}
	if f, ok := po.num("speed_kmh", false); ok {
		switch {
		case p.Kind != "" && p.Kind != layers.KindRoadUpgrade:
			po.add("speed_kmh", strconv.FormatFloat(f, 'f', -1, 64), "only a road_upgrade has a design speed")
		case f <= 0 || f > 130:
			po.add("speed_kmh", strconv.FormatFloat(f, 'f', -1, 64), "must be greater than 0 and at most 130")
		default:
			p.SpeedKmh = f
		}
	}
	for _, name := range []string{"innovation", "transferability"} {
		if f, ok := po.num(name, false); ok {
			if f < 0 || f > 10 {
				po.add(name, strconv.FormatFloat(f, 'f', -1, 64), "must be a mark from 0 to 10")
				continue
			}
			v := f
			if name == "innovation" {
				p.Innovation = &v
			} else {
				p.Transferability = &v
			}
		}
	}
	if v, ok := po.get("synthetic", false); ok {
		if err := json.Unmarshal(v, &p.Synthetic); err != nil {
			po.add("synthetic", string(v), "must be true or false")
		}
	}
	_ = po.finish(false)
	for _, e := range po.errs {
		e.Name = pre + e.Name
		o.errs = append(o.errs, e)
	}
}

// geometryTypesFor lists the GeoJSON types a kind of project accepts.
func geometryTypesFor(k layers.ProjectKind) map[string]bool {
	switch k {
	case layers.KindNewFacility:
		return map[string]bool{"Point": true, "MultiPoint": true}
	case layers.KindRoadUpgrade:
		return map[string]bool{"LineString": true, "MultiLineString": true}
	case layers.KindAreaService:
		return map[string]bool{"Polygon": true, "MultiPolygon": true}
	}
	return nil
}

func kindGeometryText(k layers.ProjectKind) string {
	switch k {
	case layers.KindNewFacility:
		return "a Point or MultiPoint (the sites)"
	case layers.KindRoadUpgrade:
		return "a LineString or MultiLineString (the links)"
	}
	return "a Polygon or MultiPolygon (the service area)"
}

// checkGeometry returns why g is not a usable CRS84 geometry, or "".
func checkGeometry(g orb.Geometry) string {
	bad := ""
	visit := func(ps []orb.Point) {
		for _, p := range ps {
			if _, err := checkLonLat(p); err != nil && bad == "" {
				bad = err.Error() + " (coordinates must be [lon, lat] in CRS84)"
			}
		}
	}
	ring := func(r orb.Ring) {
		visit(r)
		if bad == "" && (len(r) < 4 || r[0] != r[len(r)-1]) {
			bad = "every polygon ring needs at least 4 positions and must be closed"
		}
	}
	switch v := g.(type) {
	case orb.Point:
		visit([]orb.Point{v})
	case orb.MultiPoint:
		if len(v) == 0 {
			return "has no positions"
		}
		visit(v)
	case orb.LineString:
		if len(v) < 2 {
			return "a LineString needs at least 2 positions"
		}
		visit(v)
	case orb.MultiLineString:
		if len(v) == 0 {
			return "has no lines"
		}
		for _, l := range v {
			if len(l) < 2 {
				return "every line needs at least 2 positions"
			}
			visit(l)
		}
	case orb.Polygon:
		if len(v) == 0 {
			return "has no rings"
		}
		for _, r := range v {
			ring(r)
		}
	case orb.MultiPolygon:
		if len(v) == 0 {
			return "has no polygons"
		}
		for _, p := range v {
			if len(p) == 0 {
				return "every polygon needs an outer ring"
			}
			for _, r := range p {
				ring(r)
			}
		}
	default:
		return fmt.Sprintf("type %s is not accepted; use Point, MultiPoint, LineString, MultiLineString, Polygon or MultiPolygon", g.GeoJSONType())
	}
	return bad
}

// newProjectID returns a random id for a project submitted without one.
func newProjectID() (string, error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("httpapi: project id: %w", err)
	}
	return "p-" + hex.EncodeToString(b[:]), nil
}

func (s *server) postProject(w http.ResponseWriter, r *http.Request) {
	if err := ogc.CheckOnly(r.URL.Query()); err != nil {
		s.fail(w, r, err, http.StatusBadRequest)
		return
	}
	st, ok := s.store(w, r)
	if !ok {
		return
	}
	o, err := readObject(w, r, s.deps.MaxBodyBytes)
	if err != nil {
		s.bodyFail(w, r, err)
		return
	}
	raw, _ := json.Marshal(o.raw)
	p, err := ParseProjectFeature(raw, s.deps.Now())
	if err != nil {
		s.bodyFail(w, r, err)
		return
	}
	ctx := r.Context()
	if p.ID == "" {
		if p.ID, err = newProjectID(); err != nil {
			s.fail(w, r, err, http.StatusUnprocessableEntity)
			return
		}
	} else if _, err := st.Project(ctx, p.ID); err == nil {
		s.problem(w, r, http.StatusConflict, "conflict", fmt.Sprintf("project %q exists already", p.ID),
			[]InvalidParam{{Name: "id", Value: p.ID, Reason: "a project with this id exists already"}})
		return
	} else if !errors.Is(err, layers.ErrNotFound) {
		s.fail(w, r, err, http.StatusUnprocessableEntity)
		return
	}
	if err := st.PutProject(ctx, p); err != nil {
		s.fail(w, r, err, http.StatusUnprocessableEntity)
		return
	}
	loc := "/projects/" + url.PathEscape(p.ID)
	w.Header().Set("Location", loc)
	w.Header().Set("Cache-Control", "no-store")
	b := s.baseURL(r)
	s.writeFeature(w, r, layers.ProjectFeature(p), crs.CRS84, []ogc.Link{
		{Href: b + loc, Rel: "self", Type: ogc.MediaGeoJSON, Title: "this project"},
		{Href: b + loc + "/assessment", Rel: "related", Type: ogc.MediaJSON, Title: "assessment"},
	}, http.StatusCreated)
}

func (s *server) getProject(w http.ResponseWriter, r *http.Request) {
	if err := ogc.CheckOnly(r.URL.Query()); err != nil {
		s.fail(w, r, err, http.StatusBadRequest)
		return
	}
	id := chi.URLParam(r, "projectId")
	var feat layers.Feature
	var err error
	if s.deps.Store != nil {
		var p layers.Project
		if p, err = s.deps.Store.Project(r.Context(), id); err == nil {
			feat = layers.ProjectFeature(p)
		}
	} else {
		feat, err = s.deps.Features.Item(r.Context(), layers.CollProjects, id)
	}
	if err != nil {
		if errors.Is(err, layers.ErrNotFound) {
			err = fmt.Errorf("httpapi: project %q: %w", id, layers.ErrNotFound)
		}
		s.fail(w, r, err, http.StatusBadRequest)
		return
	}
	b := s.baseURL(r)
	loc := b + "/projects/" + url.PathEscape(id)
	s.writeFeature(w, r, feat, crs.CRS84, []ogc.Link{
		{Href: loc, Rel: "self", Type: ogc.MediaGeoJSON, Title: "this project"},
		{Href: loc + "/assessment", Rel: "related", Type: ogc.MediaJSON, Title: "assessment"},
		{Href: b + "/collections/" + layers.CollProjects + "/items/" + url.PathEscape(id), Rel: "alternate", Type: ogc.MediaGeoJSON, Title: "as an OGC feature"},
	}, http.StatusOK)
}
