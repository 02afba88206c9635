package layers

import (
	"fmt"

	"reach/geo/grid"
)

// Cell years outside this range are refused; 0 means unknown.
const (
	MinCellYear = 1900
	MaxCellYear = 2200
)

// Validate checks the invariants of a grid cell that every store and reader
// keeps: an INSPIRE id whose resolution is ResolutionM, a population that is
// never negative and 0 for a secret cell (Known false), shares from 0 to 100
// or none, an AGS of 8 digits or none, a year from MinCellYear to
// MaxCellYear or 0. Every invalid field is reported, as FieldErrors.
func (c Cell) Validate() error {
	es := checker{kind: "cell", key: c.ID}
	if id, err := grid.ParseID(c.ID); err != nil {
		es.add("inspire_id", c.ID, "not an INSPIRE cell id")
	} else if c.ResolutionM != id.ResolutionM {
		es.add("resolution_m", c.ResolutionM, fmt.Sprintf("the id says %d m", id.ResolutionM))
	}
	if c.Population < 0 {
		es.add("population", c.Population, "must be ≥ 0 (secret cells: Known false and 0)")
	}
	if !c.Known && c.Population > 0 {
		es.add("population", c.Population, "a secret cell must have population 0")
	}
	for _, s := range []struct {
		field string
		v     *float64
	}{{"share_under_18", c.ShareUnder18}, {"share_65_plus", c.Share65Plus}} {
		if s.v != nil && (!finite(*s.v) || *s.v < 0 || *s.v > 100) {
			es.add(s.field, *s.v, "want a percentage from 0 to 100")
		}
	}
	if c.AGS != "" && !IsAGS(c.AGS) {
		es.add("ags", c.AGS, "want an AGS of 8 digits")
	}
	if c.Year != 0 && (c.Year < MinCellYear || c.Year > MaxCellYear) {
		es.add("year", c.Year, fmt.Sprintf("want a year from %d to %d, or 0 when unknown", MinCellYear, MaxCellYear))
	}
	return es.err()
}
