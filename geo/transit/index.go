package transit

import (
	"math"
	"slices"

	"github.com/paulmach/orb"
)

// stopIndex buckets stops in square cells for radius queries.
type stopIndex struct {
	cell       float64
	minX, minY float64
	nx, ny     int
	start      []uint32 // bucket b holds ids[start[b]:start[b+1]]
	ids        []StopID
}

const indexCell = 500.0 // metres

func newStopIndex(stops []Stop) *stopIndex {
	ix := &stopIndex{cell: indexCell}
	if len(stops) == 0 {
		ix.start = []uint32{0, 0}
		ix.nx, ix.ny = 1, 1
		return ix
	}
	minX, minY, maxX, maxY := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, s := range stops {
		minX, maxX = min(minX, s.Pos[0]), max(maxX, s.Pos[0])
		minY, maxY = min(minY, s.Pos[1]), max(maxY, s.Pos[1])
	}
	ix.minX, ix.minY = minX, minY
	ix.nx = int((maxX-minX)/ix.cell) + 1
	ix.ny = int((maxY-minY)/ix.cell) + 1
	// Stops far outside the region (long-distance trains) would blow up a dense grid: cap it
	// and clamp coordinates into it; buckets at the border then hold the outliers.
	const maxSide = 4096
	if ix.nx > maxSide {
		ix.cell = (maxX - minX) / (maxSide - 1)
		ix.nx = maxSide
		ix.ny = int((maxY-minY)/ix.cell) + 1
	}
	if ix.ny > maxSide {
		ix.cell = max(ix.cell, (maxY-minY)/(maxSide-1))
		ix.nx = int((maxX-minX)/ix.cell) + 1
		ix.ny = int((maxY-minY)/ix.cell) + 1
	}
	nb := ix.nx * ix.ny
	ix.start = make([]uint32, nb+1)
	bucket := make([]int, len(stops))
	for i, s := range stops {
		b := ix.bucket(s.Pos)
		bucket[i] = b
		ix.start[b+1]++
	}
	for i := 1; i <= nb; i++ {
		ix.start[i] += ix.start[i-1]
	}
	fill := slices.Clone(ix.start[:nb])
	ix.ids = make([]StopID, len(stops))
	for i, b := range bucket {
		ix.ids[fill[b]] = StopID(i)
		fill[b]++
	}
	return ix
}

func (ix *stopIndex) cellOf(x, y float64) (int, int) {
	cx := int(math.Floor((x - ix.minX) / ix.cell))
	cy := int(math.Floor((y - ix.minY) / ix.cell))
	return cx, cy
}

func (ix *stopIndex) bucket(p orb.Point) int {
	cx, cy := ix.cellOf(p[0], p[1])
	cx = min(max(cx, 0), ix.nx-1)
	cy = min(max(cy, 0), ix.ny-1)
	return cy*ix.nx + cx
}

// StopDist is a stop and its straight-line distance in metres.
type StopDist struct {
	Stop StopID
	Dist float64
}

// StopsNear appends to dst the stops within radius metres of p (EPSG:25833), in no particular
// order, and returns it.
func (tt *Timetable) StopsNear(dst []StopDist, p orb.Point, radius float64) []StopDist {
	ix := tt.index
	x0, y0 := ix.cellOf(p[0]-radius, p[1]-radius)
	x1, y1 := ix.cellOf(p[0]+radius, p[1]+radius)
	x0, y0 = max(x0, 0), max(y0, 0)
	x1, y1 = min(x1, ix.nx-1), min(y1, ix.ny-1)
	r2 := radius * radius
	for cy := y0; cy <= y1; cy++ {
		for cx := x0; cx <= x1; cx++ {
			b := cy*ix.nx + cx
			for _, s := range ix.ids[ix.start[b]:ix.start[b+1]] {
				dx, dy := tt.Stops[s].Pos[0]-p[0], tt.Stops[s].Pos[1]-p[1]
				if d2 := dx*dx + dy*dy; d2 <= r2 {
					dst = append(dst, StopDist{s, math.Sqrt(d2)})
				}
			}
		}
	}
	return dst
}
