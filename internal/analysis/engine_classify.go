package analysis

import (
	"fmt"
	"sort"

	"reach/geo/grid"
	"reach/layers"
)

// classify runs Classify (DEGURBA from the grid, BBSR density, structural
// weakness) on the layers and keeps what the engine needs per
// municipality. The full classification is kept for Classification.
func (e *Engine) classify(cells []layers.Cell) error {
	opts := DefaultClassifyOptions()
	if e.opts.Classify != nil {
		opts = *e.opts.Classify
	}
	c, err := Classify(e.munis, toKm(cells), opts)
	if err != nil {
		return fmt.Errorf("analysis: build: %w", err)
	}
	e.classification = c
	e.class.by = make(map[string]muniClass, len(c.ByAGS))
	for ags, mc := range c.ByAGS {
		e.class.by[ags] = muniClass{degurba: mc.DEGURBAComputed, thin: mc.ThinlyPopulated, weak: mc.StructurallyWeak}
	}
	return nil
}

// Classification returns the classification of the municipalities computed
// at Build (shared; do not modify).
func (e *Engine) Classification() Classification { return e.classification }

// toKm returns the cells on the 1 km grid that DEGURBA is defined on:
// 1 km cells as they are, finer cells summed into their 1 km parent (known
// populations only; the parent is known when any child is). The parent's
// municipality is the one with the most residents among its children
// (ties: the lower AGS). Cells with ids that do not parse are passed on
// unchanged, for Classify to report.
func toKm(cells []layers.Cell) []layers.Cell {
	type acc struct {
		cell  layers.Cell
		byAGS map[string]int64
	}
	var out []layers.Cell
	parents := map[string]*acc{}
	for _, c := range cells {
		id, err := grid.ParseID(c.ID)
		if err != nil || id.ResolutionM >= 1000 {
			out = append(out, c)
			continue
		}
		pid := id.Parent(1000).String()
		a := parents[pid]
		if a == nil {
			a = &acc{cell: layers.Cell{ID: pid, ResolutionM: 1000, Year: c.Year}, byAGS: map[string]int64{}}
			parents[pid] = a
		}
		if c.Known {
			a.cell.Known = true
			a.cell.Population += c.Population
			a.byAGS[c.AGS] += c.Population
		} else if _, ok := a.byAGS[c.AGS]; !ok {
			a.byAGS[c.AGS] += 0
		}
	}
	ids := make([]string, 0, len(parents))
	for id := range parents {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		a := parents[id]
		best, bestPop := "", int64(-1)
		for ags, p := range a.byAGS {
			if p > bestPop || (p == bestPop && ags < best) {
				best, bestPop = ags, p
			}
		}
		a.cell.AGS = best
		out = append(out, a.cell)
	}
	return out
}
