package appraisal

import (
	"strings"
	"testing"

	"reach/internal/catalogue"
	"reach/internal/realdata"
	"reach/layers"
)

// classPlaces is a small central-places layer: an Oberzentrum, a
// Mittelzentrum, a Grundzentrum and a mittelzentraler Verbund of two
// municipalities (each with its own row, as the LEP table lists them).
func classPlaces() []layers.CentralPlace {
	return []layers.CentralPlace{
		{ID: "O", Name: "Obstadt", Level: layers.LevelOberzentrum, AGS: "O", Members: []string{"O"}},
		{ID: "M", Name: "Mittelstadt", Level: layers.LevelMittelzentrum, AGS: "M", Members: []string{"M"}},
		{ID: "G", Name: "Grunddorf", Level: layers.LevelGrundzentrum, AGS: "G", Members: []string{"G"}},
		{ID: "V1", Name: "Verbstadt", Level: layers.LevelMittelzentrum, Verbund: "Städteverbund Tal", AGS: "V1", Members: []string{"V1"}},
		{ID: "V2", Name: "Verbdorf", Level: layers.LevelMittelzentrum, Verbund: "Städteverbund Tal", AGS: "V2", Members: []string{"V2"}},
	}
}

func TestAlignZentraleOrteRules(t *testing.T) {
	// Every row of the verdict table in the doc comment, plus the Verbund
	// and level-none cases.
	newFac := layers.Project{ID: "p", Kind: layers.KindNewFacility, Category: layers.CatGymnasium}
	road := layers.Project{ID: "r", Kind: layers.KindRoadUpgrade, Category: layers.CatGymnasium}
	tests := []struct {
		name        string
		project     layers.Project
		sites       []string
		min         layers.Level
		covers      bool
		strengthens bool
		want        Verdict
		reasonHas   []string
	}{
		{"fit, no duplication", newFac, []string{"M"}, layers.LevelMittelzentrum, false, false, Aligned, []string{"Mittelstadt, a Mittelzentrum", "at or above"}},
		{"fit in a higher place", newFac, []string{"O"}, layers.LevelMittelzentrum, false, false, Aligned, []string{"Obstadt, an Oberzentrum"}},
		{"fit, duplication", newFac, []string{"M"}, layers.LevelMittelzentrum, true, false, PartlyAligned, []string{"already offers"}},
		{"fit, duplication, strengthens", newFac, []string{"M"}, layers.LevelMittelzentrum, true, true, PartlyAligned, nil},
		{"partial, no duplication", newFac, []string{"M", "X"}, layers.LevelMittelzentrum, false, false, PartlyAligned, []string{"1 of 2 sites"}},
		{"partial, duplication", newFac, []string{"M", "X"}, layers.LevelMittelzentrum, true, false, InConflict, nil},
		{"miss, strengthens", newFac, []string{"G"}, layers.LevelMittelzentrum, false, true, PartlyAligned, []string{"below the Mittelzentrum level", "improves the reach"}},
		{"miss", newFac, []string{"X"}, layers.LevelMittelzentrum, false, false, InConflict, []string{"X is not a central place"}},
		{"miss, duplication, strengthens", newFac, []string{"G"}, layers.LevelMittelzentrum, true, true, InConflict, nil},
		{"no site, strengthens", road, nil, layers.LevelMittelzentrum, false, true, Aligned, []string{"no facility site"}},
		{"no site", road, nil, layers.LevelMittelzentrum, false, false, PartlyAligned, []string{"does not improve"}},
		{"no site, duplication", road, nil, layers.LevelMittelzentrum, true, true, PartlyAligned, nil},
		{"Verbund member counts", newFac, []string{"V2"}, layers.LevelMittelzentrum, false, false, Aligned, []string{"Städteverbund Tal, a Verbund", "Mittelzentrum"}},
		{"level none, any site", newFac, []string{"X"}, layers.LevelNone, false, false, Aligned, []string{"not tied"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := AlignZentraleOrte(AlignmentInput{
				Project: tc.project, SiteAGS: tc.sites, Places: classPlaces(), MinLevel: tc.min, MinLevelSource: "test rule",
				EqualOrHigherCovers: tc.covers, CoveringPlaces: []string{"Mittelstadt"}, StrengthensHigherReach: tc.strengthens,
			})
			if got.Verdict != tc.want {
				t.Errorf("got verdict %s, want %s; reasons:\n%s", got.Verdict, tc.want, strings.Join(got.Reasons, "\n"))
			}
			all := strings.Join(got.Reasons, " ")
			for _, s := range tc.reasonHas {
				if !strings.Contains(all, s) {
					t.Errorf("reasons lack %q:\n%s", s, strings.Join(got.Reasons, "\n"))
				}
			}
			if !strings.Contains(all, "Verdict: "+strings.ReplaceAll(string(tc.want), "_", " ")) {
				t.Errorf("reasons do not end with the verdict:\n%s", strings.Join(got.Reasons, "\n"))
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
		{"Gymnasium in Sebnitz improving reach", layers.CatGymnasium, []string{"14628360"}, true, PartlyAligned, nil},
		// Altenberg is a Grundzentrum of SSOE.
		{"general practice in Altenberg", layers.CatGeneralPractice, []string{"14628010"}, false, Aligned, []string{"Altenberg, a Grundzentrum"}},
		// Rathmannsdorf is no central place.
		{"general practice in Rathmannsdorf", layers.CatGeneralPractice, []string{"14628320"}, false, InConflict, []string{"Rathmannsdorf (14628320) is not a central place"}},
		// Ellefeld is a member of the mittelzentraler Städteverbund Göltzschtal.
		{"Gymnasium in Ellefeld", layers.CatGymnasium, []string{"14523090"}, false, Aligned, []string{"Städteverbund Göltzschtal", "Mittelzentrum"}},
		// Pirna is a Mittelzentrum: above the Grundzentrum a kita needs.
		{"kita in Pirna", layers.CatKita, []string{"14628270"}, false, Aligned, []string{"Pirna, a Mittelzentrum"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			lvl, src := cat.MinLevel(tc.category)
			got := AlignZentraleOrte(AlignmentInput{
				Project: layers.Project{ID: tc.name, Kind: layers.KindNewFacility, Category: tc.category},
				SiteAGS: tc.sites, Places: places, MinLevel: lvl, MinLevelSource: src,
				StrengthensHigherReach: tc.strengthens, MunicipalityNames: names,
			})
			if got.Verdict != tc.want {
				t.Errorf("got %s, want %s:\n%s", got.Verdict, tc.want, strings.Join(got.Reasons, "\n"))
			}
			all := strings.Join(got.Reasons, " ")
			for _, s := range tc.reasonHas {
				if !strings.Contains(all, s) {
					t.Errorf("reasons lack %q:\n%s", s, strings.Join(got.Reasons, "\n"))
				}
			}
			t.Logf("%s → %s: %s", tc.name, got.Verdict, strings.Join(got.Reasons, " | "))
		})
	}
}
