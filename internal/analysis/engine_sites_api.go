package analysis

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/paulmach/orb"

	"reach/geo/graph"
	"reach/internal/network"
	"reach/layers"
)

// CellsBroughtWithin returns, for every point of pts (EPSG:25833), the
// cells marked in uncovered that a facility at the point would bring
// within limit seconds by f's mode: on the network by a search that only
// settles improvements on f, else by the straight-line estimate (the
// marginal coverage of candidate sites, internal/analysis/sites).
func (e *Engine) CellsBroughtWithin(ctx context.Context, f Field, pts []orb.Point, limit float64, uncovered []bool) ([][]int32, error) {
	return e.coverAll(ctx, f.mode, f.f, pts, limit, uncovered)
}

// coverAll returns coverage for every point of pts, computed by one
// goroutine per processor (each with its own search state from the pool).
// It stops early, with an error, when ctx is cancelled.
func (e *Engine) coverAll(ctx context.Context, mode layers.Mode, f *field, pts []orb.Point, limit float64, uncovered []bool) ([][]int32, error) {
	out := make([][]int32, len(pts))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range max(1, min(runtime.GOMAXPROCS(0), len(pts)/8)) {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(pts) || ctx.Err() != nil {
					return
				}
				out[i] = e.coverage(mode, f, pts[i], limit, uncovered)
			}
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("analysis: sites: %w", err)
	}
	return out, nil
}

// coverage returns the uncovered cells that would reach a facility at p
// (EPSG:25833) within limit seconds by mode. f is the field of the
// existing facilities. On the network the search from p is the "only
// improving" one on f's node costs: an uncovered cell (time above limit)
// that reaches p within limit leaves through a node that p reaches faster
// than any existing facility, and every node on the way there is improved
// too, so the search finds exactly the cells a full search bounded by
// limit would, while touching only the area p wins.
func (e *Engine) coverage(mode layers.Mode, f *field, p orb.Point, limit float64, uncovered []bool) []int32 {
	var out []int32
	mn := e.nets[mode]
	if mn == nil {
		r := e.slReach(mode, limit)
		for ci, c := range e.cells {
			if uncovered[ci] && math.Hypot(c.utm[0]-p[0], c.utm[1]-p[1]) <= r {
				out = append(out, int32(ci))
			}
		}
		return out
	}
	s := mn.n.Snap(p)
	if !s.Snapped {
		return nil
	}
	lc, err := graph.CostOf(graph.Seconds(limit))
	if err != nil {
		return nil
	}
	q := mn.n.ReverseQueries().Get()
	defer mn.n.ReverseQueries().Put(q)
	if f.net != nil {
		q.Improve(s.Arrivals(), f.net.base, lc)
	} else {
		q.Run(s.Arrivals(), lc)
	}
	// A cell leaves through at most a few nodes: collect, then sort and
	// drop repeats, which is cheaper than a set when a site wins a large
	// area.
	for _, v := range q.Settled() {
		for _, ci := range mn.cells.At(v) {
			if !uncovered[ci] {
				continue
			}
			if r := network.Via(mn.cells.Departures(int(ci)), q); r.Reached && float64(r.Cost.Seconds()) <= limit {
				out = append(out, ci)
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
