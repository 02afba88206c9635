package analysis

import (
	"bytes"
	"context"
	"testing"

	"github.com/paulmach/orb"

	"reach/geo/crs"
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
	// a matrix between the central places, both ways
	var pts []orb.Point
	for _, pl := range r.places {
		ll, err := crs.ToLonLat(crs.UTM33N, pl.Location)
		if err != nil {
			t.Fatal(err)
		}
		pts = append(pts, ll)
	}
	for _, m := range modes {
		req := MatrixRequest{Mode: m, Sources: pts, Destinations: pts}
		a, err := with.Matrix(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		b, err := without.Matrix(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		reached := 0
		for i := range a.Durations {
			for j := range a.Durations[i] {
				x, y := a.Durations[i][j], b.Durations[i][j]
				if (x == nil) != (y == nil) || x != nil && *x != *y {
					t.Fatalf("%s matrix [%d][%d]: hierarchy %v, Dijkstra %v", m, i, j, x, y)
				}
				if x != nil {
					reached++
				}
			}
		}
		if reached < len(pts) {
			t.Fatalf("%s matrix: only %d of %d pairs reached", m, reached, len(pts)*len(pts))
		}
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
