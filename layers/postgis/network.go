package postgis

import (
	"context"
	"fmt"

	"reach/layers"
)

var _ layers.NetworkLoader = (*Store)(nil)

// ReplaceNetwork replaces roads, the graph tables of the modes given and
// the facilities of n.FacilitySource in one transaction.
func (s *Store) ReplaceNetwork(ctx context.Context, n layers.NetworkImport) (int, error) {
	fl, frow, err := facilityLoad(n.FacilitySource)
	if err != nil {
		return 0, err
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return 0, dbError("load network: begin", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // no-op after Commit
	rl := roadLoad
	rl.shrinkOK = s.allowShrink
	fl.shrinkOK = s.allowShrink
	roads, err := replaceIn(ctx, tx, rl, n.Roads, roadRow)
	if err != nil {
		return 0, err
	}
	for _, m := range layers.Modes() {
		edges, ok := n.Graphs[m]
		if !ok {
			continue
		}
		gl, err := graphLoad(m)
		if err != nil {
			return 0, err
		}
		if _, err := replaceIn(ctx, tx, gl, edges, graphRow); err != nil {
			return 0, fmt.Errorf("postgis: load network: graph %s: %w", m, err)
		}
	}
	if _, err := replaceIn(ctx, tx, fl, n.Facilities, frow); err != nil {
		return 0, fmt.Errorf("postgis: load network: facilities: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return 0, dbError("load network: commit", err)
	}
	return roads, nil
}
