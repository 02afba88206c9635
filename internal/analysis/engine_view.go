package analysis

import (
	"slices"

	"github.com/paulmach/orb"

	"reach/geo/crs"
	"reach/geo/graph"
	"reach/geo/grid"
	"reach/geo/route"
	"reach/internal/analysis/snapshot"
	"reach/internal/network"
	"reach/layers"
)

// This file is the one read-only view of the network with its places that
// the use cases under internal/analysis route on themselves: per mode the
// network, the populated cells and the facilities snapped to it. With it,
// a use case needs no adapter in the engine for its own searches.

// Net is the network of one mode with the places on it. Cells holds the
// populated cells by cell index (the order of PopulatedCells), Facilities
// the facilities by index into Facilities(). Everything is shared and
// immutable: searches take their state from the network's pools. It is
// the type a snapshot stores the networks in.
type Net = snapshot.Net

// Net returns the network of mode with its places; false when mode has
// no road network (every time is then the straight-line estimate).
func (e *Engine) Net(mode layers.Mode) (Net, bool) {
	mn := e.nets[mode]
	if mn == nil {
		return Net{}, false
	}
	return Net{Mode: mode, Network: mn.n, Cells: mn.cells, Facilities: mn.facs}, true
}

// Hierarchy returns the contraction hierarchy of mode's network when it is
// ready and may be used (not under HierarchyOff); nil otherwise, and then
// searches run Dijkstra on the network, with the same times.
func (e *Engine) Hierarchy(mode layers.Mode) *route.Hierarchy {
	mn := e.nets[mode]
	if mn == nil {
		return nil
	}
	return e.hierarchy(mn)
}

// NodeCosts returns the node costs of the reverse search behind a network
// field (the baseline of "only improving" searches); nil for a field not
// computed on a network.
func (f Field) NodeCosts() []graph.Cost {
	if f.f.net == nil {
		return nil
	}
	return f.f.net.base
}

// NearestOf runs one multi-source search towards sources over the whole
// network of mode (a PHAST sweep once the hierarchy is ready) and returns
// per populated cell the least time in seconds (+Inf: none reached) and
// owner[source index] of the source that gives it (-1: none). Cells off
// the network are left unreached. mode must have a network (Net).
func (e *Engine) NearestOf(mode layers.Mode, sources []route.Source, owner []int32) ([]float64, []int32) {
	f := e.fieldFromSources(e.nets[mode], sources, owner)
	return f.secs, f.fac
}

// StraightLineSeconds is the straight-line model's time for mode over d
// metres.
func (e *Engine) StraightLineSeconds(mode layers.Mode, d float64) float64 {
	return e.slSeconds(mode, d)
}

// StraightLineReach is the straight-line distance in metres that the
// model covers in secs seconds by mode (the inverse of
// StraightLineSeconds), to a metre.
func (e *Engine) StraightLineReach(mode layers.Mode, secs float64) float64 {
	return e.slReach(mode, secs)
}

// Mode returns the mode of the field.
func (f Field) Mode() layers.Mode { return f.mode }

// Info describes the layers the engine was built from.
func (e *Engine) Info() layers.StoreInfo { return e.info }

// ConfiguredModes returns the modes the engine was built for (Options.Modes),
// with or without a road network.
func (e *Engine) ConfiguredModes() []layers.Mode { return slices.Clone(e.opts.Modes) }

// CellPolygon returns the square of the INSPIRE cell id in CRS84, or nil
// for an id that is not one.
func CellPolygon(id string) orb.Geometry {
	g, err := grid.ParseID(id)
	if err != nil {
		return nil
	}
	return crs.MustProject(g.Polygon(), crs.LAEA, crs.CRS84)
}

// SnapPoint snaps a lon/lat point of a request to the network of mode
// (which must have one, see Net) and describes the snap.
func (e *Engine) SnapPoint(mode layers.Mode, ll orb.Point) (network.Snap, SnapInfo, error) {
	return e.nets[mode].snapPoint(ll)
}

// Improve runs the "only improving" search from the arrivals of added
// sites (per site) on the baseline of f, a field on the network, and
// returns the cells whose time drops, ascending.
func (e *Engine) Improve(f Field, sites [][]route.Source) []CellChange {
	imp := e.improveNetwork(e.nets[f.mode], f.f, sites)
	var out []CellChange
	for i, ci := range imp.cells {
		out = append(out, CellChange{Cell: ci, Before: f.f.secs[ci], After: imp.secs[i]})
	}
	return out
}
