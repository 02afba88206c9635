package need

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"

	"reach/geo/access"
	"reach/internal/analysis"
	"reach/layers"
)

// Query asks for the capacity-aware access of one category.
type Query struct {
	Category layers.Category `json:"category"`
	// Mode is the mode of the catchment; "" means the need's mode.
	Mode layers.Mode `json:"mode"`
	// Scenario is today (zero) or a loaded projection.
	Scenario Scenario `json:"-"`
	// Cells asks for the per-cell values as well.
	Cells bool `json:"cells"`
	// Supply, when not nil, replaces the supply of facilities by id (a
	// proposal's extension, say); facilities not in it keep theirs.
	Supply map[string]float64 `json:"supply"`
}

// Distribution is the distribution of travel times across residents.
type Distribution struct {
	Residents float64 `json:"residents"`
	Unreached float64 `json:"unreached"`
	// MeanMinutes is the mean over reached residents; nil when none.
	MeanMinutes *float64 `json:"mean_minutes"`
	// Percentiles maps "p10" … "p95" to minutes (nil where the level falls
	// among the unreached).
	Percentiles map[string]*float64 `json:"percentiles"`
	// Gini and Palma of the travel time over reached residents (see
	// access.Summary); nil where undefined.
	Gini  *float64 `json:"gini"`
	Palma *float64 `json:"palma"`
}

// Fairness is the distribution of access times overall and by group.
type Fairness struct {
	// Measure says what is distributed, Weight who is counted.
	Measure string       `json:"measure"`
	Weight  string       `json:"weight"`
	All     Distribution `json:"all"`
	// ByDEGURBA is keyed "1 cities", "2 towns and suburbs", "3 rural
	// areas", "0 unknown"; ByAgeGroup "0-17", "18-64", "65+";
	// ByStructuralWeakness "weak", "not weak".
	ByDEGURBA            map[string]Distribution `json:"by_degurba"`
	ByAgeGroup           map[string]Distribution `json:"by_age_group"`
	ByStructuralWeakness map[string]Distribution `json:"by_structural_weakness"`
}

// PlanningRatio is the ratio the planning rules use, with its source.
type PlanningRatio struct {
	ResidentsPerUnit float64 `json:"residents_per_unit"`
	Source           string  `json:"source"`
	Assumption       bool    `json:"assumption"`
}

// Supply describes the supply side.
type Supply struct {
	Unit       string  `json:"unit"`
	Facilities int     `json:"facilities"`
	Total      float64 `json:"total"`
	// FromData counts facilities whose capacity came from their file;
	// Assumed those that got DefaultCapacity (an assumption, see
	// CapacitySource).
	FromData        int     `json:"from_data"`
	Assumed         int     `json:"assumed"`
	DefaultCapacity float64 `json:"default_capacity"`
	CapacitySource  string  `json:"capacity_source"`
	// Distributed is the supply of facilities with demand in reach,
	// Unreached of those with none; they sum to Total.
	Distributed float64 `json:"distributed"`
	Unreached   float64 `json:"unreached"`
}

// Municipality is the supply ratio of one municipality.
type Municipality struct {
	AGS     string `json:"ags"`
	Name    string `json:"name"`
	DEGURBA int    `json:"degurba"`
	Weak    bool   `json:"weak"`
	// Demand is the residents of the demand group.
	Demand float64 `json:"demand"`
	// UnitsPer1000 is the demand-weighted mean E2SFCA ratio of its cells,
	// per 1,000 residents of the demand group.
	UnitsPer1000 float64 `json:"units_per_1000"`
	// ResidentsPerUnit is its inverse (nil when no supply is in reach),
	// comparable with the planning ratio; BelowPlanningRatio says whether
	// there are more residents per unit than the rule allows (nil without
	// a rule or supply).
	ResidentsPerUnit   *float64 `json:"residents_per_unit"`
	BelowPlanningRatio *bool    `json:"below_planning_ratio"`
	// MedianMinutes is the median travel time of its demand to the
	// nearest facility.
	MedianMinutes *float64 `json:"median_minutes"`
}

// Facility is the step-1 ratio of one facility.
type Facility struct {
	ID             string  `json:"id"`
	Name           string  `json:"name"`
	AGS            string  `json:"ags"`
	Supply         float64 `json:"supply"`
	Assumed        bool    `json:"assumed"`
	WeightedDemand float64 `json:"weighted_demand"`
	// UnitsPer1000 is its supply per 1,000 weighted residents in reach.
	UnitsPer1000 float64 `json:"units_per_1000"`
}

// Cell is the per-cell result.
type Cell struct {
	CellID       string  `json:"inspire_id"`
	AGS          string  `json:"ags"`
	Demand       float64 `json:"demand"`
	UnitsPer1000 float64 `json:"units_per_1000"`
	// Minutes is the travel time to the nearest facility (nil: none).
	Minutes *float64 `json:"minutes"`
}

// Result is the capacity-aware access of one category in one scenario.
type Result struct {
	Category layers.Category `json:"category"`
	Mode     layers.Mode     `json:"mode"`
	Scenario Scenario        `json:"-"`
	// ScenarioLabel is "today" or "2040 V1".
	ScenarioLabel string `json:"scenario"`
	// Year and Variant of the projection; absent for today.
	Year    int    `json:"year,omitempty"`
	Variant string `json:"variant,omitempty"`
	// DemandGroup, MinAge and MaxAge (nil: and over) say who needs it.
	DemandGroup   string         `json:"demand_group"`
	MinAge        int            `json:"min_age"`
	MaxAge        *int           `json:"max_age"`
	DemandSource  string         `json:"demand_source"`
	Demand        float64        `json:"demand"`
	Decay         string         `json:"decay"`
	DecaySource   string         `json:"decay_source"`
	Supply        Supply         `json:"supply"`
	PlanningRatio *PlanningRatio `json:"planning_ratio"`
	// UnitsPer1000 is the overall ratio: distributed supply per 1,000
	// residents of the demand group; ResidentsPerUnit its inverse.
	UnitsPer1000     float64        `json:"units_per_1000"`
	ResidentsPerUnit *float64       `json:"residents_per_unit"`
	Municipalities   []Municipality `json:"municipalities"`
	Facilities       []Facility     `json:"facilities"`
	Cells            []Cell         `json:"cells,omitempty"`
	Fairness         Fairness       `json:"fairness"`
	// Method explains the computation and its limits.
	Method     string              `json:"method"`
	Warnings   []string            `json:"warnings"`
	Provenance analysis.Provenance `json:"provenance"`
}

// Need computes the E2SFCA supply ratio of q.Category per cell, facility
// and municipality in q.Scenario, with the planning ratio and the fairness
// of the travel times to the nearest facility.
func (s *Service) Need(ctx context.Context, q Query) (Result, error) {
	e := s.e
	nd, ok := e.Needs().Need(q.Category)
	if !ok {
		return Result{}, fmt.Errorf("need: category %q has no entry in the need catalogue %s: %w", q.Category, e.Needs().Name(), layers.ErrInvalid)
	}
	mode := q.Mode
	if mode == "" {
		mode = nd.Mode
	}
	if _, ok := layers.ParseMode(string(mode)); !ok {
		return Result{}, fmt.Errorf("need: mode %q: %w", mode, layers.ErrInvalid)
	}
	if err := s.checkScenario(q.Scenario); err != nil {
		return Result{}, err
	}
	ce, err := s.catchments(ctx, q.Category, mode, nd.Decay)
	if err != nil {
		return Result{}, err
	}
	dem, err := s.demandOf(nd.MinAge, nd.MaxAge, q.Scenario)
	if err != nil {
		return Result{}, err
	}
	supply, assumed := supplyOf(ce.facs, nd)
	isAssumed := make([]bool, len(supply))
	for j, fac := range ce.facs {
		isAssumed[j] = fac.Capacity == nil
		if v, ok := q.Supply[fac.ID]; ok {
			if !(v >= 0) || math.IsInf(v, 0) {
				return Result{}, fmt.Errorf("need: supply of facility %q is %v: %w", fac.ID, v, layers.ErrInvalid)
			}
			supply[j] = v
		}
	}
	res, err := ce.w.E2SFCA(supply, dem.v)
	if err != nil {
		return Result{}, fmt.Errorf("need: %s: %w", q.Category, err)
	}
	near, err := e.TravelField(ctx, q.Category, mode)
	if err != nil {
		return Result{}, err
	}
	secs, method := near.Seconds(), near.Method()
	out := Result{Category: q.Category, Mode: mode, Scenario: q.Scenario, ScenarioLabel: q.Scenario.String(), Year: q.Scenario.Year, Variant: q.Scenario.Variant,
		DemandGroup: nd.DemandGroup, MinAge: nd.MinAge, DemandSource: s.citation(nd.DemandSource),
		Decay: nd.Decay.String(), DecaySource: s.citation(nd.DecaySource),
		Supply: Supply{Unit: nd.Unit, Facilities: len(supply), FromData: len(supply) - assumed, Assumed: assumed,
			DefaultCapacity: nd.DefaultCapacity, CapacitySource: nd.CapacitySource,
			Distributed: res.SupplyDistributed, Unreached: res.SupplyUnreached},
		Provenance: e.Provenance(method),
	}
	if nd.MaxAge != access.OpenAge {
		m := nd.MaxAge
		out.MaxAge = &m
	}
	for _, s := range supply {
		out.Supply.Total += s
	}
	if nd.ResidentsPerUnit > 0 {
		out.PlanningRatio = &PlanningRatio{ResidentsPerUnit: nd.ResidentsPerUnit, Source: s.citation(nd.PlanningSource), Assumption: nd.PlanningAssumption}
	}
	for _, d := range dem.v {
		out.Demand += d
	}
	if out.Demand > 0 {
		out.UnitsPer1000 = round(1000*res.SupplyDistributed/out.Demand, 3)
		if res.SupplyDistributed > 0 {
			r := round(out.Demand/res.SupplyDistributed, 2)
			out.ResidentsPerUnit = &r
		}
		out.Demand = round(out.Demand, 1)
	}
	// Per municipality.
	cells, munis := e.PopulatedCells(), e.Municipalities()
	group := make([]int32, len(cells))
	for i, c := range cells {
		group[i] = c.Municipality
	}
	mean, gdem, err := access.GroupAccess(res.CellAccess, dem.v, group, len(munis))
	if err != nil {
		return Result{}, err
	}
	byMuni := make([][]int, len(munis))
	for i, c := range cells {
		if c.Municipality >= 0 {
			byMuni[c.Municipality] = append(byMuni[c.Municipality], i)
		}
	}
	for mi, m := range munis {
		if gdem[mi] == 0 {
			continue
		}
		nm := Municipality{AGS: m.AGS, Name: m.Name, DEGURBA: m.DEGURBA, Weak: m.Weak, Demand: round(gdem[mi], 1), UnitsPer1000: round(1000*mean[mi], 3)}
		if mean[mi] > 0 {
			r := round(1/mean[mi], 2)
			nm.ResidentsPerUnit = &r
			if out.PlanningRatio != nil {
				below := r > out.PlanningRatio.ResidentsPerUnit
				nm.BelowPlanningRatio = &below
			}
		}
		if s, err := access.SummariseIndex(secs, dem.v, byMuni[mi]); err == nil {
			nm.MedianMinutes = minutesPtr(s.Percentile[2])
		}
		out.Municipalities = append(out.Municipalities, nm)
	}
	for j, fac := range ce.facs {
		nf := Facility{ID: fac.ID, Name: fac.Name, AGS: fac.AGS, Supply: supply[j], Assumed: isAssumed[j], WeightedDemand: round(res.WeightedDemand[j], 1), UnitsPer1000: round(1000*res.FacilityRatio[j], 3)}
		out.Facilities = append(out.Facilities, nf)
	}
	if q.Cells {
		out.Cells = make([]Cell, len(cells))
		for i, c := range cells {
			out.Cells[i] = Cell{CellID: c.ID, AGS: c.AGS, Demand: dem.v[i], UnitsPer1000: 1000 * res.CellAccess[i], Minutes: minutesOf(secs[i])}
		}
	}
	out.Fairness, err = s.fairness(secs, dem.v, q.Scenario, fmt.Sprintf("travel time to the nearest %s by %s, minutes", q.Category, mode), fmt.Sprintf("residents aged %s", nd.DemandGroup))
	if err != nil {
		return Result{}, err
	}
	out.Method = needMethod
	if dem.assumed > 0 {
		out.Warnings = append(out.Warnings, fmt.Sprintf("%d cells have neither age shares in the grid nor a municipal age table: their ages follow the uniform assumption (access.UniformTable)", dem.assumed))
	}
	if dem.missing > 0 {
		out.Warnings = append(out.Warnings, fmt.Sprintf("%d cells lie in areas without a projection for %s: they keep today's demand", dem.missing, q.Scenario))
	}
	if assumed > 0 {
		out.Warnings = append(out.Warnings, fmt.Sprintf("%d of %d facilities have no capacity in their file: %g %s each (%s)", assumed, len(supply), nd.DefaultCapacity, nd.Unit, nd.CapacitySource))
	}
	return out, nil
}

const needMethod = "Enhanced two-step floating catchment (E2SFCA): step 1 divides each facility's supply by the residents of the demand group within its catchment, weighted by distance decay; step 2 sums, per cell, the ratios of the facilities in reach with the same weights, so that the supply of every facility with demand in reach is distributed exactly. Catchments are searched once on the road network towards each facility; a projection year changes only the demand. Demand per cell: the grid's shares under 18 and 65 and over where given, split within those segments by the municipal age table of the base year (uniform by year within a band; a uniform 0–89 profile where no table is loaded). Projection year: every age band of a cell is multiplied by its municipality's (else its district's) projected change in that band, so each cell keeps its share of its municipality per age group; shifts within a municipality (new housing, villages emptying faster than the town) are not seen."

// citation expands a source key of the need catalogue ("BPL-RL") into its
// citation, keeping the text when it is no key.
func (s *Service) citation(src string) string {
	srcs := s.e.Needs().Sources()
	if c, ok := srcs[src]; ok {
		return src + ": " + c
	}
	for k, c := range srcs {
		if strings.HasPrefix(src, k+":") || strings.HasPrefix(src, k+" ") {
			return src + " [" + k + ": " + c + "]"
		}
	}
	return src
}

func round(v float64, digits int) float64 {
	p := math.Pow(10, float64(digits))
	return math.Round(v*p) / p
}

func minutesOf(secs float64) *float64 {
	if math.IsInf(secs, 1) || math.IsNaN(secs) {
		return nil
	}
	m := math.Round(secs/60*100) / 100
	return &m
}

func minutesPtr(secs *float64) *float64 {
	if secs == nil {
		return nil
	}
	return minutesOf(*secs)
}

// distribution turns an access.Summary of seconds into minutes.
func distribution(s access.Summary) Distribution {
	d := Distribution{Residents: math.Round(s.Residents), Unreached: math.Round(s.Unreached), Percentiles: map[string]*float64{}, Gini: round4p(s.Gini), Palma: round4p(s.Palma)}
	if s.Residents > s.Unreached {
		d.MeanMinutes = minutesOf(s.Mean)
	}
	for i, p := range access.Percentiles {
		d.Percentiles[fmt.Sprintf("p%g", p)] = minutesPtr(s.Percentile[i])
	}
	return d
}

func round4p(v *float64) *float64 {
	if v == nil {
		return nil
	}
	r := math.Round(*v*1e4) / 1e4
	return &r
}

// degurbaLabel names a DEGURBA class.
func degurbaLabel(c int) string {
	switch c {
	case 1:
		return "1 cities"
	case 2:
		return "2 towns and suburbs"
	case 3:
		return "3 rural areas"
	}
	return "0 unknown"
}

// fairness summarises secs (per cell) weighted by weights overall, by
// DEGURBA class and structural weakness of the cell's municipality, and by
// age group (weighted by that group's residents in scenario sc).
func (s *Service) fairness(secs, weights []float64, sc Scenario, measure, weight string) (Fairness, error) {
	return s.fairnessOf(nil, secs, weights, sc, measure, weight)
}

// fairnessOf is fairness over the cells idx (nil: every cell).
func (s *Service) fairnessOf(idx []int, secs, weights []float64, sc Scenario, measure, weight string) (Fairness, error) {
	cells := s.e.PopulatedCells()
	out := Fairness{Measure: measure, Weight: weight, ByDEGURBA: map[string]Distribution{}, ByAgeGroup: map[string]Distribution{}, ByStructuralWeakness: map[string]Distribution{}}
	if idx == nil {
		idx = make([]int, len(cells))
		for i := range idx {
			idx[i] = i
		}
	}
	all, err := access.SummariseIndex(secs, weights, idx)
	if err != nil {
		return out, err
	}
	out.All = distribution(all)
	byClass := map[string][]int{}
	byWeak := map[string][]int{}
	for _, i := range idx {
		c := &cells[i]
		byClass[degurbaLabel(c.DEGURBA)] = append(byClass[degurbaLabel(c.DEGURBA)], i)
		w := "not weak"
		if c.Weak {
			w = "weak"
		}
		byWeak[w] = append(byWeak[w], i)
	}
	for k, ix := range byClass {
		s, err := access.SummariseIndex(secs, weights, ix)
		if err != nil {
			return out, err
		}
		out.ByDEGURBA[k] = distribution(s)
	}
	for k, ix := range byWeak {
		s, err := access.SummariseIndex(secs, weights, ix)
		if err != nil {
			return out, err
		}
		out.ByStructuralWeakness[k] = distribution(s)
	}
	for _, g := range ageGroups {
		d, err := s.demandOf(g.lo, g.hi, sc)
		if err != nil {
			return out, err
		}
		s, err := access.SummariseIndex(secs, d.v, idx)
		if err != nil {
			return out, err
		}
		out.ByAgeGroup[g.name] = distribution(s)
	}
	return out, nil
}

// ageGroups are the groups fairness is broken down by: those the grid
// carries.
var ageGroups = []struct {
	name   string
	lo, hi int
}{{"0-17", 0, 17}, {"18-64", 18, 64}, {"65+", 65, access.OpenAge}}

// NeedAll computes Need for every category of the need catalogue in sc.
func (s *Service) NeedAll(ctx context.Context, sc Scenario) ([]Result, error) {
	var out []Result
	for _, nd := range s.e.Needs().Needs() {
		r, err := s.Need(ctx, Query{Category: nd.Category, Scenario: sc})
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Category < out[j].Category })
	return out, nil
}
