package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/term"

	"reach/data/bootstrap"
	"reach/internal/config"
	"reach/internal/load"
	"reach/layers/postgis"
)

func runBootstrap(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("reach bootstrap", flag.ContinueOnError)
	fs.SetOutput(stderr)
	db := fs.String("db", "", "PostGIS connection URL (default $DATABASE_URL)")
	manifest := fs.String("manifest", "", "manifest of imports (default: the embedded official Saxon sources, listed below)")
	cache := fs.String("cache", "", "download cache folder (default: reach under the user cache directory)")
	noAnalyze := fs.Bool("no-analyze", false, "import only; do not run reach analyze afterwards")
	logJSON := fs.Bool("log-json", false, "log as JSON lines")
	fs.Usage = func() {
		fmt.Fprint(stderr, `usage: reach bootstrap --db URL [--manifest FILE] [--cache DIR] [--no-analyze]

Fetches, verifies and imports everything a Saxon installation needs, then runs
reach analyze. The manifest has the syntax of reach.layers (reach serve --data):
one import per line, "<layer> <source> [flags]", where a source (or a flag's
file) may be an http(s) URL, "url#member" a member of a ZIP archive, and a line
may end in sha256=<hex>. Downloads go to the cache, resume after an
interruption, are checked against the checksum and revalidated with
conditional requests. Every download finishes and checks out before the
database is touched; each URL and SHA-256 is kept in the provenance of the
results (table layer_sources). Local paths are relative to the manifest.

The embedded manifest (sources, versions and licences):

`)
		for _, l := range strings.Split(strings.TrimRight(bootstrap.DefaultManifest(), "\n"), "\n") {
			fmt.Fprintln(stderr, "  "+l)
		}
		fmt.Fprintln(stderr, "\nflags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("bootstrap: unexpected argument %q", fs.Arg(0))
	}
	url, err := config.DatabaseURL(*db, getenv, "bootstrap")
	if err != nil {
		return err
	}
	name, text, dir := "embedded manifest", bootstrap.DefaultManifest(), "."
	if *manifest != "" {
		b, err := os.ReadFile(*manifest)
		if err != nil {
			return fmt.Errorf("bootstrap: %w", err)
		}
		name, text, dir = *manifest, string(b), filepath.Dir(*manifest)
	}
	entries, err := bootstrap.Parse(name, text)
	if err != nil {
		return err
	}
	if len(entries) == 0 {
		return fmt.Errorf("bootstrap: %s: no imports", name)
	}
	for _, e := range entries {
		if !slices.Contains(load.Layers, e.Layer) {
			return fmt.Errorf("bootstrap: %s: line %d: unknown layer %q (want one of %s)", name, e.Line, e.Layer, strings.Join(load.Layers, ", "))
		}
	}
	cacheDir := *cache
	if cacheDir == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			return fmt.Errorf("bootstrap: no user cache directory (give --cache): %w", err)
		}
		cacheDir = filepath.Join(base, "reach")
	}
	terminal := false
	if f, ok := stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		terminal = true
	}
	fetcher := &bootstrap.Fetcher{CacheDir: cacheDir, Progress: stderr, Terminal: terminal}

	// 1. Fetch and check every source before the database is touched.
	sums := map[string]string{}
	for _, e := range entries {
		if e.SHA256 != "" {
			u, _, _ := strings.Cut(e.Source, "#")
			sums[u] = e.SHA256
		}
	}
	got := map[string]bootstrap.Fetched{}
	// resolve brings one source of entry e onto disk: a URL through the
	// cache, an embedded table into the cache, a local path as it is (with
	// its checksum checked when the line gives one for it).
	resolve := func(e bootstrap.Entry, src, sum string) (bootstrap.Fetched, error) {
		if f, ok := got[src]; ok {
			return f, nil
		}
		var (
			f   bootstrap.Fetched
			err error
		)
		switch {
		case bootstrap.IsURL(src):
			u, _, _ := strings.Cut(src, "#")
			f, err = fetcher.Fetch(ctx, src, sums[u])
		case bootstrap.IsEmbedded(src):
			f, err = bootstrap.Embedded(src, cacheDir)
			if err == nil && sum != "" && f.SHA256 != sum {
				err = fmt.Errorf("%s: sha256 %s, the manifest says %s: %w", src, f.SHA256, sum, bootstrap.ErrChecksum)
			}
		default:
			p := src
			if !filepath.IsAbs(p) {
				p = filepath.Join(dir, p)
			}
			f, err = bootstrap.Local(p)
			if err == nil && sum != "" && f.SHA256 != sum {
				err = fmt.Errorf("%s: sha256 %s, the manifest says %s: %w", p, f.SHA256, sum, bootstrap.ErrChecksum)
			}
		}
		if err != nil {
			return f, fmt.Errorf("bootstrap: %s: line %d: %w (nothing was imported)", name, e.Line, err)
		}
		got[src] = f
		return f, nil
	}
	var steps []load.Step
	var stepSources [][]bootstrap.Fetched
	for _, e := range entries {
		src, err := resolve(e, e.Source, e.SHA256)
		if err != nil {
			return err
		}
		file := src.Path
		sources := []bootstrap.Fetched{src}
		args := slices.Clone(e.Args)
		for i, a := range args {
			isFile := bootstrap.IsURL(a) || bootstrap.IsEmbedded(a) || (i > 0 && (args[i-1] == "--locations" || args[i-1] == "--places"))
			if !isFile {
				continue
			}
			f, err := resolve(e, a, "")
			if err != nil {
				return err
			}
			args[i] = f.Path
			sources = append(sources, f)
		}
		where := fmt.Sprintf("%s: line %d", name, e.Line)
		lfs := flag.NewFlagSet(where, flag.ContinueOnError)
		lfs.SetOutput(io.Discard)
		var o load.Options
		o.Register(lfs)
		if err := lfs.Parse(args); err != nil {
			return fmt.Errorf("bootstrap: %s: %w", where, err)
		}
		if lfs.NArg() > 0 {
			return fmt.Errorf("bootstrap: %s: unexpected argument %q", where, lfs.Arg(0))
		}
		steps = append(steps, load.Step{Layer: e.Layer, File: file, Where: where, Opts: o})
		stepSources = append(stepSources, sources)
	}

	// 2. Import, recording where each downloaded file came from.
	log := newLogger(stderr, *logJSON)
	st, err := postgis.Open(ctx, url)
	if err != nil {
		return err
	}
	defer st.Close()
	if _, err := st.Migrate(ctx); err != nil {
		return err
	}
	for i, s := range steps {
		n, err := loadLayer(ctx, st, s.Layer, s.File, s.Opts, stderr, log)
		if err != nil {
			return fmt.Errorf("bootstrap: %s: %w", s.Where, err)
		}
		fmt.Fprintf(stdout, "bootstrap: %s: %s: %d records\n", s.Where, s.Layer, n)
		// every file the import read: its source and the files its flags name
		for _, f := range stepSources[i] {
			if f.SHA256 == "" { // a local folder: no single checksum to keep
				continue
			}
			if err := st.RecordSource(ctx, s.Layer, f.URL, f.SHA256); err != nil {
				return err
			}
		}
	}
	if *noAnalyze {
		return nil
	}
	// 3. The analysis.
	return analyze(ctx, st, nil, nil, 4_000_000, false, engineFlags{}, stdout)
}
