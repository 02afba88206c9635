package main

import (
	"context"

	"reach/internal/analysis/assess"
	"reach/layers"
)

// Difference gives the before/after map of a project once the read model
// is built (httpapi.ProjectDiffer).
func (l *lazyEngine) Difference(ctx context.Context, p layers.Project) (assess.Difference, error) {
	if _, err := l.get(ctx); err != nil {
		return assess.Difference{}, err
	}
	l.mu.RLock()
	full := l.full
	l.mu.RUnlock()
	return assess.For(full).Difference(ctx, p)
}
