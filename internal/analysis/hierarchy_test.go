package analysis

import (
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
