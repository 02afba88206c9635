package analysis

import (
	"context"
	"errors"
	"math"
	"testing"

	"github.com/paulmach/orb"

	"reach/layers"
)

// TestFacilityCatchmentsAgainstOracle checks the catchment of a few
// facilities against the reference Dijkstra: every cell within the
// threshold is in it with the reference time, no other cell is.
func TestFacilityCatchmentsAgainstOracle(t *testing.T) {
	r, _ := demoReader(t)
	e := buildEngine(t, r)
	const threshold = 20 * 60.0
	cat := layers.CatGeneralPractice
	pairs, err := e.FacilityCatchments(context.Background(), cat, layers.Car, threshold)
	if err != nil {
		t.Fatal(err)
	}
	facs := e.FacilitiesOf(cat)
	got := make([]map[int]float64, len(facs))
	for j := range got {
		got[j] = map[int]float64{}
	}
	for _, p := range pairs {
		if _, dup := got[p.Facility][int(p.Cell)]; dup {
			t.Fatalf("facility %d cell %d: twice in the catchment", p.Facility, p.Cell)
		}
		got[p.Facility][int(p.Cell)] = float64(p.Seconds)
	}
	step := max(1, len(e.cells)/60)
	var idx []int
	for i := 0; i < len(e.cells); i += step {
		idx = append(idx, i)
	}
	checked := 0
	for j := 0; j < len(facs); j += max(1, len(facs)/4) {
		want := oracleAt(t, e, layers.Car, []orb.Point{facs[j].Location}, idx)
		for _, i := range idx {
			s, in := got[j][i]
			if want[i] <= threshold-0.01 {
				checked++
				if !in || math.Abs(s-want[i]) > 0.01 {
					t.Fatalf("facility %d cell %d: reference %v s, catchment %v (in %v)", j, i, want[i], s, in)
				}
			}
			if want[i] > threshold+0.01 && in {
				t.Fatalf("facility %d cell %d: reference %v s beyond the threshold, yet in the catchment", j, i, want[i])
			}
		}
	}
	if checked == 0 {
		t.Fatal("no sampled cell lies within the threshold: the test proves nothing")
	}
	// A site at a facility's location has that facility's catchment.
	site, reason, err := e.SiteCatchment(context.Background(), layers.Car, facs[0].Location, threshold, 99)
	if err != nil || reason != "" {
		t.Fatalf("site catchment: %v %q", err, reason)
	}
	if len(site) != len(got[0]) {
		t.Errorf("site at facility 0: %d cells, facility %d", len(site), len(got[0]))
	}
	for _, p := range site {
		if p.Facility != 99 || math.Abs(float64(p.Seconds)-got[0][int(p.Cell)]) > 0.01 {
			t.Fatalf("site pair %+v, facility 0 has %v", p, got[0][int(p.Cell)])
		}
	}
}

// TestArrivalFieldAgainstOracle: the arrival field of two stations with
// different head starts is the least of offset plus reference drive.
func TestArrivalFieldAgainstOracle(t *testing.T) {
	r, _ := demoReader(t)
	e := buildEngine(t, r)
	cat := layers.CatFireStation
	facs := e.FacilitiesOf(cat)
	if len(facs) < 2 {
		t.Skip("the demo region has fewer than two fire stations")
	}
	site := e.cells[len(e.cells)/2].utm
	origins := []Origin{{Facility: 0, OffsetS: 300}, {Facility: 1, OffsetS: 60}, {Facility: -1, Site: site, OffsetS: 120}}
	af, err := e.ArrivalField(context.Background(), cat, layers.Car, origins)
	if err != nil {
		t.Fatal(err)
	}
	if !af.Snapped[2] {
		t.Fatalf("a populated cell's centre does not snap: %q", af.Reason[2])
	}
	step := max(1, len(e.cells)/40)
	var idx []int
	for i := 0; i < len(e.cells); i += step {
		idx = append(idx, i)
	}
	pts := []orb.Point{facs[0].Location, facs[1].Location, site}
	for _, i := range idx {
		best, from := math.Inf(1), int32(-1)
		for k, p := range pts {
			d := oracleAt(t, e, layers.Car, []orb.Point{p}, []int{i})[i] + origins[k].OffsetS
			if d < best {
				best, from = d, int32(k)
			}
		}
		if math.Abs(af.Seconds[i]-best) > 0.01 {
			t.Fatalf("cell %d: arrival %v s, reference %v s", i, af.Seconds[i], best)
		}
		if af.From[i] != from && math.Abs(af.Seconds[i]-best) > 0.01 {
			t.Errorf("cell %d: first from %d, reference %d", i, af.From[i], from)
		}
	}
	if _, err := e.ArrivalField(context.Background(), cat, layers.Car, []Origin{{Facility: len(facs)}}); !errors.Is(err, layers.ErrInvalid) {
		t.Errorf("facility index out of range: %v", err)
	}
	if _, err := e.ArrivalField(context.Background(), cat, layers.Car, []Origin{{Facility: 0, OffsetS: math.NaN()}}); !errors.Is(err, layers.ErrInvalid) {
		t.Errorf("NaN offset: %v", err)
	}
}

// TestMemo: a value is computed once, a failure is not kept.
func TestMemo(t *testing.T) {
	r, _ := demoReader(t)
	e := buildEngine(t, r)
	type key struct{ n int }
	calls := 0
	for range 3 {
		v, err := e.Memo(key{1}, func() (any, error) { calls++; return calls, nil })
		if err != nil || v.(int) != 1 {
			t.Fatalf("memo: %v %v", v, err)
		}
	}
	if calls != 1 {
		t.Errorf("computed %d times, want once", calls)
	}
	boom := errors.New("boom")
	if _, err := e.Memo(key{2}, func() (any, error) { return nil, boom }); !errors.Is(err, boom) {
		t.Fatalf("failure: %v", err)
	}
	v, err := e.Memo(key{2}, func() (any, error) { return 7, nil })
	if err != nil || v.(int) != 7 {
		t.Errorf("after a failure: %v %v, want a fresh computation", v, err)
	}
	e.ForgetIf(func(k any) bool { return k == key{1} })
	if v, _ := e.Memo(key{1}, func() (any, error) { return 9, nil }); v.(int) != 9 {
		t.Errorf("after ForgetIf: %v", v)
	}
	if v, _ := e.Memo(key{2}, func() (any, error) { return 8, nil }); v.(int) != 7 {
		t.Errorf("ForgetIf dropped another key: %v", v)
	}
	cells := e.PopulatedCells()
	if len(cells) != len(e.cells) || cells[0].ID != e.cells[0].id || cells[0].Residents != e.cells[0].pop {
		t.Errorf("populated cells %d of %d, first %+v", len(cells), len(e.cells), cells[0])
	}
}
