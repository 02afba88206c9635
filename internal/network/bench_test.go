package network_test

import (
	"bytes"
	"context"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"reach/data/osm"
	"reach/geo/graph"
	"reach/geo/route"
	"reach/internal/network"
	"reach/internal/network/netgen"
	"reach/layers"
)

// fixture is the generated Saxony-scale car network with snapped cells and
// facilities. It is built once per test binary, and only by benchmarks.
type fixture struct {
	gen        *netgen.Network
	net        *network.Network
	cells      []network.Snap
	facilities []network.Snap
	arrivals   []route.Source // all facilities' arrivals, labels map back by arrivalOf
	arrivalOf  []int          // arrival index → facility index
}

var benchFixture = sync.OnceValue(func() *fixture {
	gen := netgen.Generate(netgen.Saxony())
	nets, err := network.Build(context.Background(), gen.Roads(), network.Options{Modes: []layers.Mode{layers.Car}})
	if err != nil {
		panic(err)
	}
	f := &fixture{gen: gen, net: nets[layers.Car]}
	f.cells = make([]network.Snap, len(gen.Cells))
	for i, p := range gen.Cells {
		f.cells[i] = f.net.Snap(p)
	}
	// cells in the order of their entry node, as the read model keeps them,
	// so that combining them with node costs reads memory in order
	slices.SortStableFunc(f.cells, func(a, b network.Snap) int {
		return int(firstNode(a)) - int(firstNode(b))
	})
	for i, p := range gen.Facilities {
		s := f.net.Snap(p)
		f.facilities = append(f.facilities, s)
		for _, a := range s.Arrivals() {
			f.arrivals = append(f.arrivals, a)
			f.arrivalOf = append(f.arrivalOf, i)
		}
	}
	return f
})

func firstNode(s network.Snap) graph.NodeID {
	if d := s.Departures(); len(d) > 0 {
		return d[0].Node
	}
	return 0
}

func benchNet(b *testing.B) *fixture {
	b.Helper()
	f := benchFixture()
	g := f.net.Graph()
	b.Logf("car graph: %d nodes, %d arcs, %d edges; %d cells, %d facilities", g.NumNodes(), g.NumArcs(), g.NumEdges(), len(f.cells), len(f.facilities))
	return f
}

// BenchmarkAllCellsNearest is the nearest-facility travel time for every
// populated cell: one search on the reverse graph from all facilities, then
// each cell's departures combined with the node costs.
func BenchmarkAllCellsNearest(b *testing.B) {
	f := benchNet(b)
	q := route.NewQuery(f.net.ReverseGraph())
	secs := make([]graph.Cost, len(f.cells))
	fac := make([]int32, len(f.cells))
	q.Run(f.arrivals, route.Unbounded) // grow buffers before timing
	q.Costs()
	timeEach(b, func(int) {
		q.Run(f.arrivals, route.Unbounded)
		costs := q.Costs()
		for i := range f.cells {
			c, at, ok := network.Leave(f.cells[i].Departures(), costs)
			secs[i], fac[i] = c, -1
			if ok {
				fac[i] = q.Label(f.cells[i].Departures()[at].Node)
			}
		}
	})
}

// BenchmarkAllCellsNearestParallel is BenchmarkAllCellsNearest with the
// search split over two workers (route.Query.RunParallel), one per core.
func BenchmarkAllCellsNearestParallel(b *testing.B) {
	f := benchNet(b)
	q := route.NewQuery(f.net.ReverseGraph())
	q.RunParallel(f.arrivals, route.Unbounded, 2) // grow buffers before timing
	q.Costs()
	timeEach(b, func(int) {
		q.RunParallel(f.arrivals, route.Unbounded, 2)
		costs := q.Costs()
		for i := range f.cells {
			network.Leave(f.cells[i].Departures(), costs)
		}
	})
}

// BenchmarkAddSite is the coverage change for one added site: an Improve
// search from the new site against the costs of all facilities.
func BenchmarkAddSite(b *testing.B) {
	f := benchNet(b)
	q := route.NewQuery(f.net.ReverseGraph())
	q.Run(f.arrivals, route.Unbounded)
	base := slices.Clone(q.Costs())
	rng := rand.New(rand.NewPCG(3, 3))
	sites := make([]network.Snap, 1000)
	for i := range sites {
		for {
			sites[i] = f.net.Snap(f.gen.Cells[rng.IntN(len(f.gen.Cells))])
			if sites[i].Snapped {
				break
			}
		}
	}
	timeEach(b, func(i int) {
		q.Improve(sites[i%len(sites)].Arrivals(), base, route.Unbounded)
	})
}

// BenchmarkIsochrone30 is the bounded search behind one 30-minute isochrone
// from a random place.
func BenchmarkIsochrone30(b *testing.B) {
	f := benchNet(b)
	q := route.NewQuery(f.net.Graph())
	rng := rand.New(rand.NewPCG(4, 4))
	origins := make([]network.Snap, 1000)
	for i := range origins {
		origins[i] = f.cells[rng.IntN(len(f.cells))]
	}
	q.Run(f.cells[0].Departures(), route.Unbounded) // grow buffers before timing
	reached := 0
	n := timeEach(b, func(i int) {
		q.Run(origins[i%len(origins)].Departures(), 30*60*1000)
		reached += len(q.Settled())
	})
	b.ReportMetric(float64(reached)/float64(n), "nodes/op")
}

// BenchmarkSnapshotLoad reads the car graph from a snapshot in memory.
func BenchmarkSnapshotLoad(b *testing.B) {
	f := benchNet(b)
	var buf bytes.Buffer
	if _, err := f.net.Graph().WriteTo(&buf); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	b.ReportMetric(float64(len(data))/1e6, "MB")
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := graph.ReadFrom(bytes.NewReader(data)); err != nil {
			b.Fatal(err)
		}
	}
}

// timeEach times op once per benchmark iteration (i counts from 0) and
// reports allocations, CPU time per operation, median and 95th percentile;
// it returns the number of operations.
func timeEach(b *testing.B, op func(i int)) int {
	b.Helper()
	b.ReportAllocs()
	b.ResetTimer()
	var times []time.Duration
	cpu0 := cpuTime()
	for b.Loop() {
		t0 := time.Now()
		op(len(times))
		times = append(times, time.Since(t0))
	}
	b.StopTimer()
	reportCPU(b, cpu0, len(times))
	reportQuantiles(b, times)
	return len(times)
}

// reportQuantiles adds the median and 95th percentile of per-operation
// times in milliseconds.
func reportQuantiles(b *testing.B, ts []time.Duration) {
	b.Helper()
	if len(ts) == 0 {
		return
	}
	s := slices.Clone(ts)
	slices.Sort(s)
	q := func(p float64) float64 {
		return float64(s[min(len(s)-1, int(p*float64(len(s))))].Microseconds()) / 1000
	}
	b.ReportMetric(q(0.5), "p50-ms")
	b.ReportMetric(q(0.95), "p95-ms")
}

// cpuTime returns the user and system CPU time of the process so far. On a
// machine shared with other work the wall-clock time of an operation says
// as much about the neighbours as about the code; CPU time per operation
// says what the operation costs.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func reportCPU(b *testing.B, since time.Duration, ops int) {
	b.Helper()
	if ops > 0 {
		b.ReportMetric(float64((cpuTime()-since).Microseconds())/1000/float64(ops), "cpu-ms/op")
	}
}

// BenchmarkNetworkSnapshotLoad reads the whole car network (graph, edge
// geometry) from a snapshot in memory and rebuilds reverse graph,
// components, snap index and pools: the cold start of the road part of the
// read model.
func BenchmarkNetworkSnapshotLoad(b *testing.B) {
	f := benchNet(b)
	load := func(b *testing.B, n *network.Network) {
		var buf bytes.Buffer
		if _, err := n.WriteTo(&buf); err != nil {
			b.Fatal(err)
		}
		data := buf.Bytes()
		b.ReportMetric(float64(len(data))/1e6, "MB")
		b.ReportAllocs()
		b.ResetTimer()
		for b.Loop() {
			if _, err := network.ReadFrom(bytes.NewReader(data)); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("network", func(b *testing.B) { load(b, f.net) })
	b.Run("with-hierarchy", func(b *testing.B) {
		// a copy of the network through its snapshot, given the hierarchy
		var buf bytes.Buffer
		if _, err := f.net.WriteTo(&buf); err != nil {
			b.Fatal(err)
		}
		n, err := network.ReadFrom(&buf)
		if err != nil {
			b.Fatal(err)
		}
		if err := n.SetHierarchy(benchHierarchy()); err != nil {
			b.Fatal(err)
		}
		load(b, n)
	})
}

// BenchmarkRealExtracts runs the all-nodes search from 20 random nodes on
// the reverse car graph of each real OSM extract (small: a few thousand
// nodes each, so these figures show the per-node cost on real topology,
// not the Saxony scale).
func BenchmarkRealExtracts(b *testing.B) {
	dir := testData(b)
	for _, name := range []string{"hoyerswerda.osm.pbf", "north-bayreuth.osm.pbf", "testfeld_nds_main_roads.osm.pbf"} {
		b.Run(name, func(b *testing.B) {
			ctx := context.Background()
			nets, err := network.Build(ctx, osm.Roads(ctx, filepath.Join(dir, "osm", name), nil), network.Options{Modes: []layers.Mode{layers.Car}})
			if err != nil {
				b.Fatal(err)
			}
			g := nets[layers.Car].ReverseGraph()
			rng := rand.New(rand.NewPCG(6, 6))
			var sources []route.Source
			for range 20 {
				sources = append(sources, route.Source{Node: graph.NodeID(rng.IntN(g.NumNodes()))})
			}
			q := route.NewQuery(g)
			q.Run(sources, route.Unbounded)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				q.Run(sources, route.Unbounded)
			}
			b.ReportMetric(float64(g.NumNodes()), "nodes")
		})
	}
}

// benchHierarchy is the contraction hierarchy of the fixture's car graph,
// built once per test binary.
var benchHierarchy = sync.OnceValue(func() *route.Hierarchy {
	f := benchFixture()
	t0 := time.Now()
	h, err := route.Contract(context.Background(), f.net.Graph(), route.ContractOptions{})
	if err != nil {
		panic(err)
	}
	benchContractTime = time.Since(t0)
	return h
})

var benchContractTime time.Duration

func benchCH(b *testing.B) (*fixture, *route.Hierarchy) {
	f := benchNet(b)
	h := benchHierarchy()
	b.Logf("hierarchy: built in %v; %d arcs (%d shortcuts), %d levels", benchContractTime.Round(time.Millisecond), h.NumArcs(), h.Shortcuts(), h.NumLevels())
	return f, h
}

// BenchmarkAllCellsNearestPHAST is BenchmarkAllCellsNearestParallel on the
// contraction hierarchy: a backward PHAST sweep from all facilities (two
// workers on the large levels), then every cell's departures combined with
// the node costs.
func BenchmarkAllCellsNearestPHAST(b *testing.B) {
	f, h := benchCH(b)
	s := h.NewSweep()
	s.Backward(f.arrivals, route.Unbounded, 2)
	timeEach(b, func(int) {
		s.Backward(f.arrivals, route.Unbounded, 2)
		for i := range f.cells {
			network.Via(f.cells[i].Departures(), s)
		}
	})
}

// BenchmarkIsochrone30PHAST is BenchmarkIsochrone30 on the hierarchy: a
// forward sweep bounded by 30 minutes and the list of reached nodes.
func BenchmarkIsochrone30PHAST(b *testing.B) {
	f, h := benchCH(b)
	s := h.NewSweep()
	rng := rand.New(rand.NewPCG(4, 4))
	origins := make([]network.Snap, 1000)
	for i := range origins {
		origins[i] = f.cells[rng.IntN(len(f.cells))]
	}
	var reached []graph.NodeID
	reachedAll := 0
	n := timeEach(b, func(i int) {
		s.Forward(origins[i%len(origins)].Departures(), 30*60*1000, 2)
		reached = s.Reached(reached[:0])
		reachedAll += len(reached)
	})
	b.ReportMetric(float64(reachedAll)/float64(n), "nodes/op")
}
