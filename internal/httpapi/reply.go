package httpapi

import (
	"net/http"

	"reach/internal/httpapi/reply"
)

// Problem is the problem document every error is answered with (see
// reply.Problem).
type Problem = reply.Problem

// InvalidParam names one invalid parameter or body field and why.
type InvalidParam = reply.InvalidParam

// fail answers err as a problem (see reply.Replier.Fail).
func (s *server) fail(w http.ResponseWriter, r *http.Request, err error, invalidStatus int) {
	s.reply.Fail(w, r, err, invalidStatus)
}

// problem writes a problem document.
func (s *server) problem(w http.ResponseWriter, r *http.Request, status int, title, detail string, params []InvalidParam) {
	s.reply.Problem(w, r, status, title, detail, params)
}

// baseURL returns the scheme and host links are built on.
func (s *server) baseURL(r *http.Request) string { return reply.BaseURL(s.deps.BaseURL, r) }
