// Package reply is how every handler of the HTTP API answers: problem
// documents (RFC 9457) mapped from the error vocabulary of layers and ogc,
// JSON and cached metadata documents with their ETag, content negotiation
// by f and Accept, single GeoJSON features, and the base URL of links. It
// keeps no state besides the logger and the unavailability test it is given.
package reply

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/go-chi/chi/v5/middleware"

	"reach/internal/ogc"
	"reach/layers"
)

// Problem is an RFC 9457 problem document with the invalid parameters or
// fields listed in InvalidParams.
type Problem struct {
	Type          string         `json:"type"`
	Title         string         `json:"title"`
	Status        int            `json:"status"`
	Detail        string         `json:"detail,omitempty"`
	Instance      string         `json:"instance,omitempty"`
	RequestID     string         `json:"request_id,omitempty"`
	InvalidParams []InvalidParam `json:"invalid_params,omitempty"`
}

// InvalidParam names one invalid parameter or body field and why.
type InvalidParam struct {
	Name   string `json:"name"`
	Reason string `json:"reason"`
	Value  string `json:"value,omitempty"`
}

// ErrOverloaded says the service is too busy to take the request now; it is
// answered with 429 and Retry-After.
var ErrOverloaded = errors.New("httpapi: too many analyses running; retry shortly")

// problemType returns the type URI of a status.
func problemType(status int) string {
	switch status {
	case http.StatusBadRequest:
		return "/problems/invalid-parameter"
	case http.StatusUnprocessableEntity:
		return "/problems/invalid-body"
	case http.StatusNotFound:
		return "/problems/not-found"
	case http.StatusTooManyRequests:
		return "/problems/overloaded"
	case http.StatusServiceUnavailable:
		return "/problems/unavailable"
	case http.StatusRequestEntityTooLarge:
		return "/problems/body-too-large"
	case http.StatusUnauthorized:
		return "/problems/unauthenticated"
	case http.StatusForbidden:
		return "/problems/forbidden"
	case http.StatusConflict:
		return "/problems/conflict"
	case http.StatusPreconditionFailed, http.StatusPreconditionRequired:
		return "/problems/precondition"
	case http.StatusUnsupportedMediaType:
		return "/problems/unsupported-media-type"
	}
	return "about:blank"
}

// Replier answers requests: problems with the errors logged to Log.
// Unavailable tells errors of a database that cannot serve now (answered
// 503 with Retry-After instead of 500); nil means none are. The zero value
// is not usable: Log must be set. Safe for concurrent use.
type Replier struct {
	Log         *slog.Logger
	Unavailable func(error) bool
}

// Problem writes a problem document.
func (s Replier) Problem(w http.ResponseWriter, r *http.Request, status int, title, detail string, params []InvalidParam) {
	p := Problem{
		Type: problemType(status), Title: title, Status: status, Detail: detail,
		Instance: r.URL.RequestURI(), RequestID: middleware.GetReqID(r.Context()), InvalidParams: params,
	}
	h := w.Header()
	h.Del("Content-Encoding")
	h.Del("ETag")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Type", ogc.MediaProblem)
	if status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable {
		h.Set("Retry-After", "2")
	}
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(p)
}

// paramsOf converts parameter errors into the problem list.
func paramsOf(es ogc.ParamErrors) []InvalidParam {
	out := make([]InvalidParam, len(es))
	for i, e := range es {
		out[i] = InvalidParam{Name: e.Name, Reason: e.Reason, Value: e.Value}
	}
	return out
}

// Fail maps err to a problem: parameter errors and layers.ErrInvalid → 400
// (bodyStatus for errors about a request body, normally 422), ErrNotFound →
// 404, ErrOverloaded → 429, deadline → 503, anything else → 500 with the
// error logged under the request id.
func (s Replier) Fail(w http.ResponseWriter, r *http.Request, err error, invalidStatus int) {
	ctx := r.Context()
	switch {
	case errors.Is(err, layers.ErrNotFound):
		s.Problem(w, r, http.StatusNotFound, "not found", trimPrefix(err), paramsOf(ogc.AsParamErrors(err)))
	case errors.Is(err, layers.ErrConflict):
		s.Problem(w, r, http.StatusConflict, "conflict", trimPrefix(err), nil)
	case errors.Is(err, layers.ErrStale):
		s.Problem(w, r, http.StatusPreconditionFailed, "precondition failed", trimPrefix(err),
			[]InvalidParam{{Name: "If-Match", Reason: "the project changed since; fetch it again and re-apply the change"}})
	case errors.Is(err, layers.ErrInvalid):
		title := "invalid parameter"
		if invalidStatus == http.StatusUnprocessableEntity {
			title = "invalid request body"
		}
		ps := ogc.AsParamErrors(err)
		var fes layers.FieldErrors
		var fe layers.FieldError
		switch {
		case len(ps) > 0:
		case errors.As(err, &fes):
			for _, e := range fes {
				ps = append(ps, ogc.ParamError{Name: e.Field, Value: Shorten(e.Value), Reason: e.Reason})
			}
		case errors.As(err, &fe):
			ps = append(ps, ogc.ParamError{Name: fe.Field, Value: Shorten(fe.Value), Reason: fe.Reason})
		}
		detail := trimPrefix(err)
		if len(ps) > 0 {
			detail = "see invalid_params"
		}
		s.Problem(w, r, invalidStatus, title, detail, paramsOf(ps))
	case s.Unavailable != nil && s.Unavailable(err) && !errors.Is(err, context.Canceled):
		s.Log.WarnContext(ctx, "httpapi: database unavailable", "err", err, "request_id", middleware.GetReqID(ctx))
		s.Problem(w, r, http.StatusServiceUnavailable, "database unavailable", "the database does not answer; retry shortly", nil)
	case errors.Is(err, ErrOverloaded):
		s.Problem(w, r, http.StatusTooManyRequests, "too many requests", err.Error(), nil)
	case errors.Is(err, context.DeadlineExceeded):
		s.Problem(w, r, http.StatusServiceUnavailable, "timeout", "the request took too long; narrow it down or retry", nil)
	case errors.Is(err, context.Canceled):
		// The client went away; nobody reads the answer.
		s.Log.InfoContext(ctx, "httpapi: request cancelled", "request_id", middleware.GetReqID(ctx))
	default:
		s.Log.ErrorContext(ctx, "httpapi: internal error", "err", err, "request_id", middleware.GetReqID(ctx),
			"method", r.Method, "path", r.URL.Path)
		s.Problem(w, r, http.StatusInternalServerError, "internal error", "internal error", nil)
	}
}

// trimPrefix shows an error to users: its text as is, since package
// errors are written to be read ("layers: not found: collection \"x\"").
func trimPrefix(err error) string { return err.Error() }

// WriteJSON writes v as JSON with the given status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	WriteJSONType(w, status, ogc.MediaJSON, v)
}

// WriteJSONType writes v as JSON of media type ct with the given status.
func WriteJSONType(w http.ResponseWriter, status int, ct string, v any) {
	w.Header().Set("Content-Type", ct)
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// notFoundError is a not-found error (404) that names the path parameter
// whose value matches nothing, so that the problem lists it in
// invalid_params.
type notFoundError struct {
	msg   string
	param ogc.ParamError
}

func (e notFoundError) Error() string   { return e.msg + ": " + layers.ErrNotFound.Error() }
func (e notFoundError) Unwrap() []error { return []error{layers.ErrNotFound, e.param} }

// NotFound is a not-found error (404) naming the parameter name with
// value (shortened to 80 bytes) and why it matches nothing.
func NotFound(msg, name, value, reason string) error {
	if len(value) > 80 {
		value = value[:80] + "…"
	}
	return notFoundError{msg: msg, param: ogc.ParamError{Name: name, Value: value, Reason: reason}}
}

// Shorten cuts a value shown in a problem to 80 bytes.
func Shorten(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}
