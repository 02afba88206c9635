// Package classify classifies municipalities from the layers: the degree
// of urbanisation (DEGURBA) by the Eurostat grid method, the BBSR density
// classes and structural weakness as a weighted mean of indicator z-scores.
// It is pure: municipalities and cells in, a Classification out.
package classify

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"reach/geo/grid"
	"reach/layers"
)

// Degree of urbanisation classes as Eurostat numbers them.
const (
	DEGURBACities        = 1 // cities (densely populated areas)
	DEGURBATownsSuburbs  = 2 // towns and suburbs (intermediate density areas)
	DEGURBARural         = 3 // rural areas (thinly populated areas)
	DEGURBANotComputable = 0 // no populated grid cell is assigned to the municipality
)

// Grid cell classes of the degree of urbanisation (level 1).
const (
	CellUrbanCentre  int8 = 1
	CellUrbanCluster int8 = 2 // urban cluster cell that is not part of an urban centre
	CellRural        int8 = 3
)

// BBSR density classes of municipalities (residents per km² of the
// municipal area). The thresholds 100 and 150 are those of the BBSR's
// siedlungsstrukturelle Kreistypen ("dünn besiedelt" below 100, "städtisch"
// from 150 residents per km²), applied here to municipalities.
const (
	DensityBelow100   = "below_100"    // under 100 residents per km²
	Density100To150   = "100_to_150"   // 100 to under 150
	Density150AndMore = "150_and_more" // 150 and more
	DensityUnknown    = "unknown"      // no area
)

// Indicator keys of the structural-weakness index that are derived here
// rather than read from the municipality's indicators.
const (
	// WeakUnemploymentRate is registered unemployed per 100 residents of
	// working age, the working-age proxy being the population times the
	// share neither under 18 nor 65 and over (from the municipality's
	// indicators or, if absent, the grid cells' shares).
	WeakUnemploymentRate = "unemployment_rate_pct"
	// WeakPurchasingPower is layers.IndPurchasingPower (low = weak).
	WeakPurchasingPower = layers.IndPurchasingPower
	// WeakPopulationChange is layers.IndPopulationChangePct (decline = weak).
	WeakPopulationChange = layers.IndPopulationChangePct
	// WeakShare65Plus is the share aged 65 and over in % (high = weak):
	// layers.IndShare65Plus, or the population-weighted grid cell share.
	WeakShare65Plus = layers.IndShare65Plus
)

// WeaknessWeights are the weights of the standardised indicators in the
// structural-weakness index. Weights must be finite and ≥ 0; 0 leaves the
// indicator out.
type WeaknessWeights struct {
	PurchasingPower  float64 // low purchasing power per resident = weak
	UnemploymentRate float64 // high unemployment rate = weak
	PopulationChange float64 // population decline (change or forecast) = weak
	Share65Plus      float64 // high share aged 65+ = weak
}

// DefaultWeaknessWeights returns the default weights: purchasing power and
// unemployment 0.3 each (the economic core of the GRW-style regional
// indicators), population change 0.25 and ageing 0.15. A policy choice,
// documented and meant to be changed.
func DefaultWeaknessWeights() WeaknessWeights {
	return WeaknessWeights{PurchasingPower: 0.3, UnemploymentRate: 0.3, PopulationChange: 0.25, Share65Plus: 0.15}
}

// ClassifyOptions are the parameters of Classify. The zero value is not
// useful; start from DefaultClassifyOptions.
type ClassifyOptions struct {
	// Degree of urbanisation, grid method (Eurostat, Methodological manual
	// on territorial typologies 2018; the same thresholds in the 2021
	// manual on the degree of urbanisation).
	CentreDensity       float64 // residents per 1 km² cell for urban-centre cells, 1,500
	CentreMinPop        int64   // residents of a high-density cluster, 50,000
	ClusterDensity      float64 // residents per 1 km² cell for urban-cluster cells, 300
	ClusterMinPop       int64   // residents of an urban cluster, 5,000
	GapFillNeighbours   int     // a cell joins an urban centre when at least this many of its 8 neighbours are in it, 5
	CityShare           float64 // share of population in urban centres for a city, 0.5
	RuralShare          float64 // share of population in rural cells for a rural area, 0.5
	BBSRThinlyDensity   float64 // BBSR density threshold, 150 residents per km²
	WeaknessWeights     WeaknessWeights
	WeakShare           float64 // share of municipalities flagged structurally weak (the weakest), 0.2
	MinIndicatorShare   float64 // an indicator enters the index only if at least this share of municipalities has it, 0.9
	Share65PlusFromGrid bool    // derive the share aged 65+ from the grid cells where the municipality has none, true
}

// DefaultClassifyOptions returns the published thresholds and the default
// weights.
func DefaultClassifyOptions() ClassifyOptions {
	return ClassifyOptions{
		CentreDensity: 1500, CentreMinPop: 50000, ClusterDensity: 300, ClusterMinPop: 5000,
		GapFillNeighbours: 5, CityShare: 0.5, RuralShare: 0.5, BBSRThinlyDensity: 150,
		WeaknessWeights: DefaultWeaknessWeights(), WeakShare: 0.2, MinIndicatorShare: 0.9,
		Share65PlusFromGrid: true,
	}
}

// MunicipalityClass is the classification of one municipality.
type MunicipalityClass struct {
	AGS string
	// DEGURBAComputed is the degree of urbanisation computed from the grid:
	// 1 cities, 2 towns and suburbs, 3 rural areas, 0 not computable (no
	// populated cell assigned).
	DEGURBAComputed int
	// DEGURBAOfficial is the municipality's official class (0 if not given).
	DEGURBAOfficial int
	// Shares of the municipality's grid population in urban-centre cells,
	// in urban-cluster cells outside centres, and in rural cells; they sum
	// to 1 when GridPopulation > 0.
	ShareUrbanCentre, ShareUrbanCluster, ShareRural float64
	GridPopulation                                  int64 // residents of the cells assigned to the municipality
	GridCells                                       int   // cells assigned (populated or not)
	// Density is residents per km² of the municipal area (Population /
	// AreaKm2), 0 when the area is unknown; DensityClass is its BBSR class.
	Density      float64
	DensityClass string
	// ThinlyPopulated is the EU flag: DEGURBAComputed is 3 (rural areas =
	// thinly populated areas). BelowBBSRDensity is the national flag:
	// Density below BBSRThinlyDensity (150 residents per km²).
	ThinlyPopulated  bool
	BelowBBSRDensity bool
	// WeaknessIndex is the weighted mean of the standardised indicators
	// (z-scores signed so that higher = weaker) over the indicators this
	// municipality has; NaN-free: 0 with WeaknessUsed empty when none.
	WeaknessIndex float64
	// WeaknessComponents holds each used indicator's signed z-score.
	WeaknessComponents map[string]float64
	// WeaknessValues holds each used indicator's raw value.
	WeaknessValues map[string]float64
	// WeaknessUsed lists the indicators that entered this municipality's
	// index, in a fixed order; the weights were renormalised over them.
	WeaknessUsed []string
	// StructurallyWeak flags the weakest WeakShare of municipalities by
	// WeaknessIndex.
	StructurallyWeak bool
	WeaknessRank     int // 1 = weakest; 0 when no index
}

// WeaknessIndicator documents one indicator of the structural-weakness index.
type WeaknessIndicator struct {
	Key       string
	Weight    float64
	Direction string  // "high is weak" or "low is weak"
	Coverage  float64 // share of municipalities with a value
	Mean, SD  float64 // over the municipalities with a value
	Used      bool
	Note      string // why it is not used, or where the values come from
}

// Classification is the result of Classify: per municipality, plus the
// grid classes and the description of the weakness index. It is a plain
// value; do not modify the maps while others read them.
type Classification struct {
	ByAGS map[string]MunicipalityClass
	// CellClass maps INSPIRE cell ids to CellUrbanCentre, CellUrbanCluster or
	// CellRural (cells not in the input are rural and absent).
	CellClass map[string]int8
	// UrbanCentres and UrbanClusters count the clusters found (urban
	// clusters include those that contain an urban centre).
	UrbanCentres, UrbanClusters int
	Weakness                    []WeaknessIndicator
	// Method describes the methods for provenance.
	Method string
}

// ClassifyMethod is the Method text of every Classification.
const ClassifyMethod = "degree of urbanisation by the Eurostat grid method on 1 km cells (urban centres: 4-connected cells ≥ 1,500/km² with ≥ 50,000 residents, gaps filled by the 5-of-8 majority rule until stable; urban clusters: 8-connected cells ≥ 300/km² with ≥ 5,000 residents; cells assigned to the municipality containing their centre; cells kept secret count 0); BBSR density classes on the municipal area; structural weakness as the weighted mean of z-scores"

type cellKey struct{ n, e int } // south-west corner in km

// Classify computes the degree of urbanisation, density classes and
// structural weakness for every municipality. The grid method works on 1 km
// cells (INSPIRE ids "1kmN…E…"); finer cells (100 m) are first summed into
// their 1 km cell, which takes the AGS holding most of its known residents; each cell's population counts in the
// municipality named by its AGS (the municipality containing the cell
// centre); cells without AGS still count for the clusters. Cells whose
// value is secret (Known false) count as 0 residents.
func Classify(munis []layers.Municipality, cells []layers.Cell, opts ClassifyOptions) (Classification, error) {
	if err := validateClassifyOptions(opts); err != nil {
		return Classification{}, err
	}
	cells, err := aggregateTo1km(cells)
	if err != nil {
		return Classification{}, err
	}
	pop := make(map[cellKey]float64, len(cells))
	ids := make(map[cellKey]string, len(cells))
	agsOf := make(map[cellKey]string, len(cells))
	type shares struct{ s65, s18, w65, w18 float64 }
	ageByAGS := map[string]*shares{}
	for i, c := range cells {
		id, err := grid.ParseID(c.ID)
		if err != nil {
			return Classification{}, fmt.Errorf("classify: cell %d: field id: value %q: %w", i, c.ID, err)
		}
		if id.ResolutionM != 1000 {
			return Classification{}, fmt.Errorf("classify: cell %d: field id: value %q: the degree of urbanisation needs 1 km cells: %w", i, c.ID, layers.ErrInvalid)
		}
		k := cellKey{id.North / 1000, id.East / 1000}
		if _, dup := ids[k]; dup {
			return Classification{}, fmt.Errorf("classify: cell %d: field id: value %q given twice: %w", i, c.ID, layers.ErrInvalid)
		}
		if c.Population < 0 {
			return Classification{}, fmt.Errorf("classify: cell %q: field population: value %d: want ≥ 0: %w", c.ID, c.Population, layers.ErrInvalid)
		}
		ids[k] = c.ID
		agsOf[k] = c.AGS
		if c.Known {
			pop[k] = float64(c.Population)
		}
		if c.AGS != "" && c.Known && c.Population > 0 {
			a := ageByAGS[c.AGS]
			if a == nil {
				a = &shares{}
				ageByAGS[c.AGS] = a
			}
			if c.Share65Plus != nil {
				a.s65 += *c.Share65Plus * float64(c.Population)
				a.w65 += float64(c.Population)
			}
			if c.ShareUnder18 != nil {
				a.s18 += *c.ShareUnder18 * float64(c.Population)
				a.w18 += float64(c.Population)
			}
		}
	}

	centre := urbanCentres(pop, opts)
	cluster, nClusters := urbanClusters(pop, centre, opts)
	nCentres := 0
	seenLabel := map[int]bool{}
	for _, l := range centre {
		if !seenLabel[l] {
			seenLabel[l] = true
			nCentres++
		}
	}

	res := Classification{
		ByAGS:         make(map[string]MunicipalityClass, len(munis)),
		CellClass:     make(map[string]int8, len(ids)),
		UrbanCentres:  nCentres,
		UrbanClusters: nClusters,
		Method:        ClassifyMethod,
	}
	type acc struct {
		centre, cluster, rural float64
		cells                  int
	}
	byAGS := map[string]*acc{}
	for k, id := range ids {
		cls := CellRural
		if _, ok := centre[k]; ok {
			cls = CellUrbanCentre
		} else if cluster[k] {
			cls = CellUrbanCluster
		}
		res.CellClass[id] = cls
		ags := agsOf[k]
		if ags == "" {
			continue
		}
		a := byAGS[ags]
		if a == nil {
			a = &acc{}
			byAGS[ags] = a
		}
		a.cells++
		switch cls {
		case CellUrbanCentre:
			a.centre += pop[k]
		case CellUrbanCluster:
			a.cluster += pop[k]
		default:
			a.rural += pop[k]
		}
	}

	for _, m := range munis {
		if m.AGS == "" {
			return Classification{}, fmt.Errorf("classify: municipality %q: field ags: empty: %w", m.Name, layers.ErrInvalid)
		}
		if _, dup := res.ByAGS[m.AGS]; dup {
			return Classification{}, fmt.Errorf("classify: municipality field ags: value %q given twice: %w", m.AGS, layers.ErrInvalid)
		}
		mc := MunicipalityClass{AGS: m.AGS, DEGURBAOfficial: m.DEGURBA}
		if a := byAGS[m.AGS]; a != nil {
			mc.GridCells = a.cells
			tot := a.centre + a.cluster + a.rural
			mc.GridPopulation = int64(math.Round(tot))
			if tot > 0 {
				mc.ShareUrbanCentre = a.centre / tot
				mc.ShareUrbanCluster = a.cluster / tot
				mc.ShareRural = a.rural / tot
				switch {
				case mc.ShareUrbanCentre >= opts.CityShare:
					mc.DEGURBAComputed = DEGURBACities
				case mc.ShareRural >= opts.RuralShare:
					mc.DEGURBAComputed = DEGURBARural
				default:
					mc.DEGURBAComputed = DEGURBATownsSuburbs
				}
			}
		}
		mc.ThinlyPopulated = mc.DEGURBAComputed == DEGURBARural
		mc.Density = m.Density()
		switch {
		case m.AreaKm2 <= 0:
			mc.DensityClass = DensityUnknown
		case mc.Density < 100:
			mc.DensityClass = DensityBelow100
		case mc.Density < 150:
			mc.DensityClass = Density100To150
		default:
			mc.DensityClass = Density150AndMore
		}
		mc.BelowBBSRDensity = m.AreaKm2 > 0 && mc.Density < opts.BBSRThinlyDensity
		res.ByAGS[m.AGS] = mc
	}

	// Structural weakness.
	type ind struct {
		key, dir string
		weight   float64
		sign     float64 // +1: high is weak, −1: low is weak
		values   map[string]float64
		note     string
	}
	w := opts.WeaknessWeights
	inds := []*ind{
		{key: WeakPurchasingPower, dir: "low is weak", weight: w.PurchasingPower, sign: -1, values: map[string]float64{}, note: "purchasing power per resident (EUR)"},
		{key: WeakUnemploymentRate, dir: "high is weak", weight: w.UnemploymentRate, sign: 1, values: map[string]float64{}, note: "registered unemployed per 100 residents aged 18–64 (proxy: population × (1 − share under 18 − share 65+))"},
		{key: WeakPopulationChange, dir: "low is weak", weight: w.PopulationChange, sign: -1, values: map[string]float64{}, note: "population change or forecast change (%)"},
		{key: WeakShare65Plus, dir: "high is weak", weight: w.Share65Plus, sign: 1, values: map[string]float64{}, note: "share aged 65 and over (%)"},
	}
	finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	for _, m := range munis {
		if v, ok := m.Indicators[layers.IndPurchasingPower]; ok && finite(v) {
			inds[0].values[m.AGS] = v
		}
		if v, ok := m.Indicators[layers.IndPopulationChangePct]; ok && finite(v) {
			inds[2].values[m.AGS] = v
		}
		s65, has65 := m.Indicators[layers.IndShare65Plus]
		has65 = has65 && finite(s65)
		var s18 float64
		has18 := false
		if a := ageByAGS[m.AGS]; a != nil {
			if !has65 && opts.Share65PlusFromGrid && a.w65 > 0 {
				s65, has65 = a.s65/a.w65, true
			}
			if a.w18 > 0 {
				s18, has18 = a.s18/a.w18, true
			}
		}
		if has65 {
			inds[3].values[m.AGS] = s65
		}
		if u, ok := m.Indicators[layers.IndUnemployed]; ok && finite(u) && m.Population > 0 {
			working := float64(m.Population)
			if has65 && has18 {
				working *= 1 - (s65+s18)/100
			}
			if working > 0 {
				inds[1].values[m.AGS] = 100 * u / working
			}
		}
	}
	if opts.Share65PlusFromGrid {
		inds[3].note += "; from the municipality's indicator, else the population-weighted share of its grid cells"
	}
	n := len(munis)
	type stat struct{ mean, sd float64 }
	stats := make([]stat, len(inds))
	for i, in := range inds {
		wi := WeaknessIndicator{Key: in.key, Weight: in.weight, Direction: in.dir, Note: in.note}
		if n > 0 {
			wi.Coverage = float64(len(in.values)) / float64(n)
		}
		// Mean and SD in AGS order for reproducible rounding.
		keys := make([]string, 0, len(in.values))
		for k := range in.values {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var sum float64
		for _, k := range keys {
			sum += in.values[k]
		}
		if len(keys) > 0 {
			wi.Mean = sum / float64(len(keys))
			var ss float64
			for _, k := range keys {
				d := in.values[k] - wi.Mean
				ss += d * d
			}
			wi.SD = math.Sqrt(ss / float64(len(keys)))
		}
		switch {
		case in.weight == 0:
			wi.Note += "; not used: weight 0"
		case wi.Coverage < opts.MinIndicatorShare:
			wi.Note += fmt.Sprintf("; not used: only %d of %d municipalities have a value (need %.0f%%)", len(keys), n, 100*opts.MinIndicatorShare)
		case !(wi.SD > 0):
			wi.Note += "; not used: no variation"
		default:
			wi.Used = true
		}
		stats[i] = stat{wi.Mean, wi.SD}
		res.Weakness = append(res.Weakness, wi)
	}
	type ranked struct {
		ags string
		idx float64
	}
	var withIndex []ranked
	for _, m := range munis {
		mc := res.ByAGS[m.AGS]
		var num, den float64
		for i, in := range inds {
			if !res.Weakness[i].Used {
				continue
			}
			v, ok := in.values[m.AGS]
			if !ok {
				continue
			}
			z := in.sign * (v - stats[i].mean) / stats[i].sd
			if mc.WeaknessComponents == nil {
				mc.WeaknessComponents = map[string]float64{}
				mc.WeaknessValues = map[string]float64{}
			}
			mc.WeaknessComponents[in.key] = z
			mc.WeaknessValues[in.key] = v
			mc.WeaknessUsed = append(mc.WeaknessUsed, in.key)
			num += in.weight * z
			den += in.weight
		}
		if den > 0 {
			mc.WeaknessIndex = num / den
			withIndex = append(withIndex, ranked{m.AGS, mc.WeaknessIndex})
		}
		res.ByAGS[m.AGS] = mc
	}
	sort.Slice(withIndex, func(i, j int) bool {
		if withIndex[i].idx != withIndex[j].idx {
			return withIndex[i].idx > withIndex[j].idx
		}
		return withIndex[i].ags < withIndex[j].ags
	})
	nWeak := int(math.Round(opts.WeakShare * float64(len(withIndex))))
	for r, x := range withIndex {
		mc := res.ByAGS[x.ags]
		mc.WeaknessRank = r + 1
		mc.StructurallyWeak = r < nWeak
		res.ByAGS[x.ags] = mc
	}
	return res, nil
}

func validateClassifyOptions(o ClassifyOptions) error {
	bad := func(field string, v any, why string) error {
		return fmt.Errorf("classify: options: field %s: value %v: %s: %w", field, v, why, layers.ErrInvalid)
	}
	pos := func(v float64) bool { return v > 0 && !math.IsInf(v, 0) }
	switch {
	case !pos(o.CentreDensity):
		return bad("CentreDensity", o.CentreDensity, "want > 0")
	case o.CentreMinPop <= 0:
		return bad("CentreMinPop", o.CentreMinPop, "want > 0")
	case !pos(o.ClusterDensity):
		return bad("ClusterDensity", o.ClusterDensity, "want > 0")
	case o.ClusterMinPop <= 0:
		return bad("ClusterMinPop", o.ClusterMinPop, "want > 0")
	case o.GapFillNeighbours < 1 || o.GapFillNeighbours > 9:
		return bad("GapFillNeighbours", o.GapFillNeighbours, "want 1–8, or 9 to switch gap filling off")
	case !(o.CityShare > 0 && o.CityShare <= 1):
		return bad("CityShare", o.CityShare, "want a share in (0, 1]")
	case !(o.RuralShare > 0 && o.RuralShare <= 1):
		return bad("RuralShare", o.RuralShare, "want a share in (0, 1]")
	case !(o.WeakShare >= 0 && o.WeakShare <= 1):
		return bad("WeakShare", o.WeakShare, "want a share in [0, 1]")
	case !(o.MinIndicatorShare >= 0 && o.MinIndicatorShare <= 1):
		return bad("MinIndicatorShare", o.MinIndicatorShare, "want a share in [0, 1]")
	case !(o.BBSRThinlyDensity >= 0) || math.IsInf(o.BBSRThinlyDensity, 0):
		return bad("BBSRThinlyDensity", o.BBSRThinlyDensity, "want ≥ 0")
	}
	for _, x := range []struct {
		name string
		v    float64
	}{{"WeaknessWeights.PurchasingPower", o.WeaknessWeights.PurchasingPower}, {"WeaknessWeights.UnemploymentRate", o.WeaknessWeights.UnemploymentRate},
		{"WeaknessWeights.PopulationChange", o.WeaknessWeights.PopulationChange}, {"WeaknessWeights.Share65Plus", o.WeaknessWeights.Share65Plus}} {
		if math.IsNaN(x.v) || math.IsInf(x.v, 0) || x.v < 0 {
			return bad(x.name, x.v, "want a finite weight ≥ 0")
		}
	}
	return nil
}

var (
	neighbours4 = [4]cellKey{{1, 0}, {-1, 0}, {0, 1}, {0, -1}}
	neighbours8 = [8]cellKey{{1, 0}, {-1, 0}, {0, 1}, {0, -1}, {1, 1}, {1, -1}, {-1, 1}, {-1, -1}}
)

// components labels the connected components of the cells in set (by the
// given neighbourhood) and returns them, each sorted, in a deterministic
// order (by their smallest cell).
func components(set map[cellKey]bool, nb []cellKey) [][]cellKey {
	keys := make([]cellKey, 0, len(set))
	for k := range set {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b cellKey) int {
		if a.n != b.n {
			return cmp.Compare(a.n, b.n)
		}
		return cmp.Compare(a.e, b.e)
	})
	// The cells of the set by their position in keys: one map lookup
	// per neighbour, and seen a slice.
	pos := make(map[cellKey]int32, len(keys))
	for i, k := range keys {
		if set[k] {
			pos[k] = int32(i)
		}
	}
	seen := make([]bool, len(keys))
	var out [][]cellKey
	for i, s := range keys {
		if seen[i] {
			continue
		}
		seen[i] = true
		comp := []cellKey{s}
		for q := 0; q < len(comp); q++ {
			c := comp[q]
			for _, d := range nb {
				x := cellKey{c.n + d.n, c.e + d.e}
				if j, ok := pos[x]; ok && !seen[j] {
					seen[j] = true
					comp = append(comp, x)
				}
			}
		}
		out = append(out, comp)
	}
	return out
}

// urbanCentres returns the urban-centre cells with the label (1, 2, …) of
// their centre: 4-connected clusters of cells with at least CentreDensity
// residents and together at least CentreMinPop, then gaps filled by the
// majority rule (a cell with at least GapFillNeighbours of its 8
// neighbours in the same centre joins it), repeated until no cell is added.
func urbanCentres(pop map[cellKey]float64, o ClassifyOptions) map[cellKey]int {
	label := map[cellKey]int{}
	for i, comp := range denseClusters(pop, o.CentreDensity, o.CentreMinPop, neighbours4[:]) {
		for _, c := range comp {
			label[c] = i + 1
		}
	}
	if o.GapFillNeighbours > 8 {
		return label
	}
	for {
		// Candidates: the neighbours of centre cells that are not in a centre.
		counts := map[cellKey]map[int]int{}
		for c, l := range label {
			for _, d := range neighbours8 {
				x := cellKey{c.n + d.n, c.e + d.e}
				if _, in := label[x]; in {
					continue
				}
				m := counts[x]
				if m == nil {
					m = map[int]int{}
					counts[x] = m
				}
				m[l]++
			}
		}
		var add []cellKey
		var addLabel []int
		for x, m := range counts {
			best, bestL := 0, 0
			for l, n := range m {
				if n > best || (n == best && l < bestL) {
					best, bestL = n, l
				}
			}
			if best >= o.GapFillNeighbours {
				add = append(add, x)
				addLabel = append(addLabel, bestL)
			}
		}
		if len(add) == 0 {
			return label
		}
		// All cells of one round join at once, so the result does not
		// depend on the order of the map.
		for i, x := range add {
			label[x] = addLabel[i]
		}
	}
}

// urbanClusters returns the cells of urban clusters (8-connected cells with
// at least ClusterDensity residents and together at least ClusterMinPop,
// plus every urban-centre cell) and the number of clusters.
func urbanClusters(pop map[cellKey]float64, centre map[cellKey]int, o ClassifyOptions) (map[cellKey]bool, int) {
	in := map[cellKey]bool{}
	clusters := denseClusters(pop, o.ClusterDensity, o.ClusterMinPop, neighbours8[:])
	for _, comp := range clusters {
		for _, c := range comp {
			in[c] = true
		}
	}
	for c := range centre {
		in[c] = true
	}
	return in, len(clusters)
}

// denseClusters returns the clusters (connected through the given
// neighbourhood) of cells with at least minDensity residents whose cells
// hold at least minPop residents together, in the order components gives.
func denseClusters(pop map[cellKey]float64, minDensity float64, minPop int64, nb []cellKey) [][]cellKey {
	dense := map[cellKey]bool{}
	for k, p := range pop {
		if p >= minDensity {
			dense[k] = true
		}
	}
	var out [][]cellKey
	for _, comp := range components(dense, nb) {
		var sum float64
		for _, c := range comp {
			sum += pop[c]
		}
		if sum >= float64(minPop) {
			out = append(out, comp)
		}
	}
	return out
}

// aggregateTo1km returns cells unchanged when they are all 1 km cells, and
// otherwise sums every cell finer than 1 km into the 1 km cell containing
// it. A summed cell is known when any of its parts is; its population is the
// sum of the known parts (secret parts count 0, as in Classify); its AGS is
// the one with the most known residents among its parts (ties: the smaller
// AGS); its age shares are the population-weighted means of the parts that
// give them. Coarser cells than 1 km are an error.
func aggregateTo1km(cells []layers.Cell) ([]layers.Cell, error) {
	fine := false
	for i, c := range cells {
		id, err := grid.ParseID(c.ID)
		if err != nil {
			return nil, fmt.Errorf("classify: cell %d: field id: value %q: %w", i, c.ID, err)
		}
		if id.ResolutionM > 1000 || 1000%id.ResolutionM != 0 {
			return nil, fmt.Errorf("classify: cell %d: field id: value %q: the degree of urbanisation needs 1 km cells or cells that divide them: %w", i, c.ID, layers.ErrInvalid)
		}
		if id.ResolutionM < 1000 {
			fine = true
		}
	}
	if !fine {
		return cells, nil
	}
	type agg struct {
		id                 grid.ID
		pop                int64
		known              bool
		byAGS              map[string]int64
		s65, w65, s18, w18 float64
		year               int
	}
	parents := map[grid.ID]*agg{}
	var order []grid.ID
	for _, c := range cells {
		id, _ := grid.ParseID(c.ID)
		pid := id
		if id.ResolutionM < 1000 {
			pid = id.Parent(1000)
		}
		a := parents[pid]
		if a == nil {
			a = &agg{id: pid, byAGS: map[string]int64{}}
			parents[pid] = a
			order = append(order, pid)
		}
		if c.Year > a.year {
			a.year = c.Year
		}
		if !c.Known {
			continue
		}
		a.known = true
		a.pop += c.Population
		if c.AGS != "" {
			a.byAGS[c.AGS] += c.Population
		}
		if c.Share65Plus != nil {
			a.s65 += *c.Share65Plus * float64(c.Population)
			a.w65 += float64(c.Population)
		}
		if c.ShareUnder18 != nil {
			a.s18 += *c.ShareUnder18 * float64(c.Population)
			a.w18 += float64(c.Population)
		}
	}
	out := make([]layers.Cell, 0, len(order))
	for _, pid := range order {
		a := parents[pid]
		c := layers.Cell{ID: pid.String(), ResolutionM: 1000, Population: a.pop, Known: a.known, Year: a.year}
		best := int64(-1)
		for ags, n := range a.byAGS {
			if n > best || n == best && ags < c.AGS {
				best, c.AGS = n, ags
			}
		}
		if a.w65 > 0 {
			v := a.s65 / a.w65
			c.Share65Plus = &v
		}
		if a.w18 > 0 {
			v := a.s18 / a.w18
			c.ShareUnder18 = &v
		}
		out = append(out, c)
	}
	return out, nil
}

// ToKm returns the cells on the 1 km grid that DEGURBA is defined on, in
// one pass over a grid layer whose ids are already parsed (ids[i] is the id
// of cells[i], zero when it does not parse), as the engine reads it at
// Build (400,000 cells at the scale of Saxony): 1 km cells as they are,
// finer cells summed into their 1 km parent (known populations only; the
// parent is known when any child is). The parent's municipality is the one
// with the most residents among its children (ties: the lower AGS). Cells
// with ids that do not parse are passed on unchanged, for Classify to
// report. Unlike the aggregation inside Classify, the parents carry no
// age shares.
func ToKm(cells []layers.Cell, ids []grid.ID) []layers.Cell {
	// Per parent, its residents by AGS: the first inline, more in a short
	// list (a 1 km cell rarely spans more than two municipalities).
	type agsPop struct {
		ags string
		pop int64
	}
	type acc struct {
		name  string
		year  int
		known bool
		pop   int64
		first agsPop
		more  []agsPop
	}
	var out []layers.Cell
	accs := make([]acc, 0, len(cells)/32)
	// Parents by their corner in km, packed into a uint64 (ids far
	// outside any grid go to the second map).
	parents := map[uint64]int32{}
	var far map[grid.ID]int32
	lastKey, last := uint64(0), int32(-1)
	for i := range cells {
		c := &cells[i]
		id := ids[i]
		if id.ResolutionM == 0 || id.ResolutionM >= 1000 {
			out = append(out, *c)
			continue
		}
		pid := id.Parent(1000)
		n, e := pid.North/1000, pid.East/1000
		k := int32(-1)
		if n>>31 == 0 && e>>31 == 0 {
			key := uint64(n)<<32 | uint64(e)
			if last >= 0 && key == lastKey {
				k = last
			} else if j, ok := parents[key]; ok {
				k = j
			} else {
				k = int32(len(accs))
				parents[key] = k
			}
			lastKey, last = key, k
		} else {
			if far == nil {
				far = map[grid.ID]int32{}
			}
			j, ok := far[pid]
			if !ok {
				j = int32(len(accs))
				far[pid] = j
			}
			k = j
		}
		if int(k) == len(accs) {
			accs = append(accs, acc{name: pid.String(), year: c.Year, first: agsPop{ags: c.AGS}})
		}
		a := &accs[k]
		x := &a.first
		if x.ags != c.AGS {
			j := 0
			for j < len(a.more) && a.more[j].ags != c.AGS {
				j++
			}
			if j == len(a.more) {
				a.more = append(a.more, agsPop{ags: c.AGS})
			}
			x = &a.more[j]
		}
		if c.Known {
			a.known = true
			a.pop += c.Population
			x.pop += c.Population
		}
	}
	// The parents in id order, sorting their positions rather than the
	// records.
	order := make([]int32, len(accs))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int { return strings.Compare(accs[a].name, accs[b].name) })
	out = slices.Grow(out, len(accs))
	for _, i := range order {
		a := &accs[i]
		best := a.first
		for _, x := range a.more {
			if x.pop > best.pop || (x.pop == best.pop && x.ags < best.ags) {
				best = x
			}
		}
		out = append(out, layers.Cell{ID: a.name, ResolutionM: 1000, Population: a.pop, Known: a.known, AGS: best.ags, Year: a.year})
	}
	return out
}
