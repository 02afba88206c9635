// Package snap finds the nearest network line (edge) or node to a point
// within a radius, and says "nothing near" instead of guessing.
//
// Coordinates are planar metres in one projected CRS, in reach EPSG:25833
// (X = easting, Y = northing); distances are Euclidean in that plane. The
// indexes are uniform grids of buckets: every line segment is filed under
// each bucket its bounding box touches, and a query visits rings of buckets
// outwards from the point until no unvisited bucket can hold anything nearer
// than the best hit or the radius is exhausted.
//
// Callers decide what may be snapped to with an accept function, so that
// nothing snaps silently to a part of the network that is cut off from the
// main component (see graph.StrongComponents): query once with the filter,
// and once without it to report that the nearest line was on an island.
//
// Indexes are immutable once built and safe for concurrent use.
package snap

import (
	"math"
	"runtime"
	"sync"

	"github.com/paulmach/orb"

	"reach/geo/graph"
)

// DefaultBucket is the bucket side in metres used when a constructor is
// given a non-positive size.
const DefaultBucket = 250.0

// grid is the bucket structure shared by both indexes.
type grid struct {
	minX, minY float64
	size       float64
	nx, ny     int
	start      []uint32 // len nx*ny+1
	items      []uint32 // item ids per bucket
}

func (g *grid) cellOf(x, y float64) (int, int) {
	cx := int(math.Floor((x - g.minX) / g.size))
	cy := int(math.Floor((y - g.minY) / g.size))
	return cx, cy
}

func clampInt(v, lo, hi int) int {
	if v < lo {
		return lo
	}
	if v > hi {
		return hi
	}
	return v
}

// buildGrid files n items, each covering the box [lo, hi], into buckets.
func buildGrid(n int, size float64, box func(i int) (lo, hi orb.Point)) *grid {
	if !(size > 0) {
		size = DefaultBucket
	}
	g := &grid{size: size, minX: math.Inf(1), minY: math.Inf(1)}
	maxX, maxY := math.Inf(-1), math.Inf(-1)
	for i := range n {
		lo, hi := box(i)
		g.minX, g.minY = math.Min(g.minX, lo[0]), math.Min(g.minY, lo[1])
		maxX, maxY = math.Max(maxX, hi[0]), math.Max(maxY, hi[1])
	}
	if n == 0 {
		g.minX, g.minY, maxX, maxY = 0, 0, 0, 0
	}
	g.nx = int((maxX-g.minX)/size) + 1
	g.ny = int((maxY-g.minY)/size) + 1
	g.start = make([]uint32, g.nx*g.ny+1)
	forCells := func(i int, f func(c int)) {
		lo, hi := box(i)
		x0, y0 := g.cellOf(lo[0], lo[1])
		x1, y1 := g.cellOf(hi[0], hi[1])
		x0, x1 = clampInt(x0, 0, g.nx-1), clampInt(x1, 0, g.nx-1)
		y0, y1 = clampInt(y0, 0, g.ny-1), clampInt(y1, 0, g.ny-1)
		for y := y0; y <= y1; y++ {
			for x := x0; x <= x1; x++ {
				f(y*g.nx + x)
			}
		}
	}
	for i := range n {
		forCells(i, func(c int) { g.start[c+1]++ })
	}
	for c := 0; c < g.nx*g.ny; c++ {
		g.start[c+1] += g.start[c]
	}
	next := append([]uint32(nil), g.start[:g.nx*g.ny]...)
	g.items = make([]uint32, g.start[g.nx*g.ny])
	for i := range n {
		forCells(i, func(c int) {
			g.items[next[c]] = uint32(i)
			next[c]++
		})
	}
	return g
}

// search visits the buckets around p in rings of growing Chebyshev radius.
// visit is called for every item of a bucket (an item may come more than
// once) and returns the best distance found so far; the search stops when
// the next ring cannot hold anything closer than that or than radius.
func (g *grid) search(p orb.Point, radius float64, visit func(item uint32) float64) {
	if g.nx == 0 || len(g.items) == 0 {
		return
	}
	if math.IsNaN(p[0]) || math.IsNaN(p[1]) || math.IsInf(p[0], 0) || math.IsInf(p[1], 0) || math.IsNaN(radius) || radius < 0 {
		return
	}
	// the point's bucket, clamped so that far-away points stay in int range;
	// the ring distance bound below still holds for a clamped bucket because
	// rings are only ever cut short by radius or by the best hit, and a
	// clamped point is farther from every bucket than its ring index says.
	fx := math.Floor((p[0] - g.minX) / g.size)
	fy := math.Floor((p[1] - g.minY) / g.size)
	if fx < -1 || fy < -1 || fx > float64(g.nx) || fy > float64(g.ny) {
		// outside the grid by more than a bucket: the nearest bucket is at
		// least this far away
		dx := math.Max(0, math.Max(g.minX-p[0], p[0]-(g.minX+float64(g.nx)*g.size)))
		dy := math.Max(0, math.Max(g.minY-p[1], p[1]-(g.minY+float64(g.ny)*g.size)))
		if math.Hypot(dx, dy) > radius {
			return
		}
	}
	cx := int(math.Max(-1, math.Min(fx, float64(g.nx))))
	cy := int(math.Max(-1, math.Min(fy, float64(g.ny))))
	best := math.Inf(1)
	rMax := max(cx+1, g.nx-cx, cy+1, g.ny-cy)
	maxRing := rMax
	if rr := radius/g.size + 2; rr < float64(rMax) {
		maxRing = int(rr)
	}
	for r := 0; r <= maxRing; r++ {
		// everything in ring r is at least (r-1)*size away from p
		if r > 0 {
			inner := float64(r-1) * g.size
			if inner > radius || inner > best {
				return
			}
		}
		y0, y1 := cy-r, cy+r
		x0, x1 := cx-r, cx+r
		for y := y0; y <= y1; y++ {
			if y < 0 || y >= g.ny {
				continue
			}
			step := 1
			if y != y0 && y != y1 {
				step = x1 - x0 // only the two side cells
				if step == 0 {
					step = 1
				}
			}
			for x := x0; x <= x1; x += step {
				if x < 0 || x >= g.nx {
					continue
				}
				c := y*g.nx + x
				for _, it := range g.items[g.start[c]:g.start[c+1]] {
					best = visit(it)
				}
			}
		}
	}
}

// Lines indexes polylines for nearest-line queries. The id of a line is its
// index in the slice given to NewLines.
type Lines struct {
	lines []orb.LineString
	segL  []uint32 // line of each segment
	segI  []uint32 // index of the segment's first vertex in its line
	grid  *grid
}

// LineHit is the nearest point found on a line.
type LineHit struct {
	Line     uint32    // index of the line
	Segment  int       // index of the first vertex of the segment hit
	Point    orb.Point // nearest point on the line
	Distance float64   // from the query point to Point, metres
	Along    float64   // length of the line from its first vertex to Point, metres
	Fraction float64   // Along divided by the line's length (0 for a line of length 0)
}

// NewLines indexes lines with buckets of bucket metres (DefaultBucket when
// not positive). Lines with fewer than one vertex are never hit; a line of
// one vertex is a point. The lines are kept, not copied. The index holds
// fewer than 2^32 segments.
//
// Every segment is filed under each bucket its bounding box touches, in
// segment order. Large inputs are indexed by up to four goroutines, each
// over its own range of lines; the result does not depend on their number.
func NewLines(lines []orb.LineString, bucket float64) *Lines {
	if !(bucket > 0) {
		bucket = DefaultBucket
	}
	segments := 0
	for _, l := range lines {
		segments += lineSegments(l)
	}
	if segments > math.MaxUint32 {
		panic("snap: NewLines: 2^32 segments or more")
	}
	ix := &Lines{lines: lines, segL: make([]uint32, segments), segI: make([]uint32, segments)}
	workers := 1
	if segments >= 1<<16 {
		workers = min(runtime.GOMAXPROCS(0), 4)
	}
	// Worker w takes the lines [lineCut[w], lineCut[w+1]), whose segments
	// begin at segCut[w].
	lineCut := make([]int, workers+1)
	segCut := make([]int, workers+1)
	for w, i, seg := 1, 0, 0; w <= workers; w++ {
		for ; i < len(lines) && seg < w*segments/workers; i++ {
			seg += lineSegments(lines[i])
		}
		if w == workers {
			i, seg = len(lines), segments
		}
		lineCut[w], segCut[w] = i, seg
	}

	// Segments and the extent.
	type extent struct{ minX, minY, maxX, maxY float64 }
	ext := make([]extent, workers)
	parallel(workers, func(w int) {
		e := extent{math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)}
		s := segCut[w]
		for i := lineCut[w]; i < lineCut[w+1]; i++ {
			l := lines[i]
			for _, p := range l {
				e.minX, e.minY = min(e.minX, p[0]), min(e.minY, p[1])
				e.maxX, e.maxY = max(e.maxX, p[0]), max(e.maxY, p[1])
			}
			k := lineSegments(l)
			segL, segI := ix.segL[s:s+k], ix.segI[s:s+k]
			for j := range segL {
				segL[j] = uint32(i)
				segI[j] = uint32(j)
			}
			s += k
		}
		ext[w] = e
	})
	g := &grid{size: bucket, minX: math.Inf(1), minY: math.Inf(1)}
	maxX, maxY := math.Inf(-1), math.Inf(-1)
	for _, e := range ext {
		g.minX, g.minY = min(g.minX, e.minX), min(g.minY, e.minY)
		maxX, maxY = max(maxX, e.maxX), max(maxY, e.maxY)
	}
	if segments == 0 {
		g.minX, g.minY, maxX, maxY = 0, 0, 0, 0
	}
	g.nx = int((maxX-g.minX)/bucket) + 1
	g.ny = int((maxY-g.minY)/bucket) + 1
	cells := g.nx * g.ny
	ix.grid = g

	// The buckets of every segment: counted per worker, then filed, each
	// worker's segments after those of the workers before it.
	count := make([][]uint32, workers)
	parallel(workers, func(w int) {
		count[w] = make([]uint32, cells)
		g.fileLines(lines[lineCut[w]:lineCut[w+1]], uint32(segCut[w]), count[w], nil)
	})
	// count[w][c] becomes the first slot of worker w in bucket c
	g.start = make([]uint32, cells+1)
	at := uint32(0)
	for c := range cells {
		g.start[c] = at
		for _, n := range count {
			k := n[c]
			n[c] = at
			at += k
		}
	}
	g.start[cells] = at
	g.items = make([]uint32, at)
	parallel(workers, func(w int) {
		g.fileLines(lines[lineCut[w]:lineCut[w+1]], uint32(segCut[w]), count[w], g.items)
	})
	return ix
}

// lineSegments returns the number of segments of l: a line of one vertex
// has one, a point.
func lineSegments(l orb.LineString) int { return max(len(l)-1, min(len(l), 1)) }

// fileLines visits the segments of lines, numbered from s on, and every
// bucket each one's bounding box touches: with items nil it counts the
// segments of each bucket c in next[c]; otherwise it files each segment at
// items[next[c]] and advances next[c].
//
// The buckets of a box are those of its corners: the bucket of a
// coordinate only grows with the coordinate, so the least bucket of a
// segment is the lesser of its ends' buckets. Each vertex's bucket is
// computed once.
func (g *grid) fileLines(lines []orb.LineString, s uint32, next, items []uint32) {
	file := func(x0, x1, y0, y1 int) {
		for y := y0; y <= y1; y++ {
			row := y * g.nx
			for c := row + x0; c <= row+x1; c++ {
				if items == nil {
					next[c]++
				} else {
					items[next[c]] = s
					next[c]++
				}
			}
		}
		s++
	}
	for _, l := range lines {
		if len(l) == 0 {
			continue
		}
		px, py := g.clampedCell(l[0])
		if len(l) == 1 {
			file(px, px, py, py)
			continue
		}
		for _, q := range l[1:] {
			qx, qy := g.clampedCell(q)
			file(min(px, qx), max(px, qx), min(py, qy), max(py, qy))
			px, py = qx, qy
		}
	}
}

// clampedCell returns the bucket of p, clamped to the grid.
func (g *grid) clampedCell(p orb.Point) (int, int) {
	x, y := g.cellOf(p[0], p[1])
	return clampInt(x, 0, g.nx-1), clampInt(y, 0, g.ny-1)
}

// parallel runs f(0), …, f(workers-1), concurrently when workers > 1, and
// waits for all of them.
func parallel(workers int, f func(w int)) {
	var wg sync.WaitGroup
	for w := 1; w < workers; w++ {
		wg.Go(func() { f(w) })
	}
	f(0)
	wg.Wait()
}

// Len returns the number of lines.
func (ix *Lines) Len() int { return len(ix.lines) }

// Length returns the length of line i in metres.
func (ix *Lines) Length(i uint32) float64 {
	_, _, total := ix.along(i, 0)
	return total
}

// along returns the length of line i up to its vertex j and up to vertex
// j+1 (when there is one; else up to j again), and its whole length, each
// summed segment by segment from the first vertex.
func (ix *Lines) along(i uint32, j int) (toJ, toNext, total float64) {
	l := ix.lines[i]
	c := 0.0
	for k := 1; k < len(l); k++ {
		c += math.Hypot(l[k][0]-l[k-1][0], l[k][1]-l[k-1][1])
		if k == j {
			toJ = c
		}
		if k == j+1 {
			toNext = c
		}
	}
	if j+1 >= len(l) {
		toNext = toJ
	}
	return toJ, toNext, c
}

// Nearest returns the point of an accepted line nearest to p, if one lies
// within radius metres (inclusive). accept may be nil to accept every line.
// Ties are broken by the lower line index, then segment index.
func (ix *Lines) Nearest(p orb.Point, radius float64, accept func(line uint32) bool) (LineHit, bool) {
	best := LineHit{Distance: math.Inf(1)}
	bestT := 0.0
	found := false
	ix.grid.search(p, radius, func(s uint32) float64 {
		line := ix.segL[s]
		if accept != nil && !accept(line) {
			return best.Distance
		}
		l := ix.lines[line]
		j := int(ix.segI[s])
		a := l[j]
		b := a
		if j+1 < len(l) {
			b = l[j+1]
		}
		q, t := project(p, a, b)
		d := math.Hypot(p[0]-q[0], p[1]-q[1])
		if d > radius {
			return best.Distance
		}
		if d < best.Distance || d == best.Distance && (line < best.Line || line == best.Line && j < best.Segment) {
			best = LineHit{Line: line, Segment: j, Point: q, Distance: d}
			bestT = t
			found = true
		}
		return best.Distance
	})
	if found {
		toJ, toNext, total := ix.along(best.Line, best.Segment)
		best.Along = toJ + bestT*(toNext-toJ)
		if total > 0 {
			best.Fraction = math.Min(1, best.Along/total)
		}
	}
	return best, found
}

// project returns the point of segment ab nearest to p and its parameter
// t in [0, 1].
func project(p, a, b orb.Point) (orb.Point, float64) {
	dx, dy := b[0]-a[0], b[1]-a[1]
	l2 := dx*dx + dy*dy
	if l2 == 0 {
		return a, 0
	}
	t := ((p[0]-a[0])*dx + (p[1]-a[1])*dy) / l2
	t = math.Max(0, math.Min(1, t))
	return orb.Point{a[0] + t*dx, a[1] + t*dy}, t
}

// Nodes indexes the nodes of a graph for nearest-node queries.
type Nodes struct {
	g    *graph.Graph
	grid *grid
}

// NewNodes indexes the nodes of g with buckets of bucket metres
// (DefaultBucket when not positive).
func NewNodes(g *graph.Graph, bucket float64) *Nodes {
	return &Nodes{g: g, grid: buildGrid(g.NumNodes(), bucket, func(i int) (orb.Point, orb.Point) {
		p := g.Point(graph.NodeID(i))
		return p, p
	})}
}

// Nearest returns the accepted node nearest to p within radius metres
// (inclusive) and its distance; ok is false when there is none. accept may be
// nil. Ties are broken by the lower NodeID.
func (ix *Nodes) Nearest(p orb.Point, radius float64, accept func(graph.NodeID) bool) (v graph.NodeID, dist float64, ok bool) {
	v, dist = graph.NoNode, math.Inf(1)
	ix.grid.search(p, radius, func(it uint32) float64 {
		w := graph.NodeID(it)
		if accept != nil && !accept(w) {
			return dist
		}
		q := ix.g.Point(w)
		d := math.Hypot(p[0]-q[0], p[1]-q[1])
		if d <= radius && (d < dist || d == dist && w < v) {
			v, dist, ok = w, d, true
		}
		return dist
	})
	return v, dist, ok
}
