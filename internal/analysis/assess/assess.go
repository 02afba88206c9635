package assess

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"sort"
	"sync"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/planar"

	"reach/internal/analysis"
	"reach/internal/appraisal"
	"reach/internal/catalogue"
	"reach/layers"
)

// Assessment constants.
const (
	// MinImprovementS is the least drop of a resident's travel time, in
	// seconds, that makes them a beneficiary.
	MinImprovementS = 1.0
	// HigherReachMinutes is appraisal.HigherReachMinutes: the time by car
	// to the next Mittel- or Oberzentrum beyond which residents count as
	// under-served.
	HigherReachMinutes = appraisal.HigherReachMinutes
	// coversShare is the share of beneficiaries that must already reach
	// the category within the standard at a facility in a central place of
	// the needed level (or higher) for "an equal or higher central place
	// already offers it".
	coversShare = 0.5
)

// projectEffect is what a project changes for one category and mode.
type projectEffect struct {
	cat     layers.Category
	mode    layers.Mode
	std     catalogue.Standard
	limit   float64 // seconds
	before  analysis.Field
	changes []analysis.CellChange // sorted by cell
	method  string
	// served marks the cells a facility upgrade serves: they benefit
	// without any change of travel time.
	served map[int32]bool
}

// Assessor assesses the projects of one engine. It is safe for concurrent
// use; what it caches lives as long as the engine (see For).
type Assessor struct {
	eng   *analysis.Engine
	cache assessCache
	// sections memoises the need and public-transport sides of a dossier:
	// they depend on the project's effect (its fingerprint) and its title
	// (the name of a proposed fire station) only.
	sections sectionCache
	// rebuildRoads builds the network anew for every road project (see
	// NewRebuilding).
	rebuildRoads bool
}

type memoKey struct{}

// For returns the assessor of e, made on first use and kept with e.
func For(e *analysis.Engine) *Assessor {
	v, _ := e.Memo(memoKey{}, func() (any, error) { return &Assessor{eng: e}, nil })
	return v.(*Assessor)
}

// NewRebuilding returns an assessor of e, apart from the one For keeps,
// that builds the network of the mode anew for every road project instead
// of searching from the changed roads: the reference the faster path is
// tested and benchmarked against.
func NewRebuilding(e *analysis.Engine) *Assessor { return &Assessor{eng: e, rebuildRoads: true} }

// Engine returns the engine the assessor reads.
func (e *Assessor) Engine() *analysis.Engine { return e.eng }

// assessMode picks the mode of the standard a category is assessed by: car
// when the catalogue has a car standard, else the first mode (in
// layers.Modes order) that has one.
func (e *Assessor) assessMode(cat layers.Category) (layers.Mode, catalogue.Standard, bool) {
	for _, m := range layers.Modes() {
		if s, ok := e.eng.Catalogue().Standard(cat, m); ok {
			return m, s, true
		}
	}
	return "", catalogue.Standard{}, false
}

// SameSiteM is how close (metres) sites of two proposals must lie to
// count as the same site.
const SameSiteM = 50.0

// assessed is one project's assessment before scoring, with what the
// portfolio and the overlaps need.
type assessed struct {
	a     Assessment
	in    appraisal.ScoreInput
	cat   layers.Category // category and mode of the effect, for overlaps
	mode  layers.Mode
	ben   []cellPop // beneficiaries by cell, ascending
	newly []cellPop // residents newly within the standard, ascending
	sites []orb.Point
}

// cellPop is the population of one cell counted by an effect.
type cellPop struct {
	ci  int32
	pop int64
}

// effectResult is what a project changes, before costs, marks and score:
// the part of an assessment that needs the network, computed once per
// effect fingerprint. Its values are never modified once cached.
type effectResult struct {
	eff      *projectEffect // nil when unknown
	unknown  string         // why the effect is unknown
	agg      aggregation
	siteAGS  []string
	sites    []orb.Point
	higher   higherReach
	details  *Details
	covers   bool
	covering []string
}

// assessCache memoises effects by fingerprint. It is bounded: when full it
// starts afresh.
type assessCache struct {
	mu sync.Mutex
	m  map[string]*effectResult
}

const assessCacheMax = 2000

func (c *assessCache) get(k string) (*effectResult, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.m[k]
	return v, ok
}

func (c *assessCache) put(k string, v *effectResult) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= assessCacheMax {
		c.m = map[string]*effectResult{}
	}
	c.m[k] = v
}

// effectFingerprint is the key of a project's cached effect: the fields
// the effect depends on (kind, category, geometry, design speed,
// participating municipalities, upgrade). The engine's layers, catalogue
// and options are fixed for its life, so they need no place in the key.
func effectFingerprint(p layers.Project) string {
	h := sha256.New()
	fmt.Fprintf(h, "%q|%q|%q|%v|%v", p.Kind, p.Category, p.Municipalities, p.SpeedKmh, p.Geometry)
	if u := p.Upgrade; u != nil {
		fmt.Fprintf(h, "|%q|%v|%v|%q", u.FacilityID, fptr(u.CapacityChange), fptr(u.OpeningHoursChange), u.AccessibleFor)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// fptr is the value *p, or nil.
func fptr(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

// projectEffect is what the need side of a dossier reads of an effect.
func (e *Assessor) projectEffect(eff *projectEffect, r *effectResult) analysis.ProjectEffect {
	before := eff.before.Seconds()
	pe := analysis.ProjectEffect{Category: eff.cat, Mode: eff.mode, Before: before, After: before, Sites: r.sites}
	if len(eff.changes) > 0 {
		pe.After = append([]float64(nil), before...)
		for _, c := range eff.changes {
			pe.After[c.Cell] = c.After
			pe.Changed = append(pe.Changed, int(c.Cell))
		}
	}
	if u := r.details.FacilityUpgradeDetails; u != nil {
		pe.FacilityID = u.FacilityID
	}
	return pe
}

// effectOf returns p's effect, computing it once per fingerprint.
func (e *Assessor) effectOf(ctx context.Context, p layers.Project) (*effectResult, error) {
	k := effectFingerprint(p)
	if v, ok := e.cache.get(k); ok {
		return v, nil
	}
	v, err := e.computeEffect(ctx, p)
	if err != nil {
		return nil, err
	}
	e.cache.put(k, v)
	return v, nil
}

// sections are the need and public-transport sides of one dossier.
type sections struct {
	need, transit any
}

// sectionCache memoises sections by effect fingerprint and title; bounded
// like assessCache. A failed computation (a cancelled request, say) is not
// kept.
type sectionCache struct {
	mu sync.Mutex
	m  map[string]*sectionEntry
}

type sectionEntry struct {
	done chan struct{}
	v    sections
	err  error
}

// sectionsOf returns the need and public-transport sections of p, computed
// once per effect fingerprint and title; concurrent callers wait for the
// first.
func (e *Assessor) sectionsOf(ctx context.Context, p layers.Project, eff *projectEffect, r *effectResult) (sections, error) {
	k := effectFingerprint(p) + "\x00" + p.Title
	c := &e.sections
	c.mu.Lock()
	ent, ok := c.m[k]
	if !ok {
		if c.m == nil || len(c.m) >= assessCacheMax {
			c.m = map[string]*sectionEntry{}
		}
		ent = &sectionEntry{done: make(chan struct{})}
		c.m[k] = ent
	}
	c.mu.Unlock()
	if ok {
		select {
		case <-ent.done:
		case <-ctx.Done():
			return sections{}, fmt.Errorf("analysis: assess %s: %w", p.ID, ctx.Err())
		}
		if ent.err == nil {
			return ent.v, nil
		}
		// The first caller failed: compute for this one.
		return e.computeSections(ctx, p, eff, r)
	}
	ent.v, ent.err = e.computeSections(ctx, p, eff, r)
	if ent.err != nil {
		c.mu.Lock()
		if c.m[k] == ent {
			delete(c.m, k)
		}
		c.mu.Unlock()
	}
	close(ent.done)
	return ent.v, ent.err
}

// computeSections computes the need and public-transport sections of p.
func (e *Assessor) computeSections(ctx context.Context, p layers.Project, eff *projectEffect, r *effectResult) (sections, error) {
	pe := e.projectEffect(eff, r)
	nd, err := e.eng.NeedSectionOf(ctx, p, pe)
	if err != nil {
		return sections{}, fmt.Errorf("analysis: assess %s: need: %w", p.ID, err)
	}
	ts, err := e.eng.TransitSectionOf(ctx, pe)
	if err != nil {
		return sections{}, fmt.Errorf("analysis: assess %s: public transport: %w", p.ID, err)
	}
	return sections{need: nd, transit: ts}, nil
}

// AssessAll assesses every project and scores them together: the scores
// normalise across the proposals given (see ScoreProjects), so the set is
// part of the input. Each dossier lists its overlaps with the others. The
// result is in the order of projects sorted by id, and the same input gives
// the same result. A project's effect is computed once per change of the
// project and reused.
func (e *Assessor) AssessAll(ctx context.Context, projects []layers.Project) ([]Assessment, error) {
	as, _, err := e.assessSet(ctx, projects, func(string) bool { return true })
	return as, err
}

// assessSet is AssessAll that also returns the assessed values.
// withNeed says which dossiers get their need side and their overlaps
// (the ranking needs neither, one project's assessment only its own).
func (e *Assessor) assessSet(ctx context.Context, projects []layers.Project, withNeed func(id string) bool) ([]Assessment, []*assessed, error) {
	ps := append([]layers.Project(nil), projects...)
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].ID < ps[j].ID })
	seen := map[string]bool{}
	out := make([]Assessment, len(ps))
	vals := make([]*assessed, len(ps))
	inputs := make([]appraisal.ScoreInput, len(ps))
	for i, p := range ps {
		if p.ID == "" {
			return nil, nil, fmt.Errorf("analysis: assess: project %d: field id: empty: %w", i, layers.ErrInvalid)
		}
		if seen[p.ID] {
			return nil, nil, fmt.Errorf("analysis: assess: project %q: given twice: %w", p.ID, layers.ErrInvalid)
		}
		seen[p.ID] = true
		v, err := e.assessOne(ctx, p, withNeed(p.ID))
		if err != nil {
			return nil, nil, err
		}
		vals[i], out[i], inputs[i] = v, v.a, v.in
	}
	for i := range out {
		// Overlaps compare one proposal's cells with every other's: only
		// the dossiers asked for (withNeed) get them, so that one project's
		// assessment costs O(n), not O(n²), in the proposals of the call.
		if withNeed(ps[i].ID) {
			out[i].Overlaps = overlapsOf(i, vals, ps)
		}
	}
	w := e.eng.ScoreWeights()
	scores, err := appraisal.ScoreProjects(inputs, w)
	if err != nil {
		return nil, nil, fmt.Errorf("analysis: assess: %w", err)
	}
	for i := range out {
		out[i].Score = scores[i]
	}
	return out, vals, nil
}

// overlapsOf lists the proposals that share residents (same category and
// mode) or the site with proposal i.
func overlapsOf(i int, vals []*assessed, ps []layers.Project) []Overlap {
	out := []Overlap{}
	a := vals[i]
	for j, b := range vals {
		if j == i {
			continue
		}
		o := Overlap{ProjectID: ps[j].ID, Title: ps[j].Title, SameSite: sameSite(a.sites, b.sites)}
		sameService := a.cat != "" && a.cat == b.cat && a.mode == b.mode
		if a.a.Effect.Known && b.a.Effect.Known {
			if !sameService {
				if !o.SameSite {
					continue
				}
			} else {
				ben, newly := sharedPop(a.ben, b.ben), sharedPop(a.newly, b.newly)
				if ben == 0 && newly == 0 && !o.SameSite {
					continue
				}
				o.ResidentsGainedByBoth, o.NewlyWithinStandardByBoth = &ben, &newly
			}
		} else if !o.SameSite {
			continue
		}
		o.Duplicate = o.SameSite && ps[i].Kind == ps[j].Kind && ps[i].Category == ps[j].Category
		out = append(out, o)
	}
	return out
}

func sameSite(a, b []orb.Point) bool {
	for _, p := range a {
		for _, q := range b {
			if math.Hypot(p[0]-q[0], p[1]-q[1]) <= SameSiteM {
				return true
			}
		}
	}
	return false
}

// sharedPop sums the population of the cells in both ascending lists.
func sharedPop(a, b []cellPop) int64 {
	var n int64
	for i, j := 0, 0; i < len(a) && j < len(b); {
		switch {
		case a[i].ci < b[j].ci:
			i++
		case a[i].ci > b[j].ci:
			j++
		default:
			n += a[i].pop
			i++
			j++
		}
	}
	return n
}

// Assess assesses p within the call it belongs to: the proposals of set
// with p added (or replacing the proposal of the same id), so that its
// score and overlaps equal those AssessAll gives for that set.
func (e *Assessor) Assess(ctx context.Context, p layers.Project, set []layers.Project) (Assessment, error) {
	all := []layers.Project{p}
	for _, s := range set {
		if s.ID != p.ID {
			all = append(all, s)
		}
	}
	as, _, err := e.assessSet(ctx, all, func(id string) bool { return id == p.ID })
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
// the selection of eligible (complete) proposals that maximises the joint
// score within budget euros: the parts of the score that rest on residents
// (newly within the standard, beneficiaries) are spread over the residents'
// cells, and a cell shared by several selected proposals of the same
// category and mode is credited once (appraisal.SelectPortfolio). The
// search stops at the engine's RankingDeadline or when ctx is done and
// then reports the proven optimality gap.
func (e *Assessor) Ranking(ctx context.Context, projects []layers.Project, budget float64) (Ranking, error) {
	if math.IsNaN(budget) || math.IsInf(budget, 0) || budget < 0 || budget > 1e12 {
		return Ranking{}, fmt.Errorf("analysis: ranking: field budget: value %v: want 0 to 1e12 euros: %w", budget, layers.ErrInvalid)
	}
	as, vals, err := e.assessSet(ctx, projects, func(string) bool { return false })
	if err != nil {
		return Ranking{}, err
	}
	byID := map[string]layers.Project{}
	for _, p := range projects {
		byID[p.ID] = p
	}
	catIdx := map[string]int64{}
	var cands []appraisal.Candidate
	for i, a := range as {
		p := byID[a.ProjectID]
		if !a.Completeness.Complete {
			continue
		}
		c := appraisal.Candidate{ID: a.ProjectID, Score: a.Score.Total, CostCents: layers.Cents(p.RequestedFunding)}
		v := vals[i]
		svc := v.cat + ":" + layers.Category(v.mode)
		ci, ok := catIdx[string(svc)]
		if !ok {
			ci = int64(len(catIdx))
			catIdx[string(svc)] = ci
		}
		for k, crit := range []struct {
			name  string
			cells []cellPop
		}{{appraisal.CritNewlyWithinStandard, v.newly}, {appraisal.CritBeneficiaries, v.ben}} {
			contrib, total := criterionContribution(a.Score, crit.name), int64(0)
			for _, c := range crit.cells {
				total += c.pop
			}
			if contrib <= 0 || total <= 0 {
				continue
			}
			for _, cp := range crit.cells {
				key := (ci*int64(e.eng.NumCells())+int64(cp.ci))*2 + int64(k)
				c.Shares = append(c.Shares, appraisal.Share{Key: key, Points: contrib * float64(cp.pop) / float64(total)})
			}
		}
		cands = append(cands, c)
	}
	deadline := e.eng.RankingDeadline()
	pf, err := appraisal.SelectPortfolio(ctx, cands, layers.Cents(budget), deadline)
	if err != nil {
		return Ranking{}, fmt.Errorf("analysis: ranking: %w", err)
	}
	chosen := map[string]bool{}
	for _, id := range pf.Selected {
		chosen[id] = true
	}
	r := Ranking{Budget: budget, SelectedTotal: float64(pf.CostCents) / 100, SelectedScore: pf.JointScore, SumOfScores: pf.SumOfScores,
		Optimal: pf.Optimal, OptimalityGap: pf.OptimalityGap, UpperBound: pf.UpperBound, DeadlineSeconds: deadline.Seconds(),
		Method: pf.Method, Provenance: e.eng.Provenance("assessment of every proposal, " + pf.Method)}
	for _, a := range as {
		rp := RankedProject{ID: a.ProjectID, Title: a.Title, Score: a.Score.Total, RequestedFunding: byID[a.ProjectID].RequestedFunding,
			Selected: chosen[a.ProjectID], Eligible: a.Completeness.Complete}
		if !rp.Eligible {
			rp.NotEligible = a.Completeness.Missing
		}
		r.Projects = append(r.Projects, rp)
	}
	sort.SliceStable(r.Projects, func(i, j int) bool {
		if r.Projects[i].Eligible != r.Projects[j].Eligible {
			return r.Projects[i].Eligible
		}
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

// criterionContribution returns the contribution of the named criterion.
func criterionContribution(s appraisal.Score, name string) float64 {
	for _, c := range s.Criteria {
		if c.Name == name {
			return c.Contribution
		}
	}
	return 0
}

// unknownEffect is the reason an effect cannot be computed.
type unknownEffect struct{ reason string }

func (u *unknownEffect) Error() string { return u.reason }

// computeEffect computes what p changes. What the layers cannot tell (no
// facilities of the category, no network for the mode, no standard) makes
// the effect unknown with its reason; it never counts as zero.
func (e *Assessor) computeEffect(ctx context.Context, p layers.Project) (*effectResult, error) {
	r := &effectResult{details: &Details{}}
	var err error
	switch p.Kind {
	case layers.KindNewFacility:
		r.eff, r.siteAGS, r.sites, err = e.newFacility(ctx, p, r.details)
	case layers.KindRoadUpgrade:
		r.eff, r.higher, err = e.roadProject(ctx, p, r.details)
	case layers.KindAreaService:
		r.eff, err = e.areaService(p, r.details)
	case layers.KindFacilityUpgrade:
		r.eff, r.siteAGS, r.sites, err = e.facilityUpgrade(ctx, p, r.details)
	default:
		err = fmt.Errorf("analysis: assess: project %q: field kind: value %q: want new_facility, road_upgrade, area_service or facility_upgrade: %w", p.ID, p.Kind, layers.ErrInvalid)
	}
	var unk *unknownEffect
	switch {
	case errors.As(err, &unk):
		r.eff, r.unknown = nil, unk.reason
	case err != nil:
		return nil, err
	}
	if len(r.siteAGS) > 0 {
		r.details.SiteMunicipalities = r.siteAGS
	}
	if r.eff != nil {
		r.agg = e.aggregate(p, r.eff)
		minLevel, _ := e.eng.Catalogue().MinLevel(r.eff.cat)
		r.covers, r.covering = e.equalOrHigherCovers(r.eff, minLevel)
	}
	return r, nil
}

// assessOne gives p's assessment but the score and the overlaps, and the
// score input: the cached effect with p's costs, marks and completeness.
func (e *Assessor) assessOne(ctx context.Context, p layers.Project, withNeed bool) (*assessed, error) {
	r, err := e.effectOf(ctx, p)
	if err != nil {
		return nil, err
	}
	a := Assessment{ProjectID: p.ID, Title: p.Title, Kind: p.Kind, Category: p.Category, ByMunicipality: []MunicipalityBenefit{},
		Overlaps: []Overlap{}, Details: r.details.orNil()}
	v := &assessed{sites: r.sites}
	eff := r.eff
	in := appraisal.ScoreInput{ProjectID: p.ID, Innovation: p.Innovation, Transferability: p.Transferability, RequestedFunding: p.RequestedFunding}
	in.ParticipatingMunicipalities = len(uniqueStrings(p.Municipalities))
	var missing []Missing
	if eff == nil {
		a.Effect = Effect{Known: false, Reason: r.unknown}
		in.EffectUnknown = r.unknown
		missing = append(missing, Missing{Field: "effect", Reason: r.unknown})
		a.Provenance = e.eng.Provenance("effect unknown: " + r.unknown)
		for _, ags := range uniqueStrings(p.Municipalities) {
			a.ByMunicipality = append(a.ByMunicipality, MunicipalityBenefit{AGS: ags, Name: e.eng.MunicipalityName(ags), Participating: true})
		}
	} else {
		if eff.cat != "" {
			a.Category = eff.cat
		}
		v.cat, v.mode = eff.cat, eff.mode
		agg := r.agg
		v.ben, v.newly = agg.benCells, agg.newlyCells
		a.ByMunicipality = agg.byMuni
		a.Provenance = e.eng.Provenance(eff.method)
		newly, ben, part := agg.newly, agg.beneficiaries, agg.participating
		other := ben - part
		need := agg.needShare
		unrB, unrA := agg.unreachedBefore, agg.unreachedAfter
		a.NewlyWithinStandard = &newly
		a.Effect = Effect{Known: true, Mode: eff.mode, StandardMinutes: eff.std.MaxMinutes, StandardSource: eff.std.Source, Method: eff.method,
			Beneficiaries: &ben, BeneficiariesParticipating: &part, BeneficiariesOther: &other, NewlyWithinStandard: &newly,
			MunicipalitiesBenefiting: agg.munis, KreiseBenefiting: agg.kreise, PlanningRegionsBenefiting: agg.regions, NeedShare: &need,
			MeanSecondsBefore: agg.meanBefore, MeanSecondsAfter: agg.meanAfter, P90SecondsBefore: agg.p90Before, P90SecondsAfter: agg.p90After,
			UnreachedBefore: &unrB, UnreachedAfter: &unrA}
		if newly > 0 && p.InvestmentCost > 0 {
			c := p.InvestmentCost / float64(newly)
			a.Effect.CostPerNewlyCovered = &c
			in.CostPerNewlyCovered = c
		}
		in.NewlyWithinStandard = newly
		in.Beneficiaries = ben
		in.MunicipalitiesBenefiting, in.KreiseBenefiting, in.RegionsBenefiting = agg.munis, agg.kreise, agg.regions
		in.NeedShare = need
	}
	if p.InvestmentCost <= 0 {
		in.CostUnknown = "investment cost not stated"
		missing = append(missing, Missing{Field: "investment_cost", Reason: "not stated: the cost per resident newly within the standard is unknown"})
	}
	if p.RequestedFunding <= 0 {
		missing = append(missing, Missing{Field: "requested_funding", Reason: "not stated: the proposal cannot be weighed against the budget"})
	}
	a.Completeness = Completeness{Complete: len(missing) == 0, Missing: missing}
	if a.Completeness.Missing == nil {
		a.Completeness.Missing = []Missing{}
	}

	// Zentrale-Orte facts.
	minLevel, minSrc := e.eng.Catalogue().MinLevel(a.Category)
	if !a.Category.Valid() {
		minLevel, minSrc = layers.LevelNone, fmt.Sprintf("category %q is outside the catalogue", a.Category)
	}
	names := e.municipalityNames()
	a.ZentraleOrte = appraisal.AlignZentraleOrte(appraisal.AlignmentInput{
		Project: p, SiteAGS: r.siteAGS, Places: e.eng.CentralPlaces(), MinLevel: minLevel, MinLevelSource: minSrc, EffectKnown: eff != nil,
		EqualOrHigherCovers: r.covers, CoveringPlaces: r.covering,
		StrengthensHigherReach: r.higher.strengthens, HigherReachPlaces: r.higher.places, MunicipalityNames: names,
	})
	in.Alignment = a.ZentraleOrte.Verdict
	if eff != nil && withNeed {
		sec, err := e.sectionsOf(ctx, p, eff, r)
		if err != nil {
			return nil, err
		}
		a.Need, a.Transit = sec.need, sec.transit
	}
	v.a, v.in = a, in
	return v, nil
}

type namesKey struct{}

// municipalityNames maps the AGS of every municipality to its name, made
// once per engine (shared, read-only).
func (e *Assessor) municipalityNames() map[string]string {
	v, _ := e.eng.Memo(namesKey{}, func() (any, error) {
		names := make(map[string]string, e.eng.NumMunicipalities())
		for i := range e.eng.NumMunicipalities() {
			m := e.eng.Municipality(i)
			names[m.AGS] = m.Name
		}
		return names, nil
	})
	return v.(map[string]string)
}

// aggregation of one effect.
type aggregation struct {
	newly, beneficiaries, participating int64
	munis, kreise, regions              int
	needShare                           float64
	byMuni                              []MunicipalityBenefit
	meanBefore, meanAfter               *float64 // nil when no one is reached
	p90Before, p90After                 *float64
	unreachedBefore, unreachedAfter     int64
	benCells, newlyCells                []cellPop // ascending by cell
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

// projectStandard returns the category, mode and standard of p, or an
// *unknownEffect when the category has no standard or no facilities, or
// the mode of its standard no network.
func (e *Assessor) projectStandard(p layers.Project) (layers.Category, layers.Mode, catalogue.Standard, error) {
	switch {
	case p.Category == layers.CatOther:
		return "", "", catalogue.Standard{}, &unknownEffect{fmt.Sprintf("category %q: the field of the call has no category in the standards catalogue, so there is no standard and no facility layer to measure against", p.Category)}
	case !p.Category.Valid():
		return "", "", catalogue.Standard{}, fmt.Errorf("analysis: assess: project %q: field category: value %q: %w", p.ID, p.Category, layers.ErrInvalid)
	}
	mode, std, ok := e.assessMode(p.Category)
	if !ok {
		return "", "", catalogue.Standard{}, &unknownEffect{fmt.Sprintf("catalogue %s has no travel-time standard for category %q", e.eng.Catalogue().ID(), p.Category)}
	}
	if std.Measure != catalogue.MeasureAreaService {
		if len(e.eng.FacilityIndexes(p.Category)) == 0 {
			return "", "", catalogue.Standard{}, &unknownEffect{fmt.Sprintf("no facilities of category %q are loaded: the travel time before the project is unknown", p.Category)}
		}
		if _, ok := e.eng.Net(mode); !ok {
			return "", "", catalogue.Standard{}, &unknownEffect{fmt.Sprintf("no %s road network is loaded: travel times by %s are unknown", mode, mode)}
		}
	}
	return p.Category, mode, std, nil
}

// newFacility assesses new sites of a category: the drop of every cell's
// time, by the "only improving" search on the baseline field of the
// network.
func (e *Assessor) newFacility(ctx context.Context, p layers.Project, d *Details) (*projectEffect, []string, []orb.Point, error) {
	sites, err := projectSites(p)
	if err != nil {
		return nil, nil, nil, err
	}
	siteAGS := make([]string, len(sites))
	for i, s := range sites {
		siteAGS[i] = e.muniAt(s)
	}
	cat, mode, std, err := e.projectStandard(p)
	if err != nil {
		return nil, siteAGS, sites, err
	}
	if std.Measure == catalogue.MeasureAreaService {
		return nil, nil, nil, fmt.Errorf("analysis: assess: project %q: category %q is an area service; submit it as kind area_service: %w", p.ID, cat, layers.ErrInvalid)
	}
	f, err := e.eng.TravelField(ctx, cat, mode)
	if err != nil {
		return nil, nil, nil, err
	}
	eff := &projectEffect{cat: cat, mode: mode, std: std, limit: std.MaxSeconds(), before: f, method: f.Method()}
	se, err := addSites(ctx, e.eng, f, sites, catchmentMinutes(std))
	if err != nil {
		return nil, nil, nil, fmt.Errorf("analysis: assess: project %q: %w", p.ID, err)
	}
	eff.changes = se.Changes
	d.NewFacilityDetails = &NewFacilityDetails{Catchment: catchmentBands(se.Catchment), Sites: se.Sites}
	return eff, siteAGS, sites, nil
}

// facilityUpgrade assesses the improvement of an existing facility: the
// facility named by the project, or the nearest of its category to the
// site. It adds no coverage (no travel time changes): its beneficiaries
// are the residents whose nearest facility of the category it is, and the
// dossier names what changes (capacity, opening hours, accessibility).
func (e *Assessor) facilityUpgrade(ctx context.Context, p layers.Project, d *Details) (*projectEffect, []string, []orb.Point, error) {
	u := layers.Upgrade{}
	if p.Upgrade != nil {
		u = *p.Upgrade
	}
	fd := &FacilityUpgradeDetails{CapacityChange: u.CapacityChange, OpeningHoursChange: u.OpeningHoursChange, AccessibleFor: u.AccessibleFor}
	d.FacilityUpgradeDetails = fd
	var site orb.Point
	hasSite := false
	if pt, ok := p.Geometry.(orb.Point); ok {
		site, hasSite = pt, true
	}
	siteList := func() ([]string, []orb.Point) {
		if !hasSite {
			return nil, nil
		}
		return []string{e.muniAt(site)}, []orb.Point{site}
	}
	if p.Category == layers.CatOther || !p.Category.Valid() || len(e.eng.FacilityIndexes(p.Category)) == 0 {
		ags, sites := siteList()
		_, _, _, err := e.projectStandard(p)
		return nil, ags, sites, err
	}
	if u.CapacityChange == nil && u.OpeningHoursChange == nil && u.AccessibleFor == "" {
		ags, sites := siteList()
		return nil, ags, sites, &unknownEffect{"the upgrade states no change (capacity_change, opening_hours_change or accessible_for): what it improves is unknown"}
	}
	fi := -1
	if u.FacilityID != "" {
		for _, i := range e.eng.FacilityIndexes(p.Category) {
			if e.eng.Facilities()[i].ID == u.FacilityID {
				fi = i
			}
		}
		if fi < 0 {
			for _, f := range e.eng.Facilities() {
				if f.ID == u.FacilityID {
					return nil, nil, nil, fmt.Errorf("analysis: assess: project %q: field facility_id: value %q: the facility is of category %q, not %q: %w", p.ID, u.FacilityID, f.Category, p.Category, layers.ErrInvalid)
				}
			}
			ags, sites := siteList()
			return nil, ags, sites, &unknownEffect{fmt.Sprintf("facility %q is not in the loaded facilities of category %q", u.FacilityID, p.Category)}
		}
	} else if hasSite {
		best := math.Inf(1)
		for _, i := range e.eng.FacilityIndexes(p.Category) {
			q := e.eng.Facilities()[i].Location
			if dd := math.Hypot(q[0]-site[0], q[1]-site[1]); dd < best {
				best, fi = dd, i
			}
		}
		if fi >= 0 {
			fd.FacilityDistanceM = &best
		}
	}
	if fi < 0 {
		ags, sites := siteList()
		return nil, ags, sites, &unknownEffect{fmt.Sprintf("no facilities of category %q are loaded: the facility to upgrade and whom it serves are unknown", p.Category)}
	}
	fac := e.eng.Facilities()[fi]
	fd.FacilityID, fd.FacilityName = fac.ID, fac.Name
	site = e.eng.Facilities()[fi].Location
	hasSite = true
	ags, sites := siteList()
	cat, mode, std, err := e.projectStandard(p)
	if err != nil {
		return nil, ags, sites, err
	}
	f, err := e.eng.TravelField(ctx, cat, mode)
	if err != nil {
		return nil, nil, nil, err
	}
	eff := &projectEffect{cat: cat, mode: mode, std: std, limit: std.MaxSeconds(), before: f, served: map[int32]bool{},
		method: f.Method() + ": residents whose nearest facility of the category is the upgraded one; an upgrade adds no coverage"}
	var served int64
	for ci := range e.eng.NumCells() {
		if f.Facility(ci) == fi {
			eff.served[int32(ci)] = true
			served += e.eng.Cell(ci).Residents
		}
	}
	fd.ServedResidents = &served
	return eff, ags, sites, nil
}

// catchmentMinutes are the thresholds of a new facility's catchment: half
// the standard and the standard.
func catchmentMinutes(std catalogue.Standard) []float64 {
	if std.MaxMinutes <= 0 {
		return []float64{15, 30}
	}
	return []float64{std.MaxMinutes / 2, std.MaxMinutes}
}

// catchmentBands converts the engine's bands for the dossier.
func catchmentBands(bs []analysis.Band) []CatchmentBand {
	out := make([]CatchmentBand, len(bs))
	for i, b := range bs {
		out[i] = CatchmentBand{FromMinutes: b.FromMinutes, Minutes: b.Minutes, Population: b.Population, CumulativePopulation: b.CumulativePopulation, Cells: b.Cells, Geometry: geojson.NewGeometry(b.Geometry)}
	}
	return out
}

// orNil returns d, or nil when it holds nothing.
func (d *Details) orNil() *Details {
	if d == nil || (d.SiteMunicipalities == nil && d.NewFacilityDetails == nil && d.RoadUpgradeDetails == nil && d.AreaServiceDetails == nil && d.FacilityUpgradeDetails == nil) {
		return nil
	}
	return d
}

// areaService counts the residents of cells whose centre lies in the
// project's service area. There is no layer of the areas served today, so
// who would gain is unknown: the effect is unknown with that reason, and
// the residents inside are reported as a fact in the details.
func (e *Assessor) areaService(p layers.Project, d *Details) (*projectEffect, error) {
	var mp orb.MultiPolygon
	switch g := p.Geometry.(type) {
	case orb.Polygon:
		mp = orb.MultiPolygon{g}
	case orb.MultiPolygon:
		mp = g
	default:
		return nil, fmt.Errorf("analysis: assess: project %q: field geometry: an area service needs a Polygon or MultiPolygon, got %s: %w", p.ID, geomType(p.Geometry), layers.ErrInvalid)
	}
	b := mp.Bound()
	var pop int64
	cells := 0
	for ci := range e.eng.NumCells() {
		c := e.eng.Cell(ci)
		if !b.Contains(c.UTM) || !planar.MultiPolygonContains(mp, c.UTM) {
			continue
		}
		pop += c.Residents
		cells++
	}
	d.AreaServiceDetails = &AreaServiceDetails{PopulationInside: pop, CellsInside: cells, AreaKm2: planar.Area(mp) / 1e6}
	return nil, &unknownEffect{fmt.Sprintf("no layer of the areas served today by %s is loaded: who would newly be served is unknown (%d residents live inside the area)", p.Category, pop)}
}

// muniAt is Engine.MunicipalityAt.
func (e *Assessor) muniAt(p orb.Point) string { return e.eng.MunicipalityAt(p) }

// placeOfMuni returns the central place a municipality belongs to (itself
// or through a Verbund) with its level.
func (e *Assessor) placeOfMuni(ags string) (string, layers.Level, bool) {
	r, ok := appraisal.NewPlaceIndex(e.eng.CentralPlaces()).PlaceOf(ags)
	if !ok {
		return "", layers.LevelNone, false
	}
	return r.Name, r.Level, true
}

// equalOrHigherCovers says whether most beneficiaries already reach the
// category within the standard at a facility in a central place of level
// ≥ minLevel, and names those places.
func (e *Assessor) equalOrHigherCovers(eff *projectEffect, minLevel layers.Level) (bool, []string) {
	if minLevel == layers.LevelNone || len(eff.changes) == 0 {
		return false, nil
	}
	idx := appraisal.NewPlaceIndex(e.eng.CentralPlaces())
	var ben, covered int64
	names := map[string]bool{}
	for _, c := range eff.changes {
		if c.Before-c.After < MinImprovementS {
			continue
		}
		pop := e.eng.Cell(int(c.Cell)).Residents
		ben += pop
		fi := eff.before.Facility(int(c.Cell))
		if c.Before > eff.limit || fi < 0 {
			continue
		}
		f := e.eng.Facilities()[fi]
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
