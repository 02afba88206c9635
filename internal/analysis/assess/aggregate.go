package assess

import (
	"math"
	"sort"

	"reach/layers"
)

// fieldBase is what every effect on one travel-time field shares: the
// field's own sums over the region and per municipality and its
// distribution across residents, computed once per engine and field.
// aggregate adds an effect to it by the cells the effect touches only.
type fieldBase struct {
	// vals are the times of the cells with residents, ascending, and cum
	// the residents up to and including each (ties included in order).
	vals []float64
	cum  []int64
	// total is every resident; sum and pop the residents reached and
	// their summed time; unreached the others.
	total, pop, unreached int64
	sum                   float64
	byAGS                 map[string]*muniBase
	p90                   *float64
}

type muniBase struct {
	sum float64
	pop int64
}

type fieldBaseKey struct {
	cat  layers.Category
	mode layers.Mode
}

// fieldBaseOf returns the base of eff's field, computed once per engine.
func (e *Assessor) fieldBaseOf(eff *projectEffect) *fieldBase {
	v, _ := e.eng.Memo(fieldBaseKey{eff.before.Category(), eff.mode}, func() (any, error) {
		secs := eff.before.Seconds()
		b := &fieldBase{byAGS: map[string]*muniBase{}}
		ws := make([]weightedSecs, 0, len(secs))
		for ci := range e.eng.NumCells() {
			c := e.eng.Cell(ci)
			m := b.byAGS[c.AGS]
			if m == nil {
				m = &muniBase{}
				b.byAGS[c.AGS] = m
			}
			s := secs[ci]
			if math.IsInf(s, 1) {
				b.unreached += c.Residents
			} else {
				b.sum += float64(c.Residents) * s
				b.pop += c.Residents
				m.sum += float64(c.Residents) * s
				m.pop += c.Residents
			}
			if c.Residents > 0 {
				ws = append(ws, weightedSecs{s, c.Residents})
			}
		}
		sort.Slice(ws, func(i, j int) bool { return ws[i].v < ws[j].v })
		b.vals, b.cum = make([]float64, len(ws)), make([]int64, len(ws))
		for i, w := range ws {
			b.total += w.w
			b.vals[i], b.cum[i] = w.v, b.total
		}
		b.p90 = b.quantile(nil, nil, 0.9)
		return b, nil
	})
	return v.(*fieldBase)
}

type weightedSecs struct {
	v float64
	w int64
}

// weightUpTo is the weight of the entries of ws (ascending by value) with
// a value ≤ x.
func weightUpTo(ws []weightedSecs, cum []int64, x float64) int64 {
	k := sort.Search(len(ws), func(i int) bool { return ws[i].v > x })
	if k == 0 {
		return 0
	}
	return cum[k-1]
}

// quantile is access.WeightedQuantile of the base's times with the
// entries removed taken out and added put in (both ascending by value,
// removed a part of the base): the least time x at which the residents
// with a time ≤ x reach the share q of all, nil when that is +Inf or no one
// lives in the region. The count up to x only grows with x, so the least
// x is found by bisection over the base's times and over the added;
// a time no one has any more cannot be it, as the count does not grow
// there.
func (b *fieldBase) quantile(removed, added []weightedSecs, q float64) *float64 {
	if b.total == 0 {
		return nil
	}
	cumOf := func(ws []weightedSecs) []int64 {
		out := make([]int64, len(ws))
		var c int64
		for i, w := range ws {
			c += w.w
			out[i] = c
		}
		return out
	}
	rc, ac := cumOf(removed), cumOf(added)
	need := q * float64(b.total)
	upTo := func(x float64) int64 {
		k := sort.Search(len(b.vals), func(i int) bool { return b.vals[i] > x })
		var n int64
		if k > 0 {
			n = b.cum[k-1]
		}
		return n - weightUpTo(removed, rc, x) + weightUpTo(added, ac, x)
	}
	// reaches: at least the share, and someone (q = 0 gives the least
	// time of anyone).
	reaches := func(x float64) bool {
		n := upTo(x)
		return n > 0 && float64(n) >= need
	}
	best, found := math.Inf(1), false
	if k := sort.Search(len(b.vals), func(i int) bool { return reaches(b.vals[i]) }); k < len(b.vals) {
		best, found = b.vals[k], true
	}
	if k := sort.Search(len(added), func(i int) bool { return reaches(added[i].v) }); k < len(added) && added[k].v < best {
		best, found = added[k].v, true
	}
	if !found || math.IsInf(best, 1) {
		return nil
	}
	return &best
}

// aggregate sums an effect over municipalities, Kreise and regions: the
// field's base (fieldBaseOf) plus the cells whose time changes and those a
// facility upgrade serves, so that its cost grows with the effect, not
// with the region. TestAggregateAgainstFull holds it equal to the sums
// over every cell.
func (e *Assessor) aggregate(p layers.Project, eff *projectEffect) aggregation {
	var g aggregation
	base := e.fieldBaseOf(eff)
	participating := map[string]bool{}
	for _, ags := range p.Municipalities {
		participating[ags] = true
	}
	// The cells to visit: changed or served, ascending, each once.
	type visit struct {
		ci            int32
		before, after float64
	}
	visits := make([]visit, 0, len(eff.changes)+len(eff.served))
	for _, c := range eff.changes {
		visits = append(visits, visit{c.Cell, c.Before, c.After})
	}
	if len(eff.served) > 0 {
		secs := eff.before.Seconds()
		changed := make(map[int32]bool, len(eff.changes))
		for _, c := range eff.changes {
			changed[c.Cell] = true
		}
		for ci := range eff.served {
			if !changed[ci] {
				visits = append(visits, visit{ci, secs[ci], secs[ci]})
			}
		}
	}
	sort.Slice(visits, func(i, j int) bool { return visits[i].ci < visits[j].ci })

	type mAcc struct {
		b       MunicipalityBenefit
		sumA    float64
		popA    int64
		touched bool
	}
	accs := map[string]*mAcc{}
	accOf := func(ags string) *mAcc {
		m := accs[ags]
		if m == nil {
			m = &mAcc{b: MunicipalityBenefit{AGS: ags, Name: e.eng.MunicipalityName(ags), Participating: participating[ags]}}
			if mb := base.byAGS[ags]; mb != nil {
				m.sumA, m.popA = mb.sum, mb.pop
			}
			accs[ags] = m
		}
		return m
	}
	kreise, regions := map[string]bool{}, map[string]bool{}
	var need int64
	sumA, popA := base.sum, base.pop
	g.unreachedBefore, g.unreachedAfter = base.unreached, base.unreached
	var removed, added []weightedSecs
	for _, v := range visits {
		c := e.eng.Cell(int(v.ci))
		before, aft := v.before, v.after
		if before != aft {
			m := accOf(c.AGS)
			if math.IsInf(before, 1) {
				g.unreachedAfter -= c.Residents
			} else {
				sumA -= float64(c.Residents) * before
				popA -= c.Residents
				m.sumA -= float64(c.Residents) * before
				m.popA -= c.Residents
			}
			if math.IsInf(aft, 1) {
				g.unreachedAfter += c.Residents
			} else {
				sumA += float64(c.Residents) * aft
				popA += c.Residents
				m.sumA += float64(c.Residents) * aft
				m.popA += c.Residents
			}
			if c.Residents > 0 {
				removed = append(removed, weightedSecs{before, c.Residents})
				added = append(added, weightedSecs{aft, c.Residents})
			}
		}
		benefits := before-aft >= MinImprovementS || eff.served[v.ci]
		newly := before > eff.limit && aft <= eff.limit
		if !benefits && !newly {
			continue
		}
		m := accOf(c.AGS)
		m.touched = true
		if benefits {
			g.benCells = append(g.benCells, cellPop{v.ci, c.Residents})
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
			g.newlyCells = append(g.newlyCells, cellPop{v.ci, c.Residents})
			m.b.NewlyWithinStandard += c.Residents
			g.newly += c.Residents
		}
	}
	if base.pop > 0 {
		v := base.sum / float64(base.pop)
		g.meanBefore = &v
	}
	if popA > 0 {
		v := sumA / float64(popA)
		g.meanAfter = &v
	}
	g.p90Before = base.p90
	if len(removed) == 0 {
		g.p90After = base.p90
	} else {
		sort.Slice(removed, func(i, j int) bool { return removed[i].v < removed[j].v })
		sort.Slice(added, func(i, j int) bool { return added[i].v < added[j].v })
		g.p90After = base.quantile(removed, added, 0.9)
	}
	if g.beneficiaries > 0 {
		g.needShare = float64(need) / float64(g.beneficiaries)
	}
	delete(kreise, "")
	delete(regions, "")
	g.kreise, g.regions = len(kreise), len(regions)
	for ags := range participating {
		if base.byAGS[ags] != nil {
			accOf(ags)
		}
	}
	for ags, m := range accs {
		if !m.touched && !participating[ags] {
			continue
		}
		mb := base.byAGS[ags]
		if mb.pop > 0 {
			m.b.MeanSecondsBefore = mb.sum / float64(mb.pop)
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
