package analysis_test

import (
	"context"
	"fmt"
	"testing"

	"reach/geo/access"
	"reach/internal/analysis"
	"reach/internal/analysis/need"
	"reach/layers"
)

// BenchmarkSaxonyNeed times capacity-aware access on the generated
// Saxony-scale layers: the catchments (one bounded search per facility,
// done once per category), the E2SFCA over every cell from them (the
// target: ≤ 200 ms on 2 cores), and a projection-year rerun (new demand,
// the same catchments: it fails when a catchment is searched again), next
// to the nearest-facility field of the same category (the search every
// category already runs).
func BenchmarkSaxonyNeed(b *testing.B) {
	// A projection for every municipality: the same table, older in 2040.
	base := access.AgeTable{{Lo: 0, Hi: 5, Count: 500}, {Lo: 6, Hi: 17, Count: 1000}, {Lo: 18, Hi: 64, Count: 5600}, {Lo: 65, Hi: access.OpenAge, Count: 2900}}
	proj := access.AgeTable{{Lo: 0, Hi: 5, Count: 380}, {Lo: 6, Hi: 17, Count: 900}, {Lo: 18, Hi: 64, Count: 4700}, {Lo: 65, Hi: access.OpenAge, Count: 3400}}
	sc := access.Scenario{Variant: "bench", Year: 2040}
	d := &access.Demography{BaseYear: 2022, Base: map[string]access.AgeTable{}, Projected: map[access.Scenario]map[string]access.AgeTable{sc: {}}}
	e := analysis.SaxonyNeedEngine(b, d)
	for _, m := range e.Municipalities() {
		d.Base[m.AGS], d.Projected[sc][m.AGS] = base, proj
	}
	s := need.New(e)
	ctx := context.Background()
	for _, cat := range []layers.Category{layers.CatGeneralPractice, layers.CatHospital} {
		n := len(e.FacilitiesOf(cat))
		b.Run(fmt.Sprintf("catchments/%s/facilities=%d", cat, n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				s.ForgetCaches(true, false)
				if _, err := s.SupplyRatios(ctx, cat, access.Scenario{}); err != nil {
					b.Fatal(err)
				}
			}
		})
		if _, err := s.SupplyRatios(ctx, cat, access.Scenario{}); err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("e2sfca/%s/cells=%d", cat, len(e.PopulatedCells())), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := s.SupplyRatios(ctx, cat, access.Scenario{}); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("projection-rerun/%s", cat), func(b *testing.B) {
			b.ReportAllocs()
			searched := need.CatchmentSearches(e)
			for b.Loop() {
				// A fresh demand of the projection each time (not
				// cached), then the E2SFCA on the same catchments.
				s.ForgetCaches(false, true)
				if _, err := s.SupplyRatios(ctx, cat, sc); err != nil {
					b.Fatal(err)
				}
			}
			if got := need.CatchmentSearches(e); got != searched {
				b.Fatalf("the projection rerun ran %d catchment searches", got-searched)
			}
		})
		b.Run(fmt.Sprintf("baseline-nearest-field/%s", cat), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				analysis.NearestFieldSearch(b, e, cat)
			}
		})
	}
}
