package analysis

import (
	"context"
	"math"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"reach/data/demo"
	"reach/data/osm"
	"reach/data/tables"
	"reach/data/zensus"
	"reach/geo/crs"
	"reach/geo/grid"
	"reach/internal/appraisal"
	"reach/internal/estimate"
	"reach/internal/realdata"
	"reach/layers"
)

// testData returns the shared data folder (see internal/realdata).
func testData(tb testing.TB) string {
	tb.Helper()
	return realdata.Dir(tb)
}

// lenient is like collect but logs record errors (duplicate ids in the
// shared files) and keeps reading as far as the reader goes on.
func lenient[T any](tb testing.TB, seq func(yield func(T, error) bool)) []T {
	tb.Helper()
	var out []T
	skipped := 0
	for v, err := range seq {
		if err != nil {
			skipped++
			if skipped <= 3 {
				tb.Logf("skipped: %v", err)
			}
			continue
		}
		out = append(out, v)
	}
	return out
}

func collect[T any](tb testing.TB, seq func(yield func(T, error) bool)) []T {
	tb.Helper()
	var out []T
	for v, err := range seq {
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, v)
	}
	return out
}

// osmFixture reads an OSM extract's roads and its POIs and lays 1 km cells
// 100 m cells (population 10 each, synthetic, on a lattice of at most 13 × 13) over the extent of the road network.
func osmFixture(tb testing.TB, pbf, pois string) *fakeReader {
	tb.Helper()
	dir := testData(tb)
	ctx := context.Background()
	r := &fakeReader{}
	r.roads = collect(tb, osm.Roads(ctx, filepath.Join(dir, "osm", pbf), nil))
	r.facs = lenient(tb, tables.ReadFacilities(ctx, filepath.Join(dir, "facilities", pois), tables.FacilityOptions{OSMCategory: osm.CategoryFor}))
	if len(r.roads) == 0 || len(r.facs) == 0 {
		tb.Fatalf("%s: %d roads, %d facilities", pbf, len(r.roads), len(r.facs))
	}
	var b orb.Bound
	for i, s := range r.roads {
		if i == 0 {
			b = s.Geometry.Bound()
		}
		b = b.Union(s.Geometry.Bound())
	}
	r.munis = []layers.Municipality{{AGS: "00000001", Name: "extract", Population: 1, AreaKm2: 1}}
	seen := map[string]bool{}
	step := math.Max(300, math.Max(b.Max[0]-b.Min[0], b.Max[1]-b.Min[1])/12)
	for x := b.Min[0]; x <= b.Max[0]; x += step {
		for y := b.Min[1]; y <= b.Max[1]; y += step {
			q, _ := crs.Transform(crs.UTM33N, crs.LAEA, orb.Point{x, y})
			id := grid.Containing(q, 100).String()
			if !seen[id] {
				seen[id] = true
				r.cells = append(r.cells, layers.Cell{ID: id, ResolutionM: 100, Population: 10, Known: true, AGS: "00000001"})
			}
		}
	}
	return r
}

func TestRealOSMTravelTimesAgainstReferenceDijkstra(t *testing.T) {
	for _, tc := range []struct{ pbf, pois string }{
		{"hoyerswerda.osm.pbf", "pois_hoyerswerda_osm.geojson"},
		{"north-bayreuth.osm.pbf", "pois_north_bayreuth_osm.geojson"},
	} {
		t.Run(tc.pbf, func(t *testing.T) {
			r := osmFixture(t, tc.pbf, tc.pois)
			e := buildEngine(t, r)
			// The category with the most facilities.
			count := map[layers.Category]int{}
			for _, f := range r.facs {
				count[f.Category]++
			}
			var cat layers.Category
			for c, n := range count {
				if n > count[cat] || (n == count[cat] && c < cat) {
					cat = c
				}
			}
			for _, mode := range []layers.Mode{layers.Car, layers.Foot} {
				tts, err := e.TravelTimes(context.Background(), cat, mode)
				if err != nil {
					t.Fatal(err)
				}
				want := oracle(t, e, mode, facilityPoints(r, cat))
				reached := 0
				facAt := map[string]orb.Point{}
				for _, f := range r.facs {
					facAt[f.ID] = f.Location
				}
				straight := 0
				for i, tt := range tts {
					switch tt.Method {
					case MethodNetwork, MethodUnreachable:
						if math.IsInf(want[i], 1) != !tt.Reached || (tt.Reached && math.Abs(tt.Seconds-want[i]) > 1e-9) || (tt.Method == MethodUnreachable) != !tt.Reached {
							t.Fatalf("%s %s cell %s: got %v s (reached %v, %s), reference %v s", cat, mode, tt.CellID, tt.Seconds, tt.Reached, tt.Method, want[i])
						}
					case MethodStraightLine:
						// Off the network (the cell, or the facility nearest
						// to it): the calibrated estimate, and only where the
						// network gives nothing sooner.
						c, p := e.cells[i].utm, facAt[tt.FacilityID]
						d := math.Hypot(c[0]-p[0], c[1]-p[1])
						if !tt.Reached || math.Abs(tt.DistanceM-d) > 1e-6 || math.Abs(tt.Seconds-e.model.Seconds(mode, d)) > 1e-9 || !(tt.Seconds <= want[i]) {
							t.Fatalf("%s %s cell %s: straight line %v s over %v m to %s (%v m away); reference on the network %v s", cat, mode, tt.CellID, tt.Seconds, tt.DistanceM, tt.FacilityID, d, want[i])
						}
						straight++
					default:
						t.Fatalf("cell %s: method %q", tt.CellID, tt.Method)
					}
					if tt.Reached {
						reached++
					}
				}
				t.Logf("%d cells by straight-line estimate", straight)
				st := e.Stats().Networks[mode]
				t.Logf("%s: %s by %s: %d of %d cells reached, equal to the reference Dijkstra (%d nodes, %d arcs, %d facilities of %d not snapped)",
					tc.pbf, cat, mode, reached, len(tts), st.Nodes, st.Arcs, st.FacilitiesNotSnapped, count[cat])
				if reached == 0 {
					t.Fatal("no cell reached")
				}
			}
		})
	}
}

// saxony reads the real Saxon layers: municipalities (VG5000), the 2011
// 1 km grid, central places, schools and hospitals.
func saxony(tb testing.TB) *fakeReader {
	tb.Helper()
	dir := testData(tb)
	ctx := context.Background()
	r := &fakeReader{}
	r.munis = collect(tb, tables.ReadMunicipalities(ctx, filepath.Join(dir, "boundaries", "gemeinden_sachsen_vg5000_2021.geojson"), tables.MunicipalityOptions{}))
	r.cells = collect(tb, zensus.ReadCells(ctx, filepath.Join(dir, "grid", "zensus2011_1km_sachsen_epsg3035.csv"), zensus.Options{}))
	r.places = collect(tb, tables.ReadCentralPlaces(ctx, filepath.Join(dir, "zentrale_orte", "zentrale_orte_sachsen.csv"), tables.CentralPlaceOptions{}))
	r.facs = append(lenient(tb, tables.ReadFacilities(ctx, filepath.Join(dir, "facilities", "schulen_sachsen.geojson"), tables.FacilityOptions{})),
		lenient(tb, tables.ReadFacilities(ctx, filepath.Join(dir, "facilities", "krankenhaeuser_sachsen_2020.csv"), tables.FacilityOptions{}))...)
	return r
}

func TestRealSaxonyStraightLineGapRegister(t *testing.T) {
	r := saxony(t)
	e := buildEngine(t, r)
	ctx := context.Background()
	st := e.Stats()
	if len(r.munis) != 419 || st.PopulatedCells < 10000 {
		t.Fatalf("read %d municipalities, %d populated cells; want 419 and the 2011 grid", len(r.munis), st.PopulatedCells)
	}
	sl, err := estimate.Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		cat  layers.Category
		mode layers.Mode
	}{{layers.CatHospital, layers.Car}, {layers.CatGymnasium, layers.Car}} {
		var facs []orb.Point
		for _, f := range r.facs {
			if f.Category == tc.cat {
				facs = append(facs, f.Location)
			}
		}
		std, ok := e.cat.Standard(tc.cat, tc.mode)
		if !ok {
			t.Fatalf("no standard for %s %s", tc.cat, tc.mode)
		}
		rep, err := e.Gaps(ctx, GapQuery{Category: tc.cat, Mode: tc.mode})
		if err != nil {
			t.Fatal(err)
		}
		thin, err := e.Gaps(ctx, GapQuery{Category: tc.cat, Mode: tc.mode, OnlyThinOrWeak: true})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Method != MethodStraightLine {
			t.Fatalf("method %q, want straight_line (no road network of Saxony)", rep.Method)
		}
		// Brute force: every cell against every facility.
		var pop, out, thinOut int64
		byAGS := map[string]int64{}
		for _, c := range e.cells {
			d := math.Inf(1)
			for _, f := range facs {
				d = math.Min(d, math.Hypot(c.utm[0]-f[0], c.utm[1]-f[1]))
			}
			pop += c.pop
			if sl.Seconds(tc.mode, d) > std.MaxSeconds() {
				out += c.pop
				byAGS[c.ags] += c.pop
				if mc := e.class.of(c.ags); mc.thin || mc.weak {
					thinOut += c.pop
				}
			}
		}
		if rep.Population != pop || rep.Outside != out || thin.Outside != thinOut {
			t.Fatalf("%s: register population %d outside %d (thin or weak %d); brute force %d, %d (%d)", tc.cat, rep.Population, rep.Outside, thin.Outside, pop, out, thinOut)
		}
		for _, row := range rep.Municipalities {
			if row.Outside != byAGS[row.Key] {
				t.Fatalf("%s %s: outside %d, brute force %d", tc.cat, row.Key, row.Outside, byAGS[row.Key])
			}
		}
		worst := append([]AreaGap(nil), rep.Kreise...)
		sort.Slice(worst, func(i, j int) bool { return worst[i].Share > worst[j].Share })
		t.Logf("%s by %s (straight line, %.0f min): %d of %d residents outside (%.2f%%), %d of them in thinly populated or structurally weak municipalities; worst Kreis %s %.1f%%",
			tc.cat, tc.mode, std.MaxMinutes, out, pop, 100*float64(out)/float64(pop), thinOut, worst[0].Name, 100*worst[0].Share)
	}
}

// demoReader generates the demo region.
func demoReader(tb testing.TB) (*fakeReader, *demo.Region) {
	tb.Helper()
	reg, err := demo.Generate(1)
	if err != nil {
		tb.Fatal(err)
	}
	return &fakeReader{munis: reg.Municipalities, cells: reg.Cells, places: reg.CentralPlaces, facs: reg.Facilities, roads: reg.Roads, projects: reg.Projects}, reg
}

func TestDemoRegion(t *testing.T) {
	r, reg := demoReader(t)
	e := buildEngine(t, r)
	ctx := context.Background()
	// Travel times of a sample of cells against the reference Dijkstra.
	tts, err := e.TravelTimes(ctx, layers.CatGeneralPractice, layers.Car)
	if err != nil {
		t.Fatal(err)
	}
	facs := facilityPoints(r, layers.CatGeneralPractice)
	step := max(1, len(e.cells)/40)
	var idx []int
	for i := 0; i < len(e.cells); i += step {
		idx = append(idx, i)
	}
	wants := oracleAt(t, e, layers.Car, facs, idx)
	for _, i := range idx {
		want, got := wants[i], tts[i]
		if math.IsInf(want, 1) != !got.Reached || (got.Reached && math.Abs(got.Seconds-want) > 1e-9) {
			t.Fatalf("cell %s: got %v s, reference %v s", got.CellID, got.Seconds, want)
		}
	}
	// Isochrones never cover the lake.
	lake, _ := crs.ToLonLat(crs.UTM33N, reg.Lake.Bound().Center())
	for _, pl := range r.places {
		o, _ := crs.ToLonLat(crs.UTM33N, pl.Location)
		res, err := e.Isochrones(ctx, IsochroneRequest{Mode: layers.Car, Origins: []orb.Point{o}, Minutes: []float64{15, 30}})
		if err != nil {
			t.Fatal(err)
		}
		if len(reg.Lake) > 0 && ringHas(reg.Lake[0], reg.Lake.Bound().Center()) && containsPoint(res.Bands[1].Geometry, lake) {
			t.Fatalf("the 30 min isochrone from %s covers the lake", pl.Name)
		}
	}
	// Every demo project assesses; the ranking respects the budget.
	rk, err := e.Ranking(ctx, r.projects, appraisal.DefaultBudget)
	if err != nil {
		t.Fatal(err)
	}
	var total float64
	for _, p := range rk.Projects {
		if p.Selected {
			total += p.RequestedFunding
		}
	}
	if total > appraisal.DefaultBudget+1e-6 || len(rk.Projects) != len(r.projects) {
		t.Fatalf("ranking selects %v € of %v, %d of %d projects", total, appraisal.DefaultBudget, len(rk.Projects), len(r.projects))
	}
	for _, p := range rk.Projects {
		t.Logf("rank %d %s score %.3f funding %.0f selected %v", p.Rank, p.ID, p.Score, p.RequestedFunding, p.Selected)
	}
}

// TestRealSaxonyProposals assesses the six real proposals of the 2021
// Vitale-Regionen list (located at their municipalities' seats) and a
// Gymnasium and a water project on the real layers, which hold no road
// network, no town halls and no community centres: every effect is unknown
// with its reason, never a count, and the ranking selects none of them.
func TestRealSaxonyProposals(t *testing.T) {
	r := saxony(t)
	dir := testData(t)
	ctx := context.Background()
	seats, err := tables.ReadSeats(ctx, filepath.Join(dir, "population", "gemeinden_sachsen_gv_bevoelkerung_2019.csv"), "GV table")
	if err != nil {
		t.Fatal(err)
	}
	r.projects = collect(t, tables.ReadProjects(ctx, filepath.Join(dir, "projects", "vitale_regionen_2021_region_chemnitz_auszug.csv"),
		tables.ProjectOptions{IDPrefix: "vr", Seat: func(ags string) (tables.Seat, bool) { s, ok := seats[ags]; return s, ok }}))
	gym := layers.Project{ID: "real-gym", Title: "Gymnasium", Kind: layers.KindNewFacility, Category: layers.CatGymnasium,
		Geometry: seats["14628270"].Location, Municipalities: []string{"14628270"}, InvestmentCost: 1e6, RequestedFunding: 8e5}
	water := layers.Project{ID: "real-water", Title: "Wasser", Kind: layers.KindAreaService, Category: layers.CatWaterSupply,
		Geometry: orb.Polygon{{{400000, 5640000}, {410000, 5640000}, {410000, 5650000}, {400000, 5640000}}}, Municipalities: []string{"14628270"}, InvestmentCost: 2e6, RequestedFunding: 1e6}
	all := append(append([]layers.Project(nil), r.projects...), gym, water)
	e := buildEngine(t, r)
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
