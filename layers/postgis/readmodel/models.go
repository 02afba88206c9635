// Package readmodel holds one layer version of the population grid and of
// the municipalities in memory and answers their items pages without SQL,
// page for page as the PostGIS store's SQL path answers them.
//
// The store decides when a model may answer (no filters, the version
// current) and supplies the loaders that read from its pool; Models keeps
// the models within a memory budget and loads each in the background, once
// per version.
package readmodel

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// ErrNoModel says why a layer cannot be held in memory.
var ErrNoModel = errors.New("postgis: grid read model")

// Models holds the read models of the grid and the municipalities and
// their loading. The zero value holds none; it is safe for concurrent use.
type Models struct {
	mu      sync.Mutex
	grid    *Grid
	loading bool
	// failed: the version whose load failed or did not fit (not tried again).
	failed string
	// muni: the municipalities, loaded like grid.
	muni        *Munis
	muniLoading bool
	muniFailed  string
	// pages counts the pages answered from the models.
	pages atomic.Int64
}

// GridLoader reads the current version of the grid within budget bytes.
type GridLoader func(ctx context.Context, budget int64) (*Grid, error)

// MunisLoader reads the current version of the municipalities.
type MunisLoader func(ctx context.Context) (*Munis, error)

// Grid returns the grid model of version, starting its load with load when
// it is not there yet (nil until then); maxBytes bounds both models
// together. A version whose load failed is not tried again.
func (m *Models) Grid(version string, maxBytes int64, load GridLoader) *Grid {
	if maxBytes <= 0 || version == "" {
		return nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if g := m.grid; g != nil && g.version == version {
		return g
	}
	if m.loading || m.failed == version {
		return nil
	}
	m.loading = true
	budget := maxBytes
	if m.muni != nil {
		budget -= m.muni.bytes
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		start := time.Now()
		g, err := load(ctx, budget)
		m.mu.Lock()
		defer m.mu.Unlock()
		m.loading = false
		if err != nil {
			m.failed = version
			slog.Default().Warn("postgis: the population grid is served from the database", "reason", err)
			return
		}
		m.grid = g // the old one goes
		slog.Default().Info("postgis: population grid held in memory", "version", g.version, "cells", len(g.east),
			"MiB", int64(len(g.east))*CellBytes>>20, "took", time.Since(start).Round(time.Millisecond))
	}()
	return nil
}

// Munis returns the municipalities' model of version, starting its load
// with load when it is not there yet (nil until then); maxBytes bounds
// both models together. A version whose load failed is not tried again.
func (m *Models) Munis(version string, maxBytes int64, load MunisLoader) *Munis {
	if maxBytes <= 0 || version == "" {
		return nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if g := m.muni; g != nil && g.version == version {
		return g
	}
	if m.muniLoading || m.muniFailed == version {
		return nil
	}
	m.muniLoading = true
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		g, err := load(ctx)
		m.mu.Lock()
		defer m.mu.Unlock()
		m.muniLoading = false
		if err == nil && g.bytes > maxBytes-m.gridBytes() {
			err = fmt.Errorf("%w: municipalities need %d KiB, more than is left of %d MiB", ErrNoModel, g.bytes>>10, maxBytes>>20)
		}
		if err != nil {
			m.muniFailed = version
			slog.Default().Warn("postgis: the municipalities are served from the database", "reason", err)
			return
		}
		m.muni = g
		slog.Default().Info("postgis: municipalities held in memory", "version", g.version, "features", len(g.feats), "KiB", g.bytes>>10)
	}()
	return nil
}

// gridBytes is the memory of the grid model held (m.mu held).
func (m *Models) gridBytes() int64 {
	if m.grid == nil {
		return 0
	}
	return int64(len(m.grid.east)) * CellBytes
}

// GridFailed reports whether the load of the grid's version failed (and
// none is under way).
func (m *Models) GridFailed(version string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.failed == version && !m.loading
}

// MunisFailed reports whether the load of the municipalities' version
// failed (and none is under way).
func (m *Models) MunisFailed(version string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.muniFailed == version && !m.muniLoading
}

// Answered counts a page or a tile answered from a model.
func (m *Models) Answered() { m.pages.Add(1) }

// Pages is the number of pages and tiles answered from the models.
func (m *Models) Pages() int64 { return m.pages.Load() }
