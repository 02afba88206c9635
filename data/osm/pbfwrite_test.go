package osm

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/paulmach/osm"
	"github.com/paulmach/osm/osmpbf"
)

// TestPBFWriterRoundTrip writes nodes (one tagged) and ways over more than
// one block, then reads them back with the PBF decoder and as road segments.
func TestPBFWriterRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "w.osm.pbf")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := NewPBFWriter(f)
	const n = PBFBlockSize + 500 // nodes over two blocks
	for i := range n {
		var tags []string
		if i == 7 {
			tags = []string{"place", "town", "name", "Hoyerswerda"}
		}
		if err := w.Node(int64(1000+i), 14.2+float64(i)*1e-5, 51.43-float64(i)*1e-6, tags...); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i+1 < n; i += 2 {
		if err := w.Way(int64(500+i), []int64{int64(1000 + i), int64(1001 + i)}, "highway", "residential", "maxspeed", "30"); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Node(1, 14, 51); err == nil {
		t.Fatal("a node after the ways was accepted")
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()

	rf, _ := os.Open(path)
	defer rf.Close()
	sc := osmpbf.New(context.Background(), rf, 1)
	defer sc.Close()
	nodes, ways := 0, 0
	for sc.Scan() {
		switch o := sc.Object().(type) {
		case *osm.Node:
			i := int(o.ID) - 1000
			if math.Abs(o.Lon-(14.2+float64(i)*1e-5)) > 1e-7 || math.Abs(o.Lat-(51.43-float64(i)*1e-6)) > 1e-7 {
				t.Fatalf("node %d at %v, %v", o.ID, o.Lon, o.Lat)
			}
			if (i == 7) != (o.Tags.Find("name") == "Hoyerswerda") {
				t.Fatalf("node %d tags %v", o.ID, o.Tags)
			}
			nodes++
		case *osm.Way:
			if len(o.Nodes) != 2 || int64(o.Nodes[0].ID) != int64(o.ID)+500 || o.Tags.Find("highway") != "residential" {
				t.Fatalf("way %d: %+v", o.ID, o)
			}
			ways++
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if nodes != n || ways != n/2 {
		t.Fatalf("read %d nodes and %d ways, want %d and %d", nodes, ways, n, n/2)
	}
	segs := 0
	for s, err := range Roads(context.Background(), path, nil) {
		if err != nil {
			t.Fatal(err)
		}
		if s.Highway != "residential" || s.LengthM <= 0 {
			t.Fatalf("segment %+v", s)
		}
		segs++
	}
	if segs != n/2 {
		t.Fatalf("%d road segments, want %d", segs, n/2)
	}
}
