package graph_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"reach/geo/graph"
	"reach/geo/route"
)

// build makes a graph from nodes keyed 0..n-1 (points on a line) and edges
// given as [from, to, forward ms, backward ms, class] (−1 for closed).
func build(tb testing.TB, n int, edges [][5]int64, opts graph.BuildOptions) *graph.Graph {
	tb.Helper()
	var b graph.Builder
	for i := range n {
		b.AddNode(int64(i), orb.Point{float64(i) * 10, float64(i%3) * 7})
	}
	for i, e := range edges {
		c := func(x int64) graph.Cost {
			if x < 0 {
				return graph.Closed
			}
			return graph.Cost(x)
		}
		if err := b.AddEdge(graph.EdgeSpec{Key: int64(100 + i), From: graph.NodeID(e[0]), To: graph.NodeID(e[1]),
			Forward: c(e[2]), Backward: c(e[3]), Length: graph.Meters(10 * (i + 1)), Class: uint32(e[4])}); err != nil {
			tb.Fatal(err)
		}
	}
	g, err := b.Build(opts)
	if err != nil {
		tb.Fatal(err)
	}
	if err := g.Validate(); err != nil {
		tb.Fatal(err)
	}
	return g
}

func byKey(g *graph.Graph) map[int64]graph.NodeID {
	m := map[int64]graph.NodeID{}
	for v := range g.NumNodes() {
		m[g.Key(graph.NodeID(v))] = graph.NodeID(v)
	}
	return m
}

func TestContraction(t *testing.T) {
	// 0 ⇄ 1 ⇄ 2 ⇄ 3, with a branch 2 → 4 (one-way). Node 1 is a plain
	// chain node and goes; node 2 is a junction and stays.
	//
	//	0 ── 1 ── 2 ── 3
	//	          │
	//	          ▼
	//	          4 ── 5 (one-way 4→5) ── 6 (one-way 5→6)
	cases := []struct {
		name      string
		n         int
		edges     [][5]int64
		wantNodes int
		wantEdges int
	}{
		{"two-way chain", 4, [][5]int64{{0, 1, 1000, 2000, 0}, {1, 2, 3000, 4000, 0}, {2, 3, 5000, 6000, 0}}, 2, 1},
		{"one-way chain", 3, [][5]int64{{0, 1, 1000, -1, 0}, {2, 1, -1, 500, 0}}, 2, 1},
		{"mixed directions stay apart", 3, [][5]int64{{0, 1, 1000, -1, 0}, {1, 2, 1000, 1000, 0}}, 3, 2},
		{"classes stay apart", 3, [][5]int64{{0, 1, 1000, 1000, 0}, {1, 2, 1000, 1000, 1}}, 3, 2},
		{"junction stays", 7, [][5]int64{{0, 1, 1, 1, 0}, {1, 2, 1, 1, 0}, {2, 3, 1, 1, 0}, {2, 4, 1, -1, 0}, {4, 5, 1, -1, 0}, {5, 6, 1, -1, 0}}, 4, 3},
		{"ring becomes a loop", 4, [][5]int64{{0, 1, 1, 1, 0}, {1, 2, 1, 1, 0}, {2, 3, 1, 1, 0}, {3, 0, 1, 1, 0}}, 1, 1},
		{"loops and parallel edges", 3, [][5]int64{{0, 0, 0, 0, 0}, {0, 1, 5, 5, 0}, {0, 1, 7, -1, 0}, {1, 2, 0, 0, 0}}, 3, 4},
		{"isolated node kept", 3, [][5]int64{{0, 1, 1, 1, 0}}, 3, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			full := build(t, tc.n, tc.edges, graph.BuildOptions{})
			g := build(t, tc.n, tc.edges, graph.BuildOptions{Contract: true, SpatialOrder: true})
			if g.NumNodes() != tc.wantNodes || g.NumEdges() != tc.wantEdges {
				t.Errorf("contracted to %d nodes, %d edges; want %d, %d", g.NumNodes(), g.NumEdges(), tc.wantNodes, tc.wantEdges)
			}
			// every source edge is in exactly one edge; lengths add up
			seen := map[int64]int{}
			var total, fullTotal graph.Meters
			for e := range g.NumEdges() {
				for _, s := range g.Sources(graph.EdgeID(e)) {
					seen[s.ID]++
				}
				total += g.Edge(graph.EdgeID(e)).Length
			}
			for e := range full.NumEdges() {
				fullTotal += full.Edge(graph.EdgeID(e)).Length
			}
			if len(seen) != len(tc.edges) || total != fullTotal {
				t.Errorf("sources %v, length %v; want %d sources once each, length %v", seen, total, len(tc.edges), fullTotal)
			}
			assertSameDistances(t, full, g)
		})
	}
}

// assertSameDistances checks that between nodes present in both graphs the
// reference distances agree.
func assertSameDistances(t *testing.T, full, g *graph.Graph) {
	t.Helper()
	fk, gk := byKey(full), byKey(g)
	for key, gv := range gk {
		fv := fk[key]
		want := route.Dijkstra(full, []route.Source{{Node: fv}}, route.Unbounded)
		got := route.Dijkstra(g, []route.Source{{Node: gv}}, route.Unbounded)
		for key2, gw := range gk {
			if got.Cost[gw] != want.Cost[fk[key2]] {
				t.Errorf("cost %d→%d: contracted %v, full %v", key, key2, got.Cost[gw], want.Cost[fk[key2]])
			}
		}
	}
}

func TestContractionRandom(t *testing.T) {
	seed := uint64(31337)
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	for round := range 300 {
		n := 1 + rng.IntN(25)
		var edges [][5]int64
		for range rng.IntN(2 * n) {
			w := func() int64 {
				if rng.IntN(4) == 0 {
					return -1
				}
				return int64(rng.IntN(3) * 500)
			}
			f, b := w(), w()
			if f < 0 && b < 0 {
				f = 0
			}
			edges = append(edges, [5]int64{int64(rng.IntN(n)), int64(rng.IntN(n)), f, b, int64(rng.IntN(2))})
		}
		full := build(t, n, edges, graph.BuildOptions{})
		g := build(t, n, edges, graph.BuildOptions{Contract: true, SpatialOrder: round%2 == 0})
		assertSameDistances(t, full, g)
		if t.Failed() {
			t.Fatalf("round %d: edges %v", round, edges)
		}
	}
}

func TestReverse(t *testing.T) {
	g := build(t, 4, [][5]int64{{0, 1, 10, -1, 0}, {1, 2, 20, 30, 0}, {3, 3, 5, 5, 0}}, graph.BuildOptions{})
	r := g.Reverse()
	if err := r.Validate(); err != nil {
		t.Fatal(err)
	}
	if !r.IsReverse() || r.Reverse().IsReverse() {
		t.Error("IsReverse flags wrong")
	}
	for s := range g.NumNodes() {
		fw := route.Dijkstra(g, []route.Source{{Node: graph.NodeID(s)}}, route.Unbounded)
		for d := range g.NumNodes() {
			bw := route.Dijkstra(r, []route.Source{{Node: graph.NodeID(d)}}, route.Unbounded)
			if fw.Cost[d] != bw.Cost[s] {
				t.Errorf("%d→%d: forward %v, reverse %v", s, d, fw.Cost[d], bw.Cost[s])
			}
		}
	}
}

func TestSnapshotRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	var edges [][5]int64
	for range 300 {
		edges = append(edges, [5]int64{int64(rng.IntN(100)), int64(rng.IntN(100)), int64(rng.IntN(9000)), int64(rng.IntN(9000)) - 3000, int64(rng.IntN(2))})
	}
	for _, g := range []*graph.Graph{
		build(t, 100, edges, graph.BuildOptions{Contract: true, SpatialOrder: true}),
		build(t, 100, edges, graph.BuildOptions{}).Reverse(),
		build(t, 0, nil, graph.BuildOptions{}),
	} {
		var buf bytes.Buffer
		n, err := g.WriteTo(&buf)
		if err != nil || n != int64(buf.Len()) {
			t.Fatalf("WriteTo = %d, %v; buffer %d", n, err, buf.Len())
		}
		data := buf.Bytes()
		h, err := graph.ReadFrom(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		if h.NumNodes() != g.NumNodes() || h.NumEdges() != g.NumEdges() || h.NumArcs() != g.NumArcs() || h.IsReverse() != g.IsReverse() {
			t.Fatalf("read %d/%d/%d, wrote %d/%d/%d", h.NumNodes(), h.NumEdges(), h.NumArcs(), g.NumNodes(), g.NumEdges(), g.NumArcs())
		}
		for v := range g.NumNodes() {
			nv := graph.NodeID(v)
			if g.Point(nv) != h.Point(nv) || g.Key(nv) != h.Key(nv) {
				t.Fatalf("node %d differs", v)
			}
			ga, ha := g.OutArcs(nv), h.OutArcs(nv)
			if len(ga) != len(ha) {
				t.Fatalf("node %d: %d arcs, want %d", v, len(ha), len(ga))
			}
			for i := range ga {
				if ga[i] != ha[i] {
					t.Fatalf("node %d arc %d: %v, want %v", v, i, ha[i], ga[i])
				}
			}
		}
		for e := range g.NumEdges() {
			ge, he := g.Edge(graph.EdgeID(e)), h.Edge(graph.EdgeID(e))
			gs, hs := g.Sources(graph.EdgeID(e)), h.Sources(graph.EdgeID(e))
			if ge != he || len(gs) != len(hs) {
				t.Fatalf("edge %d: %+v %v, want %+v %v", e, he, hs, ge, gs)
			}
			for i := range gs {
				if gs[i] != hs[i] {
					t.Fatalf("edge %d source %d: %v, want %v", e, i, hs[i], gs[i])
				}
			}
		}
		// any flipped byte or truncation is detected
		if len(data) > 40 {
			bad := append([]byte(nil), data...)
			bad[len(bad)/2] ^= 0x10
			if _, err := graph.ReadFrom(bytes.NewReader(bad)); !errors.Is(err, graph.ErrInvalid) {
				t.Errorf("flipped byte: err %v, want ErrInvalid", err)
			}
		}
		if _, err := graph.ReadFrom(bytes.NewReader(data[:len(data)-1])); err == nil {
			t.Error("truncated snapshot read without error")
		}
	}
}

func FuzzReadFrom(f *testing.F) {
	var buf bytes.Buffer
	g := build(f, 5, [][5]int64{{0, 1, 1, 2, 0}, {1, 2, 3, -1, 0}, {3, 4, 0, 0, 1}}, graph.BuildOptions{Contract: true})
	if _, err := g.WriteTo(&buf); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add([]byte("REACHGR2"))
	f.Fuzz(func(t *testing.T, data []byte) {
		h, err := graph.ReadFrom(bytes.NewReader(data))
		if err != nil {
			return
		}
		if err := h.Validate(); err != nil {
			t.Fatalf("ReadFrom accepted an invalid graph: %v", err)
		}
		var out bytes.Buffer
		if _, err := h.WriteTo(&out); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(out.Bytes(), data[:out.Len()]) {
			t.Fatal("accepted snapshot does not write back the same bytes")
		}
	})
}

func TestStrongComponents(t *testing.T) {
	seed := uint64(99)
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	for range 100 {
		n := 1 + rng.IntN(30)
		var edges [][5]int64
		for range rng.IntN(2 * n) {
			edges = append(edges, [5]int64{int64(rng.IntN(n)), int64(rng.IntN(n)), int64(rng.IntN(2)) - 1 + 1, int64(rng.IntN(3)) - 1, 0})
		}
		g := build(t, n, edges, graph.BuildOptions{})
		c := graph.StrongComponents(g)
		reach := make([][]graph.Cost, n)
		for v := range n {
			reach[v] = route.Dijkstra(g, []route.Source{{Node: graph.NodeID(v)}}, route.Unbounded).Cost
		}
		for u := range n {
			for v := range n {
				mutual := reach[u][v] != graph.Closed && reach[v][u] != graph.Closed
				if (c.Of[u] == c.Of[v]) != mutual {
					t.Fatalf("nodes %d,%d: same component %v, mutually reachable %v", u, v, c.Of[u] == c.Of[v], mutual)
				}
			}
		}
		for i := 1; i < len(c.Size); i++ {
			if c.Size[i] > c.Size[i-1] {
				t.Fatalf("sizes not decreasing: %v", c.Size)
			}
		}
		count := make([]int, len(c.Size))
		for _, k := range c.Of {
			count[k]++
		}
		for k := range count {
			if count[k] != c.Size[k] {
				t.Fatalf("component %d has %d nodes, Size says %d", k, count[k], c.Size[k])
			}
		}
	}
}

func TestHilbertIndexIsABijectionOnSmallGrids(t *testing.T) {
	// On the 2^16 grid, the 4×4 block at the origin is the curve's first 16
	// cells, each visited once, neighbours in curve order adjacent.
	seen := map[uint32][2]uint32{}
	for x := uint32(0); x < 4; x++ {
		for y := uint32(0); y < 4; y++ {
			seen[graph.HilbertIndex(x, y)] = [2]uint32{x, y}
		}
	}
	for d := uint32(0); d < 16; d++ {
		p, ok := seen[d]
		if !ok {
			t.Fatalf("index %d not taken by the 4×4 corner block: %v", d, seen)
		}
		if d > 0 {
			q := seen[d-1]
			dx, dy := int(p[0])-int(q[0]), int(p[1])-int(q[1])
			if dx*dx+dy*dy != 1 {
				t.Fatalf("cells %d %v and %d %v not adjacent", d-1, q, d, p)
			}
		}
	}
}

func TestCostOf(t *testing.T) {
	cases := []struct {
		s    graph.Seconds
		want graph.Cost
		err  bool
	}{
		{0, 0, false}, {1.0004, 1000, false}, {1.0005, 1001, false}, {-1, 0, true}, {5e6, 0, true},
	}
	for _, tc := range cases {
		got, err := graph.CostOf(tc.s)
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("CostOf(%v) = %v, %v; want %v, error %v", tc.s, got, err, tc.want, tc.err)
		}
	}
	if graph.AddCost(graph.MaxCost, 1) != graph.Closed || graph.AddCost(1, 2) != 3 {
		t.Error("AddCost does not saturate")
	}
}

// TestSnapshotReversedPadding: the reversed bits after the last source must
// be zero, even under a valid checksum.
func TestSnapshotReversedPadding(t *testing.T) {
	g := build(t, 4, [][5]int64{{0, 1, 5, 5, 0}, {1, 2, 5, 5, 0}, {2, 3, 5, -1, 1}}, graph.BuildOptions{})
	var buf bytes.Buffer
	if _, err := g.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	// three sources: the last byte before the checksum holds their bits
	bad := bytes.Clone(data)
	bad[len(bad)-5] |= 0x80
	binary.LittleEndian.PutUint32(bad[len(bad)-4:], crc32.Checksum(bad[:len(bad)-4], crc32.MakeTable(crc32.Castagnoli)))
	if _, err := graph.ReadFrom(bytes.NewReader(bad)); !errors.Is(err, graph.ErrInvalid) || !strings.Contains(err.Error(), "reversed bits") {
		t.Errorf("padding bit set: err %v, want ErrInvalid naming the reversed bits", err)
	}
	if _, err := graph.ReadFrom(bytes.NewReader(data)); err != nil {
		t.Fatalf("intact snapshot: %v", err)
	}
}

// TestSnapshotBadColumns: a snapshot whose checksum holds but whose values
// break the graph's invariants (a length that is not a number, an end node
// out of range, a coordinate that is not finite) is refused.
func TestSnapshotBadColumns(t *testing.T) {
	g := build(t, 4, [][5]int64{{0, 1, 5, 5, 0}, {1, 2, 5, 5, 0}, {2, 3, 5, -1, 1}}, graph.BuildOptions{})
	var buf bytes.Buffer
	if _, err := g.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	n, m := g.NumNodes(), g.NumEdges()
	const head = 8 + 4 + 3*8
	for _, tc := range []struct {
		name string
		at   int // byte offset of the value
		bits uint64
		size int
		want string
	}{
		{"length NaN", head + 24*n + 16*m, math.Float64bits(math.NaN()), 8, "length"},
		{"length negative", head + 24*n + 16*m + 8, math.Float64bits(-1), 8, "length"},
		{"to node out of range", head + 24*n + 4*m, uint64(n), 4, "end node out of range"},
		{"x infinite", head + 16, math.Float64bits(math.Inf(1)), 8, "not finite"},
	} {
		bad := bytes.Clone(data)
		if tc.size == 8 {
			binary.LittleEndian.PutUint64(bad[tc.at:], tc.bits)
		} else {
			binary.LittleEndian.PutUint32(bad[tc.at:], uint32(tc.bits))
		}
		binary.LittleEndian.PutUint32(bad[len(bad)-4:], crc32.Checksum(bad[:len(bad)-4], crc32.MakeTable(crc32.Castagnoli)))
		if _, err := graph.ReadFrom(bytes.NewReader(bad)); !errors.Is(err, graph.ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err %v, want ErrInvalid naming %q", tc.name, err, tc.want)
		}
	}
}

// TestWithEdgeCosts: the changed graph has the new costs on the arcs of the
// changed edges and nowhere else; the original is unchanged; opening or
// closing a direction is refused.
func TestWithEdgeCosts(t *testing.T) {
	var b graph.Builder
	for i := range 4 {
		b.AddNode(int64(i), orb.Point{float64(i), 0})
	}
	for i, c := range []graph.Cost{10, 20, 30} {
		if err := b.AddEdge(graph.EdgeSpec{Key: int64(i), From: graph.NodeID(i), To: graph.NodeID(i + 1), Forward: c, Backward: c + 1, Length: 1}); err != nil {
			t.Fatal(err)
		}
	}
	g, err := b.Build(graph.BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, gr := range []*graph.Graph{g, g.Reverse()} {
		var mid graph.EdgeID
		for e := range gr.NumEdges() {
			if gr.Edge(graph.EdgeID(e)).Key == 1 {
				mid = graph.EdgeID(e)
			}
		}
		old := gr.Edge(mid)
		h, err := gr.WithEdgeCosts(map[graph.EdgeID]graph.EdgeCosts{mid: {Forward: 5, Backward: 6}})
		if err != nil {
			t.Fatal(err)
		}
		if err := h.Validate(); err != nil {
			t.Fatalf("changed graph: %v", err)
		}
		if e := h.Edge(mid); e.Forward != 5 || e.Backward != 6 {
			t.Fatalf("changed edge %+v, want 5/6", e)
		}
		if e := gr.Edge(mid); e != old {
			t.Fatalf("original edge changed to %+v", e)
		}
		changed := 0
		for a := range h.NumArcs() {
			e, bwd := h.ArcEdge(graph.ArcID(a))
			want := arcsOf(gr)[a].Cost
			if e == mid {
				changed++
				want = map[bool]graph.Cost{false: 5, true: 6}[bwd]
			}
			if arcsOf(h)[a].Cost != want {
				t.Fatalf("arc %d of edge %d: cost %d, want %d", a, e, arcsOf(h)[a].Cost, want)
			}
		}
		if changed != 2 {
			t.Fatalf("%d arcs of the changed edge, want 2", changed)
		}
		if _, err := gr.WithEdgeCosts(map[graph.EdgeID]graph.EdgeCosts{mid: {Forward: graph.Closed, Backward: 6}}); err == nil {
			t.Fatal("closing a direction: want an error")
		}
	}
}

func arcsOf(g *graph.Graph) []graph.Arc {
	_, arcs := g.Arcs()
	return arcs
}

// TestWithEdgeCostsRandom: on random graphs with one-way edges, loops and
// parallel edges, and on their reverses, the arcs of the changed edges
// carry the new cost of their direction and every other arc its old one.
func TestWithEdgeCostsRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	for trial := range 50 {
		var b graph.Builder
		n := 2 + rng.IntN(30)
		for i := range n {
			b.AddNode(int64(i), orb.Point{float64(i), float64(rng.IntN(5))})
		}
		for k := range 1 + rng.IntN(3*n) {
			fwd, bwd := graph.Cost(1+rng.IntN(100)), graph.Cost(1+rng.IntN(100))
			switch rng.IntN(4) {
			case 0:
				bwd = graph.Closed
			case 1:
				fwd = graph.Closed
			}
			from, to := graph.NodeID(rng.IntN(n)), graph.NodeID(rng.IntN(n))
			if err := b.AddEdge(graph.EdgeSpec{Key: int64(k), From: from, To: to, Forward: fwd, Backward: bwd, Length: 1}); err != nil {
				t.Fatal(err)
			}
		}
		g, err := b.Build(graph.BuildOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for _, gr := range []*graph.Graph{g, g.Reverse()} {
			costs := map[graph.EdgeID]graph.EdgeCosts{}
			for e := range gr.NumEdges() {
				if rng.IntN(3) != 0 {
					continue
				}
				ed := gr.Edge(graph.EdgeID(e))
				c := graph.EdgeCosts{Forward: graph.Closed, Backward: graph.Closed}
				if ed.Forward != graph.Closed {
					c.Forward = graph.Cost(rng.IntN(int(ed.Forward) + 1))
				}
				if ed.Backward != graph.Closed {
					c.Backward = graph.Cost(rng.IntN(int(ed.Backward) + 1))
				}
				costs[graph.EdgeID(e)] = c
			}
			h, err := gr.WithEdgeCosts(costs)
			if err != nil {
				t.Fatal(err)
			}
			if err := h.Validate(); err != nil {
				t.Fatalf("trial %d: %v", trial, err)
			}
			for a := range h.NumArcs() {
				e, bwd := h.ArcEdge(graph.ArcID(a))
				want := arcsOf(gr)[a].Cost
				if c, ok := costs[e]; ok {
					want = c.Forward
					if bwd {
						want = c.Backward
					}
				}
				if got := arcsOf(h)[a].Cost; got != want {
					t.Fatalf("trial %d: arc %d of edge %d (backward %v): cost %d, want %d", trial, a, e, bwd, got, want)
				}
			}
		}
	}
}
