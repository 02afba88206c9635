package vector

import (
	"archive/zip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestXLSXRoundTrip(t *testing.T) {
	rows := [][]string{
		{"Satzart", "", "Gemeindename", "Fläche km²"},
		{},
		{"60", "61", "Chemnitz, Stadt", "221.06", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "x<&>"},
	}
	path := filepath.Join(t.TempDir(), "gv.xlsx")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteXLSX(f, "Onlineprodukt_Gemeinden", rows); err != nil {
		t.Fatal(err)
	}
	f.Close()
	got, err := ReadXLSX(path, "Onlineprodukt_Gemeinden")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[1].Line != 2 || len(got[1].Cells) != 0 {
		t.Fatalf("rows %+v", got)
	}
	if !reflect.DeepEqual(got[0].Cells, []string{"Satzart", "", "Gemeindename", "Fläche km²"}) {
		t.Errorf("row 1 %q", got[0].Cells)
	}
	if got[2].Get(2) != "Chemnitz, Stadt" || got[2].Get(3) != "221.06" || got[2].Get(27) != "x<&>" || got[2].Get(99) != "" {
		t.Errorf("row 3 %q (column AB = 27)", got[2].Cells)
	}
	if _, err := ReadXLSX(path, "Tabelle1"); err == nil || !strings.Contains(err.Error(), `no sheet "Tabelle1" (sheets: Onlineprodukt_Gemeinden)`) {
		t.Errorf("missing sheet: %v", err)
	}
	if _, err := ReadXLSX(filepath.Join(t.TempDir(), "none.xlsx"), ""); err == nil || !strings.Contains(err.Error(), "not an XLSX workbook") {
		t.Errorf("missing file: %v", err)
	}
}

// TestReadXLSXHandWritten reads parts as spreadsheet programs write them:
// inline strings, rich-text runs with a phonetic run, a formula with its
// cached value, rows without r attributes and a shared string out of range.
func TestReadXLSXHandWritten(t *testing.T) {
	write := func(sheet string) string {
		path := filepath.Join(t.TempDir(), "h.xlsx")
		f, _ := os.Create(path)
		z := zip.NewWriter(f)
		for name, body := range map[string]string{
			"xl/workbook.xml":            `<workbook xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="S" r:id="rId7"/></sheets></workbook>`,
			"xl/_rels/workbook.xml.rels": `<Relationships><Relationship Id="rId7" Target="/xl/worksheets/data.xml"/></Relationships>`,
			"xl/sharedStrings.xml":       `<sst><si><r><t>Bevöl</t></r><r><t>kerung</t></r><rPh><t>x</t></rPh></si></sst>`,
			"xl/worksheets/data.xml":     sheet,
		} {
			w, _ := z.Create(name)
			w.Write([]byte(body))
		}
		z.Close()
		f.Close()
		return path
	}
	rows, err := ReadXLSX(write(`<worksheet><sheetData><row><c t="s"><v>0</v></c><c t="inlineStr"><is><t>Längengrad</t></is></c><c><f>1+1</f><v>2</v></c></row><row><c r="C2" t="b"><v>1</v></c></row></sheetData></worksheet>`), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || !reflect.DeepEqual(rows[0].Cells, []string{"Bevölkerung", "Längengrad", "2"}) || rows[1].Line != 2 || rows[1].Get(2) != "1" {
		t.Fatalf("rows %+v", rows)
	}
	_, err = ReadXLSX(write(`<worksheet><sheetData><row r="4"><c r="B4" t="s"><v>9</v></c></row></sheetData></worksheet>`), "")
	if err == nil || !strings.Contains(err.Error(), "xl/worksheets/data.xml: row 4, cell B4: shared string index \"9\" out of range") {
		t.Errorf("bad index: %v", err)
	}
	_, err = ReadXLSX(write(`<worksheet><sheetData><row r="4"><c r="B5"><v>1</v></c></row></sheetData></worksheet>`), "")
	if err == nil || !strings.Contains(err.Error(), `row 4: cell reference "B5" is not a cell of this row`) {
		t.Errorf("bad reference: %v", err)
	}
}
