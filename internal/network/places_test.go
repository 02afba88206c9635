package network

import (
	"bytes"
	"errors"
	"reflect"
	"slices"
	"testing"

	"github.com/paulmach/orb"

	"reach/geo/graph"
	"reach/layers"
)

// placesOn snaps a few points to the island network: two beside the
// triangle, one beside the one-way spur, one far from every road.
func placesOn(t *testing.T, n *Network, legs Legs) (*Places, []orb.Point) {
	t.Helper()
	pts := []orb.Point{{500, 20}, {700, -300}, {1250, 170}, {9000, 9000}}
	return n.SnapPlaces(pts, legs), pts
}

// TestPlacesLikeSnap: SnapPlaces keeps what Snap gives for each point,
// and At lists each place at every node it leaves through, and only there.
func TestPlacesLikeSnap(t *testing.T) {
	car := islandNetwork(t)
	p, pts := placesOn(t, car, Departures|Arrivals)
	if p.Len() != len(pts) {
		t.Fatalf("%d places for %d points", p.Len(), len(pts))
	}
	for i, pt := range pts {
		s := car.Snap(pt)
		if p.Snapped(i) != s.Snapped {
			t.Errorf("place %d: snapped %v, Snap says %v", i, p.Snapped(i), s.Snapped)
		}
		if !slices.Equal(p.Departures(i), s.Departures()) || !slices.Equal(p.Arrivals(i), s.Arrivals()) {
			t.Errorf("place %d: legs %v %v, Snap gives %v %v", i, p.Departures(i), p.Arrivals(i), s.Departures(), s.Arrivals())
		}
	}
	if p.Snapped(3) {
		t.Error("the point far from every road was snapped")
	}
	for v := range car.Graph().NumNodes() {
		var want []int32
		for i := range pts {
			for _, d := range p.Departures(i) {
				if d.Node == graph.NodeID(v) {
					want = append(want, int32(i))
				}
			}
		}
		if got := p.At(graph.NodeID(v)); !slices.Equal(got, want) {
			t.Errorf("node %d: places %v, want %v", v, got, want)
		}
	}
	arr := car.SnapPlaces(pts, Arrivals)
	if arr.Departures(0) != nil || arr.At(0) != nil || !slices.Equal(arr.Arrivals(0), p.Arrivals(0)) {
		t.Error("arrivals only: departures or the node index kept, or arrivals differ")
	}
}

// TestPlacesSnapshot: places read back equal those written; a flipped
// byte, a cut, another network and a wrong magic are refused with
// ErrPlaces (or an unexpected end), and nothing beyond the places is read.
func TestPlacesSnapshot(t *testing.T) {
	car := islandNetwork(t)
	for _, legs := range []Legs{Departures | Arrivals, Arrivals} {
		p, _ := placesOn(t, car, legs)
		var buf bytes.Buffer
		if _, err := p.WriteTo(&buf); err != nil {
			t.Fatal(err)
		}
		data := buf.Bytes()
		r := bytes.NewReader(append(slices.Clone(data), "TAIL"...))
		got, err := ReadPlaces(r, car)
		if err != nil {
			t.Fatalf("legs %#x: %v", legs, err)
		}
		if !reflect.DeepEqual(got, p) {
			t.Errorf("legs %#x: read %+v, wrote %+v", legs, got, p)
		}
		if r.Len() != 4 {
			t.Errorf("legs %#x: %d bytes after the places left unread, want 4", legs, r.Len())
		}
		for at := range data {
			bad := slices.Clone(data)
			bad[at] ^= 0x04
			if _, err := ReadPlaces(bytes.NewReader(bad), car); err == nil {
				t.Errorf("legs %#x: byte %d flipped, read without error", legs, at)
			}
		}
		for cut := range len(data) {
			if _, err := ReadPlaces(bytes.NewReader(data[:cut]), car); err == nil {
				t.Errorf("legs %#x: cut at %d, read without error", legs, cut)
			}
		}
	}
	p, _ := placesOn(t, car, Departures|Arrivals)
	var buf bytes.Buffer
	if _, err := p.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	d := &drawing{}
	other := build(t, Options{Modes: []layers.Mode{layers.Car}},
		d.seg(1, 2, orb.Point{0, 0}, orb.Point{1000, 0}, both(50), closed, closed))[layers.Car]
	if _, err := ReadPlaces(bytes.NewReader(buf.Bytes()), other); !errors.Is(err, ErrPlaces) {
		t.Errorf("places of another network: error %v, want ErrPlaces", err)
	}
}

// TestOneExitRule: motorways, trunk roads, their links and ferries are
// entered and left only at their ends, in every mode: places never snap to
// them and SideAccess says so; other roads can be left along the way.
func TestOneExitRule(t *testing.T) {
	for _, hw := range []string{"motorway", "motorway_link", "trunk", "trunk_link", "ferry", "primary", "residential"} {
		d := &drawing{}
		A, B, C, D := orb.Point{0, 0}, orb.Point{2000, 0}, orb.Point{0, -320}, orb.Point{2000, -320}
		fast := d.seg(1, 2, A, B, both(80), both(15), both(5))
		fast.Highway = hw
		if hw == "ferry" {
			fast.DurationS = 600
		}
		nets := build(t, Options{},
			fast,
			d.seg(1, 3, A, C, both(50), both(15), both(5)),
			d.seg(2, 4, B, D, both(50), both(15), both(5)),
			d.seg(3, 4, C, D, both(50), both(15), both(5)))
		endsOnly := enteredAtEndsOnly(hw)
		for _, m := range layers.Modes() {
			n := nets[m]
			e := -1
			for ed := range n.Graph().NumEdges() {
				for _, s := range n.Graph().Sources(graph.EdgeID(ed)) {
					if s.ID == fast.ID {
						e = ed
					}
				}
			}
			if e < 0 {
				t.Fatalf("%s %s: no edge of the segment", hw, m)
			}
			if n.SideAccess(graph.EdgeID(e)) == endsOnly {
				t.Errorf("%s %s: SideAccess %v", hw, m, !endsOnly)
			}
			s := n.Snap(orb.Point{1000, -20})
			if onFast := s.Snapped && s.Edge == graph.EdgeID(e); onFast == endsOnly {
				t.Errorf("%s %s: a place 20 m away snapped onto it: %v", hw, m, onFast)
			}
		}
	}
}
