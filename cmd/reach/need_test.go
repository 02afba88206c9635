package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"reach/internal/pgtest"
)

// ssoeProjection writes the real forecast of the 36 municipalities of
// Landkreis Sächsische Schweiz-Osterzgebirge (population 2020 and 2030 in
// ssoe_gemeinden_typisierung_geoapp.csv) in the official flattened layout
// of population by age: one open group "0 Jahre und mehr" per municipality
// (the file gives no ages), 2020 counted, 2030 as variant "geoapp".
func ssoeProjection(t *testing.T, d string) (path string, rows int) {
	t.Helper()
	f, err := os.Open(filepath.Join(d, "indicators/ssoe_gemeinden_typisierung_geoapp.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	var b strings.Builder
	b.WriteString("Jahr;Variante;Schluessel;Gebiet;Altersgruppe;Anzahl\n")
	for _, r := range recs[1:] {
		fmt.Fprintf(&b, "2020;;%s;%s;0 Jahre und mehr;%s\n", r[col["ags"]], r[col["geog_name"]], r[col["EZ_20"]])
		fmt.Fprintf(&b, "2030;geoapp;%s;%s;0 Jahre und mehr;%s\n", r[col["ags"]], r[col["geog_name"]], r[col["EZ_30"]])
		rows += 2
	}
	path = filepath.Join(t.TempDir(), "projektion_ssoe.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path, rows
}

// TestProjectionLayerRealData imports the real Saxon layers and a real
// municipal forecast as the population-by-age layer into PostGIS, and
// computes the supply ratios of the real hospitals and schools today and
// in the projection year: every capacity the files do not give is counted
// as an assumption, and the demand of the forecast year is the forecast's.
func TestProjectionLayerRealData(t *testing.T) {
	d := testdata(t)
	url := pgtest.New(t)
	env := func(k string) string {
		if k == "DATABASE_URL" {
			return url
		}
		return ""
	}
	ctx := context.Background()
	var errOut syncBuffer
	runOut := func(args ...string) []byte {
		t.Helper()
		var out syncBuffer
		if err := run(ctx, args, env, &out, &errOut); err != nil {
			t.Fatalf("reach %s: %v\nstderr: %s", strings.Join(args, " "), err, errOut.String())
		}
		return []byte(out.String())
	}
	runOut("migrate")
	proj, rows := ssoeProjection(t, d)
	for _, s := range [][]string{
		{"municipalities", filepath.Join(d, "boundaries/gemeinden_sachsen_vg5000_2021.geojson")},
		{"grid", filepath.Join(d, "grid/zensus2011_1km_sachsen_epsg3035.csv")},
		{"facilities", filepath.Join(d, "facilities/krankenhaeuser_sachsen_2020.csv")},
		{"facilities", filepath.Join(d, "facilities/schulen_sachsen.geojson")},
		{"facilities", filepath.Join(d, "osm/hoyerswerda.osm.pbf")},
		{"projection", proj},
	} {
		runOut(append([]string{"import"}, s...)...)
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int
	var persons2030 float64
	if err := conn.QueryRow(ctx, `SELECT count(*), sum(persons) FILTER (WHERE year = 2030 AND variant = 'geoapp') FROM population_by_age WHERE age_from = 0 AND age_to IS NULL`).Scan(&n, &persons2030); err != nil {
		t.Fatal(err)
	}
	if n != rows || persons2030 < 200_000 {
		t.Fatalf("population_by_age: %d open-group rows (want %d), %v persons in 2030", n, rows, persons2030)
	}

	type result struct {
		Scenario string  `json:"scenario"`
		Demand   float64 `json:"demand"`
		Supply   struct {
			Facilities     int    `json:"facilities"`
			Assumed        int    `json:"assumed"`
			FromData       int    `json:"from_data"`
			CapacitySource string `json:"capacity_source"`
		} `json:"supply"`
		Municipalities []struct {
			AGS    string  `json:"ags"`
			Demand float64 `json:"demand"`
		} `json:"municipalities"`
		Warnings []string `json:"warnings"`
	}
	need := func(cat string, extra ...string) result {
		t.Helper()
		var r result
		if err := json.Unmarshal(runOut(append([]string{"export", "need", "--category", cat}, extra...)...), &r); err != nil {
			t.Fatal(err)
		}
		return r
	}
	// General practices and fire stations come from OSM tags
	// (amenity=doctors in the Hoyerswerda extract, amenity=fire_station
	// north of Bayreuth).
	gp := need("general_practice")
	if gp.Supply.Facilities == 0 || gp.Supply.Assumed != gp.Supply.Facilities {
		t.Errorf("general practices from OSM: %+v (OSM gives no doctors' count: every one an assumption)", gp.Supply)
	}
	var fire struct {
		LimitMinutes float64 `json:"limit_minutes"`
		Today        struct {
			Stations []struct {
				ID            string `json:"id"`
				TurnoutSource string `json:"turnout_source"`
				Residents     int64  `json:"residents"`
			} `json:"stations"`
			Residents int64 `json:"residents"`
		} `json:"today"`
	}
	// The only extract with fire stations lies north of Bayreuth, outside
	// Saxony; it replaces the facilities from OSM.
	runOut("import", "facilities", filepath.Join(d, "osm/north-bayreuth.osm.pbf"), "--any-region")
	if err := json.Unmarshal(runOut("export", "fire"), &fire); err != nil {
		t.Fatal(err)
	}
	osmStations := 0
	for _, st := range fire.Today.Stations {
		if strings.HasPrefix(st.ID, "osm:") {
			osmStations++
		}
	}
	if osmStations < 5 || fire.LimitMinutes != 9 || fire.Today.Residents == 0 {
		t.Errorf("fire stations from OSM: %d of %d, limit %v min, %d residents", osmStations, len(fire.Today.Stations), fire.LimitMinutes, fire.Today.Residents)
	}
	for _, cat := range []string{"hospital", "primary_school"} {
		today := need(cat)
		later := need(cat, "--year", "2030", "--variant", "geoapp")
		if today.Supply.Facilities == 0 {
			t.Fatalf("%s: no facilities", cat)
		}
		// Every facility without a capacity in its file is an assumption,
		// named with its source in a warning.
		if today.Supply.Assumed+today.Supply.FromData != today.Supply.Facilities || (today.Supply.Assumed > 0 && !strings.Contains(strings.Join(today.Warnings, " "), today.Supply.CapacitySource)) {
			t.Errorf("%s: supply %+v, warnings %q", cat, today.Supply, today.Warnings)
		}
		if later.Scenario != "2030 geoapp" {
			t.Errorf("%s: scenario %q", cat, later.Scenario)
		}
		// In the forecast the SSOE municipalities shrink: their demand
		// follows the forecast's change; elsewhere it stays.
		byAGS := map[string]float64{}
		for _, m := range today.Municipalities {
			byAGS[m.AGS] = m.Demand
		}
		changed, same := 0, 0
		for _, m := range later.Municipalities {
			switch {
			case strings.HasPrefix(m.AGS, "14628") && m.Demand < byAGS[m.AGS]-0.5:
				changed++
			case !strings.HasPrefix(m.AGS, "14628") && abs(m.Demand-byAGS[m.AGS]) <= 0.05:
				same++
			}
		}
		if changed < 25 || same < 300 {
			t.Errorf("%s: %d SSOE municipalities with less demand in 2030, %d others unchanged", cat, changed, same)
		}
	}
}

func abs(v float64) float64 {
	if v < 0 {
		return -v
	}
	return v
}
