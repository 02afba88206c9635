package appraisal

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"

	"reach/layers"
)

func ptr(v float64) *float64 { return &v }

func TestScoreProjectsByHand(t *testing.T) {
	in := []ScoreInput{
		{ProjectID: "a", NewlyWithinStandard: 1000, Beneficiaries: 4000, MunicipalitiesBenefiting: 4, KreiseBenefiting: 2, RegionsBenefiting: 1,
			ParticipatingMunicipalities: 3, NeedShare: 0.8, CostPerNewlyCovered: 500, Alignment: Aligned, Innovation: ptr(8), Transferability: ptr(6)},
		{ProjectID: "b", NewlyWithinStandard: 0, Beneficiaries: 1000, MunicipalitiesBenefiting: 1, KreiseBenefiting: 1, RegionsBenefiting: 1,
			ParticipatingMunicipalities: 1, NeedShare: 0.2, Alignment: InConflict},
		{ProjectID: "c", NewlyWithinStandard: 250, Beneficiaries: 2500, MunicipalitiesBenefiting: 2, KreiseBenefiting: 1, RegionsBenefiting: 1,
			ParticipatingMunicipalities: 2, NeedShare: 0.5, CostPerNewlyCovered: 2000, Alignment: PartlyAligned, Innovation: ptr(5)},
	}
	w := DefaultScoreWeights()
	got, err := ScoreProjects(in, w)
	if err != nil {
		t.Fatal(err)
	}
	// By hand, default weights 25/10/5/2.5/2.5/5/15/10/10/7.5/7.5:
	// a: newly (1000−0)/1000=1 → 25; benef (4000−1000)/3000=1 → 10; munis 1 → 5;
	//    Kreise 1 → 2.5; regions all 1 → 1 → 2.5; participating 1 → 5; need 0.8 → 12;
	//    cost (2000−500)/1500=1 → 10; aligned → 10; innovation 0.8 → 6; transfer 0.6 → 4.5.
	//    total 92.5
	// b: 0; 0; 0; 0; 2.5; 0; 0.2 → 3; cost n/a 0; conflict 0; marks missing.
	//    total 5.5
	// c: 0.25 → 6.25; 0.5 → 5; 1/3 → 5/3; 0; 2.5; 0.5 → 2.5; 0.5 → 7.5; 0 → 0; 0.5 → 5;
	//    innovation 0.5 → 3.75; transfer missing. total 34.1666…
	want := []float64{92.5, 5.5, 6.25 + 5 + 5.0/3 + 2.5 + 2.5 + 7.5 + 5 + 3.75}
	for i := range in {
		if math.Abs(got[i].Total-want[i]) > 1e-9 {
			t.Errorf("%s: got total %v, want %v", in[i].ProjectID, got[i].Total, want[i])
		}
		var sum float64
		for _, c := range got[i].Criteria {
			sum += c.Contribution
			if math.Abs(c.Contribution-c.Normalised*c.Weight) > 1e-12 || c.Normalised < 0 || c.Normalised > 1 {
				t.Errorf("%s/%s: contribution %v, normalised %v, weight %v", in[i].ProjectID, c.Name, c.Contribution, c.Normalised, c.Weight)
			}
			if c.Normalisation == "" {
				t.Errorf("%s/%s: empty normalisation text", in[i].ProjectID, c.Name)
			}
		}
		if math.Abs(sum-got[i].Total) > 1e-9 {
			t.Errorf("%s: total %v is not the sum of contributions %v", in[i].ProjectID, got[i].Total, sum)
		}
		if got[i].MaxTotal != 100 {
			t.Errorf("%s: max total %v, want 100", in[i].ProjectID, got[i].MaxTotal)
		}
	}
	if !got[0].Complete || got[1].Complete || strings.Join(got[1].Missing, ",") != "innovation,transferability" || strings.Join(got[2].Missing, ",") != "transferability" {
		t.Errorf("completeness: got %v/%v %v %v", got[0].Complete, got[1].Complete, got[1].Missing, got[2].Missing)
	}
	costB := got[1].Criteria[7]
	if costB.Name != CritCostPerNewlyCovered || !costB.NotApplicable {
		t.Errorf("b: cost criterion %+v, want not applicable", costB)
	}
	// The score must survive JSON (no NaN values).
	if _, err := json.Marshal(got); err != nil {
		t.Errorf("marshal: %v", err)
	}
}

func TestScoreProjectsOrderIndependent(t *testing.T) {
	in := []ScoreInput{
		{ProjectID: "x", NewlyWithinStandard: 10, Beneficiaries: 30, NeedShare: 0.1, CostPerNewlyCovered: 10, Alignment: Aligned},
		{ProjectID: "y", NewlyWithinStandard: 20, Beneficiaries: 10, NeedShare: 0.9, CostPerNewlyCovered: 30, Alignment: PartlyAligned},
		{ProjectID: "z", NewlyWithinStandard: 5, Beneficiaries: 20, NeedShare: 0.5, CostPerNewlyCovered: 20, Alignment: InConflict},
	}
	a, err := ScoreProjects(in, DefaultScoreWeights())
	if err != nil {
		t.Fatal(err)
	}
	rev := []ScoreInput{in[2], in[0], in[1]}
	b, err := ScoreProjects(rev, DefaultScoreWeights())
	if err != nil {
		t.Fatal(err)
	}
	for i, j := range []int{1, 2, 0} {
		if a[i].Total != b[j].Total {
			t.Errorf("%s: total %v vs %v after reordering", in[i].ProjectID, a[i].Total, b[j].Total)
		}
	}
}

func TestScoreProjectsErrors(t *testing.T) {
	tests := []struct {
		name string
		in   []ScoreInput
		w    func(*ScoreWeights)
		want string
	}{
		{"empty id", []ScoreInput{{}}, nil, "field project_id"},
		{"duplicate id", []ScoreInput{{ProjectID: "a"}, {ProjectID: "a"}}, nil, `value "a" given twice`},
		{"need share above 1", []ScoreInput{{ProjectID: "a", NeedShare: 1.5}}, nil, "field need_share: value 1.5"},
		{"mark above 10", []ScoreInput{{ProjectID: "a", Innovation: ptr(11)}}, nil, "field innovation: value 11"},
		{"unknown verdict", []ScoreInput{{ProjectID: "a", Alignment: "maybe"}}, nil, "field alignment: value maybe"},
		{"negative count", []ScoreInput{{ProjectID: "a", Beneficiaries: -1}}, nil, "field beneficiaries: value -1"},
		{"negative weight", []ScoreInput{{ProjectID: "a"}}, func(w *ScoreWeights) { w.NeedShare = -2 }, "field need_share: value -2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := DefaultScoreWeights()
			if tc.w != nil {
				tc.w(&w)
			}
			_, err := ScoreProjects(tc.in, w)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, layers.ErrInvalid) {
				t.Fatalf("got %v, want an ErrInvalid containing %q", err, tc.want)
			}
		})
	}
}
