package analysis

import (
	"context"
	"fmt"

	"reach/layers"
)

// CoverageWarnBelow is the share of residents on a mode's network below
// which results carry a coverage warning.
const CoverageWarnBelow = 0.95

// NetworkCoverage says how much of the loaded area a mode's network covers:
// the residents whose cell snaps to it (their times are network times; the
// others get the straight-line estimate). For mode transit it is the
// timetable's coverage: the residents whose cell has a stop with a departure
// in the default window within walking distance (Criterion); the others'
// transit times are "no_stop", not "unreachable".
type NetworkCoverage struct {
	Mode       layers.Mode `json:"mode"`
	Population int64       `json:"population"`            // residents of the populated cells
	OnNetwork  int64       `json:"population_on_network"` // residents whose cell snaps to the network
	Share      float64     `json:"share"`                 // OnNetwork / Population; 0 when Population is 0
	// Warning names the share when it is below CoverageWarnBelow; "" otherwise.
	Warning string `json:"warning,omitempty"`
	// Criterion says, for mode transit, what counts as served.
	Criterion string `json:"criterion,omitempty"`
}

// Coverage returns the network coverage of every mode of the engine, in
// the order of layers.Modes, followed by the timetable's coverage (mode
// transit) when one is loaded. A mode without a network covers no one.
func (e *Engine) Coverage() []NetworkCoverage {
	var out []NetworkCoverage
	for _, m := range layers.Modes() {
		c := NetworkCoverage{Mode: m}
		mn := e.nets[m]
		for ci, cl := range e.cells {
			c.Population += cl.pop
			if mn != nil && len(mn.cells.Departures(ci)) > 0 {
				c.OnNetwork += cl.pop
			}
		}
		if c.Population > 0 {
			c.Share = float64(c.OnNetwork) / float64(c.Population)
		}
		switch {
		case c.Population == 0:
		case mn == nil:
			c.Warning = fmt.Sprintf("no %s road network loaded: every %s time is a straight-line estimate", m, m)
		case c.Share < CoverageWarnBelow:
			c.Warning = fmt.Sprintf("the %s network covers %.1f %% of the residents (below %.0f %%): the other %s times are straight-line estimates",
				m, 100*c.Share, 100*CoverageWarnBelow, m)
		}
		out = append(out, c)
	}
	if e.transit != nil {
		out = append(out, e.transitCoverage())
	}
	return out
}

// transitCoverage is the timetable's coverage over the default window: the
// residents whose cell a stop with a departure in it serves.
func (e *Engine) transitCoverage() NetworkCoverage {
	c := NetworkCoverage{Mode: Transit}
	for _, cl := range e.cells {
		c.Population += cl.pop
	}
	q, err := e.DefaultTransitQuery()
	var served []bool
	if err == nil {
		served, c.Criterion, err = e.transit.ServedCells(context.Background(), q)
	}
	if err == nil && len(served) != len(e.cells) {
		err = fmt.Errorf("%d cells served or not, want %d", len(served), len(e.cells))
	}
	if err != nil {
		c.Warning = fmt.Sprintf("the coverage of the timetable is unknown: %v", err)
		return c
	}
	for ci, cl := range e.cells {
		if served[ci] {
			c.OnNetwork += cl.pop
		}
	}
	if c.Population > 0 {
		c.Share = float64(c.OnNetwork) / float64(c.Population)
		if c.Share < CoverageWarnBelow {
			c.Warning = fmt.Sprintf("the timetable serves %.1f %% of the residents (below %.0f %%; served: %s): the other transit times are \"no_stop\", not \"unreachable\", as the feed may end there",
				100*c.Share, 100*CoverageWarnBelow, c.Criterion)
		}
	}
	return c
}

// methodShares returns the share of the residents of the populated cells
// whose time in f was found by each method.
func (e *Engine) methodShares(f *field) map[string]float64 {
	var pop [len(methodCodes)]int64
	var total int64
	for ci, c := range e.cells {
		total += c.pop
		switch {
		case f.how != nil:
			pop[f.how[ci]] += c.pop
		case f.method == MethodStraightLine:
			pop[howStraight] += c.pop
		default:
			pop[howNetwork] += c.pop
		}
	}
	out := map[string]float64{}
	if total == 0 {
		return out
	}
	for i, p := range pop {
		if p > 0 {
			out[methodCodes[i]] = float64(p) / float64(total)
		}
	}
	return out
}
