package derived

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"math"

	"reach/internal/analysis"
	"reach/internal/analysis/gaps"
	"reach/internal/catalogue"
	"reach/layers"
)

// WriteOptions selects what WriteResults stores. Nil slices mean "all".
type WriteOptions struct {
	// Categories to write travel times and gaps for; nil: every category
	// with a standard for the mode.
	Categories []layers.Category
	// Modes to write; nil: every mode of the engine's options.
	Modes []layers.Mode
}

// WriteStats counts what WriteResults stored.
type WriteStats struct {
	GraphEdges  map[layers.Mode]int
	TravelTimes int // rows over all (category, mode)
	Gaps        int // rows over all (category, mode)
	// Runs lists the (category, mode) pairs written, as "category/mode (method)".
	Runs []string
}

// WriteResults stores computed results next to the layers: the graph table
// of every mode with a network (pgRouting convention), the travel times and
// the gap register (cells outside the catalogue standard) of every
// (category, mode) selected (the assessments of projects are written by
// internal/analysis/assess). Each table is replaced
// atomically by the writer. Used by `reach analyze`.
func WriteResults(ctx context.Context, e *analysis.Engine, w layers.ResultWriter, opts WriteOptions) (WriteStats, error) {
	st := WriteStats{GraphEdges: map[layers.Mode]int{}}
	modes := opts.Modes
	if modes == nil {
		modes = e.ConfiguredModes()
	}
	for _, m := range modes {
		edges, ok := graphEdges(e, m)
		if !ok {
			continue
		}
		n, err := w.ReplaceGraph(ctx, m, edges)
		if err != nil {
			return st, fmt.Errorf("analysis: write graph %s: %w", m, err)
		}
		st.GraphEdges[m] = n
	}
	cats := opts.Categories
	if cats == nil {
		for _, ci := range layers.Categories() {
			cats = append(cats, ci.Category)
		}
	}
	for _, cat := range cats {
		for _, m := range modes {
			std, ok := e.Standard(cat, m)
			if !ok || std.Measure == catalogue.MeasureAreaService {
				continue
			}
			// Both come from the one field of (cat, m) the engine keeps.
			tts, err := e.TravelTimes(ctx, cat, m)
			if err != nil {
				return st, err
			}
			rep, err := gaps.Of(ctx, e, gaps.Query{Category: cat, Mode: m, WithoutFairness: true})
			if err != nil {
				return st, err
			}
			prov, err := json.Marshal(rep.Provenance)
			if err != nil {
				return st, fmt.Errorf("analysis: write: provenance: %w", err)
			}
			run := layers.ResultRun{Category: cat, Mode: m, ComputedAt: e.BuiltAt(), Provenance: string(prov)}
			n, err := w.ReplaceTravelTimes(ctx, run, func(yield func(layers.TravelTimeRecord, error) bool) {
				for _, t := range tts {
					r := layers.TravelTimeRecord{CellID: t.CellID, AGS: t.AGS, Population: t.Population, Known: t.Known, Reached: t.Reached, FacilityID: t.FacilityID, Method: t.Method}
					if t.Reached {
						r.Seconds, r.DistanceM = t.Seconds, t.DistanceM
					}
					if !yield(r, nil) {
						return
					}
				}
			})
			if err != nil {
				return st, fmt.Errorf("analysis: write travel times %s/%s: %w", cat, m, err)
			}
			st.TravelTimes += n
			n, err = w.ReplaceGaps(ctx, run, func(yield func(layers.GapRecord, error) bool) {
				for _, g := range rep.Cells {
					r := layers.GapRecord{CellID: g.CellID, AGS: g.AGS, Population: g.Population, Reached: g.Reached, Seconds: math.Inf(1),
						StandardSeconds: std.MaxSeconds(), ThinlyPopulated: g.ThinlyPopulated, StructurallyWeak: g.StructurallyWeak}
					if g.Seconds != nil {
						r.Seconds = *g.Seconds
					}
					if !yield(r, nil) {
						return
					}
				}
			})
			if err != nil {
				return st, fmt.Errorf("analysis: write gaps %s/%s: %w", cat, m, err)
			}
			st.Gaps += n
			st.Runs = append(st.Runs, fmt.Sprintf("%s/%s (%s)", cat, m, rep.Method))
		}
	}
	return st, nil
}

// graphEdges returns the edges of e's network of mode in pgRouting's
// convention; ok is false when the mode has no network.
func graphEdges(e *analysis.Engine, mode layers.Mode) (iter.Seq2[layers.GraphEdge, error], bool) {
	net, ok := e.Net(mode)
	if !ok {
		return nil, false
	}
	return net.Network.Edges(), true
}
