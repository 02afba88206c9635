package route

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"

	"reach/geo/graph"
)

// randomGraph draws a graph with n nodes and m edges: random ends (loops
// and parallel edges included), costs with many zeros and many ties, a share
// of one-way edges, and nodes that often fall into several disconnected
// parts. Built with spatial order and, when contract is set, contraction.
func randomGraph(tb testing.TB, rng *rand.Rand, n, m int, contract bool) *graph.Graph {
	tb.Helper()
	var b graph.Builder
	for i := range n {
		b.AddNode(int64(1000+i), orb.Point{rng.Float64() * 5000, rng.Float64() * 5000})
	}
	parts := 1 + rng.IntN(3)
	for i := range m {
		u := rng.IntN(n)
		v := rng.IntN(n)
		if parts > 1 && rng.IntN(4) > 0 {
			// keep most edges inside a part
			v = u - u%parts + v%parts
			if v >= n {
				v = u
			}
		}
		var c graph.Cost
		switch rng.IntN(4) {
		case 0:
			c = 0
		case 1:
			c = graph.Cost(rng.IntN(3) * 1000)
		default:
			c = graph.Cost(rng.IntN(100000))
		}
		fwd, bwd := c, c
		switch rng.IntN(4) {
		case 0:
			bwd = graph.Closed
		case 1:
			fwd = graph.Closed
		case 2:
			bwd = graph.Cost(rng.IntN(100000))
		}
		if err := b.AddEdge(graph.EdgeSpec{Key: int64(i + 1), From: graph.NodeID(u), To: graph.NodeID(v),
			Forward: fwd, Backward: bwd, Length: graph.Meters(rng.Float64() * 500), Class: uint32(rng.IntN(2))}); err != nil {
			tb.Fatal(err)
		}
	}
	g, err := b.Build(graph.BuildOptions{Contract: contract, SpatialOrder: true})
	if err != nil {
		tb.Fatal(err)
	}
	if err := g.Validate(); err != nil {
		tb.Fatal(err)
	}
	return g
}

func randomSources(rng *rand.Rand, g *graph.Graph, k int) []Source {
	out := make([]Source, k)
	for i := range out {
		out[i] = Source{Node: graph.NodeID(rng.IntN(g.NumNodes())), Meters: float32(rng.IntN(50))}
		if rng.IntN(2) == 0 {
			out[i].Offset = graph.Cost(rng.IntN(50000))
		}
	}
	return out
}

// checkTree compares the fast query's last run with the reference on every
// node and checks that labels and metres describe real paths.
func checkTree(t *testing.T, g *graph.Graph, q *Query, sources []Source, limit graph.Cost) {
	t.Helper()
	ref := Dijkstra(g, sources, limit)
	lengths := g.ArcLengths()
	bad := 0
	for v := range g.NumNodes() {
		nv := graph.NodeID(v)
		got, want := q.Cost(nv), ref.Cost[v]
		if got != want {
			t.Errorf("node %d: cost %v, reference %v", v, got, want)
			bad++
		}
		if bad > 5 {
			t.Fatal("too many differences")
		}
		if got == graph.Closed {
			if q.Label(nv) != NoLabel {
				t.Errorf("node %d: unreached but label %d", v, q.Label(nv))
			}
			continue
		}
		l := q.Label(nv)
		if l < 0 || int(l) >= len(sources) {
			t.Fatalf("node %d: label %d out of range", v, l)
		}
		// the labelled source alone reaches v at exactly this cost
		single := Dijkstra(g, []Source{sources[l]}, limit)
		if single.Cost[v] != got {
			t.Errorf("node %d: label %d reaches it at %v, not %v", v, l, single.Cost[v], got)
		}
		// some in-arc (or the source itself) explains cost, label and metres
		s := sources[l]
		ok := s.Node == nv && s.Offset == got && q.Meters(nv) == graph.Meters(s.Meters)
		for u := range g.NumNodes() {
			lo, hi := g.ArcRange(graph.NodeID(u))
			for a := lo; a < hi && !ok; a++ {
				arc := g.OutArcs(graph.NodeID(u))[a-lo]
				if arc.Head != nv || q.Cost(graph.NodeID(u)) == graph.Closed {
					continue
				}
				if graph.AddCost(q.Cost(graph.NodeID(u)), arc.Cost) == got && q.Label(graph.NodeID(u)) == l &&
					math.Abs(float64(q.Meters(graph.NodeID(u)))+float64(lengths[a])-float64(q.Meters(nv))) < 1e-3 {
					ok = true
				}
			}
		}
		if !ok {
			t.Errorf("node %d: no arc or source explains cost %v label %d meters %v", v, got, l, q.Meters(nv))
		}
	}
	if len(q.Settled()) == 0 && len(sources) > 1 {
		return // after RunParallel
	}
	// Settled lists exactly the reached nodes in non-decreasing cost
	seen := map[graph.NodeID]bool{}
	prev := graph.Cost(0)
	for _, v := range q.Settled() {
		if seen[v] {
			t.Fatalf("node %d settled twice", v)
		}
		seen[v] = true
		if q.Cost(v) < prev {
			t.Fatalf("settled out of order at node %d", v)
		}
		prev = q.Cost(v)
	}
	for v := range g.NumNodes() {
		if (ref.Cost[v] != graph.Closed) != seen[graph.NodeID(v)] {
			t.Fatalf("node %d: reached %v, settled %v", v, ref.Cost[v] != graph.Closed, seen[graph.NodeID(v)])
		}
	}
}

func TestQueryMatchesDijkstra(t *testing.T) {
	seed := uint64(20260611)
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 1))
	for round := range 150 {
		n := 1 + rng.IntN(40)
		m := rng.IntN(3 * n)
		g := randomGraph(t, rng, n, m, round%3 == 0)
		for _, gg := range []*graph.Graph{g, g.Reverse()} {
			q := NewQuery(gg) // reused across runs: no stale state may leak
			for range 4 {
				sources := randomSources(rng, gg, 1+rng.IntN(4))
				limit := Unbounded
				if rng.IntN(3) == 0 {
					limit = graph.Cost(rng.IntN(150000))
				}
				q.Run(sources, limit)
				checkTree(t, gg, q, sources, limit)
				if t.Failed() {
					t.Fatalf("round %d (seed %d): n=%d m=%d sources %+v limit %v", round, seed, n, m, sources, limit)
				}
			}
		}
	}
}

func TestRunParallelMatchesDijkstra(t *testing.T) {
	seed := uint64(4242)
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 3))
	for round := range 150 {
		n := 1 + rng.IntN(60)
		g := randomGraph(t, rng, n, rng.IntN(3*n), round%3 == 0)
		q := NewQuery(g)
		for range 4 {
			sources := randomSources(rng, g, 2+rng.IntN(6))
			limit := Unbounded
			if rng.IntN(3) == 0 {
				limit = graph.Cost(rng.IntN(150000))
			}
			workers := 2 + rng.IntN(3)
			q.RunParallel(sources, limit, workers)
			checkTree(t, g, q, sources, limit)
			if t.Failed() {
				t.Fatalf("round %d (seed %d): %d workers, sources %+v limit %v", round, seed, workers, sources, limit)
			}
			// and a plain run afterwards sees no leftovers
			q.Run(sources[:1], limit)
			checkTree(t, g, q, sources[:1], limit)
			if t.Failed() {
				t.Fatalf("round %d: Run after RunParallel differs", round)
			}
		}
	}
}

func TestImproveMatchesDijkstra(t *testing.T) {
	seed := uint64(77)
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 2))
	for round := range 200 {
		n := 1 + rng.IntN(40)
		g := randomGraph(t, rng, n, rng.IntN(3*n), round%2 == 0)
		q := NewQuery(g)
		for range 3 {
			old := randomSources(rng, g, rng.IntN(3))
			added := randomSources(rng, g, 1+rng.IntN(2))
			limit := Unbounded
			if rng.IntN(3) == 0 {
				limit = graph.Cost(rng.IntN(150000))
			}
			base := Dijkstra(g, old, limit).Cost
			after := Dijkstra(g, append(append([]Source(nil), old...), added...), limit).Cost
			q.Improve(added, base, limit)
			improved := map[graph.NodeID]bool{}
			for _, v := range q.Settled() {
				improved[v] = true
			}
			for v := range g.NumNodes() {
				nv := graph.NodeID(v)
				want := after[v] < base[v]
				if improved[nv] != want {
					t.Fatalf("round %d node %d: improved %v, want %v (before %v after %v)", round, v, improved[nv], want, base[v], after[v])
				}
				if want && q.Cost(nv) != after[v] {
					t.Fatalf("round %d node %d: improved cost %v, want %v", round, v, q.Cost(nv), after[v])
				}
				if !want && q.Cost(nv) != graph.Closed {
					t.Fatalf("round %d node %d: not improved but cost %v", round, v, q.Cost(nv))
				}
			}
			// a plain run afterwards must not see leftovers
			q.Run(old, limit)
			for v := range g.NumNodes() {
				if q.Cost(graph.NodeID(v)) != base[v] {
					t.Fatalf("round %d node %d: Run after Improve gives %v, want %v", round, v, q.Cost(graph.NodeID(v)), base[v])
				}
			}
		}
	}
}

func TestPoolConcurrent(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	g := randomGraph(t, rng, 300, 900, false)
	p := NewPool(g)
	sources := randomSources(rng, g, 3)
	want := Dijkstra(g, sources, Unbounded).Cost
	concurrently(t, 4, 20, func() error {
		q := p.Get()
		defer p.Put(q)
		q.Run(sources, Unbounded)
		return sameCosts("pooled query", q, want)
	})
}

// concurrently runs check rounds times on each of workers goroutines and
// fails t with the first error.
func concurrently(t *testing.T, workers, rounds int, check func() error) {
	t.Helper()
	done := make(chan error, workers)
	for range workers {
		go func() {
			for range rounds {
				if err := check(); err != nil {
					done <- err
					return
				}
			}
			done <- nil
		}()
	}
	for range workers {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
}

// sameCosts compares the cost of every node in r with want.
func sameCosts(what string, r Result, want []graph.Cost) error {
	for v, c := range want {
		if got := r.Cost(graph.NodeID(v)); got != c {
			return fmt.Errorf("%s: node %d cost %v, want %v", what, v, got, c)
		}
	}
	return nil
}

func TestRunAllocatesNothing(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	g := randomGraph(t, rng, 2000, 6000, false)
	q := NewQuery(g)
	sources := randomSources(rng, g, 5)
	base := Dijkstra(g, sources[:2], Unbounded).Cost
	q.Run(sources, Unbounded) // grows the buffers once
	q.Improve(sources[2:], base, Unbounded)
	if a := testing.AllocsPerRun(20, func() { q.Run(sources, Unbounded) }); a != 0 {
		t.Errorf("Run allocates %v times per run, want 0", a)
	}
	if a := testing.AllocsPerRun(20, func() { q.Improve(sources[2:], base, Unbounded) }); a != 0 {
		t.Errorf("Improve allocates %v times per run, want 0", a)
	}
}
