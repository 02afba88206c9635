package main

import (
	"bufio"
	"context"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"reach/data/osm"
	"reach/geo/crs"
	"reach/internal/network"
	"reach/internal/network/netgen"
	"reach/layers"
)

// writeSaxonyPBF writes the generated Saxony-scale network
// (netgen.Saxony(): 2.1 million road segments) as an OSM PBF file: each
// segment one way with two shape points between its ends (so 4 nodes per
// way, as a state extract's roads have a few), lattice nodes shared between
// ways, highway class, name and oneway as tags. Returns ways and nodes written.
func writeSaxonyPBF(path string) (ways, nodes int, err error) {
	gen := netgen.Generate(netgen.Saxony())
	f, err := os.Create(path)
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	bw := bufio.NewWriterSize(f, 1<<20)
	w := osm.NewPBFWriter(bw)
	ends := map[int64]orb.Point{}
	var maxID int64
	for _, s := range gen.Segments {
		ends[s.FromNode], ends[s.ToNode] = s.Geometry[0], s.Geometry[len(s.Geometry)-1]
		maxID = max(maxID, s.FromNode, s.ToNode)
	}
	ids := make([]int64, 0, len(ends))
	for id := range ends {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	node := func(id int64, p orb.Point) error {
		ll, err := crs.ToLonLat(crs.UTM33N, p)
		if err != nil {
			return err
		}
		nodes++
		return w.Node(id, ll[0], ll[1])
	}
	for _, id := range ids {
		if err := node(id, ends[id]); err != nil {
			return 0, 0, err
		}
	}
	shape := func(s layers.RoadSegment, k int) orb.Point { // k = 1, 2: a third and two thirds along, offset sideways
		a, b := s.Geometry[0], s.Geometry[len(s.Geometry)-1]
		t := float64(k) / 3
		off := 4.0 * float64(2*(k%2)-1)
		dx, dy := b[0]-a[0], b[1]-a[1]
		return orb.Point{a[0] + t*dx - off*dy/100, a[1] + t*dy + off*dx/100}
	}
	for i, s := range gen.Segments {
		for k := 1; k <= 2; k++ {
			if err := node(maxID+1+int64(2*i+k-1), shape(s, k)); err != nil {
				return 0, 0, err
			}
		}
	}
	for i, s := range gen.Segments {
		tags := []string{"highway", s.Highway}
		if s.Name != "" {
			tags = append(tags, "name", s.Name)
		}
		if s.Oneway {
			tags = append(tags, "oneway", "yes")
		}
		refs := []int64{s.FromNode, maxID + 1 + int64(2*i), maxID + 2 + int64(2*i), s.ToNode}
		if err := w.Way(int64(i+1), refs, tags...); err != nil {
			return 0, 0, err
		}
		ways++
	}
	if err := w.Close(); err != nil {
		return 0, 0, err
	}
	return ways, nodes, bw.Flush()
}

// TestWriteSaxonyPBF writes the Saxony-scale PBF to $REACH_WRITE_PBF (the
// first step of the import benchmark; skipped without it).
func TestWriteSaxonyPBF(t *testing.T) {
	path := os.Getenv("REACH_WRITE_PBF")
	if path == "" {
		t.Skip("set REACH_WRITE_PBF=file.osm.pbf to write the Saxony-scale extract")
	}
	start := time.Now()
	ways, nodes, err := writeSaxonyPBF(path)
	if err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(path)
	t.Logf("%s: %d ways, %d nodes, %d bytes, written in %s", path, ways, nodes, st.Size(), time.Since(start).Round(time.Millisecond))
	if ways < 2_000_000 {
		t.Fatalf("%d ways, want at least 2 million", ways)
	}
}

// BenchmarkSaxonyOSMImport reads the PBF at $REACH_BENCH_PBF (written by
// TestWriteSaxonyPBF) into usable graphs: the streaming road reader (two
// passes, only road nodes kept) and network.Build for car, bicycle and
// foot, as reach analyze and serve build them. Run it in a process of its
// own: it reports the peak resident memory of the process (VmHWM).
func BenchmarkSaxonyOSMImport(b *testing.B) {
	path := os.Getenv("REACH_BENCH_PBF")
	if path == "" {
		b.Skip("set REACH_BENCH_PBF=file.osm.pbf (see TestWriteSaxonyPBF)")
	}
	ctx := context.Background()
	for b.Loop() {
		var st osm.RoadStats
		nets, err := network.Build(ctx, osm.Roads(ctx, path, &st), network.Options{})
		if err != nil {
			b.Fatal(err)
		}
		for _, m := range layers.Modes() {
			if n := nets[m]; n != nil {
				b.ReportMetric(float64(n.Graph().NumNodes()), string(m)+"-nodes")
			}
		}
		b.Logf("%s", st.String())
		runtime.KeepAlive(nets)
	}
	b.ReportMetric(float64(peakRSS())/(1<<20), "peak-RSS-MB")
}

// peakRSS returns the peak resident set size of the process in bytes.
func peakRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	return -1
}
