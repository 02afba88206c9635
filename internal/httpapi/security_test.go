package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"reach/internal/auth"
	"reach/layers"
)

// fakeTokens is a TokenStore with tokens made by auth.NewToken.
type fakeTokens struct {
	layers.TokenStore
	mu     sync.Mutex
	byHash map[string]layers.Token
}

func (f *fakeTokens) TokenByHash(ctx context.Context, h []byte) (layers.Token, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t, ok := f.byHash[string(h)]
	if !ok || !t.RevokedAt.IsZero() {
		return t, fmt.Errorf("fake: token: %w", layers.ErrNotFound)
	}
	return t, nil
}

func (f *fakeTokens) add(t testing.TB, name string, role layers.Role) string {
	t.Helper()
	tok, rec, err := auth.NewToken(name, role, testNow)
	if err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.byHash[string(rec.Hash)] = rec
	return tok
}

func withTokens(t testing.TB) (*env, map[layers.Role]string) {
	tokens := &fakeTokens{byHash: map[string]layers.Token{}}
	e := newEnv(t, func(d *Deps) { d.Tokens = tokens })
	toks := map[layers.Role]string{}
	for _, r := range []layers.Role{layers.RoleSubmitter, layers.RoleCommittee, layers.RoleAdmin} {
		toks[r] = tokens.add(t, "t-"+string(r), r)
	}
	return e, toks
}

var testNow = time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)

func bearer(tok string) []string { return []string{"Authorization", "Bearer " + tok} }

func TestWritesNeedATokenWithARole(t *testing.T) {
	e, toks := withTokens(t)
	// No token: 401 with WWW-Authenticate.
	w := e.do(t, "POST", "/projects", validProject)
	p := problemOf(t, w, 401)
	if w.Header().Get("WWW-Authenticate") == "" || !paramNames(p)["Authorization"] {
		t.Errorf("401 without WWW-Authenticate or naming Authorization: %+v %v", p, w.Header())
	}
	// A made-up or malformed token: 401.
	problemOf(t, e.do(t, "POST", "/projects", validProject, bearer("reach_"+strings.Repeat("A", 43))...), 401)
	problemOf(t, e.do(t, "POST", "/projects", validProject, bearer("secret")...), 401)
	// A submitter may not set status funded nor the committee's marks: 403 naming the field.
	funded := strings.Replace(validProject, `"innovation":6`, `"status":"funded"`, 1)
	p = problemOf(t, e.do(t, "POST", "/projects", funded, bearer(toks[layers.RoleSubmitter])...), 403)
	if !paramNames(p)["properties.status"] {
		t.Errorf("403 does not name properties.status: %+v", p)
	}
	p = problemOf(t, e.do(t, "POST", "/projects", validProject, bearer(toks[layers.RoleSubmitter])...), 403)
	if !paramNames(p)["properties.innovation"] {
		t.Errorf("403 does not name properties.innovation: %+v", p)
	}
	// With a submitter token and a proper proposal: 201, recorded as the submitter's.
	mine := strings.Replace(validProject, `,"innovation":6`, ``, 1)
	w = e.do(t, "POST", "/projects", mine, bearer(toks[layers.RoleSubmitter])...)
	if w.Code != 201 || w.Header().Get("ETag") != `"r1"` {
		t.Fatalf("submitter POST: %d ETag %q %s", w.Code, w.Header().Get("ETag"), w.Body.String())
	}
	if got := e.store.projects["gp-1"]; got.SubmittedBy != "t-submitter" || got.Source != "api" {
		t.Errorf("stored submitted_by %q source %q, want t-submitter, api", got.SubmittedBy, got.Source)
	}
	// Reads stay open.
	if w := e.do(t, "GET", "/projects/gp-1", ""); w.Code != 200 || w.Header().Get("ETag") != `"r1"` {
		t.Errorf("GET without token: %d ETag %q", w.Code, w.Header().Get("ETag"))
	}
	// text/plain is refused before anything else.
	r := httptest.NewRequest("POST", "/projects", strings.NewReader(mine))
	r.Header.Set("Content-Type", "text/plain")
	r.Header.Set("Authorization", "Bearer "+toks[layers.RoleAdmin])
	rw := httptest.NewRecorder()
	e.h.ServeHTTP(rw, r)
	problemOf(t, rw, 415)
}

func TestReadsMayNeedATokenToo(t *testing.T) {
	tokens := &fakeTokens{byHash: map[string]layers.Token{}}
	e := newEnv(t, func(d *Deps) { d.Tokens = tokens; d.ReadRequiresToken = true })
	tok := tokens.add(t, "reader", layers.RoleSubmitter)
	problemOf(t, e.do(t, "GET", "/collections", ""), 401)
	if w := e.do(t, "GET", "/collections", "", bearer(tok)...); w.Code != 200 {
		t.Errorf("GET /collections with a token: %d", w.Code)
	}
	if w := e.do(t, "GET", "/healthz", ""); w.Code != 200 {
		t.Errorf("GET /healthz without a token: %d", w.Code)
	}
}

func TestUpdatesNeedIfMatchAndTheRightRole(t *testing.T) {
	e, toks := withTokens(t)
	mine := strings.Replace(validProject, `,"innovation":6`, ``, 1)
	if w := e.do(t, "POST", "/projects", mine, bearer(toks[layers.RoleSubmitter])...); w.Code != 201 {
		t.Fatalf("POST: %d %s", w.Code, w.Body.String())
	}
	amended := strings.Replace(mine, "Pirna-Copitz", "Pirna-Copitz (geändert)", 1)
	problemOf(t, e.do(t, "PUT", "/projects/gp-1", amended, bearer(toks[layers.RoleSubmitter])...), 428)
	problemOf(t, e.do(t, "PUT", "/projects/gp-1", amended, append(bearer(toks[layers.RoleSubmitter]), "If-Match", "r1")...), 400)
	w := e.do(t, "PUT", "/projects/gp-1", amended, append(bearer(toks[layers.RoleSubmitter]), "If-Match", `"r1"`)...)
	if w.Code != 200 || w.Header().Get("ETag") != `"r2"` {
		t.Fatalf("PUT by the submitter: %d ETag %q %s", w.Code, w.Header().Get("ETag"), w.Body.String())
	}
	// The same change again, based on revision 1: stale.
	p := problemOf(t, e.do(t, "PUT", "/projects/gp-1", amended, append(bearer(toks[layers.RoleSubmitter]), "If-Match", `"r1"`)...), 412)
	if !paramNames(p)["If-Match"] {
		t.Errorf("412 does not name If-Match: %+v", p)
	}
	// The committee decides the status, but may not change the proposal itself.
	funded := strings.Replace(amended, `"planning_region"`, `"status":"funded","planning_region"`, 1)
	w = e.do(t, "PUT", "/projects/gp-1", funded, append(bearer(toks[layers.RoleCommittee]), "If-Match", `"r2"`)...)
	if w.Code != 200 || e.store.projects["gp-1"].Status != "funded" {
		t.Fatalf("committee sets funded: %d %s", w.Code, w.Body.String())
	}
	retitled := strings.Replace(funded, "(geändert)", "(vom Ausschuss)", 1)
	p = problemOf(t, e.do(t, "PUT", "/projects/gp-1", retitled, append(bearer(toks[layers.RoleCommittee]), "If-Match", `"r3"`)...), 403)
	if !paramNames(p)["properties.title"] {
		t.Errorf("committee retitle: 403 does not name properties.title: %+v", p)
	}
	// Once decided, the submitter cannot amend it any more.
	problemOf(t, e.do(t, "PUT", "/projects/gp-1", amended, append(bearer(toks[layers.RoleSubmitter]), "If-Match", `"r3"`)...), 403)
	// Another submitter never may.
	other := e.do(t, "PUT", "/projects/gp-1", funded, append(bearer(toks[layers.RoleAdmin]), "If-Match", `"r3"`)...)
	if other.Code != 200 {
		t.Errorf("admin PUT: %d %s", other.Code, other.Body.String())
	}
}

func TestIdempotencyKeyReturnsTheFirstAnswer(t *testing.T) {
	e, toks := withTokens(t)
	noID := strings.Replace(strings.Replace(validProject, `"id":"gp-1",`, "", 1), `,"innovation":6`, ``, 1)
	hdr := append(bearer(toks[layers.RoleSubmitter]), "Idempotency-Key", "retry-1")
	w1 := e.do(t, "POST", "/projects", noID, hdr...)
	w2 := e.do(t, "POST", "/projects", noID, hdr...)
	if w1.Code != 201 || w2.Code != 201 {
		t.Fatalf("POSTs: %d, %d", w1.Code, w2.Code)
	}
	if w1.Header().Get("Location") != w2.Header().Get("Location") || w2.Header().Get("Idempotent-Replayed") != "true" {
		t.Errorf("replay: Location %q vs %q, Idempotent-Replayed %q", w1.Header().Get("Location"), w2.Header().Get("Location"), w2.Header().Get("Idempotent-Replayed"))
	}
	if n := len(e.store.projects); n != 1 {
		t.Errorf("%d projects stored, want 1", n)
	}
	// The same key with another body: 409 naming the key.
	p := problemOf(t, e.do(t, "POST", "/projects", strings.Replace(noID, "Pirna", "Heidenau", 1), hdr...), 409)
	if !paramNames(p)["Idempotency-Key"] {
		t.Errorf("409 does not name Idempotency-Key: %+v", p)
	}
}

func TestCrossSiteWritesAreRefused(t *testing.T) {
	e, toks := withTokens(t)
	mine := strings.Replace(validProject, `,"innovation":6`, ``, 1)
	// A page on another site posting text/plain (no preflight in a browser).
	r := httptest.NewRequest("POST", "http://reach.example/projects", strings.NewReader(mine))
	r.Header.Set("Content-Type", "text/plain")
	r.Header.Set("Origin", "http://evil.example")
	rw := httptest.NewRecorder()
	e.h.ServeHTTP(rw, r)
	problemOf(t, rw, 403)
	if got := rw.Header().Get("Access-Control-Allow-Origin"); got != "" {
		t.Errorf("cross-site write answered with Access-Control-Allow-Origin %q", got)
	}
	// Its preflight for a JSON POST is refused too.
	w := e.do(t, "OPTIONS", "/projects", "", "Origin", "http://evil.example", "Access-Control-Request-Method", "POST")
	if w.Code != 403 || w.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("preflight from evil.example: %d, ACAO %q", w.Code, w.Header().Get("Access-Control-Allow-Origin"))
	}
	// A configured origin may write.
	e2 := newEnv(t, func(d *Deps) { d.Tokens = e.srv.deps.Tokens; d.AllowedOrigins = []string{"https://portal.example.org"} })
	w = e2.do(t, "OPTIONS", "/projects", "", "Origin", "https://portal.example.org", "Access-Control-Request-Method", "POST")
	if w.Code != 204 || w.Header().Get("Access-Control-Allow-Origin") != "https://portal.example.org" ||
		!strings.Contains(w.Header().Get("Access-Control-Allow-Headers"), "Authorization") {
		t.Errorf("preflight from an allowed origin: %d %v", w.Code, w.Header())
	}
	w = e2.do(t, "POST", "/projects", mine, append(bearer(toks[layers.RoleSubmitter]), "Origin", "https://portal.example.org")...)
	if w.Code != 201 {
		t.Errorf("POST from an allowed origin: %d %s", w.Code, w.Body.String())
	}
	// Reads stay open to every origin.
	w = e.do(t, "GET", "/collections", "", "Origin", "http://evil.example")
	if w.Code != 200 || w.Header().Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("cross-origin read: %d ACAO %q", w.Code, w.Header().Get("Access-Control-Allow-Origin"))
	}
}

func TestDemoWritesFromLoopbackOnlyAndSaySoNotKept(t *testing.T) {
	e := newEnv(t, nil) // no Tokens: the demo
	w := e.do(t, "POST", "/projects", validProject)
	if w.Code != 201 || !strings.Contains(w.Header().Get("Reach-Notice"), "not kept") && !strings.Contains(w.Header().Get("Reach-Notice"), "lost") {
		t.Errorf("demo POST from loopback: %d, Reach-Notice %q", w.Code, w.Header().Get("Reach-Notice"))
	}
	r := httptest.NewRequest("POST", "/projects", strings.NewReader(strings.Replace(validProject, "gp-1", "gp-2", 1)))
	r.Header.Set("Content-Type", "application/json")
	r.RemoteAddr = "192.0.2.7:5555"
	rw := httptest.NewRecorder()
	e.h.ServeHTTP(rw, r)
	problemOf(t, rw, 403)
	// A cross-site page cannot use the loopback exception.
	problemOf(t, e.do(t, "POST", "/projects", strings.Replace(validProject, "gp-1", "gp-3", 1), "Origin", "http://evil.example"), 403)
}

func TestSecurityHeadersOnEveryResponse(t *testing.T) {
	e := newEnv(t, nil)
	for _, target := range []string{"/", "/collections", "/collections/nope", "/api", "/map/", "/healthz", "/projects/none"} {
		w := e.do(t, "GET", target, "")
		for _, h := range []string{"X-Content-Type-Options", "Referrer-Policy", "Content-Security-Policy"} {
			if w.Header().Get(h) == "" {
				t.Errorf("GET %s (%d): no %s", target, w.Code, h)
			}
		}
		if !strings.Contains(w.Header().Get("Content-Security-Policy"), "frame-ancestors 'none'") {
			t.Errorf("GET %s: CSP %q lacks frame-ancestors", target, w.Header().Get("Content-Security-Policy"))
		}
	}
}

func TestBadBytesInIdsAndParameters(t *testing.T) {
	e := newEnv(t, nil)
	for _, c := range []struct{ target, param string }{
		{"/projects/%FF", "path"},
		{"/projects/a%00b", "path"},
		{"/collections/facilities/items/%FFx", "path"},
		{"/collections/facilities/items/x%00", "path"},
		{"/collections/%C3%28", "path"},
		{"/collections/facilities/items?category=%FF", "category"},
		{"/collections/facilities/items?category=a%00", "category"},
		{"/collections/facilities/items?%FF=1", "%FF"},
		{"/collections/facilities/items?a=%zz", "query"},
	} {
		p := problemOf(t, e.do(t, "GET", c.target, ""), 400)
		if c.param != "%FF" && !paramNames(p)[c.param] {
			t.Errorf("GET %s: 400 names %+v, want %q", c.target, p.InvalidParams, c.param)
		}
	}
	// Valid UTF-8, encoded or not, passes.
	if w := e.do(t, "GET", "/projects/Zw%C3%B6nitz", ""); w.Code != 404 {
		t.Errorf("GET /projects/Zwönitz: %d, want 404", w.Code)
	}
}

// downStore fails every project read as a database that went away.
type downStore struct{ *fakeStore }

var errDown = errors.New("test: connection refused")

func (downStore) Project(ctx context.Context, id string) (layers.Project, error) {
	return layers.Project{}, fmt.Errorf("test: read project: %w", errDown)
}

func TestDatabaseOutage(t *testing.T) {
	down := func(ctx context.Context) error { return errDown }
	e := newEnv(t, func(d *Deps) {
		d.Ping = down
		d.Store = downStore{&fakeStore{projects: map[string]layers.Project{}}}
		d.Unavailable = func(err error) bool { return errors.Is(err, errDown) }
	})
	w := e.do(t, "GET", "/readyz", "")
	problemOf(t, w, 503)
	if w.Header().Get("Retry-After") == "" {
		t.Error("/readyz during an outage: no Retry-After")
	}
	w = e.do(t, "GET", "/projects/a", "")
	p := problemOf(t, w, 503)
	if w.Header().Get("Retry-After") == "" || strings.Contains(p.Detail, "connection refused") {
		t.Errorf("a read during an outage: Retry-After %q, detail %q (must not show the error)", w.Header().Get("Retry-After"), p.Detail)
	}
	// What the read model holds is still served.
	if w := e.do(t, "GET", "/collections", ""); w.Code != 200 {
		t.Errorf("GET /collections during an outage: %d", w.Code)
	}
}
