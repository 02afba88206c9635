package graph

import (
	"fmt"
	"math"
	"slices"

	"github.com/paulmach/orb"
)

// EdgeSpec is one edge handed to a Builder. From and To are ids returned by
// Builder.AddNode. Forward is the cost from From to To, Backward the cost from
// To to From; Closed marks a direction that cannot be travelled (an edge
// closed both ways is dropped). Class says which edges may be merged by
// degree-2 contraction: only edges of equal Class are, so a caller puts
// edges of different speed, access or kind (ferries) into different classes.
type EdgeSpec struct {
	Key      int64 // id of the source edge (road segment)
	From, To NodeID
	Forward  Cost
	Backward Cost
	Length   Meters
	Class    uint32
}

// BuildOptions controls Builder.Build.
type BuildOptions struct {
	// Contract merges chains through nodes of degree 2 (exactly two incident
	// non-loop edges of equal Class whose open directions agree) into single
	// edges, summing cost and length and keeping the list of merged source
	// edges. Nodes marked with Builder.Keep are never merged away.
	Contract bool
	// SpatialOrder renumbers nodes along a Hilbert curve over their points.
	// Without it nodes keep the order in which they were added.
	SpatialOrder bool
}

// Builder collects nodes and edges and builds a Graph. The zero Builder is
// ready to use. A Builder is not safe for concurrent use.
type Builder struct {
	pts   []orb.Point
	keys  []int64
	keep  []bool
	edges []EdgeSpec
}

// AddNode adds a node with its original key and its point in EPSG:25833 and
// returns its id in the builder (Build renumbers; see Graph.Key).
func (b *Builder) AddNode(key int64, p orb.Point) NodeID {
	b.pts = append(b.pts, p)
	b.keys = append(b.keys, key)
	b.keep = append(b.keep, false)
	return NodeID(len(b.pts) - 1)
}

// Keep marks node v so that contraction never removes it.
func (b *Builder) Keep(v NodeID) { b.keep[v] = true }

// NumNodes returns the number of nodes added so far.
func (b *Builder) NumNodes() int { return len(b.pts) }

// AddEdge adds an edge. It returns an error naming the edge key when an end
// is not a node or the length is negative or not finite.
func (b *Builder) AddEdge(e EdgeSpec) error {
	if int(e.From) >= len(b.pts) || int(e.To) >= len(b.pts) {
		return fmt.Errorf("graph: edge %d: node %d or %d not added", e.Key, e.From, e.To)
	}
	if l := float64(e.Length); math.IsNaN(l) || math.IsInf(l, 0) || l < 0 {
		return fmt.Errorf("graph: edge %d: length %v m", e.Key, l)
	}
	if e.Forward == Closed && e.Backward == Closed {
		return nil
	}
	b.edges = append(b.edges, e)
	return nil
}

// Build returns the graph. The builder may be reused afterwards only to build
// again with the same content.
func (b *Builder) Build(opts BuildOptions) (*Graph, error) {
	type chainEdge struct {
		from, to NodeID
		fwd, bwd Cost
		length   float64
		key      int64
		src      []SourceRef
	}
	var out []chainEdge
	n := len(b.pts)
	if !opts.Contract {
		out = make([]chainEdge, len(b.edges))
		for i, e := range b.edges {
			out[i] = chainEdge{e.From, e.To, e.Forward, e.Backward, float64(e.Length), e.Key, []SourceRef{{ID: e.Key}}}
		}
	} else {
		// incidence lists (non-loop edges only; a loop makes its node a chain end)
		deg := make([]int32, n)
		hasLoop := make([]bool, n)
		for _, e := range b.edges {
			if e.From == e.To {
				hasLoop[e.From] = true
				continue
			}
			deg[e.From]++
			deg[e.To]++
		}
		inc := make([][2]int32, n)
		cnt := make([]int32, n)
		for i, e := range b.edges {
			if e.From == e.To {
				continue
			}
			for _, v := range [2]NodeID{e.From, e.To} {
				if deg[v] == 2 {
					inc[v][cnt[v]] = int32(i)
					cnt[v]++
				}
			}
		}
		// oriented returns the costs of edge i travelled away from node v
		// (out) and towards v (in).
		oriented := func(i int32, v NodeID) (other NodeID, out, in Cost) {
			e := b.edges[i]
			if e.From == v {
				return e.To, e.Forward, e.Backward
			}
			return e.From, e.Backward, e.Forward
		}
		through := make([]bool, n)
		for v := range n {
			if deg[v] != 2 || hasLoop[v] || b.keep[v] {
				continue
			}
			e1, e2 := inc[v][0], inc[v][1]
			if b.edges[e1].Class != b.edges[e2].Class {
				continue
			}
			// walking u→v→w: arrive over e1, leave over e2
			_, out1, in1 := oriented(e1, NodeID(v))
			_, out2, in2 := oriented(e2, NodeID(v))
			// u→v is in1, v→w is out2; w→v is in2, v→u is out1
			if (in1 == Closed) != (out2 == Closed) || (in2 == Closed) != (out1 == Closed) {
				continue
			}
			through[v] = true
		}
		used := make([]bool, len(b.edges))
		walk := func(start NodeID, i int32) {
			ce := chainEdge{from: start, key: b.edges[i].Key}
			v := start
			for {
				used[i] = true
				w, fwd, bwd := oriented(i, v)
				e := b.edges[i]
				ce.fwd = AddCost(ce.fwd, fwd)
				ce.bwd = AddCost(ce.bwd, bwd)
				ce.length += float64(e.Length)
				ce.src = append(ce.src, SourceRef{ID: e.Key, Reversed: e.From != v})
				v = w
				if !through[v] || v == start {
					break
				}
				if inc[v][0] == i {
					i = inc[v][1]
				} else {
					i = inc[v][0]
				}
				if used[i] {
					break
				}
			}
			ce.to = v
			out = append(out, ce)
		}
		// chains start at nodes that are not passed through
		for i, e := range b.edges {
			if used[i] {
				continue
			}
			switch {
			case e.From == e.To:
				walk(e.From, int32(i))
			case !through[e.From]:
				walk(e.From, int32(i))
			case !through[e.To]:
				walk(e.To, int32(i))
			}
		}
		// what is left are cycles made only of through nodes: cut each at
		// one node, which stays.
		for i, e := range b.edges {
			if used[i] {
				continue
			}
			through[e.From] = false
			walk(e.From, int32(i))
		}
	}

	// nodes still in use: ends of kept edges, plus nodes that had no edge at all
	hadEdge := make([]bool, n)
	for _, e := range b.edges {
		hadEdge[e.From], hadEdge[e.To] = true, true
	}
	inUse := make([]bool, n)
	for v := range n {
		inUse[v] = !hadEdge[v] || b.keep[v]
	}
	for _, ce := range out {
		inUse[ce.from], inUse[ce.to] = true, true
	}
	old := make([]NodeID, 0, n)
	for v := range n {
		if inUse[v] {
			old = append(old, NodeID(v))
		}
	}
	if opts.SpatialOrder {
		hilbertSort(old, b.pts)
	}
	newID := make([]NodeID, n)
	for i := range newID {
		newID[i] = NoNode
	}
	g := &Graph{pts: make([]orb.Point, len(old)), keys: make([]int64, len(old))}
	for i, v := range old {
		newID[v] = NodeID(i)
		g.pts[i] = b.pts[v]
		g.keys[i] = b.keys[v]
	}
	// edges ordered by new tail id for locality of the edge arrays
	for i := range out {
		out[i].from, out[i].to = newID[out[i].from], newID[out[i].to]
	}
	slices.SortStableFunc(out, func(a, b chainEdge) int {
		if a.from != b.from {
			if a.from < b.from {
				return -1
			}
			return 1
		}
		return 0
	})
	m := len(out)
	g.eFrom, g.eTo = make([]NodeID, m), make([]NodeID, m)
	g.eFwd, g.eBwd = make([]Cost, m), make([]Cost, m)
	g.eLen, g.eKey = make([]float64, m), make([]int64, m)
	g.srcStart = make([]uint32, m+1)
	for i, ce := range out {
		if ce.fwd == Closed && ce.bwd == Closed {
			return nil, fmt.Errorf("graph: edge %d: merged cost exceeds %d ms", ce.key, MaxCost)
		}
		g.eFrom[i], g.eTo[i] = ce.from, ce.to
		g.eFwd[i], g.eBwd[i] = ce.fwd, ce.bwd
		g.eLen[i], g.eKey[i] = ce.length, ce.key
		for _, s := range ce.src {
			g.src = append(g.src, s.ID)
			g.srcRev = append(g.srcRev, s.Reversed)
		}
		g.srcStart[i+1] = uint32(len(g.src))
	}
	if g.src == nil {
		g.src, g.srcRev = []int64{}, []bool{}
	}
	g.buildCSR()
	return g, nil
}

// hilbertSort orders the node ids in vs by the Hilbert index of their points
// on a 2^16 × 2^16 grid over the bounding box; ties keep input order.
func hilbertSort(vs []NodeID, pts []orb.Point) {
	if len(vs) < 2 {
		return
	}
	minX, minY := math.Inf(1), math.Inf(1)
	maxX, maxY := math.Inf(-1), math.Inf(-1)
	for _, v := range vs {
		p := pts[v]
		minX, maxX = math.Min(minX, p[0]), math.Max(maxX, p[0])
		minY, maxY = math.Min(minY, p[1]), math.Max(maxY, p[1])
	}
	span := math.Max(maxX-minX, maxY-minY)
	if !(span > 0) || math.IsInf(span, 0) {
		return
	}
	scale := 65535 / span
	type kv struct {
		h uint32
		v NodeID
	}
	ks := make([]kv, len(vs))
	for i, v := range vs {
		p := pts[v]
		ks[i] = kv{HilbertIndex(uint32((p[0]-minX)*scale), uint32((p[1]-minY)*scale)), v}
	}
	slices.SortStableFunc(ks, func(a, b kv) int {
		switch {
		case a.h < b.h:
			return -1
		case a.h > b.h:
			return 1
		}
		return 0
	})
	for i := range ks {
		vs[i] = ks[i].v
	}
}

// HilbertIndex returns the position of grid cell (x, y), 0 ≤ x, y < 2^16,
// along the Hilbert curve of order 16 over that grid.
func HilbertIndex(x, y uint32) uint32 {
	var d uint32
	for s := uint32(1 << 15); s > 0; s >>= 1 {
		var rx, ry uint32
		if x&s != 0 {
			rx = 1
		}
		if y&s != 0 {
			ry = 1
		}
		d += s * s * ((3 * rx) ^ ry)
		// rotate the quadrant
		if ry == 0 {
			if rx == 1 {
				x = 0xFFFF - x
				y = 0xFFFF - y
			}
			x, y = y, x
		}
	}
	return d
}
