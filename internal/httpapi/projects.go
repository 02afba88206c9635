package httpapi

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"reach/data/projects"
	"reach/data/tables"
	"reach/data/vector"
	"reach/geo/crs"
	"reach/internal/auth"
	"reach/internal/httpapi/reply"
	"reach/internal/ogc"
	"reach/layers"
)

// decodeProject is the one intake of a submitted project (POST and PUT).
// The body, split into its members once by readObject, is decoded member
// by member once and validated once by projects.DecodeMembers (the
// project schema, geometry in CRS84 inside Saxony, and the record's own
// rules, layers.Project.Validate); beside it the rules of the API are
// checked (an id given as a string, coordinates that are numbers as
// written, municipalities that are loaded). Every
// invalid field is reported together as ogc.ParamErrors, property names
// prefixed "properties.". A body without an id gets id. SubmittedAt stays
// zero when the body gives none.
func (s *server) decodeProject(ctx context.Context, o *object, id string) (layers.Project, error) {
	var errs ogc.ParamErrors
	if v, ok := o.raw["id"]; ok && (len(v) == 0 || v[0] != '"') {
		errs = append(errs, ogc.ParamError{Name: "id", Value: reply.Shorten(string(v)), Reason: "must be a string of 1–100 characters of A–Z a–z 0–9 . _ : -"})
		delete(o.raw, "id")
	}
	geomBad := false
	if v, ok := o.raw["geometry"]; ok {
		if why := badCoordinates(v); why != "" {
			errs = append(errs, ogc.ParamError{Name: "geometry", Value: reply.Shorten(string(v)), Reason: why})
			o.raw["geometry"], geomBad = json.RawMessage("null"), true
		}
	}
	p, err := projects.DecodeMembers(o.raw, "request body", tables.VectorSource{}, id)
	var pe *projects.Error
	var fe *vector.FieldError
	switch {
	case err == nil:
	case errors.As(err, &pe):
		for _, f := range pe.Fields {
			name := f.Field
			if (name == "id" && len(errs) > 0 && errs[0].Name == "id") || (name == "geometry" && geomBad) {
				continue
			}
			if head, _, _ := strings.Cut(name, "["); head != "geometry" && head != "id" && head != "type" {
				name = "properties." + name
			}
			errs = append(errs, ogc.ParamError{Name: name, Value: reply.Shorten(f.Value), Reason: f.Reason})
		}
	case errors.As(err, &fe):
		errs = append(errs, ogc.ParamError{Name: fe.Field, Value: reply.Shorten(fe.Value), Reason: fe.Reason})
	case errors.Is(err, layers.ErrInvalid):
		errs = append(errs, ogc.ParamError{Name: "body", Reason: err.Error()})
	default:
		return layers.Project{}, err
	}
	known, err := s.knownMunicipalities(ctx, p.Municipalities)
	if err != nil {
		return layers.Project{}, err
	}
	if errs = append(errs, known...); len(errs) > 0 {
		return layers.Project{}, errs
	}
	return p, nil
}

// newProjectID returns a random id for a project submitted without one.
func newProjectID() (string, error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("httpapi: project id: %w", err)
	}
	return "p-" + hex.EncodeToString(b[:]), nil
}

// writer returns the store's project writer, or answers 503.
func (s *server) writer(w http.ResponseWriter, r *http.Request) (layers.ProjectWriter, bool) {
	st, ok := s.store(w, r)
	if !ok {
		return nil, false
	}
	return st, true
}

// etag is the entity tag of a stored project revision.
func etag(p layers.Project) string { return fmt.Sprintf(`"r%d"`, p.Revision) }

// parseETag reads an If-Match value of one revision ("r3", quoted, weak
// or not).
func parseETag(v string) (int64, bool) {
	v = strings.TrimPrefix(strings.TrimSpace(v), "W/")
	if len(v) < 4 || v[0] != '"' || v[len(v)-1] != '"' || v[1] != 'r' {
		return 0, false
	}
	n, err := strconv.ParseInt(v[2:len(v)-1], 10, 64)
	return n, err == nil && n >= 1
}

func (s *server) postProject(w http.ResponseWriter, r *http.Request) {
	if err := ogc.CheckOnly(r.URL.Query()); err != nil {
		s.fail(w, r, err, http.StatusBadRequest)
		return
	}
	pw, ok := s.writer(w, r)
	if !ok {
		return
	}
	actor, _ := actorOf(r.Context())
	key := r.Header.Get("Idempotency-Key")
	if key != "" && (len(key) > 200 || layers.ValidText(key) != "") {
		s.problem(w, r, http.StatusBadRequest, "invalid parameter", "Idempotency-Key must be 1 to 200 bytes of text",
			[]InvalidParam{{Name: "Idempotency-Key", Value: reply.Shorten(key), Reason: "want 1 to 200 bytes of text"}})
		return
	}
	o, err := readObject(w, r, s.deps.MaxBodyBytes)
	if err != nil {
		s.bodyFail(w, r, err)
		return
	}
	var id string
	if key != "" {
		// A retried body without an id gets the same id again.
		h := sha256.Sum256([]byte(actor.Name + "\x00" + key))
		id = "p-" + hex.EncodeToString(h[:8])
	} else if id, err = newProjectID(); err != nil {
		s.fail(w, r, err, http.StatusUnprocessableEntity)
		return
	}
	p, err := s.decodeProject(r.Context(), o, id)
	if err != nil {
		s.bodyFail(w, r, err)
		return
	}
	now := s.deps.Now()
	if p.SubmittedAt.IsZero() {
		p.SubmittedAt = now.UTC().Truncate(time.Second)
	}
	if err := auth.MayCreate(actor, p, auth.CallOpen{Closes: s.deps.CallCloses}, now); err != nil {
		if s.denied(w, r, err) {
			return
		}
		s.fail(w, r, err, http.StatusUnprocessableEntity)
		return
	}
	p.Source = "api"
	p.SubmittedBy = actor.Name
	sum := sha256.Sum256(o.body)
	stored, created, err := pw.CreateProject(r.Context(), p, layers.Create{Actor: actor, IdempotencyKey: key, Fingerprint: hex.EncodeToString(sum[:])})
	if err != nil {
		if errors.Is(err, layers.ErrConflict) && key == "" {
			s.problem(w, r, http.StatusConflict, "conflict", fmt.Sprintf("project %q exists already", p.ID),
				[]InvalidParam{{Name: "id", Value: p.ID, Reason: "a project with this id exists already; change it with PUT /projects/{id} and If-Match"}})
			return
		}
		if errors.Is(err, layers.ErrConflict) {
			s.problem(w, r, http.StatusConflict, "conflict", err.Error(),
				[]InvalidParam{{Name: "Idempotency-Key", Value: reply.Shorten(key), Reason: "already used for another request body, or the id is taken"}})
			return
		}
		s.fail(w, r, err, http.StatusUnprocessableEntity)
		return
	}
	if !created {
		w.Header().Set("Idempotent-Replayed", "true")
	}
	s.log.InfoContext(r.Context(), "httpapi: project created", "id", stored.ID, "actor", actor.Name, "replayed", !created)
	w.Header().Set("Location", "/projects/"+url.PathEscape(stored.ID))
	s.writtenProject(w, r, stored, http.StatusCreated)
}

// writtenProject answers a project as stored by a write: its revision as
// the ETag, never cached.
func (s *server) writtenProject(w http.ResponseWriter, r *http.Request, stored layers.Project, status int) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("ETag", etag(stored))
	s.reply.Feature(w, r, layers.ProjectFeature(stored), crs.CRS84, projectLinks(s.baseURL(r), stored.ID), status)
}

// projectLinks are the links of a project's document: itself and its
// assessment.
func projectLinks(base, id string) []ogc.Link {
	loc := base + "/projects/" + url.PathEscape(id)
	return []ogc.Link{
		{Href: loc, Rel: "self", Type: ogc.MediaGeoJSON, Title: "this project"},
		{Href: loc + "/assessment", Rel: "related", Type: ogc.MediaJSON, Title: "assessment"},
	}
}

// putProject replaces a project: If-Match must name the revision the
// change is based on (428 without it, 412 when the project moved on).
func (s *server) putProject(w http.ResponseWriter, r *http.Request) {
	if err := ogc.CheckOnly(r.URL.Query()); err != nil {
		s.fail(w, r, err, http.StatusBadRequest)
		return
	}
	pw, ok := s.writer(w, r)
	if !ok {
		return
	}
	id := reply.URLParam(r, "projectId")
	im := r.Header.Get("If-Match")
	if im == "" {
		s.problem(w, r, http.StatusPreconditionRequired, "precondition required",
			"send If-Match with the ETag of the project as you read it, so that no change of others is overwritten",
			[]InvalidParam{{Name: "If-Match", Reason: "missing"}})
		return
	}
	rev, ok := parseETag(im)
	if !ok {
		s.problem(w, r, http.StatusBadRequest, "invalid parameter", "If-Match must be one ETag of this API, such as \"r1\"",
			[]InvalidParam{{Name: "If-Match", Value: reply.Shorten(im), Reason: "want one ETag such as \"r1\""}})
		return
	}
	o, err := readObject(w, r, s.deps.MaxBodyBytes)
	if err != nil {
		s.bodyFail(w, r, err)
		return
	}
	if v, ok := o.raw["id"]; ok {
		var bodyID string
		if json.Unmarshal(v, &bodyID) != nil || bodyID != id {
			s.problem(w, r, http.StatusUnprocessableEntity, "invalid request body", "the id of the body differs from the id of the path",
				[]InvalidParam{{Name: "id", Value: reply.Shorten(string(v)), Reason: "must equal the id in the path, " + strconv.Quote(id)}})
			return
		}
	}
	p, err := s.decodeProject(r.Context(), o, id)
	if err != nil {
		s.bodyFail(w, r, err)
		return
	}
	ctx := r.Context()
	old, err := s.deps.Store.Project(ctx, id)
	if err != nil {
		s.fail(w, r, err, http.StatusBadRequest)
		return
	}
	if old.Revision != rev {
		w.Header().Set("ETag", etag(old))
		s.problem(w, r, http.StatusPreconditionFailed, "precondition failed",
			fmt.Sprintf("project %q is at revision %d; your change was based on revision %d", id, old.Revision, rev),
			[]InvalidParam{{Name: "If-Match", Value: im, Reason: "stale; fetch the project again and re-apply the change"}})
		return
	}
	actor, _ := actorOf(ctx)
	if p.SubmittedAt.IsZero() {
		p.SubmittedAt = old.SubmittedAt
	}
	if err := auth.MayUpdate(actor, old, p, auth.CallOpen{Closes: s.deps.CallCloses}, s.deps.Now()); err != nil {
		if s.denied(w, r, err) {
			return
		}
		s.fail(w, r, err, http.StatusUnprocessableEntity)
		return
	}
	p.Revision = rev
	stored, err := pw.UpdateProject(ctx, p, actor)
	if err != nil {
		s.fail(w, r, err, http.StatusUnprocessableEntity)
		return
	}
	s.writtenProject(w, r, stored, http.StatusOK)
}

func (s *server) getProject(w http.ResponseWriter, r *http.Request) {
	if err := ogc.CheckOnly(r.URL.Query()); err != nil {
		s.fail(w, r, err, http.StatusBadRequest)
		return
	}
	id := reply.URLParam(r, "projectId")
	var feat layers.Feature
	var err error
	if s.deps.Store != nil {
		var p layers.Project
		if p, err = s.deps.Store.Project(r.Context(), id); err == nil {
			feat = layers.ProjectFeature(p)
			w.Header().Set("ETag", etag(p))
		}
	} else {
		feat, err = s.deps.Features.Item(r.Context(), layers.CollProjects, id)
	}
	if err != nil {
		if errors.Is(err, layers.ErrNotFound) {
			err = reply.NotFound(fmt.Sprintf("httpapi: project %q", id), "projectId", id, "no such project")
		}
		s.fail(w, r, err, http.StatusBadRequest)
		return
	}
	b := s.baseURL(r)
	links := append(projectLinks(b, id),
		ogc.Link{Href: b + "/collections/" + layers.CollProjects + "/items/" + url.PathEscape(id), Rel: "alternate", Type: ogc.MediaGeoJSON, Title: "as an OGC feature"})
	s.reply.Feature(w, r, feat, crs.CRS84, links, http.StatusOK)
}

// badCoordinates checks the coordinates member of a GeoJSON geometry as
// written: every position only finite numbers (a decoder would drop a
// text third element or read an overflowing number as infinity).
func badCoordinates(geom json.RawMessage) string {
	var g struct {
		Coordinates json.RawMessage `json:"coordinates"`
	}
	if json.Unmarshal(geom, &g) != nil || g.Coordinates == nil {
		return ""
	}
	dec := json.NewDecoder(bytes.NewReader(g.Coordinates))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return "coordinates: " + err.Error()
	}
	var walk func(v any) string
	walk = func(v any) string {
		switch x := v.(type) {
		case []any:
			for _, e := range x {
				if r := walk(e); r != "" {
					return r
				}
			}
			return ""
		case json.Number:
			f, err := strconv.ParseFloat(string(x), 64)
			if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
				return fmt.Sprintf("coordinate %s is not a finite number", x)
			}
			return ""
		default:
			return fmt.Sprintf("coordinates hold %v where a number belongs", x)
		}
	}
	return walk(v)
}

// knownMunicipalities returns an error for each AGS key that names no
// loaded municipality, as properties.municipalities[i]. Without a
// municipalities layer (an empty database) there is nothing to check
// against and every key of the right form passes.
func (s *server) knownMunicipalities(ctx context.Context, ags []string) (ogc.ParamErrors, error) {
	if s.deps.Features == nil || len(ags) == 0 {
		return nil, nil
	}
	page, err := s.deps.Features.Items(ctx, layers.ItemsQuery{Collection: layers.CollMunicipalities, Limit: 1})
	if errors.Is(err, layers.ErrNotFound) || (err == nil && len(page.Features) == 0) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var errs ogc.ParamErrors
	for i, a := range ags {
		_, err := s.deps.Features.Item(ctx, layers.CollMunicipalities, a)
		switch {
		case errors.Is(err, layers.ErrNotFound):
			errs = append(errs, ogc.ParamError{Name: fmt.Sprintf("properties.municipalities[%d]", i), Value: a,
				Reason: "no municipality of this AGS is loaded; see the municipalities collection"})
		case err != nil:
			return nil, err
		}
	}
	return errs, nil
}
