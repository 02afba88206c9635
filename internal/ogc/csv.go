package ogc

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkt"
	"github.com/paulmach/orb/project"

	"reach/geo/crs"
	"reach/layers"
)

// MediaCSV is the media type of the CSV download.
const MediaCSV = "text/csv; charset=utf-8"

// CSVWriter writes features as CSV for spreadsheets and GIS: UTF-8 with a
// byte order mark (so that spreadsheet programs read umlauts right), one
// header row, then one row per feature: "id", the collection's properties
// in order, and the geometry in the output CRS, as "x" and "y" columns for
// point collections (x is the first axis of the CRS: longitude for CRS84,
// latitude for EPSG:4326, easting for projected CRS) and as WKT in a "wkt"
// column otherwise. Numbers use a decimal point; null is an empty field;
// arrays are joined with "; "; objects are JSON. Not safe for concurrent
// use.
type CSVWriter struct {
	w      *csv.Writer
	props  []string
	points bool
	crs    crs.Code
	digits int
	row    []string
}

// NewCSVWriter returns a writer for the features of c in CRS code.
func NewCSVWriter(w io.Writer, c layers.Collection, code crs.Code) *CSVWriter {
	cw := &CSVWriter{w: csv.NewWriter(w), points: c.GeometryType == "Point", crs: code, digits: Decimals(code)}
	for _, p := range c.Properties {
		cw.props = append(cw.props, p.Name)
	}
	return cw
}

// Begin writes the byte order mark and the header.
func (cw *CSVWriter) Begin(w io.Writer) error {
	if _, err := io.WriteString(w, "\uFEFF"); err != nil {
		return err
	}
	head := append([]string{"id"}, cw.props...)
	if cw.points {
		head = append(head, "x", "y")
	} else {
		head = append(head, "wkt")
	}
	return cw.w.Write(head)
}

// Write writes one feature.
func (cw *CSVWriter) Write(f layers.Feature) error {
	cw.row = append(cw.row[:0], f.ID)
	for _, name := range cw.props {
		v, _ := f.Get(name)
		cw.row = append(cw.row, csvValue(v))
	}
	g, err := OutputGeometry(f.Geometry, cw.crs)
	if err != nil {
		return fmt.Errorf("ogc: csv: feature %q: %w", f.ID, err)
	}
	if cw.points {
		x, y := "", ""
		if p, ok := g.(orb.Point); ok {
			x, y = strconv.FormatFloat(p[0], 'f', -1, 64), strconv.FormatFloat(p[1], 'f', -1, 64)
		}
		cw.row = append(cw.row, x, y)
	} else {
		s := ""
		if g != nil {
			s = wkt.MarshalString(g)
		}
		cw.row = append(cw.row, s)
	}
	return cw.w.Write(cw.row)
}

// End flushes the rows.
func (cw *CSVWriter) End() error {
	cw.w.Flush()
	return cw.w.Error()
}

func csvValue(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case int:
		return strconv.Itoa(x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case []string:
		s := ""
		for i, e := range x {
			if i > 0 {
				s += "; "
			}
			s += e
		}
		return s
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// OutputGeometry returns g (CRS84) in CRS code, in that CRS's axis order,
// with coordinates rounded as the GeoJSON output rounds them (7 decimals
// for degrees, 2 for metres). nil stays nil.
func OutputGeometry(g orb.Geometry, code crs.Code) (orb.Geometry, error) {
	if g == nil {
		return nil, nil
	}
	out := g
	if code != crs.CRS84 {
		var err error
		if out, err = crs.Project(g, crs.CRS84, code); err != nil {
			return nil, err
		}
	} else {
		out = orb.Clone(g)
	}
	d := Decimals(code)
	return roundGeometry(out, d), nil
}

func roundGeometry(g orb.Geometry, d int) orb.Geometry {
	return project.Geometry(g, func(p orb.Point) orb.Point { return orb.Point{RoundCoord(p[0], d), RoundCoord(p[1], d)} })
}
