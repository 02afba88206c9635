package layers

import (
	"strings"
	"testing"
)

func TestCreditsFollowTheLoadedLayers(t *testing.T) {
	real := map[string]string{"municipalities": "h1", "population": "h2", "indicators": "h3", "population-grid": "h4",
		"central-places": "h5", "facilities:school": "h6", "facilities:hospital": "h7", "roads": "h8"}
	cs := Credits(real)
	tests := []struct {
		coll    string
		want    []string
		notWant []string
	}{
		{CollMunicipalities, []string{"GeoBasis-DE / BKG", "GeoSN", "Statistisches Landesamt des Freistaates Sachsen", "INKAR"}, []string{"OpenStreetMap"}},
		{CollFacilities, []string{"Schuldatenbank", "Krankenhausgesellschaft", "OpenStreetMap"}, []string{"Zensus"}},
		{CollPopulationGrid, []string{"Zensus"}, []string{"Schuldatenbank"}},
		{CollCentralPlaces, []string{"Landesentwicklungsplan"}, nil},
	}
	for _, tc := range tests {
		got := CollectionAttribution(tc.coll, cs)
		for _, w := range tc.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: %q lacks %q", tc.coll, got, w)
			}
		}
		for _, w := range tc.notWant {
			if strings.Contains(got, w) {
				t.Errorf("%s: %q names %q", tc.coll, got, w)
			}
		}
	}
	// Only what is loaded is credited.
	only := Credits(map[string]string{"facilities:osm": "x"})
	if got := CollectionAttribution(CollFacilities, only); strings.Contains(got, "Schuldatenbank") || !strings.Contains(got, "OpenStreetMap") {
		t.Errorf("OSM facilities only: %q", got)
	}
	if got := CollectionAttribution(CollMunicipalities, only); got != "" {
		t.Errorf("municipalities not loaded, credited %q", got)
	}
}
