package matrix

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"reach/data/osm"
	"reach/geo/crs"
	"reach/geo/graph"
	"reach/internal/analysis"
	"reach/internal/analysis/analysistest"
	"reach/internal/network"
	"reach/internal/pgtest"
	"reach/internal/realdata"
	"reach/layers"
)

// TestMatrixEqualsPgRoutingOnVertexPairs: the engine's matrix (Of:
// lon/lat in, snapping, the search, durations out) between random vertices
// of roads one may enter from the side (no motorways, trunk roads or their
// links) equals pgRouting's pgr_dijkstraCost on the engine's own graph
// (written in pgRouting's edge convention) to the millisecond the matrix
// reports, for every source–destination pair, on the real Lower Saxony
// main roads and Hoyerswerda extracts, by car and by bicycle.
func TestMatrixEqualsPgRoutingOnVertexPairs(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	conn := pgtest.Connect(ctx, t)
	dir := realdata.Dir(t)
	compared := 0
	for i, name := range []string{"testfeld_nds_main_roads.osm.pbf", "hoyerswerda.osm.pbf"} {
		r := &analysistest.Reader{L: analysistest.Layers{Roads: analysistest.Collect(t, osm.Roads(ctx, filepath.Join(dir, "osm", name), nil)),
			Municipalities: []layers.Municipality{{AGS: "00000001", Name: "extract", Population: 1, AreaKm2: 1}}}}
		e, err := analysis.Build(ctx, r, analysis.Options{Modes: []layers.Mode{layers.Car, layers.Bicycle}})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range []layers.Mode{layers.Car, layers.Bicycle} {
			net, ok := e.Net(m)
			if !ok {
				continue
			}
			table := fmt.Sprintf("matrix_%d_%s", i, m)
			pgtest.WriteEdges(ctx, t, conn, table, net.Network)
			compared += compareMatrix(ctx, t, conn, e, net, table, uint64(40+i), 14)
		}
	}
	if compared < 400 {
		t.Fatalf("only %d pairs compared", compared)
	}
	t.Logf("%d vertex pairs: the matrix equals pgr_dijkstraCost", compared)
}

// compareMatrix draws k source and k destination vertices of side-access
// roads of net, asks the engine's matrix for them and compares every pair
// with pgr_dijkstraCost. It returns the number of pairs compared.
func compareMatrix(ctx context.Context, t *testing.T, conn *pgx.Conn, e *analysis.Engine, net analysis.Net, table string, seed uint64, k int) int {
	t.Helper()
	g := net.Network.Graph()
	rng := rand.New(rand.NewPCG(seed, 7))
	var pts []orb.Point
	var keys []int64
	for tries := 0; len(pts) < 2*k && tries < 1000*k; tries++ {
		ed := graph.EdgeID(rng.IntN(g.NumEdges()))
		if !net.Network.SideAccess(ed) {
			continue
		}
		v := g.Edge(ed).From
		if rng.IntN(2) == 1 {
			v = g.Edge(ed).To
		}
		p := g.Point(v)
		if s := net.Network.Snap(p); !s.Snapped || math.Hypot(s.Point[0]-p[0], s.Point[1]-p[1]) > network.AtNodeM {
			continue // an island, or a vertex only a motorway reaches
		}
		ll, err := crs.ToLonLat(crs.UTM33N, p)
		if err != nil {
			t.Fatal(err)
		}
		pts = append(pts, ll)
		keys = append(keys, g.Key(v))
	}
	if len(pts) < 2*k {
		t.Fatalf("%s: found %d vertices of side-access roads, want %d", table, len(pts), 2*k)
	}
	res, err := Of(ctx, e, analysis.MatrixRequest{Mode: net.Mode, Sources: pts[:k], Destinations: pts[k:]})
	if err != nil {
		t.Fatal(err)
	}
	rows, err := conn.Query(ctx, "SELECT start_vid, end_vid, agg_cost FROM pgr_dijkstraCost($1, $2::bigint[], $3::bigint[], directed => true)",
		"SELECT id, source, target, cost, reverse_cost FROM "+pgx.Identifier{table}.Sanitize(), keys[:k], keys[k:])
	if err != nil {
		t.Fatal(err)
	}
	pg := map[[2]int64]float64{}
	for rows.Next() {
		var a, b int64
		var c float64
		if err := rows.Scan(&a, &b, &c); err != nil {
			t.Fatal(err)
		}
		pg[[2]int64{a, b}] = c
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	n := 0
	for i := range k {
		for j := range k {
			got := res.Durations[i][j]
			want, ok := pg[[2]int64{keys[i], keys[k+j]}]
			if keys[i] == keys[k+j] {
				want, ok = 0, true
			}
			switch {
			case !ok && got != nil:
				t.Errorf("%s: vertex %d → %d: matrix %v s (%s), pgRouting finds no path", table, keys[i], keys[k+j], *got, res.Methods[i][j])
			case ok && got == nil:
				t.Errorf("%s: vertex %d → %d: matrix null (%s), pgRouting %.6f s", table, keys[i], keys[k+j], res.Methods[i][j], want)
			case ok && math.Abs(*got-want) > 0.0005+1e-9:
				t.Errorf("%s: vertex %d → %d: matrix %.3f s (%s), pgRouting %.6f s", table, keys[i], keys[k+j], *got, res.Methods[i][j], want)
			}
			n++
		}
	}
	return n
}
