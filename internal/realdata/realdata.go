// Package realdata finds the real Saxon data set that tests and benchmarks
// read (boundaries, population, the Zensus grid, central places, schools,
// hospitals, indicators, OSM extracts). Nothing from it is ever copied into
// the repository. ReadCSV, Cells1km, Municipalities and CentralPlaces read
// the few files the tests of the policy packages share.
//
// The folder is $REACH_TESTDATA, else ../shared/data next to the module root
// (the folder holding go.mod, found by walking up from the working
// directory). When the data are missing, a test is skipped with a message
// saying where they were looked for, unless the environment variable CI is
// set: then it fails, so that a CI run cannot pass without having read them.
package realdata

import (
	"os"
	"path/filepath"
	"testing"
)

// EnvDir names the environment variable that overrides the data folder.
const EnvDir = "REACH_TESTDATA"

// Dir returns the data folder, skipping (or, under CI, failing) tb when it
// does not exist.
func Dir(tb testing.TB) string {
	tb.Helper()
	dir := locate()
	if _, err := os.Stat(dir); err != nil {
		missing(tb, dir, err)
	}
	return dir
}

// Path returns the absolute path of rel inside the data folder, skipping (or,
// under CI, failing) tb when that file does not exist.
func Path(tb testing.TB, rel string) string {
	tb.Helper()
	p := filepath.Join(locate(), filepath.FromSlash(rel))
	if _, err := os.Stat(p); err != nil {
		missing(tb, p, err)
	}
	return p
}

func missing(tb testing.TB, p string, err error) {
	tb.Helper()
	if os.Getenv("CI") != "" {
		tb.Fatalf("realdata: %s not found (set %s to the data folder): %v", p, EnvDir, err)
	}
	tb.Skipf("realdata: %s not found (set %s to the data folder); skipping", p, EnvDir)
}

// locate returns $REACH_TESTDATA or ../shared/data next to the module root.
func locate() string {
	if dir := os.Getenv(EnvDir); dir != "" {
		abs, err := filepath.Abs(dir)
		if err == nil {
			return abs
		}
		return dir
	}
	wd, err := os.Getwd()
	if err != nil {
		return filepath.Join("..", "shared", "data")
	}
	for d := wd; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return filepath.Join(d, "..", "shared", "data")
		}
		if filepath.Dir(d) == d {
			return filepath.Join(wd, "..", "shared", "data")
		}
	}
}
