package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"reach/data/tables"
	"reach/geo/access"
	"reach/internal/analysis"
	"reach/internal/analysis/derived"
	"reach/layers"
)

// buildEngine builds the read model of the analyses from a store.
func buildEngine(ctx context.Context, st layers.Store, info layers.StoreInfo, ef engineFlags) (*analysis.Engine, error) {
	opts, err := ef.options(info)
	if err != nil {
		return nil, err
	}
	if opts.Transit, err = storedTransit(ctx, st); err != nil {
		return nil, err
	}
	if opts.Demography == nil {
		if opts.Demography, err = storedDemography(ctx, st); err != nil {
			return nil, err
		}
	}
	return analysis.Build(ctx, st, opts)
}

// storedDemography returns the store's population by age (base year and
// projections), nil when it keeps none; --ages replaces it.
func storedDemography(ctx context.Context, st layers.Store) (*access.Demography, error) {
	as, ok := st.(layers.AgeStore)
	if !ok {
		return nil, nil
	}
	counts, source, err := as.AgeCounts(ctx)
	if errors.Is(err, layers.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return tables.DemographyOf(counts, "population_by_age ("+source+")")
}

// storedTransit returns the store's timetable, nil when it keeps none.
func storedTransit(ctx context.Context, st layers.Store) (*layers.TransitFeed, error) {
	ts, ok := st.(layers.TransitStore)
	if !ok {
		return nil, nil
	}
	feed, err := ts.Transit(ctx)
	if errors.Is(err, layers.ErrNotFound) {
		return nil, nil
	}
	return feed, err
}

// buildEngineWithSnapshot builds the read model from the engine snapshot at
// path when it matches the layers, and otherwise from the layers alone,
// then (re)writes the snapshot atomically for the next start. A snapshot
// that does not match or is damaged is never used; the reason is logged.
func buildEngineWithSnapshot(ctx context.Context, st layers.Store, info layers.StoreInfo, ef engineFlags, path string, log *slog.Logger) (*analysis.Engine, error) {
	opts, err := ef.options(info)
	if err != nil {
		return nil, err
	}
	// The timetable comes from a matching snapshot when it carries one, else from the store.
	opts.LoadTransit = func(ctx context.Context) (*layers.TransitFeed, error) { return storedTransit(ctx, st) }
	if opts.Demography == nil {
		if opts.Demography, err = storedDemography(ctx, st); err != nil {
			return nil, err
		}
	}
	if f, err := os.Open(path); err == nil {
		opts.Snapshot = bufio.NewReaderSize(f, 1<<20)
		start := time.Now()
		eng, err := analysis.Build(ctx, st, opts)
		f.Close()
		if err == nil {
			log.Info("read model from snapshot", "file", path, "took", time.Since(start).Round(time.Millisecond), "timetable_from_snapshot", eng.Stats().TransitFromSnapshot)
			return eng, nil
		}
		if !errors.Is(err, analysis.ErrSnapshotMismatch) && !errors.Is(err, analysis.ErrSnapshot) {
			return nil, err
		}
		log.Warn("snapshot not used; building from the layers", "file", path, "reason", err)
		opts.Snapshot = nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("snapshot %s: %w", path, err)
	}
	eng, err := analysis.Build(ctx, st, opts)
	if err != nil {
		return nil, err
	}
	write := func() {
		if err := eng.WaitHierarchies(ctx); err != nil {
			log.Warn("snapshot not written", "file", path, "err", err)
			return
		}
		if err := writeSnapshot(eng, path); err != nil {
			log.Warn("snapshot not written", "file", path, "err", err)
		} else {
			log.Info("snapshot written", "file", path)
		}
	}
	// The snapshot holds the contraction hierarchies, which large networks
	// prepare in the background: then the engine serves at once (by
	// Dijkstra until they are ready) and the snapshot follows.
	for _, ready := range eng.HierarchiesReady() {
		if !ready {
			go write()
			return eng, nil
		}
	}
	write()
	return eng, nil
}

// writeSnapshot writes the engine snapshot next to path and renames it into
// place, so that a reader never sees a half-written file.
func writeSnapshot(eng *analysis.Engine, path string) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(tmp, 1<<20)
	err = eng.WriteSnapshot(bw)
	if err == nil {
		err = bw.Flush()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// features returns the base feature source of the server: the store's
// layers, with the municipalities widened by the classification
// (degurba_computed, thinly_populated, structurally_weak) once the read
// model is ready.
func (l *lazyEngine) features(base layers.FeatureSource) layers.FeatureSource {
	return &lazyFeatures{base: base, l: l}
}

type lazyFeatures struct {
	base layers.FeatureSource
	l    *lazyEngine
}

func (f *lazyFeatures) src() layers.FeatureSource {
	select {
	case <-f.l.done:
	default:
		return f.base
	}
	f.l.mu.RLock()
	defer f.l.mu.RUnlock()
	if f.l.full == nil {
		return f.base
	}
	return derived.WithClassification(f.l.full, f.base)
}

func (f *lazyFeatures) Collections(ctx context.Context) ([]layers.Collection, error) {
	return f.src().Collections(ctx)
}

func (f *lazyFeatures) Collection(ctx context.Context, id string) (layers.Collection, error) {
	return f.src().Collection(ctx, id)
}

func (f *lazyFeatures) Items(ctx context.Context, q layers.ItemsQuery) (layers.Page, error) {
	return f.src().Items(ctx, q)
}

func (f *lazyFeatures) Item(ctx context.Context, collection, id string) (layers.Feature, error) {
	return f.src().Item(ctx, collection, id)
}

// Tile hands the tile to the source where it encodes tiles itself.
func (f *lazyFeatures) Tile(ctx context.Context, q layers.TileQuery) (layers.Tile, error) {
	if ts, ok := f.src().(layers.TileSource); ok {
		return ts.Tile(ctx, q)
	}
	return layers.Tile{}, fmt.Errorf("serve: tiles of %q: %w", q.Collection, layers.ErrTileUnsupported)
}
