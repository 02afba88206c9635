package netgen

import (
	"math"
	"reflect"
	"testing"
)

func TestGenerateIsDeterministicAndWellFormed(t *testing.T) {
	c := Config{Seed: 3, Columns: 130, Rows: 100, Cells: 50, Facilities: 5}
	a, b := Generate(c), Generate(c)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("two runs with one config differ")
	}
	if d := Generate(Config{Seed: 4, Columns: 130, Rows: 100, Cells: 50, Facilities: 5}); reflect.DeepEqual(a.Segments, d.Segments) {
		t.Fatal("another seed gives the same network")
	}
	ids := map[int64]bool{}
	classes := map[string]int{}
	for _, s := range a.Segments {
		if ids[s.ID] {
			t.Fatalf("segment id %d twice", s.ID)
		}
		ids[s.ID] = true
		classes[s.Highway]++
		var l float64
		for i := 1; i < len(s.Geometry); i++ {
			l += math.Hypot(s.Geometry[i][0]-s.Geometry[i-1][0], s.Geometry[i][1]-s.Geometry[i-1][1])
		}
		if math.Abs(l-s.LengthM) > 1e-6 || l <= 0 {
			t.Fatalf("segment %d: length %v, geometry %v", s.ID, s.LengthM, l)
		}
		// nodes are jittered by at most a fifth of the spacing, midpoints a bit more
		tol := 0.3 * (MaxX - MinX) / float64(c.Columns-1)
		for _, p := range s.Geometry {
			if p[0] < MinX-tol || p[0] > MaxX+tol || p[1] < MinY-tol || p[1] > MaxY+tol {
				t.Fatalf("segment %d: vertex %v outside the extent", s.ID, p)
			}
		}
		if s.Highway != "path" && s.Car.SpeedKmh <= 0 {
			t.Fatalf("segment %d (%s): car speed %v", s.ID, s.Highway, s.Car.SpeedKmh)
		}
	}
	for _, hw := range []string{"motorway", "primary", "secondary", "residential", "unclassified", "path"} {
		if classes[hw] == 0 {
			t.Errorf("no %s segments: %v", hw, classes)
		}
	}
	if len(a.Cells) != 50 || len(a.Facilities) != 5 {
		t.Errorf("%d cells, %d facilities", len(a.Cells), len(a.Facilities))
	}
}
