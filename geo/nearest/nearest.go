// Package nearest finds, for every point of a fixed set of query points
// (the centres of the populated grid cells), the nearest of a set of sites
// (the facilities of one category) in the plane: exact, ties to the lowest
// site index, the same answer as comparing every pair.
//
// The query points are sorted once into square blocks (Queries). Per set of
// sites and per block, the candidates are the sites that can be nearest to
// some point of the block: with U the smallest distance from any site to
// the farthest point of the block's bound, a site whose distance to the
// bound exceeds U is farther than that site from every point of the block.
// Each point then compares only the block's few candidates, the points of a
// block in a row. The blocks are grouped into square superblocks of
// superSide × superSide blocks, halved into quadrants down to single
// blocks: the sites are searched in a bucket grid by that rule once per
// quadrant of the largest size that spans at most gridSpacings site
// spacings (the whole superblock where sites are sparse), and each smaller
// quadrant keeps those of its parent's
// candidates that the rule keeps for its own bound (the nearest site of
// every point of a quadrant is among its parent's candidates, and any
// site's distance to the quadrant's farthest corner bounds the quadrant). A
// quadrant left with one candidate takes it for all its points at once:
// most points lie well inside the region a site is nearest to. The
// superblocks are shared out over the processors.
//
// All comparisons are on squared distances in float64, so that the bounds
// hold in floating point too: the rounding of a difference is monotone, so
// the squared distance from a site to a point of the bound is never below
// the computed one to the bound, nor above the computed one to its
// farthest corner. No CRS: coordinates are metres of one planar CRS.
package nearest

import (
	"math"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/paulmach/orb"
)

// Queries are query points sorted into square blocks. Immutable once built
// and safe for concurrent use.
type Queries struct {
	n      int
	order  []int32   // query indexes, grouped by block, blocks grouped by superblock
	xs, ys []float64 // coordinates in that order
	start  []int32   // per block: offsets into order; len blocks+1
	bnd    []box     // per block: the bound of its points
	super  []int32   // per superblock: offsets into the blocks; len superblocks+1
	sbnd   []box     // per superblock: the bound of its points
	code   []uint16  // per block: its place in its superblock, bits of column and row interleaved
	size   float64   // side of a block
}

// superSide is the side of a superblock in blocks, a power of two:
// superblocks of 8 × 8 blocks are halved three times down to a block.
const superSide = 8

// zcode interleaves the bits of a block's column and row in its
// superblock (Z order): the blocks of every quadrant follow each other.
func zcode(x, y uint64) uint16 {
	var c uint16
	for bit := range 8 {
		c |= uint16(x>>bit&1)<<(2*bit) | uint16(y>>bit&1)<<(2*bit+1)
	}
	return c
}

type box struct{ x0, y0, x1, y1 float64 }

// NewQueries sorts pts into square blocks of size metres (size > 0).
// Points of a grid of cells do best with blocks of about ten to twenty
// cells a side.
func NewQueries(pts []orb.Point, size float64) *Queries {
	q := &Queries{n: len(pts)}
	if len(pts) == 0 {
		q.start = []int32{0}
		q.super = []int32{0}
		return q
	}
	if !(size > 0) || math.IsInf(size, 0) {
		size = 1000
	}
	q.size = size
	minX, minY := pts[0][0], pts[0][1]
	for _, p := range pts {
		minX, minY = math.Min(minX, p[0]), math.Min(minY, p[1])
	}
	// Keys: the superblock's row and column, then the block's place in
	// it in Z order, so that the blocks of a superblock and those of each
	// of its quadrants follow each other.
	skey := make([]uint64, len(pts))
	key := make([]uint16, len(pts))
	for i, p := range pts {
		bx := uint64(math.Floor((p[0] - minX) / size))
		by := uint64(math.Floor((p[1] - minY) / size))
		key[i] = zcode(bx%superSide, by%superSide)
		skey[i] = (by/superSide)<<32 | bx/superSide
	}
	q.order = make([]int32, len(pts))
	for i := range q.order {
		q.order[i] = int32(i)
	}
	slices.SortFunc(q.order, func(a, b int32) int {
		if skey[a] != skey[b] {
			if skey[a] < skey[b] {
				return -1
			}
			return 1
		}
		if key[a] != key[b] {
			if key[a] < key[b] {
				return -1
			}
			return 1
		}
		return int(a - b)
	})
	q.xs = make([]float64, len(pts))
	q.ys = make([]float64, len(pts))
	for k, i := range q.order {
		x, y := pts[i][0], pts[i][1]
		q.xs[k], q.ys[k] = x, y
		if k == 0 || skey[i] != skey[q.order[k-1]] {
			q.super = append(q.super, int32(len(q.bnd)))
			q.sbnd = append(q.sbnd, box{x, y, x, y})
		}
		if k == 0 || key[i] != key[q.order[k-1]] || skey[i] != skey[q.order[k-1]] {
			q.start = append(q.start, int32(k))
			q.bnd = append(q.bnd, box{x, y, x, y})
			q.code = append(q.code, key[i])
		}
		q.bnd[len(q.bnd)-1].extend(x, y)
		q.sbnd[len(q.sbnd)-1].extend(x, y)
	}
	q.start = append(q.start, int32(len(pts)))
	q.super = append(q.super, int32(len(q.bnd)))
	return q
}

func (b *box) extend(x, y float64) {
	b.x0, b.y0 = math.Min(b.x0, x), math.Min(b.y0, y)
	b.x1, b.y1 = math.Max(b.x1, x), math.Max(b.y1, y)
}

// Len returns the number of query points.
func (q *Queries) Len() int { return q.n }

// Blocks returns the number of non-empty blocks.
func (q *Queries) Blocks() int { return len(q.bnd) }

// Superblocks returns the number of non-empty superblocks.
func (q *Queries) Superblocks() int { return len(q.sbnd) }

// Nearest writes, for every query point i, the index of the nearest site
// into idx[i] and its distance into dist[i] (the square root of the
// squared distance); ties go to the lowest site index. Without sites idx
// is -1 and dist +Inf everywhere. idx and dist must have Len() elements.
// It uses up to workers goroutines (GOMAXPROCS when workers ≤ 0).
func (q *Queries) Nearest(sites []orb.Point, idx []int32, dist []float64, workers int) {
	q.NearestLabel(sites, nil, idx, dist, workers)
}

// NearestLabel is Nearest writing label[j] instead of j for the nearest
// site j (the same site, of the lowest index among equally near ones);
// label nil is Nearest. label must have one element per site.
func (q *Queries) NearestLabel(sites []orb.Point, label []int32, idx []int32, dist []float64, workers int) {
	if len(idx) != q.n || len(dist) != q.n {
		panic("nearest: idx and dist must have one element per query point")
	}
	if label != nil && len(label) != len(sites) {
		panic("nearest: label must have one element per site")
	}
	if len(sites) == 0 {
		for i := range idx {
			idx[i], dist[i] = -1, math.Inf(1)
		}
		return
	}
	g := newSiteGrid(sites)
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	const chunk = 1 // superblocks taken at a time: few and large on a coarse grid
	workers = max(1, min(workers, (len(q.sbnd)+chunk-1)/chunk))
	var next atomic.Int64
	run := func() {
		sc := nearScratch{g: g, sites: sites, label: label, idx: idx, dist: dist, gridLevel: q.gridLevel(g)}
		for {
			s0 := int(next.Add(chunk)) - chunk
			if s0 >= len(q.sbnd) {
				return
			}
			for s := s0; s < min(s0+chunk, len(q.sbnd)); s++ {
				q.superblock(s, &sc)
			}
		}
	}
	if workers == 1 {
		run()
		return
	}
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() { defer wg.Done(); run() }()
	}
	wg.Wait()
}

// nearScratch holds the candidate lists of one worker, one per level of
// the halving of a superblock.
type nearScratch struct {
	lv        [levels + 1]candList
	g         *siteGrid
	sites     []orb.Point
	label     []int32
	idx       []int32
	dist      []float64
	gridLevel int
}

// gridSpacings is how many site spacings (the grid's bucket side, about
// one site per bucket) the quadrants that take their candidates from the
// grid span at most: a larger quadrant takes so many candidates that its
// quadrants would filter more than the grid search costs (the 1 km grid
// of Saxony with blocks of 11 km: 19 ms of processor time for 12
// categories with one grid search per superblock, 10.5 ms with 2; the
// 100 m scale gained nothing from 4 or 8).
const gridSpacings = 2

// gridLevel returns the level of halving at which the quadrants of a
// superblock take their candidates from g.
func (q *Queries) gridLevel(g *siteGrid) int {
	l := 0
	for side := q.size * superSide; l < levels && side > gridSpacings*g.size; side /= 2 {
		l++
	}
	return l
}

// levels is the number of halvings from a superblock to a block.
const levels = 3 // 2³ = superSide

// candList are candidates in site order with their coordinates.
type candList struct {
	id     []int32
	xs, ys []float64
}

// keep sets c to those of p that can be nearest to a point of bd.
func (c *candList) keep(p *candList, bd box) {
	u := math.Inf(1)
	ys := p.ys[:len(p.xs)]
	for j, x := range p.xs {
		u = min(u, maxD2(bd, x, ys[j]))
	}
	c.id, c.xs, c.ys = c.id[:0], c.xs[:0], c.ys[:0]
	for j, x := range p.xs {
		if minD2(bd, x, ys[j]) <= u {
			c.id = append(c.id, p.id[j])
			c.xs = append(c.xs, x)
			c.ys = append(c.ys, ys[j])
		}
	}
}

// superblock finds the nearest site of every point of superblock s by
// its quadrants.
func (q *Queries) superblock(s int, sc *nearScratch) {
	q.quadrant(int(q.super[s]), int(q.super[s+1]), q.sbnd[s], 0, superSide*superSide, 0, false, sc)
}

// fromGrid sets c to the candidates of bd from the grid of sites.
func (sc *nearScratch) fromGrid(c *candList, bd box) {
	c.id = sc.g.candidates(bd, c.id[:0])
	c.xs, c.ys = c.xs[:0], c.ys[:0]
	for _, i := range c.id {
		c.xs = append(c.xs, sc.sites[i][0])
		c.ys = append(c.ys, sc.sites[i][1])
	}
	if sc.label != nil { // in site order still: only what is written changes
		for j, i := range c.id {
			c.id[j] = sc.label[i]
		}
	}
}

// quadrant finds the nearest site of every point of the blocks b0 to b1,
// those of a quadrant with bound bd whose Z codes run from c0 for span
// codes, at level d of the halving. With have, its candidates are in
// sc.lv[d]; else it takes them from the grid once at level sc.gridLevel
// (or at a single block), its quadrants keeping theirs from them.
func (q *Queries) quadrant(b0, b1 int, bd box, c0, span uint16, d int, have bool, sc *nearScratch) {
	c := &sc.lv[d]
	if !have && (d >= sc.gridLevel || b1-b0 == 1) {
		sc.fromGrid(c, bd)
		have = true
	}
	if have && len(c.id) == 1 { // the one candidate is nearest to every point
		for b := b0; b < b1; b++ {
			q.block(b, c.id, c.xs, c.ys, sc.idx, sc.dist)
		}
		return
	}
	if b1-b0 == 1 { // one block: its own candidates
		if span == 1 {
			q.block(b0, c.id, c.xs, c.ys, sc.idx, sc.dist)
			return
		}
		n := &sc.lv[levels]
		n.keep(c, q.bnd[b0])
		q.block(b0, n.id, n.xs, n.ys, sc.idx, sc.dist)
		return
	}
	quarter := span / 4
	n := &sc.lv[d+1]
	b := b0
	for k := range uint16(4) {
		lo, hi := c0+k*quarter, c0+(k+1)*quarter
		e := b
		qb := box{math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)}
		for e < b1 && q.code[e] < hi {
			qb.x0, qb.y0 = min(qb.x0, q.bnd[e].x0), min(qb.y0, q.bnd[e].y0)
			qb.x1, qb.y1 = max(qb.x1, q.bnd[e].x1), max(qb.y1, q.bnd[e].y1)
			e++
		}
		if e == b {
			continue
		}
		if have {
			n.keep(c, qb)
		}
		q.quadrant(b, e, qb, lo, quarter, d+1, have, sc)
		b = e
	}
}

// block finds the nearest candidate of every point of block b; cand is
// sorted by site index, so the strict comparison keeps the lowest of tied
// sites.
func (q *Queries) block(b int, cand []int32, cx, cy []float64, idx []int32, dist []float64) {
	cy = cy[:len(cx)]
	xs, ys := q.xs[q.start[b]:q.start[b+1]], q.ys[q.start[b]:q.start[b+1]]
	ys = ys[:len(xs)]
	order := q.order[q.start[b]:q.start[b+1]]
	order = order[:len(xs)]
	if len(cx) == 1 { // one candidate, nearest to every point of the block
		for k, px := range xs {
			dx, dy := cx[0]-px, cy[0]-ys[k]
			i := order[k]
			idx[i], dist[i] = cand[0], math.Sqrt(dx*dx+dy*dy)
		}
		return
	}
	// A squared distance is never negative, so its bits (below 2⁶³, +Inf
	// at most) order as the values do: the best is kept by masks, without
	// a branch (which site wins is hard to predict). Of equal distances
	// the first, the lowest site index, stays.
	inf := math.Float64bits(math.Inf(1))
	for k, px := range xs {
		py := ys[k]
		best, bi := inf, 0
		for j, sx := range cx {
			dx, dy := sx-px, cy[j]-py
			d2 := math.Float64bits(dx*dx + dy*dy)
			m := uint64(int64(d2-best) >> 63) // all ones when d2 < best
			best ^= (best ^ d2) & m
			bi ^= (bi ^ j) & int(m)
		}
		i := order[k]
		idx[i], dist[i] = cand[bi], math.Sqrt(math.Float64frombits(best))
	}
}

// siteGrid is a bucket grid over the sites.
type siteGrid struct {
	size       float64
	minX, minY float64
	nx, ny     int
	start      []int32 // len nx*ny+1
	id         []int32 // site indexes by bucket
	xs, ys     []float64
}

func newSiteGrid(sites []orb.Point) *siteGrid {
	b := orb.Bound{Min: sites[0], Max: sites[0]}
	for _, p := range sites[1:] {
		b = b.Extend(p)
	}
	w, h := b.Max[0]-b.Min[0], b.Max[1]-b.Min[1]
	// About one site per bucket on the bound; at least a metre.
	size := math.Max(math.Sqrt(math.Max(w, 1)*math.Max(h, 1)/float64(len(sites))), 1)
	g := &siteGrid{size: size, minX: b.Min[0], minY: b.Min[1]}
	g.nx = int(w/size) + 1
	g.ny = int(h/size) + 1
	for g.nx*g.ny > 4*len(sites)+64 {
		g.size *= 2
		g.nx = int(w/g.size) + 1
		g.ny = int(h/g.size) + 1
	}
	g.start = make([]int32, g.nx*g.ny+1)
	bucket := make([]int32, len(sites))
	for i, p := range sites {
		k := g.bucketOf(p[0], p[1])
		bucket[i] = int32(k)
		g.start[k+1]++
	}
	for k := range g.nx * g.ny {
		g.start[k+1] += g.start[k]
	}
	next := slices.Clone(g.start[:g.nx*g.ny])
	g.id = make([]int32, len(sites))
	g.xs = make([]float64, len(sites))
	g.ys = make([]float64, len(sites))
	for i, p := range sites {
		k := bucket[i]
		g.id[next[k]] = int32(i)
		g.xs[next[k]], g.ys[next[k]] = p[0], p[1]
		next[k]++
	}
	return g
}

// cell returns the bucket column and row of x, y, clamped to the grid.
func (g *siteGrid) cell(x, y float64) (int, int) {
	bx := (x - g.minX) / g.size
	by := (y - g.minY) / g.size
	cx, cy := 0, 0
	if bx > 0 {
		cx = int(math.Min(bx, float64(g.nx-1)))
	}
	if by > 0 {
		cy = int(math.Min(by, float64(g.ny-1)))
	}
	return cx, cy
}

func (g *siteGrid) bucketOf(x, y float64) int {
	cx, cy := g.cell(x, y)
	return cy*g.nx + cx
}

// minD2 is the squared distance from (x, y) to the box; maxD2 the squared
// distance to its farthest corner. Both without branches (builtin min and
// max of floats are selections, exact): whether a site lies left, right or
// inside a box is hard to predict.
func minD2(b box, x, y float64) float64 {
	dx := max(b.x0-x, x-b.x1, 0)
	dy := max(b.y0-y, y-b.y1, 0)
	return dx*dx + dy*dy
}

func maxD2(b box, x, y float64) float64 {
	dx := max(x-b.x0, b.x1-x)
	dy := max(y-b.y0, b.y1-y)
	return dx*dx + dy*dy
}

// candidates appends to dst, sorted by site index, every site that can be
// nearest to a point of b: those whose squared distance to b is at most
// U, the smallest squared distance of a site to b's farthest corner.
func (g *siteGrid) candidates(b box, dst []int32) []int32 {
	// U from the sites of the first non-empty ring of buckets around the
	// block's centre: any site gives a bound, a near one a tight one.
	u := math.Inf(1)
	cx, cy := g.cell((b.x0+b.x1)/2, (b.y0+b.y1)/2)
	for k := 0; math.IsInf(u, 1); k++ {
		x0, x1, y0, y1 := cx-k, cx+k, cy-k, cy+k
		for y := max(y0, 0); y <= min(y1, g.ny-1); y++ {
			step := 1
			if y != y0 && y != y1 {
				step = max(x1-x0, 1)
			}
			for x := x0; x <= x1; x += step {
				if x < 0 || x >= g.nx {
					continue
				}
				kb := y*g.nx + x
				for j := g.start[kb]; j < g.start[kb+1]; j++ {
					u = min(u, maxD2(b, g.xs[j], g.ys[j]))
				}
			}
		}
	}
	// Every bucket that the box widened by √U (a little more, for the
	// rounding of the square root) overlaps.
	r := math.Sqrt(u)*(1+1e-9) + 1e-6
	bx0, by0 := g.cell(b.x0-r, b.y0-r)
	bx1, by1 := g.cell(b.x1+r, b.y1+r)
	n0 := len(dst)
	for y := by0; y <= by1; y++ {
		for kb := y*g.nx + bx0; kb <= y*g.nx+bx1; kb++ {
			for j := g.start[kb]; j < g.start[kb+1]; j++ {
				x, yy := g.xs[j], g.ys[j]
				if minD2(b, x, yy) <= u {
					dst = append(dst, j) // its place in the grid for now
					u = min(u, maxD2(b, x, yy))
				}
			}
		}
	}
	// U may have fallen during the scan: drop what it now excludes.
	out := dst[:n0]
	for _, j := range dst[n0:] {
		if minD2(b, g.xs[j], g.ys[j]) <= u {
			out = append(out, g.id[j])
		}
	}
	slices.Sort(out[n0:])
	return out
}
