package analysis

import (
	"context"
	"iter"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/paulmach/orb"

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
	r, _ := fixture(t)
	e := buildEngine(t, r)
	w := &memWriter{graphs: map[layers.Mode]int{}, tt: map[string]int{}, gaps: map[string]int{}, docs: map[string][]byte{}}
	_, err := e.WriteResults(context.Background(), w, WriteOptions{Categories: []layers.Category{layers.CatGeneralPractice}})
	if err != nil {
		t.Fatal(err)
	}
	rep, _ := e.Gaps(context.Background(), GapQuery{Category: layers.CatGeneralPractice, Mode: layers.Car})
	if w.graphs[layers.Car] != e.nets[layers.Car].n.Graph().NumEdges() || w.tt["general_practice/car"] != len(e.cells) || w.gaps["general_practice/car"] != len(rep.Cells) {
		t.Fatalf("wrote graphs %v, travel times %v, gaps %v", w.graphs, w.tt, w.gaps)
	}
	if len(w.docs) != 0 {
		t.Fatalf("documents %v written; the assessments are written by internal/analysis/assess", len(w.docs))
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
	src := e.Combined(memFeatures{munis: r.munis}, func(context.Context, []layers.Project) ([]layers.Feature, error) { return nil, nil })
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
	} {
		if err == nil {
			t.Errorf("%s: want an error", name)
		}
	}
}
