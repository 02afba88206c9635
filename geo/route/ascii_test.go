package route

import (
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"reach/geo/graph"
)

// asciiGraph builds a graph from a drawing and an edge list. Every letter of
// the drawing is a node at (column×100 m, −row×100 m), keyed by its letter.
// Edges are "ab=7" (both ways, 7 s), "a>b=7" (a to b only) or "a<b=7"; the
// length is the straight-line distance. The graph is built without
// contraction and in drawing order, so that node ids follow the letters'
// order of appearance (row by row). It returns the graph and the node id of
// each letter.
func asciiGraph(tb testing.TB, drawing string, edges ...string) (*graph.Graph, map[byte]graph.NodeID) {
	tb.Helper()
	var b graph.Builder
	ids := map[byte]graph.NodeID{}
	pts := map[byte]orb.Point{}
	for row, line := range strings.Split(strings.Trim(drawing, "\n"), "\n") {
		for col := 0; col < len(line); col++ {
			c := line[col]
			if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' {
				if _, dup := ids[c]; dup {
					tb.Fatalf("node %c drawn twice", c)
				}
				p := orb.Point{float64(col) * 100, -float64(row) * 100}
				ids[c] = b.AddNode(int64(c), p)
				pts[c] = p
			}
		}
	}
	for i, e := range edges {
		spec, costText, ok := strings.Cut(e, "=")
		if !ok {
			tb.Fatalf("edge %q: no cost", e)
		}
		secs, err := strconv.ParseFloat(costText, 64)
		if err != nil {
			tb.Fatalf("edge %q: %v", e, err)
		}
		c, err := graph.CostOf(graph.Seconds(secs))
		if err != nil {
			tb.Fatal(err)
		}
		fwd, bwd := c, c
		var u, v byte
		switch {
		case len(spec) == 2:
			u, v = spec[0], spec[1]
		case len(spec) == 3 && spec[1] == '>':
			u, v, bwd = spec[0], spec[2], graph.Closed
		case len(spec) == 3 && spec[1] == '<':
			u, v, fwd = spec[0], spec[2], graph.Closed
		default:
			tb.Fatalf("edge %q: bad form", e)
		}
		if _, ok := ids[u]; !ok {
			tb.Fatalf("edge %q: node %c not drawn", e, u)
		}
		if _, ok := ids[v]; !ok {
			tb.Fatalf("edge %q: node %c not drawn", e, v)
		}
		pu, pv := pts[u], pts[v]
		length := graph.Meters(orbDist(pu, pv))
		if err := b.AddEdge(graph.EdgeSpec{Key: int64(i + 1), From: ids[u], To: ids[v], Forward: fwd, Backward: bwd, Length: length}); err != nil {
			tb.Fatal(err)
		}
	}
	g, err := b.Build(graph.BuildOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	if err := g.Validate(); err != nil {
		tb.Fatal(err)
	}
	return g, ids
}

func orbDist(a, b orb.Point) float64 { return math.Hypot(a[0]-b[0], a[1]-b[1]) }

func secs(s float64) graph.Cost { return graph.Cost(s * 1000) }

func TestASCIINetworks(t *testing.T) {
	// The town: a two-way main street a–b–c–d, a one-way loop b→e→f→c,
	// and an island g–h that nothing reaches.
	const town = `
a---b---c---d
    |   |
    e---f     g---h
`
	g, id := asciiGraph(t, town,
		"ab=10", "bc=60", "cd=10",
		"b>e=5", "e>f=5", "f>c=5",
		"gh=1",
	)
	type want struct {
		node  byte
		cost  float64 // seconds; <0 unreachable
		label int32
	}
	cases := []struct {
		name    string
		reverse bool
		sources []Source
		limit   graph.Cost
		want    []want
	}{
		{"from a the one-way loop beats the main street", false,
			[]Source{{Node: id['a']}}, Unbounded,
			[]want{{'a', 0, 0}, {'b', 10, 0}, {'e', 15, 0}, {'f', 20, 0}, {'c', 25, 0}, {'d', 35, 0}, {'g', -1, -1}}},
		{"from d the loop cannot be used against its direction", false,
			[]Source{{Node: id['d']}}, Unbounded,
			[]want{{'c', 10, 0}, {'b', 70, 0}, {'a', 80, 0}, {'e', 75, 0}, {'f', 80, 0}}},
		{"to d on the reverse graph equals from every node to d", true,
			[]Source{{Node: id['d']}}, Unbounded,
			[]want{{'a', 35, 0}, {'b', 25, 0}, {'e', 20, 0}, {'f', 15, 0}, {'c', 10, 0}, {'h', -1, -1}}},
		{"two sources with offsets split the street", false,
			[]Source{{Node: id['a'], Offset: secs(30)}, {Node: id['d'], Offset: secs(0)}}, Unbounded,
			[]want{{'a', 30, 0}, {'b', 40, 0}, {'c', 10, 1}, {'e', 45, 0}, {'f', 50, 0}}},
		{"limit cuts the search", false,
			[]Source{{Node: id['a']}}, secs(20),
			[]want{{'b', 10, 0}, {'e', 15, 0}, {'f', 20, 0}, {'c', -1, -1}}},
		{"source above the limit is ignored", false,
			[]Source{{Node: id['a'], Offset: secs(50)}, {Node: id['g']}}, secs(20),
			[]want{{'a', -1, -1}, {'g', 0, 1}, {'h', 1, 1}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			gg := g
			if tc.reverse {
				gg = g.Reverse()
			}
			q := NewQuery(gg)
			ref := Dijkstra(gg, tc.sources, tc.limit)
			q.Run(tc.sources, tc.limit)
			for _, w := range tc.want {
				v := id[w.node]
				wantCost := graph.Closed
				if w.cost >= 0 {
					wantCost = secs(w.cost)
				}
				if got := q.Cost(v); got != wantCost {
					t.Errorf("Query cost %c = %v, want %v", w.node, got, wantCost)
				}
				if got := ref.Cost[v]; got != wantCost {
					t.Errorf("Dijkstra cost %c = %v, want %v", w.node, got, wantCost)
				}
				if got := q.Label(v); got != w.label {
					t.Errorf("label %c = %d, want %d", w.node, got, w.label)
				}
			}
		})
	}
}

func TestASCIIMeters(t *testing.T) {
	// The fast road a→c→b is longer but quicker than the direct a–b.
	const m = `
a-------b
 \     /
  --c--
`
	g, id := asciiGraph(t, m, "ab=100", "a>c=10", "c>b=10")
	q := NewQuery(g)
	q.Run([]Source{{Node: id['a'], Meters: 7}}, Unbounded)
	lac := orbDist(g.Point(id['a']), g.Point(id['c']))
	lcb := orbDist(g.Point(id['c']), g.Point(id['b']))
	want := 7 + lac + lcb
	if got := float64(q.Meters(id['b'])); abs(got-want) > 0.01 {
		t.Errorf("meters to b = %v, want %v (via c, not the direct 800 m)", got, want)
	}
	if got := q.Cost(id['b']); got != secs(20) {
		t.Errorf("cost to b = %v, want 20 s", got)
	}
}

func abs(x float64) float64 { return math.Abs(x) }
