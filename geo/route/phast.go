package route

import (
	"sync"

	"reach/geo/graph"
)

// Sweep is the reusable state of one-to-all and many-to-all searches on a
// Hierarchy (PHAST): per sweep position the upward cost and the result,
// 24 bytes per node in all, independent of the number of sources. A run
// allocates nothing once the Sweep has been used. A Sweep is not safe for
// concurrent use; take one per goroutine from the Hierarchy's pool (Get,
// Put). Results are valid until the next run.
type Sweep struct {
	h   *Hierarchy
	up  []nodeState // upward search, Closed outside it; cleared by the sweep
	res []nodeState // result per position
}

// NewSweep returns a Sweep for h.
func (h *Hierarchy) NewSweep() *Sweep {
	s := &Sweep{h: h, up: make([]nodeState, h.n), res: make([]nodeState, h.n)}
	for i := range s.up {
		s.up[i] = unreached
		s.res[i] = unreached
	}
	return s
}

// Get returns a Sweep on h from h's pool; give it back with Put.
func (h *Hierarchy) Get() *Sweep {
	if s, ok := h.pool.Get().(*Sweep); ok {
		return s
	}
	return h.NewSweep()
}

// Put returns s to h's pool. s must not be used afterwards.
func (h *Hierarchy) Put(s *Sweep) {
	if s == nil || s.h != h {
		return
	}
	h.pool.Put(s)
}

// Hierarchy returns the hierarchy s sweeps.
func (s *Sweep) Hierarchy() *Hierarchy { return s.h }

// Forward computes, for every node, the least cost from any of sources in
// the direction of travel (as Query.Run on the graph the hierarchy was built
// from), with the label of a source that achieves it and the metres of a
// path of that cost. Nodes whose cost exceeds limit are left unreached. The
// top-down pass is split over up to workers goroutines on the levels large
// enough to pay for it; the result does not depend on workers.
func (s *Sweep) Forward(sources []Source, limit graph.Cost, workers int) {
	s.run(sources, limit, workers, s.h.upFirst, s.h.up, s.h.downFirst, s.h.down)
}

// Backward computes, for every node, the least cost to the nearest of
// sources (as Query.Run on the reverse graph): the offsets are the cost of
// the rest of the way from each source's node. Otherwise as Forward.
func (s *Sweep) Backward(sources []Source, limit graph.Cost, workers int) {
	s.run(sources, limit, workers, s.h.downFirst, s.h.down, s.h.upFirst, s.h.up)
}

// parallelLevel is the number of nodes a level needs before its part of the
// sweep is split over goroutines (a variable for tests).
var parallelLevel = 32 << 10

func (s *Sweep) run(sources []Source, limit graph.Cost, workers int, climbFirst []uint32, climb []hArc, fallFirst []uint32, fall []hArc) {
	h := s.h
	n := uint32(h.n)
	up := s.up
	// Upward phase: the climbing arcs lead to smaller positions only, so
	// visiting positions in decreasing order settles every node after all
	// nodes that can reach it by climbing — a pass over positions instead
	// of a priority queue.
	hiPos := -1 // the lowest source in the hierarchy: the climb starts there
	for i, src := range sources {
		v := uint32(src.Node)
		if v >= n || src.Offset > limit {
			continue
		}
		p := h.pos[v]
		if src.Offset < up[p].cost {
			up[p] = nodeState{cost: src.Offset, label: int32(i), meters: src.Meters}
		}
		hiPos = max(hiPos, int(p))
	}
	lim := uint64(limit)
	for p := hiPos; p >= 0; p-- {
		sv := up[p]
		if sv.cost == graph.Closed {
			continue
		}
		for _, a := range climb[climbFirst[p]:climbFirst[p+1]] {
			nd := uint64(sv.cost) + uint64(a.cost)
			if nd > lim || nd >= uint64(up[a.other].cost) {
				continue
			}
			up[a.other] = nodeState{cost: graph.Cost(nd), label: sv.label, meters: sv.meters + a.length}
		}
	}
	// Top-down phase, level by level.
	levels := h.levels
	for l := 0; l+1 < len(levels); l++ {
		lo, hi := int(levels[l]), int(levels[l+1])
		if workers <= 1 || hi-lo < parallelLevel {
			s.fall(lo, hi, lim, fallFirst, fall)
			continue
		}
		var wg sync.WaitGroup
		size := (hi - lo + workers - 1) / workers
		for w := 1; w < workers; w++ {
			a, b := lo+w*size, min(hi, lo+(w+1)*size)
			if a >= b {
				break
			}
			wg.Go(func() { s.fall(a, b, lim, fallFirst, fall) })
		}
		s.fall(lo, min(hi, lo+size), lim, fallFirst, fall)
		wg.Wait()
	}
}

// fall settles positions [lo, hi) of one level from the upward costs and
// the results of higher levels, and clears the upward costs it used.
func (s *Sweep) fall(lo, hi int, lim uint64, first []uint32, arcs []hArc) {
	up, res := s.up, s.res
	for p := lo; p < hi; p++ {
		best := up[p]
		if best.cost != graph.Closed {
			up[p] = unreached
		}
		for _, a := range arcs[first[p]:first[p+1]] {
			r := res[a.other]
			nd := uint64(r.cost) + uint64(a.cost)
			if nd < uint64(best.cost) {
				best = nodeState{cost: graph.Cost(nd), label: r.label, meters: r.meters + a.length}
			}
		}
		if uint64(best.cost) > lim {
			best = unreached
		}
		res[p] = best
	}
}

// Cost returns the least cost of node v found by the last run, or
// graph.Closed when v was not reached within the limit.
func (s *Sweep) Cost(v graph.NodeID) graph.Cost { return s.res[s.h.pos[v]].cost }

// Label returns the index of a source that reaches v at Cost(v), or
// NoLabel.
func (s *Sweep) Label(v graph.NodeID) int32 { return s.res[s.h.pos[v]].label }

// Meters returns the network length in metres of a path of cost Cost(v),
// including the source's Meters; 0 when v was not reached.
func (s *Sweep) Meters(v graph.NodeID) graph.Meters { return graph.Meters(s.res[s.h.pos[v]].meters) }

// CostsInto writes the cost of every node, indexed by node id, into dst,
// which must have one entry per node.
func (s *Sweep) CostsInto(dst []graph.Cost) {
	for p, v := range s.h.node {
		dst[v] = s.res[p].cost
	}
}

// Reached appends to dst the nodes reached by the last run, in sweep order,
// and returns the extended slice.
func (s *Sweep) Reached(dst []graph.NodeID) []graph.NodeID {
	for p, v := range s.h.node {
		if s.res[p].cost != graph.Closed {
			dst = append(dst, v)
		}
	}
	return dst
}

// Result is what a finished search gives per node; Query and Sweep both
// provide it, so code that reads results serves either.
type Result interface {
	Cost(v graph.NodeID) graph.Cost
	Label(v graph.NodeID) int32
	Meters(v graph.NodeID) graph.Meters
}

var (
	_ Result = (*Query)(nil)
	_ Result = (*Sweep)(nil)
)
