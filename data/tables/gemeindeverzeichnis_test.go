package tables

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"reach/data/vector"
	"reach/geo/crs"
	"reach/layers"
)

// gvFixture writes a workbook laid out like the Destatis GV-ISys extract
// "Gemeindeverzeichnis – Auszug" (title rows, a header over three rows with
// merged cells whose text stands in their first cell, records of Satzart
// 10/40/50/60), with the 2019 values of three Saxon municipalities and one
// of Schleswig-Holstein. Key parts are stored as numbers where a
// spreadsheet would (Land 14, VB 0), coordinates as German text.
func gvFixture(t *testing.T, extra ...[]string) string {
	t.Helper()
	rows := [][]string{
		{"Gemeindeverzeichnis-Informationssystem GV-ISys"},
		{"Alle politisch selbständigen Gemeinden mit ausgewählten Merkmalen am 31.12.2019 (4. Quartal)"},
		{},
		{"Satz-\nart", "Text-\nkenn-\nzeichen", "Amtlicher Regionalschlüssel (ARS)", "", "", "", "", "Gemeindename", "Fläche km2 1)", "Bevölkerung 2)", "", "", "", "Post-\nleit-\nzahl 3)", "Geografische Mittelpunktkoordinaten 4)", "", "Reisegebiete", "", "Grad der Verstädterung", ""},
		{"", "", "Land", "RB", "Kreis", "VB", "Gem", "", "", "insgesamt", "männlich", "weiblich", "je km2", "", "Längengrad", "Breitengrad", "Schlüssel", "Bezeichnung", "Schlüssel", "Bezeichnung"},
		{"1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15", "16", "17", "18", "19", "20"},
		{"10", "", "01", "", "", "", "", "Schleswig-Holstein"},
		{"60", "61", "01", "0", "01", "0000", "000", "Flensburg, Stadt", "53.02", "90164", "44904", "45260", "1701", "24937", "9,43751", "54,78252", "F02", "Ostsee", "01", "dicht besiedelt"},
		{"10", "", "14", "", "", "", "", "Sachsen"},
		{"40", "43", "14", "5", "21", "", "", "Erzgebirgskreis"},
		{"50", "52", "14", "5", "21", "0010", "", "Amtsberg"},
		{"60", "64", "14", "5", "21", "10", "10", "Amtsberg", "23.27", "3689", "1829", "1860", "159", "09439", "12,989482", "50,748949", "C06", "Erzgebirge", "02", "mittlere Besiedlungsdichte"},
		{"60", "61", "14", "6", "12", "0", "0", "Dresden, Stadt", "328.48", "556780", "277612", "279168", "1695", "01067", "13,736883", "51,051697", "C00", "Stadt Dresden", "01", "dicht besiedelt"},
		{"60", "63", "14", "6", "25", "0240", "240", "Hoyerswerda / Wojerecy, Stadt", "95.45", "32 405", "15637", "16768", "339", "02977", "14,244028", "51,438944", "C03", "Oberlausitz/Niederschlesien", "02", "mittlere Besiedlungsdichte"},
	}
	rows = append(rows, extra...)
	path := filepath.Join(t.TempDir(), "AuszugGV4QAktuell.xlsx")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := vector.WriteXLSX(f, "Onlineprodukt_Gemeinden_311219", rows); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestReadGemeindeverzeichnis(t *testing.T) {
	path := gvFixture(t)
	all, err := ReadGemeindeverzeichnis(path, GVOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 4 || all[0].AGS != "01001000" || all[0].ARS != "010010000000" {
		t.Fatalf("all Länder: %+v", all)
	}
	sn, err := ReadGemeindeverzeichnis(path, GVOptions{Land: "14"})
	if err != nil {
		t.Fatal(err)
	}
	want := []GVMunicipality{
		{Line: 12, AGS: "14521010", ARS: "145210010010", Name: "Amtsberg", AreaKm2: 23.27, Population: 3689},
		{Line: 13, AGS: "14612000", ARS: "146120000000", Name: "Dresden, Stadt", AreaKm2: 328.48, Population: 556780},
		{Line: 14, AGS: "14625240", ARS: "146250240240", Name: "Hoyerswerda / Wojerecy, Stadt", AreaKm2: 95.45, Population: 32405},
	}
	ll := [][2]float64{{12.989482, 50.748949}, {13.736883, 51.051697}, {14.244028, 51.438944}}
	if len(sn) != len(want) {
		t.Fatalf("Saxony: %d municipalities, want %d", len(sn), len(want))
	}
	for i, w := range want {
		g := sn[i]
		if g.Line != w.Line || g.AGS != w.AGS || g.ARS != w.ARS || g.Name != w.Name || g.AreaKm2 != w.AreaKm2 || g.Population != w.Population ||
			!g.HasLocation || g.Location[0] != ll[i][0] || g.Location[1] != ll[i][1] {
			t.Errorf("%d: got %+v, want %+v at %v", i, g, w, ll[i])
		}
	}

	// the uses: seat coordinates for the TownLocator, population records
	locs, err := ReadLocations(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	wantDD, _ := crs.FromLonLat(crs.UTM33N, sn[1].Location)
	if len(locs) != 3 || locs["14612000"] != wantDD {
		t.Errorf("locations %v, Dresden want %v", locs, wantDD)
	}
	seats, err := ReadSeats(context.Background(), path, "ignored for xlsx")
	if err != nil || seats["14625240"].Name != "Hoyerswerda / Wojerecy, Stadt" || !strings.Contains(seats["14625240"].Source, "Gemeindeverzeichnis AuszugGV4QAktuell.xlsx") {
		t.Errorf("seats %+v, %v", seats["14625240"], err)
	}
	date := time.Date(2019, 12, 31, 0, 0, 0, 0, time.UTC)
	var pop int64
	for rec, err := range ReadPopulation(context.Background(), path, PopulationOptions{Date: date}) {
		if err != nil {
			t.Fatal(err)
		}
		if !rec.Date.Equal(date) || rec.AreaKm2 <= 0 {
			t.Errorf("record %+v", rec)
		}
		pop += rec.Population
	}
	if pop != 3689+556780+32405 {
		t.Errorf("population %d", pop)
	}
	for _, err := range ReadPopulation(context.Background(), path, PopulationOptions{}) {
		if err == nil || !strings.Contains(err.Error(), "give the date of the extract") {
			t.Errorf("no date: %v", err)
		}
		break
	}
}

func TestReadGemeindeverzeichnisErrors(t *testing.T) {
	bad := func(cells ...string) []string {
		row := []string{"60", "64", "14", "5", "21", "0010", "020", "Gornau", "20.5", "3700", "", "", "", "", "13,03", "50,76"}
		for i := 0; i+1 < len(cells); i += 2 {
			var col int
			for _, c := range cells[i] {
				col = col*26 + int(c-'A'+1)
			}
			row[col-1] = cells[i+1]
		}
		return row
	}
	cases := []struct {
		name string
		row  []string
		want string
	}{
		{"population", bad("J", "viele"), `row 15, column J (Bevölkerung insgesamt): "viele" is not a whole, non-negative count`},
		{"longitude", bad("O", "13°1'"), `row 15, column O (Längengrad): "13°1'" is not a longitude in degrees`},
		{"key", bad("G", "2x"), `row 15, column G (Gem): "2x" is not a 3-digit key part`},
		{"repeat", bad("G", "240", "E", "25", "D", "6", "F", "0240"), `repeats the AGS 14625240 of row 14`},
		{"outside Saxony", bad("O", "9,43751", "P", "54,78252"), `row 15 (14521020 Gornau): Längengrad, Breitengrad`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadLocations(context.Background(), gvFixture(t, tc.row))
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "AuszugGV4QAktuell.xlsx") {
				t.Fatalf("error %v, want %q naming the file", err, tc.want)
			}
		})
	}
	// a workbook without the columns names what is missing
	path := filepath.Join(t.TempDir(), "other.xlsx")
	f, _ := os.Create(path)
	_ = vector.WriteXLSX(f, "Tabelle1", [][]string{{"Satzart", "Gemeindename"}, {"60", "Dresden"}})
	f.Close()
	_, err := ReadGemeindeverzeichnis(path, GVOptions{})
	if err == nil || !errors.Is(err, layers.ErrInvalid) || !strings.Contains(err.Error(), `sheet "Tabelle1": no header column Land, RB, Kreis, VB, Gem, Fläche, Bevölkerung insgesamt, Längengrad, Breitengrad above row 2`) {
		t.Errorf("missing columns: %v", err)
	}
}
