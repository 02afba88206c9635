package transit

import (
	"context"
	"testing"

	"github.com/paulmach/orb"

	"reach/internal/analysis"
	"reach/layers"
)

// TestFacilityEffectLine checks the public transport side of a new practice next to A on the
// one-line feed: the 10 residents at A reached the practice at B after a median of some 26
// minutes, within the 30-minute standard already; a new practice 300 m from A brings them to
// a few minutes' walk (improved, not newly within); the 20 residents 5 km away stay
// unreached. A site 4.9 km north of A, next to the far cell, brings those 20 within a walk:
// newly reached and newly within the standard.
func TestFacilityEffectLine(t *testing.T) {
	e, au, _ := lineEngine(t)
	ctx := context.Background()
	v, err := e.TransitSectionOf(ctx, analysis.ProjectEffect{Category: layers.CatGeneralPractice, Sites: []orb.Point{{au[0] + 300, au[1]}}})
	if err != nil {
		t.Fatal(err)
	}
	fe, ok := v.(*FacilityEffect)
	if !ok {
		t.Fatalf("section %T, want *FacilityEffect", v)
	}
	if fe.Improved != 10 || fe.NewlyReached != 0 || fe.NewlyWithinStandard == nil || *fe.NewlyWithinStandard != 0 ||
		fe.StandardMinutes == nil || *fe.StandardMinutes != 30 {
		t.Errorf("site next to A: %+v, want 10 improved, none newly reached or within the 30-minute standard", fe)
	}
	v, err = e.TransitSectionOf(ctx, analysis.ProjectEffect{Category: layers.CatGeneralPractice, Sites: []orb.Point{{au[0], au[1] + 4900}}})
	if err != nil {
		t.Fatal(err)
	}
	fe = v.(*FacilityEffect)
	if fe.Improved != 20 || fe.NewlyReached != 20 || *fe.NewlyWithinStandard != 20 {
		t.Errorf("site next to the far cell: %+v, want its 20 residents newly reached and within", fe)
	}
	// The median resident (the far cell holds 20 of 30) reaches nothing before, a few minutes'
	// walk after.
	if fe.MedianBeforeS != nil || fe.MedianAfterS == nil || *fe.MedianAfterS > 600 {
		t.Errorf("medians before %v, after %v; want none, then under 10 min", fe.MedianBeforeS, fe.MedianAfterS)
	}
	// No sites: no section.
	if v, err := e.TransitSectionOf(ctx, analysis.ProjectEffect{Category: layers.CatGeneralPractice}); v != nil || err != nil {
		t.Errorf("no sites: %v, %v; want nothing", v, err)
	}
}
