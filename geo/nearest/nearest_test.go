package nearest

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/paulmach/orb"
)

// brute is the reference: every pair compared, squared distances, ties to
// the lowest site index.
func brute(pts, sites []orb.Point) ([]int32, []float64) {
	idx := make([]int32, len(pts))
	dist := make([]float64, len(pts))
	for i, p := range pts {
		best, bi := math.Inf(1), int32(-1)
		for j, s := range sites {
			dx, dy := s[0]-p[0], s[1]-p[1]
			if d2 := dx*dx + dy*dy; d2 < best {
				best, bi = d2, int32(j)
			}
		}
		idx[i], dist[i] = bi, math.Sqrt(best)
	}
	return idx, dist
}

// layout draws query points and sites: on a grid of cells (with ties when
// snapped to whole hundreds), uniform, or clustered around a few towns;
// sites may lie far outside the query points and repeat.
func layout(rng *rand.Rand, kind int) (pts, sites []orb.Point) {
	nq, ns := 1+rng.IntN(3000), 1+rng.IntN(200)
	if rng.IntN(8) == 0 {
		ns = 1 + rng.IntN(3)
	}
	w := 1000 + rng.Float64()*60000
	draw := func(n int, snap bool) []orb.Point {
		out := make([]orb.Point, n)
		var towns []orb.Point
		for range 1 + rng.IntN(6) {
			towns = append(towns, orb.Point{rng.Float64() * w, rng.Float64() * w})
		}
		for i := range out {
			switch kind {
			case 0: // uniform
				out[i] = orb.Point{rng.Float64() * w, rng.Float64() * w}
			case 1: // clustered
				t := towns[rng.IntN(len(towns))]
				out[i] = orb.Point{t[0] + rng.NormFloat64()*w/20, t[1] + rng.NormFloat64()*w/20}
			default: // offset and wider: sites well outside the points
				out[i] = orb.Point{-w + rng.Float64()*3*w, -w + rng.Float64()*3*w}
			}
			if snap {
				out[i] = orb.Point{math.Round(out[i][0]/100)*100 + 50, math.Round(out[i][1]/100)*100 + 50}
			}
		}
		return out
	}
	snap := rng.IntN(2) == 0
	pts = draw(nq, snap)
	sites = draw(ns, snap)
	for range rng.IntN(4) { // repeated sites: ties between indexes
		sites = append(sites, sites[rng.IntN(len(sites))])
	}
	return pts, sites
}

func TestNearestAgainstBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 1))
	for it := range 300 {
		pts, sites := layout(rng, it%3)
		size := []float64{100, 700, 1000, 2500, 20000}[rng.IntN(5)]
		q := NewQueries(pts, size)
		if q.Len() != len(pts) {
			t.Fatalf("layout %d: Len %d, want %d", it, q.Len(), len(pts))
		}
		wantIdx, wantDist := brute(pts, sites)
		for _, workers := range []int{1, 2, 3} {
			idx := make([]int32, len(pts))
			dist := make([]float64, len(pts))
			q.Nearest(sites, idx, dist, workers)
			for i := range pts {
				if idx[i] != wantIdx[i] || dist[i] != wantDist[i] {
					t.Fatalf("layout %d (%d points, %d sites, blocks of %g m, %d workers): point %d %v: site %d at %v m, brute force %d at %v m",
						it, len(pts), len(sites), size, workers, i, pts[i], idx[i], dist[i], wantIdx[i], wantDist[i])
				}
			}
		}
	}
}

// TestNearestGridAgainstBruteForce runs the halving of superblocks: the
// centres of a 100 m grid with holes, blocks of 3 and 8 cells a side,
// sites clustered (many per tile, and repeated) and sparse.
func TestNearestGridAgainstBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 9))
	var pts []orb.Point
	for y := range 150 {
		for x := range 160 {
			if rng.IntN(3) > 0 {
				pts = append(pts, orb.Point{500000 + float64(x)*100 + 50, 5600000 + float64(y)*100 + 50})
			}
		}
	}
	for _, ns := range []int{1, 2, 7, 60, 500, 3000} {
		var sites []orb.Point
		for range ns {
			p := pts[rng.IntN(len(pts))]
			sites = append(sites, orb.Point{p[0] + (rng.Float64()-0.5)*3000, p[1] + (rng.Float64()-0.5)*3000})
			if rng.IntN(4) == 0 {
				sites = append(sites, sites[len(sites)-1])
			}
		}
		wantIdx, wantDist := brute(pts, sites)
		for _, size := range []float64{300, 800} {
			q := NewQueries(pts, size)
			idx := make([]int32, len(pts))
			dist := make([]float64, len(pts))
			q.Nearest(sites, idx, dist, 2)
			for i := range pts {
				if idx[i] != wantIdx[i] || dist[i] != wantDist[i] {
					t.Fatalf("%d sites, blocks of %g m: point %d %v: site %d at %v m, brute force %d at %v m", len(sites), size, i, pts[i], idx[i], dist[i], wantIdx[i], wantDist[i])
				}
			}
			label := make([]int32, len(sites))
			for j := range label {
				label[j] = int32(1000 + 3*j)
			}
			q.NearestLabel(sites, label, idx, dist, 1)
			for i := range pts {
				if idx[i] != label[wantIdx[i]] || dist[i] != wantDist[i] {
					t.Fatalf("labels, %d sites, blocks of %g m: point %d: %d at %v m, want %d at %v m", len(sites), size, i, idx[i], dist[i], label[wantIdx[i]], wantDist[i])
				}
			}
		}
	}
}

// TestNearestTies puts every site at the same distance from the point: the
// lowest index wins, as in the brute force.
func TestNearestTies(t *testing.T) {
	pts := []orb.Point{{0, 0}, {2000, 0}}
	sites := []orb.Point{{0, 500}, {500, 0}, {0, -500}, {-500, 0}, {2000, 0}, {2000, 0}}
	q := NewQueries(pts, 1000)
	idx := make([]int32, 2)
	dist := make([]float64, 2)
	q.Nearest(sites, idx, dist, 1)
	if idx[0] != 0 || dist[0] != 500 || idx[1] != 4 || dist[1] != 0 {
		t.Fatalf("got %v %v, want [0 4] [500 0]", idx, dist)
	}
}

func TestNearestEmpty(t *testing.T) {
	q := NewQueries([]orb.Point{{1, 2}, {3, 4}}, 1000)
	idx := []int32{7, 7}
	dist := []float64{1, 1}
	q.Nearest(nil, idx, dist, 0)
	if idx[0] != -1 || idx[1] != -1 || !math.IsInf(dist[0], 1) || !math.IsInf(dist[1], 1) {
		t.Fatalf("no sites: got %v %v", idx, dist)
	}
	e := NewQueries(nil, 1000)
	e.Nearest([]orb.Point{{0, 0}}, nil, nil, 2)
	if e.Len() != 0 || e.Blocks() != 0 {
		t.Fatalf("no points: %d points, %d blocks", e.Len(), e.Blocks())
	}
}

// BenchmarkNearest finds the nearest of a few dozen to a few thousand
// sites for 400,000 points of a 100 m grid around 300 towns (the size of
// Saxony's populated 100 m cells, in their order: by row, then column),
// per block size; the brute force over all pairs for 60 sites is the
// baseline in the same run.
func BenchmarkNearest(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	var towns []orb.Point
	for range 300 {
		towns = append(towns, orb.Point{rng.Float64() * 230000, rng.Float64() * 150000})
	}
	seen := map[orb.Point]bool{}
	var pts []orb.Point
	for len(pts) < 400000 {
		t := towns[rng.IntN(len(towns))]
		p := orb.Point{math.Floor((t[0]+rng.NormFloat64()*2500)/100)*100 + 50, math.Floor((t[1]+rng.NormFloat64()*2500)/100)*100 + 50}
		if !seen[p] {
			seen[p] = true
			pts = append(pts, p)
		}
	}
	slices.SortFunc(pts, func(a, b orb.Point) int {
		if a[1] != b[1] {
			return cmp.Compare(a[1], b[1])
		}
		return cmp.Compare(a[0], b[0])
	})
	siteSets := map[int][]orb.Point{}
	for _, ns := range []int{60, 300, 3000} {
		sites := make([]orb.Point, ns)
		for i := range sites {
			p := pts[rng.IntN(len(pts))]
			sites[i] = orb.Point{p[0] + (rng.Float64()-0.5)*8000, p[1] + (rng.Float64()-0.5)*8000}
		}
		siteSets[ns] = sites
	}
	idx := make([]int32, len(pts))
	dist := make([]float64, len(pts))
	for _, size := range []float64{1000, 2000} {
		q := NewQueries(pts, size)
		for _, ns := range []int{60, 300, 3000} {
			sites := siteSets[ns]
			b.Run(fmt.Sprintf("blocks %gm/%d sites", size, ns), func(b *testing.B) {
				cpu0 := processCPU()
				for b.Loop() {
					q.Nearest(sites, idx, dist, 0)
				}
				b.ReportMetric(float64((processCPU()-cpu0).Microseconds())/1e3/float64(b.N), "cpu-ms/op")
				b.ReportMetric(float64(q.Blocks()), "blocks")
			})
		}
	}
	b.Run("baseline brute force/60 sites", func(b *testing.B) {
		cpu0 := processCPU()
		for b.Loop() {
			brute(pts, siteSets[60])
		}
		b.ReportMetric(float64((processCPU()-cpu0).Microseconds())/1e3/float64(b.N), "cpu-ms/op")
	})
}

// processCPU is the processor time of the process so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
