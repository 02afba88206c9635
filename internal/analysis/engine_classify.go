package analysis

import (
	"fmt"
	"slices"
	"strings"

	"reach/geo/grid"
	"reach/layers"
)

// classify runs Classify (DEGURBA from the grid, BBSR density, structural
// weakness) on the layers and keeps what the engine needs per
// municipality; ids[i] is the parsed id of cells[i] (parseCellIDs). The
// full classification is kept for Classification.
func (e *Engine) classify(cells []layers.Cell, ids []grid.ID) error {
	opts := DefaultClassifyOptions()
	if e.opts.Classify != nil {
		opts = *e.opts.Classify
	}
	c, err := Classify(e.munis, toKm(cells, ids), opts)
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
// (ties: the lower AGS). Cells with ids that do not parse (ids[i] zero, see
// parseCellIDs) are passed on unchanged, for Classify to report.
func toKm(cells []layers.Cell, ids []grid.ID) []layers.Cell {
	// Per parent, its residents by AGS: a short list (a 1 km cell rarely
	// spans more than two municipalities).
	type agsPop struct {
		ags string
		pop int64
	}
	type acc struct {
		id    string
		cell  layers.Cell
		byAGS []agsPop
	}
	var out []layers.Cell
	var accs []acc
	parents := map[grid.ID]int32{}
	for i := range cells {
		c := &cells[i]
		id := ids[i]
		if id.ResolutionM == 0 || id.ResolutionM >= 1000 {
			out = append(out, *c)
			continue
		}
		pid := id.Parent(1000)
		k, ok := parents[pid]
		if !ok {
			k = int32(len(accs))
			parents[pid] = k
			accs = append(accs, acc{id: pid.String(), cell: layers.Cell{ResolutionM: 1000, Year: c.Year}})
		}
		a := &accs[k]
		j := 0
		for j < len(a.byAGS) && a.byAGS[j].ags != c.AGS {
			j++
		}
		if j == len(a.byAGS) {
			a.byAGS = append(a.byAGS, agsPop{ags: c.AGS})
		}
		if c.Known {
			a.cell.Known = true
			a.cell.Population += c.Population
			a.byAGS[j].pop += c.Population
		}
	}
	slices.SortFunc(accs, func(a, b acc) int { return strings.Compare(a.id, b.id) })
	out = slices.Grow(out, len(accs))
	for i := range accs {
		a := &accs[i]
		best, bestPop := "", int64(-1)
		for _, x := range a.byAGS {
			if x.pop > bestPop || (x.pop == bestPop && x.ags < best) {
				best, bestPop = x.ags, x.pop
			}
		}
		a.cell.ID, a.cell.AGS = a.id, best
		out = append(out, a.cell)
	}
	return out
}
