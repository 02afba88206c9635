package analysis

import (
	"fmt"
	"math"
	"reflect"
	"runtime"
	"sort"
	"testing"

	"reach/geo/crs"
	"reach/geo/grid"
	"reach/internal/classify"
	"reach/layers"
)

// refAddCells is the plain form of addCells: every record in id order, one
// after another, with a map for duplicate ids.
func refAddCells(munis map[string]int, cells []layers.Cell) (out []cell, st BuildStats, err error) {
	sorted := make([]layers.Cell, len(cells))
	copy(sorted, cells)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].ID < sorted[j].ID })
	seen := map[string]bool{}
	for _, c := range sorted {
		if !c.Known {
			st.SecretCells++
			continue
		}
		if c.Population <= 0 {
			continue
		}
		id, err := grid.ParseID(c.ID)
		if err != nil {
			st.Warnings = append(st.Warnings, fmt.Sprintf("cell %q: %v; skipped", c.ID, err))
			continue
		}
		if seen[c.ID] {
			st.Warnings = append(st.Warnings, fmt.Sprintf("cell %q: duplicate id; second record skipped", c.ID))
			continue
		}
		seen[c.ID] = true
		utm, err := crs.Transform(crs.LAEA, crs.UTM33N, id.Center())
		if err != nil {
			return nil, st, err
		}
		ll, err := crs.ToLonLat(crs.LAEA, id.Center())
		if err != nil {
			return nil, st, err
		}
		mi := int32(-1)
		if i, ok := munis[c.AGS]; ok {
			mi = int32(i)
		}
		out = append(out, cell{id: c.ID, ags: c.AGS, muni: mi, pop: c.Population, utm: utm, lonlat: ll, u18: refShare(c.ShareUnder18), o65: refShare(c.Share65Plus)})
		st.PopulatedCells++
		st.Population += c.Population
	}
	return out, st, nil
}

// refToKm is the plain form of classify.ToKm: maps per parent.
func refToKm(cells []layers.Cell) []layers.Cell {
	type acc struct {
		cell  layers.Cell
		byAGS map[string]int64
	}
	var out []layers.Cell
	parents := map[string]*acc{}
	for _, c := range cells {
		id, err := grid.ParseID(c.ID)
		if err != nil || id.ResolutionM >= 1000 {
			out = append(out, c)
			continue
		}
		pid := id.Parent(1000).String()
		a := parents[pid]
		if a == nil {
			a = &acc{cell: layers.Cell{ID: pid, ResolutionM: 1000, Year: c.Year}, byAGS: map[string]int64{}}
			parents[pid] = a
		}
		if c.Known {
			a.cell.Known = true
			a.cell.Population += c.Population
			a.byAGS[c.AGS] += c.Population
		} else if _, ok := a.byAGS[c.AGS]; !ok {
			a.byAGS[c.AGS] += 0
		}
	}
	ids := make([]string, 0, len(parents))
	for id := range parents {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		a := parents[id]
		best, bestPop := "", int64(-1)
		for ags, p := range a.byAGS {
			if p > bestPop || (p == bestPop && ags < best) {
				best, bestPop = ags, p
			}
		}
		a.cell.AGS = best
		out = append(out, a.cell)
	}
	return out
}

// TestAddCellsMatchesReference checks addCells and classify.ToKm against their plain
// forms on the demo region and on a layer with every kind of record they
// skip or merge (secret, empty, unparseable, duplicate ids, 1 km cells,
// children of one 1 km cell in two municipalities), with one and with
// several goroutines.
func TestAddCellsMatchesReference(t *testing.T) {
	r, _ := demoReader(t)
	munis := map[string]int{}
	for i, m := range r.munis {
		munis[m.AGS] = i
	}
	odd := []layers.Cell{
		{ID: "100mN31080E45610", Population: 10, Known: true, AGS: r.munis[0].AGS, Year: 2022},
		{ID: "100mN31081E45610", Population: 5, Known: true, AGS: r.munis[1].AGS},
		{ID: "100mN31082E45611", Population: 5, Known: true, AGS: r.munis[1].AGS},
		{ID: "100mN31083E45611", Known: false, AGS: "14999999"},
		{ID: "100mN31084E45612", Population: 0, Known: true},
		{ID: "100mN31085E45613", Population: 7, Known: true, AGS: "14999999"},
		{ID: "100mN31080E45610", Population: 99, Known: true, AGS: r.munis[2].AGS},
		{ID: "1kmN3200E4500", Population: 400, Known: true, AGS: r.munis[0].AGS},
		{ID: "nonsense", Population: 3, Known: true},
		{ID: "nonsense", Population: 4, Known: true},
		{ID: "100mN31090E45620", Known: false, AGS: r.munis[3].AGS},
		{ID: "100mN31091E45620", Known: false, AGS: r.munis[0].AGS},
		{ID: "100mN99999999999E1", Population: 2, Known: true, AGS: r.munis[0].AGS},
		{ID: "100mN99999999998E2", Population: 3, Known: true, AGS: r.munis[1].AGS},
	}
	// Enough cells for several goroutines, in no particular order, some
	// secret, some empty, some twice.
	var many []layers.Cell
	for i := range 30_000 {
		k := (i * 7919) % 30_000
		c := layers.Cell{ID: fmt.Sprintf("100mN%dE%d", 30000+k/173, 45000+k%173), Population: int64(i % 50), Known: i%97 != 0, AGS: r.munis[k%len(r.munis)].AGS}
		many = append(many, c)
		if i%1000 == 0 {
			c.Population++
			many = append(many, c)
		}
	}
	for _, tc := range []struct {
		name  string
		cells []layers.Cell
	}{{"demo", r.cells}, {"odd records", odd}, {"demo and odd records", append(append([]layers.Cell(nil), odd...), r.cells...)}, {"many", many}} {
		for _, procs := range []int{1, 4} {
			t.Run(fmt.Sprintf("%s/procs=%d", tc.name, procs), func(t *testing.T) {
				defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
				want, wantSt, err := refAddCells(munis, tc.cells)
				if err != nil {
					t.Fatal(err)
				}
				e := &Engine{muniIdx: munis}
				ids := parseCellIDs(tc.cells)
				if err := e.addCells(tc.cells, ids, nil); err != nil {
					t.Fatal(err)
				}
				if len(e.cells) != len(want) {
					t.Fatalf("%d cells, want %d", len(e.cells), len(want))
				}
				for i := range want {
					// (%v: the centres of ids far outside the grid are NaN)
					if e.cells[i] != want[i] && fmt.Sprintf("%v", e.cells[i]) != fmt.Sprintf("%v", want[i]) {
						t.Fatalf("cell %d: %+v, want %+v", i, e.cells[i], want[i])
					}
				}
				if !reflect.DeepEqual(e.stats, wantSt) {
					t.Errorf("stats %+v, want %+v", e.stats, wantSt)
				}
				if got, want := classify.ToKm(tc.cells, ids), refToKm(tc.cells); !reflect.DeepEqual(got, want) {
					t.Errorf("toKm: %d cells %+v, want %d %+v", len(got), got[:min(len(got), 5)], len(want), want[:min(len(want), 5)])
				}
			})
		}
	}
}

// syntheticCells returns n populated 100 m cells in no particular order,
// spread over the municipalities of munis.
func syntheticCells(n int, munis []layers.Municipality) []layers.Cell {
	cells := make([]layers.Cell, 0, n)
	side := int(math.Sqrt(float64(n)))*2 + 1
	for i := range n {
		k := (i * 7919) % (side * side)
		ags := munis[(k/side/50*7+k%side/50)%len(munis)].AGS
		cells = append(cells, layers.Cell{ID: fmt.Sprintf("100mN%dE%d", 27000+k/side, 45000+k%side), ResolutionM: 100, Population: int64(1 + i%40), Known: true, AGS: ags, Year: 2022})
	}
	return cells
}

// BenchmarkAddCells is the cell part of Build at the scale of Saxony
// (400,000 populated 100 m cells): ids parsed, cells sorted and their
// centres projected, and the 1 km aggregation of the classification.
func BenchmarkAddCells(b *testing.B) {
	r, _ := demoReader(b)
	cells := syntheticCells(400_000, r.munis)
	munis := map[string]int{}
	for i, m := range r.munis {
		munis[m.AGS] = i
	}
	b.Run("addCells", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			e := &Engine{muniIdx: munis}
			if err := e.addCells(cells, parseCellIDs(cells), nil); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("toKm", func(b *testing.B) {
		ids := parseCellIDs(cells)
		b.ReportAllocs()
		for b.Loop() {
			classify.ToKm(cells, ids)
		}
	})
	b.Run("classify", func(b *testing.B) {
		ids := parseCellIDs(cells)
		km := classify.ToKm(cells, ids)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := classify.Classify(r.munis, km, classify.DefaultClassifyOptions()); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// refShare is a grid share in percent as a fraction, NaN when absent or
// outside 0–100.
func refShare(p *float64) float32 {
	if p == nil || *p < 0 || *p > 100 || math.IsNaN(*p) {
		return float32(math.NaN())
	}
	return float32(*p / 100)
}
