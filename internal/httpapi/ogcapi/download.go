package ogcapi

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"

	"reach/data/vector"
	"reach/geo/crs"
	"reach/internal/ogc"
	"reach/layers"
)

// MediaGPKG is the media type of a GeoPackage.
const MediaGPKG = "application/geopackage+sqlite3"

// eachFeature calls fn for every feature matching q, page by page (the
// page size q.Limit as parsed is ignored: downloads are whole).
func eachFeature(ctx context.Context, src layers.FeatureSource, q layers.ItemsQuery, fn func(layers.Feature) error) error {
	q.Limit = ogc.MaxLimit
	q.After = ""
	for {
		page, err := src.Items(ctx, q)
		if err != nil {
			return err
		}
		for _, f := range page.Features {
			if err := fn(f); err != nil {
				return err
			}
		}
		if page.Next == "" {
			return nil
		}
		q.After = page.Next
	}
}

// download answers f=csv and f=gpkg: every feature that bbox, filter,
// datetime and the property parameters select, in the requested crs. The
// CSV is streamed as it is read; the GeoPackage is written to a temporary
// file (SQLite needs one) and streamed from it, then removed. The first
// page is read before any header is sent, so that a bad filter is still a
// 400.
func (s *Server) download(w http.ResponseWriter, r *http.Request, c layers.Collection, p ogc.ItemsParams) {
	ctx := r.Context()
	probe := p.Query
	probe.Limit = 1
	if _, err := s.Source().Items(ctx, probe); err != nil {
		s.reply.Fail(w, r, err, http.StatusBadRequest)
		return
	}
	src := s.Source()
	s.WriteDownload(w, r, c, p.Format, p.CRS, func(fn func(layers.Feature) error) error {
		return eachFeature(ctx, src, p.Query, fn)
	})
}

// WriteDownload writes the features each gives as a CSV (streamed) or
// GeoPackage file of collection c (its properties give the columns and
// their types) in CRS code, as an attachment named after c. Failures before
// the first byte are answered as problems.
func (s *Server) WriteDownload(w http.ResponseWriter, r *http.Request, c layers.Collection, format ogc.Format, code crs.Code,
	each func(fn func(layers.Feature) error) error) {
	ctx := r.Context()
	name := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return r
		}
		return '_'
	}, c.ID)
	h := w.Header()
	h.Set("Content-Crs", "<"+code.URI()+">")
	h.Set("Cache-Control", "no-store")
	switch format {
	case ogc.FormatCSV:
		h.Set("Content-Type", ogc.MediaCSV)
		h.Set("Content-Disposition", `attachment; filename="`+name+`.csv"`)
		w.WriteHeader(http.StatusOK)
		cw := ogc.NewCSVWriter(w, c, code)
		err := cw.Begin(w)
		if err == nil {
			err = each(cw.Write)
		}
		if err == nil {
			err = cw.End()
		}
		if err != nil && ctx.Err() == nil {
			s.reply.Log.ErrorContext(ctx, "httpapi: writing csv", "err", err, "collection", c.ID)
		}
	case ogc.FormatGPKG:
		tmp, err := os.MkdirTemp("", "reach-gpkg-")
		if err != nil {
			s.reply.Fail(w, r, fmt.Errorf("httpapi: geopackage: %w", err), http.StatusBadRequest)
			return
		}
		defer os.RemoveAll(tmp)
		path := tmp + "/" + name + ".gpkg"
		gw, err := vector.CreateGeoPackage(ctx, path, c, code)
		if err != nil {
			s.reply.Fail(w, r, err, http.StatusBadRequest)
			return
		}
		if err := each(func(f layers.Feature) error { return gw.Write(ctx, f) }); err != nil {
			gw.Abort()
			s.reply.Fail(w, r, err, http.StatusBadRequest)
			return
		}
		if err := gw.Close(ctx); err != nil {
			s.reply.Fail(w, r, err, http.StatusBadRequest)
			return
		}
		f, err := os.Open(path)
		if err != nil {
			s.reply.Fail(w, r, fmt.Errorf("httpapi: geopackage: %w", err), http.StatusBadRequest)
			return
		}
		defer f.Close()
		if st, err := f.Stat(); err == nil {
			h.Set("Content-Length", fmt.Sprint(st.Size()))
		}
		h.Set("Content-Type", MediaGPKG)
		h.Set("Content-Disposition", `attachment; filename="`+name+`.gpkg"`)
		w.WriteHeader(http.StatusOK)
		if _, err := io.Copy(w, f); err != nil && ctx.Err() == nil {
			s.reply.Log.ErrorContext(ctx, "httpapi: writing geopackage", "err", err, "collection", c.ID)
		}
	}
}
