package derived_test

import (
	"context"
	"iter"
	"sort"
	"strings"
	"testing"
	"time"

	"reach/internal/analysis"
	"reach/internal/analysis/analysistest"
	"reach/internal/analysis/derived"
	"reach/internal/analysis/gaps"
	"reach/layers"
	"reach/layers/memory"
	"reach/layers/query"
)

// build returns the test region and the engine built from it.
func build(tb testing.TB) (*analysistest.Reader, *analysis.Engine) {
	tb.Helper()
	l, _ := analysistest.Fixture(tb)
	r := &analysistest.Reader{L: l}
	e, err := analysis.Build(context.Background(), r, analysis.Options{Modes: []layers.Mode{layers.Car, layers.Foot},
		Now: func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }})
	if err != nil {
		tb.Fatalf("Build: %v", err)
	}
	return r, e
}

// carEdges counts the edges of the car network as the engine gives them.
func carEdges(tb testing.TB, e *analysis.Engine) int {
	tb.Helper()
	net, ok := e.Net(layers.Car)
	if !ok {
		tb.Fatal("no car network")
	}
	n := 0
	for _, err := range net.Network.Edges() {
		if err != nil {
			tb.Fatal(err)
		}
		n++
	}
	return n
}

func TestDerivedCollections(t *testing.T) {
	r, e := build(t)
	ctx := context.Background()
	if cs, _ := derived.Source(e, r, nil).Collections(ctx); len(cs) != 2 {
		t.Fatalf("derived collections without assessments: %d, want travel-times and gaps", len(cs))
	}
	// The assessments collection gives what the function gives for the
	// reader's projects, sorted by id.
	r.L.Projects = []layers.Project{{ID: "b"}, {ID: "a"}}
	var asked []string
	d := derived.Source(e, r, func(_ context.Context, ps []layers.Project) ([]layers.Feature, error) {
		asked = nil
		var out []layers.Feature
		for _, p := range ps {
			asked = append(asked, p.ID)
			out = append(out, layers.Feature{ID: p.ID})
		}
		return out, nil
	})
	if f, err := d.Item(ctx, derived.CollAssessments, "b"); err != nil || f.ID != "b" || strings.Join(asked, ",") != "a,b" {
		t.Fatalf("assessment b: %v, %v; projects asked %v", f, err, asked)
	}
	// Without filters a GIS client gets general practice by car.
	def, err := d.Items(ctx, layers.ItemsQuery{Collection: derived.CollTravelTimes, Limit: 3})
	if err != nil {
		t.Fatalf("travel-times without filters: %v", err)
	}
	gpCar, err := d.Items(ctx, layers.ItemsQuery{Collection: derived.CollTravelTimes, Limit: 3, Filters: map[string]string{"category": "general_practice", "mode": "car"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(def.Features) == 0 || len(def.Features) != len(gpCar.Features) || def.Features[0].ID != gpCar.Features[0].ID {
		t.Fatalf("default travel-times page %v differs from general_practice/car %v", def.Features, gpCar.Features)
	}
	if _, err := d.Items(ctx, layers.ItemsQuery{Collection: derived.CollTravelTimes, Limit: 3, Filters: map[string]string{"mode": "plane"}}); err == nil {
		t.Fatal("travel-times with mode=plane: want an error")
	}
	q := layers.ItemsQuery{Collection: derived.CollTravelTimes, Limit: 7, Filters: map[string]string{"category": "general_practice", "mode": "car"}}
	var ids []string
	for {
		p, err := d.Items(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if p.NumberMatched != e.NumCells() {
			t.Fatalf("numberMatched %d, want %d", p.NumberMatched, e.NumCells())
		}
		for _, f := range p.Features {
			ids = append(ids, f.ID)
		}
		if p.Next == "" {
			break
		}
		q.After = p.Next
	}
	if len(ids) != e.NumCells() || !sort.StringsAreSorted(ids) {
		t.Fatalf("paged through %d features (sorted %v), want %d", len(ids), sort.StringsAreSorted(ids), e.NumCells())
	}
	f, err := d.Item(ctx, derived.CollTravelTimes, ids[0])
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := f.Get("method"); v != analysis.MethodNetwork {
		t.Fatalf("method %v", v)
	}
	gp, err := d.Items(ctx, layers.ItemsQuery{Collection: derived.CollGaps, Limit: 10000, Filters: map[string]string{"category": "general_practice", "mode": "car"}})
	if err != nil {
		t.Fatal(err)
	}
	rep, _ := gaps.Of(ctx, e, gaps.Query{Category: layers.CatGeneralPractice, Mode: layers.Car})
	if len(gp.Features) != len(rep.Cells) {
		t.Fatalf("gaps collection has %d features, register %d cells", len(gp.Features), len(rep.Cells))
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
	_, e := build(t)
	w := &memWriter{graphs: map[layers.Mode]int{}, tt: map[string]int{}, gaps: map[string]int{}, docs: map[string][]byte{}}
	_, err := derived.WriteResults(context.Background(), e, w, derived.WriteOptions{Categories: []layers.Category{layers.CatGeneralPractice}})
	if err != nil {
		t.Fatal(err)
	}
	rep, _ := gaps.Of(context.Background(), e, gaps.Query{Category: layers.CatGeneralPractice, Mode: layers.Car})
	if w.graphs[layers.Car] != carEdges(t, e) || w.tt["general_practice/car"] != e.NumCells() || w.gaps["general_practice/car"] != len(rep.Cells) {
		t.Fatalf("wrote graphs %v, travel times %v, gaps %v", w.graphs, w.tt, w.gaps)
	}
	if len(w.docs) != 0 {
		t.Fatalf("documents %v written; the assessments are written by internal/analysis/assess", len(w.docs))
	}
}

// TestWriteResultsCategoryWithoutFacilities writes into a store that
// validates every record: a category with no facility loaded (hospitals
// are not in the test region, as schools-and-hospitals-only real data lack
// pharmacies) is stored with the method "unknown", not refused, and
// cells the network reaches keep their method.
func TestWriteResultsCategoryWithoutFacilities(t *testing.T) {
	r, e := build(t)
	for _, f := range r.L.Facilities {
		if f.Category == layers.CatHospital {
			t.Fatalf("the test region has hospital %q; the test needs a category without facilities", f.ID)
		}
	}
	st := memory.New()
	ctx := context.Background()
	cats := []layers.Category{layers.CatGeneralPractice, layers.CatHospital}
	if _, err := derived.WriteResults(ctx, e, st, derived.WriteOptions{Categories: cats}); err != nil {
		t.Fatalf("WriteResults with a category without facilities: %v", err)
	}
	_, recs, err := st.TravelTimes(ctx, layers.CatHospital, layers.Car)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != e.NumCells() {
		t.Fatalf("%d hospital travel times stored, want one per cell (%d)", len(recs), e.NumCells())
	}
	for _, rec := range recs {
		if rec.Method != layers.MethodUnknown || rec.Reached {
			t.Fatalf("hospital travel time %+v: want method %q, not reached", rec, layers.MethodUnknown)
		}
	}
	_, recs, err = st.TravelTimes(ctx, layers.CatGeneralPractice, layers.Car)
	if err != nil {
		t.Fatal(err)
	}
	methods := map[string]int{}
	for _, rec := range recs {
		methods[rec.Method]++
	}
	if methods[layers.MethodNetwork] == 0 || methods[layers.MethodUnknown] != 0 {
		t.Fatalf("general practice methods %v: want network times and no unknown", methods)
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
		if f.ID > q.After && query.MatchParams(f, q.Filters) {
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
	r, e := build(t)
	src := derived.Combined(e, memFeatures{munis: r.L.Municipalities}, r, func(context.Context, []layers.Project) ([]layers.Feature, error) { return nil, nil })
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
		mc := e.Classification().ByAGS[f.ID]
		d, _ := f.Get("degurba_computed")
		thin, _ := f.Get("thinly_populated")
		weak, _ := f.Get("structurally_weak")
		if d != any(int64(mc.DEGURBAComputed)) && !(d == nil && mc.DEGURBAComputed == 0) || thin != mc.ThinlyPopulated || weak != mc.StructurallyWeak {
			t.Fatalf("%s: degurba_computed %v thin %v weak %v; classification %+v", f.ID, d, thin, weak, mc)
		}
	}
	want := 0
	for _, mc := range e.Classification().ByAGS {
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
