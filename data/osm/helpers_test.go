package osm

import (
	"context"
	"math"
	"reach/internal/realdata"
	"testing"

	"github.com/paulmach/orb"

	"reach/geo/crs"
	"reach/layers"
)

// collectRoads collects every segment of a file, failing on any error.
func collectRoads(tb testing.TB, path string) ([]layers.RoadSegment, RoadStats) {
	tb.Helper()
	var st RoadStats
	var out []layers.RoadSegment
	for s, err := range Roads(context.Background(), path, &st) {
		if err != nil {
			tb.Fatalf("Roads(%s): %v", path, err)
		}
		out = append(out, s)
	}
	return out, st
}

// collectFacilities collects every facility of a file, failing on any error.
func collectFacilities(tb testing.TB, path string) ([]layers.Facility, FacilityStats) {
	tb.Helper()
	var st FacilityStats
	var out []layers.Facility
	for f, err := range Facilities(context.Background(), path, &st) {
		if err != nil {
			tb.Fatalf("Facilities(%s): %v", path, err)
		}
		out = append(out, f)
	}
	return out, st
}

// byWay indexes segments by way id.
func byWay(segs []layers.RoadSegment) map[int64][]layers.RoadSegment {
	m := map[int64][]layers.RoadSegment{}
	for _, s := range segs {
		m[s.WayID] = append(m[s.WayID], s)
	}
	return m
}

// sharedData returns the path of a file in the shared data folder (see
// internal/realdata).
func sharedData(tb testing.TB, rel string) string {
	tb.Helper()
	return realdata.Path(tb, rel)
}

// scaleFactor is the UTM point scale factor at a point given in EPSG:25833,
// from the series k = k0·(1 + x²/2R² + x⁴/24R⁴), x = (E − 500 km)/k0, with R
// the geometric mean radius at the point's latitude. Accurate to about
// 1e-7 within a few hundred km of the central meridian.
func scaleFactor(tb testing.TB, p orb.Point) float64 {
	tb.Helper()
	ll, err := crs.ToLonLat(crs.UTM33N, p)
	if err != nil {
		tb.Fatal(err)
	}
	const a, f, k0 = 6378137.0, 1 / 298.257222101, 0.9996
	e2 := f * (2 - f)
	s := math.Sin(ll[1] * math.Pi / 180)
	w := 1 - e2*s*s
	rho := a * (1 - e2) / math.Pow(w, 1.5)
	nu := a / math.Sqrt(w)
	r2 := rho * nu
	x := (p[0] - 500000) / k0
	return k0 * (1 + x*x/(2*r2) + x*x*x*x/(24*r2*r2))
}

// gridLengthOnEllipsoid is the planar length of an EPSG:25833 line with each
// piece divided by the scale factor at its midpoint: an estimate of the
// ellipsoidal length independent of GeodesicLength.
func gridLengthOnEllipsoid(tb testing.TB, ls orb.LineString) float64 {
	tb.Helper()
	total := 0.0
	for i := 1; i < len(ls); i++ {
		d := math.Hypot(ls[i][0]-ls[i-1][0], ls[i][1]-ls[i-1][1])
		mid := orb.Point{(ls[i][0] + ls[i-1][0]) / 2, (ls[i][1] + ls[i-1][1]) / 2}
		total += d / scaleFactor(tb, mid)
	}
	return total
}
