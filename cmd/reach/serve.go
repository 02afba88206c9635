package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"reach/data/demo"
	"reach/internal/analysis"
	"reach/internal/analysis/assess"
	"reach/internal/analysis/gaps"
	"reach/internal/analysis/need"
	"reach/internal/analysis/sites"
	"reach/internal/analysis/transit"
	"reach/internal/config"
	"reach/internal/httpapi"
	"reach/internal/load"
	"reach/internal/ogc"
	"reach/layers"
	"reach/layers/memory"
	"reach/layers/postgis"
)

func newLogger(w io.Writer, jsonLines bool) *slog.Logger {
	if jsonLines {
		return slog.New(slog.NewJSONHandler(w, nil))
	}
	return slog.New(slog.NewTextHandler(w, nil))
}

// openStore opens the store that serve and analyze work on: PostGIS when a
// database URL is given, else the embedded store filled from a data folder
// or with the demo region. The returned close function releases it.
func openStore(ctx context.Context, dbURL, dataDir string, seed int64, modelBytes int64, log *slog.Logger) (layers.Store, func(), error) {
	switch {
	case dbURL != "":
		st, err := postgis.Open(ctx, dbURL, postgis.WithServingPool(), postgis.WithReadModel(modelBytes))
		if err != nil {
			return nil, nil, err
		}
		st.LoadReadModels(ctx)
		return st, st.Close, nil
	case dataDir != "":
		st := memory.New(memory.WithTitle("Files of "+dataDir), memory.WithSynthetic(false))
		if err := load.Dir(ctx, st, dataDir, log); err != nil {
			return nil, nil, err
		}
		return st, func() {}, nil
	default:
		info := demo.Info(seed)
		st := memory.New(memory.WithTitle(info.Title), memory.WithSynthetic(true),
			memory.WithVersions(info.Versions), memory.WithAttribution(info.Attribution...))
		start := time.Now()
		if err := demo.Load(ctx, st, seed); err != nil {
			return nil, nil, fmt.Errorf("demo region: %w", err)
		}
		log.Info("demo region loaded (synthetic data)", "seed", seed, "took", time.Since(start).Round(time.Millisecond))
		return st, func() {}, nil
	}
}

func runServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := config.ParseServe(args, getenv, stderr, demo.DefaultSeed)
	if err != nil {
		return err
	}
	log := newLogger(stderr, cfg.LogJSON)
	store, closeStore, err := openStore(ctx, withPoolSize(cfg.DatabaseURL, cfg.DBPool), cfg.DataDir, cfg.Seed, readModelBytes(cfg.CacheMB), log)
	if err != nil {
		return err
	}
	defer closeStore()
	info, err := store.Info(ctx)
	if err != nil {
		return err
	}

	// The read model is built in the background; /readyz answers 503 and
	// the analysis endpoints wait until it is there.
	ef := engineFlags{catalogue: cfg.Catalogue, settings: cfg.Settings}
	if _, err := ef.options(info); err != nil {
		return err // a bad catalogue or settings file stops the start, with its name
	}
	eng := newLazyEngine()
	if ms, ok := store.(*memory.Store); ok {
		// The embedded store has no `reach analyze` run behind it: the
		// central-place indicators of its municipalities are computed here,
		// before the server reports ready.
		eng.prepare = func(ctx context.Context, e *analysis.Engine) error { return fillCentreIndicators(ctx, ms, e, log) }
	}
	go eng.build(ctx, store, info, ef, cfg.Snapshot, log)
	if getenv("GOMEMLIMIT") == "" {
		go func() {
			select {
			case <-eng.done:
			case <-ctx.Done():
				return
			}
			// The read model is what the server keeps for good; the limit
			// is set over it once it is built.
			runtime.GC()
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			limit := memoryLimit(ms.HeapAlloc, cfg.CacheMB)
			debug.SetMemoryLimit(limit)
			log.Info("memory limit for the garbage collector", "MiB", limit>>20, "read_model_MiB", ms.HeapAlloc>>20, "cache_MiB", max(cfg.CacheMB, 0))
		}()
	}

	deps := httpapi.Deps{
		Features:              eng.features(store),
		Store:                 store,
		Analyzer:              eng,
		Info:                  info,
		Logger:                log,
		Ready:                 eng.ready,
		Coverage:              eng.coverage,
		Basemap:               ogc.Basemap{URL: cfg.Basemap, Attribution: cfg.BasemapAttribution},
		RequestTimeout:        cfg.RequestTimeout,
		MaxBodyBytes:          cfg.MaxBodyBytes,
		MaxPoints:             cfg.MaxPoints,
		MaxConcurrentAnalyses: cfg.MaxConcurrentAnalyses,
		BaseURL:               cfg.BaseURL,
		AllowedOrigins:        cfg.AllowOrigins,
		ReadRequiresToken:     cfg.ReadToken,
		CallCloses:            cfg.CallCloses,
		CacheBytes:            cacheBytes(cfg.CacheMB) - readModelBytes(cfg.CacheMB),
		RenderSlots:           cfg.RenderSlots,
	}
	if cfg.CursorKey != "" {
		deps.CursorKey = []byte(cfg.CursorKey)
	} else {
		deps.CursorKey = make([]byte, 32)
		if _, err := rand.Read(deps.CursorKey); err != nil {
			return fmt.Errorf("serve: cursor key: %w", err)
		}
	}
	if pg, ok := store.(*postgis.Store); ok {
		deps.Ping = pg.Ping
		deps.Unavailable = postgis.IsUnavailable
	}
	if ts, ok := store.(layers.TokenStore); ok {
		// With a database, every write needs a token (reach token add).
		deps.Tokens = ts
	} else {
		if cfg.ReadToken {
			return errors.New("serve: --read-token needs --db: tokens live in the database")
		}
		log.Warn("no database: writes are accepted from this machine only, without a token, and are lost when the server stops")
	}
	handler := httpapi.NewHandler(deps)
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       cfg.ReadTimeout,
		WriteTimeout:      cfg.WriteTimeout,
		IdleTimeout:       2 * time.Minute,
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}
	label := ""
	if info.Synthetic {
		label = " (SYNTHETIC demo data)"
	}
	fmt.Fprintf(stdout, "reach %s serving %s%s on http://%s/ (map: http://%s/map)\n", version, info.Title, label, ln.Addr(), ln.Addr())

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down", "wait", cfg.ShutdownWait)
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.ShutdownWait)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("serve: shutdown: %w", err)
	}
	return nil
}

// errNotReady is returned while the read model is being built.
var errNotReady = errors.New("the read model is still being built")

// lazyEngine is the analyzer of the server: it answers once the read model
// has been built and reports the build's failure otherwise.
type lazyEngine struct {
	mu   sync.RWMutex
	eng  analyzer
	full *analysis.Engine
	err  error
	done chan struct{}
	// prepare, when set, runs on the built engine before it answers; its
	// failure is logged, and the engine answers all the same.
	prepare func(context.Context, *analysis.Engine) error
}

func newLazyEngine() *lazyEngine { return &lazyEngine{done: make(chan struct{})} }

// analyzer is what the HTTP layer needs of the engine.
type analyzer = httpapi.Analyzer

func (l *lazyEngine) build(ctx context.Context, store layers.Store, info layers.StoreInfo, ef engineFlags, snapshot string, log *slog.Logger) {
	start := time.Now()
	var eng *analysis.Engine
	var err error
	// A database that drops out while the read model is built is waited
	// for, with growing pauses, instead of leaving the service without
	// analyses until a restart.
	for delay := time.Second; ; delay = min(2*delay, 30*time.Second) {
		if snapshot != "" {
			eng, err = buildEngineWithSnapshot(ctx, store, info, ef, snapshot, log)
		} else {
			eng, err = buildEngine(ctx, store, info, ef)
		}
		if err == nil || !postgis.IsUnavailable(err) || ctx.Err() != nil {
			break
		}
		log.Warn("read model: the database is unavailable; retrying", "err", err, "in", delay)
		select {
		case <-ctx.Done():
		case <-time.After(delay):
		}
	}
	if err == nil && l.prepare != nil {
		if perr := l.prepare(ctx, eng); perr != nil {
			log.Warn("read model: preparing the served layers failed", "err", perr)
		}
	}
	l.mu.Lock()
	if err == nil {
		l.eng, l.full = newAnalyzer(eng, store), eng
	}
	l.err = err
	l.mu.Unlock()
	close(l.done)
	if err != nil {
		log.Error("read model failed; analyses are unavailable", "err", err)
		return
	}
	log.Info("read model ready", "took", time.Since(start).Round(time.Millisecond))
	for m, ready := range eng.HierarchiesReady() {
		if !ready {
			go func() {
				t0 := time.Now()
				if err := eng.WaitHierarchies(ctx); err == nil {
					log.Info("contraction hierarchies ready: travel times for all cells by PHAST", "took", time.Since(t0).Round(time.Millisecond))
				}
			}()
			log.Info("preparing contraction hierarchies in the background; searches use Dijkstra until then", "mode", string(m))
			break
		}
	}
}

// get waits for the engine as long as ctx allows.
func (l *lazyEngine) get(ctx context.Context) (analyzer, error) {
	select {
	case <-l.done:
	case <-ctx.Done():
		return nil, fmt.Errorf("%w: %w", errNotReady, ctx.Err())
	}
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.eng, l.err
}

// coverage returns the network coverage of the built read model, or nil
// while it is being built.
func (l *lazyEngine) coverage() []analysis.NetworkCoverage {
	l.mu.RLock()
	defer l.mu.RUnlock()
	if l.full == nil {
		return nil
	}
	return l.full.Coverage()
}

func (l *lazyEngine) ready(ctx context.Context) error {
	select {
	case <-l.done:
		l.mu.RLock()
		defer l.mu.RUnlock()
		return l.err
	default:
		return errNotReady
	}
}

func (l *lazyEngine) Matrix(ctx context.Context, req analysis.MatrixRequest) (analysis.MatrixResult, error) {
	e, err := l.get(ctx)
	if err != nil {
		return analysis.MatrixResult{}, err
	}
	return e.Matrix(ctx, req)
}

func (l *lazyEngine) Isochrones(ctx context.Context, req analysis.IsochroneRequest) (analysis.IsochroneResult, error) {
	e, err := l.get(ctx)
	if err != nil {
		return analysis.IsochroneResult{}, err
	}
	return e.Isochrones(ctx, req)
}

func (l *lazyEngine) Assess(ctx context.Context, p layers.Project, set []layers.Project) (assess.Assessment, error) {
	e, err := l.get(ctx)
	if err != nil {
		return assess.Assessment{}, err
	}
	return e.Assess(ctx, p, set)
}

func (l *lazyEngine) Ranking(ctx context.Context, projects []layers.Project, budget float64) (assess.Ranking, error) {
	e, err := l.get(ctx)
	if err != nil {
		return assess.Ranking{}, err
	}
	return e.Ranking(ctx, projects, budget)
}

func (l *lazyEngine) SuggestSites(ctx context.Context, req sites.Request) (sites.Result, error) {
	e, err := l.get(ctx)
	if err != nil {
		return sites.Result{}, err
	}
	return e.SuggestSites(ctx, req)
}

// Need answers capacity-aware access once the engine is ready.
func (l *lazyEngine) Need(ctx context.Context, q need.Query) (need.Result, error) {
	if _, err := l.get(ctx); err != nil {
		return need.Result{}, err
	}
	return need.New(l.full).Need(ctx, q)
}

// Fire answers fire coverage once the engine is ready.
func (l *lazyEngine) Fire(ctx context.Context, q need.FireQuery) (need.FireResult, error) {
	if _, err := l.get(ctx); err != nil {
		return need.FireResult{}, err
	}
	return need.New(l.full).Fire(ctx, q)
}

// Gaps draws up a gap register once the engine is ready.
func (l *lazyEngine) Gaps(ctx context.Context, q gaps.Query) (gaps.Report, error) {
	if _, err := l.get(ctx); err != nil {
		return gaps.Report{}, err
	}
	return gaps.Of(ctx, l.full, q)
}

// RoundTrips answers public transport round trips once the engine is ready.
func (l *lazyEngine) RoundTrips(ctx context.Context, q transit.RoundTripQuery) (transit.RoundTripResult, error) {
	if _, err := l.get(ctx); err != nil {
		return transit.RoundTripResult{}, err
	}
	p, err := transit.Of(l.full)
	if err != nil {
		return transit.RoundTripResult{}, err
	}
	return p.RoundTrips(ctx, q)
}

// Derived serves the computed collections once the engine is ready.
func (l *lazyEngine) Derived() layers.FeatureSource {
	select {
	case <-l.done:
	default:
		return nil
	}
	l.mu.RLock()
	defer l.mu.RUnlock()
	if l.eng == nil {
		return nil
	}
	return l.eng.Derived()
}

// servingHeapMiB is the Go memory a server needs besides its read model
// and its response cache under load (requests in flight, pages and tiles
// being encoded, the pool).
const servingHeapMiB = 128

// memoryLimit is the soft memory limit of `reach serve` (unless GOMEMLIMIT
// sets one): the heap the read model holds once built, plus --cache-mb,
// plus servingHeapMiB, so that the garbage collector works harder as the
// process nears that rather than letting the heap grow by GOGC's 100 %
// over what the read model, the cache and the requests hold.
func memoryLimit(readModelBytes uint64, cacheMB int) int64 {
	return int64(readModelBytes) + int64(servingHeapMiB+max(cacheMB, 0))<<20
}

// cacheBytes converts --cache-mb for httpapi.Deps, where 0 means the
// default and a negative value no cache.
func cacheBytes(mb int) int64 {
	if mb <= 0 {
		return -1
	}
	return int64(mb) << 20
}

// readModelBytes is the share of --cache-mb that a PostGIS store may hold
// as its read model of the population grid (postgis.WithReadModel): half;
// the response cache gets the rest, so that both together stay within
// --cache-mb. 0 without a cache.
func readModelBytes(mb int) int64 {
	if mb <= 0 {
		return 0
	}
	return int64(mb) << 19
}

// withPoolSize sets pgxpool's pool_max_conns in a database URL or key=value
// string unless it names one already; "" stays "".
func withPoolSize(dbURL string, n int) string {
	if dbURL == "" || n <= 0 || strings.Contains(dbURL, "pool_max_conns") {
		return dbURL
	}
	setting := "pool_max_conns=" + strconv.Itoa(n)
	if strings.HasPrefix(dbURL, "postgres://") || strings.HasPrefix(dbURL, "postgresql://") {
		if strings.Contains(dbURL, "?") {
			return dbURL + "&" + setting
		}
		return dbURL + "?" + setting
	}
	return dbURL + " " + setting
}

// fillCentreIndicators computes the central-place indicators of every
// municipality of the embedded store (car, bicycle and, with a timetable,
// public transport minutes to the nearest Mittelzentrum and Oberzentrum,
// as `reach analyze` stores them in PostGIS) and puts them into the store,
// so that the municipalities collection serves them.
func fillCentreIndicators(ctx context.Context, st *memory.Store, eng *analysis.Engine, log *slog.Logger) error {
	start := time.Now()
	rows, vals, err := centreIndicators(ctx, eng)
	if err != nil {
		return fmt.Errorf("central-place indicators: %w", err)
	}
	if len(vals) == 0 {
		log.Info("central-place indicators: no central place loaded")
		return nil
	}
	if _, err := st.ReplaceIndicators(ctx, layers.Seq(vals)); err != nil {
		return fmt.Errorf("central-place indicators: %w", err)
	}
	log.Info("central-place indicators computed", "municipalities", len(rows), "values", len(vals), "took", time.Since(start).Round(time.Millisecond))
	return nil
}
