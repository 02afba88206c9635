// Package pgtest gives tests a fresh PostgreSQL database with the PostGIS and
// pgRouting extensions, dropped again when the test ends.
//
// The admin connection comes from the environment variable REACH_TEST_PGURL
// (default DefaultURL). Each call to New creates a database whose name is
// unique per test binary, process and call, so test packages may run in
// parallel against one server. When the server or one of the extensions is
// not available, New skips the test with a message saying why, unless the
// environment variable CI is set: then it fails the test, so that a CI run
// cannot pass without having run the database tests.
//
// The package holds no mutable global state beyond a process-wide counter for
// database names; New is safe to call from parallel tests.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// DefaultURL is the admin URL used when REACH_TEST_PGURL is not set.
const DefaultURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// EnvURL names the environment variable holding the admin URL.
const EnvURL = "REACH_TEST_PGURL"

// Extensions are created in every database that New makes, in this order.
var extensions = []string{"postgis", "pgrouting"}

// seq numbers the databases made by this process.
var seq atomic.Int64

// AdminURL returns the admin connection URL from REACH_TEST_PGURL or DefaultURL.
func AdminURL() string {
	if u := os.Getenv(EnvURL); u != "" {
		return u
	}
	return DefaultURL
}

// Available reports whether the server at AdminURL answers and offers the
// PostGIS and pgRouting extensions. Benchmarks use it to decide whether to
// skip; it creates nothing.
func Available() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, AdminURL())
	if err != nil {
		return fmt.Errorf("pgtest: cannot connect to %s (set %s): %w", redact(AdminURL()), EnvURL, err)
	}
	defer conn.Close(ctx)
	return checkExtensions(ctx, conn)
}

func checkExtensions(ctx context.Context, conn *pgx.Conn) error {
	for _, ext := range extensions {
		var n int
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_available_extensions WHERE name = $1`, ext).Scan(&n); err != nil {
			return fmt.Errorf("pgtest: listing available extensions: %w", err)
		}
		if n == 0 {
			return fmt.Errorf("pgtest: extension %q is not installed on the server at %s", ext, redact(AdminURL()))
		}
	}
	return nil
}

// New creates a fresh database with the extensions postgis and pgrouting and
// returns its connection URL. The database is dropped (even with open
// connections) when tb and its subtests finish. When the server or an
// extension is unavailable the test is skipped, or failed when CI is set.
func New(tb testing.TB) string {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	admin := AdminURL()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		unavailable(tb, fmt.Errorf("pgtest: cannot connect to %s (set %s): %w", redact(admin), EnvURL, err))
		return ""
	}
	defer conn.Close(ctx)
	if err := checkExtensions(ctx, conn); err != nil {
		unavailable(tb, err)
		return ""
	}

	name := dbName()
	ident := pgx.Identifier{name}.Sanitize()
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+ident+" TEMPLATE template0 ENCODING 'UTF8'"); err != nil {
		tb.Fatalf("pgtest: create database %s: %v", name, err)
	}
	tb.Cleanup(func() { drop(tb, admin, name) })

	dbURL, err := withDatabase(admin, name)
	if err != nil {
		tb.Fatalf("pgtest: %v", err)
	}
	dconn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		tb.Fatalf("pgtest: connect to new database %s: %v", name, err)
	}
	defer dconn.Close(ctx)
	for _, ext := range extensions {
		if _, err := dconn.Exec(ctx, "CREATE EXTENSION IF NOT EXISTS "+pgx.Identifier{ext}.Sanitize()); err != nil {
			unavailable(tb, fmt.Errorf("pgtest: create extension %s in %s: %w", ext, name, err))
			return ""
		}
	}
	return dbURL
}

// unavailable skips tb, or fails it when the environment variable CI is set.
func unavailable(tb testing.TB, err error) {
	tb.Helper()
	if os.Getenv("CI") != "" {
		tb.Fatalf("%v (CI is set, so database tests must run)", err)
	}
	tb.Skipf("%v; skipping database test (set CI to make this a failure)", err)
}

// drop removes the database, closing any connection still open to it.
func drop(tb testing.TB, admin, name string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		tb.Errorf("pgtest: drop database %s: %v", name, err)
		return
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
		tb.Errorf("pgtest: drop database %s: %v", name, err)
	}
}

// dbName returns a database name unique per test binary, process and call:
// reach_test_<binary>_<pid>_<seq>_<random>, at most 63 bytes.
func dbName() string {
	bin := strings.TrimSuffix(filepath.Base(os.Args[0]), ".test")
	var b strings.Builder
	for _, r := range strings.ToLower(bin) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	pkg := b.String()
	if len(pkg) > 24 {
		pkg = pkg[:24]
	}
	var rnd [4]byte
	_, _ = rand.Read(rnd[:])
	return fmt.Sprintf("reach_test_%s_%d_%d_%s", pkg, os.Getpid(), seq.Add(1), hex.EncodeToString(rnd[:]))
}

// withDatabase returns admin with its database path replaced by name.
func withDatabase(admin, name string) (string, error) {
	u, err := url.Parse(admin)
	if err != nil {
		return "", fmt.Errorf("admin url %s: %w", redact(admin), err)
	}
	if u.Scheme != "postgres" && u.Scheme != "postgresql" {
		return "", errors.New("admin url must be a postgres:// URL, not a key=value string")
	}
	u.Path = "/" + name
	u.RawPath = ""
	return u.String(), nil
}

// redact hides a password in a URL for messages.
func redact(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(unparsable url)"
	}
	return u.Redacted()
}

// Schema creates a fresh schema in the database at dbURL (one made by New)
// and returns dbURL with search_path set to that schema, then public (where
// the extensions live). Tables created through the returned URL land in the
// new schema, so many tests can share one database at the cost of a CREATE
// SCHEMA instead of a CREATE DATABASE. The schema goes with the database.
func Schema(tb testing.TB, dbURL string) string {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		tb.Fatalf("pgtest: connect %s: %v", redact(dbURL), err)
	}
	defer conn.Close(ctx)
	name := fmt.Sprintf("t%d_%d", os.Getpid(), seq.Add(1))
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+pgx.Identifier{name}.Sanitize()); err != nil {
		tb.Fatalf("pgtest: create schema %s: %v", name, err)
	}
	u, err := url.Parse(dbURL)
	if err != nil {
		tb.Fatalf("pgtest: %s: %v", redact(dbURL), err)
	}
	q := u.Query()
	q.Set("search_path", name+",public")
	u.RawQuery = q.Encode()
	return u.String()
}
