package analysis

import (
	"fmt"

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
	c, err := classify.Classify(e.munis, classify.ToKm(cells, ids), opts)
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
