package network_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"reach/data/osm"
	"reach/geo/graph"
	"reach/geo/route"
	"reach/internal/network"
	"reach/internal/network/netgen"
	"reach/internal/pgtest"
	"reach/layers"
)

// compareWithPgRouting checks, for a few random source sets, that
// pgr_drivingDistance (least cost over the sources) and pgr_dijkstraCost give
// the same costs as the fast search on the forward graph, to a microsecond.
// pgCosts runs a pgRouting query that returns (node, cost) rows and
// collects them by node.
func pgCosts(ctx context.Context, t *testing.T, conn *pgx.Conn, sql string, args ...any) map[int64]float64 {
	t.Helper()
	rows, err := conn.Query(ctx, sql, args...)
	if err != nil {
		t.Fatal(err)
	}
	pg := map[int64]float64{}
	for rows.Next() {
		var node int64
		var agg float64
		if err := rows.Scan(&node, &agg); err != nil {
			t.Fatal(err)
		}
		pg[node] = agg
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return pg
}

func compareWithPgRouting(ctx context.Context, t *testing.T, conn *pgx.Conn, table string, n *network.Network, seed uint64) {
	t.Helper()
	g := n.Graph()
	if g.NumNodes() == 0 {
		t.Fatalf("%s: empty graph", table)
	}
	// the exported geometry runs from the source node to the target node
	for e, err := range n.Edges() {
		if err != nil {
			t.Fatal(err)
		}
		if len(e.Geometry) < 2 {
			t.Fatalf("%s: edge %d: geometry %v", table, e.ID, e.Geometry)
		}
	}
	for i := range g.NumEdges() {
		ed := g.Edge(graph.EdgeID(i))
		geom := n.Geometry(graph.EdgeID(i))
		if geom[0] != g.Point(ed.From) || geom[len(geom)-1] != g.Point(ed.To) {
			t.Fatalf("%s: edge %d: geometry runs %v→%v, nodes at %v→%v", table, ed.Key, geom[0], geom[len(geom)-1], g.Point(ed.From), g.Point(ed.To))
		}
	}
	if got := pgtest.WriteEdges(ctx, t, conn, table, n); got != int64(g.NumEdges()) {
		t.Fatalf("%s: loaded %d edges, graph has %d", table, got, g.NumEdges())
	}
	edgesSQL := fmt.Sprintf("SELECT id, source, target, cost, reverse_cost FROM %s", pgx.Identifier{table}.Sanitize())
	rng := rand.New(rand.NewPCG(seed, 0))
	t.Logf("%s: seed %d, %d nodes, %d edges", table, seed, g.NumNodes(), g.NumEdges())
	q := route.NewQuery(g)
	// the PHAST sweep on the network's contraction hierarchy must give the
	// same answers
	h, err := n.PrepareHierarchy(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sw := h.NewSweep()
	for round := range 3 {
		k := 1 + rng.IntN(4)
		var keys []int64
		var sources []route.Source
		for range k {
			v := graph.NodeID(rng.IntN(g.NumNodes()))
			keys = append(keys, g.Key(v))
			sources = append(sources, route.Source{Node: v})
		}
		limit := 1e9
		if round == 1 {
			limit = 300
		}
		q.Run(sources, route.Unbounded)
		sw.Forward(sources, route.Unbounded, 2)
		// The multi-source answer is the least cost over the per-source trees.
		// (pgRouting 3.4's equicost => true is not used here: on the real
		// extracts it returns larger costs than the least over the sources
		// for some nodes.)
		pg := pgCosts(ctx, t, conn, "SELECT node, min(agg_cost) FROM pgr_drivingDistance($1, $2::bigint[], $3, directed => true, equicost => false) GROUP BY node", edgesSQL, keys, limit)
		checked, bad := 0, 0
		for v := range g.NumNodes() {
			c := q.Cost(graph.NodeID(v))
			if sc := sw.Cost(graph.NodeID(v)); sc != c {
				t.Errorf("%s sources %v: node %d: sweep %v ms, Dijkstra %v ms", table, keys, g.Key(graph.NodeID(v)), sc, c)
				bad++
			}
			ours := float64(c.Seconds())
			agg, ok := pg[g.Key(graph.NodeID(v))]
			if c == graph.Closed || ours > limit {
				if ok && math.Abs(agg-limit) > 1e-6 {
					t.Errorf("%s sources %v: node %d reached by pgRouting at %v s, not by us", table, keys, g.Key(graph.NodeID(v)), agg)
					bad++
				}
				continue
			}
			if !ok {
				if math.Abs(ours-limit) > 1e-6 {
					t.Errorf("%s sources %v: node %d at %v s for us, missing in pgRouting", table, keys, g.Key(graph.NodeID(v)), ours)
					bad++
				}
				continue
			}
			checked++
			if math.Abs(agg-ours) > 1e-6 {
				t.Errorf("%s sources %v: node %d: pgRouting %.6f s, ours %.6f s", table, keys, g.Key(graph.NodeID(v)), agg, ours)
				bad++
			}
			if bad > 10 {
				t.Fatal("too many differences")
			}
		}
		if checked == 0 {
			t.Errorf("%s sources %v: no node compared", table, keys)
		}
		t.Logf("%s: pgr_drivingDistance from %d sources within %g s: %d nodes agree", table, k, limit, checked)
	}
	// one to many with pgr_dijkstraCost
	src := graph.NodeID(rng.IntN(g.NumNodes()))
	var targets []int64
	for range 100 {
		targets = append(targets, g.Key(graph.NodeID(rng.IntN(g.NumNodes()))))
	}
	q.Run([]route.Source{{Node: src}}, route.Unbounded)
	sw.Backward([]route.Source{{Node: src}}, route.Unbounded, 1) // must not leak into the next run
	sw.Forward([]route.Source{{Node: src}}, route.Unbounded, 1)
	pg := pgCosts(ctx, t, conn, "SELECT end_vid, agg_cost FROM pgr_dijkstraCost($1, $2::bigint, $3::bigint[], directed => true)", edgesSQL, g.Key(src), targets)
	byKey := map[int64]graph.NodeID{}
	for v := range g.NumNodes() {
		byKey[g.Key(graph.NodeID(v))] = graph.NodeID(v)
	}
	for _, k := range targets {
		c := q.Cost(byKey[k])
		agg, ok := pg[k]
		if k == g.Key(src) {
			continue // pgRouting leaves out the start itself
		}
		if (c != graph.Closed) != ok {
			t.Errorf("%s: %d→%d: ours %v, pgRouting reached %v", table, g.Key(src), k, c, ok)
			continue
		}
		if ok && math.Abs(agg-float64(c.Seconds())) > 1e-6 {
			t.Errorf("%s: %d→%d: pgRouting %.6f s, ours %.6f s", table, g.Key(src), k, agg, float64(c.Seconds()))
		}
		if sc := sw.Cost(byKey[k]); sc != c {
			t.Errorf("%s: %d→%d: sweep %v ms, Dijkstra %v ms", table, g.Key(src), k, sc, c)
		}
	}
}

func TestPgRoutingAgreesOnGeneratedNetwork(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	conn := pgtest.Connect(ctx, t)
	gen := netgen.Generate(netgen.Config{Seed: 7, Columns: 50, Rows: 40, Cells: 10, Facilities: 3})
	nets, err := network.Build(ctx, gen.Roads(), network.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range layers.Modes() {
		compareWithPgRouting(ctx, t, conn, "graph_gen_"+string(m), nets[m], 11)
	}
}

// testData returns the shared data directory ($REACH_TESTDATA, else
// ../shared/data beside the module root), skipping the test when it is
// missing unless CI is set.
func testData(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("REACH_TESTDATA")
	if dir == "" {
		wd, err := os.Getwd()
		if err != nil {
			t.Fatal(err)
		}
		for d := wd; ; d = filepath.Dir(d) {
			if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
				dir = filepath.Join(d, "..", "shared", "data")
				break
			}
			if filepath.Dir(d) == d {
				break
			}
		}
	}
	if st, err := os.Stat(dir); dir == "" || err != nil || !st.IsDir() {
		if os.Getenv("CI") != "" {
			t.Fatalf("real data directory %q not found (set REACH_TESTDATA)", dir)
		}
		t.Skipf("real data directory %q not found (set REACH_TESTDATA); skipping", dir)
	}
	return dir
}

func TestPgRoutingAgreesOnRealExtracts(t *testing.T) {
	dir := testData(t)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	conn := pgtest.Connect(ctx, t)
	for i, name := range []string{"hoyerswerda.osm.pbf", "north-bayreuth.osm.pbf", "bautzen_a4_junction.osm", "testfeld_nds_main_roads.osm.pbf"} {
		path := filepath.Join(dir, "osm", name)
		if _, err := os.Stat(path); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var stats osm.RoadStats
		nets, err := network.Build(ctx, osm.Roads(ctx, path, &stats), network.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %v", name, stats)
		for _, m := range layers.Modes() {
			n := nets[m]
			if err := n.Graph().Validate(); err != nil {
				t.Fatalf("%s %s: %v", name, m, err)
			}
			if n.Graph().NumEdges() == 0 {
				t.Logf("%s %s: no edges", name, m)
				continue
			}
			compareWithPgRouting(ctx, t, conn, fmt.Sprintf("graph_%d_%s", i, m), n, uint64(100+i))
		}
	}
}

// compareVertexPlaces checks places that lie exactly at network vertices:
// the time from one to another through the snapping (departures, search,
// arrivals) equals pgRouting's pgr_dijkstraCost between the two vertices,
// to a microsecond, for random pairs. Vertices where the place snaps more
// than AtNodeM away (the vertex of a road one may not enter from the side,
// such as a motorway) are skipped. It returns the number of pairs compared.
func compareVertexPlaces(ctx context.Context, t *testing.T, conn *pgx.Conn, table string, n *network.Network, seed uint64, pairs int) int {
	t.Helper()
	g := n.Graph()
	rng := rand.New(rand.NewPCG(seed, 3))
	t.Logf("%s: seed %d", table, seed)
	edgesSQL := "SELECT id, source, target, cost, reverse_cost FROM " + pgx.Identifier{table}.Sanitize()
	var places []network.Snap
	var keys []int64
	for tries := 0; len(places) < 2*pairs && tries < 50*pairs; tries++ {
		v := graph.NodeID(rng.IntN(g.NumNodes()))
		s := n.Snap(g.Point(v))
		p := g.Point(v)
		if !s.Snapped || math.Hypot(s.Point[0]-p[0], s.Point[1]-p[1]) > network.AtNodeM {
			continue
		}
		places = append(places, s)
		keys = append(keys, g.Key(v))
	}
	compared := 0
	for i := 0; i+1 < len(places); i += 2 {
		a, b := places[i], places[i+1]
		tree := route.Dijkstra(g, a.Departures(), route.Unbounded)
		ours := math.Inf(1)
		for _, arr := range b.Arrivals() {
			if c := tree.Cost[arr.Node]; c != graph.Closed {
				ours = math.Min(ours, float64(c.Seconds())+float64(arr.Offset.Seconds()))
			}
		}
		pg := pgCosts(ctx, t, conn, "SELECT end_vid, agg_cost FROM pgr_dijkstraCost($1, $2::bigint, $3::bigint[], directed => true)", edgesSQL, keys[i], []int64{keys[i+1]})
		want, ok := pg[keys[i+1]]
		if keys[i] == keys[i+1] {
			want, ok = 0, true
		}
		switch {
		case !ok && !math.IsInf(ours, 1):
			t.Errorf("%s: vertex %d → %d: ours %.6f s, pgRouting finds no path", table, keys[i], keys[i+1], ours)
		case ok && math.Abs(want-ours) > 1e-6:
			t.Errorf("%s: vertex %d → %d: pgRouting %.6f s, ours %.6f s (departures %v, arrivals %v)", table, keys[i], keys[i+1], want, ours, a.Departures(), b.Arrivals())
		}
		compared++
	}
	return compared
}

// TestVertexPlacesAgreeWithPgRouting: places at vertices of the real
// extracts (the Lower Saxony main roads, where a place at the start of a
// one-way road used to miss the junction's other roads) and of a generated
// network, compared with pgr_dijkstraCost.
func TestVertexPlacesAgreeWithPgRouting(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	conn := pgtest.Connect(ctx, t)
	gen := netgen.Generate(netgen.Config{Seed: 5, Columns: 30, Rows: 30, Cells: 10, Facilities: 3})
	nets, err := network.Build(ctx, gen.Roads(), network.Options{})
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, m := range layers.Modes() {
		table := "vertex_gen_" + string(m)
		pgtest.WriteEdges(ctx, t, conn, table, nets[m])
		total += compareVertexPlaces(ctx, t, conn, table, nets[m], 21, 40)
	}
	dir := testData(t)
	for i, name := range []string{"testfeld_nds_main_roads.osm.pbf", "hoyerswerda.osm.pbf"} {
		nets, err := network.Build(ctx, osm.Roads(ctx, filepath.Join(dir, "osm", name), nil), network.Options{})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range []layers.Mode{layers.Car, layers.Bicycle} {
			if nets[m].Graph().NumEdges() == 0 {
				continue
			}
			table := fmt.Sprintf("vertex_%d_%s", i, m)
			pgtest.WriteEdges(ctx, t, conn, table, nets[m])
			total += compareVertexPlaces(ctx, t, conn, table, nets[m], uint64(30+i), 60)
		}
	}
	if total < 200 {
		t.Errorf("only %d vertex pairs compared", total)
	}
	t.Logf("%d vertex pairs agree with pgr_dijkstraCost", total)
}
