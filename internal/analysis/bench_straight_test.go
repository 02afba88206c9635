package analysis

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"

	"reach/layers"
)

// saxonyStraightCounts are facility counts per category of the order of
// Saxony's (the generated layers bring practices, Gymnasien, hospitals,
// pharmacies and town halls; the others are added here).
var saxonyStraightCounts = map[layers.Category]int{
	layers.CatDentist: 1800, layers.CatPrimarySchool: 840, layers.CatSecondarySchool: 380, layers.CatKita: 2900,
	layers.CatFireStation: 1600, layers.CatSports: 3000, layers.CatSeniorCare: 900, layers.CatCommunityCentre: 500,
	layers.CatWaterSupply: 60, layers.CatSewage: 250,
}

// saxonyStraightEngine is the engine of the generated Saxony-scale layers
// (400,000 cells) without any road network, with facilities in every
// category: every travel time is the calibrated straight-line estimate.
func saxonyStraightEngine(b *testing.B) *Engine {
	b.Helper()
	if testing.Short() {
		b.Skip("Saxony-scale layers; skipped with -short")
	}
	_, r, err := saxonyLayers()
	if err != nil {
		b.Fatal(err)
	}
	r.roads = nil
	rng := rand.New(rand.NewPCG(saxonySeed, 7))
	for cat, n := range saxonyStraightCounts {
		for i := range n {
			c := r.facs[rng.IntN(len(r.facs))].Location // near the populated places
			p := orb.Point{c[0] + (rng.Float64()-0.5)*8000, c[1] + (rng.Float64()-0.5)*8000}
			r.facs = append(r.facs, layers.Facility{ID: fmt.Sprintf("%s:%05d", cat, i), Category: cat, Name: string(cat), Location: p, Source: "bench"})
		}
	}
	return buildEngine(b, r)
}

// BenchmarkRealSaxonyStraightLineAllCategories is the same on the real
// layers of Saxony: the Zensus 2011 1 km grid (11,746 populated cells), the
// real schools and hospitals, and for the categories without a real file
// facilities drawn at populated cells (counts as above, fixed seed).
func BenchmarkRealSaxonyStraightLineAllCategories(b *testing.B) {
	r := saxony(b)
	r.roads = nil
	rng := rand.New(rand.NewPCG(saxonySeed, 11))
	have := map[layers.Category]bool{}
	for _, f := range r.facs {
		have[f.Category] = true
	}
	e0 := buildEngine(b, r)
	for cat, n := range saxonyStraightCounts {
		if have[cat] {
			continue
		}
		for i := range n {
			c := e0.cells[rng.IntN(len(e0.cells))].utm
			r.facs = append(r.facs, layers.Facility{ID: fmt.Sprintf("%s:%05d", cat, i), Category: cat, Name: string(cat),
				Location: orb.Point{c[0] + (rng.Float64()-0.5)*1000, c[1] + (rng.Float64()-0.5)*1000}, Source: "bench"})
		}
	}
	benchStraight(b, buildEngine(b, r))
}

// BenchmarkSaxonyStraightLineAllCategories computes the straight-line
// estimate for every populated cell of the Saxony-scale layers, every
// category and every mode: the nearest facility by the point index, then
// the calibrated time per mode (target ≤ 50 ms). The baseline, in the same
// run, is the brute-force nearest facility for one category (hospitals,
// the fewest) and the same times; the two must agree.
func BenchmarkSaxonyStraightLineAllCategories(b *testing.B) {
	benchStraight(b, saxonyStraightEngine(b))
}

// benchStraight measures the straight-line estimates of every category and
// mode for every cell of e, and the brute-force baseline for hospitals.
func benchStraight(b *testing.B, e *Engine) {
	var cats []layers.Category
	facs := 0
	for _, ci := range layers.Categories() {
		if n := len(e.byCat[ci.Category]); n > 0 {
			cats = append(cats, ci.Category)
			facs += n
		}
	}
	modes := []layers.Mode{layers.Car, layers.Bicycle, layers.Foot}
	b.Logf("%d populated cells, %d categories, %d facilities, %d modes", len(e.cells), len(cats), facs, len(modes))
	b.Run("index", func(b *testing.B) {
		for b.Loop() {
			for _, cat := range cats {
				f := e.straightField(cat)
				for _, m := range modes {
					_ = f.withStraightSeconds(e, m)
				}
			}
		}
		b.ReportMetric(float64(len(e.cells)*len(cats)*len(modes)), "estimates/op")
	})
	b.Run("baseline brute force, hospitals only", func(b *testing.B) {
		idxs := e.byCat[layers.CatHospital]
		want := e.straightField(layers.CatHospital)
		for b.Loop() {
			for ci, c := range e.cells {
				best := math.Inf(1)
				for _, fi := range idxs {
					q := e.facUTM[fi]
					best = min(best, math.Hypot(q[0]-c.utm[0], q[1]-c.utm[1]))
				}
				if best != want.dist[ci] {
					b.Fatalf("cell %d: brute force %v m, index %v m", ci, best, want.dist[ci])
				}
				for _, m := range modes {
					_ = e.slSeconds(m, best)
				}
			}
		}
		b.Logf("%d hospitals", len(idxs))
	})
}
