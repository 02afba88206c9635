package analysis

import (
	"context"
	"iter"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"reach/geo/crs"
	"reach/geo/graph"
	"reach/geo/route"
	"reach/internal/analysis/analysistest"
	"reach/internal/estimate"
	"reach/internal/network"
	"reach/layers"
)

// fakeReader is an in-memory layers.Reader for tests.
type fakeReader struct {
	munis    []layers.Municipality
	cells    []layers.Cell
	places   []layers.CentralPlace
	facs     []layers.Facility
	roads    []layers.RoadSegment
	projects []layers.Project
}

func (r *fakeReader) Municipalities(context.Context) ([]layers.Municipality, error) {
	return append([]layers.Municipality(nil), r.munis...), nil
}
func (r *fakeReader) Memberships(context.Context) ([]layers.Membership, error) { return nil, nil }
func (r *fakeReader) Cells(context.Context) ([]layers.Cell, error) {
	return append([]layers.Cell(nil), r.cells...), nil
}
func (r *fakeReader) CentralPlaces(context.Context) ([]layers.CentralPlace, error) {
	return append([]layers.CentralPlace(nil), r.places...), nil
}
func (r *fakeReader) Facilities(context.Context) ([]layers.Facility, error) {
	return append([]layers.Facility(nil), r.facs...), nil
}
func (r *fakeReader) Roads(context.Context) iter.Seq2[layers.RoadSegment, error] {
	return func(yield func(layers.RoadSegment, error) bool) {
		for _, s := range r.roads {
			if !yield(s, nil) {
				return
			}
		}
	}
}
func (r *fakeReader) Projects(context.Context) ([]layers.Project, error) {
	return append([]layers.Project(nil), r.projects...), nil
}
func (r *fakeReader) Project(_ context.Context, id string) (layers.Project, error) {
	for _, p := range r.projects {
		if p.ID == id {
			return p, nil
		}
	}
	return layers.Project{}, layers.ErrNotFound
}

// asciiNet is a road network drawn as text (see analysistest.ParseASCII).
type asciiNet struct {
	nodes map[byte]orb.Point
	roads []layers.RoadSegment
}

const charM = analysistest.CharM

var origin = analysistest.Origin

func parseASCII(tb testing.TB, art string, carKmh float64) asciiNet {
	n := analysistest.ParseASCII(tb, art, carKmh)
	return asciiNet{nodes: n.Nodes, roads: n.Roads}
}

func cellAt(tb testing.TB, p orb.Point) string { return analysistest.CellAt(tb, p) }

const testMap = analysistest.TestMap

// fixture builds the reader of the test region (analysistest.Fixture).
func fixture(tb testing.TB) (*fakeReader, asciiNet) {
	l, n := analysistest.Fixture(tb)
	return readerOf(l), asciiNet{nodes: n.Nodes, roads: n.Roads}
}

func readerOf(l analysistest.Layers) *fakeReader {
	return &fakeReader{munis: l.Municipalities, cells: l.Cells, places: l.CentralPlaces, facs: l.Facilities, roads: l.Roads, projects: l.Projects}
}

func buildEngine(tb testing.TB, r layers.Reader) *Engine {
	tb.Helper()
	e, err := Build(context.Background(), r, Options{Modes: []layers.Mode{layers.Car, layers.Foot}, Now: func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }})
	if err != nil {
		tb.Fatalf("Build: %v", err)
	}
	return e
}

// oracle computes, by brute force, the time from every populated cell to
// the nearest of the facilities: for each cell one reference Dijkstra on
// the forward graph from the cell's departures, then the least over the
// facilities of the node cost plus the facility's arrival offset.
func oracle(tb testing.TB, e *Engine, mode layers.Mode, facs []orb.Point) []float64 {
	tb.Helper()
	all := make([]int, len(e.cells))
	for i := range all {
		all[i] = i
	}
	return oracleAt(tb, e, mode, facs, all)
}

// oracleAt is oracle for the cells idx only; other entries are +Inf.
func oracleAt(tb testing.TB, e *Engine, mode layers.Mode, facs []orb.Point, idx []int) []float64 {
	tb.Helper()
	mn := e.nets[mode]
	if mn == nil {
		tb.Fatalf("no %s network", mode)
	}
	g := mn.n.Graph()
	var arrivals [][]route.Source
	for _, p := range facs {
		s := mn.n.Snap(p)
		arrivals = append(arrivals, s.Arrivals())
	}
	out := make([]float64, len(e.cells))
	for i := range out {
		out[i] = math.Inf(1)
	}
	for _, ci := range idx {
		s := mn.n.Snap(e.cells[ci].utm)
		if !s.Snapped {
			continue
		}
		tree := route.Dijkstra(g, s.Departures(), route.Unbounded)
		for _, arr := range arrivals {
			for _, a := range arr {
				if tree.Cost[a.Node] == graph.Closed {
					continue
				}
				out[ci] = math.Min(out[ci], float64(graph.AddCost(tree.Cost[a.Node], a.Offset).Seconds()))
			}
		}
	}
	return out
}

func facilityPoints(r *fakeReader, cat layers.Category) []orb.Point {
	var out []orb.Point
	for _, f := range r.facs {
		if f.Category == cat {
			out = append(out, f.Location)
		}
	}
	return out
}

func TestTravelTimesAgainstReferenceDijkstra(t *testing.T) {
	r, _ := fixture(t)
	e := buildEngine(t, r)
	if got, want := e.Stats().PopulatedCells, len(r.cells)-1; got != want {
		t.Fatalf("populated cells %d, want %d (the secret cell excluded)", got, want)
	}
	for _, mode := range []layers.Mode{layers.Car, layers.Foot} {
		for _, cat := range []layers.Category{layers.CatGeneralPractice, layers.CatPharmacy} {
			tts, err := e.TravelTimes(context.Background(), cat, mode)
			if err != nil {
				t.Fatal(err)
			}
			want := oracle(t, e, mode, facilityPoints(r, cat))
			reached := 0
			for i, tt := range tts {
				if tt.Method != MethodNetwork {
					t.Fatalf("%s: method %q, want network", tt.CellID, tt.Method)
				}
				if math.IsInf(want[i], 1) {
					if tt.Reached {
						t.Fatalf("%s %s %s: reached in %v s, oracle says unreachable", cat, mode, tt.CellID, tt.Seconds)
					}
					continue
				}
				reached++
				if !tt.Reached || math.Abs(tt.Seconds-want[i]) > 1e-9 {
					t.Fatalf("%s %s cell %s: got %v s (reached %v), want %v s", cat, mode, tt.CellID, tt.Seconds, tt.Reached, want[i])
				}
			}
			if reached == 0 {
				t.Fatalf("%s %s: no cell reached", cat, mode)
			}
		}
	}
}

func TestOneWayStreetsCountTowardsTheFacility(t *testing.T) {
	// Facility at the head of a one-way street: from its tail the way is
	// direct, from beyond its head one must go round the block.
	art := `
A-------B
|       v
C-------D
`
	n := parseASCII(t, art, 36) // 10 m/s
	r := &fakeReader{roads: n.roads}
	r.munis = []layers.Municipality{{AGS: "14628010", Name: "X", Population: 10, AreaKm2: 10}}
	cb := cellAt(t, add(n.nodes['B'], orb.Point{0, -30}))
	cd := cellAt(t, add(n.nodes['D'], orb.Point{0, 30}))
	r.cells = []layers.Cell{{ID: cb, ResolutionM: 100, Population: 10, Known: true, AGS: "14628010"}, {ID: cd, ResolutionM: 100, Population: 20, Known: true, AGS: "14628010"}}
	for _, tc := range []struct {
		name     string
		facility orb.Point
		from     string
		minS     float64
		maxS     float64
	}{
		// B→D is 1000 m at 10 m/s = 100 s plus short access legs.
		{"along the one-way street", n.nodes['D'], cb, 100, 140},
		// D→B must go D→C→A→B: 4000+1000+4000 = 9000 m... the map is 4000 m wide and 1000 m tall: 4000+1000+4000 = 9000 m = 900 s.
		{"against the one-way street", n.nodes['B'], cd, 900, 940},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rr := *r
			rr.facs = []layers.Facility{{ID: "f", Category: layers.CatGeneralPractice, Location: tc.facility}}
			e := buildEngine(t, &rr)
			tts, err := e.TravelTimes(context.Background(), layers.CatGeneralPractice, layers.Car)
			if err != nil {
				t.Fatal(err)
			}
			for _, tt := range tts {
				if tt.CellID != tc.from {
					continue
				}
				if !tt.Reached || tt.Seconds < tc.minS || tt.Seconds > tc.maxS {
					t.Fatalf("got %v s (reached %v), want between %v and %v", tt.Seconds, tt.Reached, tc.minS, tc.maxS)
				}
				return
			}
			t.Fatalf("cell %s not in the result", tc.from)
		})
	}
}

func TestStraightLineAgainstBruteForce(t *testing.T) {
	r, _ := fixture(t)
	r.roads = nil // no network: the labelled fallback
	e := buildEngine(t, r)
	facs := facilityPoints(r, layers.CatGeneralPractice)
	tts, err := e.TravelTimes(context.Background(), layers.CatGeneralPractice, layers.Car)
	if err != nil {
		t.Fatal(err)
	}
	sl, err := estimate.Default()
	if err != nil {
		t.Fatal(err)
	}
	sums := map[string][2]float64{}
	for i, tt := range tts {
		c := e.cells[i]
		want := math.Inf(1)
		for _, f := range facs {
			want = math.Min(want, math.Hypot(c.utm[0]-f[0], c.utm[1]-f[1]))
		}
		if tt.Method != MethodStraightLine || math.Abs(tt.DistanceM-want) > 1e-6 {
			t.Fatalf("%s: got %v m (%s), want %v m (straight_line)", tt.CellID, tt.DistanceM, tt.Method, want)
		}
		if ws := sl.Seconds(layers.Car, want); math.Abs(tt.Seconds-ws) > 1e-6 {
			t.Fatalf("%s: got %v s, want %v s", tt.CellID, tt.Seconds, ws)
		}
		s := sums[c.ags]
		sums[c.ags] = [2]float64{s[0] + float64(c.pop)*want, s[1] + float64(c.pop)}
	}
	rep, err := e.StraightLineByMunicipality(context.Background(), layers.CatGeneralPractice)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Municipalities) != len(sums) {
		t.Fatalf("got %d municipalities, want %d", len(rep.Municipalities), len(sums))
	}
	for _, row := range rep.Municipalities {
		want := sums[row.AGS][0] / sums[row.AGS][1]
		if math.Abs(row.MeanM-want) > 1e-6 || row.Population != int64(sums[row.AGS][1]) {
			t.Fatalf("%s: mean %v m over %d, want %v over %v", row.AGS, row.MeanM, row.Population, want, sums[row.AGS][1])
		}
	}
}

func TestIsochroneExcludesTheLake(t *testing.T) {
	r, n := fixture(t)
	e := buildEngine(t, r)
	ll := func(p orb.Point) orb.Point { q, _ := crs.ToLonLat(crs.UTM33N, p); return q }
	res, err := e.Isochrones(context.Background(), IsochroneRequest{Mode: layers.Car, Origins: []orb.Point{ll(n.nodes['F'])}, Minutes: []float64{10, 30}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Bands) != 2 || !res.Origins[0].Snapped || !strings.Contains(res.Method, "marching squares") {
		t.Fatalf("bands %d, origin %+v, method %q", len(res.Bands), res.Origins[0], res.Method)
	}
	big := res.Bands[1]
	lake := ll(orb.Point{(n.nodes['F'][0] + n.nodes['G'][0]) / 2, (n.nodes['F'][1] + n.nodes['K'][1]) / 2})
	// The middle of the block F-G-L-K is 2 km from every road at most
	// 750 m: it lies outside; the roads around it inside.
	if containsPoint(big.Geometry, lake) {
		t.Fatal("the 30 min isochrone covers the lake between F, G, K and L")
	}
	for _, node := range []byte{'F', 'G', 'K', 'L'} {
		if !containsPoint(big.Geometry, ll(n.nodes[node])) {
			t.Fatalf("node %c is outside the 30 min isochrone", node)
		}
	}
	holes := 0
	for _, p := range big.Geometry {
		holes += len(p) - 1
	}
	if holes == 0 {
		t.Fatal("the 30 min isochrone has no hole for the lake")
	}
	// Population: residents of cells whose centre is reached within the
	// time, by the reference Dijkstra from the origin.
	mn := e.nets[layers.Car]
	s := mn.n.Snap(n.nodes['F'])
	tree := route.Dijkstra(mn.n.Graph(), s.Departures(), route.Unbounded)
	for _, b := range res.Bands {
		var want, wantRing int64
		for ci, c := range e.cells {
			cs, _, ok := network.Leave(mn.cells.Arrivals(ci), tree.Cost)
			if ok && float64(cs.Seconds()) <= b.Minutes*60 {
				want += c.pop
				if float64(cs.Seconds()) > b.FromMinutes*60 || b.FromMinutes == 0 {
					wantRing += c.pop
				}
			}
		}
		if b.CumulativePopulation != want {
			t.Fatalf("%v min: cumulative population %d, reference %d", b.Minutes, b.CumulativePopulation, want)
		}
		if b.Population != wantRing {
			t.Fatalf("%v–%v min: ring population %d, reference %d", b.FromMinutes, b.Minutes, b.Population, wantRing)
		}
	}
}

// containsPoint reports whether p lies inside mp (outer ring in, no hole
// around it); mp and p share one CRS, planar coordinates.
func containsPoint(mp orb.MultiPolygon, p orb.Point) bool {
	for _, poly := range mp {
		if len(poly) == 0 || !ringHas(poly[0], p) {
			continue
		}
		in := true
		for _, h := range poly[1:] {
			if ringHas(h, p) {
				in = false
			}
		}
		if in {
			return true
		}
	}
	return false
}

func ringHas(r orb.Ring, p orb.Point) bool {
	in := false
	for i, j := 0, len(r)-1; i < len(r); j, i = i, i+1 {
		a, b := r[i], r[j]
		if (a[1] > p[1]) != (b[1] > p[1]) && p[0] < a[0]+(p[1]-a[1])*(b[0]-a[0])/(b[1]-a[1]) {
			in = !in
		}
	}
	return in
}

func add(p, d orb.Point) orb.Point { return analysistest.Add(p, d) }
