package ogc

import (
	"errors"
	"math"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"reach/geo/crs"
	"reach/layers"
)

func TestParseBBox(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		crs     crs.Code
		want    orb.Bound
		wantErr string // substring of the reason; "" for success
	}{
		{"four numbers", "13.5,50.9,13.9,51.1", crs.CRS84, orb.Bound{Min: orb.Point{13.5, 50.9}, Max: orb.Point{13.9, 51.1}}, ""},
		{"spaces", " 13.5, 50.9 ,13.9,51.1", crs.CRS84, orb.Bound{Min: orb.Point{13.5, 50.9}, Max: orb.Point{13.9, 51.1}}, ""},
		{"six numbers drop heights", "13.5,50.9,0,13.9,51.1,100", crs.CRS84, orb.Bound{Min: orb.Point{13.5, 50.9}, Max: orb.Point{13.9, 51.1}}, ""},
		{"point box", "13,51,13,51", crs.CRS84, orb.Bound{Min: orb.Point{13, 51}, Max: orb.Point{13, 51}}, ""},
		{"epsg4326 lat first", "50.9,13.5,51.1,13.9", crs.EPSG4326, orb.Bound{Min: orb.Point{50.9, 13.5}, Max: orb.Point{51.1, 13.9}}, ""},
		{"projected metres", "400000,5600000,420000,5700000", crs.UTM33N, orb.Bound{Min: orb.Point{400000, 5600000}, Max: orb.Point{420000, 5700000}}, ""},
		{"three numbers", "1,2,3", crs.CRS84, orb.Bound{}, "has 3 numbers"},
		{"five numbers", "1,2,3,4,5", crs.CRS84, orb.Bound{}, "has 5 numbers"},
		{"empty", "", crs.CRS84, orb.Bound{}, "empty"},
		{"not a number", "a,2,3,4", crs.CRS84, orb.Bound{}, "not a finite number"},
		{"nan", "NaN,2,3,4", crs.CRS84, orb.Bound{}, "not a finite number"},
		{"inf", "1,2,Inf,4", crs.CRS84, orb.Bound{}, "not a finite number"},
		{"min over max x", "14,50,13,51", crs.CRS84, orb.Bound{}, "first axis minimum"},
		{"min over max y", "13,52,14,51", crs.CRS84, orb.Bound{}, "second axis minimum"},
		{"lat out of range", "13,-91,14,51", crs.CRS84, orb.Bound{}, "latitude -91"},
		{"lon out of range", "13,50,181,51", crs.CRS84, orb.Bound{}, "longitude 181"},
		{"4326 lat out of range", "50,13,95,14", crs.EPSG4326, orb.Bound{}, "latitude 95"},
		{"heights reversed", "13,50,10,14,51,5", crs.CRS84, orb.Bound{}, "height"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseBBox(tt.in, tt.crs)
			if tt.wantErr != "" {
				var pe ParamError
				if !errors.As(err, &pe) || pe.Name != "bbox" || !strings.Contains(pe.Reason, tt.wantErr) {
					t.Fatalf("ParseBBox(%q) error = %v, want bbox error containing %q", tt.in, err, tt.wantErr)
				}
				if pe.Value != tt.in {
					t.Errorf("error value = %q, want %q", pe.Value, tt.in)
				}
				if !errors.Is(err, layers.ErrInvalid) {
					t.Errorf("error does not wrap layers.ErrInvalid")
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseBBox(%q): %v", tt.in, err)
			}
			if got != tt.want {
				t.Errorf("ParseBBox(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestBBoxToCRS84(t *testing.T) {
	ll := orb.Bound{Min: orb.Point{13.5, 50.9}, Max: orb.Point{13.9, 51.1}}
	// 4326 is the same box with axes swapped.
	got, err := BBoxToCRS84(orb.Bound{Min: orb.Point{50.9, 13.5}, Max: orb.Point{51.1, 13.9}}, crs.EPSG4326)
	if err != nil || !boundNear(got, ll, 1e-12) {
		t.Errorf("BBoxToCRS84(4326) = %v, %v; want %v", got, err, ll)
	}
	// A UTM box made from the corners of ll contains ll after the round trip.
	utm, err := crs.BoundFromLonLat(crs.UTM33N, ll)
	if err != nil {
		t.Fatal(err)
	}
	back, err := BBoxToCRS84(utm, crs.UTM33N)
	if err != nil {
		t.Fatal(err)
	}
	if !back.Contains(ll.Min) || !back.Contains(ll.Max) {
		t.Errorf("BBoxToCRS84(UTM) = %v does not contain %v", back, ll)
	}
}

func boundNear(a, b orb.Bound, eps float64) bool {
	return math.Abs(a.Min[0]-b.Min[0]) < eps && math.Abs(a.Min[1]-b.Min[1]) < eps &&
		math.Abs(a.Max[0]-b.Max[0]) < eps && math.Abs(a.Max[1]-b.Max[1]) < eps
}

func TestParseCRS(t *testing.T) {
	tests := []struct {
		in   string
		want crs.Code
		ok   bool
	}{
		{"", crs.CRS84, true},
		{"http://www.opengis.net/def/crs/OGC/1.3/CRS84", crs.CRS84, true},
		{"http://www.opengis.net/def/crs/EPSG/0/25833", crs.UTM33N, true},
		{"http://www.opengis.net/def/crs/EPSG/0/4326", crs.EPSG4326, true},
		{"http://www.opengis.net/def/crs/EPSG/0/3035", crs.LAEA, true},
		{"http://www.opengis.net/def/crs/EPSG/0/3857", crs.WebMercator, true},
		{"EPSG:25833", crs.UTM33N, true},
		{"http://www.opengis.net/def/crs/EPSG/0/31468", 0, false},
		{"EPSG:25832", 0, false}, // read from files, not served
		{"nonsense", 0, false},
	}
	for _, tt := range tests {
		got, err := ParseCRS("crs", tt.in)
		if tt.ok != (err == nil) || got != tt.want {
			t.Errorf("ParseCRS(%q) = %v, %v; want %v, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
		var pe ParamError
		if err != nil && (!errors.As(err, &pe) || pe.Name != "crs" || pe.Value != tt.in) {
			t.Errorf("ParseCRS(%q) error %v does not name crs and the value", tt.in, err)
		}
	}
}

func TestParseLimit(t *testing.T) {
	tests := []struct {
		in   string
		want int
		ok   bool
	}{
		{"", DefaultLimit, true},
		{"1", 1, true},
		{"10000", 10000, true},
		{"10001", MaxLimit, true},                   // clamped, as OGC recommends
		{"99999999999999999999999", MaxLimit, true}, // overflow is still "too large"
		{"0", 0, false},
		{"-5", 0, false},
		{"-99999999999999999999999", 0, false},
		{"1.5", 0, false},
		{"ten", 0, false},
	}
	for _, tt := range tests {
		got, err := ParseLimit(tt.in)
		if tt.ok != (err == nil) || got != tt.want {
			t.Errorf("ParseLimit(%q) = %d, %v; want %d, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestParseFormat(t *testing.T) {
	tests := []struct {
		f, accept string
		want      Format
		ok        bool
	}{
		{"", "", FormatJSON, true},
		{"", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", FormatHTML, true},
		{"", "application/geo+json", FormatJSON, true},
		{"", "application/json, text/html;q=0.5", FormatJSON, true},
		{"", "*/*", FormatJSON, true},
		{"json", "text/html", FormatJSON, true},
		{"geojson", "", FormatJSON, true},
		{"html", "", FormatHTML, true},
		{"xml", "", "", false},
	}
	for _, tt := range tests {
		got, err := ParseFormat(tt.f, tt.accept)
		if tt.ok != (err == nil) || got != tt.want {
			t.Errorf("ParseFormat(%q, %q) = %q, %v; want %q ok=%v", tt.f, tt.accept, got, err, tt.want, tt.ok)
		}
	}
}

func facilitiesCollection(t testing.TB) layers.Collection {
	t.Helper()
	c, ok := layers.CollectionInfo(layers.CollFacilities)
	if !ok {
		t.Fatal("no facilities collection info")
	}
	return c
}

func TestParseItems(t *testing.T) {
	coll := facilitiesCollection(t)
	codec := CursorCodec{}
	q := url.Values{"bbox": {"13,50,14,51"}, "limit": {"50"}, "category": {"pharmacy"}, "crs": {"http://www.opengis.net/def/crs/EPSG/0/25833"},
		"cursor": {codec.Encode(coll.ID, "osm:node/5")}}
	p, err := ParseItems(q, coll, codec, "")
	if err != nil {
		t.Fatal(err)
	}
	if p.Query.Limit != 50 || p.CRS != crs.UTM33N || p.Query.After != "osm:node/5" || p.Query.Filters["category"] != "pharmacy" ||
		p.Query.BBox == nil || *p.Query.BBox != (orb.Bound{Min: orb.Point{13, 50}, Max: orb.Point{14, 51}}) || p.Format != FormatJSON {
		t.Errorf("ParseItems = %+v", p)
	}

	// Every wrong parameter is reported at once.
	bad := url.Values{"bbox": {"1,2,3"}, "limit": {"0"}, "colour": {"red"}, "capacity": {"many"}, "crs": {"EPSG:1"},
		"bbox-crs": {"EPSG:25833"}, "cursor": {"AAAA"}, "category": {"a", "b"}}
	_, err = ParseItems(bad, coll, codec, "")
	es := AsParamErrors(err)
	got := map[string]bool{}
	for _, e := range es {
		got[e.Name] = true
	}
	for _, want := range []string{"bbox", "limit", "colour", "capacity", "crs", "cursor", "category"} {
		if !got[want] {
			t.Errorf("ParseItems errors %v do not name %q", es, want)
		}
	}
	if !errors.Is(err, layers.ErrInvalid) {
		t.Errorf("error does not wrap ErrInvalid")
	}

	if _, err := ParseItems(url.Values{"bbox-crs": {"EPSG:25833"}}, coll, codec, ""); err == nil || !strings.Contains(err.Error(), "without bbox") {
		t.Errorf("bbox-crs without bbox: err = %v", err)
	}
	// bbox in UTM is converted to a CRS84 box containing it.
	p, err = ParseItems(url.Values{"bbox": {"400000,5640000,410000,5650000"}, "bbox-crs": {"EPSG:25833"}}, coll, codec, "")
	if err != nil {
		t.Fatal(err)
	}
	corner, _ := crs.ToLonLat(crs.UTM33N, orb.Point{400000, 5640000})
	if !p.Query.BBox.Contains(corner) || p.Query.BBox.Min[0] < 11 || p.Query.BBox.Max[0] > 16 {
		t.Errorf("UTM bbox → %v, does not contain %v", p.Query.BBox, corner)
	}
}

func TestCheckOnly(t *testing.T) {
	err := CheckOnly(url.Values{"budget": {"1"}, "x": {"2"}, "y": {"3"}}, "budget")
	es := AsParamErrors(err)
	if len(es) != 2 || es[0].Name != "x" || es[1].Name != "y" {
		t.Errorf("CheckOnly = %v, want errors for x and y", es)
	}
	if err := CheckOnly(url.Values{"budget": {"1"}}, "budget"); err != nil {
		t.Errorf("CheckOnly(valid) = %v", err)
	}
}

func TestCursor(t *testing.T) {
	c := CursorCodec{Key: []byte("k")}
	for _, id := range []string{"", "a", "14628110", "osm:node/123", "ü\x00x", strings.Repeat("z", 500)} {
		tok := c.Encode("facilities", id)
		if strings.ContainsAny(tok, "+/=") {
			t.Errorf("token %q is not base64url without padding", tok)
		}
		got, err := c.Decode("facilities", tok)
		if err != nil || got != id {
			t.Errorf("Decode(Encode(%q)) = %q, %v", id, got, err)
		}
		if _, err := c.Decode("roads", tok); err == nil {
			t.Errorf("a facilities cursor decoded for roads")
		}
		if _, err := (CursorCodec{Key: []byte("other")}).Decode("facilities", tok); err == nil {
			t.Errorf("a cursor decoded under another key")
		}
		// Flipping any one character must be detected.
		for i := range tok {
			b := []byte(tok)
			if b[i] == 'A' {
				b[i] = 'B'
			} else {
				b[i] = 'A'
			}
			if got, err := c.Decode("facilities", string(b)); err == nil && got != id {
				t.Errorf("tampered token %q decoded to %q", b, got)
			}
		}
	}
	for _, bad := range []string{"", "!!!", "AAAA", "abc=", strings.Repeat("A", MaxCursorLen+1)} {
		_, err := c.Decode("facilities", bad)
		var pe ParamError
		if !errors.As(err, &pe) || pe.Name != "cursor" {
			t.Errorf("Decode(%q) = %v, want a cursor error", bad, err)
		}
	}
}

// TestPageCursor: a cursor with the way back round-trips for ids of any
// bytes, Prev walks back to the first page (After ""), a cursor remembers at
// most MaxCursorBack pages, tampering and another collection are refused,
// and tokens without a way back (Encode) still decode.
func TestPageCursor(t *testing.T) {
	c := CursorCodec{Key: []byte("k")}
	ids := []string{"a", "osm:node/1", "ü\x00x", "", strings.Repeat("z", 90)}
	var pc PageCursor
	var seen []PageCursor
	for _, id := range ids {
		seen = append(seen, pc)
		pc = pc.Next(id)
		tok := c.EncodePage("facilities", pc)
		got, err := c.DecodePage("facilities", tok)
		if err != nil || got.After != pc.After || strings.Join(got.Back, "|") != strings.Join(pc.Back, "|") || len(got.Back) != len(pc.Back) {
			t.Fatalf("DecodePage(EncodePage(%+v)) = %+v, %v", pc, got, err)
		}
		if _, err := c.DecodePage("roads", tok); err == nil {
			t.Errorf("a facilities cursor decoded for roads")
		}
		for i := range tok {
			b := []byte(tok)
			if b[i] == 'A' {
				b[i] = 'B'
			} else {
				b[i] = 'A'
			}
			if got, err := c.DecodePage("facilities", string(b)); err == nil && (got.After != pc.After || len(got.Back) != len(pc.Back)) {
				t.Errorf("tampered token %q decoded to %+v", b, got)
			}
		}
	}
	// Walking back gives every earlier position, then no prev.
	for i := len(seen) - 1; i >= 0; i-- {
		prev, ok := pc.Prev()
		if !ok || prev.After != seen[i].After || len(prev.Back) != len(seen[i].Back) {
			t.Fatalf("step back %d: %+v %v, want %+v", i, prev, ok, seen[i])
		}
		pc = prev
	}
	if _, ok := pc.Prev(); ok {
		t.Errorf("the first page has a prev")
	}
	// Tokens of Encode decode without a way back.
	got, err := c.DecodePage("facilities", c.Encode("facilities", "x"))
	if err != nil || got.After != "x" || got.Back != nil {
		t.Errorf("DecodePage(Encode) = %+v, %v", got, err)
	}
	// The way back is bounded.
	pc = PageCursor{}
	for i := range 3 * MaxCursorBack {
		pc = pc.Next(strconv.Itoa(i))
	}
	got, err = c.DecodePage("facilities", c.EncodePage("facilities", pc))
	if err != nil || len(got.Back) != MaxCursorBack || got.Back[len(got.Back)-1] != pc.Back[len(pc.Back)-1] {
		t.Errorf("long history: %d entries back (%v), want the last %d", len(got.Back), err, MaxCursorBack)
	}
	long := PageCursor{After: strings.Repeat("x", 700), Back: []string{"", strings.Repeat("y", 700), strings.Repeat("z", 700)}}
	tok := c.EncodePage("facilities", long)
	if got, err := c.DecodePage("facilities", tok); err != nil || len(tok) > MaxCursorLen || got.After != long.After || len(got.Back) == 3 {
		t.Errorf("long ids: token %d bytes, %d back, %v", len(tok), len(got.Back), err)
	}
}
