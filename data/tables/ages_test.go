package tables

import (
	"context"
	"strings"
	"testing"

	"reach/geo/access"
)

const ageCSV = `Jahr;Variante;Schluessel;Gebiet;Altersgruppe;Anzahl
2022;;14521010;Amtsberg;unter 6 Jahre;300
2022;;14521010;Amtsberg;6 bis unter 10 Jahre;200
2022;;14521010;Amtsberg;10 bis unter 18 Jahre;400
2022;;14521010;Amtsberg;18 bis unter 65 Jahre;2000
2022;;14521010;Amtsberg;65 Jahre und mehr;1100
2022;;14521010;Amtsberg;Insgesamt;4000
2040;Variante 1;14521010;Amtsberg;unter 6 Jahre;200
2040;Variante 1;14521010;Amtsberg;6 bis unter 10 Jahre;150
2040;Variante 1;14521010;Amtsberg;10 bis unter 18 Jahre;-
2040;Variante 1;14521010;Amtsberg;18 bis unter 65 Jahre;1500
2040;Variante 1;14521010;Amtsberg;65 Jahre und mehr;1400
`

func TestDecodeAgeTables(t *testing.T) {
	d, err := DecodeAgeTables(context.Background(), strings.NewReader(ageCSV), "ages.csv")
	if err != nil {
		t.Fatal(err)
	}
	if d.BaseYear != 2022 || d.Base["14521010"].Total() != 4000 || d.Base["14521010"].Count(0, 5) != 300 {
		t.Fatalf("base: %+v", d)
	}
	sc := access.Scenario{Variant: "Variante 1", Year: 2040}
	p := d.Projected[sc]["14521010"]
	if p.Count(65, access.OpenAge) != 1400 || p.Count(10, 17) != 0 {
		t.Fatalf("projection: %v", p)
	}
	if got := d.Scenarios(); len(got) != 1 || got[0] != sc {
		t.Errorf("scenarios %v", got)
	}
}

func TestDecodeAgeTablesErrors(t *testing.T) {
	for name, c := range map[string]struct{ from, to, want string }{
		"gap":       {"6 bis unter 10 Jahre;200", "7 bis unter 10 Jahre;200", "starts at 7"},
		"label":     {"unter 6 Jahre;300", "Kinder;300", `line 2: field "Altersgruppe"`},
		"total":     {"Insgesamt;4000", "Insgesamt;4100", "Insgesamt 4100"},
		"secret":    {"65 Jahre und mehr;1100", "65 Jahre und mehr;.", "unknown or secret"},
		"area":      {"2022;;14521010;Amtsberg;unter 6", "2022;;1452101;Amtsberg;unter 6", "Kreis key"},
		"base year": {"2022;;14521010;Amtsberg;Insgesamt", "2023;;14521010;Amtsberg;Insgesamt", "second base year"},
		"negative":  {"18 bis unter 65 Jahre;1500", "18 bis unter 65 Jahre;-5", "whole non-negative"},
	} {
		bad := strings.Replace(ageCSV, c.from, c.to, 1)
		if bad == ageCSV {
			t.Fatalf("%s: replacement did not apply", name)
		}
		_, err := DecodeAgeTables(context.Background(), strings.NewReader(bad), "ages.csv")
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "ages.csv") {
			t.Errorf("%s: error %v, want one naming ages.csv and %q", name, err, c.want)
		}
	}
	// A projection for an area without base rows.
	bad := ageCSV + "2040;Variante 1;14521020;X;0+;10\n"
	if _, err := DecodeAgeTables(context.Background(), strings.NewReader(bad), "ages.csv"); err == nil || !strings.Contains(err.Error(), "14521020") {
		t.Errorf("projection without base: %v", err)
	}
}

func TestParseAgeGroup(t *testing.T) {
	for label, want := range map[string][2]int{
		"unter 3 Jahre": {0, 2}, "3 bis unter 6 Jahre": {3, 5}, "75 Jahre und mehr": {75, access.OpenAge},
		"90 Jahre und älter": {90, access.OpenAge}, "1 Jahr": {1, 1}, "0-5": {0, 5}, "65+": {65, access.OpenAge}, " 6  bis unter 10 Jahren ": {6, 9},
	} {
		lo, hi, ok := ParseAgeGroup(label)
		if !ok || lo != want[0] || hi != want[1] {
			t.Errorf("%q: %d–%d %v, want %v", label, lo, hi, ok, want)
		}
	}
	for _, bad := range []string{"", "Insgesamt", "10 bis unter 5 Jahre", "alt"} {
		if _, _, ok := ParseAgeGroup(bad); ok {
			t.Errorf("%q parsed", bad)
		}
	}
}
