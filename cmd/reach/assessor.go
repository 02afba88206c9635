package main

import (
	"context"

	"reach/internal/analysis"
	"reach/internal/analysis/assess"
	"reach/internal/analysis/derived"
	"reach/internal/analysis/matrix"
	"reach/internal/analysis/sites"
	"reach/layers"
)

// withAssess is the analyzer the HTTP layer gets: the engine with its
// travel-time matrices (internal/analysis/matrix), its project assessments
// (internal/analysis/assess), its site suggestions
// (internal/analysis/sites) and the proposals of the store for the
// assessments collection.
type withAssess struct {
	*analysis.Engine
	a        *assess.Assessor
	projects derived.ProjectReader
}

func newAnalyzer(e *analysis.Engine, projects derived.ProjectReader) withAssess {
	return withAssess{Engine: e, a: assess.For(e), projects: projects}
}

func (w withAssess) Assess(ctx context.Context, p layers.Project, set []layers.Project) (assess.Assessment, error) {
	return w.a.Assess(ctx, p, set)
}

func (w withAssess) Ranking(ctx context.Context, projects []layers.Project, budget float64) (assess.Ranking, error) {
	return w.a.Ranking(ctx, projects, budget)
}

// Matrix answers a travel-time matrix (internal/analysis/matrix).
func (w withAssess) Matrix(ctx context.Context, req analysis.MatrixRequest) (analysis.MatrixResult, error) {
	return matrix.Of(ctx, w.Engine, req)
}

// SuggestSites suggests sites for a category (internal/analysis/sites).
func (w withAssess) SuggestSites(ctx context.Context, req sites.Request) (sites.Result, error) {
	return sites.Suggest(ctx, w.Engine, req)
}

// Derived serves the computed collections with the assessments.
func (w withAssess) Derived() layers.FeatureSource {
	return derived.Source(w.Engine, w.projects, w.a.Features)
}
