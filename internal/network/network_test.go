package network

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"iter"
	"math"
	"testing"

	"github.com/paulmach/orb"

	"reach/geo/graph"
	"reach/geo/route"
	"reach/layers"
)

// roads turns segments into the stream Build reads.
func roads(segs ...layers.RoadSegment) iter.Seq2[layers.RoadSegment, error] {
	return func(yield func(layers.RoadSegment, error) bool) {
		for _, s := range segs {
			if !yield(s, nil) {
				return
			}
		}
	}
}

func both(kmh float64) layers.Access {
	return layers.Access{Forward: true, Backward: true, SpeedKmh: kmh}
}
func oneway(kmh float64) layers.Access { return layers.Access{Forward: true, SpeedKmh: kmh} }

var closed = layers.Access{}

// drawing numbers the segments of one test network 1, 2, 3, …
type drawing struct{ next int64 }

// seg makes a straight segment between OSM nodes with the given points.
func (d *drawing) seg(from, to int64, pf, pt orb.Point, car, bike, foot layers.Access) layers.RoadSegment {
	d.next++
	return layers.RoadSegment{
		ID: d.next, WayID: 1000 + d.next, FromNode: from, ToNode: to,
		Geometry: orb.LineString{pf, pt}, Highway: "residential",
		LengthM: math.Hypot(pt[0]-pf[0], pt[1]-pf[1]),
		Car:     car, Bicycle: bike, Foot: foot,
	}
}

func build(t *testing.T, opts Options, segs ...layers.RoadSegment) map[layers.Mode]*Network {
	t.Helper()
	nets, err := Build(context.Background(), roads(segs...), opts)
	if err != nil {
		t.Fatal(err)
	}
	for m, n := range nets {
		if err := n.Graph().Validate(); err != nil {
			t.Fatalf("%s: %v", m, err)
		}
	}
	return nets
}

// travel returns the time in seconds from point from to point to on n,
// computed as the analysis does: a reverse search from the target's
// arrivals, combined with the origin's departures. It checks the result
// against a forward search from the origin.
func travel(t *testing.T, n *Network, from, to orb.Point) float64 {
	t.Helper()
	sf, st := n.Snap(from), n.Snap(to)
	if !sf.Snapped || !st.Snapped {
		t.Fatalf("not snapped: %q %q", sf.Reason, st.Reason)
	}
	q := n.ReverseQueries().Get()
	defer n.ReverseQueries().Put(q)
	q.Run(st.Arrivals(), route.Unbounded)
	r := Via(sf.Departures(), q)
	fq := n.Queries().Get()
	defer n.Queries().Put(fq)
	fq.Run(sf.Departures(), route.Unbounded)
	f := Via(st.Arrivals(), fq)
	if r.Reached != f.Reached || r.Cost != f.Cost {
		t.Fatalf("reverse search gives %v (%v), forward %v (%v)", r.Cost, r.Reached, f.Cost, f.Reached)
	}
	if c, _, ok := Leave(sf.Departures(), q.Costs()); ok != r.Reached || ok && c != r.Cost {
		t.Fatalf("Leave gives %v (%v), Via %v (%v)", c, ok, r.Cost, r.Reached)
	}
	if !r.Reached {
		return math.Inf(1)
	}
	return float64(r.Cost.Seconds())
}

func near(got, want float64) bool { return math.Abs(got-want) < 0.0015 }

// The test networks are drawn with 1 km between letters:
//
//	A ---- B ---- C
//	|             |
//	D ----------- E
func TestOneway(t *testing.T) {
	d := &drawing{}
	A, B, C := orb.Point{0, 0}, orb.Point{1000, 0}, orb.Point{2000, 0}
	D, E := orb.Point{0, -1000}, orb.Point{2000, -1000}
	nets := build(t, Options{NoContract: true, Modes: []layers.Mode{layers.Car}},
		d.seg(1, 2, A, B, both(36), closed, closed),   // 100 s
		d.seg(2, 3, B, C, oneway(36), closed, closed), // B→C only, 100 s
		d.seg(1, 4, A, D, both(36), closed, closed),   // 100 s
		d.seg(4, 5, D, E, both(36), closed, closed),   // 200 s
		d.seg(5, 3, E, C, both(36), closed, closed),   // 100 s
	)
	car := nets[layers.Car]
	if got := travel(t, car, A, C); !near(got, 200) {
		t.Errorf("A→C = %v s, want 200 (along the one-way street)", got)
	}
	if got := travel(t, car, C, A); !near(got, 400) {
		t.Errorf("C→A = %v s, want 400 (round by D and E; 200 if the one-way street were ignored)", got)
	}
}

func TestAccessRestriction(t *testing.T) {
	d := &drawing{}
	A, B, C := orb.Point{0, 0}, orb.Point{1000, 0}, orb.Point{2000, 0}
	D, E := orb.Point{0, -1000}, orb.Point{2000, -1000}
	walk := both(4.5)
	nets := build(t, Options{NoContract: true, Modes: []layers.Mode{layers.Car, layers.Foot}},
		d.seg(1, 2, A, B, both(36), closed, walk),
		d.seg(2, 3, B, C, closed, closed, walk), // pedestrian zone: no cars
		d.seg(1, 4, A, D, both(36), closed, walk),
		d.seg(4, 5, D, E, both(36), closed, walk),
		d.seg(5, 3, E, C, both(36), closed, walk),
	)
	if got := travel(t, nets[layers.Car], A, C); !near(got, 400) {
		t.Errorf("car A→C = %v s, want 400 (the pedestrian zone is closed to cars; 200 if ignored)", got)
	}
	if got := travel(t, nets[layers.Foot], A, C); !near(got, 1600) {
		t.Errorf("foot A→C = %v s, want 1600 (2 km at 4.5 km/h)", got)
	}
}

func TestFerry(t *testing.T) {
	d := &drawing{}
	// A river between A and B; the ferry takes 600 s by its timetable
	// although it is only 200 m long; the bridge is 10 km round.
	A, B := orb.Point{0, 0}, orb.Point{0, 200}
	P, Q := orb.Point{5000, 0}, orb.Point{5000, 200}
	ferry := d.seg(1, 2, A, B, both(0), closed, both(0))
	ferry.Highway = "ferry"
	ferry.DurationS = 600
	nets := build(t, Options{Modes: []layers.Mode{layers.Car}},
		ferry,
		d.seg(1, 3, A, P, both(50), closed, closed), // 360 s
		d.seg(3, 4, P, Q, both(50), closed, closed), // 14.4 s
		d.seg(4, 2, Q, B, both(50), closed, closed), // 360 s
	)
	car := nets[layers.Car]
	got := travel(t, car, A, B)
	// ignoring the ferry would give 734.4 s round by the bridge; ignoring its
	// duration would give 200 m at speed 0 (an error) or another speed.
	if !near(got, 600) {
		t.Errorf("A→B = %v s, want 600 (the ferry's duration)", got)
	}
	var sawFerry bool
	for e, err := range car.Edges() {
		if err != nil {
			t.Fatal(err)
		}
		if e.ID == ferry.ID {
			sawFerry = true
			if e.Cost != 600 || e.ReverseCost != 600 {
				t.Errorf("ferry edge costs %v/%v, want 600/600", e.Cost, e.ReverseCost)
			}
		}
	}
	if !sawFerry {
		t.Errorf("ferry edge %d not exported (merged into another edge?)", ferry.ID)
	}
}

func TestSnapPartialEdgeAndAccessLeg(t *testing.T) {
	d := &drawing{}
	// A one-way street A→B, 1000 m at 36 km/h (100 s). A place 30 m north of
	// the point 250 m along it.
	A, B := orb.Point{0, 0}, orb.Point{1000, 0}
	C := orb.Point{500, -500}
	nets := build(t, Options{Modes: []layers.Mode{layers.Car}, AccessSpeedKmh: map[layers.Mode]float64{layers.Car: 10.8}},
		d.seg(1, 2, A, B, oneway(36), closed, closed),
		d.seg(2, 3, B, C, both(36), closed, closed),
		d.seg(3, 1, C, A, both(36), closed, closed))
	car := nets[layers.Car]
	s := car.Snap(orb.Point{250, 30})
	if !s.Snapped {
		t.Fatal(s.Reason)
	}
	if s.DistanceM != 30 || s.Point != (orb.Point{250, 0}) || s.AlongM != 250 {
		t.Errorf("snap = %v at %v m along, %v m away; want (250 0), 250, 30", s.Point, s.AlongM, s.DistanceM)
	}
	// 30 m at 3 m/s = 10 s access
	if s.Access != 10000 {
		t.Errorf("access = %v ms, want 10000", s.Access)
	}
	dep, arr := s.Departures(), s.Arrivals()
	if len(dep) != 1 || car.Graph().Key(dep[0].Node) != 2 || dep[0].Offset != 10000+75000 || dep[0].Meters != 750 {
		t.Errorf("departures = %+v, want one to node 2 at 85 s, 750 m", dep)
	}
	if len(arr) != 1 || car.Graph().Key(arr[0].Node) != 1 || arr[0].Offset != 10000+25000 || arr[0].Meters != 250 {
		t.Errorf("arrivals = %+v, want one from node 1 at 35 s, 250 m", arr)
	}
	far := car.Snap(orb.Point{250, 5000})
	if far.Snapped || far.Reason == "" {
		t.Errorf("point 5 km away snapped: %+v", far)
	}
}

func TestSnapAvoidsIslands(t *testing.T) {
	d := &drawing{}
	// Main network a square; an island road (a one-way dead end that cannot
	// get back) lies nearer to the place.
	A, B, C, D := orb.Point{0, 0}, orb.Point{1000, 0}, orb.Point{1000, 1000}, orb.Point{0, 1000}
	I, J := orb.Point{400, 500}, orb.Point{600, 500}
	nets := build(t, Options{Modes: []layers.Mode{layers.Car}},
		d.seg(1, 2, A, B, both(50), closed, closed),
		d.seg(2, 3, B, C, both(50), closed, closed),
		d.seg(3, 4, C, D, both(50), closed, closed),
		d.seg(4, 1, D, A, both(50), closed, closed),
		d.seg(10, 11, I, J, both(50), closed, closed), // not connected at all
	)
	car := nets[layers.Car]
	s := car.Snap(orb.Point{500, 520})
	if !s.Snapped || !s.Island {
		t.Fatalf("snap = %+v, want snapped to the main square with Island set", s)
	}
	if s.DistanceM != 480 {
		t.Errorf("distance = %v m, want 480 (to the square's top side, not 20 m to the island)", s.DistanceM)
	}
	s = car.SnapWithin(orb.Point{500, 520}, 100)
	if s.Snapped || !s.Island || s.Reason == "" {
		t.Errorf("snap within 100 m = %+v, want not snapped, island reported", s)
	}
	comp := car.Components()
	for e := range car.Graph().NumEdges() {
		ed := car.Graph().Edge(graph.EdgeID(e))
		wantMain := ed.Key <= 4
		if got := car.InMain(ed.From); got != wantMain {
			t.Errorf("edge of segment %d: in main component %v, want %v (components %v)", ed.Key, got, wantMain, comp.Size)
		}
	}
}

func TestEdgesMatchGraph(t *testing.T) {
	d := &drawing{}
	// A chain through degree-2 nodes is contracted; the export carries the
	// sums and the joined geometry, and the costs are the ones routed on.
	P := []orb.Point{{0, 0}, {100, 0}, {200, 0}, {300, 50}}
	nets := build(t, Options{Modes: []layers.Mode{layers.Car}},
		d.seg(1, 2, P[0], P[1], both(36), closed, closed),
		d.seg(3, 2, P[2], P[1], both(36), closed, closed), // drawn backwards
		d.seg(3, 4, P[2], P[3], both(36), closed, closed),
	)
	car := nets[layers.Car]
	var edges []layers.GraphEdge
	for e, err := range car.Edges() {
		if err != nil {
			t.Fatal(err)
		}
		edges = append(edges, e)
	}
	if len(edges) != 1 {
		t.Fatalf("%d edges, want 1 after contraction", len(edges))
	}
	e := edges[0]
	wantLen := 200 + math.Hypot(100, 50)
	if math.Abs(e.LengthM-wantLen) > 1e-9 || len(e.Geometry) != 4 {
		t.Errorf("edge length %v geometry %v, want %v m and 4 vertices", e.LengthM, e.Geometry, wantLen)
	}
	src := car.Graph().Sources(0)
	if len(src) != 3 || src[1].ID != 2 || src[1].Reversed == src[0].Reversed || src[2].Reversed != src[0].Reversed {
		t.Errorf("sources = %+v, want 3, the second drawn against the others", src)
	}
	if (e.Source == 1 && e.Target == 4) == (e.Source == 4 && e.Target == 1) {
		t.Errorf("edge runs %d→%d, want between nodes 1 and 4", e.Source, e.Target)
	}
	// the cost is the sum of the per-segment millisecond costs
	c1, _ := graph.CostOf(10)
	c3, _ := graph.CostOf(graph.Seconds(math.Hypot(100, 50) / 10))
	want := float64((2*c1 + c3).Seconds())
	if e.Cost != want || e.ReverseCost != want {
		t.Errorf("costs %v/%v, want %v", e.Cost, e.ReverseCost, want)
	}
}

func TestBuildErrors(t *testing.T) {
	d := &drawing{}
	A, B := orb.Point{0, 0}, orb.Point{100, 0}
	noSpeed := d.seg(1, 2, A, B, both(0), closed, closed)
	short := d.seg(1, 2, A, B, both(30), closed, closed)
	short.Geometry = short.Geometry[:1]
	dup := d.seg(1, 2, A, B, both(30), closed, closed)
	cases := []struct {
		name string
		segs []layers.RoadSegment
	}{
		{"open with speed 0", []layers.RoadSegment{noSpeed}},
		{"one vertex", []layers.RoadSegment{short}},
		{"duplicate id", []layers.RoadSegment{dup, dup}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Build(context.Background(), roads(tc.segs...), Options{}); err == nil {
				t.Error("Build succeeded, want an error")
			}
		})
	}
}

func TestDirectOnSharedEdge(t *testing.T) {
	d := &drawing{}
	// one-way A→B, 1000 m at 36 km/h, closed back by a two-way detour
	A, B, C := orb.Point{0, 0}, orb.Point{1000, 0}, orb.Point{500, -500}
	nets := build(t, Options{Modes: []layers.Mode{layers.Car}, AccessSpeedKmh: map[layers.Mode]float64{layers.Car: 36}},
		d.seg(1, 2, A, B, oneway(36), closed, closed),
		d.seg(2, 3, B, C, both(36), closed, closed),
		d.seg(3, 1, C, A, both(36), closed, closed))
	car := nets[layers.Car]
	p, q := car.Snap(orb.Point{200, 10}), car.Snap(orb.Point{700, 20})
	got, ok := car.Direct(&p, &q)
	// 10 m + 500 m + 20 m at 10 m/s
	if !ok || got.Cost != 53000 || got.Meters != 500 {
		t.Errorf("Direct forward = %+v, %v; want 53 s over 500 m", got, ok)
	}
	if _, ok := car.Direct(&q, &p); ok {
		t.Error("Direct against the one-way street succeeded")
	}
	// through the nodes it is longer: 800 m to B, then round by C back to A, then 200 m
	if via := travel(t, car, orb.Point{200, 10}, orb.Point{700, 20}); via <= 53 {
		t.Errorf("search through nodes = %v s, want more than the direct 53 s", via)
	}
}

func TestSnapshotRoundTrip(t *testing.T) {
	d := &drawing{}
	A, B, C := orb.Point{0, 0}, orb.Point{1000, 0}, orb.Point{500, -500}
	D := orb.Point{1500, 300}
	nets := build(t, Options{Modes: []layers.Mode{layers.Car}},
		d.seg(1, 2, A, B, oneway(36), closed, closed),
		d.seg(2, 3, B, C, both(36), closed, closed),
		d.seg(3, 1, C, A, both(50), closed, closed),
		d.seg(2, 4, B, D, both(20), closed, closed))
	car := nets[layers.Car]
	data, got := roundTrip(t, car)
	if got.Mode() != car.Mode() || got.AccessSpeedKmh() != car.AccessSpeedKmh() || got.SnapRadiusM() != car.SnapRadiusM() {
		t.Errorf("settings differ: %s %v %v", got.Mode(), got.AccessSpeedKmh(), got.SnapRadiusM())
	}
	var want, have []layers.GraphEdge
	for e, err := range car.Edges() {
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, e)
	}
	for e, err := range got.Edges() {
		if err != nil {
			t.Fatal(err)
		}
		have = append(have, e)
	}
	if fmt.Sprint(want) != fmt.Sprint(have) {
		t.Errorf("edges after round trip:\n%v\nwant\n%v", have, want)
	}
	for _, p := range []orb.Point{{300, 40}, {1400, 250}, {600, -400}} {
		if a, b := travel(t, car, p, A), travel(t, got, p, A); a != b {
			t.Errorf("from %v: %v s before, %v s after the round trip", p, a, b)
		}
	}
	for _, cut := range []int{0, 5, len(data) / 2, len(data) - 1} {
		if _, err := ReadFrom(bytes.NewReader(data[:cut])); err == nil {
			t.Errorf("snapshot cut at %d bytes read without error", cut)
		}
	}
	bad := append([]byte(nil), data...)
	bad[len(bad)-10] ^= 1
	if _, err := ReadFrom(bytes.NewReader(bad)); !errors.Is(err, ErrSnapshot) {
		t.Errorf("flipped geometry byte: %v, want ErrSnapshot", err)
	}
}

// TestSnapNotOntoMotorway: a house 20 m from a motorway and 300 m from a
// village road snaps to the village road. The test fails if motorways are
// snapped to.
//
//	A ════════════════ B   motorway (oneway pair drawn as one two-way edge), y = 0
//	║                  ║   ramps
//	C ──────────────── D   village road, y = -320
func TestSnapNotOntoMotorway(t *testing.T) {
	d := &drawing{}
	A, B, C, D := orb.Point{0, 0}, orb.Point{2000, 0}, orb.Point{0, -320}, orb.Point{2000, -320}
	mw := d.seg(1, 2, A, B, both(120), closed, closed)
	mw.Highway = "motorway"
	rampA := d.seg(1, 3, A, C, both(60), closed, closed)
	rampA.Highway = "motorway_link"
	rampB := d.seg(2, 4, B, D, both(60), closed, closed)
	rampB.Highway = "motorway_link"
	village := d.seg(3, 4, C, D, both(50), closed, closed)
	nets := build(t, Options{Modes: []layers.Mode{layers.Car}}, mw, rampA, rampB, village)
	car := nets[layers.Car]
	s := car.Snap(orb.Point{1000, -20})
	if !s.Snapped {
		t.Fatalf("house not snapped: %s", s.Reason)
	}
	if math.Abs(s.DistanceM-300) > 1e-9 || s.Island {
		t.Errorf("snapped %v m away (island %v), want 300 m to the village road", s.DistanceM, s.Island)
	}
	var buf bytes.Buffer
	if _, err := car.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	again, err := ReadFrom(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if s2 := again.Snap(orb.Point{1000, -20}); s2.DistanceM != s.DistanceM {
		t.Errorf("after a snapshot round trip the house snaps %v m away, want %v", s2.DistanceM, s.DistanceM)
	}
}
