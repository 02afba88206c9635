package assess

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"reach/data/projects"
	"reach/data/tables"
	"reach/internal/analysis"
	"reach/internal/analysis/analysistest"
	"reach/internal/appraisal"
	"reach/internal/realdata"
	"reach/layers"
)

var origin = analysistest.Origin

// testNet is the drawn network of the test region.
type testNet struct{ nodes map[byte]orb.Point }

// fixture returns the reader of the test region (analysistest.Fixture).
func fixture(tb testing.TB) (*analysistest.Reader, testNet) {
	l, n := analysistest.Fixture(tb)
	return &analysistest.Reader{L: l}, testNet{nodes: n.Nodes}
}

// demoReader returns the reader of the demo region.
func demoReader(tb testing.TB) (*analysistest.Reader, *analysistest.Layers) {
	l, _ := analysistest.Demo(tb)
	r := &analysistest.Reader{L: l}
	return r, &r.L
}

var testNow = func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }

// build builds the engine of r (car and foot) and its assessor.
func build(tb testing.TB, r layers.Reader) (*analysis.Engine, *Assessor) {
	tb.Helper()
	e, err := analysis.Build(context.Background(), r, analysis.Options{Modes: []layers.Mode{layers.Car, layers.Foot}, Now: testNow})
	if err != nil {
		tb.Fatalf("Build: %v", err)
	}
	return e, For(e)
}

func add(p, d orb.Point) orb.Point { return analysistest.Add(p, d) }

func TestDemoRanking(t *testing.T) {
	r, _ := demoReader(t)
	_, e := build(t, r)
	ctx := context.Background()
	// Every demo project assesses; the ranking respects the budget.
	rk, err := e.Ranking(ctx, r.L.Projects, appraisal.DefaultBudget)
	if err != nil {
		t.Fatal(err)
	}
	var total float64
	for _, p := range rk.Projects {
		if p.Selected {
			total += p.RequestedFunding
		}
	}
	if total > appraisal.DefaultBudget+1e-6 || len(rk.Projects) != len(r.L.Projects) {
		t.Fatalf("ranking selects %v € of %v, %d of %d projects", total, appraisal.DefaultBudget, len(rk.Projects), len(r.L.Projects))
	}
	for _, p := range rk.Projects {
		t.Logf("rank %d %s score %.3f funding %.0f selected %v", p.Rank, p.ID, p.Score, p.RequestedFunding, p.Selected)
	}
}

func TestAssessConsistentWithAssessAllAndDeterministic(t *testing.T) {
	r, n := fixture(t)
	area := orb.Polygon{{{origin[0] + 9000, origin[1] - 3500}, {origin[0] + 16500, origin[1] - 3500}, {origin[0] + 16500, origin[1] + 500}, {origin[0] + 9000, origin[1] + 500}, {origin[0] + 9000, origin[1] - 3500}}}
	inn := 7.0
	r.L.Projects = []layers.Project{
		{ID: "a", Title: "Praxis Ost", Kind: layers.KindNewFacility, Category: layers.CatGeneralPractice, Geometry: n.nodes['E'], Municipalities: []string{"14628020"}, InvestmentCost: 8e5, RequestedFunding: 6e5, Innovation: &inn},
		{ID: "b", Title: "Wasser Ost", Kind: layers.KindAreaService, Category: layers.CatWaterSupply, Geometry: area, Municipalities: []string{"14628020", "14628010"}, InvestmentCost: 3e6, RequestedFunding: 2e6},
		{ID: "c", Title: "Verbindung", Kind: layers.KindRoadUpgrade, Geometry: orb.LineString{n.nodes['D'], n.nodes['I']}, SpeedKmh: 70, InvestmentCost: 2e6, RequestedFunding: 1.5e6},
	}
	eng, e := build(t, r)
	ctx := context.Background()
	all, err := e.AssessAll(ctx, r.L.Projects)
	if err != nil {
		t.Fatal(err)
	}
	again, err := e.AssessAll(ctx, []layers.Project{r.L.Projects[2], r.L.Projects[0], r.L.Projects[1]})
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
		one, err := e.Assess(ctx, r.L.Projects[map[string]int{"a": 0, "b": 1, "c": 2}[a.ProjectID]], r.L.Projects)
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
	for ci := range eng.NumCells() {
		if c := eng.Cell(ci); planar.PolygonContains(area, c.UTM) {
			want += c.Residents
		}
	}
	if all[1].Details == nil || all[1].Details.AreaServiceDetails == nil || all[1].Details.PopulationInside != want || want == 0 || all[1].NewlyWithinStandard != nil || all[1].Effect.Known || all[1].Completeness.Complete {
		t.Fatalf("area service: %v residents inside (brute force %d), newly %v, effect %+v", all[1].Details, want, all[1].NewlyWithinStandard, all[1].Effect)
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
	if all[2].Category == "" || all[2].Details == nil || all[2].Details.RoadUpgradeDetails == nil || len(all[2].Details.Categories) == 0 {
		t.Fatalf("road project: category %q, details %v", all[2].Category, all[2].Details)
	}
	rk, err := e.Ranking(ctx, r.L.Projects, 2.5e6)
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

func TestNewSiteNewlyWithinStandardEqualsBruteForce(t *testing.T) {
	r, n := fixture(t)
	ctx := context.Background()
	eng, e := build(t, r)
	for _, sites := range [][]orb.Point{
		{n.nodes['E']},
		{add(n.nodes['J'], orb.Point{50, 0}), n.nodes['D']},
		{n.nodes['A']}, // next to an existing practice: nobody newly covered
	} {
		t.Run(fmt.Sprint(sites), func(t *testing.T) {
			var g orb.Geometry = orb.MultiPoint(sites)
			if len(sites) == 1 {
				g = sites[0]
			}
			p := layers.Project{ID: "p1", Title: "Praxis", Kind: layers.KindNewFacility, Category: layers.CatGeneralPractice, Geometry: g, Municipalities: []string{"14628020"}, InvestmentCost: 1e6, RequestedFunding: 5e5}
			a, err := e.Assess(ctx, p, nil)
			if err != nil {
				t.Fatal(err)
			}
			// The oracle: an engine built with the sites as facilities.
			r2 := &analysistest.Reader{L: r.L}
			r2.L.Facilities = append([]layers.Facility(nil), r.L.Facilities...)
			for i, s := range sites {
				r2.L.Facilities = append(r2.L.Facilities, layers.Facility{ID: fmt.Sprintf("new:%d", i), Category: layers.CatGeneralPractice, Name: "neu", Location: s})
			}
			eng2, _ := build(t, r2)
			before := travelSeconds(t, eng, layers.CatGeneralPractice)
			after := travelSeconds(t, eng2, layers.CatGeneralPractice)
			limit := 20 * 60.0
			var newly, ben int64
			byMuni := map[string]int64{}
			for i := range eng.NumCells() {
				c := eng.Cell(i)
				if before[i] > limit && after[i] <= limit {
					newly += c.Residents
				}
				if before[i]-after[i] >= MinImprovementS {
					ben += c.Residents
					byMuni[c.AGS] += c.Residents
				}
			}
			t.Logf("newly within standard %d, beneficiaries %d, verdict %s", newly, ben, a.ZentraleOrte.Verdict)
			if a.NewlyWithinStandard == nil || *a.NewlyWithinStandard != newly || *a.Effect.NewlyWithinStandard != newly {
				t.Fatalf("newly within standard %v, brute force %d", a.NewlyWithinStandard, newly)
			}
			if got := *a.Effect.Beneficiaries; got != ben {
				t.Fatalf("beneficiaries %d, brute force %d", got, ben)
			}
			for _, m := range a.ByMunicipality {
				if m.Beneficiaries != byMuni[m.AGS] {
					t.Fatalf("%s: beneficiaries %d, brute force %d", m.AGS, m.Beneficiaries, byMuni[m.AGS])
				}
			}
			if a.ZentraleOrte.Verdict == "" || len(a.ZentraleOrte.Reasons) == 0 || a.Provenance.EngineVersion != analysis.Version {
				t.Fatalf("alignment %+v, provenance %+v: want a verdict with reasons and provenance", a.ZentraleOrte, a.Provenance)
			}
		})
	}
}

func TestRoadLinkEqualsRecomputeFromScratch(t *testing.T) {
	r, n := fixture(t)
	ctx := context.Background()
	eng, e := build(t, r)
	// A new link D–I (no road there today) at 80 km/h, and an upgrade of
	// the road A–F to 100 km/h.
	tests := []struct {
		name  string
		line  orb.LineString
		speed float64
		apply func(roads []layers.RoadSegment) []layers.RoadSegment
	}{
		{"new link", orb.LineString{n.nodes['D'], n.nodes['I']}, 80, func(roads []layers.RoadSegment) []layers.RoadSegment {
			g := orb.LineString{n.nodes['D'], n.nodes['I']}
			acc := func(k float64) layers.Access { return layers.Access{Forward: true, Backward: true, SpeedKmh: k} }
			return append(roads, layers.RoadSegment{ID: 9999, FromNode: 'D', ToNode: 'I', Geometry: g, LengthM: 1500, Car: acc(80), Bicycle: acc(15), Foot: acc(4.5)})
		}},
		{"upgrade", orb.LineString{n.nodes['A'], n.nodes['F']}, 100, func(roads []layers.RoadSegment) []layers.RoadSegment {
			for i := range roads {
				if roads[i].FromNode == 'A' && roads[i].ToNode == 'F' {
					roads[i].Car.SpeedKmh = 100
				}
			}
			return roads
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := layers.Project{ID: "road", Title: "Straße", Kind: layers.KindRoadUpgrade, Category: layers.CatGeneralPractice, Geometry: tc.line, SpeedKmh: tc.speed, Municipalities: []string{"14628020"}, InvestmentCost: 2e6, RequestedFunding: 1e6}
			a, err := e.Assess(ctx, p, nil)
			if err != nil {
				t.Fatal(err)
			}
			r2 := *r
			r2.L.Roads = tc.apply(append([]layers.RoadSegment(nil), r.L.Roads...))
			e2, _ := build(t, &r2)
			before, _ := eng.TravelTimes(ctx, layers.CatGeneralPractice, layers.Car)
			after, _ := e2.TravelTimes(ctx, layers.CatGeneralPractice, layers.Car)
			var newly, ben int64
			for i := range before {
				b, af := math.Inf(1), math.Inf(1)
				if before[i].Reached {
					b = before[i].Seconds
				}
				if after[i].Reached {
					af = after[i].Seconds
				}
				if b > 1200 && af <= 1200 {
					newly += before[i].Population
				}
				if b-af >= MinImprovementS {
					ben += before[i].Population
				}
			}
			if a.NewlyWithinStandard == nil || *a.NewlyWithinStandard != newly || *a.Effect.Beneficiaries != ben {
				t.Fatalf("newly %v, beneficiaries %v; recompute from scratch gives %d, %d", a.NewlyWithinStandard, a.Effect.Beneficiaries, newly, ben)
			}
			t.Logf("newly %d, beneficiaries %d", newly, ben)
			if ben == 0 {
				t.Fatal("the test road changes nothing; make it matter")
			}
		})
	}
}

// TestRealSaxonyProposals assesses the six real proposals of the 2021
// Vitale-Regionen list (located at their municipalities' seats) and a
// Gymnasium and a water project on the real layers, which hold no road
// network, no town halls and no community centres: every effect is unknown
// with its reason, never a count, and the ranking selects none of them.
func TestRealSaxonyProposals(t *testing.T) {
	r := saxony(t)
	dir := realdata.Dir(t)
	ctx := context.Background()
	seats, err := tables.ReadSeats(ctx, filepath.Join(dir, "population", "gemeinden_sachsen_gv_bevoelkerung_2019.csv"), "GV table")
	if err != nil {
		t.Fatal(err)
	}
	r.L.Projects = analysistest.Collect(t, projects.Read(ctx, filepath.Join(dir, "projects", "vitale_regionen_2021_region_chemnitz_auszug.csv"),
		projects.Options{IDPrefix: "vr", Seat: func(ags string) (tables.Seat, bool) { s, ok := seats[ags]; return s, ok }}))
	gym := layers.Project{ID: "real-gym", Title: "Gymnasium", Kind: layers.KindNewFacility, Category: layers.CatGymnasium,
		Geometry: seats["14628270"].Location, Municipalities: []string{"14628270"}, InvestmentCost: 1e6, RequestedFunding: 8e5}
	water := layers.Project{ID: "real-water", Title: "Wasser", Kind: layers.KindAreaService, Category: layers.CatWaterSupply,
		Geometry: orb.Polygon{{{400000, 5640000}, {410000, 5640000}, {410000, 5650000}, {400000, 5640000}}}, Municipalities: []string{"14628270"}, InvestmentCost: 2e6, RequestedFunding: 1e6}
	all := append(append([]layers.Project(nil), r.L.Projects...), gym, water)
	_, e := build(t, r)
	as, err := e.AssessAll(ctx, all)
	if err != nil {
		t.Fatal(err)
	}
	if len(as) != 8 {
		t.Fatalf("%d dossiers, want 8", len(as))
	}
	reasonHas := map[string]string{
		"vr-1": `category "other"`, "vr-2": `category "other"`, "vr-3": `no facilities of category "town_hall"`,
		"vr-4": `category "other"`, "vr-5": `no facilities of category "community_centre"`, "vr-6": `no facilities of category "community_centre"`,
		"real-gym": "no car road network", "real-water": "no layer of the areas served today",
	}
	for _, a := range as {
		if a.Effect.Known || a.NewlyWithinStandard != nil || a.Effect.Beneficiaries != nil || a.Completeness.Complete {
			t.Errorf("%s: effect %+v, newly %v, completeness %+v: want an unknown effect and an incomplete dossier", a.ProjectID, a.Effect, a.NewlyWithinStandard, a.Completeness)
		}
		if !strings.Contains(a.Effect.Reason, reasonHas[a.ProjectID]) {
			t.Errorf("%s: reason %q, want it to name %q", a.ProjectID, a.Effect.Reason, reasonHas[a.ProjectID])
		}
		for _, m := range a.ByMunicipality {
			if m.Beneficiaries != 0 || m.NewlyWithinStandard != 0 {
				t.Errorf("%s: municipality %s counts beneficiaries of an unknown effect", a.ProjectID, m.AGS)
			}
		}
		for _, c := range a.Score.Criteria {
			if c.Name == appraisal.CritBeneficiaries && (!c.Missing || c.Contribution != 0) {
				t.Errorf("%s: beneficiaries criterion %+v, want missing", a.ProjectID, c)
			}
		}
		if strings.HasPrefix(a.ProjectID, "vr-") {
			fields := map[string]bool{}
			for _, m := range a.Completeness.Missing {
				fields[m.Field] = true
			}
			if !fields["effect"] || !fields["investment_cost"] || !fields["requested_funding"] {
				t.Errorf("%s: missing %+v, want effect and both costs", a.ProjectID, a.Completeness.Missing)
			}
		}
		var texts []string
		for _, rs := range a.ZentraleOrte.Reasons {
			texts = append(texts, rs.Rule+"/"+rs.Finding)
			if rs.Rule == appraisal.RuleHigherReach && rs.Finding == appraisal.FindingYes {
				t.Errorf("%s: claims to improve the reach of higher centres", a.ProjectID)
			}
		}
		t.Logf("%s %s (%s, %s): %s; Zentrale Orte %s %v", a.ProjectID, a.Title, a.Kind, a.Category, a.Effect.Reason, a.ZentraleOrte.Verdict, texts)
	}
	// Town halls and community centres are tied to no level: not applicable.
	for _, id := range []string{"vr-3", "vr-5", "vr-6"} {
		for _, a := range as {
			if a.ProjectID == id && a.ZentraleOrte.Verdict != appraisal.NotApplicable {
				t.Errorf("%s: verdict %s, want not_applicable", id, a.ZentraleOrte.Verdict)
			}
		}
	}
	// The observatory and the Ratskeller hall lie at the same site.
	for _, a := range as {
		if a.ProjectID != "vr-4" {
			continue
		}
		if len(a.Overlaps) != 1 || a.Overlaps[0].ProjectID != "vr-5" || !a.Overlaps[0].SameSite || a.Overlaps[0].ResidentsGainedByBoth != nil {
			t.Errorf("vr-4 overlaps %+v, want vr-5 at the same site with unknown shared residents", a.Overlaps)
		}
	}
	rk, err := e.Ranking(ctx, all, appraisal.DefaultBudget)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range rk.Projects {
		if p.Selected || p.Eligible || len(p.NotEligible) == 0 {
			t.Errorf("ranking: %s selected %v eligible %v (%v), want not eligible with reasons", p.ID, p.Selected, p.Eligible, p.NotEligible)
		}
	}
}

// TestRoadScenarioFromSnapshot checks that an engine built from a
// snapshot, which keeps only the digest of the road layer, assesses road
// projects as the engine built from the roads does (reading the layer
// again on the first road scenario), and writes the same snapshot.
func TestRoadScenarioFromSnapshot(t *testing.T) {
	ctx := context.Background()
	data, refEng, r := smallSnapshot(t)
	ref := For(refEng)
	_, n := fixture(t)
	gotEng, err := analysis.Build(ctx, r, analysis.Options{Modes: []layers.Mode{layers.Car, layers.Foot}, Snapshot: bytes.NewReader(data), Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	got := For(gotEng)
	for _, line := range []orb.LineString{{n.nodes['D'], n.nodes['I']}, {n.nodes['A'], n.nodes['F']}} {
		p := layers.Project{ID: "road", Title: "Straße", Kind: layers.KindRoadUpgrade, Category: layers.CatGeneralPractice, Geometry: line, SpeedKmh: 90,
			Municipalities: []string{"14628020"}, InvestmentCost: 2e6, RequestedFunding: 1e6}
		want, err := ref.Assess(ctx, p, nil)
		if err != nil {
			t.Fatal(err)
		}
		have, err := got.Assess(ctx, p, nil)
		if err != nil {
			t.Fatal(err)
		}
		wj, _ := json.Marshal(want)
		hj, _ := json.Marshal(have)
		if !bytes.Equal(wj, hj) {
			t.Errorf("road project %v: engine from the snapshot assesses\n%s\nthe engine from the roads\n%s", line, hj, wj)
		}
	}
}

// TestRoadScenarioLayerChanged checks that a road scenario on an engine
// built from a snapshot starts from the road layer its networks were made
// from: a change of the layer in the store after Build does not reach it
// (the engine holds no reader; a new layer is a new engine).
func TestRoadScenarioLayerChanged(t *testing.T) {
	ctx := context.Background()
	data, _, r := smallSnapshot(t)
	_, n := fixture(t)
	eng, err := analysis.Build(ctx, r, analysis.Options{Modes: []layers.Mode{layers.Car, layers.Foot}, Snapshot: bytes.NewReader(data)})
	if err != nil {
		t.Fatal(err)
	}
	e := For(eng)
	p := layers.Project{ID: "road", Title: "Straße", Kind: layers.KindRoadUpgrade, Category: layers.CatGeneralPractice,
		Geometry: orb.LineString{n.nodes['D'], n.nodes['I']}, SpeedKmh: 90, Municipalities: []string{"14628020"}}
	want, err := e.Assess(ctx, p, nil)
	if err != nil {
		t.Fatal(err)
	}
	r.L.Roads = append([]layers.RoadSegment(nil), r.L.Roads...)
	r.L.Roads[0].Car.SpeedKmh++
	have, err := e.Assess(ctx, p, nil)
	if err != nil {
		t.Fatalf("road scenario after the store's road layer changed: %v", err)
	}
	wj, _ := json.Marshal(want)
	hj, _ := json.Marshal(have)
	if !bytes.Equal(wj, hj) {
		t.Errorf("the store's changed road layer reached the engine: assessment\n%s\nbefore the change\n%s", hj, wj)
	}
}

// travelSeconds returns the seconds of every cell to cat by car (+Inf
// where unreachable).
func travelSeconds(tb testing.TB, e *analysis.Engine, cat layers.Category) []float64 {
	tb.Helper()
	tts, err := e.TravelTimes(context.Background(), cat, layers.Car)
	if err != nil {
		tb.Fatal(err)
	}
	out := make([]float64, len(tts))
	for i, t := range tts {
		out[i] = math.Inf(1)
		if t.Reached {
			out[i] = t.Seconds
		}
	}
	return out
}

// smallSnapshot builds the test region's engine and writes its snapshot.
func smallSnapshot(tb testing.TB) ([]byte, *analysis.Engine, *analysistest.Reader) {
	tb.Helper()
	r, _ := fixture(tb)
	e, _ := build(tb, r)
	var buf bytes.Buffer
	if err := e.WriteSnapshot(&buf); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes(), e, r
}

// saxony reads the real Saxon layers: municipalities (VG5000), the 2011
// 1 km grid, central places, schools and hospitals.
func saxony(tb testing.TB) *analysistest.Reader {
	tb.Helper()
	return &analysistest.Reader{L: analysistest.RealSaxony(tb)}
}

// memDocs is a layers.ResultWriter that keeps the documents only.
type memDocs struct {
	layers.ResultWriter
	docs map[string][]byte
}

func (w *memDocs) PutDocument(_ context.Context, kind, key string, doc []byte, _ time.Time) error {
	w.docs[kind+"/"+key] = doc
	return nil
}

func TestWriteResults(t *testing.T) {
	r, n := fixture(t)
	ps := []layers.Project{{ID: "a", Title: "Praxis", Kind: layers.KindNewFacility, Category: layers.CatGeneralPractice, Geometry: n.nodes['E'], RequestedFunding: 1e5, InvestmentCost: 2e5}}
	_, e := build(t, r)
	w := &memDocs{docs: map[string][]byte{}}
	got, err := e.WriteResults(context.Background(), w, ps, 0)
	if err != nil {
		t.Fatal(err)
	}
	var a Assessment
	if err := json.Unmarshal(w.docs["assessment/a"], &a); err != nil || a.ProjectID != "a" || w.docs["ranking/default"] == nil || got != 2 {
		t.Fatalf("%d documents written (%v), assessment %+v (%v)", got, len(w.docs), a, err)
	}
}

func TestProjectValidation(t *testing.T) {
	r, _ := fixture(t)
	_, e := build(t, r)
	ctx := context.Background()
	for name, p := range map[string]layers.Project{
		"bad kind": {ID: "x", Kind: "bridge"},
		"no site":  {ID: "x", Kind: layers.KindNewFacility, Category: layers.CatHospital},
		"no id":    {Kind: layers.KindNewFacility, Category: layers.CatHospital, Geometry: origin},
	} {
		if _, err := e.Assess(ctx, p, nil); !errors.Is(err, layers.ErrInvalid) {
			t.Errorf("%s: error %v, want one wrapping layers.ErrInvalid", name, err)
		}
	}
}

// TestDetailsJSON: the typed details keep the JSON members the map and the
// dossier page read (details.catchment[].from_minutes, to_minutes,
// population; details.sites; details.road_changes and categories;
// details.population_inside), and a dossier carries only its own kind's.
func TestDetailsJSON(t *testing.T) {
	r, n := fixture(t)
	_, e := build(t, r)
	area := orb.Polygon{{{origin[0] + 9000, origin[1] - 3500}, {origin[0] + 16500, origin[1] - 3500}, {origin[0] + 16500, origin[1] + 500}, {origin[0] + 9000, origin[1] - 3500}}}
	for _, c := range []struct {
		p          layers.Project
		want, none []string
	}{
		{layers.Project{ID: "f", Kind: layers.KindNewFacility, Category: layers.CatGeneralPractice, Geometry: n.nodes['E']},
			[]string{"catchment", "sites", "site_municipalities"}, []string{"road_changes", "categories", "population_inside", "facility_id"}},
		{layers.Project{ID: "r", Kind: layers.KindRoadUpgrade, Category: layers.CatGeneralPractice, Geometry: orb.LineString{n.nodes['A'], n.nodes['F']}, SpeedKmh: 100},
			[]string{"road_changes", "categories"}, []string{"catchment", "population_inside"}},
		{layers.Project{ID: "a", Kind: layers.KindAreaService, Category: layers.CatWaterSupply, Geometry: area},
			[]string{"population_inside", "cells_inside", "area_km2"}, []string{"catchment", "road_changes"}},
	} {
		a, err := e.Assess(context.Background(), c.p, nil)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(a)
		var doc struct {
			Details map[string]json.RawMessage `json:"details"`
		}
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatal(err)
		}
		for _, k := range c.want {
			if _, ok := doc.Details[k]; !ok {
				t.Errorf("%s: details lack %q: %s", c.p.Kind, k, b)
			}
		}
		for _, k := range c.none {
			if _, ok := doc.Details[k]; ok {
				t.Errorf("%s: details have %q, a member of another kind", c.p.Kind, k)
			}
		}
		if c.p.Kind == layers.KindNewFacility {
			var bands []map[string]any
			json.Unmarshal(doc.Details["catchment"], &bands)
			if len(bands) != 2 || bands[0]["from_minutes"] == nil || bands[0]["to_minutes"] == nil || bands[0]["population"] == nil {
				t.Errorf("catchment %s: want two bands with from_minutes, to_minutes and population", doc.Details["catchment"])
			}
		}
		if c.p.Kind == layers.KindRoadUpgrade {
			var rc map[string]any
			json.Unmarshal(doc.Details["road_changes"], &rc)
			if rc["upgraded_segments"] == nil || rc["speed_kmh"] != 100.0 {
				t.Errorf("road_changes %s", doc.Details["road_changes"])
			}
		}
	}
}
