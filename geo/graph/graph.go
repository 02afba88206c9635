// Package graph is the immutable directed road graph of reach in compressed
// sparse row (CSR) form.
//
// A Graph has nodes and edges. A node carries a point in EPSG:25833 (ETRS89 /
// UTM zone 33N, metres, X = easting, Y = northing) and an int64 key, the id
// of the original network node (an OSM node id for road graphs). An edge is
// an undirected piece of network between two nodes with a cost per direction
// (Forward from From to To, Backward from To to From; Closed when that
// direction cannot be travelled), a length in metres and the list of source
// edges (road segments) merged into it by degree-2 contraction. Every open
// direction of an edge is one arc of the CSR adjacency that searches walk.
//
// Costs are integer milliseconds (Cost). Routing on integers makes every sum
// exact and reproducible: the cost of a path is the sum of its arc costs, and
// the same values exported to pgRouting (as seconds, Cost.Seconds) add up to
// the same totals to well below a second. Lengths are metres: float64 per
// edge, float32 per arc (a resolution of about 2 mm for arcs up to 16 km).
//
// Graphs are built with a Builder; Build can contract chains of degree-2
// nodes and renumbers nodes in spatial order along a Hilbert curve so that
// searches touch memory that lies close together. A Graph is immutable once
// built and safe for concurrent use by any number of goroutines. Loops,
// parallel edges, zero costs and disconnected parts are allowed.
package graph

import (
	"errors"
	"fmt"
	"math"

	"github.com/paulmach/orb"
)

// NodeID is the dense index of a node in a Graph, 0 ≤ id < NumNodes.
type NodeID uint32

// NoNode is the NodeID that names no node.
const NoNode NodeID = math.MaxUint32

// ArcID is the dense index of an arc in a Graph's CSR arrays.
type ArcID uint32

// EdgeID is the dense index of an edge in a Graph, 0 ≤ id < NumEdges. The
// stable, exported id of an edge is its Key.
type EdgeID uint32

// Seconds is a duration in seconds.
type Seconds float64

// Meters is a length in metres.
type Meters float64

// Cost is a travel time in integer milliseconds, the unit searches route on.
type Cost uint32

// Closed is the Cost of a direction that cannot be travelled. Searches use it
// as "unreached" as well.
const Closed Cost = math.MaxUint32

// MaxCost is the largest finite Cost (about 49.7 days).
const MaxCost Cost = Closed - 1

// Seconds converts c to seconds. Closed gives +Inf.
func (c Cost) Seconds() Seconds {
	if c == Closed {
		return Seconds(math.Inf(1))
	}
	return Seconds(float64(c) / 1000)
}

// CostOf rounds s seconds to the nearest millisecond. It returns an error for
// negative, NaN, infinite or too large values.
func CostOf(s Seconds) (Cost, error) {
	f := float64(s)
	if math.IsNaN(f) || f < 0 || f*1000 > float64(MaxCost) {
		return 0, fmt.Errorf("graph: cost %v s out of range [0, %v]", f, float64(MaxCost)/1000)
	}
	return Cost(math.Round(f * 1000)), nil
}

// AddCost adds two costs, saturating at Closed: a sum that would exceed
// MaxCost, or that involves Closed, is Closed.
func AddCost(a, b Cost) Cost {
	s := uint64(a) + uint64(b)
	if s >= uint64(Closed) {
		return Closed
	}
	return Cost(s)
}

// Arc is one directed arc of the CSR adjacency: the node it leads to, its
// cost and its length in metres (the edge's length as float32), packed in
// 12 bytes so that a search reads one arc from one place.
type Arc struct {
	Head   NodeID
	Cost   Cost
	Length float32
}

// SourceRef names one source edge (road segment) merged into an edge, and
// whether it is traversed against its own direction when the edge is
// travelled from From to To.
type SourceRef struct {
	ID       int64
	Reversed bool
}

// Edge describes one edge of a Graph. Forward is the cost from From to To,
// Backward the cost from To to From; Closed marks a direction that cannot be
// travelled.
type Edge struct {
	Key      int64 // stable id: the id of the first merged source edge
	From, To NodeID
	Forward  Cost
	Backward Cost
	Length   Meters
}

// Graph is an immutable directed graph in CSR form. See the package comment.
// The zero Graph is an empty graph. Safe for concurrent use.
type Graph struct {
	// nodes
	pts  []orb.Point
	keys []int64

	// edges
	eFrom, eTo []NodeID
	eFwd, eBwd []Cost
	eLen       []float64
	eKey       []int64
	srcStart   []uint32 // len NumEdges+1
	src        []int64
	srcRev     []bool

	// out-arcs in CSR form
	first   []uint32 // len NumNodes+1
	arcs    []Arc
	arcEdge []uint32 // edge<<1 | 1 when the arc runs To→From
	arcLen  []float32

	reversed bool
}

// NumNodes returns the number of nodes.
func (g *Graph) NumNodes() int { return len(g.pts) }

// NumEdges returns the number of edges.
func (g *Graph) NumEdges() int { return len(g.eFrom) }

// NumArcs returns the number of arcs (open edge directions).
func (g *Graph) NumArcs() int { return len(g.arcs) }

// Point returns the location of node v in EPSG:25833.
func (g *Graph) Point(v NodeID) orb.Point { return g.pts[v] }

// Key returns the original id of node v (the OSM node id for road graphs).
func (g *Graph) Key(v NodeID) int64 { return g.keys[v] }

// ArcRange returns the half-open range [lo, hi) of the arcs leaving v.
func (g *Graph) ArcRange(v NodeID) (lo, hi ArcID) {
	return ArcID(g.first[v]), ArcID(g.first[v+1])
}

// OutArcs returns the arcs leaving v. The slice aliases the graph and must
// not be modified.
func (g *Graph) OutArcs(v NodeID) []Arc { return g.arcs[g.first[v]:g.first[v+1]] }

// Arcs returns the whole arc array, indexed by ArcID, and the offsets array
// (len NumNodes+1) such that the arcs of v are Arcs[First[v]:First[v+1]].
// Both alias the graph and must not be modified; they are for search loops
// that cannot afford a call per node.
func (g *Graph) Arcs() (first []uint32, arcs []Arc) { return g.first, g.arcs }

// ArcLengths returns the length in metres of every arc, indexed by ArcID.
// The slice aliases the graph and must not be modified.
func (g *Graph) ArcLengths() []float32 { return g.arcLen }

// ArcEdge returns the edge that arc a belongs to and whether a runs against
// the edge (from To to From).
func (g *Graph) ArcEdge(a ArcID) (e EdgeID, backward bool) {
	x := g.arcEdge[a]
	return EdgeID(x >> 1), x&1 == 1
}

// Edge returns edge e. In a graph made by Reverse, Forward and Backward are
// swapped with respect to the original.
func (g *Graph) Edge(e EdgeID) Edge {
	return Edge{Key: g.eKey[e], From: g.eFrom[e], To: g.eTo[e], Forward: g.eFwd[e], Backward: g.eBwd[e], Length: Meters(g.eLen[e])}
}

// Sources returns the source edges merged into edge e, in order from From to
// To, as a new slice.
func (g *Graph) Sources(e EdgeID) []SourceRef {
	lo, hi := g.srcStart[e], g.srcStart[e+1]
	out := make([]SourceRef, hi-lo)
	for i := lo; i < hi; i++ {
		out[i-lo] = SourceRef{ID: g.src[i], Reversed: g.srcRev[i]}
	}
	return out
}

// IsReverse reports whether g was made by Reverse.
func (g *Graph) IsReverse() bool { return g.reversed }

// Reverse returns the graph with every arc turned round: an arc u→v of g
// with cost c is an arc v→u of the result with cost c. Nodes, node ids, edge
// ids and lengths are shared with g; for every edge Forward and Backward are
// swapped. A search on the reverse graph from a set of targets gives the
// travel time from every node to the nearest target, one-way streets
// included. Reverse of a reverse graph is equivalent to the original.
func (g *Graph) Reverse() *Graph {
	r := *g
	r.eFwd, r.eBwd = g.eBwd, g.eFwd
	r.reversed = !g.reversed
	r.buildCSR()
	return &r
}

// buildCSR fills first, arcs, arcEdge and arcLen from the edge arrays with a
// counting sort by tail node; arcs of one node keep edge order.
func (g *Graph) buildCSR() {
	n := len(g.pts)
	first := make([]uint32, n+1)
	m := 0
	for e := range g.eFrom {
		if g.eFwd[e] != Closed {
			first[g.eFrom[e]+1]++
			m++
		}
		if g.eBwd[e] != Closed {
			first[g.eTo[e]+1]++
			m++
		}
	}
	for i := 0; i < n; i++ {
		first[i+1] += first[i]
	}
	next := make([]uint32, n)
	copy(next, first[:n])
	arcs := make([]Arc, m)
	arcEdge := make([]uint32, m)
	arcLen := make([]float32, m)
	for e := range g.eFrom {
		if c := g.eFwd[e]; c != Closed {
			u := g.eFrom[e]
			i := next[u]
			next[u]++
			arcs[i] = Arc{Head: g.eTo[e], Cost: c, Length: float32(g.eLen[e])}
			arcEdge[i] = uint32(e) << 1
			arcLen[i] = float32(g.eLen[e])
		}
		if c := g.eBwd[e]; c != Closed {
			u := g.eTo[e]
			i := next[u]
			next[u]++
			arcs[i] = Arc{Head: g.eFrom[e], Cost: c, Length: float32(g.eLen[e])}
			arcEdge[i] = uint32(e)<<1 | 1
			arcLen[i] = float32(g.eLen[e])
		}
	}
	g.first, g.arcs, g.arcEdge, g.arcLen = first, arcs, arcEdge, arcLen
}

// ErrInvalid is wrapped by every error of Validate and ReadFrom about a graph
// that breaks its invariants.
var ErrInvalid = errors.New("graph: invalid graph")

// Validate checks the invariants of g: array lengths agree, CSR offsets are
// monotone, every arc's head and every edge's ends are nodes, every arc
// matches an open direction of its edge with the same cost and length, the
// number of arcs equals the number of open directions, and lengths and
// coordinates are finite and not negative. It returns nil or an error
// wrapping ErrInvalid that names the first broken invariant.
func (g *Graph) Validate() error {
	n, m := len(g.pts), len(g.eFrom)
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, a...))
	}
	if len(g.keys) != n {
		return bad("%d keys for %d nodes", len(g.keys), n)
	}
	if len(g.eTo) != m || len(g.eFwd) != m || len(g.eBwd) != m || len(g.eLen) != m || len(g.eKey) != m {
		return bad("edge arrays of unequal length")
	}
	if len(g.srcStart) != m+1 || g.srcStart[0] != 0 || int(g.srcStart[m]) != len(g.src) || len(g.srcRev) != len(g.src) {
		return bad("source list offsets do not match %d sources", len(g.src))
	}
	if len(g.first) != n+1 || g.first[0] != 0 || int(g.first[n]) != len(g.arcs) {
		return bad("CSR offsets do not match %d arcs", len(g.arcs))
	}
	if len(g.arcEdge) != len(g.arcs) || len(g.arcLen) != len(g.arcs) {
		return bad("arc arrays of unequal length")
	}
	for v := range n {
		p := g.pts[v]
		if math.IsNaN(p[0]) || math.IsNaN(p[1]) || math.IsInf(p[0], 0) || math.IsInf(p[1], 0) {
			return bad("node %d: coordinate %v not finite", v, p)
		}
		if g.first[v] > g.first[v+1] {
			return bad("node %d: CSR offsets decrease", v)
		}
	}
	open := 0
	for e := range m {
		if int(g.eFrom[e]) >= n || int(g.eTo[e]) >= n {
			return bad("edge %d (key %d): end node out of range", e, g.eKey[e])
		}
		if l := g.eLen[e]; math.IsNaN(l) || l < 0 || math.IsInf(l, 0) {
			return bad("edge %d (key %d): length %v", e, g.eKey[e], l)
		}
		if g.srcStart[e] > g.srcStart[e+1] {
			return bad("edge %d: source offsets decrease", e)
		}
		if g.eFwd[e] != Closed {
			open++
		}
		if g.eBwd[e] != Closed {
			open++
		}
	}
	if open != len(g.arcs) {
		return bad("%d open edge directions but %d arcs", open, len(g.arcs))
	}
	for v := range n {
		for a := g.first[v]; a < g.first[v+1]; a++ {
			arc := g.arcs[a]
			if int(arc.Head) >= n {
				return bad("arc %d of node %d: head %d out of range", a, v, arc.Head)
			}
			e := g.arcEdge[a] >> 1
			if int(e) >= m {
				return bad("arc %d: edge %d out of range", a, e)
			}
			tail, head, c := g.eFrom[e], g.eTo[e], g.eFwd[e]
			if g.arcEdge[a]&1 == 1 {
				tail, head, c = head, tail, g.eBwd[e]
			}
			if tail != NodeID(v) || head != arc.Head || c != arc.Cost || c == Closed {
				return bad("arc %d (%d→%d cost %d) does not match edge %d", a, v, arc.Head, arc.Cost, e)
			}
			if g.arcLen[a] != float32(g.eLen[e]) || arc.Length != g.arcLen[a] {
				return bad("arc %d: length %v, edge %d has %v", a, g.arcLen[a], e, g.eLen[e])
			}
		}
	}
	return nil
}
