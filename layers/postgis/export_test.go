package postgis

import (
	"context"
	"fmt"
	"time"
)

// WaitGridModel waits until the read model of the grid's current version
// is loaded, or fails when its load failed.
func WaitGridModel(ctx context.Context, s *Store) error {
	var version string
	if err := s.pool.QueryRow(ctx, versionSQL, "population_grid").Scan(&version); err != nil {
		return err
	}
	for {
		if s.gridModelFor(version) != nil {
			return nil
		}
		failed := s.model.GridFailed(version)
		if failed {
			return fmt.Errorf("the read model of version %s was not loaded", version)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// ModelPages counts the pages answered by the read model.
func ModelPages(s *Store) int64 { return s.model.Pages() }

// WaitMuniModel waits until the read model of the municipalities' current
// version is loaded, or fails when its load failed.
func WaitMuniModel(ctx context.Context, s *Store) error {
	var version string
	if err := s.pool.QueryRow(ctx, versionSQL, "municipalities").Scan(&version); err != nil {
		return err
	}
	for {
		if s.muniModelFor(version) != nil {
			return nil
		}
		failed := s.model.MunisFailed(version)
		if failed {
			return fmt.Errorf("the read model of version %s was not loaded", version)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
}
