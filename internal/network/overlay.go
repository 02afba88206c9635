package network

import (
	"fmt"
	"math"

	"github.com/paulmach/orb"

	"reach/geo/graph"
	"reach/geo/route"
	"reach/layers"
)

// An Overlay is a network whose road segments have new costs for its mode
// (a road upgrade), without building the network again: the graph is the
// network's with the costs of the edges holding changed segments replaced
// (graph.WithEdgeCosts), every other part is the network's own. Places on a
// changed edge get their legs from the new costs (Resnap); every other snap
// is unchanged, so a field towards targets changes only where a search
// seeded at the changed edges (Seeds) improves it. An edge's cost is the
// sum of its segments' costs, as Build makes it, so every path between
// nodes costs what it costs on the network Build makes from the changed
// segments.
type Overlay struct {
	n     *Network
	g, r  *graph.Graph // forward and reverse graphs with the new costs
	costs map[graph.EdgeID]graph.EdgeCosts
	parts map[graph.EdgeID][]segPart
}

// segPart is one segment of a changed edge, in the edge's order: its
// planar length along the edge geometry and its costs in the edge's
// directions.
type segPart struct {
	planar   float64
	fwd, bwd graph.Cost
}

// SegmentEdges returns, for every road segment of the network, the edge it
// was merged into. It walks every edge: callers keep the result.
func (n *Network) SegmentEdges() map[int64]graph.EdgeID {
	out := make(map[int64]graph.EdgeID, n.g.NumEdges())
	for e := range n.g.NumEdges() {
		for _, s := range n.g.Sources(graph.EdgeID(e)) {
			out[s.ID] = graph.EdgeID(e)
		}
	}
	return out
}

// NewOverlay applies changed (new versions of segments of the road layer
// the network was built from, same ids and geometry) to n. edgeOf is
// n.SegmentEdges(); segment returns the layer's version of a segment. A
// change that opens or closes a direction, or raises a cost, cannot be an
// overlay: the error says so, and the caller builds the network anew.
func (n *Network) NewOverlay(changed []layers.RoadSegment, edgeOf map[int64]graph.EdgeID, segment func(id int64) (layers.RoadSegment, bool)) (*Overlay, error) {
	byID := make(map[int64]layers.RoadSegment, len(changed))
	edges := map[graph.EdgeID]bool{}
	for _, s := range changed {
		e, ok := edgeOf[s.ID]
		if !ok {
			return nil, fmt.Errorf("network: overlay: segment %d is not on the %s network", s.ID, n.mode)
		}
		byID[s.ID] = s
		edges[e] = true
	}
	ov := &Overlay{n: n, costs: map[graph.EdgeID]graph.EdgeCosts{}, parts: map[graph.EdgeID][]segPart{}}
	for e := range edges {
		ed := n.g.Edge(e)
		c := graph.EdgeCosts{}
		var parts []segPart
		for _, src := range n.g.Sources(e) {
			seg, ok := byID[src.ID]
			if !ok {
				if seg, ok = segment(src.ID); !ok {
					return nil, fmt.Errorf("network: overlay: segment %d of edge %d is not in the road layer", src.ID, e)
				}
			}
			a := seg.Access(n.mode)
			length := seg.LengthM
			if length == 0 {
				length = planarLength(seg.Geometry)
			}
			fwdOpen, bwdOpen := a.Forward, a.Backward
			if src.Reversed {
				fwdOpen, bwdOpen = bwdOpen, fwdOpen
			}
			p := segPart{planar: planarLength(seg.Geometry), fwd: graph.Closed, bwd: graph.Closed}
			if fwdOpen || bwdOpen {
				secs, _, err := segmentCost(seg, a, length)
				if err != nil {
					return nil, err
				}
				sc, err := graph.CostOf(graph.Seconds(secs))
				if err != nil {
					return nil, fmt.Errorf("network: overlay: segment %d: %w", seg.ID, err)
				}
				if fwdOpen {
					p.fwd = sc
				}
				if bwdOpen {
					p.bwd = sc
				}
			}
			if len(parts) == 0 {
				c.Forward, c.Backward = p.fwd, p.bwd
			} else {
				c.Forward, c.Backward = graph.AddCost(c.Forward, p.fwd), graph.AddCost(c.Backward, p.bwd)
			}
			parts = append(parts, p)
		}
		if (c.Forward == graph.Closed) != (ed.Forward == graph.Closed) || (c.Backward == graph.Closed) != (ed.Backward == graph.Closed) {
			return nil, fmt.Errorf("network: overlay: edge %d: the change opens or closes a direction", e)
		}
		if c.Forward > ed.Forward || c.Backward > ed.Backward {
			return nil, fmt.Errorf("network: overlay: edge %d: the change makes it slower (%d/%d ms, was %d/%d)", e, c.Forward, c.Backward, ed.Forward, ed.Backward)
		}
		ov.costs[e], ov.parts[e] = c, parts
	}
	var err error
	if ov.g, err = n.g.WithEdgeCosts(ov.costs); err != nil {
		return nil, err
	}
	rc := make(map[graph.EdgeID]graph.EdgeCosts, len(ov.costs))
	for e, c := range ov.costs {
		rc[e] = graph.EdgeCosts{Forward: c.Backward, Backward: c.Forward} // Reverse swaps the directions
	}
	if ov.r, err = n.r.WithEdgeCosts(rc); err != nil {
		return nil, err
	}
	return ov, nil
}

// Network returns the network the overlay changes.
func (ov *Overlay) Network() *Network { return ov.n }

// ReverseGraph returns the reverse graph with the new costs.
func (ov *Overlay) ReverseGraph() *graph.Graph { return ov.r }

// Graph returns the forward graph with the new costs.
func (ov *Overlay) Graph() *graph.Graph { return ov.g }

// ChangedEdges returns the edges whose costs changed.
func (ov *Overlay) ChangedEdges() []graph.EdgeID {
	out := make([]graph.EdgeID, 0, len(ov.costs))
	for e := range ov.costs {
		out = append(out, e)
	}
	return out
}

// Touches says whether any of srcs is at an end node of a changed edge:
// only such a place can lie on one.
func (ov *Overlay) Touches(srcs []route.Source) bool {
	for _, s := range srcs {
		for e := range ov.costs {
			if ed := ov.n.g.Edge(e); ed.From == s.Node || ed.To == s.Node {
				return true
			}
		}
	}
	return false
}

// Resnap snaps p as the network does and, when it lies on a changed edge,
// gives it the legs of the new costs.
func (ov *Overlay) Resnap(p orb.Point) Snap {
	s := ov.n.Snap(p)
	parts, ok := ov.parts[s.Edge]
	if !s.Snapped || !ok {
		return s
	}
	e := ov.n.g.Edge(s.Edge)
	var planar float64
	for _, pt := range parts {
		planar += pt.planar
	}
	// The part holding the point, and the costs before and after it.
	k, cum := len(parts)-1, 0.0
	for i, pt := range parts {
		if s.AlongM < cum+pt.planar || i == len(parts)-1 {
			k = i
			break
		}
		cum += pt.planar
	}
	frac := 0.0
	if parts[k].planar > 0 {
		frac = math.Min(1, math.Max(0, (s.AlongM-cum)/parts[k].planar))
	}
	sum := func(lo, hi int, fwd bool) graph.Cost {
		var c graph.Cost
		for _, pt := range parts[lo:hi] {
			if fwd {
				c = graph.AddCost(c, pt.fwd)
			} else {
				c = graph.AddCost(c, pt.bwd)
			}
		}
		return c
	}
	part := func(c graph.Cost, f float64) graph.Cost {
		if c == graph.Closed {
			return graph.Closed
		}
		return graph.Cost(math.Round(float64(c) * f))
	}
	total := float64(e.Length)
	f := 0.0
	if planar > 0 {
		f = s.AlongM / planar
	}
	before, after := float32(f*total), float32((1-f)*total)
	s.nOut, s.nIn = 0, 0
	if e.Forward != graph.Closed {
		toEnd := graph.AddCost(sum(k+1, len(parts), true), part(parts[k].fwd, 1-frac))
		fromStart := graph.AddCost(sum(0, k, true), part(parts[k].fwd, frac))
		s.addOut(route.Source{Node: e.To, Offset: graph.AddCost(s.Access, toEnd), Meters: after})
		s.addIn(route.Source{Node: e.From, Offset: graph.AddCost(s.Access, fromStart), Meters: before})
	}
	if e.Backward != graph.Closed {
		toStart := graph.AddCost(sum(0, k, false), part(parts[k].bwd, frac))
		fromEnd := graph.AddCost(sum(k+1, len(parts), false), part(parts[k].bwd, 1-frac))
		s.addOut(route.Source{Node: e.From, Offset: graph.AddCost(s.Access, toStart), Meters: before})
		s.addIn(route.Source{Node: e.To, Offset: graph.AddCost(s.Access, fromEnd), Meters: after})
	}
	if float64(before) <= AtNodeM {
		s.addOut(route.Source{Node: e.From, Offset: s.Access})
		s.addIn(route.Source{Node: e.From, Offset: s.Access})
	}
	if float64(after) <= AtNodeM {
		s.addOut(route.Source{Node: e.To, Offset: s.Access})
		s.addIn(route.Source{Node: e.To, Offset: s.Access})
	}
	return s
}

// Seeds are the sources of an "only improving" search on ReverseGraph
// from a field base (node costs of a reverse search towards targets on the
// network): the tail of every changed arc with its new cost plus the base
// cost of its head. Via[i] is that head, whose base label the seed
// inherits. Improve drops the seeds that improve nothing.
func (ov *Overlay) Seeds(base []graph.Cost) (seeds []route.Source, via []graph.NodeID) {
	for e, c := range ov.costs {
		ed := ov.n.g.Edge(e)
		if c.Forward != graph.Closed && base[ed.To] != graph.Closed {
			seeds = append(seeds, route.Source{Node: ed.From, Offset: graph.AddCost(c.Forward, base[ed.To])})
			via = append(via, ed.To)
		}
		if c.Backward != graph.Closed && base[ed.From] != graph.Closed {
			seeds = append(seeds, route.Source{Node: ed.To, Offset: graph.AddCost(c.Backward, base[ed.From])})
			via = append(via, ed.From)
		}
	}
	return seeds, via
}
