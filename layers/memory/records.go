package memory

import (
	"context"
	"fmt"

	"reach/layers"
)

var _ layers.ProjectWriter = (*Store)(nil)

// idemKey identifies one idempotency key of one actor.
type idemKey struct{ actor, key string }

// idemEntry is what an idempotency key created.
type idemEntry struct{ fingerprint, projectID string }

// CreateProject inserts p with revision 1 or fails with layers.ErrConflict
// when its id is taken; an idempotency key seen before returns the project
// it created. The check and the insert happen under the write lock.
func (s *Store) CreateProject(ctx context.Context, p layers.Project, c layers.Create) (layers.Project, bool, error) {
	if err := checkCtx(ctx, "projects"); err != nil {
		return p, false, err
	}
	if p.Source == "" {
		p.Source = "api"
	}
	p.Revision = 1
	if err := p.Validate(); err != nil {
		return p, false, fmt.Errorf("memory: create project: %w", err)
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	cur := s.snap()
	k := idemKey{c.Actor.Name, c.IdempotencyKey}
	if c.IdempotencyKey != "" {
		if e, ok := s.idem[k]; ok {
			if e.fingerprint != c.Fingerprint {
				return p, false, fmt.Errorf("memory: create project: Idempotency-Key %q was used for another request body: %w", c.IdempotencyKey, layers.ErrConflict)
			}
			for _, q := range cur.projects {
				if q.ID == e.projectID {
					return cloneProject(q), false, nil
				}
			}
			return p, false, fmt.Errorf("memory: create project: the project %q of Idempotency-Key %q: %w", e.projectID, c.IdempotencyKey, layers.ErrNotFound)
		}
	}
	for _, q := range cur.projects {
		if q.ID == p.ID {
			return p, false, fmt.Errorf("memory: create project: id %q is taken: %w", p.ID, layers.ErrConflict)
		}
	}
	ps := append(append([]layers.Project{}, cur.projects...), cloneProject(p))
	next := cur.clone()
	next.setProjects(ps)
	s.swap(next)
	if c.IdempotencyKey != "" {
		if s.idem == nil {
			s.idem = map[idemKey]idemEntry{}
		}
		s.idem[k] = idemEntry{c.Fingerprint, p.ID}
	}
	return cloneProject(p), true, nil
}

// UpdateProject replaces p.ID when its revision is still p.Revision.
func (s *Store) UpdateProject(ctx context.Context, p layers.Project, by layers.Actor) (layers.Project, error) {
	if err := checkCtx(ctx, "projects"); err != nil {
		return p, err
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	cur := s.snap()
	ps := append([]layers.Project{}, cur.projects...)
	for i, old := range ps {
		if old.ID != p.ID {
			continue
		}
		if old.Revision != p.Revision {
			return cloneProject(old), fmt.Errorf("memory: project %q is at revision %d, not %d: %w", p.ID, old.Revision, p.Revision, layers.ErrStale)
		}
		p.Source, p.SubmittedBy, p.Synthetic = old.Source, old.SubmittedBy, old.Synthetic
		if p.SubmittedAt.IsZero() {
			p.SubmittedAt = old.SubmittedAt
		}
		p.Revision = old.Revision + 1
		if err := p.Validate(); err != nil {
			return p, fmt.Errorf("memory: update project: %w", err)
		}
		ps[i] = cloneProject(p)
		next := cur.clone()
		next.setProjects(ps)
		s.swap(next)
		return cloneProject(p), nil
	}
	return p, fmt.Errorf("memory: project %q: %w", p.ID, layers.ErrNotFound)
}
