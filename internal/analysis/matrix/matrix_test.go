package matrix

import (
	"bytes"
	"context"
	"errors"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"reach/data/demo"
	"reach/geo/crs"
	"reach/geo/route"
	"reach/internal/analysis"
	"reach/internal/analysis/analysistest"
	"reach/internal/network"
	"reach/layers"
	"reach/layers/memory"
)

var now = func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }

func build(tb testing.TB, r layers.Reader, opts analysis.Options) *analysis.Engine {
	tb.Helper()
	if opts.Modes == nil {
		opts.Modes = []layers.Mode{layers.Car, layers.Foot}
	}
	if opts.Now == nil {
		opts.Now = now
	}
	e, err := analysis.Build(context.Background(), r, opts)
	if err != nil {
		tb.Fatalf("Build: %v", err)
	}
	return e
}

func lonLat(tb testing.TB, p orb.Point) orb.Point {
	tb.Helper()
	ll, err := crs.ToLonLat(crs.UTM33N, p)
	if err != nil {
		tb.Fatal(err)
	}
	return ll
}

// TestMatrixAgainstReferenceDijkstra compares every pair of a matrix on
// the drawn test network with a reference Dijkstra from the source's snap
// (or, with an end off the network, with the calibrated straight-line
// estimate), including a place to itself and a source far off the network.
func TestMatrixAgainstReferenceDijkstra(t *testing.T) {
	l, n := analysistest.Fixture(t)
	e := build(t, &analysistest.Reader{L: l}, analysis.Options{})
	origin := analysistest.Origin
	add := analysistest.Add
	srcs := []orb.Point{lonLat(t, add(n.Nodes['A'], orb.Point{10, 80})), lonLat(t, n.Nodes['N']), lonLat(t, orb.Point{origin[0] - 50000, origin[1]})}
	// the last destination is the first source itself: joined along its
	// edge, without a detour through a node
	dsts := []orb.Point{lonLat(t, n.Nodes['O']), lonLat(t, add(n.Nodes['H'], orb.Point{200, 10})), srcs[0]}
	res, err := Of(context.Background(), e, analysis.MatrixRequest{Mode: layers.Car, Sources: srcs, Destinations: dsts})
	if err != nil {
		t.Fatal(err)
	}
	net, ok := e.Net(layers.Car)
	if !ok {
		t.Fatal("no car network")
	}
	for i, sp := range srcs {
		su, _ := crs.FromLonLat(crs.UTM33N, sp)
		ss := net.Network.Snap(su)
		if ss.Snapped != res.Sources[i].Snapped {
			t.Fatalf("source %d: snapped %v, want %v", i, res.Sources[i].Snapped, ss.Snapped)
		}
		for j, dp := range dsts {
			du, _ := crs.FromLonLat(crs.UTM33N, dp)
			ds := net.Network.Snap(du)
			got := res.Durations[i][j]
			if !ss.Snapped || !ds.Snapped {
				// an end off the network: the calibrated straight-line estimate, labelled
				want := math.Round(e.StraightLineModel().Seconds(layers.Car, planar.Distance(su, du))*1000) / 1000
				if got == nil || *got != want || res.Methods[i][j] != analysis.MethodStraightLine {
					t.Fatalf("(%d, %d) with an end off the network: got %v %q, want %v straight_line", i, j, got, res.Methods[i][j], want)
				}
				continue
			}
			if res.Methods[i][j] == analysis.MethodStraightLine {
				t.Fatalf("(%d, %d): both ends snapped but labelled straight_line", i, j)
			}
			tree := route.Dijkstra(net.Network.Graph(), ss.Departures(), route.Unbounded)
			c, _, ok := network.Leave(ds.Arrivals(), tree.Cost)
			if d, direct := net.Network.Direct(&ss, &ds); direct && (!ok || d.Cost < c) {
				c, ok = d.Cost, true
			}
			if i == 0 && j == 2 && (!ok || c != 2*ss.Access) {
				t.Fatalf("a place to itself: reference %v, want twice the access leg %v", c, ss.Access)
			}
			if !ok {
				if got != nil || res.Methods[i][j] != analysis.MethodUnreachable {
					t.Fatalf("(%d, %d): got %v %q, want null unreachable", i, j, got, res.Methods[i][j])
				}
				continue
			}
			if got == nil || res.Methods[i][j] != analysis.MethodNetwork {
				t.Fatalf("(%d, %d): got %v %q, want %v network", i, j, got, res.Methods[i][j], c.Seconds())
			}
			if *got != float64(c.Seconds()) {
				t.Fatalf("(%d, %d): got %v, want %v", i, j, *got, c.Seconds())
			}
		}
	}
	if res.Sources[2].Reason == "" {
		t.Fatal("the far source has no reason for not snapping")
	}
	if res.Method != MethodMixed {
		t.Fatalf("method %q for network and straight-line pairs, want %q", res.Method, MethodMixed)
	}
}

// TestMatrixRequestValidation: empty ends, too many points, a mode that
// is none and a point that is not lon/lat are refused as invalid input.
func TestMatrixRequestValidation(t *testing.T) {
	l, n := analysistest.Fixture(t)
	e := build(t, &analysistest.Reader{L: l}, analysis.Options{})
	a := lonLat(t, n.Nodes['A'])
	many := make([]orb.Point, MaxPoints+1)
	for i := range many {
		many[i] = a
	}
	for name, req := range map[string]analysis.MatrixRequest{
		"empty":                 {Mode: layers.Car},
		"no destinations":       {Mode: layers.Car, Sources: []orb.Point{a}},
		"too many sources":      {Mode: layers.Car, Sources: many, Destinations: []orb.Point{a}},
		"unknown mode":          {Mode: "horse", Sources: []orb.Point{a}, Destinations: []orb.Point{a}},
		"source not lon/lat":    {Mode: layers.Car, Sources: []orb.Point{{200, 100}}, Destinations: []orb.Point{a}},
		"no network, bad point": {Mode: layers.Bicycle, Sources: []orb.Point{a}, Destinations: []orb.Point{{0, 95}}},
	} {
		if _, err := Of(context.Background(), e, req); !errors.Is(err, layers.ErrInvalid) {
			t.Errorf("%s: got %v, want an error wrapping layers.ErrInvalid", name, err)
		}
	}
}

// TestMatrixHierarchyMatchesDijkstra computes a matrix between the central
// places of the demo region, both ways, with the contraction hierarchies
// (PHAST sweeps) and without (Dijkstra, HierarchyOff), and requires the
// same times.
func TestMatrixHierarchyMatchesDijkstra(t *testing.T) {
	l, _ := analysistest.Demo(t)
	ctx := context.Background()
	modes := []layers.Mode{layers.Car, layers.Bicycle, layers.Foot}
	with := build(t, &analysistest.Reader{L: l}, analysis.Options{Modes: modes, Hierarchy: analysis.HierarchyWait})
	without := build(t, &analysistest.Reader{L: l}, analysis.Options{Modes: modes, Hierarchy: analysis.HierarchyOff})
	var pts []orb.Point
	for _, pl := range l.CentralPlaces {
		pts = append(pts, lonLat(t, pl.Location))
	}
	for _, m := range modes {
		if with.Hierarchy(m) == nil {
			t.Fatalf("%s: no hierarchy after HierarchyWait", m)
		}
		if without.Hierarchy(m) != nil {
			t.Fatalf("%s: a hierarchy despite HierarchyOff", m)
		}
		req := analysis.MatrixRequest{Mode: m, Sources: pts, Destinations: pts}
		a, err := Of(ctx, with, req)
		if err != nil {
			t.Fatal(err)
		}
		b, err := Of(ctx, without, req)
		if err != nil {
			t.Fatal(err)
		}
		reached := 0
		for i := range a.Durations {
			for j := range a.Durations[i] {
				x, y := a.Durations[i][j], b.Durations[i][j]
				if (x == nil) != (y == nil) || x != nil && *x != *y {
					t.Fatalf("%s matrix [%d][%d]: hierarchy %v, Dijkstra %v", m, i, j, x, y)
				}
				if x != nil {
					reached++
				}
			}
		}
		if reached < len(pts) {
			t.Fatalf("%s matrix: only %d of %d pairs reached", m, reached, len(pts)*len(pts))
		}
	}
}

// TestMatrixFromSnapshot: an engine started from the snapshot of the demo
// region gives, for every mode, the same matrix as the engine built from
// the roads.
func TestMatrixFromSnapshot(t *testing.T) {
	ctx := context.Background()
	st := memory.New(memory.WithInfo(demo.Info(1)))
	if err := demo.Load(ctx, st, 1); err != nil {
		t.Fatal(err)
	}
	info, err := st.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ref := build(t, st, analysis.Options{Modes: layers.Modes(), Info: info})
	var buf bytes.Buffer
	if err := ref.WriteSnapshot(&buf); err != nil {
		t.Fatalf("WriteSnapshot: %v", err)
	}
	got := build(t, st, analysis.Options{Modes: layers.Modes(), Info: info, Snapshot: bytes.NewReader(buf.Bytes())})
	if len(ref.Modes()) != len(layers.Modes()) {
		t.Fatalf("reference engine has networks for %v, want every mode", ref.Modes())
	}
	// Query points: cell centres, facilities, and points off the cells.
	var pts []orb.Point
	cells := ref.PopulatedCells()
	for i := 0; i < len(cells); i += max(1, len(cells)/12) {
		pts = append(pts, cells[i].LonLat)
	}
	facs := ref.Facilities()
	for i := 0; i < len(facs); i += max(1, len(facs)/6) {
		pts = append(pts, lonLat(t, facs[i].Location))
	}
	for _, m := range ref.Modes() {
		req := analysis.MatrixRequest{Mode: m, Sources: pts[:8], Destinations: pts[8:]}
		want, err := Of(ctx, ref, req)
		if err != nil {
			t.Fatalf("reference matrix %s: %v", m, err)
		}
		g, err := Of(ctx, got, req)
		if err != nil {
			t.Fatalf("matrix %s: %v", m, err)
		}
		if !reflect.DeepEqual(g, want) {
			t.Errorf("matrix %s: differs from the engine built from the roads", m)
		}
		network := 0
		for _, row := range want.Methods {
			for _, mm := range row {
				if mm == analysis.MethodNetwork {
					network++
				}
			}
		}
		if network == 0 {
			t.Errorf("matrix %s: no pair routed on the network; the comparison says nothing", m)
		}
	}
}
