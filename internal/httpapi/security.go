package httpapi

import (
	"context"
	"errors"
	"mime"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/go-chi/chi/v5/middleware"

	"reach/internal/auth"
	"reach/internal/httpapi/reply"
	"reach/layers"
)

// demoNotice is sent with every write the demo accepts (no database).
const demoNotice = "demo store: this write is kept in memory only and is lost when the server stops"

// securityHeaders sets the headers every response carries: no MIME
// sniffing, no referrer to other sites, no framing by other sites, and a
// content security policy for the map and the HTML pages.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data: blob: https:; style-src 'self' 'unsafe-inline'; "+
			"script-src 'self'; connect-src 'self'; worker-src 'self' blob:; object-src 'none'; base-uri 'self'; frame-ancestors 'none'")
		next.ServeHTTP(w, r)
	})
}

// ownOrigin is the origin of this server: of BaseURL when set, otherwise of
// the request (scheme and Host); browsers send the page's origin, and a
// page cannot forge the Host header of its own request.
func (s *server) ownOrigin(r *http.Request) string {
	u, err := url.Parse(s.baseURL(r))
	if err != nil {
		return ""
	}
	return strings.ToLower(u.Scheme + "://" + u.Host)
}

// originAllowed reports whether a request from origin may write: no Origin
// (not a browser, or a same-origin GET-like form), this server's own origin,
// or one of the configured AllowedOrigins.
func (s *server) originAllowed(r *http.Request, origin string) bool {
	if origin == "" {
		return true
	}
	o := strings.ToLower(strings.TrimRight(origin, "/"))
	if o == s.ownOrigin(r) {
		return true
	}
	return slices.ContainsFunc(s.deps.AllowedOrigins, func(a string) bool { return strings.EqualFold(strings.TrimRight(a, "/"), o) })
}

// cors answers CORS: reads are open to every origin ("*"); writes (POST,
// PUT, PATCH, DELETE) only to this server's origin and the configured
// AllowedOrigins. A write from another origin is refused with 403 before
// any handler runs, so that a page on another site cannot write through a
// planner's browser even with a "simple" request that needs no preflight.
// Writes must send application/json or application/geo+json (415
// otherwise): browsers send other types cross-site without asking.
func (s *server) cors(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		h := w.Header()
		h.Add("Vary", "Origin")
		preflight := r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != ""
		if preflight {
			if origin == "" {
				w.WriteHeader(http.StatusNoContent)
				return
			}
			if reply.IsWrite(r.Header.Get("Access-Control-Request-Method")) {
				if !s.originAllowed(r, origin) {
					s.problem(w, r, http.StatusForbidden, "cross-origin write refused",
						"origin "+origin+" may not write to this server; an administrator can allow it with --allow-origin", nil)
					return
				}
				h.Set("Access-Control-Allow-Origin", origin)
				h.Set("Access-Control-Allow-Methods", "GET, HEAD, POST, PUT, OPTIONS")
				h.Set("Access-Control-Allow-Headers", "Accept, Accept-Encoding, Authorization, Content-Type, If-Match, If-None-Match, Idempotency-Key")
			} else {
				h.Set("Access-Control-Allow-Origin", "*")
				h.Set("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS")
				h.Set("Access-Control-Allow-Headers", "Accept, Accept-Encoding, Authorization, If-None-Match")
			}
			h.Set("Access-Control-Max-Age", "86400")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		if reply.IsWrite(r.Method) {
			if !s.originAllowed(r, origin) {
				s.problem(w, r, http.StatusForbidden, "cross-origin write refused",
					"origin "+origin+" may not write to this server; an administrator can allow it with --allow-origin",
					[]InvalidParam{{Name: "Origin", Value: origin, Reason: "not this server's origin and not an allowed origin"}})
				return
			}
			if origin != "" {
				h.Set("Access-Control-Allow-Origin", origin)
				h.Set("Access-Control-Expose-Headers", "Content-Crs, Link, Location, ETag")
			}
			// A body must be JSON; a write without one (DELETE) goes on to
			// the router, which answers what the route allows.
			ct := r.Header.Get("Content-Type")
			mt, _, err := mime.ParseMediaType(ct)
			if r.ContentLength != 0 && (err != nil || (mt != "application/json" && mt != "application/geo+json")) {
				s.problem(w, r, http.StatusUnsupportedMediaType, "unsupported media type",
					"send the body as application/json or application/geo+json",
					[]InvalidParam{{Name: "Content-Type", Value: ct, Reason: "want application/json or application/geo+json"}})
				return
			}
		} else if origin != "" {
			h.Set("Access-Control-Allow-Origin", "*")
			h.Set("Access-Control-Expose-Headers", "Content-Crs, Link, Location, ETag")
		}
		next.ServeHTTP(w, r)
	})
}

type actorKey struct{}

// actorOf returns the actor authenticated for the request.
func actorOf(ctx context.Context) (layers.Actor, bool) {
	a, ok := ctx.Value(actorKey{}).(layers.Actor)
	return a, ok
}

// isLoopback reports whether the request comes from this machine.
func isLoopback(r *http.Request) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// authenticate resolves the bearer token of a request into an actor. With
// no token store (the demo, without a database), writes are accepted
// without a token from loopback only, as the actor "demo" with the admin
// role, and every answer says that they are not kept.
func (s *server) authenticate(w http.ResponseWriter, r *http.Request, write bool) (*http.Request, bool) {
	tok := auth.Bearer(r.Header.Get("Authorization"))
	if s.deps.Tokens == nil {
		if !write {
			return r, true
		}
		if !isLoopback(r) {
			s.problem(w, r, http.StatusForbidden, "demo writes from this machine only",
				"this server has no database and no tokens; it accepts writes only from 127.0.0.1 or ::1", nil)
			return r, false
		}
		w.Header().Set("Reach-Notice", demoNotice)
		return r.WithContext(context.WithValue(r.Context(), actorKey{}, layers.Actor{Name: "demo", Role: layers.RoleAdmin})), true
	}
	if tok == "" {
		if !write && !s.deps.ReadRequiresToken {
			return r, true
		}
		w.Header().Set("WWW-Authenticate", `Bearer realm="reach"`)
		s.problem(w, r, http.StatusUnauthorized, "authentication required",
			"send Authorization: Bearer <token>; an administrator makes tokens with `reach token add`",
			[]InvalidParam{{Name: "Authorization", Reason: "missing"}})
		return r, false
	}
	a, err := auth.Authenticate(r.Context(), s.deps.Tokens, tok)
	if err != nil {
		if errors.Is(err, auth.ErrUnauthenticated) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="reach", error="invalid_token"`)
			s.problem(w, r, http.StatusUnauthorized, "authentication required", err.Error(),
				[]InvalidParam{{Name: "Authorization", Reason: "unknown, revoked or malformed token"}})
			return r, false
		}
		s.fail(w, r, err, http.StatusBadRequest)
		return r, false
	}
	s.log.InfoContext(r.Context(), "httpapi: authenticated", "actor", a.Name, "role", a.Role, "request_id", middleware.GetReqID(r.Context()))
	return r.WithContext(context.WithValue(r.Context(), actorKey{}, a)), true
}

// guard wraps a handler with authentication: writers need a token (or, in
// the demo, loopback); readers only when ReadRequiresToken is set.
func (s *server) guard(write bool, next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		r, ok := s.authenticate(w, r, write)
		if !ok {
			return
		}
		next(w, r)
	}
}

// denied answers a refusal of the actor's role with 403 naming the field.
func (s *server) denied(w http.ResponseWriter, r *http.Request, err error) bool {
	var d *auth.Denied
	if !errors.As(err, &d) {
		return false
	}
	var ps []InvalidParam
	if d.Field != "" {
		ps = []InvalidParam{{Name: d.Field, Value: d.Value, Reason: d.Reason}}
	}
	s.problem(w, r, http.StatusForbidden, "forbidden", d.Reason, ps)
	return true
}

// cleanInput refuses, with 400 naming the parameter, a request whose path
// or query holds bytes no text may hold: invalid UTF-8 (%FF) or NUL (%00).
// Such bytes would otherwise reach the stores (PostgreSQL refuses them
// with an error of its own) and the logs.
func (s *server) cleanInput(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		bad := func(name, value, why string) {
			s.problem(w, r, http.StatusBadRequest, "invalid parameter", name+" "+why,
				[]InvalidParam{{Name: name, Value: strings.ToValidUTF8(strings.ReplaceAll(value, "\x00", "\\0"), "\uFFFD"), Reason: why}})
		}
		path, err := url.PathUnescape(r.URL.EscapedPath())
		if err != nil {
			bad("path", r.URL.EscapedPath(), "is not valid percent-encoding")
			return
		}
		if why := textProblem(path); why != "" {
			bad("path", path, why)
			return
		}
		q, err := url.ParseQuery(r.URL.RawQuery)
		if err != nil {
			bad("query", r.URL.RawQuery, "is not a valid query string: "+err.Error())
			return
		}
		for k, vs := range q {
			if why := textProblem(k); why != "" {
				bad(k, k, "(the parameter name) "+why)
				return
			}
			for _, v := range vs {
				if why := textProblem(v); why != "" {
					bad(k, v, why)
					return
				}
			}
		}
		next.ServeHTTP(w, r)
	})
}

// textProblem says why s is not text a parameter may hold, or "".
func textProblem(s string) string {
	switch {
	case !utf8.ValidString(s):
		return "is not valid UTF-8"
	case strings.IndexByte(s, 0) >= 0:
		return "contains a NUL byte"
	}
	return ""
}
