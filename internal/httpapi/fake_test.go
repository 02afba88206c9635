package httpapi

import (
	"context"
	"fmt"
	"sort"
	"sync"

	"github.com/paulmach/orb"

	"reach/internal/analysis"
	"reach/internal/analysis/assess"
	"reach/internal/analysis/gaps"
	"reach/internal/analysis/sites"
	"reach/internal/analysis/transit"
	"reach/internal/appraisal"
	"reach/layers"
	"reach/layers/query"
)

// fakeSource is a small in-memory FeatureSource for the tests: collections
// with features in CRS84, keyset paging by layers.CompareIDs, bbox and
// filters as the stores apply them.
type fakeSource struct {
	colls    []layers.Collection
	features map[string][]layers.Feature // sorted by id
	panicOn  string                      // collection whose Items panics
}

var _ layers.FeatureSource = (*fakeSource)(nil)

// newFakeSource holds 25 facilities on a 5×5 lattice around Dresden
// (ids f00…f24, lon 13.70 + 0.01·i, lat 51.00 + 0.01·j), two municipalities
// (squares) and nothing else.
func newFakeSource() *fakeSource {
	fac, _ := layers.CollectionInfo(layers.CollFacilities)
	mun, _ := layers.CollectionInfo(layers.CollMunicipalities)
	fac.Extent = orb.Bound{Min: orb.Point{13.70, 51.00}, Max: orb.Point{13.74, 51.04}}
	s := &fakeSource{colls: []layers.Collection{mun, fac}, features: map[string][]layers.Feature{}}
	cats := []layers.Category{layers.CatPharmacy, layers.CatKita, layers.CatGeneralPractice}
	for k := 0; k < 25; k++ {
		i, j := k%5, k/5
		cat := cats[k%3]
		s.features[fac.ID] = append(s.features[fac.ID], layers.Feature{
			ID:       fmt.Sprintf("f%02d", k),
			Geometry: orb.Point{13.70 + 0.01*float64(i), 51.00 + 0.01*float64(j)},
			Properties: []layers.Property{
				{Name: "category", Value: string(cat)}, {Name: "name", Value: fmt.Sprintf("Site %d", k)},
				{Name: "capacity", Value: nil}, {Name: "source", Value: "test"}, {Name: "ags", Value: "14612000"},
			},
		})
	}
	square := func(x, y, d float64) orb.MultiPolygon {
		return orb.MultiPolygon{{{{x, y}, {x + d, y}, {x + d, y + d}, {x, y + d}, {x, y}}}}
	}
	s.features[mun.ID] = []layers.Feature{
		{ID: "14612000", Geometry: square(13.6, 50.95, 0.2), Properties: []layers.Property{{Name: "ags", Value: "14612000"}, {Name: "name", Value: "Dresden"}, {Name: "population", Value: int64(556780)}}},
		{ID: "14628110", Geometry: square(13.9, 50.95, 0.1), Properties: []layers.Property{{Name: "ags", Value: "14628110"}, {Name: "name", Value: "Pirna"}, {Name: "population", Value: int64(39000)}}},
	}
	return s
}

func (s *fakeSource) Collections(ctx context.Context) ([]layers.Collection, error) {
	return append([]layers.Collection(nil), s.colls...), nil
}

func (s *fakeSource) Collection(ctx context.Context, id string) (layers.Collection, error) {
	for _, c := range s.colls {
		if c.ID == id {
			return c, nil
		}
	}
	return layers.Collection{}, fmt.Errorf("fake: collection %q: %w", id, layers.ErrNotFound)
}

func (s *fakeSource) Items(ctx context.Context, q layers.ItemsQuery) (layers.Page, error) {
	if q.Collection == s.panicOn {
		panic("fake: boom")
	}
	c, err := s.Collection(ctx, q.Collection)
	if err != nil {
		return layers.Page{}, err
	}
	if err := query.CheckParams(c, q.Filters); err != nil {
		return layers.Page{}, err
	}
	if err := query.Check(c, q.Filter); err != nil {
		return layers.Page{}, err
	}
	var match []layers.Feature
	for _, f := range s.features[q.Collection] {
		if q.BBox != nil && (f.Geometry == nil || !f.Geometry.Bound().Intersects(*q.BBox)) {
			continue
		}
		if !query.MatchParams(f, q.Filters) || !query.Match(q.Filter, f) {
			continue
		}
		match = append(match, f)
	}
	return query.PageOf(q.Collection, match, q.After, q.Limit), nil
}

func (s *fakeSource) Item(ctx context.Context, collection, id string) (layers.Feature, error) {
	if _, err := s.Collection(ctx, collection); err != nil {
		return layers.Feature{}, err
	}
	for _, f := range s.features[collection] {
		if f.ID == id {
			return f, nil
		}
	}
	return layers.Feature{}, fmt.Errorf("fake: feature %q: %w", id, layers.ErrNotFound)
}

// fakeStore keeps projects; the other Store methods are not used by the
// handler and panic through the nil embedded interface.
type fakeStore struct {
	layers.Store
	mu       sync.Mutex
	projects map[string]layers.Project
	idem     map[string][2]string // actor NUL key → fingerprint, project id
}

func (s *fakeStore) Project(ctx context.Context, id string) (layers.Project, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.projects[id]
	if !ok {
		return layers.Project{}, fmt.Errorf("fake: project %q: %w", id, layers.ErrNotFound)
	}
	return p, nil
}

func (s *fakeStore) Projects(ctx context.Context) ([]layers.Project, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []layers.Project
	for _, p := range s.projects {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

func (s *fakeStore) CreateProject(ctx context.Context, p layers.Project, c layers.Create) (layers.Project, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := p.Validate(); err != nil {
		return p, false, err
	}
	if c.IdempotencyKey != "" {
		if e, ok := s.idem[c.Actor.Name+"\x00"+c.IdempotencyKey]; ok {
			if e[0] != c.Fingerprint {
				return p, false, fmt.Errorf("fake: key reused: %w", layers.ErrConflict)
			}
			return s.projects[e[1]], false, nil
		}
	}
	if _, ok := s.projects[p.ID]; ok {
		return p, false, fmt.Errorf("fake: id %q taken: %w", p.ID, layers.ErrConflict)
	}
	p.Revision = 1
	s.projects[p.ID] = p
	if c.IdempotencyKey != "" {
		if s.idem == nil {
			s.idem = map[string][2]string{}
		}
		s.idem[c.Actor.Name+"\x00"+c.IdempotencyKey] = [2]string{c.Fingerprint, p.ID}
	}
	return p, true, nil
}

func (s *fakeStore) UpdateProject(ctx context.Context, p layers.Project, by layers.Actor) (layers.Project, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.projects[p.ID]
	if !ok {
		return p, fmt.Errorf("fake: project %q: %w", p.ID, layers.ErrNotFound)
	}
	if old.Revision != p.Revision {
		return old, fmt.Errorf("fake: stale: %w", layers.ErrStale)
	}
	p.Revision++
	p.Source, p.SubmittedBy = old.Source, old.SubmittedBy
	s.projects[p.ID] = p
	return p, nil
}

func (s *fakeStore) PutProject(ctx context.Context, p layers.Project) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.projects[p.ID] = p
	return nil
}

// fakeAnalyzer answers with values derived from the request so that tests
// can check that the request arrived intact.
type fakeAnalyzer struct {
	mu        sync.Mutex
	lastIso   analysis.IsochroneRequest
	lastSites sites.Request
	budget    float64
	ranked    []string
	block     chan struct{} // when set, Matrix waits on it
	derived   layers.FeatureSource
}

func (a *fakeAnalyzer) Matrix(ctx context.Context, req analysis.MatrixRequest) (analysis.MatrixResult, error) {
	if a.block != nil {
		select {
		case <-a.block:
		case <-ctx.Done():
			return analysis.MatrixResult{}, ctx.Err()
		}
	}
	res := analysis.MatrixResult{}
	for i, s := range req.Sources {
		var durs, dists []*float64
		for j, d := range req.Destinations {
			if j == 1 && i == 0 {
				durs, dists = append(durs, nil), append(dists, nil) // one unreachable pair
				continue
			}
			v := 100*float64(i) + float64(j)
			m := (d[0] - s[0]) * 1000
			durs, dists = append(durs, &v), append(dists, &m)
		}
		res.Durations = append(res.Durations, durs)
		res.Distances = append(res.Distances, dists)
		res.Sources = append(res.Sources, analysis.SnapInfo{Input: s, Location: s, Snapped: true})
	}
	for _, d := range req.Destinations {
		res.Destinations = append(res.Destinations, analysis.SnapInfo{Input: d, Location: d, Snapped: true})
	}
	return res, nil
}

// RoundTrips echoes the query: one municipality whose share is the stay over 100.
func (a *fakeAnalyzer) RoundTrips(ctx context.Context, q transit.RoundTripQuery) (transit.RoundTripResult, error) {
	return transit.RoundTripResult{Category: q.Category, ArriveBy: q.ArriveBy.Format("2006-01-02T15:04:05"), StayMinutes: q.StayMinutes,
		Municipalities: []transit.RoundTripArea{{AGS: "14628010", Population: 100, Possible: int64(q.StayMinutes), Share: float64(q.StayMinutes) / 100}},
		Cells:          []transit.RoundTripCell{{CellID: "c", Possible: true}}}, nil
}

// Gaps echoes the query: the standard is max_minutes (or 20), one cell
// outside unless the category is kita, and only_thin_or_weak as given.
func (a *fakeAnalyzer) Gaps(ctx context.Context, q gaps.Query) (gaps.Report, error) {
	rep := gaps.Report{Category: q.Category, Mode: q.Mode, StandardMinutes: 20, OnlyThinOrWeak: q.OnlyThinOrWeak,
		MethodShares: map[string]float64{"network": 1}, Population: 100}
	if q.MaxMinutes > 0 {
		rep.StandardMinutes = q.MaxMinutes
	}
	if q.Category != layers.CatKita {
		rep.Cells, rep.Outside, rep.Share = []gaps.Cell{{CellID: "c", Population: 7}}, 7, 0.07
	}
	return rep, nil
}

func (a *fakeAnalyzer) Isochrones(ctx context.Context, req analysis.IsochroneRequest) (analysis.IsochroneResult, error) {
	a.mu.Lock()
	a.lastIso = req
	a.mu.Unlock()
	res := analysis.IsochroneResult{Method: "fake rings"}
	o := req.Origins[0]
	prev := 0.0
	for i, m := range req.Minutes {
		d := 0.01 * m
		res.Bands = append(res.Bands, analysis.Band{
			FromMinutes: prev, Minutes: m, Population: int64(1000 * (i + 1)), Cells: 10 * (i + 1),
			Geometry: orb.MultiPolygon{{{{o[0] - d, o[1] - d}, {o[0] + d, o[1] - d}, {o[0] + d, o[1] + d}, {o[0] - d, o[1] + d}, {o[0] - d, o[1] - d}}}},
		})
		prev = m
	}
	res.Origins = []analysis.SnapInfo{{Input: o, Location: o, Snapped: true}}
	return res, nil
}

func (a *fakeAnalyzer) Assess(ctx context.Context, p layers.Project, set []layers.Project) (assess.Assessment, error) {
	newly := int64(1234)
	return assess.Assessment{ProjectID: p.ID, Title: p.Title, Kind: p.Kind, Category: p.Category, NewlyWithinStandard: &newly,
		ZentraleOrte: appraisal.Alignment{Verdict: appraisal.Aligned, Reasons: []appraisal.Reason{{Rule: appraisal.RuleSiteLevel, Finding: appraisal.FindingFits, Text: "site in a Grundzentrum"}}},
		Score:        appraisal.Score{Total: 0.5}}, nil
}

func (a *fakeAnalyzer) Ranking(ctx context.Context, ps []layers.Project, budget float64) (assess.Ranking, error) {
	a.mu.Lock()
	a.budget = budget
	a.ranked = nil
	for _, p := range ps {
		a.ranked = append(a.ranked, p.ID)
	}
	a.mu.Unlock()
	r := assess.Ranking{Budget: budget, Method: "fake"}
	for i, p := range ps {
		r.Projects = append(r.Projects, assess.RankedProject{Rank: i + 1, ID: p.ID, Title: p.Title, RequestedFunding: p.RequestedFunding})
	}
	return r, nil
}

func (a *fakeAnalyzer) SuggestSites(ctx context.Context, req sites.Request) (sites.Result, error) {
	a.mu.Lock()
	a.lastSites = req
	a.mu.Unlock()
	if req.Category == layers.CatSewage {
		return sites.Result{}, fmt.Errorf("fake: category %q has no standard: %w", req.Category, layers.ErrInvalid)
	}
	return sites.Result{Category: req.Category, Mode: req.Mode, Sites: make([]sites.Site, req.K)}, nil
}

func (a *fakeAnalyzer) Derived() layers.FeatureSource { return a.derived }

// hSem exposes the analysis semaphore of the env's handler for the
// overload test.
func (e *env) hSem() chan struct{} { return e.srv.sem }
