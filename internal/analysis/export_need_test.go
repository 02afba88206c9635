package analysis

import (
	"testing"

	"reach/geo/access"
	"reach/layers"
)

// SaxonyNeedEngine returns the engine of the Saxony-scale benchmark
// fixture with the demography d, for the need benchmarks of package
// analysis_test (which may import internal/analysis/need). It logs what the
// fixture holds.
func SaxonyNeedEngine(b *testing.B, d *access.Demography) *Engine {
	b.Helper()
	f := saxonyBench(b)
	logSaxony(b, f)
	f.e.opts.Demography = d
	return f.e
}

// NearestFieldSearch runs the nearest-facility field of cat by car on the
// fixture's network without the cache (the baseline of the need
// benchmarks).
func NearestFieldSearch(b *testing.B, e *Engine, cat layers.Category) {
	b.Helper()
	if _, err := e.networkField(b.Context(), e.nets[layers.Car], cat); err != nil {
		b.Fatal(err)
	}
}

// SaxonyEngine returns the engine of the Saxony-scale benchmark fixture,
// for the benchmarks of the use-case packages in package analysis_test.
// It logs what the fixture holds.
func SaxonyEngine(b *testing.B) *Engine {
	b.Helper()
	f := saxonyBench(b)
	logSaxony(b, f)
	return f.e
}
