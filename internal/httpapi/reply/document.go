package reply

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/go-chi/chi/v5"

	"reach/geo/crs"
	"reach/internal/ogc"
	"reach/layers"
)

// IsWrite reports whether a method may change state (everything but GET,
// HEAD and OPTIONS).
func IsWrite(method string) bool {
	return method != http.MethodGet && method != http.MethodHead && method != http.MethodOptions
}

// BaseURL returns the scheme and host links are built on, without a
// trailing slash: configured when set (e.g. "https://reach.example.org"),
// else those of the request.
func BaseURL(configured string, r *http.Request) string {
	if configured != "" {
		return strings.TrimRight(configured, "/")
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if p := r.Header.Get("X-Forwarded-Proto"); p == "https" || p == "http" {
		scheme = p
	}
	return scheme + "://" + r.Host
}

// Format parses f and the Accept header for a request that takes only the
// given parameters besides f.
func (s Replier) Format(w http.ResponseWriter, r *http.Request, allowed ...string) (ogc.Format, bool) {
	if err := ogc.CheckOnly(r.URL.Query(), append([]string{"f"}, allowed...)...); err != nil {
		s.Fail(w, r, err, http.StatusBadRequest)
		return "", false
	}
	f, err := ogc.ParseFormat(r.URL.Query().Get("f"), r.Header.Get("Accept"))
	if err != nil {
		s.Fail(w, r, err, http.StatusBadRequest)
		return "", false
	}
	return f, true
}

// Cached writes a metadata document with an ETag and a short cache
// lifetime, answering 304 when the client has it.
func Cached(w http.ResponseWriter, r *http.Request, ct string, body []byte) {
	h := w.Header()
	etag := h.Get("ETag") // a revision set by the handler (projects)
	if etag == "" {
		sum := sha256.Sum256(body)
		etag = `"` + base64.RawURLEncoding.EncodeToString(sum[:12]) + `"`
		h.Set("ETag", etag)
	}
	h.Set("Cache-Control", "public, max-age=60")
	h.Add("Vary", "Accept")
	if inm := r.Header.Get("If-None-Match"); inm != "" && ETagMatch(inm, etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Type", ct)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

// ETagMatch reports whether an If-None-Match header names etag (weak or
// strong) or is "*".
func ETagMatch(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(t), "W/"))
		if t == etag || t == "*" {
			return true
		}
	}
	return false
}

// WriteDoc writes v as a cached JSON metadata document.
func (s Replier) WriteDoc(w http.ResponseWriter, r *http.Request, v any) {
	body, err := ogc.MarshalJSON(v)
	if err != nil {
		s.Fail(w, r, fmt.Errorf("httpapi: encode: %w", err), http.StatusBadRequest)
		return
	}
	Cached(w, r, ogc.MediaJSON, append(body, '\n'))
}

// Feature writes one GeoJSON feature document in CRS code with links;
// answers to reads are cached documents, answers to writes carry status.
func (s Replier) Feature(w http.ResponseWriter, r *http.Request, feat layers.Feature, code crs.Code, links []ogc.Link, status int) {
	body, err := ogc.AppendFeature(nil, feat, code, links)
	if err != nil {
		s.Fail(w, r, err, http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Crs", "<"+code.URI()+">")
	if status != http.StatusOK || IsWrite(r.Method) {
		w.Header().Set("Content-Type", ogc.MediaGeoJSON)
		w.WriteHeader(status)
		_, _ = w.Write(append(body, '\n'))
		return
	}
	Cached(w, r, ogc.MediaGeoJSON, append(body, '\n'))
}

// URLParam returns the path parameter name of r, percent-decoded. The
// router matches on the escaped path when the request has one (so that an
// id holding an encoded "/" stays one segment) and hands the parameter over
// still escaped; ids like "osm:node/1831217402" arrive as
// "osm:node%2F1831217402". A parameter that is not valid percent-encoding
// is returned as given.
func URLParam(r *http.Request, name string) string {
	v := chi.URLParam(r, name)
	if !strings.Contains(v, "%") {
		return v
	}
	if u, err := url.PathUnescape(v); err == nil {
		return u
	}
	return v
}
