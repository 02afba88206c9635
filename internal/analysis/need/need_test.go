package need

import (
	"context"
	"math"
	"testing"

	"reach/geo/access"
	"reach/internal/analysis"
	"reach/internal/analysis/assess"
	"reach/internal/analysis/gaps"
	"reach/layers"
)

func TestNeedDemo(t *testing.T) {
	_, reg := demoStore(t)
	e, _ := demoEngine(t, analysis.Options{Demography: testDemography(reg)})
	s := New(e)
	ctx := context.Background()
	sc := testScenario
	for _, nd := range s.Needs().Needs() {
		today, err := s.Need(ctx, Query{Category: nd.Category, Cells: true})
		if err != nil {
			t.Fatalf("%s: %v", nd.Category, err)
		}
		if len(e.FacilitiesOf(nd.Category)) == 0 {
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
		later, err := s.Need(ctx, Query{Category: nd.Category, Scenario: sc})
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
	if _, err := s.Need(ctx, Query{Category: layers.CatKita, Scenario: access.Scenario{Variant: "X", Year: 2050}}); err == nil {
		t.Error("unknown projection: no error")
	}
	if _, err := s.Need(ctx, Query{Category: layers.CatTownHall}); err == nil {
		t.Error("category without need: no error")
	}
}

// TestNeedDossier: the demo's proposals carry the need side of the dossier
// for today and the projection; a new facility raises the supply ratio of
// its municipalities, a fire station shows its effect per municipality.
func TestNeedDossier(t *testing.T) {
	_, reg0 := demoStore(t)
	e, reg := demoEngine(t, analysis.Options{Demography: testDemography(reg0)})
	s := New(e)
	ctx := context.Background()
	seen := 0
	for _, p := range reg.Projects {
		a, err := assess.For(e).Assess(ctx, p, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !a.Effect.Known {
			continue
		}
		nd, ok := a.Need.(*Dossier)
		if !ok || len(nd.Scenarios) != 2 {
			t.Fatalf("%s: need dossier %+v", p.ID, a.Need)
		}
		seen++
		today := nd.Scenarios[0]
		if today.FairnessBefore.All.Residents <= 0 || today.FairnessBefore.All.Residents != today.FairnessAfter.All.Residents {
			t.Errorf("%s: residents before %v after %v", p.ID, today.FairnessBefore.All.Residents, today.FairnessAfter.All.Residents)
		}
		// Travel times only drop: the mean after is not above the mean before.
		if b, a2 := today.FairnessBefore.All.MeanMinutes, today.FairnessAfter.All.MeanMinutes; b != nil && a2 != nil && *a2 > *b+1e-9 {
			t.Errorf("%s: mean %v → %v", p.ID, *b, *a2)
		}
		if s := today.Supply; s != nil && p.Kind == layers.KindNewFacility {
			if s.Added <= 0 || s.UnitsPer1000After < s.UnitsPer1000Before {
				t.Errorf("%s: supply %+v", p.ID, s)
			}
		}
	}
	if seen == 0 {
		t.Fatal("no demo project with a known effect")
	}
	// A fire station proposal, made up at the cell farthest from any station.
	fr, err := s.Fire(ctx, FireQuery{Cells: true})
	if err != nil {
		t.Fatal(err)
	}
	far := 0
	for i, c := range fr.Today.CellsDetail {
		if ptrVal(c.ArrivalMinutes) > ptrVal(fr.Today.CellsDetail[far].ArrivalMinutes) && !math.IsInf(ptrVal(c.ArrivalMinutes), 1) {
			far = i
		}
	}
	cells := e.PopulatedCells()
	site := cells[far].UTM
	p := layers.Project{ID: "fire-test", Title: "Feuerwehrhaus", Kind: layers.KindNewFacility, Category: layers.CatFireStation,
		Municipalities: []string{cells[far].AGS}, Geometry: site, InvestmentCost: 1e6, RequestedFunding: 5e5}
	a, err := assess.For(e).Assess(ctx, p, nil)
	if err != nil {
		t.Fatal(err)
	}
	nd, ok := a.Need.(*Dossier)
	if !ok || nd.Fire == nil || nd.Fire.After == nil {
		t.Fatalf("fire dossier: %+v", a.Need)
	}
	gained := false
	for _, c := range nd.Fire.Changes {
		if c.AGS == cells[far].AGS && c.ShareAfter > c.ShareBefore {
			gained = true
		}
	}
	if !gained && fr.Today.CellsDetail[far].ArrivalMinutes != nil && *fr.Today.CellsDetail[far].ArrivalMinutes > fr.LimitMinutes {
		t.Errorf("a station at the latest cell (%v min) raises no share: %+v", *fr.Today.CellsDetail[far].ArrivalMinutes, nd.Fire.Changes)
	}
}

// TestProjectionRerunRoutesNothing: once a category's catchments are
// searched, its supply ratios in a projection year (and another supply)
// run no further search, and the projected ratios differ from today's.
func TestProjectionRerunRoutesNothing(t *testing.T) {
	_, reg := demoStore(t)
	e, _ := demoEngine(t, analysis.Options{Demography: testDemography(reg)})
	s := New(e)
	ctx := context.Background()
	today, err := s.SupplyRatios(ctx, layers.CatKita, Scenario{})
	if err != nil {
		t.Fatal(err)
	}
	searched := CatchmentSearches(e)
	if searched == 0 {
		t.Fatal("no catchment search counted for today")
	}
	later, err := s.SupplyRatios(ctx, layers.CatKita, testScenario)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Need(ctx, Query{Category: layers.CatKita, Scenario: testScenario, Supply: map[string]float64{e.FacilitiesOf(layers.CatKita)[0].ID: 500}}); err != nil {
		t.Fatal(err)
	}
	if got := CatchmentSearches(e); got != searched {
		t.Errorf("the projection rerun searched %d more catchments", got-searched)
	}
	// Half the children in 2040: wherever there is access, it doubles.
	checked := 0
	for i := range today.CellAccess {
		if today.CellAccess[i] > 0 {
			checked++
			if math.Abs(later.CellAccess[i]-2*today.CellAccess[i]) > 1e-9*today.CellAccess[i] {
				t.Fatalf("cell %d: access %v in 2040, want twice %v", i, later.CellAccess[i], today.CellAccess[i])
			}
		}
	}
	if checked == 0 {
		t.Fatal("no cell with kita access")
	}
	s.ForgetCaches(true, false)
	if _, err := s.SupplyRatios(ctx, layers.CatKita, Scenario{}); err != nil {
		t.Fatal(err)
	}
	if CatchmentSearches(e) == searched {
		t.Error("after ForgetCaches the catchments were not searched again")
	}
}

// TestDemandAgainstCellTables: the demand of every cell, from the
// coefficients per municipality, equals the cell's own age table (and its
// projection) counted over the demand group.
func TestDemandAgainstCellTables(t *testing.T) {
	_, reg := demoStore(t)
	d := testDemography(reg)
	e, _ := demoEngine(t, analysis.Options{Demography: d})
	s := New(e)
	cells := e.PopulatedCells()
	for _, tc := range []struct {
		lo, hi int
		sc     Scenario
	}{{0, 5, Scenario{}}, {6, 9, testScenario}, {65, access.OpenAge, testScenario}, {0, access.OpenAge, Scenario{}}} {
		got, err := s.demandOf(tc.lo, tc.hi, tc.sc)
		if err != nil {
			t.Fatal(err)
		}
		withShares := 0
		for i, c := range cells {
			var u, o *float64
			if !math.IsNaN(float64(c.Under18)) && !math.IsNaN(float64(c.Over65)) {
				uf, of := float64(c.Under18), float64(c.Over65)
				u, o = &uf, &of
				withShares++
			}
			base, _, _ := d.BaseFor(c.AGS)
			tab := access.CellTable(float64(c.Residents), u, o, base)
			if !tc.sc.Today() {
				pb, pp, _, _ := d.ProjectionFor(c.AGS, tc.sc)
				tab = access.ProjectTable(tab, pb, pp)
			}
			if want := tab.Count(tc.lo, tc.hi); math.Abs(got.v[i]-want) > 1e-9*math.Max(1, want) {
				t.Fatalf("ages %d–%d %s: cell %s: demand %v, its table gives %v", tc.lo, tc.hi, tc.sc, c.ID, got.v[i], want)
			}
		}
		if withShares == 0 {
			t.Fatal("no demo cell has age shares: the segment coefficients go unchecked")
		}
	}
}

// TestGapFairness: the gap register carries the distribution of travel
// times today and in the projection, over the same residents as the
// register; in 2040 the 65+ group grows, and so do its residents.
func TestGapFairness(t *testing.T) {
	_, reg := demoStore(t)
	e, _ := demoEngine(t, analysis.Options{Demography: testDemography(reg)})
	rep, err := gaps.Of(context.Background(), e, gaps.Query{Category: layers.CatGeneralPractice, Mode: layers.Car})
	if err != nil {
		t.Fatal(err)
	}
	fs, ok := rep.Fairness.([]ScenarioFairness)
	if !ok || len(fs) != 2 || fs[0].Scenario != "today" || fs[1].Scenario != testScenario.String() {
		t.Fatalf("fairness %+v", rep.Fairness)
	}
	today, later := fs[0].Fairness, fs[1].Fairness
	if math.Abs(today.All.Residents-float64(rep.Population)) > 1 {
		t.Errorf("fairness counts %v residents, the register %d", today.All.Residents, rep.Population)
	}
	if today.All.Percentiles["p50"] == nil || today.All.Gini == nil || len(today.ByDEGURBA) == 0 || len(today.ByStructuralWeakness) == 0 {
		t.Errorf("today: %+v", today.All)
	}
	if later.ByAgeGroup["65+"].Residents <= today.ByAgeGroup["65+"].Residents {
		t.Errorf("65+ residents %v in 2040, %v today: want more", later.ByAgeGroup["65+"].Residents, today.ByAgeGroup["65+"].Residents)
	}
}
