package transit

import (
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/paulmach/orb"

	"reach/geo/isochrone"
	raptor "reach/geo/transit"
	"reach/internal/analysis"
	"reach/internal/analysis/bands"
	"reach/layers"
)

// walkSpeed is the speed of the walks from stops into the isochrone raster and to the cells of
// an isochrone, m/s: that of the longest access walk by the straight-line foot estimate, so that
// a stop's area ends where its walk of AccessM ends.
func (p *Planner) walkSpeed() float64 { return AccessM / p.e.StraightLineSeconds(layers.Foot, AccessM) }

// Isochrones answers an isochrone by public transport (analysis.TransitPlanner). One range
// RAPTOR runs over the window's departures from every origin at once (each departure reaches
// a stop at the earliest arrival from any origin). Each stop gets the median over the
// departures of its travel time, waiting included (nearest rank; a departure that does not
// reach it counts as infinitely long); every place within AccessM of a stop or an origin is
// then reached after the least of those medians plus the straight walk. The same times give
// the residents of each band (cell centres). The median of a place is thus that of its best
// stop: where two stops serve it by turns, the true median over departures can be shorter.
func (p *Planner) Isochrones(ctx context.Context, req analysis.IsochroneRequest) (analysis.IsochroneResult, error) {
	if err := bands.CheckOrigins(len(req.Origins)); err != nil {
		return analysis.IsochroneResult{}, err
	}
	minutes, err := bands.CheckMinutes(req.Minutes)
	if err != nil {
		return analysis.IsochroneResult{}, err
	}
	q := req.Transit
	if err := departureOnly(q); err != nil {
		return analysis.IsochroneResult{}, fmt.Errorf("analysis: isochrones: %w", err)
	}
	if err := q.Check(); err != nil {
		return analysis.IsochroneResult{}, fmt.Errorf("analysis: isochrones: %w", err)
	}
	date, dep := serviceDay(q)
	d, err := p.timetable(date)
	if err != nil {
		return analysis.IsochroneResult{}, fmt.Errorf("analysis: isochrones: %w", err)
	}
	tt := d.tt
	res := analysis.IsochroneResult{Origins: make([]analysis.SnapInfo, len(req.Origins))}
	var buf []raptor.StopDist
	best := map[raptor.StopID]raptor.Time{}
	origins := make([]orb.Point, len(req.Origins))
	for i, ll := range req.Origins {
		u, err := analysis.ToUTM(ll)
		if err != nil {
			return analysis.IsochroneResult{}, fmt.Errorf("analysis: isochrones: origins[%d]: %w", i, err)
		}
		origins[i] = u
		var acc []raptor.Access
		acc, buf = p.stopWalks(tt, u, buf)
		res.Origins[i] = p.stopInfo(tt, ll, buf)
		for _, a := range acc {
			if w, ok := best[a.Stop]; !ok || a.Walk < w {
				best[a.Stop] = a.Walk
			}
		}
	}
	access := make([]raptor.Access, 0, len(best))
	for s, w := range best {
		access = append(access, raptor.Access{Stop: s, Walk: w})
	}
	med, err := p.stopMedians(ctx, d, access, dep, q.WindowMinutes, minutes[len(minutes)-1]*60)
	if err != nil {
		return analysis.IsochroneResult{}, err
	}
	speed := p.walkSpeed()
	reached := make([]isochrone.Reached, 0, len(med)+len(origins))
	for _, o := range origins {
		reached = append(reached, isochrone.Reached{P: o, Seconds: 0, MaxLegM: AccessM})
	}
	for _, sm := range med {
		reached = append(reached, isochrone.Reached{P: tt.Stops[sm.stop].Pos, Seconds: sm.secs, MaxLegM: AccessM})
	}
	cellSecs := func(ci int) float64 {
		c := p.e.Cell(ci).UTM
		t := math.Inf(1)
		for _, o := range origins {
			if dist := math.Hypot(c[0]-o[0], c[1]-o[1]); dist <= AccessM {
				t = min(t, dist/speed)
			}
		}
		return t
	}
	// Cells near a reached stop: visit the stops' neighbourhoods once instead of every stop per cell.
	stopCells := p.cellsNearStops(tt, med)
	cellTime := make(map[int]float64, len(stopCells))
	for _, sc := range stopCells {
		if t, ok := cellTime[sc.cell]; !ok || sc.secs < t {
			cellTime[sc.cell] = sc.secs
		}
	}
	var step float64
	res.Bands, step, err = p.e.PointBands(ctx, reached, speed, minutes, func(ci int) float64 {
		t := cellSecs(ci)
		if v, ok := cellTime[ci]; ok {
			t = min(t, v)
		}
		return t
	})
	if err != nil {
		return analysis.IsochroneResult{}, err
	}
	res.Method = fmt.Sprintf("public transport from %s, window of %d min: %s; each place the least median of a stop's travel time over the departures plus a straight walk ≤ %.0f m at %.2f m/s; grid contour (marching squares, %g m raster); residents of cells whose centre is reached within the time",
		q.Departure.Format("2006-01-02T15:04"), q.WindowMinutes, method(), AccessM, speed, step)
	res.Provenance = p.e.Provenance(res.Method)
	return res, nil
}

// stopMedian is the median travel time of one stop over a window, seconds.
type stopMedian struct {
	stop raptor.StopID
	secs float64
}

// stopMedians runs one range RAPTOR from access over the window and returns, for every stop
// whose median travel time (arrival minus departure, nearest rank) is at most maxSecs, that
// median.
func (p *Planner) stopMedians(ctx context.Context, d *day, access []raptor.Access, dep raptor.Time, window int, maxSecs float64) ([]stopMedian, error) {
	r := d.router()
	defer d.pool.Put(r)
	n := len(d.tt.Stops)
	// times[s*window+k]: travel time to s of the k-th departure counted from the last.
	times := make([]float64, n*window)
	k := 0
	last := dep + raptor.Time(60*(window-1))
	err := r.Range(access, dep, last, 60, func(t raptor.Time, arr []raptor.Time) {
		for s, a := range arr {
			v := math.Inf(1)
			if a != raptor.Unreachable {
				v = float64(a - t)
			}
			times[s*window+k] = v
		}
		k++
	})
	if err != nil {
		return nil, fmt.Errorf("analysis: isochrones: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("analysis: isochrones: %w", err)
	}
	// The nearest-rank median is the ⌈w/2⌉-th smallest value.
	rank := int(math.Ceil(0.5*float64(window))) - 1
	var out []stopMedian
	for s := 0; s < n; s++ {
		row := times[s*window : (s+1)*window]
		// Cheap test first: a stop whose rank-th value exceeds maxSecs is skipped; count the
		// values within maxSecs.
		within := 0
		for _, v := range row {
			if v <= maxSecs {
				within++
			}
		}
		if within <= rank {
			continue
		}
		slices.Sort(row)
		out = append(out, stopMedian{stop: raptor.StopID(s), secs: row[rank]})
	}
	return out, nil
}

// stopCell is a populated cell within AccessM of a reached stop, with its time via that stop.
type stopCell struct {
	cell int
	secs float64
}

// cellsNearStops returns, for each reached stop, the populated cells within AccessM with the
// stop's median plus the straight walk at walkSpeed.
func (p *Planner) cellsNearStops(tt *raptor.Timetable, med []stopMedian) []stopCell {
	idx := p.cellIndex()
	speed := p.walkSpeed()
	var out []stopCell
	for _, sm := range med {
		pos := tt.Stops[sm.stop].Pos
		idx.near(pos, AccessM, func(ci int, dist float64) {
			out = append(out, stopCell{cell: ci, secs: sm.secs + dist/speed})
		})
	}
	return out
}
