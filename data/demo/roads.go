package demo

import (
	"errors"
	"fmt"
	"math"
	"sort"

	"github.com/paulmach/orb"

	"reach/layers"
)

// network collects nodes and segments. Node ids are 1-based indexes into
// pos; segment ids are 1-based in creation order.
type network struct {
	pos  []orb.Point
	segs []layers.RoadSegment
	ways int64
}

func (n *network) addNode(p orb.Point) int64 {
	n.pos = append(n.pos, orb.Point{round2(p[0]), round2(p[1])})
	return int64(len(n.pos))
}

func (n *network) at(id int64) orb.Point { return n.pos[id-1] }

func (n *network) newWay() int64 {
	n.ways++
	return n.ways
}

// Average speeds in km/h per class, as data/osm assumes for untagged OSM
// ways in Germany (limit × a factor for bends, junctions and traffic).
var classSpeeds = map[string]struct{ car, bike, foot float64 }{
	"motorway":      {117, 0, 0},
	"motorway_link": {60, 0, 0},
	"primary":       {64, 18, 5},
	"secondary":     {60, 18, 5},
	"tertiary":      {49, 18, 5},
	"unclassified":  {42, 16, 5},
	"residential":   {25.5, 16, 5},
	// Forest and field tracks are closed to motor vehicles (as tagged
	// motor_vehicle=agricultural;forestry).
	"track": {0, 12, 5},
	"path":  {0, 12, 5},
}

// ferryDurationS is the crossing time of the ferry, in seconds.
const ferryDurationS = 300

// addSeg adds a segment from node a through mid to node b. A oneway
// segment is open to cars from a to b only; bicycles ride both ways
// except on motorways.
func (n *network) addSeg(way, a, b int64, mid []orb.Point, class, name, ref string, oneway bool) int64 {
	geom := orb.LineString{n.at(a)}
	for _, p := range mid {
		geom = append(geom, orb.Point{round2(p[0]), round2(p[1])})
	}
	geom = append(geom, n.at(b))
	s := layers.RoadSegment{
		ID: int64(len(n.segs) + 1), WayID: way, FromNode: a, ToNode: b, Geometry: geom, Highway: class,
		Name: name, Ref: ref, LengthM: round2(lineLength(geom)), Oneway: oneway,
	}
	if class == "ferry" {
		s.DurationS = ferryDurationS
		v := math.Round(s.LengthM/ferryDurationS*3.6*100) / 100
		open := layers.Access{Forward: true, Backward: true, SpeedKmh: v}
		s.Car, s.Bicycle, s.Foot = open, open, open
	} else {
		sp := classSpeeds[class]
		if sp.car > 0 {
			s.Car = layers.Access{Forward: true, Backward: !oneway, SpeedKmh: sp.car}
		}
		if sp.bike > 0 {
			s.Bicycle = layers.Access{Forward: true, Backward: true, SpeedKmh: sp.bike}
		}
		if sp.foot > 0 {
			s.Foot = layers.Access{Forward: true, Backward: true, SpeedKmh: sp.foot}
		}
	}
	n.segs = append(n.segs, s)
	return s.ID
}

var streetNames = []string{"Gartenstraße", "Schulstraße", "Lindenweg", "Bergstraße", "Wiesenweg", "Am Anger", "Mühlgasse", "Feldweg", "Ringstraße", "Kirchgasse"}

// roads builds the whole network: town street grids, village streets, the
// links between settlements (a Gabriel graph, pruned at the river except
// for two bridges and a ferry), the motorway with its junctions, tracks
// and paths, and links that make the car network connected.
func (g *gen) roads() error {
	g.streets()
	if err := g.links(); err != nil {
		return err
	}
	if err := g.motorway(); err != nil {
		return err
	}
	g.spurs()
	if err := g.connect(); err != nil {
		return err
	}
	g.r.Roads = g.net.segs
	for _, s := range g.net.segs {
		if linesCross(s.Geometry, g.river) {
			g.r.Crossings = append(g.r.Crossings, s.ID)
		}
	}
	return nil
}

// streets lays a street grid over every town and a village street through
// every other settlement.
func (g *gen) streets() {
	mw := g.motorwayLine()
	for si, s := range g.setts {
		m := g.muns[s.mun]
		s.centreNode = g.net.addNode(s.pos)
		sp := 250.0
		if s.pop >= 9000 {
			sp = 200
		}
		near := math.Inf(1)
		for sj, o := range g.setts {
			if sj != si {
				near = math.Min(near, dist(o.pos, s.pos))
			}
		}
		rg := math.Min(math.Min(s.radius*0.85, 0.4*near), math.Min(distToLine(s.pos, g.river)-250, distToLine(s.pos, orb.LineString(g.lake))-250))
		rg = math.Min(rg, distToLine(s.pos, mw)-200)
		if s.pop < 2500 || rg < 2*sp {
			g.village(s)
			continue
		}
		s.gridR = rg
		k := int(rg / sp)
		type ij struct{ i, j int }
		in := map[ij]bool{}
		for j := -k; j <= k; j++ {
			for i := -k; i <= k; i++ {
				p := orb.Point{s.pos[0] + float64(i)*sp, s.pos[1] + float64(j)*sp}
				if math.Hypot(float64(i), float64(j))*sp <= rg && inRing(m.poly, p) && distToLine(p, orb.LineString(m.poly)) > 50 {
					in[ij{i, j}] = true
				}
			}
		}
		// Keep the part connected to the centre.
		reach := map[ij]bool{{0, 0}: true}
		queue := []ij{{0, 0}}
		for len(queue) > 0 {
			c := queue[0]
			queue = queue[1:]
			for _, d := range []ij{{1, 0}, {-1, 0}, {0, 1}, {0, -1}} {
				nb := ij{c.i + d.i, c.j + d.j}
				if in[nb] && !reach[nb] {
					reach[nb] = true
					queue = append(queue, nb)
				}
			}
		}
		ids := map[ij]int64{{0, 0}: s.centreNode}
		s.grid = []int64{s.centreNode}
		for j := -k; j <= k; j++ {
			for i := -k; i <= k; i++ {
				c := ij{i, j}
				if reach[c] && c != (ij{0, 0}) {
					ids[c] = g.net.addNode(orb.Point{s.pos[0] + float64(i)*sp, s.pos[1] + float64(j)*sp})
					s.grid = append(s.grid, ids[c])
				}
			}
		}
		street := func(j int, horizontal bool) (string, string, bool) {
			if j == 0 {
				if horizontal {
					return "secondary", "Hauptstraße", false
				}
				return "secondary", "Bahnhofstraße", false
			}
			// One one-way street in the Oberzentrum, eastbound.
			if horizontal && j == 1 && m.role == roleOZ {
				return "residential", "Marktgasse", true
			}
			return "residential", streetNames[(j+k+boolInt(horizontal)*5)%len(streetNames)], false
		}
		for j := -k; j <= k; j++ {
			for _, horizontal := range []bool{true, false} {
				class, name, oneway := street(j, horizontal)
				way := int64(0)
				for i := -k; i < k; i++ {
					a, b := ij{i, j}, ij{i + 1, j}
					if !horizontal {
						a, b = ij{j, i}, ij{j, i + 1}
					}
					if !reach[a] || !reach[b] {
						way = 0
						continue
					}
					if way == 0 {
						way = g.net.newWay()
					}
					g.net.addSeg(way, ids[a], ids[b], nil, class, name, "", oneway)
				}
			}
		}
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// village lays one street through the settlement centre.
func (g *gen) village(s *settlement) {
	m := g.muns[s.mun]
	a := g.uniform(0, math.Pi)
	way := g.net.newWay()
	for _, sign := range []float64{1, -1} {
		l := g.uniform(300, 450)
		p := orb.Point{s.pos[0] + sign*l*math.Cos(a), s.pos[1] + sign*l*math.Sin(a)}
		if !inRing(m.poly, p) || !g.clearOf(p, 150, 100, 100) {
			continue
		}
		g.net.addSeg(way, s.centreNode, g.net.addNode(p), nil, "residential", "Dorfstraße", "", false)
	}
}

// attach returns the street node of s where a road towards p begins.
func (g *gen) attach(s *settlement, p orb.Point) int64 {
	if s.grid == nil {
		return s.centreNode
	}
	best, bd := s.centreNode, math.Inf(1)
	for _, id := range s.grid {
		if d := dist(g.net.at(id), p); d < bd {
			best, bd = id, d
		}
	}
	return best
}

type link struct {
	a, b    int // settlement indexes
	na, nb  int64
	geom    orb.LineString
	cross   orb.Point // river crossing point, when crossing
	crosses bool
	score   int
}

// blocked reports whether a road along l would pass through the lake or
// through a settlement other than the ones at its ends.
func (g *gen) blocked(l orb.LineString, ends ...int) bool {
	if linesCross(l, orb.LineString(g.lake)) {
		return true
	}
	for si, s := range g.setts {
		skip := false
		for _, e := range ends {
			skip = skip || e == si
		}
		if skip {
			continue
		}
		r := math.Max(250, s.gridR+100)
		for i := 1; i < len(l); i++ {
			if distToSegment(s.pos, l[i-1], l[i]) < r {
				return true
			}
		}
	}
	return false
}

// links connects settlements along the Gabriel graph of their centres.
func (g *gen) links() error {
	var cand []link
	for a := range g.setts {
		for b := a + 1; b < len(g.setts); b++ {
			pa, pb := g.setts[a].pos, g.setts[b].pos
			mid, r := lerp(pa, pb, 0.5), dist(pa, pb)/2
			gabriel := true
			for c, s := range g.setts {
				if c != a && c != b && dist(s.pos, mid) < r {
					gabriel = false
					break
				}
			}
			if !gabriel {
				continue
			}
			na, nb := g.attach(g.setts[a], pb), g.attach(g.setts[b], pa)
			p, q := g.net.at(na), g.net.at(nb)
			l := dist(p, q)
			nx, ny := -(q[1]-p[1])/l, (q[0]-p[0])/l
			o1, o2 := l*0.04*g.uniform(-1, 1), l*0.04*g.uniform(-1, 1)
			geom := orb.LineString{p,
				{p[0] + (q[0]-p[0])/3 + nx*o1, p[1] + (q[1]-p[1])/3 + ny*o1},
				{p[0] + 2*(q[0]-p[0])/3 + nx*o2, p[1] + 2*(q[1]-p[1])/3 + ny*o2}, q}
			if g.blocked(geom, a, b) {
				continue
			}
			lk := link{a: a, b: b, na: na, nb: nb, geom: geom,
				score: g.importance(g.setts[a]) + g.importance(g.setts[b])}
			lk.cross, lk.crosses = lineCrossing(geom, g.river)
			cand = append(cand, lk)
		}
	}
	// Two bridges on the most important crossings, at least 5 km apart;
	// one ferry between lesser places, far from both.
	var crossing, kept []link
	for _, l := range cand {
		if l.crosses && (crossCount(l.geom, g.river) != 1 || crossCount(orb.LineString{l.geom[0], l.geom[len(l.geom)-1]}, g.river) != 1) {
			continue // meanders: a road would need two bridges
		}
		if l.crosses {
			crossing = append(crossing, l)
		} else {
			kept = append(kept, l)
		}
	}
	sort.SliceStable(crossing, func(i, j int) bool { return crossing[i].score > crossing[j].score })
	var bridges []link
	for _, l := range crossing {
		if len(bridges) < 2 && (len(bridges) == 0 || dist(bridges[0].cross, l.cross) >= 5000) {
			bridges = append(bridges, l)
		}
	}
	if len(bridges) < 2 {
		return errors.New("demo: found no two river crossings for bridges")
	}
	ferry, far := -1, 0.0
	for i, l := range crossing {
		if l.score > 0 {
			continue
		}
		d := math.Min(dist(l.cross, bridges[0].cross), dist(l.cross, bridges[1].cross))
		if d > far {
			ferry, far = i, d
		}
	}
	if ferry < 0 || far < 3000 {
		return errors.New("demo: found no river crossing for the ferry")
	}
	kept = append(kept, bridges...)
	// The spanning tree of the kept links stays open to cars; long minor
	// links outside it become tracks.
	sort.SliceStable(kept, func(i, j int) bool { return lineLength(kept[i].geom) < lineLength(kept[j].geom) })
	uf := newUnionFind(len(g.setts))
	for _, l := range kept {
		inTree := uf.union(l.a, l.b)
		class, ref := g.linkClass(l)
		if !inTree && class == "unclassified" && lineLength(l.geom) > 2500 {
			class, ref = "track", ""
		}
		name := ""
		if l.crosses {
			name = g.setts[l.a].name + "er Brücke (synthetisch)"
		}
		g.net.addSeg(g.net.newWay(), l.na, l.nb, l.geom[1:len(l.geom)-1], class, name, ref, false)
	}
	// The ferry: road to the bank, ferry across, road on.
	f := crossing[ferry]
	p, q := g.net.at(f.na), g.net.at(f.nb)
	u := orb.Point{(q[0] - p[0]) / dist(p, q), (q[1] - p[1]) / dist(p, q)}
	x, _ := lineCrossing(orb.LineString{p, q}, g.river)
	bankA := g.net.addNode(orb.Point{x[0] - 40*u[0], x[1] - 40*u[1]})
	bankB := g.net.addNode(orb.Point{x[0] + 40*u[0], x[1] + 40*u[1]})
	class, _ := g.linkClass(f)
	way := g.net.newWay()
	g.net.addSeg(way, f.na, bankA, nil, class, "Fährweg", "", false)
	g.net.addSeg(g.net.newWay(), bankA, bankB, nil, "ferry", "Fähre "+g.setts[f.a].name+" (synthetisch)", "", false)
	g.net.addSeg(way, bankB, f.nb, nil, class, "Fährweg", "", false)
	return nil
}

// linkClass classifies a link by the importance of its ends.
func (g *gen) linkClass(l link) (string, string) {
	a, b := g.importance(g.setts[l.a]), g.importance(g.setts[l.b])
	lo, hi := min(a, b), max(a, b)
	ref := func(prefix string) string { return fmt.Sprintf("%s %d", prefix, 900+l.a*7%97+l.b%13) }
	switch {
	case lo >= 1 && hi >= 2:
		return "primary", ref("S")
	case lo >= 1 || (hi >= 2 && lo == 0):
		return "secondary", ref("S")
	case lo == 0:
		return "tertiary", ref("K 9")
	}
	return "unclassified", ""
}

// motorway lays two one-way carriageways along the axis with junctions at
// both ends (where the motorway leaves the Kreis) and near the Ober- and
// Mittelzentrum, each junction linked by a primary road to the nearest
// settlement on its side of the river.
func (g *gen) motorway() error {
	riverS := math.NaN()
	if x, ok := lineCrossing(orb.LineString{g.axis(g.mwIn), g.axis(g.mwOut)}, g.river); ok {
		riverS = (x[0]-g.mwP0[0])*g.mwDir[0] + (x[1]-g.mwP0[1])*g.mwDir[1]
	}
	stations := []float64{g.mwIn + 700, g.mwOut - 700}
	for _, m := range g.muns {
		if m.role < roleMZ || m.verbund {
			continue
		}
		s := (m.centre[0]-g.mwP0[0])*g.mwDir[0] + (m.centre[1]-g.mwP0[1])*g.mwDir[1]
		ok := s > g.mwIn+3000 && s < g.mwOut-3000 && dist(g.axis(s), m.centre) < 9000 && !(math.Abs(s-riverS) < 1500)
		for _, t := range stations {
			ok = ok && math.Abs(s-t) > 4000
		}
		if ok {
			stations = append(stations, s)
		}
	}
	sort.Float64s(stations)
	nrm := orb.Point{g.mwDir[1], -g.mwDir[0]} // right of the direction of travel
	off := func(s, side float64) orb.Point {
		p := g.axis(s)
		return orb.Point{p[0] + side*nrm[0], p[1] + side*nrm[1]}
	}
	type stop struct {
		s  float64
		id int64
	}
	var fw, bw []stop // forward carriageway (+14 m), backward carriageway (-14 m)
	for k, s := range stations {
		var target *settlement
		bd := math.Inf(1)
		for _, st := range g.setts {
			d := dist(st.pos, g.axis(s))
			if d < bd && !linesCross(orb.LineString{g.axis(s), st.pos}, g.river) && !linesCross(orb.LineString{g.axis(s), st.pos}, orb.LineString(g.lake)) {
				target, bd = st, d
			}
		}
		if target == nil {
			return fmt.Errorf("demo: motorway junction %d has no settlement to link to", k+1)
		}
		side := 1.0
		if (target.pos[0]-g.axis(s)[0])*nrm[0]+(target.pos[1]-g.axis(s)[1])*nrm[1] < 0 {
			side = -1
		}
		j := g.net.addNode(off(s, side*450))
		first, last := k == 0, k == len(stations)-1
		if !last { // forward: exit before, entry after; the first junction has no exit
			e := g.net.addNode(off(s+250, 14))
			fw = append(fw, stop{s + 250, e})
			g.net.addSeg(g.net.newWay(), j, e, []orb.Point{off(s+120, side*200)}, "motorway_link", "", "", true)
		}
		if !first {
			x := g.net.addNode(off(s-250, 14))
			fw = append(fw, stop{s - 250, x})
			g.net.addSeg(g.net.newWay(), x, j, []orb.Point{off(s-120, side*200)}, "motorway_link", "", "", true)
		}
		if !first { // backward travels towards smaller s: exit after, entry before
			e := g.net.addNode(off(s-250, -14))
			bw = append(bw, stop{s - 250, e})
			g.net.addSeg(g.net.newWay(), j, e, []orb.Point{off(s-120, side*200)}, "motorway_link", "", "", true)
		}
		if !last {
			x := g.net.addNode(off(s+250, -14))
			bw = append(bw, stop{s + 250, x})
			g.net.addSeg(g.net.newWay(), x, j, []orb.Point{off(s+120, side*200)}, "motorway_link", "", "", true)
		}
		to := g.attach(target, g.net.at(j))
		g.net.addSeg(g.net.newWay(), j, to, nil, "primary", "Autobahnzubringer", "S 990", false)
	}
	sort.Slice(fw, func(a, b int) bool { return fw[a].s < fw[b].s })
	sort.Slice(bw, func(a, b int) bool { return bw[a].s > bw[b].s })
	for _, cw := range [][]stop{fw, bw} {
		way := g.net.newWay()
		for i := 1; i < len(cw); i++ {
			g.net.addSeg(way, cw[i-1].id, cw[i].id, nil, "motorway", "", "A 999", true)
		}
	}
	return nil
}

// spurs adds dead-end forest tracks and footpaths from settlements, where
// they cross nothing.
func (g *gen) spurs() {
	for si, s := range g.setts {
		class := "track"
		if si%2 == 1 {
			class = "path"
		}
		for try := 0; try < 8; try++ {
			a, l := g.uniform(0, 2*math.Pi), g.uniform(900, 1600)
			from := g.attach(s, orb.Point{s.pos[0] + 5000*math.Cos(a), s.pos[1] + 5000*math.Sin(a)})
			p := g.net.at(from)
			q := orb.Point{p[0] + l*math.Cos(a), p[1] + l*math.Sin(a)}
			line := orb.LineString{p, q}
			if !inRing(g.outline, q) || linesCross(line, g.river) || linesCross(line, orb.LineString(g.lake)) ||
				linesCross(line, g.motorwayLine()) || distToLine(q, g.motorwayLine()) < 100 {
				continue
			}
			clear := true
			for _, seg := range g.net.segs {
				if seg.FromNode == from || seg.ToNode == from {
					continue
				}
				if linesCross(line, seg.Geometry) {
					clear = false
					break
				}
			}
			if clear {
				g.net.addSeg(g.net.newWay(), from, g.net.addNode(q), nil, class, "", "", false)
				break
			}
		}
	}
}

// connect adds unclassified roads until the network open to cars is
// connected (ignoring direction: every one-way piece lies on a cycle by
// construction).
func (g *gen) connect() error {
	mwNodes := map[int64]bool{}
	for _, s := range g.net.segs {
		if s.Highway == "motorway" || s.Highway == "motorway_link" {
			mwNodes[s.FromNode], mwNodes[s.ToNode] = true, true
		}
	}
	for round := 0; ; round++ {
		uf := newUnionFind(len(g.net.pos) + 1)
		car := make([]bool, len(g.net.pos)+1)
		for _, s := range g.net.segs {
			if s.Car.Forward || s.Car.Backward {
				uf.union(int(s.FromNode), int(s.ToNode))
				car[s.FromNode], car[s.ToNode] = true, true
			}
		}
		root := uf.find(int(g.setts[0].centreNode))
		bestD, bu, bv := math.Inf(1), int64(0), int64(0)
		for u := 1; u < len(car); u++ {
			if !car[u] || uf.find(u) == root || mwNodes[int64(u)] {
				continue
			}
			for v := 1; v < len(car); v++ {
				if !car[v] || uf.find(v) != root || mwNodes[int64(v)] {
					continue
				}
				d := dist(g.net.pos[u-1], g.net.pos[v-1])
				if d >= bestD {
					continue
				}
				l := orb.LineString{g.net.pos[u-1], g.net.pos[v-1]}
				if linesCross(l, g.river) || linesCross(l, orb.LineString(g.lake)) {
					continue
				}
				bestD, bu, bv = d, int64(u), int64(v)
			}
		}
		if bu == 0 {
			return nil
		}
		if round > 50 {
			return errors.New("demo: cannot connect the car network")
		}
		g.net.addSeg(g.net.newWay(), bu, bv, nil, "unclassified", "", "", false)
	}
}

// crossCount returns how many times l crosses m.
func crossCount(l, m orb.LineString) int {
	n := 0
	for i := 1; i < len(l); i++ {
		for j := 1; j < len(m); j++ {
			if segmentsCross(l[i-1], l[i], m[j-1], m[j]) {
				n++
			}
		}
	}
	return n
}

type unionFind []int

func newUnionFind(n int) unionFind {
	u := make(unionFind, n)
	for i := range u {
		u[i] = i
	}
	return u
}

func (u unionFind) find(x int) int {
	for u[x] != x {
		u[x] = u[u[x]]
		x = u[x]
	}
	return x
}

// union joins the sets of a and b and reports whether they were apart.
func (u unionFind) union(a, b int) bool {
	ra, rb := u.find(a), u.find(b)
	if ra == rb {
		return false
	}
	u[ra] = rb
	return true
}
