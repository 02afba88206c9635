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

func TestStepFor(t *testing.T) {
	base := SampleOptions{StepM: 100, MaxLegM: 150, AccessSpeedMS: 1.25}
	tests := []struct {
		name       string
		b          orb.Bound
		maxSamples int
		want       float64
	}{
		{name: "no limit keeps the base step", b: orb.Bound{Max: orb.Point{90000, 90000}}, want: 100},
		{name: "walk keeps the base step", b: orb.Bound{Max: orb.Point{5000, 4000}}, maxSamples: 120_000, want: 100},
		{name: "hour's ride keeps the base step", b: orb.Bound{Max: orb.Point{30000, 30000}}, maxSamples: 120_000, want: 100},
		{name: "drive coarsens", b: orb.Bound{Max: orb.Point{90000, 90000}}, maxSamples: 120_000, want: 300},
		{name: "long narrow drive", b: orb.Bound{Max: orb.Point{200000, 10000}}, maxSamples: 120_000, want: 200},
		{name: "point", b: orb.Bound{}, maxSamples: 1, want: 100},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			opt := base
			opt.MaxSamples = tc.maxSamples
			got := StepFor(tc.b, opt)
			if got != tc.want {
				t.Fatalf("StepFor = %v, want %v", got, tc.want)
			}
			if tc.maxSamples == 0 {
				return
			}
			// The rule itself: the step is a whole multiple of the base, its
			// raster fits and the next smaller multiple's does not.
			k := int(math.Round(got / opt.StepM))
			if float64(k)*opt.StepM != got {
				t.Fatalf("step %v is not a multiple of %v", got, opt.StepM)
			}
			samples := func(k int) int {
				step := float64(k) * opt.StepM
				_, _, nx, ny := rasterDims(tc.b, step, float64(k)*opt.MaxLegM+step)
				return nx * ny
			}
			if n := samples(k); n > tc.maxSamples && got < math.Max(tc.b.Max[0]-tc.b.Min[0], tc.b.Max[1]-tc.b.Min[1]) {
				t.Fatalf("step %v: %d samples, more than %d", got, n, tc.maxSamples)
			}
			if k > 1 && samples(k-1) <= tc.maxSamples {
				t.Fatalf("step %v: the smaller step %v already fits (%d samples)", got, float64(k-1)*opt.StepM, samples(k-1))
			}
			g, err := NewGrid(tc.b, opt)
			if err != nil {
				t.Fatal(err)
			}
			if g.Raster().Step != got || g.LegM() != 1.5*got {
				t.Fatalf("grid step %v leg %v, want %v and %v", g.Raster().Step, g.LegM(), got, 1.5*got)
			}
		})
	}
}

// shore returns reached points every 50 m around a square lake of side
// side metres with its south-west corner at (x0, y0), all at time 60 s.
func shore(x0, y0, side float64) []Reached {
	var pts []Reached
	for d := 0.0; d <= side; d += 50 {
		pts = append(pts,
			Reached{P: orb.Point{x0 + d, y0}, Seconds: 60}, Reached{P: orb.Point{x0 + d, y0 + side}, Seconds: 60},
			Reached{P: orb.Point{x0, y0 + d}, Seconds: 60}, Reached{P: orb.Point{x0 + side, y0 + d}, Seconds: 60})
	}
	return pts
}

func TestAdaptiveStepKeepsLake(t *testing.T) {
	// Reached roads fill an 8 km square every 500 m, except around a lake
	// whose inscribed disc (radius 1,100 m) is larger than the coarse
	// step's leg plus step/√2 (450 + 212 m): the lake must stay a hole
	// at the coarse step, as at the base step.
	const lakeX, lakeY, lakeSide = 3000.0, 3000.0, 2200.0
	var pts []Reached
	for x := 0.0; x <= 8000; x += 500 {
		for y := 0.0; y <= 8000; y += 50 {
			for _, p := range []orb.Point{{x, y}, {y, x}} {
				if p[0] > lakeX-1 && p[0] < lakeX+lakeSide+1 && p[1] > lakeY-1 && p[1] < lakeY+lakeSide+1 {
					continue
				}
				pts = append(pts, Reached{P: p, Seconds: 60})
			}
		}
	}
	pts = append(pts, shore(lakeX, lakeY, lakeSide)...)
	centre := orb.Point{lakeX + lakeSide/2, lakeY + lakeSide/2}
	for _, tc := range []struct {
		maxSamples int
		step       float64
	}{{0, 100}, {1_500, 300}} {
		r, err := Sample(pts, SampleOptions{StepM: 100, MaxLegM: 150, AccessSpeedMS: 1.25, MaxSamples: tc.maxSamples})
		if err != nil {
			t.Fatal(err)
		}
		if r.Step != tc.step {
			t.Fatalf("max samples %d: step %v, want %v", tc.maxSamples, r.Step, tc.step)
		}
		mp := Contour(r, 1800)
		checkSamples(t, r, 1800, mp)
		if planar.MultiPolygonContains(mp, centre) {
			t.Fatalf("step %v: the lake's centre is inside the isochrone", r.Step)
		}
		if !planar.MultiPolygonContains(mp, orb.Point{lakeX, lakeY + lakeSide/2}) {
			t.Fatalf("step %v: the shore is outside the isochrone", r.Step)
		}
		if len(mp) != 1 || len(mp[0]) < 2 {
			t.Fatalf("step %v: got %d polygons (first with %d rings), want one with the lake as a hole", r.Step, len(mp), len(mp[0]))
		}
	}
}

// bruteField is the defining minimum of Sample at sample p.
func bruteField(pts []Reached, p orb.Point, leg, speed float64) float64 {
	want := math.Inf(1)
	for _, q := range pts {
		if d := planar.Distance(p, q.P); d <= leg {
			want = math.Min(want, q.Seconds+d/speed)
		}
	}
	return want
}

func TestGridMatchesDefinition(t *testing.T) {
	const seed = 20261126
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 2))
	for it := 0; it < 40; it++ {
		step := []float64{50, 100, 250}[rng.IntN(3)]
		legSteps := []float64{0.8, 1, 1.5, 2.3}[rng.IntN(4)]
		opt := SampleOptions{StepM: step, MaxLegM: legSteps * step, AccessSpeedMS: 1 + rng.Float64(), MaxSamples: []int{0, 400}[rng.IntN(2)]}
		var pts []Reached
		b := orb.Bound{Min: orb.Point{1e5, 5e6}, Max: orb.Point{1e5 + 3000, 5e6 + 2000}}
		for i := 0; i < 30; i++ {
			p := orb.Point{b.Min[0] + rng.Float64()*3000, b.Min[1] + rng.Float64()*2000}
			pts = append(pts, Reached{P: p, Seconds: rng.Float64() * 600})
		}
		// Two half grids merged must equal one grid and the definition.
		g1, err := NewGrid(b, opt)
		if err != nil {
			t.Fatal(err)
		}
		g2, _ := NewGrid(b, opt)
		for i, p := range pts {
			if i%2 == 0 {
				g1.Add(p.P, p.Seconds)
			} else {
				g2.Add(p.P, p.Seconds)
			}
		}
		if err := g1.Merge(g2); err != nil {
			t.Fatal(err)
		}
		r := g1.Raster()
		leg := g1.LegM()
		if want := opt.MaxLegM * r.Step / step; math.Abs(leg-want) > 1e-9 {
			t.Fatalf("leg %v, want %v", leg, want)
		}
		for iy := 0; iy < r.NY; iy++ {
			for ix := 0; ix < r.NX; ix++ {
				want := bruteField(pts, r.Point(ix, iy), leg, opt.AccessSpeedMS)
				got := r.At(ix, iy)
				if !(math.IsInf(got, 1) && math.IsInf(want, 1)) && math.Abs(got-want) > 1e-9 {
					t.Fatalf("iteration %d, step %v, leg %v: sample (%d, %d): got %v, want %v", it, r.Step, leg, ix, iy, got, want)
				}
			}
		}
		for i := 0; i < r.NX; i++ {
			if !math.IsInf(r.At(i, 0), 1) || !math.IsInf(r.At(i, r.NY-1), 1) {
				t.Fatalf("iteration %d: the raster's border is reachable", it)
			}
		}
		other, _ := NewGrid(orb.Bound{Max: orb.Point{10, 10}}, opt)
		if err := g1.Merge(other); err == nil {
			t.Fatal("merging grids of different geometry: no error")
		}
	}
}

func TestAddLine(t *testing.T) {
	opt := SampleOptions{StepM: 100, MaxLegM: 150, AccessSpeedMS: 1.25, MaxSeconds: 500}
	line := orb.LineString{{0, 0}, {300, 0}, {300, 400}} // 700 m
	tests := []struct {
		name                 string
		from, fwd, to, bwd   float64
		wantPoints, wantNone bool
	}{
		{name: "both directions", from: 0, fwd: 70, to: 50, bwd: 70, wantPoints: true},
		{name: "forward only", from: 10, fwd: 700, to: math.Inf(1), bwd: 70, wantPoints: true},
		{name: "backward only", from: math.Inf(1), fwd: 70, to: 10, bwd: math.Inf(1), wantNone: true},
		{name: "too late", from: 600, fwd: 70, to: 650, bwd: 70, wantNone: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := line.Bound()
			g, err := NewGrid(b, opt)
			if err != nil {
				t.Fatal(err)
			}
			g.AddLine(line, tc.from, tc.fwd, tc.to, tc.bwd)
			// The same points, listed by hand: every 50 m, not the ends.
			var pts []Reached
			for d := 50.0; d < 700; d += 50 {
				p := orb.Point{d, 0}
				if d > 300 {
					p = orb.Point{300, d - 300}
				}
				f := d / 700
				tt := math.Min(tc.from+tc.fwd*f, tc.to+tc.bwd*(1-f))
				if math.IsInf(tc.from, 1) || math.IsInf(tc.fwd, 1) {
					tt = tc.to + tc.bwd*(1-f)
				}
				if math.IsInf(tc.to, 1) || math.IsInf(tc.bwd, 1) {
					tt = math.Min(tt, tc.from+tc.fwd*f)
					if !(math.IsInf(tc.from, 1) || math.IsInf(tc.fwd, 1)) {
						tt = tc.from + tc.fwd*f
					}
				}
				if tt <= opt.MaxSeconds && !math.IsInf(tt, 0) && !math.IsNaN(tt) {
					pts = append(pts, Reached{P: p, Seconds: tt})
				}
			}
			if tc.wantNone != (len(pts) == 0) {
				t.Fatalf("hand list has %d points, want none: %v", len(pts), tc.wantNone)
			}
			r := g.Raster()
			reached := 0
			for iy := 0; iy < r.NY; iy++ {
				for ix := 0; ix < r.NX; ix++ {
					want := bruteField(pts, r.Point(ix, iy), 150, 1.25)
					got := r.At(ix, iy)
					if !math.IsInf(got, 1) {
						reached++
					}
					if !(math.IsInf(got, 1) && math.IsInf(want, 1)) && math.Abs(got-want) > 1e-9 {
						t.Fatalf("sample %v: got %v, want %v", r.Point(ix, iy), got, want)
					}
				}
			}
			if tc.wantPoints && reached == 0 {
				t.Fatal("no sample reached")
			}
		})
	}
	// A line no longer than one step adds nothing.
	g, _ := NewGrid(orb.Bound{Max: orb.Point{100, 100}}, opt)
	g.AddLine(orb.LineString{{0, 0}, {60, 80}}, 0, 10, 0, 10)
	for _, v := range g.Raster().Values {
		if !math.IsInf(v, 1) {
			t.Fatal("a line of one step gave a sample a time")
		}
	}
}

func TestContourLargeRandomFields(t *testing.T) {
	// Blobs of reachable ground with lakes and islands in them, on rasters
	// large enough that holes are assigned through many raster rows.
	const seed = 20261127
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 3))
	for it := 0; it < 12; it++ {
		nx, ny := 30+rng.IntN(50), 30+rng.IntN(50)
		r := &Raster{Origin: orb.Point{rng.Float64() * 1e5, rng.Float64() * 1e5}, Step: 100, NX: nx, NY: ny, Values: make([]float64, nx*ny)}
		type blob struct{ x, y, rad, t float64 }
		var blobs []blob
		for i := 0; i < 25; i++ {
			blobs = append(blobs, blob{rng.Float64() * float64(nx), rng.Float64() * float64(ny), 1 + rng.Float64()*10, rng.Float64() * 900})
		}
		for iy := 0; iy < ny; iy++ {
			for ix := 0; ix < nx; ix++ {
				v := math.Inf(1)
				for k, bl := range blobs {
					d := math.Hypot(float64(ix)-bl.x, float64(iy)-bl.y)
					if d > bl.rad {
						continue
					}
					if k%3 == 2 { // a lake punched into whatever is there
						v = math.Inf(1)
						continue
					}
					v = math.Min(v, bl.t+d*30)
				}
				r.Values[iy*nx+ix] = v
			}
		}
		for _, thr := range []float64{300, 600, 1200} {
			mp := Contour(r, thr)
			checkValid(t, mp)
			checkSamples(t, r, thr, mp)
		}
	}
}
