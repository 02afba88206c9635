package postgis

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

// versionWatch keeps the versions of the served tables in memory while a
// connection of its own listens on layerChannel, so that a request for a
// cached page or tile costs no query. An entry is dropped when its table's
// notification arrives (at the writer's commit) and everything is dropped
// while the connection is down; a version read from the database is kept
// only if no notification came while it was read (gen), so an older
// version never replaces a dropped one. Projects are never kept: the server
// writes them itself and must read its own writes at once. Safe for
// concurrent use.
type versionWatch struct {
	mu   sync.Mutex
	live bool
	gen  uint64
	v    map[string]*string // table → version; nil: no row
	stop context.CancelFunc
	done chan struct{}
}

// cacheable says whether the version of table may be kept.
func cacheableVersion(table string) bool { return table != "projects" }

// get returns the kept version of table.
func (w *versionWatch) get(table string) (v *string, gen uint64, ok bool) {
	if w == nil {
		return nil, 0, false
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	v, ok = w.v[table]
	return v, w.gen, ok && w.live
}

// put keeps v for table if nothing was dropped since gen was read.
func (w *versionWatch) put(table string, v *string, gen uint64) {
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
func (w *versionWatch) drop(table string, live bool) {
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

// watchVersions starts listening on a connection of its own (outside the
// pool) and reconnects with growing pauses when it drops. Nothing is kept
// while the database lacks migration 008 (no notifications would come).
func (s *Store) watchVersions(log *slog.Logger) {
	ctx, cancel := context.WithCancel(context.Background())
	w := &versionWatch{v: map[string]*string{}, stop: cancel, done: make(chan struct{})}
	s.versions = w
	go func() {
		defer close(w.done)
		for delay := time.Second; ctx.Err() == nil; delay = min(2*delay, 30*time.Second) {
			err := s.listen(ctx, w)
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
}

// listen runs one listening connection until it fails or ctx ends.
func (s *Store) listen(ctx context.Context, w *versionWatch) error {
	conn, err := pgx.ConnectConfig(ctx, s.pool.Config().ConnConfig.Copy())
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

// stopWatch ends the listener and waits for it.
func (w *versionWatch) stopWatch() {
	if w == nil {
		return
	}
	w.stop()
	<-w.done
}
