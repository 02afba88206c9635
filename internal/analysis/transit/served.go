package transit

import (
	"context"
	"fmt"
	"time"

	raptor "reach/geo/transit"
	"reach/internal/analysis"
)

// maxServedWindows bounds the windows whose served cells the planner keeps: requests may
// name any departure, and each window costs a flag per populated cell.
const maxServedWindows = 16

// servedKey names a window: its first departure and its length.
type servedKey struct {
	departure string
	minutes   int
}

// ServedCells tells, per populated cell, whether a stop with a departure in the window of q
// (from its first departure, for WindowMinutes minutes) lies within AccessM of the cell centre
// (analysis.TransitPlanner); criterion describes that. A cell that is not served has no public
// transport in the loaded timetable: either it has none, or the feed ends before it. The
// answer is kept per window (up to maxServedWindows of them).
func (p *Planner) ServedCells(ctx context.Context, q analysis.TransitQuery) ([]bool, string, error) {
	if err := departureOnly(q); err != nil {
		return nil, "", fmt.Errorf("analysis: transit coverage: %w", err)
	}
	if err := q.Check(); err != nil {
		return nil, "", fmt.Errorf("analysis: transit coverage: %w", err)
	}
	date, dep := serviceDay(q)
	criterion := fmt.Sprintf("a stop with a departure from %s to %s on %s within %.0f m",
		q.Departure.Format("15:04"), q.Departure.Add(time.Duration(q.WindowMinutes)*time.Minute).Format("15:04"), date.Format("2006-01-02"), AccessM)
	key := servedKey{q.Departure.Format("2006-01-02T15:04:05"), q.WindowMinutes}
	p.mu.Lock()
	s, ok := p.served[key]
	p.mu.Unlock()
	if ok {
		return s, criterion, nil
	}
	d, err := p.timetable(date)
	if err != nil {
		return nil, "", fmt.Errorf("analysis: transit coverage: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return nil, "", err
	}
	s = p.servedCells(d.tt, dep, q.WindowMinutes)
	p.mu.Lock()
	if p.served == nil || len(p.served) >= maxServedWindows {
		p.served = map[servedKey][]bool{}
	}
	p.served[key] = s
	p.mu.Unlock()
	return s, criterion, nil
}

// servedCells marks the populated cells within AccessM of a stop of tt that a trip leaves at
// a time from dep to dep plus minutes (exclusive).
func (p *Planner) servedCells(tt *raptor.Timetable, dep raptor.Time, minutes int) []bool {
	idx := p.cellIndex()
	out := make([]bool, len(idx.pos))
	end := dep + raptor.Time(60*minutes)
	for s := range tt.Stops {
		if !tt.DepartsWithin(raptor.StopID(s), dep, end) {
			continue
		}
		idx.near(tt.Stops[s].Pos, AccessM, func(ci int, _ float64) { out[ci] = true })
	}
	return out
}
