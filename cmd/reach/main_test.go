package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reach/data/demo"
	"reach/internal/realdata"
	"reach/layers"
	"reach/layers/memory"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"reach/internal/appraisal"
	"reach/internal/load"
	"reach/internal/pgtest"
)

// testdata returns the folder of the real Saxon data (see internal/realdata).
func testdata(tb testing.TB) string {
	tb.Helper()
	return realdata.Dir(tb)
}

// syncBuffer is a bytes.Buffer safe for the concurrent writes of a server.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var listenRe = regexp.MustCompile(`on http://([0-9.:]+)/`)

// startServe runs `reach serve` with args on a free port and returns its
// base URL; the server stops when the test ends.
func startServe(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var stdout, stderr syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...), func(string) string { return "" }, &stdout, &stderr)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve returned %v", err)
			}
		case <-time.After(20 * time.Second):
			t.Error("serve did not stop within 20 s of cancel")
		}
	})
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if m := listenRe.FindStringSubmatch(stdout.String()); m != nil {
			return "http://" + m[1]
		}
		select {
		case err := <-done:
			t.Fatalf("serve ended early: %v\nstderr: %s", err, stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("serve did not start; stdout %q stderr %q", stdout.String(), stderr.String())
	return ""
}

func getJSON(t *testing.T, url string, want int) map[string]any {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("GET %s: status %d, want %d: %s", url, resp.StatusCode, want, body)
	}
	var v map[string]any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("GET %s: %v: %.200s", url, err, body)
	}
	return v
}

func waitReady(t *testing.T, base string) {
	t.Helper()
	deadline := time.Now().Add(120 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatal("the read model did not become ready within 120 s")
}

func TestRunUsage(t *testing.T) {
	var out, errOut bytes.Buffer
	if err := run(context.Background(), nil, os.Getenv, &out, &errOut); err == nil {
		t.Error("no command: want an error")
	}
	if !strings.Contains(errOut.String(), "reach serve") {
		t.Errorf("usage not printed: %q", errOut.String())
	}
	err := run(context.Background(), []string{"frobnicate"}, os.Getenv, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), `"frobnicate"`) {
		t.Errorf("unknown command: err = %v, want it named", err)
	}
	err = run(context.Background(), []string{"migrate"}, func(string) string { return "" }, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "DATABASE_URL") {
		t.Errorf("migrate without db: err = %v, want a hint at DATABASE_URL", err)
	}
}

// TestServeDemo runs the main job as a user would: `reach serve` with no
// database, then reads the layers over OGC API Features.
func TestServeDemo(t *testing.T) {
	base := startServe(t)
	landing := getJSON(t, base+"/?f=json", http.StatusOK)
	if s := fmt.Sprint(landing); !strings.Contains(strings.ToLower(s), "synthetic") {
		t.Errorf("landing page does not say the data are synthetic: %.300s", s)
	}
	colls := getJSON(t, base+"/collections?f=json", http.StatusOK)
	ids := map[string]bool{}
	for _, c := range colls["collections"].([]any) {
		ids[c.(map[string]any)["id"].(string)] = true
	}
	for _, id := range []string{"municipalities", "population-grid", "central-places", "facilities", "roads", "projects"} {
		if !ids[id] {
			t.Errorf("collection %q missing from /collections (have %v)", id, ids)
		}
	}
	items := getJSON(t, base+"/collections/municipalities/items?limit=5&f=json", http.StatusOK)
	if n := items["numberReturned"]; n != float64(5) {
		t.Errorf("numberReturned = %v, want 5", n)
	}
	getJSON(t, base+"/collections/nope/items?f=json", http.StatusNotFound)
	getJSON(t, base+"/collections/municipalities/items?limit=abc&f=json", http.StatusBadRequest)

	waitReady(t, base)
	checkCentreIndicators(t, base)
	resp, err := http.Post(base+"/analyses/isochrones", "application/json",
		strings.NewReader(isochroneBody(t, base)))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("isochrones: status %d: %s", resp.StatusCode, body)
	}
	var fc struct {
		Features []struct {
			Properties map[string]any
		}
	}
	if err := json.Unmarshal(body, &fc); err != nil {
		t.Fatal(err)
	}
	if len(fc.Features) != 2 {
		t.Fatalf("isochrones: %d bands, want 2", len(fc.Features))
	}
	p10, p20 := fc.Features[0].Properties["cumulative_population"].(float64), fc.Features[1].Properties["cumulative_population"].(float64)
	ring := fc.Features[1].Properties["population"].(float64)
	if p10 > p20 || p10+ring != p20 {
		t.Errorf("population within 10 min %v, within 20 min %v, in the ring 10–20 min %v: the ring does not add up", p10, p20, ring)
	}

	// The gap register agrees with the gaps collection: the same cells, the
	// residents outside summed over them and over the municipalities.
	resp, err = http.Post(base+"/analyses/gaps", "application/json", strings.NewReader(`{"category":"kita","mode":"foot","cells":true}`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("gaps: status %d: %s", resp.StatusCode, body)
	}
	var reg struct {
		Outside        int64              `json:"outside"`
		MethodShares   map[string]float64 `json:"method_shares"`
		Cells          []struct{ Population int64 }
		Municipalities []struct{ Outside int64 }
		Fairness       []struct {
			Scenario string
			Fairness struct{ All struct{ Gini *float64 } }
		} `json:"fairness"`
	}
	if err := json.Unmarshal(body, &reg); err != nil {
		t.Fatal(err)
	}
	var cellSum, muniSum int64
	for _, c := range reg.Cells {
		cellSum += c.Population
	}
	for _, m := range reg.Municipalities {
		muniSum += m.Outside
	}
	coll := getJSON(t, base+"/collections/gaps/items?f=json&limit=1&category=kita&mode=foot", http.StatusOK)
	if reg.Outside == 0 || cellSum != reg.Outside || muniSum != reg.Outside || coll["numberMatched"] != float64(len(reg.Cells)) ||
		reg.MethodShares["network"] == 0 || len(reg.Fairness) == 0 || reg.Fairness[0].Scenario != "today" || reg.Fairness[0].Fairness.All.Gini == nil {
		t.Errorf("gap register: %d outside, %d in its %d cells, %d over its municipalities, the collection matched %v, methods %v, fairness %v",
			reg.Outside, cellSum, len(reg.Cells), muniSum, coll["numberMatched"], reg.MethodShares, reg.Fairness)
	}
}

// isochroneBody asks for 10 and 20 minutes by car around the first central
// place of the served region.
func isochroneBody(t *testing.T, base string) string {
	t.Helper()
	fc := getJSON(t, base+"/collections/central-places/items?limit=1&f=json", http.StatusOK)
	feats := fc["features"].([]any)
	if len(feats) == 0 {
		t.Fatal("no central place served")
	}
	coords := feats[0].(map[string]any)["geometry"].(map[string]any)["coordinates"].([]any)
	return fmt.Sprintf(`{"mode":"car","origins":[[%v,%v]],"minutes":[10,20]}`, coords[0], coords[1])
}

// TestImportRealData loads the real Saxon layers with `reach import` into a
// fresh PostGIS database and checks them against the published figures.
func TestImportRealData(t *testing.T) {
	d := testdata(t)
	url := pgtest.New(t)
	env := func(k string) string {
		if k == "DATABASE_URL" {
			return url
		}
		return ""
	}
	ctx := context.Background()
	var out, errOut syncBuffer
	mustRun := func(args ...string) {
		t.Helper()
		if err := run(ctx, args, env, &out, &errOut); err != nil {
			t.Fatalf("reach %s: %v\nstderr: %s", strings.Join(args, " "), err, errOut.String())
		}
	}
	mustRun("migrate")
	mustRun("migrate") // idempotent
	steps := [][]string{
		{"municipalities", "boundaries/gemeinden_sachsen_vg5000_2021.geojson"},
		{"population", "population/gemeinden_sachsen_gv_bevoelkerung_2019.csv", "--date", "2019-12-31"},
		{"indicators", "indicators/inkar_gemeinden_sachsen.csv"},
		{"memberships", "population/gemeinden_sachsen_gv_bevoelkerung_2019.csv"},
		{"memberships", "zentrale_orte/zentrale_orte_sachsen.csv"},
		{"grid", "grid/zensus2011_1km_sachsen_epsg3035.csv"},
		{"central-places", "zentrale_orte/zentrale_orte_sachsen.csv"},
		{"facilities", "facilities/schulen_sachsen.geojson"},
		{"facilities", "facilities/krankenhaeuser_sachsen_2020.csv"},
		{"osm", "osm/hoyerswerda.osm.pbf"},
	}
	for _, s := range steps {
		args := append([]string{"import", s[0], filepath.Join(d, s[1])}, s[2:]...)
		mustRun(args...)
	}

	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	count := func(sql string, args ...any) int64 {
		t.Helper()
		var n int64
		if err := conn.QueryRow(ctx, sql, args...).Scan(&n); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		return n
	}
	checks := []struct {
		name string
		sql  string
		want int64
	}{
		{"municipalities", "select count(*) from municipalities", 419},
		{"population 2019", "select sum(population) from municipalities", 4071971},
		{"grid cells", "select count(*) from population_grid", 18453},
		{"known grid population", "select coalesce(sum(population),0) from population_grid where population is not null", 4049003},
		{"negative counts", "select count(*) from population_grid where population < 0", 0},
		{"central places", "select count(*) from central_places", 67},
		{"Göltzschtal members", "select count(*) from central_places where verbund = 'Städteverbund Göltzschtal'", 4},
		{"school buildings", "select count(*) from facilities where source like 'school%'", 1467 - unknownSchools(t, d)},
		{"hospitals", "select count(*) from facilities where category = 'hospital' and source like 'hospital%'", 128},
	}
	for _, c := range checks {
		if got := count(c.sql); got != c.want {
			t.Errorf("%s: %s = %d, want %d", c.name, c.sql, got, c.want)
		}
	}
	if n := count("select count(*) from roads"); n == 0 {
		t.Error("no road segments imported from hoyerswerda.osm.pbf")
	}
	for _, mode := range []string{"car", "bicycle", "foot"} {
		if n := count("select count(*) from graph_" + mode); n == 0 {
			t.Errorf("graph_%s is empty after import osm", mode)
		}
	}
	// pgRouting works on the exported car graph.
	if n := count(`select count(*) from pgr_drivingDistance('select id, source, target, cost, reverse_cost from graph_car',
		(select source from graph_car group by source order by count(*) desc, source limit 1), 600)`); n < 2 {
		t.Errorf("pgr_drivingDistance on graph_car reached %d nodes within 10 min", n)
	}

	// The README's analysis runs over every category, those without a
	// facility in these data (pharmacies, fire stations) included, and every
	// resident gets a car time labelled with how it was found.
	mustRun("analyze")
	var reachedPop, allPop, unlabelled int64
	if err := conn.QueryRow(ctx, `select coalesce(sum(population) filter (where reached), 0), coalesce(sum(population), 0),
		count(*) filter (where method is null) from travel_times where category = 'hospital' and mode = 'car'`).Scan(&reachedPop, &allPop, &unlabelled); err != nil {
		t.Fatal(err)
	}
	if allPop != 4049003 || float64(reachedPop) < 0.99*float64(allPop) || unlabelled != 0 {
		t.Errorf("hospital by car: %d of %d residents with a time, %d rows without a method; want ≥ 99 %% of 4049003, all labelled", reachedPop, allPop, unlabelled)
	}
	if n, cells := count(`select count(*) from travel_times where category = 'pharmacy' and mode = 'car' and method = 'unknown' and not reached`),
		count(`select count(*) from population_grid where population > 0`); n != cells || n == 0 {
		t.Errorf("pharmacy by car (no pharmacy loaded): %d cells stored as unknown, want every populated cell (%d)", n, cells)
	}
	if !strings.Contains(out.String(), "WARNING: the car network covers 0.6 %") {
		t.Errorf("analyze does not warn that the car network covers 0.6 %% of the residents:\n%s", out.String())
	}

	// Importing the same file again gives the same state.
	mustRun("import", "grid", filepath.Join(d, "grid/zensus2011_1km_sachsen_epsg3035.csv"))
	if got := count("select count(*) from population_grid"); got != 18453 {
		t.Errorf("after re-import: %d cells, want 18453", got)
	}
	// A broken file fails with its name and line, and leaves the layer as it was.
	bad := filepath.Join(t.TempDir(), "broken.csv")
	if err := os.WriteFile(bad, []byte("Gitter_ID_1km,x_mp_1km,y_mp_1km,Einwohner\n1kmN3009E4486,4486500,3009500,12\n1kmN3009E4487,4487500,3009500,zwölf\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	err = run(ctx, []string{"import", "grid", bad}, env, &out, &errOut)
	if err == nil {
		t.Fatal("importing a broken grid file succeeded")
	}
	for _, want := range []string{"broken.csv", "line 3", "zwölf"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
	if got := count("select count(*) from population_grid"); got != 18453 {
		t.Errorf("after a failed import: %d cells, want the previous 18453", got)
	}

	// The stored layers are served over OGC API Features.
	base := startServe(t, "--db", url)
	items := getJSON(t, base+"/collections/municipalities/items?limit=1&f=json", http.StatusOK)
	if items["numberMatched"] != float64(419) {
		t.Errorf("numberMatched = %v, want 419", items["numberMatched"])
	}
	cell := getJSON(t, base+"/collections/population-grid/items/1kmN3009E4485?f=json", http.StatusOK)
	if p := cell["properties"].(map[string]any)["population"]; p != nil {
		t.Errorf("unpopulated/secret cell 1kmN3009E4485: population = %v, want null", p)
	}
}

// unknownSchools counts the school buildings that have no type and whose
// name names no school type either (the importer skips them, as documented
// in data/tables), computed from the file with a plain scan.
func unknownSchools(t *testing.T, d string) int64 {
	t.Helper()
	f, err := os.Open(filepath.Join(d, "facilities/schulen_sachsen.geojson"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var fc struct {
		Features []struct {
			Properties map[string]any `json:"properties"`
		} `json:"features"`
	}
	if err := json.NewDecoder(bufio.NewReader(f)).Decode(&fc); err != nil {
		t.Fatal(err)
	}
	var n int64
	for _, ft := range fc.Features {
		t, _ := ft.Properties["type_guess"].(string)
		if t != "" && t != "unknown" {
			continue
		}
		name := strings.ToLower(fmt.Sprint(ft.Properties["name"]))
		hinted := false
		for _, w := range []string{"grundschule", "primary school", "gymnasium", "oberschule"} {
			hinted = hinted || strings.Contains(name, w)
		}
		if !hinted {
			n++
		}
	}
	return n
}

var _ = errors.New

// TestDataDir serves the real files through a manifest in the embedded
// store, with no database.
func TestDataDir(t *testing.T) {
	d := testdata(t)
	dir := t.TempDir()
	manifest := fmt.Sprintf(`# real Saxon layers for the embedded store
municipalities %[1]s/boundaries/gemeinden_sachsen_vg5000_2021.geojson
population %[1]s/population/gemeinden_sachsen_gv_bevoelkerung_2019.csv --date 2019-12-31
grid %[1]s/grid/zensus2011_1km_sachsen_epsg3035.csv
central-places %[1]s/zentrale_orte/zentrale_orte_sachsen.csv
facilities %[1]s/facilities/krankenhaeuser_sachsen_2020.csv
`, d)
	if err := os.WriteFile(filepath.Join(dir, load.ManifestName), []byte(manifest), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	st, closeStore, err := openStore(ctx, "", dir, 0, 0, newLogger(io.Discard, false))
	if err != nil {
		t.Fatal(err)
	}
	defer closeStore()
	ms, err := st.Municipalities(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var pop int64
	for _, m := range ms {
		pop += m.Population
	}
	if len(ms) != 419 || pop != 4071971 {
		t.Errorf("municipalities: %d with population %d, want 419 with 4071971", len(ms), pop)
	}
	ps, err := st.CentralPlaces(ctx)
	if err != nil {
		t.Fatal(err)
	}
	located := 0
	for _, p := range ps {
		if p.Location != [2]float64{} {
			located++
		}
	}
	if len(ps) != 67 || located != 67 {
		t.Errorf("central places: %d, %d located; want 67, all located", len(ps), located)
	}

	// A manifest line with a wrong flag names the line.
	if err := os.WriteFile(filepath.Join(dir, load.ManifestName), []byte("grid x.csv --no-such-flag\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, _, err = openStore(ctx, "", dir, 0, 0, newLogger(io.Discard, false))
	if err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Errorf("bad manifest: err = %v, want it to name line 1", err)
	}
}

// TestDemoFiles writes the demo region as GeoJSON and reads one file back.
func TestDemoFiles(t *testing.T) {
	dir := t.TempDir()
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"demo", "--out", dir}, os.Getenv, &out, &errOut); err != nil {
		t.Fatalf("demo: %v: %s", err, errOut.String())
	}
	b, err := os.ReadFile(filepath.Join(dir, "municipalities.geojson"))
	if err != nil {
		t.Fatal(err)
	}
	var fc struct {
		Type     string
		Features []json.RawMessage
	}
	if err := json.Unmarshal(b, &fc); err != nil {
		t.Fatal(err)
	}
	if fc.Type != "FeatureCollection" || len(fc.Features) == 0 {
		t.Errorf("municipalities.geojson: type %q with %d features", fc.Type, len(fc.Features))
	}
	if !strings.Contains(out.String(), "synthetic") {
		t.Errorf("demo output does not say the data are synthetic: %q", out.String())
	}
}

// TestSettingsAndCatalogue checks the files that tune the analyses: the
// embedded catalogue round-trips through `reach catalogue`, and bad files
// are refused with their name, field and value.
func TestSettingsAndCatalogue(t *testing.T) {
	dir := t.TempDir()
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"catalogue"}, os.Getenv, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	cat := filepath.Join(dir, "standards.json")
	if err := os.WriteFile(cat, out.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := run(context.Background(), []string{"catalogue", "--check", cat}, os.Getenv, &out, &errOut); err != nil || !strings.Contains(out.String(), "valid") {
		t.Fatalf("catalogue --check of the embedded catalogue: %v %q", err, out.String())
	}

	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good.json", `{"score_weights": {"need_share": 40, "innovation": 0}, "weak_share": 0.25, "snap_radius_m": 500}`)
	opts, err := engineFlags{catalogue: cat, settings: good}.options(layers.StoreInfo{})
	if err != nil {
		t.Fatal(err)
	}
	if opts.Weights == nil || opts.Weights.NeedShare != 40 || opts.Weights.Innovation != 0 || opts.Weights.Beneficiaries != appraisal.DefaultScoreWeights().Beneficiaries {
		t.Errorf("score weights %+v", opts.Weights)
	}
	if opts.Classify == nil || opts.Classify.WeakShare != 0.25 || opts.SnapRadiusM != 500 || opts.Catalogue == nil {
		t.Errorf("options %+v", opts)
	}
	for _, tt := range []struct{ text, want string }{
		{`{"score_weights": {"need_share": -1}}`, `"score_weights.need_share": value -1`},
		{`{"score_weigths": {}}`, `unknown field "score_weigths"`},
		{`{"weak_share": 1.5}`, `"weak_share": value 1.5`},
		{`{"snap_radius_m": "far"}`, `"snap_radius_m"`},
	} {
		p := write("bad.json", tt.text)
		_, err := engineFlags{settings: p}.options(layers.StoreInfo{})
		if err == nil || !strings.Contains(err.Error(), "bad.json") || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("settings %s: err = %v, want it to name bad.json and %s", tt.text, err, tt.want)
		}
	}
}

// TestAnalyzeDemo runs the analyses on the demo region in the embedded
// store: results are stored and the summary names what a planner needs.
func TestAnalyzeDemo(t *testing.T) {
	ctx := context.Background()
	st := memory.New(memory.WithSynthetic(true))
	if err := demo.Load(ctx, st, demo.DefaultSeed); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := analyze(ctx, st, []layers.Category{layers.CatGeneralPractice}, nil, 4_000_000, false, engineFlags{}, &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"classification:", "general_practice", "car", "network", "ranking", "SYNTHETIC"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, out.String())
		}
	}
	_, tts, err := st.TravelTimes(ctx, layers.CatGeneralPractice, layers.Car)
	if err != nil {
		t.Fatal(err)
	}
	cells, err := st.Cells(ctx)
	if err != nil {
		t.Fatal(err)
	}
	populated := 0
	for _, c := range cells {
		if c.Known && c.Population > 0 {
			populated++
		}
	}
	if len(tts) != populated {
		t.Errorf("%d travel-time rows stored, want one per populated cell (%d)", len(tts), populated)
	}
}

// TestEngineSnapshotFile: the first start writes the snapshot, the second
// reads it, and a snapshot of other data is refused and rewritten.
func TestEngineSnapshotFile(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "engine.snap")
	var logs syncBuffer
	log := newLogger(&logs, false)
	load := func(seed int64) layers.Store {
		st := memory.New(memory.WithSynthetic(true))
		if err := demo.Load(ctx, st, seed); err != nil {
			t.Fatal(err)
		}
		return st
	}
	st := load(demo.DefaultSeed)
	info, _ := st.Info(ctx)
	first, err := buildEngineWithSnapshot(ctx, st, info, engineFlags{}, path, log)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil || !strings.Contains(logs.String(), "snapshot written") {
		t.Fatalf("no snapshot written: %v\n%s", err, logs.String())
	}
	second, err := buildEngineWithSnapshot(ctx, st, info, engineFlags{}, path, log)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "read model from snapshot") {
		t.Fatalf("snapshot not read:\n%s", logs.String())
	}
	a, err := first.TravelTimes(ctx, layers.CatGeneralPractice, layers.Car)
	if err != nil {
		t.Fatal(err)
	}
	b, err := second.TravelTimes(ctx, layers.CatGeneralPractice, layers.Car)
	if err != nil {
		t.Fatal(err)
	}
	if len(a) != len(b) {
		t.Fatalf("%d travel times from the layers, %d from the snapshot", len(a), len(b))
	}
	for i := range a {
		if a[i].Seconds != b[i].Seconds || a[i].FacilityID != b[i].FacilityID {
			t.Fatalf("cell %s: %v s to %s from the layers, %v s to %s from the snapshot", a[i].CellID, a[i].Seconds, a[i].FacilityID, b[i].Seconds, b[i].FacilityID)
		}
	}
	other := load(demo.DefaultSeed + 1)
	oinfo, _ := other.Info(ctx)
	if _, err := buildEngineWithSnapshot(ctx, other, oinfo, engineFlags{}, path, log); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "snapshot not used") {
		t.Errorf("a snapshot of other data was not refused:\n%s", logs.String())
	}
}

// checkCentreIndicators holds the central-place indicators that the
// embedded store serves once ready: for every municipality the car and
// bicycle minutes to the nearest Mittelzentrum (or higher) and Oberzentrum,
// 0 where the municipality is such a centre (a member of its Verbund
// counts), above 0 elsewhere, and never less to the Oberzentrum than to
// the nearest Mittelzentrum or higher, which includes it; by public
// transport a time only with the share of residents who have one.
func checkCentreIndicators(t *testing.T, base string) {
	t.Helper()
	places := getJSON(t, base+"/collections/central-places/items?limit=1000&f=json", http.StatusOK)
	isCentre := map[string]map[string]bool{"mittelzentrum": {}, "oberzentrum": {}}
	for _, f := range places["features"].([]any) {
		p := f.(map[string]any)["properties"].(map[string]any)
		var levels []string
		switch p["level"] {
		case "Oberzentrum":
			levels = []string{"mittelzentrum", "oberzentrum"}
		case "Mittelzentrum":
			levels = []string{"mittelzentrum"}
		}
		members, _ := p["members"].([]any)
		for _, l := range levels {
			isCentre[l][p["ags"].(string)] = true
			for _, m := range members {
				isCentre[l][m.(string)] = true
			}
		}
	}
	if len(isCentre["oberzentrum"]) == 0 || len(isCentre["mittelzentrum"]) <= len(isCentre["oberzentrum"]) {
		t.Fatalf("the demo region's centres: %v", isCentre)
	}
	munis := getJSON(t, base+"/collections/municipalities/items?limit=1000&f=json", http.StatusOK)
	features := munis["features"].([]any)
	if len(features) == 0 {
		t.Fatal("no municipalities")
	}
	transitValues := 0
	for _, f := range features {
		p := f.(map[string]any)["properties"].(map[string]any)
		ags := p["ags"].(string)
		for _, mode := range []string{"car", "bicycle"} {
			mins := map[string]float64{}
			for _, level := range []string{"mittelzentrum", "oberzentrum"} {
				key := mode + "_minutes_to_" + level
				v, ok := p[key].(float64)
				if !ok {
					t.Fatalf("municipality %s: %s = %v, want a number", ags, key, p[key])
				}
				if isCentre[level][ags] != (v == 0) || v < 0 {
					t.Errorf("municipality %s: %s = %v (a centre of that level or higher: %v)", ags, key, v, isCentre[level][ags])
				}
				mins[level] = v
			}
			if mins["oberzentrum"] < mins["mittelzentrum"] {
				t.Errorf("municipality %s by %s: %v min to the Oberzentrum, %v min to the nearest Mittelzentrum or higher", ags, mode, mins["oberzentrum"], mins["mittelzentrum"])
			}
		}
		// By public transport (the demo region has a timetable): a time where some
		// residents have one, with their share.
		for _, level := range []string{"mittelzentrum", "oberzentrum"} {
			v, hasV := p["transit_minutes_to_"+level].(float64)
			share, hasShare := p["transit_share_to_"+level+"_pct"].(float64)
			switch {
			case hasV != hasShare:
				t.Errorf("municipality %s: transit minutes to the %s %v, share %v", ags, level, p["transit_minutes_to_"+level], p["transit_share_to_"+level+"_pct"])
			case isCentre[level][ags]:
				if v != 0 || share != 100 {
					t.Errorf("municipality %s, a centre: transit minutes to the %s %v, share %v", ags, level, v, share)
				}
			case hasV:
				transitValues++
				if !(v > 0) || !(share > 0 && share <= 100) {
					t.Errorf("municipality %s: transit minutes to the %s %v, share %v", ags, level, v, share)
				}
			}
		}
	}
	if transitValues == 0 {
		t.Error("no municipality has a time by public transport to a central place")
	}
}
