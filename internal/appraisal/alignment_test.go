package appraisal

import (
	"fmt"
	"strings"
	"testing"

	"reach/internal/catalogue"
	"reach/internal/realdata"
	"reach/layers"
)

// classPlaces is a small central-places layer in Kreis 14999: an
// Oberzentrum, a Mittelzentrum, a Grundzentrum and a mittelzentraler
// Verbund of two municipalities (each with its own row, as the LEP table
// lists them). Kreis 14888 has a Mittelzentrum but no Grundzentren data.
const (
	agsO, agsM, agsG, agsV1, agsV2, agsX = "14999001", "14999002", "14999003", "14999004", "14999005", "14999009"
	agsM2, agsY                          = "14888001", "14888009"
)

func classPlaces() []layers.CentralPlace {
	return []layers.CentralPlace{
		{ID: agsO, Name: "Obstadt", Level: layers.LevelOberzentrum, AGS: agsO, Members: []string{agsO}},
		{ID: agsM, Name: "Mittelstadt", Level: layers.LevelMittelzentrum, AGS: agsM, Members: []string{agsM}},
		{ID: agsG, Name: "Grunddorf", Level: layers.LevelGrundzentrum, AGS: agsG, Members: []string{agsG}},
		{ID: agsV1, Name: "Verbstadt", Level: layers.LevelMittelzentrum, Verbund: "Städteverbund Tal", AGS: agsV1, Members: []string{agsV1}},
		{ID: agsV2, Name: "Verbdorf", Level: layers.LevelMittelzentrum, Verbund: "Städteverbund Tal", AGS: agsV2, Members: []string{agsV2}},
		{ID: agsM2, Name: "Anderstadt", Level: layers.LevelMittelzentrum, AGS: agsM2, Members: []string{agsM2}},
	}
}

func reasonText(rs []Reason) string {
	var b strings.Builder
	for _, r := range rs {
		fmt.Fprintf(&b, "[%s %s found=%q required=%q] %s\n", r.Rule, r.Finding, r.LevelFound, r.LevelRequired, r.Text)
	}
	return b.String()
}

func TestAlignZentraleOrteRules(t *testing.T) {
	// Every branch of the verdict rule in the doc comment.
	newFac := layers.Project{ID: "p", Kind: layers.KindNewFacility, Category: layers.CatGymnasium}
	road := layers.Project{ID: "r", Kind: layers.KindRoadUpgrade}
	roadCat := layers.Project{ID: "r", Kind: layers.KindRoadUpgrade, Category: layers.CatGymnasium}
	mz, gz, none := layers.LevelMittelzentrum, layers.LevelGrundzentrum, layers.LevelNone
	tests := []struct {
		name        string
		project     layers.Project
		sites       []string
		min         layers.Level
		unknownEff  bool
		covers      bool
		strengthens bool
		want        Verdict
		reasonHas   []string
	}{
		{"fit, no duplication", newFac, []string{agsM}, mz, false, false, false, Aligned, []string{"Mittelstadt, a Mittelzentrum", "at or above"}},
		{"fit in a higher place", newFac, []string{agsO}, mz, false, false, false, Aligned, []string{"Obstadt, an Oberzentrum"}},
		{"fit, duplication", newFac, []string{agsM}, mz, false, true, false, PartlyAligned, []string{"already offers"}},
		{"fit, effect unknown", newFac, []string{agsM}, mz, true, false, false, Unknown, []string{"effect on travel times is unknown"}},
		{"partial, no duplication", newFac, []string{agsM, agsX}, mz, false, false, false, PartlyAligned, nil},
		{"partial, duplication", newFac, []string{agsM, agsX}, mz, false, true, false, InConflict, nil},
		{"miss", newFac, []string{agsX}, mz, false, false, false, InConflict, []string{"14999009 is not a central place"}},
		{"miss, effect unknown", newFac, []string{agsG}, mz, true, false, false, InConflict, []string{"below the Mittelzentrum level"}},
		{"new facility never claims higher reach", newFac, []string{agsM}, mz, false, false, true, Aligned, []string{"does not apply to a new facility"}},
		{"Verbund member counts", newFac, []string{agsV2}, mz, false, false, false, Aligned, []string{"Städteverbund Tal, a Verbund", "Mittelzentrum"}},
		{"level none", newFac, []string{agsX}, none, false, false, false, NotApplicable, []string{"not tied"}},
		{"no Grundzentren data, Grundzentrum needed", layers.Project{ID: "k", Kind: layers.KindNewFacility, Category: layers.CatKita}, []string{agsY}, gz, false, false, false, Unknown, []string{"no Grundzentren for Kreis 14888"}},
		{"no Grundzentren data, Mittelzentrum needed", newFac, []string{agsY}, mz, false, false, false, InConflict, []string{"no Grundzentren for Kreis 14888, so whether it is a Grundzentrum is not known"}},
		{"road upgrade, strengthens", road, nil, none, false, false, true, Aligned, []string{"improves the reach"}},
		{"road upgrade, no effect on higher centres", road, nil, none, false, false, false, NotApplicable, []string{"does not improve"}},
		{"road upgrade of a category, strengthens", roadCat, nil, mz, false, false, true, Aligned, []string{"no facility site"}},
		{"road upgrade of a category", roadCat, nil, mz, false, false, false, PartlyAligned, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := AlignZentraleOrte(AlignmentInput{
				Project: tc.project, SiteAGS: tc.sites, Places: classPlaces(), MinLevel: tc.min, MinLevelSource: "test rule",
				EffectKnown: !tc.unknownEff, EqualOrHigherCovers: tc.covers, CoveringPlaces: []string{"Mittelstadt"}, StrengthensHigherReach: tc.strengthens,
			})
			if got.Verdict != tc.want {
				t.Errorf("got verdict %s, want %s; reasons:\n%s", got.Verdict, tc.want, reasonText(got.Reasons))
			}
			all := reasonText(got.Reasons)
			for _, s := range tc.reasonHas {
				if !strings.Contains(all, s) {
					t.Errorf("reasons lack %q:\n%s", s, all)
				}
			}
			rules := map[string]int{}
			for _, r := range got.Reasons {
				rules[r.Rule]++
				if r.Rule == "" || r.Finding == "" || r.Text == "" {
					t.Errorf("reason without rule, finding or text: %+v", r)
				}
				if r.Rule == RuleSiteLevel && r.Finding != FindingNotApplicable && (r.Site == "" || r.LevelRequired == "") {
					t.Errorf("site reason without site or required level: %+v", r)
				}
			}
			if rules[RuleCategoryLevel] != 1 || rules[RuleHigherReach] != 1 {
				t.Errorf("want one category_level and one higher_reach reason:\n%s", all)
			}
		})
	}
}

func TestAlignZentraleOrteSaxony(t *testing.T) {
	dir := realdata.Dir(t)
	places := realdata.CentralPlaces(t, dir)
	cat, err := catalogue.DefaultCatalogue()
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]string{}
	for _, m := range realdata.Municipalities(t, dir) {
		names[m.AGS] = m.Name
	}
	tests := []struct {
		name        string
		category    layers.Category
		sites       []string
		strengthens bool
		want        Verdict
		reasonHas   []string
	}{
		// Sebnitz is a Grundzentrum of SSOE, not a Mittelzentrum.
		{"Gymnasium in Sebnitz", layers.CatGymnasium, []string{"14628360"}, false, InConflict, []string{"Sebnitz, a Grundzentrum", "below the Mittelzentrum level"}},
		{"Gymnasium in Sebnitz improving reach", layers.CatGymnasium, []string{"14628360"}, true, InConflict, nil},
		// Altenberg is a Grundzentrum of SSOE.
		{"general practice in Altenberg", layers.CatGeneralPractice, []string{"14628010"}, false, Aligned, []string{"Altenberg, a Grundzentrum"}},
		// Rathmannsdorf is no central place.
		{"general practice in Rathmannsdorf", layers.CatGeneralPractice, []string{"14628320"}, false, InConflict, []string{"Rathmannsdorf (14628320) is not a central place"}},
		// Ellefeld is a member of the mittelzentraler Städteverbund Göltzschtal.
		{"Gymnasium in Ellefeld", layers.CatGymnasium, []string{"14523090"}, false, Aligned, []string{"Städteverbund Göltzschtal", "Mittelzentrum"}},
		// Pirna is a Mittelzentrum: above the Grundzentrum a kita needs.
		{"kita in Pirna", layers.CatKita, []string{"14628270"}, false, Aligned, []string{"Pirna, a Mittelzentrum"}},
		// Burkhardtsdorf (Erzgebirgskreis) is in no place of the data, which
		// hold no Grundzentren outside Sächsische Schweiz-Osterzgebirge.
		{"general practice in Burkhardtsdorf", layers.CatGeneralPractice, []string{"14521120"}, false, Unknown, []string{"no Grundzentren for Kreis 14521"}},
		{"Gymnasium in Burkhardtsdorf", layers.CatGymnasium, []string{"14521120"}, false, InConflict, []string{"no central place of Mittelzentrum level or higher"}},
		// Rodewisch is a member of the Städteverbund Göltzschtal.
		{"Gymnasium in Rodewisch", layers.CatGymnasium, []string{"14523360"}, false, Aligned, []string{"Städteverbund Göltzschtal"}},
		// A town hall belongs to no level.
		{"town hall in Burkhardtsdorf", layers.CatTownHall, []string{"14521120"}, false, NotApplicable, []string{"not tied"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			lvl, src := cat.MinLevel(tc.category)
			got := AlignZentraleOrte(AlignmentInput{
				Project: layers.Project{ID: tc.name, Kind: layers.KindNewFacility, Category: tc.category},
				SiteAGS: tc.sites, Places: places, MinLevel: lvl, MinLevelSource: src, EffectKnown: true,
				StrengthensHigherReach: tc.strengthens, MunicipalityNames: names,
			})
			if got.Verdict != tc.want {
				t.Errorf("got %s, want %s:\n%s", got.Verdict, tc.want, reasonText(got.Reasons))
			}
			all := reasonText(got.Reasons)
			for _, s := range tc.reasonHas {
				if !strings.Contains(all, s) {
					t.Errorf("reasons lack %q:\n%s", s, all)
				}
			}
			t.Logf("%s → %s: %s", tc.name, got.Verdict, all)
		})
	}
}
