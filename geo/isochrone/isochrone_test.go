package isochrone

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// rasterFromASCII builds a raster from rows drawn north-up: a digit is a
// time in minutes×60 seconds, '.' is unreachable.
func rasterFromASCII(tb testing.TB, art string) *Raster {
	tb.Helper()
	lines := strings.Split(strings.Trim(art, "\n"), "\n")
	ny := len(lines)
	nx := len(strings.TrimSpace(lines[0]))
	r := &Raster{Origin: orb.Point{1000, 2000}, Step: 100, NX: nx, NY: ny, Values: make([]float64, nx*ny)}
	for row, l := range lines {
		l = strings.TrimSpace(l)
		if len(l) != nx {
			tb.Fatalf("row %d has %d columns, want %d", row, len(l), nx)
		}
		iy := ny - 1 - row
		for ix, c := range l {
			v := math.Inf(1)
			if c >= '0' && c <= '9' {
				v = float64(c-'0') * 60
			}
			r.Values[iy*nx+ix] = v
		}
	}
	return r
}

// checkValid checks that rings are closed, have the RFC 7946 winding and
// that no two segments of the whole multipolygon cross or touch except
// consecutive segments of one ring at their shared vertex.
func checkValid(tb testing.TB, mp orb.MultiPolygon) {
	tb.Helper()
	type seg struct {
		a, b       orb.Point
		ring, idx  int
		ringLength int
	}
	var segs []seg
	ringNo := 0
	for pi, poly := range mp {
		for ri, r := range poly {
			if len(r) < 4 {
				tb.Fatalf("polygon %d ring %d has %d points, want ≥ 4", pi, ri, len(r))
			}
			if r[0] != r[len(r)-1] {
				tb.Fatalf("polygon %d ring %d is not closed", pi, ri)
			}
			a := signedArea(r)
			if ri == 0 && a <= 0 {
				tb.Fatalf("polygon %d exterior has area %v, want counter-clockwise (> 0)", pi, a)
			}
			if ri > 0 && a >= 0 {
				tb.Fatalf("polygon %d hole %d has area %v, want clockwise (< 0)", pi, ri, a)
			}
			if ri > 0 && !ringContains(poly[0], r[0]) {
				tb.Fatalf("polygon %d hole %d lies outside its exterior", pi, ri)
			}
			for i := 0; i+1 < len(r); i++ {
				segs = append(segs, seg{r[i], r[i+1], ringNo, i, len(r) - 1})
			}
			ringNo++
		}
	}
	for i := range segs {
		for j := i + 1; j < len(segs); j++ {
			s, t := segs[i], segs[j]
			if s.ring == t.ring && (t.idx == s.idx+1 || (s.idx == 0 && t.idx == s.ringLength-1)) {
				continue // neighbours share exactly one vertex
			}
			if segmentsTouch(s.a, s.b, t.a, t.b) {
				tb.Fatalf("segments %v–%v and %v–%v intersect", s.a, s.b, t.a, t.b)
			}
		}
	}
}

func orient(a, b, c orb.Point) float64 {
	return (b[0]-a[0])*(c[1]-a[1]) - (b[1]-a[1])*(c[0]-a[0])
}

func onSegment(a, b, p orb.Point) bool {
	return math.Min(a[0], b[0]) <= p[0] && p[0] <= math.Max(a[0], b[0]) &&
		math.Min(a[1], b[1]) <= p[1] && p[1] <= math.Max(a[1], b[1])
}

func segmentsTouch(a, b, c, d orb.Point) bool {
	d1, d2 := orient(c, d, a), orient(c, d, b)
	d3, d4 := orient(a, b, c), orient(a, b, d)
	if ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0)) {
		return true
	}
	return (d1 == 0 && onSegment(c, d, a)) || (d2 == 0 && onSegment(c, d, b)) ||
		(d3 == 0 && onSegment(a, b, c)) || (d4 == 0 && onSegment(a, b, d))
}

// checkSamples checks the defining property: every sample within the
// threshold is inside the polygons, every other sample outside.
func checkSamples(tb testing.TB, r *Raster, thr float64, mp orb.MultiPolygon) {
	tb.Helper()
	for iy := 0; iy < r.NY; iy++ {
		for ix := 0; ix < r.NX; ix++ {
			want := r.At(ix, iy) <= thr
			got := planar.MultiPolygonContains(mp, r.Point(ix, iy))
			if got != want {
				tb.Fatalf("sample (%d, %d) value %v threshold %v: inside = %v, want %v", ix, iy, r.At(ix, iy), thr, got, want)
			}
		}
	}
}

func TestContourShapes(t *testing.T) {
	tests := []struct {
		name      string
		art       string
		thr       float64
		polygons  int
		holes     int
		wantEmpty bool
	}{
		{name: "single sample", art: `
.....
..0..
.....`, thr: 60, polygons: 1},
		{name: "lake is a hole", art: `
1111111
1111111
11...11
11...11
1111111
1111111`, thr: 60, polygons: 1, holes: 1},
		{name: "island in the lake is its own polygon", art: `
111111111
1.......1
1.......1
1...1...1
1.......1
1.......1
111111111`, thr: 60, polygons: 2, holes: 1},
		{name: "threshold splits field", art: `
0123456789
0123456789
0123456789`, thr: 4 * 60, polygons: 1},
		{name: "saddle both diagonals", art: `
0.0
.0.
0.0`, thr: 60, polygons: 5}, // unreachable corners decide saddles: no link across them
		{name: "nothing within threshold", art: `
99
99`, thr: 60, wantEmpty: true},
		{name: "river without bridge: two banks", art: `
11.22
11.22
11.22`, thr: 3 * 60, polygons: 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := rasterFromASCII(t, tc.art)
			mp := Contour(r, tc.thr)
			if tc.wantEmpty {
				if len(mp) != 0 {
					t.Fatalf("got %d polygons, want none", len(mp))
				}
				return
			}
			checkValid(t, mp)
			checkSamples(t, r, tc.thr, mp)
			holes := 0
			for _, p := range mp {
				holes += len(p) - 1
			}
			if len(mp) != tc.polygons || holes != tc.holes {
				t.Fatalf("got %d polygons with %d holes, want %d with %d", len(mp), holes, tc.polygons, tc.holes)
			}
		})
	}
}

func TestContourRandomFields(t *testing.T) {
	const seed = 20261125
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 1))
	for it := 0; it < 60; it++ {
		nx, ny := 2+rng.IntN(14), 2+rng.IntN(14)
		r := &Raster{Origin: orb.Point{rng.Float64() * 1000, rng.Float64() * 1000}, Step: 50, NX: nx, NY: ny, Values: make([]float64, nx*ny)}
		for i := range r.Values {
			switch rng.IntN(5) {
			case 0:
				r.Values[i] = math.Inf(1)
			case 1:
				r.Values[i] = 300 // exactly on a threshold below
			default:
				r.Values[i] = float64(rng.IntN(600))
			}
		}
		for _, thr := range []float64{0, 150, 300, 450} {
			mp := Contour(r, thr)
			checkValid(t, mp)
			checkSamples(t, r, thr, mp)
		}
	}
}

func TestContourAreaOfDisc(t *testing.T) {
	// A cone: time grows linearly with the distance from the centre, so the
	// threshold's area is a disc of known radius.
	pts := []Reached{{P: orb.Point{500000, 5600000}, Seconds: 0, MaxLegM: 2000}}
	r, err := Sample(pts, SampleOptions{StepM: 50, AccessSpeedMS: 1, MaxLegM: 2000})
	if err != nil {
		t.Fatal(err)
	}
	for _, radius := range []float64{300, 800, 1500} {
		mp := Contour(r, radius)
		checkValid(t, mp)
		got, want := planar.Area(mp), math.Pi*radius*radius
		if math.Abs(got-want)/want > 0.02 {
			t.Errorf("radius %v: area %v, want %v ± 2%%", radius, got, want)
		}
	}
	// Beyond the access bound the polygon hugs the last reached samples:
	// between the discs of 2000 m less one step and 2000 m.
	if a := planar.Area(Contour(r, 5000)); a < math.Pi*1950*1950 || a > math.Pi*2000*2000 {
		t.Errorf("beyond the access bound: area %v, want between the 1950 m and 2000 m discs", a)
	}
}

func TestSampleLakeStaysOutside(t *testing.T) {
	// Reached points along the shore of a square lake 1 km wide; the access
	// leg of 150 m never reaches the lake's middle.
	var pts []Reached
	for x := 0.0; x <= 1400; x += 50 {
		for _, y := range []float64{0, 1400} {
			pts = append(pts, Reached{P: orb.Point{x, y}, Seconds: x / 10})
			pts = append(pts, Reached{P: orb.Point{y, x}, Seconds: x / 10})
		}
	}
	r, err := Sample(pts, SampleOptions{StepM: 100, MaxLegM: 150, AccessSpeedMS: 1.25})
	if err != nil {
		t.Fatal(err)
	}
	mp := Contour(r, 3600)
	checkValid(t, mp)
	if planar.MultiPolygonContains(mp, orb.Point{700, 700}) {
		t.Fatal("the lake's middle is inside the isochrone")
	}
	if !planar.MultiPolygonContains(mp, orb.Point{0, 700}) {
		t.Fatal("the shore road is outside the isochrone")
	}
	if len(mp) != 1 || len(mp[0]) != 2 {
		t.Fatalf("got %d polygons (first with %d rings), want one with one hole", len(mp), len(mp[0]))
	}
}

func TestSampleValues(t *testing.T) {
	pts := []Reached{
		{P: orb.Point{0, 0}, Seconds: 10},
		{P: orb.Point{300, 0}, Seconds: 100},
		{P: orb.Point{1000, 0}, Seconds: 5000}, // dropped by MaxSeconds
	}
	r, err := Sample(pts, SampleOptions{StepM: 100, MaxLegM: 250, AccessSpeedMS: 2, MaxSeconds: 1000})
	if err != nil {
		t.Fatal(err)
	}
	// Brute force over the samples.
	for iy := 0; iy < r.NY; iy++ {
		for ix := 0; ix < r.NX; ix++ {
			p := r.Point(ix, iy)
			want := math.Inf(1)
			for _, q := range pts[:2] {
				if d := planar.Distance(p, q.P); d <= 250 {
					want = math.Min(want, q.Seconds+d/2)
				}
			}
			if got := r.At(ix, iy); math.Abs(got-want) > 1e-9 && !(math.IsInf(got, 1) && math.IsInf(want, 1)) {
				t.Fatalf("sample %v: got %v, want %v", p, got, want)
			}
		}
	}
	if got := r.ValueAt(orb.Point{1000, 0}); !math.IsInf(got, 1) {
		t.Fatalf("point beyond MaxSeconds gives %v, want +Inf", got)
	}
	if _, err := Sample(nil, SampleOptions{StepM: 100, AccessSpeedMS: 1}); !errors.Is(err, ErrEmpty) {
		t.Fatalf("empty input: err %v, want ErrEmpty", err)
	}
	for _, bad := range []SampleOptions{{StepM: 0, AccessSpeedMS: 1}, {StepM: 100}, {StepM: 100, AccessSpeedMS: 1, MaxLegM: -1}} {
		if _, err := Sample(pts, bad); err == nil || !strings.HasPrefix(err.Error(), "isochrone: ") {
			t.Fatalf("options %+v: err %v, want an isochrone error", bad, err)
		}
	}
}

func BenchmarkContour30Min(b *testing.B) {
	// A 60 km × 60 km field at 100 m: 360,000 samples.
	rng := rand.New(rand.NewPCG(7, 7))
	var pts []Reached
	for i := 0; i < 40000; i++ {
		x, y := rng.Float64()*60000, rng.Float64()*60000
		pts = append(pts, Reached{P: orb.Point{x, y}, Seconds: math.Hypot(x-30000, y-30000) / 15})
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		r, err := Sample(pts, SampleOptions{StepM: 100, MaxLegM: 300, AccessSpeedMS: 1.25, MaxSeconds: 1800})
		if err != nil {
			b.Fatal(err)
		}
		_ = Contour(r, 1800)
	}
}

// BenchmarkGridAdd stamps 170,000 points in spatial (row) order onto a
// 200 m grid with a 300 m leg, as a 30-minute drive over a dense network
// does.
func BenchmarkGridAdd(b *testing.B) {
	rng := rand.New(rand.NewPCG(3, 3))
	pts := make([]Reached, 170_000)
	for i := range pts {
		y := float64(i) / float64(len(pts)) * 80000
		pts[i] = Reached{P: orb.Point{rng.Float64() * 80000, y}, Seconds: rng.Float64() * 1800}
	}
	opt := SampleOptions{StepM: 200, MaxLegM: 300, AccessSpeedMS: 1.25, MaxSeconds: 1800}
	b.ReportAllocs()
	for b.Loop() {
		g, err := NewGrid(orb.Bound{Max: orb.Point{80000, 80000}}, opt)
		if err != nil {
			b.Fatal(err)
		}
		for _, p := range pts {
			g.Add(p.P, p.Seconds)
		}
	}
}
