package route

import (
	"slices"
	"sync"
	"sync/atomic"

	"reach/geo/graph"
)

// parallelState is what RunParallel keeps between runs: helper queries for
// the workers beyond the first, the shared bound array and the partition of
// the sources.
type parallelState struct {
	helpers []*Query
	shared  []uint32 // least cost any worker has found per node
	order   []int32
	parts   [][]Source
	index   [][]int32 // worker source index → caller's source index
}

// RunParallel is Run with the search split over up to workers goroutines;
// the results (Cost, Label, Meters, Costs, Labels) are the same as Run's:
// the least cost over all sources, ties between sources broken in some
// order. Settled is empty after RunParallel.
//
// The sources are split into groups of neighbouring nodes (node ids follow
// a Hilbert curve), each searched by its own worker. The workers share one
// array of the least cost found so far per node and do not expand a node
// that another worker reaches at a strictly smaller cost, so each settles
// roughly its own share of the graph; a final pass takes the least cost per
// node. It pays off for searches that cover much of a large graph from many
// sources (the nearest facility for every cell); with workers ≤ 1, or fewer
// than two sources, it is Run. Extra memory per worker is one Query's,
// allocated on first use; later runs allocate only the few small objects
// of starting the goroutines.
func (q *Query) RunParallel(sources []Source, limit graph.Cost, workers int) {
	workers = min(workers, len(sources))
	if workers <= 1 {
		q.Run(sources, limit)
		return
	}
	ps := &q.par
	n := len(q.state)
	for len(ps.helpers) < workers-1 {
		ps.helpers = append(ps.helpers, NewQuery(q.g))
	}
	if len(ps.shared) != n {
		ps.shared = make([]uint32, n)
	}
	for i := range ps.shared {
		ps.shared[i] = uint32(graph.Closed)
	}
	// partition the sources by node id into contiguous groups
	ps.order = ps.order[:0]
	for i := range sources {
		ps.order = append(ps.order, int32(i))
	}
	slices.SortFunc(ps.order, func(a, b int32) int {
		na, nb := sources[a].Node, sources[b].Node
		switch {
		case na < nb:
			return -1
		case na > nb:
			return 1
		}
		return int(a - b)
	})
	for len(ps.parts) < workers {
		ps.parts = append(ps.parts, nil)
		ps.index = append(ps.index, nil)
	}
	for w := range workers {
		lo, hi := w*len(sources)/workers, (w+1)*len(sources)/workers
		ps.parts[w] = ps.parts[w][:0]
		ps.index[w] = ps.index[w][:0]
		for _, i := range ps.order[lo:hi] {
			ps.parts[w] = append(ps.parts[w], sources[i])
			ps.index[w] = append(ps.index[w], i)
		}
	}
	worker := func(w int) *Query {
		if w == 0 {
			return q
		}
		return ps.helpers[w-1]
	}
	var wg sync.WaitGroup
	for w := 1; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			worker(w).runShared(ps.parts[w], limit, ps.shared)
		}()
	}
	q.runShared(ps.parts[0], limit, ps.shared)
	wg.Wait()
	// merge: least cost per node, labels mapped back to the caller's
	// indices; split over the workers' goroutines as well
	merge := func(lo, hi int) {
		st := q.state
		for v := lo; v < hi; v++ {
			best := st[v]
			from := 0
			for w := 1; w < workers; w++ {
				if s := ps.helpers[w-1].state[v]; s.cost < best.cost {
					best, from = s, w
				}
			}
			if best.cost != graph.Closed {
				best.label = ps.index[from][best.label]
			}
			st[v] = best
		}
	}
	for w := 1; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			merge(w*n/workers, (w+1)*n/workers)
		}()
	}
	merge(0, n/workers)
	wg.Wait()
	q.dirty = true // every node may have been written
	q.settled = q.settled[:0]
	q.costsValid, q.labelsValid = false, false
}

// runShared is run with pruning against the costs other workers found:
// shared[v] is the least cost any worker has for v, lowered with
// compare-and-swap. A worker neither keeps an arc to a node that another
// worker reaches at a cost no greater, nor expands a node that another
// worker reaches at a strictly smaller cost; the worker that holds a node's
// least cost always expands it, so the least cost over the workers' own
// results is the least cost over all sources.
func (q *Query) runShared(sources []Source, limit graph.Cost, shared []uint32) {
	q.reset()
	q.dirty = true
	n := uint32(len(q.state))
	st := q.state
	lower := func(v uint32, c uint32) bool {
		for {
			old := atomic.LoadUint32(&shared[v])
			if c >= old {
				return false
			}
			if atomic.CompareAndSwapUint32(&shared[v], old, c) {
				return true
			}
		}
	}
	for i, s := range sources {
		v := uint32(s.Node)
		if v >= n || s.Offset > limit || s.Offset >= st[v].cost {
			continue
		}
		if !lower(v, uint32(s.Offset)) {
			continue
		}
		st[v] = nodeState{cost: s.Offset, label: int32(i), meters: s.Meters}
		q.rh.push(s.Offset, v)
	}
	first, arcs := q.first, q.arcs
	lim := uint64(limit)
	rh := &q.rh
	for rh.n > 0 {
		top := rh.pop()
		v := uint32(top)
		d := top >> 32
		sv := st[v]
		if graph.Cost(d) != sv.cost || uint32(d) > atomic.LoadUint32(&shared[v]) {
			continue // stale, or another worker has v cheaper
		}
		lo, hi := first[v], first[v+1]
		for _, arc := range arcs[lo:hi] {
			nd := d + uint64(arc.Cost)
			w := uint32(arc.Head)
			if nd > lim || nd >= uint64(st[w].cost) || !lower(w, uint32(nd)) {
				continue
			}
			st[w] = nodeState{cost: graph.Cost(nd), label: sv.label, meters: sv.meters + arc.Length}
			rh.push(graph.Cost(nd), w)
		}
	}
}
