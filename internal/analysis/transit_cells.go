package analysis

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"sync"

	"reach/geo/transit"
	"reach/layers"
)

// TransitMaxMinutes is the longest journey the cell travel times look for; a departure with no
// facility within it counts as unreachable.
const TransitMaxMinutes = 120

// TransitCellTime is the travel time by public transport from one populated cell to the nearest
// facility of a category, over the departures of a window (one per minute), waiting included.
type TransitCellTime struct {
	CellID     string
	AGS        string
	Population int64
	Known      bool
	// Median, P10 and P90 are the nearest-rank percentiles of the door-to-door seconds over the
	// window's departures; nil when that share of departures reaches no facility within
	// TransitMaxMinutes.
	Median, P10, P90 *float64
	// ShareWithin is the share of departures that reach a facility within the standard
	// (StandardMinutes); NaN when the catalogue has no transit standard for the category.
	ShareWithin float64
}

// TransitCellResult holds the times of every populated cell and how they were found.
type TransitCellResult struct {
	Category        layers.Category
	Departure       string // local date-time of the first departure
	WindowMinutes   int
	StandardMinutes float64 // 0 without a transit standard
	Cells           []TransitCellTime
	Method          string
	Provenance      Provenance
}

// TransitTravelTimes gives, for every populated cell, the travel time by public transport to the
// nearest facility of cat for each departure of the window, summarised as median, 10th and 90th
// percentile and the share within the catalogue's transit standard.
//
// One reverse range RAPTOR runs from all facilities at once (on the reversed timetable, from
// the stops within walking distance of a facility): for every arrival minute A from the first
// departure to the end of the window plus TransitMaxMinutes it gives, per stop, the latest
// departure that still reaches a facility by A. A cell leaving at t then arrives at the first
// minute A for which one of its stops is left late enough. Arrivals are therefore counted to
// the full minute (at most 59 s late). Journeys on foot only (within TransitAccessM) count too.
func (e *Engine) TransitTravelTimes(ctx context.Context, cat layers.Category, q TransitQuery) (TransitCellResult, error) {
	if !cat.Valid() {
		return TransitCellResult{}, fmt.Errorf("analysis: transit travel times: category %q: %w", cat, layers.ErrInvalid)
	}
	if err := q.check(); err != nil {
		return TransitCellResult{}, fmt.Errorf("analysis: transit travel times: %w", err)
	}
	day, dep := q.day()
	d, err := e.timetable(day)
	if err != nil {
		return TransitCellResult{}, fmt.Errorf("analysis: transit travel times: %w", err)
	}
	rev, err := d.reversed()
	if err != nil {
		return TransitCellResult{}, fmt.Errorf("analysis: transit travel times: %w", err)
	}
	tt := d.tt
	res := TransitCellResult{Category: cat, Departure: q.Departure.Format("2006-01-02T15:04:05"), WindowMinutes: q.WindowMinutes,
		Method: fmt.Sprintf("reverse range RAPTOR from every facility, arrivals by the minute, at most %d transfers, journeys up to %d min; walks within %.0f m by the straight-line foot estimate",
			DefaultMaxTransfers, TransitMaxMinutes, TransitAccessM)}
	std, hasStd := e.cat.Standard(cat, Transit)
	if hasStd {
		res.StandardMinutes = std.MaxMinutes
	}
	res.Provenance = e.provenance("public transport: " + res.Method)

	// Egress: stops within walking distance of a facility, with the walk.
	var buf []transit.StopDist
	egress := map[transit.StopID]transit.Time{}
	facs := e.byCat[cat]
	for _, fi := range facs {
		var acc []transit.Access
		acc, buf = e.stopWalks(tt, e.facUTM[fi], buf)
		for _, a := range acc {
			if w, ok := egress[a.Stop]; !ok || a.Walk < w {
				egress[a.Stop] = a.Walk
			}
		}
	}
	seeds := make([]transit.Access, 0, len(egress))
	for s, w := range egress {
		seeds = append(seeds, transit.Access{Stop: s, Walk: w})
	}

	// Latest departures per stop and arrival minute: ld[m*n+s] for arrival dep+m·60 (−∞ as
	// math.MinInt32 when no journey arrives by then).
	n := len(tt.Stops)
	minutes := q.WindowMinutes + TransitMaxMinutes
	ld := make([]transit.Time, minutes*n)
	r, err := rev.NewRouter(DefaultMaxTransfers)
	if err != nil {
		return TransitCellResult{}, err
	}
	last := dep + transit.Time(60*(minutes-1))
	err = r.Range(seeds, -last, -dep, 60, func(t transit.Time, arr []transit.Time) {
		m := int((-t - dep) / 60)
		row := ld[m*n : (m+1)*n]
		for s, a := range arr {
			if a == transit.Unreachable {
				row[s] = math.MinInt32
			} else {
				row[s] = -a
			}
		}
	})
	if err != nil {
		return TransitCellResult{}, err
	}

	// Per cell: for each departure, the first arrival minute at which one of its stops is left
	// late enough.
	res.Cells = make([]TransitCellTime, len(e.cells))
	workers := runtime.GOMAXPROCS(0)
	var wg sync.WaitGroup
	chunk := (len(e.cells) + workers - 1) / workers
	for w := 0; w < workers; w++ {
		lo, hi := w*chunk, min((w+1)*chunk, len(e.cells))
		if lo >= hi {
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			var buf []transit.StopDist
			times := make([]float64, q.WindowMinutes)
			for ci := lo; ci < hi; ci++ {
				if ci&255 == 0 && ctx.Err() != nil {
					return
				}
				c := &e.cells[ci]
				var acc []transit.Access
				acc, buf = e.stopWalks(tt, c.utm, buf)
				direct := math.Inf(1)
				if fi, dist := e.nearestFacility(cat, c.utm); fi >= 0 && dist <= TransitAccessM {
					direct = float64(e.walkSeconds(dist))
				}
				within := 0
				for k := 0; k < q.WindowMinutes; k++ {
					t := dep + transit.Time(60*k)
					best := direct
					// The earliest arrival minute m ≥ k with ld[m][s] ≥ t + walk for some stop.
					for m := k; m < minutes && float64(60*(m-k)) < best; m++ {
						row := ld[m*n : (m+1)*n]
						for _, a := range acc {
							if row[a.Stop] >= t+a.Walk {
								best = min(best, float64(60*(m-k)))
								break
							}
						}
					}
					times[k] = best
					if hasStd && best <= std.MaxSeconds() {
						within++
					}
				}
				st := statsOf(times)
				out := TransitCellTime{CellID: c.id, AGS: c.ags, Population: c.pop, Known: c.pop >= 0,
					Median: st.Median, P10: st.P10, P90: st.P90, ShareWithin: math.NaN()}
				if hasStd {
					out.ShareWithin = float64(within) / float64(q.WindowMinutes)
				}
				res.Cells[ci] = out
			}
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return TransitCellResult{}, fmt.Errorf("analysis: transit travel times: %w", err)
	}
	return res, nil
}

// nearestFacility returns the facility of cat nearest to p (EPSG:25833) in a straight line and
// its distance, -1 when the category has none.
func (e *Engine) nearestFacility(cat layers.Category, p [2]float64) (int, float64) {
	best, bd := -1, math.Inf(1)
	for _, fi := range e.byCat[cat] {
		dx, dy := e.facUTM[fi][0]-p[0], e.facUTM[fi][1]-p[1]
		if d := dx*dx + dy*dy; d < bd {
			best, bd = fi, d
		}
	}
	return best, math.Sqrt(bd)
}

// reversed returns the reversed timetable of the day, built on first use.
func (d *transitDay) reversed() (*transit.Timetable, error) {
	d.revOnce.Do(func() { d.rev, d.revErr = d.tt.Reversed() })
	return d.rev, d.revErr
}
