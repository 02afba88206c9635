package tables

import (
	"context"
	"fmt"
	"io"
	"iter"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"reach/data/vector"
	"reach/geo/access"
	"reach/layers"
)

// Population by age and its projection.
//
// ReadAgeTables reads the population by age group per municipality or
// district in the flattened layout of the statistical offices' tables, one
// row per area, year, variant and age group:
//
//	Jahr;Variante;Schluessel;Gebiet;Altersgruppe;Anzahl
//	2022;;14521010;Amtsberg;unter 3 Jahre;95
//	2022;;14521010;Amtsberg;3 bis unter 6 Jahre;110
//	…
//	2022;;14521010;Amtsberg;75 Jahre und mehr;612
//	2022;;14521010;Amtsberg;Insgesamt;3650
//	2040;Variante 1;14521010;Amtsberg;unter 3 Jahre;71
//
// Jahr is the year of the count or projection. Variante is empty (or
// "Basis", "Ist") for the counted population of the base year, else the
// projection variant. Schluessel is an 8-digit AGS (municipality) or a
// 5-digit Kreis key (district); Gebiet is the name (not checked).
// Altersgruppe is the office's label: "unter N Jahre", "N bis unter M
// Jahre", "N Jahre und mehr" (or "und älter"), "N Jahre", the shorthands
// "N-M" and "N+", or "Insgesamt" (the total, checked against the sum of
// the groups when given). Anzahl is a whole number ("-" means 0; "." and
// other marks of unknown values are errors). The groups of one area, year
// and variant must cover all ages from 0 without gaps or overlaps and end
// in an open group. Columns are matched case-insensitively; the German
// alternatives "Schlüssel", "AGS", "Gemeindeschluessel" and "Personen",
// "Bevoelkerung" are accepted. The delimiter is detected.
func ReadAgeTables(ctx context.Context, path string) (*access.Demography, error) {
	_, d, err := ReadAgeCounts(ctx, path)
	return d, err
}

// DecodeAgeTables is ReadAgeTables on a reader; name labels errors.
func DecodeAgeTables(ctx context.Context, r io.Reader, name string) (*access.Demography, error) {
	rows, err := parseAgeRows(name, vector.DecodeCSV(ctx, r, name, vector.CSVOptions{Pkg: pkg}))
	if err != nil {
		return nil, err
	}
	return buildDemography(name, rows)
}

// ReadAgeCounts reads the table as ReadAgeTables does and returns its rows
// as records of the population-by-age layer (without the "Insgesamt" rows,
// which are checked against the groups) together with the demography they
// make: a table that ReadAgeTables refuses gives no rows.
func ReadAgeCounts(ctx context.Context, path string) ([]layers.AgeCount, *access.Demography, error) {
	rows, err := parseAgeRows(path, vector.ReadCSV(ctx, path, vector.CSVOptions{Pkg: pkg}))
	if err != nil {
		return nil, nil, err
	}
	d, err := buildDemography(path, rows)
	if err != nil {
		return nil, nil, err
	}
	var out []layers.AgeCount
	for _, r := range rows {
		if !r.total {
			out = append(out, r.c)
		}
	}
	return out, d, nil
}

// DemographyOf builds the demography from the rows of the
// population-by-age layer (as a store returns them); source labels
// errors, which name the area, year and variant.
func DemographyOf(counts []layers.AgeCount, source string) (*access.Demography, error) {
	rows := make([]ageRow, len(counts))
	for i, c := range counts {
		if err := c.Validate(); err != nil {
			return nil, fmt.Errorf("%s: %s: row %d: %w", pkg, source, i+1, err)
		}
		rows[i] = ageRow{c: c}
	}
	return buildDemography(source, rows)
}

// ageRow is one parsed row: a group or the total of its area, year and
// variant, with its line (0 when it comes from a store).
type ageRow struct {
	c     layers.AgeCount
	total bool
	line  int
}

// parseAgeRows reads and checks each row on its own.
func parseAgeRows(path string, rows iter.Seq2[vector.Row, error]) ([]ageRow, error) {
	var out []ageRow
	baseYear := 0
	var cols struct{ year, variant, area, name, group, count string }
	started := false
	for row, err := range rows {
		if err != nil {
			return nil, err
		}
		if !started {
			started = true
			var ok bool
			for _, c := range []struct {
				dst   *string
				names []string
			}{
				{&cols.year, []string{"Jahr", "year"}},
				{&cols.variant, []string{"Variante", "variant"}},
				{&cols.area, []string{"Schluessel", "Schlüssel", "AGS", "Gemeindeschluessel", "key"}},
				{&cols.group, []string{"Altersgruppe", "age_group"}},
				{&cols.count, []string{"Anzahl", "Personen", "Bevoelkerung", "count"}},
			} {
				if *c.dst, ok = row.Header.First(c.names...); !ok {
					return nil, missingColumn(row, "", c.names...)
				}
			}
			cols.name, _ = row.Header.First("Gebiet", "Name", "name")
		}
		ys := row.Get(cols.year)
		y, err := strconv.Atoi(ys)
		if err != nil || y < 1950 || y > 2100 {
			return nil, row.Errorf(cols.year, ys, "is not a year (1950–2100)")
		}
		variant := strings.TrimSpace(row.Get(cols.variant))
		switch strings.ToLower(variant) {
		case "", "basis", "ist":
			if baseYear != 0 && y != baseYear {
				return nil, row.Errorf(cols.year, ys, fmt.Sprintf("a second base year (the first is %d): counted rows have one year, projections a variant", baseYear))
			}
			baseYear = y
			variant = ""
		}
		area := row.Get(cols.area)
		if !ValidAGS(area) && !(len(area) == 5 && strings.HasPrefix(area, "14") && allDigits(area, 5)) {
			return nil, row.Errorf(cols.area, area, "is neither an 8-digit AGS nor a 5-digit Kreis key of Saxony (14…)")
		}
		cs := strings.TrimSpace(row.Get(cols.count))
		var n float64
		switch cs {
		case "-":
		case "", ".", "x", "…", "...", "/":
			return nil, row.Errorf(cols.count, cs, "is not a count (unknown or secret values cannot be used)")
		default:
			v, err := strconv.ParseFloat(strings.ReplaceAll(cs, " ", ""), 64)
			if err != nil || v < 0 || v != math.Trunc(v) || math.IsInf(v, 0) {
				return nil, row.Errorf(cols.count, cs, "is not a whole non-negative number")
			}
			n = v
		}
		c := layers.AgeCount{Year: y, Variant: variant, Area: area, AreaName: strings.TrimSpace(row.Get(cols.name)), Persons: n}
		label := row.Get(cols.group)
		if strings.EqualFold(strings.TrimSpace(label), "insgesamt") {
			out = append(out, ageRow{c: c, total: true, line: row.Pos.Line})
			continue
		}
		lo, hi, ok := ParseAgeGroup(label)
		if !ok {
			return nil, row.Errorf(cols.group, label, `is not an age group ("unter 3 Jahre", "3 bis unter 6 Jahre", "75 Jahre und mehr", "Insgesamt", "0-5", "65+")`)
		}
		c.AgeFrom, c.AgeTo = lo, hi
		out = append(out, ageRow{c: c, line: row.Pos.Line})
	}
	if !started {
		return nil, fmt.Errorf("%s: %s: no rows", pkg, path)
	}
	return out, nil
}

// at names a row's place in errors: its line, or nothing from a store.
func (r ageRow) at(path string) string {
	if r.line > 0 {
		return fmt.Sprintf("%s:%d", path, r.line)
	}
	return path
}

// buildDemography groups the rows by area, year and variant and checks
// that each group set covers every age and matches its total.
func buildDemography(path string, rows []ageRow) (*access.Demography, error) {
	type key struct {
		sc   access.Scenario
		area string
	}
	type group struct {
		band access.AgeBand
		line int
	}
	groups := map[key][]group{}
	totals := map[key]ageRow{}
	baseYear := 0
	for _, r := range rows {
		var sc access.Scenario
		if r.c.Variant == "" {
			if baseYear != 0 && r.c.Year != baseYear {
				return nil, fmt.Errorf("%s: %s: year %d: a second base year (the first is %d): counted rows have one year, projections a variant", pkg, r.at(path), r.c.Year, baseYear)
			}
			baseYear = r.c.Year
		} else {
			sc = access.Scenario{Variant: r.c.Variant, Year: r.c.Year}
		}
		k := key{sc, r.c.Area}
		if r.total {
			if _, dup := totals[k]; dup {
				return nil, fmt.Errorf("%s: %s: area %s, %s: repeats the total (Insgesamt) of this area, year and variant", pkg, r.at(path), r.c.Area, sc)
			}
			totals[k] = r
			continue
		}
		groups[k] = append(groups[k], group{access.AgeBand{Lo: r.c.AgeFrom, Hi: r.c.AgeTo, Count: r.c.Persons}, r.line})
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("%s: %s: no rows", pkg, path)
	}
	if baseYear == 0 {
		return nil, fmt.Errorf("%s: %s: no counted rows (Variante empty or \"Basis\"): projections need the base year they start from", pkg, path)
	}
	d := &access.Demography{Source: path, BaseYear: baseYear, Base: map[string]access.AgeTable{}, Projected: map[access.Scenario]map[string]access.AgeTable{}}
	for k, gs := range groups {
		sort.Slice(gs, func(a, b int) bool { return gs[a].band.Lo < gs[b].band.Lo })
		t := make(access.AgeTable, len(gs))
		for i, g := range gs {
			t[i] = g.band
		}
		if err := t.Validate(); err != nil {
			return nil, fmt.Errorf("%s: %s: area %s, %s: %v%s", pkg, path, k.area, scenarioLabel(k.sc, baseYear), err, fromLine(gs[0].line))
		}
		if tot, ok := totals[k]; ok && math.Abs(tot.c.Persons-t.Total()) > 0.5 {
			return nil, fmt.Errorf("%s: %s: area %s, %s: Insgesamt %v but the groups sum to %v", pkg, tot.at(path), k.area, scenarioLabel(k.sc, baseYear), tot.c.Persons, t.Total())
		}
		if k.sc.Today() {
			d.Base[k.area] = t
			continue
		}
		if d.Projected[k.sc] == nil {
			d.Projected[k.sc] = map[string]access.AgeTable{}
		}
		d.Projected[k.sc][k.area] = t
	}
	for sc, areas := range d.Projected {
		for area := range areas {
			if _, ok := d.Base[area]; !ok {
				return nil, fmt.Errorf("%s: %s: area %s has a projection (%s) but no counted rows of the base year %d to start from", pkg, path, area, sc, baseYear)
			}
		}
	}
	return d, nil
}

// fromLine says where a group set starts, when it comes from a file.
func fromLine(line int) string {
	if line == 0 {
		return ""
	}
	return fmt.Sprintf(" (groups from line %d)", line)
}

func scenarioLabel(sc access.Scenario, base int) string {
	if sc.Today() {
		return fmt.Sprintf("base year %d", base)
	}
	return sc.String()
}

var (
	reUnder   = regexp.MustCompile(`^unter (\d+) jahren?$`)
	reBetween = regexp.MustCompile(`^(\d+) bis unter (\d+) jahren?$`)
	reOver    = regexp.MustCompile(`^(\d+) jahre? und (?:mehr|älter|aelter)$`)
	reOne     = regexp.MustCompile(`^(\d+) jahre?$`)
	reRange   = regexp.MustCompile(`^(\d+)\s*[-–]\s*(\d+)$`)
	rePlus    = regexp.MustCompile(`^(\d+)\s*\+$`)
)

// ParseAgeGroup reads an age-group label into years lo..hi inclusive (hi
// access.OpenAge for an open group).
func ParseAgeGroup(label string) (lo, hi int, ok bool) {
	s := strings.ToLower(strings.Join(strings.Fields(label), " "))
	atoi := func(x string) int { n, _ := strconv.Atoi(x); return n }
	switch {
	case reUnder.MatchString(s):
		m := reUnder.FindStringSubmatch(s)
		lo, hi = 0, atoi(m[1])-1
	case reBetween.MatchString(s):
		m := reBetween.FindStringSubmatch(s)
		lo, hi = atoi(m[1]), atoi(m[2])-1
	case reOver.MatchString(s):
		m := reOver.FindStringSubmatch(s)
		lo, hi = atoi(m[1]), access.OpenAge
	case reOne.MatchString(s):
		m := reOne.FindStringSubmatch(s)
		lo, hi = atoi(m[1]), atoi(m[1])
	case reRange.MatchString(s):
		m := reRange.FindStringSubmatch(s)
		lo, hi = atoi(m[1]), atoi(m[2])
	case rePlus.MatchString(s):
		m := rePlus.FindStringSubmatch(s)
		lo, hi = atoi(m[1]), access.OpenAge
	default:
		return 0, 0, false
	}
	if lo < 0 || lo > 120 || (hi != access.OpenAge && (hi < lo || hi > 120)) {
		return 0, 0, false
	}
	return lo, hi, true
}
