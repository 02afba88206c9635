// Package versionwatch keeps the versions of the PostGIS store's layers in
// memory while a connection of its own listens for their changes
// (migration 008), so that serving a cached page or tile costs no query.
package versionwatch

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// layerChannel is the notification channel of migration 008: its payload
// names the table whose version was bumped.
const layerChannel = "reach_layer_changes"

// Watch keeps the versions of the served tables in memory while a
// connection of its own listens on layerChannel, so that a request for a
// cached page or tile costs no query. An entry is dropped when its table's
// notification arrives (at the writer's commit) and everything is dropped
// while the connection is down; a version read from the database is kept
// only if no notification came while it was read (gen), so an older
// version never replaces a dropped one. Projects are never kept: the server
// writes them itself and must read its own writes at once. Safe for
// concurrent use.
type Watch struct {
	mu   sync.Mutex
	live bool
	gen  uint64
	v    map[string]*string // table → version; nil: no row
	stop context.CancelFunc
	done chan struct{}
}

// cacheable says whether the version of table may be kept.
func cacheableVersion(table string) bool { return table != "projects" }

// Get returns the kept version of table, the generation to hand to Put
// with a version read from the database, and whether one is kept. A nil
// Watch keeps nothing.
func (w *Watch) Get(table string) (v *string, gen uint64, ok bool) {
	if w == nil {
		return nil, 0, false
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	v, ok = w.v[table]
	return v, w.gen, ok && w.live
}

// Put keeps v for table if nothing was dropped since gen was read.
func (w *Watch) Put(table string, v *string, gen uint64) {
	if w == nil || !cacheableVersion(table) {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.live && w.gen == gen {
		w.v[table] = v
	}
}

// drop forgets table ("" for all) and, with live false, stops keeping.
func (w *Watch) drop(table string, live bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.gen++
	w.live = live
	if table == "" {
		clear(w.v)
	} else {
		delete(w.v, table)
	}
}

// Start listens on a connection of its own, made from cfg (outside the
// store's pool), and reconnects with growing pauses when it drops. Nothing
// is kept while the database lacks migration 008 (no notifications would
// come).
func Start(cfg *pgx.ConnConfig, log *slog.Logger) *Watch {
	ctx, cancel := context.WithCancel(context.Background())
	w := &Watch{v: map[string]*string{}, stop: cancel, done: make(chan struct{})}
	go func() {
		defer close(w.done)
		for delay := time.Second; ctx.Err() == nil; delay = min(2*delay, 30*time.Second) {
			err := listen(ctx, cfg, w)
			w.drop("", false)
			if ctx.Err() != nil {
				return
			}
			log.Warn("postgis: layer versions are read from the database until the listener is back", "error", err, "retry_in", delay)
			select {
			case <-ctx.Done():
				return
			case <-time.After(delay):
			}
		}
	}()
	return w
}

// listen runs one listening connection until it fails or ctx ends.
func listen(ctx context.Context, cfg *pgx.ConnConfig, w *Watch) error {
	conn, err := pgx.ConnectConfig(ctx, cfg.Copy())
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	var notifies bool
	err = conn.QueryRow(ctx, `SELECT coalesce(bool_or(prosrc LIKE '%pg_notify%'), false) FROM pg_proc WHERE proname = 'layer_changed'`).Scan(&notifies)
	if err != nil {
		return err
	}
	if !notifies {
		return errors.New("the database does not announce layer changes (migration 008 missing; run reach migrate)")
	}
	if _, err := conn.Exec(ctx, "LISTEN "+layerChannel); err != nil {
		return err
	}
	w.drop("", true) // listening from here on: versions read now are followed
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		w.drop(n.Payload, true)
	}
}

// Stop ends the listener and waits for it. A nil Watch has none.
func (w *Watch) Stop() {
	if w == nil {
		return
	}
	w.stop()
	<-w.done
}
