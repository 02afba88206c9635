package assess

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/paulmach/orb"

	"reach/geo/crs"
	"reach/internal/appraisal"
	"reach/layers"
)

// Features gives one feature per project of ps, for the "assessments"
// collection of analysis.Engine.Derived: the project's geometry (CRS84)
// with verdict, score and residents newly within the standard (null when
// the effect is unknown).
func (e *Assessor) Features(ctx context.Context, ps []layers.Project) ([]layers.Feature, error) {
	as, err := e.AssessAll(ctx, ps)
	if err != nil {
		return nil, err
	}
	byID := make(map[string]layers.Project, len(ps))
	for _, p := range ps {
		byID[p.ID] = p
	}
	out := make([]layers.Feature, len(as))
	for i, a := range as {
		out[i] = assessmentFeature(a, byID[a.ProjectID])
	}
	return out, nil
}

func assessmentFeature(a Assessment, p layers.Project) layers.Feature {
	var g orb.Geometry
	if p.Geometry != nil {
		g = crs.MustProject(p.Geometry, crs.UTM33N, crs.CRS84)
	}
	var cat any
	if a.Category != "" {
		cat = string(a.Category)
	}
	var newly, ben any // null when the effect is unknown
	if a.Effect.Known {
		newly, ben = *a.Effect.NewlyWithinStandard, *a.Effect.Beneficiaries
	}
	var fund any
	if p.RequestedFunding > 0 {
		fund = p.RequestedFunding
	}
	var reason any
	if a.Effect.Reason != "" {
		reason = a.Effect.Reason
	}
	return layers.Feature{ID: a.ProjectID, Geometry: g, Properties: []layers.Property{
		{Name: "project_id", Value: a.ProjectID}, {Name: "title", Value: a.Title}, {Name: "kind", Value: string(a.Kind)},
		{Name: "category", Value: cat}, {Name: "newly_within_standard", Value: newly},
		{Name: "beneficiaries", Value: ben}, {Name: "verdict", Value: string(a.ZentraleOrte.Verdict)},
		{Name: "score", Value: a.Score.Total}, {Name: "requested_funding", Value: fund},
		{Name: "complete", Value: a.Completeness.Complete}, {Name: "effect_unknown_reason", Value: reason},
	}}
}

// WriteResults assesses projects together (see AssessAll) and stores each
// dossier as a document of kind "assessment" keyed by project id, and the
// ranking within budget euros (0: appraisal.DefaultBudget) under kind
// "ranking", key "default". It returns the number of documents written.
func (e *Assessor) WriteResults(ctx context.Context, w layers.ResultWriter, projects []layers.Project, budget float64) (int, error) {
	as, err := e.AssessAll(ctx, projects)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, a := range as {
		doc, err := json.Marshal(a)
		if err != nil {
			return n, fmt.Errorf("analysis: write assessment %q: %w", a.ProjectID, err)
		}
		if err := w.PutDocument(ctx, "assessment", a.ProjectID, doc, e.eng.BuiltAt()); err != nil {
			return n, fmt.Errorf("analysis: write assessment %q: %w", a.ProjectID, err)
		}
		n++
	}
	if budget == 0 {
		budget = appraisal.DefaultBudget
	}
	r, err := e.Ranking(ctx, projects, budget)
	if err != nil {
		return n, err
	}
	doc, err := json.Marshal(r)
	if err != nil {
		return n, fmt.Errorf("analysis: write ranking: %w", err)
	}
	if err := w.PutDocument(ctx, "ranking", "default", doc, e.eng.BuiltAt()); err != nil {
		return n, fmt.Errorf("analysis: write ranking: %w", err)
	}
	return n + 1, nil
}
