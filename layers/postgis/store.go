// Package postgis is the PostGIS store of reach, its system of record: it
// implements layers.Store and layers.ResultWriter on PostgreSQL with PostGIS
// through a pgx/v5 connection pool.
//
// Tables follow the embedded migrations (see Migrate): metric geometries in
// EPSG:25833, grid cells in EPSG:3035, GIST indexes on every geometry. GIS
// staff can read and load the same tables with QGIS or ogr2ogr. Geometries
// cross the wire as go-geom EWKB values through the codec of
// layers/postgis/geometry, which checks each SRID against the layer and
// hands orb geometries to this package.
//
// Every Replace* call runs in one transaction: it deletes the layer (or the
// part named by its argument), streams the records with COPY and records the
// load in layer_versions. A stream error, an invalid record, a constraint
// violation or a cancelled context rolls everything back, so the previous
// layer stays exactly as it was. Validation errors wrap layers.ErrInvalid and
// name the record and the field or constraint.
//
// A Store is safe for concurrent use by multiple goroutines.
package postgis

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"reach/layers"
	"reach/layers/postgis/geometry"
	"reach/layers/postgis/readmodel"
	"reach/layers/postgis/versionwatch"
)

// Compile-time checks of the ports this store implements.
var (
	_ layers.Store        = (*Store)(nil)
	_ layers.ResultWriter = (*Store)(nil)
	_ layers.TileSource   = (*Store)(nil)
)

// Store is the PostGIS store. Create it with Open or OpenReadOnly and release
// it with Close.
type Store struct {
	pool     *pgxpool.Pool
	readOnly bool
	extents  extentCache
	counts   countCache
	// allowShrink lets a load replace a layer by one far smaller (see
	// ShrinkGuard); set by WithAllowShrink.
	allowShrink bool
	// servingPool: see WithServingPool.
	servingPool bool
	// versions keeps the layer versions while a listener follows their
	// changes (serving pools only); nil otherwise.
	versions *versionwatch.Watch
	// modelBytes bounds the read models of the population grid and the
	// municipalities (see WithReadModel); model holds them.
	modelBytes int64
	model      readmodel.Models
}

// Option tunes a Store at Open.
type Option func(*Store)

// WithAllowShrink lets loads replace a layer of ShrinkMinRows or more
// records by one with fewer than ShrinkShare of them, which is otherwise
// refused as the sign of a damaged or truncated file (`reach import
// --allow-shrink`).
func WithAllowShrink() Option { return func(s *Store) { s.allowShrink = true } }

// WithServingPool prepares the pool for serving requests (`reach serve`):
// all its connections are opened at start and kept open (MinConns =
// MaxConns), and each new connection warms PostGIS's coordinate
// transformations between the stored and served CRSs (PROJ sets them up
// on a connection's first ST_Transform, which costs a few hundred
// milliseconds), so that no request waits for a connection or for PROJ.
// A connection of its own listens for layer changes (migration 008), so
// that the versions of the layers, which name cached pages and tiles, are
// kept in memory instead of read by every request (projects excepted:
// the server writes them and reads its writes at once).
func WithServingPool() Option { return func(s *Store) { s.servingPool = true } }

// warmTransformsSQL transforms a point of Saxony between every pair of the
// stored (EPSG:3035, EPSG:25833) and served (EPSG:4326, EPSG:3857) CRSs.
const warmTransformsSQL = `SELECT count(ST_Transform(ST_Transform(ST_SetSRID(ST_MakePoint(13.7, 51.05), 4326), a), b))
	FROM unnest('{4326,3857,3035,25833}'::int[]) a, unnest('{4326,3857,3035,25833}'::int[]) b WHERE a <> b`

// ShrinkMinRows and ShrinkShare define a suspicious shrink: a layer of at
// least ShrinkMinRows records replaced by fewer than ShrinkShare of them.
const (
	ShrinkMinRows = 50
	ShrinkShare   = 0.8
)

// Open connects to the database at url (a postgres:// URL or a key=value
// string) and checks that it answers. It does not migrate; call Migrate.
func Open(ctx context.Context, url string, opts ...Option) (*Store, error) {
	var set Store
	for _, o := range opts {
		o(&set)
	}
	s, err := open(ctx, url, false, set.servingPool)
	if err != nil {
		return nil, err
	}
	for _, o := range opts {
		o(s)
	}
	if s.servingPool {
		s.versions = versionwatch.Start(s.pool.Config().ConnConfig, slog.Default())
	}
	return s, nil
}

// OpenReadOnly connects like Open but sets default_transaction_read_only on
// every connection, for serving (`reach serve --db`): loaders then fail with
// the server's read-only error, readers work as usual.
func OpenReadOnly(ctx context.Context, url string) (*Store, error) {
	return open(ctx, url, true, false)
}

func open(ctx context.Context, dbURL string, readOnly, serving bool) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(dbURL)
	if err != nil {
		return nil, fmt.Errorf("postgis: parse database url %s: %w", redact(dbURL), err)
	}
	if cfg.ConnConfig.RuntimeParams == nil {
		cfg.ConnConfig.RuntimeParams = map[string]string{}
	}
	cfg.ConnConfig.RuntimeParams["application_name"] = "reach"
	if readOnly {
		cfg.ConnConfig.RuntimeParams["default_transaction_read_only"] = "on"
	}
	// Reach's queries are short and index-driven; the planner's cost of a
	// per-row ST_Transform crosses jit_above_cost and JIT compilation then
	// adds 50-100 ms to a query of a few milliseconds.
	cfg.ConnConfig.RuntimeParams["jit"] = "off"
	cfg.AfterConnect = geometry.Register
	if serving {
		cfg.MinConns = cfg.MaxConns
		cfg.AfterConnect = func(ctx context.Context, c *pgx.Conn) error {
			if err := geometry.Register(ctx, c); err != nil {
				return err
			}
			var postgis bool
			if err := c.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'postgis')`).Scan(&postgis); err != nil {
				return fmt.Errorf("postgis: look up the postgis extension: %w", err)
			}
			if postgis {
				if _, err := c.Exec(ctx, warmTransformsSQL); err != nil {
					return fmt.Errorf("postgis: warm the coordinate transformations: %w", err)
				}
			}
			return nil
		}
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgis: connect %s: %w", redact(dbURL), err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgis: connect %s: %w", redact(dbURL), err)
	}
	return &Store{pool: pool, readOnly: readOnly}, nil
}

// Close closes all connections of the pool. It waits for connections in use
// to be released.
func (s *Store) Close() {
	s.versions.Stop()
	s.pool.Close()
}

// Pool returns the underlying pool, for callers that run their own queries
// (benchmarks against pgRouting, for example). It stays owned by the Store.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// redact hides a password in a database URL for error messages.
func redact(s string) string {
	if !strings.Contains(s, "://") {
		return "(connection string)"
	}
	u, err := url.Parse(s)
	if err != nil {
		return "(unparsable url)"
	}
	return u.Redacted()
}

// dbError turns a server error into a package error. Integrity and data
// exceptions (SQLSTATE classes 22 and 23) wrap layers.ErrInvalid and name
// the constraint and the server's detail (which shows the offending key or
// row); other errors are wrapped as they are.
func dbError(what string, err error) error {
	if err == nil {
		return nil
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch {
		case strings.HasPrefix(pgErr.Code, "23"), strings.HasPrefix(pgErr.Code, "22"):
			msg := fmt.Sprintf("postgis: %s: %s (SQLSTATE %s", what, pgErr.Message, pgErr.Code)
			if pgErr.ConstraintName != "" {
				msg += ", constraint " + pgErr.ConstraintName
			}
			msg += ")"
			if pgErr.Detail != "" {
				msg += ": " + pgErr.Detail
			}
			if pgErr.Where != "" {
				msg += " [" + pgErr.Where + "]"
			}
			return refusedError{msg: msg, pg: pgErr}
		}
	}
	return fmt.Errorf("postgis: %s: %w", what, err)
}

// refusedError is a record the database refused: its message is dbError's,
// and it is both layers.ErrInvalid and the server's *pgconn.PgError, so
// callers can explain a constraint in the user's terms.
type refusedError struct {
	msg string
	pg  *pgconn.PgError
}

func (e refusedError) Error() string   { return e.msg + ": " + layers.ErrInvalid.Error() }
func (e refusedError) Unwrap() []error { return []error{layers.ErrInvalid, e.pg} }

// IsUnavailable reports whether err says that the database cannot be
// reached or cannot serve now (connection refused or lost, server shutting
// down, too many connections), as opposed to a wrong request: the caller
// may retry later (HTTP 503 with Retry-After).
func IsUnavailable(err error) bool {
	if err == nil {
		return false
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		c := pgErr.Code
		return strings.HasPrefix(c, "08") || strings.HasPrefix(c, "53") || strings.HasPrefix(c, "57P")
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	return errors.As(err, &ce) || errors.As(err, &ne) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, net.ErrClosed)
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.pool.Ping(ctx); err != nil {
		return fmt.Errorf("postgis: ping: %w", err)
	}
	return nil
}
