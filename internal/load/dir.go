package load

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"reach/layers"
)

// parseInterspersed parses flags that may stand before, between or after
// the positional arguments, and returns the positional ones.
func ParseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// ManifestName is the file in a data folder that lists what to load, one
// import per line: "<layer> <file> [flags]" with the flags of reach import.
const ManifestName = "reach.layers"

// Dir fills a store from a folder: as its manifest says, or
// else by file names that start with a layer name (municipalities.geojson,
// grid.csv, osm.pbf, …).
func Dir(ctx context.Context, st layers.Store, dir string, log *slog.Logger) error {
	steps, err := DirSteps(dir)
	if err != nil {
		return err
	}
	if len(steps) == 0 {
		return fmt.Errorf("data %s: nothing to load: no %s manifest and no file named after a layer (%s)", dir, ManifestName, strings.Join(Layers, ", "))
	}
	for _, s := range steps {
		n, err := Layer(ctx, st, s.Layer, s.File, s.Opts, nil, log)
		if err != nil {
			return fmt.Errorf("data %s: %s: %w", dir, s.Where, err)
		}
		log.Info("loaded", "layer", s.Layer, "file", s.File, "records", n)
	}
	return nil
}

// Step is one import of a folder or manifest: a file into a layer with
// its options; Where names the line or file it comes from.
type Step struct {
	Layer, File, Where string
	Opts               Options
}

// DirSteps lists the imports of a folder: the lines of its manifest, or
// else its files named after a layer, in the order of Layers.
func DirSteps(dir string) ([]Step, error) {
	info, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("data: %w", err)
	}
	if !info.IsDir() {
		return nil, fmt.Errorf("data: %s is not a folder", dir)
	}
	manifest := filepath.Join(dir, ManifestName)
	if b, err := os.ReadFile(manifest); err == nil {
		return ParseManifest(dir, ManifestName, string(b))
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var steps []Step
	for _, layer := range Layers {
		for _, e := range entries {
			name := strings.ToLower(e.Name())
			if e.IsDir() || !strings.HasPrefix(name, layer) {
				continue
			}
			if layer == "osm" && !(strings.HasSuffix(name, ".pbf") || strings.HasSuffix(name, ".osm")) {
				continue
			}
			steps = append(steps, Step{Layer: layer, File: filepath.Join(dir, e.Name()), Where: e.Name()})
		}
	}
	return steps, nil
}

// ParseManifest reads the lines of a manifest; blank lines and lines
// starting with # are ignored. Files are relative to the folder.
func ParseManifest(dir, name, text string) ([]Step, error) {
	var steps []Step
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		where := fmt.Sprintf("%s: line %d", name, i+1)
		fs := flag.NewFlagSet(where, flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		var o Options
		o.Register(fs)
		pos, err := ParseInterspersed(fs, strings.Fields(line))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		if len(pos) != 2 {
			return nil, fmt.Errorf("%s: want <layer> <file> [flags], got %q", where, line)
		}
		file := pos[1]
		if !filepath.IsAbs(file) {
			file = filepath.Join(dir, file)
		}
		steps = append(steps, Step{Layer: pos[0], File: file, Where: where, Opts: o})
	}
	return steps, nil
}
