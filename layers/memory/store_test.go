package memory

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"math/rand"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"reach/geo/crs"
	"reach/geo/grid"
	"reach/layers"
)

// seqOf streams vs without error.
func seqOf[T any](vs ...T) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for _, v := range vs {
			if !yield(v, nil) {
				return
			}
		}
	}
}

// failingSeq streams vs, then fails with err.
func failingSeq[T any](err error, vs ...T) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for _, v := range vs {
			if !yield(v, nil) {
				return
			}
		}
		var zero T
		yield(zero, err)
	}
}

func square(x, y, size float64) orb.MultiPolygon {
	return orb.MultiPolygon{{{{x, y}, {x + size, y}, {x + size, y + size}, {x, y + size}, {x, y}}}}
}

// fixture returns three municipalities side by side, 5 km wide, in the
// Erzgebirge (EPSG:25833).
func fixture() []layers.Municipality {
	var ms []layers.Municipality
	for i, name := range []string{"Adorf", "Bdorf", "Cdorf"} {
		ms = append(ms, layers.Municipality{
			AGS: fmt.Sprintf("1499900%d", i+1), Name: name, KreisAGS: "14999", KreisName: "Musterkreis",
			Geometry: square(380000+float64(i)*5000, 5610000, 5000), Population: int64(1000 * (i + 1)),
			PopulationDate: time.Date(2022, 12, 31, 0, 0, 0, 0, time.UTC), AreaKm2: 25, DEGURBA: 3,
			Indicators: map[string]float64{layers.IndShare65Plus: 30 + float64(i)},
		})
	}
	return ms
}

func mustLoad(t testing.TB, s *Store) {
	t.Helper()
	ctx := context.Background()
	if n, err := s.ReplaceMunicipalities(ctx, seqOf(fixture()...)); err != nil || n != 3 {
		t.Fatalf("ReplaceMunicipalities = %d, %v; want 3, nil", n, err)
	}
}

func TestInfo(t *testing.T) {
	s := New(WithTitle("Demo region (synthetic)"), WithSynthetic(true), WithVersions(map[string]string{"demo": "seed 1"}),
		WithAttribution("none"))
	info, err := s.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if info.Kind != "memory" || info.Title != "Demo region (synthetic)" || !info.Synthetic || info.Versions["demo"] != "seed 1" ||
		!slices.Equal(info.Attribution, []string{"none"}) {
		t.Errorf("Info = %+v", info)
	}
	info.Versions["demo"] = "changed"
	again, _ := s.Info(context.Background())
	if again.Versions["demo"] != "seed 1" {
		t.Errorf("Info shares its Versions map with callers")
	}
	cs, _ := s.Collections(context.Background())
	for _, c := range cs {
		if !c.Synthetic || c.Attribution != "none" {
			t.Errorf("collection %s: Synthetic %v, Attribution %q; want true, none", c.ID, c.Synthetic, c.Attribution)
		}
	}
}

func TestMunicipalitiesRoundTripAndFeatures(t *testing.T) {
	ctx := context.Background()
	s := New()
	mustLoad(t, s)
	got, err := s.Municipalities(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := fixture()
	if len(got) != len(want) {
		t.Fatalf("got %d municipalities, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i].AGS != want[i].AGS || got[i].Population != want[i].Population || !got[i].PopulationDate.Equal(want[i].PopulationDate) ||
			got[i].Indicators[layers.IndShare65Plus] != want[i].Indicators[layers.IndShare65Plus] {
			t.Errorf("municipality %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	// Callers own the returned values.
	got[0].Indicators[layers.IndShare65Plus] = -1
	got[0].Geometry[0][0][0] = orb.Point{0, 0}
	again, _ := s.Municipalities(ctx)
	if again[0].Indicators[layers.IndShare65Plus] != 30 || again[0].Geometry[0][0][0] != (orb.Point{380000, 5610000}) {
		t.Errorf("store shares memory with returned values")
	}
	f, err := s.Item(ctx, layers.CollMunicipalities, "14999002")
	if err != nil {
		t.Fatal(err)
	}
	wantF := layers.MunicipalityFeature(want[1])
	if fmt.Sprint(f) != fmt.Sprint(wantF) {
		t.Errorf("Item =\n%v\nwant\n%v", f, wantF)
	}
	c, err := s.Collection(ctx, layers.CollMunicipalities)
	if err != nil {
		t.Fatal(err)
	}
	sw, _ := crs.ToLonLat(crs.UTM33N, orb.Point{380000, 5610000})
	ne, _ := crs.ToLonLat(crs.UTM33N, orb.Point{395000, 5615000})
	if c.Extent.Min[0] > sw[0]+1e-9 || c.Extent.Min[1] > sw[1]+1e-9 || c.Extent.Max[0] < ne[0]-1e-9 || c.Extent.Max[1] < ne[1]-1e-9 {
		t.Errorf("extent %v does not cover %v–%v", c.Extent, sw, ne)
	}
	if c.Extent.Min[0] < 12 || c.Extent.Max[0] > 14 || c.Extent.Min[1] < 50 || c.Extent.Max[1] > 51 {
		t.Errorf("extent %v is not lon/lat in the Erzgebirge", c.Extent)
	}
}

func TestNotFound(t *testing.T) {
	ctx := context.Background()
	s := New()
	mustLoad(t, s)
	for name, err := range map[string]error{
		"collection": func() error { _, err := s.Collection(ctx, "nope"); return err }(),
		"items":      func() error { _, err := s.Items(ctx, layers.ItemsQuery{Collection: "nope", Limit: 1}); return err }(),
		"item coll":  func() error { _, err := s.Item(ctx, "nope", "x"); return err }(),
		"item":       func() error { _, err := s.Item(ctx, layers.CollMunicipalities, "14999009"); return err }(),
		"road":       func() error { _, err := s.Item(ctx, layers.CollRoads, "abc"); return err }(),
		"project":    func() error { _, err := s.Project(ctx, "p1"); return err }(),
		"graph":      func() error { _, err := s.Graph(ctx, layers.Car); return err }(),
		"document":   func() error { _, err := s.Document(ctx, "a", "b"); return err }(),
	} {
		if !errors.Is(err, layers.ErrNotFound) {
			t.Errorf("%s: err = %v, want ErrNotFound", name, err)
		}
	}
}

func TestReplaceIsAtomic(t *testing.T) {
	ctx := context.Background()
	s := New()
	mustLoad(t, s)
	boom := errors.New("disk on fire")
	next := fixture()
	next[0].Name = "Changed"
	if _, err := s.ReplaceMunicipalities(ctx, failingSeq(boom, next...)); !errors.Is(err, boom) {
		t.Fatalf("err = %v, want the stream's error", err)
	}
	bad := fixture()
	bad[2].Population = -5
	_, err := s.ReplaceMunicipalities(ctx, seqOf(bad...))
	if !errors.Is(err, layers.ErrInvalid) {
		t.Fatalf("err = %v, want ErrInvalid", err)
	}
	for _, part := range []string{"record 3", "14999003", "population", "-5"} {
		if !strings.Contains(err.Error(), part) {
			t.Errorf("error %q does not name %q", err, part)
		}
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.ReplaceMunicipalities(cctx, seqOf(next...)); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: err = %v, want context.Canceled", err)
	}
	got, _ := s.Municipalities(ctx)
	if len(got) != 3 || got[0].Name != "Adorf" {
		t.Errorf("previous layer not intact: %+v", got)
	}
	// Same input twice gives the same state.
	for range 2 {
		if _, err := s.ReplaceMunicipalities(ctx, seqOf(fixture()...)); err != nil {
			t.Fatal(err)
		}
	}
	got2, _ := s.Municipalities(ctx)
	if fmt.Sprint(got) != fmt.Sprint(got2) {
		t.Errorf("replacing with the same input changed the state")
	}
}

func TestValidation(t *testing.T) {
	ctx := context.Background()
	share := func(v float64) *float64 { return &v }
	okMun := fixture()[0]
	okCell := layers.Cell{ID: "100mN30000E45000", ResolutionM: 100, Population: 3, Known: true}
	okFac := layers.Facility{ID: "f1", Category: layers.CatKita, Location: orb.Point{380100, 5610100}, Source: "demo"}
	okRoad := layers.RoadSegment{ID: 1, Geometry: orb.LineString{{0, 0}, {1, 0}}, Highway: "residential", LengthM: 1,
		Car: layers.Access{Forward: true, Backward: true, SpeedKmh: 30}}
	okProj := layers.Project{ID: "p1", Title: "Praxis", Kind: layers.KindNewFacility, Category: layers.CatGeneralPractice,
		Geometry: orb.Point{380100, 5610100}, InvestmentCost: 100, RequestedFunding: 80}
	okPlace := layers.CentralPlace{ID: "14999001", Name: "Adorf", Level: layers.LevelGrundzentrum, AGS: "14999001", Members: []string{"14999001"}}
	cases := []struct {
		name  string
		field string
		run   func(s *Store) error
	}{
		{"ags digits", "ags", func(s *Store) error { m := okMun; m.AGS = "1499900x"; return replaceM(s, m) }},
		{"ags length", "ags", func(s *Store) error { m := okMun; m.AGS = "149990"; return replaceM(s, m) }},
		{"empty name", "name", func(s *Store) error { m := okMun; m.Name = " "; return replaceM(s, m) }},
		{"degurba", "degurba", func(s *Store) error { m := okMun; m.DEGURBA = 4; return replaceM(s, m) }},
		{"area", "area_km2", func(s *Store) error { m := okMun; m.AreaKm2 = -1; return replaceM(s, m) }},
		{"open ring", "geometry", func(s *Store) error {
			m := okMun
			m.Geometry = orb.MultiPolygon{{{{0, 0}, {1, 0}, {1, 1}, {0, 1}}}}
			return replaceM(s, m)
		}},
		{"duplicate", "id", func(s *Store) error { return replaceM(s, okMun, okMun) }},
		{"cell id", "inspire_id", func(s *Store) error { c := okCell; c.ID = "cell"; return replaceC(s, c) }},
		{"cell resolution", "resolution_m", func(s *Store) error { c := okCell; c.ResolutionM = 1000; return replaceC(s, c) }},
		{"cell negative", "population", func(s *Store) error { c := okCell; c.Population = -1; return replaceC(s, c) }},
		{"cell secret count", "population", func(s *Store) error { c := okCell; c.Known = false; return replaceC(s, c) }},
		{"cell share", "share_65_plus", func(s *Store) error { c := okCell; c.Share65Plus = share(101); return replaceC(s, c) }},
		{"cell share low", "share_under_18", func(s *Store) error { c := okCell; c.ShareUnder18 = share(-0.1); return replaceC(s, c) }},
		{"facility category", "category", func(s *Store) error {
			f := okFac
			f.Category = "casino"
			_, err := s.ReplaceFacilities(ctx, "demo", seqOf(f))
			return err
		}},
		{"facility source", "source", func(s *Store) error {
			_, err := s.ReplaceFacilities(ctx, "osm", seqOf(okFac))
			return err
		}},
		{"facility id", "id", func(s *Store) error {
			f := okFac
			f.ID = ""
			_, err := s.ReplaceFacilities(ctx, "demo", seqOf(f))
			return err
		}},
		{"road speed", "car_kmh", func(s *Store) error {
			r := okRoad
			r.Car.SpeedKmh = 0
			_, err := s.ReplaceRoads(ctx, seqOf(r))
			return err
		}},
		{"road line", "geometry", func(s *Store) error {
			r := okRoad
			r.Geometry = orb.LineString{{0, 0}}
			_, err := s.ReplaceRoads(ctx, seqOf(r))
			return err
		}},
		{"project kind", "kind", func(s *Store) error { p := okProj; p.Kind = "party"; return s.PutProject(ctx, p) }},
		{"project geometry", "geometry", func(s *Store) error {
			p := okProj
			p.Geometry = orb.LineString{{0, 0}, {1, 1}}
			return s.PutProject(ctx, p)
		}},
		{"project funding", "requested_funding", func(s *Store) error { p := okProj; p.RequestedFunding = 200; return s.PutProject(ctx, p) }},
		{"project category", "category", func(s *Store) error { p := okProj; p.Category = "x"; return s.PutProject(ctx, p) }},
		{"project mark", "innovation", func(s *Store) error { p := okProj; p.Innovation = share(11); return s.PutProject(ctx, p) }},
		{"place level", "level", func(s *Store) error {
			p := okPlace
			p.Level = 0
			_, err := s.ReplaceCentralPlaces(ctx, seqOf(p))
			return err
		}},
		{"place member", "members", func(s *Store) error {
			p := okPlace
			p.Members = []string{"1"}
			_, err := s.ReplaceCentralPlaces(ctx, seqOf(p))
			return err
		}},
		{"membership kind", "kind", func(s *Store) error {
			_, err := s.ReplaceMemberships(ctx, layers.KindVerbund, seqOf(layers.Membership{AGS: "14999001", Kind: layers.KindMittelbereich, GroupID: "g"}))
			return err
		}},
		{"population unknown ags", "ags", func(s *Store) error {
			_, err := s.UpdatePopulation(ctx, seqOf(layers.PopulationRecord{AGS: "14999009", Population: 1}))
			return err
		}},
		{"indicator unknown ags", "ags", func(s *Store) error {
			_, err := s.ReplaceIndicators(ctx, seqOf(layers.IndicatorValue{AGS: "14999009", Key: "k", Value: 1}))
			return err
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := New()
			mustLoad(t, s)
			// The valid records must load, so that only the mutation fails.
			if err := replaceC(s, okCell); err != nil {
				t.Fatalf("valid cell rejected: %v", err)
			}
			if err := s.PutProject(ctx, okProj); err != nil {
				t.Fatalf("valid project rejected: %v", err)
			}
			before := fmt.Sprint(s.snap().municipalities, s.snap().cells, s.snap().projects, s.snap().facilities)
			err := tc.run(s)
			if !errors.Is(err, layers.ErrInvalid) {
				t.Fatalf("err = %v, want ErrInvalid", err)
			}
			if !strings.Contains(err.Error(), "field "+tc.field) || !strings.HasPrefix(err.Error(), "memory: ") {
				t.Errorf("error %q does not name field %q", err, tc.field)
			}
			if after := fmt.Sprint(s.snap().municipalities, s.snap().cells, s.snap().projects, s.snap().facilities); after != before {
				t.Errorf("a rejected load changed the store")
			}
		})
	}
}

func replaceM(s *Store, ms ...layers.Municipality) error {
	_, err := s.ReplaceMunicipalities(context.Background(), seqOf(ms...))
	return err
}

func replaceC(s *Store, cs ...layers.Cell) error {
	_, err := s.ReplaceCells(context.Background(), seqOf(cs...))
	return err
}

func TestPopulationAndIndicators(t *testing.T) {
	ctx := context.Background()
	s := New()
	mustLoad(t, s)
	d := time.Date(2023, 12, 31, 0, 0, 0, 0, time.UTC)
	if n, err := s.UpdatePopulation(ctx, seqOf(layers.PopulationRecord{AGS: "14999002", Population: 777, Date: d, AreaKm2: 26})); err != nil || n != 1 {
		t.Fatalf("UpdatePopulation = %d, %v", n, err)
	}
	if n, err := s.ReplaceIndicators(ctx, seqOf(
		layers.IndicatorValue{AGS: "14999001", Key: layers.IndUnemployed, Value: 12},
		layers.IndicatorValue{AGS: "14999002", Key: layers.IndShare65Plus, Value: 40},
	)); err != nil || n != 2 {
		t.Fatalf("ReplaceIndicators = %d, %v", n, err)
	}
	ms, _ := s.Municipalities(ctx)
	tests := []struct {
		name string
		got  any
		want any
	}{
		{"population", ms[1].Population, int64(777)},
		{"date", ms[1].PopulationDate, d},
		{"area", ms[1].AreaKm2, 26.0},
		{"untouched population", ms[0].Population, int64(1000)},
		{"new key", ms[0].Indicators[layers.IndUnemployed], 12.0},
		// 14999001 is named and share 65+ is a key of the stream, so its old
		// value is replaced by none.
		{"key of the stream dropped", len(ms[0].Indicators), 1},
		{"replaced", ms[1].Indicators[layers.IndShare65Plus], 40.0},
		{"unnamed kept", ms[2].Indicators[layers.IndShare65Plus], 32.0},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("%s = %v, want %v", tc.name, tc.got, tc.want)
		}
	}
	f, _ := s.Item(ctx, layers.CollMunicipalities, "14999002")
	if v, _ := f.Get("population"); v != int64(777) {
		t.Errorf("served population = %v, want 777", v)
	}
}

func TestFacilitiesBySource(t *testing.T) {
	ctx := context.Background()
	s := New()
	a := layers.Facility{ID: "school:1", Category: layers.CatPrimarySchool, Location: orb.Point{380100, 5610100}, Source: "school:list 2024"}
	b := layers.Facility{ID: "hospital:1", Category: layers.CatHospital, Location: orb.Point{381100, 5610100}, Source: "hospital"}
	if _, err := s.ReplaceFacilities(ctx, "school", seqOf(a)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ReplaceFacilities(ctx, "hospital", seqOf(b)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ReplaceFacilities(ctx, "school", seqOf[layers.Facility]()); err != nil {
		t.Fatal(err)
	}
	fs, _ := s.Facilities(ctx)
	if len(fs) != 1 || fs[0].ID != "hospital:1" {
		t.Errorf("facilities = %+v, want only hospital:1", fs)
	}
	c := a
	c.ID = "hospital:1"
	if _, err := s.ReplaceFacilities(ctx, "school", seqOf(c)); !errors.Is(err, layers.ErrInvalid) {
		t.Errorf("id taken by another source: err = %v, want ErrInvalid", err)
	}
}

// gridFacilities places n×n facilities 500 m apart.
func gridFacilities(n int) []layers.Facility {
	var fs []layers.Facility
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			cat := layers.CatKita
			if (i+j)%3 == 0 {
				cat = layers.CatPharmacy
			}
			fs = append(fs, layers.Facility{ID: fmt.Sprintf("f%03d-%03d", i, j), Category: cat, Name: "x",
				Location: orb.Point{380000 + float64(i)*500, 5610000 + float64(j)*500}, Source: "demo", AGS: "14999001"})
		}
	}
	return fs
}

// TestItemsAgainstBruteForce pages through random bbox and filter queries
// and compares with a selection computed directly from the records.
func TestItemsAgainstBruteForce(t *testing.T) {
	ctx := context.Background()
	s := New()
	fs := gridFacilities(30)
	if _, err := s.ReplaceFacilities(ctx, "demo", seqOf(fs...)); err != nil {
		t.Fatal(err)
	}
	seed := int64(42)
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewSource(seed))
	for q := 0; q < 60; q++ {
		x0, y0 := 379000+rng.Float64()*16000, 5609000+rng.Float64()*16000
		w, h := rng.Float64()*8000, rng.Float64()*8000
		sw, _ := crs.ToLonLat(crs.UTM33N, orb.Point{x0, y0})
		ne, _ := crs.ToLonLat(crs.UTM33N, orb.Point{x0 + w, y0 + h})
		bb := orb.Bound{Min: sw, Max: sw}.Extend(ne)
		var filters map[string]string
		if q%2 == 1 {
			filters = map[string]string{"category": string(layers.CatPharmacy)}
		}
		var want []string
		for _, f := range fs {
			ll, _ := crs.ToLonLat(crs.UTM33N, f.Location)
			if bb.Contains(ll) && (filters == nil || string(f.Category) == filters["category"]) {
				want = append(want, f.ID)
			}
		}
		slices.Sort(want)
		limit := 1 + rng.Intn(7)
		var got []string
		after := ""
		for pages := 0; ; pages++ {
			if pages > 1000 {
				t.Fatal("paging does not end")
			}
			p, err := s.Items(ctx, layers.ItemsQuery{Collection: layers.CollFacilities, BBox: &bb, Limit: limit, After: after, Filters: filters})
			if err != nil {
				t.Fatal(err)
			}
			if p.NumberMatched != len(want) {
				t.Fatalf("query %d: NumberMatched = %d, want %d", q, p.NumberMatched, len(want))
			}
			if len(p.Features) > limit {
				t.Fatalf("query %d: page of %d > limit %d", q, len(p.Features), limit)
			}
			for _, f := range p.Features {
				got = append(got, f.ID)
			}
			if p.Next == "" {
				break
			}
			after = p.Next
		}
		if !slices.Equal(got, want) {
			t.Errorf("query %d (bbox %v, filters %v): got %v, want %v", q, bb, filters, got, want)
		}
	}
}

func TestItemsPagingWithoutSelection(t *testing.T) {
	ctx := context.Background()
	s := New()
	var rs []layers.RoadSegment
	for _, id := range []int64{10, 9, 100, 2, -3} {
		rs = append(rs, layers.RoadSegment{ID: id, Geometry: orb.LineString{{380000, 5610000}, {380100, 5610000}}, Highway: "track", LengthM: 100,
			Foot: layers.Access{Forward: true, Backward: true, SpeedKmh: 5}})
	}
	if _, err := s.ReplaceRoads(ctx, seqOf(rs...)); err != nil {
		t.Fatal(err)
	}
	var got []string
	after := ""
	for {
		p, err := s.Items(ctx, layers.ItemsQuery{Collection: layers.CollRoads, Limit: 2, After: after})
		if err != nil {
			t.Fatal(err)
		}
		if p.NumberMatched != 5 {
			t.Errorf("NumberMatched = %d, want 5", p.NumberMatched)
		}
		for _, f := range p.Features {
			got = append(got, f.ID)
		}
		if p.Next == "" {
			break
		}
		after = p.Next
	}
	if want := []string{"-3", "2", "9", "10", "100"}; !slices.Equal(got, want) {
		t.Errorf("road ids = %v, want numeric order %v", got, want)
	}
	p, _ := s.Items(ctx, layers.ItemsQuery{Collection: layers.CollRoads, Limit: 5})
	if p.Next != "" {
		t.Errorf("exact last page has Next %q, want none", p.Next)
	}
	for name, q := range map[string]layers.ItemsQuery{
		"limit":  {Collection: layers.CollRoads, Limit: 0},
		"filter": {Collection: layers.CollRoads, Limit: 1, Filters: map[string]string{"name": "x"}},
		"cursor": {Collection: layers.CollRoads, Limit: 1, After: "abc"},
		"bbox":   {Collection: layers.CollRoads, Limit: 1, BBox: &orb.Bound{Min: orb.Point{14, 51}, Max: orb.Point{13, 50}}},
	} {
		if _, err := s.Items(ctx, q); !errors.Is(err, layers.ErrInvalid) {
			t.Errorf("%s: err = %v, want ErrInvalid", name, err)
		}
	}
}

// TestItemsBBoxExact checks that a bbox selects by the served geometry,
// not only by its bounding box: an L-shaped road whose bound covers the
// query box but whose line does not cross it is not matched.
func TestItemsBBoxExact(t *testing.T) {
	ctx := context.Background()
	s := New()
	l := layers.RoadSegment{ID: 1, Highway: "track", LengthM: 2000, Foot: layers.Access{Forward: true, Backward: true, SpeedKmh: 5},
		Geometry: orb.LineString{{380000, 5610000}, {381000, 5610000}, {381000, 5611000}}}
	if _, err := s.ReplaceRoads(ctx, seqOf(l)); err != nil {
		t.Fatal(err)
	}
	box := func(x0, y0, x1, y1 float64) *orb.Bound {
		a, _ := crs.ToLonLat(crs.UTM33N, orb.Point{x0, y0})
		b, _ := crs.ToLonLat(crs.UTM33N, orb.Point{x1, y1})
		return &orb.Bound{Min: a, Max: b}
	}
	cases := []struct {
		name string
		bb   *orb.Bound
		want int
	}{
		{"inside the L's corner", box(380100, 5610300, 380400, 5610600), 0},
		{"across the first leg", box(380400, 5609900, 380500, 5610100), 1},
		{"around everything", box(379000, 5609000, 382000, 5612000), 1},
		{"far away", box(390000, 5620000, 391000, 5621000), 0},
	}
	for _, tc := range cases {
		p, err := s.Items(ctx, layers.ItemsQuery{Collection: layers.CollRoads, Limit: 10, BBox: tc.bb})
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Features) != tc.want || p.NumberMatched != tc.want {
			t.Errorf("%s: %d features, matched %d; want %d", tc.name, len(p.Features), p.NumberMatched, tc.want)
		}
	}
}

func TestCellsAndGridFeatures(t *testing.T) {
	ctx := context.Background()
	s := New()
	var cs []layers.Cell
	for i := 0; i < 5; i++ {
		id := grid.ID{ResolutionM: 100, North: 3000000 + i*100, East: 4500000}
		cs = append(cs, layers.Cell{ID: id.String(), ResolutionM: 100, Population: int64(i), Known: i != 2, AGS: "14999001", Year: 2022})
	}
	cs[2].Population = 0
	if _, err := s.ReplaceCells(ctx, seqOf(cs...)); err != nil {
		t.Fatal(err)
	}
	f, err := s.Item(ctx, layers.CollPopulationGrid, cs[2].ID)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := f.Get("population"); v != nil {
		t.Errorf("secret cell population = %v, want null", v)
	}
	p, err := s.Items(ctx, layers.ItemsQuery{Collection: layers.CollPopulationGrid, Limit: 10, Filters: map[string]string{"ags": "14999001"}})
	if err != nil || p.NumberMatched != 5 {
		t.Errorf("filter by ags: matched %d, err %v; want 5", p.NumberMatched, err)
	}
}

func TestProjects(t *testing.T) {
	ctx := context.Background()
	s := New()
	p := layers.Project{ID: "p2", Title: "Brücke", Kind: layers.KindRoadUpgrade, Geometry: orb.LineString{{380000, 5610000}, {380500, 5610000}},
		InvestmentCost: 10, RequestedFunding: 5, Synthetic: true}
	if err := s.PutProject(ctx, p); err != nil {
		t.Fatal(err)
	}
	p.Title = "Neue Brücke"
	if err := s.PutProject(ctx, p); err != nil {
		t.Fatal(err)
	}
	got, err := s.Project(ctx, "p2")
	if err != nil || got.Title != "Neue Brücke" {
		t.Errorf("Project = %+v, %v", got, err)
	}
	ps, _ := s.Projects(ctx)
	if len(ps) != 1 {
		t.Errorf("%d projects, want 1", len(ps))
	}
	if n, err := s.ReplaceProjects(ctx, "api", seqOf[layers.Project]()); err != nil || n != 0 {
		t.Errorf("ReplaceProjects(empty) = %d, %v", n, err)
	}
	if ps, _ := s.Projects(ctx); len(ps) != 0 {
		t.Errorf("projects after empty replace: %d", len(ps))
	}
}

func TestResults(t *testing.T) {
	ctx := context.Background()
	s := New()
	run := layers.ResultRun{Category: layers.CatGeneralPractice, Mode: layers.Car, ComputedAt: time.Unix(0, 0).UTC(), Provenance: `{"seed":1}`}
	n, err := s.ReplaceTravelTimes(ctx, run, seqOf(
		layers.TravelTimeRecord{CellID: "b", Reached: true, Seconds: 60, Method: "network"},
		layers.TravelTimeRecord{CellID: "a", Reached: false, Seconds: 0, Method: "network"},
	))
	if err != nil || n != 2 {
		t.Fatalf("ReplaceTravelTimes = %d, %v", n, err)
	}
	gotRun, recs, err := s.TravelTimes(ctx, layers.CatGeneralPractice, layers.Car)
	if err != nil || gotRun.Provenance != run.Provenance || len(recs) != 2 || recs[0].CellID != "a" {
		t.Errorf("TravelTimes = %+v, %+v, %v", gotRun, recs, err)
	}
	if _, _, err := s.TravelTimes(ctx, layers.CatGeneralPractice, layers.Foot); !errors.Is(err, layers.ErrNotFound) {
		t.Errorf("other mode: err = %v, want ErrNotFound", err)
	}
	if _, err := s.ReplaceTravelTimes(ctx, run, seqOf(layers.TravelTimeRecord{CellID: "c", Reached: true, Seconds: -1, Method: "network"})); !errors.Is(err, layers.ErrInvalid) {
		t.Errorf("negative seconds: err = %v, want ErrInvalid", err)
	}
	if _, recs, _ := s.TravelTimes(ctx, layers.CatGeneralPractice, layers.Car); len(recs) != 2 {
		t.Errorf("failed replace changed the travel times")
	}
	if _, err := s.ReplaceGaps(ctx, run, seqOf(layers.GapRecord{CellID: "a", Population: 3, StandardSeconds: 900})); err != nil {
		t.Fatal(err)
	}
	if _, gaps, err := s.Gaps(ctx, layers.CatGeneralPractice, layers.Car); err != nil || len(gaps) != 1 || gaps[0].Population != 3 {
		t.Errorf("Gaps = %+v, %v", gaps, err)
	}
	if _, err := s.ReplaceGraph(ctx, layers.Bicycle, seqOf(layers.GraphEdge{ID: 1, Source: 1, Target: 2, Cost: 3, ReverseCost: -1, LengthM: 10})); err != nil {
		t.Fatal(err)
	}
	if es, err := s.Graph(ctx, layers.Bicycle); err != nil || len(es) != 1 || es[0].ReverseCost != -1 {
		t.Errorf("Graph = %+v, %v", es, err)
	}
	if err := s.PutDocument(ctx, "assessment", "p1", []byte(`{"a":1}`), time.Unix(5, 0)); err != nil {
		t.Fatal(err)
	}
	if err := s.PutDocument(ctx, "assessment", "p1", []byte(`{"a":`), time.Unix(5, 0)); !errors.Is(err, layers.ErrInvalid) {
		t.Errorf("bad JSON: err = %v, want ErrInvalid", err)
	}
	d, err := s.Document(ctx, "assessment", "p1")
	if err != nil || string(d.Body) != `{"a":1}` {
		t.Errorf("Document = %+v, %v", d, err)
	}
	if keys, _ := s.Documents(ctx, "assessment"); !slices.Equal(keys, []string{"p1"}) {
		t.Errorf("Documents = %v", keys)
	}
}

// TestConcurrentReadersSeeWholeLayers replaces the facilities over and
// over while readers check that every read sees one complete layer. Run
// with -race.
func TestConcurrentReadersSeeWholeLayers(t *testing.T) {
	ctx := context.Background()
	s := New()
	small, large := gridFacilities(3), gridFacilities(6)
	if _, err := s.ReplaceFacilities(ctx, "demo", seqOf(small...)); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	errs := make(chan error, 8)
	for r := 0; r < 4; r++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				p, err := s.Items(ctx, layers.ItemsQuery{Collection: layers.CollFacilities, Limit: 100})
				if err != nil {
					errs <- err
					return
				}
				if n := len(p.Features); (n != len(small) && n != len(large)) || p.NumberMatched != n {
					errs <- fmt.Errorf("read %d features (matched %d), want %d or %d", n, p.NumberMatched, len(small), len(large))
					return
				}
			}
		}()
	}
	for i := 0; i < 50; i++ {
		src := small
		if i%2 == 0 {
			src = large
		}
		if i%5 == 0 {
			_, _ = s.ReplaceFacilities(ctx, "demo", failingSeq(errors.New("fail"), src...))
			continue
		}
		if _, err := s.ReplaceFacilities(ctx, "demo", seqOf(src...)); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
