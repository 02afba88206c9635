package analysis

import (
	"context"
	"math"
	"testing"

	"github.com/paulmach/orb"

	"reach/geo/access"
	"reach/layers"
)

// demoDemography is a small projection for the demo region: every
// municipality has the same base table; in "2040 T" the under-sixes halve
// and the 65+ double.
func demoDemography(e *Engine) *access.Demography {
	base := access.AgeTable{{Lo: 0, Hi: 5, Count: 500}, {Lo: 6, Hi: 9, Count: 350}, {Lo: 10, Hi: 17, Count: 700}, {Lo: 18, Hi: 64, Count: 5600}, {Lo: 65, Hi: access.OpenAge, Count: 2850}}
	proj := access.AgeTable{{Lo: 0, Hi: 5, Count: 250}, {Lo: 6, Hi: 9, Count: 350}, {Lo: 10, Hi: 17, Count: 700}, {Lo: 18, Hi: 64, Count: 5600}, {Lo: 65, Hi: access.OpenAge, Count: 5700}}
	d := &access.Demography{Source: "test", BaseYear: 2022, Base: map[string]access.AgeTable{}, Projected: map[access.Scenario]map[string]access.AgeTable{{Variant: "T", Year: 2040}: {}}}
	for _, m := range e.munis {
		d.Base[m.AGS] = base
		d.Projected[access.Scenario{Variant: "T", Year: 2040}][m.AGS] = proj
	}
	return d
}

func TestNeedDemo(t *testing.T) {
	r, _ := demoReader(t)
	e0 := buildEngine(t, r)
	e, err := Build(context.Background(), r, Options{Modes: []layers.Mode{layers.Car, layers.Foot}, Demography: demoDemography(e0)})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	sc := access.Scenario{Variant: "T", Year: 2040}
	for _, nd := range e.Needs().Needs() {
		today, err := e.Need(ctx, NeedQuery{Category: nd.Category, Cells: true})
		if err != nil {
			t.Fatalf("%s: %v", nd.Category, err)
		}
		if len(e.byCat[nd.Category]) == 0 {
			continue
		}
		// The balance: Σ demand × access equals the distributed supply.
		var got float64
		for _, c := range today.Cells {
			got += c.Demand * c.UnitsPer1000 / 1000
		}
		if math.Abs(got-today.Supply.Distributed) > 1e-6*math.Max(1, today.Supply.Distributed) {
			t.Errorf("%s: Σ demand·access = %v, supply distributed %v", nd.Category, got, today.Supply.Distributed)
		}
		if math.Abs(today.Supply.Distributed+today.Supply.Unreached-today.Supply.Total) > 1e-9*today.Supply.Total {
			t.Errorf("%s: supply %v + %v ≠ %v", nd.Category, today.Supply.Distributed, today.Supply.Unreached, today.Supply.Total)
		}
		if today.Supply.Assumed+today.Supply.FromData != today.Supply.Facilities {
			t.Errorf("%s: supply counts %+v", nd.Category, today.Supply)
		}
		if today.Fairness.All.Residents <= 0 || len(today.Fairness.ByAgeGroup) != 3 || len(today.Municipalities) == 0 {
			t.Errorf("%s: fairness %+v, %d municipalities", nd.Category, today.Fairness.All, len(today.Municipalities))
		}
		later, err := e.Need(ctx, NeedQuery{Category: nd.Category, Scenario: sc})
		if err != nil {
			t.Fatal(err)
		}
		// Demand of the projection: kita (0–5) halves, senior care doubles,
		// general practice grows by the added 65+.
		switch nd.Category {
		case layers.CatKita:
			if math.Abs(later.Demand-today.Demand/2) > 0.1 {
				t.Errorf("kita demand 2040 %v, want half of %v", later.Demand, today.Demand)
			}
			if later.UnitsPer1000 <= today.UnitsPer1000 {
				t.Errorf("kita: fewer children but ratio %v ≤ %v", later.UnitsPer1000, today.UnitsPer1000)
			}
		case layers.CatSeniorCare:
			if math.Abs(later.Demand-2*today.Demand) > 0.2 {
				t.Errorf("senior care demand 2040 %v, want twice %v", later.Demand, today.Demand)
			}
		}
	}
	if _, err := e.Need(ctx, NeedQuery{Category: layers.CatKita, Scenario: access.Scenario{Variant: "X", Year: 2050}}); err == nil {
		t.Error("unknown projection: no error")
	}
	if _, err := e.Need(ctx, NeedQuery{Category: layers.CatTownHall}); err == nil {
		t.Error("category without need: no error")
	}
}

// TestCatchmentsAgainstOracle checks the catchment of a few facilities
// against the reference Dijkstra: every cell within the threshold is in
// it with the reference time, no other cell is.
func TestCatchmentsAgainstOracle(t *testing.T) {
	r, _ := demoReader(t)
	e := buildEngine(t, r)
	nd, _ := e.Needs().Need(layers.CatGeneralPractice)
	ce, err := e.catchments(context.Background(), layers.CatGeneralPractice, layers.Car, nd.Decay)
	if err != nil {
		t.Fatal(err)
	}
	step := max(1, len(e.cells)/60)
	var idx []int
	for i := 0; i < len(e.cells); i += step {
		idx = append(idx, i)
	}
	for j := 0; j < len(ce.facs); j += max(1, len(ce.facs)/4) {
		want := oracleAt(t, e, layers.Car, []orb.Point{e.facs[ce.facs[j]].Location}, idx)
		got := map[int]float64{}
		ce.c.Catchment(j, func(cell int, s float64) { got[cell] = s })
		for _, i := range idx {
			s, in := got[i]
			if want[i] <= nd.Decay.ThresholdS-0.01 && (!in || math.Abs(s-want[i]) > 0.01) {
				t.Fatalf("facility %d cell %d: reference %v s, catchment %v (in %v)", j, i, want[i], s, in)
			}
			if want[i] > nd.Decay.ThresholdS+0.01 && in {
				t.Fatalf("facility %d cell %d: reference %v s beyond the threshold, yet in the catchment", j, i, want[i])
			}
		}
	}
}

