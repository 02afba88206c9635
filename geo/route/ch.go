package route

import (
	"cmp"
	"container/heap"
	"context"
	"fmt"
	"slices"
	"sync"

	"reach/geo/graph"
)

// Hierarchy is a contraction hierarchy of a graph (Geisberger, Sanders,
// Schultes and Delling, 2008), prepared for one-to-all and many-to-all
// searches by a PHAST sweep (Delling, Goldberg, Nowatzyk and Werneck, 2011).
//
// Contraction removes the nodes one at a time, in an order chosen so that
// few shortcuts are needed, and adds a shortcut u→w of cost c(u,v)+c(v,w)
// whenever removing v would lengthen the shortest path from u to w (a local
// "witness" search finds the cases where another path is as short). Every
// shortest path of the graph then has a shortest equivalent that first only
// climbs to nodes contracted later and then only descends. A Sweep uses
// that: a search upwards from the sources, then one pass over all nodes from
// the top down, each node taking the least of its upward cost and its
// higher neighbours' costs plus the arc between them. The pass reads the
// nodes in a fixed order, so it is a linear scan instead of a priority
// queue, and its result is exact: the same costs as Dijkstra (Query.Run),
// labels naming a source that achieves the cost, and the metres of a path
// of that cost.
//
// Nodes are placed in levels: a node's level is one more than the highest
// level among its neighbours contracted before it, so that every arc of the
// hierarchy joins two different levels and the nodes of one level can be
// swept in any order, in parallel. The sweep visits positions 0, 1, … with
// levels descending; within a level, nodes keep their id order (which
// follows a Hilbert curve), so that neighbours stay close in memory.
//
// One Hierarchy serves both directions: forward sweeps give the cost from
// the sources to every node, backward sweeps the cost from every node to
// the nearest source (as Query on the reverse graph). A Hierarchy is
// immutable and safe for concurrent use; each goroutine uses its own Sweep.
type Hierarchy struct {
	n    int
	arcs int // arcs of the graph it was built from

	pos  []uint32       // node → sweep position
	node []graph.NodeID // sweep position → node

	// levels[i] is the first position of the i-th level from the top;
	// the last entry is n.
	levels []uint32

	// For the node at position p: up[upFirst[p]:upFirst[p+1]] are its arcs
	// p→q to higher nodes (q < p) in the direction of travel, and
	// down[downFirst[p]:downFirst[p+1]] the arcs q→p from higher nodes.
	// Both include shortcuts; Other is the position of the higher node.
	upFirst, downFirst []uint32
	up, down           []hArc

	pool sync.Pool // of *Sweep
}

// hArc is an arc of a Hierarchy between two sweep positions: the position
// of the higher end, the cost and the length in metres.
type hArc struct {
	other  uint32
	cost   graph.Cost
	length float32
}

// NumNodes returns the number of nodes of the graph the hierarchy was built
// from.
func (h *Hierarchy) NumNodes() int { return h.n }

// NumArcs returns the number of arcs of the hierarchy, shortcuts included.
func (h *Hierarchy) NumArcs() int { return len(h.up) + len(h.down) }

// NumLevels returns the number of levels.
func (h *Hierarchy) NumLevels() int { return len(h.levels) - 1 }

// Shortcuts returns the number of arcs of the hierarchy that are not arcs of
// the graph (an arc the graph has several times, or as a loop, is counted
// once or not at all, so this is an estimate for graphs with parallel arcs).
func (h *Hierarchy) Shortcuts() int { return max(0, h.NumArcs()-h.arcs) }

// ContractOptions tunes Contract. The zero value gives the defaults.
type ContractOptions struct {
	// WitnessSettle bounds the nodes settled by one witness search; a search
	// that stops early adds a shortcut that may not be needed, which costs
	// memory and time but never correctness. 0 means 400.
	WitnessSettle int
}

// Contract builds the contraction hierarchy of g on one core. For road
// networks time grows about in proportion to the nodes (13 s for the 1.2
// million of a state-wide car network; graphs without a road hierarchy,
// such as lattices with random costs, take longer and need more
// shortcuts); the hierarchy has about twice the graph's arcs. ctx is
// checked every few thousand nodes; a cancelled build returns ctx's error.
func Contract(ctx context.Context, g *graph.Graph, opt ContractOptions) (*Hierarchy, error) {
	if opt.WitnessSettle <= 0 {
		opt.WitnessSettle = 400
	}
	c := newContractor(g, opt.WitnessSettle)
	if err := c.run(ctx); err != nil {
		return nil, err
	}
	return c.hierarchy(g.NumArcs()), nil
}

// dynArc is an arc of the graph being contracted.
type dynArc struct {
	to     uint32
	cost   graph.Cost
	length float32
}

type contractor struct {
	n       int
	out, in [][]dynArc // arcs between nodes not yet contracted

	done    []bool
	level   []uint32
	deleted []uint32 // contracted neighbours
	prio    []int32

	// final arcs of each contracted node, to the nodes still there then
	upOut, upIn [][]dynArc

	// witness search state, reset by stamps
	dist   []graph.Cost
	stamp  []uint32
	target []uint32 // c.now while an out-neighbour of v is not settled
	now    uint32
	wheap  witnessHeap
	settle int

	// scratch for one contraction
	sc []shortcut
}

type shortcut struct {
	from, to uint32
	cost     graph.Cost
	length   float32
}

func newContractor(g *graph.Graph, settle int) *contractor {
	n := g.NumNodes()
	c := &contractor{
		n: n, out: make([][]dynArc, n), in: make([][]dynArc, n),
		done: make([]bool, n), level: make([]uint32, n), deleted: make([]uint32, n), prio: make([]int32, n),
		upOut: make([][]dynArc, n), upIn: make([][]dynArc, n),
		dist: make([]graph.Cost, n), stamp: make([]uint32, n), target: make([]uint32, n), settle: settle,
	}
	first, arcs := g.Arcs()
	for u := range n {
		for _, a := range arcs[first[u]:first[u+1]] {
			if uint32(a.Head) == uint32(u) {
				continue // a loop never shortens a path
			}
			c.addArc(uint32(u), uint32(a.Head), a.Cost, a.Length)
		}
	}
	return c
}

// addArc adds u→w or lowers an existing u→w to cost (ties keep the shorter
// length).
func (c *contractor) addArc(u, w uint32, cost graph.Cost, length float32) {
	for i := range c.out[u] {
		a := &c.out[u][i]
		if a.to != w {
			continue
		}
		if cost < a.cost || cost == a.cost && length < a.length {
			a.cost, a.length = cost, length
			for j := range c.in[w] {
				if b := &c.in[w][j]; b.to == u {
					b.cost, b.length = cost, length
					break
				}
			}
		}
		return
	}
	c.out[u] = append(c.out[u], dynArc{to: w, cost: cost, length: length})
	c.in[w] = append(c.in[w], dynArc{to: u, cost: cost, length: length})
}

// witness runs a Dijkstra from u on the remaining graph without v, bounded
// by limit and by c.settle settled nodes; afterwards c.reached(w) gives an
// upper bound of the cost from u to w avoiding v (exact when the search
// did not stop early).
//
// The search stops as soon as every out-neighbour of v other than u is
// settled: their costs are then final.
func (c *contractor) witness(u, v uint32, limit graph.Cost) {
	c.now++
	if c.now == 0 { // wrapped: clear the stamps
		clear(c.stamp)
		clear(c.target)
		c.now = 1
	}
	targets := 0
	for _, b := range c.out[v] {
		if b.to != u && c.target[b.to] != c.now {
			c.target[b.to] = c.now
			targets++
		}
	}
	h := &c.wheap
	h.items = h.items[:0]
	c.stamp[u], c.dist[u] = c.now, 0
	h.push(witnessItem{0, u})
	settled := 0
	for len(h.items) > 0 && targets > 0 {
		it := h.pop()
		if it.cost != c.dist[it.node] {
			continue
		}
		if it.cost > limit {
			break
		}
		if c.target[it.node] == c.now {
			c.target[it.node] = 0 // settled once
			targets--
		}
		settled++
		if settled > c.settle {
			break
		}
		for _, a := range c.out[it.node] {
			if a.to == v {
				continue
			}
			nd := uint64(it.cost) + uint64(a.cost)
			if nd > uint64(limit) {
				continue
			}
			if c.stamp[a.to] != c.now || graph.Cost(nd) < c.dist[a.to] {
				c.stamp[a.to], c.dist[a.to] = c.now, graph.Cost(nd)
				h.push(witnessItem{graph.Cost(nd), a.to})
			}
		}
	}
}

func (c *contractor) reached(w uint32) graph.Cost {
	if c.stamp[w] != c.now {
		return graph.Closed
	}
	return c.dist[w]
}

// shortcuts fills c.sc with the shortcuts that contracting v needs.
func (c *contractor) shortcuts(v uint32) {
	c.sc = c.sc[:0]
	if len(c.in[v]) == 0 || len(c.out[v]) == 0 {
		return
	}
	var maxOut graph.Cost
	for _, b := range c.out[v] {
		maxOut = max(maxOut, b.cost)
	}
	for _, a := range c.in[v] {
		u := a.to
		limit := graph.AddCost(a.cost, maxOut)
		if limit == graph.Closed {
			limit = graph.MaxCost
		}
		c.witness(u, v, limit)
		for _, b := range c.out[v] {
			w := b.to
			if w == u {
				continue
			}
			need := uint64(a.cost) + uint64(b.cost)
			if need > uint64(graph.MaxCost) {
				continue // longer than any cost a search can hold
			}
			if uint64(c.reached(w)) <= need {
				continue // a path avoiding v is as short
			}
			c.sc = append(c.sc, shortcut{from: u, to: w, cost: graph.Cost(need), length: a.length + b.length})
		}
	}
}

// priority is the order key of v: the edge difference (shortcuts added
// minus arcs removed), plus the number of neighbours already contracted and
// v's level, which spread the contraction evenly over the graph and keep
// the hierarchy flat.
func (c *contractor) priority(v uint32) int32 {
	c.shortcuts(v)
	removed := len(c.in[v]) + len(c.out[v])
	return int32(2*(len(c.sc)-removed)) + int32(c.deleted[v]) + int32(c.level[v])
}

func (c *contractor) run(ctx context.Context) error {
	pq := &prioHeap{}
	pq.items = make([]prioItem, 0, c.n)
	for v := range c.n {
		if v%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		c.prio[v] = c.priority(uint32(v))
		pq.items = append(pq.items, prioItem{c.prio[v], uint32(v)})
	}
	heap.Init(pq)
	count := 0
	var nbrs []uint32
	for pq.Len() > 0 {
		it := heap.Pop(pq).(prioItem)
		v := it.node
		if c.done[v] || it.prio != c.prio[v] {
			continue // stale entry
		}
		// lazy update: the priority may have grown since it was computed
		if p := c.priority(v); p != c.prio[v] {
			c.prio[v] = p
			if pq.Len() > 0 && p > pq.items[0].prio {
				heap.Push(pq, prioItem{p, v})
				continue
			}
		}
		count++
		if count%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		// c.sc holds v's shortcuts from the priority just computed
		sc := slices.Clone(c.sc)
		c.done[v] = true
		c.upOut[v] = slices.Clone(c.out[v])
		c.upIn[v] = slices.Clone(c.in[v])
		nbrs = nbrs[:0]
		for _, a := range c.out[v] {
			c.in[a.to] = removeArc(c.in[a.to], v)
			nbrs = append(nbrs, a.to)
		}
		for _, a := range c.in[v] {
			c.out[a.to] = removeArc(c.out[a.to], v)
			nbrs = append(nbrs, a.to)
		}
		c.out[v], c.in[v] = nil, nil
		for _, s := range sc {
			c.addArc(s.from, s.to, s.cost, s.length)
		}
		slices.Sort(nbrs)
		nbrs = slices.Compact(nbrs)
		for _, x := range nbrs {
			c.deleted[x]++
			c.level[x] = max(c.level[x], c.level[v]+1)
			// The neighbour's shortcuts have changed too, but recomputing
			// them here would cost a round of witness searches per
			// neighbour; its key only takes the new contracted
			// neighbour, and the lazy update above corrects it when it
			// comes up.
			c.prio[x]++
			heap.Push(pq, prioItem{c.prio[x], x})
		}
	}
	return nil
}

// removeArc removes the arc to v from arcs (there is at most one).
func removeArc(arcs []dynArc, v uint32) []dynArc {
	for i := range arcs {
		if arcs[i].to == v {
			arcs[i] = arcs[len(arcs)-1]
			return arcs[:len(arcs)-1]
		}
	}
	return arcs
}

// hierarchy orders the contracted nodes by level and lays out the arcs.
func (c *contractor) hierarchy(graphArcs int) *Hierarchy {
	n := c.n
	h := &Hierarchy{n: n, arcs: graphArcs, pos: make([]uint32, n), node: make([]graph.NodeID, n)}
	for v := range n {
		h.node[v] = graph.NodeID(v)
	}
	slices.SortStableFunc(h.node, func(a, b graph.NodeID) int {
		la, lb := c.level[a], c.level[b]
		switch {
		case la > lb:
			return -1
		case la < lb:
			return 1
		}
		return 0
	})
	for p, v := range h.node {
		h.pos[v] = uint32(p)
		if p == 0 || c.level[v] != c.level[h.node[p-1]] {
			h.levels = append(h.levels, uint32(p))
		}
	}
	h.levels = append(h.levels, uint32(n))
	h.upFirst = make([]uint32, n+1)
	h.downFirst = make([]uint32, n+1)
	for p, v := range h.node {
		h.upFirst[p+1] = h.upFirst[p] + uint32(len(c.upOut[v]))
		h.downFirst[p+1] = h.downFirst[p] + uint32(len(c.upIn[v]))
	}
	h.up = make([]hArc, h.upFirst[n])
	h.down = make([]hArc, h.downFirst[n])
	for p, v := range h.node {
		k := h.upFirst[p]
		for _, a := range c.upOut[v] {
			h.up[k] = hArc{other: h.pos[a.to], cost: a.cost, length: a.length}
			k++
		}
		k = h.downFirst[p]
		for _, a := range c.upIn[v] {
			h.down[k] = hArc{other: h.pos[a.to], cost: a.cost, length: a.length}
			k++
		}
		// higher positions last in memory order is irrelevant; sort by
		// position so that a sweep reads its predecessors in order
		slices.SortFunc(h.up[h.upFirst[p]:h.upFirst[p+1]], cmpArc)
		slices.SortFunc(h.down[h.downFirst[p]:h.downFirst[p+1]], cmpArc)
	}
	return h
}

func cmpArc(a, b hArc) int { return cmp.Compare(a.other, b.other) }

// Validate checks the invariants a Sweep relies on: positions and nodes are
// inverse permutations, level boundaries increase, and every arc leads from
// a node to a node of a higher level (a smaller position outside the node's
// level). It returns nil or an error naming the first broken invariant.
func (h *Hierarchy) Validate() error {
	n := h.n
	if len(h.pos) != n || len(h.node) != n || len(h.upFirst) != n+1 || len(h.downFirst) != n+1 {
		return fmt.Errorf("route: hierarchy arrays do not match %d nodes", n)
	}
	if h.upFirst[0] != 0 || int(h.upFirst[n]) != len(h.up) || h.downFirst[0] != 0 || int(h.downFirst[n]) != len(h.down) {
		return fmt.Errorf("route: hierarchy arc offsets do not match %d and %d arcs", len(h.up), len(h.down))
	}
	for p, v := range h.node {
		if int(v) >= n || h.pos[v] != uint32(p) {
			return fmt.Errorf("route: hierarchy position %d names node %d, whose position is not %d", p, v, p)
		}
	}
	if len(h.levels) == 0 || h.levels[0] != 0 || h.levels[len(h.levels)-1] != uint32(n) || (n == 0) != (len(h.levels) == 1) {
		return fmt.Errorf("route: hierarchy level bounds %v do not span %d nodes", h.levels, n)
	}
	for p := range n {
		if h.upFirst[p] > h.upFirst[p+1] || h.downFirst[p] > h.downFirst[p+1] {
			return fmt.Errorf("route: hierarchy offsets decrease at position %d", p)
		}
	}
	for i := 1; i < len(h.levels); i++ {
		lo, hi := h.levels[i-1], h.levels[i]
		if hi <= lo {
			return fmt.Errorf("route: hierarchy level %d is empty or out of order", i-1)
		}
		for p := lo; p < hi; p++ {
			for _, a := range h.up[h.upFirst[p]:h.upFirst[p+1]] {
				if a.other >= lo || a.cost == graph.Closed {
					return fmt.Errorf("route: hierarchy arc from position %d to %d does not lead upwards", p, a.other)
				}
			}
			for _, a := range h.down[h.downFirst[p]:h.downFirst[p+1]] {
				if a.other >= lo || a.cost == graph.Closed {
					return fmt.Errorf("route: hierarchy arc from position %d to %d does not lead downwards", a.other, p)
				}
			}
		}
	}
	return nil
}

type witnessItem struct {
	cost graph.Cost
	node uint32
}

// witnessHeap is a binary min-heap of witness search entries.
type witnessHeap struct{ items []witnessItem }

func (h *witnessHeap) push(it witnessItem) {
	h.items = append(h.items, it)
	i := len(h.items) - 1
	for i > 0 {
		p := (i - 1) / 2
		if h.items[p].cost <= it.cost {
			break
		}
		h.items[i] = h.items[p]
		i = p
	}
	h.items[i] = it
}

func (h *witnessHeap) pop() witnessItem {
	top := h.items[0]
	last := h.items[len(h.items)-1]
	h.items = h.items[:len(h.items)-1]
	n := len(h.items)
	if n == 0 {
		return top
	}
	i := 0
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		if r := l + 1; r < n && h.items[r].cost < h.items[l].cost {
			l = r
		}
		if h.items[l].cost >= last.cost {
			break
		}
		h.items[i] = h.items[l]
		i = l
	}
	h.items[i] = last
	return top
}

type prioItem struct {
	prio int32
	node uint32
}

type prioHeap struct{ items []prioItem }

func (h *prioHeap) Len() int { return len(h.items) }
func (h *prioHeap) Less(i, j int) bool {
	a, b := h.items[i], h.items[j]
	return a.prio < b.prio || a.prio == b.prio && a.node < b.node
}
func (h *prioHeap) Swap(i, j int) { h.items[i], h.items[j] = h.items[j], h.items[i] }
func (h *prioHeap) Push(x any)    { h.items = append(h.items, x.(prioItem)) }
func (h *prioHeap) Pop() any {
	it := h.items[len(h.items)-1]
	h.items = h.items[:len(h.items)-1]
	return it
}
