package analysis_test

import (
	"context"
	"testing"

	"reach/internal/analysis"
	"reach/internal/analysis/sites"
	"reach/layers"
)

// BenchmarkSaxonySuggestSites is sites.Suggest end to end on the generated
// Saxony-scale layers: 10 sites chosen greedily among central places, town
// halls and the most populated gap cells, for general practice, Gymnasium
// and hospital (the field of the category computed before the timer).
func BenchmarkSaxonySuggestSites(b *testing.B) {
	e := analysis.SaxonyEngine(b)
	ctx := context.Background()
	for _, cat := range []layers.Category{layers.CatGeneralPractice, layers.CatGymnasium, layers.CatHospital} {
		b.Run(string(cat), func(b *testing.B) {
			if _, err := e.TravelField(ctx, cat, layers.Car); err != nil {
				b.Fatal(err)
			}
			var res sites.Result
			b.ReportAllocs()
			for b.Loop() {
				var err error
				if res, err = sites.Suggest(ctx, e, sites.Request{Category: cat, Mode: layers.Car, K: 10}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(res.TotalCovered), "covered")
			b.ReportMetric(float64(len(res.Sites)), "sites")
		})
	}
}
