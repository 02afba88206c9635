package appraisal

import (
	"fmt"
	"math"
	"path/filepath"
	"sort"
	"testing"

	"reach/internal/classify"
	"reach/internal/realdata"
)

// TestRankingVitaleRegionen scores the six real "Vitale Regionen" 2021
// projects of the Planungsregion Chemnitz with the need share taken from
// the real classification of their lead municipality, and selects within a
// budget. The reachability effects and the funding amounts are not
// published: they are invented here (clearly test values) so that the
// chain classification → score → exact selection runs on real keys; the
// selection is checked against brute force.
func TestRankingVitaleRegionen(t *testing.T) {
	dir := realdata.Dir(t)
	munis := realdata.Municipalities(t, dir)
	class, err := classify.Classify(munis, realdata.Cells1km(t, dir), classify.DefaultClassifyOptions())
	if err != nil {
		t.Fatal(err)
	}
	places := realdata.CentralPlaces(t, dir)
	verbundSize := map[string]int{}
	verbundOf := map[string]string{}
	for _, p := range places {
		if p.Verbund != "" {
			verbundSize[p.Verbund]++
			verbundOf[p.AGS] = p.Verbund
		}
	}
	rows := realdata.ReadCSV(t, filepath.Join(dir, "projects", "vitale_regionen_2021_region_chemnitz_auszug.csv"))
	if len(rows) != 6 {
		t.Fatalf("got %d projects, want 6", len(rows))
	}
	var in []ScoreInput
	for i, r := range rows {
		mc, ok := class.ByAGS[r["lead_ags"]]
		if !ok {
			t.Fatalf("project %s: lead AGS %s not a municipality", r["nr"], r["lead_ags"])
		}
		need := 0.0
		if mc.ThinlyPopulated || mc.StructurallyWeak {
			need = 1
		}
		participating := 1
		if v := verbundOf[r["lead_ags"]]; v != "" {
			participating = verbundSize[v]
		}
		// Invented effects and funding (test values, not data).
		newly := int64(500 * (i + 1))
		funding := float64(400_000 + 250_000*i)
		in = append(in, ScoreInput{
			ProjectID: "vr2021-" + r["nr"], NewlyWithinStandard: newly, Beneficiaries: 3 * newly,
			MunicipalitiesBenefiting: participating, KreiseBenefiting: 1, RegionsBenefiting: 1,
			ParticipatingMunicipalities: participating, NeedShare: need, CostPerNewlyCovered: funding / float64(newly),
			Alignment: PartlyAligned, RequestedFunding: funding,
		})
	}
	scores, err := ScoreProjects(in, DefaultScoreWeights())
	if err != nil {
		t.Fatal(err)
	}
	items := make([]BudgetItem, len(in))
	for i := range in {
		items[i] = BudgetItem{ID: in[i].ProjectID, Score: scores[i].Total, Cost: in[i].RequestedFunding}
	}
	const budget = 2_000_000 // one year of the 2021 call
	sel, err := SelectWithinBudget(items, budget)
	if err != nil {
		t.Fatal(err)
	}
	wantScore, wantCost := bruteForceKnapsack(items, budget)
	if math.Abs(sel.TotalScore-wantScore) > 1e-6 || math.Abs(sel.TotalCost-wantCost) > 1e-6 {
		t.Errorf("got score %v cost %v, want %v / %v", sel.TotalScore, sel.TotalCost, wantScore, wantCost)
	}
	order := make([]int, len(in))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return scores[order[a]].Total > scores[order[b]].Total })
	chosen := map[string]bool{}
	for _, id := range sel.Selected {
		chosen[id] = true
	}
	for rank, i := range order {
		t.Logf("%d. %s (%s, lead %s): score %.2f, funding %.0f €, need %.0f, selected %v",
			rank+1, in[i].ProjectID, rows[i]["vorhaben"], rows[i]["lead_gemeinde"], scores[i].Total, in[i].RequestedFunding, in[i].NeedShare, chosen[in[i].ProjectID])
	}
	t.Logf("selected %v: %.0f € of %.0f €, score %.2f (%s)", sel.Selected, sel.TotalCost, float64(budget), sel.TotalScore, fmt.Sprint(sel.Nodes, " nodes"))
}
