package projects

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"reach/data/tables"
	"reach/data/vector"
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
func TestReadProjectsVitaleRegionen(t *testing.T) {
	path := realdata.Path(t, "projects/vitale_regionen_2021_region_chemnitz_auszug.csv")
	seats, err := tables.ReadSeats(context.Background(), realdata.Path(t, "population/gemeinden_sachsen_gv_bevoelkerung_2019.csv"), "GV table")
	if err != nil {
		t.Fatal(err)
	}
	var warned []string
	opts := Options{IDPrefix: "vr2021",
		Seat: func(ags string) (tables.Seat, bool) { s, ok := seats[ags]; return s, ok },
		Warn: func(pos vector.Pos, field, value, msg string) {
			warned = append(warned, fmt.Sprintf("%d %s %s", pos.Line, field, value))
		}}
	ps := all(t, Read(context.Background(), path, opts))
	if len(ps) != 6 {
		t.Fatalf("got %d projects, want 6", len(ps))
	}
	want := []struct {
		cat  layers.Category
		kind layers.ProjectKind
	}{
		{layers.CatOther, layers.KindNewFacility},               // Digitaler Tierparkrundgang: Kultur/Freizeit
		{layers.CatOther, layers.KindFacilityUpgrade},           // Ausbau des Parkplatzes: Verkehr
		{layers.CatTownHall, layers.KindNewFacility},            // Bürger- und Verwaltungszentrum
		{layers.CatOther, layers.KindFacilityUpgrade},           // Erneuerung … Sternwarte: Bildung/Kultur
		{layers.CatCommunityCentre, layers.KindFacilityUpgrade}, // Verbesserung der Raumakustik
		{layers.CatCommunityCentre, layers.KindNewFacility},     // Sanitär-Trailer
	}
	for i, p := range ps {
		if p.ID != "vr2021-"+strconv.Itoa(i+1) || p.PlanningRegion != tables.RegionChemnitz || len(p.Municipalities) != 1 || p.Status != "selected" {
			t.Errorf("project %d: %+v", i, p)
		}
		if p.Category != want[i].cat || p.Kind != want[i].kind {
			t.Errorf("project %d (%s): category %q kind %q, want %q %q", i, p.Title, p.Category, p.Kind, want[i].cat, want[i].kind)
		}
		seat := seats[p.Municipalities[0]]
		if pt, ok := p.Geometry.(orb.Point); !ok || pt != seat.Location {
			t.Errorf("project %d: geometry %v, want the seat %v", i, p.Geometry, seat.Location)
		}
		if !strings.Contains(p.LocationSource, p.Municipalities[0]) || !strings.Contains(p.LocationSource, "GV table") {
			t.Errorf("project %d: location source %q names neither the AGS nor the table", i, p.LocationSource)
		}
		miss := MissingFields(p)
		if !slices.Contains(miss, "investment_cost") || slices.Contains(miss, "geometry") {
			t.Errorf("project %d: missing %v, want costs and not the geometry", i, miss)
		}
	}
	if got, want := warned, []string{"2 bereich_guess Kultur/Freizeit", "3 bereich_guess Verkehr", "5 bereich_guess Bildung/Kultur"}; !slices.Equal(got, want) {
		t.Errorf("warnings %q, want %q", got, want)
	}
}

func TestReadProjectsTable(t *testing.T) {
	seat := func(ags string) (tables.Seat, bool) {
		switch ags {
		case "14523360":
			return tables.Seat{Name: "Rodewisch, Stadt", Location: orb.Point{310000, 5600000}, Source: "test"}, true
		case "14523090":
			return tables.Seat{Name: "Ellefeld", Location: orb.Point{309000, 5595000}, Source: "test"}, true
		}
		return tables.Seat{}, false
	}
	head := "nr,planungsregion,lead_gemeinde,lead_ags,vorhaben,bereich_guess,gesamtkosten,foerdersumme,eingereicht\n"
	good := head +
		"1,Region Chemnitz,Rodewisch,14523360,Neue Kita,Kinder,\"1.250.000,50 €\",900000,30.07.2021\n" +
		"2,,Ellefeld,14523090,Sanierung Turnhalle,Sport,,,2021-07-30\n"
	dir := t.TempDir()
	path := filepath.Join(dir, "vr.csv")
	if err := os.WriteFile(path, []byte(good), 0o644); err != nil {
		t.Fatal(err)
	}
	ps := all(t, Read(context.Background(), path, Options{IDPrefix: "x", Seat: seat}))
	if len(ps) != 2 {
		t.Fatalf("got %d projects, want 2", len(ps))
	}
	if p := ps[0]; p.InvestmentCost != 1250000.5 || p.RequestedFunding != 900000 || !p.SubmittedAt.Equal(time.Date(2021, 7, 30, 0, 0, 0, 0, time.UTC)) ||
		p.Category != layers.CatKita || p.Kind != layers.KindNewFacility {
		t.Errorf("row 1: %+v", p)
	}
	if p := ps[1]; p.InvestmentCost != 0 || p.Kind != layers.KindFacilityUpgrade || p.Upgrade == nil || p.Category != layers.CatSports {
		t.Errorf("row 2: %+v", p)
	}

	bad := head +
		"1,Region Chemnitz,Rodewisch,14523360,Neue Kita,Kinder,1e17,,\n" + // line 2: above 100 M€
		"2,Region Chemnitz,Auerbach,14523360,Neue Kita,Kinder,,,\n" + // line 3: wrong name
		"3,Region Chemnitz,Rodewisch,14523361,Neue Kita,Kinder,,,\n" + // line 4: unknown AGS
		"4,Region Chemnitz,Rodewisch,14523360,Neue Kita,Kinder,,,31.02.2021\n" + // line 5: no such date
		"5,Region Chemnitz,Rodewisch,14523360,Neue Kita,Kinder,1.234,,\n" + // line 6: ambiguous
		"6,Region Chemnitz,Rodewisch,14523360,Neue Kita,Kinder,,,\n" // line 7: good, but nothing is stored
	if err := os.WriteFile(path, []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	var got []layers.Project
	var last error
	for p, err := range Read(context.Background(), path, Options{IDPrefix: "x", Seat: seat}) {
		if err != nil {
			last = err
			break
		}
		got = append(got, p)
	}
	var re *RowErrors
	if !errors.As(last, &re) || !errors.Is(last, layers.ErrInvalid) {
		t.Fatalf("error %v, want *RowErrors wrapping ErrInvalid", last)
	}
	if len(got) != 0 {
		t.Errorf("%d projects yielded before the refusal, want none", len(got))
	}
	wants := []string{
		`line 2: field "gesamtkosten": "1e17" is above 100 million euros`,
		`line 3: field "lead_gemeinde": "Auerbach" is not the name of lead_ags 14523360`,
		`line 4: field "lead_ags": "14523361" has no location`,
		`line 5: field "eingereicht": "31.02.2021" is not a date`,
		`line 6: field "gesamtkosten": "1.234" is ambiguous`,
	}
	if len(re.Errs) != len(wants) {
		t.Fatalf("%d rows refused, want %d: %v", len(re.Errs), len(wants), last)
	}
	for i, w := range wants {
		if !strings.Contains(re.Errs[i].Error(), w) {
			t.Errorf("refusal %d: %v, want it to contain %s", i, re.Errs[i], w)
		}
	}
}

func TestParseProjectFeature(t *testing.T) {
	good := `{"type":"Feature","geometry":{"type":"Point","coordinates":[13.9,50.9]},"properties":{
	  "id":"p-1","title":"Hausarztzentrum","applicant":"Stadt Pirna","municipalities":["14628270","14628160"],
	  "kind":"new_facility","category":"general_practice","investment_cost":1200000,"requested_funding":900000,
	  "planning_region":"Oberes Elbtal/Osterzgebirge","submitted_at":"2025-03-01","innovation":7}}`
	p, err := Decode([]byte(good), "body", tables.VectorSource{})
	if err != nil {
		t.Fatal(err)
	}
	if p.ID != "p-1" || p.Kind != layers.KindNewFacility || p.Category != layers.CatGeneralPractice || p.Status != "submitted" ||
		len(p.Municipalities) != 2 || p.RequestedFunding != 900000 || p.SubmittedAt.Format("2006-01-02") != "2025-03-01" || *p.Innovation != 7 {
		t.Errorf("project %+v", p)
	}
	if pt, ok := p.Geometry.(orb.Point); !ok || pt[0] < 400000 {
		t.Errorf("geometry %v, want EPSG:25833 point", p.Geometry)
	}

	bad := `{"type":"Feature","geometry":{"type":"LineString","coordinates":[[13.9,50.9],[13.95,50.9]]},"properties":{
	  "id":"p 1","municipalities":["1462827","14628160","14628160"],"kind":"new_facility","category":"library",
	  "investment_cost":-5,"requested_funding":"viel","planning_region":"Sachsen","status":"maybe",
	  "submitted_at":"03/2025","speed_kmh":50,"innovation":11,"budget":3}}`
	_, err = Decode([]byte(bad), "body", tables.VectorSource{})
	var pe *Error
	if !errors.As(err, &pe) || !errors.Is(err, layers.ErrInvalid) {
		t.Fatalf("got %v, want *Error wrapping ErrInvalid", err)
	}
	wantFields := []string{"id", "title", "municipalities[0]", "municipalities[2]", "category", "geometry", "investment_cost",
		"requested_funding", "planning_region", "status", "submitted_at", "speed_kmh", "innovation", "budget"}
	got := map[string]string{}
	for _, f := range pe.Fields {
		got[f.Field] = f.Value
	}
	for _, w := range wantFields {
		if _, ok := got[w]; !ok {
			t.Errorf("field %q not reported; got %v", w, pe.Fields)
		}
	}
	if len(pe.Fields) != len(wantFields) {
		t.Errorf("got %d problems, want %d: %v", len(pe.Fields), len(wantFields), pe)
	}
	if got["municipalities[0]"] != "1462827" || got["geometry"] != "LineString" {
		t.Errorf("values: %v", got)
	}
	if !strings.HasPrefix(err.Error(), "projects: body: feature 0: 14 invalid field(s): ") {
		t.Errorf("message %q", err)
	}

	// Money above the programme's scale is refused with the field named.
	for _, tc := range []struct{ props, field, value string }{
		{`"requested_funding":1e17`, "requested_funding", "1e+17"},
		{`"requested_funding":1e300`, "requested_funding", "1e+300"},
		{`"investment_cost":100000000.01`, "investment_cost", "1.0000000001e+08"},
	} {
		body := `{"type":"Feature","geometry":{"type":"Point","coordinates":[13.9,50.9]},"properties":{
		  "id":"p-1","title":"Kita","municipalities":["14628270"],"kind":"new_facility","category":"kita",` + tc.props + `}}`
		_, err := Decode([]byte(body), "body", tables.VectorSource{})
		if !errors.As(err, &pe) || len(pe.Fields) != 1 || pe.Fields[0].Field != tc.field || !strings.Contains(pe.Fields[0].Reason, "100 million") {
			t.Errorf("%s: got %v, want one error for field %s above 100 million", tc.props, err, tc.field)
		}
	}
	// A facility upgrade names the facility and what changes.
	up := `{"type":"Feature","geometry":null,"properties":{"id":"u-1","title":"Kita-Erweiterung","municipalities":["14628270"],
	  "kind":"facility_upgrade","category":"kita","facility_id":"kita:7","capacity_change":30}}`
	p, err = Decode([]byte(up), "body", tables.VectorSource{})
	if err != nil || p.Upgrade == nil || p.Upgrade.FacilityID != "kita:7" || p.Upgrade.CapacityChange == nil || *p.Upgrade.CapacityChange != 30 {
		t.Errorf("facility upgrade: %+v, %v", p, err)
	}
	up = strings.Replace(up, `"facility_id":"kita:7",`, "", 1)
	if _, err := Decode([]byte(up), "body", tables.VectorSource{}); !errors.As(err, &pe) || pe.Fields[0].Field != "geometry" {
		t.Errorf("facility upgrade without facility id or site: %v, want a geometry error", err)
	}
}

// FuzzParseProjectFeature checks that a parsed project always satisfies the
// documented schema, and that errors are typed.
func FuzzParseProjectFeature(f *testing.F) {
	f.Add(`{"type":"Feature","geometry":{"type":"Point","coordinates":[13.9,50.9]},"properties":{"id":"a","title":"t","municipalities":["14628270"],"kind":"new_facility","category":"kita"}}`)
	f.Add(`{"type":"Feature","geometry":{"type":"LineString","coordinates":[[13.9,50.9],[13.91,50.9]]},"properties":{"id":"b","title":"t","municipalities":["14628270"],"kind":"road_upgrade","speed_kmh":80}}`)
	f.Add(`{"type":"Feature","id":3,"geometry":null,"properties":{"kind":5}}`)
	f.Fuzz(func(t *testing.T, data string) {
		p, err := Decode([]byte(data), "fuzz", tables.VectorSource{})
		if err != nil {
			if !errors.Is(err, layers.ErrInvalid) && !strings.HasPrefix(err.Error(), "projects: ") {
				t.Fatalf("untyped error: %v", err)
			}
			return
		}
		if !validProjectID(p.ID) || p.Title == "" || len(p.Municipalities) == 0 || p.Geometry == nil {
			t.Fatalf("accepted project lacks required fields: %+v", p)
		}
		for _, a := range p.Municipalities {
			if !tables.ValidAGS(a) {
				t.Fatalf("accepted AGS %q", a)
			}
		}
		if p.InvestmentCost < 0 || p.RequestedFunding < 0 || (p.InvestmentCost > 0 && p.RequestedFunding > p.InvestmentCost) {
			t.Fatalf("accepted money %v / %v", p.InvestmentCost, p.RequestedFunding)
		}
		if p.Category != "" && !p.Category.Valid() {
			t.Fatalf("accepted category %q", p.Category)
		}
	})
}

// TestSchoolsWithSwappedColumnsRefused: a school whose ags holds its name and
// whose name holds its AGS is refused naming the field and the value, never
// stored without its municipality.
