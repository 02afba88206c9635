package network

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"

	"reach/geo/graph"
	"reach/geo/route"
	"reach/layers"
)

// randomSegments draws a small road layer: nodes on a plane, segments
// between random pairs with random access per mode (one-way either way,
// closed, open), random speeds from a few values (so that contraction has
// chains to merge), some ferries with a duration, loops and parallel
// segments.
func randomSegments(rng *rand.Rand, nodes, segs int) []layers.RoadSegment {
	pts := make([]orb.Point, nodes)
	for i := range pts {
		pts[i] = orb.Point{rng.Float64() * 3000, rng.Float64() * 3000}
	}
	access := func() layers.Access {
		speeds := []float64{5, 15, 30, 50}
		a := layers.Access{SpeedKmh: speeds[rng.IntN(len(speeds))]}
		switch rng.IntN(5) {
		case 0:
			return layers.Access{}
		case 1:
			a.Forward = true
		case 2:
			a.Backward = true
		default:
			a.Forward, a.Backward = true, true
		}
		return a
	}
	out := make([]layers.RoadSegment, 0, segs)
	for i := range segs {
		u, v := rng.IntN(nodes), rng.IntN(nodes)
		if rng.IntN(3) > 0 && i > 0 { // chains: continue from the last segment's end
			u = int(out[len(out)-1].ToNode - 1)
		}
		geom := orb.LineString{pts[u], pts[v]}
		if u == v {
			geom = orb.LineString{pts[u], {pts[u][0] + 50, pts[u][1]}, pts[u]}
		}
		s := layers.RoadSegment{
			ID: int64(i + 1), WayID: int64(i + 1), FromNode: int64(u + 1), ToNode: int64(v + 1),
			Geometry: geom, Highway: "residential", LengthM: planarLength(geom),
			Car: access(), Bicycle: access(), Foot: access(),
		}
		if rng.IntN(15) == 0 {
			s.Highway, s.DurationS = "ferry", float64(rng.IntN(900))
		}
		out = append(out, s)
	}
	return out
}

// naiveGraph builds a mode's graph straight from the segments, one edge per
// segment, without contraction: the independent model Build must agree
// with.
func naiveGraph(t *testing.T, segs []layers.RoadSegment, m layers.Mode) (*graph.Graph, map[int64]graph.NodeID) {
	t.Helper()
	var b graph.Builder
	ids := map[int64]graph.NodeID{}
	node := func(key int64, p orb.Point) graph.NodeID {
		if v, ok := ids[key]; ok {
			return v
		}
		ids[key] = b.AddNode(key, p)
		return ids[key]
	}
	for _, s := range segs {
		a := s.Access(m)
		if !a.Forward && !a.Backward {
			continue
		}
		secs := s.LengthM / (a.SpeedKmh / 3.6)
		if s.DurationS > 0 {
			secs = s.DurationS
		}
		c := graph.Cost(math.Round(secs * 1000))
		fwd, bwd := graph.Closed, graph.Closed
		if a.Forward {
			fwd = c
		}
		if a.Backward {
			bwd = c
		}
		u := node(s.FromNode, s.Geometry[0])
		v := node(s.ToNode, s.Geometry[len(s.Geometry)-1])
		if err := b.AddEdge(graph.EdgeSpec{Key: s.ID, From: u, To: v, Forward: fwd, Backward: bwd, Length: graph.Meters(s.LengthM)}); err != nil {
			t.Fatal(err)
		}
	}
	g, err := b.Build(graph.BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return g, ids
}

func TestBuildMatchesNaiveModel(t *testing.T) {
	seed := uint64(1234)
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	for round := range 60 {
		segs := randomSegments(rng, 2+rng.IntN(30), 1+rng.IntN(60))
		nets, err := Build(context.Background(), func(yield func(layers.RoadSegment, error) bool) {
			for _, s := range segs {
				if !yield(s, nil) {
					return
				}
			}
		}, Options{})
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		for _, m := range layers.Modes() {
			n := nets[m]
			g := n.Graph()
			if err := g.Validate(); err != nil {
				t.Fatalf("round %d %s: %v", round, m, err)
			}
			ng, ids := naiveGraph(t, segs, m)
			for v := range g.NumNodes() {
				key := g.Key(graph.NodeID(v))
				want := route.Dijkstra(ng, []route.Source{{Node: ids[key]}}, route.Unbounded)
				got := route.Dijkstra(g, []route.Source{{Node: graph.NodeID(v)}}, route.Unbounded)
				for w := range g.NumNodes() {
					k2 := g.Key(graph.NodeID(w))
					if got.Cost[w] != want.Cost[ids[k2]] {
						t.Fatalf("round %d %s: %d→%d: network %v, naive %v", round, m, key, k2, got.Cost[w], want.Cost[ids[k2]])
					}
				}
			}
			// every open segment is in exactly one exported edge
			seen := map[int64]int{}
			for e := range g.NumEdges() {
				for _, s := range g.Sources(graph.EdgeID(e)) {
					seen[s.ID]++
				}
			}
			for _, s := range segs {
				a := s.Access(m)
				want := 0
				if a.Forward || a.Backward {
					want = 1
				}
				if seen[s.ID] != want {
					t.Fatalf("round %d %s: segment %d in %d edges, want %d", round, m, s.ID, seen[s.ID], want)
				}
			}
		}
	}
}
