package web

import (
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

func TestHandlerServesTheMap(t *testing.T) {
	h := Handler()
	tests := []struct {
		path, ctype, contains string
	}{
		{"/", "text/html; charset=utf-8", "reach"},
		{"/app.js", "text/javascript; charset=utf-8", "/analyses/isochrones"},
		{"/app.js", "text/javascript; charset=utf-8", "network_coverage"},
		{"/app.css", "text/css; charset=utf-8", "#map"},
		{"/vendor/maplibre-gl/maplibre-gl.js", "text/javascript; charset=utf-8", "MapLibre"},
	}
	for _, tt := range tests {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", tt.path, nil))
		if w.Code != http.StatusOK {
			t.Errorf("GET %s: %d", tt.path, w.Code)
			continue
		}
		if got := w.Header().Get("Content-Type"); got != tt.ctype {
			t.Errorf("GET %s: content type %q, want %q", tt.path, got, tt.ctype)
		}
		if !strings.Contains(w.Body.String(), tt.contains) {
			t.Errorf("GET %s: body lacks %q", tt.path, tt.contains)
		}
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/nope.js", nil))
	if w.Code != http.StatusNotFound {
		t.Errorf("GET /nope.js: %d", w.Code)
	}
}

// Every local script and stylesheet the page names is embedded.
func TestIndexReferencesExist(t *testing.T) {
	f, err := Static().Open("index.html")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(f)
	refs := regexp.MustCompile(`(?:src|href)="([^"#:]+)"`).FindAllStringSubmatch(string(b), -1)
	if len(refs) < 3 {
		t.Fatalf("found only %d references", len(refs))
	}
	for _, m := range refs {
		ref := m[1]
		if strings.HasPrefix(ref, "..") || strings.HasPrefix(ref, "/") {
			continue // API links
		}
		if _, err := fs.Stat(Static(), ref); err != nil {
			t.Errorf("index.html references %q, which is not embedded", ref)
		}
	}
}

// The embedded assets stay small enough for the binary.
func TestAssetsSize(t *testing.T) {
	var total int64
	err := fs.WalkDir(Static(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		total += info.Size()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if total > 2<<20 {
		t.Errorf("embedded assets are %d bytes, over 2 MiB", total)
	}
	t.Logf("embedded assets: %d bytes", total)
}
