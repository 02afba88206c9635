package sites

// The marginal coverage of candidate sites, searched on the engine's
// read-only view of the network with its places (analysis.Net).

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
	"reach/internal/analysis"
	"reach/internal/network"
)

// CellsBroughtWithin returns, for every point of pts (EPSG:25833), the
// cells marked in uncovered that a facility at the point would bring
// within limit seconds by f's mode: on the network by a search that only
// settles improvements on f, else by the straight-line estimate. The
// points are shared out over the processors (each with its own search
// state from the pool); it stops early, with an error, when ctx is
// cancelled.
func CellsBroughtWithin(ctx context.Context, e *analysis.Engine, f analysis.Field, pts []orb.Point, limit float64, uncovered []bool) ([][]int32, error) {
	net, onNet := e.Net(f.Mode())
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
				if onNet {
					out[i] = Coverage(net, f.NodeCosts(), pts[i], limit, uncovered)
				} else {
					out[i] = straightCoverage(e, f, pts[i], limit, uncovered)
				}
			}
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("analysis: sites: %w", err)
	}
	return out, nil
}

// straightCoverage is the coverage of p without a network: the uncovered
// cells within the straight-line reach of limit.
func straightCoverage(e *analysis.Engine, f analysis.Field, p orb.Point, limit float64, uncovered []bool) []int32 {
	var out []int32
	r := e.StraightLineReach(f.Mode(), limit)
	for ci, c := range e.PopulatedCells() {
		if uncovered[ci] && math.Hypot(c.UTM[0]-p[0], c.UTM[1]-p[1]) <= r {
			out = append(out, int32(ci))
		}
	}
	return out
}

// Coverage returns the uncovered cells that would reach a facility at p
// (EPSG:25833) within limit seconds on net. base holds the node costs of
// the field of the existing facilities (nil: none). The search from p is
// the "only improving" one on base: an uncovered cell (time above limit)
// that reaches p within limit leaves through a node that p reaches faster
// than any existing facility, and every node on the way there is improved
// too, so the search finds exactly the cells a full search bounded by
// limit would, while touching only the area p wins.
func Coverage(net analysis.Net, base []graph.Cost, p orb.Point, limit float64, uncovered []bool) []int32 {
	s := net.Network.Snap(p)
	if !s.Snapped {
		return nil
	}
	lc, err := graph.CostOf(graph.Seconds(limit))
	if err != nil {
		return nil
	}
	q := net.Network.ReverseQueries().Get()
	defer net.Network.ReverseQueries().Put(q)
	if base != nil {
		q.Improve(s.Arrivals(), base, lc)
	} else {
		q.Run(s.Arrivals(), lc)
	}
	// A cell leaves through at most a few nodes: collect, then sort and
	// drop repeats, which is cheaper than a set when a site wins a large
	// area.
	var out []int32
	for _, v := range q.Settled() {
		for _, ci := range net.Cells.At(v) {
			if !uncovered[ci] {
				continue
			}
			if r := network.Via(net.Cells.Departures(int(ci)), q); r.Reached && float64(r.Cost.Seconds()) <= limit {
				out = append(out, ci)
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
