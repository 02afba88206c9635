// Package route computes shortest paths on a graph.Graph.
//
// The reachability primitive is a bounded multi-source search: every source
// is a node with an initial offset (the access leg of the place it stands
// for), and the search gives, for every node it reaches within the limit, the
// least total cost, which source achieves it (its label, the index of the
// source) and the network length of the path found, in metres. On the
// reverse graph (graph.Graph.Reverse) the same search gives the travel time
// from every node to the nearest of the sources, one-way streets included.
//
// Dijkstra is the reference implementation, written to be obviously right
// and used as the oracle in tests. Query is the fast implementation: it keeps
// its buffers between runs and allocates nothing per run, so that one Query
// per goroutine (see Pool) serves any number of searches on one graph.
//
// Costs are graph.Cost, integer milliseconds; sums are exact. A cost that
// would exceed graph.MaxCost is treated as unreachable. Zero costs, loops,
// parallel arcs and disconnected parts are allowed.
package route

import (
	"container/heap"

	"reach/geo/graph"
)

// Source is a start of a search: a node, the cost already spent to get onto
// the network there (the access leg) and the length of that part in metres,
// counted in the reported network length.
type Source struct {
	Node   graph.NodeID
	Offset graph.Cost
	Meters float32
}

// Unbounded is the limit that bounds nothing.
const Unbounded = graph.MaxCost

// NoLabel is the label of a node that no source reaches.
const NoLabel int32 = -1

// Tree is the result of the reference Dijkstra: for every node the least
// cost (graph.Closed when not reached within the limit), the index of a
// source that achieves it (NoLabel when unreached) and the length in metres
// of the path found.
type Tree struct {
	Cost   []graph.Cost
	Label  []int32
	Meters []float64
}

// Dijkstra is the reference search: textbook Dijkstra with a binary heap
// from container/heap and lazy deletion, summing in uint64. It returns the
// least cost to every node from any source, counting each source's Offset,
// for nodes whose cost is at most limit. Sources whose node is out of range
// or whose offset exceeds limit are ignored. It allocates freely and is meant
// for tests and as a definition of what the fast search must return.
func Dijkstra(g *graph.Graph, sources []Source, limit graph.Cost) Tree {
	n := g.NumNodes()
	t := Tree{Cost: make([]graph.Cost, n), Label: make([]int32, n), Meters: make([]float64, n)}
	best := make([]uint64, n)
	done := make([]bool, n)
	const inf = ^uint64(0)
	for i := range best {
		best[i] = inf
		t.Cost[i] = graph.Closed
		t.Label[i] = NoLabel
	}
	h := &refHeap{}
	for i, s := range sources {
		if int(s.Node) >= n || s.Offset > limit {
			continue
		}
		d := uint64(s.Offset)
		if d < best[s.Node] {
			best[s.Node] = d
			t.Label[s.Node] = int32(i)
			t.Meters[s.Node] = float64(s.Meters)
			heap.Push(h, refItem{d, s.Node})
		}
	}
	lengths := g.ArcLengths()
	for h.Len() > 0 {
		it := heap.Pop(h).(refItem)
		v := it.node
		if done[v] || it.d != best[v] {
			continue
		}
		done[v] = true
		t.Cost[v] = graph.Cost(it.d)
		lo, hi := g.ArcRange(v)
		arcs := g.OutArcs(v)
		for a := lo; a < hi; a++ {
			arc := arcs[a-lo]
			d := it.d + uint64(arc.Cost)
			if d > uint64(limit) || done[arc.Head] || d >= best[arc.Head] {
				continue
			}
			best[arc.Head] = d
			t.Label[arc.Head] = t.Label[v]
			t.Meters[arc.Head] = t.Meters[v] + float64(lengths[a])
			heap.Push(h, refItem{d, arc.Head})
		}
	}
	for v := range n {
		if !done[v] {
			t.Label[v] = NoLabel
			t.Meters[v] = 0
		}
	}
	return t
}

type refItem struct {
	d    uint64
	node graph.NodeID
}

type refHeap []refItem

func (h refHeap) Len() int           { return len(h) }
func (h refHeap) Less(i, j int) bool { return h[i].d < h[j].d }
func (h refHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *refHeap) Push(x any)        { *h = append(*h, x.(refItem)) }
func (h *refHeap) Pop() any {
	old := *h
	it := old[len(old)-1]
	*h = old[:len(old)-1]
	return it
}
