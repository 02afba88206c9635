package route

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"testing"

	"reach/geo/graph"
)

func TestHierarchySnapshotRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 11))
	g := latticeGraph(t, rng, 25, 20)
	h := contractT(t, g, 0)
	var buf bytes.Buffer
	k, err := h.WriteTo(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if k != int64(buf.Len()) {
		t.Errorf("WriteTo says %d bytes, wrote %d", k, buf.Len())
	}
	data := buf.Bytes()
	got, err := ReadHierarchy(bytes.NewReader(data), g.NumNodes())
	if err != nil {
		t.Fatal(err)
	}
	if got.NumArcs() != h.NumArcs() || got.NumLevels() != h.NumLevels() || got.Shortcuts() != h.Shortcuts() {
		t.Fatalf("read back %d arcs, %d levels; wrote %d, %d", got.NumArcs(), got.NumLevels(), h.NumArcs(), h.NumLevels())
	}
	sources := randomSources(rng, g, 4)
	a, b := h.NewSweep(), got.NewSweep()
	a.Backward(sources, Unbounded, 1)
	b.Backward(sources, Unbounded, 1)
	for v := range g.NumNodes() {
		nv := graph.NodeID(v)
		if a.Cost(nv) != b.Cost(nv) || a.Label(nv) != b.Label(nv) || a.Meters(nv) != b.Meters(nv) {
			t.Fatalf("node %d: read-back hierarchy gives %v/%d/%v, original %v/%d/%v", v,
				b.Cost(nv), b.Label(nv), b.Meters(nv), a.Cost(nv), a.Label(nv), a.Meters(nv))
		}
	}

	// damaged copies are rejected, never half-read
	if _, err := ReadHierarchy(bytes.NewReader(data), g.NumNodes()+1); !errors.Is(err, ErrHierarchySnapshot) {
		t.Errorf("other graph size: %v, want ErrHierarchySnapshot", err)
	}
	flip := bytes.Clone(data)
	flip[len(flip)/2] ^= 0x10
	if _, err := ReadHierarchy(bytes.NewReader(flip), g.NumNodes()); !errors.Is(err, ErrHierarchySnapshot) {
		t.Errorf("flipped byte: %v, want ErrHierarchySnapshot", err)
	}
	magic := bytes.Clone(data)
	magic[0] = 'X'
	if _, err := ReadHierarchy(bytes.NewReader(magic), g.NumNodes()); !errors.Is(err, ErrHierarchySnapshot) {
		t.Errorf("bad magic: %v, want ErrHierarchySnapshot", err)
	}
	for _, cut := range []int{0, 20, len(data) / 3, len(data) - 1} {
		if _, err := ReadHierarchy(bytes.NewReader(data[:cut]), g.NumNodes()); err == nil {
			t.Errorf("truncated at %d of %d bytes: no error", cut, len(data))
		}
	}
}

func TestHierarchyEmptyGraph(t *testing.T) {
	var b graph.Builder
	g, err := b.Build(graph.BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	h := contractT(t, g, 0)
	var buf bytes.Buffer
	if _, err := h.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadHierarchy(&buf, 0); err != nil {
		t.Fatal(err)
	}
	s := h.NewSweep()
	s.Forward(nil, Unbounded, 2)
}
