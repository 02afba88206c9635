package snap

import (
	"math"
	"math/rand/v2"
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
