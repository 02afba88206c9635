package readmodel

import (
	"context"
	"fmt"
	"math"
	"math/bits"
	"slices"
	"strconv"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"reach/geo/crs"
	"reach/geo/grid"
	"reach/geo/spatial"
	"reach/layers"
	"reach/layers/query"
)

// The population grid is served from a read model: one layer version of
// population_grid held in memory in compact columns, loaded once (in the
// background, at the first items request of that version) and answering
// items pages without SQL. A layer version never changes, so the model is
// exact for as long as the version is current; a request whose version
// differs, or that the model cannot answer exactly (filters, a cursor that
// is no id of the version, a box edge within gridEps of a cell), goes to
// PostgreSQL as before. Pages are the same as those of the SQL path: the
// same features in the same order, the same next cursor and the same
// numberMatched rules, the bbox exact per ST_Intersects in the box's CRS.

// CellBytes is the memory one cell takes in the model: its columns
// (east, north, population, two shares, municipality, year, resolution,
// id form and the CRS84 position of its south-west corner) and its slot in
// the spatial index.
const CellBytes = 4 + 4 + 4 + 8 + 8 + 2 + 2 + 1 + 1 + 16 + 8 + 4

// Grid is one version of population_grid in memory, cells in the
// order of ORDER BY inspire_id (which the load checks to be the byte order
// of the ids).
type Grid struct {
	version string
	east    []int32
	north   []int32
	res     []int32 // per resolution index (resolutions)
	resIdx  []uint8
	long    []bool  // id in the long form CRS3035RES…; else the short form
	pop     []int32 // -1: secret (NULL)
	u18     []float64
	o65     []float64 // NaN: NULL
	ags     []uint16  // index into agsNames; 0 is NULL
	year    []int16   // 0: NULL
	// ll is the south-west corner in CRS84 (crs.Transform from EPSG:3035):
	// most corners of a page are such a corner of one of its cells.
	ll      []orb.Point
	agsName []string
	resList []int32
	// byRes: per resolution, the cells sorted by (north, east): keys and
	// their positions in id order.
	byRes []rowIndex
	// rowOrder: one resolution, and the id order is the order of the rows
	// (north, then east), as with ids of fixed width: a bbox page can stop
	// at the row where it is full.
	rowOrder bool
}

type rowIndex struct {
	res  int32
	keys []int64 // north<<32 | east
	pos  []int32
}

func cellKey(north, east int32) int64 { return int64(north)<<32 | int64(uint32(east)) }

// LoadGrid reads population_grid, as of version, through tx (a
// repeatable-read transaction in which version was read; the caller ends
// it). It refuses (and the SQL path serves) a grid whose cells need more
// than budget bytes (see CellBytes), an id order that is not the byte
// order, an id that does not print back as read, or a stored geometry that
// is not exactly its id's cell.
func LoadGrid(ctx context.Context, tx pgx.Tx, version string, budget int64) (*Grid, error) {
	var n int64
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM population_grid`).Scan(&n); err != nil {
		return nil, err
	}
	if n*CellBytes > budget {
		return nil, fmt.Errorf("%w: %d cells need %d MiB, more than the %d MiB allowed", ErrNoModel, n, n*CellBytes>>20, budget>>20)
	}
	rows, err := tx.Query(ctx, `SELECT inspire_id, resolution_m, population, share_under_18, share_65_plus, ags, year,
		ST_XMin(geom), ST_YMin(geom), ST_XMax(geom), ST_YMax(geom), ST_NPoints(geom), ST_Area(geom)
		FROM population_grid ORDER BY inspire_id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	g := &Grid{version: version, agsName: []string{""}}
	agsIdx := map[string]uint16{}
	resIdx := map[int32]uint8{}
	prev := ""
	for rows.Next() {
		var (
			id             string
			res            int32
			pop            *int64
			u18, o65       *float64
			ags            *string
			year           *int16
			x0, y0, x1, y1 *float64
			np             *int32
			area           *float64
		)
		if err := rows.Scan(&id, &res, &pop, &u18, &o65, &ags, &year, &x0, &y0, &x1, &y1, &np, &area); err != nil {
			return nil, err
		}
		if len(g.east) > 0 && id <= prev {
			return nil, fmt.Errorf("%w: the database orders %q after %q", ErrNoModel, id, prev)
		}
		prev = id
		c, err := grid.ParseID(id)
		if err != nil || c.ResolutionM != int(res) || c.East+c.ResolutionM > math.MaxInt32 || c.North+c.ResolutionM > math.MaxInt32 {
			return nil, fmt.Errorf("%w: cell id %q", ErrNoModel, id)
		}
		long := c.LongString() == id
		if !long && c.String() != id {
			return nil, fmt.Errorf("%w: cell id %q is not in a canonical form", ErrNoModel, id)
		}
		b := c.Bound()
		if x0 == nil || np == nil || area == nil || *np != 5 || *x0 != b.Min[0] || *y0 != b.Min[1] || *x1 != b.Max[0] || *y1 != b.Max[1] ||
			*area != float64(res)*float64(res) {
			return nil, fmt.Errorf("%w: the geometry of cell %q is not its square", ErrNoModel, id)
		}
		p := int32(-1)
		if pop != nil {
			if *pop < 0 || *pop > math.MaxInt32 {
				return nil, fmt.Errorf("%w: cell %q population %d", ErrNoModel, id, *pop)
			}
			p = int32(*pop)
		}
		f := func(v *float64) (float64, error) {
			if v == nil {
				return math.NaN(), nil
			}
			if math.IsNaN(*v) {
				return 0, fmt.Errorf("%w: cell %q share NaN", ErrNoModel, id)
			}
			return *v, nil
		}
		a, err := f(u18)
		if err != nil {
			return nil, err
		}
		o, err := f(o65)
		if err != nil {
			return nil, err
		}
		ai := uint16(0)
		if ags != nil {
			var ok bool
			if ai, ok = agsIdx[*ags]; !ok {
				if len(g.agsName) > math.MaxUint16 {
					return nil, fmt.Errorf("%w: too many municipalities", ErrNoModel)
				}
				ai = uint16(len(g.agsName))
				agsIdx[*ags] = ai
				g.agsName = append(g.agsName, *ags)
			}
		}
		var y int16
		if year != nil {
			y = *year
		}
		ri, ok := resIdx[res]
		if !ok {
			if len(g.resList) == math.MaxUint8 {
				return nil, fmt.Errorf("%w: too many resolutions", ErrNoModel)
			}
			ri = uint8(len(g.resList))
			resIdx[res] = ri
			g.resList = append(g.resList, res)
		}
		g.east = append(g.east, int32(c.East))
		g.north = append(g.north, int32(c.North))
		g.resIdx = append(g.resIdx, ri)
		g.long = append(g.long, long)
		g.pop = append(g.pop, p)
		g.u18 = append(g.u18, a)
		g.o65 = append(g.o65, o)
		g.ags = append(g.ags, ai)
		g.year = append(g.year, y)
		sw, _ := crs.Transform(crs.LAEA, crs.CRS84, orb.Point{float64(c.East), float64(c.North)})
		g.ll = append(g.ll, sw)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	g.index()
	return g, nil
}

// index builds the row index of the cells (byRes).
func (g *Grid) index() {
	g.byRes = make([]rowIndex, len(g.resList))
	for i, r := range g.resList {
		g.byRes[i].res = r
	}
	for i := range g.east {
		ix := &g.byRes[g.resIdx[i]]
		ix.pos = append(ix.pos, int32(i))
	}
	for i := range g.byRes {
		ix := &g.byRes[i]
		slices.SortFunc(ix.pos, func(a, b int32) int {
			ka, kb := cellKey(g.north[a], g.east[a]), cellKey(g.north[b], g.east[b])
			switch {
			case ka < kb:
				return -1
			case ka > kb:
				return 1
			}
			return 0
		})
		ix.keys = make([]int64, len(ix.pos))
		for j, p := range ix.pos {
			ix.keys[j] = cellKey(g.north[p], g.east[p])
		}
	}
	g.rowOrder = len(g.byRes) == 1
	for j := 0; g.rowOrder && j < len(g.byRes[0].pos); j++ {
		g.rowOrder = int(g.byRes[0].pos[j]) == j
	}
}

// id returns the id of cell i as stored.
func (g *Grid) id(i int32) string {
	return string(g.appendID(make([]byte, 0, 32), i))
}

// appendID appends the id of cell i as stored to b.
func (g *Grid) appendID(b []byte, i int32) []byte {
	res := int(g.resList[g.resIdx[i]])
	n, e := int(g.north[i]), int(g.east[i])
	if g.long[i] {
		b = append(b, "CRS3035RES"...)
		b = strconv.AppendInt(b, int64(res), 10)
		b = append(b, "mN"...)
		b = strconv.AppendInt(b, int64(n), 10)
		b = append(b, 'E')
		return strconv.AppendInt(b, int64(e), 10)
	}
	// grid.ID.String without fmt.
	if res >= 1000 && res%1000 == 0 {
		b = strconv.AppendInt(b, int64(res/1000), 10)
		b = append(b, "kmN"...)
		b = strconv.AppendInt(b, int64(n/1000), 10)
		b = append(b, 'E')
		return strconv.AppendInt(b, int64(e/1000), 10)
	}
	b = strconv.AppendInt(b, int64(res), 10)
	b = append(b, "mN"...)
	b = strconv.AppendInt(b, int64(n/res), 10)
	b = append(b, 'E')
	return strconv.AppendInt(b, int64(e/res), 10)
}

// bound returns the square of cell i in EPSG:3035.
func (g *Grid) bound(i int32) orb.Bound {
	r := float64(g.resList[g.resIdx[i]])
	x, y := float64(g.east[i]), float64(g.north[i])
	return orb.Bound{Min: orb.Point{x, y}, Max: orb.Point{x + r, y + r}}
}

// cell returns cell i as the store reads it, with the id given. Its shares
// point into the model (read only).
func (g *Grid) cell(i int32, id string) layers.Cell {
	c := layers.Cell{ID: id, ResolutionM: int(g.resList[g.resIdx[i]]), AGS: g.agsName[g.ags[i]], Year: int(g.year[i])}
	if p := g.pop[i]; p >= 0 {
		c.Population, c.Known = int64(p), true
	}
	if !math.IsNaN(g.u18[i]) {
		c.ShareUnder18 = &g.u18[i]
	}
	if !math.IsNaN(g.o65[i]) {
		c.Share65Plus = &g.o65[i]
	}
	return c
}

// find returns the position of the cell whose id is id.
func (g *Grid) find(id string) (int32, bool) {
	c, err := grid.ParseID(id)
	if err != nil {
		return 0, false
	}
	for _, ix := range g.byRes {
		if int(ix.res) != c.ResolutionM || c.East > math.MaxInt32 || c.North > math.MaxInt32 {
			continue
		}
		k := cellKey(int32(c.North), int32(c.East))
		j, ok := slices.BinarySearch(ix.keys, k)
		if ok && g.id(ix.pos[j]) == id {
			return ix.pos[j], true
		}
	}
	return 0, false
}

// gridEps is the distance (in the units of the box's CRS) within which a
// cell's reprojected corner counts as on the box's edge: there the
// projections of geo/crs and of PROJ may disagree, and PostgreSQL decides.
func gridEps(c crs.Code) float64 {
	if c == crs.CRS84 {
		return 1e-7
	}
	return 1e-2
}

// matches returns the positions (in id order) of the cells that intersect
// the box of q, per query.PlanBox as the SQL path does; ok is false when
// a cell lies within gridEps of the box's edge (PostgreSQL decides then).
// With want > 0 (only where g.rowOrder) it returns the matching cells after
// position after (-1: from the first) row by row, and stops at the end of
// the row where it holds want of them: the cells of later rows come later
// in id order, so the page and whether more follow are known then.
func (g *Grid) matches(q layers.ItemsQuery, memo func(crs.Code) *corners, after int32, want int) (all bool, out []int32, ok bool) {
	if q.BBox == nil {
		return true, nil, true
	}
	p, err := query.PlanBox(*q.BBox, q.BBoxCRS, crs.LAEA, crs.LAEA)
	if err != nil {
		return false, nil, false // the SQL path names the error
	}
	switch {
	case p.All:
		return true, nil, true
	case p.None:
		return false, nil, true
	}
	outer := p.Outer
	var eps float64
	var lo, hi orb.Bound
	if !p.Same {
		eps = gridEps(p.CRS)
		lo = orb.Bound{Min: orb.Point{p.Box.Min[0] + eps, p.Box.Min[1] + eps}, Max: orb.Point{p.Box.Max[0] - eps, p.Box.Max[1] - eps}}
		hi = orb.Bound{Min: orb.Point{p.Box.Min[0] - eps, p.Box.Min[1] - eps}, Max: orb.Point{p.Box.Max[0] + eps, p.Box.Max[1] + eps}}
	}
	loValid := !p.Same && lo.Min[0] <= lo.Max[0] && lo.Min[1] <= lo.Max[1]
	var edge []int32
	var cs *corners
	if !p.Same {
		cs = memo(p.CRS)
	}
	// A lon/lat box decides most cells between the rectangles without
	// transforming their corners: those inside it, or beyond one of its
	// edges, by twice gridEps (what the transformed corners would decide
	// alike); the cells near its edges take the exact test below.
	var ll crs.LAEABox
	fast := false
	if p.CRS == crs.CRS84 {
		ll, fast = crs.NewLAEABox(p.Box, 2*eps)
	}
	for _, ix := range g.byRes {
		// The cells whose square meets outer (boundaries included): rows
		// north in [outer.Min.y - r, outer.Max.y], columns east in
		// [outer.Min.x - r, outer.Max.x]; ids keep both in [0, MaxInt32].
		r := float64(ix.res)
		clamp := func(v float64) float64 { return math.Max(0, math.Min(v, math.MaxInt32)) }
		n0 := int64(clamp(math.Ceil((outer.Min[1]-r)/r) * r))
		n1 := int64(clamp(math.Floor(outer.Max[1]/r) * r))
		e0 := int32(clamp(math.Ceil((outer.Min[0]-r)/r) * r))
		e1 := int32(clamp(math.Floor(outer.Max[0]/r) * r))
		if want > 0 && after >= 0 {
			n0 = max(n0, int64(g.north[after]))
		}
		if e0 > e1 || n0 > n1 {
			continue
		}
		for north64 := n0; north64 <= n1; north64 += int64(ix.res) {
			if want > 0 && len(out) >= want {
				break
			}
			north := int32(north64)
			from, to := cellKey(north, e0), cellKey(north, e1)
			j, _ := slices.BinarySearch(ix.keys, from)
			edge = edge[:0]
			for ; j < len(ix.keys) && ix.keys[j] <= to; j++ {
				i := ix.pos[j]
				if want > 0 && i <= after {
					continue
				}
				b := g.bound(i)
				if !b.Intersects(outer) {
					continue
				}
				if p.Same {
					out = append(out, i)
					continue
				}
				if p.HasInner && within(b, p.Inner) {
					out = append(out, i)
					continue
				}
				if fast {
					in, beyond := true, uint8(0xff)
					for _, c := range [4]orb.Point{b.Min, {b.Max[0], b.Min[1]}, b.Max, {b.Min[0], b.Max[1]}} {
						ci, cb := ll.Classify(c[0], c[1])
						in, beyond = in && ci, beyond&cb
					}
					if in {
						out = append(out, i)
						continue
					}
					if beyond != 0 {
						continue
					}
				}
				edge = append(edge, i)
				cs.seed(g, i)
			}
			// The cells between the rectangles, their corners known from
			// the row's cells where they are south-west corners.
			for _, i := range edge {
				quad := cs.quad(g, i)
				if !finite(quad) {
					return false, nil, false
				}
				if loValid && quadMeetsBox(quad, lo) {
					out = append(out, i)
					continue
				}
				if !quadMeetsBox(quad, hi) {
					continue
				}
				return false, nil, false
			}
		}
	}
	slices.Sort(out)
	return false, out, true
}

func within(b, in orb.Bound) bool {
	return b.Min[0] >= in.Min[0] && b.Min[1] >= in.Min[1] && b.Max[0] <= in.Max[0] && b.Max[1] <= in.Max[1]
}

// corners transforms the corners of cells (EPSG:3035, whole metres) to
// one CRS as ST_Transform does it, vertex by vertex, each corner once per
// request: neighbouring cells share them. The corners are kept in a table
// of open addressing (linear probing) keyed by east<<32 | north, reused
// across requests through cornerPool.
type corners struct {
	to    crs.Code
	keys  []int64 // key+1; 0: empty slot
	vals  []orb.Point
	n     int
	shift uint // slot of k: (k * golden) >> shift
}

var cornerPool sync.Pool // of *corners

// maxPooledCorners bounds the tables kept for reuse (slots; 24 bytes each).
const maxPooledCorners = 1 << 16

// newCorners returns an empty table for about n corners transformed to to.
func newCorners(to crs.Code, n int) *corners {
	c, _ := cornerPool.Get().(*corners)
	if c == nil {
		c = &corners{}
	}
	c.to = to
	slots := 64
	for slots < 2*n {
		slots *= 2
	}
	if len(c.keys) < slots {
		c.resize(slots)
	}
	return c
}

// release returns c to the pool; c must not be used afterwards.
func (c *corners) release() {
	if c == nil || len(c.keys) > maxPooledCorners {
		return
	}
	if c.n > 0 {
		clear(c.keys)
		c.n = 0
	}
	cornerPool.Put(c)
}

// resize makes room for slots slots (a power of two), keeping the corners.
func (c *corners) resize(slots int) {
	keys, vals := c.keys, c.vals
	c.keys, c.vals, c.n = make([]int64, slots), make([]orb.Point, slots), 0
	c.shift = uint(64 - bits.TrailingZeros(uint(slots)))
	for j, k := range keys {
		if k != 0 {
			c.put(k-1, vals[j])
		}
	}
}

func (c *corners) slot(k int64) int {
	return int((uint64(k) * 0x9E3779B97F4A7C15) >> c.shift)
}

// get returns the corner under key k, if there is one.
func (c *corners) get(k int64) (orb.Point, bool) {
	mask := len(c.keys) - 1
	for j := c.slot(k); ; j = (j + 1) & mask {
		switch c.keys[j] {
		case k + 1:
			return c.vals[j], true
		case 0:
			return orb.Point{}, false
		}
	}
}

// put stores p under key k.
func (c *corners) put(k int64, p orb.Point) {
	if 2*(c.n+1) > len(c.keys) {
		c.resize(2 * len(c.keys))
	}
	mask := len(c.keys) - 1
	for j := c.slot(k); ; j = (j + 1) & mask {
		switch c.keys[j] {
		case k + 1:
			c.vals[j] = p
			return
		case 0:
			c.keys[j], c.vals[j] = k+1, p
			c.n++
			return
		}
	}
}

func cornerKey(e, n int32) int64 { return int64(e)<<32 | int64(n) }

func (c *corners) at(e, n int32) orb.Point {
	k := cornerKey(e, n)
	if p, ok := c.get(k); ok {
		return p
	}
	p, _ := crs.Transform(crs.LAEA, c.to, orb.Point{float64(e), float64(n)})
	c.put(k, p)
	return p
}

// seed records the south-west corner of cell i, kept by the model, when
// the corners go to CRS84.
func (c *corners) seed(g *Grid, i int32) {
	if c.to == crs.CRS84 {
		c.put(cornerKey(g.east[i], g.north[i]), g.ll[i])
	}
}

// squareInto writes cell i's square with its corners transformed into r
// (5 points), in the vertex order of grid.ID.Polygon.
func (c *corners) squareInto(r []orb.Point, g *Grid, i int32) {
	rs := g.resList[g.resIdx[i]]
	e, n := g.east[i], g.north[i]
	p := c.at(e, n)
	r[0], r[1], r[2], r[3], r[4] = p, c.at(e+rs, n), c.at(e+rs, n+rs), c.at(e, n+rs), p
}

// quad returns the corners of cell i's square, transformed, in the vertex
// order of grid.ID.Polygon (without the closing vertex).
func (c *corners) quad(g *Grid, i int32) [4]orb.Point {
	r := g.resList[g.resIdx[i]]
	e, n := g.east[i], g.north[i]
	return [4]orb.Point{c.at(e, n), c.at(e+r, n), c.at(e+r, n+r), c.at(e, n+r)}
}

func finite(q [4]orb.Point) bool {
	for _, p := range q {
		if math.IsNaN(p[0]) || math.IsNaN(p[1]) || math.IsInf(p[0], 0) || math.IsInf(p[1], 0) {
			return false
		}
	}
	return true
}

// quadMeetsBox reports whether the quadrilateral q and the box b share a
// point, boundaries included. A convex q (the image of a cell's square is)
// is tested by separating axes; any other by spatial.Intersects.
func quadMeetsBox(q [4]orb.Point, b orb.Bound) bool {
	cross := func(o, a, c orb.Point) float64 { return (a[0]-o[0])*(c[1]-o[1]) - (a[1]-o[1])*(c[0]-o[0]) }
	var sign float64
	convex := true
	for k := range 4 {
		c := cross(q[k], q[(k+1)%4], q[(k+2)%4])
		if c == 0 || (sign != 0 && (c > 0) != (sign > 0)) {
			convex = false
			break
		}
		sign = c
	}
	if !convex {
		ring := orb.Ring{q[0], q[1], q[2], q[3], q[0]}
		return spatial.Intersects(orb.Polygon{ring}, b)
	}
	x0, y0, x1, y1 := q[0][0], q[0][1], q[0][0], q[0][1]
	for _, p := range q[1:] {
		x0, y0, x1, y1 = math.Min(x0, p[0]), math.Min(y0, p[1]), math.Max(x1, p[0]), math.Max(y1, p[1])
	}
	if x1 < b.Min[0] || x0 > b.Max[0] || y1 < b.Min[1] || y0 > b.Max[1] {
		return false
	}
	box := [4]orb.Point{b.Min, {b.Max[0], b.Min[1]}, b.Max, {b.Min[0], b.Max[1]}}
	for k := range 4 {
		p, r := q[k], q[(k+1)%4]
		separated := true
		for _, c := range box {
			// c on q's side of the edge p→r, or on it.
			if s := cross(p, r, c); s == 0 || (s > 0) == (sign > 0) {
				separated = false
				break
			}
		}
		if separated {
			return false
		}
	}
	return true
}

// Items answers q from the model; ok is false when PostgreSQL must answer.
func (g *Grid) Items(q layers.ItemsQuery) (layers.Page, bool) {
	var ll, other *corners
	memo := func(c crs.Code) *corners {
		if c == crs.CRS84 {
			if ll == nil {
				ll = newCorners(crs.CRS84, 2*min(q.Limit, 4096))
			}
			return ll
		}
		if other == nil || other.to != c {
			other.release()
			other = newCorners(c, 4096)
		}
		return other
	}
	defer func() {
		ll.release()
		other.release()
	}()
	after := int32(-1)
	if q.After != "" {
		i, found := g.find(q.After)
		if !found {
			return layers.Page{}, false
		}
		after = i
	}
	want := 0
	if g.rowOrder {
		want = q.Limit + 1 // the page, and whether another follows
	}
	all, sel, ok := g.matches(q, memo, after, want)
	if !ok {
		return layers.Page{}, false
	}
	n := len(sel)
	if all {
		n = len(g.east)
	}
	at := func(k int) int32 {
		if all {
			return int32(k)
		}
		return sel[k]
	}
	start := 0
	if after >= 0 {
		if all {
			start = int(after) + 1
		} else {
			start, _ = slices.BinarySearch(sel, after+1)
		}
	}
	end := min(start+q.Limit, n)
	p := layers.Page{Version: g.version, NumberMatched: -1}
	out := memo(crs.CRS84)
	if m := end - start; m > 0 {
		// The features of the page from a few allocations: their ids in
		// one string, their properties, rings and polygons in one slice
		// each.
		ids := make([]byte, 0, 32*m)
		idEnd := make([]int, m)
		for k := start; k < end; k++ {
			i := at(k)
			out.seed(g, i)
			ids = g.appendID(ids, i)
			idEnd[k-start] = len(ids)
		}
		idStr := string(ids)
		// The stored square only where the page may be written from it.
		per := 2
		if q.WrittenIn == crs.CRS84 {
			per = 1
		}
		props := make([]layers.Property, layers.CellProperties*m)
		pts := make([]orb.Point, 5*per*m)
		rings := make([]orb.Ring, per*m)
		p.Features = make([]layers.Feature, m)
		from := 0
		for k := range m {
			i := at(start + k)
			id := idStr[from:idEnd[k]]
			from = idEnd[k]
			j := per * k
			served := pts[5*j : 5*j+5 : 5*j+5]
			out.squareInto(served, g, i)
			rings[j] = served
			var stored orb.Polygon
			if per == 2 {
				b := g.bound(i)
				sq := pts[5*j+5 : 5*j+10 : 5*j+10]
				sq[0], sq[1], sq[2], sq[3], sq[4] = b.Min, orb.Point{b.Max[0], b.Min[1]}, b.Max, orb.Point{b.Min[0], b.Max[1]}, b.Min
				rings[j+1] = sq
				stored = orb.Polygon(rings[j+1 : j+2 : j+2])
			}
			p.Features[k] = layers.CellFeatureInto(props[layers.CellProperties*k:], g.cell(i, id),
				orb.Polygon(rings[j:j+1:j+1]), stored)
		}
	}
	if end < n && end > start {
		p.Next = p.Features[len(p.Features)-1].ID
	}
	switch {
	case q.After == "" && p.Next == "":
		p.NumberMatched = len(p.Features)
	case q.BBox == nil:
		p.NumberMatched = len(g.east) // count(*) of the version
	}
	return p, true
}
