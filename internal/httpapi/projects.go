package httpapi

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"reach/data/tables"
	"reach/geo/crs"
	"reach/internal/ogc"
	"reach/layers"
)

// decodeProject validates a submitted project against the project schema
// of data/tables (tables.DecodeProject: geometry in CRS84 inside Saxony,
// properties as documented there) and reports every invalid field at once
// as ogc.ParamErrors, with property names prefixed "properties.". A body
// without an id gets one from newID. The geometry is checked here first
// (positions, rings) so that a bad geometry does not hide the property
// errors. SubmittedAt defaults to now.
func decodeProject(raw map[string]json.RawMessage, now time.Time, newID func() (string, error)) (layers.Project, error) {
	var props map[string]json.RawMessage
	if v, ok := raw["properties"]; ok {
		_ = json.Unmarshal(v, &props)
	}
	_, hasID := raw["id"]
	if _, ok := props["id"]; ok {
		hasID = true
	}
	if !hasID {
		id, err := newID()
		if err != nil {
			return layers.Project{}, err
		}
		raw["id"], _ = json.Marshal(id)
	}
	var errs ogc.ParamErrors
	geomBad := false
	if v, ok := raw["geometry"]; ok && string(v) != "null" {
		g, err := geojson.UnmarshalGeometry(v)
		reason := ""
		switch {
		case err != nil:
			reason = "not a GeoJSON geometry: " + err.Error()
		default:
			reason = checkGeometry(g.Geometry())
		}
		if reason != "" {
			geomBad = true
			errs = append(errs, ogc.ParamError{Name: "geometry", Value: shorten(string(v)), Reason: reason})
			raw["geometry"] = json.RawMessage("null")
		}
	}
	data, err := json.Marshal(raw)
	if err != nil {
		return layers.Project{}, fmt.Errorf("httpapi: project body: %w", err)
	}
	p, err := tables.DecodeProject(data, "request body", tables.VectorSource{})
	var pe *tables.ProjectError
	switch {
	case err == nil:
	case errors.As(err, &pe):
		for _, f := range pe.Fields {
			name := f.Field
			if name == "geometry" && geomBad {
				continue
			}
			if name != "geometry" && name != "id" && name != "type" {
				name = "properties." + name
			}
			errs = append(errs, ogc.ParamError{Name: name, Value: shorten(f.Value), Reason: f.Reason})
		}
	case errors.Is(err, layers.ErrInvalid):
		errs = append(errs, ogc.ParamError{Name: "body", Reason: err.Error()})
	default:
		return layers.Project{}, err
	}
	if len(errs) > 0 {
		return layers.Project{}, errs
	}
	if p.SubmittedAt.IsZero() {
		p.SubmittedAt = now.UTC().Truncate(time.Second)
	}
	return p, nil
}

func shorten(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}

// checkGeometry returns why g is not a usable CRS84 geometry, or "".
func checkGeometry(g orb.Geometry) string {
	bad := ""
	visit := func(ps []orb.Point) {
		for _, p := range ps {
			if _, err := checkLonLat(p); err != nil && bad == "" {
				bad = err.Error() + " (coordinates must be [lon, lat] in CRS84)"
			} else if bad == "" && !crs.SaxonyLonLat.Contains(p) {
				b := crs.SaxonyLonLat
				bad = fmt.Sprintf("position [%g, %g] lies outside Saxony (lon %g to %g, lat %g to %g; coordinates must be [lon, lat] in CRS84)",
					p[0], p[1], b.Min[0], b.Max[0], b.Min[1], b.Max[1])
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
	p, err := decodeProject(o.raw, s.deps.Now(), newProjectID)
	if err != nil {
		s.bodyFail(w, r, err)
		return
	}
	ctx := r.Context()
	if _, err := st.Project(ctx, p.ID); err == nil {
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
	id := urlParam(r, "projectId")
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
