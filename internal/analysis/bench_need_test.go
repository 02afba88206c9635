package analysis

import (
	"context"
	"fmt"
	"testing"

	"reach/geo/access"
	"reach/layers"
)

// BenchmarkSaxonyNeed times capacity-aware access on the generated
// Saxony-scale layers: the catchments (one bounded search per facility,
// done once per category), the E2SFCA over every cell from them (the
// target: ≤ 200 ms on 2 cores), and a projection-year rerun (new demand,
// the same catchments: no routing), next to the nearest-facility field
// of the same category (the baseline every category already computes).
func BenchmarkSaxonyNeed(b *testing.B) {
	f := saxonyBench(b)
	logSaxony(b, f)
	e := f.e
	ctx := context.Background()
	// A projection for every municipality: the same table, older in 2040.
	base := access.AgeTable{{Lo: 0, Hi: 5, Count: 500}, {Lo: 6, Hi: 17, Count: 1000}, {Lo: 18, Hi: 64, Count: 5600}, {Lo: 65, Hi: access.OpenAge, Count: 2900}}
	proj := access.AgeTable{{Lo: 0, Hi: 5, Count: 380}, {Lo: 6, Hi: 17, Count: 900}, {Lo: 18, Hi: 64, Count: 4700}, {Lo: 65, Hi: access.OpenAge, Count: 3400}}
	sc := access.Scenario{Variant: "bench", Year: 2040}
	d := &access.Demography{BaseYear: 2022, Base: map[string]access.AgeTable{}, Projected: map[access.Scenario]map[string]access.AgeTable{sc: {}}}
	for _, m := range e.munis {
		d.Base[m.AGS], d.Projected[sc][m.AGS] = base, proj
	}
	e.opts.Demography = d
	for _, cat := range []layers.Category{layers.CatGeneralPractice, layers.CatHospital} {
		nd, _ := e.Needs().Need(cat)
		b.Run(fmt.Sprintf("catchments/%s/facilities=%d", cat, len(e.byCat[cat])), func(b *testing.B) {
			for b.Loop() {
				e.mu.Lock()
				e.need.catch = nil
				e.mu.Unlock()
				if _, err := e.catchments(ctx, cat, nd.Mode, nd.Decay); err != nil {
					b.Fatal(err)
				}
			}
		})
		ce, err := e.catchments(ctx, cat, nd.Mode, nd.Decay)
		if err != nil {
			b.Fatal(err)
		}
		supply, _ := supplyOf(e.facs, ce.facs, nd)
		today, err := e.demandOf(nd.MinAge, nd.MaxAge, Scenario{})
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("e2sfca/%s/cells=%d/pairs=%d", cat, len(e.cells), ce.c.Pairs()), func(b *testing.B) {
			for b.Loop() {
				if _, err := ce.w.E2SFCA(supply, today.v); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("projection-rerun/%s", cat), func(b *testing.B) {
			for b.Loop() {
				// A fresh demand of the projection each time (not cached),
				// then the E2SFCA on the same catchments.
				e.mu.Lock()
				e.need.demand = nil
				e.mu.Unlock()
				dem, err := e.demandOf(nd.MinAge, nd.MaxAge, sc)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := ce.w.E2SFCA(supply, dem.v); err != nil {
					b.Fatal(err)
				}
			}
			again, _ := e.catchments(ctx, cat, nd.Mode, nd.Decay)
			if again != ce {
				b.Fatal("the projection rerun searched the catchments again")
			}
		})
		b.Run(fmt.Sprintf("baseline-nearest-field/%s", cat), func(b *testing.B) {
			for b.Loop() {
				if _, err := e.networkField(ctx, f.mn, cat); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
