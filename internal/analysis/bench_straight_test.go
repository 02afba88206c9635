package analysis

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"
	"time"

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
// category and every mode (target ≤ 50 ms): "blocks, seconds of every
// mode" is the engine's way (geo/nearest per category, then the batch
// conversion per mode, every array new), "arrays reused" the same into the
// arrays of the previous run, "nearest and distance" the straight-line
// fields alone (from which the seconds of a mode follow); "baseline" in the
// same run is the earlier way, one bucket-grid nearest search per cell and
// category and one conversion per cell and mode, and "brute force,
// hospitals only" compares every pair for the category with the fewest
// facilities. All three must agree. cpu-ms/op is the processor time of the
// process per run (both processors, the garbage collector included).
func BenchmarkSaxonyStraightLineAllCategories(b *testing.B) {
	benchStraight(b, saxonyStraightEngine(b))
}

// straightFieldBuckets is the earlier straight-line field, kept as the
// baseline: one nearest search in a bucket grid of 2 km per cell (pointIndex,
// math.Hypot distances), seconds per cell and mode by slSeconds.
func straightFieldBuckets(e *Engine, cat layers.Category, modes []layers.Mode) (*field, [][]float64) {
	idxs := e.byCat[cat]
	pts := make([]orb.Point, len(idxs))
	for i, fi := range idxs {
		pts[i] = e.facUTM[fi]
	}
	ix := newPointIndex(pts, 2000)
	f := newField(len(e.cells), MethodStraightLine)
	for ci, c := range e.cells {
		i, d := ix.nearest(c.utm, nil)
		if i < 0 {
			continue
		}
		f.dist[ci] = d
		f.fac[ci] = int32(idxs[i])
	}
	secs := make([][]float64, len(modes))
	for m, mode := range modes {
		secs[m] = make([]float64, len(f.dist))
		for i, d := range f.dist {
			secs[m][i] = e.slSeconds(mode, d)
		}
	}
	return f, secs
}

// sameStraight reports where two straight-line fields differ: the nearest
// facility must be the same, the distances equal up to the last bits
// (math.Hypot against the square root of the squared distance).
func sameStraight(got, want *field) error {
	for ci := range want.dist {
		g, w := got.dist[ci], want.dist[ci]
		if got.fac[ci] != want.fac[ci] || !(g == w || math.Abs(g-w) <= 1e-9*w) {
			return fmt.Errorf("cell %d: facility %d at %v m, want %d at %v m", ci, got.fac[ci], g, want.fac[ci], w)
		}
	}
	return nil
}

// benchStraight measures the straight-line estimates of every category and
// mode for every cell of e, the earlier per-cell way side by side, and the
// brute-force baseline for hospitals.
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
	start := time.Now()
	blocks := e.cellBlocks()
	b.Logf("cells sorted into %d blocks once per engine in %s", blocks.Blocks(), time.Since(start).Round(time.Microsecond))
	for _, cat := range cats { // the two ways agree before anything is timed
		want, wantSecs := straightFieldBuckets(e, cat, modes)
		got := e.straightField(cat, nil)
		if err := sameStraight(got, want); err != nil {
			b.Fatalf("%s: %v", cat, err)
		}
		for m, mode := range modes {
			s := got.withStraightSeconds(e, mode).secs
			for ci := range s {
				if g, w := s[ci], wantSecs[m][ci]; !(g == w || math.Abs(g-w) <= 1e-9*w) {
					b.Fatalf("%s %s cell %d: %v s, per-cell conversion %v s", cat, mode, ci, g, w)
				}
			}
		}
	}
	estimates := float64(len(e.cells) * len(cats) * len(modes))
	// The engine's way: per category the nearest facility and its distance
	// (the straight-line field), per mode the seconds from the distance,
	// every array new (as when the engine computes them the first time).
	b.Run("blocks, seconds of every mode", func(b *testing.B) {
		loopCPU(b, func() {
			for _, cat := range cats {
				f := e.straightField(cat, nil)
				for _, m := range modes {
					_ = f.withStraightSeconds(e, m)
				}
			}
		})
		b.ReportMetric(estimates, "estimates/op")
	})
	// The same for one mode: every cell and every category by car, the
	// product of a run where only the car has no network.
	b.Run("blocks, seconds of one mode", func(b *testing.B) {
		loopCPU(b, func() {
			for _, cat := range cats {
				_ = e.straightField(cat, nil).withStraightSeconds(e, layers.Car)
			}
		})
		b.ReportMetric(estimates/float64(len(modes)), "estimates/op")
	})
	// The floor under both: new result arrays of the same sizes (per
	// category a distance and a facility per cell, per category and mode
	// the seconds) filled with a constant on every processor, no search
	// and no conversion.
	b.Run("floor: result arrays filled", func(b *testing.B) {
		workers := runtime.GOMAXPROCS(0)
		fill := func(n int, f func(lo, hi int)) {
			var wg sync.WaitGroup
			step := (n + workers - 1) / workers
			for lo := 0; lo < n; lo += step {
				wg.Add(1)
				go func() { defer wg.Done(); f(lo, min(lo+step, n)) }()
			}
			wg.Wait()
		}
		loopCPU(b, func() {
			for range cats {
				dist, fac := make([]float64, len(e.cells)), make([]int32, len(e.cells))
				fill(len(dist), func(lo, hi int) {
					for i := lo; i < hi; i++ {
						dist[i], fac[i] = 1, 1
					}
				})
				for range modes {
					secs := make([]float64, len(e.cells))
					fill(len(secs), func(lo, hi int) {
						for i := lo; i < hi; i++ {
							secs[i] = 1
						}
					})
				}
			}
		})
	})
	// The same into the arrays of the previous run: what the computation
	// costs without allocating the 17.8 M results anew.
	b.Run("blocks, seconds of every mode, arrays reused", func(b *testing.B) {
		fs := make([]*field, len(cats))
		secs := make([][]float64, len(cats)*len(modes))
		for i := range secs {
			secs[i] = make([]float64, len(e.cells))
		}
		loopCPU(b, func() {
			for c, cat := range cats {
				fs[c] = e.straightField(cat, fs[c])
				for m, mode := range modes {
					e.model.Curve(mode).SecondsInto(secs[c*len(modes)+m], fs[c].dist) // as withStraightSeconds
				}
			}
		})
		b.ReportMetric(estimates, "estimates/op")
	})
	// Only the straight-line fields, from which the seconds of every mode
	// follow: the nearest facility and its distance per cell and category.
	b.Run("blocks, nearest and distance", func(b *testing.B) {
		loopCPU(b, func() {
			for _, cat := range cats {
				_ = e.straightField(cat, nil)
			}
		})
		b.ReportMetric(float64(len(e.cells)*len(cats)), "nearest/op")
	})
	b.Run("blocks, nearest and distance, arrays reused", func(b *testing.B) {
		fs := make([]*field, len(cats))
		for c, cat := range cats {
			fs[c] = e.straightField(cat, nil)
		}
		loopCPU(b, func() {
			for c, cat := range cats {
				fs[c] = e.straightField(cat, fs[c])
			}
		})
		b.ReportMetric(float64(len(e.cells)*len(cats)), "nearest/op")
	})
	b.Run("baseline bucket grid per cell", func(b *testing.B) {
		loopCPU(b, func() {
			for _, cat := range cats {
				_, _ = straightFieldBuckets(e, cat, modes)
			}
		})
		b.ReportMetric(estimates, "estimates/op")
	})
	b.Run("baseline brute force, hospitals only", func(b *testing.B) {
		idxs := e.byCat[layers.CatHospital]
		want := e.straightField(layers.CatHospital, nil)
		loopCPU(b, func() {
			for ci, c := range e.cells {
				best, bi := math.Inf(1), -1
				for _, fi := range idxs {
					q := e.facUTM[fi]
					dx, dy := q[0]-c.utm[0], q[1]-c.utm[1]
					if d2 := dx*dx + dy*dy; d2 < best {
						best, bi = d2, fi
					}
				}
				if d := math.Sqrt(best); d != want.dist[ci] || int32(bi) != want.fac[ci] {
					b.Fatalf("cell %d: brute force %d at %v m, blocks %d at %v m", ci, bi, d, want.fac[ci], want.dist[ci])
				}
				for _, m := range modes {
					_ = e.slSeconds(m, math.Sqrt(best))
				}
			}
		})
		b.Logf("%d hospitals", len(idxs))
	})
}

// TestStraightFieldBruteForce holds the straight-line field of every
// category of the demo region, with facilities added at random (some at
// the same place, so that ties occur), equal to comparing every cell with
// every facility, and its seconds equal to slSeconds per cell.
func TestStraightFieldBruteForce(t *testing.T) {
	r, _ := demoReader(t)
	r.roads = nil
	rng := rand.New(rand.NewPCG(5, 5))
	n := len(r.facs)
	for i := range 400 {
		f := r.facs[rng.IntN(n)]
		p := orb.Point{f.Location[0] + (rng.Float64()-0.5)*0.2, f.Location[1] + (rng.Float64()-0.5)*0.2}
		if i%5 == 0 {
			p = f.Location // the same place as another facility
		}
		cat := layers.Categories()[rng.IntN(len(layers.Categories()))].Category
		r.facs = append(r.facs, layers.Facility{ID: fmt.Sprintf("t:%04d", i), Category: cat, Name: "t", Location: p, Source: "test"})
	}
	e := buildEngine(t, r)
	for _, ci := range layers.Categories() {
		cat := ci.Category
		f := e.straightField(cat, nil)
		idxs := e.byCat[cat]
		for c, cell := range e.cells {
			best, bi := math.Inf(1), -1
			for _, fi := range idxs {
				q := e.facUTM[fi]
				dx, dy := q[0]-cell.utm[0], q[1]-cell.utm[1]
				if d2 := dx*dx + dy*dy; d2 < best {
					best, bi = d2, fi
				}
			}
			if int32(bi) != f.fac[c] || math.Sqrt(best) != f.dist[c] {
				t.Fatalf("%s, cell %d: facility %d at %v m, brute force %d at %v m", cat, c, f.fac[c], f.dist[c], bi, math.Sqrt(best))
			}
		}
		for _, mode := range []layers.Mode{layers.Car, layers.Bicycle, layers.Foot} {
			s := f.withStraightSeconds(e, mode).secs
			for c, d := range f.dist {
				if w := e.slSeconds(mode, d); s[c] != w && !(math.IsInf(w, 1) && math.IsInf(s[c], 1)) {
					t.Fatalf("%s %s, cell %d: %v s, slSeconds %v s", cat, mode, c, s[c], w)
				}
			}
		}
	}
}

// cpuMs is d in milliseconds.
func cpuMs(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// loopCPU runs op in b.Loop after a collection and reports the processor
// time of the process per run (both processors and the collector
// included) as cpu-ms/op.
func loopCPU(b *testing.B, op func()) {
	runtime.GC()
	cpu0 := processCPU()
	for b.Loop() {
		op()
	}
	b.ReportMetric(cpuMs(processCPU()-cpu0)/float64(b.N), "cpu-ms/op")
}
