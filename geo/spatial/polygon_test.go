package spatial

import (
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

func square(x, y, s float64) orb.MultiPolygon {
	return orb.MultiPolygon{{{{x, y}, {x + s, y}, {x + s, y + s}, {x, y + s}, {x, y}}}}
}

// TestLocateAgainstScan compares Locate with the first polygon that
// contains the point in a scan, on overlapping random squares.
func TestLocateAgainstScan(t *testing.T) {
	const seed = 11
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	for _, n := range []int{0, 1, 17, 400} {
		ps := make([]orb.MultiPolygon, n)
		for i := range ps {
			if i%9 == 4 {
				continue // no geometry: never found
			}
			ps[i] = square(rng.Float64()*100, rng.Float64()*100, 1+rng.Float64()*10)
		}
		ix := NewPolygons(ps)
		for q := 0; q < 200; q++ {
			p := orb.Point{rng.Float64()*120 - 10, rng.Float64()*120 - 10}
			want := -1
			for i, mp := range ps {
				if len(mp) > 0 && planar.MultiPolygonContains(mp, p) {
					want = i
					break
				}
			}
			got, ok := ix.Locate(p)
			if !ok {
				got = -1
			}
			if got != want || ok != (want >= 0) {
				t.Fatalf("n=%d point %v: got %d (%v), want %d", n, p, got, ok, want)
			}
		}
	}
}

func TestInteriorPoint(t *testing.T) {
	// A U shape: its centroid lies in the notch, outside the polygon.
	u := orb.MultiPolygon{{{{0, 0}, {30, 0}, {30, 30}, {20, 30}, {20, 10}, {10, 10}, {10, 30}, {0, 30}, {0, 0}}}}
	tests := []struct {
		name string
		mp   orb.MultiPolygon
		ok   bool
	}{
		{"square", square(0, 0, 10), true},
		{"u shape", u, true},
		{"largest part of two", append(square(100, 100, 1), square(0, 0, 10)...), true},
		{"empty", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, ok := InteriorPoint(tt.mp)
			if ok != tt.ok {
				t.Fatalf("ok %v, want %v", ok, tt.ok)
			}
			if ok && !planar.MultiPolygonContains(tt.mp, p) {
				t.Errorf("point %v is not inside %v", p, tt.mp)
			}
		})
	}
}
