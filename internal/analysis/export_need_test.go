package analysis

import (
	"testing"

	"github.com/paulmach/orb"

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

// SaxonyCoverage returns the engine of the Saxony-scale benchmark fixture,
// the field of cat by car, its standard's limit in seconds, the cells
// outside it, and the fixture's candidate sites, for the marginal coverage
// benchmark of package analysis_test (which may import
// internal/analysis/sites).
func SaxonyCoverage(b *testing.B, cat layers.Category) (*Engine, Field, float64, []bool, []orb.Point) {
	b.Helper()
	f := saxonyBench(b)
	fl, limit, uncovered := coverageSetup(b, f, cat)
	return f.e, Field{f: fl, cat: cat, mode: layers.Car}, limit, uncovered, f.candidates
}

// Sampler times benchmark operations and reports their quantiles as the
// Saxony-scale benchmarks of this package do (p50-ms, p95-ms, …).
type Sampler = sampler

// NewSampler returns a Sampler.
func NewSampler() *Sampler { return newSampler() }

// Time times op.
func (s *sampler) Time(op func()) { s.time(op) }

// Report reports the quantiles on b.
func (s *sampler) Report(b *testing.B) { s.report(b) }

// SaxonyCoverageCats are the categories of the coverage benchmarks.
var SaxonyCoverageCats = saxonyCoverageCats
