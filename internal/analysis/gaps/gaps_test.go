package gaps

import (
	"context"
	"errors"
	"math"
	"sort"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"reach/internal/analysis"
	"reach/internal/analysis/analysistest"
	"reach/internal/estimate"
	"reach/layers"
)

// fixture returns the layers of the test region (analysistest.Fixture).
func fixture(tb testing.TB) analysistest.Layers {
	l, _ := analysistest.Fixture(tb)
	return l
}

// build builds the engine of l with car and foot networks.
func build(tb testing.TB, l analysistest.Layers) *analysis.Engine {
	tb.Helper()
	e, err := analysis.Build(context.Background(), &analysistest.Reader{L: l}, analysis.Options{Modes: []layers.Mode{layers.Car, layers.Foot}, Now: func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }})
	if err != nil {
		tb.Fatalf("Build: %v", err)
	}
	return e
}

// quantileBrute is the lower weighted quantile by expanding every resident.
func quantileBrute(vals []float64, pops []int64, q float64) *float64 {
	var all []float64
	for i, v := range vals {
		for k := int64(0); k < pops[i]; k++ {
			all = append(all, v)
		}
	}
	if len(all) == 0 {
		return nil
	}
	sort.Float64s(all)
	idx := int(math.Ceil(q*float64(len(all)))) - 1
	if idx < 0 {
		idx = 0
	}
	if math.IsInf(all[idx], 1) {
		return nil
	}
	return &all[idx]
}

func TestGapRegisterTotalsEqualDirectSums(t *testing.T) {
	e := build(t, fixture(t))
	ctx := context.Background()
	tts, err := e.TravelTimes(ctx, layers.CatGeneralPractice, layers.Car)
	if err != nil {
		t.Fatal(err)
	}
	for _, minutes := range []float64{0, 5, 12} {
		rep, err := Of(ctx, e, Query{Category: layers.CatGeneralPractice, Mode: layers.Car, MaxMinutes: minutes})
		if err != nil {
			t.Fatal(err)
		}
		limit := minutes * 60
		if minutes == 0 {
			limit = 20 * 60 // the default catalogue's general practice by car
		}
		var pop, out int64
		byAGS := map[string][2]int64{}
		vals := map[string][]float64{}
		pops := map[string][]int64{}
		cells := 0
		for _, tt := range tts {
			secs := math.Inf(1)
			if tt.Reached {
				secs = tt.Seconds
			}
			pop += tt.Population
			a := byAGS[tt.AGS]
			a[0] += tt.Population
			if secs > limit {
				out += tt.Population
				a[1] += tt.Population
				cells++
			}
			byAGS[tt.AGS] = a
			vals[tt.AGS] = append(vals[tt.AGS], secs)
			pops[tt.AGS] = append(pops[tt.AGS], tt.Population)
		}
		if rep.Population != pop || rep.Outside != out || len(rep.Cells) != cells {
			t.Fatalf("%v min: got population %d, outside %d, %d cells; want %d, %d, %d", minutes, rep.Population, rep.Outside, len(rep.Cells), pop, out, cells)
		}
		var sumRows int64
		for _, row := range rep.Municipalities {
			want := byAGS[row.Key]
			if row.Population != want[0] || row.Outside != want[1] {
				t.Fatalf("%v min, %s: got %d/%d, want %d/%d", minutes, row.Key, row.Outside, row.Population, want[1], want[0])
			}
			for _, q := range []struct {
				got *float64
				q   float64
			}{{row.MedianSeconds, 0.5}, {row.P90Seconds, 0.9}} {
				w := quantileBrute(vals[row.Key], pops[row.Key], q.q)
				if (w == nil) != (q.got == nil) || (w != nil && *w != *q.got) {
					t.Fatalf("%v min, %s: quantile %v: got %v, want %v", minutes, row.Key, q.q, q.got, w)
				}
			}
			sumRows += row.Outside
		}
		if sumRows != out || len(rep.Kreise) != 1 || rep.Kreise[0].Outside != out || len(rep.PlanningRegions) != 1 || rep.PlanningRegions[0].Outside != out {
			t.Fatalf("%v min: rows do not add up to %d: municipalities %d, Kreise %+v", minutes, out, sumRows, rep.Kreise)
		}
	}
}

// TestRequestValidation: a category or mode that does not exist is refused
// as invalid input.
func TestRequestValidation(t *testing.T) {
	e := build(t, fixture(t))
	ctx := context.Background()
	for name, q := range map[string]Query{
		"bad category": {Category: "bakery", Mode: layers.Car},
		"bad mode":     {Category: layers.CatHospital, Mode: "plane"},
		"max minutes":  {Category: layers.CatHospital, Mode: layers.Car, MaxMinutes: -1},
	} {
		if _, err := Of(ctx, e, q); !errors.Is(err, layers.ErrInvalid) {
			t.Errorf("%s: error %v, want one wrapping layers.ErrInvalid", name, err)
		}
	}
}

// A category with no facility loaded has an unknown register: no cell is
// a gap, the residents are counted, and the method shares say "unknown".
func TestCategoryWithoutFacilitiesIsUnknownNotAGap(t *testing.T) {
	l := fixture(t)
	var kept []layers.Facility
	for _, f := range l.Facilities {
		if f.Category != layers.CatGeneralPractice {
			kept = append(kept, f)
		}
	}
	if len(kept) == len(l.Facilities) {
		t.Fatal("fixture has no general practice to remove")
	}
	l.Facilities = kept
	e := build(t, l)
	ctx := context.Background()
	for _, m := range []layers.Mode{layers.Car, layers.Foot} {
		rep, err := Of(ctx, e, Query{Category: layers.CatGeneralPractice, Mode: m})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Unknown == "" || rep.Method != analysis.MethodUnknown || rep.Outside != 0 || len(rep.Cells) != 0 || rep.Population == 0 {
			t.Fatalf("%s: gaps = unknown %q method %q outside %d cells %d population %d; want unknown, none outside", m, rep.Unknown, rep.Method, rep.Outside, len(rep.Cells), rep.Population)
		}
		if rep.MethodShares[analysis.MethodUnknown] != 1 {
			t.Fatalf("%s: method shares %v, want all unknown", m, rep.MethodShares)
		}
	}
	// A category that has facilities is unaffected.
	rep, err := Of(ctx, e, Query{Category: layers.CatHospital, Mode: layers.Car})
	if err == nil && rep.Unknown != "" && len(e.FacilityIndexes(layers.CatHospital)) > 0 {
		t.Fatalf("hospital gaps unknown: %q", rep.Unknown)
	}
}

func TestRealSaxonyStraightLineGapRegister(t *testing.T) {
	e := build(t, analysistest.RealSaxony(t))
	ctx := context.Background()
	st := e.Stats()
	if st.Municipalities != 419 || st.PopulatedCells < 10000 {
		t.Fatalf("read %d municipalities, %d populated cells; want 419 and the 2011 grid", st.Municipalities, st.PopulatedCells)
	}
	sl, err := estimate.Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		cat  layers.Category
		mode layers.Mode
	}{{layers.CatHospital, layers.Car}, {layers.CatGymnasium, layers.Car}} {
		var facs []orb.Point
		for _, f := range e.FacilitiesOf(tc.cat) {
			facs = append(facs, f.Location)
		}
		std, ok := e.Standard(tc.cat, tc.mode)
		if !ok {
			t.Fatalf("no standard for %s %s", tc.cat, tc.mode)
		}
		rep, err := Of(ctx, e, Query{Category: tc.cat, Mode: tc.mode})
		if err != nil {
			t.Fatal(err)
		}
		thin, err := Of(ctx, e, Query{Category: tc.cat, Mode: tc.mode, OnlyThinOrWeak: true})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Method != analysis.MethodStraightLine {
			t.Fatalf("method %q, want straight_line (no road network of Saxony)", rep.Method)
		}
		// Brute force: every cell against every facility.
		var pop, out, thinOut int64
		byAGS := map[string]int64{}
		for _, c := range e.PopulatedCells() {
			d := math.Inf(1)
			for _, f := range facs {
				d = math.Min(d, math.Hypot(c.UTM[0]-f[0], c.UTM[1]-f[1]))
			}
			pop += c.Residents
			if sl.Seconds(tc.mode, d) > std.MaxSeconds() {
				out += c.Residents
				byAGS[c.AGS] += c.Residents
				if c.Thin || c.Weak {
					thinOut += c.Residents
				}
			}
		}
		if rep.Population != pop || rep.Outside != out || thin.Outside != thinOut {
			t.Fatalf("%s: register population %d outside %d (thin or weak %d); brute force %d, %d (%d)", tc.cat, rep.Population, rep.Outside, thin.Outside, pop, out, thinOut)
		}
		for _, row := range rep.Municipalities {
			if row.Outside != byAGS[row.Key] {
				t.Fatalf("%s %s: outside %d, brute force %d", tc.cat, row.Key, row.Outside, byAGS[row.Key])
			}
		}
		worst := append([]AreaGap(nil), rep.Kreise...)
		sort.Slice(worst, func(i, j int) bool { return worst[i].Share > worst[j].Share })
		t.Logf("%s by %s (straight line, %.0f min): %d of %d residents outside (%.2f%%), %d of them in thinly populated or structurally weak municipalities; worst Kreis %s %.1f%%",
			tc.cat, tc.mode, std.MaxMinutes, out, pop, 100*float64(out)/float64(pop), thinOut, worst[0].Name, 100*worst[0].Share)
	}
}
