package analysis_test

import (
	"context"
	"testing"

	"reach/internal/analysis"
	"reach/internal/analysis/sites"
)

// BenchmarkSaxonyCandidates1000 is the marginal coverage of 1,000
// candidate sites, as sites.Suggest computes it (sites.CellsBroughtWithin:
// for each candidate the cells outside the standard that the site would
// bring within it, candidates spread over the processors). One operation
// is all 1,000 candidates.
func BenchmarkSaxonyCandidates1000(b *testing.B) {
	analysis.SaxonyEngine(b) // logs the fixture
	for _, cat := range analysis.SaxonyCoverageCats {
		b.Run(string(cat), func(b *testing.B) {
			e, fl, limit, uncovered, candidates := analysis.SaxonyCoverage(b, cat)
			s := analysis.NewSampler()
			covered := 0
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				covered = 0
				s.Time(func() {
					covers, err := sites.CellsBroughtWithin(context.Background(), e, fl, candidates, limit, uncovered)
					if err != nil {
						b.Fatal(err)
					}
					for _, c := range covers {
						covered += len(c)
					}
				})
			}
			b.StopTimer()
			s.Report(b)
			b.ReportMetric(float64(covered)/float64(len(candidates)), "gap-cells/candidate")
		})
	}
}
