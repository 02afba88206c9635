package layers

import (
	"context"
	"encoding/json"
	"time"

	"github.com/paulmach/orb/geojson"
)

// Role is what the holder of an API token may do.
type Role string

// Roles, from least to most rights.
const (
	// RoleSubmitter creates proposals and amends its own while the call is open.
	RoleSubmitter Role = "submitter"
	// RoleCommittee sets status, decisions and marks of any proposal.
	RoleCommittee Role = "committee"
	// RoleAdmin may do everything, including layers and tokens.
	RoleAdmin Role = "admin"
)

// ParseRole returns the role named s.
func ParseRole(s string) (Role, bool) {
	switch Role(s) {
	case RoleSubmitter, RoleCommittee, RoleAdmin:
		return Role(s), true
	}
	return "", false
}

// Token is an API token as stored: never the token itself, only its
// SHA-256 hash.
type Token struct {
	Name      string // unique, [A-Za-z0-9._@-]{1,64}
	Role      Role
	Hash      []byte // SHA-256 of the token, 32 bytes
	CreatedAt time.Time
	RevokedAt time.Time // zero while the token is valid
}

// Actor is who writes: the name and role of a token, or "cli" for the
// command line, "demo" for unauthenticated demo writes.
type Actor struct {
	Name string
	Role Role
}

// AuditEntry is one line of the audit trail.
type AuditEntry struct {
	At     time.Time
	Actor  string
	Role   Role
	Action string // e.g. "project.create", "project.update", "token.add"
	Target string // e.g. "project:p-1", "token:alice"
	// Before and After are the record as JSON (nil when absent).
	Before, After []byte
}

// Create asks a store to create one project exactly once.
type Create struct {
	Actor Actor
	// IdempotencyKey, when set, makes a repeated create by the same actor
	// with the same Fingerprint return the project of the first one; with
	// another Fingerprint it fails with ErrConflict.
	IdempotencyKey string
	Fingerprint    string
}

// ProjectWriter writes single proposals, each exactly once, with an audit
// line in the same transaction. Implementations are safe for concurrent use.
type ProjectWriter interface {
	// CreateProject inserts p (Revision 1) or fails with ErrConflict when
	// its id is taken, in one atomic step. It returns the stored project
	// and whether it was created now (false: an idempotent replay).
	CreateProject(ctx context.Context, p Project, c Create) (Project, bool, error)
	// UpdateProject replaces the project p.ID if its stored revision is
	// still p.Revision (ErrStale otherwise, ErrNotFound when absent) and
	// returns it with the next revision. Source and SubmittedBy are kept.
	UpdateProject(ctx context.Context, p Project, by Actor) (Project, error)
}

// TokenStore keeps API tokens by hash and the audit trail.
type TokenStore interface {
	// AddToken stores a token; ErrConflict when the name is taken.
	AddToken(ctx context.Context, t Token, by Actor) error
	// Tokens lists every token, revoked ones included, by name.
	Tokens(ctx context.Context) ([]Token, error)
	// RevokeToken revokes the token of that name (ErrNotFound if none).
	RevokeToken(ctx context.Context, name string, by Actor) error
	// TokenByHash returns the valid (not revoked) token with that hash, or
	// an error wrapping ErrNotFound.
	TokenByHash(ctx context.Context, hash []byte) (Token, error)
	// Audit returns the audit trail, oldest first, at most limit entries
	// after the first skip.
	Audit(ctx context.Context, skip, limit int) ([]AuditEntry, error)
}

// ProjectJSON is the project as the audit trail keeps it: the properties
// of its feature, the geometry in CRS84 and the source fields.
func ProjectJSON(p Project) []byte {
	f := ProjectFeature(p)
	m := map[string]any{"id": p.ID, "source": p.Source, "submitted_by": p.SubmittedBy, "revision": p.Revision}
	for _, pr := range f.Properties {
		m[pr.Name] = pr.Value
	}
	if f.Geometry != nil {
		m["geometry"] = geojson.NewGeometry(f.Geometry)
	}
	b, err := json.Marshal(m)
	if err != nil {
		b, _ = json.Marshal(map[string]string{"id": p.ID, "error": err.Error()})
	}
	return b
}
