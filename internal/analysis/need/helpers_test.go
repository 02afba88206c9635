package need

import (
	"context"
	"math"
	"testing"
	"time"

	"reach/data/demo"
	"reach/geo/access"
	"reach/internal/analysis"
	"reach/layers"
	"reach/layers/memory"
)

// demoStore loads the demo region of seed 1 into a memory store.
func demoStore(tb testing.TB) (*memory.Store, *demo.Region) {
	tb.Helper()
	reg, err := demo.Generate(1)
	if err != nil {
		tb.Fatal(err)
	}
	st := memory.New()
	if err := reg.Load(context.Background(), st); err != nil {
		tb.Fatal(err)
	}
	return st, reg
}

// demoEngine builds the engine of the demo region with opts (modes car
// and foot unless given; the need section of dossiers on).
func demoEngine(tb testing.TB, opts analysis.Options) (*analysis.Engine, *demo.Region) {
	tb.Helper()
	st, reg := demoStore(tb)
	if opts.Modes == nil {
		opts.Modes = []layers.Mode{layers.Car, layers.Foot}
	}
	opts.NeedSection = Section
	opts.Fairness = GapFairness
	opts.Now = func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }
	e, err := analysis.Build(context.Background(), st, opts)
	if err != nil {
		tb.Fatal(err)
	}
	return e, reg
}

// testScenario is the projection of testDemography.
var testScenario = access.Scenario{Variant: "T", Year: 2040}

// testDemography is a small projection for the demo region: every
// municipality has the same base table; in "2040 T" the under-sixes halve
// and the 65+ double.
func testDemography(reg *demo.Region) *access.Demography {
	base := access.AgeTable{{Lo: 0, Hi: 5, Count: 500}, {Lo: 6, Hi: 9, Count: 350}, {Lo: 10, Hi: 17, Count: 700}, {Lo: 18, Hi: 64, Count: 5600}, {Lo: 65, Hi: access.OpenAge, Count: 2850}}
	proj := access.AgeTable{{Lo: 0, Hi: 5, Count: 250}, {Lo: 6, Hi: 9, Count: 350}, {Lo: 10, Hi: 17, Count: 700}, {Lo: 18, Hi: 64, Count: 5600}, {Lo: 65, Hi: access.OpenAge, Count: 5700}}
	d := &access.Demography{Source: "test", BaseYear: 2022, Base: map[string]access.AgeTable{}, Projected: map[access.Scenario]map[string]access.AgeTable{testScenario: {}}}
	for _, m := range reg.Municipalities {
		d.Base[m.AGS] = base
		d.Projected[testScenario][m.AGS] = proj
	}
	return d
}

func ptrVal(p *float64) float64 {
	if p == nil {
		return math.Inf(1)
	}
	return *p
}
