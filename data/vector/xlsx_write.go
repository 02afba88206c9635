package vector

import (
	"archive/zip"
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// WriteXLSX writes a minimal workbook with one sheet named sheet holding
// rows (row 1 first, column A first). A cell that reads as a number is
// written as a number, any other non-empty cell as a shared string, an
// empty cell not at all. It is what ReadXLSX reads, for fixtures and
// small exports; it writes no styles.
func WriteXLSX(w io.Writer, sheet string, rows [][]string) error {
	z := zip.NewWriter(w)
	put := func(name, body string) error {
		f, err := z.Create(name)
		if err != nil {
			return err
		}
		_, err = io.WriteString(f, xml.Header+body)
		return err
	}
	esc := func(s string) string {
		var b strings.Builder
		_ = xml.EscapeText(&b, []byte(s))
		return b.String()
	}
	var shared []string
	index := map[string]int{}
	var sd strings.Builder
	for r, row := range rows {
		fmt.Fprintf(&sd, `<row r="%d">`, r+1)
		for c, v := range row {
			if v == "" {
				continue
			}
			ref := cellRef(c, r+1)
			if _, err := strconv.ParseFloat(v, 64); err == nil {
				fmt.Fprintf(&sd, `<c r="%s"><v>%s</v></c>`, ref, v)
				continue
			}
			i, ok := index[v]
			if !ok {
				i = len(shared)
				index[v] = i
				shared = append(shared, v)
			}
			fmt.Fprintf(&sd, `<c r="%s" t="s"><v>%d</v></c>`, ref, i)
		}
		sd.WriteString(`</row>`)
	}
	var ss strings.Builder
	for _, s := range shared {
		ss.WriteString(`<si><t xml:space="preserve">` + esc(s) + `</t></si>`)
	}
	const main = `http://schemas.openxmlformats.org/spreadsheetml/2006/main`
	const rel = `http://schemas.openxmlformats.org/officeDocument/2006/relationships`
	for _, p := range []struct{ name, body string }{
		{"[Content_Types].xml", `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
			`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
			`<Default Extension="xml" ContentType="application/xml"/>` +
			`<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>` +
			`<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>` +
			`<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>`},
		{"_rels/.rels", `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="` + rel + `/officeDocument" Target="xl/workbook.xml"/></Relationships>`},
		{"xl/workbook.xml", `<workbook xmlns="` + main + `" xmlns:r="` + rel + `"><sheets><sheet name="` + esc(sheet) + `" sheetId="1" r:id="rId1"/></sheets></workbook>`},
		{"xl/_rels/workbook.xml.rels", `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="` + rel + `/worksheet" Target="worksheets/sheet1.xml"/>` +
			`<Relationship Id="rId2" Type="` + rel + `/sharedStrings" Target="sharedStrings.xml"/></Relationships>`},
		{"xl/sharedStrings.xml", `<sst xmlns="` + main + `" count="` + strconv.Itoa(len(shared)) + `">` + ss.String() + `</sst>`},
		{"xl/worksheets/sheet1.xml", `<worksheet xmlns="` + main + `"><sheetData>` + sd.String() + `</sheetData></worksheet>`},
	} {
		if err := put(p.name, p.body); err != nil {
			return err
		}
	}
	return z.Close()
}

// cellRef returns the A1 reference of column col (0-based) in row.
func cellRef(col, row int) string { return ColumnName(col) + strconv.Itoa(row) }

// ColumnName returns the spreadsheet letters of a 0-based column (0 → A, 27 → AB).
func ColumnName(col int) string {
	name := ""
	for col++; col > 0; col = (col - 1) / 26 {
		name = string(rune('A'+(col-1)%26)) + name
	}
	return name
}
