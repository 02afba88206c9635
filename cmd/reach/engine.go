package main

import (
	"context"

	"reach/internal/analysis"
	"reach/layers"
)

// buildEngine builds the read model of the analyses from a store.
func buildEngine(ctx context.Context, st layers.Store, info layers.StoreInfo, ef engineFlags) (*analysis.Engine, error) {
	opts, err := ef.options(info)
	if err != nil {
		return nil, err
	}
	return analysis.Build(ctx, st, opts)
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
	return f.l.full.WithClassification(f.base)
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
