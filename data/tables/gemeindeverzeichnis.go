package tables

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/paulmach/orb"

	"reach/data/vector"
	"reach/layers"
)

// GVMunicipality is one municipality (Satzart 60) of the Destatis
// Gemeindeverzeichnis.
type GVMunicipality struct {
	Line       int    // row of the sheet
	AGS        string // Land, RB, Kreis, Gem
	ARS        string // Land, RB, Kreis, VB, Gem
	Name       string
	AreaKm2    float64 // 0 when the cell is empty
	Population int64
	// Location is the table's point of the municipality (Längengrad,
	// Breitengrad; WGS84 lon/lat); HasLocation is false when both cells are empty.
	Location    orb.Point
	HasLocation bool
}

// GVOptions tune ReadGemeindeverzeichnis.
type GVOptions struct {
	// Sheet names the worksheet; "" takes the first sheet whose header has
	// the Gemeindeverzeichnis columns.
	Sheet string
	// Land keeps the municipalities whose AGS starts with it ("14" for
	// Saxony); "" keeps all.
	Land string
}

// IsGemeindeverzeichnis reports whether path names an XLSX workbook, the
// form in which Destatis publishes the Gemeindeverzeichnis (GV-ISys).
func IsGemeindeverzeichnis(path string) bool {
	return strings.EqualFold(filepath.Ext(path), ".xlsx")
}

// gvColumns are the 0-based columns of the fields read.
type gvColumns struct {
	satzart, land, rb, kreis, vb, gem, name, area, pop, lon, lat int
}

// ReadGemeindeverzeichnis reads the municipalities of the Destatis
// Gemeindeverzeichnis in its XLSX layout (GV-ISys "Gemeindeverzeichnis –
// Auszug", sheet "Onlineprodukt_Gemeinden…"): title rows, a header spread
// over several rows with merged cells (Satzart, Textkennzeichen, the ARS
// parts Land/RB/Kreis/VB/Gem, Gemeindename, Fläche km², Bevölkerung
// insgesamt/männlich/weiblich/je km², Postleitzahl, Längengrad, Breitengrad,
// Reisegebiet, Grad der Verstädterung), then one row per record; Satzart 60
// rows are municipalities, the others (Land, Regierungsbezirk, Kreis,
// Gemeindeverband) are skipped. The columns are found by their header
// words, so inserted or moved columns are read correctly. Numbers may be
// stored as numbers or as text in German notation ("9,43751", "90 164").
// Errors name the file, row, column letter, header and value.
func ReadGemeindeverzeichnis(path string, opts GVOptions) ([]GVMunicipality, error) {
	var names []string
	sheets := []string{opts.Sheet}
	if opts.Sheet == "" {
		sheets = nil
		all, err := vector.XLSXSheets(path)
		if err != nil {
			return nil, fmt.Errorf("tables: %w", err)
		}
		sheets, names = all, all
	}
	var firstErr error
	for _, sh := range sheets {
		rows, err := vector.ReadXLSX(path, sh)
		if err != nil {
			return nil, fmt.Errorf("tables: %w", err)
		}
		cols, start, err := gvHeader(rows)
		if err != nil {
			if firstErr == nil {
				firstErr = fmt.Errorf("tables: %s: sheet %q: %w", filepath.Base(path), sh, err)
			}
			continue
		}
		return gvRecords(filepath.Base(path), rows[start:], cols, opts.Land)
	}
	if firstErr == nil {
		firstErr = fmt.Errorf("tables: %s: no sheet with the Gemeindeverzeichnis columns (sheets: %s): %w", filepath.Base(path), strings.Join(names, ", "), layers.ErrInvalid)
	}
	return nil, firstErr
}

// gvNorm folds a header cell: lower case, without hyphens, soft hyphens,
// line breaks and spaces ("Satz-\nart" → "satzart").
func gvNorm(s string) string {
	s = strings.ToLower(s)
	return strings.NewReplacer("-", "", "\u00ad", "", "\n", "", "\r", "", " ", "", "\u00a0", "").Replace(s)
}

// gvHeader finds the columns in the rows above the first record (a row
// whose Satzart cell is a two-digit number) and returns the index of that row.
func gvHeader(rows []vector.XLSXRow) (gvColumns, int, error) {
	c := gvColumns{-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1}
	for i, r := range rows {
		if c.satzart >= 0 && gvIsRecord(r.Get(c.satzart)) {
			missing := []string{}
			for _, f := range []struct {
				col  int
				name string
			}{{c.land, "Land"}, {c.rb, "RB"}, {c.kreis, "Kreis"}, {c.vb, "VB"}, {c.gem, "Gem"}, {c.name, "Gemeindename"},
				{c.area, "Fläche"}, {c.pop, "Bevölkerung insgesamt"}, {c.lon, "Längengrad"}, {c.lat, "Breitengrad"}} {
				if f.col < 0 {
					missing = append(missing, f.name)
				}
			}
			if len(missing) > 0 {
				return c, 0, fmt.Errorf("no header column %s above row %d: %w", strings.Join(missing, ", "), r.Line, layers.ErrInvalid)
			}
			return c, i, nil
		}
		for j, cell := range r.Cells {
			h := gvNorm(cell)
			set := func(dst *int) {
				if *dst < 0 {
					*dst = j
				}
			}
			switch {
			case h == "":
			case strings.Contains(h, "satzart"):
				set(&c.satzart)
			case h == "land":
				set(&c.land)
			case h == "rb":
				set(&c.rb)
			case h == "kreis":
				set(&c.kreis)
			case h == "vb":
				set(&c.vb)
			case h == "gem":
				set(&c.gem)
			case strings.Contains(h, "gemeindename"):
				set(&c.name)
			case strings.HasPrefix(h, "fläche"):
				set(&c.area)
			case h == "insgesamt":
				set(&c.pop)
			case strings.Contains(h, "längengrad"):
				set(&c.lon)
			case strings.Contains(h, "breitengrad"):
				set(&c.lat)
			}
		}
	}
	if c.satzart < 0 {
		return c, 0, fmt.Errorf("no header column Satzart: %w", layers.ErrInvalid)
	}
	return c, 0, fmt.Errorf("no record below the header (no row with a two-digit Satzart): %w", layers.ErrInvalid)
}

func gvIsRecord(s string) bool {
	return len(s) == 2 && s[0] >= '1' && s[0] <= '9' && s[1] >= '0' && s[1] <= '9'
}

func gvRecords(file string, rows []vector.XLSXRow, c gvColumns, land string) ([]GVMunicipality, error) {
	var out []GVMunicipality
	seen := map[string]int{}
	for _, r := range rows {
		if r.Get(c.satzart) != "60" {
			continue
		}
		fail := func(col int, header, reason string) error {
			return fmt.Errorf("tables: %s: row %d, column %s (%s): %q %s: %w", file, r.Line, vector.ColumnName(col), header, r.Get(col), reason, layers.ErrInvalid)
		}
		parts := []struct {
			col  int
			name string
			n    int
		}{{c.land, "Land", 2}, {c.rb, "RB", 1}, {c.kreis, "Kreis", 2}, {c.vb, "VB", 4}, {c.gem, "Gem", 3}}
		key := make([]string, len(parts))
		for k, p := range parts {
			v := strings.TrimSpace(r.Get(p.col))
			// a key part stored as a number loses its leading zeros
			if v != "" && len(v) < p.n && allDigits(v, len(v)) {
				v = strings.Repeat("0", p.n-len(v)) + v
			}
			if !allDigits(v, p.n) {
				return nil, fail(p.col, p.name, fmt.Sprintf("is not a %d-digit key part", p.n))
			}
			key[k] = v
		}
		m := GVMunicipality{Line: r.Line, AGS: key[0] + key[1] + key[2] + key[4], ARS: strings.Join(key, ""), Name: strings.TrimSpace(r.Get(c.name))}
		if land != "" && !strings.HasPrefix(m.AGS, land) {
			continue
		}
		if prev, dup := seen[m.AGS]; dup {
			return nil, fail(c.gem, "Gem", fmt.Sprintf("repeats the AGS %s of row %d", m.AGS, prev))
		}
		seen[m.AGS] = r.Line
		if m.Name == "" {
			return nil, fail(c.name, "Gemeindename", "is empty")
		}
		if s := r.Get(c.area); strings.TrimSpace(s) != "" {
			v, ok := gvNumber(s)
			if !ok || v < 0 {
				return nil, fail(c.area, "Fläche km²", "is not an area in km²")
			}
			m.AreaKm2 = v
		}
		v, ok := gvNumber(r.Get(c.pop))
		if !ok || v < 0 || v != float64(int64(v)) {
			return nil, fail(c.pop, "Bevölkerung insgesamt", "is not a whole, non-negative count")
		}
		m.Population = int64(v)
		lonS, latS := strings.TrimSpace(r.Get(c.lon)), strings.TrimSpace(r.Get(c.lat))
		if lonS != "" || latS != "" {
			lon, ok := gvNumber(lonS)
			if !ok || lon < -180 || lon > 180 {
				return nil, fail(c.lon, "Längengrad", "is not a longitude in degrees")
			}
			lat, ok := gvNumber(latS)
			if !ok || lat < -90 || lat > 90 {
				return nil, fail(c.lat, "Breitengrad", "is not a latitude in degrees")
			}
			m.Location, m.HasLocation = orb.Point{lon, lat}, true
		}
		out = append(out, m)
	}
	if len(out) == 0 {
		what := "no municipality (Satzart 60)"
		if land != "" {
			what += " of Land " + land
		}
		return nil, fmt.Errorf("tables: %s: %s: %w", file, what, layers.ErrInvalid)
	}
	return out, nil
}

// gvNumber reads a number stored as a number ("53.02") or as German text
// ("53,02", "90 164", "1.234,5").
func gvNumber(s string) (float64, bool) {
	s = strings.NewReplacer(" ", "", "\u00a0", "", "\u202f", "").Replace(strings.TrimSpace(s))
	if s == "" {
		return 0, false
	}
	if strings.Contains(s, ",") {
		s = strings.ReplaceAll(strings.ReplaceAll(s, ".", ""), ",", ".")
	}
	v, err := strconv.ParseFloat(s, 64)
	return v, err == nil
}
