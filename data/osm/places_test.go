package osm

import (
	"context"
	"path/filepath"
	"testing"

	"reach/internal/realdata"
)

func TestPlacesHoyerswerda(t *testing.T) {
	path := filepath.Join(realdata.Dir(t), "osm", "hoyerswerda.osm.pbf")
	ps, err := Places(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) == 0 || ps[0].Name != "Hoyerswerda - Wojerecy" || ps[0].Kind != "town" {
		t.Fatalf("places %+v; want the town Hoyerswerda - Wojerecy first", ps)
	}
	for _, p := range ps {
		if p.Name == "" || !placeKinds[p.Kind] || p.Location[0] < 400000 || p.Location[0] > 500000 {
			t.Errorf("place %+v", p)
		}
	}
	t.Logf("%d places: %+v", len(ps), ps)
}
