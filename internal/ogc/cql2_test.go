package ogc

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"reach/geo/crs"
	"reach/layers"
	"reach/layers/query"
)

// show prints an expression in a fixed, readable form for comparisons.
func show(e layers.Expr) string {
	switch x := e.(type) {
	case *layers.And:
		parts := make([]string, len(x.Args))
		for i, a := range x.Args {
			parts[i] = show(a)
		}
		return "and(" + strings.Join(parts, ", ") + ")"
	case *layers.Or:
		parts := make([]string, len(x.Args))
		for i, a := range x.Args {
			parts[i] = show(a)
		}
		return "or(" + strings.Join(parts, ", ") + ")"
	case *layers.Not:
		return "not(" + show(x.Arg) + ")"
	case *layers.Compare:
		return x.Prop + " " + string(x.Op) + " " + x.Value.String()
	case *layers.In:
		vs := make([]string, len(x.Values))
		for i, v := range x.Values {
			vs[i] = v.String()
		}
		return x.Prop + " in [" + strings.Join(vs, " ") + "]"
	case *layers.Between:
		return x.Prop + " between " + x.Low.String() + " " + x.High.String()
	case *layers.Like:
		return x.Prop + " like " + x.Pattern
	case *layers.IsNull:
		return x.Prop + " is null"
	case *layers.Intersects:
		return fmt.Sprintf("intersects(%s %v in %v)", x.Geometry.GeoJSONType(), x.Geometry.Bound(), x.CRS)
	}
	return fmt.Sprintf("%T", e)
}

func TestParseCQL2(t *testing.T) {
	coll := facilitiesCollection(t)
	projects, _ := layers.CollectionInfo(layers.CollProjects)
	tests := []struct {
		name, text, json string
		coll             layers.Collection
		want             string
	}{
		{"comparison", "capacity > 20", `{"op":">","args":[{"property":"capacity"},20]}`, coll, "capacity > 20"},
		{"literal on the left flips", "20 <= capacity", `{"op":"<=","args":[20,{"property":"capacity"}]}`, coll, "capacity >= 20"},
		{"and binds tighter than or", "category = 'kita' OR category = 'pharmacy' AND capacity >= 5",
			`{"op":"or","args":[{"op":"=","args":[{"property":"category"},"kita"]},{"op":"and","args":[{"op":"=","args":[{"property":"category"},"pharmacy"]},{"op":">=","args":[{"property":"capacity"},5]}]}]}`,
			coll, "or(category = 'kita', and(category = 'pharmacy', capacity >= 5))"},
		{"not and parentheses", "NOT (category = 'kita' OR name LIKE 'A%')",
			`{"op":"not","args":[{"op":"or","args":[{"op":"=","args":[{"property":"category"},"kita"]},{"op":"like","args":[{"property":"name"},"A%"]}]}]}`,
			coll, "not(or(category = 'kita', name like A%))"},
		{"in", "category IN ('kita', 'hospital')", `{"op":"in","args":[{"property":"category"},["kita","hospital"]]}`, coll, "category in ['kita' 'hospital']"},
		{"not in", "category NOT IN ('kita')", `{"op":"not","args":[{"op":"in","args":[{"property":"category"},["kita"]]}]}`, coll, "not(category in ['kita'])"},
		{"between", "capacity BETWEEN 10 AND 20.5", `{"op":"between","args":[{"property":"capacity"},10,20.5]}`, coll, "capacity between 10 20.5"},
		{"is not null", "capacity IS NOT NULL", `{"op":"not","args":[{"op":"isNull","args":[{"property":"capacity"}]}]}`, coll, "not(capacity is null)"},
		{"quoted string with apostrophe", "name = 'Kita ''Sonnenschein'''", `{"op":"=","args":[{"property":"name"},"Kita 'Sonnenschein'"]}`, coll, "name = 'Kita ''Sonnenschein'''"},
		{"quoted identifier and keywords in lower case", `"category" = 'kita' and not capacity is null`,
			`{"op":"and","args":[{"op":"=","args":[{"property":"category"},"kita"]},{"op":"not","args":[{"op":"isNull","args":[{"property":"capacity"}]}]}]}`,
			coll, "and(category = 'kita', not(capacity is null))"},
		{"bbox", "S_INTERSECTS(geometry, BBOX(13.5, 50.9, 13.9, 51.1))", `{"op":"s_intersects","args":[{"property":"geometry"},{"bbox":[13.5,50.9,13.9,51.1]}]}`,
			coll, "intersects(Polygon {[13.5 50.9] [13.9 51.1]} in CRS84)"},
		{"polygon", "S_INTERSECTS(geometry, POLYGON((13 50, 14 50, 14 51, 13 50)))",
			`{"op":"s_intersects","args":[{"property":"geometry"},{"type":"Polygon","coordinates":[[[13,50],[14,50],[14,51],[13,50]]]}]}`,
			coll, "intersects(Polygon {[13 50] [14 51]} in CRS84)"},
		{"point", "S_INTERSECTS(POINT(13.7 51.05), geometry)", `{"op":"s_intersects","args":[{"type":"Point","coordinates":[13.7,51.05]},{"property":"geometry"}]}`,
			coll, "intersects(Point {[13.7 51.05] [13.7 51.05]} in CRS84)"},
		{"timestamp", "submitted_at >= TIMESTAMP('2024-03-01T00:00:00Z')", `{"op":">=","args":[{"property":"submitted_at"},{"timestamp":"2024-03-01T00:00:00Z"}]}`,
			projects, "submitted_at >= TIMESTAMP('2024-03-01T00:00:00Z')"},
		{"string for a timestamp, as GDAL writes it", "submitted_at > '2024-03-01T00:00:00Z'", `{"op":">","args":[{"property":"submitted_at"},"2024-03-01T00:00:00Z"]}`,
			projects, "submitted_at > TIMESTAMP('2024-03-01T00:00:00Z')"},
		{"1 for true, as GDAL writes it", "synthetic = 1", `{"op":"=","args":[{"property":"synthetic"},1]}`, projects, "synthetic = true"},
		{"negative number and exponent", "investment_cost > -1.5e3", `{"op":">","args":[{"property":"investment_cost"},-1.5e3]}`, projects, "investment_cost > -1500"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, err := ParseFilter(tc.text, "", crs.CRS84, tc.coll)
			if err != nil {
				t.Fatalf("text %q: %v", tc.text, err)
			}
			if got := show(e); got != tc.want {
				t.Errorf("text %q:\n got %s\nwant %s", tc.text, got, tc.want)
			}
			e, err = ParseFilter(tc.json, FilterLangJSON, crs.CRS84, tc.coll)
			if err != nil {
				t.Fatalf("json %s: %v", tc.json, err)
			}
			if got := show(e); got != tc.want {
				t.Errorf("json %s:\n got %s\nwant %s", tc.json, got, tc.want)
			}
		})
	}
}

func TestParseCQL2Errors(t *testing.T) {
	coll := facilitiesCollection(t)
	tests := []struct {
		name, lang, filter string
		want               string // in the reason
	}{
		{"unknown property", "", "colour = 'red'", `at position 0: collection "facilities" has no property "colour"`},
		{"type mismatch names the position", "", "category = 'kita' AND capacity = 'many'", `at position 22: property "capacity" is a number, the value 'many' is a string`},
		{"unclosed string", "", "name = 'Kita", "at position 7: string literal not closed"},
		{"unclosed parenthesis", "", "(capacity > 1", "at position 13: expected ) to close the ( at position 0, found end of filter"},
		{"trailing garbage", "", "capacity > 1 capacity", `at position 13: unexpected "capacity" after a complete expression`},
		{"missing operator", "", "capacity 1", `at position 9: expected a comparison`},
		{"like on a number", "", "capacity LIKE '1%'", "LIKE needs a string property"},
		{"unsupported function", "", "CASEI(name) = 'x'", "at position 0: function CASEI is not supported"},
		{"two properties", "", "name = category", "comparing two properties is not supported"},
		{"bad bbox", "", "S_INTERSECTS(geometry, BBOX(14, 50, 13, 51))", "BBOX minimum exceeds maximum"},
		{"not lon/lat", "", "S_INTERSECTS(geometry, POINT(400000 5650000))", "is not a longitude/latitude in CRS84"},
		{"empty", "", "  ", "empty filter"},
		{"json path", FilterLangJSON, `{"op":"and","args":[{"op":"=","args":[{"property":"category"},"kita"]},{"op":"<","args":[{"property":"capacity"},"x"]}]}`,
			`at $.args[1]: property "capacity" is a number`},
		{"json unknown op", FilterLangJSON, `{"op":"t_before","args":[]}`, `at $: unsupported operator "t_before"`},
		{"json not json", FilterLangJSON, `{"op":`, "not valid JSON"},
		{"unknown language", "sql", "1=1", "unknown filter language"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseFilter(tc.filter, tc.lang, crs.CRS84, coll)
			if err == nil {
				t.Fatalf("%q: no error", tc.filter)
			}
			var pe ParamError
			if !errors.As(err, &pe) || (pe.Name != "filter" && pe.Name != "filter-lang") {
				t.Fatalf("%q: error %v is not a ParamError for filter", tc.filter, err)
			}
			if !strings.Contains(pe.Reason, tc.want) {
				t.Errorf("%q: reason %q does not contain %q", tc.filter, pe.Reason, tc.want)
			}
			if !errors.Is(err, layers.ErrInvalid) {
				t.Errorf("%q: error does not wrap ErrInvalid", tc.filter)
			}
		})
	}
}

func TestParseDatetime(t *testing.T) {
	projects, _ := layers.CollectionInfo(layers.CollProjects)
	tests := []struct {
		in   string
		want string
	}{
		{"2024-03-01T09:30:00Z", "and(submitted_at >= TIMESTAMP('2024-03-01T09:30:00Z'), submitted_at <= TIMESTAMP('2024-03-01T09:30:00Z'))"},
		{"2024-03-01", "and(submitted_at >= TIMESTAMP('2024-03-01T00:00:00Z'), submitted_at < TIMESTAMP('2024-03-02T00:00:00Z'))"},
		{"../2024-03-01T00:00:00Z", "submitted_at <= TIMESTAMP('2024-03-01T00:00:00Z')"},
		{"2024-03-01T00:00:00Z/", "submitted_at >= TIMESTAMP('2024-03-01T00:00:00Z')"},
	}
	for _, tc := range tests {
		e, err := ParseDatetime(tc.in, projects)
		if err != nil {
			t.Fatalf("%q: %v", tc.in, err)
		}
		if got := show(e); got != tc.want {
			t.Errorf("%q:\n got %s\nwant %s", tc.in, got, tc.want)
		}
	}
	for _, bad := range []string{"yesterday", "../..", "2024-03-02/2024-03-01", "a/b/c"} {
		if _, err := ParseDatetime(bad, projects); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
	// A collection without a time accepts the parameter and selects all.
	if e, err := ParseDatetime("2024-03-01", facilitiesCollection(t)); err != nil || e != nil {
		t.Errorf("facilities: %v, %v; want nil, nil", e, err)
	}
}

func TestBBoxCRSIsExact(t *testing.T) {
	coll := facilitiesCollection(t)
	p, err := ParseItems(map[string][]string{"bbox": {"400000,5650000,410000,5660000"}, "bbox-crs": {"EPSG:25833"}}, coll, CursorCodec{}, "")
	if err != nil {
		t.Fatal(err)
	}
	x, ok := p.Query.Filter.(*layers.Intersects)
	if !ok || x.CRS != crs.UTM33N || x.Geometry.Bound() != (orb.Bound{Min: orb.Point{400000, 5650000}, Max: orb.Point{410000, 5660000}}) {
		t.Fatalf("filter = %s, want the box in EPSG:25833", show(p.Query.Filter))
	}
	if p.Query.BBox == nil || !p.Query.BBox.Contains(orb.Point{13.6, 51.0}) {
		t.Errorf("index envelope %v does not cover the box", p.Query.BBox)
	}
	// EPSG:4326 is latitude first: swapped to CRS84, no extra test needed.
	p, err = ParseItems(map[string][]string{"bbox": {"50,13,51,14"}, "bbox-crs": {"EPSG:4326"}}, coll, CursorCodec{}, "")
	if err != nil {
		t.Fatal(err)
	}
	if p.Query.Filter != nil || *p.Query.BBox != (orb.Bound{Min: orb.Point{13, 50}, Max: orb.Point{14, 51}}) {
		t.Errorf("EPSG:4326 bbox: %v, filter %v", p.Query.BBox, p.Query.Filter)
	}
}

// FuzzParseCQL2 checks that the parsers never panic, that every error is a
// FilterError with a position inside the text (or a JSON path), and that
// whatever parses also passes or fails query.Check without panicking.
func FuzzParseCQL2(f *testing.F) {
	for _, s := range []string{
		"capacity > 20", "category = 'kita' OR NOT (name LIKE 'A%')", "capacity BETWEEN 1 AND 2",
		"category IN ('a','b')", "capacity IS NOT NULL", "S_INTERSECTS(geometry, BBOX(13,50,14,51))",
		"S_INTERSECTS(geometry, MULTIPOLYGON(((13 50, 14 50, 14 51, 13 50))))", "name = 'it''s'",
		`{"op":"and","args":[{"op":"=","args":[{"property":"category"},"kita"]},{"op":"isNull","args":[{"property":"capacity"}]}]}`,
		"((((", "'", "\"", "NOT NOT NOT", "TIMESTAMP('x')", "-", "1e999 < capacity",
	} {
		f.Add(s)
	}
	coll := facilitiesCollection(f)
	f.Fuzz(func(t *testing.T, s string) {
		e, err := ParseCQL2Text(s, crs.CRS84)
		if err != nil {
			var fe *query.Error
			if !errors.As(err, &fe) {
				t.Fatalf("ParseCQL2Text(%q): error %v is not a FilterError", s, err)
			}
			if fe.Pos < 0 || fe.Pos > len(s) {
				t.Fatalf("ParseCQL2Text(%q): position %d outside the text", s, fe.Pos)
			}
		} else if e == nil {
			t.Fatalf("ParseCQL2Text(%q): nil expression without error", s)
		} else {
			_ = query.Check(coll, e)
			_ = query.Match(e, layers.Feature{ID: "x", Geometry: orb.Point{13.5, 51}, Properties: []layers.Property{{Name: "capacity", Value: 3.0}, {Name: "name", Value: "A"}}})
		}
		if _, err := ParseCQL2JSON([]byte(s), crs.CRS84); err != nil && err.Error() == "" {
			t.Fatalf("ParseCQL2JSON(%q): empty error", s)
		}
		if _, err := ParseFilter(s, "", crs.CRS84, coll); err != nil {
			var pe ParamError
			if !errors.As(err, &pe) || pe.Name != "filter" {
				t.Fatalf("ParseFilter(%q): error %v does not name the filter parameter", s, err)
			}
		}
	})
}
