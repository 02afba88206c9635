// Package analysistest holds the test region of the use cases: a road
// network drawn as text with two municipalities, populated cells,
// facilities and a central place, and an in-memory layers.Reader. It is
// imported by the tests of internal/analysis and its subpackages only.
package analysistest

import (
	"context"
	"iter"
	"math"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"reach/data/demo"
	"reach/geo/crs"
	"reach/geo/grid"
	"reach/layers"
)

// Layers are the layers of a test region.
type Layers struct {
	Municipalities []layers.Municipality
	Cells          []layers.Cell
	CentralPlaces  []layers.CentralPlace
	Facilities     []layers.Facility
	Roads          []layers.RoadSegment
	Projects       []layers.Project
}

// Reader is an in-memory layers.Reader of L.
type Reader struct{ L Layers }

func (r *Reader) Municipalities(context.Context) ([]layers.Municipality, error) {
	return append([]layers.Municipality(nil), r.L.Municipalities...), nil
}
func (r *Reader) Memberships(context.Context) ([]layers.Membership, error) { return nil, nil }
func (r *Reader) Cells(context.Context) ([]layers.Cell, error) {
	return append([]layers.Cell(nil), r.L.Cells...), nil
}
func (r *Reader) CentralPlaces(context.Context) ([]layers.CentralPlace, error) {
	return append([]layers.CentralPlace(nil), r.L.CentralPlaces...), nil
}
func (r *Reader) Facilities(context.Context) ([]layers.Facility, error) {
	return append([]layers.Facility(nil), r.L.Facilities...), nil
}
func (r *Reader) Roads(context.Context) iter.Seq2[layers.RoadSegment, error] {
	return func(yield func(layers.RoadSegment, error) bool) {
		for _, s := range r.L.Roads {
			if !yield(s, nil) {
				return
			}
		}
	}
}
func (r *Reader) Projects(context.Context) ([]layers.Project, error) {
	return append([]layers.Project(nil), r.L.Projects...), nil
}
func (r *Reader) Project(_ context.Context, id string) (layers.Project, error) {
	for _, p := range r.L.Projects {
		if p.ID == id {
			return p, nil
		}
	}
	return layers.Project{}, layers.ErrNotFound
}

// Demo generates the demo region of seed 1.
func Demo(tb testing.TB) (Layers, *demo.Region) {
	tb.Helper()
	reg, err := demo.Generate(1)
	if err != nil {
		tb.Fatal(err)
	}
	return Layers{Municipalities: reg.Municipalities, Cells: reg.Cells, CentralPlaces: reg.CentralPlaces, Facilities: reg.Facilities,
		Roads: reg.Roads, Projects: reg.Projects}, reg
}

// Add returns p moved by d.
func Add(p, d orb.Point) orb.Point { return orb.Point{p[0] + d[0], p[1] + d[1]} }

// Net is a road network drawn as text. Letters are nodes; '-' and
// '|' are two-way roads, '>' '<' 'v' '^' one-way roads in the arrow's
// direction. Characters are CharM metres apart; the top-left character
// lies at origin (EPSG:25833), rows go south.
type Net struct {
	Nodes map[byte]orb.Point
	Roads []layers.RoadSegment
}

// CharM is the spacing of the characters of a drawn network, metres.
const CharM = 500.0

// Origin is the position of the top-left character (EPSG:25833).
var Origin = orb.Point{400000, 5660000}

// ParseASCII reads a drawn network; roads get carKmh for cars, 15 km/h
// by bicycle and 4.5 km/h on foot.
func ParseASCII(tb testing.TB, art string, carKmh float64) Net {
	tb.Helper()
	lines := strings.Split(strings.Trim(art, "\n"), "\n")
	at := func(r, c int) byte {
		if r < 0 || r >= len(lines) || c < 0 || c >= len(lines[r]) {
			return ' '
		}
		return lines[r][c]
	}
	pt := func(r, c int) orb.Point { return orb.Point{Origin[0] + float64(c)*CharM, Origin[1] - float64(r)*CharM} }
	isNode := func(b byte) bool { return b >= 'A' && b <= 'Z' }
	n := Net{Nodes: map[byte]orb.Point{}}
	var id int64
	add := func(from, to byte, p, q orb.Point, fwd, bwd bool) {
		id++
		l := math.Hypot(q[0]-p[0], q[1]-p[1])
		acc := func(kmh float64) layers.Access { return layers.Access{Forward: fwd, Backward: bwd, SpeedKmh: kmh} }
		n.Roads = append(n.Roads, layers.RoadSegment{ID: id, WayID: id, FromNode: int64(from), ToNode: int64(to), Geometry: orb.LineString{p, q},
			Highway: "residential", LengthM: l, Car: acc(carKmh), Bicycle: acc(15), Foot: acc(4.5), Oneway: fwd != bwd})
	}
	for r := range lines {
		for c := 0; c < len(lines[r]); c++ {
			b := at(r, c)
			if !isNode(b) {
				continue
			}
			n.Nodes[b] = pt(r, c)
			// east
			fwd, bwd, cc := true, true, c+1
			for ; strings.IndexByte("-<>", at(r, cc)) >= 0; cc++ {
				if at(r, cc) == '>' {
					bwd = false
				}
				if at(r, cc) == '<' {
					fwd = false
				}
			}
			if cc > c+1 && isNode(at(r, cc)) {
				add(b, at(r, cc), pt(r, c), pt(r, cc), fwd, bwd)
			}
			// south
			fwd, bwd = true, true
			rr := r + 1
			for ; strings.IndexByte("|v^", at(rr, c)) >= 0; rr++ {
				if at(rr, c) == 'v' {
					bwd = false
				}
				if at(rr, c) == '^' {
					fwd = false
				}
			}
			if rr > r+1 && isNode(at(rr, c)) {
				add(b, at(rr, c), pt(r, c), pt(rr, c), fwd, bwd)
			}
		}
	}
	return n
}

// CellAt returns the 100 m INSPIRE cell containing p (EPSG:25833).
func CellAt(tb testing.TB, p orb.Point) string {
	tb.Helper()
	q, err := crs.Transform(crs.UTM33N, crs.LAEA, p)
	if err != nil {
		tb.Fatal(err)
	}
	return grid.Containing(q, 100).String()
}

// TestMap is the test region: 16 km wide, one-way streets C→H and M→N, a lake
// between the rows (no roads inside the ring F-G-L-K).
const TestMap = `
A-------B-------C-------D-------E
|       |       v               |
|       |       |               |
F-------G-------H-------I-------J
|       |                       |
|       |                       |
K-------L-------M>------N-------O
`

// Fixture builds the layers of the test region: two municipalities (west
// and east of x = 8 km), cells along the roads with varied populations,
// general practices at A and M, a central place at C (Mittelzentrum).
func Fixture(tb testing.TB) (Layers, Net) {
	tb.Helper()
	n := ParseASCII(tb, TestMap, 30)
	r := Layers{Roads: n.Roads}
	west := orb.MultiPolygon{{{{Origin[0] - 1000, Origin[1] - 4000}, {Origin[0] + 8000, Origin[1] - 4000}, {Origin[0] + 8000, Origin[1] + 1000}, {Origin[0] - 1000, Origin[1] + 1000}, {Origin[0] - 1000, Origin[1] - 4000}}}}
	east := orb.MultiPolygon{{{{Origin[0] + 8000, Origin[1] - 4000}, {Origin[0] + 17000, Origin[1] - 4000}, {Origin[0] + 17000, Origin[1] + 1000}, {Origin[0] + 8000, Origin[1] + 1000}, {Origin[0] + 8000, Origin[1] - 4000}}}}
	r.Municipalities = []layers.Municipality{
		{AGS: "14628010", Name: "Westdorf", KreisAGS: "14628", KreisName: "Testkreis", PlanningRegion: "Oberes Elbtal/Osterzgebirge", Geometry: west, Population: 5000, AreaKm2: 45, DEGURBA: 3, Indicators: map[string]float64{layers.IndPurchasingPower: 20000, layers.IndUnemployed: 100}},
		{AGS: "14628020", Name: "Ostdorf", KreisAGS: "14628", KreisName: "Testkreis", PlanningRegion: "Oberes Elbtal/Osterzgebirge", Geometry: east, Population: 5000, AreaKm2: 45, DEGURBA: 3, Indicators: map[string]float64{layers.IndPurchasingPower: 18000, layers.IndUnemployed: 300}},
	}
	seen := map[string]bool{}
	i := 0
	for x := 0.0; x <= 16000; x += 700 {
		for _, y := range []float64{0, -1500, -3000} {
			p := orb.Point{Origin[0] + x, Origin[1] + y + 120}
			id := CellAt(tb, p)
			if seen[id] {
				continue
			}
			seen[id] = true
			ags := "14628010"
			if x > 8000 {
				ags = "14628020"
			}
			i++
			r.Cells = append(r.Cells, layers.Cell{ID: id, ResolutionM: 100, Population: int64(5 + (i*37)%90), Known: true, AGS: ags, Year: 2011})
		}
	}
	// A secret cell is never counted.
	r.Cells = append(r.Cells, layers.Cell{ID: CellAt(tb, orb.Point{Origin[0] + 350, Origin[1] - 350}), ResolutionM: 100, AGS: "14628010"})
	r.Facilities = []layers.Facility{
		{ID: "gp:a", Category: layers.CatGeneralPractice, Name: "Praxis A", Location: Add(n.Nodes['A'], orb.Point{30, 40}), AGS: "14628010"},
		{ID: "gp:m", Category: layers.CatGeneralPractice, Name: "Praxis M", Location: Add(n.Nodes['M'], orb.Point{-20, -60}), AGS: "14628010"},
		{ID: "ph:e", Category: layers.CatPharmacy, Name: "Apotheke E", Location: n.Nodes['E'], AGS: "14628020"},
	}
	r.CentralPlaces = []layers.CentralPlace{
		{ID: "14628010", Name: "Westdorf", Level: layers.LevelMittelzentrum, Members: []string{"14628010"}, AGS: "14628010", Location: n.Nodes['C']},
	}
	return r, n
}
