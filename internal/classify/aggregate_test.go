package classify

import (
	"fmt"
	"testing"

	"reach/layers"
)

// TestAggregateFineCells checks that 100 m cells are summed into their 1 km
// cell: population of the known parts, AGS of the largest share, and the
// same classification as when the 1 km cells are given directly.
func TestAggregateFineCells(t *testing.T) {
	var fine, coarse []layers.Cell
	// Two 1 km cells: one split between two municipalities, one with a secret part.
	for i := 0; i < 10; i++ {
		for j := 0; j < 10; j++ {
			ags := "14000001"
			if j >= 7 {
				ags = "14000002"
			}
			fine = append(fine, layers.Cell{ID: fmt.Sprintf("100mN%dE%d", 30000+i, 40000+j), ResolutionM: 100, Population: 20, Known: true, AGS: ags})
			fine = append(fine, layers.Cell{ID: fmt.Sprintf("100mN%dE%d", 30000+i, 40010+j), ResolutionM: 100, Population: 3, Known: !(i == 0 && j == 0), AGS: "14000002"})
		}
	}
	got, err := aggregateTo1km(fine)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]layers.Cell{
		"1kmN3000E4000": {Population: 2000, Known: true, AGS: "14000001"},
		"1kmN3000E4001": {Population: 297, Known: true, AGS: "14000002"},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d cells, want %d: %+v", len(got), len(want), got)
	}
	for _, c := range got {
		w, ok := want[c.ID]
		if !ok {
			t.Fatalf("unexpected cell %q", c.ID)
		}
		if c.Population != w.Population || c.Known != w.Known || c.AGS != w.AGS || c.ResolutionM != 1000 {
			t.Errorf("%s = {pop %d known %v ags %s res %d}, want {pop %d known %v ags %s res 1000}", c.ID, c.Population, c.Known, c.AGS, c.ResolutionM, w.Population, w.Known, w.AGS)
		}
		coarse = append(coarse, layers.Cell{ID: c.ID, ResolutionM: 1000, Population: w.Population, Known: true, AGS: w.AGS})
	}
	munis := []layers.Municipality{{AGS: "14000001", Population: 1400, AreaKm2: 1}, {AGS: "14000002", Population: 897, AreaKm2: 1}}
	a, err := Classify(munis, fine, DefaultClassifyOptions())
	if err != nil {
		t.Fatal(err)
	}
	b, err := Classify(munis, coarse, DefaultClassifyOptions())
	if err != nil {
		t.Fatal(err)
	}
	for ags, ca := range a.ByAGS {
		cb := b.ByAGS[ags]
		if ca.DEGURBAComputed != cb.DEGURBAComputed || ca.ShareUrbanCluster != cb.ShareUrbanCluster {
			t.Errorf("%s: from 100 m cells %+v, from 1 km cells %+v", ags, ca, cb)
		}
	}
}
