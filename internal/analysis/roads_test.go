package analysis

import (
	"bytes"
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"reach/layers"
)

// TestRoadSegmentsFromSnapshot checks that an engine built from a snapshot,
// which keeps only the digest of the road layer, reads the layer again on
// the first call of RoadSegments (a road scenario), gives the segments the
// engine built from the roads holds, and writes the same snapshot.
func TestRoadSegmentsFromSnapshot(t *testing.T) {
	ctx := context.Background()
	data, ref, r := smallSnapshot(t)
	got, err := Build(ctx, r, Options{Modes: []layers.Mode{layers.Car, layers.Foot}, Snapshot: bytes.NewReader(data), Now: ref.opts.Now})
	if err != nil {
		t.Fatal(err)
	}
	if got.roads != nil {
		t.Errorf("engine from a snapshot holds %d road segments after Build, want none until a road scenario", len(got.roads))
	}
	if again := writeSnapshot(t, got); !bytes.Equal(again, data) {
		t.Errorf("snapshot of the engine built from a snapshot differs (%d bytes, want %d)", len(again), len(data))
	}
	want, err := ref.RoadSegments(ctx)
	if err != nil {
		t.Fatal(err)
	}
	have, err := got.RoadSegments(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(want) == 0 || !reflect.DeepEqual(have, want) {
		t.Errorf("engine from a snapshot gives %d road segments, the engine from the roads %d (or they differ)", len(have), len(want))
	}
	if len(got.roads) != len(r.roads) {
		t.Errorf("engine from a snapshot holds %d road segments after a road scenario, want %d", len(got.roads), len(r.roads))
	}
}

// TestRoadSegmentsLayerChanged checks that a road scenario on an engine
// built from a snapshot fails, rather than mixing two road layers, when the
// layer read again is not the one the networks were made from.
func TestRoadSegmentsLayerChanged(t *testing.T) {
	ctx := context.Background()
	data, _, r := smallSnapshot(t)
	e, err := Build(ctx, r, Options{Modes: []layers.Mode{layers.Car, layers.Foot}, Snapshot: bytes.NewReader(data)})
	if err != nil {
		t.Fatal(err)
	}
	r.roads = append([]layers.RoadSegment(nil), r.roads...)
	r.roads[0].Car.SpeedKmh++
	_, err = e.RoadSegments(ctx)
	if !errors.Is(err, ErrSnapshotMismatch) || !strings.Contains(err.Error(), "road layer changed") {
		t.Fatalf("road segments of a changed road layer: error %v, want one wrapping ErrSnapshotMismatch", err)
	}
	if e.roads != nil {
		t.Errorf("the changed road layer was kept (%d segments)", len(e.roads))
	}
}
