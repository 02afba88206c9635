package analysis

import (
	"bytes"
	"context"
	"iter"
	"reflect"
	"sync/atomic"
	"testing"

	"reach/layers"
)

// closedReader is a layers.Reader that fails the test on any read once
// closed: the engine must hold no reader after Build.
type closedReader struct {
	*fakeReader
	t      *testing.T
	closed atomic.Bool
}

func (r *closedReader) check(what string) {
	if r.closed.Load() {
		r.t.Errorf("%s read after Build", what)
	}
}

func (r *closedReader) Municipalities(ctx context.Context) ([]layers.Municipality, error) {
	r.check("municipalities")
	return r.fakeReader.Municipalities(ctx)
}
func (r *closedReader) Cells(ctx context.Context) ([]layers.Cell, error) {
	r.check("cells")
	return r.fakeReader.Cells(ctx)
}
func (r *closedReader) Facilities(ctx context.Context) ([]layers.Facility, error) {
	r.check("facilities")
	return r.fakeReader.Facilities(ctx)
}
func (r *closedReader) Roads(ctx context.Context) iter.Seq2[layers.RoadSegment, error] {
	r.check("roads")
	return r.fakeReader.Roads(ctx)
}
func (r *closedReader) Projects(ctx context.Context) ([]layers.Project, error) {
	r.check("projects")
	return r.fakeReader.Projects(ctx)
}

// TestRoadSegmentsKept checks that an engine, built from the roads or from
// a snapshot, holds the road layer its networks were made from after
// Build, reads nothing more from its reader (a road scenario included),
// and that the engine from the snapshot writes the same snapshot.
func TestRoadSegmentsKept(t *testing.T) {
	ctx := context.Background()
	data, ref, r := smallSnapshot(t)
	want := ref.RoadSegments()
	if len(want) == 0 || !reflect.DeepEqual(want, r.roads) {
		t.Fatalf("engine built from the roads holds %d segments, the layer has %d (or they differ)", len(want), len(r.roads))
	}
	for _, snap := range []bool{false, true} {
		cr := &closedReader{fakeReader: r, t: t}
		opts := Options{Modes: []layers.Mode{layers.Car, layers.Foot}, Now: ref.opts.Now}
		if snap {
			opts.Snapshot = bytes.NewReader(data)
		}
		e, err := Build(ctx, cr, opts)
		if err != nil {
			t.Fatal(err)
		}
		cr.closed.Store(true)
		if have := e.RoadSegments(); !reflect.DeepEqual(have, want) {
			t.Errorf("snapshot %v: engine holds %d road segments, want %d (or they differ)", snap, len(have), len(want))
		}
		if _, err := e.ScenarioNetwork(ctx, e.RoadSegments(), layers.Car); err != nil {
			t.Errorf("snapshot %v: scenario network: %v", snap, err)
		}
		if snap {
			if again := writeSnapshot(t, e); !bytes.Equal(again, data) {
				t.Errorf("snapshot of the engine built from a snapshot differs (%d bytes, want %d)", len(again), len(data))
			}
		}
		if e.opts.LoadTransit != nil || e.opts.Snapshot != nil {
			t.Errorf("snapshot %v: the engine keeps a hook that reads layers", snap)
		}
	}
}
