package ogc

import (
	"encoding/json"
	"math"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"reach/geo/crs"
	"reach/layers"
	"reach/layers/query"
)

func FuzzParseBBox(f *testing.F) {
	for _, s := range []string{"13,50,14,51", "1,2,3", "13,50,0,14,51,9", "a,b,c,d", "NaN,1,2,3", "-180,-90,180,90", "1e400,0,0,0"} {
		f.Add(s, int(crs.CRS84))
		f.Add(s, int(crs.EPSG4326))
		f.Add(s, int(crs.UTM33N))
	}
	f.Fuzz(func(t *testing.T, s string, code int) {
		c := crs.Code(code)
		if !c.Valid() {
			c = crs.CRS84
		}
		b, err := ParseBBox(s, c)
		if err != nil {
			pe, ok := err.(ParamError)
			if !ok || pe.Name != "bbox" || pe.Value != s {
				t.Fatalf("error %#v does not name bbox and the value", err)
			}
			return
		}
		for _, v := range []float64{b.Min[0], b.Min[1], b.Max[0], b.Max[1]} {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatalf("ParseBBox(%q) = %v: not finite", s, b)
			}
		}
		if b.Min[0] > b.Max[0] || b.Min[1] > b.Max[1] {
			t.Fatalf("ParseBBox(%q) = %v: min > max", s, b)
		}
		lat := 1
		if c == crs.EPSG4326 {
			lat = 0
		}
		if (c == crs.CRS84 || c == crs.EPSG4326) && (b.Min[lat] < -90 || b.Max[lat] > 90) {
			t.Fatalf("ParseBBox(%q) = %v: latitude out of range", s, b)
		}
		if n := strings.Count(s, ","); n != 3 && n != 5 {
			t.Fatalf("ParseBBox(%q) accepted %d numbers", s, n+1)
		}
	})
}

func FuzzParseCRS(f *testing.F) {
	for _, s := range []string{"", "EPSG:25833", "http://www.opengis.net/def/crs/EPSG/0/4326", "CRS84", "urn:ogc:def:crs:EPSG::3035", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseCRS("crs", s)
		if err != nil {
			if pe, ok := err.(ParamError); !ok || pe.Name != "crs" {
				t.Fatalf("error %v does not name crs", err)
			}
			return
		}
		if !c.Valid() {
			t.Fatalf("ParseCRS(%q) = %v, not a supported code", s, c)
		}
		// The URI we advertise parses back to the same code.
		if back, err := ParseCRS("crs", c.URI()); err != nil || back != c {
			t.Fatalf("URI %q of %v parses to %v, %v", c.URI(), c, back, err)
		}
	})
}

func FuzzParseLimit(f *testing.F) {
	for _, s := range []string{"", "0", "1", "10", "10000", "10001", "-1", "1.5", "9999999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseLimit(s)
		if err != nil {
			if pe, ok := err.(ParamError); !ok || pe.Name != "limit" {
				t.Fatalf("error %v does not name limit", err)
			}
			return
		}
		if n < 1 || n > MaxLimit {
			t.Fatalf("ParseLimit(%q) = %d, outside 1…%d", s, n, MaxLimit)
		}
	})
}

func FuzzCursor(f *testing.F) {
	f.Add("facilities", "osm:node/1", "AAAA")
	f.Add("roads", "12345", "")
	f.Fuzz(func(t *testing.T, coll, id, token string) {
		c := CursorCodec{Key: []byte("fuzz")}
		got, err := c.Decode(coll, c.Encode(coll, id))
		if strings.IndexByte(coll, 0) < 0 && len(c.Encode(coll, id)) <= MaxCursorLen {
			if err != nil || got != id {
				t.Fatalf("round trip of (%q, %q) = %q, %v", coll, id, got, err)
			}
		}
		// Arbitrary tokens never panic and either fail with a cursor error or
		// are tokens of this codec.
		if id2, err := c.Decode(coll, token); err == nil {
			if pc, _ := c.DecodePage(coll, token); pc.After != id2 || c.EncodePage(coll, pc) != token {
				t.Fatalf("Decode accepted %q, which EncodePage would not make", token)
			}
		} else if pe, ok := err.(ParamError); !ok || pe.Name != "cursor" {
			t.Fatalf("error %v does not name cursor", err)
		}
		// With the way back: round trip, and arbitrary tokens decode only
		// to what EncodePage makes of them.
		if strings.IndexByte(coll, 0) < 0 && len(coll)+len(token)+len(id) < 1000 {
			pc := PageCursor{After: token, Back: []string{"", id}}
			if tok := c.EncodePage(coll, pc); len(tok) <= MaxCursorLen {
				got, err := c.DecodePage(coll, tok)
				if err != nil || got.After != pc.After || len(got.Back) == 0 || got.Back[len(got.Back)-1] != id {
					t.Fatalf("page round trip of %+v = %+v, %v", pc, got, err)
				}
			}
		}
		if pc, err := c.DecodePage(coll, token); err == nil {
			if c.EncodePage(coll, pc) != token {
				t.Fatalf("DecodePage accepted %q, which EncodePage would not make", token)
			}
		} else if pe, ok := err.(ParamError); !ok || pe.Name != "cursor" {
			t.Fatalf("page error %v does not name cursor", err)
		}
	})
}

func FuzzParseItems(f *testing.F) {
	f.Add("bbox=13,50,14,51&limit=5&category=pharmacy")
	f.Add("foo=1&limit=x&crs=EPSG:9")
	f.Add("ags=14628110&source=osm&f=html")
	coll, _ := layers.CollectionInfo(layers.CollFacilities)
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		p, err := ParseItems(q, coll, CursorCodec{}, "")
		if err != nil {
			es := AsParamErrors(err)
			if len(es) == 0 {
				t.Fatalf("error %v carries no parameter errors", err)
			}
			for _, e := range es {
				if e.Name == "" || e.Reason == "" {
					t.Fatalf("error %+v lacks a name or reason", e)
				}
			}
			return
		}
		if p.Query.Limit < 1 || p.Query.Limit > MaxLimit {
			t.Fatalf("limit %d", p.Query.Limit)
		}
		// Every accepted filter is a filterable property, and validates in layers.
		if err := query.CheckParams(coll, p.Query.Filters); err != nil {
			t.Fatalf("accepted filters %v: %v", p.Query.Filters, err)
		}
		for k := range q {
			known := false
			for _, n := range ItemsParamNames() {
				known = known || n == k
			}
			if _, ok := p.Query.Filters[k]; !known && !ok {
				t.Fatalf("parameter %q accepted but not used", k)
			}
		}
	})
}

func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "a\"b", "\xff", "\u2028", "<script>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b := appendString(nil, s)
		var back string
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("appendString(%q) = %s: invalid JSON: %v", s, b, err)
		}
		if want := strings.ToValidUTF8(s, "\uFFFD"); utf8.ValidString(s) && back != want {
			t.Fatalf("round trip of %q = %q", s, back)
		}
	})
}
