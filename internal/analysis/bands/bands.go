// Package bands turns travel times into the bands of an isochrone: the
// raster of what was reached (a search on a network, points reached at
// given times, or straight-line discs), its contours at each threshold in
// lon/lat, and the residents of the populated cells in each ring. It holds
// the rules of isochrone requests (thresholds, origins, the raster step and
// its bound) and knows no engine: the cells and the times come in as
// functions.
package bands

import (
	"context"
	"fmt"
	"math"
	"sort"

	"github.com/paulmach/orb"

	"reach/geo/crs"
	"reach/geo/graph"
	"reach/geo/isochrone"
	"reach/geo/route"
	"reach/internal/network"
	"reach/layers"
)

// Isochrone limits.
const (
	MaxMinutes    = 180.0
	MaxThresholds = 12
	MaxOrigins    = 100
	// WalkMS is the speed of the straight leg from the network into the
	// raster around it (walking, 4.5 km/h).
	WalkMS = 4.5 / 3.6
)

// LegSteps is the bound of the access leg from reached network points
// into the raster, in raster steps: 1.5, so that every sample next to a
// reached road gets a time and nothing farther does.
const LegSteps = 1.5

// MaxSamples bounds the raster of one isochrone request: the step is the
// smallest whole multiple of the base step whose raster over the reached
// extent has at most this many samples (isochrone.StepFor). With the 100 m
// base step, a 30-minute drive over a dense network (about 90 km × 90 km
// reached) gets 300 m, an hour's ride (30 km across) and any walk keep
// 100 m. It bounds the work of a request: the raster's samples, and the
// points along edges, which come every half step.
const MaxSamples = 120_000

// Band is one travel-time band: the ring of residents reached after
// FromMinutes and within Minutes, and the cumulative figures within Minutes.
// Population and Cells count the ring only, so the populations of the
// bands of one result add up to the CumulativePopulation of the last one.
type Band struct {
	FromMinutes float64          `json:"from_minutes"` // lower end of the ring, exclusive (0 for the first band)
	Minutes     float64          `json:"minutes"`      // upper end of the ring, inclusive
	Geometry    orb.MultiPolygon `json:"-"`            // lon/lat; the area reachable within Minutes (cumulative)
	// Population counts the residents of cells whose centre is reached
	// after FromMinutes and within Minutes (the ring).
	Population int64 `json:"population"`
	// CumulativePopulation counts the residents of cells whose centre is
	// reached within Minutes.
	CumulativePopulation int64 `json:"cumulative_population"`
	Cells                int   `json:"cells"`            // populated cells in the ring
	CumulativeCells      int   `json:"cumulative_cells"` // populated cells within Minutes
}

// Cells are the populated cells whose residents the bands count: N cells,
// Residents(i) and the centre UTM(i) in EPSG:25833 of cell i.
type Cells struct {
	N         int
	Residents func(i int) int64
	UTM       func(i int) orb.Point
}

// Raster gives the base raster step of isochrones in metres.
type Raster struct {
	StepM float64
}

// Options are the raster options of isochrones around a network.
func (r Raster) Options(maxSecs float64) isochrone.SampleOptions {
	return isochrone.SampleOptions{
		StepM: r.StepM, MaxLegM: LegSteps * r.StepM,
		AccessSpeedMS: WalkMS, MaxSeconds: maxSecs, MaxSamples: MaxSamples,
	}
}

// StepText describes the raster step chosen for one request.
func (r Raster) StepText(step float64) string {
	base := r.StepM
	if step <= base {
		return fmt.Sprintf("%g m raster", step)
	}
	return fmt.Sprintf("%g m raster: %g × the %g m base step, the least with at most %d samples over the reached extent", step, math.Round(step/base), base, MaxSamples)
}

// Method describes how isochrone polygons are built at raster step step
// (metres); model names the straight-line model.
func (r Raster) Method(mode layers.Mode, network bool, step float64, model string) string {
	if !network {
		return fmt.Sprintf("grid contour (marching squares, %s) of straight-line estimates (no %s road network loaded; detour factor and speed by distance from the calibrated model: %s); population of cells whose centre is within the time",
			r.StepText(step), mode, model)
	}
	return fmt.Sprintf("grid contour (marching squares, %s) of the %s network travel-time field: reached nodes and points every half step along reached edges, each raster point the least node time plus a straight walk ≤ %g m at 4.5 km/h (motorway interiors give no access); population of cells whose centre is reached within the time",
		r.StepText(step), mode, LegSteps*step)
}

// CheckMinutes validates and sorts thresholds.
func CheckMinutes(minutes []float64) ([]float64, error) {
	if len(minutes) == 0 || len(minutes) > MaxThresholds {
		return nil, fmt.Errorf("analysis: isochrones: minutes: want 1 to %d thresholds, got %d: %w", MaxThresholds, len(minutes), layers.ErrInvalid)
	}
	out := append([]float64(nil), minutes...)
	for i, m := range out {
		if !(m > 0) || m > MaxMinutes {
			return nil, fmt.Errorf("analysis: isochrones: minutes[%d] = %v: want (0, %v]: %w", i, m, MaxMinutes, layers.ErrInvalid)
		}
	}
	sort.Float64s(out)
	for i := 1; i < len(out); i++ {
		if out[i] == out[i-1] {
			return nil, fmt.Errorf("analysis: isochrones: minutes: %v given twice: %w", out[i], layers.ErrInvalid)
		}
	}
	return out, nil
}

// CheckOrigins validates the number of origins of a request.
func CheckOrigins(n int) error {
	if n == 0 || n > MaxOrigins {
		return fmt.Errorf("analysis: isochrones: origins: want 1 to %d points, got %d: %w", MaxOrigins, n, layers.ErrInvalid)
	}
	return nil
}

// Network builds bands from the node costs of a finished search q on g of
// n (the forward graph for travel from origins, the reverse graph for
// travel to sites) and returns them with the raster step in metres (0 when
// nothing is reached). entries gives each cell's entry points for that
// direction; extra are points reached besides the nodes (the snapped
// origins). The residents are counted on one goroutine while the raster is
// filled and contoured on others.
func (r Raster) Network(ctx context.Context, n *network.Network, g *graph.Graph, q *route.Query, minutes []float64, cells Cells, entries [][]route.Source, extra []isochrone.Reached) ([]Band, float64, error) {
	maxSecs := minutes[len(minutes)-1] * 60
	var pops []int64
	var counts []int
	done := make(chan struct{})
	go func() {
		defer close(done)
		pops, counts = Population(minutes, cells, func(ci int) float64 {
			best := graph.Closed
			for _, en := range entries[ci] {
				if c := q.Cost(en.Node); c != graph.Closed {
					best = min(best, graph.AddCost(c, en.Offset))
				}
			}
			if best == graph.Closed {
				return math.Inf(1)
			}
			return float64(best.Seconds())
		})
	}()
	ras, err := n.Raster(g, q, maxSecs, extra, r.Options(maxSecs))
	<-done
	if err != nil {
		return nil, 0, fmt.Errorf("analysis: isochrones: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return nil, 0, fmt.Errorf("analysis: isochrones: %w", err)
	}
	step := 0.0
	if ras != nil {
		step = ras.Step
	}
	return Contour(ras, minutes, pops, counts), step, nil
}

// Points builds bands from points reached at given times, each with a
// straight walk onwards at speedMS (m/s) up to its MaxLegM, on the raster
// step (made coarser for large extents as for every isochrone);
// cellSeconds gives the travel time to populated cell i (+Inf when not
// reached) for the residents of each band. It returns the bands and the
// raster step in metres.
func (r Raster) Points(ctx context.Context, reached []isochrone.Reached, speedMS float64, minutes []float64, cells Cells, cellSeconds func(i int) float64) ([]Band, float64, error) {
	maxSecs := minutes[len(minutes)-1] * 60
	pops, counts := Population(minutes, cells, cellSeconds)
	if err := ctx.Err(); err != nil {
		return nil, 0, fmt.Errorf("analysis: isochrones: %w", err)
	}
	kept := reached[:0:0]
	for _, p := range reached {
		if p.Seconds <= maxSecs {
			kept = append(kept, p)
		}
	}
	if len(kept) == 0 {
		return Contour(nil, minutes, pops, counts), 0, nil
	}
	ras, err := isochrone.Sample(kept, isochrone.SampleOptions{StepM: r.StepM, AccessSpeedMS: speedMS,
		MaxSeconds: maxSecs, MaxSamples: MaxSamples})
	if err != nil {
		return nil, 0, fmt.Errorf("analysis: isochrones: %w", err)
	}
	return Contour(ras, minutes, pops, counts), ras.Step, nil
}

// Straight builds bands around points (EPSG:25833) without a road network
// and returns them with the raster step: seconds gives the straight-line
// model's time over a distance, reach the distance it covers in a time.
func (r Raster) Straight(ctx context.Context, pts []orb.Point, minutes []float64, cells Cells, seconds, reach func(float64) float64) ([]Band, float64, error) {
	// The raster holds straight-line metres (a "speed" of 1 m/s); each
	// band's edge is the distance the calibrated estimate covers in its
	// time, so that the bands follow the distance-dependent model exactly.
	maxM := reach(minutes[len(minutes)-1] * 60)
	reached := make([]isochrone.Reached, 0, len(pts))
	for _, p := range pts {
		// Each origin reaches exactly its disc: its own leg, which does not
		// grow with the raster step.
		reached = append(reached, isochrone.Reached{P: p, Seconds: 0, MaxLegM: maxM})
	}
	pops, counts := Population(minutes, cells, func(ci int) float64 {
		c := cells.UTM(ci)
		best := math.Inf(1)
		for _, p := range pts {
			best = math.Min(best, math.Hypot(c[0]-p[0], c[1]-p[1]))
		}
		return seconds(best)
	})
	if err := ctx.Err(); err != nil {
		return nil, 0, fmt.Errorf("analysis: isochrones: %w", err)
	}
	ras, err := isochrone.Sample(reached, isochrone.SampleOptions{StepM: r.StepM, AccessSpeedMS: 1, MaxSeconds: maxM, MaxSamples: MaxSamples})
	if err != nil {
		return nil, 0, fmt.Errorf("analysis: isochrones: %w", err)
	}
	return ContourAt(ras, minutes, func(m float64) float64 { return reach(m * 60) }, pops, counts), ras.Step, nil
}

// Population counts, per threshold, the residents and the cells whose
// time (secs, +Inf when not reached) lies in the ring after the previous
// threshold and within this one (the first ring starts at 0 s inclusive).
func Population(minutes []float64, cells Cells, secs func(ci int) float64) ([]int64, []int) {
	pops := make([]int64, len(minutes))
	counts := make([]int, len(minutes))
	maxSecs := minutes[len(minutes)-1] * 60
	for ci := range cells.N {
		s := secs(ci)
		if !(s <= maxSecs) {
			continue
		}
		k := 0
		for s > minutes[k]*60 {
			k++
		}
		pops[k] += cells.Residents(ci)
		counts[k]++
	}
	return pops, counts
}

// Contour contours r (nil: nothing reached) at each threshold and
// projects the polygons to lon/lat; pops and cells are per ring, the
// cumulative figures are their running sums.
func Contour(r *isochrone.Raster, minutes []float64, pops []int64, cells []int) []Band {
	return ContourAt(r, minutes, func(m float64) float64 { return m * 60 }, pops, cells)
}

// ContourAt is Contour with the raster value of each band's edge given by
// level (seconds for a time raster, metres for a distance raster).
func ContourAt(r *isochrone.Raster, minutes []float64, level func(minutes float64) float64, pops []int64, cells []int) []Band {
	out := make([]Band, len(minutes))
	prev := 0.0
	var cumPop int64
	cumCells := 0
	for i, m := range minutes {
		cumPop += pops[i]
		cumCells += cells[i]
		b := Band{FromMinutes: prev, Minutes: m, Geometry: orb.MultiPolygon{}, Population: pops[i], Cells: cells[i],
			CumulativePopulation: cumPop, CumulativeCells: cumCells}
		if r != nil {
			if mp := isochrone.Contour(r, level(m)); len(mp) > 0 {
				b.Geometry = crs.MustProject(mp, crs.UTM33N, crs.CRS84).(orb.MultiPolygon)
			}
		}
		out[i] = b
		prev = m
	}
	return out
}
