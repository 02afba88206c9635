package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"reach/data/demo"
	"reach/layers"
	"reach/layers/memory"
)

// TestAnalyzeTransitOnly: `reach analyze --mode transit` computes only the results by public
// transport (travel times over the window and round trips), stores no road results, and says
// so when no timetable is loaded.
func TestAnalyzeTransitOnly(t *testing.T) {
	ctx := context.Background()
	st := memory.New(memory.WithSynthetic(true))
	if err := demo.Load(ctx, st, demo.DefaultSeed); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	cats := []layers.Category{layers.CatGeneralPractice}
	if err := analyze(ctx, st, cats, []layers.Mode{layers.Transit}, 4_000_000, false, engineFlags{}, &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"public transport (", "general_practice", "round trips by public transport"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "stored:") || strings.Contains(out.String(), "ranking") {
		t.Errorf("the transit-only summary reports road results:\n%s", out.String())
	}
	if _, tts, err := st.TravelTimes(ctx, layers.CatGeneralPractice, layers.Car); err == nil && len(tts) > 0 {
		t.Errorf("%d car travel times stored by a transit-only analysis", len(tts))
	}

	// A store that keeps no timetable: a clear error instead of an empty summary.
	type noTimetable struct{ analyzeTarget }
	err := analyze(ctx, noTimetable{st}, cats, []layers.Mode{layers.Transit}, 4_000_000, false, engineFlags{}, &out)
	if err == nil || !strings.Contains(err.Error(), "no timetable loaded") {
		t.Errorf("transit-only analysis without a timetable: err = %v", err)
	}
}
