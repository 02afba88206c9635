package access

import (
	"fmt"
	"math"
)

// OpenAge is the Hi of an open-ended band ("75 and over"). Within a band,
// residents are taken as spread evenly over its years; an open band is
// taken to span OpenSpan years for that purpose (it matters only for
// groups that cut into it).
const (
	OpenAge  = 999
	OpenSpan = 25
)

// AgeBand counts residents aged Lo to Hi years inclusive (Hi = OpenAge for
// "Lo and over").
type AgeBand struct {
	Lo, Hi int
	Count  float64
}

func (b AgeBand) span() float64 {
	if b.Hi == OpenAge {
		return OpenSpan
	}
	return float64(b.Hi - b.Lo + 1)
}

// overlap is the count of b that falls into ages lo..hi, residents spread
// evenly over the band's years (an open band over OpenSpan years).
func (b AgeBand) overlap(lo, hi int) float64 {
	if hi < b.Lo || lo > b.Hi {
		return 0
	}
	if lo <= b.Lo && hi >= b.Hi {
		return b.Count
	}
	end := b.Hi
	if end == OpenAge {
		end = b.Lo + OpenSpan - 1
	}
	a, z := max(lo, b.Lo), min(hi, end)
	if z < a {
		return 0
	}
	return b.Count * float64(z-a+1) / b.span()
}

// AgeTable is a population by age: bands in increasing order, contiguous
// from 0 to OpenAge.
type AgeTable []AgeBand

// Validate says what is wrong with t.
func (t AgeTable) Validate() error {
	if len(t) == 0 {
		return fmt.Errorf("access: empty age table")
	}
	next := 0
	for i, b := range t {
		if b.Lo != next {
			return fmt.Errorf("access: age band %d starts at %d, want %d (bands contiguous from 0)", i, b.Lo, next)
		}
		if b.Hi < b.Lo {
			return fmt.Errorf("access: age band %d ends at %d before it starts at %d", i, b.Hi, b.Lo)
		}
		if !(b.Count >= 0) || math.IsInf(b.Count, 0) {
			return fmt.Errorf("access: age band %d–%d count %v: must be finite and non-negative", b.Lo, b.Hi, b.Count)
		}
		if b.Hi == OpenAge {
			if i != len(t)-1 {
				return fmt.Errorf("access: open age band %d+ is not the last", b.Lo)
			}
			return nil
		}
		next = b.Hi + 1
	}
	return fmt.Errorf("access: age table ends at %d: the last band must be open (and over)", next-1)
}

// Total is the sum over all bands.
func (t AgeTable) Total() float64 {
	var s float64
	for _, b := range t {
		s += b.Count
	}
	return s
}

// Count is the number of residents aged lo..hi (hi = OpenAge: and over).
func (t AgeTable) Count(lo, hi int) float64 {
	var s float64
	for _, b := range t {
		s += b.overlap(lo, hi)
	}
	return s
}

// Scale returns t with every count multiplied by f.
func (t AgeTable) Scale(f float64) AgeTable {
	out := make(AgeTable, len(t))
	for i, b := range t {
		out[i] = AgeBand{b.Lo, b.Hi, b.Count * f}
	}
	return out
}

// splitAt returns t with bands cut at the given ages (each the first year
// of a new band), counts split evenly by year.
func (t AgeTable) splitAt(cuts ...int) AgeTable {
	var out AgeTable
	for _, b := range t {
		lo := b.Lo
		for _, c := range cuts {
			if c > lo && c <= b.Hi && c != OpenAge {
				out = append(out, AgeBand{lo, c - 1, b.overlap(lo, c-1)})
				lo = c
			}
		}
		out = append(out, AgeBand{lo, b.Hi, b.overlap(lo, b.Hi)})
	}
	return out
}

// UniformTable is the assumption used where no age table is known: pop
// residents spread evenly over ages 0–89, in bands cut at 18, 65
// and 90 (the 90+ band empty). It is marked as an assumption
// by its callers.
func UniformTable(pop float64) AgeTable {
	return AgeTable{{0, 17, pop * 18 / 90}, {18, 64, pop * 47 / 90}, {65, 89, pop * 25 / 90}, {90, OpenAge, 0}}
}

// CellTable is the population by age of one cell of pop residents: where
// the grid gives the shares under 18 and 65 and over (fractions 0–1; nil
// where not given), those three segments are taken from the cell and
// split within each segment in the proportions of the municipal table;
// where it does not, the municipal table is scaled to the cell. Without a municipal
// table (nil or empty), UniformTable stands in. The result has the
// municipal bands, cut at 18 and 65.
func CellTable(pop float64, under18, over65 *float64, muni AgeTable) AgeTable {
	if !(muni.Total() > 0) {
		muni = UniformTable(1)
	}
	t := muni.splitAt(18, 65)
	if under18 == nil || over65 == nil {
		return t.Scale(pop / t.Total())
	}
	u, o := clamp01(*under18), clamp01(*over65)
	if u+o > 1 {
		o = 1 - u
	}
	seg := [3]struct{ lo, hi int }{{0, 17}, {18, 64}, {65, OpenAge}}
	want := [3]float64{pop * u, pop * (1 - u - o), pop * o}
	out := make(AgeTable, len(t))
	for s, g := range seg {
		have := t.Count(g.lo, g.hi)
		years := 0.0
		for _, b := range t {
			if b.Lo >= g.lo && b.Hi <= g.hi {
				years += b.span()
			}
		}
		for i, b := range t {
			if b.Lo < g.lo || b.Hi > g.hi {
				continue
			}
			out[i] = AgeBand{b.Lo, b.Hi, 0}
			switch {
			case have > 0:
				out[i].Count = want[s] * b.Count / have
			case years > 0:
				out[i].Count = want[s] * b.span() / years
			}
		}
	}
	return out
}

func clamp01(v float64) float64 {
	return math.Max(0, math.Min(1, v))
}

// ProjectTable brings a cell's table into a projection year: each band
// of the cell is multiplied by the municipal growth factor of the same
// ages, projected(lo..hi) / base(lo..hi) (proportional per age group).
// Where the base has no residents of those ages, the factor of the whole
// table is used. The method keeps each cell's share of its municipality
// per age group: it cannot see shifts within a municipality (new housing,
// a village emptying faster than its town).
func ProjectTable(cell, base, projected AgeTable) AgeTable {
	out := make(AgeTable, len(cell))
	all := 1.0
	if bt := base.Total(); bt > 0 {
		all = projected.Total() / bt
	}
	for i, b := range cell {
		f := all
		if bc := base.Count(b.Lo, b.Hi); bc > 0 {
			f = projected.Count(b.Lo, b.Hi) / bc
		}
		out[i] = AgeBand{b.Lo, b.Hi, b.Count * f}
	}
	return out
}
