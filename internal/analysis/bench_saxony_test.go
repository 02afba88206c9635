package analysis

// End-to-end speed of the analysis engine at Saxon scale, measured where
// planners meet it: travel times for all cells, one isochrone polygon, the
// coverage change of one added site, the marginal coverage of candidate
// sites, cold start, and memory against the number of facilities.
//
// The layers are synthetic (fixed seeds, see saxonyLayers): the
// internal/network/netgen road network of Saxon scale and, generated here,
// about 400,000 populated 100 m cells near its roads with about four
// million residents, 418 municipalities as a coarse partition, facilities
// and central places. Everything is generated once per test binary and only
// when a BenchmarkSaxony* function asks for it (never in Test functions,
// never with -short), outside the timed loops. bench/analysis.sh runs these
// benchmarks next to pgRouting; bench/ANALYSIS.md records the figures.

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"reach/geo/route"
	"reach/internal/analysis/analysistest"
	"reach/internal/network"
	"reach/internal/network/netgen"
	"reach/layers"
)

// Sizes of the generated layers (see analysistest.SaxonyLayers).
const (
	saxonySeed       = analysistest.SaxonySeed
	saxonyResidents  = analysistest.SaxonyResidents
	saxonyPractices  = analysistest.SaxonyPractices
	saxonyGymnasien  = analysistest.SaxonyGymnasien
	saxonyFewFacs    = analysistest.SaxonyFewFacs
	saxonyManyFacs   = analysistest.SaxonyManyFacs
	saxonyCandidates = 1000
	saxonyIsoOrigins = 64
	saxonyCellResM   = analysistest.SaxonyCellResM
)

// saxonyFixture is the generated layers and the engine built from them.
type saxonyFixture struct {
	gen       *netgen.Network
	reader    *fakeReader
	e         *Engine
	mn        *modeNet
	buildTime time.Duration
	// candidates are populated cell centres (EPSG:25833), drawn with a
	// fixed seed, that snap to the car network.
	candidates []orb.Point
	// origins are lon/lat points of populated cells for isochrones.
	origins []orb.Point
}

// saxonyOnce builds the fixture once per test binary.
var saxonyOnce = sync.OnceValues(buildSaxony)

// saxonyBench returns the fixture, skipping under -short.
func saxonyBench(b *testing.B) *saxonyFixture {
	b.Helper()
	if testing.Short() {
		b.Skip("Saxony-scale benchmarks generate a 1.2-million-node network; skipped with -short")
	}
	f, err := saxonyOnce()
	if err != nil {
		b.Fatal(err)
	}
	return f
}

// saxonyLayers generates the layers (analysistest.SaxonyLayers).
func saxonyLayers() (*netgen.Network, *fakeReader, error) {
	gen, l, err := analysistest.SaxonyLayers()
	if err != nil {
		return nil, nil, err
	}
	return gen, readerOf(l), nil
}

func buildSaxony() (*saxonyFixture, error) {
	gen, r, err := saxonyLayers()
	if err != nil {
		return nil, err
	}
	t0 := time.Now()
	e, err := Build(context.Background(), r, Options{Modes: []layers.Mode{layers.Car}, Hierarchy: HierarchyWait,
		Info: layers.StoreInfo{Kind: "memory", Title: "Saxony-scale benchmark (synthetic)", Synthetic: true}})
	if err != nil {
		return nil, err
	}
	f := &saxonyFixture{gen: gen, reader: r, e: e, mn: e.nets[layers.Car], buildTime: time.Since(t0)}
	if f.mn == nil {
		return nil, fmt.Errorf("no car network built")
	}
	rng := rand.New(rand.NewPCG(saxonySeed, 2))
	for len(f.candidates) < saxonyCandidates {
		c := e.cells[rng.IntN(len(e.cells))]
		if s := f.mn.n.Snap(c.utm); s.Snapped {
			f.candidates = append(f.candidates, c.utm)
		}
	}
	for len(f.origins) < saxonyIsoOrigins {
		c := e.cells[rng.IntN(len(e.cells))]
		if s := f.mn.n.Snap(c.utm); s.Snapped {
			f.origins = append(f.origins, c.lonlat)
		}
	}
	return f, nil
}

// logSaxony logs what the fixture holds.
func logSaxony(b *testing.B, f *saxonyFixture) {
	b.Helper()
	g := f.mn.n.Graph()
	st := f.e.Stats()
	b.Logf("car graph: %d nodes, %d arcs, %d edges; %d populated cells (%d snapped), %d residents; %d municipalities; facilities %v; engine built in %v",
		g.NumNodes(), g.NumArcs(), g.NumEdges(), st.PopulatedCells, st.Networks[layers.Car].CellsSnapped, st.Population,
		st.Municipalities, st.Facilities, f.buildTime.Round(time.Millisecond))
}

// sampler collects per-operation wall times and reports their quantiles,
// with the CPU time of the process per operation (on a shared machine the
// wall time says as much about the neighbours as about the code).
type sampler struct {
	ts   []time.Duration
	cpu0 time.Duration
}

func newSampler() *sampler { return &sampler{cpu0: processCPU()} }

// time runs op and records its wall time.
func (s *sampler) time(op func()) {
	t0 := time.Now()
	op()
	s.ts = append(s.ts, time.Since(t0))
}

// quantile returns the p-quantile (nearest rank) of the recorded times.
func (s *sampler) quantile(p float64) time.Duration {
	if len(s.ts) == 0 {
		return 0
	}
	v := slices.Clone(s.ts)
	slices.Sort(v)
	k := int(math.Ceil(p*float64(len(v)))) - 1
	return v[min(len(v)-1, max(0, k))]
}

// report adds p50-ms, p95-ms, max-ms and cpu-ms/op.
func (s *sampler) report(b *testing.B) {
	b.Helper()
	if len(s.ts) == 0 {
		return
	}
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	b.ReportMetric(ms(s.quantile(0.5)), "p50-ms")
	b.ReportMetric(ms(s.quantile(0.95)), "p95-ms")
	b.ReportMetric(ms(s.quantile(1)), "max-ms")
	b.ReportMetric(ms(processCPU()-s.cpu0)/float64(len(s.ts)), "cpu-ms/op")
}

// processCPU returns the user and system CPU time of the process so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkSaxonyTravelTimes is the nearest-facility travel time by car for
// every populated cell: the work TravelTimes does on a cache miss (one
// multi-source search towards the facilities from every facility's
// arrivals, then every cell's departures combined with the node costs,
// giving seconds, metres and the facility), bypassing the cache. The
// sub-benchmarks differ in the method (the backward PHAST sweep on the
// contraction hierarchy, as served, and Dijkstra on the reverse graph, as
// before the hierarchy is ready) and in the number of facilities; they
// also report the heap (runtime.MemStats) to show that memory does not
// grow with sources × nodes.
func BenchmarkSaxonyTravelTimes(b *testing.B) {
	f := saxonyBench(b)
	logSaxony(b, f)
	for _, run := range []struct {
		method string
		mode   HierarchyMode
	}{{"phast", HierarchyAuto}, {"dijkstra", HierarchyOff}} {
		for _, cat := range []layers.Category{layers.CatGeneralPractice, layers.CatGymnasium, layers.CatHospital, layers.CatPharmacy} {
			b.Run(fmt.Sprintf("%s/%s/facilities=%d", run.method, cat, len(f.e.byCat[cat])), func(b *testing.B) {
				defer func(old HierarchyMode) { f.e.opts.Hierarchy = old }(f.e.opts.Hierarchy)
				f.e.opts.Hierarchy = run.mode
				benchTravelTimes(b, f, cat)
			})
		}
	}
}

// benchTravelTimes times networkField for cat; see BenchmarkSaxonyTravelTimes.
func benchTravelTimes(b *testing.B, f *saxonyFixture, cat layers.Category) {
	ctx := context.Background()
	// Warm the query pool so that growing its buffers is not timed.
	if _, err := f.e.networkField(ctx, f.mn, cat); err != nil {
		b.Fatal(err)
	}
	var m0, m1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	s := newSampler()
	reached := 0
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		var fl *field
		s.time(func() {
			var err error
			if fl, err = f.e.networkField(ctx, f.mn, cat); err != nil {
				b.Fatal(err)
			}
		})
		reached = 0
		for _, fi := range fl.fac {
			if fi >= 0 {
				reached++
			}
		}
	}
	b.StopTimer()
	runtime.ReadMemStats(&m1)
	s.report(b)
	n := float64(len(s.ts))
	b.ReportMetric(float64(m1.TotalAlloc-m0.TotalAlloc)/n/1e6, "alloc-MB/op")
	b.ReportMetric(float64(m1.HeapSys)/1e6, "heap-sys-MB")
	b.ReportMetric(float64(m1.HeapInuse)/1e6, "heap-inuse-MB")
	b.ReportMetric(float64(reached), "cells-reached")
}

// BenchmarkSaxonyIsochrone30 is one 30-minute car isochrone as a polygon
// with its population, through Engine.Isochrones, from a populated cell
// centre (rotating over saxonyIsoOrigins cells drawn with a fixed seed).
func BenchmarkSaxonyIsochrone30(b *testing.B) {
	f := saxonyBench(b)
	logSaxony(b, f)
	ctx := context.Background()
	iso := func(o orb.Point) IsochroneResult {
		res, err := f.e.Isochrones(ctx, IsochroneRequest{Mode: layers.Car, Origins: []orb.Point{o}, Minutes: []float64{30}})
		if err != nil {
			b.Fatal(err)
		}
		return res
	}
	iso(f.origins[0])
	s := newSampler()
	var pop, rings, verts float64
	i := 0
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		var res IsochroneResult
		s.time(func() { res = iso(f.origins[i%len(f.origins)]) })
		i++
		pop += float64(res.Bands[0].Population)
		for _, p := range res.Bands[0].Geometry {
			rings += float64(len(p))
			for _, r := range p {
				verts += float64(len(r))
			}
		}
	}
	b.StopTimer()
	s.report(b)
	n := float64(len(s.ts))
	b.ReportMetric(pop/n, "population/op")
	b.ReportMetric(rings/n, "rings/op")
	b.ReportMetric(verts/n, "vertices/op")
}

// addSiteCoverage is the coverage change of one added facility at p
// (EPSG:25833), as the new-facility assessment computes it: snap the site,
// run the "only improving" search on the baseline field, and count the
// residents whose time drops and those newly within the standard.
func addSiteCoverage(e *Engine, mn *modeNet, fl *field, p orb.Point, limit float64) (improvedPop, newlyPop int64) {
	s := mn.n.Snap(p)
	if !s.Snapped {
		return 0, 0
	}
	imp := e.improveNetwork(mn, fl, [][]route.Source{s.Arrivals()})
	for i, ci := range imp.cells {
		pop := e.cells[ci].pop
		improvedPop += pop
		if imp.secs[i] <= limit && fl.secs[ci] > limit {
			newlyPop += pop
		}
	}
	return improvedPop, newlyPop
}

// saxonyCoverageCats are the categories of the coverage benchmarks:
// general practice (2,500 sites, 20-minute standard) and gymnasium (200
// sites, 30-minute standard), which leave no gap on the generated network
// (every cell is within the standard, as for nearly all of real Saxony),
// and hospital (10 sites, 30-minute standard), which leaves wide gaps, so
// that the newly covered residents are counted on a large scale too.
var saxonyCoverageCats = []layers.Category{layers.CatGeneralPractice, layers.CatGymnasium, layers.CatHospital}

// coverageSetup returns the field of cat, its standard in seconds and the
// cells outside it.
func coverageSetup(b *testing.B, f *saxonyFixture, cat layers.Category) (*field, float64, []bool) {
	b.Helper()
	fl, err := f.e.fieldFor(context.Background(), cat, layers.Car)
	if err != nil {
		b.Fatal(err)
	}
	std, err := f.e.standard(cat, layers.Car)
	if err != nil {
		b.Fatal(err)
	}
	limit := std.MaxSeconds()
	uncovered := make([]bool, len(f.e.cells))
	gap, pop := 0, int64(0)
	for ci := range f.e.cells {
		if fl.secs[ci] > limit {
			uncovered[ci] = true
			gap++
			pop += f.e.cells[ci].pop
		}
	}
	b.Logf("%s: %d cells with %d residents outside the %v-minute standard", cat, gap, pop, std.MaxMinutes)
	return fl, limit, uncovered
}

// BenchmarkSaxonyAddSite is the coverage change for one added facility at a
// populated cell centre, rotating over 1,000 candidate sites; it also
// reports the time of all 1,000 candidates in a row (measured once, before
// the timed loop) as all-1000-ms.
func BenchmarkSaxonyAddSite(b *testing.B) {
	f := saxonyBench(b)
	logSaxony(b, f)
	for _, cat := range saxonyCoverageCats {
		b.Run(string(cat), func(b *testing.B) {
			fl, limit, _ := coverageSetup(b, f, cat)
			t0 := time.Now()
			var newly, improved int64
			for _, p := range f.candidates {
				i, n := addSiteCoverage(f.e, f.mn, fl, p, limit)
				newly += n
				improved += i
			}
			all := time.Since(t0)
			s := newSampler()
			i := 0
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				p := f.candidates[i%len(f.candidates)]
				i++
				s.time(func() { addSiteCoverage(f.e, f.mn, fl, p, limit) })
			}
			b.StopTimer()
			s.report(b)
			b.ReportMetric(float64(all.Microseconds())/1000, "all-1000-ms")
			b.ReportMetric(float64(improved)/float64(len(f.candidates)), "improved-residents/site")
			b.ReportMetric(float64(newly)/float64(len(f.candidates)), "newly-covered/site")
		})
	}
}

// BenchmarkSaxonyColdStart is the start of the prepared car network and
// the cell index from a local snapshot. The engine has no snapshot of its
// own yet (Build reads the layers and builds the network from the road
// segments), so this measures the parts that exist: the car network read
// from its snapshot file (network.ReadFrom: graph, edge geometry, reverse
// graph, components, snap index) and every populated cell and facility
// snapped to it (Engine.snapAll, the cell index). Reported as read-ms,
// snap-ms and their sum (the op time).
func BenchmarkSaxonyColdStart(b *testing.B) {
	f := saxonyBench(b)
	logSaxony(b, f)
	path := filepath.Join(b.TempDir(), "car.network")
	var buf bytes.Buffer
	if _, err := f.mn.n.WriteTo(&buf); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		b.Fatal(err)
	}
	size := buf.Len()
	buf = bytes.Buffer{}
	load := func() *network.Network {
		fh, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		defer fh.Close()
		n, err := network.ReadFrom(fh)
		if err != nil {
			b.Fatal(err)
		}
		return n
	}
	var read, snap time.Duration
	s := newSampler()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		s.time(func() {
			t0 := time.Now()
			n := load()
			t1 := time.Now()
			mn := f.e.snapAll(n)
			read += t1.Sub(t0)
			snap += time.Since(t1)
			if n.Graph().NumNodes() != f.mn.n.Graph().NumNodes() || mn.cells.Len() != len(f.e.cells) {
				b.Fatal("snapshot does not match the network")
			}
		})
	}
	b.StopTimer()
	s.report(b)
	k := float64(len(s.ts))
	b.ReportMetric(float64(size)/1e6, "snapshot-MB")
	b.ReportMetric(float64(read.Microseconds())/1000/k, "read-ms")
	b.ReportMetric(float64(snap.Microseconds())/1000/k, "snap-ms")
}
