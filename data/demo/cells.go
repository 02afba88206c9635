package demo

import (
	"math"
	"sort"

	"reach/geo/crs"
	"reach/geo/grid"
	"reach/layers"
)

type cellAcc struct {
	pop int64
	mun int
}

// cells spreads each settlement's population over 100 m INSPIRE cells
// around it: cells are kept with a probability and weighted by a weight
// that both fall with the distance from the settlement centre, inside the
// settlement's municipality and away from water and the motorway. The
// counts are integers that sum exactly to the settlement's population
// (largest remainders). A few cells with 1–3 residents are kept secret,
// as the statistical office does.
func (g *gen) cells() {
	acc := map[grid.ID]*cellAcc{}
	for _, s := range g.setts {
		m := g.muns[s.mun]
		c3035, _ := crs.Transform(crs.UTM33N, crs.LAEA, s.pos)
		home := grid.Containing(c3035, 100)
		k := int(math.Ceil(1.6 * s.radius / 100))
		var ids []grid.ID
		var ws []float64
		for dj := -k; dj <= k; dj++ {
			for di := -k; di <= k; di++ {
				id := grid.ID{ResolutionM: 100, North: home.North + dj*100, East: home.East + di*100}
				p, _ := crs.Transform(crs.LAEA, crs.UTM33N, id.Center())
				d := dist(p, s.pos)
				if d > 1.6*s.radius || !inRing(m.poly, p) || !g.clearOf(p, 150, 60, 80) {
					continue
				}
				q := (d / s.radius) * (d / s.radius)
				keep := g.rng.Float64() < math.Exp(-1.2*q)
				w := math.Exp(-1.8*q) * g.uniform(0.35, 1)
				if id == home {
					keep, w = true, 1
				}
				if keep {
					ids = append(ids, id)
					ws = append(ws, w)
				}
			}
		}
		for i, n := range apportion(s.pop, ws) {
			if n == 0 {
				continue
			}
			a := acc[ids[i]]
			if a == nil {
				a = &cellAcc{mun: s.mun}
				acc[ids[i]] = a
			}
			a.pop += n
		}
	}
	type keyed struct {
		s  string
		id grid.ID
	}
	keys := make([]keyed, 0, len(acc))
	for id := range acc {
		keys = append(keys, keyed{id.String(), id})
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].s < keys[j].s })
	for _, k := range keys {
		id, a := k.id, acc[k.id]
		m := g.muns[a.mun]
		c := layers.Cell{ID: id.String(), ResolutionM: 100, Population: a.pop, Known: true, AGS: m.ags, Year: CellYear}
		if a.pop <= 3 && g.rng.Float64() < 0.08 {
			c.Known, c.Population = false, 0
			g.r.SecretPopulation += a.pop
		} else if a.pop >= 10 {
			u18 := math.Round(g.uniform(11, 18)*10) / 10
			o65 := math.Round(math.Max(0, math.Min(100, m.share65+g.uniform(-7, 7)))*10) / 10
			c.ShareUnder18, c.Share65Plus = &u18, &o65
		}
		g.r.Cells = append(g.r.Cells, c)
	}
}

// apportion splits total into integers proportional to ws that sum to
// total exactly (largest remainders; ties to the lower index). With no
// weights everything is lost, which callers avoid by always keeping the
// home cell.
func apportion(total int64, ws []float64) []int64 {
	out := make([]int64, len(ws))
	sum := 0.0
	for _, w := range ws {
		sum += w
	}
	if sum == 0 {
		return out
	}
	type rem struct {
		i int
		f float64
	}
	rems := make([]rem, len(ws))
	var given int64
	for i, w := range ws {
		x := float64(total) * w / sum
		out[i] = int64(math.Floor(x))
		given += out[i]
		rems[i] = rem{i, x - math.Floor(x)}
	}
	sort.SliceStable(rems, func(a, b int) bool { return rems[a].f > rems[b].f })
	for k := 0; given < total; k = (k + 1) % len(rems) {
		out[rems[k].i]++
		given++
	}
	return out
}
