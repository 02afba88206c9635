package analysis

import (
	"context"
	"testing"

	"reach/layers"
)

// A category with no facility loaded has unknown times: no cell is
// "unreachable", and every travel time says "unknown" (the gap register
// of such a category: internal/analysis/gaps).
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
	}
}
