package layers

import (
	"context"
	"fmt"
	"iter"
	"math"

	"reach/geo/access"
)

// AgeCount is one row of the population-by-age layer: the residents of one
// area in one year and age group, counted (the base year, Variant "") or
// projected (a projection variant such as the Saxon regional population
// projection's "Variante 1"). The layer holds one base year and any number
// of projection years and variants; the groups of one area, year and
// variant cover every age from 0 and end in an open group.
type AgeCount struct {
	Year int
	// Variant is "" for the counted base year, else the projection variant.
	Variant string
	// Area is an 8-digit AGS (municipality) or a 5-digit Kreis key
	// (district); AreaName its name as the table gives it.
	Area     string
	AreaName string
	// AgeFrom and AgeTo are whole years, inclusive; AgeTo access.OpenAge
	// means "and over".
	AgeFrom, AgeTo int
	// Persons is the number of residents (a whole number when counted; a
	// projection may carry fractions).
	Persons float64
}

// Validate checks one row on its own (the coverage of ages is checked over
// the whole table by its reader).
func (c AgeCount) Validate() error {
	es := checker{kind: "age group", key: fmt.Sprintf("%d–%d of %s in %d", c.AgeFrom, c.AgeTo, c.Area, c.Year)}
	if c.Year < 1950 || c.Year > 2100 {
		es.add("year", c.Year, "want a year from 1950 to 2100")
	}
	if !areaKey(c.Area) {
		es.add("area", c.Area, "want an 8-digit AGS or a 5-digit Kreis key")
	}
	if c.AgeFrom < 0 || c.AgeFrom > 120 {
		es.add("age_from", c.AgeFrom, "want 0–120")
	}
	if c.AgeTo != access.OpenAge && (c.AgeTo < c.AgeFrom || c.AgeTo > 120) {
		es.add("age_to", c.AgeTo, fmt.Sprintf("want %d–120 or open", c.AgeFrom))
	}
	if !(c.Persons >= 0) || math.IsInf(c.Persons, 0) {
		es.add("persons", c.Persons, "want a finite number ≥ 0")
	}
	return es.err()
}

func areaKey(s string) bool {
	if len(s) != 8 && len(s) != 5 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// AgeStore keeps the population-by-age layer (base year and projections).
// Stores that implement it are loaded by `reach import projection`, and the
// engine takes the demand by age and the projection years from it.
type AgeStore interface {
	// ReplaceAgeCounts stores the rows of src in place of the whole layer,
	// atomically; source names where they came from.
	ReplaceAgeCounts(ctx context.Context, source string, src iter.Seq2[AgeCount, error]) (int, error)
	// AgeCounts returns every row and the source, or an error wrapping
	// ErrNotFound when the layer is empty.
	AgeCounts(ctx context.Context) ([]AgeCount, string, error)
}
