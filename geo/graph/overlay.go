package graph

import "fmt"

// EdgeCosts are new costs of one edge, as Edge reports them for the graph
// they are given to (Forward from From to To).
type EdgeCosts struct {
	Forward, Backward Cost
}

// WithEdgeCosts returns a graph equal to g but for the costs of the edges
// in costs. Nodes, edges, lengths and the CSR offsets are shared with g;
// the edge costs and the arcs are copied, so g is unchanged. A direction
// may not change between open and closed (the arcs would change): that is
// an error, as is an edge id out of range.
func (g *Graph) WithEdgeCosts(costs map[EdgeID]EdgeCosts) (*Graph, error) {
	for e, c := range costs {
		if int(e) >= len(g.eFrom) {
			return nil, fmt.Errorf("graph: edge %d out of range (%d edges)", e, len(g.eFrom))
		}
		if (c.Forward == Closed) != (g.eFwd[e] == Closed) || (c.Backward == Closed) != (g.eBwd[e] == Closed) {
			return nil, fmt.Errorf("graph: edge %d: new costs %d/%d open or close a direction (was %d/%d)", e, c.Forward, c.Backward, g.eFwd[e], g.eBwd[e])
		}
	}
	out := *g
	out.eFwd = append([]Cost(nil), g.eFwd...)
	out.eBwd = append([]Cost(nil), g.eBwd...)
	for e, c := range costs {
		out.eFwd[e], out.eBwd[e] = c.Forward, c.Backward
	}
	out.arcs = append([]Arc(nil), g.arcs...)
	// An arc leaves one end of its edge: the arcs of a changed edge are
	// found among those of its two ends, not by a pass over every arc.
	for e, c := range costs {
		for _, v := range [2]NodeID{g.eFrom[e], g.eTo[e]} {
			for a := g.first[v]; a < g.first[v+1]; a++ {
				x := g.arcEdge[a]
				if EdgeID(x>>1) != e {
					continue
				}
				if x&1 == 1 {
					out.arcs[a].Cost = c.Backward
				} else {
					out.arcs[a].Cost = c.Forward
				}
			}
		}
	}
	return &out, nil
}
