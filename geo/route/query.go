package route

import (
	"sync"

	"reach/geo/graph"
)

// Query is the reusable state of the fast search on one graph: per-node cost,
// label and length arrays, a 4-ary heap with decrease-key, and the list of
// nodes touched by the last run, so that the next run resets only those. A
// run allocates nothing once the Query has been used on its graph.
//
// A Query is not safe for concurrent use; give each goroutine its own (see
// Pool). Results are valid until the next run.
type Query struct {
	g      *graph.Graph
	first  []uint32
	arcs   []graph.Arc
	arcLen []float32

	cost    []graph.Cost
	label   []int32
	meters  []float32
	pos     []uint32 // index in heap + 1; 0 = not in heap
	heap    []uint64 // cost<<32 | node
	touched []graph.NodeID
	settled []graph.NodeID
	dirty   bool // arrays need a full reset
}

// NewQuery returns a Query for g. Its arrays take about 16 bytes per node.
func NewQuery(g *graph.Graph) *Query {
	n := g.NumNodes()
	first, arcs := g.Arcs()
	q := &Query{
		g: g, first: first, arcs: arcs, arcLen: g.ArcLengths(),
		cost:   make([]graph.Cost, n),
		label:  make([]int32, n),
		meters: make([]float32, n),
		pos:    make([]uint32, n),
	}
	for i := range q.cost {
		q.cost[i] = graph.Closed
		q.label[i] = NoLabel
	}
	return q
}

// Graph returns the graph the query searches.
func (q *Query) Graph() *graph.Graph { return q.g }

// reset clears what the previous run touched.
func (q *Query) reset() {
	if q.dirty || len(q.touched) > len(q.cost)/8 {
		for i := range q.cost {
			q.cost[i] = graph.Closed
		}
		for i := range q.label {
			q.label[i] = NoLabel
		}
		clear(q.meters)
		clear(q.pos)
	} else {
		for _, v := range q.touched {
			q.cost[v] = graph.Closed
			q.label[v] = NoLabel
			q.meters[v] = 0
			q.pos[v] = 0
		}
	}
	q.dirty = false
	q.touched = q.touched[:0]
	q.settled = q.settled[:0]
	q.heap = q.heap[:0]
}

// Run searches from sources and labels every node whose least cost is at
// most limit (use Unbounded for no limit). Each source's Offset is its
// starting cost; a node named by several sources starts from the least
// offset, the first such source giving the label. Sources out of range or
// with an offset above limit are ignored. Read the results with Cost, Label,
// Meters, Costs and Settled.
func (q *Query) Run(sources []Source, limit graph.Cost) {
	q.run(sources, limit, nil)
}

// Improve is Run restricted to the nodes the sources improve: a node is
// labelled only if its cost from sources is strictly less than baseline[v]
// (graph.Closed in baseline means "not reached before"). When baseline is
// the cost field of an earlier search on the same graph, the labelled nodes
// are exactly those whose least cost drops when the sources are added to
// that search's sources, and the search touches nothing else, so that the
// effect of one added site costs time in proportion to the area it wins.
// baseline must have one entry per node; Improve panics otherwise.
func (q *Query) Improve(sources []Source, baseline []graph.Cost, limit graph.Cost) {
	if len(baseline) != len(q.cost) {
		panic("route: Improve: baseline length does not match the graph")
	}
	q.run(sources, limit, baseline)
}

func (q *Query) run(sources []Source, limit graph.Cost, base []graph.Cost) {
	q.reset()
	n := uint32(len(q.cost))
	cost, label, meters := q.cost, q.label, q.meters
	for i, s := range sources {
		v := uint32(s.Node)
		if v >= n || s.Offset > limit {
			continue
		}
		if base != nil && s.Offset >= base[v] {
			continue
		}
		if s.Offset < cost[v] {
			if cost[v] == graph.Closed {
				q.touched = append(q.touched, s.Node)
				cost[v] = s.Offset
				label[v] = int32(i)
				meters[v] = s.Meters
				q.push(v, s.Offset)
			} else {
				cost[v] = s.Offset
				label[v] = int32(i)
				meters[v] = s.Meters
				q.decrease(v, s.Offset)
			}
		}
	}
	first, arcs, arcLen := q.first, q.arcs, q.arcLen
	lim := uint64(limit)
	for len(q.heap) > 0 {
		top := q.pop()
		v := uint32(top)
		d := top >> 32
		q.settled = append(q.settled, graph.NodeID(v))
		lv, mv := label[v], meters[v]
		lo, hi := first[v], first[v+1]
		for a := lo; a < hi; a++ {
			arc := arcs[a]
			nd := d + uint64(arc.Cost)
			w := uint32(arc.Head)
			if nd > lim || nd >= uint64(cost[w]) {
				continue
			}
			if base != nil && nd >= uint64(base[w]) {
				continue
			}
			c := graph.Cost(nd)
			if cost[w] == graph.Closed {
				q.touched = append(q.touched, graph.NodeID(w))
				cost[w] = c
				q.push(w, c)
			} else {
				cost[w] = c
				q.decrease(w, c)
			}
			label[w] = lv
			meters[w] = mv + arcLen[a]
		}
	}
}

// push inserts node v with key c into the 4-ary heap.
func (q *Query) push(v uint32, c graph.Cost) {
	q.heap = append(q.heap, uint64(c)<<32|uint64(v))
	q.up(len(q.heap) - 1)
}

// decrease moves node v, already in the heap, to its new smaller key c.
func (q *Query) decrease(v uint32, c graph.Cost) {
	i := int(q.pos[v]) - 1
	q.heap[i] = uint64(c)<<32 | uint64(v)
	q.up(i)
}

func (q *Query) up(i int) {
	h, pos := q.heap, q.pos
	x := h[i]
	for i > 0 {
		p := (i - 1) >> 2
		if h[p] <= x {
			break
		}
		h[i] = h[p]
		pos[uint32(h[i])] = uint32(i) + 1
		i = p
	}
	h[i] = x
	pos[uint32(x)] = uint32(i) + 1
}

// pop removes and returns the smallest entry.
func (q *Query) pop() uint64 {
	h := q.heap
	top := h[0]
	q.pos[uint32(top)] = 0
	last := h[len(h)-1]
	h = h[:len(h)-1]
	q.heap = h
	if len(h) == 0 {
		return top
	}
	// sift last down from the root
	pos := q.pos
	i := 0
	n := len(h)
	for {
		c := 4*i + 1
		if c >= n {
			break
		}
		m := c
		mv := h[c]
		end := min(c+4, n)
		for j := c + 1; j < end; j++ {
			if h[j] < mv {
				m, mv = j, h[j]
			}
		}
		if mv >= last {
			break
		}
		h[i] = mv
		pos[uint32(mv)] = uint32(i) + 1
		i = m
	}
	h[i] = last
	pos[uint32(last)] = uint32(i) + 1
	return top
}

// Cost returns the least cost of v found by the last run, or graph.Closed
// when v was not reached (or, after Improve, not improved).
func (q *Query) Cost(v graph.NodeID) graph.Cost { return q.cost[v] }

// Label returns the index of the source that reaches v at Cost(v), or
// NoLabel.
func (q *Query) Label(v graph.NodeID) int32 { return q.label[v] }

// Meters returns the network length in metres of the path found to v,
// including the source's Meters; 0 when v was not reached.
func (q *Query) Meters(v graph.NodeID) graph.Meters { return graph.Meters(q.meters[v]) }

// Costs returns the cost of every node (graph.Closed when not reached). The
// slice aliases the query and is valid until the next run; do not modify it.
func (q *Query) Costs() []graph.Cost { return q.cost }

// Labels returns the label of every node (NoLabel when not reached). The
// slice aliases the query and is valid until the next run.
func (q *Query) Labels() []int32 { return q.label }

// Settled returns the nodes labelled by the last run in the order their
// final cost was fixed (non-decreasing cost). The slice aliases the query
// and is valid until the next run.
func (q *Query) Settled() []graph.NodeID { return q.settled }

// Pool hands out Queries for one graph, so that concurrent requests each get
// their own state without allocating it per request. Safe for concurrent
// use.
type Pool struct {
	g *graph.Graph
	p sync.Pool
}

// NewPool returns a pool of Queries on g.
func NewPool(g *graph.Graph) *Pool {
	p := &Pool{g: g}
	p.p.New = func() any { return NewQuery(g) }
	return p
}

// Graph returns the graph the pool's queries search.
func (p *Pool) Graph() *graph.Graph { return p.g }

// Get returns a Query on the pool's graph; give it back with Put.
func (p *Pool) Get() *Query { return p.p.Get().(*Query) }

// Put returns q to the pool. q must come from this pool's graph and must not
// be used afterwards.
func (p *Pool) Put(q *Query) {
	if q == nil || q.g != p.g {
		return
	}
	p.p.Put(q)
}
