package demo

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"

	"github.com/paulmach/orb"

	"reach/layers"
)

// role is the central-place role of a municipality in the generator.
type role int

const (
	roleVillage role = iota
	roleGZ
	roleMZ
	roleOZ
)

type muni struct {
	ags, base, name string
	centre          orb.Point
	role            role
	verbund         bool // member of the Mittelzentrum Verbund
	poly            orb.Ring
	pop             int64
	settlements     []int
	share65         float64
	remoteness      float64 // km to the nearest Mittel- or Oberzentrum
}

type settlement struct {
	name       string
	mun        int
	pos        orb.Point
	pop        int64
	main       bool
	radius     float64 // residential radius, m
	centreNode int64
	grid       []int64 // street nodes of a town grid, centre first; nil for villages
	gridR      float64
}

// gen holds the state of one generation run.
type gen struct {
	rng     *rand.Rand
	names   nameSource
	centre  orb.Point
	outline orb.Ring
	river   orb.LineString
	lake    orb.Ring
	mwP0    orb.Point // a point of the motorway axis
	mwDir   orb.Point // unit direction of the motorway axis
	mwIn    float64   // axis stations (m from mwP0) where the axis enters and leaves the Kreis
	mwOut   float64
	muns    []*muni
	setts   []*settlement
	net     network
	r       *Region
}

// Generate builds the demo region of seed. The same seed gives the same
// region, byte for byte.
func Generate(seed int64) (*Region, error) {
	rng := rand.New(rand.NewPCG(uint64(seed), 0x5eed_de30_0000_0001))
	g := &gen{rng: rng, names: nameSource{rng: rng, used: map[string]bool{}}, centre: orb.Point{380000, 5640000}, r: &Region{Seed: seed}}
	g.frame()
	g.water()
	if err := g.placeCentres(30); err != nil {
		return nil, err
	}
	g.assignRoles()
	g.polygons()
	g.indicatorsBase()
	g.placeSettlements()
	g.cells()
	if err := g.roads(); err != nil {
		return nil, err
	}
	g.centralPlaces()
	g.memberships()
	g.facilities()
	g.municipalities()
	g.projects()
	return g.r, nil
}

func (g *gen) uniform(a, b float64) float64 { return a + (b-a)*g.rng.Float64() }

// frame draws the Kreis outline: the convex hull of a jittered ellipse of
// about 21 × 17 km half-axes.
func (g *gen) frame() {
	var pts []orb.Point
	const n = 40
	for k := 0; k < n; k++ {
		a := 2*math.Pi*float64(k)/n + g.uniform(-0.05, 0.05)
		f := g.uniform(0.9, 1.1)
		pts = append(pts, orb.Point{math.Round(g.centre[0] + 21000*f*math.Cos(a)), math.Round(g.centre[1] + 17000*f*math.Sin(a))})
	}
	g.outline = convexHull(pts)
	g.r.Outline = orb.Polygon{g.outline}
}

func (g *gen) axis(s float64) orb.Point {
	return orb.Point{g.mwP0[0] + s*g.mwDir[0], g.mwP0[1] + s*g.mwDir[1]}
}

func (g *gen) motorwayLine() orb.LineString {
	return orb.LineString{g.axis(g.mwIn), g.axis(g.mwOut)}
}

// water draws the river (west to east across the whole Kreis), the
// motorway axis (south-west to north-east) and a lake away from both.
func (g *gen) water() {
	p1, p2 := g.uniform(0, 2*math.Pi), g.uniform(0, 2*math.Pi)
	for x := -27000.0; x <= 27000; x += 400 {
		y := -2500 + 0.12*x + 1500*math.Sin(x/5200+p1) + 600*math.Sin(x/2100+p2)
		g.river = append(g.river, orb.Point{round2(g.centre[0] + x), round2(g.centre[1] + y)})
	}
	g.r.River = g.river
	a := (22 + g.uniform(0, 12)) * math.Pi / 180
	g.mwDir = orb.Point{math.Cos(a), math.Sin(a)}
	g.mwP0 = orb.Point{g.centre[0] - 1500, g.centre[1] + 5500}
	first := true
	for s := -45000.0; s <= 45000; s += 50 {
		if inRing(g.outline, g.axis(s)) {
			if first {
				g.mwIn, first = s, false
			}
			g.mwOut = s
		}
	}
	mw := g.motorwayLine()
	for {
		c := orb.Point{g.centre[0] + g.uniform(-15000, 15000), g.centre[1] + g.uniform(-12000, 12000)}
		if !inRing(g.outline, c) || distToLine(c, orb.LineString(g.outline)) < 4000 || distToLine(c, g.river) < 3500 || distToLine(c, mw) < 3500 {
			continue
		}
		rot := g.uniform(0, math.Pi)
		var ring orb.Ring
		for k := 0; k < 24; k++ {
			t := 2 * math.Pi * float64(k) / 24
			x, y := 900*math.Cos(t), 500*math.Sin(t)
			ring = append(ring, orb.Point{round2(c[0] + x*math.Cos(rot) - y*math.Sin(rot)), round2(c[1] + x*math.Sin(rot) + y*math.Cos(rot))})
		}
		g.lake = append(ring, ring[0])
		g.r.Lake = orb.Polygon{g.lake}
		return
	}
}

// clearOf reports whether p keeps the given distances from the river,
// the lake and the motorway axis.
func (g *gen) clearOf(p orb.Point, river, lake, motorway float64) bool {
	if g.lake.Bound().Pad(lake).Contains(p) && (inRing(g.lake, p) || distToLine(p, orb.LineString(g.lake)) < lake) {
		return false
	}
	if g.river.Bound().Pad(river).Contains(p) && distToLine(p, g.river) < river {
		return false
	}
	return distToLine(p, g.motorwayLine()) >= motorway
}

// placeCentres places n municipality centres by Poisson-disc sampling.
func (g *gen) placeCentres(n int) error {
	minD := 3900.0
	var cs []orb.Point
	b := orb.Ring(g.outline).Bound()
	for round := 0; len(cs) < n; round++ {
		if round == 12 {
			return errors.New("demo: cannot place the municipality centres")
		}
		for try := 0; try < 20000 && len(cs) < n; try++ {
			p := orb.Point{math.Round(g.uniform(b.Min[0], b.Max[0])), math.Round(g.uniform(b.Min[1], b.Max[1]))}
			if !inRing(g.outline, p) || distToLine(p, orb.LineString(g.outline)) < 1300 || !g.clearOf(p, 1600, 1600, 900) {
				continue
			}
			ok := true
			for _, c := range cs {
				if dist(c, p) < minD {
					ok = false
					break
				}
			}
			if ok {
				cs = append(cs, p)
			}
		}
		minD *= 0.93
	}
	// Keys run from north to south, as real AGS roughly do within a Kreis.
	sort.Slice(cs, func(i, j int) bool {
		if cs[i][1] != cs[j][1] {
			return cs[i][1] > cs[j][1]
		}
		return cs[i][0] < cs[j][0]
	})
	for i, c := range cs {
		base := g.names.next()
		g.muns = append(g.muns, &muni{ags: fmt.Sprintf("%s%03d", KreisAGS, (i+1)*10), base: base, name: base + " (synthetisch)", centre: c})
	}
	return nil
}

// northOfRiver reports whether p lies north of the river.
func (g *gen) northOfRiver(p orb.Point) bool {
	far := orb.Point{p[0], p[1] + 100000}
	return !linesCross(orb.LineString{p, far}, g.river)
}

// assignRoles chooses the Oberzentrum (at the northern edge), a
// Mittelzentrum south of the river, a Verbund of two municipalities as a
// second Mittelzentrum, seven Grundzentren spread out, and gives every
// municipality its population.
func (g *gen) assignRoles() {
	oz, best := -1, math.Inf(-1)
	for i, m := range g.muns {
		if g.northOfRiver(m.centre) && distToLine(m.centre, orb.LineString(g.outline)) < 3500 && m.centre[1] > best {
			oz, best = i, m.centre[1]
		}
	}
	if oz < 0 {
		oz = 0
	}
	g.muns[oz].role = roleOZ
	target := orb.Point{g.centre[0] + 5000, g.centre[1] - 9000}
	mz, bestD := -1, math.Inf(1)
	for i, m := range g.muns {
		if m.role == roleVillage && !g.northOfRiver(m.centre) && dist(m.centre, target) < bestD {
			mz, bestD = i, dist(m.centre, target)
		}
	}
	g.muns[mz].role = roleMZ
	va, vb, bestScore := -1, -1, math.Inf(-1)
	for i, a := range g.muns {
		for j, b := range g.muns {
			if j <= i || a.role != roleVillage || b.role != roleVillage || dist(a.centre, b.centre) > 7000 ||
				g.northOfRiver(a.centre) != g.northOfRiver(b.centre) {
				continue
			}
			mid := lerp(a.centre, b.centre, 0.5)
			score := math.Min(dist(mid, g.muns[oz].centre), dist(mid, g.muns[mz].centre))
			if score > bestScore {
				va, vb, bestScore = i, j, score
			}
		}
	}
	for _, i := range []int{va, vb} {
		g.muns[i].role, g.muns[i].verbund = roleMZ, true
	}
	for k := 0; k < 7; k++ {
		gz, far := -1, math.Inf(-1)
		for i, m := range g.muns {
			if m.role != roleVillage {
				continue
			}
			near := math.Inf(1)
			for _, o := range g.muns {
				if o.role != roleVillage {
					near = math.Min(near, dist(m.centre, o.centre))
				}
			}
			if near > far {
				gz, far = i, near
			}
		}
		g.muns[gz].role = roleGZ
	}
	for _, m := range g.muns {
		switch m.role {
		case roleOZ:
			m.pop = int64(g.uniform(36000, 40000))
		case roleMZ:
			if m.verbund {
				m.pop = int64(g.uniform(6500, 11000))
			} else {
				m.pop = int64(g.uniform(17000, 22000))
			}
		case roleGZ:
			m.pop = int64(g.uniform(4000, 8000))
		}
	}
	for _, m := range g.muns {
		near := math.Inf(1)
		for _, o := range g.muns {
			if o.role >= roleMZ {
				near = math.Min(near, dist(m.centre, o.centre))
			}
		}
		m.remoteness = near / 1000
		if m.role == roleVillage {
			// Remote villages are smaller.
			f := math.Max(0.25, 1-m.remoteness/25)
			m.pop = int64(800 + g.uniform(400, 3200)*f)
		}
	}
}

// polygons gives every municipality its Voronoi cell within the outline.
func (g *gen) polygons() {
	sites := make([]orb.Point, len(g.muns))
	for i, m := range g.muns {
		sites[i] = m.centre
	}
	for i, m := range g.muns {
		m.poly = voronoiCell(g.outline, sites, i)
	}
}

// placeSettlements puts a main settlement at each centre and up to two
// smaller Ortsteile elsewhere in the municipality.
func (g *gen) placeSettlements() {
	for mi, m := range g.muns {
		share := g.uniform(0.55, 1)
		switch m.role {
		case roleOZ, roleMZ:
			share = g.uniform(0.85, 0.92)
		case roleGZ:
			share = g.uniform(0.7, 0.85)
		}
		mainPop := int64(float64(m.pop) * share)
		rest := m.pop - mainPop
		nh := 0
		switch {
		case rest >= 400:
			nh = 2
		case rest >= 60:
			nh = 1
		}
		var hamlets []orb.Point
		for h := 0; h < nh; h++ {
			for try := 0; try < 300; try++ {
				a, d := g.uniform(0, 2*math.Pi), g.uniform(1300, 3000)
				p := orb.Point{math.Round(m.centre[0] + d*math.Cos(a)), math.Round(m.centre[1] + d*math.Sin(a))}
				if !inRing(m.poly, p) || distToLine(p, orb.LineString(m.poly)) < 400 || !g.clearOf(p, 900, 900, 600) {
					continue
				}
				ok := true
				for _, s := range g.setts {
					if dist(s.pos, p) < 1300 {
						ok = false
					}
				}
				for _, q := range hamlets {
					if dist(q, p) < 1300 {
						ok = false
					}
				}
				if ok {
					hamlets = append(hamlets, p)
					break
				}
			}
		}
		if len(hamlets) == 0 {
			mainPop, rest = m.pop, 0
		}
		g.addSettlement(mi, m.base, m.centre, mainPop, true)
		for h, p := range hamlets {
			pop := rest / int64(len(hamlets))
			if h == 0 {
				pop += rest % int64(len(hamlets))
			}
			g.addSettlement(mi, g.names.next(), p, pop, false)
		}
	}
}

func (g *gen) addSettlement(mi int, name string, p orb.Point, pop int64, main bool) {
	dens := 75.0
	switch {
	case pop < 1500:
		dens = 25
	case pop < 5000:
		dens = 35
	case pop < 15000:
		dens = 55
	}
	r := 100*math.Sqrt(float64(pop)/dens/math.Pi)*1.3 + 100
	g.setts = append(g.setts, &settlement{name: name, mun: mi, pos: p, pop: pop, main: main, radius: r})
	g.muns[mi].settlements = append(g.muns[mi].settlements, len(g.setts)-1)
}

// importance ranks a settlement for the road hierarchy: 3 Oberzentrum,
// 2 Mittelzentrum, 1 Grundzentrum, 0 other main settlement, -1 Ortsteil.
func (g *gen) importance(s *settlement) int {
	if !s.main {
		return -1
	}
	return int(g.muns[s.mun].role)
}

// indicatorsBase draws the share aged 65+ that the cells need.
func (g *gen) indicatorsBase() {
	for _, m := range g.muns {
		w := math.Min(1.2, m.remoteness/15)
		m.share65 = math.Round((26+9*w+g.uniform(-1.5, 1.5))*10) / 10
	}
}

// municipalities fills the layer from the generator state.
func (g *gen) municipalities() {
	for _, m := range g.muns {
		w := math.Min(1.2, m.remoteness/15+g.uniform(-0.15, 0.15))
		if w < 0 {
			w = 0
		}
		pp := math.Round(23500 - 5000*w + g.uniform(-500, 500))
		rate := 0.035 + 0.045*w + g.uniform(-0.005, 0.005)
		change := math.Round((-3-15*w+g.uniform(-1.5, 1.5))*10) / 10
		settle := g.uniform(5, 10)
		if m.role >= roleMZ {
			settle = g.uniform(14, 22)
		}
		area := math.Round(ringArea(m.poly)/1e4) / 100
		deg := 3
		if m.role >= roleMZ || float64(m.pop)/area >= 300 {
			deg = 2
		}
		g.r.Municipalities = append(g.r.Municipalities, layers.Municipality{
			AGS: m.ags, Name: m.name, KreisAGS: KreisAGS, KreisName: KreisName, PlanningRegion: PlanningRegion,
			Geometry: orb.MultiPolygon{{m.poly}}, Population: m.pop, PopulationDate: PopulationDate,
			AreaKm2: area, DEGURBA: deg,
			Indicators: map[string]float64{
				layers.IndPurchasingPower:      pp,
				layers.IndRetailPurchasing:     math.Round(pp * g.uniform(0.29, 0.32)),
				layers.IndUnemployed:           math.Round(float64(m.pop) * 0.62 * rate),
				layers.IndSettlementShare:      math.Round(settle*10) / 10,
				layers.IndRecreationShare:      math.Round(g.uniform(0.4, 3)*10) / 10,
				layers.IndPopulationForecast:   math.Round(float64(m.pop) * (1 + change/100)),
				layers.IndForecastYear:         2035,
				layers.IndPopulationChangePct:  change,
				layers.IndShare65Plus:          m.share65,
				layers.IndPopulationZensus2022: math.Round(float64(m.pop) * g.uniform(0.99, 1.03)),
			},
		})
	}
	sort.Slice(g.r.Municipalities, func(i, j int) bool { return g.r.Municipalities[i].AGS < g.r.Municipalities[j].AGS })
}
