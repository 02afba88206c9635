package ogcapi

import (
	"container/list"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"hash/maphash"
	"net/http"
	"strconv"
	"sync"

	"reach/internal/httpapi/reply"
)

// cachedResponse is one encoded response: a feature page or a vector tile
// of one collection version. Immutable once stored.
type cachedResponse struct {
	key         string
	body        []byte
	etag        string
	contentType string
	contentCRS  string // Content-Crs header; "" for none
	truncated   bool   // Reach-Tile-Truncated
}

// size is what an entry costs the cache: its body, key and bookkeeping.
func (c *cachedResponse) size() int64 { return int64(len(c.body) + len(c.key) + 256) }

// newCachedResponse makes an entry with an ETag from the body's SHA-256:
// the same bytes get the same ETag in every process (a tile of a layer
// version is the same after a restart and on every replica).
func newCachedResponse(key, contentType string, body []byte) *cachedResponse {
	sum := sha256.Sum256(body)
	return &cachedResponse{key: key, body: body, contentType: contentType,
		etag: `"` + base64.RawURLEncoding.EncodeToString(sum[:12]) + `"`}
}

// renderSeeds key the ETags of newRenderedResponse, per process.
var renderSeeds = [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()}

// newRenderedResponse makes an entry for a body that another process would
// hardly render byte for byte the same (a feature page carries the second
// it was written), with an ETag from a hash of the body keyed per process:
// distinct bodies get distinct ETags (96 bits of two 64-bit maphashes), as
// with newCachedResponse, at a fraction of the cost of SHA-256 for pages of
// hundreds of kilobytes; only the same bytes from another process get
// another ETag, and are sent again rather than answered with 304.
func newRenderedResponse(key, contentType string, body []byte) *cachedResponse {
	var sum [16]byte
	binary.LittleEndian.PutUint64(sum[:8], maphash.Bytes(renderSeeds[0], body))
	binary.LittleEndian.PutUint64(sum[8:], maphash.Bytes(renderSeeds[1], body))
	return &cachedResponse{key: key, body: body, contentType: contentType,
		etag: `"r` + base64.RawURLEncoding.EncodeToString(sum[:12]) + `"`}
}

// write sends the response with its ETag and cache lifetime, or 304 when
// the client holds it (If-None-Match).
func (c *cachedResponse) write(w http.ResponseWriter, r *http.Request, cacheControl string) {
	h := w.Header()
	h.Set("ETag", c.etag)
	h.Set("Cache-Control", cacheControl)
	if c.contentCRS != "" {
		h.Set("Content-Crs", c.contentCRS)
	}
	if c.truncated {
		h.Set("Reach-Tile-Truncated", "true")
	}
	if inm := r.Header.Get("If-None-Match"); inm != "" && reply.ETagMatch(inm, c.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Type", c.contentType)
	// The length up front: no chunked encoding for either side to take
	// apart (the compressing middleware drops it when it compresses).
	h.Set("Content-Length", strconv.Itoa(len(c.body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(c.body)
	}
}

// responseCache keeps encoded responses under keys that include the
// collection version, so an entry is never stale: a new version makes new
// keys, and old entries age out. It holds at most max bytes (bodies, keys
// and bookkeeping), evicting the least recently used; one entry may take at
// most an eighth of it. A nil *responseCache caches nothing. Safe for
// concurrent use.
type responseCache struct {
	mu   sync.Mutex
	max  int64
	used int64
	lru  *list.List // of *cachedResponse, most recent first
	m    map[string]*list.Element
}

// newResponseCache returns a cache of max bytes, or nil for max <= 0.
func newResponseCache(max int64) *responseCache {
	if max <= 0 {
		return nil
	}
	return &responseCache{max: max, lru: list.New(), m: map[string]*list.Element{}}
}

func (c *responseCache) get(key string) (*cachedResponse, bool) {
	if c == nil {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[key]
	if !ok {
		return nil, false
	}
	c.lru.MoveToFront(e)
	return e.Value.(*cachedResponse), true
}

func (c *responseCache) put(r *cachedResponse) {
	if c == nil || r.size() > c.max/8 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.m[r.key]; ok {
		c.used -= e.Value.(*cachedResponse).size()
		c.lru.Remove(e)
	}
	c.m[r.key] = c.lru.PushFront(r)
	c.used += r.size()
	for c.used > c.max {
		e := c.lru.Back()
		old := e.Value.(*cachedResponse)
		c.lru.Remove(e)
		delete(c.m, old.key)
		c.used -= old.size()
	}
}

// stats returns the entries and bytes held.
func (c *responseCache) stats() (entries int, bytes int64) {
	if c == nil {
		return 0, 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.m), c.used
}
