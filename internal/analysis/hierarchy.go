package analysis

import (
	"context"
	"fmt"

	"reach/geo/route"
	"reach/layers"
)

// HierarchyMode says when Build prepares the contraction hierarchies of the
// networks, which make the nearest-facility search for all cells and the
// rows of a matrix several times faster (a PHAST sweep instead of a
// Dijkstra search; the times are the same).
type HierarchyMode int

const (
	// HierarchyAuto prepares small networks (up to syncHierarchyNodes
	// nodes, well under a second) during Build and larger ones in the
	// background after Build returns; until a network's hierarchy is
	// ready its searches use Dijkstra. A hierarchy read from a snapshot is
	// ready at once.
	HierarchyAuto HierarchyMode = iota
	// HierarchyWait prepares every hierarchy during Build.
	HierarchyWait
	// HierarchyOff never prepares or uses one: every search is Dijkstra
	// (for comparisons; a hierarchy in a snapshot is ignored).
	HierarchyOff
)

// syncHierarchyNodes is the size up to which HierarchyAuto prepares a
// network's hierarchy during Build.
const syncHierarchyNodes = 20_000

// prepareHierarchies starts or runs the preparation of the hierarchies of
// the base networks as e.opts.Hierarchy says.
func (e *Engine) prepareHierarchies(ctx context.Context) error {
	for _, m := range layers.Modes() {
		mn := e.nets[m]
		if mn == nil || mn.n.Hierarchy() != nil {
			continue
		}
		switch {
		case e.opts.Hierarchy == HierarchyOff:
		case e.opts.Hierarchy == HierarchyWait || mn.n.Graph().NumNodes() <= syncHierarchyNodes:
			if _, err := mn.n.PrepareHierarchy(ctx); err != nil {
				return fmt.Errorf("analysis: build: %w", err)
			}
		default:
			n := mn.n
			// Not tied to ctx, which may end with Build's caller; the
			// build only reads the immutable graph and is discarded
			// with the engine.
			go func() { _, _ = n.PrepareHierarchy(context.Background()) }()
		}
	}
	return nil
}

// hierarchy returns mn's hierarchy when it is ready and may be used.
func (e *Engine) hierarchy(mn *modeNet) *route.Hierarchy {
	if e.opts.Hierarchy == HierarchyOff {
		return nil
	}
	return mn.n.Hierarchy()
}

// WaitHierarchies prepares the hierarchies of all base networks that lack
// one, or waits for preparations in progress, and returns when every
// network has one or ctx ends.
func (e *Engine) WaitHierarchies(ctx context.Context) error {
	for _, m := range layers.Modes() {
		if mn := e.nets[m]; mn != nil {
			if _, err := mn.n.PrepareHierarchy(ctx); err != nil {
				return fmt.Errorf("analysis: %w", err)
			}
		}
	}
	return nil
}

// HierarchiesReady reports, per mode with a network, whether its hierarchy
// is ready.
func (e *Engine) HierarchiesReady() map[layers.Mode]bool {
	out := map[layers.Mode]bool{}
	for m, mn := range e.nets {
		out[m] = mn.n.Hierarchy() != nil
	}
	return out
}
