package analysis

// pgRouting side by side with the engine, on the same generated
// Saxony-scale car graph, with the same sources, in the same process run.
// Skipped unless REACH_BENCH_PG is set (bench/analysis.sh sets it), so
// that a plain -bench run stays in memory.

import (
	"context"
	"fmt"
	"iter"
	"math"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"reach/geo/graph"
	"reach/internal/pgtest"
	"reach/layers"
)

// pgStatementTimeout bounds every pgRouting statement.
const pgStatementTimeout = "240s"

// pgReps is the number of timed repetitions of each pgRouting query.
const pgReps = 3

// pgIsoOrigins is the number of isochrone origins loaded for pgRouting.
const pgIsoOrigins = 3

// pgSaxony loads the car graph of the fixture into a fresh database
// (internal/pgtest: created now, dropped when the benchmark ends):
//
//	graph_car(id, source, target, cost, reverse_cost, length_m)  the exported edge table (network.Edges; no geometry column, which pgRouting does not read)
//	graph_car_vertices(id, x, y, geom)                            node ids with their points (EPSG:25833)
//	bench_facility_arrivals(cat, node, offset_s)                  where each facility enters the network and the access time
//	bench_cell_departures(cell, node, offset_s)                   where each populated cell leaves onto the network and the access time
//	bench_origin_departures(origin, node, offset_s)               the same for the isochrone origins
func pgSaxony(b *testing.B, f *saxonyFixture) *pgx.Conn {
	b.Helper()
	if os.Getenv("REACH_BENCH_PG") == "" {
		b.Skip("set REACH_BENCH_PG=1 to run the pgRouting comparison")
	}
	url := pgtest.New(b)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { conn.Close(context.Background()) })
	exec := func(sql string) {
		b.Helper()
		if _, err := conn.Exec(ctx, sql); err != nil {
			b.Fatalf("%s: %v", sql, err)
		}
	}
	copyRows := func(table string, cols []string, rows iter.Seq[[]any]) int64 {
		b.Helper()
		next, stop := iter.Pull(rows)
		defer stop()
		n, err := conn.CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromFunc(func() ([]any, error) {
			r, ok := next()
			if !ok {
				return nil, nil
			}
			return r, nil
		}))
		if err != nil {
			b.Fatalf("copy %s: %v", table, err)
		}
		return n
	}
	t0 := time.Now()
	g := f.mn.n.Graph()
	exec(`CREATE TABLE graph_car (id bigint PRIMARY KEY, source bigint NOT NULL, target bigint NOT NULL,
		cost double precision NOT NULL, reverse_cost double precision NOT NULL, length_m double precision NOT NULL)`)
	edges := copyRows("graph_car", []string{"id", "source", "target", "cost", "reverse_cost", "length_m"}, func(yield func([]any) bool) {
		for e, err := range f.mn.n.Edges() {
			if err != nil {
				b.Fatal(err)
			}
			if !yield([]any{e.ID, e.Source, e.Target, e.Cost, e.ReverseCost, e.LengthM}) {
				return
			}
		}
	})
	exec(`CREATE TABLE graph_car_vertices (id bigint PRIMARY KEY, x double precision NOT NULL, y double precision NOT NULL,
		geom geometry(Point, 25833) GENERATED ALWAYS AS (ST_SetSRID(ST_MakePoint(x, y), 25833)) STORED)`)
	copyRows("graph_car_vertices", []string{"id", "x", "y"}, func(yield func([]any) bool) {
		for v := range g.NumNodes() {
			p := g.Point(graph.NodeID(v))
			if !yield([]any{g.Key(graph.NodeID(v)), p[0], p[1]}) {
				return
			}
		}
	})
	exec(`CREATE TABLE bench_facility_arrivals (cat text NOT NULL, node bigint NOT NULL, offset_s double precision NOT NULL)`)
	copyRows("bench_facility_arrivals", []string{"cat", "node", "offset_s"}, func(yield func([]any) bool) {
		for cat, idx := range f.e.byCat {
			for _, fi := range idx {
				for _, a := range f.mn.facs.Arrivals(fi) {
					if !yield([]any{string(cat), g.Key(a.Node), float64(a.Offset.Seconds())}) {
						return
					}
				}
			}
		}
	})
	exec(`CREATE TABLE bench_cell_departures (cell integer NOT NULL, node bigint NOT NULL, offset_s double precision NOT NULL)`)
	deps := copyRows("bench_cell_departures", []string{"cell", "node", "offset_s"}, func(yield func([]any) bool) {
		for ci, out := range f.mn.cells.AllDepartures() {
			for _, d := range out {
				if !yield([]any{int32(ci), g.Key(d.Node), float64(d.Offset.Seconds())}) {
					return
				}
			}
		}
	})
	exec(`CREATE TABLE bench_origin_departures (origin integer NOT NULL, node bigint NOT NULL, offset_s double precision NOT NULL)`)
	copyRows("bench_origin_departures", []string{"origin", "node", "offset_s"}, func(yield func([]any) bool) {
		for oi, o := range f.origins[:pgIsoOrigins] {
			utm, err := toUTM(o)
			if err != nil {
				b.Fatal(err)
			}
			s := f.mn.n.Snap(utm)
			for _, d := range s.Departures() {
				if !yield([]any{int32(oi), g.Key(d.Node), float64(d.Offset.Seconds())}) {
					return
				}
			}
		}
	})
	exec(`CREATE INDEX ON bench_cell_departures (node)`)
	exec(`ANALYZE`)
	exec(`SET statement_timeout = '` + pgStatementTimeout + `'`)
	b.Logf("loaded %d edges, %d nodes, %d cell departures into PostGIS in %v", edges, g.NumNodes(), deps, time.Since(t0).Round(time.Millisecond))
	return conn
}

// pgTimes runs query k times and returns the wall times; scan reads the
// one result row of the last run.
func pgTimes(b *testing.B, conn *pgx.Conn, k int, scan func(pgx.Row) error, sql string, args ...any) []time.Duration {
	b.Helper()
	var ts []time.Duration
	for range k {
		t0 := time.Now()
		if err := scan(conn.QueryRow(context.Background(), sql, args...)); err != nil {
			b.Fatalf("pgRouting: %v\n%s", err, sql)
		}
		ts = append(ts, time.Since(t0))
	}
	return ts
}

func median(ts []time.Duration) time.Duration {
	s := slices.Clone(ts)
	slices.Sort(s)
	return s[(len(s)-1)/2]
}

func msOf(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// reportRatio reports the pgRouting and our medians and their ratio, and
// prints one summary line for bench/analysis.sh.
func reportRatio(b *testing.B, what string, pg []time.Duration, ours *sampler) {
	b.Helper()
	pm, om := median(pg), ours.quantile(0.5)
	b.ReportMetric(msOf(pm), "pg-ms")
	b.ReportMetric(msOf(slices.Min(pg)), "pg-min-ms")
	b.ReportMetric(msOf(om), "ours-ms")
	b.ReportMetric(msOf(ours.quantile(0.95)), "ours-p95-ms")
	b.ReportMetric(float64(pm)/float64(om), "ratio")
	fmt.Fprintf(os.Stderr, "RATIO %s: pgRouting median %.0f ms (min %.0f, %d runs), ours median %.1f ms (p95 %.1f, %d runs): %.0fx\n",
		what, msOf(pm), msOf(slices.Min(pg)), len(pg), msOf(om), msOf(ours.quantile(0.95)), len(ours.ts), float64(pm)/float64(om))
}

// superSourceEdges is the edge SQL of a multi-source search in pgRouting:
// the graph table (reversed when reverse is true: source and target
// swapped, which turns "from the facilities" into "to the facilities") and
// one arc from a virtual node 0 to each entry node of the sources, costing
// the access time. One pgr_drivingDistance from node 0 is then exactly a
// multi-source search with initial offsets, as ours is. from names the
// entry table and its filter.
func superSourceEdges(reverse bool, from string) string {
	g := "SELECT id, source, target, cost, reverse_cost FROM graph_car"
	if reverse {
		g = "SELECT id, target AS source, source AS target, cost, reverse_cost FROM graph_car"
	}
	return g + " UNION ALL SELECT -row_number() OVER () AS id, 0::bigint AS source, node AS target, offset_s AS cost, -1::float8 AS reverse_cost FROM " + from
}

// BenchmarkSaxonyPgRouting compares, on the same graph and sources:
//
//   - AllCells: the nearest general practice (2,500) for every populated
//     cell. pgRouting: one pgr_drivingDistance (unbounded: cost limit 1e9 s)
//     from a virtual source joined to every practice's entry nodes with
//     the access time as cost, on the reversed graph_car, then per cell the
//     least over its departures (entry node cost + access time) in SQL.
//     Ours: what TravelTimes computes on a cache miss (networkField). The
//     results are compared (cells reached, sum of seconds).
//   - AllCellsTreeOnly: the pgRouting search alone, without the cells.
//   - Equicost10: pgRouting's own multi-source form, pgr_drivingDistance
//     with equicost => true from the entry nodes of 10 facilities
//     (hospital), unbounded, one run (it runs a search per source and keeps
//     every tree; 2,500 sources would need 2,500 full trees), against ours
//     for the same 10 facilities.
//   - Isochrone30: one 30-minute area from a populated cell. pgRouting:
//     pgr_drivingDistance (1800 s) from a virtual source on the cell's
//     departures, the reached nodes' points collected and
//     ST_ConcaveHull(…, 0.1) (PostGIS 3.3). pgr_alphaShape is not used:
//     pgRouting 3.4.2's pgr_alphaShape on the ~160,000 reached points
//     crashed the server backend here. Ours: Engine.Isochrones (raster
//     contour with population).
func BenchmarkSaxonyPgRouting(b *testing.B) {
	f := saxonyBench(b)
	logSaxony(b, f)
	conn := pgSaxony(b, f)
	ctx := context.Background()

	b.Run("AllCells", func(b *testing.B) {
		sql := `WITH dd AS (SELECT node, agg_cost FROM pgr_drivingDistance($1, 0::bigint, 1e9::float8, directed => true)),
			c AS (SELECT d.cell, min(dd.agg_cost + d.offset_s) AS secs FROM bench_cell_departures d JOIN dd ON dd.node = d.node GROUP BY d.cell)
			SELECT count(*), coalesce(sum(secs), 0) FROM c`
		edges := superSourceEdges(true, "bench_facility_arrivals WHERE cat = 'general_practice'")
		var pgCells int64
		var pgSum float64
		var pg []time.Duration
		for b.Loop() {
			pg = pgTimes(b, conn, pgReps, func(r pgx.Row) error { return r.Scan(&pgCells, &pgSum) }, sql, edges)
		}
		b.StopTimer()
		ours := newSampler()
		var fl *field
		for range 9 {
			ours.time(func() {
				var err error
				if fl, err = f.e.networkField(ctx, f.mn, layers.CatGeneralPractice); err != nil {
					b.Fatal(err)
				}
			})
		}
		var cells int64
		var sum float64
		for ci, s := range fl.secs {
			if fl.fac[ci] >= 0 {
				cells++
				sum += s
			}
		}
		b.Logf("cells reached: pgRouting %d, ours %d; sum of seconds: pgRouting %.3f, ours %.3f", pgCells, cells, pgSum, sum)
		if pgCells != cells || math.Abs(pgSum-sum) > 1e-6*float64(cells)+1e-9*math.Abs(sum) {
			b.Errorf("pgRouting and the engine disagree: cells %d vs %d, sum %.6f vs %.6f", pgCells, cells, pgSum, sum)
		}
		reportRatio(b, "all cells, nearest of 2500 practices (pgRouting super-source drivingDistance + cell join)", pg, ours)
	})

	b.Run("AllCellsTreeOnly", func(b *testing.B) {
		edges := superSourceEdges(true, "bench_facility_arrivals WHERE cat = 'general_practice'")
		var nodes int64
		var pg []time.Duration
		for b.Loop() {
			pg = pgTimes(b, conn, pgReps, func(r pgx.Row) error { return r.Scan(&nodes) },
				`SELECT count(*) FROM pgr_drivingDistance($1, 0::bigint, 1e9::float8, directed => true)`, edges)
		}
		b.StopTimer()
		ours := newSampler()
		for range 9 {
			ours.time(func() {
				if _, err := f.e.networkField(ctx, f.mn, layers.CatGeneralPractice); err != nil {
					b.Fatal(err)
				}
			})
		}
		b.Logf("pgRouting reached %d nodes (virtual source included)", nodes)
		reportRatio(b, "all cells vs pgRouting search tree alone (no cells)", pg, ours)
	})

	b.Run("Equicost10", func(b *testing.B) {
		var keys []int64
		for _, fi := range f.e.byCat[layers.CatHospital] {
			for _, a := range f.mn.facs.Arrivals(fi) {
				keys = append(keys, f.mn.n.Graph().Key(a.Node))
			}
		}
		rev := "SELECT id, target AS source, source AS target, cost, reverse_cost FROM graph_car"
		var rows int64
		var pg []time.Duration
		for b.Loop() {
			pg = pgTimes(b, conn, 1, func(r pgx.Row) error { return r.Scan(&rows) },
				`SELECT count(*) FROM pgr_drivingDistance($1, $2::bigint[], 1e9::float8, directed => true, equicost => true)`, rev, keys)
		}
		b.StopTimer()
		ours := newSampler()
		for range 9 {
			ours.time(func() {
				if _, err := f.e.networkField(ctx, f.mn, layers.CatHospital); err != nil {
					b.Fatal(err)
				}
			})
		}
		b.Logf("pgRouting equicost from %d entry nodes of %d hospitals returned %d rows", len(keys), len(f.e.byCat[layers.CatHospital]), rows)
		reportRatio(b, fmt.Sprintf("all cells, nearest of 10 hospitals vs pgRouting equicost from their %d entry nodes (tree only)", len(keys)), pg, ours)
	})

	b.Run("Isochrone30", func(b *testing.B) {
		sql := `WITH dd AS (SELECT node FROM pgr_drivingDistance($1, 0::bigint, 1800::float8, directed => true))
			SELECT count(*), ST_Area(ST_ConcaveHull(ST_Collect(v.geom), 0.1)) FROM dd JOIN graph_car_vertices v ON v.id = dd.node`
		var pg []time.Duration
		var nodes int64
		var area float64
		for b.Loop() {
			pg = pg[:0]
			for oi := range pgIsoOrigins {
				edges := superSourceEdges(false, fmt.Sprintf("bench_origin_departures WHERE origin = %d", oi))
				pg = append(pg, pgTimes(b, conn, 1, func(r pgx.Row) error { return r.Scan(&nodes, &area) }, sql, edges)...)
				b.Logf("origin %d: pgRouting reached %d nodes, concave hull %.0f km²", oi, nodes, area/1e6)
			}
		}
		b.StopTimer()
		ours := newSampler()
		var res IsochroneResult
		for i := range 3 * pgIsoOrigins {
			ours.time(func() {
				var err error
				if res, err = f.e.Isochrones(ctx, IsochroneRequest{Mode: layers.Car, Origins: []orb.Point{f.origins[i%pgIsoOrigins]}, Minutes: []float64{30}}); err != nil {
					b.Fatal(err)
				}
			})
		}
		b.Logf("ours (last origin): %d residents, %d polygons", res.Bands[0].Population, len(res.Bands[0].Geometry))
		reportRatio(b, "one 30-minute isochrone polygon (pgRouting drivingDistance 1800 s + ST_ConcaveHull)", pg, ours)
	})
}
