// Package zensus reads the population grid of the German census (Zensus)
// from the CSV files of the statistical offices into layers.Cell values.
//
// Entry points:
//
//   - ReadCells(ctx, path, opts): stream the cells of a grid CSV file.
//   - DecodeCells(ctx, r, name, opts): the same from a reader.
//
// Two layouts are understood, at 100 m and 1 km, detected from the header:
//
//   - Zensus 2011 ("Gitter_ID_1km,x_mp_1km,y_mp_1km,Einwohner[,ab65_A,
//     unter18_A][,AGS_approx]", comma): short INSPIRE ids such as
//     "1kmN3009E4486"; "-1" marks "no value", "-9" a suppressed share.
//   - Zensus 2022 ("GITTER_ID_100m;x_mp_100m;y_mp_100m;Einwohner" and
//     "GITTER_ID_1km;x_mp_1km;y_mp_1km;Einwohner", semicolon, decimal
//     comma, often a trailing "werterlaeuternde_Zeichen" column, which is
//     ignored): long ids such as "CRS3035RES100mN2689100E4337000" and
//     "CRS3035RES1000mN2689000E4337000"; "–" (en dash), "-" or "-1" marks a
//     secret cell, and an empty count (the 2022 files leave cells without
//     a published value empty) is read the same way: unknown, not zero.
//
// The delimiter is detected, not assumed, so a 2011 file saved with
// semicolons reads as well; numbers in semicolon files are read in German
// notation (decimal comma), as the 2022 files write them. Column names are
// matched case-insensitively.
//
// How values are stored:
//
//   - A count marked secret or "no value" is stored as Known=false,
//     Population=0; a count is never negative. In the 2011 1 km file "-1"
//     stands for cells without a published count: Destatis lists only
//     populated cells and the missing ones were filled with -1, so in
//     practice these cells are unpopulated, but the file cannot tell an
//     empty cell from a withheld one. They are therefore stored as unknown
//     by default (the Saxon 1 km file has 6,707 such cells and 11,746 known
//     cells summing to 4,049,003). Options.NoValueIsZero stores them as
//     known cells with population 0 instead.
//   - Shares (ab65_A, unter18_A) are percentages 0–100; "-1", "-9", "–" and
//     "" give nil.
//   - The centre columns (x_mp_…, y_mp_…, EPSG:3035 metres) must equal the
//     centre of the cell named by the id (reach/geo/grid) to within 1 m, and
//     the resolution in the column name must match the id; otherwise the
//     reader fails naming line, field and value.
//   - AGS: from the AGS_approx (or AGS) column when present, else from
//     Options.Lookup called with the cell centre in EPSG:3035, else "".
//   - Year: Options.Year, else 2011 for short ids and 2022 for long ids.
//   - A cell id that occurs twice is an error naming both lines. To find
//     repeats the reader keeps about 40 bytes per cell read (some 130 MB
//     for the 3.2 million populated 100 m cells of Germany).
//
// Errors look like `zensus: grid.csv: line 812: field "Einwohner": "abc" is
// not a number` and wrap layers.ErrInvalid. The package holds no state; the
// sequences are single-use.
package zensus

import (
	"context"
	"fmt"
	"io"
	"iter"
	"math"
	"strconv"
	"strings"

	"github.com/paulmach/orb"

	"reach/data/vector"
	"reach/geo/grid"
	"reach/layers"
)

// Options tune the grid readers. The zero value suits both official layouts.
type Options struct {
	// Year is the reference year stored in each cell; 0 infers it from the
	// id form (short: 2011, long: 2022).
	Year int
	// NoValueIsZero stores the 2011 "-1" count as a known population of 0
	// instead of unknown. It does not apply to the 2022 secrecy marks.
	NoValueIsZero bool
	// Lookup returns the AGS of the municipality containing an EPSG:3035
	// cell centre; it is called only when the file has no AGS column. nil
	// leaves AGS empty.
	Lookup func(center orb.Point) (ags string, ok bool)
	// Share65Column and ShareUnder18Column override the names of the share
	// columns (defaults "ab65_A" and "unter18_A"; absent columns give nil).
	Share65Column, ShareUnder18Column string
	// Comma overrides the detected delimiter.
	Comma rune
}

const pkg = "zensus"

// ReadCells streams the cells of the Zensus grid CSV file at path.
func ReadCells(ctx context.Context, path string, opts Options) iter.Seq2[layers.Cell, error] {
	return vector.FromFile(path, "zensus", func(r io.Reader, name string) iter.Seq2[layers.Cell, error] {
		return DecodeCells(ctx, r, name, opts)
	})
}

// columns are the resolved column names of one file.
type columns struct {
	id, x, y, pop, s65, s18, ags string
	res                          int // from the id column name
	decimalComma                 bool
}

func resolve(h *vector.Header, opts Options, comma rune) (columns, error) {
	var c columns
	for _, n := range h.Names {
		l := strings.ToLower(n)
		switch {
		case strings.HasPrefix(l, "gitter_id_"):
			if c.id != "" {
				return c, vector.Invalidf("two id columns %q and %q", c.id, n)
			}
			c.id = n
			switch strings.TrimPrefix(l, "gitter_id_") {
			case "100m":
				c.res = 100
			case "1km":
				c.res = 1000
			case "10km":
				c.res = 10000
			default:
				return c, &vector.FieldError{Field: "header", Value: n, Reason: "names no known resolution (100m, 1km, 10km)"}
			}
		case strings.HasPrefix(l, "x_mp_"):
			c.x = n
		case strings.HasPrefix(l, "y_mp_"):
			c.y = n
		}
	}
	if c.id == "" {
		return c, vector.Invalidf("missing column \"Gitter_ID_1km\" or \"GITTER_ID_100m\" (header: %s)", strings.Join(h.Names, ", "))
	}
	var ok bool
	if c.pop, ok = h.First("Einwohner"); !ok {
		return c, vector.Invalidf("missing column %q (header: %s)", "Einwohner", strings.Join(h.Names, ", "))
	}
	s65, s18 := opts.Share65Column, opts.ShareUnder18Column
	if s65 == "" {
		s65 = "ab65_A"
	}
	if s18 == "" {
		s18 = "unter18_A"
	}
	if opts.Share65Column != "" && !h.Has(s65) {
		return c, vector.Invalidf("missing column %q", s65)
	}
	if opts.ShareUnder18Column != "" && !h.Has(s18) {
		return c, vector.Invalidf("missing column %q", s18)
	}
	c.s65, _ = h.First(s65)
	c.s18, _ = h.First(s18)
	c.ags, _ = h.First("AGS_approx", "AGS")
	c.decimalComma = comma == ';'
	return c, nil
}

// DecodeCells streams the cells of Zensus grid CSV data read from r; name
// is used in errors.
func DecodeCells(ctx context.Context, r io.Reader, name string, opts Options) iter.Seq2[layers.Cell, error] {
	return func(yield func(layers.Cell, error) bool) {
		var (
			cols  columns
			ready bool
			seen  = map[uint64]int32{} // packed corner → line; about 40 bytes per cell
		)
		// Delimiter: detect here to know whether shares use a decimal comma.
		br := newPeeker(r)
		comma := opts.Comma
		if comma == 0 {
			comma = vector.DetectDelimiter(br.head())
		}
		for row, err := range vector.DecodeCSV(ctx, br, name, vector.CSVOptions{Pkg: pkg, Comma: comma}) {
			if err != nil {
				yield(layers.Cell{}, err)
				return
			}
			if !ready {
				c, err := resolve(row.Header, opts, comma)
				if err != nil {
					yield(layers.Cell{}, vector.NewRecordError(pkg, vector.Pos{File: name, Line: 1}, err))
					return
				}
				cols, ready = c, true
			}
			cell, id, err := parseRow(row, cols, opts)
			if err != nil {
				yield(layers.Cell{}, err)
				return
			}
			key := uint64(uint32(id.North))<<32 | uint64(uint32(id.East))
			if prev, dup := seen[key]; dup {
				yield(layers.Cell{}, row.Errorf(cols.id, row.Get(cols.id), fmt.Sprintf("repeats the cell of line %d", prev)))
				return
			}
			seen[key] = int32(row.Pos.Line)
			if err := cell.Validate(); err != nil {
				yield(layers.Cell{}, row.Err(vector.InColumns(err, map[string]string{
					"inspire_id": cols.id, "population": cols.pop, "share_65_plus": cols.s65, "share_under_18": cols.s18, "ags": cols.ags})))
				return
			}
			if !yield(cell, nil) {
				return
			}
		}
	}
}

// isSecret reports whether a count value marks a secret or missing count.
func isSecret(s string) bool {
	switch s {
	case "-1", "–", "—", "-", "−":
		return true
	}
	return false
}

func parseRow(row vector.Row, c columns, opts Options) (layers.Cell, grid.ID, error) {
	rawID := row.Get(c.id)
	id, err := grid.ParseID(rawID)
	if err != nil {
		return layers.Cell{}, id, row.Errorf(c.id, rawID, "is not an INSPIRE grid cell id")
	}
	long := strings.HasPrefix(rawID, "CRS3035")
	if id.ResolutionM != c.res {
		return layers.Cell{}, id, row.Errorf(c.id, rawID, fmt.Sprintf("is a %d m cell, the column says %d m", id.ResolutionM, c.res))
	}
	centre := id.Center()
	for i, col := range []string{c.x, c.y} {
		if col == "" {
			continue
		}
		s := row.Get(col)
		v, reason, ok := vector.ParseFloat(s, c.decimalComma)
		if !ok {
			return layers.Cell{}, id, row.Errorf(col, s, reason)
		}
		if math.Abs(v-centre[i]) > 1 {
			return layers.Cell{}, id, row.Errorf(col, s, fmt.Sprintf("is not the centre of cell %s (want %s)", rawID, strconv.FormatFloat(centre[i], 'f', -1, 64)))
		}
	}
	cell := layers.Cell{ID: id.String(), ResolutionM: id.ResolutionM, Year: opts.Year}
	if cell.Year == 0 {
		cell.Year = 2011
		if long {
			cell.Year = 2022
		}
	}
	pop := row.Get(c.pop)
	switch {
	case isSecret(pop) || (long && strings.TrimSpace(pop) == ""):
		if pop == "-1" && !long && opts.NoValueIsZero {
			cell.Known = true
		}
	default:
		n, reason, ok := vector.ParseInt(pop, c.decimalComma)
		if !ok {
			if pop == "" {
				reason = "is empty (the 2011 layout writes -1 for a missing count)"
			}
			return layers.Cell{}, id, row.Errorf(c.pop, pop, reason)
		}
		if n < 0 {
			return layers.Cell{}, id, row.Errorf(c.pop, pop, "is negative (only -1 marks a missing count)")
		}
		cell.Population, cell.Known = n, true
	}
	for _, sh := range []struct {
		col string
		dst **float64
	}{{c.s65, &cell.Share65Plus}, {c.s18, &cell.ShareUnder18}} {
		if sh.col == "" {
			continue
		}
		s := row.Get(sh.col)
		if s == "" || s == "-9" || isSecret(s) {
			continue
		}
		v, reason, ok := vector.ParseFloat(s, c.decimalComma)
		if !ok {
			return layers.Cell{}, id, row.Errorf(sh.col, s, reason)
		}
		*sh.dst = &v
	}
	if c.ags != "" {
		cell.AGS = row.Get(c.ags)
	} else if opts.Lookup != nil {
		if a, ok := opts.Lookup(centre); ok {
			cell.AGS = a
		}
	}
	return cell, id, nil
}
