package route

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"reach/geo/graph"
)

// meterRange returns, per node, the least and the greatest network length
// among the paths of least cost from src (+Inf as greatest where zero-cost
// cycles make it unbounded).
func meterRange(g *graph.Graph, src Source, limit graph.Cost) (lo, hi []float64, cost []graph.Cost) {
	ref := Dijkstra(g, []Source{src}, limit)
	n := g.NumNodes()
	lo, hi = make([]float64, n), make([]float64, n)
	for v := range n {
		lo[v], hi[v] = math.Inf(1), math.Inf(-1)
	}
	if int(src.Node) >= n || ref.Cost[src.Node] != src.Offset {
		return lo, hi, ref.Cost
	}
	lo[src.Node], hi[src.Node] = float64(src.Meters), float64(src.Meters)
	lengths := g.ArcLengths()
	// relax along tight arcs until nothing changes; more than n rounds
	// means a cycle of tight arcs with length, so the greatest is unbounded
	for round := 0; ; round++ {
		changed := false
		for u := range n {
			if ref.Cost[u] == graph.Closed || math.IsInf(lo[u], 1) {
				continue
			}
			first, arcs := g.Arcs()
			for a := first[u]; a < first[u+1]; a++ {
				w := arcs[a].Head
				if graph.AddCost(ref.Cost[u], arcs[a].Cost) != ref.Cost[w] {
					continue
				}
				l := float64(lengths[a])
				if lo[u]+l < lo[w]-1e-9 {
					lo[w], changed = lo[u]+l, true
				}
				if hi[u]+l > hi[w]+1e-9 && !math.IsInf(hi[w], 1) {
					hi[w], changed = hi[u]+l, true
					if round > n {
						hi[w] = math.Inf(1)
					}
				}
			}
		}
		if !changed {
			break
		}
	}
	return lo, hi, ref.Cost
}

// checkSweep compares the last run of s on g (forward) or g's reverse with
// the reference Dijkstra: equal costs everywhere, labels naming a source
// that achieves the cost, metres of a path of least cost.
func checkSweep(t *testing.T, g *graph.Graph, s *Sweep, sources []Source, limit graph.Cost) {
	t.Helper()
	ref := Dijkstra(g, sources, limit)
	bad := 0
	for v := range g.NumNodes() {
		nv := graph.NodeID(v)
		got, want := s.Cost(nv), ref.Cost[v]
		if got != want {
			t.Errorf("node %d: cost %v, reference %v", v, got, want)
			if bad++; bad > 5 {
				t.Fatal("too many differences")
			}
			continue
		}
		if got == graph.Closed {
			if s.Label(nv) != NoLabel || s.Meters(nv) != 0 {
				t.Errorf("node %d: unreached but label %d, %v m", v, s.Label(nv), s.Meters(nv))
			}
			continue
		}
		l := s.Label(nv)
		if l < 0 || int(l) >= len(sources) {
			t.Fatalf("node %d: label %d out of range", v, l)
		}
		lo, hi, single := meterRange(g, sources[l], limit)
		if single[v] != got {
			t.Errorf("node %d: label %d reaches it at %v, not %v", v, l, single[v], got)
			continue
		}
		m := float64(s.Meters(nv))
		if m < lo[v]-1e-2 || m > hi[v]+1e-2 {
			t.Errorf("node %d: %v m, paths of least cost from source %d have %v to %v m", v, m, l, lo[v], hi[v])
		}
	}
}

func contractT(t testing.TB, g *graph.Graph, settle int) *Hierarchy {
	t.Helper()
	h, err := Contract(context.Background(), g, ContractOptions{WitnessSettle: settle})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Validate(); err != nil {
		t.Fatal(err)
	}
	return h
}

func TestSweepMatchesDijkstra(t *testing.T) {
	defer func(old int) { parallelLevel = old }(parallelLevel)
	seed := uint64(20261125)
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 7))
	for round := range 200 {
		n := 1 + rng.IntN(50)
		m := rng.IntN(3 * n)
		g := randomGraph(t, rng, n, m, round%3 == 0)
		// tiny witness limits force extra shortcuts; results must not change
		settle := []int{1, 3, 400}[round%3]
		h := contractT(t, g, settle)
		s := h.NewSweep() // reused across runs: no stale state may leak
		rev := g.Reverse()
		for k := range 6 {
			sources := randomSources(rng, g, 1+rng.IntN(5))
			limit := Unbounded
			if rng.IntN(3) == 0 {
				limit = graph.Cost(rng.IntN(150000))
			}
			workers := 1 + k%3
			parallelLevel = 1 + rng.IntN(4)
			if k%2 == 0 {
				s.Forward(sources, limit, workers)
				checkSweep(t, g, s, sources, limit)
			} else {
				s.Backward(sources, limit, workers)
				checkSweep(t, rev, s, sources, limit)
			}
			if t.Failed() {
				t.Fatalf("round %d (seed %d): n=%d m=%d settle %d forward %v sources %+v limit %v workers %d",
					round, seed, n, m, settle, k%2 == 0, sources, limit, workers)
			}
		}
	}
}

// TestSweepLattice checks a road-like graph large enough for many levels:
// a lattice with one-way streets, against the reference, both directions.
func TestSweepLattice(t *testing.T) {
	defer func(old int) { parallelLevel = old }(parallelLevel)
	parallelLevel = 64
	rng := rand.New(rand.NewPCG(3, 3))
	g := latticeGraph(t, rng, 40, 30)
	h := contractT(t, g, 0)
	if h.NumLevels() < 5 {
		t.Errorf("%d levels for a 40×30 lattice", h.NumLevels())
	}
	t.Logf("%d nodes, %d graph arcs, %d hierarchy arcs, %d levels", g.NumNodes(), g.NumArcs(), h.NumArcs(), h.NumLevels())
	s := h.Get()
	defer h.Put(s)
	for k := range 6 {
		sources := randomSources(rng, g, 1+rng.IntN(20))
		want := Dijkstra(g, sources, Unbounded)
		s.Forward(sources, Unbounded, 1+k%2)
		dst := make([]graph.Cost, g.NumNodes())
		s.CostsInto(dst)
		for v := range dst {
			if dst[v] != want.Cost[v] {
				t.Fatalf("forward %d: node %d cost %v, want %v", k, v, dst[v], want.Cost[v])
			}
		}
		wantRev := Dijkstra(g.Reverse(), sources, 600_000)
		s.Backward(sources, 600_000, 2)
		reached := s.Reached(nil)
		count := 0
		for v := range wantRev.Cost {
			if s.Cost(graph.NodeID(v)) != wantRev.Cost[v] {
				t.Fatalf("backward %d: node %d cost %v, want %v", k, v, s.Cost(graph.NodeID(v)), wantRev.Cost[v])
			}
			if wantRev.Cost[v] != graph.Closed {
				count++
			}
		}
		if len(reached) != count {
			t.Fatalf("backward %d: %d nodes reached, reference %d", k, len(reached), count)
		}
	}
}

// latticeGraph is a w×h grid of streets with random travel times, 10 %
// one-way and 10 % missing.
func latticeGraph(tb testing.TB, rng *rand.Rand, w, h int) *graph.Graph {
	tb.Helper()
	var b graph.Builder
	for y := range h {
		for x := range w {
			b.AddNode(int64(y*w+x+1), [2]float64{float64(x) * 100, float64(y) * 100})
		}
	}
	key := int64(1)
	add := func(u, v int) {
		if rng.IntN(10) == 0 {
			return
		}
		c := graph.Cost(5000 + rng.IntN(20000))
		bwd := c
		if rng.IntN(10) == 0 {
			bwd = graph.Closed
		}
		if err := b.AddEdge(graph.EdgeSpec{Key: key, From: graph.NodeID(u), To: graph.NodeID(v), Forward: c, Backward: bwd, Length: 100}); err != nil {
			tb.Fatal(err)
		}
		key++
	}
	for y := range h {
		for x := range w {
			if x+1 < w {
				add(y*w+x, y*w+x+1)
			}
			if y+1 < h {
				add(y*w+x, (y+1)*w+x)
			}
		}
	}
	g, err := b.Build(graph.BuildOptions{SpatialOrder: true})
	if err != nil {
		tb.Fatal(err)
	}
	return g
}

func TestSweepAllocatesNothing(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	g := latticeGraph(t, rng, 30, 30)
	h := contractT(t, g, 0)
	s := h.NewSweep()
	sources := randomSources(rng, g, 5)
	if a := testing.AllocsPerRun(20, func() { s.Forward(sources, Unbounded, 1) }); a != 0 {
		t.Errorf("Forward allocates %v times per run, want 0", a)
	}
	if a := testing.AllocsPerRun(20, func() { s.Backward(sources, Unbounded, 1) }); a != 0 {
		t.Errorf("Backward allocates %v times per run, want 0", a)
	}
}

func TestSweepPoolConcurrent(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	g := latticeGraph(t, rng, 20, 20)
	h := contractT(t, g, 0)
	sources := randomSources(rng, g, 3)
	want := Dijkstra(g.Reverse(), sources, Unbounded).Cost
	concurrently(t, 4, 20, func() error {
		s := h.Get()
		defer h.Put(s)
		s.Backward(sources, Unbounded, 2)
		return sameCosts("pooled sweep", s, want)
	})
}

func TestContractCancelled(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	g := latticeGraph(t, rng, 100, 100)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Contract(ctx, g, ContractOptions{}); err == nil {
		t.Fatal("Contract with a cancelled context: no error")
	}
}

func TestHierarchyValidateFindsBrokenArc(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	g := latticeGraph(t, rng, 10, 10)
	h := contractT(t, g, 0)
	// point an arc of the lowest node downwards
	last := h.n - 1
	for p := last; p >= 0; p-- {
		if h.upFirst[p] < h.upFirst[p+1] {
			h.up[h.upFirst[p]].other = uint32(h.n - 1)
			break
		}
	}
	if err := h.Validate(); err == nil {
		t.Fatal("Validate accepts an arc that leads downwards")
	}
}

// BenchmarkContract contracts a 150×150 street lattice (22,500 nodes).
func BenchmarkContract(b *testing.B) {
	g := latticeGraph(b, rand.New(rand.NewPCG(1, 2)), 150, 150)
	var h *Hierarchy
	for b.Loop() {
		var err error
		if h, err = Contract(context.Background(), g, ContractOptions{WitnessSettle: benchSettle}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(h.Shortcuts()), "shortcuts")
	b.ReportMetric(float64(h.NumLevels()), "levels")
}

var benchSettle = 0
