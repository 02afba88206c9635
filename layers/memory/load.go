package memory

import (
	"context"
	"fmt"
	"iter"
	"maps"
	"sort"
	"strconv"
	"strings"

	"reach/layers"
)

// collect consumes src completely, validating each record with check
// (its Validate method, and the rules of the load) and rejecting duplicate
// keys. It stops at the first stream error, invalid record or cancellation
// of ctx. Errors name the layer and the record number (1-based, in stream
// order); an invalid record's error is layers.FieldErrors.
func collect[T any](ctx context.Context, layer string, src iter.Seq2[T, error],
	key func(T) string, check func(T) error) ([]T, error) {
	var out []T
	seen := map[string]int{}
	n := 0
	for v, err := range src {
		n++
		if n%1024 == 0 {
			if cerr := ctx.Err(); cerr != nil {
				return nil, fmt.Errorf("memory: %s: record %d: %w", layer, n, cerr)
			}
		}
		if err != nil {
			return nil, fmt.Errorf("memory: %s: record %d: %w", layer, n, err)
		}
		k := key(v)
		if err := check(v); err != nil {
			return nil, fmt.Errorf("memory: %s: record %d: %w", layer, n, err)
		}
		if first, dup := seen[k]; dup {
			return nil, fmt.Errorf("memory: %s: record %d: %w", layer, n,
				layers.Invalid(k, "id", k, fmt.Sprintf("duplicate of record %d", first)))
		}
		seen[k] = n
		out = append(out, v)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("memory: %s: %w", layer, err)
	}
	return out, nil
}

// valid is the check of records that have no rules beyond their own.
func valid[T interface{ Validate() error }](v T) error { return v.Validate() }

// ReplaceMunicipalities replaces the municipalities layer.
func (s *Store) ReplaceMunicipalities(ctx context.Context, src iter.Seq2[layers.Municipality, error]) (int, error) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	ms, err := collect(ctx, "municipalities", src, func(m layers.Municipality) string { return m.AGS }, valid)
	if err != nil {
		return 0, err
	}
	cur := s.snap()
	for i := range ms {
		ms[i] = cloneMunicipality(ms[i])
		// Indicators are a layer of their own: a municipality that stays
		// keeps the values its record does not give anew.
		if j, ok := cur.munIndex[ms[i].AGS]; ok {
			for k, v := range cur.municipalities[j].Indicators {
				if _, given := ms[i].Indicators[k]; !given {
					if ms[i].Indicators == nil {
						ms[i].Indicators = map[string]float64{}
					}
					ms[i].Indicators[k] = v
				}
			}
		}
	}
	next := cur.clone()
	next.setMunicipalities(ms)
	s.swap(next)
	return len(ms), nil
}

func (sn *snapshot) setMunicipalities(ms []layers.Municipality) {
	sort.Slice(ms, func(a, b int) bool { return ms[a].AGS < ms[b].AGS })
	sn.municipalities = ms
	sn.munIndex = make(map[string]int, len(ms))
	for i, m := range ms {
		sn.munIndex[m.AGS] = i
	}
	sn.colls[layers.CollMunicipalities] = municipalityIndex(ms)
}

// UpdatePopulation sets population, reference date and (when non-zero)
// area of existing municipalities; an AGS not in the layer is an error
// wrapping layers.ErrInvalid that names it, and nothing is changed.
func (s *Store) UpdatePopulation(ctx context.Context, src iter.Seq2[layers.PopulationRecord, error]) (int, error) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	cur := s.snap()
	recs, err := collect(ctx, "population", src, func(r layers.PopulationRecord) string { return r.AGS },
		func(r layers.PopulationRecord) error {
			if err := r.Validate(); err != nil {
				return err
			}
			if _, ok := cur.munIndex[r.AGS]; !ok {
				return layers.Invalid("population of "+r.AGS, "ags", r.AGS, "no such municipality")
			}
			return nil
		})
	if err != nil {
		return 0, err
	}
	ms := make([]layers.Municipality, len(cur.municipalities))
	copy(ms, cur.municipalities) // records share immutable geometry and maps
	for _, r := range recs {
		m := &ms[cur.munIndex[r.AGS]]
		m.Population, m.PopulationDate = r.Population, r.Date
		if r.AreaKm2 > 0 {
			m.AreaKm2 = r.AreaKm2
		}
	}
	next := cur.clone()
	next.setMunicipalities(ms)
	s.swap(next)
	return len(recs), nil
}

// ReplaceIndicators replaces, for every municipality named in the stream,
// its values of the indicator keys present in the stream; other keys and
// other municipalities keep theirs. An unknown AGS is an error.
func (s *Store) ReplaceIndicators(ctx context.Context, src iter.Seq2[layers.IndicatorValue, error]) (int, error) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	cur := s.snap()
	vals, err := collect(ctx, "indicators", src, func(v layers.IndicatorValue) string { return v.AGS + " " + v.Key },
		func(v layers.IndicatorValue) error {
			if err := v.Validate(); err != nil {
				return err
			}
			if _, ok := cur.munIndex[v.AGS]; !ok {
				return layers.Invalid("indicator "+strconv.Quote(v.Key)+" of "+v.AGS, "ags", v.AGS, "no such municipality")
			}
			return nil
		})
	if err != nil {
		return 0, err
	}
	keys := map[string]bool{}
	named := map[string]bool{}
	for _, v := range vals {
		keys[v.Key], named[v.AGS] = true, true
	}
	ms := make([]layers.Municipality, len(cur.municipalities))
	copy(ms, cur.municipalities)
	for i := range ms {
		if !named[ms[i].AGS] {
			continue
		}
		ind := maps.Clone(ms[i].Indicators)
		if ind == nil {
			ind = map[string]float64{}
		}
		for k := range keys {
			delete(ind, k)
		}
		ms[i].Indicators = ind
	}
	for _, v := range vals {
		ms[cur.munIndex[v.AGS]].Indicators[v.Key] = v.Value
	}
	next := cur.clone()
	next.setMunicipalities(ms)
	s.swap(next)
	return len(vals), nil
}

// ReplaceMemberships replaces every membership of one kind; each record's
// Kind must be that kind.
func (s *Store) ReplaceMemberships(ctx context.Context, kind layers.MembershipKind, src iter.Seq2[layers.Membership, error]) (int, error) {
	switch kind {
	case layers.KindVerbund, layers.KindVerwaltungsgemeinschaft, layers.KindMittelbereich:
	default:
		return 0, fmt.Errorf("memory: memberships: kind %q: want verbund, verwaltungsgemeinschaft or mittelbereich: %w", kind, layers.ErrInvalid)
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	recs, err := collect(ctx, "memberships", src, func(m layers.Membership) string { return m.AGS + " " + m.GroupID },
		func(m layers.Membership) error {
			if err := m.Validate(); err != nil {
				return err
			}
			if m.Kind != kind {
				return layers.Invalid("membership of "+m.AGS+" in "+strconv.Quote(m.GroupID), "kind", string(m.Kind), fmt.Sprintf("want %q as the replaced kind", kind))
			}
			return nil
		})
	if err != nil {
		return 0, err
	}
	cur := s.snap()
	all := make([]layers.Membership, 0, len(cur.memberships)+len(recs))
	for _, m := range cur.memberships {
		if m.Kind != kind {
			all = append(all, m)
		}
	}
	all = append(all, recs...)
	sort.Slice(all, func(a, b int) bool {
		x, y := all[a], all[b]
		if x.AGS != y.AGS {
			return x.AGS < y.AGS
		}
		if x.Kind != y.Kind {
			return x.Kind < y.Kind
		}
		return x.GroupID < y.GroupID
	})
	next := cur.clone()
	next.memberships = all
	s.swap(next)
	return len(recs), nil
}

// ReplaceCells replaces the population grid.
func (s *Store) ReplaceCells(ctx context.Context, src iter.Seq2[layers.Cell, error]) (int, error) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	cs, err := collect(ctx, "population-grid", src, func(c layers.Cell) string { return c.ID }, valid)
	if err != nil {
		return 0, err
	}
	for i := range cs {
		cs[i] = cloneCell(cs[i])
	}
	sort.Slice(cs, func(a, b int) bool { return cs[a].ID < cs[b].ID })
	next := s.snap().clone()
	next.cells = cs
	next.colls[layers.CollPopulationGrid] = cellIndex(cs)
	s.swap(next)
	return len(cs), nil
}

// ReplaceCentralPlaces replaces the central places.
func (s *Store) ReplaceCentralPlaces(ctx context.Context, src iter.Seq2[layers.CentralPlace, error]) (int, error) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	ps, err := collect(ctx, "central-places", src, func(p layers.CentralPlace) string { return p.ID }, valid)
	if err != nil {
		return 0, err
	}
	for i := range ps {
		ps[i] = clonePlace(ps[i])
	}
	sort.Slice(ps, func(a, b int) bool { return ps[a].ID < ps[b].ID })
	next := s.snap().clone()
	next.places = ps
	next.colls[layers.CollCentralPlaces] = placeIndex(ps)
	s.swap(next)
	return len(ps), nil
}

// SourceKey returns the source key of a facility's Source: the part before
// the first ":", or the whole value when it has none. ReplaceFacilities
// replaces the facilities whose SourceKey equals its source argument.
func SourceKey(source string) string {
	if i := strings.IndexByte(source, ':'); i >= 0 {
		return source[:i]
	}
	return source
}

// ReplaceFacilities replaces the facilities from one source (the SourceKey
// of Facility.Source); facilities of other sources stay. Every record must
// belong to that source, and an id already used by another source is an
// error.
func (s *Store) ReplaceFacilities(ctx context.Context, source string, src iter.Seq2[layers.Facility, error]) (int, error) {
	if strings.TrimSpace(source) == "" {
		return 0, fmt.Errorf("memory: facilities: source %q: must not be empty: %w", source, layers.ErrInvalid)
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	cur := s.snap()
	others := map[string]string{}
	for _, f := range cur.facilities {
		if SourceKey(f.Source) != source {
			others[f.ID] = f.Source
		}
	}
	fs, err := collect(ctx, "facilities", src, func(f layers.Facility) string { return f.ID },
		func(f layers.Facility) error {
			if err := f.Validate(); err != nil {
				return err
			}
			if SourceKey(f.Source) != source {
				return layers.Invalid("facility "+strconv.Quote(f.ID), "source", f.Source, fmt.Sprintf("does not belong to the replaced source %q", source))
			}
			if o, taken := others[f.ID]; taken {
				return layers.Invalid("facility "+strconv.Quote(f.ID), "id", f.ID, fmt.Sprintf("already used by source %q", o))
			}
			return nil
		})
	if err != nil {
		return 0, err
	}
	all := make([]layers.Facility, 0, len(cur.facilities)+len(fs))
	for _, f := range cur.facilities {
		if SourceKey(f.Source) != source {
			all = append(all, f)
		}
	}
	for _, f := range fs {
		all = append(all, cloneFacility(f))
	}
	sort.Slice(all, func(a, b int) bool { return all[a].ID < all[b].ID })
	next := cur.clone()
	next.facilities = all
	next.colls[layers.CollFacilities] = facilityIndex(all)
	s.swap(next)
	return len(fs), nil
}

// ReplaceRoads replaces the road network.
func (s *Store) ReplaceRoads(ctx context.Context, src iter.Seq2[layers.RoadSegment, error]) (int, error) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	rs, err := collect(ctx, "roads", src, func(r layers.RoadSegment) string { return strconv.FormatInt(r.ID, 10) }, valid)
	if err != nil {
		return 0, err
	}
	for i := range rs {
		rs[i] = cloneRoad(rs[i])
	}
	sort.Slice(rs, func(a, b int) bool { return rs[a].ID < rs[b].ID })
	next := s.snap().clone()
	next.roads = rs
	next.colls[layers.CollRoads] = roadIndex(rs)
	s.swap(next)
	return len(rs), nil
}

// PutProject inserts or replaces one project by id (Source "api" when
// empty); a replaced project gets the next revision.
func (s *Store) PutProject(ctx context.Context, p layers.Project) error {
	if err := checkCtx(ctx, "projects"); err != nil {
		return err
	}
	if p.Source == "" {
		p.Source = "api"
	}
	if err := p.Validate(); err != nil {
		return fmt.Errorf("memory: projects: %w", err)
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	cur := s.snap()
	ps := make([]layers.Project, 0, len(cur.projects)+1)
	p.Revision = 1
	for _, q := range cur.projects {
		if q.ID != p.ID {
			ps = append(ps, q)
		} else {
			p.Revision = q.Revision + 1
		}
	}
	ps = append(ps, cloneProject(p))
	next := cur.clone()
	next.setProjects(ps)
	s.swap(next)
	return nil
}

// ReplaceProjects replaces the projects of one source; the others stay.
func (s *Store) ReplaceProjects(ctx context.Context, source string, src iter.Seq2[layers.Project, error]) (int, error) {
	if why := layers.ValidText(source); source == "" || why != "" {
		return 0, fmt.Errorf("memory: projects: %w", layers.Invalid("import", "source", source, "want a source name such as file:proposals.csv"))
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	cur := s.snap()
	held := map[string]string{}
	var keep []layers.Project
	for _, q := range cur.projects {
		if q.Source != source {
			held[q.ID] = q.Source
			keep = append(keep, q)
		}
	}
	ps, err := collect(ctx, "projects", src, func(p layers.Project) string { return p.ID }, func(p layers.Project) error {
		if err := p.Validate(); err != nil {
			return err
		}
		rec := "project " + strconv.Quote(p.ID)
		if p.Source != "" && p.Source != source {
			return layers.Invalid(rec, "source", p.Source, "this import replaces the projects of source "+strconv.Quote(source))
		}
		if other, ok := held[p.ID]; ok {
			return layers.Invalid(rec, "id", p.ID, "is held by a project of source "+strconv.Quote(other))
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	for i := range ps {
		ps[i] = cloneProject(ps[i])
		ps[i].Source = source
		if ps[i].Revision < 1 {
			ps[i].Revision = 1
		}
	}
	next := cur.clone()
	next.setProjects(append(keep, ps...))
	s.swap(next)
	return len(ps), nil
}

func (sn *snapshot) setProjects(ps []layers.Project) {
	sort.Slice(ps, func(a, b int) bool { return ps[a].ID < ps[b].ID })
	sn.projects = ps
	sn.colls[layers.CollProjects] = projectIndex(ps)
}
