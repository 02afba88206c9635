package main

// GET /projects/{id}/assessment at Saxon scale: the generated layers of
// analysistest.SaxonyLayers (1.2 million road nodes, about 400,000
// populated cells), 100 proposals in a memory store, the HTTP handler as
// `reach serve` wires it (need section included), with the assessor that
// searches road upgrades from the changed edges and, side by side in the
// same run, the one that builds the network anew for every road project
// (assess.NewRebuilding, the earlier path). bench/ANALYSIS.md records the
// figures; run it alone (it takes minutes and about 8 GB):
//
//	flock /tmp/reach-heavy.lock go test ./cmd/reach -run '^$' -bench SaxonyAssessmentGET -benchtime 1x -timeout 60m -v
//
// REACH_BENCH_REBUILD=0 leaves out the rebuilding assessor (minutes of
// the run); REACH_COLD_CPUPROFILE=FILE profiles the changed-proposal GETs.

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime/pprof"
	"slices"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"reach/internal/analysis"
	"reach/internal/analysis/analysistest"
	"reach/internal/analysis/assess"
	"reach/internal/analysis/need"
	"reach/internal/httpapi"
	"reach/layers"
	"reach/layers/memory"
)

func BenchmarkSaxonyAssessmentGET(b *testing.B) {
	if testing.Short() {
		b.Skip("generates Saxony-scale layers; skipped with -short")
	}
	ctx := context.Background()
	_, l, err := analysistest.SaxonyLayers()
	if err != nil {
		b.Fatal(err)
	}
	t0 := time.Now()
	eng, err := analysis.Build(ctx, &analysistest.Reader{L: l}, analysis.Options{Modes: []layers.Mode{layers.Car}, Hierarchy: analysis.HierarchyWait,
		NeedSection: need.Section, Info: layers.StoreInfo{Kind: "memory", Title: "Saxony-scale benchmark (synthetic)", Synthetic: true}})
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("engine: %d cells, built in %v", eng.NumCells(), time.Since(t0).Round(time.Millisecond))

	// 100 proposals: 96 new facilities at populated cells (practices,
	// pharmacies, Gymnasien), 4 upgrades of a chain of existing roads to
	// 100 km/h.
	rng := rand.New(rand.NewPCG(9, 100))
	st := memory.New()
	cats := []layers.Category{layers.CatGeneralPractice, layers.CatPharmacy, layers.CatGymnasium}
	var facilityID, roadID string
	for i := range 96 {
		c := eng.Cell(rng.IntN(eng.NumCells()))
		p := layers.Project{ID: fmt.Sprintf("f%03d", i), Title: "Neue Einrichtung", Kind: layers.KindNewFacility, Category: cats[i%len(cats)],
			Geometry: c.UTM, Municipalities: []string{c.AGS}, InvestmentCost: 1e6, RequestedFunding: 5e5}
		if err := st.PutProject(ctx, p); err != nil {
			b.Fatal(err)
		}
		if facilityID == "" {
			facilityID = p.ID
		}
	}
	byFrom := map[int64][]int{}
	for i, s := range l.Roads {
		byFrom[s.FromNode] = append(byFrom[s.FromNode], i)
	}
	roadProject := func(id string, speed float64) layers.Project {
		r := rand.New(rand.NewPCG(uint64(len(id)), uint64(id[len(id)-1])))
		for {
			s := l.Roads[r.IntN(len(l.Roads))]
			if !s.Car.Forward || !s.Car.Backward || s.Car.SpeedKmh >= speed {
				continue
			}
			line := append(orb.LineString(nil), s.Geometry...)
			for k, at := 0, s.ToNode; k < 6; k++ {
				next := byFrom[at]
				if len(next) == 0 {
					break
				}
				n := l.Roads[next[0]]
				line = append(line, n.Geometry[1:]...)
				at = n.ToNode
			}
			ags := eng.MunicipalityAt(line[0])
			return layers.Project{ID: id, Title: "Ausbau", Kind: layers.KindRoadUpgrade, Category: layers.CatGeneralPractice, Geometry: line,
				SpeedKmh: speed, Municipalities: []string{ags}, InvestmentCost: 2e6, RequestedFunding: 1e6}
		}
	}
	for i := range 4 {
		p := roadProject(fmt.Sprintf("r%03d", i), 100)
		if err := st.PutProject(ctx, p); err != nil {
			b.Fatal(err)
		}
		if roadID == "" {
			roadID = p.ID
		}
	}

	serve := func(a *assess.Assessor) http.Handler {
		return httpapi.NewHandler(httpapi.Deps{Features: st, Store: st, Analyzer: withAssess{Engine: eng, a: a}, RequestTimeout: 10 * time.Minute})
	}
	get := func(h http.Handler, id string) time.Duration {
		r := httptest.NewRequest("GET", "/projects/"+id+"/assessment", nil)
		w := httptest.NewRecorder()
		start := time.Now()
		h.ServeHTTP(w, r)
		d := time.Since(start)
		if w.Code != 200 {
			b.Fatalf("GET %s: %d %s", id, w.Code, w.Body.String())
		}
		return d
	}
	report := func(what string, ds []time.Duration) {
		slices.Sort(ds)
		q := func(p float64) time.Duration { return ds[min(len(ds)-1, int(math.Ceil(p*float64(len(ds))))-1)] }
		b.Logf("%-62s n=%3d  p50 %9v  p95 %9v  max %9v", what, len(ds), q(0.5).Round(10*time.Microsecond), q(0.95).Round(10*time.Microsecond), ds[len(ds)-1].Round(10*time.Microsecond))
	}

	fast := serve(assess.For(eng))
	b.Logf("first GET (every effect of the 100 proposals computed, fields cold): %v", get(fast, facilityID).Round(time.Millisecond))
	for _, c := range []struct {
		what string
		id   string
		n    int
	}{{"new facility, effects cached", facilityID, 200}, {"road upgrade, effects cached", roadID, 200}} {
		var ds []time.Duration
		for range c.n {
			ds = append(ds, get(fast, c.id))
		}
		report(c.what, ds)
	}
	// Cold: the proposal changes before every GET, so its effect is
	// computed again (the other 99 stay cached).
	cold := func(h http.Handler, n int, change func(i int) layers.Project) []time.Duration {
		var ds []time.Duration
		for i := range n {
			p := change(i)
			if err := st.PutProject(ctx, p); err != nil {
				b.Fatal(err)
			}
			ds = append(ds, get(h, p.ID))
		}
		return ds
	}
	moved := func(i int) layers.Project {
		c := eng.Cell(rng.IntN(eng.NumCells()))
		return layers.Project{ID: facilityID, Title: "Neue Einrichtung", Kind: layers.KindNewFacility, Category: layers.CatGeneralPractice,
			Geometry: c.UTM, Municipalities: []string{c.AGS}, InvestmentCost: 1e6, RequestedFunding: 5e5}
	}
	faster := func(i int) layers.Project { return roadProject(roadID, 101+float64(i)) }
	stop := profileCold(b)
	report("new facility, changed before each GET (effect computed)", cold(fast, 40, moved))
	report("road upgrade, changed before each GET: searched from the edges", cold(fast, 20, faster))
	stop()
	if a, err := assess.For(eng).Assess(ctx, faster(19), nil); err != nil || !a.Effect.Known {
		b.Fatalf("road upgrade: %v, effect %+v", err, a.Effect)
	} else {
		b.Logf("road upgrade: %s; %d beneficiaries", a.Effect.Method, *a.Effect.Beneficiaries)
	}
	if os.Getenv("REACH_BENCH_REBUILD") == "0" {
		b.Log("REACH_BENCH_REBUILD=0: the rebuilding assessor is not timed")
		return
	}
	base := serve(assess.NewRebuilding(eng))
	get(base, facilityID) // the rebuilding assessor's own cache of the 99 others
	report("road upgrade, changed before each GET: network built anew", cold(base, 3, func(i int) layers.Project { return roadProject(roadID, 150+float64(i)) }))
	report("new facility, changed before each GET (rebuilding assessor)", cold(base, 40, moved))
}

// profileCold starts a processor profile of the changed-proposal GETs when
// REACH_COLD_CPUPROFILE names a file (go test's -cpuprofile covers the
// engine build and the first GET as well); the returned func stops it.
func profileCold(b *testing.B) func() {
	path := os.Getenv("REACH_COLD_CPUPROFILE")
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		b.Fatal(err)
	}
	return func() {
		pprof.StopCPUProfile()
		if err := f.Close(); err != nil {
			b.Fatal(err)
		}
	}
}
