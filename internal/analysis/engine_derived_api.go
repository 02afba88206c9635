package analysis

import (
	"iter"
	"slices"

	"github.com/paulmach/orb"

	"reach/geo/crs"
	"reach/geo/grid"
	"reach/layers"
)

// This file is what internal/analysis/derived reads of the engine.

// Extent returns the CRS84 bound of the populated cells (empty without
// cells).
func (e *Engine) Extent() orb.Bound {
	if len(e.cells) == 0 {
		return orb.Bound{}
	}
	b := orb.Bound{Min: e.cells[0].lonlat, Max: e.cells[0].lonlat}
	for _, c := range e.cells[1:] {
		b = b.Extend(c.lonlat)
	}
	return b
}

// Info describes the layers the engine was built from.
func (e *Engine) Info() layers.StoreInfo { return e.info }

// ConfiguredModes returns the modes the engine was built for (Options.Modes),
// with or without a road network.
func (e *Engine) ConfiguredModes() []layers.Mode { return slices.Clone(e.opts.Modes) }

// GraphEdges returns the edges of the network of mode in pgRouting's
// convention; ok is false when the mode has no network.
func (e *Engine) GraphEdges(mode layers.Mode) (edges iter.Seq2[layers.GraphEdge, error], ok bool) {
	mn := e.nets[mode]
	if mn == nil {
		return nil, false
	}
	return mn.n.Edges(), true
}

// cellPolygon returns the polygon of an INSPIRE cell in CRS84, or nil.
func cellPolygon(id string) orb.Geometry {
	g, err := grid.ParseID(id)
	if err != nil {
		return nil
	}
	return crs.MustProject(g.Polygon(), crs.LAEA, crs.CRS84)
}

// TransitCollection reports whether id is a collection of the engine's
// timetable (served by its TransitPlanner).
func (e *Engine) TransitCollection(id string) bool { return e.transitCollection(id) }
