package analysis

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// muniAtLinear is the plain scan muniAt must agree with: the first
// municipality whose polygon contains p, else the municipality of the
// first nearest populated cell.
func muniAtLinear(e *Engine, p orb.Point) string {
	for _, m := range e.munis {
		if len(m.Geometry) > 0 && planar.MultiPolygonContains(m.Geometry, p) {
			return m.AGS
		}
	}
	best, bestD := "", math.Inf(1)
	for _, c := range e.cells {
		if d := math.Hypot(c.utm[0]-p[0], c.utm[1]-p[1]); d < bestD {
			best, bestD = c.ags, d
		}
	}
	return best
}

func TestMunicipalityAtEqualsLinearScan(t *testing.T) {
	r, _ := fixture(t)
	e := buildEngine(t, r)
	b := orb.Bound{Min: e.cells[0].utm, Max: e.cells[0].utm}
	for _, m := range e.munis {
		if len(m.Geometry) > 0 {
			b = b.Union(m.Geometry.Bound())
		}
	}
	for _, c := range e.cells {
		b = b.Extend(c.utm)
	}
	// Sample well beyond the polygons too, where the nearest cell decides.
	b = b.Pad(5000)
	rng := rand.New(rand.NewPCG(3, 5))
	inside, outside := 0, 0
	for range 5000 {
		p := orb.Point{b.Min[0] + rng.Float64()*(b.Max[0]-b.Min[0]), b.Min[1] + rng.Float64()*(b.Max[1]-b.Min[1])}
		want := muniAtLinear(e, p)
		if got := e.MunicipalityAt(p); got != want {
			t.Fatalf("MunicipalityAt(%v) = %q, linear scan %q", p, got, want)
		}
		if _, ok := e.where.polys.Locate(p); ok {
			inside++
		} else {
			outside++
		}
	}
	// Cell centres and polygon vertices lie on the edges of the search.
	for _, c := range e.cells {
		if got, want := e.MunicipalityAt(c.utm), muniAtLinear(e, c.utm); got != want {
			t.Fatalf("cell %s: %q, linear scan %q", c.id, got, want)
		}
	}
	if inside == 0 || outside == 0 {
		t.Fatalf("samples inside %d, outside %d: both cases must be tried", inside, outside)
	}
}
