// Package bootstrap reads a manifest of layer imports whose sources may be
// http(s) URLs with a SHA-256 checksum, and fetches those sources into a
// local cache: resumed after an interruption (HTTP range requests), checked
// against the checksum, and not fetched again when unchanged (conditional
// requests with the entity tag and modification time of the cached copy).
//
// A manifest has the syntax of the reach.layers file of reach serve --data:
// one import per line, "<layer> <source> [flags]", blank lines and lines
// starting with # ignored; a line may end in "sha256=<64 hex digits>", the
// checksum of its source. A flag value may be a URL as well (fetched
// without a checksum unless the same URL has one on another line).
// "url#member" names a member of a ZIP archive at url; the checksum is that
// of the archive.
//
// The package only fetches; the caller imports the fetched files, after
// every fetch has succeeded, so that a failed or mismatching download
// changes nothing. A Fetcher is safe for use by one goroutine at a time.
package bootstrap

import (
	"archive/zip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// ErrChecksum is wrapped by errors for a download whose SHA-256 differs
// from the manifest's.
var ErrChecksum = errors.New("bootstrap: checksum mismatch")

// Entry is one line of a manifest.
type Entry struct {
	Line   int      // 1-based line number
	Layer  string   // the layer of reach import
	Source string   // URL (with an optional #member) or local path
	SHA256 string   // lower-case hex; "" when the line gives none
	Args   []string // the flags, as written
}

// IsURL reports whether s is an http or https URL.
func IsURL(s string) bool {
	return strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://")
}

// Parse reads a manifest; name is used in errors ("<name>: line 3: …").
func Parse(name, text string) ([]Entry, error) {
	var out []Entry
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		e := Entry{Line: i + 1}
		if last := f[len(f)-1]; strings.HasPrefix(last, "sha256=") {
			sum := strings.ToLower(strings.TrimPrefix(last, "sha256="))
			if b, err := hex.DecodeString(sum); err != nil || len(b) != sha256.Size {
				return nil, fmt.Errorf("bootstrap: %s: line %d: field sha256: %q is not 64 hex digits", name, i+1, sum)
			}
			e.SHA256 = sum
			f = f[:len(f)-1]
		}
		if len(f) < 2 || strings.HasPrefix(f[0], "-") || strings.HasPrefix(f[1], "-") {
			return nil, fmt.Errorf("bootstrap: %s: line %d: want <layer> <source> [flags] [sha256=<hex>], got %q", name, i+1, line)
		}
		e.Layer, e.Source, e.Args = f[0], f[1], f[2:]
		for _, a := range e.Args {
			if strings.HasPrefix(a, "sha256=") {
				return nil, fmt.Errorf("bootstrap: %s: line %d: sha256= must be the last field", name, i+1)
			}
		}
		out = append(out, e)
	}
	return out, nil
}

// Fetcher downloads URLs into a cache folder.
type Fetcher struct {
	Client   *http.Client // nil means http.DefaultClient
	CacheDir string
	// Progress, when not nil, receives progress: a line redrawn in place
	// when Terminal is true, else one line per finished download.
	Progress io.Writer
	Terminal bool
	// UserAgent is sent with every request; "" sends "reach-bootstrap".
	UserAgent string
}

// Fetched says where a source is on disk and what it is.
type Fetched struct {
	URL    string // as given, without #member
	Path   string // the local file (the member extracted, for url#member)
	SHA256 string // of the downloaded file (the archive for url#member)
	// FromCache is true when the server answered 304 Not Modified and the
	// cached copy was used.
	FromCache bool
}

// meta is what the cache keeps next to a downloaded file.
type meta struct {
	URL          string `json:"url"`
	ETag         string `json:"etag,omitempty"`
	LastModified string `json:"last_modified,omitempty"`
	SHA256       string `json:"sha256"`
	Size         int64  `json:"size"`
}

// Fetch brings rawURL into the cache and checks it against sum (lower-case
// hex; "" checks nothing). A cached copy is revalidated with a conditional
// request; a partial download (name.part) is resumed with a range request.
// A download that fails or does not match sum is not moved into the cache
// (a mismatching one is removed, so that the next run starts afresh).
func (f *Fetcher) Fetch(ctx context.Context, rawURL, sum string) (Fetched, error) {
	u, member, _ := strings.Cut(rawURL, "#")
	if f.CacheDir == "" {
		return Fetched{}, errors.New("bootstrap: no cache folder")
	}
	if err := os.MkdirAll(f.CacheDir, 0o755); err != nil {
		return Fetched{}, fmt.Errorf("bootstrap: cache: %w", err)
	}
	key := sha256.Sum256([]byte(u))
	base := path.Base(strings.SplitN(u, "?", 2)[0])
	if base == "" || base == "/" || base == "." {
		base = "download"
	}
	final := filepath.Join(f.CacheDir, hex.EncodeToString(key[:6])+"-"+base)
	part, metaPath := final+".part", final+".json"
	out := Fetched{URL: u, Path: final}

	var cached *meta
	if b, err := os.ReadFile(metaPath); err == nil {
		var m meta
		if json.Unmarshal(b, &m) == nil && m.URL == u {
			if st, err := os.Stat(final); err == nil && st.Size() == m.Size {
				cached = &m
			}
		}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return Fetched{}, fmt.Errorf("bootstrap: %s: %w", u, err)
	}
	ua := f.UserAgent
	if ua == "" {
		ua = "reach-bootstrap"
	}
	req.Header.Set("User-Agent", ua)
	var resumeFrom int64
	var partMeta meta
	if cached != nil && (sum == "" || cached.SHA256 == sum) {
		if cached.ETag != "" {
			req.Header.Set("If-None-Match", cached.ETag)
		}
		if cached.LastModified != "" {
			req.Header.Set("If-Modified-Since", cached.LastModified)
		}
	} else if st, err := os.Stat(part); err == nil && st.Size() > 0 {
		resumeFrom = st.Size()
		req.Header.Set("Range", "bytes="+strconv.FormatInt(resumeFrom, 10)+"-")
		if b, err := os.ReadFile(part + ".json"); err == nil && json.Unmarshal(b, &partMeta) == nil && partMeta.URL == u {
			// If-Range: the server sends the rest only if the file is the
			// one whose start we have.
			if partMeta.ETag != "" {
				req.Header.Set("If-Range", partMeta.ETag)
			} else if partMeta.LastModified != "" {
				req.Header.Set("If-Range", partMeta.LastModified)
			}
		}
	}
	client := f.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return Fetched{}, fmt.Errorf("bootstrap: %s: %w", u, err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotModified && cached != nil:
		out.SHA256, out.FromCache = cached.SHA256, true
		f.report(u, cached.Size, cached.Size, true)
		return f.extract(out, member)
	case resp.StatusCode == http.StatusPartialContent && resumeFrom > 0:
		if start, ok := rangeStart(resp.Header.Get("Content-Range")); !ok || start != resumeFrom {
			return Fetched{}, fmt.Errorf("bootstrap: %s: Content-Range %q does not continue at byte %d", u, resp.Header.Get("Content-Range"), resumeFrom)
		}
	case resp.StatusCode == http.StatusOK:
		resumeFrom = 0
	default:
		return Fetched{}, fmt.Errorf("bootstrap: %s: HTTP %s", u, resp.Status)
	}
	m := meta{URL: u, ETag: resp.Header.Get("ETag"), LastModified: resp.Header.Get("Last-Modified")}
	if resumeFrom > 0 {
		// The validators of the file whose start we have.
		m.ETag, m.LastModified = firstNonEmpty(m.ETag, partMeta.ETag), firstNonEmpty(m.LastModified, partMeta.LastModified)
	}
	mb, _ := json.Marshal(m)
	if err := os.WriteFile(part+".json", mb, 0o644); err != nil {
		return Fetched{}, fmt.Errorf("bootstrap: cache: %w", err)
	}
	flags := os.O_CREATE | os.O_WRONLY | os.O_TRUNC
	if resumeFrom > 0 {
		flags = os.O_WRONLY | os.O_APPEND
	}
	w, err := os.OpenFile(part, flags, 0o644)
	if err != nil {
		return Fetched{}, fmt.Errorf("bootstrap: cache: %w", err)
	}
	total := int64(-1)
	if resp.ContentLength >= 0 {
		total = resumeFrom + resp.ContentLength
	}
	pw := &progressWriter{f: f, url: u, done: resumeFrom, total: total}
	_, cerr := io.Copy(io.MultiWriter(w, pw), resp.Body)
	if err := w.Close(); cerr == nil {
		cerr = err
	}
	if cerr != nil {
		return Fetched{}, fmt.Errorf("bootstrap: %s: interrupted after %d bytes (run again to resume): %w", u, pw.done, cerr)
	}
	if total >= 0 && pw.done != total {
		return Fetched{}, fmt.Errorf("bootstrap: %s: got %d of %d bytes (run again to resume)", u, pw.done, total)
	}
	got, size, err := fileSHA256(part)
	if err != nil {
		return Fetched{}, fmt.Errorf("bootstrap: cache: %w", err)
	}
	if sum != "" && got != sum {
		os.Remove(part)
		os.Remove(part + ".json")
		return Fetched{}, fmt.Errorf("%w: %s: got sha256 %s, manifest says %s (the download was discarded)", ErrChecksum, u, got, sum)
	}
	m.SHA256, m.Size = got, size
	mb, _ = json.Marshal(m)
	if err := os.WriteFile(metaPath, mb, 0o644); err != nil {
		return Fetched{}, fmt.Errorf("bootstrap: cache: %w", err)
	}
	if err := os.Rename(part, final); err != nil {
		return Fetched{}, fmt.Errorf("bootstrap: cache: %w", err)
	}
	os.Remove(part + ".json")
	f.report(u, size, size, false)
	out.SHA256 = got
	return f.extract(out, member)
}

// extract replaces out.Path by the extracted member of the ZIP archive
// out.Path when member is not "".
func (f *Fetcher) extract(out Fetched, member string) (Fetched, error) {
	if member == "" {
		return out, nil
	}
	dst := out.Path + ".d" + string(filepath.Separator) + filepath.FromSlash(path.Clean("/"+member))
	if st, err := os.Stat(dst); err == nil && st.Size() > 0 && out.FromCache {
		out.Path = dst
		return out, nil
	}
	zr, err := zip.OpenReader(out.Path)
	if err != nil {
		return Fetched{}, fmt.Errorf("bootstrap: %s: %w", out.URL, err)
	}
	defer zr.Close()
	for _, zf := range zr.File {
		if zf.Name != member {
			continue
		}
		r, err := zf.Open()
		if err != nil {
			return Fetched{}, fmt.Errorf("bootstrap: %s#%s: %w", out.URL, member, err)
		}
		defer r.Close()
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return Fetched{}, fmt.Errorf("bootstrap: cache: %w", err)
		}
		tmp := dst + ".part"
		w, err := os.Create(tmp)
		if err != nil {
			return Fetched{}, fmt.Errorf("bootstrap: cache: %w", err)
		}
		_, cerr := io.Copy(w, r)
		if err := w.Close(); cerr == nil {
			cerr = err
		}
		if cerr != nil {
			return Fetched{}, fmt.Errorf("bootstrap: %s#%s: %w", out.URL, member, cerr)
		}
		if err := os.Rename(tmp, dst); err != nil {
			return Fetched{}, fmt.Errorf("bootstrap: cache: %w", err)
		}
		out.Path = dst
		return out, nil
	}
	return Fetched{}, fmt.Errorf("bootstrap: %s: the archive has no member %q", out.URL, member)
}

func (f *Fetcher) report(u string, done, total int64, cached bool) {
	if f.Progress == nil {
		return
	}
	what := "downloaded"
	if cached {
		what = "unchanged, from the cache"
	}
	if f.Terminal {
		fmt.Fprintf(f.Progress, "\r\033[K%s: %s (%s)\n", path.Base(u), what, byteCount(total))
		return
	}
	fmt.Fprintf(f.Progress, "%s: %s (%s)\n", u, what, byteCount(done))
}

// progressWriter counts bytes and redraws a progress line on a terminal
// at most every 200 ms.
type progressWriter struct {
	f           *Fetcher
	url         string
	done, total int64
	last        time.Time
}

func (p *progressWriter) Write(b []byte) (int, error) {
	p.done += int64(len(b))
	if p.f.Progress != nil && p.f.Terminal && time.Since(p.last) > 200*time.Millisecond {
		p.last = time.Now()
		if p.total > 0 {
			fmt.Fprintf(p.f.Progress, "\r\033[K%s: %s of %s (%.0f %%)", path.Base(p.url), byteCount(p.done), byteCount(p.total), 100*float64(p.done)/float64(p.total))
		} else {
			fmt.Fprintf(p.f.Progress, "\r\033[K%s: %s", path.Base(p.url), byteCount(p.done))
		}
	}
	return len(b), nil
}

func byteCount(n int64) string {
	switch {
	case n < 0:
		return "size unknown"
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// rangeStart returns the first byte of a Content-Range "bytes a-b/n".
func rangeStart(h string) (int64, bool) {
	s, ok := strings.CutPrefix(h, "bytes ")
	if !ok {
		return 0, false
	}
	a, _, ok := strings.Cut(s, "-")
	if !ok {
		return 0, false
	}
	v, err := strconv.ParseInt(a, 10, 64)
	return v, err == nil
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// fileSHA256 returns the SHA-256 (lower-case hex) and size of a file.
func fileSHA256(p string) (string, int64, error) {
	fh, err := os.Open(p)
	if err != nil {
		return "", 0, err
	}
	defer fh.Close()
	h := sha256.New()
	n, err := io.Copy(h, fh)
	if err != nil {
		return "", 0, err
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// DefaultManifest is the embedded manifest of the official Saxon sources
// (saxony.layers); see its comments for versions and licences.
func DefaultManifest() string { return defaultManifest }
