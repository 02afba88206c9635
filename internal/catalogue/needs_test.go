package catalogue

import (
	"errors"
	"strings"
	"testing"

	"reach/layers"
)

func TestLoadNeedsErrors(t *testing.T) {
	base := string(defaultNeedsJSON)
	replaceFirst := func(old, new string) string {
		if !strings.Contains(base, old) {
			t.Fatalf("fixture text %q not in the default need catalogue", old)
		}
		return strings.Replace(base, old, new, 1)
	}
	tests := []struct {
		name string
		text string
		want []string
	}{
		{"syntax", "{\n\"name\": \"x\",\n oops}", []string{"needs: my.json", "line 3", "invalid character"}},
		{"wrong type", replaceFirst(`"threshold_minutes": 20`, `"threshold_minutes": "twenty"`), []string{"needs: my.json", "line 13", "field needs.threshold_minutes", "string"}},
		{"unknown field", replaceFirst(`"demand_group": "all"`, `"demand_grup": "all"`), []string{"needs: my.json", "unknown field"}},
		{"trailing data", base + "\n{}", []string{"needs: my.json", "trailing data"}},
		{"bad category", replaceFirst(`"category": "general_practice"`, `"category": "doctor"`), []string{"needs[0]", "field category", `"doctor"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadNeeds(strings.NewReader(tc.text), "my.json")
			if err == nil {
				t.Fatal("got no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("got %v, want it to contain %q", err, w)
				}
			}
			if tc.name != "bad category" && !errors.Is(err, layers.ErrInvalid) {
				t.Errorf("got %v, want ErrInvalid", err)
			}
		})
	}
	if _, err := LoadNeeds(strings.NewReader(base), "my.json"); err != nil {
		t.Fatalf("default need catalogue: %v", err)
	}
}
