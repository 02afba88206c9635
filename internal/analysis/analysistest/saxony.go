package analysistest

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"

	"github.com/paulmach/orb"

	"reach/geo/crs"
	"reach/geo/grid"
	"reach/internal/network/netgen"
	"reach/layers"
)

// Sizes of the Saxony-scale layers (SaxonyLayers).
const (
	SaxonySeed        = 20260301
	SaxonyResidents   = 4_000_000 // total residents, before rounding per cell
	SaxonyMuniCols    = 22        // 22 × 19 = 418 municipalities, as many as Saxony has
	SaxonyMuniRows    = 19
	SaxonyTowns       = 60 // population centres; the largest become central places
	SaxonyPractices   = 2500
	SaxonyGymnasien   = 200
	SaxonyFewFacs     = 10      // hospital: sized for the memory comparison, not realistic
	SaxonyManyFacs    = 1000    // pharmacy: about as many as Saxony has
	SaxonyCellPoints  = 420_000 // points drawn; cells sharing a 100 m square merge
	SaxonyCellResM    = 100
	SaxonyTownRadiusM = 2500.0
)

// SaxonyLayers generates layers of Saxon scale (fixed seeds): the netgen roads, populated cells near
// them, municipalities, facilities and central places.
func SaxonyLayers() (*netgen.Network, Layers, error) {
	cfg := netgen.Saxony()
	// Cells are drawn after the roads from the same generator, so more
	// points leave the road network unchanged.
	cfg.Cells = SaxonyCellPoints
	gen := netgen.Generate(cfg)
	rng := rand.New(rand.NewPCG(SaxonySeed, 1))

	// Population centres: a Zipf-like size per town.
	type town struct {
		p    orb.Point
		size float64
	}
	towns := make([]town, SaxonyTowns)
	for i := range towns {
		towns[i] = town{p: gen.Cells[rng.IntN(len(gen.Cells))], size: 1 / math.Pow(float64(i+1), 0.8)}
	}

	// Municipalities: a regular partition of the extent.
	mw := (netgen.MaxX - netgen.MinX) / SaxonyMuniCols
	mh := (netgen.MaxY - netgen.MinY) / SaxonyMuniRows
	muniOf := func(p orb.Point) int {
		c := min(SaxonyMuniCols-1, max(0, int((p[0]-netgen.MinX)/mw)))
		r := min(SaxonyMuniRows-1, max(0, int((p[1]-netgen.MinY)/mh)))
		return r*SaxonyMuniCols + c
	}
	munis := make([]layers.Municipality, SaxonyMuniCols*SaxonyMuniRows)
	for r := range SaxonyMuniRows {
		for c := range SaxonyMuniCols {
			i := r*SaxonyMuniCols + c
			kreis := (r*4/SaxonyMuniRows)*3 + c*3/SaxonyMuniCols + 1 // 12 districts
			x0, y0 := netgen.MinX+float64(c)*mw, netgen.MinY+float64(r)*mh
			munis[i] = layers.Municipality{
				AGS: fmt.Sprintf("14%03d%03d", kreis, i), Name: fmt.Sprintf("Gemeinde %03d", i),
				KreisAGS: fmt.Sprintf("14%03d", kreis), KreisName: fmt.Sprintf("Kreis %02d", kreis),
				Geometry: orb.MultiPolygon{{{{x0, y0}, {x0 + mw, y0}, {x0 + mw, y0 + mh}, {x0, y0 + mh}, {x0, y0}}}},
				AreaKm2:  mw * mh / 1e6,
			}
		}
	}

	// Cells: the generated places (near lattice nodes, so near roads),
	// weighted by a log-normal factor and the nearness of towns, merged
	// per 100 m square, scaled to about SaxonyResidents.
	weight := map[grid.ID]float64{}
	var order []grid.ID
	for _, p := range gen.Cells {
		w := math.Exp(rng.NormFloat64() * 0.8)
		boost := 1.0
		for _, t := range towns {
			d := math.Hypot(p[0]-t.p[0], p[1]-t.p[1])
			if d < 4*SaxonyTownRadiusM {
				boost += 40 * t.size * math.Exp(-d/SaxonyTownRadiusM)
			}
		}
		laea, err := crs.Transform(crs.UTM33N, crs.LAEA, p)
		if err != nil {
			return nil, Layers{}, err
		}
		id := grid.Containing(laea, SaxonyCellResM)
		if _, ok := weight[id]; !ok {
			order = append(order, id)
		}
		weight[id] += w * boost
	}
	total := 0.0
	for _, w := range weight {
		total += w
	}
	cells := make([]layers.Cell, 0, len(order))
	cellUTM := make([]orb.Point, 0, len(order))
	popByMuni := make([]int64, len(munis))
	for _, id := range order {
		pop := max(1, int64(math.Round(weight[id]*SaxonyResidents/total)))
		utm, err := crs.Transform(crs.LAEA, crs.UTM33N, id.Center())
		if err != nil {
			return nil, Layers{}, err
		}
		mi := muniOf(utm)
		popByMuni[mi] += pop
		cells = append(cells, layers.Cell{ID: id.String(), ResolutionM: SaxonyCellResM, Population: pop, Known: true, AGS: munis[mi].AGS, Year: 2022})
		cellUTM = append(cellUTM, utm)
	}
	for i := range munis {
		munis[i].Population = popByMuni[i]
	}

	// Facilities: at cells drawn in proportion to population, a few metres
	// off the cell centre.
	cum := make([]float64, len(cells))
	acc := 0.0
	for i, c := range cells {
		acc += float64(c.Population)
		cum[i] = acc
	}
	drawCell := func() int { return min(len(cells)-1, sort.SearchFloat64s(cum, rng.Float64()*acc)) }
	var facs []layers.Facility
	addFacs := func(cat layers.Category, n int) {
		for i := range n {
			ci := drawCell()
			p := orb.Point{cellUTM[ci][0] + (rng.Float64()-0.5)*60, cellUTM[ci][1] + (rng.Float64()-0.5)*60}
			facs = append(facs, layers.Facility{ID: fmt.Sprintf("%s:%05d", cat, i), Category: cat, Name: fmt.Sprintf("%s %d", cat, i),
				Location: p, Source: "bench", AGS: munis[muniOf(p)].AGS})
		}
	}
	addFacs(layers.CatGeneralPractice, SaxonyPractices)
	addFacs(layers.CatGymnasium, SaxonyGymnasien)
	addFacs(layers.CatHospital, SaxonyFewFacs)
	addFacs(layers.CatPharmacy, SaxonyManyFacs)
	// One town hall per municipality, at its most populated cell.
	bestCell := make([]int, len(munis))
	for i := range bestCell {
		bestCell[i] = -1
	}
	for ci, p := range cellUTM {
		mi := muniOf(p)
		if bestCell[mi] < 0 || cells[ci].Population > cells[bestCell[mi]].Population {
			bestCell[mi] = ci
		}
	}
	for mi, ci := range bestCell {
		if ci >= 0 {
			facs = append(facs, layers.Facility{ID: fmt.Sprintf("town_hall:%03d", mi), Category: layers.CatTownHall, Name: "Rathaus " + munis[mi].Name,
				Location: cellUTM[ci], Source: "bench", AGS: munis[mi].AGS})
		}
	}

	// Central places at the towns: 3 Oberzentren, 12 Mittelzentren, the
	// rest Grundzentren.
	var places []layers.CentralPlace
	for i, t := range towns {
		lv := layers.LevelGrundzentrum
		switch {
		case i < 3:
			lv = layers.LevelOberzentrum
		case i < 15:
			lv = layers.LevelMittelzentrum
		}
		m := munis[muniOf(t.p)]
		places = append(places, layers.CentralPlace{ID: fmt.Sprintf("zo:%02d", i), Name: fmt.Sprintf("Stadt %02d", i), Level: lv,
			Members: []string{m.AGS}, AGS: m.AGS, KreisAGS: m.KreisAGS, Location: t.p, Source: "bench"})
	}
	return gen, Layers{Municipalities: munis, Cells: cells, CentralPlaces: places, Facilities: facs, Roads: gen.Segments}, nil
}
