package analysis

import (
	"bytes"
	"context"
	"testing"

	"reach/layers"
)

// TestHierarchyFieldsMatchDijkstra computes every travel-time field of the
// demo region twice, once with the contraction hierarchies (PHAST sweeps)
// and once without (Dijkstra), and requires the same times everywhere.
func TestHierarchyFieldsMatchDijkstra(t *testing.T) {
	r, _ := demoReader(t)
	ctx := context.Background()
	modes := []layers.Mode{layers.Car, layers.Bicycle, layers.Foot}
	with, err := Build(ctx, r, Options{Modes: modes, Hierarchy: HierarchyWait})
	if err != nil {
		t.Fatal(err)
	}
	without, err := Build(ctx, r, Options{Modes: modes, Hierarchy: HierarchyOff})
	if err != nil {
		t.Fatal(err)
	}
	for m, ready := range with.HierarchiesReady() {
		if !ready {
			t.Fatalf("%s: no hierarchy after HierarchyWait", m)
		}
	}
	for m, ready := range without.HierarchiesReady() {
		if ready {
			t.Fatalf("%s: hierarchy despite HierarchyOff", m)
		}
	}
	fields, sameFacility := 0, 0
	for _, ci := range layers.Categories() {
		if len(with.byCat[ci.Category]) == 0 {
			continue
		}
		for _, m := range modes {
			a, err := with.TravelTimes(ctx, ci.Category, m)
			if err != nil {
				t.Fatal(err)
			}
			b, err := without.TravelTimes(ctx, ci.Category, m)
			if err != nil {
				t.Fatal(err)
			}
			fields++
			for i := range a {
				if a[i].Reached != b[i].Reached || a[i].Seconds != b[i].Seconds {
					t.Fatalf("%s %s cell %s: hierarchy %v s (reached %v), Dijkstra %v s (reached %v)",
						ci.Category, m, a[i].CellID, a[i].Seconds, a[i].Reached, b[i].Seconds, b[i].Reached)
				}
				if a[i].FacilityID == b[i].FacilityID {
					sameFacility++
				}
			}
		}
	}
	if fields == 0 {
		t.Fatal("no field compared")
	}
	t.Logf("%d fields equal; nearest facility the same in %d cell results (others are ties)", fields, sameFacility)
}

// TestHierarchyInSnapshot: the engine snapshot carries the hierarchies, so
// an engine started from it has them without preparing any.
func TestHierarchyInSnapshot(t *testing.T) {
	r, _ := demoReader(t)
	ctx := context.Background()
	modes := []layers.Mode{layers.Car, layers.Foot}
	e, err := Build(ctx, r, Options{Modes: modes, Hierarchy: HierarchyWait})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := e.WriteSnapshot(&buf); err != nil {
		t.Fatal(err)
	}
	// HierarchyOff prepares nothing: a hierarchy can only come from the
	// snapshot
	cold, err := Build(ctx, r, Options{Modes: modes, Hierarchy: HierarchyOff, Snapshot: &buf})
	if err != nil {
		t.Fatal(err)
	}
	ready := cold.HierarchiesReady()
	for _, m := range modes {
		if !ready[m] {
			t.Errorf("%s: no hierarchy after a start from the snapshot", m)
		}
	}
	cold.opts.Hierarchy = HierarchyAuto // use it
	a, err := cold.TravelTimes(ctx, layers.CatGeneralPractice, layers.Car)
	if err != nil {
		t.Fatal(err)
	}
	b, err := e.TravelTimes(ctx, layers.CatGeneralPractice, layers.Car)
	if err != nil {
		t.Fatal(err)
	}
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("cell %d: %+v from the snapshot, %+v before", i, a[i], b[i])
		}
	}
}
