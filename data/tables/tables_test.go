package tables

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"reach/data/osm"
	"reach/data/vector"
	"reach/geo/crs"
	"reach/internal/realdata"
	"reach/layers"
)

func all[T any](tb testing.TB, seq func(func(T, error) bool)) []T {
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

func firstErr[T any](seq func(func(T, error) bool)) error {
	for _, err := range seq {
		if err != nil {
			return err
		}
	}
	return nil
}

// readCSV reads a CSV file with encoding/csv only, as an independent
// reference for the tests.
func readCSV(tb testing.TB, path string) (map[string]int, [][]string) {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		tb.Fatal(err)
	}
	idx := map[string]int{}
	for i, n := range recs[0] {
		idx[n] = i
	}
	return idx, recs[1:]
}

func sumColumn(tb testing.TB, path, col string) (int64, int) {
	tb.Helper()
	idx, recs := readCSV(tb, path)
	var s int64
	for _, r := range recs {
		n, err := strconv.ParseInt(r[idx[col]], 10, 64)
		if err != nil {
			tb.Fatal(err)
		}
		s += n
	}
	return s, len(recs)
}

func TestReadMunicipalitiesVG5000(t *testing.T) {
	path := realdata.Path(t, "boundaries/gemeinden_sachsen_vg5000_2021.geojson")
	ms := all(t, ReadMunicipalities(context.Background(), path, MunicipalityOptions{}))
	if len(ms) != 419 {
		t.Fatalf("got %d municipalities, want 419", len(ms))
	}
	// Independent sum from the GV table.
	gvSum, _ := sumColumn(t, realdata.Path(t, "population/gemeinden_sachsen_gv_bevoelkerung_2019.csv"), "bevoelkerung")
	var sum int64
	regions := map[string]int{}
	degurba := map[int]int{}
	for _, m := range ms {
		sum += m.Population
		regions[m.PlanningRegion]++
		degurba[m.DEGURBA]++
		if m.KreisAGS != m.AGS[:5] || m.KreisName == "" || m.Geometry == nil || m.AreaKm2 <= 0 {
			t.Fatalf("municipality %+v incomplete", m.AGS)
		}
		if !m.PopulationDate.Equal(time.Date(2019, 12, 31, 0, 0, 0, 0, time.UTC)) {
			t.Fatalf("%s: population date %v, want 2019-12-31", m.AGS, m.PopulationDate)
		}
		b := m.Geometry.Bound()
		if b.Min[0] < 270000 || b.Max[0] > 520000 || b.Min[1] < 5560000 || b.Max[1] > 5740000 {
			t.Fatalf("%s: bound %v is not Saxony in EPSG:25833", m.AGS, b)
		}
		if _, ok := m.Indicators[layers.IndPopulationZensus2022]; !ok {
			t.Fatalf("%s: no Zensus 2022 indicator", m.AGS)
		}
	}
	if sum != 4071971 || sum != gvSum {
		t.Errorf("population sum %d, want 4,071,971 (GV table: %d)", sum, gvSum)
	}
	if len(regions) != 4 || regions[""] != 0 {
		t.Errorf("planning regions %v, want the four", regions)
	}
	if degurba[0] != 0 || degurba[1]+degurba[2]+degurba[3] != 419 {
		t.Errorf("DEGURBA classes %v", degurba)
	}
	for _, m := range ms {
		if m.AGS == "14612000" && (m.Name != "Dresden" || m.PlanningRegion != RegionOberesElbtal || m.DEGURBA != 1) {
			t.Errorf("Dresden: %q %q %d", m.Name, m.PlanningRegion, m.DEGURBA)
		}
	}
}

func TestReadMunicipalitiesSSOEAndGeoSN(t *testing.T) {
	ssoe := all(t, ReadMunicipalities(context.Background(), realdata.Path(t, "boundaries/gemeinden_ssoe_geoapp_epsg25833.geojson"), MunicipalityOptions{}))
	if len(ssoe) != 36 {
		t.Fatalf("SSOE: %d municipalities, want 36", len(ssoe))
	}
	for _, m := range ssoe {
		if m.KreisAGS != "14628" || m.PlanningRegion != RegionOberesElbtal || m.Population <= 0 || m.PopulationDate.Year() != 2020 {
			t.Fatalf("SSOE %s: %+v", m.AGS, m)
		}
		if m.Indicators[layers.IndForecastYear] != 2030 || m.Indicators[layers.IndPopulationForecast] <= 0 {
			t.Fatalf("SSOE %s: forecast indicators %v", m.AGS, m.Indicators)
		}
	}
	vg250 := all(t, ReadMunicipalities(context.Background(), realdata.Path(t, "boundaries/gemeinden_sachsen_vg250_simplify200_2016.geojson"), MunicipalityOptions{}))
	if len(vg250) != 426 {
		t.Errorf("VG250 2016: %d, want 426", len(vg250))
	}
	geosn := all(t, ReadMunicipalities(context.Background(), realdata.Path(t, "boundaries/gemeinden_geosn_dresden_umland_epsg25833.geojson"), MunicipalityOptions{}))
	if len(geosn) != 10 {
		t.Fatalf("GeoSN: %d, want 10", len(geosn))
	}
	for _, m := range geosn {
		if m.AreaKm2 <= 0 || m.Name == "" || m.Population != 0 {
			t.Errorf("GeoSN %s: area %v name %q population %d", m.AGS, m.AreaKm2, m.Name, m.Population)
		}
	}
}

// TestReadMunicipalitiesGeoPackage writes the VG5000 features into a
// GeoPackage (CRS84) and reads them back through the GeoPackage path.
func TestReadMunicipalitiesGeoPackage(t *testing.T) {
	src := realdata.Path(t, "boundaries/gemeinden_sachsen_vg5000_2021.geojson")
	var feats []vector.Feature
	for f, err := range vector.ReadGeoJSON(context.Background(), src, vector.Options{Target: crs.CRS84}) {
		if err != nil {
			t.Fatal(err)
		}
		feats = append(feats, f)
	}
	path := filepath.Join(t.TempDir(), "gem.gpkg")
	writeMunicipalityGPKG(t, path, feats)
	ms := all(t, ReadMunicipalities(context.Background(), path, MunicipalityOptions{}))
	var sum int64
	for _, m := range ms {
		sum += m.Population
	}
	if len(ms) != 419 || sum != 4071971 {
		t.Errorf("GeoPackage: %d municipalities, sum %d; want 419, 4,071,971", len(ms), sum)
	}
}

func TestReadMunicipalitiesErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	poly := `{"type":"Polygon","coordinates":[[[13.7,51.0],[13.8,51.0],[13.8,51.1],[13.7,51.0]]]}`
	cases := []struct {
		name, data string
		want       []string
	}{
		{"bad ags", `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"AGS":"1461200","GEN":"x"},"geometry":` + poly + `}]}`,
			[]string{`tables: m.geojson: feature 0: field "AGS": "1461200" is not an 8-digit AGS`}},
		{"bad population", `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"AGS":"14612000","GEN":"x","EWZ_2019":"viele"},"geometry":` + poly + `}]}`,
			[]string{`feature 0: field "EWZ_2019": "viele" is not a number`}},
		{"bad degurba", `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"AGS":"14612000","GEN":"x","DEGURBA":"04"},"geometry":` + poly + `}]}`,
			[]string{`field "DEGURBA": "04" is not a DEGURBA class`}},
		{"missing name", `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"AGS":"14612000"},"geometry":` + poly + `}]}`,
			[]string{"feature 0:", "no name property"}},
		{"point", `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"AGS":"14612000","GEN":"x"},"geometry":{"type":"Point","coordinates":[13.7,51.0]}}]}`,
			[]string{`field "geometry": "Point" is not a Polygon or MultiPolygon`}},
		{"duplicate", `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"AGS":"14612000","GEN":"x"},"geometry":null},{"type":"Feature","properties":{"AGS":"14612000","GEN":"y"},"geometry":null}]}`,
			[]string{`feature 1: field "AGS": "14612000" repeats the municipality of feature 0`}},
		// The record's own invariants (layers.Municipality.Validate), named by the file's properties.
		{"negative population", `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"AGS":"14612000","GEN":"x","EWZ_2019":-3,"KFL_KM2":-1},"geometry":` + poly + `}]}`,
			[]string{`tables: m.geojson: feature 0: municipality 14612000: field EWZ_2019: value -3: must be ≥ 0; field KFL_KM2: value -1: want a finite number ≥ 0`}},
		{"empty name", `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"AGS":"14612000","GEN":" "},"geometry":` + poly + `}]}`,
			[]string{`feature 0: municipality 14612000: field GEN: value "": must not be empty`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := firstErr(ReadMunicipalities(context.Background(), write("m.geojson", tc.data), MunicipalityOptions{}))
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if !errors.Is(err, layers.ErrInvalid) {
				t.Errorf("%v does not wrap ErrInvalid", err)
			}
		})
	}
}

func TestReadPopulation(t *testing.T) {
	gv := realdata.Path(t, "population/gemeinden_sachsen_gv_bevoelkerung_2019.csv")
	date := time.Date(2019, 12, 31, 0, 0, 0, 0, time.UTC)
	recs := all(t, ReadPopulation(context.Background(), gv, PopulationOptions{Date: date}))
	wantSum, wantN := sumColumn(t, gv, "bevoelkerung")
	var sum int64
	for _, r := range recs {
		sum += r.Population
		if !r.Date.Equal(date) || r.AreaKm2 <= 0 {
			t.Fatalf("%+v: want date 2019-12-31 and an area", r)
		}
	}
	if len(recs) != wantN || len(recs) != 419 || sum != wantSum || sum != 4071971 {
		t.Errorf("GV: %d records sum %d; want %d (419) sum %d (4,071,971)", len(recs), sum, wantN, wantSum)
	}
	if err := firstErr(ReadPopulation(context.Background(), gv, PopulationOptions{})); err == nil || !strings.Contains(err.Error(), `line 1: column "bevoelkerung" has no known reference date`) {
		t.Errorf("GV without date: got %v", err)
	}

	z := realdata.Path(t, "population/gemeinden_sachsen_zensus2022_bevoelkerung.csv")
	recs = all(t, ReadPopulation(context.Background(), z, PopulationOptions{}))
	wantSum, _ = sumColumn(t, z, "bevoelkerung_zensus2022")
	sum = 0
	for _, r := range recs {
		sum += r.Population
		if r.Date.Format("2006-01-02") != "2022-05-15" {
			t.Fatalf("Zensus 2022 date %v", r.Date)
		}
	}
	if len(recs) != 419 || sum != wantSum || sum != 4038131 {
		t.Errorf("Zensus 2022: %d records sum %d; want 419, %d (4,038,131)", len(recs), sum, wantSum)
	}
}

func TestReadIndicators(t *testing.T) {
	path := realdata.Path(t, "indicators/inkar_gemeinden_sachsen.csv")
	vals := all(t, ReadIndicators(context.Background(), path, IndicatorOptions{}))
	idx, recs := readCSV(t, path)
	if len(recs) != 419 {
		t.Fatalf("INKAR file has %d rows, want 419", len(recs))
	}
	byKey := map[string]map[string]float64{}
	for _, v := range vals {
		if byKey[v.Key] == nil {
			byKey[v.Key] = map[string]float64{}
		}
		byKey[v.Key][v.AGS] = v.Value
	}
	checks := []struct{ key, col string }{
		{layers.IndPurchasingPower, "kaufkraft_eur_je_ew_2015"},
		{layers.IndRetailPurchasing, "einzelhandelsrel_kaufkraft_eur_je_ew_2015"},
		{layers.IndSettlementShare, "siedlungs_verkehrsflaeche_pct_2022"},
		{layers.IndRecreationShare, "erholungsflaeche_pct_2022"},
		{layers.IndUnemployed, "arbeitslose_anzahl_2015"},
		{"siedlungs_verkehrsflaeche_pct_2016", "siedlungs_verkehrsflaeche_pct_2016"},
	}
	for _, c := range checks {
		if len(byKey[c.key]) != 419 {
			t.Errorf("key %s: %d municipalities, want 419", c.key, len(byKey[c.key]))
			continue
		}
		for _, r := range recs {
			want, err := strconv.ParseFloat(r[idx[c.col]], 64)
			if err != nil {
				t.Fatal(err)
			}
			if got := byKey[c.key][r[idx["ags"]]]; got != want {
				t.Fatalf("%s of %s: got %v, want %v (column %s)", c.key, r[idx["ags"]], got, want, c.col)
			}
		}
	}
	if _, ok := byKey["name"]; ok {
		t.Error("text column name became an indicator")
	}
	if _, ok := byKey["siedlungs_verkehrsflaeche_pct_2022"]; ok {
		t.Error("latest year kept under its column name as well as the key")
	}

	ssoe := all(t, ReadIndicators(context.Background(), realdata.Path(t, "indicators/ssoe_gemeinden_typisierung_geoapp.csv"), IndicatorOptions{}))
	got := map[string]int{}
	for _, v := range ssoe {
		got[v.Key]++
		if v.Key == layers.IndPopulationChangePct && v.AGS == "14628010" && v.Value != -7.042 {
			t.Errorf("Altenberg change %v, want -7.042", v.Value)
		}
	}
	for _, k := range []string{layers.IndPopulationForecast, layers.IndForecastYear, layers.IndPopulationChangePct, "EZ_20", "Dif_abs"} {
		if got[k] != 36 {
			t.Errorf("SSOE key %s: %d values, want 36", k, got[k])
		}
	}
	for _, k := range []string{"raumbezeic", "lage", "nuts", "geog_name"} {
		if got[k] != 0 {
			t.Errorf("text column %s became an indicator", k)
		}
	}
}

func TestIndicatorErrors(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "ind.csv")
	data := "ags,kaufkraft_eur_je_ew_2015,extra\n14511000,20611.10,1\n14521010,x,2\n"
	if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	err := firstErr(ReadIndicators(context.Background(), p, IndicatorOptions{}))
	if err == nil || !strings.Contains(err.Error(), `tables: ind.csv: line 3: field "kaufkraft_eur_je_ew_2015": "x" is not a number`) {
		t.Errorf("got %v", err)
	}
	if err := os.WriteFile(p, []byte("gemeinde,wert\n1,2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	err = firstErr(ReadIndicators(context.Background(), p, IndicatorOptions{}))
	if err == nil || !strings.Contains(err.Error(), `tables: ind.csv: line 1: missing column "ags"`) {
		t.Errorf("got %v", err)
	}
}

func TestReadMemberships(t *testing.T) {
	gv := realdata.Path(t, "population/gemeinden_sachsen_gv_bevoelkerung_2019.csv")
	ms := all(t, ReadMemberships(context.Background(), gv, MembershipOptions{}))
	idx, recs := readCSV(t, gv)
	count := map[string]int{}
	for _, r := range recs {
		count[r[idx["verband_ars"]]]++
	}
	want := 0
	for _, r := range recs {
		if count[r[idx["verband_ars"]]] > 1 {
			want++
		}
	}
	if len(ms) != want || want == 0 {
		t.Errorf("VG memberships: got %d, want %d", len(ms), want)
	}
	for _, m := range ms {
		if m.Kind != layers.KindVerwaltungsgemeinschaft || count[m.GroupID] < 2 || m.GroupName == "" {
			t.Fatalf("membership %+v", m)
		}
	}

	zo := realdata.Path(t, "zentrale_orte/zentrale_orte_sachsen.csv")
	vb := all(t, ReadMemberships(context.Background(), zo, MembershipOptions{}))
	groups := map[string][]string{}
	for _, m := range vb {
		groups[m.GroupName] = append(groups[m.GroupName], m.AGS)
	}
	wantSizes := map[string]int{"Städteverbund Göltzschtal": 4, "Städteverbund Sachsenring": 3, "Städteverbund Silberberg": 5, "Oberzentraler Städteverbund Bautzen-Görlitz-Hoyerswerda": 3}
	if len(groups) != len(wantSizes) {
		t.Errorf("Verbünde %v", groups)
	}
	for g, n := range wantSizes {
		if len(groups[g]) != n {
			t.Errorf("%s: %d members, want %d", g, len(groups[g]), n)
		}
	}
}

func TestReadCentralPlaces(t *testing.T) {
	locs, err := ReadLocations(context.Background(), realdata.Path(t, "population/gemeinden_sachsen_gv_bevoelkerung_2019.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if len(locs) != 419 {
		t.Fatalf("locations: %d, want 419", len(locs))
	}
	locate := NewTownLocator(locs, nil, nil).Locate
	path := realdata.Path(t, "zentrale_orte/zentrale_orte_sachsen.csv")
	cps := all(t, ReadCentralPlaces(context.Background(), path, CentralPlaceOptions{Locate: locate}))
	idx, recs := readCSV(t, path)
	if len(cps) != len(recs) || len(cps) != 67 {
		t.Fatalf("got %d central places, want 67 (%d rows)", len(cps), len(recs))
	}
	levels := map[layers.Level]int{}
	for i, cp := range cps {
		r := recs[i]
		levels[cp.Level]++
		if cp.AGS != r[idx["ags"]] || cp.Verbund != r[idx["verbund"]] || cp.PlanningRegion != r[idx["planungsregion"]] {
			t.Errorf("row %d: %+v vs %v", i+2, cp, r)
		}
		if cp.Location == (orb.Point{}) || cp.Location != locs[cp.AGS] || cp.LocationSource != layers.LocDestatisSeat {
			t.Errorf("%s: location %v (%s), want the Destatis seat %v", cp.Name, cp.Location, cp.LocationSource, locs[cp.AGS])
		}
		if cp.Verbund == "" && (len(cp.Members) != 1 || cp.Members[0] != cp.AGS) {
			t.Errorf("%s: members %v, want itself", cp.Name, cp.Members)
		}
		if cp.Verbund == "Städteverbund Göltzschtal" {
			if len(cp.Members) != 4 {
				t.Errorf("%s in Göltzschtal: %d members, want 4", cp.Name, len(cp.Members))
			}
		}
	}
	if levels[layers.LevelOberzentrum] != 8 || levels[layers.LevelMittelzentrum] != 47 || levels[layers.LevelGrundzentrum] != 12 {
		t.Errorf("levels %v, want 8 OZ, 47 MZ, 12 GZ", levels)
	}

	geo := all(t, ReadCentralPlaces(context.Background(), realdata.Path(t, "zentrale_orte/zentrale_orte_ssoe_geoapp_epsg25833.geojson"), CentralPlaceOptions{}))
	if len(geo) != 23 {
		t.Fatalf("SSOE points: %d, want 23", len(geo))
	}
	for _, cp := range geo {
		// Each point lies within 10 km of the municipality's representative point.
		if p, ok := locs[cp.AGS]; !ok || orbDist(p, cp.Location) > 10000 {
			t.Errorf("%s (%s): location %v, GV point %v", cp.Name, cp.AGS, cp.Location, p)
		}
	}
}

func orbDist(a, b orb.Point) float64 {
	dx, dy := a[0]-b[0], a[1]-b[1]
	return sqrt(dx*dx + dy*dy)
}

func sqrt(x float64) float64 {
	z := x
	if z == 0 {
		return 0
	}
	for i := 0; i < 60; i++ {
		z = (z + x/z) / 2
	}
	return z
}

func TestReadFacilitiesSchools(t *testing.T) {
	path := realdata.Path(t, "facilities/schulen_sachsen.geojson")
	// Independent count of the type_guess values.
	var raw struct {
		Features []struct {
			Properties map[string]any `json:"properties"`
		} `json:"features"`
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	types := map[string]int{}
	for _, f := range raw.Features {
		types[f.Properties["type_guess"].(string)]++
	}
	var skipped []string
	fs := all(t, ReadFacilities(context.Background(), path, FacilityOptions{OnSkip: func(p vector.Pos, reason string) { skipped = append(skipped, reason) }}))
	if len(raw.Features) != 1467 || len(fs)+len(skipped) != 1467 {
		t.Fatalf("%d facilities + %d skipped, want 1,467 buildings (file: %d)", len(fs), len(skipped), len(raw.Features))
	}
	cats := map[layers.Category]int{}
	for _, f := range fs {
		cats[f.Category]++
		if !strings.HasPrefix(f.ID, "school:") || !strings.HasPrefix(f.Source, "school:") || len(f.AGS) != 8 {
			t.Fatalf("facility %+v", f)
		}
	}
	// Unknown types are mapped by name only where the name says it (one
	// "International Primary School"); the rest are skipped.
	wantPrimary := types["Grundschule"] + 1
	wantSecondary := types["Oberschule"] + types["Gemeinschaftsschule"] + types["Freie Waldorfschule"]
	if cats[layers.CatPrimarySchool] != wantPrimary || cats[layers.CatSecondarySchool] != wantSecondary || cats[layers.CatGymnasium] != types["Gymnasium"] {
		t.Errorf("categories %v; want primary %d, secondary %d, gymnasium %d", cats, wantPrimary, wantSecondary, types["Gymnasium"])
	}
	if len(skipped) != types[""]-1 {
		t.Errorf("skipped %d, want %d", len(skipped), types[""]-1)
	}
	if fs[0].ID != "school:2089-1" {
		t.Errorf("first id %q, want school:2089-1", fs[0].ID)
	}

	// A user mapping overrides the default.
	m, err := ParseMapping("Grundschule=primary_school, Gymnasium=gymnasium")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for f, err := range ReadFacilities(context.Background(), path, FacilityOptions{Mapping: m}) {
		if err != nil {
			t.Fatal(err)
		}
		if f.Category == layers.CatSecondarySchool {
			t.Fatalf("Oberschule mapped although the mapping omits it: %+v", f)
		}
		n++
	}
	if n != types["Grundschule"]+types["Gymnasium"]+1 {
		t.Errorf("with mapping: %d facilities", n)
	}
}

func TestReadFacilitiesHospitalsAndPOIs(t *testing.T) {
	path := realdata.Path(t, "facilities/krankenhaeuser_sachsen_2020.csv")
	fs := all(t, ReadFacilities(context.Background(), path, FacilityOptions{}))
	_, recs := readCSV(t, path)
	if len(fs) != 128 || len(recs) != 128 {
		t.Fatalf("hospitals: %d, want 128 (file %d)", len(fs), len(recs))
	}
	for _, f := range fs {
		if f.Category != layers.CatHospital || !strings.HasPrefix(f.ID, "hospital:2614") || f.Name == "" {
			t.Fatalf("hospital %+v", f)
		}
	}
	pois := realdata.Path(t, "facilities/pois_hoyerswerda_osm.geojson")
	// Default: osm.CategoryFor on the string properties, checked against a
	// plain encoding/json pass over the file.
	var raw struct {
		Features []struct {
			Properties map[string]any `json:"properties"`
		} `json:"features"`
	}
	b, err := os.ReadFile(pois)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	wantCats := map[layers.Category]int{}
	seenOSM := map[string]bool{}
	for _, f := range raw.Features {
		// The extract lists every way twice; an OSM object counts once.
		key := fmt.Sprint(f.Properties["osm_type"], f.Properties["osm_id"])
		if seenOSM[key] {
			continue
		}
		seenOSM[key] = true
		tags := map[string]string{}
		for k, v := range f.Properties {
			if s, ok := v.(string); ok {
				tags[k] = s
			}
		}
		if c, ok := osm.CategoryFor(tags); ok {
			wantCats[c]++
		}
	}
	gotCats := map[layers.Category]int{}
	for _, f := range all(t, ReadFacilities(context.Background(), pois, FacilityOptions{})) {
		gotCats[f.Category]++
	}
	if len(wantCats) == 0 || !maps.Equal(gotCats, wantCats) {
		t.Errorf("POIs by osm.CategoryFor: got %v, want %v", gotCats, wantCats)
	}
	tagMap := func(tags map[string]string) (layers.Category, bool) {
		switch tags["amenity"] {
		case "townhall":
			return layers.CatTownHall, true
		case "pharmacy":
			return layers.CatPharmacy, true
		}
		return "", false
	}
	skips := 0
	got := all(t, ReadFacilities(context.Background(), pois, FacilityOptions{OSMCategory: tagMap, OnSkip: func(vector.Pos, string) { skips++ }}))
	if len(got)+skips != 63 || len(got) == 0 {
		t.Errorf("POIs: %d mapped + %d skipped, want 63", len(got), skips)
	}
	for _, f := range got {
		if !strings.HasPrefix(f.ID, "osm:node/") && !strings.HasPrefix(f.ID, "osm:way/") {
			t.Errorf("POI id %q", f.ID)
		}
	}
}

func TestReadFacilitiesErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cases := []struct {
		name, file, data string
		opts             FacilityOptions
		want             []string
	}{
		{"swapped", "h.csv", "id,name,lat,lon,category\n1,a,51.05,13.7,hospital\n2,b,13.7,51.05,hospital\n", FacilityOptions{},
			[]string{`tables: h.csv: line 3: field "lon,lat": "[51.05, 13.7]" has swapped axes`}},
		{"bad lon", "h.csv", "id,name,lat,lon\n1,a,51.05,13;7\n", FacilityOptions{Category: layers.CatHospital},
			[]string{`line 2: field "lon": "13;7" is not a number`}},
		{"missing lat", "h.csv", "id,name,lon\n1,a,13.7\n", FacilityOptions{Category: layers.CatHospital},
			[]string{`h.csv: line 1: missing column "lat or latitude"`}},
		{"duplicate id", "h.csv", "id,name,lat,lon\n1,a,51.05,13.7\n1,b,51.05,13.7\n", FacilityOptions{Category: layers.CatHospital},
			[]string{`line 3: field "id": "1" repeats the facility of line 2`}},
		{"bad opening hours", "h.csv", "id,name,lat,lon,opening_hours,capacity\n1,a,51.05,13.7,Mo-Fr 08:00-12:00,3\n2,b,51.05,13.7,whenever,-2\n", FacilityOptions{Category: layers.CatHospital},
			[]string{`tables: h.csv: line 3: facility "h:2": field capacity: value -2: want a finite number ≥ 0; field opening_hours: value "whenever": `}},
		{"unknown crs", "p.geojson", `{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"EPSG:31467"}},"features":[]}`, FacilityOptions{Category: layers.CatHospital},
			[]string{`tables: p.geojson: field "crs": "EPSG:31467" is not a supported CRS`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := firstErr(ReadFacilities(context.Background(), write(tc.file, tc.data), tc.opts))
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
	if _, err := ParseMapping("Grundschule=school"); err == nil || !errors.Is(err, layers.ErrInvalid) {
		t.Errorf("ParseMapping with an unknown category: %v", err)
	}
}

func TestSchoolsWithSwappedColumnsRefused(t *testing.T) {
	for _, tc := range []struct{ props, field, value string }{
		{`"school_id":"1","building_no":"1","name":"14612000","type_guess":"grundschule","ags":"Oberschule Zwönitz"`, "ags", "Oberschule Zwönitz"},
		{`"school_id":"2","building_no":"1","name":"14612000","type_guess":"grundschule","ags":"14612000"`, "name", "14612000"},
	} {
		path := filepath.Join(t.TempDir(), "schulen.geojson")
		fc := `{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[12.8,50.6]},"properties":{` + tc.props + `}}]}`
		if err := os.WriteFile(path, []byte(fc), 0o644); err != nil {
			t.Fatal(err)
		}
		var got error
		for _, err := range ReadFacilities(context.Background(), path, FacilityOptions{}) {
			if err != nil {
				got = err
				break
			}
		}
		if got == nil || !errors.Is(got, layers.ErrInvalid) || !strings.Contains(got.Error(), tc.field) || !strings.Contains(got.Error(), tc.value) {
			t.Errorf("%s: error %v, want one naming field %q and value %q", tc.props, got, tc.field, tc.value)
		}
	}
}

// TestReadersValidateRecords: the readers refuse a record by its own
// Validate, naming file, line, the record and the file's column.
func TestReadersValidateRecords(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	date := time.Date(2019, 12, 31, 0, 0, 0, 0, time.UTC)
	pop := write("p.csv", "gemeindeschluessel,einwohner\n14612000,5\n1461201,7\n14612020,-3\n")
	err := firstErr(ReadPopulation(context.Background(), pop, PopulationOptions{Date: date}))
	if want := `tables: p.csv: line 3: population of 1461201: field gemeindeschluessel: value "1461201": want an AGS of 8 digits`; err == nil || err.Error() != want {
		t.Errorf("population: %v, want %s", err, want)
	}
	var fes layers.FieldErrors
	if !errors.As(err, &fes) || fes[0].Field != "gemeindeschluessel" {
		t.Errorf("population: %v is not layers.FieldErrors naming the column", err)
	}
	ms := write("vb.csv", "ags,verbund\n14612000,Städteverbund Test\n1461201x,Städteverbund Test\n")
	err = firstErr(ReadMemberships(context.Background(), ms, MembershipOptions{Kind: layers.KindVerbund}))
	if err == nil || !strings.Contains(err.Error(), `vb.csv: line 3: membership of 1461201x in "staedteverbund-test": field ags: value "1461201x": want an AGS of 8 digits`) {
		t.Errorf("memberships: %v", err)
	}
}
