package memory

import (
	"context"
	"fmt"
	"iter"
	"maps"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/paulmach/orb"

	"reach/layers"
)

// fieldErr is one failed validation rule of a record.
type fieldErr struct {
	field  string
	value  any
	reason string
	// all, when set, is the record's complete validation error (a
	// layers.FieldErrors from the record's Validate method).
	all error
}

func bad(field string, value any, reason string) *fieldErr {
	return &fieldErr{field: field, value: value, reason: reason}
}

func fmtValue(v any) string {
	switch x := v.(type) {
	case string:
		return strconv.Quote(x)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case *float64:
		if x == nil {
			return "null"
		}
		return strconv.FormatFloat(*x, 'g', -1, 64)
	}
	return fmt.Sprint(v)
}

// invalid builds the error for a record that failed validation; it names
// the layer, the record number (1-based, in stream order), the record's key,
// field, value and rule, and wraps layers.ErrInvalid.
func invalid(layer string, n int, key string, fe *fieldErr) error {
	if fe.all != nil {
		return fmt.Errorf("memory: %s: record %d (%s): %w", layer, n, key, fe.all)
	}
	return fmt.Errorf("memory: %s: record %d (%s): field %s: value %s: %s: %w",
		layer, n, key, fe.field, fmtValue(fe.value), fe.reason, layers.ErrInvalid)
}

// collect consumes src completely, validating each record with check and
// rejecting duplicate keys. It stops at the first stream error, invalid
// record or cancellation of ctx.
func collect[T any](ctx context.Context, layer string, src iter.Seq2[T, error],
	key func(T) string, check func(T) *fieldErr) ([]T, error) {
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
		if fe := check(v); fe != nil {
			return nil, invalid(layer, n, k, fe)
		}
		if first, dup := seen[k]; dup {
			return nil, invalid(layer, n, k, bad("id", k, fmt.Sprintf("duplicate of record %d", first)))
		}
		seen[k] = n
		out = append(out, v)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("memory: %s: %w", layer, err)
	}
	return out, nil
}

func isDigits(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

func checkAGS(field, ags string) *fieldErr {
	if !layers.IsAGS(ags) {
		return bad(field, ags, "want an AGS of 8 digits")
	}
	return nil
}

func checkOptAGS(field, ags string) *fieldErr {
	if ags == "" {
		return nil
	}
	return checkAGS(field, ags)
}

func checkNonNeg(field string, v float64) *fieldErr {
	if !finite(v) || v < 0 {
		return bad(field, v, "want a finite number ≥ 0")
	}
	return nil
}

// checkGeometry checks that every coordinate is finite and every ring of a
// polygon is closed with at least four positions, as PostGIS demands.
func checkGeometry(field string, g orb.Geometry) *fieldErr {
	var fe *fieldErr
	eachPoint(g, func(p orb.Point) {
		if fe == nil && (!finite(p[0]) || !finite(p[1])) {
			fe = bad(field, p, "coordinates must be finite")
		}
	})
	if fe != nil {
		return fe
	}
	var rings []orb.Ring
	switch g := g.(type) {
	case orb.Polygon:
		rings = g
	case orb.MultiPolygon:
		for _, p := range g {
			if len(p) == 0 {
				return bad(field, "empty polygon", "every polygon needs an outer ring")
			}
			rings = append(rings, p...)
		}
	case orb.LineString:
		if len(g) < 2 {
			return bad(field, fmt.Sprintf("%d positions", len(g)), "a line needs at least 2 positions")
		}
	case orb.MultiLineString:
		for _, l := range g {
			if len(l) < 2 {
				return bad(field, fmt.Sprintf("%d positions", len(l)), "a line needs at least 2 positions")
			}
		}
	}
	for _, r := range rings {
		if len(r) < 4 || r[0] != r[len(r)-1] {
			return bad(field, fmt.Sprintf("ring of %d positions", len(r)), "rings must be closed with at least 4 positions")
		}
	}
	return nil
}

func checkMunicipality(m layers.Municipality) *fieldErr {
	if fe := checkAGS("ags", m.AGS); fe != nil {
		return fe
	}
	if strings.TrimSpace(m.Name) == "" {
		return bad("name", m.Name, "must not be empty")
	}
	if m.KreisAGS != "" && !isDigits(m.KreisAGS, 5) {
		return bad("kreis_ags", m.KreisAGS, "want a Kreis key of 5 digits")
	}
	if m.Population < 0 {
		return bad("population", m.Population, "must be ≥ 0")
	}
	if fe := checkNonNeg("area_km2", m.AreaKm2); fe != nil {
		return fe
	}
	if m.DEGURBA < 0 || m.DEGURBA > 3 {
		return bad("degurba", m.DEGURBA, "want 1, 2, 3 or 0 for not given")
	}
	for _, k := range slices.Sorted(maps.Keys(m.Indicators)) {
		if strings.TrimSpace(k) == "" {
			return bad("indicators", k, "indicator key must not be empty")
		}
		if v := m.Indicators[k]; !finite(v) {
			return bad("indicators."+k, v, "must be finite")
		}
	}
	if m.Geometry != nil {
		return checkGeometry("geometry", m.Geometry)
	}
	return nil
}

// ReplaceMunicipalities replaces the municipalities layer.
func (s *Store) ReplaceMunicipalities(ctx context.Context, src iter.Seq2[layers.Municipality, error]) (int, error) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	ms, err := collect(ctx, "municipalities", src, func(m layers.Municipality) string { return m.AGS }, checkMunicipality)
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
		func(r layers.PopulationRecord) *fieldErr {
			if fe := checkAGS("ags", r.AGS); fe != nil {
				return fe
			}
			if _, ok := cur.munIndex[r.AGS]; !ok {
				return bad("ags", r.AGS, "no such municipality")
			}
			if r.Population < 0 {
				return bad("population", r.Population, "must be ≥ 0")
			}
			return checkNonNeg("area_km2", r.AreaKm2)
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
		func(v layers.IndicatorValue) *fieldErr {
			if fe := checkAGS("ags", v.AGS); fe != nil {
				return fe
			}
			if _, ok := cur.munIndex[v.AGS]; !ok {
				return bad("ags", v.AGS, "no such municipality")
			}
			if strings.TrimSpace(v.Key) == "" {
				return bad("key", v.Key, "must not be empty")
			}
			if !finite(v.Value) {
				return bad("value", v.Value, "must be finite")
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
		func(m layers.Membership) *fieldErr {
			if fe := checkAGS("ags", m.AGS); fe != nil {
				return fe
			}
			if m.Kind != kind {
				return bad("kind", string(m.Kind), fmt.Sprintf("want %q as the replaced kind", kind))
			}
			if strings.TrimSpace(m.GroupID) == "" {
				return bad("group_id", m.GroupID, "must not be empty")
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

func checkCell(c layers.Cell) *fieldErr {
	if err := c.Validate(); err != nil {
		return &fieldErr{all: err}
	}
	return nil
}

// ReplaceCells replaces the population grid.
func (s *Store) ReplaceCells(ctx context.Context, src iter.Seq2[layers.Cell, error]) (int, error) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	cs, err := collect(ctx, "population-grid", src, func(c layers.Cell) string { return c.ID }, checkCell)
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

func checkPlace(p layers.CentralPlace) *fieldErr {
	if strings.TrimSpace(p.ID) == "" {
		return bad("id", p.ID, "must not be empty")
	}
	if strings.TrimSpace(p.Name) == "" {
		return bad("name", p.Name, "must not be empty")
	}
	if p.Level < layers.LevelGrundzentrum || p.Level > layers.LevelOberzentrum {
		return bad("level", int(p.Level), "want 1 Grundzentrum, 2 Mittelzentrum or 3 Oberzentrum")
	}
	if fe := checkAGS("ags", p.AGS); fe != nil {
		return fe
	}
	for _, a := range p.Members {
		if fe := checkAGS("members", a); fe != nil {
			return fe
		}
	}
	if p.KreisAGS != "" && !isDigits(p.KreisAGS, 5) {
		return bad("kreis_ags", p.KreisAGS, "want a Kreis key of 5 digits")
	}
	return checkGeometry("location", p.Location)
}

// ReplaceCentralPlaces replaces the central places.
func (s *Store) ReplaceCentralPlaces(ctx context.Context, src iter.Seq2[layers.CentralPlace, error]) (int, error) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	ps, err := collect(ctx, "central-places", src, func(p layers.CentralPlace) string { return p.ID }, checkPlace)
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
		func(f layers.Facility) *fieldErr {
			if strings.TrimSpace(f.ID) == "" {
				return bad("id", f.ID, "must not be empty")
			}
			if !f.Category.Valid() {
				return bad("category", string(f.Category), "not in the catalogue")
			}
			if SourceKey(f.Source) != source {
				return bad("source", f.Source, fmt.Sprintf("does not belong to the replaced source %q", source))
			}
			if o, taken := others[f.ID]; taken {
				return bad("id", f.ID, fmt.Sprintf("already used by source %q", o))
			}
			if f.Capacity != nil && (!finite(*f.Capacity) || *f.Capacity < 0) {
				return bad("capacity", f.Capacity, "want a finite number ≥ 0")
			}
			if fe := checkOptAGS("ags", f.AGS); fe != nil {
				return fe
			}
			if _, err := layers.ParseOpeningHours(f.OpeningHours); err != nil {
				return bad("opening_hours", f.OpeningHours, err.Error())
			}
			return checkGeometry("location", f.Location)
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

func checkAccess(field string, a layers.Access, fixed bool) *fieldErr {
	if !finite(a.SpeedKmh) || a.SpeedKmh < 0 {
		return bad(field+"_kmh", a.SpeedKmh, "want a finite speed ≥ 0")
	}
	if (a.Forward || a.Backward) && a.SpeedKmh == 0 && !fixed {
		return bad(field+"_kmh", a.SpeedKmh, "an open direction needs a speed > 0 or a fixed duration")
	}
	return nil
}

func checkRoad(r layers.RoadSegment) *fieldErr {
	if strings.TrimSpace(r.Highway) == "" {
		return bad("highway", r.Highway, "must not be empty")
	}
	if r.Geometry == nil {
		return bad("geometry", "null", "a segment needs a line")
	}
	if fe := checkGeometry("geometry", r.Geometry); fe != nil {
		return fe
	}
	if fe := checkNonNeg("length_m", r.LengthM); fe != nil {
		return fe
	}
	if fe := checkNonNeg("duration_s", r.DurationS); fe != nil {
		return fe
	}
	fixed := r.DurationS > 0
	if fe := checkAccess("car", r.Car, fixed); fe != nil {
		return fe
	}
	if fe := checkAccess("bicycle", r.Bicycle, fixed); fe != nil {
		return fe
	}
	return checkAccess("foot", r.Foot, fixed)
}

// ReplaceRoads replaces the road network.
func (s *Store) ReplaceRoads(ctx context.Context, src iter.Seq2[layers.RoadSegment, error]) (int, error) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	rs, err := collect(ctx, "roads", src, func(r layers.RoadSegment) string { return strconv.FormatInt(r.ID, 10) }, checkRoad)
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

// checkProject applies layers.Project.Validate.
func checkProject(p layers.Project) *fieldErr {
	if err := p.Validate(); err != nil {
		return &fieldErr{all: err}
	}
	return nil
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
	if fe := checkProject(p); fe != nil {
		return invalid("projects", 1, p.ID, fe)
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
		return 0, invalid("projects", 0, "", bad("source", source, "want a source name such as file:proposals.csv"))
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
	ps, err := collect(ctx, "projects", src, func(p layers.Project) string { return p.ID }, func(p layers.Project) *fieldErr {
		if p.Source != "" && p.Source != source {
			return bad("source", p.Source, "this import replaces the projects of source "+strconv.Quote(source))
		}
		if other, ok := held[p.ID]; ok {
			return bad("id", p.ID, "is held by a project of source "+strconv.Quote(other))
		}
		return checkProject(p)
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
