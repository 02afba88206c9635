package transit

import (
	"context"
	"fmt"
	"iter"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"reach/data/gtfs"
	"reach/data/tables"
	"reach/data/zensus"
	"reach/internal/analysis"
	"reach/internal/analysis/gaps"
	"reach/internal/realdata"
	"reach/layers"
)

func collectAll[T any](tb testing.TB, seq iter.Seq2[T, error], lenient bool) []T {
	tb.Helper()
	var out []T
	for v, err := range seq {
		if err != nil {
			if lenient {
				continue
			}
			tb.Fatal(err)
		}
		out = append(out, v)
	}
	return out
}

// TestSaxonyTimetableCoverage loads all of Saxony's 1 km grid with the Dresden-region feed: the
// timetable serves well under 95 % of the residents and the coverage says so; most of Leipzig's
// residents are no_stop (the feed has only the trains from Dresden there), not unreachable and
// not outside the standard, while Dresden's are almost all reached by public transport.
func TestSaxonyTimetableCoverage(t *testing.T) {
	if testing.Short() {
		t.Skip("Saxony-scale: not in -short")
	}
	dir := realdata.Dir(t)
	ctx := context.Background()
	feed, err := gtfs.ReadFile(ctx, filepath.Join(dir, "transit", "dresden_region_2023-01-11_gtfs.zip"))
	if err != nil {
		t.Fatal(err)
	}
	r := &fakeReader{}
	r.munis = collectAll(t, tables.ReadMunicipalities(ctx, filepath.Join(dir, "boundaries", "gemeinden_sachsen_vg5000_2021.geojson"), tables.MunicipalityOptions{}), false)
	r.cells = collectAll(t, zensus.ReadCells(ctx, filepath.Join(dir, "grid", "zensus2011_1km_sachsen_epsg3035.csv"), zensus.Options{}), false)
	r.facs = collectAll(t, tables.ReadFacilities(ctx, filepath.Join(dir, "facilities", "krankenhaeuser_sachsen_2020.csv"), tables.FacilityOptions{}), true)
	e, err := analysis.Build(ctx, r, analysis.Options{Transit: feed, Modes: []layers.Mode{}, NewTransitPlanner: New})
	if err != nil {
		t.Fatal(err)
	}

	start := time.Now()
	cov := transitCoverage(t, e)
	t.Logf("timetable coverage: %d of %d residents (%.1f %%) served by %s; took %s; warning: %s",
		cov.OnNetwork, cov.Population, 100*cov.Share, cov.Criterion, time.Since(start).Round(time.Millisecond), cov.Warning)
	if cov.Population != 4_049_003 {
		t.Errorf("population %d, want the 4,049,003 residents of the 1 km grid", cov.Population)
	}
	if cov.Share < 0.2 || cov.Share > 0.6 {
		t.Errorf("the Dresden-region feed serves %.1f %% of Saxony's residents, want 20–60 %%", 100*cov.Share)
	}
	if want := fmt.Sprintf("serves %.1f %% of the residents", 100*cov.Share); !strings.Contains(cov.Warning, want) {
		t.Errorf("warning %q lacks %q", cov.Warning, want)
	}

	start = time.Now()
	rep, err := gaps.Of(ctx, e, gaps.Query{Category: layers.CatHospital, Mode: analysis.Transit, MaxMinutes: 45})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("hospitals by transit within 45 min, over all of Saxony (%s): outside %d, no_stop %d of %d residents; method shares %v",
		time.Since(start).Round(time.Millisecond), rep.Outside, rep.NoStop, rep.Population, rep.MethodShares)
	// no_stop are the residents the timetable does not serve, less those who walk to a hospital.
	if ns := rep.MethodShares[analysis.MethodNoStop]; ns > 1-cov.Share+1e-9 || ns < (1-cov.Share)/2 {
		t.Errorf("no_stop share %.4f, want at most the unserved share %.4f", ns, 1-cov.Share)
	}
	if u := rep.MethodShares[analysis.MethodUnreachable]; u > 0.05 {
		t.Errorf("unreachable share %.4f: cells the feed does not serve are counted as unreachable", u)
	}
	rows := map[string]gaps.AreaGap{}
	for _, m := range rep.Municipalities {
		rows[m.Key] = m
	}
	leipzig, dresden := rows["14713000"], rows["14612000"]
	t.Logf("Leipzig: %d residents, %d outside, %d no_stop; Dresden: %d residents, %d outside, %d no_stop, median %v s",
		leipzig.Population, leipzig.Outside, leipzig.NoStop, dresden.Population, dresden.Outside, dresden.NoStop, deref(dresden.MedianSeconds))
	// The feed reaches Leipzig only with the trains from Dresden: the cells around their stops
	// are served (and mostly outside, as their journey goes to Dresden), those within a walk of a
	// hospital reach it on foot, the rest (most) are no_stop.
	if leipzig.Population < 400_000 || leipzig.ShareNoStop < 0.5 || leipzig.Share > 0.05 {
		t.Errorf("Leipzig: %+v; want most residents no_stop, few outside", leipzig)
	}
	if dresden.Population < 400_000 || dresden.ShareNoStop > 0.1 || dresden.MedianSeconds == nil || *dresden.MedianSeconds > 45*60 {
		t.Errorf("Dresden: %+v; want its residents served, the median within 45 min", dresden)
	}
	var tts []analysis.TravelTime
	if tts, err = e.TravelTimes(ctx, layers.CatHospital, analysis.Transit); err != nil {
		t.Fatal(err)
	}
	p, err := Of(e)
	if err != nil {
		t.Fatal(err)
	}
	q, err := e.DefaultTransitQuery()
	if err != nil {
		t.Fatal(err)
	}
	served, _, err := p.ServedCells(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	pop := map[string]map[string]int64{}
	for i, tt := range tts {
		if want := !served[i] && !tt.Reached; (tt.Method == analysis.MethodNoStop) != want {
			t.Fatalf("cell %s: served %v, reached %v, method %q", tt.CellID, served[i], tt.Reached, tt.Method)
		}

		if pop[tt.AGS] == nil {
			pop[tt.AGS] = map[string]int64{}
		}
		pop[tt.AGS][tt.Method] += tt.Population
	}
	t.Logf("residents by method: Leipzig %v, Dresden %v", pop["14713000"], pop["14612000"])
	if l := pop["14713000"]; l[analysis.MethodNoStop] < l[analysis.MethodTransit]+l[analysis.MethodUnreachable] {
		t.Errorf("Leipzig's residents by method %v: want mostly no_stop", l)
	}
	if d := pop["14612000"]; d[analysis.MethodTransit] < 9*(d[analysis.MethodNoStop]+d[analysis.MethodUnreachable]) {
		t.Errorf("Dresden's residents by method %v: want mostly transit", d)
	}
}
