package zensus

import (
	"context"
	"encoding/csv"
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"reach/geo/grid"
	"reach/internal/realdata"
	"reach/layers"
)

func collect(tb testing.TB, it func(func(layers.Cell, error) bool)) ([]layers.Cell, error) {
	tb.Helper()
	var out []layers.Cell
	for c, err := range it {
		if err != nil {
			return out, err
		}
		out = append(out, c)
	}
	return out, nil
}

// TestReadCells2011Saxony checks the real 1 km file against a plain CSV pass.
func TestReadCells2011Saxony(t *testing.T) {
	path := realdata.Path(t, "grid/zensus2011_1km_sachsen_epsg3035.csv")

	// Independent pass with encoding/csv only.
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	var wantRows, wantKnown, wantUnknown int
	var wantSum int64
	for _, r := range recs[1:] {
		wantRows++
		if r[3] == "-1" {
			wantUnknown++
			continue
		}
		n, err := strconv.ParseInt(r[3], 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		wantKnown++
		wantSum += n
	}

	cells, err := collect(t, ReadCells(context.Background(), path, Options{}))
	if err != nil {
		t.Fatal(err)
	}
	var known, unknown int
	var sum int64
	var with65 int
	for _, c := range cells {
		if c.Population < 0 {
			t.Fatalf("cell %s: negative population %d", c.ID, c.Population)
		}
		if c.Known {
			known++
			sum += c.Population
		} else {
			unknown++
			if c.Population != 0 {
				t.Fatalf("unknown cell %s has population %d, want 0", c.ID, c.Population)
			}
		}
		if c.ResolutionM != 1000 || c.Year != 2011 || !strings.HasPrefix(c.AGS, "14") {
			t.Fatalf("cell %+v: want 1 km, 2011, Saxon AGS", c)
		}
		if c.Share65Plus != nil {
			with65++
			if *c.Share65Plus < 0 || *c.Share65Plus > 100 {
				t.Fatalf("cell %s: share 65+ %v", c.ID, *c.Share65Plus)
			}
		}
	}
	checks := []struct {
		name      string
		got, want int64
	}{
		{"rows", int64(len(cells)), int64(wantRows)},
		{"rows (SOURCES.md)", int64(len(cells)), 18453},
		{"known", int64(known), int64(wantKnown)},
		{"unknown", int64(unknown), int64(wantUnknown)},
		{"unknown (SOURCES.md)", int64(unknown), 6707},
		{"sum", sum, wantSum},
		{"sum (SOURCES.md)", sum, 4049003},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %d, want %d", c.name, c.got, c.want)
		}
	}
	if with65 == 0 || with65 >= known {
		t.Errorf("cells with a 65+ share: %d of %d known (want some, -9 suppressed ones nil)", with65, known)
	}

	zero, err := collect(t, ReadCells(context.Background(), path, Options{NoValueIsZero: true}))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range zero {
		if !c.Known {
			t.Fatalf("NoValueIsZero: cell %s still unknown", c.ID)
		}
	}
}

const layout2022 = "GITTER_ID_100m;x_mp_100m;y_mp_100m;Einwohner\n" +
	"CRS3035RES100mN2689100E4337000;4337050;2689150;12\n" +
	"CRS3035RES100mN2689200E4337000;4337050;2689250;–\n" +
	"CRS3035RES100mN2689300E4337000;4337050;2689350;-\n" +
	"CRS3035RES100mN2689400E4337000;4337050;2689450;-1\n" +
	"CRS3035RES100mN2689500E4337000;4337050;2689550;1.234\n"

func TestDecodeCells2022(t *testing.T) {
	var looked []orb.Point
	lookup := func(p orb.Point) (string, bool) { looked = append(looked, p); return "14628010", true }
	cells, err := collect(t, DecodeCells(context.Background(), strings.NewReader("\ufeff"+layout2022), "z22.csv", Options{Lookup: lookup}))
	if err != nil {
		t.Fatal(err)
	}
	type want struct {
		id    string
		pop   int64
		known bool
	}
	wants := []want{
		{"100mN26891E43370", 12, true},
		{"100mN26892E43370", 0, false},
		{"100mN26893E43370", 0, false},
		{"100mN26894E43370", 0, false},
		{"100mN26895E43370", 1234, true},
	}
	if len(cells) != len(wants) {
		t.Fatalf("got %d cells, want %d", len(cells), len(wants))
	}
	for i, w := range wants {
		c := cells[i]
		if c.ID != w.id || c.Population != w.pop || c.Known != w.known || c.Year != 2022 || c.ResolutionM != 100 || c.AGS != "14628010" {
			t.Errorf("cell %d: got %+v, want %+v (year 2022, 100 m, AGS by lookup)", i, c, w)
		}
	}
	id, _ := grid.ParseID("CRS3035RES100mN2689100E4337000")
	if len(looked) != 5 || looked[0] != id.Center() {
		t.Errorf("lookup got %v, want the cell centres starting with %v", looked, id.Center())
	}
}

// TestDecodeCells2022OneKm reads the 1 km file of Zensus 2022 as published
// (Zensus2022_Bevoelkerungszahl_1km-Gitter.csv): semicolons, CRLF line ends,
// a BOM, the trailing "werterlaeuternde_Zeichen" column, "–" for a secret
// count and an empty count for a cell without a published value.
func TestDecodeCells2022OneKm(t *testing.T) {
	data := "\ufeffGITTER_ID_1km;x_mp_1km;y_mp_1km;Einwohner;werterlaeuternde_Zeichen\r\n" +
		"CRS3035RES1000mN3009000E4486000;4486500;3009500;1234;\r\n" +
		"CRS3035RES1000mN3009000E4487000;4487500;3009500;–;\r\n" +
		"CRS3035RES1000mN3009000E4488000;4488500;3009500;;\r\n" +
		"CRS3035RES1000mN3010000E4486000;4486500;3010500;7;KLAMMERN\r\n"
	cells, err := collect(t, DecodeCells(context.Background(), strings.NewReader(data), "z22_1km.csv", Options{}))
	if err != nil {
		t.Fatal(err)
	}
	wants := []struct {
		id    string
		pop   int64
		known bool
	}{{"1kmN3009E4486", 1234, true}, {"1kmN3009E4487", 0, false}, {"1kmN3009E4488", 0, false}, {"1kmN3010E4486", 7, true}}
	if len(cells) != len(wants) {
		t.Fatalf("got %d cells, want %d", len(cells), len(wants))
	}
	for i, w := range wants {
		c := cells[i]
		if c.ID != w.id || c.Population != w.pop || c.Known != w.known || c.Year != 2022 || c.ResolutionM != 1000 {
			t.Errorf("cell %d: got %+v, want %+v (2022, 1 km)", i, c, w)
		}
	}
	// the 2011 layout writes -1, never an empty count: an empty one is an error there
	_, err = collect(t, DecodeCells(context.Background(), strings.NewReader("Gitter_ID_1km,x_mp_1km,y_mp_1km,Einwohner\n1kmN3009E4486,4486500,3009500,\n"), "z11.csv", Options{}))
	if err == nil || !strings.Contains(err.Error(), `line 2: field "Einwohner": "" is empty`) {
		t.Errorf("empty 2011 count: %v", err)
	}
}

func TestDecodeCellsErrors(t *testing.T) {
	const head2011 = "Gitter_ID_1km,x_mp_1km,y_mp_1km,Einwohner,ab65_A,unter18_A,AGS_approx\n"
	cases := []struct {
		name string
		data string
		want []string // all must appear in the message
	}{
		{"bad number", head2011 + "1kmN3009E4486,4486500,3009500,10,30,0,14523030\n1kmN3009E4487,4487500,3009500,abc,30,0,14523030\n",
			[]string{`zensus: grid.csv: line 3: field "Einwohner": "abc" is not a number`}},
		{"bad id", head2011 + "1kmX3009E4486,4486500,3009500,10,30,0,14523030\n",
			[]string{"zensus: grid.csv: line 2:", `field "Gitter_ID_1km"`, `"1kmX3009E4486"`, "not an INSPIRE"}},
		{"centre off", head2011 + "1kmN3009E4486,4486000,3009500,10,30,0,14523030\n",
			[]string{"line 2", `field "x_mp_1km"`, `"4486000"`, "not the centre", "4486500"}},
		{"resolution mismatch", head2011 + "100mN30090E44860,4486050,3009050,10,30,0,14523030\n",
			[]string{"line 2", `field "Gitter_ID_1km"`, "100 m cell"}},
		{"negative", head2011 + "1kmN3009E4486,4486500,3009500,-5,30,0,14523030\n",
			[]string{"line 2", `field "Einwohner"`, `"-5"`, "negative"}},
		{"share out of range", head2011 + "1kmN3009E4486,4486500,3009500,10,130,0,14523030\n",
			[]string{"line 2", "cell 1kmN3009E4486", "field ab65_A", "value 130", "percentage"}},
		{"bad ags", head2011 + "1kmN3009E4486,4486500,3009500,10,30,0,1452303\n",
			[]string{"line 2", "field AGS_approx", `"1452303"`, "AGS of 8 digits"}},
		{"missing column", "Gitter_ID_1km,x_mp_1km,y_mp_1km\n1kmN3009E4486,4486500,3009500\n",
			[]string{"zensus: grid.csv: line 1:", `"Einwohner"`, "missing column"}},
		{"duplicate", head2011 + "1kmN3009E4486,4486500,3009500,10,30,0,14523030\n1kmN3009E4486,4486500,3009500,10,30,0,14523030\n",
			[]string{"line 3", "repeats the cell of line 2"}},
		{"short row", head2011 + "1kmN3009E4486,4486500\n", []string{"line 2", "has 2 fields"}},
		{"2022 decimal", "GITTER_ID_100m;x_mp_100m;y_mp_100m;Einwohner\nCRS3035RES100mN2689100E4337000;4337050;2689150;1,5\n",
			[]string{"line 2", `field "Einwohner"`, `"1,5"`, "whole number"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := collect(t, DecodeCells(context.Background(), strings.NewReader(tc.data), "grid.csv", Options{}))
			if err == nil {
				t.Fatal("got no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if !errors.Is(err, layers.ErrInvalid) {
				t.Errorf("error %v does not wrap layers.ErrInvalid", err)
			}
		})
	}
}

// FuzzDecodeCells checks that arbitrary rows never give a negative or
// inconsistent cell and never panic.
func FuzzDecodeCells(f *testing.F) {
	f.Add("Gitter_ID_1km,x_mp_1km,y_mp_1km,Einwohner,ab65_A,unter18_A,AGS_approx\n1kmN3009E4486,4486500,3009500,10,30,0,14523030\n")
	f.Add(layout2022)
	f.Add("GITTER_ID_1km;Einwohner\nCRS3035RES1000mN2689000E4337000;-\n")
	f.Fuzz(func(t *testing.T, data string) {
		for c, err := range DecodeCells(context.Background(), strings.NewReader(data), "fuzz.csv", Options{}) {
			if err != nil {
				if !strings.HasPrefix(err.Error(), "zensus: ") {
					t.Fatalf("error without package prefix: %v", err)
				}
				return
			}
			if c.Population < 0 {
				t.Fatalf("negative population: %+v", c)
			}
			if !c.Known && c.Population != 0 {
				t.Fatalf("unknown cell with population: %+v", c)
			}
			id, err := grid.ParseID(c.ID)
			if err != nil || id.ResolutionM != c.ResolutionM || id.String() != c.ID {
				t.Fatalf("cell id %q does not round-trip (res %d): %v", c.ID, c.ResolutionM, err)
			}
			for _, s := range []*float64{c.Share65Plus, c.ShareUnder18} {
				if s != nil && (*s < 0 || *s > 100) {
					t.Fatalf("share out of range: %v", *s)
				}
			}
		}
	})
}
