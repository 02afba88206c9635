// Package auth decides who may write: API tokens (made once, kept only as a
// SHA-256 hash), the roles submitter, committee and admin, and the rules
// of each role for proposals. It holds no state and does no I/O of its own;
// the tokens live in a layers.TokenStore.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/paulmach/orb"

	"reach/layers"
)

// TokenPrefix starts every token, so that a leaked token is recognisable
// (secret scanners) and a pasted hash is not mistaken for one.
const TokenPrefix = "reach_"

var (
	// ErrUnauthenticated says that a request carries no valid token.
	ErrUnauthenticated = errors.New("auth: no valid token")
	// ErrForbidden says that the actor's role does not allow the action;
	// wrapped with a FieldError-like reason naming the field.
	ErrForbidden = errors.New("auth: forbidden")
)

// Denied is a refusal that names the field that the role may not set.
type Denied struct {
	Field  string // "" when the action as a whole is refused
	Value  string
	Reason string
}

func (d *Denied) Error() string {
	if d.Field == "" {
		return "auth: " + d.Reason
	}
	return fmt.Sprintf("auth: field %s: %s", d.Field, d.Reason)
}

// Unwrap makes errors.Is(err, ErrForbidden) true.
func (d *Denied) Unwrap() error { return ErrForbidden }

// CheckName reports whether name may name a token (layers.ValidTokenName).
func CheckName(name string) error {
	if !layers.ValidTokenName(name) {
		return fmt.Errorf("auth: token name %q: want 1 to 64 of A-Z a-z 0-9 . _ @ -", name)
	}
	return nil
}

// NewToken returns a fresh random token for name and role, and the record
// to store (its hash, never the token).
func NewToken(name string, role layers.Role, now time.Time) (string, layers.Token, error) {
	if err := CheckName(name); err != nil {
		return "", layers.Token{}, err
	}
	if _, ok := layers.ParseRole(string(role)); !ok {
		return "", layers.Token{}, fmt.Errorf("auth: role %q: want submitter, committee or admin", role)
	}
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", layers.Token{}, fmt.Errorf("auth: new token: %w", err)
	}
	tok := TokenPrefix + base64.RawURLEncoding.EncodeToString(b[:])
	return tok, layers.Token{Name: name, Role: role, Hash: Hash(tok), CreatedAt: now}, nil
}

// Hash returns the SHA-256 of a token. Tokens carry 256 random bits, so a
// fast hash is enough: there is nothing to guess.
func Hash(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// Bearer returns the token of an Authorization header value ("Bearer …"),
// or "" when there is none.
func Bearer(header string) string {
	scheme, tok, ok := strings.Cut(strings.TrimSpace(header), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(tok)
}

// Authenticate returns the actor of a bearer token: ErrUnauthenticated
// when the token is malformed, unknown or revoked.
func Authenticate(ctx context.Context, tokens layers.TokenStore, token string) (layers.Actor, error) {
	if !strings.HasPrefix(token, TokenPrefix) || len(token) != len(TokenPrefix)+43 {
		return layers.Actor{}, fmt.Errorf("%w: malformed bearer token", ErrUnauthenticated)
	}
	h := Hash(token)
	t, err := tokens.TokenByHash(ctx, h)
	if errors.Is(err, layers.ErrNotFound) {
		return layers.Actor{}, fmt.Errorf("%w: unknown or revoked token", ErrUnauthenticated)
	}
	if err != nil {
		return layers.Actor{}, err
	}
	if subtle.ConstantTimeCompare(t.Hash, h) != 1 {
		return layers.Actor{}, fmt.Errorf("%w: unknown or revoked token", ErrUnauthenticated)
	}
	return layers.Actor{Name: t.Name, Role: t.Role}, nil
}

// submitterStatuses are the statuses a submitter may give its proposal.
var submitterStatuses = map[string]bool{"": true, "draft": true, "submitted": true, "withdrawn": true}

// CallOpen tells whether submitters may still create and amend proposals;
// a zero Closes means the call is open.
type CallOpen struct{ Closes time.Time }

// Open reports whether the call is open at now.
func (c CallOpen) Open(now time.Time) bool { return c.Closes.IsZero() || now.Before(c.Closes) }

// MayCreate checks that a may submit p: every role may submit, but a
// submitter only while the call is open, only with status draft or
// submitted, and without the committee's marks.
func MayCreate(a layers.Actor, p layers.Project, call CallOpen, now time.Time) error {
	switch a.Role {
	case layers.RoleAdmin, layers.RoleCommittee:
		return nil
	case layers.RoleSubmitter:
		if !call.Open(now) {
			return &Denied{Reason: "the call closed at " + call.Closes.UTC().Format(time.RFC3339) + "; submitters can no longer submit"}
		}
		if p.Status != "draft" && p.Status != "submitted" && p.Status != "" {
			return &Denied{Field: "properties.status", Value: p.Status, Reason: "a submitter may set status draft or submitted only; the committee decides the rest"}
		}
		return marksUnset(p)
	}
	return &Denied{Reason: fmt.Sprintf("role %q may not write", a.Role)}
}

func marksUnset(p layers.Project) error {
	if p.Innovation != nil {
		return &Denied{Field: "properties.innovation", Value: layers.FormatValue(p.Innovation), Reason: "the marks are the committee's"}
	}
	if p.Transferability != nil {
		return &Denied{Field: "properties.transferability", Value: layers.FormatValue(p.Transferability), Reason: "the marks are the committee's"}
	}
	return nil
}

// MayUpdate checks that a may replace old by p: an admin anything; the
// committee only status and marks; a submitter only its own proposal,
// while the call is open and the proposal is still draft or submitted,
// never status beyond draft, submitted or withdrawn, never the marks.
func MayUpdate(a layers.Actor, old, p layers.Project, call CallOpen, now time.Time) error {
	switch a.Role {
	case layers.RoleAdmin:
		return nil
	case layers.RoleCommittee:
		if f := changedBesidesDecision(old, p); f != "" {
			return &Denied{Field: f, Reason: "the committee changes status and marks only; the proposal itself is the submitter's"}
		}
		return nil
	case layers.RoleSubmitter:
		if old.SubmittedBy != a.Name {
			return &Denied{Reason: fmt.Sprintf("project %q was not submitted by %q", old.ID, a.Name)}
		}
		if !call.Open(now) {
			return &Denied{Reason: "the call closed at " + call.Closes.UTC().Format(time.RFC3339) + "; proposals can no longer be amended"}
		}
		if !submitterStatuses[old.Status] {
			return &Denied{Field: "properties.status", Value: old.Status, Reason: "the committee has decided on this proposal; it can no longer be amended"}
		}
		if !submitterStatuses[p.Status] {
			return &Denied{Field: "properties.status", Value: p.Status, Reason: "a submitter may set status draft, submitted or withdrawn only"}
		}
		if !ptrEq(old.Innovation, p.Innovation) {
			return &Denied{Field: "properties.innovation", Value: layers.FormatValue(p.Innovation), Reason: "the marks are the committee's"}
		}
		if !ptrEq(old.Transferability, p.Transferability) {
			return &Denied{Field: "properties.transferability", Value: layers.FormatValue(p.Transferability), Reason: "the marks are the committee's"}
		}
		return nil
	}
	return &Denied{Reason: fmt.Sprintf("role %q may not write", a.Role)}
}

func ptrEq(a, b *float64) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}

// changedBesidesDecision names the first field other than status and marks
// in which p differs from old, or "".
func changedBesidesDecision(old, p layers.Project) string {
	switch {
	case old.Title != p.Title:
		return "properties.title"
	case old.Applicant != p.Applicant:
		return "properties.applicant"
	case strings.Join(old.Municipalities, ",") != strings.Join(p.Municipalities, ","):
		return "properties.municipalities"
	case old.Category != p.Category:
		return "properties.category"
	case old.Kind != p.Kind:
		return "properties.kind"
	case old.InvestmentCost != p.InvestmentCost:
		return "properties.investment_cost"
	case old.RequestedFunding != p.RequestedFunding:
		return "properties.requested_funding"
	case old.PlanningRegion != p.PlanningRegion:
		return "properties.planning_region"
	case old.SpeedKmh != p.SpeedKmh:
		return "properties.speed_kmh"
	case !sameGeometry(old, p):
		return "geometry"
	}
	return ""
}

// sameGeometry compares the geometries position by position to a
// millimetre (a round trip through CRS84 moves coordinates by far less).
func sameGeometry(a, b layers.Project) bool {
	pa, pb := positions(a.Geometry), positions(b.Geometry)
	if a.Geometry == nil || b.Geometry == nil {
		return a.Geometry == nil && b.Geometry == nil
	}
	if a.Geometry.GeoJSONType() != b.Geometry.GeoJSONType() || len(pa) != len(pb) {
		return false
	}
	for i := range pa {
		if math.Abs(pa[i][0]-pb[i][0]) > 1e-3 || math.Abs(pa[i][1]-pb[i][1]) > 1e-3 {
			return false
		}
	}
	return true
}

// positions lists every position of g in order, with -Inf marks between
// parts so that parts of different lengths do not compare equal.
func positions(g orb.Geometry) []orb.Point {
	sep := orb.Point{math.Inf(-1), math.Inf(-1)}
	var out []orb.Point
	switch v := g.(type) {
	case orb.Point:
		out = append(out, v)
	case orb.MultiPoint:
		out = append(out, v...)
	case orb.LineString:
		out = append(out, v...)
	case orb.MultiLineString:
		for _, l := range v {
			out = append(append(out, l...), sep)
		}
	case orb.Polygon:
		for _, r := range v {
			out = append(append(out, r...), sep)
		}
	case orb.MultiPolygon:
		for _, p := range v {
			for _, r := range p {
				out = append(append(out, r...), sep)
			}
			out = append(out, sep)
		}
	}
	return out
}
