package analysis

import (
	"fmt"

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
	c, err := Classify(e.munis, cells, opts)
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
