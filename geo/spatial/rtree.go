// Package spatial indexes planar geometry for search: a static packed
// R-tree over bounds (Sort-Tile-Recursive bulk load), point location in
// polygons through it, and a point guaranteed inside a polygon. Coordinates
// are planar in whatever CRS the caller uses (metres in EPSG:25833 or 3035
// in this module); nothing here knows a CRS.
package spatial

import (
	"math"
	"sort"

	"github.com/paulmach/orb"
)

// rtreeFanout is the number of children per R-tree node.
const rtreeFanout = 16

// RTree is a static, packed R-tree (Sort-Tile-Recursive bulk load) over
// item bounds. It is immutable after construction and safe for concurrent
// reads.
type RTree struct {
	bounds []orb.Bound // item bounds by item index
	items  []int32     // item indices in leaf order
	// levels[0] are the leaves (ranges into items), levels[k] ranges into
	// levels[k-1]; the last level holds the root nodes.
	levels [][]rnode
}

type rnode struct {
	b          orb.Bound
	start, end int32
}

// NewRTree packs the items listed in entries (indices into bounds).
func NewRTree(bounds []orb.Bound, entries []int32) *RTree {
	t := &RTree{bounds: bounds, items: append([]int32(nil), entries...)}
	if len(t.items) == 0 {
		return t
	}
	strSort(t.items, func(i int32) orb.Point { return bounds[i].Center() })
	level := make([]rnode, 0, (len(t.items)+rtreeFanout-1)/rtreeFanout)
	for s := 0; s < len(t.items); s += rtreeFanout {
		e := min(s+rtreeFanout, len(t.items))
		b := bounds[t.items[s]]
		for _, it := range t.items[s+1 : e] {
			b = b.Union(bounds[it])
		}
		level = append(level, rnode{b: b, start: int32(s), end: int32(e)})
	}
	t.levels = append(t.levels, level)
	for len(level) > 1 {
		// Order the nodes of this level by STR so that parents are compact,
		// then group them.
		strSortNodes(level)
		up := make([]rnode, 0, (len(level)+rtreeFanout-1)/rtreeFanout)
		for s := 0; s < len(level); s += rtreeFanout {
			e := min(s+rtreeFanout, len(level))
			b := level[s].b
			for _, n := range level[s+1 : e] {
				b = b.Union(n.b)
			}
			up = append(up, rnode{b: b, start: int32(s), end: int32(e)})
		}
		t.levels = append(t.levels, up)
		level = up
	}
	return t
}

// strSort orders ids in Sort-Tile-Recursive order of their centres.
func strSort(ids []int32, centre func(int32) orb.Point) {
	sort.Slice(ids, func(a, b int) bool { return centre(ids[a])[0] < centre(ids[b])[0] })
	leaves := (len(ids) + rtreeFanout - 1) / rtreeFanout
	slices := int(math.Ceil(math.Sqrt(float64(leaves))))
	per := slices * rtreeFanout
	for s := 0; s < len(ids); s += per {
		part := ids[s:min(s+per, len(ids))]
		sort.Slice(part, func(a, b int) bool { return centre(part[a])[1] < centre(part[b])[1] })
	}
}

func strSortNodes(ns []rnode) {
	idx := make([]int32, len(ns))
	for i := range idx {
		idx[i] = int32(i)
	}
	strSort(idx, func(i int32) orb.Point { return ns[i].b.Center() })
	sorted := make([]rnode, len(ns))
	for i, j := range idx {
		sorted[i] = ns[j]
	}
	copy(ns, sorted)
}

// Search appends to dst the item indices whose bounds intersect q, in no
// particular order, and returns dst.
func (t *RTree) Search(q orb.Bound, dst []int32) []int32 {
	if len(t.levels) == 0 {
		return dst
	}
	top := len(t.levels) - 1
	for i := range t.levels[top] {
		dst = t.visit(top, i, q, dst)
	}
	return dst
}

func (t *RTree) visit(level, i int, q orb.Bound, dst []int32) []int32 {
	n := t.levels[level][i]
	if !n.b.Intersects(q) {
		return dst
	}
	if level == 0 {
		for _, it := range t.items[n.start:n.end] {
			if t.bounds[it].Intersects(q) {
				dst = append(dst, it)
			}
		}
		return dst
	}
	for c := n.start; c < n.end; c++ {
		dst = t.visit(level-1, int(c), q, dst)
	}
	return dst
}
