package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"reach/data/demo"
	"reach/internal/pgtest"
	"reach/layers"
	"reach/layers/memory"
	"reach/layers/postgis"
)

// TestAnalyzeTransitOnly: `reach analyze --mode transit` computes only the results by public
// transport (travel times over the window and round trips), stores no road results, and says
// so when no timetable is loaded.
func TestAnalyzeTransitOnly(t *testing.T) {
	ctx := context.Background()
	st := memory.New(memory.WithSynthetic(true))
	if err := demo.Load(ctx, st, demo.DefaultSeed); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	cats := []layers.Category{layers.CatGeneralPractice}
	if err := analyze(ctx, st, cats, []layers.Mode{layers.Transit}, 4_000_000, false, engineFlags{}, &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"public transport (", "general_practice", "round trips by public transport"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "stored:") || strings.Contains(out.String(), "ranking") {
		t.Errorf("the transit-only summary reports road results:\n%s", out.String())
	}
	if _, tts, err := st.TravelTimes(ctx, layers.CatGeneralPractice, layers.Car); err == nil && len(tts) > 0 {
		t.Errorf("%d car travel times stored by a transit-only analysis", len(tts))
	}

	// A store that keeps no timetable: a clear error instead of an empty summary.
	type noTimetable struct{ analyzeTarget }
	err := analyze(ctx, noTimetable{st}, cats, []layers.Mode{layers.Transit}, 4_000_000, false, engineFlags{}, &out)
	if err == nil || !strings.Contains(err.Error(), "no timetable loaded") {
		t.Errorf("transit-only analysis without a timetable: err = %v", err)
	}
}

// TestAnalyzeTransitStoresMethods: `reach analyze --mode transit` on PostGIS with the demo
// region stores every cell's method in transit_travel_times, no_stop apart from unreachable,
// and prints the timetable coverage with its warning.
func TestAnalyzeTransitStoresMethods(t *testing.T) {
	ctx := context.Background()
	url := pgtest.New(t)
	st, err := postgis.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := demo.Load(ctx, st, demo.DefaultSeed); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := analyze(ctx, st, []layers.Category{layers.CatGeneralPractice}, []layers.Mode{layers.Transit}, 4_000_000, false, engineFlags{}, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "timetable coverage transit: ") || !strings.Contains(out.String(), "WARNING: the timetable serves") {
		t.Errorf("summary lacks the timetable coverage and its warning:\n%s", out.String())
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT method, count(*), count(median_s) FROM transit_travel_times WHERE category = 'general_practice' GROUP BY method`)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][2]int64{}
	for rows.Next() {
		var m string
		var n, timed int64
		if err := rows.Scan(&m, &n, &timed); err != nil {
			t.Fatal(err)
		}
		got[m] = [2]int64{n, timed}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	t.Logf("stored transit travel times by method (rows, with a median): %v", got)
	if got["transit"][0] == 0 || got["transit"][1] != got["transit"][0] || got["no_stop"][0] == 0 || got["no_stop"][1] != 0 || got["unreachable"][1] != 0 {
		t.Errorf("stored methods %v: want transit rows with a median, no_stop rows without", got)
	}
}
