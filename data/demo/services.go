package demo

import (
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/paulmach/orb"

	"reach/layers"
)

// mainSettlement returns the main settlement of municipality mi.
func (g *gen) mainSettlement(mi int) *settlement { return g.setts[g.muns[mi].settlements[0]] }

// verbund returns the name of the Mittelzentrum Verbund and its two
// municipalities.
func (g *gen) verbund() (string, []int) {
	var idx []int
	for i, m := range g.muns {
		if m.verbund {
			idx = append(idx, i)
		}
	}
	return fmt.Sprintf("Städteverbund %s-%s (synthetisch)", g.muns[idx[0]].base, g.muns[idx[1]].base), idx
}

// centralPlaces designates the Ober-, Mittel- and Grundzentren; the two
// members of the Verbund each get a row naming the Verbund.
func (g *gen) centralPlaces() {
	vname, vidx := g.verbund()
	for i, m := range g.muns {
		if m.role == roleVillage {
			continue
		}
		p := layers.CentralPlace{ID: m.ags, Name: m.name, AGS: m.ags, KreisAGS: KreisAGS, PlanningRegion: PlanningRegion,
			Location: g.mainSettlement(i).pos, Members: []string{m.ags}, Source: Source}
		switch m.role {
		case roleOZ:
			p.Level = layers.LevelOberzentrum
		case roleMZ:
			p.Level, p.LEPType = layers.LevelMittelzentrum, "MELR"
			if m.verbund {
				p.Verbund = vname
				p.Members = []string{g.muns[vidx[0]].ags, g.muns[vidx[1]].ags}
			}
		case roleGZ:
			p.Level = layers.LevelGrundzentrum
		}
		g.r.CentralPlaces = append(g.r.CentralPlaces, p)
	}
	sort.Slice(g.r.CentralPlaces, func(i, j int) bool { return g.r.CentralPlaces[i].ID < g.r.CentralPlaces[j].ID })
}

// memberships: the Verbund, three Verwaltungsgemeinschaften (a
// Grundzentrum as the erfüllende Gemeinde with two or three villages), and
// the Mittelbereiche (every municipality in the area of its nearest
// Mittel- or Oberzentrum; the one most evenly placed between two in both).
func (g *gen) memberships() {
	var out []layers.Membership
	vname, vidx := g.verbund()
	for _, i := range vidx {
		out = append(out, layers.Membership{AGS: g.muns[i].ags, Kind: layers.KindVerbund, GroupID: "vb-" + g.muns[vidx[0]].ags, GroupName: vname})
	}
	taken := map[int]bool{}
	vgs := 0
	for gi, m := range g.muns {
		if m.role != roleGZ || vgs == 3 {
			continue
		}
		var near []int
		for vi, v := range g.muns {
			if v.role == roleVillage && !taken[vi] && dist(v.centre, m.centre) < 7500 {
				near = append(near, vi)
			}
		}
		if len(near) < 2 {
			continue
		}
		sort.Slice(near, func(a, b int) bool {
			return dist(g.muns[near[a]].centre, m.centre) < dist(g.muns[near[b]].centre, m.centre)
		})
		near = near[:min(len(near), 2+vgs%2)]
		vgs++
		id, name := "vg-"+m.ags, "Verwaltungsgemeinschaft "+m.name
		out = append(out, layers.Membership{AGS: m.ags, Kind: layers.KindVerwaltungsgemeinschaft, GroupID: id, GroupName: name})
		taken[gi] = true
		for _, vi := range near {
			taken[vi] = true
			out = append(out, layers.Membership{AGS: g.muns[vi].ags, Kind: layers.KindVerwaltungsgemeinschaft, GroupID: id, GroupName: name})
		}
	}
	// Mittelbereiche: one per Ober- or Mittelzentrum, the Verbund counting once.
	type centre struct {
		id, name string
		pos      orb.Point
	}
	var cs []centre
	for i, m := range g.muns {
		switch {
		case m.role == roleOZ || (m.role == roleMZ && !m.verbund):
			cs = append(cs, centre{"mb-" + m.ags, "Mittelbereich " + m.name, g.mainSettlement(i).pos})
		case m.verbund && i == vidx[0]:
			cs = append(cs, centre{"mb-" + m.ags, "Mittelbereich " + vname, lerp(m.centre, g.muns[vidx[1]].centre, 0.5)})
		}
	}
	best2 := func(p orb.Point) (int, int, float64) {
		a, b := -1, -1
		for k := range cs {
			switch {
			case a < 0 || dist(p, cs[k].pos) < dist(p, cs[a].pos):
				a, b = k, a
			case b < 0 || dist(p, cs[k].pos) < dist(p, cs[b].pos):
				b = k
			}
		}
		return a, b, dist(p, cs[b].pos) / dist(p, cs[a].pos)
	}
	double, dr := -1, math.Inf(1)
	for i, m := range g.muns {
		if m.role >= roleMZ {
			continue
		}
		if _, _, r := best2(m.centre); r < dr {
			double, dr = i, r
		}
	}
	for i, m := range g.muns {
		a, b, _ := best2(m.centre)
		if m.verbund {
			a = len(cs) - 1
			for k := range cs {
				if cs[k].id == "mb-"+g.muns[vidx[0]].ags {
					a = k
				}
			}
		}
		out = append(out, layers.Membership{AGS: m.ags, Kind: layers.KindMittelbereich, GroupID: cs[a].id, GroupName: cs[a].name})
		if i == double {
			out = append(out, layers.Membership{AGS: m.ags, Kind: layers.KindMittelbereich, GroupID: cs[b].id, GroupName: cs[b].name})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].AGS != out[j].AGS {
			return out[i].AGS < out[j].AGS
		}
		if out[i].Kind != out[j].Kind {
			return out[i].Kind < out[j].Kind
		}
		return out[i].GroupID < out[j].GroupID
	})
	g.r.Memberships = out
}

// facilityPlan says how many facilities of each category a municipality
// of each kind gets in its main settlement.
var facilityPlan = []struct {
	cat                       layers.Category
	oz, mz, vb, gz, big, tiny int // vb: member of the Verbund; big: village ≥ 1500; tiny: other villages
}{
	{layers.CatGeneralPractice, 12, 6, 3, 2, 1, 0},
	{layers.CatHospital, 1, 1, 0, 0, 0, 0},
	{layers.CatPharmacy, 6, 3, 2, 1, 0, 0},
	{layers.CatDentist, 8, 4, 2, 1, 0, 0},
	{layers.CatPrimarySchool, 4, 2, 1, 1, 1, 0},
	{layers.CatSecondarySchool, 2, 1, 1, 1, 0, 0},
	{layers.CatGymnasium, 2, 1, 0, 0, 0, 0},
	{layers.CatKita, 8, 4, 2, 2, 1, 0},
	{layers.CatFireStation, 1, 1, 1, 1, 1, 1},
	{layers.CatSports, 3, 2, 1, 1, 1, 0},
	{layers.CatSeniorCare, 3, 2, 1, 1, 0, 0},
	{layers.CatTownHall, 1, 1, 1, 1, 1, 1},
	{layers.CatCommunityCentre, 1, 1, 1, 1, 0, 1},
	{layers.CatWaterSupply, 1, 1, 0, 0, 0, 0},
	{layers.CatSewage, 1, 1, 1, 1, 0, 0},
}

// facilities places every category: most sites in the central places,
// fire stations and town halls in every municipality, and nothing of
// higher order in the small remote villages, so that gaps appear there.
func (g *gen) facilities() {
	counter := map[layers.Category]int{}
	titles := map[layers.Category]string{}
	for _, c := range layers.Categories() {
		titles[c.Category] = c.Title
	}
	add := func(mi int, s *settlement, cat layers.Category, capacity float64, spread float64) {
		counter[cat]++
		p := g.site(s, spread)
		f := layers.Facility{
			ID: fmt.Sprintf("demo:%s-%03d", cat, counter[cat]), Category: cat, Source: Source, AGS: g.muns[mi].ags, Location: p,
			Name: fmt.Sprintf("%s %s (synthetisch)", titles[cat], s.name),
		}
		if capacity > 0 {
			c := capacity
			f.Capacity = &c
		}
		g.r.Facilities = append(g.r.Facilities, f)
	}
	capacity := func(cat layers.Category, m *muni) float64 {
		switch cat {
		case layers.CatHospital:
			if m.role == roleOZ {
				return 620
			}
			return 240
		case layers.CatGymnasium:
			return 800
		case layers.CatSecondarySchool:
			return 450
		case layers.CatPrimarySchool:
			return math.Round(g.uniform(120, 260))
		case layers.CatKita:
			return math.Round(g.uniform(40, 130))
		case layers.CatSeniorCare:
			return math.Round(g.uniform(50, 120))
		case layers.CatGeneralPractice, layers.CatDentist:
			// Doctors per practice, 1–3, from the running count (no draw
			// from the generator's stream, so that the other layers stay).
			return float64(1 + len(g.r.Facilities)%3)
		}
		return 0
	}
	_, vidx := g.verbund()
	for mi, m := range g.muns {
		main := g.mainSettlement(mi)
		for _, fp := range facilityPlan {
			n := fp.tiny
			switch {
			case m.role == roleOZ:
				n = fp.oz
			case m.verbund:
				n = fp.vb
				// The Verbund shares one hospital and one Gymnasium, in its larger town.
				larger := vidx[0]
				if g.muns[vidx[1]].pop > g.muns[larger].pop {
					larger = vidx[1]
				}
				if mi == larger && (fp.cat == layers.CatHospital || fp.cat == layers.CatGymnasium) {
					n = 1
				}
			case m.role == roleMZ:
				n = fp.mz
			case m.role == roleGZ:
				n = fp.gz
			case m.pop >= 1500:
				n = fp.big
			}
			if fp.cat == layers.CatKita && m.role == roleVillage && m.pop >= 900 {
				n = max(n, 1)
			}
			spread := 0.6
			if fp.cat == layers.CatWaterSupply || fp.cat == layers.CatSewage {
				spread = 1.1
			}
			for k := 0; k < n; k++ {
				add(mi, main, fp.cat, capacity(fp.cat, m), spread)
			}
		}
		// Ortsteile have their own fire brigade, and the larger ones a Kita.
		for _, si := range m.settlements[1:] {
			s := g.setts[si]
			if s.pop >= 150 {
				add(mi, s, layers.CatFireStation, 0, 0.5)
			}
			if s.pop >= 600 {
				add(mi, s, layers.CatKita, capacity(layers.CatKita, m), 0.5)
			}
		}
	}
	// One remote waterworks (a spring catchment) in the village farthest from the others.
	far, fd := -1, 0.0
	for mi, m := range g.muns {
		if m.role == roleVillage && m.remoteness > fd {
			far, fd = mi, m.remoteness
		}
	}
	add(far, g.mainSettlement(far), layers.CatWaterSupply, 0, 1.2)
	sort.Slice(g.r.Facilities, func(i, j int) bool { return g.r.Facilities[i].ID < g.r.Facilities[j].ID })
}

// site returns a location near a street of s, at most spread × its
// radius from the centre, inside its municipality.
func (g *gen) site(s *settlement, spread float64) orb.Point {
	m := g.muns[s.mun]
	base := s.pos
	if s.grid != nil {
		var cand []int64
		for _, id := range s.grid {
			if dist(g.net.at(id), s.pos) <= spread*s.gridR {
				cand = append(cand, id)
			}
		}
		if len(cand) > 0 {
			base = g.net.at(cand[g.rng.IntN(len(cand))])
		}
	}
	for try := 0; try < 10; try++ {
		a, d := g.uniform(0, 2*math.Pi), g.uniform(25, 60)
		p := orb.Point{round2(base[0] + d*math.Cos(a)), round2(base[1] + d*math.Sin(a))}
		if inRing(m.poly, p) && g.clearOf(p, 100, 50, 60) {
			return p
		}
	}
	return base
}

// projects builds the proposals: a general practice in the remotest
// village, a Gymnasium branch in a Grundzentrum, a new bridge, an upgraded
// road, water and sewage service areas and day care at two sites. Their
// requested funding sums well above the default budget of 4 M€.
func (g *gen) projects() {
	nearest := func(p orb.Point, cat layers.Category) float64 {
		d := math.Inf(1)
		for _, f := range g.r.Facilities {
			if f.Category == cat {
				d = math.Min(d, dist(p, f.Location))
			}
		}
		return d
	}
	farthestFrom := func(cat layers.Category, ok func(m *muni) bool, skip map[int]bool) int {
		best, bd := -1, -1.0
		for mi, m := range g.muns {
			if !ok(m) || skip[mi] {
				continue
			}
			if d := nearest(g.mainSettlement(mi).pos, cat); d > bd {
				best, bd = mi, d
			}
		}
		return best
	}
	villages := func(m *muni) bool { return m.role == roleVillage }
	used := map[int]bool{}
	date := func(k int) time.Time { return time.Date(2025, 1, 15, 9, 0, 0, 0, time.UTC).AddDate(0, 0, 9*k) }
	mark := func(v float64) *float64 { return &v }
	var ps []layers.Project
	addP := func(p layers.Project) {
		p.ID = fmt.Sprintf("demo-2025-%02d", len(ps)+1)
		p.PlanningRegion, p.Status, p.SubmittedAt, p.Synthetic = PlanningRegion, "submitted", date(len(ps)), true
		p.Title += " (synthetisch)"
		ps = append(ps, p)
	}

	// 1. A general practice in the village farthest from one.
	gp := farthestFrom(layers.CatGeneralPractice, villages, used)
	used[gp] = true
	addP(layers.Project{Title: "Hausarztpraxis " + g.muns[gp].base, Applicant: "Gemeinde " + g.muns[gp].name,
		Municipalities: []string{g.muns[gp].ags}, Category: layers.CatGeneralPractice, Kind: layers.KindNewFacility,
		Geometry: g.site(g.mainSettlement(gp), 0.4), InvestmentCost: 950000, RequestedFunding: 760000, Innovation: mark(5), Transferability: mark(8)})

	// 2. A Gymnasium branch in the Grundzentrum farthest from a Gymnasium.
	gy := farthestFrom(layers.CatGymnasium, func(m *muni) bool { return m.role == roleGZ }, used)
	used[gy] = true
	addP(layers.Project{Title: "Gymnasium-Außenstelle " + g.muns[gy].base, Applicant: "Landkreis " + KreisName,
		Municipalities: []string{g.muns[gy].ags}, Category: layers.CatGymnasium, Kind: layers.KindNewFacility,
		Geometry: g.site(g.mainSettlement(gy), 0.5), InvestmentCost: 3800000, RequestedFunding: 2900000})

	// 3. A new bridge between two settlements facing each other across the
	// river, as far as possible from the existing crossings.
	var crossPts []orb.Point
	for _, id := range g.r.Crossings {
		if x, ok := lineCrossing(g.net.segs[id-1].Geometry, g.river); ok {
			crossPts = append(crossPts, x)
		}
	}
	ba, bb, bscore := -1, -1, -1.0
	for i, a := range g.setts {
		for j, b := range g.setts {
			l := orb.LineString{a.pos, b.pos}
			if j <= i || dist(a.pos, b.pos) > 4500 || crossCount(l, g.river) != 1 || g.blocked(l, i, j) {
				continue
			}
			x, _ := lineCrossing(l, g.river)
			score := math.Inf(1)
			for _, c := range crossPts {
				score = math.Min(score, dist(x, c))
			}
			score -= dist(a.pos, b.pos) / 2
			if score > bscore {
				ba, bb, bscore = i, j, score
			}
		}
	}
	if ba >= 0 {
		a, b := g.setts[ba], g.setts[bb]
		addP(layers.Project{Title: fmt.Sprintf("Brücke %s–%s", a.name, b.name), Applicant: "Gemeinde " + g.muns[a.mun].name,
			Municipalities: uniqAGS(g.muns[a.mun].ags, g.muns[b.mun].ags), Kind: layers.KindRoadUpgrade,
			Geometry: orb.LineString{g.net.at(g.attach(a, b.pos)), g.net.at(g.attach(b, a.pos))}, SpeedKmh: 50,
			InvestmentCost: 2900000, RequestedFunding: 2200000, Innovation: mark(4), Transferability: mark(3)})
	}

	// 4. Upgrading the longest tertiary or unclassified road to the
	// remotest village.
	rv := -1
	for mi, m := range g.muns {
		if m.role == roleVillage && (rv < 0 || m.remoteness > g.muns[rv].remoteness) {
			rv = mi
		}
	}
	var road orb.MultiLineString
	var roadLen float64
	node := g.mainSettlement(rv).centreNode
	for _, s := range g.net.segs {
		if (s.Highway == "tertiary" || s.Highway == "unclassified") && (s.FromNode == node || s.ToNode == node) && s.LengthM > roadLen {
			road, roadLen = orb.MultiLineString{s.Geometry}, s.LengthM
		}
	}
	if road != nil {
		addP(layers.Project{Title: "Ausbau der Verbindungsstraße nach " + g.muns[rv].base, Applicant: "Gemeinde " + g.muns[rv].name,
			Municipalities: []string{g.muns[rv].ags}, Kind: layers.KindRoadUpgrade, Geometry: road, SpeedKmh: 70,
			InvestmentCost: 1600000, RequestedFunding: 1100000})
	}

	// 5./6. Water and sewage service areas over the villages farthest from
	// the works, each with a neighbour.
	for k, cat := range []layers.Category{layers.CatWaterSupply, layers.CatSewage} {
		wi := farthestFrom(cat, villages, used)
		used[wi] = true
		members := []int{wi}
		nb, nd := -1, math.Inf(1)
		for mi, m := range g.muns {
			if mi != wi && m.role == roleVillage && !used[mi] && dist(m.centre, g.muns[wi].centre) < nd {
				nb, nd = mi, dist(m.centre, g.muns[wi].centre)
			}
		}
		if nb >= 0 {
			members = append(members, nb)
			used[nb] = true
		}
		var pts []orb.Point
		var ags []string
		for _, mi := range members {
			ags = append(ags, g.muns[mi].ags)
			for _, si := range g.muns[mi].settlements {
				s := g.setts[si]
				for a := 0; a < 8; a++ {
					t := float64(a) * math.Pi / 4
					r := s.radius + 200
					pts = append(pts, orb.Point{round2(s.pos[0] + r*math.Cos(t)), round2(s.pos[1] + r*math.Sin(t))})
				}
			}
		}
		title := []string{"Trinkwasserversorgung ", "Abwasserentsorgung "}[k]
		cost := []float64{2100000, 1700000}[k]
		addP(layers.Project{Title: title + g.muns[wi].base, Applicant: "Zweckverband " + g.muns[wi].base + " (synthetisch)",
			Municipalities: uniqAGS(ags...), Category: cat, Kind: layers.KindAreaService,
			Geometry: orb.Polygon{convexHull(pts)}, InvestmentCost: cost, RequestedFunding: math.Round(cost * 0.7)})
	}

	// 7. Day care for seniors at two sites in neighbouring villages.
	s1 := farthestFrom(layers.CatSeniorCare, villages, used)
	used[s1] = true
	s2, d2 := -1, math.Inf(1)
	for mi, m := range g.muns {
		if mi != s1 && m.role == roleVillage && !used[mi] && dist(m.centre, g.muns[s1].centre) < d2 {
			s2, d2 = mi, dist(m.centre, g.muns[s1].centre)
		}
	}
	addP(layers.Project{Title: fmt.Sprintf("Tagespflege %s und %s", g.muns[s1].base, g.muns[s2].base),
		Applicant: "Gemeinde " + g.muns[s1].name, Municipalities: uniqAGS(g.muns[s1].ags, g.muns[s2].ags),
		Category: layers.CatSeniorCare, Kind: layers.KindNewFacility,
		Geometry:       orb.MultiPoint{g.site(g.mainSettlement(s1), 0.4), g.site(g.mainSettlement(s2), 0.4)},
		InvestmentCost: 1200000, RequestedFunding: 900000, Innovation: mark(7)})
	g.r.Projects = ps
}

func uniqAGS(ags ...string) []string {
	var out []string
	seen := map[string]bool{}
	for _, a := range ags {
		if !seen[a] {
			seen[a] = true
			out = append(out, a)
		}
	}
	sort.Strings(out)
	return out
}
