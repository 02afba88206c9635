package osm

import (
	"math"
	"testing"

	"github.com/paulmach/orb"

	"reach/geo/crs"
	"reach/layers"
)

func TestFacilitiesFixture(t *testing.T) {
	got, st := collectFacilities(t, "testdata/facilities.osm")
	utm := func(lon, lat float64) orb.Point {
		p, err := crs.FromLonLat(crs.UTM33N, orb.Point{lon, lat})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	avg := func(ps ...orb.Point) orb.Point {
		var c orb.Point
		for _, p := range ps {
			c[0] += p[0] / float64(len(ps))
			c[1] += p[1] / float64(len(ps))
		}
		return c
	}
	want := []layers.Facility{
		{ID: "osm:node/1", Category: layers.CatGeneralPractice, Name: "Praxis Dr. A", Location: utm(14.42, 51.18), Source: "osm"},
		{ID: "osm:node/3", Category: layers.CatPharmacy, Name: "Stadt-Apotheke", Location: utm(14.42, 51.1802), Source: "osm"},
		{ID: "osm:node/4", Category: layers.CatKita, Location: utm(14.42, 51.1803), Source: "osm"},
		{ID: "osm:way/30", Category: layers.CatPrimarySchool, Name: "Grundschule am Park", Source: "osm",
			Location: avg(utm(14.421, 51.181), utm(14.422, 51.181), utm(14.422, 51.18), utm(14.421, 51.18))},
		{ID: "osm:way/31", Category: layers.CatSports, Source: "osm", Location: avg(utm(14.421, 51.179), utm(14.422, 51.179))},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d facilities, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		g := got[i]
		if g.ID != w.ID || g.Category != w.Category || g.Name != w.Name || g.Source != w.Source {
			t.Errorf("facility %d = %+v, want %+v", i, g, w)
		}
		if d := math.Hypot(g.Location[0]-w.Location[0], g.Location[1]-w.Location[1]); d > 1e-6 {
			t.Errorf("facility %s at %v, want %v (%.3g m off)", g.ID, g.Location, w.Location, d)
		}
	}
	if st.FromNodes != 3 || st.FromWays != 2 || st.WaysWithoutNodes != 1 || st.MissingNodeRefs != 3 || st.ByCategory[layers.CatSports] != 1 {
		t.Errorf("stats = %+v; want 3 from nodes, 2 from ways, 1 way without nodes, 3 missing refs, 1 sports", st)
	}
}
