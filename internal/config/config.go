// Package config reads the settings of the reach command from flags and the
// environment. Only cmd/reach uses it; libraries take their settings through
// constructors.
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"
)

// EnvDatabaseURL names the environment variable that stands in for --db.
const EnvDatabaseURL = "DATABASE_URL"

// DefaultAddr is where `reach serve` listens unless told otherwise.
const DefaultAddr = "127.0.0.1:8080"

// Serve holds the settings of `reach serve`.
type Serve struct {
	Addr        string
	DatabaseURL string // "" for the embedded store
	DataDir     string // "" for the demo region
	Seed        int64  // demo region seed
	ReadTimeout time.Duration
	// WriteTimeout bounds a whole response; analyses over large regions may need more.
	WriteTimeout time.Duration
	ShutdownWait time.Duration
	LogJSON      bool
	// Catalogue and Settings name files that tune the analyses ("" for the defaults).
	Catalogue string
	Settings  string
	// Snapshot names the engine snapshot file for a fast cold start ("" for none).
	Snapshot string
	// CacheMB bounds the memory for encoded feature pages and tiles, in MiB
	// (0 turns the cache off).
	CacheMB int
	// DBPool is the size of the database connection pool (0: pgx's default).
	DBPool int
}

// Environment variables standing in for flags of `reach serve`.
const (
	EnvCacheMB = "REACH_CACHE_MB"
	EnvDBPool  = "REACH_DB_POOL"
)

// ParseServe reads the flags of `reach serve`. getenv supplies DATABASE_URL
// when --db is not given. It returns flag.ErrHelp when -h was asked for.
func ParseServe(args []string, getenv func(string) string, stderr io.Writer, defaultSeed int64) (Serve, error) {
	var s Serve
	fs := flag.NewFlagSet("reach serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&s.Addr, "addr", DefaultAddr, "listen address (host:port)")
	fs.StringVar(&s.DatabaseURL, "db", "", "PostGIS connection URL (default $DATABASE_URL; none: embedded store)")
	fs.StringVar(&s.DataDir, "data", "", "serve the files of this folder in the embedded store instead of the demo region")
	fs.Int64Var(&s.Seed, "seed", defaultSeed, "seed of the synthetic demo region")
	fs.DurationVar(&s.ReadTimeout, "read-timeout", 30*time.Second, "HTTP read timeout")
	fs.DurationVar(&s.WriteTimeout, "write-timeout", 5*time.Minute, "HTTP write timeout (whole response)")
	fs.DurationVar(&s.ShutdownWait, "shutdown-wait", 15*time.Second, "how long to let requests finish on shutdown")
	fs.BoolVar(&s.LogJSON, "log-json", false, "log as JSON lines")
	fs.StringVar(&s.Catalogue, "catalogue", "", "standards catalogue (JSON) instead of the embedded one")
	fs.StringVar(&s.Settings, "settings", "", "analysis settings (JSON): score_weights, weakness_weights, weak_share, snap_radius_m")
	cacheMB, err := envInt(getenv, EnvCacheMB, 64)
	if err != nil {
		return s, err
	}
	dbPool, err := envInt(getenv, EnvDBPool, 16)
	if err != nil {
		return s, err
	}
	fs.IntVar(&s.CacheMB, "cache-mb", cacheMB, "memory for encoded feature pages and vector tiles, in MiB; 0 turns the cache off (env "+EnvCacheMB+")")
	fs.IntVar(&s.DBPool, "db-pool", dbPool, "database connections in the serving pool (env "+EnvDBPool+")")
	fs.StringVar(&s.Snapshot, "snapshot", "", "engine snapshot file: read for a fast start when it matches the layers, (re)written otherwise")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: reach serve [--addr 127.0.0.1:8080] [--db URL | --data DIR] [--seed N] [--catalogue FILE] [--settings FILE] [--snapshot FILE]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return s, err
	}
	if fs.NArg() > 0 {
		return s, fmt.Errorf("serve: unexpected argument %q", fs.Arg(0))
	}
	if s.DatabaseURL == "" && s.DataDir == "" {
		s.DatabaseURL = getenv(EnvDatabaseURL)
	}
	if s.DatabaseURL != "" && s.DataDir != "" {
		return s, errors.New("serve: --db and --data exclude each other")
	}
	if s.CacheMB < 0 {
		return s, fmt.Errorf("serve: --cache-mb %d: want 0 or more", s.CacheMB)
	}
	if s.DBPool < 1 || s.DBPool > 1000 {
		return s, fmt.Errorf("serve: --db-pool %d: want 1 to 1000", s.DBPool)
	}
	if _, _, err := net.SplitHostPort(s.Addr); err != nil {
		return s, fmt.Errorf("serve: --addr %q: %v", s.Addr, err)
	}
	return s, nil
}

// DatabaseURL returns the value of a --db flag or, when empty, DATABASE_URL;
// it fails with a message naming both when neither is set.
func DatabaseURL(flagValue string, getenv func(string) string, command string) (string, error) {
	if v := strings.TrimSpace(flagValue); v != "" {
		return v, nil
	}
	if v := strings.TrimSpace(getenv(EnvDatabaseURL)); v != "" {
		return v, nil
	}
	return "", fmt.Errorf("%s: no database: pass --db URL or set %s", command, EnvDatabaseURL)
}

// envInt reads an integer setting from the environment, def when unset.
func envInt(getenv func(string) string, name string, def int) (int, error) {
	v := strings.TrimSpace(getenv(name))
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, fmt.Errorf("serve: %s=%q: not an integer", name, v)
	}
	return n, nil
}
