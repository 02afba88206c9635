package tables

import (
	"testing"

	"github.com/paulmach/orb"

	"reach/layers"
)

func square(x0, y0, side float64) orb.MultiPolygon {
	return orb.MultiPolygon{{{{x0, y0}, {x0 + side, y0}, {x0 + side, y0 + side}, {x0, y0 + side}, {x0, y0}}}}
}

func TestTownLocator(t *testing.T) {
	munis := []layers.Municipality{
		{AGS: "14625240", Name: "Hoyerswerda, Stadt", Geometry: square(0, 0, 10000)},
		{AGS: "14625000", Name: "Dorf", Geometry: square(20000, 0, 10000)},
		{AGS: "14625001", Name: "Ohne", Geometry: square(40000, 0, 10000)},
	}
	seats := map[string]orb.Point{"14625000": {21000, 1000}}
	places := []NamedPoint{
		{Name: "Hoyerswerda", Kind: "village", Location: orb.Point{9000, 9000}},         // a village of the name: less than the town
		{Name: "Hoyerswerda - Wojerecy", Kind: "town", Location: orb.Point{5000, 6000}}, // bilingual name
		{Name: "Hoyerswerda", Kind: "city", Location: orb.Point{25000, 5000}},           // outside the municipality
		{Name: "Dorf", Kind: "town", Location: orb.Point{25000, 5000}},                  // loses to the seat
		{Name: "Ohnesorge", Kind: "town", Location: orb.Point{45000, 5000}},             // another name
	}
	l := NewTownLocator(seats, places, munis)
	cases := []struct {
		ags, name string
		want      orb.Point
		src       string
	}{
		{"14625240", "Hoyerswerda", orb.Point{5000, 6000}, layers.LocOSMPlace},
		{"14625240", "Hoyerswerda, Stadt", orb.Point{5000, 6000}, layers.LocOSMPlace},
		{"14625000", "Dorf", orb.Point{21000, 1000}, layers.LocDestatisSeat},
		{"14625001", "Ohne", orb.Point{45000, 5000}, layers.LocInteriorPoint},
	}
	for _, tc := range cases {
		got, src, ok := l.Locate(tc.ags, tc.name)
		if !ok || got != tc.want || src != tc.src {
			t.Errorf("Locate(%s, %q) = %v, %s, %v; want %v, %s", tc.ags, tc.name, got, src, ok, tc.want, tc.src)
		}
	}
	if _, _, ok := l.Locate("14999999", "Nirgends"); ok {
		t.Error("an unknown municipality was located")
	}
}
