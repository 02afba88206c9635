package assess

import (
	"context"
	"sync/atomic"
	"testing"

	"reach/internal/analysis"
	"reach/layers"
)

// The need side of a dossier is computed once per effect and title: a
// second GET of an unchanged proposal reuses it, a changed title or site
// computes it again.
func TestNeedSectionComputedOncePerInputs(t *testing.T) {
	r, n := fixture(t)
	var calls atomic.Int32
	section := func(_ context.Context, _ *analysis.Engine, p layers.Project, eff analysis.ProjectEffect) (any, error) {
		calls.Add(1)
		return map[string]any{"title": p.Title, "changed": len(eff.Changed)}, nil
	}
	e, err := analysis.Build(context.Background(), r, analysis.Options{Modes: []layers.Mode{layers.Car, layers.Foot}, Now: testNow, NeedSection: section})
	if err != nil {
		t.Fatal(err)
	}
	a := For(e)
	ctx := context.Background()
	p := layers.Project{ID: "a", Title: "Praxis Ost", Kind: layers.KindNewFacility, Category: layers.CatGeneralPractice, Geometry: n.nodes['E'],
		Municipalities: []string{"14628020"}, InvestmentCost: 8e5, RequestedFunding: 6e5}
	other := layers.Project{ID: "b", Title: "Praxis West", Kind: layers.KindNewFacility, Category: layers.CatGeneralPractice, Geometry: n.nodes['A'],
		Municipalities: []string{"14628020"}, InvestmentCost: 8e5, RequestedFunding: 6e5}
	get := func(p layers.Project) any {
		t.Helper()
		as, err := a.Assess(ctx, p, []layers.Project{other})
		if err != nil {
			t.Fatal(err)
		}
		if as.Need == nil {
			t.Fatalf("%s: no need section", p.ID)
		}
		return as.Need
	}
	first := get(p)
	if got := calls.Load(); got != 1 {
		t.Fatalf("first assessment: %d need sections computed, want 1 (only the project asked for)", got)
	}
	if second := get(p); calls.Load() != 1 || second.(map[string]any)["title"] != first.(map[string]any)["title"] {
		t.Fatalf("unchanged proposal: %d need sections computed, want 1", calls.Load())
	}
	p.Title = "Praxis Ost (neu)"
	if got := get(p).(map[string]any)["title"]; got != p.Title || calls.Load() != 2 {
		t.Fatalf("renamed proposal: section title %v after %d computations, want %q after 2", got, calls.Load(), p.Title)
	}
	p.Geometry = n.nodes['A']
	get(p)
	if calls.Load() != 3 {
		t.Fatalf("moved proposal: %d computations, want 3", calls.Load())
	}
}
