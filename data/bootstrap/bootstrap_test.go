package bootstrap

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

func sha(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

// server serves files at their paths with ETag, Last-Modified and range
// support (http.ServeContent); cut, when set for a path, makes the next
// request for it send only that many bytes and then break the connection.
type server struct {
	mu    sync.Mutex
	files map[string][]byte
	cut   map[string]int
	log   []string // "GET /path range=… if-none-match=…"
}

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	b, ok := s.files[r.URL.Path]
	n, cut := s.cut[r.URL.Path]
	delete(s.cut, r.URL.Path)
	s.log = append(s.log, fmt.Sprintf("%s %s range=%q if-none-match=%q", r.Method, r.URL.Path, r.Header.Get("Range"), r.Header.Get("If-None-Match")))
	s.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	if cut {
		w.Header().Set("Content-Length", fmt.Sprint(len(b)))
		w.Header().Set("ETag", `"`+sha(b)[:16]+`"`)
		w.WriteHeader(http.StatusOK)
		w.Write(b[:n])
		hj, _ := w.(http.Hijacker)
		if conn, _, err := hj.Hijack(); err == nil {
			conn.Close()
		}
		return
	}
	w.Header().Set("ETag", `"`+sha(b)[:16]+`"`)
	http.ServeContent(w, r, r.URL.Path, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), bytes.NewReader(b))
}

func (s *server) requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.log...)
}

func newServer(t *testing.T, files map[string][]byte) (*server, *httptest.Server) {
	t.Helper()
	s := &server{files: files, cut: map[string]int{}}
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return s, ts
}

func TestParse(t *testing.T) {
	sum := strings.Repeat("ab", 32)
	es, err := Parse("m", "# comment\n\nosm https://x.example/a.osm.pbf sha256="+sum+"\ncentral-places zo.csv --locations https://x.example/gv.csv\n")
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 2 || es[0].Layer != "osm" || es[0].Source != "https://x.example/a.osm.pbf" || es[0].SHA256 != sum || es[0].Line != 3 ||
		es[1].Layer != "central-places" || es[1].SHA256 != "" || len(es[1].Args) != 2 {
		t.Fatalf("got %+v", es)
	}
	for name, bad := range map[string]string{
		"short checksum":        "osm a.pbf sha256=abc",
		"checksum in the midst": "osm a.pbf sha256=" + sum + " --x",
		"no source":             "osm",
		"flag as source":        "osm --year 2011",
	} {
		if _, err := Parse("m", bad); err == nil || !strings.Contains(err.Error(), "m: line 1") {
			t.Errorf("%s: error %v, want one naming m: line 1", name, err)
		}
	}
}

func TestFetchHappyPathThenFromCache(t *testing.T) {
	body := bytes.Repeat([]byte("reach "), 5000)
	s, ts := newServer(t, map[string][]byte{"/data/a.csv": body})
	var progress bytes.Buffer
	f := &Fetcher{CacheDir: t.TempDir(), Progress: &progress}
	got, err := f.Fetch(context.Background(), ts.URL+"/data/a.csv", sha(body))
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(got.Path); !bytes.Equal(b, body) || got.SHA256 != sha(body) || got.FromCache {
		t.Fatalf("first fetch: %+v, %d bytes", got, len(b))
	}
	again, err := f.Fetch(context.Background(), ts.URL+"/data/a.csv", sha(body))
	if err != nil {
		t.Fatal(err)
	}
	if !again.FromCache || again.Path != got.Path {
		t.Fatalf("second fetch %+v, want it from the cache at %s", again, got.Path)
	}
	reqs := s.requests()
	if len(reqs) != 2 || !strings.Contains(reqs[1], `if-none-match="\"`) {
		t.Fatalf("requests %q; want a conditional second one", reqs)
	}
	if !strings.Contains(progress.String(), "unchanged, from the cache") {
		t.Fatalf("progress %q", progress.String())
	}
}

func TestFetchResumesAnInterruptedTransfer(t *testing.T) {
	body := make([]byte, 200_000)
	for i := range body {
		body[i] = byte(i * 7)
	}
	s, ts := newServer(t, map[string][]byte{"/big.bin": body})
	s.cut["/big.bin"] = 70_000
	f := &Fetcher{CacheDir: t.TempDir()}
	if _, err := f.Fetch(context.Background(), ts.URL+"/big.bin", sha(body)); err == nil {
		t.Fatal("the interrupted transfer gave no error")
	}
	got, err := f.Fetch(context.Background(), ts.URL+"/big.bin", sha(body))
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(got.Path); !bytes.Equal(b, body) {
		t.Fatalf("resumed file differs (%d bytes)", len(b))
	}
	reqs := s.requests()
	if len(reqs) != 2 || !strings.Contains(reqs[1], `range="bytes=`) || strings.Contains(reqs[1], `range="bytes=0-"`) {
		t.Fatalf("requests %q; want the second to ask for the rest", reqs)
	}
}

func TestFetchRefusesAChecksumMismatch(t *testing.T) {
	body := []byte("ags,name\n14612000,Dresden\n")
	_, ts := newServer(t, map[string][]byte{"/t.csv": body})
	dir := t.TempDir()
	f := &Fetcher{CacheDir: dir}
	_, err := f.Fetch(context.Background(), ts.URL+"/t.csv", strings.Repeat("0", 64))
	if !errors.Is(err, ErrChecksum) {
		t.Fatalf("error %v, want ErrChecksum", err)
	}
	left, _ := os.ReadDir(dir)
	if len(left) != 0 {
		t.Fatalf("the cache keeps %d files after a mismatch", len(left))
	}
}

func TestFetchZipMember(t *testing.T) {
	var zb bytes.Buffer
	zw := zip.NewWriter(&zb)
	w, _ := zw.Create("inner/grid.csv")
	w.Write([]byte("GITTER_ID_1km;Einwohner\n"))
	zw.Close()
	_, ts := newServer(t, map[string][]byte{"/z.zip": zb.Bytes()})
	f := &Fetcher{CacheDir: t.TempDir()}
	got, err := f.Fetch(context.Background(), ts.URL+"/z.zip#inner/grid.csv", sha(zb.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(got.Path); string(b) != "GITTER_ID_1km;Einwohner\n" {
		t.Fatalf("member %q", b)
	}
	if _, err := f.Fetch(context.Background(), ts.URL+"/z.zip#missing.csv", ""); err == nil || !strings.Contains(err.Error(), "no member") {
		t.Fatalf("missing member: %v", err)
	}
}

// TestDefaultManifestPinning: the embedded manifest pins each embedded
// table by its checksum, names no "-latest" file (it changes daily and can
// never be pinned), and every download without a checksum carries its
// version (a year or date) in the URL.
func TestDefaultManifestPinning(t *testing.T) {
	entries, err := Parse("saxony.layers", DefaultManifest())
	if err != nil {
		t.Fatal(err)
	}
	version := regexp.MustCompile(`[0-9]{4}`)
	for _, e := range entries {
		if strings.Contains(e.Source, "-latest") || slices.ContainsFunc(e.Args, func(a string) bool { return strings.Contains(a, "-latest") }) {
			t.Errorf("line %d: a -latest file cannot be pinned: %s %v", e.Line, e.Source, e.Args)
		}
		switch {
		case IsEmbedded(e.Source):
			f, err := Embedded(e.Source, t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			if e.SHA256 != f.SHA256 {
				t.Errorf("line %d: %s pinned to sha256 %q, its content has %s", e.Line, e.Source, e.SHA256, f.SHA256)
			}
		case e.SHA256 == "" && !version.MatchString(e.Source):
			t.Errorf("line %d: %s has neither a checksum nor a version in its URL", e.Line, e.Source)
		}
	}
	for _, want := range []string{"Pinned by checksum", "Pinned by version in the URL only", "Cannot be pinned"} {
		if !strings.Contains(DefaultManifest(), want) {
			t.Errorf("the manifest's header does not say %q", want)
		}
	}
}
