package snap

import (
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"

	"github.com/paulmach/orb"

	"reach/geo/graph"
)

func TestLinesHandChecked(t *testing.T) {
	lines := []orb.LineString{
		{{0, 0}, {100, 0}, {100, 100}}, // an L
		{{300, 0}, {300, 50}},
		{{50, 500}}, // a point
	}
	ix := NewLines(lines, 40)
	cases := []struct {
		name   string
		p      orb.Point
		radius float64
		accept func(uint32) bool
		ok     bool
		line   uint32
		point  orb.Point
		along  float64
	}{
		{"on the first leg", orb.Point{30, 10}, 50, nil, true, 0, orb.Point{30, 0}, 30},
		{"on the corner's second leg", orb.Point{120, 40}, 50, nil, true, 0, orb.Point{100, 40}, 140},
		{"the vertical line", orb.Point{290, 60}, 50, nil, true, 1, orb.Point{300, 50}, 50},
		{"nothing within the radius", orb.Point{200, 300}, 50, nil, false, 0, orb.Point{}, 0},
		{"radius is inclusive", orb.Point{30, 50}, 50, nil, true, 0, orb.Point{30, 0}, 30},
		{"filtered line skipped", orb.Point{120, 40}, 500, func(l uint32) bool { return l != 0 }, true, 1, orb.Point{300, 40}, 40},
		{"point line", orb.Point{50, 480}, 50, nil, true, 2, orb.Point{50, 500}, 0},
		{"far outside the grid", orb.Point{1e9, -1e9}, 100, nil, false, 0, orb.Point{}, 0},
		{"NaN point", orb.Point{math.NaN(), 0}, 100, nil, false, 0, orb.Point{}, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h, ok := ix.Nearest(tc.p, tc.radius, tc.accept)
			if ok != tc.ok {
				t.Fatalf("ok = %v, want %v (%+v)", ok, tc.ok, h)
			}
			if !ok {
				return
			}
			if h.Line != tc.line || h.Point != tc.point || math.Abs(h.Along-tc.along) > 1e-9 {
				t.Errorf("hit line %d at %v, %v along; want line %d at %v, %v along", h.Line, h.Point, h.Along, tc.line, tc.point, tc.along)
			}
		})
	}
}

// TestLinesMatchBruteForce compares the grid search with checking every
// segment, on random lines, points, radii and bucket sizes.
func TestLinesMatchBruteForce(t *testing.T) {
	seed := uint64(2024)
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	for round := range 40 {
		lines := make([]orb.LineString, 1+rng.IntN(60))
		for i := range lines {
			x, y := rng.Float64()*3000, rng.Float64()*3000
			l := orb.LineString{{x, y}}
			for range rng.IntN(5) {
				x += rng.NormFloat64() * 300
				y += rng.NormFloat64() * 300
				l = append(l, orb.Point{x, y})
			}
			lines[i] = l
		}
		ix := NewLines(lines, 20+rng.Float64()*400)
		for range 50 {
			p := orb.Point{rng.Float64()*4000 - 500, rng.Float64()*4000 - 500}
			radius := rng.Float64() * 1500
			odd := func(l uint32) bool { return l%2 == 1 }
			for _, accept := range []func(uint32) bool{nil, odd} {
				h, ok := ix.Nearest(p, radius, accept)
				best := math.Inf(1)
				for i, l := range lines {
					if accept != nil && !accept(uint32(i)) {
						continue
					}
					for j := range l {
						b := l[j]
						if j+1 < len(l) {
							b = l[j+1]
						} else if len(l) > 1 {
							continue
						}
						q, _ := project(p, l[j], b)
						best = math.Min(best, math.Hypot(p[0]-q[0], p[1]-q[1]))
					}
				}
				wantOK := best <= radius
				if ok != wantOK || ok && math.Abs(h.Distance-best) > 1e-9 {
					t.Fatalf("round %d: p %v radius %v: got %v %v, brute force %v", round, p, radius, ok, h.Distance, best)
				}
				if ok && math.Abs(math.Hypot(p[0]-h.Point[0], p[1]-h.Point[1])-h.Distance) > 1e-9 {
					t.Fatalf("hit point %v is not at the reported distance %v", h.Point, h.Distance)
				}
				if ok {
					l := lines[h.Line]
					along := math.Hypot(h.Point[0]-l[h.Segment][0], h.Point[1]-l[h.Segment][1])
					for j := 1; j <= h.Segment; j++ {
						along += math.Hypot(l[j][0]-l[j-1][0], l[j][1]-l[j-1][1])
					}
					frac := 0.0
					if total := planarLength(l); total > 0 {
						frac = along / total
					}
					if math.Abs(h.Along-along) > 1e-9 || math.Abs(h.Fraction-frac) > 1e-12 || ix.Length(h.Line) != planarLength(l) {
						t.Fatalf("hit %+v: along %v, fraction %v; want %v, %v", h, h.Along, h.Fraction, along, frac)
					}
				}
			}
		}
	}
}

func TestNodes(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 8))
	var b graph.Builder
	for i := range 500 {
		b.AddNode(int64(i), orb.Point{rng.Float64() * 10000, rng.Float64() * 10000})
	}
	g, err := b.Build(graph.BuildOptions{SpatialOrder: true})
	if err != nil {
		t.Fatal(err)
	}
	ix := NewNodes(g, 0)
	for range 200 {
		p := orb.Point{rng.Float64() * 11000, rng.Float64() * 11000}
		radius := rng.Float64() * 1000
		v, d, ok := ix.Nearest(p, radius, nil)
		best, bv := math.Inf(1), graph.NoNode
		for w := range g.NumNodes() {
			q := g.Point(graph.NodeID(w))
			if e := math.Hypot(p[0]-q[0], p[1]-q[1]); e < best {
				best, bv = e, graph.NodeID(w)
			}
		}
		if ok != (best <= radius) || ok && (v != bv || d != best) {
			t.Fatalf("p %v r %v: got %d %v %v, want %d %v", p, radius, v, d, ok, bv, best)
		}
	}
}

func FuzzLinesNearest(f *testing.F) {
	ix := NewLines([]orb.LineString{{{0, 0}, {100, 0}}, {{50, 50}, {50, 150}, {200, 150}}}, 30)
	f.Add(10.0, 10.0, 50.0)
	f.Add(-1e300, 1e300, 1e300)
	f.Fuzz(func(t *testing.T, x, y, r float64) {
		h, ok := ix.Nearest(orb.Point{x, y}, r, nil)
		if ok && !(h.Distance <= r) {
			t.Fatalf("hit at %v beyond radius %v", h.Distance, r)
		}
		if ok && (h.Fraction < 0 || h.Fraction > 1) {
			t.Fatalf("fraction %v", h.Fraction)
		}
	})
}

// TestLinesIndexMatchesOneByOne checks NewLines against the index built
// one segment at a time (buildGrid over every segment's bounding box): the
// same buckets holding the same segments in the same order, with one
// worker and with four; and the lengths of the lines.
func TestLinesIndexMatchesOneByOne(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 3))
	var lines []orb.LineString
	for range 40000 {
		var l orb.LineString
		p := orb.Point{rng.Float64() * 30000, rng.Float64() * 20000}
		for range rng.IntN(7) { // 0 to 6 vertices: empty lines and points too
			l = append(l, p)
			step := 150.0
			if rng.IntN(50) == 0 {
				step = 3000 // now and then a segment over many buckets
			}
			p = orb.Point{p[0] + (rng.Float64()-0.5)*step, p[1] + (rng.Float64()-0.5)*step}
		}
		lines = append(lines, l)
	}
	for _, procs := range []int{1, 4} {
		for _, n := range []int{0, 1, 3, 1000, len(lines)} {
			for _, bucket := range []float64{0, 97} {
				old := runtime.GOMAXPROCS(procs)
				ix := NewLines(lines[:n], bucket)
				runtime.GOMAXPROCS(old)
				var segL, segI []uint32
				for i, l := range lines[:n] {
					for j := range max(len(l)-1, min(len(l), 1)) {
						segL, segI = append(segL, uint32(i)), append(segI, uint32(j))
					}
				}
				want := buildGrid(len(segL), bucket, func(s int) (orb.Point, orb.Point) {
					l := lines[segL[s]]
					a := l[segI[s]]
					b := a
					if int(segI[s])+1 < len(l) {
						b = l[segI[s]+1]
					}
					return orb.Point{math.Min(a[0], b[0]), math.Min(a[1], b[1])}, orb.Point{math.Max(a[0], b[0]), math.Max(a[1], b[1])}
				})
				g := ix.grid
				if !slices.Equal(ix.segL, segL) || !slices.Equal(ix.segI, segI) {
					t.Errorf("procs %d, %d lines, bucket %v: segments differ", procs, n, bucket)
				}
				if g.nx != want.nx || g.ny != want.ny || g.minX != want.minX || g.minY != want.minY || g.size != want.size ||
					!slices.Equal(g.start, want.start) || !slices.Equal(g.items, want.items) {
					t.Errorf("procs %d, %d lines, bucket %v: grid %dx%d at (%v, %v) with %d items, want %dx%d at (%v, %v) with %d",
						procs, n, bucket, g.nx, g.ny, g.minX, g.minY, len(g.items), want.nx, want.ny, want.minX, want.minY, len(want.items))
				}
				for i := range n {
					if got, want := ix.Length(uint32(i)), planarLength(lines[i]); got != want {
						t.Fatalf("line %d: length %v, want %v", i, got, want)
					}
				}
			}
		}
	}
}

func planarLength(l orb.LineString) float64 {
	s := 0.0
	for i := 1; i < len(l); i++ {
		s += math.Hypot(l[i][0]-l[i-1][0], l[i][1]-l[i-1][1])
	}
	return s
}
