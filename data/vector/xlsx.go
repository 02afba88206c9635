package vector

import (
	"archive/zip"
	"encoding/xml"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"
)

// XLSXRow is one row of a worksheet: its 1-based row number and the text
// of its cells by 0-based column (A = 0); missing cells are "".
type XLSXRow struct {
	Line  int
	Cells []string
}

// Get returns the text of column col (0-based), "" when the row is shorter.
func (r XLSXRow) Get(col int) string {
	if col < len(r.Cells) {
		return r.Cells[col]
	}
	return ""
}

// ReadXLSX returns the rows of one worksheet of the Office Open XML
// workbook at file (the .xlsx the statistical offices publish): the sheet
// named sheet, or the first sheet when sheet is "". Cell values are text
// as stored: shared and inline strings resolved, numbers in their stored
// form ("53.02", "90164"; never formatted), booleans "0"/"1", formula cells
// by their cached value. Dates stay serial numbers. Styles, merged ranges
// and hidden rows are ignored: a merged header's text is in its first cell.
// Errors name the file and the part of the archive.
func ReadXLSX(file, sheet string) ([]XLSXRow, error) {
	z, err := zip.OpenReader(file)
	if err != nil {
		return nil, fmt.Errorf("vector: %s: not an XLSX workbook: %w", file, err)
	}
	defer z.Close()
	parts := map[string]*zip.File{}
	for _, f := range z.File {
		parts[strings.TrimPrefix(f.Name, "/")] = f
	}
	fail := func(part string, err error) error {
		return fmt.Errorf("vector: %s: %s: %w", file, part, err)
	}
	sheetPart, err := xlsxSheetPart(parts, sheet)
	if err != nil {
		return nil, fail("xl/workbook.xml", err)
	}
	var shared []string
	if f := parts["xl/sharedStrings.xml"]; f != nil {
		if shared, err = xlsxSharedStrings(f); err != nil {
			return nil, fail("xl/sharedStrings.xml", err)
		}
	}
	f := parts[sheetPart]
	if f == nil {
		return nil, fail(sheetPart, fmt.Errorf("the workbook names it, the archive lacks it"))
	}
	rows, err := xlsxRows(f, shared)
	if err != nil {
		return nil, fail(sheetPart, err)
	}
	return rows, nil
}

// XLSXSheets lists the names of the sheets of the workbook at file, in order.
func XLSXSheets(file string) ([]string, error) {
	z, err := zip.OpenReader(file)
	if err != nil {
		return nil, fmt.Errorf("vector: %s: not an XLSX workbook: %w", file, err)
	}
	defer z.Close()
	var wb struct {
		Sheets []struct {
			Name string `xml:"name,attr"`
		} `xml:"sheets>sheet"`
	}
	var f *zip.File
	for _, zf := range z.File {
		if strings.TrimPrefix(zf.Name, "/") == "xl/workbook.xml" {
			f = zf
		}
	}
	if err := xlsxDecode(f, &wb); err != nil {
		return nil, fmt.Errorf("vector: %s: xl/workbook.xml: %w", file, err)
	}
	out := make([]string, len(wb.Sheets))
	for i, s := range wb.Sheets {
		out[i] = s.Name
	}
	return out, nil
}

// xlsxSheetPart finds the archive path of the named (or first) sheet via
// the workbook and its relationships.
func xlsxSheetPart(parts map[string]*zip.File, name string) (string, error) {
	var wb struct {
		Sheets []struct {
			Name string `xml:"name,attr"`
			RID  string `xml:"http://schemas.openxmlformats.org/officeDocument/2006/relationships id,attr"`
		} `xml:"sheets>sheet"`
	}
	if err := xlsxDecode(parts["xl/workbook.xml"], &wb); err != nil {
		return "", err
	}
	if len(wb.Sheets) == 0 {
		return "", fmt.Errorf("the workbook has no sheet")
	}
	rid, names := "", make([]string, 0, len(wb.Sheets))
	for _, s := range wb.Sheets {
		names = append(names, s.Name)
		if name == "" || s.Name == name {
			rid = s.RID
			break
		}
	}
	if rid == "" {
		return "", fmt.Errorf("no sheet %q (sheets: %s)", name, strings.Join(names, ", "))
	}
	var rels struct {
		Rels []struct {
			ID     string `xml:"Id,attr"`
			Target string `xml:"Target,attr"`
		} `xml:"Relationship"`
	}
	if err := xlsxDecode(parts["xl/_rels/workbook.xml.rels"], &rels); err != nil {
		return "", fmt.Errorf("relationships: %w", err)
	}
	for _, r := range rels.Rels {
		if r.ID == rid {
			if strings.HasPrefix(r.Target, "/") {
				return strings.TrimPrefix(r.Target, "/"), nil
			}
			return path.Join("xl", r.Target), nil
		}
	}
	return "", fmt.Errorf("sheet relationship %q not found", rid)
}

func xlsxDecode(f *zip.File, v any) error {
	if f == nil {
		return fmt.Errorf("part missing from the archive")
	}
	rc, err := f.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	return xml.NewDecoder(rc).Decode(v)
}

// xlsxSharedStrings reads the shared string table; rich-text runs are joined.
func xlsxSharedStrings(f *zip.File) ([]string, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	var out []string
	d := xml.NewDecoder(rc)
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "si" {
			s, err := xlsxText(d, "si")
			if err != nil {
				return nil, err
			}
			out = append(out, s)
		}
	}
}

// xlsxText collects the text of every <t> below the current element until
// its end tag named end (phonetic runs <rPh> are skipped).
func xlsxText(d *xml.Decoder, end string) (string, error) {
	var b strings.Builder
	inT, skip := false, 0
	for {
		tok, err := d.Token()
		if err != nil {
			return "", err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "t":
				inT = true
			case "rPh":
				skip++
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "t":
				inT = false
			case "rPh":
				skip--
			case end:
				return b.String(), nil
			}
		case xml.CharData:
			if inT && skip == 0 {
				b.Write(t)
			}
		}
	}
}

// xlsxRows streams the <sheetData> of a worksheet into rows.
func xlsxRows(f *zip.File, shared []string) ([]XLSXRow, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	d := xml.NewDecoder(rc)
	var (
		rows []XLSXRow
		cur  *XLSXRow
	)
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return rows, nil
		}
		if err != nil {
			return nil, err
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch se.Name.Local {
		case "row":
			n := len(rows) + 1
			if len(rows) > 0 {
				n = rows[len(rows)-1].Line + 1
			}
			if r := xlsxAttr(se, "r"); r != "" {
				if n, err = strconv.Atoi(r); err != nil || n < 1 {
					return nil, fmt.Errorf("row number %q is not a positive integer", r)
				}
			}
			rows = append(rows, XLSXRow{Line: n})
			cur = &rows[len(rows)-1]
		case "c":
			if cur == nil {
				return nil, fmt.Errorf("cell outside a row")
			}
			col := len(cur.Cells)
			if ref := xlsxAttr(se, "r"); ref != "" {
				c, row, ok := splitCellRef(ref)
				if !ok || row != cur.Line {
					return nil, fmt.Errorf("row %d: cell reference %q is not a cell of this row", cur.Line, ref)
				}
				col = c
			}
			v, err := xlsxCell(d, xlsxAttr(se, "t"), shared)
			if err != nil {
				return nil, fmt.Errorf("row %d, cell %s: %w", cur.Line, xlsxAttr(se, "r"), err)
			}
			for len(cur.Cells) <= col {
				cur.Cells = append(cur.Cells, "")
			}
			cur.Cells[col] = v
		}
	}
}

// xlsxCell reads the value of a <c> element of type typ up to its end tag.
func xlsxCell(d *xml.Decoder, typ string, shared []string) (string, error) {
	var v string
	for {
		tok, err := d.Token()
		if err != nil {
			return "", err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "v":
				if err := d.DecodeElement(&v, &t); err != nil {
					return "", err
				}
			case "is":
				s, err := xlsxText(d, "is")
				if err != nil {
					return "", err
				}
				v = s
			}
		case xml.EndElement:
			if t.Name.Local != "c" {
				continue
			}
			if typ == "s" {
				i, err := strconv.Atoi(strings.TrimSpace(v))
				if err != nil || i < 0 || i >= len(shared) {
					return "", fmt.Errorf("shared string index %q out of range (%d strings)", v, len(shared))
				}
				return shared[i], nil
			}
			return v, nil
		}
	}
}

func xlsxAttr(se xml.StartElement, name string) string {
	for _, a := range se.Attr {
		if a.Name.Local == name && a.Name.Space == "" {
			return a.Value
		}
	}
	return ""
}

// splitCellRef splits "AB12" into column 27 (0-based) and row 12.
func splitCellRef(ref string) (col, row int, ok bool) {
	i := 0
	for i < len(ref) && ref[i] >= 'A' && ref[i] <= 'Z' {
		col = col*26 + int(ref[i]-'A'+1)
		i++
	}
	if i == 0 || i > 3 {
		return 0, 0, false
	}
	row, err := strconv.Atoi(ref[i:])
	if err != nil || row < 1 {
		return 0, 0, false
	}
	return col - 1, row, true
}
