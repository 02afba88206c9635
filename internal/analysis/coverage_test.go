package analysis

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"reach/geo/crs"
	"reach/geo/grid"
	"reach/layers"
)

// TestCoverageWhereTheNetworkEnds lays cells over the Hoyerswerda extract
// and a second group 20 km away from any of its roads: the far cells get
// the straight-line estimate (labelled), none is "unreachable", the
// coverage names the share of residents on the network, and the method
// shares (those of the gap register) say which share each method covers.
func TestCoverageWhereTheNetworkEnds(t *testing.T) {
	r := osmFixture(t, "hoyerswerda.osm.pbf", "pois_hoyerswerda_osm.geojson")
	var b orb.Bound
	for i, s := range r.roads {
		if i == 0 {
			b = s.Geometry.Bound()
		}
		b = b.Union(s.Geometry.Bound())
	}
	near := 0
	for _, c := range r.cells {
		near += int(c.Population)
	}
	far := map[string]bool{}
	for i := range 5 {
		for j := range 5 {
			q, _ := crs.Transform(crs.UTM33N, crs.LAEA, orb.Point{b.Max[0] + 20000 + float64(i)*1000, b.Min[1] + float64(j)*1000})
			id := grid.Containing(q, 100).String()
			far[id] = true
			r.cells = append(r.cells, layers.Cell{ID: id, ResolutionM: 100, Population: 1000, Known: true, AGS: "00000001"})
		}
	}
	e := buildEngine(t, r)
	cov := e.Coverage()
	var car NetworkCoverage
	for _, c := range cov {
		if c.Mode == layers.Car {
			car = c
		}
	}
	if car.Population != int64(near+25000) {
		t.Fatalf("coverage population %d, want %d", car.Population, near+25000)
	}
	if car.OnNetwork > int64(near) || car.OnNetwork == 0 {
		t.Fatalf("on network %d of %d near residents", car.OnNetwork, near)
	}
	if want := float64(car.OnNetwork) / float64(car.Population); math.Abs(car.Share-want) > 1e-12 || car.Share >= CoverageWarnBelow {
		t.Fatalf("share %v, want %v (below %v)", car.Share, want, CoverageWarnBelow)
	}
	if !strings.Contains(car.Warning, "car network covers") {
		t.Fatalf("warning %q does not name the coverage", car.Warning)
	}
	tts, err := e.TravelTimes(context.Background(), layers.CatKita, layers.Car)
	if err != nil {
		t.Fatal(err)
	}
	var straightPop int64
	for _, tt := range tts {
		if far[tt.CellID] && (tt.Method != MethodStraightLine || !tt.Reached) {
			t.Fatalf("far cell %s: method %s, reached %v; want a straight-line estimate", tt.CellID, tt.Method, tt.Reached)
		}
		if tt.Method == MethodUnreachable {
			t.Fatalf("cell %s unreachable on a connected network", tt.CellID)
		}
		if tt.Method == MethodStraightLine {
			straightPop += tt.Population
		}
	}
	f, err := e.TravelField(context.Background(), layers.CatKita, layers.Car)
	if err != nil {
		t.Fatal(err)
	}
	shares := e.MethodShares(f) // the gap register's method shares
	if want := float64(straightPop) / float64(car.Population); math.Abs(shares[MethodStraightLine]-want) > 1e-12 {
		t.Fatalf("straight-line share %v, want %v", shares[MethodStraightLine], want)
	}
	if s := shares[MethodNetwork] + shares[MethodStraightLine]; math.Abs(s-1) > 1e-12 {
		t.Fatalf("shares %v do not add up to 1", shares)
	}
}
