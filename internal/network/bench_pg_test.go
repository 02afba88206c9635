package network_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"reach/geo/route"
	"reach/internal/network"
	"reach/internal/pgtest"
)

// pgBench loads the generated car network into a fresh database and returns
// a connection and the edge SQL for pgRouting. It skips unless
// REACH_BENCH_PG is set, so that a plain -bench run stays in memory.
func pgBench(b *testing.B, f *fixture) (*pgx.Conn, string) {
	b.Helper()
	if os.Getenv("REACH_BENCH_PG") == "" {
		b.Skip("set REACH_BENCH_PG=1 to run the pgRouting comparison")
	}
	ctx := context.Background()
	conn := pgtest.Connect(ctx, b)
	t0 := time.Now()
	n := pgtest.WriteEdges(ctx, b, conn, "graph_car", f.net)
	if _, err := conn.Exec(ctx, "ANALYZE graph_car"); err != nil {
		b.Fatal(err)
	}
	b.Logf("loaded %d edges into PostGIS in %v", n, time.Since(t0).Round(time.Millisecond))
	if _, err := conn.Exec(ctx, "SET statement_timeout = '300s'"); err != nil {
		b.Fatal(err)
	}
	return conn, "SELECT id, source, target, cost, reverse_cost FROM graph_car"
}

// timeOurs runs op k times and returns the median wall time.
func timeOurs(k int, op func()) time.Duration {
	ts := make([]time.Duration, k)
	for i := range ts {
		t0 := time.Now()
		op()
		ts[i] = time.Since(t0)
	}
	slices.Sort(ts)
	return ts[k/2]
}

// BenchmarkPgRoutingAllCells times pgr_drivingDistance from every facility
// node (equicost, unbounded: one tree assigning every node to its nearest
// facility, pgRouting's one-call form of our search) against our search
// with the same sources (the backward PHAST sweep on the contraction
// hierarchy with two workers, plus combining every cell's entries; the
// Dijkstra form, RunParallel, is reported as dijkstra-ms), in the same run,
// and reports the ratio.
func BenchmarkPgRoutingAllCells(b *testing.B) {
	f := benchNet(b)
	conn, _ := pgBench(b, f)
	ctx := context.Background()
	g := f.net.ReverseGraph()
	var keys []int64
	seen := map[int64]bool{}
	for _, a := range f.arrivals {
		k := g.Key(a.Node)
		if !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	// pgRouting searches the forward table; from facility nodes on the
	// reverse of our graph is the same as towards them on the forward one,
	// so pgRouting gets the reversed table: source and target swapped.
	rev := "SELECT id, target AS source, source AS target, cost, reverse_cost FROM graph_car"
	q := route.NewQuery(g)
	var pg []time.Duration
	b.ResetTimer()
	for b.Loop() {
		t0 := time.Now()
		var nodes int64
		if err := conn.QueryRow(ctx, "SELECT count(*) FROM pgr_drivingDistance($1, $2::bigint[], 1e9, directed => true, equicost => true)", rev, keys).Scan(&nodes); err != nil {
			b.Fatal(err)
		}
		pg = append(pg, time.Since(t0))
		b.Logf("pgRouting reached %d nodes from %d facility nodes", nodes, len(keys))
	}
	b.StopTimer()
	dijkstra := timeOurs(9, func() {
		q.RunParallel(f.arrivals, route.Unbounded, 2)
		costs := q.Costs()
		for i := range f.cells {
			network.Leave(f.cells[i].Departures(), costs)
		}
	})
	h := benchHierarchy()
	s := h.NewSweep()
	ours := timeOurs(9, func() {
		s.Backward(f.arrivals, route.Unbounded, 2)
		for i := range f.cells {
			network.Via(f.cells[i].Departures(), s)
		}
	})
	reportPg(b, pg, ours)
	b.ReportMetric(float64(dijkstra.Microseconds())/1000, "dijkstra-ms")
}

// BenchmarkPgRoutingIsochrone30 times pgr_drivingDistance from one node
// with a 30-minute bound against our bounded search from the same place.
func BenchmarkPgRoutingIsochrone30(b *testing.B) {
	f := benchNet(b)
	conn, edges := pgBench(b, f)
	ctx := context.Background()
	g := f.net.Graph()
	s := f.cells[len(f.cells)/2]
	node := s.Departures()[0].Node
	q := route.NewQuery(g)
	var pg []time.Duration
	b.ResetTimer()
	for b.Loop() {
		t0 := time.Now()
		var nodes int64
		if err := conn.QueryRow(ctx, "SELECT count(*) FROM pgr_drivingDistance($1, $2::bigint, 1800, directed => true)", edges, g.Key(node)).Scan(&nodes); err != nil {
			b.Fatal(err)
		}
		pg = append(pg, time.Since(t0))
		b.Logf("pgRouting reached %d nodes within 30 min", nodes)
	}
	b.StopTimer()
	ours := timeOurs(9, func() { q.Run([]route.Source{{Node: node}}, 1800*1000) })
	b.Logf("our search reached %d nodes within 30 min", len(q.Settled()))
	reportPg(b, pg, ours)
}

func reportPg(b *testing.B, pg []time.Duration, ours time.Duration) {
	b.Helper()
	slices.Sort(pg)
	med := pg[len(pg)/2]
	b.ReportMetric(float64(med.Milliseconds()), "pg-ms")
	b.ReportMetric(float64(ours.Microseconds())/1000, "ours-ms")
	b.ReportMetric(float64(med)/float64(ours), "ratio")
	fmt.Fprintf(os.Stderr, "%s: pgRouting %v, ours %v, ratio %.0f×\n", b.Name(), med.Round(time.Millisecond), ours.Round(100*time.Microsecond), float64(med)/float64(ours))
}
