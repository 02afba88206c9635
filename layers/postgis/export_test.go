package postgis

import (
	"context"
	"fmt"
	"time"

	"reach/layers"
)

// WaitGridModel waits until the read model of the grid's current version
// is loaded, or fails when its load failed.
func WaitGridModel(ctx context.Context, s *Store) error {
	return waitModel(ctx, s, "population_grid", func(v string) bool { return s.gridModelFor(v) != nil }, s.model.GridFailed)
}

// ModelPages counts the pages answered by the read model.
func ModelPages(s *Store) int64 { return s.model.Pages() }

// WaitMuniModel waits until the read model of the municipalities' current
// version is loaded, or fails when its load failed.
func WaitMuniModel(ctx context.Context, s *Store) error {
	return waitModel(ctx, s, "municipalities", func(v string) bool { return s.muniModelFor(v) != nil }, s.model.MunisFailed)
}

// waitModel polls until loaded holds for the layer's current version, or
// failed does.
func waitModel(ctx context.Context, s *Store, layer string, loaded, failed func(version string) bool) error {
	var version string
	if err := s.pool.QueryRow(ctx, versionSQL, layer).Scan(&version); err != nil {
		return err
	}
	for !loaded(version) {
		if failed(version) {
			return fmt.Errorf("the read model of %s version %s was not loaded", layer, version)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
	return nil
}

// SQLTile encodes a tile by the SQL path (ST_AsMVT), whatever the read
// models hold.
func SQLTile(ctx context.Context, s *Store, q layers.TileQuery) (layers.Tile, error) {
	return s.sqlTile(ctx, q)
}
