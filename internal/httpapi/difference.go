package httpapi

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"reach/geo/crs"
	"reach/internal/analysis/assess"
	"reach/internal/httpapi/reply"
	"reach/internal/ogc"
	"reach/layers"
	"reach/layers/query"
)

// This file serves the before/after map of a proposal:
// GET /projects/{projectId}/difference, the cells whose access the project
// changes, as a GeoJSON FeatureCollection (or f=csv, f=gpkg) with the same
// crs, bbox, bbox-crs and filter handling as the items of a collection.

// ProjectDiffer computes the before/after map of a project; the engine
// satisfies it. An Analyzer without it answers the difference with 503.
type ProjectDiffer interface {
	Difference(ctx context.Context, p layers.Project) (assess.Difference, error)
}

// differenceCollection describes the features of a difference, for the
// parameters (queryables of filter), the CSV and GeoPackage columns and
// the schema.
var differenceCollection = layers.Collection{
	ID: "difference", Title: "Difference of a proposal",
	Description: "Population cells whose access the proposal changes: travel time before and after, the gain, " +
		"and whether the cell comes newly within the standard.",
	StorageCRS: int(crs.LAEA), GeometryType: "Polygon",
	Properties: []layers.PropertyInfo{
		{Name: "inspire_id", Type: "string", Description: "INSPIRE id of the grid cell"},
		{Name: "ags", Type: "string", Description: "municipality key (AGS) of the cell"},
		{Name: "population", Type: "integer", Description: "residents of the cell"},
		{Name: "before_seconds", Type: "number", Unit: "s", Description: "travel time to the nearest facility before the proposal; null where none is reached"},
		{Name: "after_seconds", Type: "number", Unit: "s", Description: "travel time after the proposal; null where none is reached"},
		{Name: "gain_seconds", Type: "number", Unit: "s", Description: "before_seconds − after_seconds; null where either is null"},
		{Name: "newly_within_standard", Type: "boolean", Description: "outside the standard before, within it after"},
		{Name: "newly_reached", Type: "boolean", Description: "no facility reached before, one after"},
		{Name: "served", Type: "boolean", Description: "served by the upgraded facility (facility upgrades)"},
	},
}

// differenceFeature is one changed cell as a feature (id: the INSPIRE id).
func differenceFeature(c assess.CellDifference) layers.Feature {
	opt := func(p *float64) any {
		if p == nil {
			return nil
		}
		return *p
	}
	return layers.Feature{ID: c.CellID, Geometry: c.Geometry, Properties: []layers.Property{
		{Name: "inspire_id", Value: c.CellID}, {Name: "ags", Value: c.AGS}, {Name: "population", Value: c.Population},
		{Name: "before_seconds", Value: opt(c.BeforeSeconds)}, {Name: "after_seconds", Value: opt(c.AfterSeconds)},
		{Name: "gain_seconds", Value: opt(c.GainSeconds)}, {Name: "newly_within_standard", Value: c.NewlyWithinStandard},
		{Name: "newly_reached", Value: c.NewlyReached}, {Name: "served", Value: c.Served},
	}}
}

// storedProject reads the project of the projectId path parameter, or
// answers 404 (or the store's error) and returns false.
func (s *server) storedProject(w http.ResponseWriter, r *http.Request, st layers.Store) (layers.Project, bool) {
	id := reply.URLParam(r, "projectId")
	p, err := st.Project(r.Context(), id)
	if err != nil {
		if errors.Is(err, layers.ErrNotFound) {
			err = reply.NotFound(fmt.Sprintf("httpapi: project %q", id), "projectId", id, "no such project")
		}
		s.fail(w, r, err, http.StatusBadRequest)
		return layers.Project{}, false
	}
	return p, true
}

func (s *server) difference(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	for _, k := range []string{"limit", "cursor"} {
		if q.Has(k) {
			s.fail(w, r, ogc.ParamError{Name: k, Value: q.Get(k), Reason: "the difference is answered whole; narrow it with bbox or filter"},
				http.StatusBadRequest)
			return
		}
	}
	p, err := ogc.ParseItems(q, differenceCollection, ogc.CursorCodec{}, r.Header.Get("Accept")) // no cursor: refused above
	if err == nil && p.Format == ogc.FormatHTML {
		err = ogc.ParamError{Name: "f", Value: q.Get("f"), Reason: "unknown format; want json, geojson, csv or gpkg (the dossier page shows the difference on its map)"}
	}
	if err != nil {
		s.fail(w, r, err, http.StatusBadRequest)
		return
	}
	a, ok := s.analyzer(w, r)
	if !ok {
		return
	}
	differ, ok := a.(ProjectDiffer)
	if !ok {
		s.problem(w, r, http.StatusServiceUnavailable, "analyses unavailable", "this analysis engine computes no before/after map", nil)
		return
	}
	st, ok := s.store(w, r)
	if !ok {
		return
	}
	proj, ok := s.storedProject(w, r, st)
	if !ok {
		return
	}
	d, ok := runAnalysis(s, w, r, func(ctx context.Context) (assess.Difference, error) { return differ.Difference(ctx, proj) })
	if !ok {
		return
	}
	plan, hasBox, err := query.PlanLonLat(p.Query, crs.LAEA)
	if err != nil {
		s.fail(w, r, err, http.StatusBadRequest)
		return
	}
	feats := make([]layers.Feature, 0, len(d.Cells))
	for _, c := range d.Cells {
		f := differenceFeature(c)
		if hasBox && (f.Geometry == nil || !plan.Match(f.Geometry, f.Geometry.Bound())) {
			continue
		}
		if !query.Match(p.Query.Filter, f) {
			continue
		}
		feats = append(feats, f)
	}
	w.Header().Set("Cache-Control", "no-store")
	if p.Format == ogc.FormatCSV || p.Format == ogc.FormatGPKG {
		c := differenceCollection
		c.ID, c.Title = "difference-"+proj.ID, "Difference of "+proj.ID+": "+proj.Title
		s.ogc.WriteDownload(w, r, c, p.Format, p.CRS, func(fn func(layers.Feature) error) error {
			for _, f := range feats {
				if err := fn(f); err != nil {
					return err
				}
			}
			return nil
		})
		return
	}
	b := s.baseURL(r)
	self := b + "/projects/" + url.PathEscape(proj.ID)
	links := []ogc.Link{
		{Href: self + "/difference", Rel: "self", Type: ogc.MediaGeoJSON, Title: "this difference"},
		{Href: self, Rel: "up", Type: ogc.MediaGeoJSON, Title: "the project"},
		{Href: self + "/assessment", Rel: "related", Type: ogc.MediaJSON, Title: "the assessment"},
		{Href: self + "/dossier", Rel: "related", Type: ogc.MediaHTML, Title: "the dossier"},
	}
	members := []ogc.Member{{Name: "project_id", Value: d.ProjectID}, {Name: "kind", Value: d.Kind}, {Name: "known", Value: d.Known}}
	if !d.Known {
		members = append(members, ogc.Member{Name: "reason", Value: d.Reason})
	} else {
		members = append(members, ogc.Member{Name: "category", Value: d.Category}, ogc.Member{Name: "mode", Value: d.Mode},
			ogc.Member{Name: "standard_minutes", Value: d.StandardMinutes}, ogc.Member{Name: "standard_source", Value: d.StandardSource},
			ogc.Member{Name: "method", Value: d.Method}, ogc.Member{Name: "beneficiaries", Value: d.Beneficiaries},
			ogc.Member{Name: "newly_within_standard", Value: d.NewlyWithinStandard})
	}
	var buf bytes.Buffer
	fw := ogc.NewFeatureWriter(&buf, p.CRS)
	err = fw.Begin(ogc.CollectionHeader{TimeStamp: s.deps.Now(), NumberMatched: len(feats), NumberReturned: len(feats), Links: links, Members: members})
	for i := 0; err == nil && i < len(feats); i++ {
		err = fw.Write(feats[i])
	}
	if err == nil {
		err = fw.End()
	}
	if err != nil {
		s.fail(w, r, fmt.Errorf("httpapi: writing the difference of %q: %w", proj.ID, err), http.StatusBadRequest)
		return
	}
	h := w.Header()
	h.Set("Content-Crs", "<"+p.CRS.URI()+">")
	h.Set("Content-Type", ogc.MediaGeoJSON)
	h.Add("Vary", "Accept")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(buf.Bytes())
}
