package demo

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"reach/geo/access"
)

// The projection fixture in the official table layout is the generated
// table of the default seed; REACH_UPDATE_FIXTURES=1 rewrites it.
func TestAgeTablesFixture(t *testing.T) {
	r, err := Generate(DefaultSeed)
	if err != nil {
		t.Fatal(err)
	}
	got := r.AgeTablesCSV()
	path := filepath.Join("testdata", "bevoelkerung_alter_demo.csv")
	if os.Getenv("REACH_UPDATE_FIXTURES") == "1" {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (REACH_UPDATE_FIXTURES=1 writes it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s differs from the generated table: the generator changed (REACH_UPDATE_FIXTURES=1 rewrites it)", path)
	}
	d, err := r.Demography(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	sc := access.Scenario{Variant: "Variante 1", Year: AgesProjectionYear}
	for _, m := range r.Municipalities {
		b := d.Base[m.AGS]
		if int64(b.Total()) != m.Population {
			t.Errorf("%s: age groups sum to %v, population %d", m.AGS, b.Total(), m.Population)
		}
		p := d.Projected[sc][m.AGS]
		if p.Count(75, access.OpenAge) <= b.Count(75, access.OpenAge) || p.Count(0, 5) >= b.Count(0, 5) {
			t.Errorf("%s: the projection does not age: %v → %v", m.AGS, b, p)
		}
	}
	if len(d.Scenarios()) != 2 {
		t.Errorf("scenarios %v", d.Scenarios())
	}
	if s, ok := SeedOf(r.Info().Versions); !ok || s != DefaultSeed {
		t.Errorf("SeedOf: %d %v", s, ok)
	}
}
