package analysis

import (
	"context"
	"math"
	"path/filepath"
	"testing"

	"github.com/paulmach/orb"

	"reach/data/demo"
	"reach/data/osm"
	"reach/data/tables"
	"reach/geo/crs"
	"reach/geo/grid"
	"reach/internal/analysis/analysistest"
	"reach/internal/realdata"
	"reach/layers"
)

// testData returns the shared data folder (see internal/realdata).
func testData(tb testing.TB) string {
	tb.Helper()
	return realdata.Dir(tb)
}

// osmFixture reads an OSM extract's roads and its POIs and lays 1 km cells
// 100 m cells (population 10 each, synthetic, on a lattice of at most 13 × 13) over the extent of the road network.
func osmFixture(tb testing.TB, pbf, pois string) *fakeReader {
	tb.Helper()
	dir := testData(tb)
	ctx := context.Background()
	r := &fakeReader{}
	r.roads = analysistest.Collect(tb, osm.Roads(ctx, filepath.Join(dir, "osm", pbf), nil))
	r.facs = analysistest.Lenient(tb, tables.ReadFacilities(ctx, filepath.Join(dir, "facilities", pois), tables.FacilityOptions{OSMCategory: osm.CategoryFor}))
	if len(r.roads) == 0 || len(r.facs) == 0 {
		tb.Fatalf("%s: %d roads, %d facilities", pbf, len(r.roads), len(r.facs))
	}
	var b orb.Bound
	for i, s := range r.roads {
		if i == 0 {
			b = s.Geometry.Bound()
		}
		b = b.Union(s.Geometry.Bound())
	}
	r.munis = []layers.Municipality{{AGS: "00000001", Name: "extract", Population: 1, AreaKm2: 1}}
	seen := map[string]bool{}
	step := math.Max(300, math.Max(b.Max[0]-b.Min[0], b.Max[1]-b.Min[1])/12)
	for x := b.Min[0]; x <= b.Max[0]; x += step {
		for y := b.Min[1]; y <= b.Max[1]; y += step {
			q, _ := crs.Transform(crs.UTM33N, crs.LAEA, orb.Point{x, y})
			id := grid.Containing(q, 100).String()
			if !seen[id] {
				seen[id] = true
				r.cells = append(r.cells, layers.Cell{ID: id, ResolutionM: 100, Population: 10, Known: true, AGS: "00000001"})
			}
		}
	}
	return r
}

func TestRealOSMTravelTimesAgainstReferenceDijkstra(t *testing.T) {
	for _, tc := range []struct{ pbf, pois string }{
		{"hoyerswerda.osm.pbf", "pois_hoyerswerda_osm.geojson"},
		{"north-bayreuth.osm.pbf", "pois_north_bayreuth_osm.geojson"},
	} {
		t.Run(tc.pbf, func(t *testing.T) {
			r := osmFixture(t, tc.pbf, tc.pois)
			e := buildEngine(t, r)
			// The category with the most facilities.
			count := map[layers.Category]int{}
			for _, f := range r.facs {
				count[f.Category]++
			}
			var cat layers.Category
			for c, n := range count {
				if n > count[cat] || (n == count[cat] && c < cat) {
					cat = c
				}
			}
			for _, mode := range []layers.Mode{layers.Car, layers.Foot} {
				tts, err := e.TravelTimes(context.Background(), cat, mode)
				if err != nil {
					t.Fatal(err)
				}
				want := oracle(t, e, mode, facilityPoints(r, cat))
				reached := 0
				facAt := map[string]orb.Point{}
				for _, f := range r.facs {
					facAt[f.ID] = f.Location
				}
				straight := 0
				for i, tt := range tts {
					switch tt.Method {
					case MethodNetwork, MethodUnreachable:
						if math.IsInf(want[i], 1) != !tt.Reached || (tt.Reached && math.Abs(tt.Seconds-want[i]) > 1e-9) || (tt.Method == MethodUnreachable) != !tt.Reached {
							t.Fatalf("%s %s cell %s: got %v s (reached %v, %s), reference %v s", cat, mode, tt.CellID, tt.Seconds, tt.Reached, tt.Method, want[i])
						}
					case MethodStraightLine:
						// Off the network (the cell, or the facility nearest
						// to it): the calibrated estimate, and only where the
						// network gives nothing sooner.
						c, p := e.cells[i].utm, facAt[tt.FacilityID]
						d := math.Hypot(c[0]-p[0], c[1]-p[1])
						if !tt.Reached || math.Abs(tt.DistanceM-d) > 1e-6 || math.Abs(tt.Seconds-e.model.Seconds(mode, d)) > 1e-9 || !(tt.Seconds <= want[i]) {
							t.Fatalf("%s %s cell %s: straight line %v s over %v m to %s (%v m away); reference on the network %v s", cat, mode, tt.CellID, tt.Seconds, tt.DistanceM, tt.FacilityID, d, want[i])
						}
						straight++
					default:
						t.Fatalf("cell %s: method %q", tt.CellID, tt.Method)
					}
					if tt.Reached {
						reached++
					}
				}
				t.Logf("%d cells by straight-line estimate", straight)
				st := e.Stats().Networks[mode]
				t.Logf("%s: %s by %s: %d of %d cells reached, equal to the reference Dijkstra (%d nodes, %d arcs, %d facilities of %d not snapped)",
					tc.pbf, cat, mode, reached, len(tts), st.Nodes, st.Arcs, st.FacilitiesNotSnapped, count[cat])
				if reached == 0 {
					t.Fatal("no cell reached")
				}
			}
		})
	}
}

// saxony reads the real Saxon layers: municipalities (VG5000), the 2011
// 1 km grid, central places, schools and hospitals.
func saxony(tb testing.TB) *fakeReader {
	tb.Helper()
	return readerOf(analysistest.RealSaxony(tb))
}

// demoReader generates the demo region.
func demoReader(tb testing.TB) (*fakeReader, *demo.Region) {
	tb.Helper()
	l, reg := analysistest.Demo(tb)
	return readerOf(l), reg
}

func TestDemoRegion(t *testing.T) {
	r, reg := demoReader(t)
	e := buildEngine(t, r)
	ctx := context.Background()
	// Travel times of a sample of cells against the reference Dijkstra.
	tts, err := e.TravelTimes(ctx, layers.CatGeneralPractice, layers.Car)
	if err != nil {
		t.Fatal(err)
	}
	facs := facilityPoints(r, layers.CatGeneralPractice)
	step := max(1, len(e.cells)/40)
	var idx []int
	for i := 0; i < len(e.cells); i += step {
		idx = append(idx, i)
	}
	wants := oracleAt(t, e, layers.Car, facs, idx)
	for _, i := range idx {
		want, got := wants[i], tts[i]
		if math.IsInf(want, 1) != !got.Reached || (got.Reached && math.Abs(got.Seconds-want) > 1e-9) {
			t.Fatalf("cell %s: got %v s, reference %v s", got.CellID, got.Seconds, want)
		}
	}
	// Isochrones never cover the lake.
	lake, _ := crs.ToLonLat(crs.UTM33N, reg.Lake.Bound().Center())
	for _, pl := range r.places {
		o, _ := crs.ToLonLat(crs.UTM33N, pl.Location)
		res, err := e.Isochrones(ctx, IsochroneRequest{Mode: layers.Car, Origins: []orb.Point{o}, Minutes: []float64{15, 30}})
		if err != nil {
			t.Fatal(err)
		}
		if len(reg.Lake) > 0 && ringHas(reg.Lake[0], reg.Lake.Bound().Center()) && containsPoint(res.Bands[1].Geometry, lake) {
			t.Fatalf("the 30 min isochrone from %s covers the lake", pl.Name)
		}
	}
}
