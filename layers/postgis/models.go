package postgis

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"reach/layers"
	"reach/layers/postgis/readmodel"
)

// WithReadModel lets the store keep the population grid and the
// municipalities of their current layer versions in memory, up to maxBytes
// together (see readmodel.CellBytes), and answer items pages from them
// without SQL (layers/postgis/readmodel). A layer larger than that is
// served by PostgreSQL. 0 or less: no read model.
func WithReadModel(maxBytes int64) Option { return func(s *Store) { s.modelBytes = maxBytes } }

// gridModelFor returns the grid model of version, starting its load when
// it is not there yet (nil until then).
func (s *Store) gridModelFor(version string) *readmodel.Grid {
	return s.model.Grid(version, s.modelBytes, s.loadGridModel)
}

// muniModelFor returns the municipalities' model of version, starting its
// load when it is not there yet (nil until then).
func (s *Store) muniModelFor(version string) *readmodel.Munis {
	return s.model.Munis(version, s.modelBytes, s.loadMuniModel)
}

// loadGridModel reads population_grid and its version in one repeatable-read
// transaction.
func (s *Store) loadGridModel(ctx context.Context, budget int64) (*readmodel.Grid, error) {
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback(ctx) //nolint:errcheck // read-only
	var version *string
	if err := tx.QueryRow(ctx, versionSQL, "population_grid").Scan(&version); err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return nil, err
	}
	if version == nil {
		return nil, fmt.Errorf("%w: population_grid has no version", readmodel.ErrNoModel)
	}
	g, err := readmodel.LoadGrid(ctx, tx, *version, budget)
	if err != nil {
		return nil, err
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, err
	}
	return g, nil
}

// loadMuniModel reads the municipalities, as the SQL path builds their
// features, and their version in one repeatable-read transaction.
func (s *Store) loadMuniModel(ctx context.Context) (*readmodel.Munis, error) {
	t, err := lookupTable(layers.CollMunicipalities)
	if err != nil {
		return nil, err
	}
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback(ctx) //nolint:errcheck // read-only
	var version *string
	if err := tx.QueryRow(ctx, versionSQL, t.table).Scan(&version); err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return nil, err
	}
	if version == nil {
		return nil, fmt.Errorf("%w: %s has no version", readmodel.ErrNoModel, t.table)
	}
	rows, err := tx.Query(ctx, t.selectSQL+" ORDER BY "+pgx.Identifier{t.idColumn}.Sanitize())
	if err != nil {
		return nil, err
	}
	fs, err := t.features(ctx, tx, rows)
	rows.Close()
	if err != nil {
		return nil, err
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, err
	}
	return readmodel.NewMunis(*version, fs)
}

// LoadReadModels starts loading the read models of the grid and the
// municipalities for their current versions (see WithReadModel), in the
// background, so that the first requests find them; without WithReadModel
// it does nothing. Otherwise each loads at the first items request of its
// version.
func (s *Store) LoadReadModels(ctx context.Context) {
	if s.modelBytes <= 0 {
		return
	}
	for _, tbl := range []string{"population_grid", "municipalities"} {
		var v *string
		if err := s.pool.QueryRow(ctx, versionSQL, tbl).Scan(&v); err != nil || v == nil {
			continue
		}
		if tbl == "population_grid" {
			s.gridModelFor(*v)
		} else {
			s.muniModelFor(*v)
		}
	}
}
