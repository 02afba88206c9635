package access

import (
	"fmt"
	"sort"
)

// Scenario names a projection: a variant and a year. The zero Scenario is
// "today" (the grid's count with the base-year age tables).
type Scenario struct {
	Variant string
	Year    int
}

// Today says whether s is the zero scenario.
func (s Scenario) Today() bool { return s == Scenario{} }

// String is "today" or "2040 variant 1".
func (s Scenario) String() string {
	if s.Today() {
		return "today"
	}
	if s.Variant == "" {
		return fmt.Sprint(s.Year)
	}
	return fmt.Sprintf("%d %s", s.Year, s.Variant)
}

// Demography is population by age per area (municipality by AGS, 8
// digits, or district by Kreis key, 5 digits): the base year and the
// projections by scenario. Tables are validated by their constructor.
type Demography struct {
	// Source names the files the tables came from.
	Source   string
	BaseYear int
	// Base holds the age tables of the base year by area.
	Base map[string]AgeTable
	// Projected holds per scenario the age tables by area.
	Projected map[Scenario]map[string]AgeTable
}

// Scenarios lists the projections in year, then variant order.
func (d *Demography) Scenarios() []Scenario {
	if d == nil {
		return nil
	}
	out := make([]Scenario, 0, len(d.Projected))
	for s := range d.Projected {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Year != out[j].Year {
			return out[i].Year < out[j].Year
		}
		return out[i].Variant < out[j].Variant
	})
	return out
}

// BaseFor returns the base-year table of a municipality: its own, else
// that of its district (first 5 digits of the AGS), with the key used.
func (d *Demography) BaseFor(ags string) (AgeTable, string, bool) {
	if d == nil {
		return nil, "", false
	}
	return lookup(d.Base, ags)
}

// ProjectionFor returns the base-year and projected tables of a
// municipality in scenario s: its own, else its district's.
func (d *Demography) ProjectionFor(ags string, s Scenario) (base, projected AgeTable, key string, ok bool) {
	if d == nil {
		return nil, nil, "", false
	}
	p, key, ok := lookup(d.Projected[s], ags)
	if !ok {
		return nil, nil, "", false
	}
	b, ok := d.Base[key]
	if !ok {
		return nil, nil, "", false
	}
	return b, p, key, true
}

func lookup(m map[string]AgeTable, ags string) (AgeTable, string, bool) {
	if t, ok := m[ags]; ok {
		return t, ags, true
	}
	if len(ags) >= 5 {
		if t, ok := m[ags[:5]]; ok {
			return t, ags[:5], true
		}
	}
	return nil, "", false
}
