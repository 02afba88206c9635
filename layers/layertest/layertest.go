// Package layertest is the contract suite that every layers.Store passes:
// the PostGIS store and the in-memory store run the same checks, so that the
// embedded default cannot drift from the system of record.
//
// Run loads a small synthetic fixture (see NewFixture) through the Loader and
// checks the Reader (round trips with geometries within 1 mm), the
// FeatureSource (collections, extents, keyset paging, bbox and property
// filters, not-found errors, secret cells served with population null), the
// atomicity and idempotence of every load, PutProject, and the ResultWriter
// when the store implements it. The expected features are built from the
// fixture with layers.MunicipalityFeature and its siblings, never from the
// store under test.
//
// The package is imported from tests only.
package layertest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"math"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"reach/layers"
	"reach/layers/query"
)

// Opener returns a new, empty store for one test. It is called several times
// per Run; every call must return a store that shares no data with the
// stores returned before. Cleanup belongs to t.Cleanup.
type Opener func(t *testing.T) layers.Store

// Contract rules that Run checks beyond the interface comments in layers:
//
//   - ReplaceMunicipalities stores each record's Indicators and drops the
//     indicators of municipalities no longer in the layer; nil and empty
//     maps are the same.
//   - ReplaceIndicators and UpdatePopulation fail on an AGS that is not in
//     the layer, naming it, and change nothing.
//   - Records that fail their Validate method (AGS not 8 digits, negative
//     population, share outside 0–100, unknown category, …) or a rule of
//     the load (membership kind or facility source that differs from the
//     argument, an AGS not in the layer) make the load fail with
//     layers.FieldErrors naming the same field in both stores, and store
//     nothing of the batch; a duplicate id fails it with layers.ErrInvalid.
//   - Readers return records in any order; FeatureSource pages are ordered
//     by layers.CompareIDs.
//   - Collections lists at least layers.CollectionIDs(), in that order,
//     before any further collection.

// Run runs the contract suite against the stores that open returns.
func Run(t *testing.T, open func(t *testing.T) layers.Store) {
	t.Run("Reader", func(t *testing.T) {
		s := open(t)
		fx := NewFixture()
		load(t, s, fx)
		checkReader(t, s, fx)
	})
	t.Run("EmptyStore", func(t *testing.T) {
		s := open(t)
		ctx := context.Background()
		ms, err := s.Municipalities(ctx)
		if err != nil || len(ms) != 0 {
			t.Errorf("Municipalities on an empty store = %d records, %v; want 0, nil", len(ms), err)
		}
		for _, id := range layers.CollectionIDs() {
			p, err := s.Items(ctx, layers.ItemsQuery{Collection: id, Limit: 10})
			if err != nil {
				t.Errorf("Items(%s) on an empty store: %v", id, err)
				continue
			}
			if len(p.Features) != 0 || p.Next != "" || p.NumberMatched > 0 {
				t.Errorf("Items(%s) on an empty store = %d features, next %q, matched %d; want none", id, len(p.Features), p.Next, p.NumberMatched)
			}
		}
	})
	t.Run("FeatureSource", func(t *testing.T) {
		s := open(t)
		fx := NewFixture()
		load(t, s, fx)
		t.Run("Collections", func(t *testing.T) { checkCollections(t, s, fx) })
		t.Run("Paging", func(t *testing.T) { checkPaging(t, s, fx) })
		t.Run("BBox", func(t *testing.T) { checkBBox(t, s, fx) })
		t.Run("Filters", func(t *testing.T) { checkFilters(t, s, fx) })
		t.Run("FilterExprs", func(t *testing.T) { checkFilterExprs(t, s, fx) })
		t.Run("Item", func(t *testing.T) { checkItem(t, s, fx) })
		t.Run("SecretCell", func(t *testing.T) { checkSecretCell(t, s) })
		t.Run("Concurrent", func(t *testing.T) { checkConcurrent(t, s, fx) })
	})
	t.Run("Transit", func(t *testing.T) {
		s := open(t)
		ts, ok := s.(layers.TransitStore)
		if !ok {
			t.Skip("the store keeps no timetable")
		}
		checkTransit(t, ts)
	})
	t.Run("Ages", func(t *testing.T) {
		s := open(t)
		as, ok := s.(layers.AgeStore)
		if !ok {
			t.Skip("the store keeps no population by age")
		}
		checkAges(t, as)
	})
	t.Run("FailedLoads", func(t *testing.T) {
		s := open(t)
		fx := NewFixture()
		load(t, s, fx)
		checkFailedLoads(t, s, fx)
	})
	t.Run("Idempotent", func(t *testing.T) {
		s := open(t)
		fx := NewFixture()
		load(t, s, fx)
		load(t, s, fx)
		checkReader(t, s, fx)
		checkPaging(t, s, fx)
	})
	t.Run("Replace", func(t *testing.T) {
		s := open(t)
		fx := NewFixture()
		load(t, s, fx)
		checkReplace(t, s, fx)
	})
	t.Run("Updates", func(t *testing.T) {
		s := open(t)
		fx := NewFixture()
		load(t, s, fx)
		checkUpdates(t, s, fx)
	})
	t.Run("Projects", func(t *testing.T) {
		s := open(t)
		fx := NewFixture()
		load(t, s, fx)
		checkPutProject(t, s, fx)
	})
	t.Run("ProjectsExactlyOnce", func(t *testing.T) {
		s := open(t)
		fx := NewFixture()
		load(t, s, fx)
		checkProjectWriter(t, s, fx)
	})
	t.Run("ProjectSources", func(t *testing.T) {
		s := open(t)
		fx := NewFixture()
		load(t, s, fx)
		checkProjectSources(t, s, fx)
	})
	t.Run("MunicipalitiesKeepIndicators", func(t *testing.T) {
		s := open(t)
		fx := NewFixture()
		load(t, s, fx)
		checkMunicipalitiesKeepIndicators(t, s, fx)
	})
	t.Run("InvalidCells", func(t *testing.T) {
		s := open(t)
		fx := NewFixture()
		load(t, s, fx)
		checkInvalidCells(t, s, fx)
	})
	t.Run("InvalidRecords", func(t *testing.T) {
		s := open(t)
		fx := NewFixture()
		load(t, s, fx)
		checkInvalidRecords(t, s, fx)
		if w, ok := s.(layers.ResultWriter); ok {
			checkInvalidResults(t, w)
		}
	})
	t.Run("InvalidProjects", func(t *testing.T) {
		s := open(t)
		fx := NewFixture()
		load(t, s, fx)
		checkInvalidProjects(t, s, fx)
	})
	t.Run("Info", func(t *testing.T) {
		s := open(t)
		info, err := s.Info(context.Background())
		if err != nil {
			t.Fatalf("Info: %v", err)
		}
		if info.Kind == "" {
			t.Errorf("Info().Kind is empty")
		}
	})
	t.Run("ResultWriter", func(t *testing.T) {
		s := open(t)
		w, ok := s.(layers.ResultWriter)
		if !ok {
			t.Skipf("%T does not implement layers.ResultWriter", s)
		}
		checkResultWriter(t, s, w)
	})
}

// seq yields the values of xs, then, when failAt >= 0, stops at index
// failAt with err.
func seq[T any](xs []T, failAt int, err error) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for i, x := range xs {
			if i == failAt {
				var zero T
				yield(zero, err)
				return
			}
			if !yield(x, nil) {
				return
			}
		}
	}
}

func all[T any](xs []T) iter.Seq2[T, error] { return seq(xs, -1, nil) }

// facilitySources splits facilities by the source key (the part of Source
// before ':'), in a stable order.
func facilitySources(fs []layers.Facility) ([]string, map[string][]layers.Facility) {
	by := map[string][]layers.Facility{}
	var keys []string
	for _, f := range fs {
		k := sourceKey(f.Source)
		if _, ok := by[k]; !ok {
			keys = append(keys, k)
		}
		by[k] = append(by[k], f)
	}
	return keys, by
}

func sourceKey(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] == ':' {
			return s[:i]
		}
	}
	return s
}

func membershipKinds(ms []layers.Membership) ([]layers.MembershipKind, map[layers.MembershipKind][]layers.Membership) {
	by := map[layers.MembershipKind][]layers.Membership{}
	var kinds []layers.MembershipKind
	for _, m := range ms {
		if _, ok := by[m.Kind]; !ok {
			kinds = append(kinds, m.Kind)
		}
		by[m.Kind] = append(by[m.Kind], m)
	}
	return kinds, by
}

// load loads every layer of fx into s and checks the counts returned.
func load(t *testing.T, s layers.Store, fx Fixture) {
	t.Helper()
	ctx := context.Background()
	count := func(what string, n, want int, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("load %s: %v", what, err)
		}
		if n != want {
			t.Fatalf("load %s: stored %d records, want %d", what, n, want)
		}
	}
	n, err := s.ReplaceMunicipalities(ctx, all(fx.Municipalities))
	count("municipalities", n, len(fx.Municipalities), err)
	kinds, byKind := membershipKinds(fx.Memberships)
	for _, k := range kinds {
		n, err = s.ReplaceMemberships(ctx, k, all(byKind[k]))
		count("memberships "+string(k), n, len(byKind[k]), err)
	}
	n, err = s.ReplaceCells(ctx, all(fx.Cells))
	count("cells", n, len(fx.Cells), err)
	n, err = s.ReplaceCentralPlaces(ctx, all(fx.CentralPlaces))
	count("central places", n, len(fx.CentralPlaces), err)
	srcs, bySrc := facilitySources(fx.Facilities)
	for _, src := range srcs {
		n, err = s.ReplaceFacilities(ctx, src, all(bySrc[src]))
		count("facilities "+src, n, len(bySrc[src]), err)
	}
	n, err = s.ReplaceRoads(ctx, all(fx.Roads))
	count("roads", n, len(fx.Roads), err)
	n, err = s.ReplaceProjects(ctx, "file:fixture", all(fx.Projects))
	count("projects", n, len(fx.Projects), err)
}

// snapshot is everything a Reader returns, sorted by id.
type snapshot struct {
	Municipalities []layers.Municipality
	Memberships    []layers.Membership
	Cells          []layers.Cell
	CentralPlaces  []layers.CentralPlace
	Facilities     []layers.Facility
	Roads          []layers.RoadSegment
	Projects       []layers.Project
}

func read(t *testing.T, s layers.Reader) snapshot {
	t.Helper()
	ctx := context.Background()
	var sn snapshot
	var err error
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("read %s: %v", what, err)
		}
	}
	sn.Municipalities, err = s.Municipalities(ctx)
	must("municipalities", err)
	sn.Memberships, err = s.Memberships(ctx)
	must("memberships", err)
	sn.Cells, err = s.Cells(ctx)
	must("cells", err)
	sn.CentralPlaces, err = s.CentralPlaces(ctx)
	must("central places", err)
	sn.Facilities, err = s.Facilities(ctx)
	must("facilities", err)
	for r, err := range s.Roads(ctx) {
		must("roads", err)
		sn.Roads = append(sn.Roads, r)
	}
	sn.Projects, err = s.Projects(ctx)
	must("projects", err)
	sortSnapshot(&sn)
	return sn
}

func fixtureSnapshot(fx Fixture) snapshot {
	sn := snapshot{
		Municipalities: slices.Clone(fx.Municipalities), Memberships: slices.Clone(fx.Memberships),
		Cells: slices.Clone(fx.Cells), CentralPlaces: slices.Clone(fx.CentralPlaces),
		Facilities: slices.Clone(fx.Facilities), Roads: slices.Clone(fx.Roads), Projects: slices.Clone(fx.Projects),
	}
	sortSnapshot(&sn)
	return sn
}

func sortSnapshot(sn *snapshot) {
	slices.SortFunc(sn.Municipalities, func(a, b layers.Municipality) int { return cmpStr(a.AGS, b.AGS) })
	slices.SortFunc(sn.Memberships, func(a, b layers.Membership) int {
		return cmpStr(a.AGS+"\x00"+string(a.Kind)+"\x00"+a.GroupID, b.AGS+"\x00"+string(b.Kind)+"\x00"+b.GroupID)
	})
	slices.SortFunc(sn.Cells, func(a, b layers.Cell) int { return cmpStr(a.ID, b.ID) })
	slices.SortFunc(sn.CentralPlaces, func(a, b layers.CentralPlace) int { return cmpStr(a.ID, b.ID) })
	slices.SortFunc(sn.Facilities, func(a, b layers.Facility) int { return cmpStr(a.ID, b.ID) })
	slices.SortFunc(sn.Roads, func(a, b layers.RoadSegment) int {
		return cmpStr(strconv.FormatInt(a.ID, 10), strconv.FormatInt(b.ID, 10))
	})
	slices.SortFunc(sn.Projects, func(a, b layers.Project) int { return cmpStr(a.ID, b.ID) })
}

func cmpStr(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// checkReader compares what the store reads back with fx.
func checkReader(t *testing.T, s layers.Store, fx Fixture) {
	t.Helper()
	compareSnapshots(t, read(t, s), fixtureSnapshot(fx))
}

func compareSnapshots(t *testing.T, got, want snapshot) {
	t.Helper()
	if len(got.Municipalities) != len(want.Municipalities) {
		t.Errorf("municipalities: got %d, want %d", len(got.Municipalities), len(want.Municipalities))
	} else {
		for i := range want.Municipalities {
			diffMunicipality(t, got.Municipalities[i], want.Municipalities[i])
		}
	}
	if !slices.Equal(got.Memberships, want.Memberships) {
		t.Errorf("memberships:\n got  %v\n want %v", got.Memberships, want.Memberships)
	}
	if len(got.Cells) != len(want.Cells) {
		t.Errorf("cells: got %d, want %d", len(got.Cells), len(want.Cells))
	} else {
		for i := range want.Cells {
			diffCell(t, got.Cells[i], want.Cells[i])
		}
	}
	if len(got.CentralPlaces) != len(want.CentralPlaces) {
		t.Errorf("central places: got %d, want %d", len(got.CentralPlaces), len(want.CentralPlaces))
	} else {
		for i := range want.CentralPlaces {
			diffCentralPlace(t, got.CentralPlaces[i], want.CentralPlaces[i])
		}
	}
	if len(got.Facilities) != len(want.Facilities) {
		t.Errorf("facilities: got %d, want %d", len(got.Facilities), len(want.Facilities))
	} else {
		for i := range want.Facilities {
			diffFacility(t, got.Facilities[i], want.Facilities[i])
		}
	}
	if len(got.Roads) != len(want.Roads) {
		t.Errorf("roads: got %d, want %d", len(got.Roads), len(want.Roads))
	} else {
		for i := range want.Roads {
			diffRoad(t, got.Roads[i], want.Roads[i])
		}
	}
	if len(got.Projects) != len(want.Projects) {
		t.Errorf("projects: got %d, want %d", len(got.Projects), len(want.Projects))
	} else {
		for i := range want.Projects {
			diffProject(t, got.Projects[i], want.Projects[i])
		}
	}
}

// geomTolM is the tolerance for geometries in metric CRSs: 1 mm.
const geomTolM = 1e-3

// geomTolDeg is the tolerance for CRS84 geometries: about 1 mm.
const geomTolDeg = 1e-8

// geomDiff returns "" when a and b have the same type and structure and
// every coordinate differs by at most tol, otherwise a description.
func geomDiff(a, b orb.Geometry, tol float64) string {
	if a == nil || b == nil {
		if a == nil && b == nil {
			return ""
		}
		return fmt.Sprintf("geometry %v, want %v", a, b)
	}
	if a.GeoJSONType() != b.GeoJSONType() {
		return fmt.Sprintf("geometry type %s, want %s", a.GeoJSONType(), b.GeoJSONType())
	}
	pa, pb := points(a), points(b)
	if len(pa) != len(pb) {
		return fmt.Sprintf("%s with %d points, want %d", a.GeoJSONType(), len(pa), len(pb))
	}
	if sa, sb := shape(a), shape(b); !slices.Equal(sa, sb) {
		return fmt.Sprintf("%s parts %v, want %v", a.GeoJSONType(), sa, sb)
	}
	for i := range pa {
		if math.Abs(pa[i][0]-pb[i][0]) > tol || math.Abs(pa[i][1]-pb[i][1]) > tol {
			return fmt.Sprintf("%s point %d is %v, want %v (tolerance %g)", a.GeoJSONType(), i, pa[i], pb[i], tol)
		}
	}
	return ""
}

func points(g orb.Geometry) []orb.Point {
	var out []orb.Point
	switch g := g.(type) {
	case orb.Point:
		out = append(out, g)
	case orb.MultiPoint:
		out = append(out, g...)
	case orb.LineString:
		out = append(out, g...)
	case orb.Ring:
		out = append(out, g...)
	case orb.MultiLineString:
		for _, l := range g {
			out = append(out, l...)
		}
	case orb.Polygon:
		for _, r := range g {
			out = append(out, r...)
		}
	case orb.MultiPolygon:
		for _, p := range g {
			for _, r := range p {
				out = append(out, r...)
			}
		}
	case orb.Collection:
		for _, x := range g {
			out = append(out, points(x)...)
		}
	}
	return out
}

// shape lists the number of points of every part, so that geometries with
// the same points split differently do not compare equal.
func shape(g orb.Geometry) []int {
	switch g := g.(type) {
	case orb.MultiLineString:
		var out []int
		for _, l := range g {
			out = append(out, len(l))
		}
		return out
	case orb.Polygon:
		var out []int
		for _, r := range g {
			out = append(out, len(r))
		}
		return out
	case orb.MultiPolygon:
		var out []int
		for _, p := range g {
			out = append(out, -1)
			for _, r := range p {
				out = append(out, len(r))
			}
		}
		return out
	}
	return nil
}

func ptrEq(a, b *float64) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}

func ptrStr(p *float64) string {
	if p == nil {
		return "nil"
	}
	return strconv.FormatFloat(*p, 'g', -1, 64)
}

func indicatorsEqual(a, b map[string]float64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		w, ok := b[k]
		if !ok || w != v {
			return false
		}
	}
	return true
}

func diffMunicipality(t *testing.T, got, want layers.Municipality) {
	t.Helper()
	id := "municipality " + want.AGS
	if got.AGS != want.AGS || got.Name != want.Name || got.KreisAGS != want.KreisAGS || got.KreisName != want.KreisName ||
		got.PlanningRegion != want.PlanningRegion || got.Population != want.Population || got.AreaKm2 != want.AreaKm2 ||
		got.DEGURBA != want.DEGURBA {
		t.Errorf("%s:\n got  %+v\n want %+v", id, withoutGeom(got), withoutGeom(want))
	}
	if !got.PopulationDate.Equal(want.PopulationDate) {
		t.Errorf("%s: population date %v, want %v", id, got.PopulationDate, want.PopulationDate)
	}
	if !indicatorsEqual(got.Indicators, want.Indicators) {
		t.Errorf("%s: indicators %v, want %v", id, got.Indicators, want.Indicators)
	}
	var g, w orb.Geometry
	if len(got.Geometry) > 0 {
		g = got.Geometry
	}
	if len(want.Geometry) > 0 {
		w = want.Geometry
	}
	if d := geomDiff(g, w, geomTolM); d != "" {
		t.Errorf("%s: %s", id, d)
	}
}

func withoutGeom(m layers.Municipality) layers.Municipality {
	m.Geometry = nil
	m.Indicators = nil
	return m
}

func diffCell(t *testing.T, got, want layers.Cell) {
	t.Helper()
	if got.ID != want.ID || got.ResolutionM != want.ResolutionM || got.Population != want.Population || got.Known != want.Known ||
		!ptrEq(got.ShareUnder18, want.ShareUnder18) || !ptrEq(got.Share65Plus, want.Share65Plus) || got.AGS != want.AGS || got.Year != want.Year {
		t.Errorf("cell %s:\n got  %+v (shares %s, %s)\n want %+v (shares %s, %s)", want.ID,
			got, ptrStr(got.ShareUnder18), ptrStr(got.Share65Plus), want, ptrStr(want.ShareUnder18), ptrStr(want.Share65Plus))
	}
}

func diffCentralPlace(t *testing.T, got, want layers.CentralPlace) {
	t.Helper()
	g, w := got, want
	g.Location, w.Location = orb.Point{}, orb.Point{}
	g.Members, w.Members = nil, nil
	if fmt.Sprintf("%+v", g) != fmt.Sprintf("%+v", w) {
		t.Errorf("central place %s:\n got  %+v\n want %+v", want.ID, got, want)
	}
	if !slices.Equal(got.Members, want.Members) {
		t.Errorf("central place %s: members %v, want %v", want.ID, got.Members, want.Members)
	}
	if d := geomDiff(got.Location, want.Location, geomTolM); d != "" {
		t.Errorf("central place %s: %s", want.ID, d)
	}
}

func diffFacility(t *testing.T, got, want layers.Facility) {
	t.Helper()
	g, w := got, want
	g.Location, w.Location = orb.Point{}, orb.Point{}
	g.Capacity, w.Capacity = nil, nil
	if g != w || !ptrEq(got.Capacity, want.Capacity) {
		t.Errorf("facility %s:\n got  %+v (capacity %s)\n want %+v (capacity %s)", want.ID, got, ptrStr(got.Capacity), want, ptrStr(want.Capacity))
	}
	if d := geomDiff(got.Location, want.Location, geomTolM); d != "" {
		t.Errorf("facility %s: %s", want.ID, d)
	}
}

func diffRoad(t *testing.T, got, want layers.RoadSegment) {
	t.Helper()
	g, w := got, want
	g.Geometry, w.Geometry = nil, nil
	if fmt.Sprintf("%+v", g) != fmt.Sprintf("%+v", w) {
		t.Errorf("road %d:\n got  %+v\n want %+v", want.ID, g, w)
	}
	if d := geomDiff(got.Geometry, want.Geometry, geomTolM); d != "" {
		t.Errorf("road %d: %s", want.ID, d)
	}
}

func diffProject(t *testing.T, got, want layers.Project) {
	t.Helper()
	id := "project " + want.ID
	if got.ID != want.ID || got.Title != want.Title || got.Applicant != want.Applicant || got.Category != want.Category ||
		got.Kind != want.Kind || got.InvestmentCost != want.InvestmentCost || got.RequestedFunding != want.RequestedFunding ||
		got.PlanningRegion != want.PlanningRegion || got.Status != want.Status || got.SpeedKmh != want.SpeedKmh ||
		got.Synthetic != want.Synthetic {
		t.Errorf("%s:\n got  %+v\n want %+v", id, got, want)
	}
	if !slices.Equal(got.Municipalities, want.Municipalities) {
		t.Errorf("%s: municipalities %v, want %v", id, got.Municipalities, want.Municipalities)
	}
	if !got.SubmittedAt.Equal(want.SubmittedAt) {
		t.Errorf("%s: submitted at %v, want %v", id, got.SubmittedAt, want.SubmittedAt)
	}
	if !ptrEq(got.Innovation, want.Innovation) || !ptrEq(got.Transferability, want.Transferability) {
		t.Errorf("%s: marks %s, %s, want %s, %s", id, ptrStr(got.Innovation), ptrStr(got.Transferability),
			ptrStr(want.Innovation), ptrStr(want.Transferability))
	}
	if d := geomDiff(got.Geometry, want.Geometry, geomTolM); d != "" {
		t.Errorf("%s: %s", id, d)
	}
}

// expectedFeatures returns the features every store must serve for fx, per
// collection, ordered by layers.CompareIDs.
func expectedFeatures(fx Fixture) map[string][]layers.Feature {
	out := map[string][]layers.Feature{}
	for _, m := range fx.Municipalities {
		out[layers.CollMunicipalities] = append(out[layers.CollMunicipalities], layers.MunicipalityFeature(m))
	}
	for _, c := range fx.Cells {
		out[layers.CollPopulationGrid] = append(out[layers.CollPopulationGrid], layers.CellFeature(c))
	}
	for _, p := range fx.CentralPlaces {
		out[layers.CollCentralPlaces] = append(out[layers.CollCentralPlaces], layers.CentralPlaceFeature(p))
	}
	for _, f := range fx.Facilities {
		out[layers.CollFacilities] = append(out[layers.CollFacilities], layers.FacilityFeature(f))
	}
	for _, r := range fx.Roads {
		out[layers.CollRoads] = append(out[layers.CollRoads], layers.RoadFeature(r))
	}
	for _, p := range fx.Projects {
		out[layers.CollProjects] = append(out[layers.CollProjects], layers.ProjectFeature(p))
	}
	for id, fs := range out {
		sort.SliceStable(fs, func(i, j int) bool { return layers.CompareIDs(id, fs[i].ID, fs[j].ID) < 0 })
	}
	return out
}

// featureDiff returns "" when got equals want: same id, same properties in
// the same order with equal values, geometry within about 1 mm.
func featureDiff(got, want layers.Feature) string {
	if got.ID != want.ID {
		return fmt.Sprintf("id %q, want %q", got.ID, want.ID)
	}
	if d := geomDiff(got.Geometry, want.Geometry, geomTolDeg); d != "" {
		return "feature " + want.ID + ": " + d
	}
	if len(got.Properties) != len(want.Properties) {
		return fmt.Sprintf("feature %s: %d properties %v, want %d %v", want.ID, len(got.Properties), names(got), len(want.Properties), names(want))
	}
	for i, w := range want.Properties {
		g := got.Properties[i]
		if g.Name != w.Name {
			return fmt.Sprintf("feature %s: property %d is %q, want %q", want.ID, i, g.Name, w.Name)
		}
		if !valueEqual(g.Value, w.Value) {
			return fmt.Sprintf("feature %s: property %s = %#v, want %#v", want.ID, w.Name, g.Value, w.Value)
		}
	}
	return ""
}

func names(f layers.Feature) []string {
	out := make([]string, len(f.Properties))
	for i, p := range f.Properties {
		out[i] = p.Name
	}
	return out
}

func valueEqual(a, b any) bool {
	switch x := b.(type) {
	case nil:
		return a == nil
	case float64:
		y, ok := a.(float64)
		return ok && (x == y || math.Abs(x-y) <= 1e-9*math.Max(math.Abs(x), 1))
	case []string:
		y, ok := a.([]string)
		return ok && slices.Equal(x, y)
	case map[string]float64:
		y, ok := a.(map[string]float64)
		return ok && indicatorsEqual(x, y)
	}
	return a == b
}

// items reads every page of q with page size limit and returns the features
// in order, checking the paging invariants on the way: numberMatched is
// either unknown (-1, where counting would cost a scan) or exact.
func items(t *testing.T, s layers.FeatureSource, q layers.ItemsQuery, wantMatched int) []layers.Feature {
	t.Helper()
	ctx := context.Background()
	var out []layers.Feature
	seen := map[string]bool{}
	for page := 0; ; page++ {
		if page > 1000 {
			t.Fatalf("Items(%s): more than 1000 pages; the cursor does not advance", q.Collection)
		}
		p, err := s.Items(ctx, q)
		if err != nil {
			t.Fatalf("Items(%+v): %v", q, err)
		}
		if len(p.Features) > q.Limit {
			t.Fatalf("Items(%s, limit %d): %d features", q.Collection, q.Limit, len(p.Features))
		}
		if p.NumberMatched != -1 && p.NumberMatched != wantMatched {
			t.Errorf("Items(%s) page %d: numberMatched %d, want %d", q.Collection, page, p.NumberMatched, wantMatched)
		}
		for _, f := range p.Features {
			if seen[f.ID] {
				t.Errorf("Items(%s): feature %s served twice", q.Collection, f.ID)
			}
			seen[f.ID] = true
			if q.After != "" && layers.CompareIDs(q.Collection, f.ID, q.After) <= 0 {
				t.Errorf("Items(%s, after %q): feature %s is not after the cursor", q.Collection, q.After, f.ID)
			}
		}
		out = append(out, p.Features...)
		if p.Next == "" {
			break
		}
		if len(p.Features) == 0 {
			t.Fatalf("Items(%s): empty page with next cursor %q", q.Collection, p.Next)
		}
		q.After = p.Next
	}
	return out
}

func compareFeatures(t *testing.T, what string, got, want []layers.Feature) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: got %d features %v, want %d %v", what, len(got), ids(got), len(want), ids(want))
		return
	}
	for i := range want {
		if d := featureDiff(got[i], want[i]); d != "" {
			t.Errorf("%s: feature %d: %s", what, i, d)
		}
	}
}

func ids(fs []layers.Feature) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.ID
	}
	return out
}

func checkCollections(t *testing.T, s layers.Store, fx Fixture) {
	ctx := context.Background()
	cs, err := s.Collections(ctx)
	if err != nil {
		t.Fatalf("Collections: %v", err)
	}
	base := layers.CollectionIDs()
	if len(cs) < len(base) {
		t.Fatalf("Collections: %d collections, want at least %d", len(cs), len(base))
	}
	want := expectedFeatures(fx)
	for i, id := range base {
		if cs[i].ID != id {
			t.Errorf("collection %d is %q, want %q", i, cs[i].ID, id)
			continue
		}
		info, _ := layers.CollectionInfo(id)
		c, err := s.Collection(ctx, id)
		if err != nil {
			t.Errorf("Collection(%s): %v", id, err)
			continue
		}
		if c.ID != id || c.StorageCRS != info.StorageCRS || c.GeometryType != info.GeometryType || len(c.Properties) != len(info.Properties) {
			t.Errorf("Collection(%s) = id %q, crs %d, type %q, %d properties; want %q, %d, %q, %d",
				id, c.ID, c.StorageCRS, c.GeometryType, len(c.Properties), id, info.StorageCRS, info.GeometryType, len(info.Properties))
		}
		// The extent covers every feature and is not much larger.
		var all orb.Bound
		for j, f := range want[id] {
			if j == 0 {
				all = f.Geometry.Bound()
			} else {
				all = all.Union(f.Geometry.Bound())
			}
		}
		if c.Extent.IsZero() {
			t.Errorf("Collection(%s): empty extent, want about %v", id, all)
			continue
		}
		const tol = 1e-6
		if c.Extent.Min[0] > all.Min[0]+tol || c.Extent.Min[1] > all.Min[1]+tol || c.Extent.Max[0] < all.Max[0]-tol || c.Extent.Max[1] < all.Max[1]-tol {
			t.Errorf("Collection(%s): extent %v does not cover the features %v", id, c.Extent, all)
		}
		// A store may take the extent in its storage CRS and transform that
		// box, which in EPSG:3035 is turned by a few degrees against
		// lon/lat: allow 10 % of the size of the features' box.
		pad := 0.1*math.Max(all.Max[0]-all.Min[0], all.Max[1]-all.Min[1]) + 0.005
		if !all.Pad(pad).Contains(c.Extent.Min) || !all.Pad(pad).Contains(c.Extent.Max) {
			t.Errorf("Collection(%s): extent %v is far larger than the features %v", id, c.Extent, all)
		}
		if cs[i].Extent != c.Extent {
			t.Errorf("Collections()[%d].Extent = %v, Collection(%s).Extent = %v", i, cs[i].Extent, id, c.Extent)
		}
	}
	if _, err := s.Collection(ctx, "no-such-collection"); !errors.Is(err, layers.ErrNotFound) {
		t.Errorf("Collection(no-such-collection) error = %v, want layers.ErrNotFound", err)
	}
	if _, err := s.Items(ctx, layers.ItemsQuery{Collection: "no-such-collection", Limit: 10}); !errors.Is(err, layers.ErrNotFound) {
		t.Errorf("Items(no-such-collection) error = %v, want layers.ErrNotFound", err)
	}
}

func checkPaging(t *testing.T, s layers.Store, fx Fixture) {
	want := expectedFeatures(fx)
	for _, id := range layers.CollectionIDs() {
		if id == layers.CollMemberships {
			continue
		}
		for _, limit := range []int{1, 2, 3, 1000} {
			t.Run(fmt.Sprintf("%s/limit=%d", id, limit), func(t *testing.T) {
				got := items(t, s, layers.ItemsQuery{Collection: id, Limit: limit}, len(want[id]))
				compareFeatures(t, id, got, want[id])
			})
		}
	}
	// A cursor between two ids starts after it.
	t.Run("cursor between ids", func(t *testing.T) {
		got := items(t, s, layers.ItemsQuery{Collection: layers.CollRoads, Limit: 10, After: "100"}, len(want[layers.CollRoads]))
		var w []layers.Feature
		for _, f := range want[layers.CollRoads] {
			if layers.CompareIDs(layers.CollRoads, f.ID, "100") > 0 {
				w = append(w, f)
			}
		}
		compareFeatures(t, "roads after 100", got, w)
	})
}

// westBBox is a CRS84 box around the west cluster of the fixture, with a
// margin of 0.005° (several hundred metres); the east cluster is about
// 0.6° away.
func westBBox(fx Fixture) orb.Bound {
	var b orb.Bound
	first := true
	for _, fs := range expectedFeatures(fx) {
		for _, f := range fs {
			if f.Geometry == nil {
				continue
			}
			fb := f.Geometry.Bound()
			if fb.Max[0] > 14.0 { // east cluster
				continue
			}
			if first {
				b, first = fb, false
			} else {
				b = b.Union(fb)
			}
		}
	}
	return b.Pad(0.005)
}

func checkBBox(t *testing.T, s layers.Store, fx Fixture) {
	box := westBBox(fx)
	if box.Max[0] > 13.8 || box.Min[0] < 13.5 {
		t.Fatalf("fixture: west box %v is not where the fixture puts the west cluster", box)
	}
	want := expectedFeatures(fx)
	for _, id := range layers.CollectionIDs() {
		if id == layers.CollMemberships {
			continue
		}
		t.Run(id, func(t *testing.T) {
			var w []layers.Feature
			east := 0
			for _, f := range want[id] {
				if box.Intersects(f.Geometry.Bound()) {
					w = append(w, f)
				} else {
					east++
				}
			}
			if east == 0 || len(w) == 0 {
				t.Fatalf("fixture: collection %s has %d features in and %d outside the west box", id, len(w), east)
			}
			got := items(t, s, layers.ItemsQuery{Collection: id, Limit: 2, BBox: &box}, len(w))
			compareFeatures(t, id+" in west bbox", got, w)
		})
	}
	t.Run("empty", func(t *testing.T) {
		far := orb.Bound{Min: orb.Point{12.0, 50.3}, Max: orb.Point{12.1, 50.4}}
		got := items(t, s, layers.ItemsQuery{Collection: layers.CollFacilities, Limit: 10, BBox: &far}, 0)
		if len(got) != 0 {
			t.Errorf("facilities in %v: %v, want none", far, ids(got))
		}
	})
}

func checkFilters(t *testing.T, s layers.Store, fx Fixture) {
	want := expectedFeatures(fx)
	tests := []struct {
		name       string
		collection string
		filters    map[string]string
		wantN      int // expected number of matches, to keep the fixture honest
	}{
		{"municipality by kreis", layers.CollMunicipalities, map[string]string{"kreis_ags": "14612"}, 2},
		{"municipality by ags", layers.CollMunicipalities, map[string]string{"ags": agsEast}, 1},
		{"municipality by name", layers.CollMunicipalities, map[string]string{"name": "Probstädt"}, 1},
		{"municipality by region and kreis", layers.CollMunicipalities, map[string]string{"planning_region": "Oberes Elbtal/Osterzgebirge", "kreis_ags": "14625"}, 0},
		{"cells by ags", layers.CollPopulationGrid, map[string]string{"ags": agsWest}, 4},
		{"cells by resolution", layers.CollPopulationGrid, map[string]string{"resolution_m": "100"}, 1},
		{"cells by resolution and ags", layers.CollPopulationGrid, map[string]string{"resolution_m": "1000", "ags": agsWest2}, 2},
		{"cell by id", layers.CollPopulationGrid, map[string]string{"inspire_id": secretCell}, 1},
		{"central places by level", layers.CollCentralPlaces, map[string]string{"level": "Grundzentrum"}, 2},
		{"central places by verbund", layers.CollCentralPlaces, map[string]string{"verbund": "Testverbund"}, 2},
		{"central places by kreis", layers.CollCentralPlaces, map[string]string{"kreis_ags": "14625"}, 1},
		{"facilities by category", layers.CollFacilities, map[string]string{"category": string(layers.CatHospital)}, 1},
		{"facilities by source", layers.CollFacilities, map[string]string{"source": "schools:2023"}, 2},
		{"facilities by ags", layers.CollFacilities, map[string]string{"ags": agsEast}, 2},
		{"facilities by unknown category", layers.CollFacilities, map[string]string{"category": "bakery"}, 0},
		{"roads by highway", layers.CollRoads, map[string]string{"highway": "ferry"}, 1},
		{"projects by status", layers.CollProjects, map[string]string{"status": "submitted"}, 2},
		{"projects by kind", layers.CollProjects, map[string]string{"kind": string(layers.KindRoadUpgrade)}, 1},
		{"projects by category", layers.CollProjects, map[string]string{"category": string(layers.CatSewage)}, 1},
		{"projects by region", layers.CollProjects, map[string]string{"planning_region": "Oberlausitz-Niederschlesien"}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info, _ := layers.CollectionInfo(tt.collection)
			if err := query.CheckParams(info, tt.filters); err != nil {
				t.Fatalf("fixture: %v", err)
			}
			var w []layers.Feature
			for _, f := range want[tt.collection] {
				if query.MatchParams(f, tt.filters) {
					w = append(w, f)
				}
			}
			if len(w) != tt.wantN {
				t.Fatalf("fixture: %d features match %v, the case expects %d", len(w), tt.filters, tt.wantN)
			}
			got := items(t, s, layers.ItemsQuery{Collection: tt.collection, Limit: 1, Filters: tt.filters}, len(w))
			compareFeatures(t, fmt.Sprint(tt.filters), got, w)
		})
	}
	t.Run("filter with bbox", func(t *testing.T) {
		box := westBBox(fx)
		filters := map[string]string{"source": "osm"}
		var w []layers.Feature
		for _, f := range want[layers.CollFacilities] {
			if query.MatchParams(f, filters) && box.Intersects(f.Geometry.Bound()) {
				w = append(w, f)
			}
		}
		got := items(t, s, layers.ItemsQuery{Collection: layers.CollFacilities, Limit: 5, Filters: filters, BBox: &box}, len(w))
		compareFeatures(t, "osm facilities in the west", got, w)
	})
	t.Run("not filterable", func(t *testing.T) {
		ctx := context.Background()
		for _, q := range []layers.ItemsQuery{
			{Collection: layers.CollMunicipalities, Limit: 10, Filters: map[string]string{"population": "800"}},
			{Collection: layers.CollFacilities, Limit: 10, Filters: map[string]string{"no_such_property": "x"}},
		} {
			if _, err := s.Items(ctx, q); !errors.Is(err, layers.ErrInvalid) {
				t.Errorf("Items(%s, %v) error = %v, want layers.ErrInvalid", q.Collection, q.Filters, err)
			}
		}
	})
}

func checkItem(t *testing.T, s layers.Store, fx Fixture) {
	ctx := context.Background()
	for id, fs := range expectedFeatures(fx) {
		for _, w := range fs {
			got, err := s.Item(ctx, id, w.ID)
			if err != nil {
				t.Errorf("Item(%s, %s): %v", id, w.ID, err)
				continue
			}
			if d := featureDiff(got, w); d != "" {
				t.Errorf("Item(%s, %s): %s", id, w.ID, d)
			}
		}
	}
	for _, tt := range []struct{ collection, id string }{
		{layers.CollMunicipalities, "14000000"},
		{layers.CollMunicipalities, ""},
		{layers.CollPopulationGrid, "1kmN0000E0000"},
		{layers.CollRoads, "999999"},
		{layers.CollRoads, "not-a-number"},
		{layers.CollFacilities, "osm:node/0"},
		{layers.CollProjects, "p-none"},
		{"no-such-collection", "1"},
	} {
		if _, err := s.Item(ctx, tt.collection, tt.id); !errors.Is(err, layers.ErrNotFound) {
			t.Errorf("Item(%s, %q) error = %v, want layers.ErrNotFound", tt.collection, tt.id, err)
		}
	}
	if _, err := s.Project(ctx, "p-none"); !errors.Is(err, layers.ErrNotFound) {
		t.Errorf("Project(p-none) error = %v, want layers.ErrNotFound", err)
	}
}

func checkSecretCell(t *testing.T, s layers.Store) {
	f, err := s.Item(context.Background(), layers.CollPopulationGrid, secretCell)
	if err != nil {
		t.Fatalf("Item(%s): %v", secretCell, err)
	}
	if v, ok := f.Get("population"); !ok || v != nil {
		t.Errorf("secret cell population = %#v (present %v), want null", v, ok)
	}
	if v, _ := f.Get("secret"); v != true {
		t.Errorf("secret cell secret = %#v, want true", v)
	}
	f, err = s.Item(context.Background(), layers.CollPopulationGrid, cellEast)
	if err != nil {
		t.Fatalf("Item(%s): %v", cellEast, err)
	}
	if v, _ := f.Get("population"); v != int64(800) {
		t.Errorf("cell %s population = %#v, want int64(800)", cellEast, v)
	}
}

func checkConcurrent(t *testing.T, s layers.Store, fx Fixture) {
	want := expectedFeatures(fx)
	errs := make(chan error, 8)
	for g := 0; g < 8; g++ {
		go func() {
			ctx := context.Background()
			for _, id := range layers.CollectionIDs() {
				if id == layers.CollMemberships {
					continue
				}
				p, err := s.Items(ctx, layers.ItemsQuery{Collection: id, Limit: 100})
				if err != nil {
					errs <- err
					return
				}
				if len(p.Features) != len(want[id]) {
					errs <- fmt.Errorf("concurrent Items(%s): %d features, want %d", id, len(p.Features), len(want[id]))
					return
				}
			}
			errs <- nil
		}()
	}
	for g := 0; g < 8; g++ {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

var errStream = errors.New("layertest: stream broken on purpose")

// checkFailedLoads makes every kind of load fail and checks that the store
// still holds exactly the fixture.
func checkFailedLoads(t *testing.T, s layers.Store, fx Fixture) {
	ctx := context.Background()
	before := read(t, s)
	cancelled, cancel := context.WithCancel(ctx)
	cancel()

	badMun := func(edit func(*layers.Municipality)) []layers.Municipality {
		ms := slices.Clone(fx.Municipalities)
		edit(&ms[1])
		return ms
	}
	badCell := func(edit func(*layers.Cell)) []layers.Cell {
		cs := slices.Clone(fx.Cells)
		edit(&cs[2])
		return cs
	}
	type loadFunc func(ctx context.Context) (int, error)
	tests := []struct {
		name    string
		load    loadFunc
		invalid bool // the error must wrap layers.ErrInvalid
		ctx     context.Context
	}{
		{"municipalities stream error", func(ctx context.Context) (int, error) {
			return s.ReplaceMunicipalities(ctx, seq(fx.Municipalities[:2], 1, errStream))
		}, false, ctx},
		{"municipalities negative population", func(ctx context.Context) (int, error) {
			return s.ReplaceMunicipalities(ctx, all(badMun(func(m *layers.Municipality) { m.Population = -5 })))
		}, true, ctx},
		{"municipalities short ags", func(ctx context.Context) (int, error) {
			return s.ReplaceMunicipalities(ctx, all(badMun(func(m *layers.Municipality) { m.AGS = "123" })))
		}, true, ctx},
		{"municipalities ags with letters", func(ctx context.Context) (int, error) {
			return s.ReplaceMunicipalities(ctx, all(badMun(func(m *layers.Municipality) { m.AGS = "14a12010" })))
		}, true, ctx},
		{"municipalities degurba 4", func(ctx context.Context) (int, error) {
			return s.ReplaceMunicipalities(ctx, all(badMun(func(m *layers.Municipality) { m.DEGURBA = 4 })))
		}, true, ctx},
		{"municipalities negative area", func(ctx context.Context) (int, error) {
			return s.ReplaceMunicipalities(ctx, all(badMun(func(m *layers.Municipality) { m.AreaKm2 = -1 })))
		}, true, ctx},
		{"municipalities duplicate ags", func(ctx context.Context) (int, error) {
			return s.ReplaceMunicipalities(ctx, all(badMun(func(m *layers.Municipality) { m.AGS = agsWest })))
		}, true, ctx},
		{"municipalities cancelled", func(ctx context.Context) (int, error) {
			return s.ReplaceMunicipalities(ctx, all(fx.Municipalities[:1]))
		}, false, cancelled},
		{"memberships stream error", func(ctx context.Context) (int, error) {
			return s.ReplaceMemberships(ctx, layers.KindVerbund, seq(fx.Memberships[:2], 1, errStream))
		}, false, ctx},
		{"memberships other kind", func(ctx context.Context) (int, error) {
			return s.ReplaceMemberships(ctx, layers.KindVerbund, all(fx.Memberships[:3]))
		}, true, ctx},
		{"cells stream error", func(ctx context.Context) (int, error) {
			return s.ReplaceCells(ctx, seq(fx.Cells, 3, errStream))
		}, false, ctx},
		{"cells negative population", func(ctx context.Context) (int, error) {
			return s.ReplaceCells(ctx, all(badCell(func(c *layers.Cell) { c.Population = -1 })))
		}, true, ctx},
		{"cells share over 100", func(ctx context.Context) (int, error) {
			return s.ReplaceCells(ctx, all(badCell(func(c *layers.Cell) { c.Share65Plus = f64(100.5) })))
		}, true, ctx},
		{"cells bad id", func(ctx context.Context) (int, error) {
			return s.ReplaceCells(ctx, all(badCell(func(c *layers.Cell) { c.ID = "1kmX" })))
		}, true, ctx},
		{"cells duplicate id", func(ctx context.Context) (int, error) {
			return s.ReplaceCells(ctx, all(badCell(func(c *layers.Cell) { c.ID = secretCell })))
		}, true, ctx},
		{"cells cancelled", func(ctx context.Context) (int, error) {
			return s.ReplaceCells(ctx, all(fx.Cells[:1]))
		}, false, cancelled},
		{"central places stream error", func(ctx context.Context) (int, error) {
			return s.ReplaceCentralPlaces(ctx, seq(fx.CentralPlaces, 2, errStream))
		}, false, ctx},
		{"facilities stream error", func(ctx context.Context) (int, error) {
			return s.ReplaceFacilities(ctx, "osm", seq(fx.Facilities[:3], 2, errStream))
		}, false, ctx},
		{"facilities unknown category", func(ctx context.Context) (int, error) {
			fs := slices.Clone(fx.Facilities[:3])
			fs[1].Category = "bakery"
			return s.ReplaceFacilities(ctx, "osm", all(fs))
		}, true, ctx},
		{"facilities other source", func(ctx context.Context) (int, error) {
			return s.ReplaceFacilities(ctx, "osm", all(fx.Facilities))
		}, true, ctx},
		{"roads stream error", func(ctx context.Context) (int, error) {
			return s.ReplaceRoads(ctx, seq(fx.Roads, 2, errStream))
		}, false, ctx},
		{"roads duplicate id", func(ctx context.Context) (int, error) {
			rs := slices.Clone(fx.Roads)
			rs[2].ID = rs[0].ID
			return s.ReplaceRoads(ctx, all(rs))
		}, true, ctx},
		{"projects stream error", func(ctx context.Context) (int, error) {
			return s.ReplaceProjects(ctx, "file:fixture", seq(fx.Projects, 1, errStream))
		}, false, ctx},
		{"projects unknown kind", func(ctx context.Context) (int, error) {
			ps := slices.Clone(fx.Projects)
			ps[2].Kind = "bridge"
			return s.ReplaceProjects(ctx, "file:fixture", all(ps))
		}, true, ctx},
		{"population unknown ags", func(ctx context.Context) (int, error) {
			return s.UpdatePopulation(ctx, all([]layers.PopulationRecord{
				{AGS: agsWest, Population: 1, Date: time.Date(2022, 5, 15, 0, 0, 0, 0, time.UTC)},
				{AGS: "14999999", Population: 2},
			}))
		}, false, ctx},
		{"population negative", func(ctx context.Context) (int, error) {
			return s.UpdatePopulation(ctx, all([]layers.PopulationRecord{{AGS: agsWest, Population: -1}}))
		}, true, ctx},
		{"indicators unknown ags", func(ctx context.Context) (int, error) {
			return s.ReplaceIndicators(ctx, all([]layers.IndicatorValue{
				{AGS: agsWest, Key: layers.IndPurchasingPower, Value: 1},
				{AGS: "14999999", Key: layers.IndPurchasingPower, Value: 2},
			}))
		}, false, ctx},
		{"indicators stream error", func(ctx context.Context) (int, error) {
			return s.ReplaceIndicators(ctx, seq([]layers.IndicatorValue{{AGS: agsWest, Key: layers.IndUnemployed, Value: 1}, {}}, 1, errStream))
		}, false, ctx},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := tt.load(tt.ctx)
			if err == nil {
				t.Fatalf("load succeeded with %d records, want an error", n)
			}
			if tt.invalid && !errors.Is(err, layers.ErrInvalid) {
				t.Errorf("error %q does not wrap layers.ErrInvalid", err)
			}
			if tt.ctx != ctx && !errors.Is(err, context.Canceled) {
				t.Errorf("error %q does not wrap context.Canceled", err)
			}
			if strings.HasSuffix(tt.name, "stream error") && !errors.Is(err, errStream) {
				t.Errorf("error %q does not wrap the stream's error", err)
			}
			compareSnapshots(t, read(t, s), before)
		})
	}
	// The feature source still serves the previous layer, too.
	want := expectedFeatures(fx)
	got := items(t, s, layers.ItemsQuery{Collection: layers.CollMunicipalities, Limit: 10}, len(want[layers.CollMunicipalities]))
	compareFeatures(t, "municipalities after failed loads", got, want[layers.CollMunicipalities])
}

// checkReplace replaces layers with smaller ones and checks that nothing of
// the old layer remains, and that facility sources and membership kinds are
// replaced apart.
func checkReplace(t *testing.T, s layers.Store, fx Fixture) {
	ctx := context.Background()
	want := fixtureSnapshot(fx)

	n, err := s.ReplaceMunicipalities(ctx, all(fx.Municipalities[2:]))
	if err != nil || n != 1 {
		t.Fatalf("ReplaceMunicipalities(1) = %d, %v", n, err)
	}
	want.Municipalities = []layers.Municipality{fx.Municipalities[2]}

	n, err = s.ReplaceFacilities(ctx, "osm", all(fx.Facilities[:1]))
	if err != nil || n != 1 {
		t.Fatalf("ReplaceFacilities(osm, 1) = %d, %v", n, err)
	}
	want.Facilities = append([]layers.Facility{fx.Facilities[0]}, fx.Facilities[3:]...)

	n, err = s.ReplaceMemberships(ctx, layers.KindMittelbereich, all([]layers.Membership(nil)))
	if err != nil || n != 0 {
		t.Fatalf("ReplaceMemberships(mittelbereich, none) = %d, %v", n, err)
	}
	want.Memberships = nil
	for _, m := range fx.Memberships {
		if m.Kind != layers.KindMittelbereich {
			want.Memberships = append(want.Memberships, m)
		}
	}
	n, err = s.ReplaceRoads(ctx, all(fx.Roads[3:]))
	if err != nil || n != 1 {
		t.Fatalf("ReplaceRoads(1) = %d, %v", n, err)
	}
	want.Roads = fx.Roads[3:]
	n, err = s.ReplaceCells(ctx, all(fx.Cells[:2]))
	if err != nil || n != 2 {
		t.Fatalf("ReplaceCells(2) = %d, %v", n, err)
	}
	want.Cells = fx.Cells[:2]
	sortSnapshot(&want)
	compareSnapshots(t, read(t, s), want)

	// The served features follow.
	p, err := s.Items(ctx, layers.ItemsQuery{Collection: layers.CollMunicipalities, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Features) != 1 || p.Features[0].ID != agsEast || p.NumberMatched != 1 {
		t.Errorf("municipalities after replace: %v (matched %d), want [%s]", ids(p.Features), p.NumberMatched, agsEast)
	}
	if _, err := s.Item(ctx, layers.CollMunicipalities, agsWest); !errors.Is(err, layers.ErrNotFound) {
		t.Errorf("Item(municipalities, %s) after replace: error %v, want layers.ErrNotFound", agsWest, err)
	}
}

// checkUpdates checks UpdatePopulation and ReplaceIndicators.
func checkUpdates(t *testing.T, s layers.Store, fx Fixture) {
	ctx := context.Background()
	date := time.Date(2022, 5, 15, 0, 0, 0, 0, time.UTC)
	n, err := s.UpdatePopulation(ctx, all([]layers.PopulationRecord{
		{AGS: agsWest, Population: 11800, Date: date},
		{AGS: agsEast, Population: 4900, Date: date, AreaKm2: 25.5},
	}))
	if err != nil || n != 2 {
		t.Fatalf("UpdatePopulation = %d, %v; want 2, nil", n, err)
	}
	n, err = s.ReplaceIndicators(ctx, all([]layers.IndicatorValue{
		{AGS: agsWest, Key: layers.IndPurchasingPower, Value: 22000},
		{AGS: agsWest2, Key: layers.IndPurchasingPower, Value: 19000},
		{AGS: agsWest2, Key: layers.IndShare65Plus, Value: 33.5},
	}))
	if err != nil || n != 3 {
		t.Fatalf("ReplaceIndicators = %d, %v; want 3, nil", n, err)
	}
	want := fixtureSnapshot(fx)
	for i := range want.Municipalities {
		m := &want.Municipalities[i]
		ind := map[string]float64{}
		for k, v := range m.Indicators {
			ind[k] = v
		}
		m.Indicators = ind
		switch m.AGS {
		case agsWest:
			m.Population, m.PopulationDate = 11800, date
			m.Indicators[layers.IndPurchasingPower] = 22000
		case agsWest2:
			m.Indicators[layers.IndPurchasingPower] = 19000
			m.Indicators[layers.IndShare65Plus] = 33.5
		case agsEast:
			m.Population, m.PopulationDate, m.AreaKm2 = 4900, date, 25.5
		}
	}
	compareSnapshots(t, read(t, s), want)
	f, err := s.Item(ctx, layers.CollMunicipalities, agsEast)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := f.Get("population"); v != int64(4900) {
		t.Errorf("served population of %s = %#v, want 4900", agsEast, v)
	}
	if v, _ := f.Get("population_date"); v != "2022-05-15" {
		t.Errorf("served population_date of %s = %#v, want 2022-05-15", agsEast, v)
	}
}

func checkPutProject(t *testing.T, s layers.Store, fx Fixture) {
	ctx := context.Background()
	p := fx.Projects[0]
	p.Title = "Gesundheitszentrum Testverbund (geändert)"
	p.Status = "selected"
	p.Geometry = orb.Point{402100, 5652100}
	p.Innovation = nil
	if err := s.PutProject(ctx, p); err != nil {
		t.Fatalf("PutProject(replace): %v", err)
	}
	got, err := s.Project(ctx, p.ID)
	if err != nil {
		t.Fatalf("Project(%s): %v", p.ID, err)
	}
	diffProject(t, got, p)

	q := layers.Project{
		ID: "p-2024-004", Title: "Neue Kita", Kind: layers.KindNewFacility, Category: layers.CatKita,
		Municipalities: []string{agsEast}, Geometry: orb.Point{453000, 5653000}, Status: "submitted",
	}
	if err := s.PutProject(ctx, q); err != nil {
		t.Fatalf("PutProject(insert): %v", err)
	}
	got, err = s.Project(ctx, q.ID)
	if err != nil {
		t.Fatalf("Project(%s): %v", q.ID, err)
	}
	diffProject(t, got, q)

	all, err := s.Projects(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != len(fx.Projects)+1 {
		t.Errorf("Projects: %d, want %d", len(all), len(fx.Projects)+1)
	}
	f, err := s.Item(ctx, layers.CollProjects, q.ID)
	if err != nil {
		t.Fatal(err)
	}
	if d := featureDiff(f, layers.ProjectFeature(q)); d != "" {
		t.Errorf("served new project: %s", d)
	}

	bad := q
	bad.ID = "p-bad"
	bad.Kind = "bridge"
	if err := s.PutProject(ctx, bad); !errors.Is(err, layers.ErrInvalid) {
		t.Errorf("PutProject(kind bridge) error = %v, want layers.ErrInvalid", err)
	}
	if _, err := s.Project(ctx, bad.ID); !errors.Is(err, layers.ErrNotFound) {
		t.Errorf("Project(%s) after a failed put: error %v, want layers.ErrNotFound", bad.ID, err)
	}
}

// TravelTimeReader is implemented by stores that read travel-time results
// back; Run checks it when the store implements it.
type TravelTimeReader interface {
	TravelTimes(ctx context.Context, cat layers.Category, mode layers.Mode) ([]layers.TravelTimeRecord, error)
}

// GapReader is implemented by stores that read gap results back.
type GapReader interface {
	Gaps(ctx context.Context, cat layers.Category, mode layers.Mode) ([]layers.GapRecord, error)
}

// DocumentReader is implemented by stores that read result documents back.
type DocumentReader interface {
	Document(ctx context.Context, kind, key string) ([]byte, time.Time, error)
}

func checkResultWriter(t *testing.T, s layers.Store, w layers.ResultWriter) {
	ctx := context.Background()
	at := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	edges := []layers.GraphEdge{
		{ID: 1, Source: 1, Target: 2, Cost: 10, ReverseCost: 12, LengthM: 100, Geometry: orb.LineString{{400000, 5650000}, {400100, 5650000}}},
		{ID: 2, Source: 2, Target: 3, Cost: 5, ReverseCost: -1, LengthM: 50, Geometry: orb.LineString{{400100, 5650000}, {400100, 5650050}}},
	}
	n, err := w.ReplaceGraph(ctx, layers.Car, all(edges))
	if err != nil || n != 2 {
		t.Errorf("ReplaceGraph(car) = %d, %v; want 2, nil", n, err)
	}
	if _, err := w.ReplaceGraph(ctx, layers.Car, seq(edges, 1, errStream)); !errors.Is(err, errStream) {
		t.Errorf("ReplaceGraph with a broken stream: error %v, want the stream's error", err)
	}
	if _, err := w.ReplaceGraph(ctx, "boat", all(edges)); !errors.Is(err, layers.ErrInvalid) {
		t.Errorf("ReplaceGraph(boat) error = %v, want layers.ErrInvalid", err)
	}

	run := layers.ResultRun{Category: layers.CatGeneralPractice, Mode: layers.Car, ComputedAt: at, Provenance: `{"engine_version":"test"}`}
	tts := []layers.TravelTimeRecord{
		{CellID: "1kmN3106E4574", AGS: agsWest, Population: 320, Known: true, Reached: true, Seconds: 240.5, DistanceM: 2100, FacilityID: "osm:node/101", Method: "network"},
		{CellID: secretCell, AGS: agsWest2, Known: false, Reached: false, Method: "network"},
	}
	n, err = w.ReplaceTravelTimes(ctx, run, all(tts))
	if err != nil || n != 2 {
		t.Errorf("ReplaceTravelTimes = %d, %v; want 2, nil", n, err)
	}
	other := run
	other.Mode = layers.Foot
	if _, err := w.ReplaceTravelTimes(ctx, other, all(tts[:1])); err != nil {
		t.Errorf("ReplaceTravelTimes(foot): %v", err)
	}
	if _, err := w.ReplaceTravelTimes(ctx, run, seq(tts, 1, errStream)); !errors.Is(err, errStream) {
		t.Errorf("ReplaceTravelTimes with a broken stream: error %v, want the stream's error", err)
	}
	if r, ok := s.(TravelTimeReader); ok {
		got, err := r.TravelTimes(ctx, run.Category, run.Mode)
		if err != nil {
			t.Fatalf("TravelTimes: %v", err)
		}
		slices.SortFunc(got, func(a, b layers.TravelTimeRecord) int { return cmpStr(a.CellID, b.CellID) })
		want := slices.Clone(tts)
		slices.SortFunc(want, func(a, b layers.TravelTimeRecord) int { return cmpStr(a.CellID, b.CellID) })
		if !slices.Equal(got, want) {
			t.Errorf("TravelTimes(car):\n got  %+v\n want %+v", got, want)
		}
		got, err = r.TravelTimes(ctx, run.Category, layers.Foot)
		if err != nil || len(got) != 1 {
			t.Errorf("TravelTimes(foot) = %d records, %v; want 1", len(got), err)
		}
	}

	gaps := []layers.GapRecord{
		{CellID: "1kmN3106E4574", AGS: agsWest, Population: 320, Seconds: 1200, Reached: true, StandardSeconds: 900, ThinlyPopulated: true},
		{CellID: "1kmN3106E4580", AGS: agsWest2, Population: 45, Seconds: math.Inf(1), Reached: false, StandardSeconds: 900, StructurallyWeak: true},
	}
	n, err = w.ReplaceGaps(ctx, run, all(gaps))
	if err != nil || n != 2 {
		t.Errorf("ReplaceGaps = %d, %v; want 2, nil", n, err)
	}
	if _, err := w.ReplaceGaps(ctx, run, seq(gaps, 1, errStream)); !errors.Is(err, errStream) {
		t.Errorf("ReplaceGaps with a broken stream: error %v, want the stream's error", err)
	}
	if r, ok := s.(GapReader); ok {
		got, err := r.Gaps(ctx, run.Category, run.Mode)
		if err != nil {
			t.Fatalf("Gaps: %v", err)
		}
		slices.SortFunc(got, func(a, b layers.GapRecord) int { return cmpStr(a.CellID, b.CellID) })
		if !slices.Equal(got, gaps) {
			t.Errorf("Gaps:\n got  %+v\n want %+v", got, gaps)
		}
	}

	doc := []byte(`{"score": 7.5, "reasons": ["near"]}`)
	if err := w.PutDocument(ctx, "assessment", "p-1", doc, at); err != nil {
		t.Errorf("PutDocument: %v", err)
	}
	doc2 := []byte(`{"score": 8}`)
	if err := w.PutDocument(ctx, "assessment", "p-1", doc2, at.Add(time.Hour)); err != nil {
		t.Errorf("PutDocument(replace): %v", err)
	}
	if err := w.PutDocument(ctx, "assessment", "p-2", []byte(`not json`), at); !errors.Is(err, layers.ErrInvalid) {
		t.Errorf("PutDocument(not json) error = %v, want layers.ErrInvalid", err)
	}
	if r, ok := s.(DocumentReader); ok {
		got, when, err := r.Document(ctx, "assessment", "p-1")
		if err != nil {
			t.Fatalf("Document: %v", err)
		}
		if !jsonEqual(got, doc2) || !when.Equal(at.Add(time.Hour)) {
			t.Errorf("Document = %s at %v, want %s at %v", got, when, doc2, at.Add(time.Hour))
		}
		if _, _, err := r.Document(ctx, "assessment", "p-2"); !errors.Is(err, layers.ErrNotFound) {
			t.Errorf("Document(p-2) error = %v, want layers.ErrNotFound", err)
		}
	}
}

func jsonEqual(a, b []byte) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}

// checkProjectWriter: CreateProject is insert-or-ErrConflict even under a
// race, an idempotency key returns the first project, UpdateProject refuses
// a stale revision.
func checkProjectWriter(t *testing.T, s layers.Store, fx Fixture) {
	ctx := context.Background()
	p := layers.Project{ID: "race-1", Title: "Kita am Markt", Kind: layers.KindNewFacility, Category: layers.CatKita,
		Municipalities: []string{agsEast}, Geometry: orb.Point{453000, 5653000}, Status: "submitted"}
	by := layers.Actor{Name: "amt", Role: layers.RoleSubmitter}
	var wg sync.WaitGroup
	errs := make([]error, 12)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, errs[i] = s.CreateProject(ctx, p, layers.Create{Actor: by})
		}()
	}
	wg.Wait()
	ok, conflicts := 0, 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, layers.ErrConflict):
			conflicts++
		default:
			t.Errorf("CreateProject in a race: %v", err)
		}
	}
	if ok != 1 || conflicts != len(errs)-1 {
		t.Errorf("12 concurrent creates of one id: %d succeeded, %d conflicts; want 1 and 11", ok, conflicts)
	}
	got, err := s.Project(ctx, "race-1")
	if err != nil || got.Revision != 1 || got.Source != "api" {
		t.Errorf("Project(race-1) = revision %d source %q, %v; want revision 1 from api", got.Revision, got.Source, err)
	}

	q := p
	q.ID = "idem-1"
	c := layers.Create{Actor: by, IdempotencyKey: "k-1", Fingerprint: "f-1"}
	first, created, err := s.CreateProject(ctx, q, c)
	if err != nil || !created {
		t.Fatalf("CreateProject(idem-1) = %v, %v", created, err)
	}
	q2 := q
	q2.ID = "idem-2" // a retry that made up another id
	again, created, err := s.CreateProject(ctx, q2, c)
	if err != nil || created || again.ID != first.ID {
		t.Errorf("repeated key: project %q created %v, %v; want the first, %q, not created", again.ID, created, err, first.ID)
	}
	if _, err := s.Project(ctx, "idem-2"); !errors.Is(err, layers.ErrNotFound) {
		t.Errorf("a repeated key stored a second project: %v", err)
	}
	if _, _, err := s.CreateProject(ctx, q2, layers.Create{Actor: by, IdempotencyKey: "k-1", Fingerprint: "f-other"}); !errors.Is(err, layers.ErrConflict) {
		t.Errorf("key reused for another body: error %v, want layers.ErrConflict", err)
	}

	u := got
	u.Title = "Kita am Markt (erweitert)"
	up, err := s.UpdateProject(ctx, u, by)
	if err != nil || up.Revision != 2 || up.Source != "api" {
		t.Fatalf("UpdateProject = revision %d source %q, %v; want 2, api", up.Revision, up.Source, err)
	}
	if _, err := s.UpdateProject(ctx, u, by); !errors.Is(err, layers.ErrStale) {
		t.Errorf("UpdateProject on revision 1 after revision 2: error %v, want layers.ErrStale", err)
	}
	u.ID = "nobody"
	if _, err := s.UpdateProject(ctx, u, by); !errors.Is(err, layers.ErrNotFound) {
		t.Errorf("UpdateProject(nobody) error %v, want layers.ErrNotFound", err)
	}
	if got, _ := s.Project(ctx, "race-1"); got.Title != "Kita am Markt (erweitert)" || got.Revision != 2 {
		t.Errorf("after the update: %q revision %d", got.Title, got.Revision)
	}
}

// checkProjectSources: ReplaceProjects replaces the projects of its own
// source; those of the API and of other files stay, and an id held by
// another source fails the load, which then changes nothing.
func checkProjectSources(t *testing.T, s layers.Store, fx Fixture) {
	ctx := context.Background()
	api := layers.Project{ID: "api-1", Title: "Feuerwehr", Kind: layers.KindNewFacility, Category: layers.CatFireStation,
		Municipalities: []string{agsEast}, Geometry: orb.Point{453000, 5653000}}
	if _, _, err := s.CreateProject(ctx, api, layers.Create{Actor: layers.Actor{Name: "amt", Role: layers.RoleSubmitter}}); err != nil {
		t.Fatal(err)
	}
	other := slices.Clone(fx.Projects[:1])
	other[0].ID = "other-1"
	if _, err := s.ReplaceProjects(ctx, "file:other.csv", all(other)); err != nil {
		t.Fatal(err)
	}
	if n, err := s.ReplaceProjects(ctx, "file:fixture", all(fx.Projects[1:])); err != nil || n != len(fx.Projects)-1 {
		t.Fatalf("ReplaceProjects(fixture, smaller) = %d, %v", n, err)
	}
	ps, err := s.Projects(ctx)
	if err != nil {
		t.Fatal(err)
	}
	by := map[string]int{}
	for _, p := range ps {
		by[p.Source]++
	}
	if by["api"] != 1 || by["file:other.csv"] != 1 || by["file:fixture"] != len(fx.Projects)-1 {
		t.Errorf("projects by source %v; want api 1, file:other.csv 1, file:fixture %d", by, len(fx.Projects)-1)
	}
	clash := slices.Clone(fx.Projects[:1])
	clash[0].ID = "api-1"
	if _, err := s.ReplaceProjects(ctx, "file:fixture", all(clash)); err == nil {
		t.Error("an import holding the id of an API project was accepted")
	}
	if ps2, _ := s.Projects(ctx); len(ps2) != len(ps) {
		t.Errorf("a failed import changed the projects: %d, want %d", len(ps2), len(ps))
	}
}

// checkInvalidProjects: both stores refuse the same broken records, with
// layers.ErrInvalid, whichever way they come in.
func checkInvalidProjects(t *testing.T, s layers.Store, fx Fixture) {
	ctx := context.Background()
	good := layers.Project{ID: "ok-1", Title: "Sportplatz", Kind: layers.KindAreaService, Category: layers.CatSports,
		Municipalities: []string{agsEast}, Geometry: orb.Polygon{{{453000, 5653000}, {453100, 5653000}, {453100, 5653100}, {453000, 5653000}}}}
	cases := []struct {
		name, field string
		mod         func(p *layers.Project)
	}{
		{"NUL in id", "id", func(p *layers.Project) { p.ID = "a\x00b" }},
		{"invalid UTF-8 in title", "title", func(p *layers.Project) { p.Title = "Zw\xfcnitz" }},
		{"U+FFFD in title", "title", func(p *layers.Project) { p.Title = "Zw\ufffdnitz" }},
		{"bow-tie polygon", "geometry", func(p *layers.Project) {
			p.Geometry = orb.Polygon{{{453000, 5653000}, {453100, 5653100}, {453100, 5653000}, {453000, 5653100}, {453000, 5653000}}}
		}},
		{"zero-length line", "geometry", func(p *layers.Project) {
			p.Kind = layers.KindRoadUpgrade
			p.Geometry = orb.LineString{{453000, 5653000}, {453000, 5653000}}
		}},
		{"unknown status", "status", func(p *layers.Project) { p.Status = "approved-ish" }},
		{"funding above cost", "requested_funding", func(p *layers.Project) { p.InvestmentCost, p.RequestedFunding = 10, 20 }},
		{"short AGS", "municipalities", func(p *layers.Project) { p.Municipalities = []string{"1462811"} }},
	}
	for _, c := range cases {
		p := good
		c.mod(&p)
		if err := s.PutProject(ctx, p); !namesField(err, c.field) {
			t.Errorf("%s: PutProject error %v, want layers.FieldErrors naming %s", c.name, err, c.field)
		}
		if _, _, err := s.CreateProject(ctx, p, layers.Create{Actor: layers.Actor{Name: "amt"}}); !namesField(err, c.field) {
			t.Errorf("%s: CreateProject error %v, want layers.FieldErrors naming %s", c.name, err, c.field)
		}
		if _, err := s.ReplaceProjects(ctx, "file:bad", all([]layers.Project{p})); !namesField(err, c.field) {
			t.Errorf("%s: ReplaceProjects error %v, want layers.FieldErrors naming %s", c.name, err, c.field)
		}
	}
	if err := s.PutProject(ctx, good); err != nil {
		t.Errorf("the valid project: %v", err)
	}
}

// checkInvalidCells: both stores refuse the same broken grid cells with a
// layers.FieldErrors naming the field, and keep the grid they had.
func checkInvalidCells(t *testing.T, s layers.Store, fx Fixture) {
	ctx := context.Background()
	good := fx.Cells[0]
	share := func(v float64) *float64 { return &v }
	cases := []struct {
		name, field string
		mod         func(c *layers.Cell)
	}{
		{"secret cell with residents", "population", func(c *layers.Cell) { c.Known, c.Population = false, 12 }},
		{"negative population", "population", func(c *layers.Cell) { c.Population = -3 }},
		{"year 3000", "year", func(c *layers.Cell) { c.Year = 3000 }},
		{"year 12", "year", func(c *layers.Cell) { c.Year = 12 }},
		{"short AGS", "ags", func(c *layers.Cell) { c.AGS = "1462811" }},
		{"not a cell id", "inspire_id", func(c *layers.Cell) { c.ID = "CRS3035RES100mN1E1x" }},
		{"resolution not the id's", "resolution_m", func(c *layers.Cell) { c.ResolutionM = 250 }},
		{"share above 100", "share_65_plus", func(c *layers.Cell) { c.Share65Plus = share(120) }},
	}
	for _, c := range cases {
		bad := good
		c.mod(&bad)
		_, err := s.ReplaceCells(ctx, all(append([]layers.Cell{bad}, fx.Cells[1:]...)))
		var fes layers.FieldErrors
		if !errors.As(err, &fes) || !slices.ContainsFunc(fes, func(e layers.FieldError) bool { return e.Field == c.field }) {
			t.Errorf("%s: ReplaceCells error %v, want layers.FieldErrors naming %s", c.name, err, c.field)
		}
	}
	cells, err := s.Cells(ctx)
	if err != nil || len(cells) != len(fx.Cells) {
		t.Errorf("after the refused loads: %d cells, %v; want the %d loaded before", len(cells), err, len(fx.Cells))
	}
}

// checkMunicipalitiesKeepIndicators: re-importing the municipalities keeps
// the indicator values imported on their own.
func checkMunicipalitiesKeepIndicators(t *testing.T, s layers.Store, fx Fixture) {
	ctx := context.Background()
	if _, err := s.ReplaceIndicators(ctx, all([]layers.IndicatorValue{{AGS: agsEast, Key: "unemployment_rate", Value: 7.25}})); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ReplaceMunicipalities(ctx, all(fx.Municipalities)); err != nil {
		t.Fatal(err)
	}
	ms, err := s.Municipalities(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.AGS == agsEast {
			if v, ok := m.Indicators["unemployment_rate"]; !ok || v != 7.25 {
				t.Errorf("after re-importing the municipalities: unemployment_rate of %s = %v, %v; want 7.25 kept", agsEast, v, ok)
			}
			for k, v := range fx.Municipalities[slices.IndexFunc(fx.Municipalities, func(f layers.Municipality) bool { return f.AGS == agsEast })].Indicators {
				if m.Indicators[k] != v {
					t.Errorf("indicator %s of %s = %v, want the file's %v", k, agsEast, m.Indicators[k], v)
				}
			}
			return
		}
	}
	t.Errorf("municipality %s is gone", agsEast)
}
