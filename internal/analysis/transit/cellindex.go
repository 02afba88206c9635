package transit

import (
	"math"

	"github.com/paulmach/orb"
)

// cellIndexM is the bucket size of the cell index, metres.
const cellIndexM = 1000.0

// cellIndex buckets the engine's populated cells by their centre (EPSG:25833) on a square grid.
type cellIndex struct {
	buckets map[[2]int32][]int32
	pos     []orb.Point
}

// cellIndex returns the planner's index of populated cells, built on first use.
func (p *Planner) cellIndex() *cellIndex {
	p.cellsOnce.Do(func() {
		n := p.e.NumCells()
		idx := &cellIndex{buckets: map[[2]int32][]int32{}, pos: make([]orb.Point, n)}
		for i := 0; i < n; i++ {
			c := p.e.Cell(i).UTM
			idx.pos[i] = c
			k := bucketOf(c)
			idx.buckets[k] = append(idx.buckets[k], int32(i))
		}
		p.cells = idx
	})
	return p.cells
}

func bucketOf(pt orb.Point) [2]int32 {
	return [2]int32{int32(math.Floor(pt[0] / cellIndexM)), int32(math.Floor(pt[1] / cellIndexM))}
}

// near calls fn with every cell whose centre lies within r metres of pt, and its distance.
func (idx *cellIndex) near(pt orb.Point, r float64, fn func(ci int, dist float64)) {
	lo, hi := bucketOf(orb.Point{pt[0] - r, pt[1] - r}), bucketOf(orb.Point{pt[0] + r, pt[1] + r})
	for x := lo[0]; x <= hi[0]; x++ {
		for y := lo[1]; y <= hi[1]; y++ {
			for _, ci := range idx.buckets[[2]int32{x, y}] {
				c := idx.pos[ci]
				if d := math.Hypot(c[0]-pt[0], c[1]-pt[1]); d <= r {
					fn(int(ci), d)
				}
			}
		}
	}
}
