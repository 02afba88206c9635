package transit

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"sort"
	"sync"
	"time"

	"reach/geo/access"
	raptor "reach/geo/transit"
	"reach/internal/analysis"
	"reach/layers"
)

// Limits of round-trip queries.
const (
	// MaxStayMinutes bounds the stay at the facility.
	MaxStayMinutes = 12 * 60
)

// RoundTripQuery asks, for every populated cell, whether its residents can be at a facility of
// Category by ArriveBy (an appointment), stay StayMinutes, and be back home by HomeBy, all by
// public transport and on foot.
type RoundTripQuery struct {
	Category layers.Category
	// ArriveBy is the appointment, a local date-time of the timetable's zone (see
	// analysis.ParseDeparture); its date is the service day.
	ArriveBy time.Time
	// StayMinutes is the time at the facility from the appointment on; the way back starts
	// ArriveBy + StayMinutes.
	StayMinutes int
	// HomeBy is the latest time back home; zero means the end of the service day (24:00).
	HomeBy time.Time
}

// RoundTripCell is the answer for one populated cell. Times are local clock times "HH:MM:SS"
// of the service day (hours may exceed 23 after midnight).
type RoundTripCell struct {
	CellID     string `json:"inspire_id"`
	AGS        string `json:"ags"`
	Population int64  `json:"population"`
	Known      bool   `json:"known"`
	// Possible says whether the round trip can be made.
	Possible bool `json:"possible"`
	// Method is analysis.MethodTransit when the round trip can be made,
	// analysis.MethodNoStop when it cannot and no stop within AccessM has a departure on the
	// service day before HomeBy (the timetable does not serve the cell: the feed may end
	// there), analysis.MethodUnreachable otherwise.
	Method string `json:"method"`
	// FacilityID is the facility of the shortest possible round trip.
	FacilityID string `json:"facility_id,omitempty"`
	// LeaveHome is the latest departure from home that still arrives by ArriveBy;
	// BackHome the earliest arrival home after leaving the facility at ArriveBy+StayMinutes.
	LeaveHome string `json:"leave_home,omitempty"`
	BackHome  string `json:"back_home,omitempty"`
	// DurationS is door to door, BackHome − LeaveHome in seconds (stay and waiting included);
	// OutboundS and ReturnS are the two journeys (ArriveBy − LeaveHome, BackHome − end of stay).
	DurationS *float64 `json:"duration_s"`
	OutboundS *float64 `json:"outbound_s"`
	ReturnS   *float64 `json:"return_s"`
}

// RoundTripArea is the share of residents of one municipality who can make the round trip.
type RoundTripArea struct {
	AGS        string  `json:"ags"`
	Name       string  `json:"name"`
	Population int64   `json:"population"`
	Possible   int64   `json:"possible"`
	Share      float64 `json:"share_possible"` // Possible / Population, 0 when Population is 0
	// NoStop counts the residents of cells with method no_stop (among those who cannot).
	NoStop int64 `json:"no_stop"`
	// MedianDurationS is the population-weighted median door-to-door duration of those who
	// can make it; nil when nobody can.
	MedianDurationS *float64 `json:"median_duration_s"`
}

// RoundTripResult is the answer to a RoundTripQuery.
type RoundTripResult struct {
	Category       layers.Category     `json:"category"`
	ArriveBy       string              `json:"arrive_by"`
	StayMinutes    int                 `json:"stay_minutes"`
	HomeBy         string              `json:"home_by"`
	Timetable      string              `json:"timetable"`
	Population     int64               `json:"population"`
	Possible       int64               `json:"possible"`
	Share          float64             `json:"share_possible"`
	NoStop         int64               `json:"no_stop"` // residents of no_stop cells
	Municipalities []RoundTripArea     `json:"municipalities"`
	Cells          []RoundTripCell     `json:"cells,omitempty"`
	Method         string              `json:"method"`
	Provenance     analysis.Provenance `json:"provenance"`
}

// clock formats seconds after midnight as HH:MM:SS.
func clock(t raptor.Time) string {
	return fmt.Sprintf("%02d:%02d:%02d", t/3600, t/60%60, t%60)
}

// noTime marks "no journey" in the per-facility arrays.
const noTime = raptor.NoDeparture

// RoundTrips answers q for every populated cell. Facilities closed at the appointment by their
// opening hours do not count. Per facility of the category two RAPTOR
// searches run: one on the reversed timetable from the facility's stops at the appointment
// (the latest departure from every stop that still arrives in time: an arrive-by search) and
// one forwards from them at the end of the stay (the earliest arrival at every stop). A cell
// takes, per facility, the latest of its stops' departures less the walk to them and the
// earliest of their arrivals plus the walk home (or walks the whole way within AccessM), and
// keeps the facility of the shortest door-to-door round trip that is back home by HomeBy.
func (p *Planner) RoundTrips(ctx context.Context, q RoundTripQuery) (RoundTripResult, error) {
	if !q.Category.Valid() {
		return RoundTripResult{}, fmt.Errorf("analysis: round trip: category %q: %w", q.Category, layers.ErrInvalid)
	}
	if q.ArriveBy.IsZero() {
		return RoundTripResult{}, fmt.Errorf("analysis: round trip: arrive_by: required: %w", layers.ErrInvalid)
	}
	if q.StayMinutes < 0 || q.StayMinutes > MaxStayMinutes {
		return RoundTripResult{}, fmt.Errorf("analysis: round trip: stay_minutes %d: want 0 to %d: %w", q.StayMinutes, MaxStayMinutes, layers.ErrInvalid)
	}
	date, appt := serviceDay(analysis.TransitQuery{Departure: q.ArriveBy})
	homeBy := raptor.Time(24 * 3600)
	if !q.HomeBy.IsZero() {
		hd, h := serviceDay(analysis.TransitQuery{Departure: q.HomeBy})
		h += raptor.Time(hd.Sub(date) / time.Second)
		homeBy = h
	}
	endStay := appt + raptor.Time(60*q.StayMinutes)
	if homeBy < endStay {
		return RoundTripResult{}, fmt.Errorf("analysis: round trip: home_by %s is before the end of the stay %s: %w", clock(homeBy), clock(endStay), layers.ErrInvalid)
	}
	d, err := p.timetable(date)
	if err != nil {
		return RoundTripResult{}, fmt.Errorf("analysis: round trip: %w", err)
	}
	if _, err := d.reversed(); err != nil {
		return RoundTripResult{}, fmt.Errorf("analysis: round trip: %w", err)
	}
	tt := d.tt
	facs := p.e.FacilitiesOf(q.Category)
	res := RoundTripResult{Category: q.Category, ArriveBy: q.ArriveBy.Format("2006-01-02T15:04:05"), StayMinutes: q.StayMinutes,
		HomeBy: date.Add(time.Duration(homeBy) * time.Second).Format("2006-01-02T15:04:05"), Timetable: p.feed.Name,
		Municipalities: []RoundTripArea{}, Cells: make([]RoundTripCell, p.e.NumCells()),
		Method: fmt.Sprintf("per facility one arrive-by RAPTOR on the reversed timetable at the appointment and one RAPTOR forwards at the end of the stay, at most %d transfers; walks to and from stops within %.0f m, and the whole way within %.0f m, by the straight-line foot estimate; the facility of the shortest round trip counts", MaxTransfers, AccessM, AccessM)}
	res.Provenance = p.e.Provenance("public transport round trip: " + res.Method)

	// Per facility: latest departure per stop (out) and earliest arrival per stop (back).
	n := len(tt.Stops)
	out := make([][]raptor.Time, len(facs))
	back := make([][]raptor.Time, len(facs))
	egress := make([][]raptor.Access, len(facs))
	var buf []raptor.StopDist
	open := make([]bool, len(facs))
	for i, f := range facs {
		h, err := layers.ParseOpeningHours(f.OpeningHours)
		if err != nil {
			return RoundTripResult{}, fmt.Errorf("analysis: round trip: facility %s: %w", f.ID, err)
		}
		// A facility closed at the appointment does not count.
		if open[i] = h.OpenAt(q.ArriveBy); open[i] {
			egress[i], buf = p.stopWalks(tt, f.Location, buf)
		}
	}
	var next int
	var mu sync.Mutex
	var wg sync.WaitGroup
	var runErr error
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fr := d.router()
			defer d.pool.Put(fr)
			rr, err := d.revRouter()
			if err != nil {
				mu.Lock()
				runErr = err
				mu.Unlock()
				return
			}
			defer d.revPool.Put(rr)
			for {
				mu.Lock()
				i := next
				next++
				mu.Unlock()
				if i >= len(facs) || ctx.Err() != nil {
					return
				}
				o, b := make([]raptor.Time, n), make([]raptor.Time, n)
				if len(egress[i]) > 0 {
					if _, err := rr.LatestDepartures(o[:0], egress[i], appt); err != nil {
						mu.Lock()
						runErr = err
						mu.Unlock()
						return
					}
					copy(b, fr.EarliestArrival(egress[i], endStay))
				} else {
					for s := range o {
						o[s], b[s] = noTime, raptor.Unreachable
					}
				}
				out[i], back[i] = o, b
			}
		}()
	}
	wg.Wait()
	if runErr != nil {
		return RoundTripResult{}, fmt.Errorf("analysis: round trip: %w", runErr)
	}
	if err := ctx.Err(); err != nil {
		return RoundTripResult{}, fmt.Errorf("analysis: round trip: %w", err)
	}

	// Cells that a stop with a departure on the day before home-by serves.
	served := p.servedCells(tt, 0, int(homeBy+59)/60)

	// Per cell: the best facility.
	for ci := range res.Cells {
		if ci&1023 == 0 && ctx.Err() != nil {
			return RoundTripResult{}, fmt.Errorf("analysis: round trip: %w", ctx.Err())
		}
		c := p.e.Cell(ci)
		rc := RoundTripCell{CellID: c.ID, AGS: c.AGS, Population: c.Residents, Known: c.Residents >= 0}
		var acc []raptor.Access
		acc, buf = p.stopWalks(tt, c.UTM, buf)
		bestDur := raptor.Time(math.MaxInt32)
		var bestLeave, bestHome raptor.Time
		bestFac := -1
		for fi, f := range facs {
			if !open[fi] {
				continue
			}
			leave, home := raptor.Time(noTime), raptor.Unreachable
			if dist := math.Hypot(f.Location[0]-c.UTM[0], f.Location[1]-c.UTM[1]); dist <= AccessM {
				w := p.walkSeconds(dist)
				leave, home = appt-w, endStay+w
			}
			o, b := out[fi], back[fi]
			for _, a := range acc {
				if t := o[a.Stop]; t != noTime && t-a.Walk > leave {
					leave = t - a.Walk
				}
				if t := b[a.Stop]; t != raptor.Unreachable && t+a.Walk < home {
					home = t + a.Walk
				}
			}
			if leave == noTime || home == raptor.Unreachable || home > homeBy {
				continue
			}
			if dur := home - leave; dur < bestDur {
				bestDur, bestLeave, bestHome, bestFac = dur, leave, home, fi
			}
		}
		if bestFac >= 0 {
			rc.Possible = true
			rc.FacilityID = facs[bestFac].ID
			rc.LeaveHome, rc.BackHome = clock(bestLeave), clock(bestHome)
			dur, ob, rt := float64(bestDur), float64(appt-bestLeave), float64(bestHome-endStay)
			rc.DurationS, rc.OutboundS, rc.ReturnS = &dur, &ob, &rt
		}
		switch {
		case rc.Possible:
			rc.Method = analysis.MethodTransit
		case !served[ci]:
			rc.Method = analysis.MethodNoStop
		default:
			rc.Method = analysis.MethodUnreachable
		}
		res.Cells[ci] = rc
	}

	// Per municipality.
	type acc struct {
		row  RoundTripArea
		durs []float64 // door-to-door seconds of the residents who make it
		pops []int64
	}
	areas := map[string]*acc{}
	for _, c := range res.Cells {
		if !c.Known || c.Population <= 0 {
			continue
		}
		a := areas[c.AGS]
		if a == nil {
			a = &acc{row: RoundTripArea{AGS: c.AGS, Name: p.e.MunicipalityName(c.AGS)}}
			areas[c.AGS] = a
		}
		a.row.Population += c.Population
		res.Population += c.Population
		if c.Method == analysis.MethodNoStop {
			a.row.NoStop += c.Population
			res.NoStop += c.Population
		}
		if c.Possible {
			a.row.Possible += c.Population
			res.Possible += c.Population
			a.durs, a.pops = append(a.durs, *c.DurationS), append(a.pops, c.Population)
		}
	}
	for _, a := range areas {
		if a.row.Population > 0 {
			a.row.Share = float64(a.row.Possible) / float64(a.row.Population)
		}
		a.row.MedianDurationS = access.WeightedQuantile(a.durs, a.pops, 0.5)
		res.Municipalities = append(res.Municipalities, a.row)
	}
	sort.Slice(res.Municipalities, func(i, j int) bool { return res.Municipalities[i].AGS < res.Municipalities[j].AGS })
	if res.Population > 0 {
		res.Share = float64(res.Possible) / float64(res.Population)
	}
	return res, nil
}
