package analysis

import (
	"context"
	"fmt"
	"math"
	"sort"

	"github.com/paulmach/orb"

	"reach/geo/nearest"
	"reach/internal/estimate"
	"reach/layers"
)

// Methods label how a travel time was found: on the loaded road network;
// by the calibrated straight-line estimate (the cell, or the facility it
// is nearest to, lies off the loaded network); or not at all although the
// network is loaded around the cell (it cannot be left or no facility can
// be reached from it).
const (
	MethodNetwork      = layers.MethodNetwork
	MethodStraightLine = layers.MethodStraightLine
	// MethodTransit is a travel time by public transport over a departure window.
	MethodTransit     = layers.MethodTransit
	MethodUnreachable = layers.MethodUnreachable
	// MethodNoStop labels a cell that no stop with a departure in the transit window serves
	// within walking distance and that reaches no facility on foot: the timetable says
	// nothing about it (the feed may end there), which is not "unreachable".
	MethodNoStop = layers.MethodNoStop
	// MethodUnknown labels every cell of a category with no facility
	// loaded: its time is unknown, not "unreachable", and it is never a gap.
	MethodUnknown = layers.MethodUnknown
)

// methodCodes index per-cell method codes (field.how).
var methodCodes = [...]string{MethodNetwork, MethodStraightLine, MethodUnreachable, MethodTransit, MethodNoStop}

const (
	howNetwork uint8 = iota
	howStraight
	howUnreachable
	howTransit
	howNoStop
)

// slSeconds is the straight-line estimate of the travel time by mode over
// d metres (EPSG:25833), by the engine's calibrated model.
func (e *Engine) slSeconds(mode layers.Mode, d float64) float64 {
	return e.model.Seconds(mode, d)
}

// slReach returns the straight-line distance that the estimate covers in
// secs seconds by mode (the inverse of slSeconds, which grows with the
// distance), to a metre.
func (e *Engine) slReach(mode layers.Mode, secs float64) float64 {
	lo, hi := 0.0, 1000.0
	for e.slSeconds(mode, hi) < secs && hi < 1e8 {
		lo, hi = hi, hi*2
	}
	for hi-lo > 0.5 {
		mid := (lo + hi) / 2
		if e.slSeconds(mode, mid) < secs {
			lo = mid
		} else {
			hi = mid
		}
	}
	return (lo + hi) / 2
}

// StraightLineModel returns the calibrated straight-line model the engine
// uses where a place is off the loaded network.
func (e *Engine) StraightLineModel() estimate.Model { return e.model }

// pointIndex is a bucket grid over points in a planar metric CRS for
// nearest-neighbour and radius queries. Immutable once built.
type pointIndex struct {
	size       float64
	minX, minY float64
	nx, ny     int
	start      []int32 // len nx*ny+1
	items      []int32
	pts        []orb.Point
}

// newPointIndex indexes pts with buckets of about size metres.
func newPointIndex(pts []orb.Point, size float64) *pointIndex {
	ix := &pointIndex{size: size, pts: pts}
	if len(pts) == 0 {
		return ix
	}
	b := orb.Bound{Min: pts[0], Max: pts[0]}
	for _, p := range pts[1:] {
		b = b.Extend(p)
	}
	ix.minX, ix.minY = b.Min[0], b.Min[1]
	ix.nx = int((b.Max[0]-b.Min[0])/size) + 1
	ix.ny = int((b.Max[1]-b.Min[1])/size) + 1
	for ix.nx*ix.ny > 4*len(pts)+1024 { // keep the bucket array proportional to the points
		size *= 2
		ix.size = size
		ix.nx = int((b.Max[0]-b.Min[0])/size) + 1
		ix.ny = int((b.Max[1]-b.Min[1])/size) + 1
	}
	ix.start = make([]int32, ix.nx*ix.ny+1)
	bucket := make([]int32, len(pts))
	for i, p := range pts {
		k := ix.bucketOf(p)
		bucket[i] = int32(k)
		ix.start[k+1]++
	}
	for k := 0; k < ix.nx*ix.ny; k++ {
		ix.start[k+1] += ix.start[k]
	}
	next := make([]int32, ix.nx*ix.ny)
	copy(next, ix.start)
	ix.items = make([]int32, len(pts))
	for i := range pts {
		k := bucket[i]
		ix.items[next[k]] = int32(i)
		next[k]++
	}
	return ix
}

func (ix *pointIndex) coords(p orb.Point) (int, int) {
	return int(math.Floor((p[0] - ix.minX) / ix.size)), int(math.Floor((p[1] - ix.minY) / ix.size))
}

func (ix *pointIndex) bucketOf(p orb.Point) int {
	bx, by := ix.coords(p)
	bx = min(max(bx, 0), ix.nx-1)
	by = min(max(by, 0), ix.ny-1)
	return by*ix.nx + bx
}

// nearest returns the index of the point nearest to p and its distance;
// ties go to the lowest index. It returns -1 for an empty index. accept,
// when not nil, filters candidate indexes.
func (ix *pointIndex) nearest(p orb.Point, accept func(i int) bool) (int, float64) {
	if len(ix.pts) == 0 {
		return -1, math.Inf(1)
	}
	bx, by := ix.coords(p)
	best, bestD := -1, math.Inf(1)
	// Distance from p to the grid's bucket range, so that rings start to
	// matter only once they reach the grid.
	maxRing := max(abs(bx), abs(by), abs(bx-(ix.nx-1)), abs(by-(ix.ny-1))) + 1
	for k := 0; k <= maxRing; k++ {
		// Every point in ring k is at least (k-1)·size from p.
		if best >= 0 && float64(k-1)*ix.size > bestD {
			break
		}
		for y := by - k; y <= by+k; y++ {
			if y < 0 || y >= ix.ny {
				continue
			}
			stepX := 2 * k
			if y == by-k || y == by+k || k == 0 {
				stepX = 1
			}
			for x := bx - k; x <= bx+k; x += max(stepX, 1) {
				if x < 0 || x >= ix.nx {
					continue
				}
				kb := y*ix.nx + x
				for _, it := range ix.items[ix.start[kb]:ix.start[kb+1]] {
					i := int(it)
					if accept != nil && !accept(i) {
						continue
					}
					q := ix.pts[i]
					d := math.Hypot(q[0]-p[0], q[1]-p[1])
					if d < bestD || (d == bestD && i < best) {
						best, bestD = i, d
					}
				}
			}
		}
	}
	return best, bestD
}

// within calls fn for every point within r metres of p, in index order.
func (ix *pointIndex) within(p orb.Point, r float64, fn func(i int, d float64)) {
	if len(ix.pts) == 0 {
		return
	}
	x0, y0 := ix.coords(orb.Point{p[0] - r, p[1] - r})
	x1, y1 := ix.coords(orb.Point{p[0] + r, p[1] + r})
	x0, y0 = max(x0, 0), max(y0, 0)
	x1, y1 = min(x1, ix.nx-1), min(y1, ix.ny-1)
	var hits []int32
	for y := y0; y <= y1; y++ {
		for x := x0; x <= x1; x++ {
			kb := y*ix.nx + x
			hits = append(hits, ix.items[ix.start[kb]:ix.start[kb+1]]...)
		}
	}
	sort.Slice(hits, func(i, j int) bool { return hits[i] < hits[j] })
	for _, it := range hits {
		q := ix.pts[it]
		if d := math.Hypot(q[0]-p[0], q[1]-p[1]); d <= r {
			fn(int(it), d)
		}
	}
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// straightBlockSide is the side of the blocks into which cell centres are
// sorted for the straight-line field (geo/nearest, which groups them into
// superblocks of 8 × 8 blocks): four times the mean spacing of the cells
// over their bounding box, between 2 km and 20 km (2 km for the 100 m
// cells of Saxony, about 11 km for its 1 km cells). Smaller blocks have
// fewer candidate facilities per cell but cost more filtering per cell:
// at the 100 m scale, 2 km blocks (4.7 candidates per cell for the densest
// category) took 85 ms of processor time for 15 categories, 1.5 km and 3 km
// blocks about 92 and 98 ms (BenchmarkSaxonyStraightLineAllCategories).
func straightBlockSide(pts []orb.Point) float64 {
	if len(pts) == 0 {
		return 1000
	}
	b := orb.Bound{Min: pts[0], Max: pts[0]}
	for _, p := range pts[1:] {
		b = b.Extend(p)
	}
	spacing := math.Sqrt((b.Max[0] - b.Min[0]) * (b.Max[1] - b.Min[1]) / float64(len(pts)))
	return min(max(4*spacing, 2000), 20000)
}

// cellBlocksKey is the engine memo key of the cell centres sorted into
// blocks, built once per engine.
type cellBlocksKey struct{}

// cellBlocks returns the populated cell centres (EPSG:25833) sorted into
// blocks for nearest-facility queries.
func (e *Engine) cellBlocks() *nearest.Queries {
	v, _ := e.Memo(cellBlocksKey{}, func() (any, error) {
		pts := make([]orb.Point, len(e.cells))
		for i, c := range e.cells {
			pts[i] = c.utm
		}
		return nearest.NewQueries(pts, straightBlockSide(pts)), nil
	})
	return v.(*nearest.Queries)
}

// straightField computes, for every populated cell, the straight-line
// distance (EPSG:25833 metres) from its centre to the nearest facility of
// cat, exact, ties to the facility of the lowest id (geo/nearest: per block
// of cells only the facilities that can be nearest to one of them, on every
// processor). It is a distance field: secs is nil, the seconds of a mode
// are filled by withStraightSeconds. It writes into the arrays of dst when
// dst is not nil and has one element per cell (a field to be overwritten,
// of no other use), else into new ones.
func (e *Engine) straightField(cat layers.Category, dst *field) *field {
	idxs := e.byCat[cat]
	pts := make([]orb.Point, len(idxs))
	for i, fi := range idxs {
		pts[i] = e.facUTM[fi]
	}
	f := dst
	if f == nil || len(f.dist) != len(e.cells) || len(f.fac) != len(e.cells) {
		f = &field{dist: make([]float64, len(e.cells)), fac: make([]int32, len(e.cells))}
	}
	*f = field{dist: f.dist, fac: f.fac, method: MethodStraightLine}
	label := make([]int32, len(idxs))
	for i, fi := range idxs {
		label[i] = int32(fi)
	}
	e.cellBlocks().NearestLabel(pts, label, f.fac, f.dist, 0)
	return f
}

// straight returns the cached straight-line field of cat.
func (e *Engine) straight(cat layers.Category) *field {
	e.mu.Lock()
	ent := e.slines[cat]
	if ent == nil {
		ent = &fieldEntry{}
		e.slines[cat] = ent
	}
	e.mu.Unlock()
	ent.once.Do(func() { ent.f = e.straightField(cat, nil) })
	return ent.f
}

// StraightLineRow is the population-weighted mean straight-line distance
// to the nearest facility of a category in one municipality, the measure
// the BBSR publishes in INKAR (e.g. "Entfernung zum nächsten Supermarkt").
type StraightLineRow struct {
	AGS        string  `json:"ags"`
	Name       string  `json:"name"`
	Population int64   `json:"population"` // residents of the municipality's populated cells
	MeanM      float64 `json:"mean_m"`     // population-weighted mean distance in metres; NaN-free, 0 when Population is 0
	MaxM       float64 `json:"max_m"`      // largest distance of a populated cell
}

// StraightLineReport is the straight-line distance per cell and its
// population-weighted mean per municipality.
type StraightLineReport struct {
	Category       layers.Category   `json:"category"`
	Facilities     int               `json:"facilities"`
	MeanM          float64           `json:"mean_m"` // over all populated cells
	Municipalities []StraightLineRow `json:"municipalities"`
	Provenance     Provenance        `json:"provenance"`
}

// StraightLineDistances returns the straight-line (Luftlinie) distance from
// every populated cell centre to the nearest facility of cat, as travel
// times labelled "straight_line" whose Seconds are the engine's calibrated
// straight-line estimate for mode. Cells are ordered by id.
func (e *Engine) StraightLineDistances(ctx context.Context, cat layers.Category, mode layers.Mode) ([]TravelTime, error) {
	if err := checkCatMode(cat, mode); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("analysis: straight line: %w", err)
	}
	f := e.straight(cat)
	return e.travelTimes(f.withStraightSeconds(e, mode)), nil
}

// StraightLineByMunicipality returns the population-weighted mean
// straight-line distance to the nearest facility of cat per municipality
// (by the municipality of each cell centre), ordered by AGS.
func (e *Engine) StraightLineByMunicipality(ctx context.Context, cat layers.Category) (StraightLineReport, error) {
	if !cat.Valid() {
		return StraightLineReport{}, fmt.Errorf("analysis: category %q: %w", cat, layers.ErrInvalid)
	}
	if err := ctx.Err(); err != nil {
		return StraightLineReport{}, fmt.Errorf("analysis: straight line: %w", err)
	}
	f := e.straight(cat)
	rep := StraightLineReport{Category: cat, Facilities: len(e.byCat[cat]), Provenance: e.provenance("straight line (Luftlinie) from cell centres, EPSG:25833")}
	if len(e.byCat[cat]) == 0 {
		return rep, nil
	}
	rows := map[string]*StraightLineRow{}
	var sum float64
	var pop int64
	for ci, c := range e.cells {
		d := f.dist[ci]
		r := rows[c.ags]
		if r == nil {
			r = &StraightLineRow{AGS: c.ags, Name: e.muniName(c.ags)}
			rows[c.ags] = r
		}
		r.Population += c.pop
		r.MeanM += float64(c.pop) * d // sum for now
		r.MaxM = math.Max(r.MaxM, d)
		sum += float64(c.pop) * d
		pop += c.pop
	}
	if pop > 0 {
		rep.MeanM = sum / float64(pop)
	}
	for _, r := range rows {
		if r.Population > 0 {
			r.MeanM /= float64(r.Population)
		}
		rep.Municipalities = append(rep.Municipalities, *r)
	}
	sort.Slice(rep.Municipalities, func(i, j int) bool { return rep.Municipalities[i].AGS < rep.Municipalities[j].AGS })
	return rep, nil
}
