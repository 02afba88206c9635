package assess

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"testing"

	"github.com/paulmach/orb"

	"reach/geo/access"
	"reach/layers"
)

// aggregateFull is the reference of aggregate: every cell of the region
// visited, the quantiles sorted afresh.
func (e *Assessor) aggregateFull(p layers.Project, eff *projectEffect) aggregation {
	var g aggregation
	participating := map[string]bool{}
	for _, ags := range p.Municipalities {
		participating[ags] = true
	}
	after := make(map[int32]float64, len(eff.changes))
	for _, c := range eff.changes {
		after[c.Cell] = c.After
	}
	type mAcc struct {
		b          MunicipalityBenefit
		sumB, sumA float64
		popB, popA int64
		touched    bool
	}
	accs := map[string]*mAcc{}
	kreise, regions := map[string]bool{}, map[string]bool{}
	var need int64
	n := e.eng.NumCells()
	secsB, secsA, pops := make([]float64, n), make([]float64, n), make([]int64, n)
	beforeSecs := eff.before.Seconds()
	var sumB, sumA float64
	var popB, popA int64
	for ci := range n {
		c := e.eng.Cell(ci)
		before := beforeSecs[ci]
		aft := before
		if v, ok := after[int32(ci)]; ok {
			aft = v
		}
		secsB[ci], secsA[ci], pops[ci] = before, aft, c.Residents
		if math.IsInf(before, 1) {
			g.unreachedBefore += c.Residents
		} else {
			sumB += float64(c.Residents) * before
			popB += c.Residents
		}
		if math.IsInf(aft, 1) {
			g.unreachedAfter += c.Residents
		} else {
			sumA += float64(c.Residents) * aft
			popA += c.Residents
		}
		m := accs[c.AGS]
		if m == nil {
			m = &mAcc{b: MunicipalityBenefit{AGS: c.AGS, Name: e.eng.MunicipalityName(c.AGS), Participating: participating[c.AGS]}}
			accs[c.AGS] = m
		}
		if !math.IsInf(before, 1) {
			m.sumB += float64(c.Residents) * before
			m.popB += c.Residents
		}
		if !math.IsInf(aft, 1) {
			m.sumA += float64(c.Residents) * aft
			m.popA += c.Residents
		}
		benefits := before-aft >= MinImprovementS || eff.served[int32(ci)]
		newly := before > eff.limit && aft <= eff.limit
		if !benefits && !newly {
			continue
		}
		m.touched = true
		if benefits {
			g.benCells = append(g.benCells, cellPop{int32(ci), c.Residents})
			m.b.Beneficiaries += c.Residents
			g.beneficiaries += c.Residents
			if participating[c.AGS] {
				g.participating += c.Residents
			}
			if e.eng.InNeed(c.AGS) {
				need += c.Residents
			}
			if c.Municipality >= 0 {
				mu := e.eng.Municipality(int(c.Municipality))
				kreise[mu.KreisAGS] = true
				regions[mu.PlanningRegion] = true
			}
		}
		if newly {
			g.newlyCells = append(g.newlyCells, cellPop{int32(ci), c.Residents})
			m.b.NewlyWithinStandard += c.Residents
			g.newly += c.Residents
		}
	}
	if popB > 0 {
		v := sumB / float64(popB)
		g.meanBefore = &v
	}
	if popA > 0 {
		v := sumA / float64(popA)
		g.meanAfter = &v
	}
	g.p90Before, g.p90After = access.WeightedQuantile(secsB, pops, 0.9), access.WeightedQuantile(secsA, pops, 0.9)
	if g.beneficiaries > 0 {
		g.needShare = float64(need) / float64(g.beneficiaries)
	}
	delete(kreise, "")
	delete(regions, "")
	g.kreise, g.regions = len(kreise), len(regions)
	for ags, m := range accs {
		if !m.touched && !participating[ags] {
			continue
		}
		if m.popB > 0 {
			m.b.MeanSecondsBefore = m.sumB / float64(m.popB)
		}
		if m.popA > 0 {
			m.b.MeanSecondsAfter = m.sumA / float64(m.popA)
		}
		if m.b.Beneficiaries > 0 {
			g.munis++
		}
		g.byMuni = append(g.byMuni, m.b)
	}
	// Participating municipalities without populated cells still appear.
	for ags := range participating {
		if _, ok := accs[ags]; !ok {
			g.byMuni = append(g.byMuni, MunicipalityBenefit{AGS: ags, Name: e.eng.MunicipalityName(ags), Participating: true})
		}
	}
	sort.Slice(g.byMuni, func(i, j int) bool { return g.byMuni[i].AGS < g.byMuni[j].AGS })
	if g.byMuni == nil {
		g.byMuni = []MunicipalityBenefit{}
	}
	return g
}

// TestAggregateAgainstFull: the aggregation from the field's base and the
// touched cells equals the one over every cell for random new sites,
// facility upgrades and road upgrades on the demo region.
func TestAggregateAgainstFull(t *testing.T) {
	r, _ := demoReader(t)
	eng, e := build(t, r)
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(9, 1))
	cats := []layers.Category{layers.CatGeneralPractice, layers.CatPrimarySchool, layers.CatPharmacy, layers.CatKita, layers.CatHospital}
	var ps []layers.Project
	for k := range 30 {
		c := eng.Cell(rng.IntN(eng.NumCells()))
		p := layers.Project{ID: fmt.Sprintf("n%d", k), Kind: layers.KindNewFacility, Category: cats[k%len(cats)], Geometry: c.UTM, Municipalities: []string{c.AGS}}
		if k%4 == 3 {
			c2 := eng.Cell(rng.IntN(eng.NumCells()))
			p.Geometry = orb.MultiPoint{c.UTM, c2.UTM}
			p.Municipalities = append(p.Municipalities, c2.AGS, "14999999")
		}
		ps = append(ps, p)
	}
	for k, f := range r.L.Facilities {
		if k%7 != 0 {
			continue
		}
		ch := 10.0
		ps = append(ps, layers.Project{ID: fmt.Sprintf("u%d", k), Kind: layers.KindFacilityUpgrade, Category: f.Category, Municipalities: []string{f.AGS},
			Upgrade: &layers.Upgrade{FacilityID: f.ID, CapacityChange: &ch}})
	}
	roads := r.L.Roads
	for k := 0; k < 12; k++ {
		s := roads[rng.IntN(len(roads))]
		if !s.Car.Forward && !s.Car.Backward {
			continue
		}
		ps = append(ps, layers.Project{ID: fmt.Sprintf("r%d", k), Kind: layers.KindRoadUpgrade, Geometry: append(orb.LineString(nil), s.Geometry...),
			SpeedKmh: s.Car.SpeedKmh + 40, Municipalities: []string{eng.MunicipalityAt(s.Geometry[0])}})
	}
	ps = append(ps, r.L.Projects...)
	compared, changed := 0, 0
	for _, p := range ps {
		res, err := e.computeEffect(ctx, p)
		if err != nil {
			continue // invalid for the category (an area service, say)
		}
		if res.eff == nil {
			continue
		}
		got, want := e.aggregate(p, res.eff), e.aggregateFull(p, res.eff)
		compared++
		if len(res.eff.changes) > 0 || len(res.eff.served) > 0 {
			changed++
		}
		if !aggregationsEqual(got, want) {
			t.Errorf("%s (%s %s, %d changes): aggregate\n%+v\nover every cell\n%+v", p.ID, p.Kind, p.Category, len(res.eff.changes), got, want)
		}
	}
	t.Logf("%d effects compared, %d of them changing something", compared, changed)
	if changed < 30 {
		t.Fatalf("only %d effects change anything: the test proves little", changed)
	}
}

func aggregationsEqual(a, b aggregation) bool {
	near := func(x, y float64) bool {
		return x == y || math.Abs(x-y) <= 1e-9*math.Max(math.Abs(x), math.Abs(y))
	}
	nearP := func(x, y *float64) bool { return (x == nil) == (y == nil) && (x == nil || near(*x, *y)) }
	if a.newly != b.newly || a.beneficiaries != b.beneficiaries || a.participating != b.participating || a.munis != b.munis ||
		a.kreise != b.kreise || a.regions != b.regions || !near(a.needShare, b.needShare) || a.unreachedBefore != b.unreachedBefore ||
		a.unreachedAfter != b.unreachedAfter || !nearP(a.meanBefore, b.meanBefore) || !nearP(a.meanAfter, b.meanAfter) ||
		!nearP(a.p90Before, b.p90Before) || !nearP(a.p90After, b.p90After) || len(a.byMuni) != len(b.byMuni) ||
		fmt.Sprint(a.benCells) != fmt.Sprint(b.benCells) || fmt.Sprint(a.newlyCells) != fmt.Sprint(b.newlyCells) {
		return false
	}
	for i := range a.byMuni {
		x, y := a.byMuni[i], b.byMuni[i]
		if x.AGS != y.AGS || x.Name != y.Name || x.Participating != y.Participating || x.Beneficiaries != y.Beneficiaries ||
			x.NewlyWithinStandard != y.NewlyWithinStandard || !near(x.MeanSecondsBefore, y.MeanSecondsBefore) || !near(x.MeanSecondsAfter, y.MeanSecondsAfter) {
			return false
		}
	}
	return true
}

// TestQuantileWithChanges: the quantile of the base with entries taken out
// and put in equals the one sorted afresh, for random multisets with ties
// and unreached (+Inf) entries.
func TestQuantileWithChanges(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 2))
	for trial := range 500 {
		n := 1 + rng.IntN(60)
		vals, pops := make([]float64, n), make([]int64, n)
		for i := range vals {
			vals[i] = float64(rng.IntN(20))
			if rng.IntN(10) == 0 {
				vals[i] = math.Inf(1)
			}
			pops[i] = int64(rng.IntN(4))
		}
		b := &fieldBase{}
		var ws []weightedSecs
		for i := range vals {
			if pops[i] > 0 {
				ws = append(ws, weightedSecs{vals[i], pops[i]})
			}
		}
		sort.Slice(ws, func(i, j int) bool { return ws[i].v < ws[j].v })
		for _, w := range ws {
			b.total += w.w
			b.vals, b.cum = append(b.vals, w.v), append(b.cum, b.total)
		}
		after := append([]float64(nil), vals...)
		var removed, added []weightedSecs
		for i := range after {
			if rng.IntN(3) == 0 {
				after[i] = float64(rng.IntN(25))
				if rng.IntN(8) == 0 {
					after[i] = math.Inf(1)
				}
				if pops[i] > 0 && after[i] != vals[i] {
					removed = append(removed, weightedSecs{vals[i], pops[i]})
					added = append(added, weightedSecs{after[i], pops[i]})
				} else {
					after[i] = vals[i]
				}
			}
		}
		sort.Slice(removed, func(i, j int) bool { return removed[i].v < removed[j].v })
		sort.Slice(added, func(i, j int) bool { return added[i].v < added[j].v })
		for _, q := range []float64{0, 0.1, 0.5, 0.9, 1} {
			got, want := b.quantile(removed, added, q), access.WeightedQuantile(after, pops, q)
			if (got == nil) != (want == nil) || (got != nil && *got != *want) {
				t.Fatalf("trial %d q %v: %v, sorted afresh %v (before %v, after %v, residents %v)", trial, q, fmtP(got), fmtP(want), vals, after, pops)
			}
		}
	}
}

func fmtP(p *float64) string {
	if p == nil {
		return "nil"
	}
	return fmt.Sprint(*p)
}
