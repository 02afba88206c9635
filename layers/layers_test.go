package layers

import (
	"math"
	"testing"

	"github.com/paulmach/orb"
)

func TestParseLevel(t *testing.T) {
	tests := []struct {
		in   string
		want Level
		ok   bool
	}{
		{"Oberzentrum", LevelOberzentrum, true},
		{" mittelzentrum ", LevelMittelzentrum, true},
		{"Unterzentrum", LevelGrundzentrum, true},
		{"GZ", LevelGrundzentrum, true},
		{"keine zentralörtliche Einstufung", LevelNone, false},
		{"", LevelNone, false},
	}
	for _, tt := range tests {
		got, ok := ParseLevel(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ParseLevel(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
		if ok && got.String() == "" {
			t.Errorf("%v has no name", got)
		}
	}
}

func TestCategoriesValid(t *testing.T) {
	seen := map[Category]bool{}
	for _, c := range Categories() {
		if !c.Category.Valid() || c.Title == "" || c.TitleEN == "" {
			t.Errorf("catalogue entry %+v incomplete", c)
		}
		if seen[c.Category] {
			t.Errorf("category %q listed twice", c.Category)
		}
		seen[c.Category] = true
	}
	if Category("hairdresser").Valid() {
		t.Error("an unknown category is valid")
	}
}

func TestCompareIDs(t *testing.T) {
	tests := []struct {
		coll, a, b string
		want       int
	}{
		{CollRoads, "20", "101", -1},
		{CollRoads, "1000", "102", 1},
		{CollMunicipalities, "14511000", "14521010", -1},
		{CollFacilities, "school:20", "school:101", 1}, // bytewise, as COLLATE "C"
		{CollFacilities, "a", "a", 0},
	}
	for _, tt := range tests {
		if got := CompareIDs(tt.coll, tt.a, tt.b); got != tt.want {
			t.Errorf("CompareIDs(%q, %q, %q) = %d, want %d", tt.coll, tt.a, tt.b, got, tt.want)
		}
	}
}

func TestFeaturesAreLonLat(t *testing.T) {
	// Dresden in EPSG:25833 (PROJ): 13.7373 E, 51.0504 N.
	f := FacilityFeature(Facility{ID: "x", Category: CatHospital, Location: orb.Point{411494.36828613246, 5656188.093570028}})
	p := f.Geometry.(orb.Point)
	if math.Abs(p[0]-13.7373) > 1e-7 || math.Abs(p[1]-51.0504) > 1e-7 {
		t.Errorf("facility served at %v, want [13.7373 51.0504]", p)
	}
	c := CellFeature(Cell{ID: "1kmN3009E4486", ResolutionM: 1000, Known: false})
	if v, _ := c.Get("population"); v != nil {
		t.Errorf("secret cell population = %v, want nil", v)
	}
	if v, _ := c.Get("secret"); v != true {
		t.Errorf("secret = %v, want true", v)
	}
	ring := c.Geometry.(orb.Polygon)[0]
	for _, q := range ring {
		if q[0] < 11 || q[0] > 16 || q[1] < 49 || q[1] > 53 {
			t.Fatalf("cell vertex %v is not a Saxon lon/lat", q)
		}
	}
	m := MunicipalityFeature(Municipality{AGS: "14511000", Name: "Chemnitz", Population: 246334, AreaKm2: 221.06})
	if v, _ := m.Get("density"); v != 1114.3 {
		t.Errorf("density = %v, want 1114.3", v)
	}
	if v, _ := m.Get("degurba"); v != nil {
		t.Errorf("degurba without a class = %v, want nil", v)
	}
}
