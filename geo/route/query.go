package route

import (
	"sync"

	"reach/geo/graph"
)

// Query is the reusable state of the fast search on one graph: per-node cost,
// label and length arrays, a radix heap over the integer costs (monotone, so
// no decrease-key: an improved node is pushed again and stale entries are
// skipped when popped), and the list of nodes touched by the last run, so
// that the next run resets only those. A run allocates nothing once the
// Query has been used on its graph.
//
// A Query is not safe for concurrent use; give each goroutine its own (see
// Pool). Results are valid until the next run.
type Query struct {
	g     *graph.Graph
	first []uint32
	arcs  []graph.Arc

	// state holds cost, label and metres of each node side by side, so that
	// relaxing an arc touches one cache line of node state.
	state   []nodeState
	rh      radixHeap
	touched []graph.NodeID
	settled []graph.NodeID
	dirty   bool // state needs a full reset

	// costs and labels are filled from state on demand (Costs, Labels).
	costs                   []graph.Cost
	labels                  []int32
	costsValid, labelsValid bool

	par parallelState // for RunParallel
}

type nodeState struct {
	cost   graph.Cost
	label  int32
	meters float32
}

var unreached = nodeState{cost: graph.Closed, label: NoLabel}

// NewQuery returns a Query for g. Its arrays take about 12 bytes per node.
func NewQuery(g *graph.Graph) *Query {
	first, arcs := g.Arcs()
	q := &Query{g: g, first: first, arcs: arcs, state: make([]nodeState, g.NumNodes())}
	for i := range q.state {
		q.state[i] = unreached
	}
	return q
}

// Graph returns the graph the query searches.
func (q *Query) Graph() *graph.Graph { return q.g }

// reset clears what the previous run touched.
func (q *Query) reset() {
	if q.dirty || len(q.touched) > len(q.state)/8 {
		for i := range q.state {
			q.state[i] = unreached
		}
	} else {
		for _, v := range q.touched {
			q.state[v] = unreached
		}
	}
	q.costsValid, q.labelsValid = false, false
	q.dirty = false
	q.touched = q.touched[:0]
	q.settled = q.settled[:0]
	q.rh.reset()
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
	if len(baseline) != len(q.state) {
		panic("route: Improve: baseline length does not match the graph")
	}
	q.run(sources, limit, baseline)
}

func (q *Query) run(sources []Source, limit graph.Cost, base []graph.Cost) {
	q.reset()
	n := uint32(len(q.state))
	st := q.state
	for i, s := range sources {
		v := uint32(s.Node)
		if v >= n || s.Offset > limit {
			continue
		}
		if base != nil && s.Offset >= base[v] {
			continue
		}
		if s.Offset < st[v].cost {
			if st[v].cost == graph.Closed {
				q.touched = append(q.touched, s.Node)
			}
			st[v] = nodeState{cost: s.Offset, label: int32(i), meters: s.Meters}
			q.rh.push(s.Offset, v)
		}
	}
	first, arcs := q.first, q.arcs
	lim := uint64(limit)
	rh := &q.rh
	for rh.n > 0 {
		top := rh.pop()
		v := uint32(top)
		d := top >> 32
		sv := st[v]
		if graph.Cost(d) != sv.cost {
			continue // stale entry of a node improved since
		}
		q.settled = append(q.settled, graph.NodeID(v))
		lo, hi := first[v], first[v+1]
		for _, arc := range arcs[lo:hi] {
			nd := d + uint64(arc.Cost)
			w := uint32(arc.Head)
			if nd > lim || nd >= uint64(st[w].cost) {
				continue
			}
			if base != nil && nd >= uint64(base[w]) {
				continue
			}
			if st[w].cost == graph.Closed {
				q.touched = append(q.touched, graph.NodeID(w))
			}
			st[w] = nodeState{cost: graph.Cost(nd), label: sv.label, meters: sv.meters + arc.Length}
			rh.push(graph.Cost(nd), w)
		}
	}
}

// Cost returns the least cost of v found by the last run, or graph.Closed
// when v was not reached (or, after Improve, not improved).
func (q *Query) Cost(v graph.NodeID) graph.Cost { return q.state[v].cost }

// Label returns the index of the source that reaches v at Cost(v), or
// NoLabel.
func (q *Query) Label(v graph.NodeID) int32 { return q.state[v].label }

// Meters returns the network length in metres of the path found to v,
// including the source's Meters; 0 when v was not reached.
func (q *Query) Meters(v graph.NodeID) graph.Meters { return graph.Meters(q.state[v].meters) }

// Costs returns the cost of every node (graph.Closed when not reached). The
// slice belongs to the query and is valid until the next run; do not modify
// it. The first call after a run fills it in O(nodes).
func (q *Query) Costs() []graph.Cost {
	if !q.costsValid {
		if len(q.costs) != len(q.state) {
			q.costs = make([]graph.Cost, len(q.state))
		}
		for i := range q.state {
			q.costs[i] = q.state[i].cost
		}
		q.costsValid = true
	}
	return q.costs
}

// Labels returns the label of every node (NoLabel when not reached). The
// slice belongs to the query and is valid until the next run. The first call
// after a run fills it in O(nodes).
func (q *Query) Labels() []int32 {
	if !q.labelsValid {
		if len(q.labels) != len(q.state) {
			q.labels = make([]int32, len(q.state))
		}
		for i := range q.state {
			q.labels[i] = q.state[i].label
		}
		q.labelsValid = true
	}
	return q.labels
}

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
