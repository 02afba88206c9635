package need

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"

	"reach/geo/access"
	"reach/internal/analysis"
	"reach/internal/analysis/assess"
	"reach/layers"
)

// fullAfter is the reference of supplyEffectOf: the E2SFCA with the
// project run over every facility, the new sites' catchments joined to
// the existing ones.
func fullAfter(t *testing.T, s *Service, p layers.Project, eff analysis.ProjectEffect, sc Scenario) access.Result {
	t.Helper()
	ctx := context.Background()
	nd, _ := s.e.Needs().Need(eff.Category)
	ce, err := s.catchments(ctx, eff.Category, nd.Mode, nd.Decay)
	if err != nil {
		t.Fatal(err)
	}
	dem, err := s.demandOf(nd.MinAge, nd.MaxAge, sc)
	if err != nil {
		t.Fatal(err)
	}
	supply, _ := supplyOf(ce.facs, nd)
	n := ce.c.Facilities()
	var pairs []access.Pair
	for j := range n {
		ce.c.Catchment(j, func(cell int, secs float64) {
			pairs = append(pairs, access.Pair{Facility: int32(j), Cell: int32(cell), Seconds: float32(secs)})
		})
	}
	switch p.Kind {
	case layers.KindFacilityUpgrade:
		for j, f := range ce.facs {
			if f.ID == eff.FacilityID && p.Upgrade != nil && p.Upgrade.CapacityChange != nil {
				supply[j] = math.Max(0, supply[j]+*p.Upgrade.CapacityChange)
			}
		}
	case layers.KindNewFacility:
		for k, site := range eff.Sites {
			supply = append(supply, nd.DefaultCapacity)
			ps, _, err := SiteCatchment(ctx, s.e, nd.Mode, site, nd.Decay.ThresholdS, int32(n+k))
			if err != nil {
				t.Fatal(err)
			}
			pairs = append(pairs, ps...)
		}
	}
	c, err := access.NewCatchments(len(supply), ce.c.Cells(), pairs)
	if err != nil {
		t.Fatal(err)
	}
	w, err := c.Weigh(nd.Decay)
	if err != nil {
		t.Fatal(err)
	}
	res, err := w.E2SFCA(supply, dem.v)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestSupplyChangeAgainstFullRun: on the demo region, for random new
// sites (one or two) and random capacity changes of existing facilities
// (closures among them) of every need category, today and in the
// projection, the updated E2SFCA equals the full run with the project,
// cell by cell, and so do the region's and the participating
// municipalities' ratios (summed over the cells as the full run would).
func TestSupplyChangeAgainstFullRun(t *testing.T) {
	_, reg0 := demoStore(t)
	e, _ := demoEngine(t, analysis.Options{Demography: testDemography(reg0)})
	s := New(e)
	ctx := context.Background()
	cells := e.PopulatedCells()
	rng := rand.New(rand.NewPCG(15, 9))
	near := func(a, b float64) bool {
		return math.Abs(a-b) <= 1e-9*math.Max(1e-12, math.Max(math.Abs(a), math.Abs(b)))
	}
	checked := 0
	for _, nd := range e.Needs().Needs() {
		facs := e.FacilitiesOf(nd.Category)
		if len(facs) == 0 {
			continue
		}
		for trial := range 6 {
			var p layers.Project
			eff := analysis.ProjectEffect{Category: nd.Category, Mode: nd.Mode}
			c := cells[rng.IntN(len(cells))]
			part := map[string]bool{c.AGS: true}
			if trial%2 == 0 {
				p = layers.Project{ID: "p", Kind: layers.KindNewFacility, Category: nd.Category}
				eff.Sites = []orb.Point{c.UTM}
				if trial == 4 {
					c2 := cells[rng.IntN(len(cells))]
					eff.Sites = append(eff.Sites, orb.Point{c2.UTM[0] + 30, c2.UTM[1] - 20})
					part[c2.AGS] = true
				}
			} else {
				f := facs[rng.IntN(len(facs))]
				change := float64(rng.IntN(9)) - 4
				if trial == 3 {
					change = -1e6 // a closure
				}
				p = layers.Project{ID: "p", Kind: layers.KindFacilityUpgrade, Category: nd.Category, Upgrade: &layers.Upgrade{FacilityID: f.ID, CapacityChange: &change}}
				eff.FacilityID = f.ID
				part[f.AGS] = true
			}
			sites, err := s.siteCatchments(ctx, nd, eff.Sites, len(facs))
			if err != nil {
				t.Fatal(err)
			}
			for _, sc := range append([]Scenario{{}}, s.Scenarios()...) {
				se, err := s.supplyEffectOf(ctx, p, eff, sc, sites)
				if err != nil {
					t.Fatal(err)
				}
				full := fullAfter(t, s, p, eff, sc)
				for i := range cells {
					if !near(se.after.CellAccess(i), full.CellAccess[i]) {
						t.Fatalf("%s %s trial %d (%s): cell %d access %v, full run %v", nd.Category, p.Kind, trial, sc, i, se.after.CellAccess(i), full.CellAccess[i])
					}
				}
				got := s.sums(se, part)
				var want ratioSums
				want.distributedBefore, want.distributedAfter = se.before.res.SupplyDistributed, full.SupplyDistributed
				for i, c := range cells {
					want.total += se.dem.v[i]
					if part[c.AGS] {
						want.pd += se.dem.v[i]
						want.pb += se.dem.v[i] * se.before.res.CellAccess[i]
						want.pa += se.dem.v[i] * full.CellAccess[i]
					}
				}
				for _, v := range [][2]float64{{got.total, want.total}, {got.distributedAfter, want.distributedAfter}, {got.pd, want.pd}, {got.pb, want.pb}, {got.pa, want.pa}} {
					if !near(v[0], v[1]) && math.Abs(v[0]-v[1]) > 1e-12 {
						t.Fatalf("%s %s trial %d (%s): sums %+v, full run %+v", nd.Category, p.Kind, trial, sc, got, want)
					}
				}
				checked++
			}
		}
	}
	t.Logf("%d cases checked", checked)
	if checked < 20 {
		t.Fatalf("only %d cases checked", checked)
	}
}

// TestUpgradeDossier: a capacity extension of a Kita, assessed with the
// need section, shows the places added and a supply ratio that rises in
// every scenario (the full path of the dossier, not only its arithmetic).
func TestUpgradeDossier(t *testing.T) {
	_, reg0 := demoStore(t)
	e, _ := demoEngine(t, analysis.Options{Demography: testDemography(reg0)})
	facs := e.FacilitiesOf(layers.CatKita)
	if len(facs) == 0 {
		t.Skip("the demo has no Kita")
	}
	f := facs[0]
	places := 30.0
	p := layers.Project{ID: "u", Title: "Kita-Erweiterung", Kind: layers.KindFacilityUpgrade, Category: layers.CatKita, Municipalities: []string{f.AGS},
		InvestmentCost: 4e5, RequestedFunding: 3e5, Upgrade: &layers.Upgrade{FacilityID: f.ID, CapacityChange: &places}}
	a, err := assess.For(e).Assess(context.Background(), p, nil)
	if err != nil {
		t.Fatal(err)
	}
	d, ok := a.Need.(*Dossier)
	if !ok || len(d.Scenarios) != 2 {
		t.Fatalf("need dossier %+v", a.Need)
	}
	for _, sc := range d.Scenarios {
		s := sc.Supply
		if s == nil || s.Added != places || s.UnitsPer1000After <= s.UnitsPer1000Before || s.ParticipatingUnitsPer1000After < s.ParticipatingUnitsPer1000Before {
			t.Errorf("%s: supply %+v; want %v places added and the ratio up", sc.Scenario, s, places)
		}
	}
}
