package postgis

import (
	"context"
	"fmt"
	"time"

	"reach/geo/grid"
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
		s.model.mu.Lock()
		failed := s.model.failed == version && !s.model.loading
		s.model.mu.Unlock()
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
func ModelPages(s *Store) int64 { return s.model.pages.Load() }

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
		s.model.mu.Lock()
		failed := s.model.muniFailed == version && !s.model.muniLoading
		s.model.mu.Unlock()
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

// GridModelID is the id the grid model prints for a cell.
func GridModelID(c grid.ID, long bool) string {
	g := &gridModel{east: []int32{int32(c.East)}, north: []int32{int32(c.North)}, resIdx: []uint8{0},
		resList: []int32{int32(c.ResolutionM)}, long: []bool{long}}
	return g.id(0)
}
