package analysis

import (
	"fmt"
	"slices"
	"strings"

	"reach/geo/grid"
	"reach/internal/classify"
	"reach/layers"
)

// classify runs Classify (DEGURBA from the grid, BBSR density, structural
// weakness) on the layers and keeps what the engine needs per
// municipality; ids[i] is the parsed id of cells[i] (parseCellIDs). The
// full classification is kept for Classification.
func (e *Engine) classify(cells []layers.Cell, ids []grid.ID) error {
	opts := classify.DefaultClassifyOptions()
	if e.opts.Classify != nil {
		opts = *e.opts.Classify
	}
	c, err := classify.Classify(e.munis, toKm(cells, ids), opts)
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
func (e *Engine) Classification() classify.Classification { return e.classification }

// toKm returns the cells on the 1 km grid that DEGURBA is defined on:
// 1 km cells as they are, finer cells summed into their 1 km parent (known
// populations only; the parent is known when any child is). The parent's
// municipality is the one with the most residents among its children
// (ties: the lower AGS). Cells with ids that do not parse (ids[i] zero, see
// parseCellIDs) are passed on unchanged, for Classify to report.
func toKm(cells []layers.Cell, ids []grid.ID) []layers.Cell {
	// Per parent, its residents by AGS: the first inline, more in a short
	// list (a 1 km cell rarely spans more than two municipalities).
	type agsPop struct {
		ags string
		pop int64
	}
	type acc struct {
		name  string
		year  int
		known bool
		pop   int64
		first agsPop
		more  []agsPop
	}
	var out []layers.Cell
	accs := make([]acc, 0, len(cells)/32)
	// Parents by their corner in km, packed into a uint64 (ids far
	// outside any grid go to the second map).
	parents := map[uint64]int32{}
	var far map[grid.ID]int32
	lastKey, last := uint64(0), int32(-1)
	for i := range cells {
		c := &cells[i]
		id := ids[i]
		if id.ResolutionM == 0 || id.ResolutionM >= 1000 {
			out = append(out, *c)
			continue
		}
		pid := id.Parent(1000)
		n, e := pid.North/1000, pid.East/1000
		k := int32(-1)
		if n>>31 == 0 && e>>31 == 0 {
			key := uint64(n)<<32 | uint64(e)
			if last >= 0 && key == lastKey {
				k = last
			} else if j, ok := parents[key]; ok {
				k = j
			} else {
				k = int32(len(accs))
				parents[key] = k
			}
			lastKey, last = key, k
		} else {
			if far == nil {
				far = map[grid.ID]int32{}
			}
			j, ok := far[pid]
			if !ok {
				j = int32(len(accs))
				far[pid] = j
			}
			k = j
		}
		if int(k) == len(accs) {
			accs = append(accs, acc{name: pid.String(), year: c.Year, first: agsPop{ags: c.AGS}})
		}
		a := &accs[k]
		x := &a.first
		if x.ags != c.AGS {
			j := 0
			for j < len(a.more) && a.more[j].ags != c.AGS {
				j++
			}
			if j == len(a.more) {
				a.more = append(a.more, agsPop{ags: c.AGS})
			}
			x = &a.more[j]
		}
		if c.Known {
			a.known = true
			a.pop += c.Population
			x.pop += c.Population
		}
	}
	// The parents in id order, sorting their positions rather than the
	// records.
	order := make([]int32, len(accs))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int { return strings.Compare(accs[a].name, accs[b].name) })
	out = slices.Grow(out, len(accs))
	for _, i := range order {
		a := &accs[i]
		best := a.first
		for _, x := range a.more {
			if x.pop > best.pop || (x.pop == best.pop && x.ags < best.ags) {
				best = x
			}
		}
		out = append(out, layers.Cell{ID: a.name, ResolutionM: 1000, Population: a.pop, Known: a.known, AGS: best.ags, Year: a.year})
	}
	return out
}
