package graph

import "slices"

// Components is the partition of a graph's nodes into strongly connected
// components: two nodes are in one component when each can reach the other.
type Components struct {
	// Of maps every node to its component, 0 ≤ Of[v] < len(Size).
	// Components are numbered by decreasing size, so component 0 is the
	// largest (the main component); ties keep the order of discovery.
	Of []uint32
	// Size is the number of nodes of each component.
	Size []int
}

// Main reports whether v is in the largest strongly connected component.
func (c *Components) Main(v NodeID) bool { return c.Of[v] == 0 }

// StrongComponents computes the strongly connected components of g with an
// iterative version of Tarjan's algorithm, in O(nodes + arcs) time.
func StrongComponents(g *Graph) *Components {
	n := g.NumNodes()
	const unvisited = ^uint32(0)
	index := make([]uint32, n)
	low := make([]uint32, n)
	onStack := make([]bool, n)
	comp := make([]uint32, n)
	for i := range index {
		index[i] = unvisited
	}
	var stack []NodeID
	type frame struct {
		v    NodeID
		next uint32 // next arc to look at
	}
	var call []frame
	var next uint32
	var sizes []int
	for s := range n {
		if index[s] != unvisited {
			continue
		}
		call = append(call[:0], frame{v: NodeID(s), next: g.first[s]})
		index[s], low[s] = next, next
		next++
		stack = append(stack, NodeID(s))
		onStack[s] = true
		for len(call) > 0 {
			f := &call[len(call)-1]
			v := f.v
			if f.next < g.first[v+1] {
				w := g.arcs[f.next].Head
				f.next++
				if index[w] == unvisited {
					index[w], low[w] = next, next
					next++
					stack = append(stack, w)
					onStack[w] = true
					call = append(call, frame{v: w, next: g.first[w]})
				} else if onStack[w] && index[w] < low[v] {
					low[v] = index[w]
				}
				continue
			}
			// v is finished
			if low[v] == index[v] {
				id := uint32(len(sizes))
				size := 0
				for {
					w := stack[len(stack)-1]
					stack = stack[:len(stack)-1]
					onStack[w] = false
					comp[w] = id
					size++
					if w == v {
						break
					}
				}
				sizes = append(sizes, size)
			}
			call = call[:len(call)-1]
			if len(call) > 0 {
				u := call[len(call)-1].v
				if low[v] < low[u] {
					low[u] = low[v]
				}
			}
		}
	}
	// renumber by decreasing size (stable)
	order := make([]uint32, len(sizes))
	for i := range order {
		order[i] = uint32(i)
	}
	sortStableBySizeDesc(order, sizes)
	rank := make([]uint32, len(sizes))
	out := &Components{Of: comp, Size: make([]int, len(sizes))}
	for r, id := range order {
		rank[id] = uint32(r)
		out.Size[r] = sizes[id]
	}
	for v := range comp {
		comp[v] = rank[comp[v]]
	}
	return out
}

func sortStableBySizeDesc(order []uint32, sizes []int) {
	slices.SortStableFunc(order, func(a, b uint32) int { return sizes[b] - sizes[a] })
}
