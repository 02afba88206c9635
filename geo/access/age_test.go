package access

import (
	"math"
	"testing"
)

func sachsenLike() AgeTable {
	return AgeTable{{0, 5, 600}, {6, 9, 400}, {10, 17, 800}, {18, 64, 5000}, {65, 74, 1500}, {75, OpenAge, 1700}}
}

func TestAgeTableCounts(t *testing.T) {
	tb := sachsenLike()
	if err := tb.Validate(); err != nil {
		t.Fatal(err)
	}
	if tb.Total() != 10000 || tb.Count(0, 5) != 600 || tb.Count(65, OpenAge) != 3200 {
		t.Errorf("counts: total %v kita %v seniors %v", tb.Total(), tb.Count(0, 5), tb.Count(65, OpenAge))
	}
	// 10–18 takes the 10–17 band and one of the 47 years of 18–64.
	if got, want := tb.Count(10, 18), 800+5000.0/47; !near(got, want) {
		t.Errorf("10–18: %v, want %v", got, want)
	}
	// 80+ cuts into the open band: 20 of its 25 years.
	if got, want := tb.Count(80, OpenAge), 1700*20.0/25; !near(got, want) {
		t.Errorf("80+: %v, want %v", got, want)
	}
	for name, bad := range map[string]AgeTable{
		"gap":      {{0, 5, 1}, {7, OpenAge, 1}},
		"not open": {{0, 5, 1}, {6, 90, 1}},
		"negative": {{0, OpenAge, -1}},
		"empty":    {},
	} {
		if bad.Validate() == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestCellTable(t *testing.T) {
	muni := sachsenLike()
	u, o := 0.30, 0.10
	c := CellTable(200, &u, &o, muni)
	if !near(c.Total(), 200) || !near(c.Count(0, 17), 60) || !near(c.Count(65, OpenAge), 20) {
		t.Fatalf("cell table %v: total %v under 18 %v over 65 %v", c, c.Total(), c.Count(0, 17), c.Count(65, OpenAge))
	}
	// Within under 18, the municipal proportions: Kita 600 of 1800.
	if got := c.Count(0, 5); !near(got, 60*600/1800.0) {
		t.Errorf("kita: %v", got)
	}
	// Without shares, the municipal table scaled.
	c = CellTable(100, nil, nil, muni)
	if !near(c.Count(65, OpenAge), 32) || !near(c.Total(), 100) {
		t.Errorf("scaled: %v", c)
	}
	// Without a municipal table, the uniform assumption.
	c = CellTable(90, nil, nil, nil)
	if !near(c.Total(), 90) || !near(c.Count(0, 5), 6) {
		t.Errorf("uniform: %v total %v kita %v", c, c.Total(), c.Count(0, 5))
	}
}

func TestProjectTable(t *testing.T) {
	base := sachsenLike()
	proj := AgeTable{{0, 5, 300}, {6, 9, 300}, {10, 17, 800}, {18, 64, 4000}, {65, 74, 1500}, {75, OpenAge, 3400}}
	u, o := 0.2, 0.3
	cell := CellTable(100, &u, &o, base)
	p := ProjectTable(cell, base, proj)
	// Kita halves, 75+ doubles, 18–64 shrinks by a fifth.
	for _, c := range []struct {
		lo, hi int
		f      float64
	}{{0, 5, 0.5}, {75, OpenAge, 2}, {18, 64, 0.8}, {10, 17, 1}} {
		if got, want := p.Count(c.lo, c.hi), cell.Count(c.lo, c.hi)*c.f; !near(got, want) {
			t.Errorf("%d–%d: %v, want %v", c.lo, c.hi, got, want)
		}
	}
	// Summed over cells that make up the municipality, the projection
	// gives the municipal projection back, per age group.
	cells := []AgeTable{CellTable(3000, &u, &o, base), CellTable(7000, nil, nil, base)}
	// Make the two cells add up to the base per band: the second takes the rest.
	rest := make(AgeTable, len(base))
	for i, b := range base {
		rest[i] = AgeBand{b.Lo, b.Hi, b.Count - cells[0].Count(b.Lo, b.Hi)}
	}
	cells[1] = rest
	for _, b := range proj {
		var sum float64
		for _, c := range cells {
			sum += ProjectTable(c, base, proj).Count(b.Lo, b.Hi)
		}
		if math.Abs(sum-b.Count) > 1e-6 {
			t.Errorf("band %d–%d: cells sum to %v, municipality %v", b.Lo, b.Hi, sum, b.Count)
		}
	}
}
