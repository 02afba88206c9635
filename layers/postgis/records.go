package postgis

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"reach/layers"
)

var (
	_ layers.ProjectWriter = (*Store)(nil)
	_ layers.TokenStore    = (*Store)(nil)
)

const projectInsert = `INSERT INTO projects (id, title, applicant, municipalities, category, kind, geom, investment_cost,
		requested_funding, planning_region, status, submitted_at, speed_kmh, innovation, transferability, synthetic,
		location_source, facility_id, capacity_change, opening_hours_change, accessible_for,
		source, submitted_by, revision)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16,
		$17, $18, $19, $20, $21, $22, $23, $24)`

// PutProject inserts or replaces one project by id (Source "api" when
// empty); a replaced project gets the next revision.
func (s *Store) PutProject(ctx context.Context, p layers.Project) error {
	if p.Source == "" {
		p.Source = "api"
	}
	name, v, err := projectRow(p)
	if err != nil {
		return fmt.Errorf("postgis: put %s: %w", name, err)
	}
	_, err = s.pool.Exec(ctx, projectInsert+`
		ON CONFLICT (id) DO UPDATE SET title = EXCLUDED.title, applicant = EXCLUDED.applicant,
			municipalities = EXCLUDED.municipalities, category = EXCLUDED.category, kind = EXCLUDED.kind, geom = EXCLUDED.geom,
			investment_cost = EXCLUDED.investment_cost, requested_funding = EXCLUDED.requested_funding,
			planning_region = EXCLUDED.planning_region, status = EXCLUDED.status, submitted_at = EXCLUDED.submitted_at,
			speed_kmh = EXCLUDED.speed_kmh, innovation = EXCLUDED.innovation, transferability = EXCLUDED.transferability,
			synthetic = EXCLUDED.synthetic, location_source = EXCLUDED.location_source, facility_id = EXCLUDED.facility_id,
			capacity_change = EXCLUDED.capacity_change, opening_hours_change = EXCLUDED.opening_hours_change,
			accessible_for = EXCLUDED.accessible_for, source = EXCLUDED.source, submitted_by = EXCLUDED.submitted_by,
			revision = projects.revision + 1`, v...)
	return dbError("put "+name, err)
}

func isUniqueViolation(err error, constraint string) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23505" && (constraint == "" || pgErr.ConstraintName == constraint)
}

func audit(ctx context.Context, tx pgx.Tx, by layers.Actor, action, target string, before, after []byte) error {
	_, err := tx.Exec(ctx, `INSERT INTO audit_log (actor, role, action, target, before, after) VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb)`,
		by.Name, string(by.Role), action, target, jsonOrNil(before), jsonOrNil(after))
	return dbError("audit "+action, err)
}

func jsonOrNil(b []byte) any {
	if b == nil {
		return nil
	}
	return string(b)
}

// CreateProject inserts p with revision 1 in one statement: a taken id is
// ErrConflict, whoever wins a race. With an idempotency key, the key is
// recorded in the same transaction; a key seen before returns the project
// it created (created false) when the fingerprint matches.
func (s *Store) CreateProject(ctx context.Context, p layers.Project, c layers.Create) (layers.Project, bool, error) {
	if p.Source == "" {
		p.Source = "api"
	}
	p.Revision = 1
	name, v, err := projectRow(p)
	if err != nil {
		return p, false, fmt.Errorf("postgis: create %s: %w", name, err)
	}
	for attempt := 0; ; attempt++ {
		got, created, err := s.createOnce(ctx, p, c, v)
		// Two first uses of one key race on its primary key: the loser
		// retries and then finds the winner's project.
		if err != nil && attempt == 0 && isUniqueViolation(err, "idempotency_keys_pkey") {
			continue
		}
		return got, created, err
	}
}

func (s *Store) createOnce(ctx context.Context, p layers.Project, c layers.Create, v []any) (layers.Project, bool, error) {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return p, false, dbError("create project: begin", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // no-op after Commit
	if c.IdempotencyKey != "" {
		var fp, id string
		err := tx.QueryRow(ctx, `SELECT fingerprint, project_id FROM idempotency_keys WHERE actor = $1 AND key = $2`,
			c.Actor.Name, c.IdempotencyKey).Scan(&fp, &id)
		switch {
		case err == nil:
			if fp != c.Fingerprint {
				return p, false, fmt.Errorf("postgis: create project: Idempotency-Key %q was used for another request body: %w", c.IdempotencyKey, layers.ErrConflict)
			}
			first, err := s.Project(ctx, id)
			if err != nil {
				return p, false, fmt.Errorf("postgis: create project: the project %q of Idempotency-Key %q: %w", id, c.IdempotencyKey, err)
			}
			return first, false, nil
		case !errors.Is(err, pgx.ErrNoRows):
			return p, false, dbError("create project: idempotency key", err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO idempotency_keys (actor, key, fingerprint, project_id) VALUES ($1, $2, $3, $4)`,
			c.Actor.Name, c.IdempotencyKey, c.Fingerprint, p.ID); err != nil {
			if isUniqueViolation(err, "idempotency_keys_pkey") {
				return p, false, err
			}
			return p, false, dbError("create project: idempotency key", err)
		}
	}
	tag, err := tx.Exec(ctx, projectInsert+` ON CONFLICT (id) DO NOTHING`, v...)
	if err != nil {
		return p, false, dbError("create project "+p.ID, err)
	}
	if tag.RowsAffected() == 0 {
		return p, false, fmt.Errorf("postgis: create project: id %q is taken: %w", p.ID, layers.ErrConflict)
	}
	if err := audit(ctx, tx, c.Actor, "project.create", "project:"+p.ID, nil, layers.ProjectJSON(p)); err != nil {
		return p, false, err
	}
	if err := tx.Commit(ctx); err != nil {
		if isUniqueViolation(err, "") {
			return p, false, err
		}
		return p, false, dbError("create project: commit", err)
	}
	return p, true, nil
}

// UpdateProject replaces p.ID when its stored revision is p.Revision.
func (s *Store) UpdateProject(ctx context.Context, p layers.Project, by layers.Actor) (layers.Project, error) {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return p, dbError("update project: begin", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // no-op after Commit
	rows, err := tx.Query(ctx, projectSelect+` WHERE id = $1 FOR UPDATE`, p.ID)
	if err != nil {
		return p, dbError("update project", err)
	}
	var cur []layers.Project
	for rows.Next() {
		q, err := scanProject(rows)
		if err != nil {
			rows.Close()
			return p, err
		}
		cur = append(cur, q)
	}
	if err := rows.Err(); err != nil {
		return p, dbError("update project", err)
	}
	if len(cur) == 0 {
		return p, fmt.Errorf("postgis: project %q: %w", p.ID, layers.ErrNotFound)
	}
	old := cur[0]
	if old.Revision != p.Revision {
		return old, fmt.Errorf("postgis: project %q is at revision %d, not %d: %w", p.ID, old.Revision, p.Revision, layers.ErrStale)
	}
	p.Source, p.SubmittedBy, p.Synthetic = old.Source, old.SubmittedBy, old.Synthetic
	if p.SubmittedAt.IsZero() {
		p.SubmittedAt = old.SubmittedAt
	}
	p.Revision = old.Revision + 1
	name, v, err := projectRow(p)
	if err != nil {
		return p, fmt.Errorf("postgis: update %s: %w", name, err)
	}
	if _, err := tx.Exec(ctx, `DELETE FROM projects WHERE id = $1`, p.ID); err != nil {
		return p, dbError("update "+name, err)
	}
	if _, err := tx.Exec(ctx, projectInsert, v...); err != nil {
		return p, dbError("update "+name, err)
	}
	if err := audit(ctx, tx, by, "project.update", "project:"+p.ID, layers.ProjectJSON(old), layers.ProjectJSON(p)); err != nil {
		return p, err
	}
	if err := tx.Commit(ctx); err != nil {
		return p, dbError("update project: commit", err)
	}
	return p, nil
}

// AddToken stores a token by its hash.
func (s *Store) AddToken(ctx context.Context, t layers.Token, by layers.Actor) error {
	if err := t.Validate(); err != nil {
		return fmt.Errorf("postgis: add token: %w", err)
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return dbError("add token: begin", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // no-op after Commit
	if _, err := tx.Exec(ctx, `INSERT INTO api_tokens (name, role, hash) VALUES ($1, $2, $3)`, t.Name, string(t.Role), t.Hash); err != nil {
		if isUniqueViolation(err, "api_tokens_pkey") {
			return fmt.Errorf("postgis: add token: a token named %q exists already: %w", t.Name, layers.ErrConflict)
		}
		return dbError("add token "+t.Name, err)
	}
	after := fmt.Appendf(nil, `{"name": %q, "role": %q}`, t.Name, t.Role)
	if err := audit(ctx, tx, by, "token.add", "token:"+t.Name, nil, after); err != nil {
		return err
	}
	return dbError("add token: commit", tx.Commit(ctx))
}

// Tokens lists every token by name.
func (s *Store) Tokens(ctx context.Context) ([]layers.Token, error) {
	rows, err := s.pool.Query(ctx, `SELECT name, role, hash, created_at, revoked_at FROM api_tokens ORDER BY name`)
	if err != nil {
		return nil, dbError("tokens", err)
	}
	ts, err := pgx.CollectRows(rows, scanToken)
	return ts, dbError("tokens", err)
}

func scanToken(rows pgx.CollectableRow) (layers.Token, error) {
	var t layers.Token
	var role string
	var revoked *time.Time
	err := rows.Scan(&t.Name, &role, &t.Hash, &t.CreatedAt, &revoked)
	t.Role = layers.Role(role)
	if revoked != nil {
		t.RevokedAt = *revoked
	}
	return t, err
}

// RevokeToken revokes the token of that name.
func (s *Store) RevokeToken(ctx context.Context, name string, by layers.Actor) error {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return dbError("revoke token: begin", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // no-op after Commit
	tag, err := tx.Exec(ctx, `UPDATE api_tokens SET revoked_at = coalesce(revoked_at, now()) WHERE name = $1`, name)
	if err != nil {
		return dbError("revoke token", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("postgis: token %q: %w", name, layers.ErrNotFound)
	}
	if err := audit(ctx, tx, by, "token.revoke", "token:"+name, nil, nil); err != nil {
		return err
	}
	return dbError("revoke token: commit", tx.Commit(ctx))
}

// TokenByHash returns the valid token with that hash.
func (s *Store) TokenByHash(ctx context.Context, hash []byte) (layers.Token, error) {
	rows, err := s.pool.Query(ctx, `SELECT name, role, hash, created_at, revoked_at FROM api_tokens WHERE hash = $1 AND revoked_at IS NULL`, hash)
	if err != nil {
		return layers.Token{}, dbError("token", err)
	}
	ts, err := pgx.CollectRows(rows, scanToken)
	if err != nil {
		return layers.Token{}, dbError("token", err)
	}
	if len(ts) == 0 {
		return layers.Token{}, fmt.Errorf("postgis: token: %w", layers.ErrNotFound)
	}
	return ts[0], nil
}

// Audit returns the audit trail, oldest first.
func (s *Store) Audit(ctx context.Context, skip, limit int) ([]layers.AuditEntry, error) {
	rows, err := s.pool.Query(ctx, `SELECT at, actor, role, action, target, before::text, after::text FROM audit_log ORDER BY id OFFSET $1 LIMIT $2`, skip, limit)
	if err != nil {
		return nil, dbError("audit", err)
	}
	es, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (layers.AuditEntry, error) {
		var e layers.AuditEntry
		var role string
		var before, after *string
		err := r.Scan(&e.At, &e.Actor, &role, &e.Action, &e.Target, &before, &after)
		e.Role = layers.Role(role)
		if before != nil {
			e.Before = []byte(*before)
		}
		if after != nil {
			e.After = []byte(*after)
		}
		return e, err
	})
	return es, dbError("audit", err)
}
