package analysis

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"reach/layers"
)

// TestRoadScenarioFromSnapshot checks that an engine built from a
// snapshot, which keeps only the digest of the road layer, assesses road
// projects as the engine built from the roads does (reading the layer
// again on the first road scenario), and writes the same snapshot.
func TestRoadScenarioFromSnapshot(t *testing.T) {
	ctx := context.Background()
	data, ref, r := smallSnapshot(t)
	_, n := fixture(t)
	got, err := Build(ctx, r, Options{Modes: []layers.Mode{layers.Car, layers.Foot}, Snapshot: bytes.NewReader(data),
		Now: func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	if got.roads != nil {
		t.Errorf("engine from a snapshot holds %d road segments after Build, want none until a road scenario", len(got.roads))
	}
	if again := writeSnapshot(t, got); !bytes.Equal(again, data) {
		t.Errorf("snapshot of the engine built from a snapshot differs (%d bytes, want %d)", len(again), len(data))
	}
	for _, line := range []orb.LineString{{n.nodes['D'], n.nodes['I']}, {n.nodes['A'], n.nodes['F']}} {
		p := layers.Project{ID: "road", Title: "Straße", Kind: layers.KindRoadUpgrade, Category: layers.CatGeneralPractice, Geometry: line, SpeedKmh: 90,
			Municipalities: []string{"14628020"}, InvestmentCost: 2e6, RequestedFunding: 1e6}
		want, err := ref.Assess(ctx, p, nil)
		if err != nil {
			t.Fatal(err)
		}
		have, err := got.Assess(ctx, p, nil)
		if err != nil {
			t.Fatal(err)
		}
		wj, _ := json.Marshal(want)
		hj, _ := json.Marshal(have)
		if !bytes.Equal(wj, hj) {
			t.Errorf("road project %v: engine from the snapshot assesses\n%s\nthe engine from the roads\n%s", line, hj, wj)
		}
	}
	if len(got.roads) != len(r.roads) {
		t.Errorf("engine from a snapshot holds %d road segments after a road scenario, want %d", len(got.roads), len(r.roads))
	}
}

// TestRoadScenarioLayerChanged checks that a road scenario on an engine
// built from a snapshot fails, rather than mixing two road layers, when the
// layer read again is not the one the networks were made from.
func TestRoadScenarioLayerChanged(t *testing.T) {
	ctx := context.Background()
	data, _, r := smallSnapshot(t)
	_, n := fixture(t)
	e, err := Build(ctx, r, Options{Modes: []layers.Mode{layers.Car, layers.Foot}, Snapshot: bytes.NewReader(data)})
	if err != nil {
		t.Fatal(err)
	}
	r.roads = append([]layers.RoadSegment(nil), r.roads...)
	r.roads[0].Car.SpeedKmh++
	p := layers.Project{ID: "road", Title: "Straße", Kind: layers.KindRoadUpgrade, Category: layers.CatGeneralPractice,
		Geometry: orb.LineString{n.nodes['D'], n.nodes['I']}, SpeedKmh: 90, Municipalities: []string{"14628020"}}
	_, err = e.Assess(ctx, p, nil)
	if !errors.Is(err, ErrSnapshotMismatch) || !strings.Contains(err.Error(), "road layer changed") {
		t.Fatalf("road scenario on a changed road layer: error %v, want one wrapping ErrSnapshotMismatch", err)
	}
	if e.roads != nil {
		t.Errorf("the changed road layer was kept (%d segments)", len(e.roads))
	}
}
