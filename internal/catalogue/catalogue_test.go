package catalogue

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"reach/layers"
)

func TestDefaultCatalogue(t *testing.T) {
	c, err := DefaultCatalogue()
	if err != nil {
		t.Fatal(err)
	}
	for _, ci := range layers.Categories() {
		s, ok := c.Standard(ci.Category, layers.Car)
		if !ok {
			t.Errorf("%s: no car standard", ci.Category)
			continue
		}
		if s.Source == "" || s.ShareSource == "" {
			t.Errorf("%s/car: empty source", ci.Category)
		}
		if s.Measure == MeasureTravelTime && s.MaxMinutes <= 0 {
			t.Errorf("%s/car: max minutes %v", ci.Category, s.MaxMinutes)
		}
		if _, src := c.MinLevel(ci.Category); src == "" {
			t.Errorf("%s: no level rule", ci.Category)
		}
	}
	// The sourced values, as read in the RIN 2008 table and the BBSR text.
	tests := []struct {
		cat        layers.Category
		mode       layers.Mode
		minutes    float64
		assumption bool
		level      layers.Level
	}{
		{layers.CatGeneralPractice, layers.Car, 20, false, layers.LevelGrundzentrum},
		{layers.CatGymnasium, layers.Car, 30, false, layers.LevelMittelzentrum},
		{layers.CatHospital, layers.Car, 30, false, layers.LevelMittelzentrum},
		{layers.CatPrimarySchool, layers.Foot, 20, true, layers.LevelGrundzentrum},
		{layers.CatPharmacy, layers.Car, 20, false, layers.LevelGrundzentrum},
		{layers.CatKita, layers.Car, 20, false, layers.LevelGrundzentrum},
		{layers.CatFireStation, layers.Car, 5, true, layers.LevelNone},
	}
	for _, tc := range tests {
		s, ok := c.Standard(tc.cat, tc.mode)
		if !ok || s.MaxMinutes != tc.minutes || s.Assumption != tc.assumption {
			t.Errorf("%s/%s: got %+v (ok %v), want %v min, assumption %v", tc.cat, tc.mode, s, ok, tc.minutes, tc.assumption)
		}
		if l, _ := c.MinLevel(tc.cat); l != tc.level {
			t.Errorf("%s: got level %v, want %v", tc.cat, l, tc.level)
		}
	}
	if _, ok := c.Standard(layers.CatHospital, layers.Foot); ok {
		t.Errorf("hospital/foot: got a standard, want none (not meaningful)")
	}
	id := c.ID()
	if !strings.HasPrefix(id, "reach-default-sachsen@sha256:") || len(id) != len("reach-default-sachsen@sha256:")+12 {
		t.Errorf("ID %q", id)
	}
	c2, _ := DefaultCatalogue()
	if c2.ID() != id {
		t.Errorf("ID not stable: %q vs %q", c2.ID(), id)
	}
	if got, want := len(c.Standards()), strings.Count(string(defaultCatalogueJSON), `"mode":`); got != want {
		t.Errorf("got %d standards, want %d (entries with a mode in the embedded file)", got, want)
	}
}

func TestLoadCatalogueErrors(t *testing.T) {
	base := string(defaultCatalogueJSON)
	replaceFirst := func(old, new string) string {
		if !strings.Contains(base, old) {
			t.Fatalf("fixture text %q not in the default catalogue", old)
		}
		return strings.Replace(base, old, new, 1)
	}
	tests := []struct {
		name string
		text string
		want []string
	}{
		{"syntax", "{\n\"name\": \"x\",\n oops}", []string{"user.json", "line 3"}},
		{"wrong type", replaceFirst(`"max_minutes": 20`, `"max_minutes": "twenty"`), []string{"user.json", "line ", "field standards.max_minutes", "string"}},
		{"unknown field", replaceFirst(`"target_share": 0.99`, `"target_shar": 0.99`), []string{"unknown field"}},
		{"negative minutes", replaceFirst(`"max_minutes": 20`, `"max_minutes": -5`), []string{"standards[0] (general_practice/car)", "field max_minutes", "value -5"}},
		{"share above 1", replaceFirst(`"target_share": 0.99`, `"target_share": 1.5`), []string{"standards[0]", "field target_share", "value 1.5"}},
		{"bad category", replaceFirst(`"category": "general_practice", "mode": "car"`, `"category": "doctor", "mode": "car"`), []string{"standards[0]", "field category", `"doctor"`}},
		{"bad mode", replaceFirst(`"mode": "car"`, `"mode": "tram"`), []string{"field mode", `"tram"`}},
		{"assumption not flagged", replaceFirst(`"source": "assumption", "assumption": true`, `"source": "assumption"`), []string{"field assumption", "must be true"}},
		{"bad level", replaceFirst(`"min_level": "Mittelzentrum"`, `"min_level": "Metropole"`), []string{"levels[1]", "field min_level", `"Metropole"`}},
		{"missing car standard", replaceFirst(`{"category": "hospital", "mode": "car"`, `{"category": "hospital", "mode": "foot"`), []string{"hospital/car", "missing"}},
		{"duplicate", replaceFirst(`{"category": "general_practice", "mode": "bicycle"`, `{"category": "general_practice", "mode": "car"`), []string{"general_practice/car", "given twice"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadCatalogue(strings.NewReader(tc.text), "user.json")
			if err == nil {
				t.Fatal("got no error")
			}
			if !errors.Is(err, layers.ErrInvalid) || !strings.HasPrefix(err.Error(), "catalogue: user.json") {
				t.Errorf("got %v, want an ErrInvalid prefixed with the file", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("got %v, want it to contain %q", err, w)
				}
			}
		})
	}
}

func TestLoadCatalogueOverride(t *testing.T) {
	text := strings.Replace(string(defaultCatalogueJSON), `"name": "reach-default-sachsen"`, `"name": "kreis-ssoe"`, 1)
	text = strings.Replace(text, `{"category": "general_practice", "mode": "car", "max_minutes": 20`, `{"category": "general_practice", "mode": "car", "max_minutes": 15`, 1)
	c, err := LoadCatalogue(strings.NewReader(text), "ssoe.json")
	if err != nil {
		t.Fatal(err)
	}
	s, _ := c.Standard(layers.CatGeneralPractice, layers.Car)
	if s.MaxMinutes != 15 || s.MaxSeconds() != 900 {
		t.Errorf("got %v min / %v s, want 15 / 900", s.MaxMinutes, s.MaxSeconds())
	}
	d, _ := DefaultCatalogue()
	if c.ID() == d.ID() || !strings.HasPrefix(c.ID(), "kreis-ssoe@") {
		t.Errorf("override id %q vs default %q", c.ID(), d.ID())
	}
}

func FuzzLoadCatalogue(f *testing.F) {
	f.Add(defaultCatalogueJSON)
	f.Add([]byte(`{"name":"x","standards":[],"levels":[]}`))
	f.Add([]byte(`{"name":"x","standards":[{"category":"kita","mode":"car","max_minutes":1e309,"target_share":1,"source":"s"}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := LoadCatalogue(bytes.NewReader(b), "fuzz.json")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "catalogue: fuzz.json") {
				t.Errorf("error %q not prefixed", err)
			}
			return
		}
		// A catalogue that loads keeps every promise of the format.
		for _, ci := range layers.Categories() {
			if _, ok := c.Standard(ci.Category, layers.Car); !ok {
				t.Errorf("%s: loaded without a car standard", ci.Category)
			}
		}
		for _, s := range c.Standards() {
			if !(s.TargetShare > 0 && s.TargetShare <= 1) || s.Source == "" {
				t.Errorf("loaded invalid standard %+v", s)
			}
			if s.Measure == MeasureTravelTime && !(s.MaxMinutes > 0) {
				t.Errorf("loaded invalid minutes %+v", s)
			}
		}
	})
}
