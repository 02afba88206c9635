package ogc

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"reach/geo/crs"
	"reach/layers"
)

func sampleFeatures() []layers.Feature {
	return []layers.Feature{
		{ID: "a", Geometry: orb.Point{13.737262345678, 51.050407123456}, Properties: []layers.Property{
			{Name: "name", Value: "Dresden <Altstadt> & \"Neustadt\"\n"}, {Name: "population", Value: int64(556780)},
			{Name: "density", Value: 1702.5}, {Name: "secret", Value: false}, {Name: "none", Value: nil},
			{Name: "members", Value: []string{"14612000", "14628110"}}, {Name: "ind", Value: map[string]float64{"b": 2, "a": 1.5}},
			{Name: "nan", Value: math.NaN()},
		}},
		{ID: "b", Geometry: orb.Polygon{{{13, 51}, {13.1, 51}, {13.1, 51.1}, {13, 51}}}},
		{ID: "c"},
		{ID: "d", Geometry: orb.MultiLineString{{{12, 50}, {12.5, 50.5}}}},
		{ID: "e", Geometry: orb.Collection{orb.Point{12, 50}, orb.LineString{{12, 50}, {12.5, 50.5}}}},
	}
}

func TestFeatureWriter(t *testing.T) {
	var buf bytes.Buffer
	fw := NewFeatureWriter(&buf, crs.CRS84)
	ts := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	fs := sampleFeatures()
	if err := fw.Begin(CollectionHeader{TimeStamp: ts, NumberMatched: 42, NumberReturned: len(fs),
		Links: []Link{{Href: "http://x/items", Rel: "self", Type: MediaGeoJSON}}, Members: []Member{{"method", "grid"}}}); err != nil {
		t.Fatal(err)
	}
	for _, f := range fs {
		if err := fw.Write(f); err != nil {
			t.Fatal(err)
		}
	}
	if err := fw.End(); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Type           string `json:"type"`
		TimeStamp      string `json:"timeStamp"`
		NumberMatched  int    `json:"numberMatched"`
		NumberReturned int    `json:"numberReturned"`
		Method         string `json:"method"`
		Links          []Link `json:"links"`
		Features       []struct {
			Type       string          `json:"type"`
			ID         string          `json:"id"`
			Geometry   json.RawMessage `json:"geometry"`
			Properties map[string]any  `json:"properties"`
		} `json:"features"`
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, buf.String())
	}
	if doc.Type != "FeatureCollection" || doc.TimeStamp != "2026-03-01T12:00:00Z" || doc.NumberMatched != 42 ||
		doc.NumberReturned != len(fs) || doc.Method != "grid" || len(doc.Links) != 1 || len(doc.Features) != len(fs) {
		t.Fatalf("header = %+v", doc)
	}
	p := doc.Features[0].Properties
	if p["name"] != "Dresden <Altstadt> & \"Neustadt\"\n" || p["population"] != 556780.0 || p["density"] != 1702.5 ||
		p["secret"] != false || p["none"] != nil || p["nan"] != nil {
		t.Errorf("properties = %v", p)
	}
	if m, _ := p["members"].([]any); len(m) != 2 || m[1] != "14628110" {
		t.Errorf("members = %v", p["members"])
	}
	if m, _ := p["ind"].(map[string]any); m["a"] != 1.5 || m["b"] != 2.0 {
		t.Errorf("ind = %v", p["ind"])
	}
	// Coordinates are rounded to 7 decimals and decode with orb.
	g, err := geojson.UnmarshalGeometry(doc.Features[0].Geometry)
	if err != nil {
		t.Fatal(err)
	}
	if pt := g.Geometry().(orb.Point); pt != (orb.Point{13.7372623, 51.0504071}) {
		t.Errorf("point = %v, want 7 decimals", pt)
	}
	if string(doc.Features[2].Geometry) != "null" {
		t.Errorf("nil geometry = %s, want null", doc.Features[2].Geometry)
	}
	for i := range fs {
		if doc.Features[i].Geometry == nil || string(doc.Features[i].Geometry) == "null" {
			continue
		}
		g, err := geojson.UnmarshalGeometry(doc.Features[i].Geometry)
		if err != nil {
			t.Fatalf("feature %s geometry: %v", fs[i].ID, err)
		}
		if g.Geometry().GeoJSONType() != fs[i].Geometry.GeoJSONType() {
			t.Errorf("feature %s type %s, want %s", fs[i].ID, g.Geometry().GeoJSONType(), fs[i].Geometry.GeoJSONType())
		}
	}
}

func TestAppendGeometryCRS(t *testing.T) {
	ll := orb.Point{13.7372621, 51.0504088}
	for _, c := range crs.Supported() {
		b, err := AppendGeometry(nil, ll, c)
		if err != nil {
			t.Fatal(err)
		}
		g, err := geojson.UnmarshalGeometry(b)
		if err != nil {
			t.Fatalf("%v: %s: %v", c, b, err)
		}
		got := g.Geometry().(orb.Point)
		want, _ := crs.FromLonLat(c, ll)
		tol := 0.5 * math.Pow(10, -float64(Decimals(c)))
		if math.Abs(got[0]-want[0]) > tol+1e-12 || math.Abs(got[1]-want[1]) > tol+1e-12 {
			t.Errorf("%v: got %v, want %v ± %g", c, got, want, tol)
		}
	}
	// EPSG:4326 puts latitude first.
	b, _ := AppendGeometry(nil, ll, crs.EPSG4326)
	if !strings.Contains(string(b), "[51.0504088,13.7372621]") {
		t.Errorf("EPSG:4326 output %s is not latitude first", b)
	}
}

func TestAppendStringMatchesEncodingJSON(t *testing.T) {
	for _, s := range []string{"", "plain", "ä ö ü ß", "<>&", "\x00\x1f\t\n\r\"\\", "\u2028\u2029", "\xff\xfe bad"} {
		got := appendString(nil, s)
		want, _ := json.Marshal(s)
		if string(got) != string(want) {
			t.Errorf("appendString(%q) = %s, want %s", s, got, want)
		}
	}
}

// TestStoredGeometryProjectedOnce: a feature that carries its stored
// geometry is written in another CRS from there: its own coordinates when
// the CRS is the stored one, one transformation otherwise; CRS84 output
// keeps the served geometry.
func TestStoredGeometryProjectedOnce(t *testing.T) {
	m := layers.Municipality{AGS: "14612000", Name: "Dresden",
		Geometry: orb.MultiPolygon{{{{411000.123, 5655000.456}, {412000.789, 5655000.001}, {412000.5, 5656000.25}, {411000.123, 5655000.456}}}}}
	f := layers.MunicipalityFeature(m)
	if f.Stored == nil || f.StoredCRS != crs.UTM33N {
		t.Fatalf("municipality feature carries stored geometry %v in %v, want its EPSG:25833 multipolygon", f.Stored, f.StoredCRS)
	}
	coords := func(c crs.Code, f layers.Feature) string {
		t.Helper()
		b, err := AppendFeature(nil, f, c, nil)
		if err != nil {
			t.Fatal(err)
		}
		var v struct {
			Geometry struct {
				Coordinates json.RawMessage `json:"coordinates"`
			} `json:"geometry"`
		}
		if err := json.Unmarshal(b, &v); err != nil {
			t.Fatal(err)
		}
		return string(v.Geometry.Coordinates)
	}
	if got, want := coords(crs.UTM33N, f), "[[[[411000.12,5655000.46],[412000.79,5655000],[412000.5,5656000.25],[411000.12,5655000.46]]]]"; got != want {
		t.Errorf("EPSG:25833 output %s, want the stored coordinates %s", got, want)
	}
	// The written geometry comes from the stored one, not from the served.
	moved := f
	moved.Geometry = orb.Point{0, 0}
	if got, want := coords(crs.UTM33N, moved), coords(crs.UTM33N, f); got != want {
		t.Errorf("EPSG:25833 output %s follows the served geometry, want the stored %s", got, want)
	}
	want, err := AppendGeometryFrom(nil, m.Geometry, crs.UTM33N, crs.WebMercator)
	if err != nil {
		t.Fatal(err)
	}
	if got := coords(crs.WebMercator, f); !strings.Contains(string(want), got) {
		t.Errorf("EPSG:3857 output %s, want %s", got, want)
	}
	// Without a stored geometry the served one is transformed; CRS84 output
	// is the served geometry.
	plain := f
	plain.Stored, plain.StoredCRS = nil, 0
	if a, b := coords(crs.CRS84, plain), coords(crs.CRS84, f); a != b {
		t.Errorf("CRS84 output differs with a stored geometry: %s, without %s", b, a)
	}
}

// TestAppendCoordShortest: coordinates are written as the shortest decimal
// of the value rounded to d decimals, as strconv writes it.
func TestAppendCoordShortest(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 7))
	values := []float64{0, -0.0, 1, -1, 0.5, 12.3140046, -12.3140046, 51.05, 1e-8, -4e-8, 5e-8, 4526700, 5655000.456, -20037508.342789244, 1e14, 123456789.12345678}
	for range 200000 {
		v := (rng.Float64() - 0.5) * math.Pow(10, float64(rng.IntN(12)-3))
		values = append(values, v)
	}
	for _, v := range values {
		for _, d := range []int{0, 2, 7, 8} {
			want := strconv.AppendFloat(nil, RoundCoord(v, d), 'f', -1, 64)
			if got := appendCoord(nil, v, d); string(got) != string(want) {
				t.Fatalf("appendCoord(%v, %d) = %s, want %s", v, d, got, want)
			}
		}
	}
}

// TestCellStoredSquare: a grid cell written in EPSG:3035 is its square as
// stored, corners in whole metres.
func TestCellStoredSquare(t *testing.T) {
	f := layers.CellFeature(layers.Cell{ID: "CRS3035RES100mN3100000E4560000", ResolutionM: 100})
	b, err := AppendFeature(nil, f, crs.LAEA, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := `"coordinates":[[[4560000,3100000],[4560100,3100000],[4560100,3100100],[4560000,3100100],[4560000,3100000]]]`
	if !strings.Contains(string(b), want) {
		t.Errorf("cell in EPSG:3035: %s\nwant %s", b, want)
	}
}
