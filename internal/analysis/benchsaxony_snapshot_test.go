package analysis

import (
	"bufio"
	"bytes"
	"context"
	"iter"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"testing"
	"time"

	"reach/internal/analysis/snapshot"
	"reach/layers"
)

// BenchmarkSaxonyColdStartSnapshot is the cold start of the engine at
// Saxon scale (car network, 395,870 cells, 4,128 facilities), the layers
// already in memory (the fixture of bench_saxony_test.go):
//
//   - snapshot: Build with Options.Snapshot reading the engine snapshot
//     file written by Engine.WriteSnapshot (networks, snapping of every
//     cell and facility), the figure of the issue-3 target (≤ 2 s);
//   - layers-only: Build of the same layers with no roads (what every
//     cold start pays for cells, facilities and the classification, with
//     no network at all), to show what the snapshot path adds;
//   - build: Build from the road layer without a snapshot (the baseline,
//     about 13 s; run it with -benchtime 1x).
//
// The snapshot file is written once, outside the timed loop, to the test's
// temporary directory; it is read through the page cache.
func BenchmarkSaxonyColdStartSnapshot(b *testing.B) {
	f := saxonyBench(b)
	logSaxony(b, f)
	ctx := context.Background()
	opts := Options{Modes: []layers.Mode{layers.Car}, Info: f.e.info}
	path := filepath.Join(b.TempDir(), "saxony.engine")
	t0 := time.Now()
	fh, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	if err := f.e.WriteSnapshot(fh); err != nil {
		b.Fatal(err)
	}
	if err := fh.Close(); err != nil {
		b.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("engine snapshot: %.1f MB written in %v", float64(st.Size())/1e6, time.Since(t0).Round(time.Millisecond))

	b.Run("snapshot", func(b *testing.B) {
		s := newSampler()
		b.ReportAllocs()
		for b.Loop() {
			var e *Engine
			s.time(func() {
				fh, err := os.Open(path)
				if err != nil {
					b.Fatal(err)
				}
				o := opts
				o.Snapshot = bufio.NewReaderSize(fh, 1<<20)
				e, err = Build(ctx, f.reader, o)
				fh.Close()
				if err != nil {
					b.Fatal(err)
				}
			})
			mn := e.nets[layers.Car]
			if mn == nil || mn.n.Graph().NumNodes() != f.mn.n.Graph().NumNodes() || mn.cells.Len() != len(f.e.cells) {
				b.Fatal("engine from the snapshot does not hold the fixture's network")
			}
			if !reflect.DeepEqual(e.Stats().Networks, f.e.Stats().Networks) {
				b.Fatalf("network stats from the snapshot %v, want %v", e.Stats().Networks, f.e.Stats().Networks)
			}
		}
		s.report(b)
		b.ReportMetric(float64(st.Size())/1e6, "snapshot-MB")
	})

	b.Run("layers-only", func(b *testing.B) {
		noRoads := *f.reader
		noRoads.roads = nil
		s := newSampler()
		b.ReportAllocs()
		for b.Loop() {
			s.time(func() {
				if _, err := Build(ctx, &noRoads, opts); err != nil {
					b.Fatal(err)
				}
			})
		}
		s.report(b)
	})

	b.Run("build", func(b *testing.B) {
		// Without a snapshot a large network would start preparing its
		// hierarchy in the background, and those builds would still run
		// during the next iterations and benchmarks: this baseline times
		// Build alone (the hierarchy is 13 s more, see bench/ROUTING.md).
		built := opts
		built.Hierarchy = HierarchyOff
		s := newSampler()
		b.ReportAllocs()
		for b.Loop() {
			s.time(func() {
				if _, err := Build(ctx, f.reader, built); err != nil {
					b.Fatal(err)
				}
			})
		}
		s.report(b)
	})
}

// BenchmarkSaxonySnapshotDecode is the snapshot decode alone (snapshot.Read:
// network, checksums, index), from memory, without the layers.
func BenchmarkSaxonySnapshotDecode(b *testing.B) {
	f := saxonyBench(b)
	var buf bytes.Buffer
	if err := f.e.WriteSnapshot(&buf); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	s := newSampler()
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		s.time(func() {
			if _, err := snapshot.Read(bytes.NewReader(data), nil); err != nil {
				b.Fatal(err)
			}
		})
	}
	s.report(b)
}

// BenchmarkSaxonyRoadsKept measures what the engine pays in memory for
// keeping the road layer (Engine.RoadSegments) at Saxon scale: the heap
// held by the segments as the engine reads them from the reader, live
// heap after a collection before and after. The generated layer shares
// its geometries with the reader; a store's reader allocates them afresh,
// so the segments are read here through a source that copies them.
func BenchmarkSaxonyRoadsKept(b *testing.B) {
	if testing.Short() {
		b.Skip("Saxony-scale benchmarks skipped with -short")
	}
	_, r, err := saxonyLayers()
	if err != nil {
		b.Fatal(err)
	}
	heap := func() uint64 {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	var kept []layers.RoadSegment
	var vertices int
	for b.Loop() {
		kept = nil
		before := heap()
		roads, _, err := snapshot.ReadRoads(context.Background(), copiedRoads{r}, uint64(len(r.roads)), func() bool { return false })
		if err != nil {
			b.Fatal(err)
		}
		kept = roads
		after := heap()
		b.ReportMetric(float64(after-before)/1e6, "held-MB")
	}
	for _, s := range kept {
		vertices += len(s.Geometry)
	}
	b.ReportMetric(float64(len(kept)), "segments")
	b.ReportMetric(float64(vertices), "vertices")
	runtime.KeepAlive(kept)
}

// copiedRoads streams the roads of a reader with fresh geometries.
type copiedRoads struct{ r *fakeReader }

func (c copiedRoads) Roads(ctx context.Context) iter.Seq2[layers.RoadSegment, error] {
	return func(yield func(layers.RoadSegment, error) bool) {
		for s, err := range c.r.Roads(ctx) {
			s.Geometry = slices.Clone(s.Geometry)
			if !yield(s, err) {
				return
			}
		}
	}
}
