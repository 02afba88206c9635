package analysis

import (
	"context"
	"testing"

	"reach/layers"
)

// A category with no facility loaded has unknown times: no cell is a gap,
// no cell is "unreachable", and every travel time says "unknown".
func TestCategoryWithoutFacilitiesIsUnknownNotAGap(t *testing.T) {
	r, _ := fixture(t)
	var kept []layers.Facility
	for _, f := range r.facs {
		if f.Category != layers.CatGeneralPractice {
			kept = append(kept, f)
		}
	}
	if len(kept) == len(r.facs) {
		t.Fatal("fixture has no general practice to remove")
	}
	r.facs = kept
	e := buildEngine(t, r)
	ctx := context.Background()
	for _, m := range []layers.Mode{layers.Car, layers.Foot} {
		tts, err := e.TravelTimes(ctx, layers.CatGeneralPractice, m)
		if err != nil {
			t.Fatal(err)
		}
		if len(tts) == 0 {
			t.Fatal("no travel times")
		}
		for _, tt := range tts {
			if tt.Method != MethodUnknown || tt.Reached {
				t.Fatalf("%s: cell %s: method %q reached %v, want unknown and not reached", m, tt.CellID, tt.Method, tt.Reached)
			}
		}
		rep, err := e.Gaps(ctx, GapQuery{Category: layers.CatGeneralPractice, Mode: m})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Unknown == "" || rep.Method != MethodUnknown || rep.Outside != 0 || len(rep.Cells) != 0 || rep.Population == 0 {
			t.Fatalf("%s: gaps = unknown %q method %q outside %d cells %d population %d; want unknown, none outside", m, rep.Unknown, rep.Method, rep.Outside, len(rep.Cells), rep.Population)
		}
		if rep.MethodShares[MethodUnknown] != 1 {
			t.Fatalf("%s: method shares %v, want all unknown", m, rep.MethodShares)
		}
	}
	// A category that has facilities is unaffected.
	rep, err := e.Gaps(ctx, GapQuery{Category: layers.CatHospital, Mode: layers.Car})
	if err == nil && rep.Unknown != "" && len(e.byCat[layers.CatHospital]) > 0 {
		t.Fatalf("hospital gaps unknown: %q", rep.Unknown)
	}
}
