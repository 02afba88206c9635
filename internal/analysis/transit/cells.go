package transit

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"sync"
	"time"

	"github.com/paulmach/orb"

	raptor "reach/geo/transit"
	"reach/internal/analysis"
	"reach/internal/catalogue"
	"reach/layers"
)

// MaxJourneyMinutes is the longest journey the cell travel times look for; a departure with no
// facility within it counts as unreachable.
const MaxJourneyMinutes = 120

// CellTime is the travel time by public transport from one populated cell to the nearest
// facility of a category, over the departures of a window (one per minute), waiting included.
type CellTime struct {
	CellID     string
	AGS        string
	Population int64
	Known      bool
	// Median, P10 and P90 are the nearest-rank percentiles of the door-to-door seconds over the
	// window's departures; nil when that share of departures reaches no facility within
	// MaxJourneyMinutes.
	Median, P10, P90 *float64
	// ShareWithin is the share of departures that reach a facility within the standard
	// (StandardMinutes); NaN when the catalogue has no transit standard for the category.
	ShareWithin float64
	// Method says what the median is: analysis.MethodTransit when reached (by public
	// transport or on foot); analysis.MethodNoStop when no stop with a departure in the window
	// lies within AccessM (the timetable does not serve the cell, which may be where the feed
	// ends); analysis.MethodUnreachable when one does but no facility is reached.
	Method string
}

// CellResult holds the times of every populated cell and how they were found.
type CellResult struct {
	Category        layers.Category
	Departure       string // local date-time of the first departure
	WindowMinutes   int
	StandardMinutes float64 // 0 without a transit standard
	Cells           []CellTime
	Method          string
	Provenance      analysis.Provenance
}

// TravelTimes gives, for every populated cell, the travel time by public transport to the
// nearest facility of cat for each departure of the window, summarised as median, 10th and 90th
// percentile and the share within the catalogue's transit standard.
//
// One reverse range RAPTOR runs from all facilities at once (on the reversed timetable, from
// the stops within walking distance of a facility): for every arrival minute A from the first
// departure to the end of the window plus MaxJourneyMinutes it gives, per stop, the latest
// departure that still reaches a facility by A. A cell leaving at t then arrives at the first
// minute A for which one of its stops is left late enough. Arrivals are therefore counted to
// the full minute (at most 59 s late). Journeys on foot only (within AccessM) count too.
func (p *Planner) TravelTimes(ctx context.Context, cat layers.Category, q analysis.TransitQuery) (CellResult, error) {
	if !cat.Valid() {
		return CellResult{}, fmt.Errorf("analysis: transit travel times: category %q: %w", cat, layers.ErrInvalid)
	}
	return p.travelTimes(ctx, cat, q, p.e.FacilitiesOf(cat))
}

// travelTimes is TravelTimes to the facilities facs; cat gives the standard (none for the
// empty category, as for points that are no facility).
func (p *Planner) travelTimes(ctx context.Context, cat layers.Category, q analysis.TransitQuery, facs []layers.Facility) (CellResult, error) {
	if err := departureOnly(q); err != nil {
		return CellResult{}, fmt.Errorf("analysis: transit travel times: %w", err)
	}
	if err := q.Check(); err != nil {
		return CellResult{}, fmt.Errorf("analysis: transit travel times: %w", err)
	}
	date, dep := serviceDay(q)
	d, err := p.timetable(date)
	if err != nil {
		return CellResult{}, fmt.Errorf("analysis: transit travel times: %w", err)
	}
	rev, err := d.reversed()
	if err != nil {
		return CellResult{}, fmt.Errorf("analysis: transit travel times: %w", err)
	}
	tt := d.tt
	served, _, err := p.ServedCells(ctx, q)
	if err != nil {
		return CellResult{}, fmt.Errorf("analysis: transit travel times: %w", err)
	}
	res := CellResult{Category: cat, Departure: q.Departure.Format("2006-01-02T15:04:05"), WindowMinutes: q.WindowMinutes,
		Method: fmt.Sprintf("reverse range RAPTOR from every facility, arrivals by the minute, at most %d transfers, journeys up to %d min; walks within %.0f m by the straight-line foot estimate",
			MaxTransfers, MaxJourneyMinutes, AccessM)}
	var std catalogue.Standard
	hasStd := false
	if cat != "" {
		std, hasStd = p.e.Standard(cat, analysis.Transit)
	}
	if hasStd {
		res.StandardMinutes = std.MaxMinutes
	}
	res.Provenance = p.e.Provenance("public transport: " + res.Method)

	// Facilities grouped by their opening hours; each group's stops within walking distance
	// of one of its facilities, with the walk.
	type group struct {
		hours layers.OpeningHours
		seeds []raptor.Access
	}
	var groups []*group
	byHours := map[string]*group{}
	var buf []raptor.StopDist
	for _, f := range facs {
		g := byHours[f.OpeningHours]
		if g == nil {
			h, err := layers.ParseOpeningHours(f.OpeningHours)
			if err != nil {
				return CellResult{}, fmt.Errorf("analysis: transit travel times: facility %s: %w", f.ID, err)
			}
			g = &group{hours: h}
			byHours[f.OpeningHours] = g
			groups = append(groups, g)
		}
		var acc []raptor.Access
		acc, buf = p.stopWalks(tt, f.Location, buf)
		g.seeds = append(g.seeds, acc...)
	}

	// Latest departures per stop and arrival minute: ld[m*n+s] for arrival dep+m·60
	// (raptor.NoDeparture when no journey arrives by then at a facility open then).
	n := len(tt.Stops)
	minutes := q.WindowMinutes + MaxJourneyMinutes
	ld := make([]raptor.Time, minutes*n)
	for i := range ld {
		ld[i] = raptor.NoDeparture
	}
	r, err := rev.NewRouter(MaxTransfers)
	if err != nil {
		return CellResult{}, err
	}
	last := dep + raptor.Time(60*(minutes-1))
	for _, g := range groups {
		err = r.RangeLatestDepartures(g.seeds, dep, last, 60, func(by raptor.Time, lds []raptor.Time) {
			if !g.hours.OpenAt(date.Add(time.Duration(by) * time.Second)) {
				return
			}
			row := ld[int((by-dep)/60)*n:][:n]
			for s, t := range lds {
				row[s] = max(row[s], t)
			}
		})
		if err != nil {
			return CellResult{}, err
		}
	}

	// Per cell: for each departure, the first arrival minute at which one of its stops is left
	// late enough.
	nc := p.e.NumCells()
	res.Cells = make([]CellTime, nc)
	workers := runtime.GOMAXPROCS(0)
	var wg sync.WaitGroup
	chunk := (nc + workers - 1) / workers
	for w := 0; w < workers; w++ {
		lo, hi := w*chunk, min((w+1)*chunk, nc)
		if lo >= hi {
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			var buf []raptor.StopDist
			var walks []directWalk
			times := make([]float64, q.WindowMinutes)
			for ci := lo; ci < hi; ci++ {
				if ci&255 == 0 && ctx.Err() != nil {
					return
				}
				c := p.e.Cell(ci)
				var acc []raptor.Access
				acc, buf = p.stopWalks(tt, c.UTM, buf)
				walks = walks[:0]
				for _, f := range facs {
					if dist := math.Hypot(f.Location[0]-c.UTM[0], f.Location[1]-c.UTM[1]); dist <= AccessM {
						walks = append(walks, directWalk{f: f, secs: p.walkSeconds(dist)})
					}
				}
				within := 0
				for k := 0; k < q.WindowMinutes; k++ {
					t := dep + raptor.Time(60*k)
					best := math.Inf(1)
					for _, w := range walks {
						if float64(w.secs) < best && byHours[w.f.OpeningHours].hours.OpenAt(date.Add(time.Duration(t+w.secs)*time.Second)) {
							best = float64(w.secs)
						}
					}
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
				out := CellTime{CellID: c.ID, AGS: c.AGS, Population: c.Residents, Known: c.Residents >= 0,
					Median: st.Median, P10: st.P10, P90: st.P90, ShareWithin: math.NaN()}
				if hasStd {
					out.ShareWithin = float64(within) / float64(q.WindowMinutes)
				}
				switch {
				case out.Median != nil:
					out.Method = analysis.MethodTransit
				case !served[ci]:
					out.Method = analysis.MethodNoStop
				default:
					out.Method = analysis.MethodUnreachable
				}
				res.Cells[ci] = out
			}
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return CellResult{}, fmt.Errorf("analysis: transit travel times: %w", err)
	}
	return res, nil
}

// directWalk is a facility within walking distance of a cell and the walk to it.
type directWalk struct {
	f    layers.Facility
	secs raptor.Time
}

// nearestDistance returns the straight-line distance from pt (EPSG:25833) to the nearest of
// facs, +Inf when there is none.
func nearestDistance(facs []layers.Facility, pt orb.Point) float64 {
	bd := math.Inf(1)
	for _, f := range facs {
		dx, dy := f.Location[0]-pt[0], f.Location[1]-pt[1]
		bd = min(bd, dx*dx+dy*dy)
	}
	return math.Sqrt(bd)
}

// CellSeconds gives the median of every cell's travel times (analysis.TransitPlanner): the
// medians of TravelTimes, +Inf where the median departure reaches no facility.
func (p *Planner) CellSeconds(ctx context.Context, cat layers.Category, q analysis.TransitQuery) (analysis.TransitCells, error) {
	res, err := p.TravelTimes(ctx, cat, q)
	if err != nil {
		return analysis.TransitCells{}, err
	}
	return cellSeconds(res), nil
}

// PointSeconds gives the median travel time of every cell to the nearest of pts (EPSG:25833)
// over the window of q (analysis.TransitPlanner): the points taken as facilities open at any
// hour, without a standard.
func (p *Planner) PointSeconds(ctx context.Context, pts []orb.Point, q analysis.TransitQuery) (analysis.TransitCells, error) {
	facs := make([]layers.Facility, len(pts))
	for i, pt := range pts {
		facs[i] = layers.Facility{ID: fmt.Sprintf("point:%d", i), Location: pt}
	}
	res, err := p.travelTimes(ctx, "", q, facs)
	if err != nil {
		return analysis.TransitCells{}, err
	}
	return cellSeconds(res), nil
}

// cellSeconds is the median of every cell of res, +Inf where the median departure reaches
// no facility.
func cellSeconds(res CellResult) analysis.TransitCells {
	out := analysis.TransitCells{Seconds: make([]float64, len(res.Cells)), NoStop: make([]bool, len(res.Cells)), Method: res.Method}
	for i, c := range res.Cells {
		out.NoStop[i] = c.Method == analysis.MethodNoStop
		out.Seconds[i] = math.Inf(1)
		if c.Median != nil {
			out.Seconds[i] = *c.Median
		}
	}
	return out
}
