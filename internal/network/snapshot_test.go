package network

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"reflect"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"reach/geo/graph"
	"reach/geo/route"
	"reach/layers"
)

// islandNetwork is a car network with a main part (a triangle), a one-way
// spur into a dead end and a separate pair of nodes: four components.
func islandNetwork(t *testing.T) *Network {
	d := &drawing{}
	A, B, C := orb.Point{0, 0}, orb.Point{1000, 0}, orb.Point{500, -500}
	D := orb.Point{1500, 300}
	E, F := orb.Point{5000, 5000}, orb.Point{5200, 5000}
	nets := build(t, Options{Modes: []layers.Mode{layers.Car}},
		d.seg(1, 2, A, B, both(36), closed, closed),
		d.seg(2, 3, B, C, both(36), closed, closed),
		d.seg(3, 1, C, A, both(50), closed, closed),
		d.seg(2, 4, B, D, oneway(20), closed, closed),
		d.seg(5, 6, E, F, both(20), closed, closed))
	return nets[layers.Car]
}

// TestSnapshotComponents: the components read from a snapshot are those
// computed from the graph.
func TestSnapshotComponents(t *testing.T) {
	car := islandNetwork(t)
	var buf bytes.Buffer
	if _, err := car.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	got, err := ReadFrom(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Components(), car.Components()) || got.MainComponent() != car.MainComponent() || !reflect.DeepEqual(got.mainEdge, car.mainEdge) {
		t.Errorf("components after the round trip %+v (main %d), want %+v (main %d)", got.Components(), got.MainComponent(), car.Components(), car.MainComponent())
	}
	if len(car.Components().Size) < 3 {
		t.Fatalf("test network has %d components, want several", len(car.Components().Size))
	}
}

// TestSnapshotComponentsChecked: a components part that is not a partition
// of the nodes is refused even when its checksum holds.
func TestSnapshotComponentsChecked(t *testing.T) {
	car := islandNetwork(t)
	var buf bytes.Buffer
	if _, err := car.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	nodes, k := car.Graph().NumNodes(), len(car.Components().Size)
	// the components part comes last before the hierarchy flag (0: this
	// network has no hierarchy): count, sizes, nodes, checksum
	if data[len(data)-1] != 0 {
		t.Fatalf("hierarchy flag %d, want 0", data[len(data)-1])
	}
	end := len(data) - 1
	start := end - 4 - 4*nodes - 4*k - 4
	sizes, of := start+4, start+4+4*k
	le32 := binary.LittleEndian
	for _, tc := range []struct {
		name   string
		change func(b []byte)
		want   string
	}{
		{"more components than nodes", func(b []byte) { le32.PutUint32(b[start:], uint32(nodes+1)) }, "for"},
		{"sizes increase", func(b []byte) { le32.PutUint32(b[sizes+4*(k-1):], uint32(nodes)) }, "of size"},
		{"sizes short of the nodes", func(b []byte) { le32.PutUint32(b[sizes:], le32.Uint32(b[sizes:])-1) }, "add up"},
		{"node in no component", func(b []byte) { le32.PutUint32(b[of+4:], uint32(k)) }, "node 1 in component"},
		{"node in another component", func(b []byte) { le32.PutUint32(b[of:], (le32.Uint32(b[of:])+1)%uint32(k)) }, "its size says"},
	} {
		bad := bytes.Clone(data)
		tc.change(bad)
		le32.PutUint32(bad[end-4:], crc32.Checksum(bad[start:end-4], crc32.MakeTable(crc32.Castagnoli)))
		_, err := ReadFrom(bytes.NewReader(bad))
		if !errors.Is(err, ErrSnapshot) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err %v, want ErrSnapshot naming %q", tc.name, err, tc.want)
		}
	}
	bad := bytes.Clone(data)
	bad[of] ^= 1
	if _, err := ReadFrom(bytes.NewReader(bad)); !errors.Is(err, ErrSnapshot) {
		t.Errorf("flipped component byte: err %v, want ErrSnapshot", err)
	}
	if _, err := ReadFrom(bytes.NewReader(data)); err != nil {
		t.Fatalf("intact snapshot: %v", err)
	}
}

// TestSnapshotHierarchy: a prepared contraction hierarchy travels with the
// snapshot and answers as before; a damaged one is refused.
func TestSnapshotHierarchy(t *testing.T) {
	car := islandNetwork(t)
	h, err := car.PrepareHierarchy(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	data, got := roundTrip(t, car)
	gh := got.Hierarchy()
	if gh == nil {
		t.Fatal("no hierarchy after the round trip")
	}
	if gh.NumArcs() != h.NumArcs() || gh.NumLevels() != h.NumLevels() {
		t.Fatalf("hierarchy of %d arcs, %d levels after the round trip; %d, %d before", gh.NumArcs(), gh.NumLevels(), h.NumArcs(), h.NumLevels())
	}
	src := []route.Source{{Node: 0}}
	a, b := h.NewSweep(), gh.NewSweep()
	a.Forward(src, route.Unbounded, 1)
	b.Forward(src, route.Unbounded, 1)
	for v := range car.Graph().NumNodes() {
		if a.Cost(graph.NodeID(v)) != b.Cost(graph.NodeID(v)) {
			t.Fatalf("node %d: %v after the round trip, %v before", v, b.Cost(graph.NodeID(v)), a.Cost(graph.NodeID(v)))
		}
	}
	bad := bytes.Clone(data)
	bad[len(bad)-10] ^= 0x40
	if _, err := ReadFrom(bytes.NewReader(bad)); !errors.Is(err, ErrSnapshot) || !errors.Is(err, route.ErrHierarchySnapshot) {
		t.Errorf("damaged hierarchy: err %v, want ErrSnapshot and route.ErrHierarchySnapshot", err)
	}
	if _, err := ReadFrom(bytes.NewReader(data[:len(data)-3])); err == nil {
		t.Error("truncated hierarchy: no error")
	}
}

// roundTrip writes n's snapshot and reads it back.
func roundTrip(t *testing.T, n *Network) ([]byte, *Network) {
	t.Helper()
	var buf bytes.Buffer
	if _, err := n.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	got, err := ReadFrom(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return data, got
}
