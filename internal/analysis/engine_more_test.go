package analysis

import (
	"context"
	"encoding/json"
	"iter"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"reach/geo/crs"
	"reach/layers"
)

func TestConcurrentTravelTimesShareOneField(t *testing.T) {
	r, _ := fixture(t)
	e := buildEngine(t, r)
	var wg sync.WaitGroup
	results := make([][]TravelTime, 8)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tts, err := e.TravelTimes(context.Background(), layers.CatGeneralPractice, layers.Car)
			if err != nil {
				t.Error(err)
			}
			results[i] = tts
		}()
	}
	wg.Wait()
	for i := 1; i < len(results); i++ {
		if !reflect.DeepEqual(results[i], results[0]) {
			t.Fatalf("call %d differs from call 0", i)
		}
	}
	if len(e.fields) != 1 {
		t.Fatalf("%d cached fields, want 1", len(e.fields))
	}
}

func TestCancelledComputationIsNotCached(t *testing.T) {
	r, _ := fixture(t)
	e := buildEngine(t, r)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := e.TravelTimes(ctx, layers.CatGeneralPractice, layers.Car); err == nil {
		t.Fatal("cancelled context: want an error")
	}
	if _, err := e.TravelTimes(context.Background(), layers.CatGeneralPractice, layers.Car); err != nil {
		t.Fatalf("after a cancelled call: %v", err)
	}
}

func TestAssessConsistentWithAssessAllAndDeterministic(t *testing.T) {
	r, n := fixture(t)
	area := orb.Polygon{{{origin[0] + 9000, origin[1] - 3500}, {origin[0] + 16500, origin[1] - 3500}, {origin[0] + 16500, origin[1] + 500}, {origin[0] + 9000, origin[1] + 500}, {origin[0] + 9000, origin[1] - 3500}}}
	inn := 7.0
	r.projects = []layers.Project{
		{ID: "a", Title: "Praxis Ost", Kind: layers.KindNewFacility, Category: layers.CatGeneralPractice, Geometry: n.nodes['E'], Municipalities: []string{"14628020"}, InvestmentCost: 8e5, RequestedFunding: 6e5, Innovation: &inn},
		{ID: "b", Title: "Wasser Ost", Kind: layers.KindAreaService, Category: layers.CatWaterSupply, Geometry: area, Municipalities: []string{"14628020", "14628010"}, InvestmentCost: 3e6, RequestedFunding: 2e6},
		{ID: "c", Title: "Verbindung", Kind: layers.KindRoadUpgrade, Geometry: orb.LineString{n.nodes['D'], n.nodes['I']}, SpeedKmh: 70, InvestmentCost: 2e6, RequestedFunding: 1.5e6},
	}
	e := buildEngine(t, r)
	ctx := context.Background()
	all, err := e.AssessAll(ctx, r.projects)
	if err != nil {
		t.Fatal(err)
	}
	again, err := e.AssessAll(ctx, []layers.Project{r.projects[2], r.projects[0], r.projects[1]})
	if err != nil {
		t.Fatal(err)
	}
	j1, _ := json.Marshal(all)
	j2, err := json.Marshal(again)
	if err != nil {
		t.Fatalf("assessments do not encode: %v", err)
	}
	if string(j1) != string(j2) {
		t.Fatal("the same projects in another order give another result")
	}
	for _, a := range all {
		one, err := e.Assess(ctx, r.projects[map[string]int{"a": 0, "b": 1, "c": 2}[a.ProjectID]], r.projects)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(one.Score, a.Score) || !reflect.DeepEqual(one.NewlyWithinStandard, a.NewlyWithinStandard) || !reflect.DeepEqual(one.Overlaps, a.Overlaps) {
			t.Fatalf("%s: Assess score %v, AssessAll %v", a.ProjectID, one.Score.Total, a.Score.Total)
		}
	}
	// The area service: residents of cells whose centre lies inside, as a
	// fact; who gains is unknown without a layer of the areas served today.
	var want int64
	for _, c := range e.cells {
		if planar.PolygonContains(area, c.utm) {
			want += c.pop
		}
	}
	if all[1].Details["population_inside"] != want || want == 0 || all[1].NewlyWithinStandard != nil || all[1].Effect.Known || all[1].Completeness.Complete {
		t.Fatalf("area service: %v residents inside (brute force %d), newly %v, effect %+v", all[1].Details["population_inside"], want, all[1].NewlyWithinStandard, all[1].Effect)
	}
	parts := 0
	for _, m := range all[1].ByMunicipality {
		if m.Participating {
			parts++
		}
	}
	if parts != 2 {
		t.Fatalf("area service: %d participating municipalities listed, want 2", parts)
	}
	// The road link without a category: the headline is the category with
	// the most residents newly within its standard.
	if all[2].Category == "" || all[2].Details["categories"] == nil {
		t.Fatalf("road project: category %q, details %v", all[2].Category, all[2].Details)
	}
	rk, err := e.Ranking(ctx, r.projects, 2.5e6)
	if err != nil {
		t.Fatal(err)
	}
	var spent float64
	for i, p := range rk.Projects {
		if p.Selected {
			spent += p.RequestedFunding
		}
		if i > 0 && p.Score > rk.Projects[i-1].Score {
			t.Fatalf("ranking not ordered by score: %+v", rk.Projects)
		}
	}
	if spent > 2.5e6 || spent != rk.SelectedTotal {
		t.Fatalf("selected %v € (reported %v) within 2.5 M€", spent, rk.SelectedTotal)
	}
}

// memWriter is a layers.ResultWriter that keeps counts.
type memWriter struct {
	graphs map[layers.Mode]int
	tt     map[string]int
	gaps   map[string]int
	docs   map[string][]byte
}

func (w *memWriter) ReplaceGraph(_ context.Context, m layers.Mode, src iter.Seq2[layers.GraphEdge, error]) (int, error) {
	n := 0
	for e, err := range src {
		if err != nil {
			return 0, err
		}
		if e.Cost < 0 && e.ReverseCost < 0 {
			panic("edge closed both ways")
		}
		n++
	}
	w.graphs[m] = n
	return n, nil
}

func (w *memWriter) ReplaceTravelTimes(_ context.Context, run layers.ResultRun, src iter.Seq2[layers.TravelTimeRecord, error]) (int, error) {
	n := 0
	for _, err := range src {
		if err != nil {
			return 0, err
		}
		n++
	}
	w.tt[string(run.Category)+"/"+string(run.Mode)] = n
	return n, nil
}

func (w *memWriter) ReplaceGaps(_ context.Context, run layers.ResultRun, src iter.Seq2[layers.GapRecord, error]) (int, error) {
	n := 0
	for _, err := range src {
		if err != nil {
			return 0, err
		}
		n++
	}
	w.gaps[string(run.Category)+"/"+string(run.Mode)] = n
	return n, nil
}

func (w *memWriter) PutDocument(_ context.Context, kind, key string, doc []byte, _ time.Time) error {
	w.docs[kind+"/"+key] = doc
	return nil
}

func TestWriteResults(t *testing.T) {
	r, n := fixture(t)
	r.projects = []layers.Project{{ID: "a", Title: "Praxis", Kind: layers.KindNewFacility, Category: layers.CatGeneralPractice, Geometry: n.nodes['E'], RequestedFunding: 1e5, InvestmentCost: 2e5}}
	e := buildEngine(t, r)
	w := &memWriter{graphs: map[layers.Mode]int{}, tt: map[string]int{}, gaps: map[string]int{}, docs: map[string][]byte{}}
	st, err := e.WriteResults(context.Background(), w, WriteOptions{Categories: []layers.Category{layers.CatGeneralPractice}, Projects: r.projects})
	if err != nil {
		t.Fatal(err)
	}
	rep, _ := e.Gaps(context.Background(), GapQuery{Category: layers.CatGeneralPractice, Mode: layers.Car})
	if w.graphs[layers.Car] != e.nets[layers.Car].n.Graph().NumEdges() || w.tt["general_practice/car"] != len(e.cells) || w.gaps["general_practice/car"] != len(rep.Cells) {
		t.Fatalf("wrote graphs %v, travel times %v, gaps %v", w.graphs, w.tt, w.gaps)
	}
	if w.docs["assessment/a"] == nil || w.docs["ranking/default"] == nil || st.Documents != 2 {
		t.Fatalf("documents %d: %v", st.Documents, len(w.docs))
	}
}

// memFeatures is a minimal FeatureSource with the municipalities.
type memFeatures struct{ munis []layers.Municipality }

func (m memFeatures) Collections(context.Context) ([]layers.Collection, error) {
	c, _ := layers.CollectionInfo(layers.CollMunicipalities)
	return []layers.Collection{c}, nil
}
func (m memFeatures) Collection(_ context.Context, id string) (layers.Collection, error) {
	c, ok := layers.CollectionInfo(id)
	if !ok {
		return c, layers.ErrNotFound
	}
	return c, nil
}
func (m memFeatures) Items(_ context.Context, q layers.ItemsQuery) (layers.Page, error) {
	var p layers.Page
	for _, mu := range m.munis {
		f := layers.MunicipalityFeature(mu)
		if f.ID > q.After && layers.MatchFilters(f, q.Filters) {
			p.Features = append(p.Features, f)
		}
	}
	p.NumberMatched = len(p.Features)
	return p, nil
}
func (m memFeatures) Item(_ context.Context, _, id string) (layers.Feature, error) {
	for _, mu := range m.munis {
		if mu.AGS == id {
			return layers.MunicipalityFeature(mu), nil
		}
	}
	return layers.Feature{}, layers.ErrNotFound
}

func TestWithClassification(t *testing.T) {
	r, _ := fixture(t)
	e := buildEngine(t, r)
	src := e.Combined(memFeatures{munis: r.munis})
	ctx := context.Background()
	cs, err := src.Collections(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 4 {
		t.Fatalf("%d collections, want municipalities and the three derived", len(cs))
	}
	p, err := src.Items(ctx, layers.ItemsQuery{Collection: layers.CollMunicipalities, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range p.Features {
		mc := e.classification.ByAGS[f.ID]
		d, _ := f.Get("degurba_computed")
		thin, _ := f.Get("thinly_populated")
		weak, _ := f.Get("structurally_weak")
		if d != any(int64(mc.DEGURBAComputed)) && !(d == nil && mc.DEGURBAComputed == 0) || thin != mc.ThinlyPopulated || weak != mc.StructurallyWeak {
			t.Fatalf("%s: degurba_computed %v thin %v weak %v; classification %+v", f.ID, d, thin, weak, mc)
		}
	}
	want := 0
	for _, mc := range e.classification.ByAGS {
		if mc.ThinlyPopulated {
			want++
		}
	}
	p, err = src.Items(ctx, layers.ItemsQuery{Collection: layers.CollMunicipalities, Limit: 10, Filters: map[string]string{"thinly_populated": "true"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Features) != want {
		t.Fatalf("thinly_populated=true gives %d, want %d", len(p.Features), want)
	}
}

func TestRequestValidation(t *testing.T) {
	r, _ := fixture(t)
	e := buildEngine(t, r)
	ctx := context.Background()
	ll, _ := crs.ToLonLat(crs.UTM33N, origin)
	for name, err := range map[string]error{
		"gaps bad category": func() error { _, err := e.Gaps(ctx, GapQuery{Category: "bakery", Mode: layers.Car}); return err }(),
		"gaps bad mode":     func() error { _, err := e.Gaps(ctx, GapQuery{Category: layers.CatHospital, Mode: "plane"}); return err }(),
		"iso no minutes": func() error {
			_, err := e.Isochrones(ctx, IsochroneRequest{Mode: layers.Car, Origins: []orb.Point{ll}})
			return err
		}(),
		"iso bad origin": func() error {
			_, err := e.Isochrones(ctx, IsochroneRequest{Mode: layers.Car, Origins: []orb.Point{{200, 100}}, Minutes: []float64{5}})
			return err
		}(),
		"matrix empty": func() error { _, err := e.Matrix(ctx, MatrixRequest{Mode: layers.Car}); return err }(),
		"sites k=0": func() error {
			_, err := e.SuggestSites(ctx, SiteRequest{Category: layers.CatHospital, Mode: layers.Car})
			return err
		}(),
		"project bad kind": func() error { _, err := e.Assess(ctx, layers.Project{ID: "x", Kind: "bridge"}, nil); return err }(),
		"project no site": func() error {
			_, err := e.Assess(ctx, layers.Project{ID: "x", Kind: layers.KindNewFacility, Category: layers.CatHospital}, nil)
			return err
		}(),
	} {
		if err == nil {
			t.Errorf("%s: want an error", name)
		}
	}
}
