package assess

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"reach/internal/analysis"
	"reach/internal/appraisal"
	"reach/layers"
)

// TestTwinProposalsOverlapAndCountOnce: a demo proposal submitted twice
// (another id, the same site) lists its twin in overlaps with every
// beneficiary shared, is recognised as a duplicate, and the ranking credits
// the residents they share once.
func TestTwinProposalsOverlapAndCountOnce(t *testing.T) {
	r, _ := demoReader(t)
	var orig layers.Project
	for _, p := range r.L.Projects {
		if p.Kind == layers.KindNewFacility && p.Category == layers.CatGeneralPractice {
			orig = p
			break
		}
	}
	if orig.ID == "" {
		t.Fatal("the demo has no new general practice")
	}
	twin := orig
	twin.ID, twin.Title = orig.ID+"-twin", orig.Title+" (zweiter Antrag)"
	ps := append(append([]layers.Project(nil), r.L.Projects...), twin)
	_, e := build(t, r)
	ctx := context.Background()
	as, err := e.AssessAll(ctx, ps)
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]Assessment{}
	for _, a := range as {
		byID[a.ProjectID] = a
	}
	a, b := byID[orig.ID], byID[twin.ID]
	if !a.Effect.Known || *a.Effect.Beneficiaries == 0 {
		t.Fatalf("%s: effect %+v; the test needs beneficiaries", orig.ID, a.Effect)
	}
	for _, c := range []struct{ self, other Assessment }{{a, b}, {b, a}} {
		var found *Overlap
		for i := range c.self.Overlaps {
			if c.self.Overlaps[i].ProjectID == c.other.ProjectID {
				found = &c.self.Overlaps[i]
			}
		}
		if found == nil {
			t.Fatalf("%s: overlaps %+v lack %s", c.self.ProjectID, c.self.Overlaps, c.other.ProjectID)
		}
		if found.ResidentsGainedByBoth == nil || *found.ResidentsGainedByBoth != *c.self.Effect.Beneficiaries ||
			*found.NewlyWithinStandardByBoth != *c.self.Effect.NewlyWithinStandard || !found.SameSite || !found.Duplicate {
			t.Errorf("%s: overlap %+v, want all %d beneficiaries shared at the same site, a duplicate", c.self.ProjectID, *found, *c.self.Effect.Beneficiaries)
		}
	}
	// A budget for everything: both twins are selected, and the joint score
	// is the sum of the scores less the twin's coverage criteria.
	rk, err := e.Ranking(ctx, ps, 1e9)
	if err != nil {
		t.Fatal(err)
	}
	selected := map[string]bool{}
	for _, p := range rk.Projects {
		selected[p.ID] = p.Selected
	}
	if !selected[orig.ID] || !selected[twin.ID] {
		t.Fatalf("with an unlimited budget the twins are not both selected: %+v", rk.Projects)
	}
	shared := criterionContribution(b.Score, appraisal.CritNewlyWithinStandard) + criterionContribution(b.Score, appraisal.CritBeneficiaries)
	if shared <= 0 {
		t.Fatal("the twin's coverage criteria contribute nothing; the test says nothing")
	}
	if got, want := rk.SumOfScores-rk.SelectedScore, shared; math.Abs(got-want) > 1e-3 {
		t.Errorf("sum of scores %v − joint score %v = %v, want the twin's coverage contribution %v", rk.SumOfScores, rk.SelectedScore, got, want)
	}
	if !rk.Optimal {
		t.Errorf("ranking of %d proposals not optimal (gap %v)", len(ps), rk.OptimalityGap)
	}
	// With a budget for one of the two, only one is selected.
	rk, err = e.Ranking(ctx, []layers.Project{orig, twin}, orig.RequestedFunding*1.5)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, p := range rk.Projects {
		if p.Selected {
			n++
		}
	}
	if n != 1 {
		t.Errorf("budget for one twin: %d selected", n)
	}
}

// TestRankingFortyProportionalProposals: 40 proposals whose requested
// funding is proportional to their score (the hardest case for branch and
// bound) get a ranking within the deadline that is optimal or says its
// proven gap; the second request reuses every effect.
func TestRankingFortyProportionalProposals(t *testing.T) {
	r, _ := demoReader(t)
	eng, err := analysis.Build(context.Background(), r, analysis.Options{Modes: []layers.Mode{layers.Car, layers.Foot}, Now: testNow, RankingDeadline: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	e := For(eng)
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(40, 40))
	b := orb.Bound{Min: eng.Cell(0).UTM, Max: eng.Cell(0).UTM}
	for ci := range eng.NumCells() {
		b = b.Extend(eng.Cell(ci).UTM)
	}
	var ps []layers.Project
	cats := []layers.Category{layers.CatGeneralPractice, layers.CatKita, layers.CatPharmacy, layers.CatPrimarySchool}
	for i := range 40 {
		pt := orb.Point{b.Min[0] + rng.Float64()*(b.Max[0]-b.Min[0]), b.Min[1] + rng.Float64()*(b.Max[1]-b.Min[1])}
		ps = append(ps, layers.Project{ID: "p" + string(rune('A'+i/26)) + string(rune('a'+i%26)), Title: "Vorschlag", Kind: layers.KindNewFacility,
			Category: cats[i%len(cats)], Geometry: pt, Municipalities: []string{r.L.Municipalities[i%len(r.L.Municipalities)].AGS}, InvestmentCost: 1e6, RequestedFunding: 5e5})
	}
	as, err := e.AssessAll(ctx, ps)
	if err != nil {
		t.Fatal(err)
	}
	for i := range ps {
		for _, a := range as {
			if a.ProjectID == ps[i].ID {
				ps[i].RequestedFunding = math.Round(20_000*a.Score.Total) + 1000
				ps[i].InvestmentCost = ps[i].RequestedFunding * 1.25
			}
		}
	}
	start := time.Now()
	rk, err := e.Ranking(ctx, ps, 4e6)
	took := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	if took > 5*time.Second {
		t.Errorf("ranking took %v with a deadline of 300 ms", took)
	}
	if !rk.Optimal && (rk.OptimalityGap <= 0 || rk.UpperBound <= rk.SelectedScore) {
		t.Errorf("not optimal, gap %v, bound %v, joint %v: want a proven gap", rk.OptimalityGap, rk.UpperBound, rk.SelectedScore)
	}
	if rk.SelectedTotal > 4e6 || rk.SelectedScore <= 0 || rk.DeadlineSeconds != 0.3 {
		t.Errorf("selection %v € of 4e6, joint score %v, deadline %v s", rk.SelectedTotal, rk.SelectedScore, rk.DeadlineSeconds)
	}
	t.Logf("40 proportional proposals: %v, optimal %v, gap %.3g, joint %.2f ≤ %.2f", took, rk.Optimal, rk.OptimalityGap, rk.SelectedScore, rk.UpperBound)
}

// TestFacilityUpgrade: an upgrade of an existing facility is assessed by
// whom it serves, never as new coverage; a stated facility id and the
// nearest facility to a site give the same answer.
func TestFacilityUpgrade(t *testing.T) {
	r, _ := demoReader(t)
	eng, e := build(t, r)
	ctx := context.Background()
	var fac layers.Facility
	for _, f := range r.L.Facilities {
		if f.Category == layers.CatKita {
			fac = f
			break
		}
	}
	places := 30.0
	byID := layers.Project{ID: "u1", Title: "Kita-Erweiterung", Kind: layers.KindFacilityUpgrade, Category: layers.CatKita,
		Municipalities: []string{fac.AGS}, InvestmentCost: 4e5, RequestedFunding: 3e5, Upgrade: &layers.Upgrade{FacilityID: fac.ID, CapacityChange: &places}}
	bySite := byID
	bySite.ID, bySite.Upgrade, bySite.Geometry = "u2", &layers.Upgrade{CapacityChange: &places}, fac.Location
	as, err := e.AssessAll(ctx, []layers.Project{byID, bySite})
	if err != nil {
		t.Fatal(err)
	}
	tts, err := eng.TravelTimes(ctx, layers.CatKita, layers.Car)
	if err != nil {
		t.Fatal(err)
	}
	var served int64
	for _, tt := range tts {
		if tt.Reached && tt.FacilityID == fac.ID {
			served += tt.Population
		}
	}
	for _, a := range as {
		if !a.Effect.Known || *a.Effect.NewlyWithinStandard != 0 || *a.Effect.Beneficiaries != served || served == 0 {
			t.Errorf("%s: effect %+v; want no new coverage and the %d residents the facility serves", a.ProjectID, a.Effect, served)
		}
		if a.Details == nil || a.Details.FacilityUpgradeDetails == nil || a.Details.FacilityID != fac.ID || *a.Details.CapacityChange != places {
			t.Errorf("%s: details %+v, want facility %s with capacity change %v", a.ProjectID, a.Details, fac.ID, places)
		}
	}
	noChange := byID
	noChange.ID, noChange.Upgrade = "u3", &layers.Upgrade{FacilityID: fac.ID}
	a, err := e.Assess(ctx, noChange, nil)
	if err != nil || a.Effect.Known || a.Completeness.Complete {
		t.Errorf("an upgrade that states no change: effect %+v, err %v; want unknown", a.Effect, err)
	}
}
