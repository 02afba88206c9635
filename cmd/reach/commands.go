package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"reach/data/demo"
	"reach/geo/crs"
	"reach/internal/config"
	"reach/internal/load"
	"reach/internal/ogc"
	"reach/layers"
	"reach/layers/memory"
	"reach/layers/postgis"
)

func runMigrate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("reach migrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	db := fs.String("db", "", "PostGIS connection URL (default $DATABASE_URL)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	url, err := config.DatabaseURL(*db, getenv, "migrate")
	if err != nil {
		return err
	}
	st, err := postgis.Open(ctx, url)
	if err != nil {
		return err
	}
	defer st.Close()
	applied, err := st.Migrate(ctx)
	if err != nil {
		return err
	}
	if len(applied) == 0 {
		fmt.Fprintln(stdout, "migrate: schema is up to date")
	}
	for _, m := range applied {
		fmt.Fprintln(stdout, "migrate: applied", m)
	}
	return nil
}

func runImport(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("reach import", flag.ContinueOnError)
	fs.SetOutput(stderr)
	db := fs.String("db", "", "PostGIS connection URL (default $DATABASE_URL)")
	logJSON := fs.Bool("log-json", false, "log as JSON lines")
	var o load.Options
	o.Register(fs)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: reach import --db URL <layer> <file> [flags]\nlayers: %s\n", strings.Join(load.Layers, ", "))
		fs.PrintDefaults()
	}
	// Flags may come before or after the two positional arguments.
	pos, err := load.ParseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		fs.Usage()
		return fmt.Errorf("import: want <layer> <file>, got %d arguments", len(pos))
	}
	url, err := config.DatabaseURL(*db, getenv, "import")
	if err != nil {
		return err
	}
	log := newLogger(stderr, *logJSON)
	var opts []postgis.Option
	if o.AllowShrink {
		opts = append(opts, postgis.WithAllowShrink())
	}
	st, err := postgis.Open(ctx, url, opts...)
	if err != nil {
		return err
	}
	defer st.Close()
	start := time.Now()
	n, err := loadLayer(ctx, st, pos[0], pos[1], o, stderr, log)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "import %s: %d records from %s in %s\n", pos[0], n, pos[1], time.Since(start).Round(time.Millisecond))
	return nil
}

func runDemo(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("reach demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "demo-region", "folder to write the GeoJSON files to")
	seed := fs.Int64("seed", demo.DefaultSeed, "seed of the synthetic demo region")
	if err := fs.Parse(args); err != nil {
		return err
	}
	info := demo.Info(*seed)
	st := memory.New(memory.WithTitle(info.Title), memory.WithSynthetic(true), memory.WithVersions(info.Versions))
	if err := demo.Load(ctx, st, *seed); err != nil {
		return err
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	ids := layers.CollectionIDs()
	for _, id := range ids {
		path := filepath.Join(*out, id+".geojson")
		n, err := writeCollection(ctx, st, id, nil, path)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "demo: %s: %d features (synthetic)\n", path, n)
	}
	return nil
}

// writeCollection writes every feature of a collection (with filters) as a
// GeoJSON FeatureCollection in CRS84 to path ("-" for standard output).
func writeCollection(ctx context.Context, src layers.FeatureSource, id string, filters map[string]string, path string) (n int, err error) {
	var w io.Writer
	if path == "-" {
		w = os.Stdout
	} else {
		f, err := os.Create(path)
		if err != nil {
			return 0, err
		}
		defer func() {
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}()
		w = f
	}
	fw := ogc.NewFeatureWriter(w, crs.CRS84)
	if err := fw.Begin(ogc.CollectionHeader{NumberMatched: -1, NumberReturned: -1, TimeStamp: time.Now()}); err != nil {
		return 0, err
	}
	after := ""
	for {
		page, err := src.Items(ctx, layers.ItemsQuery{Collection: id, Limit: 1000, After: after, Filters: filters})
		if err != nil {
			return n, fmt.Errorf("export %s: %w", id, err)
		}
		for _, f := range page.Features {
			if err := fw.Write(f); err != nil {
				return n, err
			}
			n++
		}
		if page.Next == "" {
			break
		}
		after = page.Next
	}
	return n, fw.End()
}

// writeFileAtomic writes b to a temporary file next to path and renames it,
// so that a failed write never leaves a half-written file behind.
func writeFileAtomic(path string, b []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), path)
}
