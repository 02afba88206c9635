package layertest

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"reach/geo/access"
	"reach/layers"
)

// AgeFixture is a small population-by-age layer: a municipality and a
// district, the base year and one projection variant.
func AgeFixture() []layers.AgeCount {
	var out []layers.AgeCount
	for _, area := range []struct{ key, name string }{{"14628110", "Pirna"}, {"14628", "Sächsische Schweiz-Osterzgebirge"}} {
		for _, yv := range []struct {
			year    int
			variant string
			scale   float64
		}{{2022, "", 1}, {2040, "Variante 1", 0.8}} {
			for _, g := range []struct {
				lo, hi int
				n      float64
			}{{0, 5, 1500}, {6, 17, 3000}, {18, 64, 20000}, {65, access.OpenAge, 12000.5}} {
				out = append(out, layers.AgeCount{Year: yv.year, Variant: yv.variant, Area: area.key, AreaName: area.name, AgeFrom: g.lo, AgeTo: g.hi, Persons: g.n * yv.scale})
			}
		}
	}
	return out
}

func sortAges(cs []layers.AgeCount) {
	slices.SortFunc(cs, func(a, b layers.AgeCount) int {
		if c := strings.Compare(a.Area, b.Area); c != 0 {
			return c
		}
		if a.Year != b.Year {
			return a.Year - b.Year
		}
		if c := strings.Compare(a.Variant, b.Variant); c != 0 {
			return c
		}
		return a.AgeFrom - b.AgeFrom
	})
}

// checkAges: an empty layer is not found; a load reads back as given; a
// load with a bad row changes nothing and names the field.
func checkAges(t *testing.T, s layers.AgeStore) {
	ctx := context.Background()
	if _, _, err := s.AgeCounts(ctx); !errors.Is(err, layers.ErrNotFound) {
		t.Fatalf("empty layer: %v, want ErrNotFound", err)
	}
	want := AgeFixture()
	n, err := s.ReplaceAgeCounts(ctx, "fixture.csv", layers.Seq(want))
	if err != nil || n != len(want) {
		t.Fatalf("load: %d, %v", n, err)
	}
	got, src, err := s.AgeCounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sortAges(got)
	sortAges(want)
	if src != "fixture.csv" || !reflect.DeepEqual(got, want) {
		t.Fatalf("read back (source %q):\n got %+v\nwant %+v", src, got, want)
	}
	bad := AgeFixture()
	bad[3].AgeTo = 2 // below AgeFrom
	if _, err := s.ReplaceAgeCounts(ctx, "bad.csv", layers.Seq(bad)); !errors.Is(err, layers.ErrInvalid) || !strings.Contains(err.Error(), "age_to") {
		t.Fatalf("bad row: %v, want ErrInvalid naming age_to", err)
	}
	again, src, err := s.AgeCounts(ctx)
	if err != nil || src != "fixture.csv" || len(again) != len(want) {
		t.Fatalf("after a failed load: %d rows from %q, %v; want the previous layer", len(again), src, err)
	}
}
