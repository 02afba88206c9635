package realdata

// The readers below turn a few real Saxon files into layer values for tests
// of the policy packages, with the simplest parsing that works on these
// files; the production readers live in data/*.

import (
	"encoding/csv"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"reach/layers"
)

// ReadCSV reads a comma-separated file with a header into one map per row
// (column name → value), failing tb on any error.
func ReadCSV(tb testing.TB, path string) []map[string]string {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	head, err := r.Read()
	if err != nil {
		tb.Fatalf("%s: header: %v", path, err)
	}
	var out []map[string]string
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			tb.Fatalf("%s: %v", path, err)
		}
		m := make(map[string]string, len(head))
		for i, h := range head {
			m[strings.TrimPrefix(h, "\ufeff")] = rec[i]
		}
		out = append(out, m)
	}
	return out
}

func atof(tb testing.TB, s, what string) float64 {
	tb.Helper()
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil {
		tb.Fatalf("%s: %q: %v", what, s, err)
	}
	return v
}

// Cells1km reads the Zensus 2011 1 km grid of Saxony. Einwohner −1 means
// unpopulated or no value; shares −1/−9 mean no value or suppressed.
func Cells1km(tb testing.TB, dir string) []layers.Cell {
	tb.Helper()
	rows := ReadCSV(tb, filepath.Join(dir, "grid", "zensus2011_1km_sachsen_epsg3035.csv"))
	cells := make([]layers.Cell, 0, len(rows))
	for _, r := range rows {
		c := layers.Cell{ID: r["Gitter_ID_1km"], ResolutionM: 1000, Known: true, AGS: r["AGS_approx"], Year: 2011}
		p := atof(tb, r["Einwohner"], "Einwohner")
		if p > 0 {
			c.Population = int64(p)
		}
		if s := atof(tb, r["ab65_A"], "ab65_A"); s >= 0 {
			c.Share65Plus = &s
		}
		if s := atof(tb, r["unter18_A"], "unter18_A"); s >= 0 {
			c.ShareUnder18 = &s
		}
		cells = append(cells, c)
	}
	return cells
}

// Municipalities reads the 419 VG5000 municipalities (properties only)
// and joins the INKAR indicators and the GV 2019 Kreis names.
func Municipalities(tb testing.TB, dir string) []layers.Municipality {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "boundaries", "gemeinden_sachsen_vg5000_2021.geojson"))
	if err != nil {
		tb.Fatal(err)
	}
	var fc struct {
		Features []struct {
			Properties struct {
				AGS, GEN, DEGURBA string
				EWZ2019           int64   `json:"EWZ_2019"`
				KFL               float64 `json:"KFL_KM2"`
				EWZ2022           float64 `json:"EWZ_ZENSUS2022"`
			} `json:"properties"`
		} `json:"features"`
	}
	if err := json.Unmarshal(b, &fc); err != nil {
		tb.Fatal(err)
	}
	inkar := map[string]map[string]string{}
	for _, r := range ReadCSV(tb, filepath.Join(dir, "indicators", "inkar_gemeinden_sachsen.csv")) {
		inkar[r["ags"]] = r
	}
	gv := map[string]map[string]string{}
	for _, r := range ReadCSV(tb, filepath.Join(dir, "population", "gemeinden_sachsen_gv_bevoelkerung_2019.csv")) {
		gv[r["ags"]] = r
	}
	var out []layers.Municipality
	for _, f := range fc.Features {
		p := f.Properties
		d, err := strconv.Atoi(p.DEGURBA)
		if err != nil {
			tb.Fatalf("AGS %s: DEGURBA %q: %v", p.AGS, p.DEGURBA, err)
		}
		m := layers.Municipality{AGS: p.AGS, Name: p.GEN, Population: p.EWZ2019, AreaKm2: p.KFL, DEGURBA: d,
			Indicators: map[string]float64{layers.IndPopulationZensus2022: p.EWZ2022}}
		if g := gv[p.AGS]; g != nil {
			m.KreisAGS, m.KreisName = g["kreis_ags"], g["kreis_name"]
		}
		if r := inkar[p.AGS]; r != nil {
			if s := r["kaufkraft_eur_je_ew_2015"]; s != "" {
				m.Indicators[layers.IndPurchasingPower] = atof(tb, s, "kaufkraft")
			}
			if s := r["arbeitslose_anzahl_2015"]; s != "" {
				m.Indicators[layers.IndUnemployed] = atof(tb, s, "arbeitslose")
			}
		}
		out = append(out, m)
	}
	return out
}

// CentralPlaces reads the statewide central-places table.
func CentralPlaces(tb testing.TB, dir string) []layers.CentralPlace {
	tb.Helper()
	var out []layers.CentralPlace
	for _, r := range ReadCSV(tb, filepath.Join(dir, "zentrale_orte", "zentrale_orte_sachsen.csv")) {
		lvl, ok := layers.ParseLevel(r["level"])
		if !ok {
			tb.Fatalf("central place %s: level %q", r["ags"], r["level"])
		}
		out = append(out, layers.CentralPlace{
			ID: r["ags"], Name: r["name"], Level: lvl, LEPType: r["lep2013_type"], Verbund: r["verbund"],
			Members: []string{r["ags"]}, AGS: r["ags"], KreisAGS: r["kreis_ags"], PlanningRegion: r["planungsregion"], Source: r["source"],
		})
	}
	return out
}
