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
	"net/url"
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
	// BaseURL is the public URL of the service for links ("" trusts the
	// request's Host header, fine on a local machine only).
	BaseURL string
	// CursorKey signs paging cursors so that they survive restarts and
	// cannot be forged ("" makes a random key per start).
	CursorKey string
	// MaxBodyBytes bounds request bodies.
	MaxBodyBytes int64
	// RequestTimeout bounds each request.
	RequestTimeout time.Duration
	// MaxConcurrentAnalyses bounds analyses running at once.
	MaxConcurrentAnalyses int
	// MaxPoints bounds the points of one analysis request.
	MaxPoints int
	// AllowOrigins lists browser origins besides the server's own that may write.
	AllowOrigins []string
	// ReadToken makes reads need a token as well.
	ReadToken bool
	// CallCloses is when submitters can no longer submit or amend (zero: open).
	CallCloses time.Time
	// Basemap is the XYZ raster tile URL template ({z}/{x}/{y}) of the map's
	// background, "" for none: then the map makes no request to another server.
	Basemap string
	// BasemapAttribution is the credit shown with the basemap.
	BasemapAttribution string
	// CacheMB bounds the memory for encoded feature pages and tiles, in MiB
	// (0 turns the cache off).
	CacheMB int
	// DBPool is the size of the database connection pool of serve.
	DBPool int
	// RenderSlots bounds the feature pages and tiles built at once (0:
	// GOMAXPROCS, negative: no bound).
	RenderSlots int
}

// EnvPrefix starts the environment variable of every flag of serve: the
// flag --max-body-bytes is also read from REACH_MAX_BODY_BYTES.
const EnvPrefix = "REACH_"

// EnvName returns the environment variable that stands in for a flag.
func EnvName(flagName string) string {
	return EnvPrefix + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// applyEnv sets every flag not given on the command line from its
// environment variable (EnvName), naming the variable when its value is bad.
func applyEnv(fs *flag.FlagSet, getenv func(string) string) error {
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if err != nil || given[f.Name] {
			return
		}
		if v := getenv(EnvName(f.Name)); v != "" {
			if serr := fs.Set(f.Name, v); serr != nil {
				err = fmt.Errorf("%s=%q: %v", EnvName(f.Name), v, serr)
			}
		}
	})
	return err
}

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
	fs.StringVar(&s.Snapshot, "snapshot", "", "engine snapshot file: read for a fast start when it matches the layers, (re)written otherwise")
	fs.StringVar(&s.BaseURL, "base-url", "", "public URL of the service for links, e.g. https://reach.example.org (default: from the request's Host, for local use)")
	fs.StringVar(&s.CursorKey, "cursor-key", "", "secret that signs paging cursors (default: random per start)")
	fs.Int64Var(&s.MaxBodyBytes, "max-body-bytes", 1<<20, "largest request body in bytes")
	fs.DurationVar(&s.RequestTimeout, "request-timeout", 60*time.Second, "time limit of one request")
	fs.IntVar(&s.MaxConcurrentAnalyses, "max-concurrent-analyses", 4, "analyses running at once; more wait up to a second, then get 429")
	fs.IntVar(&s.MaxPoints, "max-points", 100, "points of one analysis request (sources plus destinations, origins)")
	allow := fs.String("allow-origin", "", "comma-separated browser origins besides the server's own that may write (CORS for writes)")
	fs.BoolVar(&s.ReadToken, "read-token", false, "reads need a token as well (with --db; default: reading is open)")
	closes := fs.String("call-closes", "", "RFC 3339 time after which submitters can no longer submit or amend (default: the call is open)")
	fs.StringVar(&s.Basemap, "basemap", "", "raster tile URL template for the map's background, e.g. https://tile.openstreetmap.org/{z}/{x}/{y}.png (default: none, no external requests)")
	fs.StringVar(&s.BasemapAttribution, "basemap-attribution", "", "credit shown with --basemap (default: © OpenStreetMap contributors for openstreetmap.org tiles)")
	fs.IntVar(&s.CacheMB, "cache-mb", 64, "memory for encoded feature pages and vector tiles and, with --db, the in-memory population grid (half each), in MiB; 0 turns both off")
	fs.IntVar(&s.DBPool, "db-pool", 16, "database connections in the serving pool")
	fs.IntVar(&s.RenderSlots, "render-slots", 0, "feature pages and vector tiles built at once (not from the cache); more wait in line, first come, first served (default: GOMAXPROCS; negative: no bound)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: reach serve [--addr 127.0.0.1:8080] [--db URL | --data DIR] [--seed N] [--catalogue FILE] [--settings FILE] [--snapshot FILE] [--basemap URL]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return s, err
	}
	if fs.NArg() > 0 {
		return s, fmt.Errorf("serve: unexpected argument %q", fs.Arg(0))
	}
	if err := applyEnv(fs, getenv); err != nil {
		return s, fmt.Errorf("serve: %w", err)
	}
	for _, o := range strings.Split(*allow, ",") {
		if o = strings.TrimSpace(o); o != "" {
			u, err := url.Parse(o)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
				return s, fmt.Errorf("serve: --allow-origin %q: want an origin such as https://portal.example.org", o)
			}
			s.AllowOrigins = append(s.AllowOrigins, strings.TrimRight(o, "/"))
		}
	}
	if *closes != "" {
		t, err := time.Parse(time.RFC3339, *closes)
		if err != nil {
			return s, fmt.Errorf("serve: --call-closes %q: want an RFC 3339 time such as 2026-06-30T23:59:59+02:00", *closes)
		}
		s.CallCloses = t
	}
	if s.BaseURL != "" {
		u, err := url.Parse(s.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" {
			return s, fmt.Errorf("serve: --base-url %q: want an absolute http(s) URL such as https://reach.example.org", s.BaseURL)
		}
	}
	if s.CacheMB < 0 {
		return s, fmt.Errorf("serve: --cache-mb %d: want 0 or more", s.CacheMB)
	}
	if s.DBPool < 1 || s.DBPool > 1000 {
		return s, fmt.Errorf("serve: --db-pool %d: want 1 to 1000", s.DBPool)
	}
	if s.MaxBodyBytes < 1024 {
		return s, fmt.Errorf("serve: --max-body-bytes %d: want at least 1024", s.MaxBodyBytes)
	}
	if s.RequestTimeout <= 0 || s.MaxConcurrentAnalyses < 1 || s.MaxPoints < 2 {
		return s, errors.New("serve: --request-timeout, --max-concurrent-analyses and --max-points must be positive (max-points ≥ 2)")
	}
	if s.DatabaseURL == "" && s.DataDir == "" {
		s.DatabaseURL = getenv(EnvDatabaseURL)
	}
	if s.DatabaseURL != "" && s.DataDir != "" {
		return s, errors.New("serve: --db and --data exclude each other")
	}
	if s.Basemap != "" {
		if !strings.HasPrefix(s.Basemap, "https://") && !strings.HasPrefix(s.Basemap, "http://") ||
			!strings.Contains(s.Basemap, "{z}") || !strings.Contains(s.Basemap, "{x}") || !strings.Contains(s.Basemap, "{y}") {
			return s, fmt.Errorf("serve: --basemap %q: want an http(s) URL template with {z}, {x} and {y}", s.Basemap)
		}
		if s.BasemapAttribution == "" && strings.Contains(s.Basemap, "openstreetmap.org") {
			s.BasemapAttribution = "© OpenStreetMap contributors"
		}
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
