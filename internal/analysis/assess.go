package analysis

import (
	"context"
	"fmt"
	"math"
	"sort"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/planar"

	"reach/geo/graph"
	"reach/geo/isochrone"
	"reach/geo/route"
	"reach/internal/appraisal"
	"reach/internal/catalogue"
	"reach/layers"
)

// Assessment constants.
const (
	// MinImprovementS is the least drop of a resident's travel time, in
	// seconds, that makes them a beneficiary.
	MinImprovementS = 1.0
	// HigherReachMinutes is the time by car to the next Mittel- or
	// Oberzentrum beyond which residents count as under-served when
	// checking whether a project strengthens that reach (BBSR: 30 minutes
	// by car to the next Mittelzentrum are a reasonable travel time).
	HigherReachMinutes = 30.0
	// coversShare is the share of beneficiaries that must already reach
	// the category within the standard at a facility in a central place of
	// the needed level (or higher) for "an equal or higher central place
	// already offers it".
	coversShare = 0.5
)

// cellChange is the travel time of one cell before and after a project.
type cellChange struct {
	ci            int32
	before, after float64 // seconds, +Inf unreachable
}

// projectEffect is what a project changes for one category and mode.
type projectEffect struct {
	cat     layers.Category
	mode    layers.Mode
	std     catalogue.Standard
	limit   float64 // seconds
	before  *field
	changes []cellChange // sorted by cell
	method  string
}

// assessMode picks the mode of the standard a category is assessed by: car
// when the catalogue has a car standard, else the first mode (in
// layers.Modes order) that has one.
func (e *Engine) assessMode(cat layers.Category) (layers.Mode, catalogue.Standard, bool) {
	for _, m := range layers.Modes() {
		if s, ok := e.cat.Standard(cat, m); ok {
			return m, s, true
		}
	}
	return "", catalogue.Standard{}, false
}

// AssessAll assesses every project and scores them together: the scores
// normalise across the proposals given (see ScoreProjects), so the set is
// part of the input. The result is in the order of projects sorted by id,
// and the same input gives the same result.
func (e *Engine) AssessAll(ctx context.Context, projects []layers.Project) ([]Assessment, error) {
	ps := append([]layers.Project(nil), projects...)
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].ID < ps[j].ID })
	seen := map[string]bool{}
	out := make([]Assessment, len(ps))
	inputs := make([]appraisal.ScoreInput, len(ps))
	for i, p := range ps {
		if p.ID == "" {
			return nil, fmt.Errorf("analysis: assess: project %d: field id: empty: %w", i, layers.ErrInvalid)
		}
		if seen[p.ID] {
			return nil, fmt.Errorf("analysis: assess: project %q: given twice: %w", p.ID, layers.ErrInvalid)
		}
		seen[p.ID] = true
		a, in, err := e.assessOne(ctx, p)
		if err != nil {
			return nil, err
		}
		out[i], inputs[i] = a, in
	}
	w := appraisal.DefaultScoreWeights()
	if e.opts.Weights != nil {
		w = *e.opts.Weights
	}
	scores, err := appraisal.ScoreProjects(inputs, w)
	if err != nil {
		return nil, fmt.Errorf("analysis: assess: %w", err)
	}
	for i := range out {
		out[i].Score = scores[i]
	}
	return out, nil
}

// Assess assesses p within the call it belongs to: the projects of the
// reader with p added (or replacing the stored project of the same id), so
// that its score equals the one AssessAll gives for that set.
func (e *Engine) Assess(ctx context.Context, p layers.Project) (Assessment, error) {
	stored, err := e.reader.Projects(ctx)
	if err != nil {
		return Assessment{}, fmt.Errorf("analysis: assess: %w", err)
	}
	set := []layers.Project{p}
	for _, s := range stored {
		if s.ID != p.ID {
			set = append(set, s)
		}
	}
	as, err := e.AssessAll(ctx, set)
	if err != nil {
		return Assessment{}, err
	}
	for _, a := range as {
		if a.ProjectID == p.ID {
			return a, nil
		}
	}
	return Assessment{}, fmt.Errorf("analysis: assess: project %q lost", p.ID)
}

// Ranking assesses the projects, orders them by score (then id) and marks
// the selection that maximises the total score within budget euros
// (SelectWithinBudget, exact).
func (e *Engine) Ranking(ctx context.Context, projects []layers.Project, budget float64) (Ranking, error) {
	as, err := e.AssessAll(ctx, projects)
	if err != nil {
		return Ranking{}, err
	}
	byID := map[string]layers.Project{}
	for _, p := range projects {
		byID[p.ID] = p
	}
	items := make([]appraisal.BudgetItem, len(as))
	for i, a := range as {
		items[i] = appraisal.BudgetItem{ID: a.ProjectID, Score: a.Score.Total, Cost: byID[a.ProjectID].RequestedFunding}
	}
	sel, err := appraisal.SelectWithinBudget(items, budget)
	if err != nil {
		return Ranking{}, fmt.Errorf("analysis: ranking: %w", err)
	}
	chosen := map[string]bool{}
	for _, id := range sel.Selected {
		chosen[id] = true
	}
	r := Ranking{Budget: budget, SelectedTotal: sel.TotalCost, SelectedScore: sel.TotalScore, Method: sel.Method, Provenance: e.provenance("assessment of every proposal, " + sel.Method)}
	for _, a := range as {
		r.Projects = append(r.Projects, RankedProject{ID: a.ProjectID, Title: a.Title, Score: a.Score.Total, RequestedFunding: byID[a.ProjectID].RequestedFunding, Selected: chosen[a.ProjectID]})
	}
	sort.SliceStable(r.Projects, func(i, j int) bool {
		if r.Projects[i].Score != r.Projects[j].Score {
			return r.Projects[i].Score > r.Projects[j].Score
		}
		return r.Projects[i].ID < r.Projects[j].ID
	})
	for i := range r.Projects {
		r.Projects[i].Rank = i + 1
	}
	return r, nil
}

// assessOne computes everything of p's assessment but the score, and the
// score input.
func (e *Engine) assessOne(ctx context.Context, p layers.Project) (Assessment, appraisal.ScoreInput, error) {
	a := Assessment{ProjectID: p.ID, Title: p.Title, Kind: p.Kind, Category: p.Category, ByMunicipality: []MunicipalityBenefit{}, Details: map[string]any{}}
	var eff *projectEffect
	var err error
	var siteAGS []string
	higher := higherReach{}
	switch p.Kind {
	case layers.KindNewFacility:
		eff, siteAGS, err = e.newFacility(ctx, p, a.Details)
	case layers.KindRoadUpgrade:
		eff, higher, err = e.roadProject(ctx, p, a.Details)
	case layers.KindAreaService:
		eff, err = e.areaService(p, a.Details)
	default:
		err = fmt.Errorf("analysis: assess: project %q: field kind: value %q: want new_facility, road_upgrade or area_service: %w", p.ID, p.Kind, layers.ErrInvalid)
	}
	if err != nil {
		return Assessment{}, appraisal.ScoreInput{}, err
	}
	in := appraisal.ScoreInput{ProjectID: p.ID, Innovation: p.Innovation, Transferability: p.Transferability, RequestedFunding: p.RequestedFunding}
	agg := e.aggregate(p, eff)
	a.NewlyWithinStandard = agg.newly
	a.ByMunicipality = agg.byMuni
	a.Provenance = e.provenance(eff.method)
	if eff.cat != "" {
		a.Category = eff.cat
	}
	d := a.Details
	d["mode"] = string(eff.mode)
	d["standard_minutes"] = eff.std.MaxMinutes
	d["standard_source"] = eff.std.Source
	d["method"] = eff.method
	d["beneficiaries"] = agg.beneficiaries
	d["beneficiaries_participating"] = agg.participating
	d["beneficiaries_other"] = agg.beneficiaries - agg.participating
	d["municipalities_benefiting"] = agg.munis
	d["kreise_benefiting"] = agg.kreise
	d["planning_regions_benefiting"] = agg.regions
	d["need_share"] = agg.needShare
	d["mean_seconds_before"], d["mean_seconds_after"] = agg.meanBefore, agg.meanAfter
	d["p90_seconds_before"], d["p90_seconds_after"] = agg.p90Before, agg.p90After
	d["unreached_before"], d["unreached_after"] = agg.unreachedBefore, agg.unreachedAfter
	var cost any
	if agg.newly > 0 {
		c := p.InvestmentCost / float64(agg.newly)
		cost = c
		in.CostPerNewlyCovered = c
	}
	d["cost_per_newly_covered"] = cost
	in.NewlyWithinStandard = agg.newly
	in.Beneficiaries = agg.beneficiaries
	in.MunicipalitiesBenefiting, in.KreiseBenefiting, in.RegionsBenefiting = agg.munis, agg.kreise, agg.regions
	in.ParticipatingMunicipalities = len(uniqueStrings(p.Municipalities))
	in.NeedShare = agg.needShare

	// Zentrale-Orte facts.
	minLevel, minSrc := e.cat.MinLevel(a.Category)
	covers, coveringPlaces := e.equalOrHigherCovers(eff, minLevel)
	if p.Kind == layers.KindNewFacility {
		higher = e.facilityHigherReach(siteAGS, agg.newly)
	}
	names := map[string]string{}
	for _, m := range e.munis {
		names[m.AGS] = m.Name
	}
	a.ZentraleOrte = appraisal.AlignZentraleOrte(appraisal.AlignmentInput{
		Project: p, SiteAGS: siteAGS, Places: e.places, MinLevel: minLevel, MinLevelSource: minSrc,
		EqualOrHigherCovers: covers, CoveringPlaces: coveringPlaces,
		StrengthensHigherReach: higher.strengthens, HigherReachPlaces: higher.places, MunicipalityNames: names,
	})
	in.Alignment = a.ZentraleOrte.Verdict
	return a, in, nil
}

// aggregation of one effect.
type aggregation struct {
	newly, beneficiaries, participating int64
	munis, kreise, regions              int
	needShare                           float64
	byMuni                              []MunicipalityBenefit
	meanBefore, meanAfter               float64
	p90Before, p90After                 *float64
	unreachedBefore, unreachedAfter     int64
}

// aggregate sums an effect over municipalities, Kreise and regions.
func (e *Engine) aggregate(p layers.Project, eff *projectEffect) aggregation {
	var g aggregation
	participating := map[string]bool{}
	for _, ags := range p.Municipalities {
		participating[ags] = true
	}
	after := make(map[int32]float64, len(eff.changes))
	for _, c := range eff.changes {
		after[c.ci] = c.after
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
	var wsB, wsA []weighted
	var sumB, sumA float64
	var popB, popA int64
	for ci, c := range e.cells {
		before := eff.before.secs[ci]
		aft := before
		if v, ok := after[int32(ci)]; ok {
			aft = v
		}
		wsB = append(wsB, weighted{before, c.pop})
		wsA = append(wsA, weighted{aft, c.pop})
		if math.IsInf(before, 1) {
			g.unreachedBefore += c.pop
		} else {
			sumB += float64(c.pop) * before
			popB += c.pop
		}
		if math.IsInf(aft, 1) {
			g.unreachedAfter += c.pop
		} else {
			sumA += float64(c.pop) * aft
			popA += c.pop
		}
		m := accs[c.ags]
		if m == nil {
			m = &mAcc{b: MunicipalityBenefit{AGS: c.ags, Name: e.muniName(c.ags), Participating: participating[c.ags]}}
			accs[c.ags] = m
		}
		if !math.IsInf(before, 1) {
			m.sumB += float64(c.pop) * before
			m.popB += c.pop
		}
		if !math.IsInf(aft, 1) {
			m.sumA += float64(c.pop) * aft
			m.popA += c.pop
		}
		benefits := before-aft >= MinImprovementS
		newly := before > eff.limit && aft <= eff.limit
		if !benefits && !newly {
			continue
		}
		m.touched = true
		if benefits {
			m.b.Beneficiaries += c.pop
			g.beneficiaries += c.pop
			if participating[c.ags] {
				g.participating += c.pop
			}
			if mc := e.class.of(c.ags); mc.thin || mc.weak {
				need += c.pop
			}
			if c.muni >= 0 {
				kreise[e.munis[c.muni].KreisAGS] = true
				regions[e.munis[c.muni].PlanningRegion] = true
			}
		}
		if newly {
			m.b.NewlyWithinStandard += c.pop
			g.newly += c.pop
		}
	}
	if popB > 0 {
		g.meanBefore = sumB / float64(popB)
	}
	if popA > 0 {
		g.meanAfter = sumA / float64(popA)
	}
	g.p90Before, g.p90After = weightedQuantile(wsB, 0.9), weightedQuantile(wsA, 0.9)
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
			g.byMuni = append(g.byMuni, MunicipalityBenefit{AGS: ags, Name: e.muniName(ags), Participating: true})
		}
	}
	sort.Slice(g.byMuni, func(i, j int) bool { return g.byMuni[i].AGS < g.byMuni[j].AGS })
	if g.byMuni == nil {
		g.byMuni = []MunicipalityBenefit{}
	}
	return g
}

// projectSites returns the sites of a new-facility project in EPSG:25833.
func projectSites(p layers.Project) ([]orb.Point, error) {
	switch g := p.Geometry.(type) {
	case orb.Point:
		return []orb.Point{g}, nil
	case orb.MultiPoint:
		if len(g) == 0 {
			break
		}
		return append([]orb.Point(nil), g...), nil
	}
	return nil, fmt.Errorf("analysis: assess: project %q: field geometry: a new facility needs a Point or MultiPoint, got %s: %w", p.ID, geomType(p.Geometry), layers.ErrInvalid)
}

func geomType(g orb.Geometry) string {
	if g == nil {
		return "none"
	}
	return g.GeoJSONType()
}

// projectStandard returns the category, mode and standard of p.
func (e *Engine) projectStandard(p layers.Project) (layers.Category, layers.Mode, catalogue.Standard, error) {
	if !p.Category.Valid() {
		return "", "", catalogue.Standard{}, fmt.Errorf("analysis: assess: project %q: field category: value %q: %w", p.ID, p.Category, layers.ErrInvalid)
	}
	mode, std, ok := e.assessMode(p.Category)
	if !ok {
		return "", "", catalogue.Standard{}, fmt.Errorf("analysis: assess: project %q: catalogue %s has no standard for category %q: %w", p.ID, e.cat.ID(), p.Category, layers.ErrInvalid)
	}
	return p.Category, mode, std, nil
}

// newFacility assesses new sites of a category: the drop of every cell's
// time, by the "only improving" search on the baseline field (network) or
// by straight line.
func (e *Engine) newFacility(ctx context.Context, p layers.Project, d map[string]any) (*projectEffect, []string, error) {
	cat, mode, std, err := e.projectStandard(p)
	if err != nil {
		return nil, nil, err
	}
	if std.Measure == catalogue.MeasureAreaService {
		return nil, nil, fmt.Errorf("analysis: assess: project %q: category %q is an area service; submit it as kind area_service: %w", p.ID, cat, layers.ErrInvalid)
	}
	sites, err := projectSites(p)
	if err != nil {
		return nil, nil, err
	}
	f, err := e.fieldFor(ctx, cat, mode)
	if err != nil {
		return nil, nil, err
	}
	eff := &projectEffect{cat: cat, mode: mode, std: std, limit: std.MaxSeconds(), before: f, method: methodLabel(f, mode)}
	siteAGS := make([]string, len(sites))
	for i, s := range sites {
		siteAGS[i] = e.muniAt(s)
	}
	mn := e.nets[mode]
	var snaps []SnapInfo
	if mn == nil {
		for ci, c := range e.cells {
			best := math.Inf(1)
			for _, s := range sites {
				best = math.Min(best, e.slSeconds(mode, math.Hypot(c.utm[0]-s[0], c.utm[1]-s[1])))
			}
			if best < f.secs[ci] {
				eff.changes = append(eff.changes, cellChange{ci: int32(ci), before: f.secs[ci], after: best})
			}
		}
		bands, err := e.straightBands(ctx, sites, mode, catchmentMinutes(std))
		if err != nil {
			return nil, nil, err
		}
		d["catchment"] = bandsJSON(bands)
	} else {
		var arrivals [][]route.Source
		var extra []isochrone.Reached
		for _, s := range sites {
			ll, _ := fromUTM(s)
			sn, info, err := mn.snapPoint(ll)
			if err != nil {
				return nil, nil, fmt.Errorf("analysis: assess: project %q: %w", p.ID, err)
			}
			snaps = append(snaps, info)
			arrivals = append(arrivals, sn.Arrivals())
			if sn.Snapped {
				extra = append(extra, isochrone.Reached{P: sn.Point, Seconds: float64(sn.Access.Seconds())})
			}
		}
		imp := e.improveNetwork(mn, f, arrivals)
		for i, ci := range imp.cells {
			eff.changes = append(eff.changes, cellChange{ci: ci, before: f.secs[ci], after: imp.secs[i]})
		}
		bands, err := e.catchment(ctx, mn, arrivals, extra, catchmentMinutes(std))
		if err != nil {
			return nil, nil, err
		}
		d["catchment"] = bandsJSON(bands)
		d["sites"] = snaps
	}
	d["site_municipalities"] = siteAGS
	return eff, siteAGS, nil
}

// catchmentMinutes are the thresholds of a new facility's catchment: half
// the standard and the standard.
func catchmentMinutes(std catalogue.Standard) []float64 {
	if std.MaxMinutes <= 0 {
		return []float64{15, 30}
	}
	return []float64{std.MaxMinutes / 2, std.MaxMinutes}
}

// catchment builds the isochrones of travel to the sites (reverse search).
func (e *Engine) catchment(ctx context.Context, mn *modeNet, arrivals [][]route.Source, extra []isochrone.Reached, minutes []float64) ([]Band, error) {
	var sources []route.Source
	for _, a := range arrivals {
		sources = append(sources, a...)
	}
	limit, _ := graph.CostOf(graph.Seconds(minutes[len(minutes)-1] * 60))
	q := mn.n.ReverseQueries().Get()
	defer mn.n.ReverseQueries().Put(q)
	q.Run(sources, limit)
	return e.networkBands(ctx, mn, mn.n.ReverseGraph(), q, minutes, mn.cellOut, extra)
}

// bandJSON is a catchment band in an assessment's details.
type bandJSON struct {
	FromMinutes          float64           `json:"from_minutes"`
	Minutes              float64           `json:"to_minutes"`
	Population           int64             `json:"population"`            // in the ring from_minutes–to_minutes
	CumulativePopulation int64             `json:"cumulative_population"` // within to_minutes
	Cells                int               `json:"cells"`                 // in the ring
	Geometry             *geojson.Geometry `json:"geometry"`              // lon/lat, area within to_minutes
}

func bandsJSON(bs []Band) []bandJSON {
	out := make([]bandJSON, len(bs))
	for i, b := range bs {
		out[i] = bandJSON{FromMinutes: b.FromMinutes, Minutes: b.Minutes, Population: b.Population, CumulativePopulation: b.CumulativePopulation, Cells: b.Cells, Geometry: geojson.NewGeometry(b.Geometry)}
	}
	return out
}

// areaService counts the residents of cells whose centre lies in the
// project's service area. Without a layer of the areas served today,
// every resident inside counts as newly within the standard.
func (e *Engine) areaService(p layers.Project, d map[string]any) (*projectEffect, error) {
	var mp orb.MultiPolygon
	switch g := p.Geometry.(type) {
	case orb.Polygon:
		mp = orb.MultiPolygon{g}
	case orb.MultiPolygon:
		mp = g
	default:
		return nil, fmt.Errorf("analysis: assess: project %q: field geometry: an area service needs a Polygon or MultiPolygon, got %s: %w", p.ID, geomType(p.Geometry), layers.ErrInvalid)
	}
	f := newField(len(e.cells), MethodStraightLine)
	eff := &projectEffect{cat: p.Category, before: f, limit: 0, method: "cells whose centre lies in the service area (EPSG:25833)"}
	if s, ok := e.cat.Standard(p.Category, layers.Car); ok {
		eff.std = s
	}
	b := mp.Bound()
	var pop int64
	cells := 0
	for ci, c := range e.cells {
		if !b.Contains(c.utm) || !planar.MultiPolygonContains(mp, c.utm) {
			continue
		}
		eff.changes = append(eff.changes, cellChange{ci: int32(ci), before: math.Inf(1), after: 0})
		pop += c.pop
		cells++
	}
	d["population_inside"] = pop
	d["cells_inside"] = cells
	d["area_km2"] = planar.Area(mp) / 1e6
	return eff, nil
}

// muniAt returns the AGS of the municipality containing p (EPSG:25833), by
// polygon where geometries exist, else the municipality of the nearest
// populated cell centre; "" when neither is known.
func (e *Engine) muniAt(p orb.Point) string {
	for _, m := range e.munis {
		if len(m.Geometry) == 0 || !m.Geometry.Bound().Contains(p) {
			continue
		}
		if planar.MultiPolygonContains(m.Geometry, p) {
			return m.AGS
		}
	}
	best, bestD := "", math.Inf(1)
	for _, c := range e.cells {
		if d := math.Hypot(c.utm[0]-p[0], c.utm[1]-p[1]); d < bestD {
			best, bestD = c.ags, d
		}
	}
	return best
}

// placeOfMuni returns the central place a municipality belongs to (itself
// or through a Verbund) with its level.
func (e *Engine) placeOfMuni(ags string) (string, layers.Level, bool) {
	r, ok := appraisal.NewPlaceIndex(e.places).PlaceOf(ags)
	if !ok {
		return "", layers.LevelNone, false
	}
	return r.Name, r.Level, true
}

// equalOrHigherCovers says whether most beneficiaries already reach the
// category within the standard at a facility in a central place of level
// ≥ minLevel, and names those places.
func (e *Engine) equalOrHigherCovers(eff *projectEffect, minLevel layers.Level) (bool, []string) {
	if minLevel == layers.LevelNone || eff.before == nil || len(eff.changes) == 0 {
		return false, nil
	}
	idx := appraisal.NewPlaceIndex(e.places)
	var ben, covered int64
	names := map[string]bool{}
	for _, c := range eff.changes {
		if c.before-c.after < MinImprovementS {
			continue
		}
		pop := e.cells[c.ci].pop
		ben += pop
		fi := eff.before.fac[c.ci]
		if c.before > eff.limit || fi < 0 {
			continue
		}
		f := e.facs[fi]
		ags := f.AGS
		if ags == "" {
			ags = e.muniAt(f.Location)
		}
		if pl, ok := idx.PlaceOf(ags); ok && pl.Level >= minLevel {
			covered += pop
			names[pl.Name] = true
		}
	}
	if ben == 0 || float64(covered) < coversShare*float64(ben) {
		return false, nil
	}
	return true, sortedKeys(names)
}

type higherReach struct {
	strengthens bool
	places      []string
}

// facilityHigherReach: a new facility strengthens the reach of the next
// Mittel- or Oberzentrum when a site lies in one (or in a member of its
// Verbund) and it brings residents newly within the standard there.
func (e *Engine) facilityHigherReach(siteAGS []string, newly int64) higherReach {
	var h higherReach
	if newly == 0 {
		return h
	}
	names := map[string]bool{}
	for _, ags := range siteAGS {
		if name, lvl, ok := e.placeOfMuni(ags); ok && lvl >= layers.LevelMittelzentrum {
			names[name] = true
		}
	}
	h.places = sortedKeys(names)
	h.strengthens = len(h.places) > 0
	return h
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func uniqueStrings(s []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range s {
		if x != "" && !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}
