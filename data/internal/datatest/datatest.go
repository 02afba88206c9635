// Package datatest finds the shared real data set for the tests of the data
// readers. It is imported from tests only.
//
// The directory is $REACH_TESTDATA, else ../shared/data next to the module
// root (the directory holding go.mod, found by walking up from the working
// directory). When it is absent the test is skipped, or fails when $CI is
// set. Nothing is ever copied from it.
package datatest

import (
	"os"
	"path/filepath"
	"testing"
)

// Path returns the absolute path of rel inside the shared data directory,
// skipping (or, under CI, failing) the test when the file is missing.
func Path(tb testing.TB, rel string) string {
	tb.Helper()
	dir := os.Getenv("REACH_TESTDATA")
	if dir == "" {
		wd, err := os.Getwd()
		if err != nil {
			tb.Fatalf("datatest: %v", err)
		}
		for d := wd; ; d = filepath.Dir(d) {
			if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
				dir = filepath.Join(d, "..", "shared", "data")
				break
			}
			if filepath.Dir(d) == d {
				break
			}
		}
	}
	p := filepath.Join(dir, rel)
	if _, err := os.Stat(p); err != nil {
		if os.Getenv("CI") != "" {
			tb.Fatalf("datatest: %s not found (set REACH_TESTDATA): %v", rel, err)
		}
		tb.Skipf("datatest: %s not found (set REACH_TESTDATA to the shared data directory)", rel)
	}
	return p
}
